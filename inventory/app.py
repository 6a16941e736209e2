"""create_app(settings) -> Litestar: wiring only, no logic."""

from __future__ import annotations

import asyncio
import gc
import logging

from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from litestar_htmx import HTMXConfig, HTMXPlugin

from inventory.accounts import permissions as p
from inventory.accounts.auth import permission_guard, session_middleware
from inventory.accounts.controllers import account_routes
from inventory.accounts.rules import local_path
from inventory.api.controllers import api_reference, api_router
from inventory.api.docs import SECURITY_COMPONENTS, operation_id
from inventory.assets.controllers import asset_routes
from inventory.backups.controllers import backup_routes
from inventory.campaigns.controllers import campaign_routes
from inventory.catalog.controllers import catalog_routes
from inventory.contracts.controllers import contract_routes
from inventory.core import db, i18n, migrations
from inventory.core.errors import Conflict, NotFound, ValidationFailed
from inventory.core.settings import Settings
from inventory.dashboard.controllers import dashboard
from inventory.exporting.controllers import export_routes
from inventory.faults.controllers import fault_routes
from inventory.imports.controllers import import_routes
from inventory.labels.controllers import label_routes
from inventory.labels.formats import all_formats
from inventory.loans.controllers import loan_routes
from inventory.maintenance.controllers import maintenance_routes
from inventory.notifications.controllers import outbox_routes
from inventory.offline.controllers import offline_routes
from inventory.organisations.controllers import organisation_routes
from inventory.planning.controllers import plan_routes
from inventory.setup.controllers import setup_routes
from inventory.setup.service import PublicAddress
from inventory.sites.controllers import site_routes
from inventory.web.arrival_order import arrival_order_middleware
from inventory.web.compression import compression_config
from inventory.web.dependencies import settings_dependencies
from inventory.web.errors import (
    conflict_handler,
    domain_not_found_handler,
    http_exception_handler,
    not_authorized_handler,
    server_error_handler,
    unstorable_text_handler,
    validation_handler,
)
from inventory.web.forwarded import forwarded_middleware
from inventory.web.htmx import InventoryRequest
from inventory.web.middleware import language_middleware, security_headers
from inventory.web.static import catalog, static_router
from inventory.web.templating import LanguageTemplateEngine, make_template_engine

log = logging.getLogger("inventory")


@get("/healthz", permission=p.PUBLIC, include_in_schema=True)
async def healthz() -> Response:
    try:
        pending = await migrations.pending_migration_ids()
    except Exception as error:  # the database is unreachable: say so, never crash
        log.warning("health check failed: %s", error)
        return Response({"status": "error", "database": "unreachable"}, status_code=503)
    engine = db.current_engine()
    body: dict[str, object] = {
        "status": "ok" if not pending else "error",
        "database": "reachable",
        "engine": engine.engine_type,
        "migrated": not pending,
        "pending_migrations": pending,
        # Seconds since the last successful backup (null when none); the result of the last.
        "last_backup_age_s": None,
        "last_backup_ok": None,
    }
    if not pending:
        from inventory.backups import service as backups
        from inventory.notifications import outbox

        state = await backups.status()
        body["last_backup_age_s"] = state["age_s"]
        body["last_backup_ok"] = state["last"]["ok"] if state["last"] else None
        body["outbox_failed"] = await outbox.failed_count()  # emails given up: someone must look
    return Response(body, status_code=200 if not pending else 503)


@get("/language/{language:str}", permission=p.PUBLIC)
async def choose_language(request: Request, language: FromPath[str]) -> Response:
    target = request.headers.get("referer", "/")
    base = str(request.base_url)
    path = target[len(base) - 1:] if target.startswith(base) else "/"
    response = Redirect(path=local_path(path), status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie("lang", language, max_age=365 * 24 * 3600, samesite="lax",
                            httponly=True)
    return response


def freeze_startup_objects() -> None:
    """Leave what start-up built (modules, routes, compiled templates: ~120,000 objects)
    out of the cycle collector's passes. A full pass over them took 65-90 ms and stalled
    every request in flight; afterwards a pass looks at the objects of requests only."""
    gc.collect()
    gc.freeze()


async def warm_up(templates: LanguageTemplateEngine) -> None:
    """Pack the static files and compile every template once, in the serving process, a piece
    at a time between requests. Done lazily, the first page to need a template (show.html:
    ~0.2 s) or a static address (the packed files: ~1 s) held the event loop, and with it
    every request in flight: at 16 connections one such pause was the asset page's p99."""
    catalog()
    for environment in templates.environments.values():
        for name in environment.list_templates():
            await asyncio.sleep(0)
            environment.get_template(name)
    freeze_startup_objects()


def create_app(settings: Settings | None = None, *, migrate_on_start: bool = False,
               freeze_gc: bool = False) -> Litestar:
    """`freeze_gc` is for the serving process (`inventory serve`): it warms the templates and
    static files up after start, then freezes what start-up built; frozen objects are never
    collected, so a process that builds many apps (the tests) must not freeze."""
    settings = settings or Settings.from_env()
    all_formats()  # a broken label format file stops the start-up, naming file and field
    engine = db.configure(settings.database_url)

    scheduler = None
    public_address = PublicAddress(settings)
    templates = make_template_engine(reload=settings.debug)
    background: set[asyncio.Task] = set()

    async def on_startup(app: Litestar) -> None:
        nonlocal scheduler
        if migrate_on_start:
            await migrations.migrate()
        await db.start_pool(engine, size=20)
        await public_address.refresh()
        if settings.scheduler:  # needs the running loop, hence here
            from inventory.jobs.scheduler import make_scheduler

            scheduler = make_scheduler(settings)
            scheduler.start()
        if freeze_gc:
            task = asyncio.get_running_loop().create_task(warm_up(templates))
            background.add(task)
            task.add_done_callback(background.discard)

    async def on_shutdown(app: Litestar) -> None:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        await db.close_pool(engine)

    return Litestar(
        route_handlers=[
            dashboard, healthz, choose_language,
            *site_routes, *asset_routes, *loan_routes, *catalog_routes, api_router, api_reference,
            *account_routes, *label_routes, *campaign_routes, *fault_routes,
            *maintenance_routes, *backup_routes, *outbox_routes,
            *plan_routes, *export_routes, *import_routes, *setup_routes, *offline_routes,
            *contract_routes, *organisation_routes,
            static_router(opt={"permission": p.PUBLIC}),
        ],
        compression_config=compression_config(),
        template_config=TemplateConfig(instance=templates),
        # request.htmx: what htmx asked for (inventory.web.htmx)
        plugins=[HTMXPlugin(HTMXConfig(set_request_class_globally=False))],
        request_class=InventoryRequest,
        dependencies=settings_dependencies(settings),
        before_send=[security_headers(public_address)],
        middleware=[arrival_order_middleware(), forwarded_middleware(settings.trusted_proxies),
                    language_middleware,
                    session_middleware(settings.session_idle_minutes * 60, settings.secret_key)],
        guards=[permission_guard],
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               cookie_samesite="lax", cookie_httponly=True),
        exception_handlers={
            NotFoundException: http_exception_handler,
            NotAuthorizedException: not_authorized_handler,
            HTTPException: http_exception_handler,
            ValidationFailed: validation_handler,
            NotFound: domain_not_found_handler,
            Conflict: conflict_handler,
            UntranslatableCharacterError: unstorable_text_handler,
            CharacterNotInRepertoireError: unstorable_text_handler,
            HTTP_500_INTERNAL_SERVER_ERROR: server_error_handler,
            Exception: server_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Equipment inventory API", version="1",
            description="The JSON API under /api/v1: the same operations and permissions as "
                        "the pages. Authenticate with a personal API token (created on the "
                        "account page, or with `inventory token create EMAIL`) sent as "
                        "`Authorization: Bearer <token>`. A browser session also works; it then "
                        "needs the csrftoken cookie's value in the x-csrftoken header for every "
                        "change.",
            components=SECURITY_COMPONENTS, render_plugins=[JsonRenderPlugin()],
            operation_id_creator=operation_id),
        # The OpenAPI description is the JSON API's only (its router opts back in), not the pages.
        include_in_schema=False,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=False,
    )


def create_served_app() -> Litestar:
    """The app of an `inventory serve` worker process (uvicorn's factory with --workers)."""
    return create_app(freeze_gc=True)
