"""Rendering leaves no garbage for the cycle collector: a page's objects (the request, its
rows) are freed as soon as the page is sent, not by a collector pass that stalls every
request in flight."""

import gc

from inventory.assets.queries import SORT_COLUMNS
from inventory.assets.rules import STATUSES
from inventory.assets.service import AssetFilter, AssetPage
from inventory.web.pages import query_string
from inventory.web.templating import make_environment


def _row(n: int) -> dict:
    return {"tag": f"BRN-{n:06d}", "status": "in_service", "serial": "S", "purchase_date": None,
            "eol_year": 2030, "warranty_end": "2027-01-31", "category_code": "TNI",
            "category_name": "TNI", "manufacturer": "Epson", "model_name": "EB-1",
            "site_code": "EE-CURIE", "site_name": "École Curie", "room_id": 1,
            "room_name": "Classe 1"}


def test_the_asset_list_leaves_no_reference_cycle():
    template = make_environment("fr").get_template("assets/_list.html")
    f = AssetFilter(site="EE-CURIE", category="TNI", sort="site", descending=True, page=2)
    context = dict(
        f=f, page=AssetPage(rows=[_row(n) for n in range(50)], total=120, page=2, pages=3),
        choices={"sites": [], "categories": [], "rooms": []}, statuses=STATUSES, oob=False,
        sort_urls={key: "/assets" + query_string(f.sort_args(key)) for key in SORT_COLUMNS})
    template.render(**context)  # compiled and cached before counting
    gc.collect()
    gc.disable()
    try:
        html = template.render(**context)
        assert 'aria-sort="descending"' in html and "BRN-000049" in html
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_values_written_out_are_escaped_as_markupsafe_escapes_them():
    from markupsafe import Markup, escape

    from inventory.core.i18n import lazy_gettext

    env = make_environment("en")
    values = ['<b title="x">Tom & Jerry\'s</b>', Markup("<i>safe</i>"), 42, -1.5, None, True,
              lazy_gettext("Assets"), ["<a>"], {"k": "<v>"}]
    for value in values:
        assert env.from_string("{{ v }}").render(v=value) == str(escape(value))
    assert env.from_string("{{ missing }}|{{ v|upper }}").render(v="<x>") == "|&lt;X&gt;"
    macro = ("{% macro m(x) %}<p>{{ x }}</p>{% endmacro %}{{ m('<&>') }}"
             "{% set y %}{{ '<' }}{% endset %}{{ y }}")
    assert env.from_string(macro).render() == "<p>&lt;&amp;&gt;</p>&lt;"


def test_select_options_mark_the_choice_and_escape_names():
    from inventory.web.templating import select_options

    sites = [{"code": "EE-CURIE", "name": "École <Curie> & fils"},
             {"code": "GS-FERRY", "name": "Groupe \"Ferry\""}]
    none = select_options(sites, "code", "name")
    assert str(none) == ('<option value="EE-CURIE">École &lt;Curie&gt; &amp; fils</option>'
                         '<option value="GS-FERRY">Groupe &#34;Ferry&#34;</option>')
    chosen = select_options(sites, "code", "name", "GS-FERRY")
    assert '<option value="GS-FERRY" selected>' in chosen
    assert chosen.count("selected") == 1
    # The drawn options are shared; choosing one marks a copy, never the shared text.
    assert "selected" not in select_options(sites, "code", "name", "")
    assert "selected" not in select_options(sites, "code", "name", "XX-NONE")
    # A renamed site is drawn afresh (the cache is keyed by what the rows hold).
    renamed = select_options([{"code": "EE-CURIE", "name": "École Curie"}], "code", "name")
    assert str(renamed) == '<option value="EE-CURIE">École Curie</option>'
    # Values that are not text (an id) are compared as text.
    ids = select_options([{"id": 3, "name": "A"}, {"id": 30, "name": "B"}], "id", "name", 30)
    assert '<option value="30" selected>B</option>' in ids and 'value="3">' in ids


def test_query_strings_are_encoded_as_urlencode_encodes_them():
    from urllib.parse import urlencode

    params = {"q": "é è&=+ /%", "page": 3, "blank": "", "none": None, "ß k": True}
    kept = {k: v for k, v in params.items() if v not in ("", None)}
    assert query_string(params) == "?" + urlencode(kept)
    assert query_string({"blank": "", "none": None}) == ""


def test_the_offline_head_is_drawn_once_per_language():
    from inventory.web.templating import make_environment

    fr, en = make_environment("fr"), make_environment("en")
    page = "{{ drawn_once('offline/_head.html') }}"
    first = fr.from_string(page).render()
    assert "offline-words.fr." in first and 'rel="manifest"' in first
    assert "offline-words.en." in en.from_string(page).render()
    assert fr.from_string(page).render() == first  # drawn once, the same each time
    assert fr.globals["drawn_once"](fr, "offline/_head.html") is fr.globals["drawn_once"](
        fr, "offline/_head.html")


def test_no_template_has_globals_of_its_own():
    """PageTemplate builds an imported template's macros once for every page that imports
    them, which holds while no template is loaded with globals of its own."""
    from inventory.web.templating import make_environment

    env = make_environment("fr")
    for name in env.list_templates():
        template = env.get_template(name)
        assert template.globals.maps[0] == {}, name
        assert template.globals.maps[1] is env.globals
    # A template given globals of its own (none is, in the app) still sees them.
    assert env.from_string("{{ own }}|{{ LANGUAGES|length }}", globals={"own": "x"}).render() == "x|2"
    # An imported macro still sees the environment's globals and its caller's arguments.
    page = env.from_string('{% from "_macros.html" import page_head %}'
                           '{{ page_head(_("Sites"), add="+", href="/x", allowed=True) }}')
    assert page.render() == page.render()
    assert '<h1>Sites</h1>' in page.render() and 'href="/x"' in page.render()
