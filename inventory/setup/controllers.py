"""The first-day set-up, the installation's settings page and the starter categories."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.core.settings import Settings
from inventory.setup import rules, service
from inventory.web.dependencies import ProcessSettings
from inventory.web.pages import form_data, form_post, render, see_other


def _form_values(request: Request, settings, fixed, stored: dict[str, str]) -> dict[str, str]:
    """What the form shows: the effective values; before the first save, the address this
    page was reached at, and a prefix proposed later from the organisation's name."""
    values = {name: getattr(settings, name) or "" for name in service.KEYS}
    if "base_url" not in stored and "base_url" not in fixed:
        values["base_url"] = str(request.base_url).rstrip("/")
    if "label_owner" not in stored and "label_owner" not in fixed:
        values["label_owner"] = ""
    if "tag_prefix" not in stored and "tag_prefix" not in fixed:
        values["tag_prefix"] = ""  # proposed from the organisation's name once typed
    return values


async def _page(request: Request, base: Settings, template: str, status: int = 200, errors=None,
                values=None, **context) -> Template:
    """`base`: the process's settings (what the environment fixes), not yet the set-up's."""
    settings = await service.effective(base)
    if values is None:
        values = _form_values(request, settings, base.fixed, await service.stored_values())
    address = rules.clean_address(values.get("base_url", ""))
    warning = None
    if not errors or "base_url" in (errors or {}):
        warning = rules.address_warning(address) if address and not \
            rules.address_problem(address) else None
    return render(template, status, values=values, errors=errors or {}, fixed=base.fixed,
                  labels=rules.SETTING_LABELS, env_names=_env_names(), warning=warning,
                  address=address, **context)


def _env_names() -> dict[str, str]:
    from inventory.core.settings import INSTALLATION_ENV

    return INSTALLATION_ENV


async def _setup_context(request: Request, raw=None) -> dict:
    user = request.user
    return {"starter": service.starter_rows(raw) if not await service.has_categories() else None,
            "display_name": user.name if raw is None else raw.get("display_name", ""),
            "user_email": user.email}


@get("/setup", permission=p.SETTINGS_MANAGE)
async def setup_form(request: Request, settings: ProcessSettings) -> Template | Redirect:
    if not await service.setup_pending():
        return see_other("/admin/settings")
    return await _page(request, settings, "setup/setup.html", **await _setup_context(request))


@post("/setup", permission=p.SETTINGS_MANAGE)
async def setup_save(request: Request, settings: ProcessSettings) -> Response:
    data = await form_data(request)
    if not data.get("tag_prefix", "").strip() and "tag_prefix" not in settings.fixed:
        data["tag_prefix"] = rules.propose_prefix(data.get("label_owner", ""))

    async def refused(errors: dict[str, str]) -> Template:
        return await _page(request, settings, "setup/setup.html", 400, errors=errors,
                           values=data, **await _setup_context(request, data))

    return await form_post(
        service.complete_setup(data, settings, request.user.id, request.user.actor),
        done="/?welcome=1", invalid=refused)


@get("/admin/settings", permission=p.SETTINGS_MANAGE)
async def settings_form(request: Request, settings: ProcessSettings) -> Template:
    return await _page(request, settings, "setup/settings.html",
                       saved=request.query_params.get("saved"))


@post("/admin/settings", permission=p.SETTINGS_MANAGE)
async def settings_save(request: Request, settings: ProcessSettings) -> Response:
    data = await form_data(request)
    return await form_post(
        service.save(data, settings, request.user.actor), done="/admin/settings?saved=1",
        invalid=lambda errors: _page(request, settings, "setup/settings.html", 400,
                                     errors=errors, values=data))


@post("/categories/starter", permission=p.CATALOG_WRITE)
async def starter_categories(request: Request) -> Response:
    from inventory.catalog.controllers import categories_page

    data = await form_data(request)
    return await form_post(
        service.create_starter_categories(data, request.user.actor),
        done=lambda created: f"/categories?created={created}",
        invalid=lambda errors: categories_page(request, 400, starter=service.starter_rows(data),
                                               starter_errors=errors))


setup_routes = [setup_form, setup_save, settings_form, settings_save, starter_categories]
