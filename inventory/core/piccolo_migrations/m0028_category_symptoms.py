"""Fill category.symptoms (added by m0027: Piccolo runs a migration's raw steps before its
column changes, hence a migration of its own) with the defaults that lived in code until
then, by category code; every other category offers the generic ones. Existing preventive
tasks start counting from today (maintenance_task.starts_on), as a new one would."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-02T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "category symptoms from the former defaults"

# Frozen copy of inventory/faults/symptoms.py's defaults when this was written.
GENERIC = "no_power,broken,other"
DISPLAY = "no_image,pen,touch,sound,calibration," + GENERIC
COMPUTER = "slow,no_network,login,battery,screen," + GENERIC
NETWORK = "no_network,no_wifi," + GENERIC
PRINTER = "paper,toner,no_print," + GENERIC
BY_CODE = {
    "TNI": DISPLAY, "VPI": DISPLAY, "ENI": DISPLAY, "VP": DISPLAY, "VISU": DISPLAY,
    "PC-PORT": COMPUTER, "PC-FIXE": COMPUTER, "TABLETTE": COMPUTER,
    "SWITCH": NETWORK, "WIFI": NETWORK, "PAREFEU": NETWORK, "NAS": NETWORK,
    "IMPR": PRINTER,
}


async def _sql(sql, *args):
    engine = engine_finder()
    await engine.run_querystring(QueryString(sql, *args))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def fill():
        await _sql("UPDATE category SET symptoms = {} WHERE symptoms = ''", GENERIC)
        for code, symptoms in BY_CODE.items():
            await _sql("UPDATE category SET symptoms = {} WHERE code = {}", symptoms, code)
        await _sql("UPDATE maintenance_task SET starts_on = CURRENT_DATE "
                   "WHERE starts_on IS NULL")

    manager.add_raw(fill)
    return manager
