"""Piccolo app: the inventory tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from inventory.core.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="inventory",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
