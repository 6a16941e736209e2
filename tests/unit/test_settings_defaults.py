"""Where an installation's data is by default: a moved module must never move the data."""

from pathlib import Path

from inventory.core.settings import PROJECT_ROOT, Settings


def test_default_database_is_var_inventory_db_under_the_project():
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'inventory.db'}"
    assert (PROJECT_ROOT / "pyproject.toml").is_file()  # the project's root, not a package folder


def test_data_dir_moves_the_database_with_it(tmp_path: Path):
    settings = Settings.from_env({"INVENTORY_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'inventory.db'}"
    assert settings.data_dir == tmp_path
