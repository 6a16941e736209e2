"""Schemathesis against the real server's OpenAPI description (/schema/openapi.json): every
operation of /api/v1 is called with generated input, as an administrator's API token, and
must answer without a server error, with a documented status code, content type and body.

Runs against `inventory serve` on a small demo database, on SQLite and on PostgreSQL (which
refuses what SQLite stores, such as a NUL character in text): the schema and the answers are
the server's own, as a client would see them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.pgserver import _free_port

# The command of this checkout (not the console script, which runs the checkout the virtual
# environment was installed from): `python -m inventory.cli` from the project's folder.
PROJECT = Path(__file__).resolve().parents[1]
INVENTORY = [sys.executable, "-m", "inventory.cli"]
EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "25"))  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


class Served(NamedTuple):
    base: str  # the server's address
    token: str  # an administrator's API token
    url: str  # its database (tests/factories.py builds into it after db.configure)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api_server(tmp_path_factory, request) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("schema")
    url = (f"sqlite:///{tmp / 'api.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_server").create_database(
               # one database per module using this fixture (test_api_client.py too)
               "api_" + request.module.__name__.rsplit(".", 1)[-1]))
    env = {**os.environ, "INVENTORY_DATABASE_URL": url, "PYTHONPATH": str(PROJECT),
           "INVENTORY_DATA_DIR": str(tmp), "INVENTORY_SCHEDULER": "0"}
    for args in (["migrate"], ["demo", "--assets", "200"]):
        subprocess.run([*INVENTORY, *args], env=env, check=True, capture_output=True,
                       timeout=120, cwd=PROJECT)
    token = subprocess.run([*INVENTORY, "token", "create", "admin@brenneville.example"],
                           env=env, check=True, capture_output=True, text=True,
                           timeout=60, cwd=PROJECT).stdout.strip()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp / "server.log").open("w") as log:
        process = subprocess.Popen([*INVENTORY, "serve", "--host", "127.0.0.1", "--port",
                                    str(port), "--no-access-log"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=PROJECT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp / "server.log").read_text()[-3000:])
                time.sleep(0.1)
        yield Served(base, token, url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_operation_answers_as_documented(api_server):
    base, token, _url = api_server
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25  # every operation of /api/v1 and /healthz, no page
    assert all(op.path.startswith("/api/v1/") or op.path == "/healthz" for op in operations)
    failures, calls = [], []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            response = case.call_and_validate(base_url=base, headers=headers, checks=CHECKS)
            calls.append(response.status_code)

        try:
            call()
        except Exception as failure:  # gather every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert not failures, "\n\n".join(failures)
    assert len(calls) > 3 * len(operations)
    assert {200, 201} & set(calls) and {400, 404} & set(calls)  # both kinds were exercised


def test_real_records_match_their_documented_shape(api_server):
    """Generated ids rarely exist: read real ones and check each answer against the schema."""
    import json

    base, token, _url = api_server
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json", headers=headers)

    def get(path: str):
        request = urllib.request.Request(f"{base}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    tag = get("/api/v1/assets?limit=1")["items"][0]["tag"]
    room = get("/api/v1/sites/GS-FERRY/rooms")["items"][0]["id"]
    plan = get("/api/v1/plans")["items"][0]["id"]
    calls = [
        ("/api/v1/assets/{tag}", {"tag": tag}, {}), ("/api/v1/assets/{tag}/history", {"tag": tag}, {}),
        ("/api/v1/assets/{tag}/interventions", {"tag": tag}, {}),
        ("/api/v1/sites/{code}", {"code": "GS-FERRY"}, {}),
        ("/api/v1/rooms/{room_id}", {"room_id": room}, {}),
        ("/api/v1/plans/{plan_id}", {"plan_id": plan}, {"limit": 5}),
        ("/api/v1/assets", {}, {"page": 2}), ("/api/v1/faults", {}, {"status": "all"}),
        ("/api/v1/categories", {}, {}), ("/api/v1/models", {}, {}), ("/api/v1/plans", {}, {}),
    ]
    for path, params, query in calls:
        case = schema[path]["GET"].Case(path_parameters=params, query=query)
        response = case.call_and_validate(base_url=base, headers=headers, checks=CHECKS)
        assert response.status_code == 200, (path, response.text)
