"""Every Piccolo table: the data model in one place.

Money is integer cents (EUR); instants are timezone-aware UTC; purchase, warranty and
commissioning dates are plain dates. Editable rows carry a `version` for optimistic locking.

Piccolo adds each table's `id` column itself; `id: Serial` only tells type checkers so.
"""

from __future__ import annotations

from typing import NamedTuple

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table, tablename="organisation"):
    """A body that owns sites and devices (a commune, an agglomeration, a département...).
    An installation has at least one: its first is made by the migrations from the set-up."""

    id: Serial
    code = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, default="commune")  # organisations.rules.KINDS
    siren = Varchar(length=9, null=True, default=None, unique=True)
    tag_prefix = Varchar(length=16, default="")
    # The owner line printed on its labels (empty: its name).
    label_owner = Varchar(length=120, default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Site(Table, tablename="site"):
    id: Serial
    code = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=32)
    uai = Varchar(length=8, null=True, default=None, unique=True)
    address = Varchar(length=300, default="")
    postal_code = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    director_name = Varchar(length=200, default="")
    director_email = Varchar(length=200, default="")
    director_phone = Varchar(length=40, default="")
    organisation = Varchar(length=200, default="")  # free text of old; the owner is below
    notes = Text(default="")
    # Where it is (WGS 84 degrees, as the national directory of schools gives them): a
    # technician's queue puts the nearest sites first. Both or neither.
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    # Null only between the migration adding it and the one filling it; services always set it.
    owner = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, null=True,
                       index=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Room(Table, tablename="room"):
    id: Serial
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=120)
    kind = Varchar(length=32, default="classroom")
    floor = Varchar(length=40, default="")
    notes = Text(default="")
    version = Integer(default=1)


class Category(Table, tablename="category"):
    id: Serial
    code = Varchar(length=32, unique=True)
    name = Varchar(length=120)
    lifespan_years = Integer(default=5)
    replacement_cost_cents = Integer(default=0)
    # Counts for classroom coverage (TNI, VPI, ENI).
    is_interactive_display = Boolean(default=False)
    # Shows hostname / IP / MAC / firmware on its assets.
    is_network = Boolean(default=False)
    # Yearly change of the replacement cost, in hundredths of a percent (250 = +2.5 % a year).
    price_change_bp = Integer(default=0)
    # How much teaching suffers when one is missing: 0 (not at all) to 3 (lessons stop).
    criticality = Integer(default=1)
    # The symptoms a report on one of its devices offers, comma-separated codes of
    # faults/symptoms.py in their order ("no_image,pen,other"); empty: the generic ones.
    symptoms = Text(default="")
    version = Integer(default=1)


class AssetModel(Table, tablename="equipment_model"):
    id: Serial
    category = ForeignKey(references=Category, on_delete=OnDelete.restrict, index=True)
    manufacturer = Varchar(length=120)
    name = Varchar(length=120)
    version = Integer(default=1)


class Contract(Table, tablename="contract"):
    """A public contract or purchasing framework (marché, accord-cadre, UGAP order,
    groupement de commandes), owned by one organisation; its members share its cost."""

    id: Serial
    reference = Varchar(length=64, unique=True, index=True)
    title = Varchar(length=200, default="")
    kind = Varchar(length=20, default="marche")  # contracts.shares.KINDS
    supplier = Varchar(length=200, default="")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None, index=True)
    warranty_months = Integer(null=True, default=None)
    maintenance_terms = Text(default="")
    renewal_on = Date(null=True, default=None, index=True)  # the maintenance's renewal date
    amount_cents = BigInt(default=0)
    # How members' shares are given: "percent" (basis points) or "amount" (cents).
    share_mode = Varchar(length=10, default="percent")
    owner = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, null=False,
                       index=True)
    notes = Text(default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContractMember(Table, tablename="contract_member"):
    """An organisation taking part in a contract, with its share: basis points (10000 = 100 %)
    or cents, as the contract's share_mode says."""

    id: Serial
    contract = ForeignKey(references=Contract, on_delete=OnDelete.cascade, null=False,
                          index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict,
                              null=False, index=True)
    share = BigInt(default=0)


class ContractDocument(Table, tablename="contract_document"):
    """A file attached to a contract (the signed order, the CCAP): a PDF or an image checked
    by content, stored under the data folder (contracts/) by a random name."""

    id: Serial
    contract = ForeignKey(references=Contract, on_delete=OnDelete.cascade, null=False,
                          index=True)
    filename = Varchar(length=200, default="")  # the name it was sent with (shown only)
    stored_as = Varchar(length=100, default="")
    media_type = Varchar(length=40, default="")
    size = BigInt(default=0)
    uploaded_at = Timestamptz(default=TimestamptzNow())
    uploaded_by = Varchar(length=254, default="")


class Purchase(Table, tablename="purchase"):
    """An order placed under a contract; its lines say what was bought."""

    id: Serial
    contract = ForeignKey(references=Contract, on_delete=OnDelete.restrict, null=False,
                          index=True)
    reference = Varchar(length=64, default="")
    ordered_on = Date(null=True, default=None)
    notes = Text(default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PurchaseLine(Table, tablename="purchase_line"):
    id: Serial
    purchase = ForeignKey(references=Purchase, on_delete=OnDelete.cascade, null=False,
                          index=True)
    position = Integer(default=0)
    description = Varchar(length=300, default="")
    category = ForeignKey(references=Category, on_delete=OnDelete.restrict, null=True)
    quantity = Integer(default=1)
    unit_price_cents = BigInt(default=0)


class Asset(Table, tablename="asset"):
    id: Serial
    tag = Varchar(length=32, unique=True, index=True)
    category = ForeignKey(references=Category, on_delete=OnDelete.restrict, index=True)
    model = ForeignKey(references=AssetModel, on_delete=OnDelete.restrict, null=True, index=True)
    serial = Varchar(length=120, default="", index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    room = ForeignKey(references=Room, on_delete=OnDelete.restrict, null=True, index=True)
    status = Varchar(length=20, default="in_service", index=True)
    purchase_date = Date(null=True, default=None)
    purchase_price_cents = Integer(null=True, default=None)
    supplier = Varchar(length=200, default="")
    order_ref = Varchar(length=120, default="")
    warranty_end = Date(null=True, default=None, index=True)
    commissioning_date = Date(null=True, default=None)
    eol_year_override = Integer(null=True, default=None)
    # Denormalised end-of-life year (override or start year + lifespan), kept by the service
    # so lists can filter and sort on it with an index.
    eol_year = Integer(null=True, default=None, index=True)
    holder = Varchar(length=200, default="")
    hostname = Varchar(length=120, default="")
    ip_address = Varchar(length=45, default="")
    mac_address = Varchar(length=17, default="")
    firmware = Varchar(length=60, default="")
    notes = Text(default="")
    # Folded copy of the searched fields (assets.rules.search_text), kept by every write of
    # an asset, so a search is one LIKE on one column, blind to accents and case.
    search_text = Text(default="")
    last_seen_on = Date(null=True, default=None)
    # The asset this one replaced (renewal plans follow replacements through it). Not a
    # foreign key: the link is history and outlives the retired device.
    replaces_id = Integer(null=True, default=None, index=True)
    # The owning organisation: by default its site's (a device lent across members keeps it).
    owner = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, null=True,
                       index=True)
    # The contract and the order (purchase) that delivered it.
    contract = ForeignKey(references=Contract, on_delete=OnDelete.set_null, null=True,
                          index=True)
    purchase = ForeignKey(references=Purchase, on_delete=OnDelete.set_null, null=True,
                          index=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TagSequence(Table, tablename="tag_sequence"):
    """The last number handed out per tag prefix; it only ever grows, so tags are never reused."""

    id: Serial

    prefix = Varchar(length=16, unique=True)
    last_value = Integer(default=0)


class AuditRecord(Table, tablename="audit_record"):
    id: Serial
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=200, default="")
    # No index on entity alone: nearly every record is an asset's, so SQLite would walk
    # them all; entity_key is selective and is what history pages look up.
    entity = Varchar(length=32)
    entity_key = Varchar(length=64, index=True)
    action = Varchar(length=32)
    # {"field": [before, after], ...}
    changes = JSON(default="{}")
    # For per-site filtering; not a foreign key so records outlive what they describe.
    site_id = Integer(null=True, default=None, index=True)
    # The acting account (actor keeps its email for reading); not a foreign key, same reason.
    user_id = Integer(null=True, default=None, index=True)


class User(Table, tablename="app_user"):
    id: Serial
    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=200, default="")
    password_hash = Varchar(length=200, secret=True)
    role = Varchar(length=20)
    active = Boolean(default=True)
    language = Varchar(length=5, default="")
    # Technicians: an email for each new fault on the sites they cover (they can turn it off).
    notify_new_faults = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)


class UserSite(Table, tablename="user_site"):
    """The sites a director answers for (and, later, the sites a technician covers)."""

    id: Serial

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.cascade, index=True)


class UserOrganisation(Table, tablename="user_organisation"):
    """The organisations an account works for (a shared IT service's technician: several)."""

    id: Serial

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, null=False,
                              index=True)


class UserSession(Table, tablename="user_session"):
    """Server-side sessions, shared by every instance; the cookie holds a random token and
    the table only its SHA-256. Times are Unix seconds, compared in SQL on both engines."""

    id: Serial

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created = Integer()
    last_seen = Integer()
    client = Varchar(length=64, default="")


class ApiToken(Table, tablename="api_token"):
    """A personal API token: only its SHA-256 is kept; `hint` is its first characters, to
    tell tokens apart. Times are Unix seconds, like sessions."""

    id: Serial

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    hint = Varchar(length=16, default="")
    created = Integer()
    last_used = Integer(null=True, default=None)
    revoked = Integer(null=True, default=None)


class LoginThrottle(Table, tablename="login_throttle"):
    """Sign-in attempts per account from one address ("pair:…"), per account ("account:…"),
    per client address ("ip:…"), and anonymous reports per address ("report:…")."""

    id: Serial

    key = Varchar(length=300, unique=True)
    failures = Integer(default=0)
    window_start = Integer(default=0)


class ReservedTag(Table, tablename="reserved_tag"):
    """Tags taken from the sequence for blank labels printed ahead of time; `used_at` is set
    when a technician registers the device that received the label."""

    id: Serial

    tag = Varchar(length=32, unique=True, index=True)
    batch = Varchar(length=32, index=True)
    reserved_at = Timestamptz(default=TimestamptzNow())
    reserved_by = Varchar(length=254, default="")
    used_at = Timestamptz(null=True, default=None)


class InventoryCampaign(Table, tablename="inventory_campaign"):
    """An inventory audit of one site: devices are checked room by room until it closes."""

    id: Serial

    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    started_at = Timestamptz(default=TimestamptzNow())
    started_by = Varchar(length=254, default="")
    closed_at = Timestamptz(null=True, default=None)
    closed_by = Varchar(length=254, default="")
    version = Integer(default=1)


class CampaignCheck(Table, tablename="campaign_check"):
    """One outcome of a campaign: found, found elsewhere, unknown tag, or (at closing)
    missing. One row per tag and campaign; scanning again replaces it."""

    id: Serial

    campaign = ForeignKey(references=InventoryCampaign, on_delete=OnDelete.cascade, index=True)
    tag = Varchar(length=64, index=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.set_null, null=True)
    expected_room = Integer(null=True, default=None)
    found_room = Integer(null=True, default=None)
    result = Varchar(length=16)
    checked_at = Timestamptz(default=TimestamptzNow())
    checked_by = Varchar(length=254, default="")


class Intervention(Table, tablename="intervention"):
    """A technician's work on an asset: repair, preventive care, installation, move, audit."""

    id: Serial

    asset = ForeignKey(references=Asset, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)
    done_on = Date()
    minutes_spent = Integer(default=0)
    parts = Varchar(length=300, default="")
    cost_cents = Integer(default=0)
    notes = Text(default="")
    technician = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Fault(Table, tablename="fault"):
    """A problem reported on an asset, or on a room when the device is not known."""

    id: Serial

    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    room = ForeignKey(references=Room, on_delete=OnDelete.set_null, null=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.set_null, null=True, index=True)
    symptom = Varchar(length=32, default="other")
    description = Text(default="")
    teaching_blocked = Boolean(default=False)
    status = Varchar(length=20, default="new", index=True)
    reported_by = Varchar(length=254, default="")
    reporter_user_id = Integer(null=True, default=None)
    # Reported by someone without an account (a label scanned by a visitor).
    anonymous = Boolean(default=False)
    reporter_contact = Varchar(length=300, default="")
    assigned_to = Varchar(length=254, default="")
    reject_reason = Text(default="")
    # A re-encoded JPEG under the data folder (photos/), or empty.
    photo = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    version = Integer(default=1)


class FaultEvent(Table, tablename="fault_event"):
    """Every transition of a fault, with its time: the fault's timeline."""

    id: Serial

    fault = ForeignKey(references=Fault, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=254, default="")
    from_status = Varchar(length=20, default="")
    to_status = Varchar(length=20)
    note = Text(default="")


class FaultFollower(Table, tablename="fault_follower"):
    """Someone who would have reported the same problem again and follows this fault
    instead: they hear what the reporter hears (acknowledged, resolved)."""

    id: Serial

    fault = ForeignKey(references=Fault, on_delete=OnDelete.cascade, index=True)
    follower = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class MaintenanceTask(Table, tablename="maintenance_task"):
    """Recurring preventive work, for every asset of a category or for one asset."""

    id: Serial

    name = Varchar(length=200)
    category = ForeignKey(references=Category, on_delete=OnDelete.cascade, null=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.cascade, null=True)
    interval_days = Integer()
    # The first occurrence falls one interval after this day (the task's creation, or a day
    # chosen on the form), or after the device entered service if that is later.
    starts_on = Date(null=True, default=None)
    active = Boolean(default=True)
    version = Integer(default=1)


class MaintenanceItem(Table, tablename="maintenance_item"):
    """One due occurrence of a task on one asset; `key` (task:asset:due date) is unique so
    the daily job can run again, on any instance, without duplicates."""

    id: Serial

    key = Varchar(length=80, unique=True)
    task = ForeignKey(references=MaintenanceTask, on_delete=OnDelete.cascade, index=True)
    asset = ForeignKey(references=Asset, on_delete=OnDelete.cascade, index=True)
    due_on = Date(index=True)
    done_on = Date(null=True, default=None)
    done_by = Varchar(length=254, default="")


class OutboxMessage(Table, tablename="outbox"):
    """An email waiting to be sent: written in the same transaction as the change it tells
    about, sent by the outbox job with retries, so a mail server that is down loses nothing."""

    id: Serial

    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    attempts = Integer(default=0)
    next_attempt = Integer(default=0, index=True)  # Unix seconds
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    # m0023: exactly once (see notifications/outbox.py)
    message_id = Varchar(length=254, default="")  # set when queued, sent with every attempt
    state = Varchar(length=16, default="pending", index=True)  # pending, sent, uncertain, failed
    in_data = Boolean(default=False)  # an attempt is past DATA: the relay may have the message
    uncertain_since = Timestamptz(null=True, default=None)


class JobRun(Table, tablename="job_run"):
    """One claimed run of a scheduled job: `key` is "job:period" and unique, so when several
    instances share the database each job runs once per period. The claim is a lease until
    `lease_until`; a run that never set `done_at` is taken again once its lease expired."""

    id: Serial

    key = Varchar(length=120, unique=True)
    claimed_at = Timestamptz(default=TimestamptzNow())
    instance = Varchar(length=120, default="")
    # m0023: leases
    lease_until = Integer(default=0)  # Unix seconds
    done_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=1)
    last_error = Text(default="")


class BackupRun(Table, tablename="backup_run"):
    """One backup, made by the nightly job or the `inventory backup` command: what the
    administrator's page and the 36-hour alert read."""

    id: Serial

    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(default=TimestamptzNow(), index=True)
    trigger = Varchar(length=20, default="")  # "nightly" or "command"
    ok = Boolean(default=False)
    size = BigInt(default=0)  # bytes of the archive
    archive = Varchar(length=500, default="")
    message = Text(default="")


class AppSetting(Table, tablename="app_setting"):
    id: Serial
    key = Varchar(length=64, unique=True)
    value = Text(default="")


class RenewalPlan(Table, tablename="renewal_plan"):
    """A renewal scenario. `settings` holds what the planner chose (caps per year and budget
    envelope, lifespans, weights, coverage targets); `summary` the figures of its last
    computation. Approving it freezes its lines in plan_line."""

    id: Serial

    name = Varchar(length=200)
    first_year = Integer()
    years = Integer()
    status = Varchar(length=20, default="draft")
    settings = JSON(default="{}")
    summary = JSON(default="{}")
    created_by = Varchar(length=254, default="")
    approved_at = Timestamptz(null=True, default=None)
    approved_by = Varchar(length=254, default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PlanLine(Table, tablename="plan_line"):
    """One frozen line of an approved plan: a replacement (asset_id) or a new purchase for a
    room (asset_id empty). year is empty for the unfunded backlog."""

    id: Serial

    plan = ForeignKey(references=RenewalPlan, on_delete=OnDelete.cascade, index=True)
    position = Integer()
    year = Integer(null=True, default=None)
    kind = Varchar(length=20)
    asset_id = Integer(null=True, default=None, index=True)
    tag = Varchar(length=32, default="")
    site_id = Integer()
    room_id = Integer(null=True, default=None)
    category_id = Integer()
    cost_cents = Integer()
    score = Integer(default=0)
    reason = JSON(default="{}")


class PlanAlert(Table, tablename="plan_alert"):
    """Something the nightly planning job told planners about; `key` is unique so the same
    news (an asset's end of life, a year over its cap) is told once."""

    id: Serial

    key = Varchar(length=120, unique=True)
    kind = Varchar(length=32)
    plan_id = Integer(null=True, default=None)
    details = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ImportProfile(Table, tablename="import_profile"):
    """A named set of import choices (columns, value mappings, what to create, defaults),
    kept as the JSON of the profile file the command line reads (imports/profiles.py)."""

    id: Serial

    name = Varchar(length=100, unique=True)
    body = Text(default="{}")
    created_by = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class AssetTally(Table, tablename="asset_tally"):
    """How many assets share each (site, category, model, status, end-of-life year): the
    dashboard's fleet figures read these few thousand rows instead of counting a million
    devices. Kept by the database (m0033): every write to an asset appends its change to
    asset_tally_change, in the writing transaction, whoever writes; dashboard.tally folds
    the changes in. `model` and `eol_year` are 0 for none (a unique key needs values)."""

    site = Integer()
    category = Integer()
    model = Integer()
    status = Varchar(length=20)
    eol_year = Integer()
    n = Integer()


class AssetTallyChange(Table, tablename="asset_tally_change"):
    """A change to asset_tally not folded in yet (+1 for a row that came, -1 for one that
    went). Appended, never updated: writers never wait on each other for a count."""

    site = Integer()
    category = Integer()
    model = Integer()
    status = Varchar(length=20)
    eol_year = Integer()
    delta = Integer()


class IdempotentRequest(Table, tablename="idempotent_request"):
    """The first answer to a JSON API write sent with an `Idempotency-Key` (a phone's queued
    offline action): a retried send answers it again instead of applying the action twice.
    Written in the action's own transaction (api/idempotency.py)."""

    id: Serial

    key = Varchar(length=200, unique=True)  # "<user id>:<the client's key>"
    user_id = Integer(default=0)
    fingerprint = Varchar(length=64, default="")  # sha256 of method, path and body
    status = Integer(default=200)
    answer = Text(default="")  # the JSON body answered
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class Person(Table, tablename="person"):
    """Someone who holds devices (a councillor, a teacher, an agent). Kept only while needed:
    erased or anonymised when they hold nothing (`anonymised_at` set, name blanked)."""

    id: Serial
    name = Varchar(length=200)
    # Roles or mandates, one per line ("Conseillère municipale", "Conseillère régionale").
    mandates = Text(default="")
    email = Varchar(length=254, default="")
    anonymised_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PersonOrganisation(Table, tablename="person_organisation"):
    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, null=False,
                              index=True)


class Loan(Table, tablename="loan"):
    """A device lent to a person: out (check-out), acknowledged, back (check-in). Open while
    `returned_on` is null; one open loan per device."""

    id: Serial
    asset = ForeignKey(references=Asset, on_delete=OnDelete.restrict, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.restrict, null=False, index=True)
    out_on = Date()
    out_condition = Varchar(length=200, default="")
    accessories = Text(default="")  # one per line
    due_on = Date(null=True, default=None, index=True)  # null: for the term of office
    for_term = Boolean(default=False)
    # Acceptance by the emailed link: only the token's hash is kept, until it is used.
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledge_token_hash = Varchar(length=64, default="", index=True)
    acknowledge_expires_at = Timestamptz(null=True, default=None)
    returned_on = Date(null=True, default=None, index=True)
    return_condition = Varchar(length=200, default="")
    missing_accessories = Text(default="")
    reminded_on = Date(null=True, default=None)
    notes = Text(default="")
    created_by = Varchar(length=200, default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LoanOrganisation(Table, tablename="loan_organisation"):
    """The organisations a loan serves (one device for a person sitting in several)."""

    id: Serial
    loan = ForeignKey(references=Loan, on_delete=OnDelete.cascade, null=False, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, null=False,
                              index=True)


ALL_TABLES = (
    Site, Room, Category, AssetModel, Asset, TagSequence, AuditRecord, User, UserSite,
    UserSession, LoginThrottle, AppSetting, ReservedTag, InventoryCampaign, CampaignCheck,
    Intervention, Fault, FaultEvent, FaultFollower, OutboxMessage, JobRun, MaintenanceTask,
    MaintenanceItem, RenewalPlan, PlanLine, PlanAlert, ApiToken, BackupRun, ImportProfile,
    Organisation, UserOrganisation, IdempotentRequest, Person, PersonOrganisation, Loan,
    LoanOrganisation,
    Contract, ContractMember, ContractDocument, Purchase, PurchaseLine,
    AssetTally, AssetTallyChange,
)


class CompositeIndex(NamedTuple):
    """An index over several columns, which a Piccolo column cannot declare: made by a
    hand-written migration, declared here so the schema test (tests/test_schema.py)
    checks the migrated database has it, and nothing else."""

    name: str
    table: str
    columns: tuple[str, ...]
    migration: str
    engines: tuple[str, ...] = ("sqlite", "postgres")
    unique: bool = False


COMPOSITE_INDEXES = (
    CompositeIndex("asset_site_category_tag", "asset", ("site", "category", "tag"), "m0002"),
    CompositeIndex("asset_site_status", "asset", ("site", "status"), "m0002"),
    CompositeIndex("asset_category_tag", "asset", ("category", "tag"), "m0002"),
    CompositeIndex("room_site_name", "room", ("site", "name"), "m0002"),
    CompositeIndex("user_site_user_site", "user_site", ("user", "site"), "m0002"),
    CompositeIndex("asset_site_category_status_tag", "asset",
                   ("site", "category", "status", "tag"), "m0013"),
    # SQLite only: on PostgreSQL a B-tree entry is limited to ~2.7 kB (long notes).
    # (m0016 made it without the tag; m0035 added the tag so a search's matches and their
    # order come from the index alone.)
    CompositeIndex("asset_site_search_tag", "asset",
                   ("site", "search_text", "model", "room", "tag"), "m0035",
                   engines=("sqlite",)),
    CompositeIndex("asset_warranty_status", "asset", ("warranty_end", "status"), "m0034"),
    # One row per group: the key the tally's fold adds its changes to.
    CompositeIndex("asset_tally_key", "asset_tally",
                   ("site", "category", "model", "status", "eol_year"), "m0033", unique=True),
)


class Trigger(NamedTuple):
    """A trigger made by a hand-written migration, declared here so the schema test checks
    the migrated database has it (by name, on both engines)."""

    name: str
    table: str
    migration: str


TRIGGERS = tuple(Trigger(f"asset_tally_{event}", "asset", "m0033")
                 for event in ("insert", "delete", "update"))


class SubstringIndex(NamedTuple):
    """An index that finds any substring (of three characters or more) of a text column,
    which a Piccolo column cannot declare: made by a hand-written migration, declared here
    so the schema test (tests/test_schema.py) checks the migrated database has it.

    SQLite: an FTS5 table named `name` with the trigram tokenizer over the column, holding
    the index only (external content: the text stays in `table`), kept by the three
    triggers `triggers` in the transaction that writes the row. PostgreSQL: a GIN index
    named `name` with pg_trgm's operator class, which LIKE uses."""

    name: str
    table: str
    column: str
    migration: str

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(f"{self.name}_{event}" for event in ("insert", "delete", "update"))

    def method(self, engine: str) -> str:
        """How each engine builds it, as tests/schema.py reads it back."""
        if engine == "sqlite":
            return (f"fts5({self.column}, content={self.table}, content_rowid=id, "
                    "tokenize=trigram case_sensitive 1, detail=none)")
        return "gin (gin_trgm_ops)"


SUBSTRING_INDEXES = (
    # The free-text search (assets.service.resolve_search): the folded searched fields.
    SubstringIndex("asset_search", "asset", "search_text", "m0029"),
)
