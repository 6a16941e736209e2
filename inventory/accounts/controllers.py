"""Sign-in, sign-out, own password, account administration and the audit log."""

from __future__ import annotations

import re

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from inventory.accounts import permissions as p
from inventory.accounts import rules, service, tokens
from inventory.accounts.auth import SESSION_COOKIE
from inventory.core import audit
from inventory.core.errors import NotFound
from inventory.core.fields import ACTION_LABELS, ENTITY_LABELS
from inventory.core.i18n import _
from inventory.history.words import readable
from inventory.labels.formats import all_formats
from inventory.sites import service as sites
from inventory.web.dependencies import ProcessSettings
from inventory.web.pages import RowId, form_data, form_post, form_version, render, see_other

COOKIE_MAX_AGE = 14 * 24 * 3600  # the server ends idle sessions much sooner


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _login_page(request: Request, status: int = 200, **context) -> Template:
    demo = service.DEMO_ACCOUNTS if await service.demo_mode() else ()
    return render("accounts/login.html", status, next=rules.safe_next(
        request.query_params.get("next") or context.pop("next", None), default=""),
        demo_accounts=demo, demo_password=service.DEMO_PASSWORD, roles=p.ROLES,
        no_account_yet=not await service.has_accounts(), **context)


@get("/login", permission=p.PUBLIC)
async def login_form(request: Request) -> Template | Redirect:
    target = request.query_params.get("next")
    if request.scope.get("user"):
        return see_other(rules.safe_next(target))
    # A visitor who scanned a label: the short public report page, when the commune allows it.
    scanned = re.fullmatch(r"/a/([A-Za-z0-9-]{1,40})", target or "")
    if scanned and not request.query_params.get("staff") and await service.anonymous_reports():
        from inventory.faults.service import public_view

        try:
            await public_view(scanned.group(1))
            return see_other(f"/r/{scanned.group(1)}")
        except NotFound:
            pass  # unknown or retired: nothing to report, the sign-in page it is
    return await _login_page(request)


@post("/login", permission=p.PUBLIC)
async def login(request: Request, settings: ProcessSettings) -> Response:
    data = await form_data(request)
    result = await service.authenticate(data.get("email", ""), data.get("password", ""),
                                        _client(request))
    if result.retry_after:
        minutes = max(1, -(-result.retry_after // 60))
        page = await _login_page(request, 429, email=data.get("email", ""), next=data.get("next"),
                                 error=_("Too many failed attempts. Try again in %(n)d minutes.")
                                 % {"n": minutes})
        page.headers["Retry-After"] = str(result.retry_after)
        return page
    user_id = result.user_id
    if user_id is None:  # not result.ok (said this way, mypy narrows it)
        return await _login_page(request, 400, email=data.get("email", ""), next=data.get("next"),
                                 error=_("Wrong email or password."))
    token = await service.create_session(user_id, _client(request))
    target = rules.safe_next(data.get("next"))
    if await _needs_setup(user_id):
        target = "/setup"
    response = see_other(target)
    response.set_cookie(SESSION_COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True,
                        samesite="lax", secure=settings.secure_cookies, path="/")
    return response


async def _needs_setup(user_id: int) -> bool:
    """The first administrator to sign in to a new installation (not the demo) answers the
    set-up first; once it is done, sign-ins go where they were going."""
    from inventory.setup.service import setup_pending

    user = await service.get_user(user_id)
    return user["role"] == p.ADMINISTRATOR and await setup_pending()


@post("/logout", permission=p.SIGNED_IN)
async def logout(request: Request) -> Redirect:
    await service.end_session(request.user.session_hash)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _account(request: Request, status: int = 200, errors=None, **tokens_context) -> Template:
    return render("accounts/account.html", status, errors=errors or {},
                  done=request.query_params.get("done"), roles=p.ROLES,
                  notifications=await service.notification_settings(request.user.id),
                  tokens=await tokens.list_for(request.user.id),
                  revoked_tokens=await tokens.recently_revoked(request.user.id), **tokens_context)


@post("/account/tokens", permission=p.SIGNED_IN)
async def token_create(request: Request) -> Response:
    data = await form_data(request)

    async def shown_once(made: tuple[str, dict]) -> Template:
        # Shown once, on this response only (no redirect: the token must not sit in a URL),
        # and never kept by a cache or the browser's history.
        page = await _account(request, 201, new_token=made[0])
        page.headers["Cache-Control"] = "no-store"
        return page

    return await form_post(
        tokens.create(request.user.id, data.get("name"), request.user.actor), done=shown_once,
        invalid=lambda errors: _account(request, 400, token_errors=errors, token_values=data))


@post("/account/tokens/{token_id:int}/revoke", permission=p.SIGNED_IN)
async def token_revoke(request: Request, token_id: RowId) -> Redirect:
    await tokens.revoke(request.user.id, token_id, request.user.actor)
    return see_other("/account?done=token#api-tokens")


@get("/account", permission=p.SIGNED_IN)
async def account(request: Request) -> Template:
    return await _account(request)


@post("/account/notifications", permission=p.SIGNED_IN)
async def account_notifications(request: Request) -> Redirect:
    data = await form_data(request)
    await service.set_notifications(request.user, data.get("new_faults") == "on")
    return see_other("/account?done=notifications")


@post("/account/password", permission=p.SIGNED_IN)
async def change_password(request: Request) -> Response:
    data = await form_data(request)
    return await form_post(
        service.change_own_password(request.user, data.get("current", ""),
                                    data.get("new", ""), data.get("confirm", "")),
        done="/account?done=1", invalid=lambda errors: _account(request, 400, errors))


# Administration


async def _user_form(status: int = 200, **context) -> Template:
    from inventory.organisations import service as organisations

    site_rows = await sites.list_sites(service.EVERYTHING)
    # The organisations' choice only where there is one to make.
    choices = await organisations.choices() if await organisations.several() else []
    return render("accounts/user_form.html", status, roles=p.ROLES, sites=site_rows,
                  organisations=choices, **context)


@get("/admin/users", permission=p.USER_ADMIN)
async def users_index() -> Template:
    return render("accounts/users.html", users=await service.list_users(), roles=p.ROLES)


@get("/admin/users/new", permission=p.USER_ADMIN)
async def user_new() -> Template:
    from inventory.organisations import service as organisations

    return await _user_form(user=None, values={
        "role": p.TECHNICIAN, "sites": [],
        "organisations": [await organisations.first_code()]}, errors={})


def _form_values(request_form: dict[str, str], sites_selected: list[str],
                 organisations: list[str] | None = None) -> dict:
    values = {**request_form, "sites": sites_selected}
    if request_form.get("organisations_given"):  # the form offered the choice
        values["organisations"] = organisations or []
    return values


@post("/admin/users/new", permission=p.USER_ADMIN)
async def user_create(request: Request) -> Response:
    form = await request.form()
    data = _form_values(dict(form.items()), form.getall("sites", []),
                        form.getall("organisations", []))
    typed = {k: v for k, v in data.items() if k != "password"}  # never sent back to the page
    return await form_post(
        service.create_user(data, request.user.actor),
        done=lambda user: f"/admin/users/{user['id']}",
        invalid=lambda errors: _user_form(400, user=None, values=typed, errors=errors))


@get("/admin/users/{user_id:int}", permission=p.USER_ADMIN)
async def user_edit(user_id: RowId) -> Template:
    user = await service.get_user(user_id)
    history = await readable(await audit.history("user", user["email"], limit=50))
    return await _user_form(user=user, values={**user, "sites": user["site_codes"]},
                            errors={}, history=history)


@post("/admin/users/{user_id:int}", permission=p.USER_ADMIN)
async def user_update(request: Request, user_id: RowId) -> Response:
    user = await service.get_user(user_id)
    form = await request.form()
    data = _form_values(dict(form.items()), form.getall("sites", []),
                        form.getall("organisations", []))

    async def stale(_row) -> Template:  # read again: the page shows the user's site codes
        current = await service.get_user(user_id)
        return await _user_form(409, user=current, values=data, errors={}, history=[],
                                conflict=current)

    return await form_post(
        service.update_user(user_id, data, form_version(data), request.user.actor),
        done="/admin/users",
        invalid=lambda errors: _user_form(400, user=user, values=data, errors=errors,
                                          history=[]),
        conflict=stale)


@post("/admin/users/{user_id:int}/password", permission=p.USER_ADMIN)
async def user_reset_password(request: Request, user_id: RowId) -> Response:
    user = await service.get_user(user_id)
    data = await form_data(request)
    return await form_post(
        service.set_password(user_id, data.get("password", ""), request.user.actor),
        done=f"/admin/users/{user_id}?reset=1",
        invalid=lambda errors: _user_form(400, user=user, values={
            **user, "sites": user["site_codes"]}, errors=errors, history=[]))


@get("/admin/audit", permission=p.AUDIT_READ)
async def audit_log(request: Request) -> Template:
    f = audit.AuditFilter.from_query(request.query_params)
    rows, total, pages = await audit.browse(f)
    site_rows = await sites.list_sites(service.EVERYTHING)
    return render("accounts/audit.html", f=f, rows=await readable(rows), total=total,
                  action_labels={k: str(v) for k, v in ACTION_LABELS.items()},
                  entity_labels={k: str(v) for k, v in ENTITY_LABELS.items()},
                  label_formats=all_formats(),
                  pages=pages, page=min(f.page, pages), sites=site_rows,
                  site_names={s["id"]: s["name"] for s in site_rows})


account_routes = [
    login_form, login, logout, account, account_notifications, change_password, token_create,
    token_revoke, users_index,
    user_new, user_create, user_edit, user_update, user_reset_password, audit_log,
]
