"""Test rig: every test gets its own fresh database, on SQLite and on a real PostgreSQL server.

Migrating and seeding happen once per engine into a template (a SQLite file, a PostgreSQL
template database); each test then gets a copy, which is much faster than migrating again.
Litestar's test client runs the app in another thread and loop, so tests cannot share a
transaction with it: a copy per test keeps them independent.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from inventory.core import db, i18n, migrations
from inventory.core.settings import Settings
from tests.factories import Factory
from tests.helpers import sign_in, with_csrf
from tests.pgserver import PostgresServer, start_postgres

DEMO_ASSETS = 1500
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    yield server
    server.stop()


ADMIN = "admin@brenneville.example"
ROLE_EMAILS = {
    "administrator": ADMIN,
    "planner": "planif@brenneville.example",
    "technician": "tech@brenneville.example",
    "director": "direction@brenneville.example",
    "viewer": "elu@brenneville.example",
}


async def _prepare(demo: bool) -> None:
    from inventory.accounts import service as accounts
    from inventory.demo import commune as demo_module

    engine = db.current_engine()
    await db.start_pool(engine, size=2)
    try:
        await migrations.migrate()
        if demo:
            await demo_module.build_demo(DEMO_ASSETS)
            await accounts.create_demo_accounts(demo_module.FIRST_SCHOOL)
        else:
            await accounts.create_user({"email": ADMIN, "role": "administrator",
                                        "password": accounts.DEMO_PASSWORD}, "test")
    finally:
        await db.close_pool(engine)


class Templates:
    """Builds each (engine, content) template once, then hands out copies."""

    def __init__(self, tmp: Path, pg_getter):
        self.tmp = tmp
        self.pg_getter = pg_getter
        self.built: dict[tuple[str, str], str] = {}

    def _build(self, kind: str, content: str) -> str:
        key = (kind, content)
        if key not in self.built:
            if kind == "sqlite":
                path = self.tmp / f"template-{content}.db"
                url = f"sqlite:///{path}"
            else:
                url = self.pg_getter().create_database(f"template_{content}")
            db.configure(url)
            i18n.set_language("en")
            asyncio.run(_prepare(demo=content == "demo"))
            self.built[key] = url
        return self.built[key]

    def copy(self, kind: str, content: str) -> str:
        template = self._build(kind, content)
        n = next(_counter)
        if kind == "sqlite":
            source = Path(template.removeprefix("sqlite:///"))
            target = self.tmp / f"test-{n}.db"
            # The template is closed and checkpointed: copying the main file is enough.
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        import psycopg

        server = self.pg_getter()
        name = f"test_{n}"
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "template_{content}"')
        return server.url(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory, request) -> Templates:
    return Templates(tmp_path_factory.mktemp("db"),
                     lambda: request.getfixturevalue("pg_server"))


@pytest.fixture(params=["sqlite", "postgres"])
def engine_kind(request) -> str:
    return request.param


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, data_dir=tmp_path, tag_prefix="BRN")


@pytest.fixture
def empty_url(templates, engine_kind) -> str:
    url = templates.copy(engine_kind, "empty")
    db.configure(url)
    return url


@pytest.fixture
def demo_url(templates, engine_kind) -> str:
    url = templates.copy(engine_kind, "demo")
    db.configure(url)
    return url


def _client(url: str, tmp_path: Path, email: str | None = ADMIN) -> Iterator[TestClient]:
    from inventory.app import create_app

    app = create_app(_settings(url, tmp_path))
    with TestClient(app, base_url="http://testserver.local") as client:
        client.headers["accept-language"] = "en"
        if email:
            sign_in(client, email)
        else:
            with_csrf(client)  # a visitor's browser holds the CSRF cookie from any page
        yield client


@pytest.fixture
def client(demo_url, tmp_path) -> Iterator[TestClient]:
    """An administrator's client on a database holding the demo commune (English UI)."""
    yield from _client(demo_url, tmp_path)


@pytest.fixture
def anonymous(demo_url, tmp_path) -> Iterator[TestClient]:
    """A visitor who has not signed in (but holds a CSRF cookie, as any browser would)."""
    yield from _client(demo_url, tmp_path, email=None)


@pytest.fixture
def client_as(demo_url, tmp_path):
    """client_as("director") signs the test's one client in with that role's demo account
    ("anonymous": signed out) and returns it. Identities are switched, not held side by
    side: the app (and its connection pool) lives in the one client's event loop."""
    clients = _client(demo_url, tmp_path, email=None)
    client = next(clients)

    def make(role: str) -> TestClient:
        client.cookies.delete("session")
        if role == "anonymous":
            with_csrf(client)
        else:
            sign_in(client, ROLE_EMAILS[role])
        return client

    yield make
    clients.close()


@pytest.fixture
def empty_client(empty_url, tmp_path) -> Iterator[TestClient]:
    yield from _client(empty_url, tmp_path)


@pytest.fixture
def run():
    """Run a coroutine against the current test database (service-level tests)."""

    def runner(coroutine):
        # An engine of its own: the app's pool (if a test client runs) lives in another loop.
        previous = db.current_engine()
        engine = db.use(db.engine_from_url(db.current_url))

        async def wrapped():
            await db.start_pool(engine, size=4)
            try:
                return await coroutine
            finally:
                await db.close_pool(engine)

        i18n.set_language("en")
        try:
            return asyncio.run(wrapped())
        finally:
            db.use(previous)

    return runner


@pytest.fixture
def make(run) -> Factory:
    """Builds the test's data through the services (tests/factories.py); use it with a
    fixture that gives the test its database, such as `empty_client` or `empty_url`."""
    return Factory(run)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("INVENTORY_TEST_ENGINES") == "sqlite":
        items[:] = [i for i in items if "postgres" not in i.name]
