"""Piccolo's configuration module (PICCOLO_CONF=inventory.core.piccolo_conf).

DB is replaced by inventory.core.db.configure(); by default it follows INVENTORY_DATABASE_URL.
"""

from piccolo.conf.apps import AppRegistry

from inventory.core.engines import engine_from_url
from inventory.core.settings import Settings

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["inventory.core.piccolo_app"])
