"""Who may do what: the one permission table every check reads. Pure, no DB, no HTTP.

Each route declares the permission it needs (`opt={"permission": ...}`); the guard and the
templates ask `allows(role, permission)`. Which *sites* a person sees is a separate rule
(see scope.py): a director is limited to their own sites whatever the permission.
"""

from __future__ import annotations

from dataclasses import dataclass

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
CONTRACT_READ = "contract.read"  # contracts, purchases, members' cost reports
CONTRACT_WRITE = "contract.write"
SETTINGS_MANAGE = "settings.manage"  # the installation's set-up and settings
# People who hold devices and the loans (personal data: administrators and technicians,
# each within their organisations).
LOAN_MANAGE = "loans.manage"
ORGANISATION_ADMIN = "organisation.admin"  # create and edit organisations

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
    CONTRACT_READ: L("Read contracts, purchases and members' cost reports"),
    CONTRACT_WRITE: L("Manage contracts, purchases and their documents"),
    SETTINGS_MANAGE: L("Change the installation's settings (organisation, public address, "
                       "tag prefix)"),
    LOAN_MANAGE: L("See people and lend devices to them (their organisations)"),
    ORGANISATION_ADMIN: L("Create and edit organisations"),
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: frozenset(PERMISSIONS),
    PLANNER: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, CATALOG_WRITE, PLAN_READ, PLAN_WRITE,
                        IMPORT_RUN, CONTRACT_READ, CONTRACT_WRITE}),
    TECHNICIAN: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, ASSET_WRITE, ROOM_WRITE,
                           LABEL_PRINT, ASSET_SEEN, INTERVENTION_LOG, FAULT_REPORT, LOAN_MANAGE,
                           CONTRACT_READ}),
    DIRECTOR: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, LABEL_PRINT, FAULT_REPORT}),
    VIEWER: frozenset({PUBLIC, SIGNED_IN, FLEET_READ, PLAN_READ}),
}

# Roles whose view is limited to the sites attached to their account.
SITE_BOUND_ROLES = frozenset({DIRECTOR})

# What only an account seeing the whole installation may do (an installation administrator):
# an administrator limited to some organisations manages their fleet, not the installation.
INSTALLATION_PERMISSIONS = frozenset({SETTINGS_MANAGE, USER_ADMIN, AUDIT_READ,
                                      ORGANISATION_ADMIN})


def allows(role: str | None, permission: str) -> bool:
    """May a person with `role` (None: not signed in) use something needing `permission`?"""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if permission == PUBLIC:
        return True
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def allows_account(role: str | None, installation_wide: bool, permission: str) -> bool:
    """`allows`, for an account that may be limited to some organisations."""
    if permission in INSTALLATION_PERMISSIONS and not installation_wide:
        return False
    return allows(role, permission)


# The menu: every page a role may open, in order. On a phone the first few of a role's
# BOTTOM_BAR stand in a bottom bar and the rest fold under "More"; a desktop shows them all.
@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    label: object  # a lazy translated string
    permission: str
    prefixes: tuple[str, ...]  # the paths that mark the item as the current page

    def current(self, path: str) -> bool:
        if self.href == "/":
            return path == "/"
        return path.startswith(self.prefixes)


NAV = (
    NavItem("home", "/", L("Home"), FLEET_READ, ("/",)),
    NavItem("scan", "/scan", L("Scan"), FLEET_READ, ("/scan",)),
    NavItem("assets", "/assets", L("Assets"), FLEET_READ, ("/assets", "/a/")),
    NavItem("sites", "/sites", L("Sites"), FLEET_READ, ("/sites", "/rooms", "/inventory")),
    NavItem("faults", "/faults", L("Faults"), FLEET_READ, ("/faults",)),
    NavItem("maintenance", "/maintenance", L("Maintenance"), INTERVENTION_LOG,
            ("/maintenance",)),
    NavItem("loans", "/loans", L("Loans"), LOAN_MANAGE, ("/loans", "/people")),
    NavItem("labels", "/labels", L("Labels"), LABEL_PRINT, ("/labels",)),
    NavItem("plans", "/plans", L("Renewal plans"), PLAN_READ, ("/plans",)),
    NavItem("contracts", "/contracts", L("Contracts"), CONTRACT_READ,
            ("/contracts", "/purchases")),
    NavItem("categories", "/categories", L("Categories"), FLEET_READ,
            ("/categories", "/models")),
    NavItem("imports", "/imports", L("Import"), IMPORT_RUN, ("/imports",)),
    NavItem("users", "/admin/users", L("Accounts"), USER_ADMIN, ("/admin/users",)),
    NavItem("backups", "/admin/backups", L("Backups"), USER_ADMIN, ("/admin/backups",)),
    NavItem("outbox", "/admin/outbox", L("Emails"), USER_ADMIN, ("/admin/outbox",)),
    NavItem("audit", "/admin/audit", L("Audit log"), AUDIT_READ, ("/admin/audit",)),
    NavItem("settings", "/admin/settings", L("Settings"), SETTINGS_MANAGE,
            ("/admin/settings", "/setup")),
)

# What each role reaches for first: its phone's bottom bar (with "More", five items at most).
BOTTOM_BAR_SIZE = 4
BOTTOM_BAR = {
    ADMINISTRATOR: ("home", "assets", "faults", "users"),
    PLANNER: ("home", "plans", "assets", "sites"),
    TECHNICIAN: ("home", "scan", "faults", "maintenance"),
    DIRECTOR: ("home", "faults", "sites", "scan"),
    VIEWER: ("home", "plans", "assets", "sites"),
}

# The home page a role lands on at "/": its own tools, or the fleet's dashboard.
HOME_TECHNICIAN = "technician"
HOME_DIRECTOR = "director"
HOME_DASHBOARD = "dashboard"
HOMES = {TECHNICIAN: HOME_TECHNICIAN, DIRECTOR: HOME_DIRECTOR}


def home_of(role: str | None) -> str:
    return HOMES.get(role or "", HOME_DASHBOARD)


def home_label(role: str | None) -> object:
    return L("Dashboard") if home_of(role) == HOME_DASHBOARD else L("Home")


def menu(role: str | None, installation_wide: bool = True) -> list[NavItem]:
    """Every item the role may open, in the menu's order."""
    return [item for item in NAV if allows_account(role, installation_wide, item.permission)]


def bottom_bar(role: str | None, installation_wide: bool = True
               ) -> tuple[list[NavItem], list[NavItem]]:
    """(the phone's bar, the rest under "More") for the role."""
    items = menu(role, installation_wide)
    wanted = BOTTOM_BAR.get(role or "", ())[:BOTTOM_BAR_SIZE]
    bar = [item for key in wanted for item in items if item.key == key]
    return bar, [item for item in items if item not in bar]
