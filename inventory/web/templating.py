"""The template engine: one Jinja2 environment per language, literals translated, every
output escaped, and the filters and globals pages use."""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    Template,
    nodes,
    pass_context,
    pass_environment,
    select_autoescape,
)
from jinja2 import TemplateNotFound as JinjaTemplateNotFound
from jinja2.compiler import CodeGenerator
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, new_context
from jinja2.visitor import NodeTransformer
from litestar.exceptions import TemplateNotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.base import csrf_token
from markupsafe import Markup, escape

try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # MarkupSafe without its C extension
    from markupsafe._native import _escape_inner

from inventory.accounts.names import person
from inventory.assets.rules import STATUSES
from inventory.core import clock, i18n
from inventory.core.formatters import (
    bp_to_input,
    cents_to_input,
    format_bp,
    format_cents,
    format_date,
    format_datetime,
    format_decimal,
    format_mm,
    format_unix,
)
from inventory.core.settings import PROJECT_ROOT
from inventory.sites.rules import ROOM_KINDS, SITE_KINDS
from inventory.web.pages import label, query_string
from inventory.web.static import static_url

TEMPLATE_DIR = PROJECT_ROOT / "templates"


@pass_context
def current_user(context) -> Any:
    request = context.get("request")
    return request.scope.get("user") if request is not None else None


@pass_context
def csrf_field(context) -> Markup:
    """The hidden field every state-changing form posts (checked by Litestar's CSRF)."""
    token = csrf_token(context) if context.get("request") is not None else ""
    return Markup(f'<input type="hidden" name="_csrf_token" value="{escape(token)}">')


@pass_context
def can(context, permission: str) -> bool:
    """Templates show only the actions the person may take (the guard still checks)."""
    from inventory.accounts.permissions import allows

    user = current_user(context)
    return user.can(permission) if user else allows(None, permission)


@pass_context
def navigation(context) -> dict:
    """The menu of the signed-in person's role: all of it (desktop), and the phone's bottom
    bar with the rest under "More", each as its list items' HTML."""
    from inventory.accounts import permissions

    user = current_user(context)
    role = user.role if user else None
    wide = user.installation_wide if user else True
    request = context.get("request")
    path = request.url.path if request is not None else ""
    current = tuple(item.key for item in _role_menus(role, wide)[0] if item.current(path))
    home = str(permissions.home_label(role))
    environment = context.environment
    # With template reloading (INVENTORY_DEBUG=1), an edited _nav_items.html shows at once.
    drawn = _drawn_menus.__wrapped__ if environment.auto_reload else _drawn_menus
    menu_html, bar_html, more_html = drawn(environment, role, wide, current, home)
    return {"menu": menu_html, "bar": bar_html, "more": more_html, "path": path}


@lru_cache(maxsize=64)
def _role_menus(role: str | None, installation_wide: bool) -> tuple[tuple, tuple, tuple]:
    """(the whole menu, the phone's bar, "More") of a role: fixed by the permission table,
    worked out once rather than ~40 permission checks on every page."""
    from inventory.accounts import permissions

    bar, more = permissions.bottom_bar(role, installation_wide)
    return tuple(permissions.menu(role, installation_wide)), tuple(bar), tuple(more)


@lru_cache(maxsize=512)
def _drawn_menus(environment: Environment, role: str | None, installation_wide: bool,
                 current: tuple[str, ...], home_label: str) -> tuple[Markup, Markup, Markup]:
    """A role's three menus' links, rendered once per language, role and current page: the
    menus are on every page, and rendering their ~30 links each time was a fifth of a
    page's work. Keyed by the role, not by the items (hashing ~20 items per page cost more
    than the lookup)."""
    template = environment.get_template("_nav_items.html")

    def drawn(items: tuple) -> Markup:
        return Markup(template.render(items=items, current=current, home_label=home_label))

    menu, bar, more = _role_menus(role, installation_wide)
    return drawn(menu), drawn(bar), drawn(more)


@pass_environment
def drawn_once(environment: Environment, name: str) -> Markup:
    """A template that reads nothing of the page, only `language` (the environment's) and the
    static files' addresses, rendered once per language: included, it cost a context a page."""
    if environment.auto_reload:  # INVENTORY_DEBUG: a changed file shows at once
        return _drawn_once.__wrapped__(environment, name)
    return _drawn_once(environment, name)


@lru_cache(maxsize=64)
def _drawn_once(environment: Environment, name: str) -> Markup:
    language = getattr(environment, "language", i18n.DEFAULT_LANGUAGE)
    return Markup(environment.get_template(name).render(language=language))


def select_options(rows: Iterable[Mapping[str, Any]], value_key: str, text_key: str,
                   selected: Any = None) -> Markup:
    """A <select>'s options for `rows`, `selected` marked. A région's list filter offers
    its ~500 sites on every page: the options are drawn once per distinct list (a cache
    keyed by the values and texts, read afresh from the database each time, so it is
    never stale) and the choice is marked in the drawn text."""
    choices = tuple((str(row[value_key]), str(row[text_key])) for row in rows)
    html = _drawn_options(choices)
    if selected is None or selected == "":
        return html
    value = f'<option value="{escape(str(selected))}">'
    return Markup(str(html).replace(value, value[:-1] + " selected>", 1))


@lru_cache(maxsize=64)
def _drawn_options(choices: tuple[tuple[str, str], ...]) -> Markup:
    return Markup("".join(f'<option value="{escape(value)}">{escape(text)}</option>'
                          for value, text in choices))


class _TranslateLiterals(NodeTransformer):
    """Replace `_("literal", name=value...)` by its translation, Markup-wrapped and %-formatted
    exactly as Jinja's new-style gettext does at render time, so a page no longer makes a
    Python call per message (~50 on the asset page)."""

    def __init__(self, translations):
        self.translations = translations

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        call = self.generic_visit(node)  # the same Call, its arguments visited
        if (isinstance(call, nodes.Call)
                and isinstance(call.node, nodes.Name) and call.node.name == "_"
                and len(call.args) == 1 and isinstance(call.args[0], nodes.Const)
                and isinstance(call.args[0].value, str)
                and call.dyn_args is None and call.dyn_kwargs is None):
            translated = self.translations.gettext(call.args[0].value)
            values = nodes.Dict([nodes.Pair(nodes.Const(kw.key), kw.value) for kw in call.kwargs])
            return nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(translated)), values,
                             lineno=call.lineno)
        return call


def _escape_output(value: Any) -> str:
    """What autoescaping writes into a page for `value`: markupsafe.escape's text, without
    building a Markup object that the page's join throws away at once (~370 times on a list
    page). Only for values written out, never for values a template goes on using."""
    if type(value) is str:
        return _escape_inner(value)
    return str(escape(value))


class _OutputCodeGenerator(CodeGenerator):
    """Compiles `{{ value }}` under autoescaping to `environment.escape_output(value)`."""

    def _output_child_pre(self, node: nodes.Expr, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("environment.escape_output(")
        else:
            super()._output_child_pre(node, frame, finalize)


_DICT_ATTRIBUTES = frozenset(dir(dict))


# The indentation that makes templates readable is bytes on a weak link (about 5 % of a
# compressed asset page). It goes when a template is compiled, so no render pays for it; a
# line break stays (it is the space between inline elements), and <pre> and <textarea>,
# where white space is content, are kept as written.
_KEPT_AS_WRITTEN = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", re.S)
_INDENTATION = re.compile(r"\n[ \t]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def strip_indentation(source: str) -> str:
    parts = _KEPT_AS_WRITTEN.split(source)
    for i in range(0, len(parts), 2):  # the even parts are outside <pre> and <textarea>
        parts[i] = _BLANK_LINES.sub("\n", _INDENTATION.sub("\n", parts[i]))
    return "".join(parts)


# The contexts of the templates included (or imported with context) by the page being rendered.
_included_contexts: ContextVar[list[Context] | None] = ContextVar("included_contexts",
                                                                  default=None)


class PageTemplate(Template):
    """A template whose rendering leaves no reference cycle behind.

    A macro defined in a template keeps the template's context (to call functions, read its
    variables) and the context keeps the macro: a cycle, holding every variable of the page
    (the request, the rows), which only the cycle collector frees, not the end of the
    request. Once the page is written out its contexts are emptied, which breaks them."""

    def _own_globals(self) -> bool:
        """Whether this template has globals of its own (none here: a test says so) over
        the environment's; Jinja keeps them as a ChainMap, slow to read in Python."""
        return not isinstance(self.globals, ChainMap) or bool(self.globals.maps[0])

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> Context:
        # The environment's globals as they are, when they are all the template has: every
        # context copied the ChainMap key by key in Python (11 µs a page, 3 an include).
        globals_ = self.globals if self._own_globals() else self.environment.globals
        context = new_context(self.environment, self.name, self.blocks, vars, shared,
                              globals_, locals)
        included = _included_contexts.get()
        if shared and included is not None:  # an include's, or an import's with context
            included.append(context)
        return context

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        # On every `{% from ... import %}` Jinja checks whether the importing page has
        # globals this template lacks, to build the module again for them: a set difference
        # over the ChainMap, 14 µs, more than calling the macro. The same check against the
        # environment's dict, when that is all this template has, takes well under one.
        if (ctx is not None and not self._own_globals()
                and ctx.globals_keys.issubset(self.environment.globals)):
            ctx = None  # nothing new: the module built once serves
        return super()._get_default_module(ctx)

    def render(self, *args: Any, **kwargs: Any) -> str:
        included: list[Context] = []
        token = _included_contexts.set(included)
        context = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(self.root_render_func(context))
        except Exception:
            self.environment.handle_exception()
        finally:
            _included_contexts.reset(token)
            for done in (context, *included):
                done.vars.clear()
                done.exported_vars.clear()


class LanguageEnvironment(Environment):
    """A Jinja environment whose templates are compiled for one language: literal messages
    are translated once, when a template is compiled, instead of on every render."""

    code_generator_class = _OutputCodeGenerator
    template_class = PageTemplate

    def preprocess(self, source: str, name: str | None = None,
                   filename: str | None = None) -> str:
        return super().preprocess(strip_indentation(source), name, filename)

    def __init__(self, language: str, **options: Any):
        super().__init__(**options)
        self.language = language
        self.escape_output = _escape_output  # an attribute: no bound method per call

    def _parse(self, source, name, filename) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        return _TranslateLiterals(i18n.translations(self.language)).visit(tree)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `row.tag` on a dict: Jinja tries getattr() first, which fails with an exception
        # for every field read (600 on a list page). A plain dict's only attributes are
        # dict's own, so for any other name the key is the answer, as it was before.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class LanguageTemplateEngine(JinjaTemplateEngine):
    """Litestar's Jinja engine over one environment per language, picking the reader's."""

    def __init__(self, environments: dict[str, Environment]):
        self.environments = environments
        super().__init__(engine_instance=environments[i18n.DEFAULT_LANGUAGE])

    def get_template(self, template_name: str):
        try:
            return self.environments[i18n.get_language()].get_template(template_name)
        except JinjaTemplateNotFound as exc:
            raise TemplateNotFoundException(template_name=template_name) from exc

    def register_template_callable(self, key: str, template_callable) -> None:
        for environment in self.environments.values():
            environment.globals[key] = pass_context(template_callable)

    def render_string(self, template_string: str, context) -> str:
        environment = self.environments[i18n.get_language()]
        return environment.from_string(template_string).render(context)


def make_environment(language: str = i18n.DEFAULT_LANGUAGE, reload: bool = False) -> Environment:
    """`reload` (INVENTORY_DEBUG=1): a template changed on disk is compiled again on its next
    render; off in service, where checking every file's date on each render costs time."""
    env = LanguageEnvironment(
        language,
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        auto_reload=reload,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Added to the environment by the jinja2.ext.i18n extension (Environment.extend), which
    # a static checker cannot see.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals.update(
        STATUSES=STATUSES,
        SITE_KINDS=SITE_KINDS,
        ROOM_KINDS=ROOM_KINDS,
        LANGUAGES=i18n.LANGUAGES,
        current_language=i18n.get_language,
        query_string=query_string,
        today=clock.today,
        can=can,
        navigation=navigation,
        statuses_text=lambda: {key: str(text) for key, text in STATUSES.items()},
        csrf_field=csrf_field,
        select_options=select_options,
        drawn_once=drawn_once,
        current_user=current_user,
        static_url=static_url,
    )
    env.filters.update(
        cents=format_cents,
        cents_input=cents_to_input,
        percent_bp=format_bp,
        decimal=format_decimal,
        mm=format_mm,
        unix_datetime=format_unix,
        bp_input=bp_to_input,
        date=format_date,
        datetime=format_datetime,
        status_label=lambda key: label(STATUSES, key),
        site_kind=lambda key: label(SITE_KINDS, key),
        room_kind=lambda key: label(ROOM_KINDS, key),
        options=lambda rows, key, text: [(row[key], row[text]) for row in rows],
        person=person,
    )
    return env


def make_template_engine(reload: bool = False) -> LanguageTemplateEngine:
    return LanguageTemplateEngine({language: make_environment(language, reload)
                                   for language in i18n.LANGUAGES})
