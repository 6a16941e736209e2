"""Accounts, sessions and sign-in throttling: queries and rules, shared by pages and CLI."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from inventory.accounts import names, permissions, rules
from inventory.accounts.scope import (  # EVERYTHING: the account pages read it here
    EVERYTHING,  # noqa: F401
    Scope,
    account_scope,
    organisation_limit,
)
from inventory.core import audit, clock, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import ApiToken, AppSetting, LoginThrottle, Site, User, UserSession, UserSite
from inventory.organisations import service as organisations

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOUCH_EVERY_S = 60  # how stale last_seen may get before a request writes it again


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: str
    site_ids: frozenset[int]
    session_hash: str = ""
    # The organisations the account works for, when that limits what it sees (None: it
    # sees every organisation: an installation administrator, or an account working for
    # every organisation there is, as everyone does in an installation of one).
    organisation_ids: frozenset[int] | None = None
    # The sites of those organisations (None when organisation_ids is None).
    organisation_site_ids: frozenset[int] | None = None
    # Whether the installation has more than one organisation (organisations.several(),
    # read with the memberships: the asset page asks it on every view).
    several_organisations: bool = False

    @property
    def scope(self) -> Scope:
        return account_scope(self.role in permissions.SITE_BOUND_ROLES, self.site_ids,
                               self.organisation_ids, self.organisation_site_ids)

    @property
    def installation_wide(self) -> bool:
        """Whether the account sees the whole installation (every organisation)."""
        return self.organisation_ids is None

    @property
    def actor(self) -> Actor:
        return Actor(label=self.email, user_id=self.id)

    def can(self, permission: str) -> bool:
        return permissions.allows_account(self.role, self.installation_wide, permission)


def now() -> int:
    return clock.seconds()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Users


async def resolve_sites(values: Iterable[str]) -> tuple[list[int], list[str]]:
    """Site codes or UAI codes -> (ids, the values that matched nothing)."""
    ids, unknown = [], []
    for value in values:
        key = value.strip().upper()
        if not key:
            continue
        row = await Site.select(Site.id).where((Site.code == key) | (Site.uai == key)).first().run()
        if row is None:
            unknown.append(value)
        elif row["id"] not in ids:
            ids.append(row["id"])
    return ids, unknown


async def clean_user(raw: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    c = Collector()
    if creating:
        email = c.field("email", v.text, raw.get("email"), required=True, max_length=254)
        if email:
            c.values["email"] = email = email.lower()
            if not _EMAIL.match(email):
                c.error("email", _("Enter an email address such as name@example.org."))
    c.field("name", v.text, raw.get("name"), max_length=200)
    c.field("role", v.choice, raw.get("role"), permissions.ROLES)
    sites = raw.get("sites") or []
    if isinstance(sites, str):
        sites = [sites]
    ids, unknown = await resolve_sites(sites)
    if unknown:
        c.error("sites", _("Unknown site: %(sites)s.") % {"sites": ", ".join(unknown)})
    c.values["sites"] = ids
    if c.values.get("role") == permissions.DIRECTOR and not ids and "sites" not in c.errors:
        c.error("sites", _("A director needs at least one site."))
    if raw.get("organisations") is not None or raw.get("organisations_given"):
        given = raw.get("organisations") or []
        given = [given] if isinstance(given, str) else list(given)
        org_ids, unknown_orgs = await organisations.resolve(given)
        if unknown_orgs:
            c.error("organisations", _("Unknown organisation: %(codes)s.")
                    % {"codes": ", ".join(unknown_orgs)})
        elif not org_ids:
            c.error("organisations", _("An account works for at least one organisation."))
        c.values["organisations"] = org_ids
    if "active" in raw:
        c.values["active"] = raw.get("active") in (True, "on", "true", "1", 1)
    if creating:
        password = raw.get("password") or ""
        if problem := rules.password_problem(password, c.values.get("email", "")):
            c.error("password", problem)
    c.raise_if_any()
    return c.values


async def _set_sites(user_id: int, site_ids: list[int]) -> None:
    await UserSite.delete().where(UserSite.user == user_id).run()
    if site_ids:
        await UserSite.insert(*[UserSite(user=user_id, site=s) for s in site_ids]).run()


async def create_user(raw: Mapping[str, Any], actor: Actor | str) -> dict[str, Any]:
    values = await clean_user(raw, creating=True)
    async with audit.atomic():
        if await User.exists().where(User.email == values["email"]).run():
            raise ValidationFailed({"email": _("An account already uses this email.")})
        row = (await User.insert(User(
            email=values["email"], name=values["name"], role=values["role"],
            password_hash=hash_password(raw["password"]), active=True,
        )).returning(User.id).run())[0]
        await _set_sites(row["id"], values["sites"])
        # Unless told otherwise, it works for the installation's first organisation (an
        # installation of one organisation never sees the choice).
        org_ids = values.get("organisations") or [await organisations.first_organisation_id()]
        await organisations.set_user_organisations(row["id"], org_ids)
        created = {"email": values["email"], "name": values["name"], "role": values["role"],
                   "sites": values["sites"]}
        if values.get("organisations"):
            created["organisations"] = sorted((await organisations.codes(org_ids)).values())
        await audit.record(actor=actor, entity="user", entity_key=values["email"],
                           action="create", changes=audit.created_changes(created))
    names.forget()
    return await get_user(row["id"])


async def update_user(user_id: int, raw: Mapping[str, Any], version: int | None,
                      actor: Actor | str) -> dict[str, Any]:
    current = await get_user(user_id)
    values = await clean_user({**raw, "active": raw.get("active", False)}, creating=False)
    sites = values.pop("sites")
    org_ids = values.pop("organisations", None)
    async with audit.atomic():
        changes = await audit.update_versioned(
            User, user_id, version, values, entity="user", entity_key=current["email"],
            action="update", actor=actor)
        if sorted(sites) != sorted(current["site_ids"]):
            await _set_sites(user_id, sites)
            await audit.record(actor=actor, entity="user", entity_key=current["email"],
                               action="update", changes={"sites": [current["site_ids"], sites]})
        if org_ids is not None and sorted(org_ids) != current["organisation_ids"]:
            await organisations.set_user_organisations(user_id, org_ids)
            names_by_id = await organisations.codes([*current["organisation_ids"], *org_ids])
            await audit.record(actor=actor, entity="user", entity_key=current["email"],
                               action="update", changes={"organisations": [
                                   sorted(names_by_id[i] for i in current["organisation_ids"]),
                                   sorted(names_by_id[i] for i in org_ids)]})
            await UserSession.delete().where(UserSession.user == user_id).run()
        if changes.get("active") == [True, False] or changes.get("role"):
            # A disabled account, or one whose rights changed, signs in again, and its
            # scripts need new tokens (a token made for a technician must not become a
            # planner's).
            await UserSession.delete().where(UserSession.user == user_id).run()
            await revoke_all_tokens(user_id, actor, "role" if changes.get("role") else "disabled")
    names.forget()
    return await get_user(user_id)


async def set_name(user_id: int, name: str, actor: Actor | str) -> None:
    """Only the name an account is shown by (the set-up page's "your name"): `name` is
    checked by the caller's form."""
    async with audit.atomic():
        email = await User.select(User.email).where(User.id == user_id).first().run()
        if email is None:
            raise NotFound(str(user_id))
        await audit.update_versioned(User, user_id, None, {"name": name}, entity="user",
                                     entity_key=email["email"], action="update", actor=actor)
    names.forget()


async def revoke_all_tokens(user_id: int, actor: Actor | str, reason: str) -> None:
    """End every API token of an account (its password or role changed). Inside atomic()."""
    revoked = await ApiToken.update({ApiToken.revoked: now()}).where(
        (ApiToken.user == user_id) & ApiToken.revoked.is_null()
    ).returning(ApiToken.id, ApiToken.name).run()
    for token in revoked:
        await audit.record(actor=actor, entity="token", entity_key=str(token["id"]),
                           action="revoke", changes={"name": [token["name"], None],
                                                     "reason": [None, reason]})


async def get_user(user_id: int) -> dict[str, Any]:
    user = await User.select(*User.all_columns(exclude=[User.password_hash])).where(
        User.id == user_id).first().run()
    if user is None:
        raise NotFound(str(user_id))
    links = await UserSite.select(UserSite.site, UserSite.site.code.as_alias("code")).where(
        UserSite.user == user_id).run()
    user["site_ids"] = sorted(r["site"] for r in links)
    user["site_codes"] = sorted(r["code"] for r in links)
    user["organisation_ids"] = await organisations.user_organisation_ids(user_id)
    user["organisations"] = sorted(
        (await organisations.codes(user["organisation_ids"])).values())
    return user


async def list_users() -> list[dict[str, Any]]:
    users = await User.select(*User.all_columns(exclude=[User.password_hash])).order_by(
        User.email).run()
    links = await UserSite.select(UserSite.user, UserSite.site.name.as_alias("site_name")).run()
    by_user: dict[int, list[str]] = {}
    for link in links:
        by_user.setdefault(link["user"], []).append(link["site_name"])
    for user in users:
        user["site_names"] = sorted(by_user.get(user["id"], []))
    return users


async def set_password(user_id: int, password: str, actor: Actor | str, *,
                       keep_session: str = "") -> None:
    """Set a new password and end the account's other sessions."""
    user = await get_user(user_id)
    if problem := rules.password_problem(password, user["email"]):
        raise ValidationFailed({"password": problem})
    async with audit.atomic():
        await User.update({User.password_hash: hash_password(password)}).where(
            User.id == user_id).run()
        query = UserSession.delete().where(UserSession.user == user_id)
        if keep_session:
            query = query.where(UserSession.token_hash != keep_session)
        await query.run()
        await revoke_all_tokens(user_id, actor, "password")
        await audit.record(actor=actor, entity="user", entity_key=user["email"],
                           action="password", changes={})


async def change_own_password(user: CurrentUser, current: str, new: str, confirm: str) -> None:
    row = await User.select(User.password_hash).where(User.id == user.id).first().run()
    errors = {}
    if row is None or not _verify(row["password_hash"], current or ""):
        errors["current"] = _("This is not your current password.")
    if new != confirm:
        errors["confirm"] = _("The two new passwords differ.")
    elif problem := rules.password_problem(new or "", user.email):
        errors["new"] = problem
    if errors:
        raise ValidationFailed(errors)
    await set_password(user.id, new, user.actor, keep_session=user.session_hash)


async def set_notifications(user: CurrentUser, new_faults: bool) -> None:
    await User.update({User.notify_new_faults: new_faults}).where(User.id == user.id).run()
    await audit.record(actor=user.actor, entity="user", entity_key=user.email, action="update",
                       changes={"notify_new_faults": [None, new_faults]})


async def notification_settings(user_id: int) -> dict[str, Any]:
    row = await User.select(User.notify_new_faults).where(User.id == user_id).first().run()
    return row or {"notify_new_faults": False}


# Sessions


async def create_session(user_id: int, client: str = "") -> str:
    token = secrets.token_urlsafe(32)
    moment = now()
    await UserSession.insert(UserSession(
        token_hash=hash_token(token), user=user_id, created=moment, last_seen=moment,
        client=client[:64])).run()
    return token


class AccountRow(TypedDict):
    """What current_user reads of an app_user row (a session's or an API token's)."""

    user_id: int
    email: str
    name: str
    role: str


class SessionRow(AccountRow):
    """A session and its account, as load_session reads them on every request."""

    id: int
    last_seen: int  # Unix seconds
    active: bool
    organisation_id: int | None  # one row per organisation of the installation
    link: int | None  # the account's membership of it, if any


async def load_session(token: str, idle_seconds: int) -> CurrentUser | None:
    """The signed-in person for a session cookie, or None if it is unknown, idle for too
    long, or its account is disabled."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    moment = now()
    # Raw SQL: this runs on every request, and Piccolo's join builder costs more than the query.
    # One row per organisation of the installation (they are few), with whether the account
    # works for it: the session and the memberships in one round trip.
    found = await db.fetch_small(
        'SELECT user_session.id, user_session.last_seen, app_user.id AS user_id, app_user.email, '
        'app_user.name, app_user.role, app_user.active, organisation.id AS organisation_id, '
        'user_organisation.id AS link FROM user_session '
        'JOIN app_user ON app_user.id = user_session."user" '
        'LEFT JOIN organisation ON 1 = 1 '
        'LEFT JOIN user_organisation ON user_organisation.organisation = organisation.id '
        'AND user_organisation."user" = app_user.id '
        'WHERE user_session.token_hash = {} ORDER BY organisation.id', token_hash, row=SessionRow)
    row = found[0] if found else None
    if row is None:
        return None
    if not row["active"] or row["last_seen"] < moment - idle_seconds:
        await UserSession.delete().where(UserSession.id == row["id"]).run()
        return None
    if row["last_seen"] < moment - TOUCH_EVERY_S:
        await UserSession.update({UserSession.last_seen: moment}).where(
            UserSession.id == row["id"]).run()
    memberships = [(r["organisation_id"], r["link"] is not None) for r in found
                   if r["organisation_id"] is not None]
    return await current_user(row, memberships, session_hash=token_hash)


async def current_user(row: AccountRow, memberships: list[tuple[int, bool]] | None = None,
                       session_hash: str = "") -> CurrentUser:
    """Who is asking, from an app_user row (user_id, email, name, role): a session's or an
    API token's. Site-bound roles also get their sites. `memberships`: every organisation
    (id, whether the account works for it), when the caller read them with the row."""
    site_ids: frozenset[int] = frozenset()
    if row["role"] in permissions.SITE_BOUND_ROLES:
        links = await db.fetch_small('SELECT site FROM user_site WHERE "user" = {}', row["user_id"])
        site_ids = frozenset(r["site"] for r in links)
    if memberships is None:
        # Every organisation, and whether the account works for it (organisations are few).
        memberships = [(m["id"], m["link"] is not None) for m in await db.fetch_small(
            'SELECT organisation.id, user_organisation.id AS link FROM organisation '
            'LEFT JOIN user_organisation ON user_organisation.organisation = organisation.id '
            'AND user_organisation."user" = {} ORDER BY organisation.id', row["user_id"])]
    organisation_ids = organisation_limit(row["role"], memberships)
    organisation_site_ids = None
    if organisation_ids is not None:
        ids = sorted(organisation_ids)
        owned = await db.fetch_small(
            "SELECT id FROM site WHERE owner IN (" + ", ".join("{}" for _ in ids) + ")",
            *ids) if ids else []
        organisation_site_ids = frozenset(r["id"] for r in owned)
    return CurrentUser(id=row["user_id"], email=row["email"], name=row["name"],
                       role=row["role"], site_ids=site_ids, session_hash=session_hash,
                       organisation_ids=organisation_ids,
                       organisation_site_ids=organisation_site_ids,
                       several_organisations=len(memberships) > 1)


async def end_session(token_hash: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == token_hash).run()


async def purge_idle_sessions(idle_seconds: int) -> int:
    rows = await UserSession.delete().where(
        UserSession.last_seen < now() - idle_seconds).returning(UserSession.id).run()
    return len(rows)


# Sign-in and throttling


@dataclass(frozen=True)
class LoginResult:
    user_id: int | None = None
    retry_after: int = 0  # > 0: refused for too many failures

    @property
    def ok(self) -> bool:
        return self.user_id is not None


async def throttle_wait(key: str, policy: rules.ThrottlePolicy, moment: int) -> int:
    row = await LoginThrottle.select().where(LoginThrottle.key == key).first().run()
    if row is None or row["window_start"] < moment - policy.window_seconds:
        return 0
    return rules.retry_after(row["failures"], row["window_start"], moment, policy)


async def count_attempt(key: str, policy: rules.ThrottlePolicy, moment: int) -> None:
    """One atomic upsert, so concurrent instances never lose a failure."""
    await take_attempt(key, policy, moment)


async def take_attempt(key: str, policy: rules.ThrottlePolicy, moment: int) -> int:
    """Count one attempt under `key`, in one atomic statement, and return the seconds to
    wait (0: this attempt may go on): of concurrent attempts, only the first
    `max_failures` are let through."""
    cutoff = moment - policy.window_seconds
    rows = await LoginThrottle.raw(
        "INSERT INTO login_throttle (key, failures, window_start) VALUES ({}, 1, {}) "
        "ON CONFLICT (key) DO UPDATE SET "
        "failures = CASE WHEN login_throttle.window_start < {} THEN 1 "
        "ELSE login_throttle.failures + 1 END, "
        "window_start = CASE WHEN login_throttle.window_start < {} THEN {} "
        "ELSE login_throttle.window_start END RETURNING failures, window_start",
        key, moment, cutoff, cutoff, moment,
    ).run()
    return rules.retry_after(rows[0]["failures"] - 1, rows[0]["window_start"], moment, policy)


async def _failed_here_before(key: str, moment: int, at_least: int = 2) -> bool:
    """Whether `key` counts at least `at_least` attempts in its current window (the pair's
    count includes the attempt being made)."""
    row = await LoginThrottle.select().where(LoginThrottle.key == key).first().run()
    return bool(row and row["window_start"] >= moment - rules.CLIENT_POLICY.window_seconds
                and row["failures"] >= at_least)


async def give_back_attempt(key: str) -> None:
    """Undo take_attempt for an attempt that was refused without being evaluated."""
    await LoginThrottle.raw(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = {} AND failures > 0",
        key).run()


async def authenticate(email: str, password: str, client: str) -> LoginResult:
    email = v.clean_text(email or "").strip().lower()[:254]  # a NUL never reaches PostgreSQL
    moment = now()
    pair_key, account_key, client_key = (f"pair:{email}|{client}", f"account:{email}",
                                         f"ip:{client}")
    # Slots are taken before the password is checked, so a burst of concurrent guesses gets
    # no more evaluations than the limit.
    wait = max(await take_attempt(pair_key, rules.PAIR_POLICY, moment),
               await take_attempt(account_key, rules.ACCOUNT_POLICY, moment))
    if not wait and await _failed_here_before(pair_key, moment):
        wait = await throttle_wait(client_key, rules.CLIENT_POLICY, moment)
    if wait:
        await give_back_attempt(pair_key)
        await give_back_attempt(account_key)
        # One audit record per address and window, however many attempts are refused.
        refused_key = f"refused:{client}"
        if not await _failed_here_before(refused_key, moment, at_least=1):
            await audit.record(actor=email or "?", entity="login", entity_key=email,
                               action="throttled", changes={"client": [None, client]})
        await count_attempt(refused_key, rules.CLIENT_POLICY, moment)
        return LoginResult(retry_after=wait)
    row = await User.select(User.id, User.password_hash, User.active).where(
        User.email == email).first().run()
    valid = _verify(row["password_hash"] if row else _DUMMY_HASH, password or "")
    if not (row and valid and row["active"]):
        await count_attempt(client_key, rules.CLIENT_POLICY, moment)
        await audit.record(actor=email or "?", entity="login", entity_key=email,
                           action="failed", changes={"client": [None, client]})
        return LoginResult()
    # The account's own counters end with a success; the address's does not (a success on
    # one's own account must not clear the guessing done on others from the same address).
    await LoginThrottle.delete().where(LoginThrottle.key.is_in([pair_key, account_key])).run()
    await User.update({User.last_login_at: clock.now()}).where(User.id == row["id"]).run()
    await audit.record(actor=Actor(email, row["id"]), entity="login", entity_key=email,
                       action="success", changes={"client": [None, client]})
    return LoginResult(user_id=row["id"])


# Application settings (demo mode)


async def get_setting(key: str) -> str | None:
    row = await AppSetting.select(AppSetting.value).where(AppSetting.key == key).first().run()
    return row["value"] if row else None


async def set_setting(key: str, value: str) -> None:
    if await AppSetting.exists().where(AppSetting.key == key).run():
        await AppSetting.update({AppSetting.value: value}).where(AppSetting.key == key).run()
    else:
        await AppSetting.insert(AppSetting(key=key, value=value)).run()


DEMO_MODE = "demo_mode"
ANONYMOUS_REPORTS = "anonymous_reports"


async def anonymous_reports() -> bool:
    """Whether a visitor without an account may report a problem from a label."""
    return await get_setting(ANONYMOUS_REPORTS) == "1"
DEMO_PASSWORD = "Brenneville-demo-2026"
DEMO_ACCOUNTS = (
    # Fictitious people: pages show them by these names, not by their emails.
    ("admin@brenneville.example", "Claire Vasseur", permissions.ADMINISTRATOR),
    ("planif@brenneville.example", "Julien Marchand", permissions.PLANNER),
    ("tech@brenneville.example", "Nadia Benali", permissions.TECHNICIAN),
    ("direction@brenneville.example", "Thomas Lemoine", permissions.DIRECTOR),
    ("elu@brenneville.example", "Hélène Garnier", permissions.VIEWER),
)


async def create_demo_accounts(first_school_code: str) -> list[tuple[str, str]]:
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if await User.exists().where(User.email == email).run():
            continue  # an account made before the demo stays as it is
        sites = [first_school_code] if role == permissions.DIRECTOR else []
        await create_user({"email": email, "name": name, "role": role, "sites": sites,
                           "password": DEMO_PASSWORD}, "demo")
        created.append((email, role))
    await set_setting(DEMO_MODE, "1")
    await set_setting(ANONYMOUS_REPORTS, "1")  # off by default, on in the demo
    return created


async def demo_mode() -> bool:
    return await get_setting(DEMO_MODE) == "1"


async def has_accounts() -> bool:
    """Whether anyone can sign in yet: a new installation has no account until the first
    administrator is made on the server (`inventory createuser`)."""
    return bool(await db.fetch_small("SELECT id FROM app_user LIMIT 1"))
