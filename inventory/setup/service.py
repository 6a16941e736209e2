"""The installation's settings (organisation, public address, tag prefix, support phone,
how long people's data is kept):
kept in the database by the set-up page, unless the environment fixes them. Every reader
(asset tags, import, labels, emails, demo, command line) takes them from `effective`."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from inventory.accounts import service as accounts
from inventory.core import audit, clock
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, ValidationFailed
from inventory.core.i18n import _
from inventory.core.settings import Settings
from inventory.core.tables import AppSetting, Category
from inventory.organisations import service as organisations
from inventory.setup import rules

# Settings field -> app_setting key
KEYS = {
    "label_owner": "organisation_name",
    "base_url": "public_url",
    "tag_prefix": "tag_prefix",
    "support_phone": "support_phone",
    "people_retention_months": "people_retention_months",
}
DEFAULTS = {
    "label_owner": rules.DEFAULT_OWNER,
    "base_url": rules.DEFAULT_BASE_URL,
    "tag_prefix": rules.FALLBACK_PREFIX,
    "support_phone": "",
    "people_retention_months": str(rules.DEFAULT_RETENTION_MONTHS),
}
SETUP_DONE = "setup_done"
DEMO_MODE = "demo_mode"

log = logging.getLogger("inventory")


async def _stored(keys: Iterable[str]) -> dict[str, str]:
    rows = await AppSetting.select(AppSetting.key, AppSetting.value).where(
        AppSetting.key.is_in(list(keys))).run()
    return {r["key"]: r["value"] for r in rows}


async def stored_values() -> dict[str, str]:
    """What the set-up page saved, by Settings field name (missing: never saved)."""
    stored = await _stored(KEYS.values())
    return {name: stored[key] for name, key in KEYS.items() if key in stored}


async def effective(settings: Settings) -> Settings:
    """`settings` with the installation's values filled in: the environment's when set,
    else the database's, else the defaults (never the demo's prefix)."""
    missing = [name for name in KEYS if getattr(settings, name) is None]
    if not missing:
        return settings
    stored = await stored_values()
    # mypy matches the dict against every field's type.
    return dataclasses.replace(settings, **{  # type: ignore[arg-type]
        name: rules.retention_months(stored.get(name)) if name == "people_retention_months"
        else stored.get(name) or DEFAULTS[name] for name in missing})


# How long an instance may keep serving the public address's scheme it read last: a save in
# this process is seen at once; one made by another instance (several behind one database)
# is seen within this delay.
PUBLIC_ADDRESS_TTL_S = 30
_saves = 0  # settings saved by this process: a change makes every cache read again


def _saved() -> None:
    global _saves
    _saves += 1


class PublicAddress:
    """Whether the effective public address is https, for headers sent with every response
    (HSTS): read at start-up, after each save, and at most every PUBLIC_ADDRESS_TTL_S
    seconds, never a query per request. Fixed by the environment, it is never queried."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.https = settings.secure_cookies
        self._read_at: int | None = None
        self._seen = -1
        self._reading = False

    async def refresh(self) -> bool:
        self._reading = True
        seen = _saves
        try:
            self.https = (await effective(self.settings)).secure_cookies
        except Exception as error:  # database unreachable: keep the last value, retry later
            log.warning("public address not read: %s", error)
        finally:
            self._read_at, self._seen, self._reading = clock.seconds(), seen, False
        return self.https

    async def is_https(self) -> bool:
        if self.settings.base_url is not None:
            return self.https
        stale = (self._read_at is None or self._seen != _saves
                 or clock.seconds() - self._read_at >= PUBLIC_ADDRESS_TTL_S)
        if stale and not self._reading:  # one reader at a time; the others use the last value
            return await self.refresh()
        return self.https


async def setup_pending() -> bool:
    """Whether the set-up still waits for an administrator: not done, and not the demo."""
    stored = await _stored((SETUP_DONE, DEMO_MODE))
    return stored.get(SETUP_DONE) != "1" and stored.get(DEMO_MODE) != "1"


async def must_confirm_address(settings: Settings) -> bool:
    """Whether printing labels needs a confirmation: they would point at an address that
    phones cannot reach. Not in the demo, which runs on the visitor's own computer."""
    if not rules.is_local_address(settings.base_url or ""):
        return False
    return (await _stored((DEMO_MODE,))).get(DEMO_MODE) != "1"


async def _put(key: str, value: str) -> None:
    if await AppSetting.exists().where(AppSetting.key == key).run():
        await AppSetting.update({AppSetting.value: value}).where(AppSetting.key == key).run()
    else:
        await AppSetting.insert(AppSetting(key=key, value=value)).run()


def clean(raw: Mapping[str, Any], fixed: frozenset[str]) -> dict[str, str]:
    """The set-up form's values for the settings the environment does not fix. A public
    address that phones may not reach is refused until `confirm_address` repeats it."""
    c = Collector()
    if "label_owner" not in fixed:
        c.field("label_owner", v.text, raw.get("label_owner"), required=True, max_length=120)
    if "base_url" not in fixed:
        address = rules.clean_address(raw.get("base_url") or "")
        if not address:
            c.error("base_url", _("This field is required."))
        elif problem := rules.address_problem(address):
            c.error("base_url", problem)
        elif (warning := rules.address_warning(address)) and \
                rules.clean_address(raw.get("confirm_address") or "") != address:
            c.error("base_url", warning)
        c.values["base_url"] = address
    if "tag_prefix" not in fixed:
        prefix = (raw.get("tag_prefix") or "").strip().upper()
        if problem := rules.prefix_problem(prefix):
            c.error("tag_prefix", problem)
        c.values["tag_prefix"] = prefix
    if "support_phone" not in fixed:
        phone = c.field("support_phone", v.text, raw.get("support_phone"), max_length=40) or ""
        if problem := rules.phone_problem(phone):
            c.error("support_phone", problem)
        c.values["support_phone"] = phone
    if "people_retention_months" not in fixed:
        low, high = rules.RETENTION_MONTHS
        months = c.field("people_retention_months", v.integer,
                         raw.get("people_retention_months"), minimum=low, maximum=high)
        # Left empty (the first-day set-up does not ask): the default.
        c.values["people_retention_months"] = str(months or rules.DEFAULT_RETENTION_MONTHS)
    c.raise_if_any()
    return c.values


async def save(raw: Mapping[str, Any], settings: Settings, actor: Actor) -> dict[str, str]:
    """Store the installation's settings (those the environment does not fix) and mark
    the set-up done. Changing the prefix only affects tags made from now on."""
    values = clean(raw, settings.fixed)
    async with audit.atomic():
        before = await stored_values()
        for name, value in values.items():
            await _put(KEYS[name], value)
        await _put(SETUP_DONE, "1")
        await organisations.follow_setup(values.get("label_owner") or settings.label_owner or "",
                                         values.get("tag_prefix") or settings.tag_prefix or "",
                                         actor)
        changes = audit.diff(before, values)
        if changes:
            await audit.record(actor=actor, entity="settings", entity_key="installation",
                               action="update", changes=changes)
    _saved()  # after the commit (or the caller's, which calls it again): caches read anew
    return values


def clean_display_name(name: Any) -> str:
    c = Collector()
    name = c.field("display_name", v.text, name, max_length=200) or ""
    c.raise_if_any()
    return name


async def has_categories() -> bool:
    return await Category.exists().run()


def starter_rows(raw: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The starter categories as a form shows them: each with its checkbox and editable
    lifespan and cost (from `raw` when the form comes back)."""
    from inventory.core.formatters import cents_to_input

    rows = []
    for s in rules.STARTER_CATEGORIES:
        key = s.code
        if raw is None:
            rows.append({"code": key, "name": s.name, "chosen": True,
                         "lifespan_years": str(s.lifespan_years),
                         "replacement_cost_eur": cents_to_input(s.replacement_cost_cents)})
        else:
            rows.append({"code": key, "name": s.name,
                         "chosen": raw.get(f"cat-{key}") == "on",
                         "lifespan_years": raw.get(f"life-{key}", ""),
                         "replacement_cost_eur": raw.get(f"cost-{key}", "")})
    return rows


async def create_starter_categories(raw: Mapping[str, Any], actor: Actor, *,
                                    dry_run: bool = False) -> int:
    """Create the chosen starter categories through the catalog's one create path, all or
    none. Errors come back keyed by the row's field ("life-TNI", "cost-TNI")."""
    from inventory.catalog import service as catalog

    by_code = {s.code: s for s in rules.STARTER_CATEGORIES}
    chosen = []
    errors: dict[str, str] = {}
    for row in starter_rows(raw):
        if not row["chosen"]:
            continue
        s = by_code[row["code"]]
        values = {"code": s.code, "name": s.name, "lifespan_years": row["lifespan_years"],
                  "replacement_cost_eur": row["replacement_cost_eur"],
                  "criticality": str(s.criticality),
                  "is_interactive_display": s.is_interactive_display,
                  "is_network": s.is_network}
        try:
            catalog.clean_category(values)
        except ValidationFailed as failed:
            for field, message in failed.errors.items():
                short = {"lifespan_years": "life", "replacement_cost_eur": "cost"}.get(field, "cat")
                errors[f"{short}-{s.code}"] = message
        chosen.append(values)
    if errors:
        raise ValidationFailed(errors)
    if dry_run:
        return len(chosen)
    created = 0
    async with audit.atomic():
        existing = {r["code"] for r in await Category.select(Category.code).run()}
        for values in chosen:
            if values["code"] in existing:
                continue  # made meanwhile (or by hand): kept as it is
            await catalog.create_category(values, actor)
            created += 1
    return created


def check_setup(raw: Mapping[str, Any], settings: Settings) -> None:
    """Every problem of the set-up form at once (settings, display name, starter rows)."""
    errors: dict[str, str] = {}
    for check in (lambda: clean(raw, settings.fixed),
                  lambda: clean_display_name(raw.get("display_name"))):
        try:
            check()
        except ValidationFailed as failed:
            errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)


async def complete_setup(raw: Mapping[str, Any], settings: Settings, user_id: int,
                         actor: Actor) -> None:
    """The first-day set-up in one transaction: the administrator's name, the starter
    categories chosen (when there is none yet), the installation's settings."""
    starter = not await has_categories()
    errors: dict[str, str] = {}
    try:
        check_setup(raw, settings)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    if starter:
        try:
            await create_starter_categories(raw, actor, dry_run=True)
        except ValidationFailed as failed:
            errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    async with audit.atomic():
        await accounts.set_name(user_id, clean_display_name(raw.get("display_name", "")),
                                actor)
        if starter:
            await create_starter_categories(raw, actor)
        await save(raw, settings, actor)
    _saved()


async def store_demo_settings(prefix: str) -> None:
    """The demo commune's own settings (the environment still wins when it sets them)."""
    await _put(KEYS["label_owner"], "Commune de Brenneville")
    await _put(KEYS["tag_prefix"], prefix)
