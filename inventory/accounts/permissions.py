"""Who may do what: the one permission table every check reads. Pure, no DB, no HTTP.

Each route declares the permission it needs (`opt={"permission": ...}`); the guard and the
templates ask `allows(role, permission)`. Which *sites* a person sees is a separate rule
(see scope.py): a director is limited to their own sites whatever the permission.
"""

from __future__ import annotations

from inventory.core.i18n import lazy_gettext as L

ADMINISTRATOR = "administrator"
PLANNER = "planner"
TECHNICIAN = "technician"
DIRECTOR = "director"
VIEWER = "viewer"

ROLES = {
    ADMINISTRATOR: L("Administrator"),
    PLANNER: L("Planner"),
    TECHNICIAN: L("Technician"),
    DIRECTOR: L("School director"),
    VIEWER: L("Viewer"),
}

# Route-level permissions. "public" needs no account; "signed_in" any account.
PUBLIC = "public"
SIGNED_IN = "signed_in"
FLEET_READ = "fleet.read"  # dashboard, sites, rooms, assets, categories (directors: own sites)
ASSET_WRITE = "asset.write"  # create, edit, move, change status, retire
ROOM_WRITE = "room.write"
SITE_WRITE = "site.write"
CATALOG_WRITE = "catalog.write"  # categories (lifespans, costs) and models
LABEL_PRINT = "labels.print"  # label sheets (directors: their own sites), blank tags
ASSET_SEEN = "asset.seen"  # confirm a device is where it should be (inventory audits)
INTERVENTION_LOG = "intervention.log"
FAULT_REPORT = "fault.report"  # report a fault and follow it (the workflow checks each step)
PLAN_READ = "plan.read"  # renewal plans (councillors read them)
PLAN_WRITE = "plan.write"  # create, change, approve renewal plans
AUDIT_READ = "audit.read"
IMPORT_RUN = "import.run"  # import an inventory file (scope and catalog rights still apply)
USER_ADMIN = "user.admin"
SETTINGS_MANAGE = "settings.manage"  # the installation's set-up and settings

PERMISSIONS = {
    PUBLIC: L("Anyone, without an account"),
    SIGNED_IN: L("Any signed-in person"),
    FLEET_READ: L("See the fleet (directors: their own sites)"),
    ASSET_WRITE: L("Create, edit, move and retire assets"),
    ROOM_WRITE: L("Create and edit rooms"),
    SITE_WRITE: L("Create and edit sites"),
    CATALOG_WRITE: L("Manage categories and models"),
    LABEL_PRINT: L("Print labels"),
    ASSET_SEEN: L("Confirm a device is there"),
    INTERVENTION_LOG: L("Log interventions"),
    FAULT_REPORT: L("Report faults and move them through their workflow"),
    PLAN_READ: L("Read renewal plans"),
    PLAN_WRITE: L("Prepare and approve renewal plans"),
    AUDIT_READ: L("Read the audit log"),
    IMPORT_RUN: L("Import an inventory from a spreadsheet"),
    USER_ADMIN: L("Manage accounts"),
    SETTINGS_MANAGE: L("Change the installation's settings (organisation, public address, "
                       "tag prefix)"),
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: frozenset(PERMISSIONS),
    PLANNER: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, CATALOG_WRITE, PLAN_READ, PLAN_WRITE,
                        IMPORT_RUN}),
    TECHNICIAN: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, ASSET_WRITE, ROOM_WRITE,
                           LABEL_PRINT, ASSET_SEEN, INTERVENTION_LOG, FAULT_REPORT}),
    DIRECTOR: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, LABEL_PRINT, FAULT_REPORT}),
    VIEWER: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, PLAN_READ}),
}

# Roles whose view is limited to the sites attached to their account.
SITE_BOUND_ROLES = frozenset({DIRECTOR})


def allows(role: str | None, permission: str) -> bool:
    """May a person with `role` (None: not signed in) use something needing `permission`?"""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if permission == PUBLIC:
        return True
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
