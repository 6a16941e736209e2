"""An asset's field is declared in a few places (docs/architecture.md, "Adding a field to
assets"): these checks fail when one of them is forgotten."""

import re
from collections import defaultdict

from inventory.assets.documents import AssetCreate, AssetDocument, AssetFields
from inventory.assets.service import EDIT_FIELDS
from inventory.core.settings import PROJECT_ROOT
from inventory.exporting.columns import ASSETS, asset_row
from inventory.imports.columns import FIELDS


def test_every_edited_field_is_in_the_api_documents():
    assert set(EDIT_FIELDS) <= set(AssetCreate.__struct_fields__)
    assert set(EDIT_FIELDS) - {"category"} <= set(AssetFields.__struct_fields__)
    assert set(EDIT_FIELDS) <= set(AssetDocument.__struct_fields__)


def test_every_export_column_can_be_imported_again():
    assert [column.key for column in ASSETS if column.key not in FIELDS] == []


def test_an_export_row_has_one_value_per_column():
    row = asset_row(defaultdict(str))
    assert len(row) == len(ASSETS)


def test_the_readme_names_every_import_field():
    readme = (PROJECT_ROOT / "README.md").read_text()
    listed = readme.split("\nFields: ", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`([a-z_]+)`", listed)) == set(FIELDS)
