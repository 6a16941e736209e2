"""Reference tables kept between pages (core/kept.py): every committed change to a kept
table shows on the next read, whichever instance or path wrote it."""

from inventory.catalog import service as catalog
from inventory.core import kept
from inventory.sites import service as sites
from tests.helpers import execute, query

CATEGORIES = ("category", "SELECT id, code, name FROM category ORDER BY name")


def _names(rows: list[dict]) -> dict[str, str]:
    return {r["code"]: r["name"] for r in rows}


def test_kept_tables_follow_every_write(empty_url, run, make):
    make.site(code="EE-UN", name="École Un")
    make.category(code="TNI", name="Tableau")

    def read() -> tuple[dict, dict]:
        site_rows, category_rows = run(kept.rows(sites.SITE_CHOICES, CATEGORIES))
        return _names(site_rows), _names(category_rows)

    assert read() == ({"EE-UN": "École Un"}, {"TNI": "Tableau"})
    assert read() == ({"EE-UN": "École Un"}, {"TNI": "Tableau"})  # kept: same answer
    # Through the services (a rename raises the version).
    version = query("SELECT version FROM category WHERE code = 'TNI'")[0]["version"]
    run(catalog.update_category("TNI", {"name": "Tableau interactif"}, version, "test",
                                partial=True))
    assert read()[1] == {"TNI": "Tableau interactif"}
    # Written elsewhere (another instance, the import): a new row, a raised version.
    execute("INSERT INTO site (code, name, kind, version) VALUES ('EE-DEUX', 'École Deux', "
            "'other', 1)")
    assert read()[0] == {"EE-UN": "École Un", "EE-DEUX": "École Deux"}
    execute("UPDATE site SET name = 'École Une', version = version + 1 WHERE code = 'EE-UN'")
    assert read()[0] == {"EE-UN": "École Une", "EE-DEUX": "École Deux"}


def test_the_marks_read_every_table_in_one_statement():
    sql = kept.marks_sql(("site", "category"))
    assert sql.count("SELECT") == 7 and "AS n0" in sql and "AS m1" in sql
