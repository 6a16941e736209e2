"""Two instances of the service on one PostgreSQL database, behind nginx running the sample
configuration (deploy/nginx.conf): a session and its CSRF token work on either instance, the
visitor's address (from nginx's X-Forwarded-For) reaches the sign-in throttle and the audit
log, an X-Forwarded-For from anyone else is ignored, and each scheduled job runs once.

The real processes: `inventory serve` twice (schedulers on), nginx in front, requests sent
from chosen loopback addresses (127.0.0.5, ...) so that the visitor's address differs from
nginx's (127.0.0.1, the one trusted proxy)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inventory.accounts.service import DEMO_PASSWORD as PASSWORD
from tests.nginxserver import find_nginx, start_nginx
from tests.pgserver import _free_port

PROJECT = Path(__file__).resolve().parents[1]
INVENTORY = [sys.executable, "-m", "inventory.cli"]
ADMIN = "admin@brenneville.example"

pytestmark = pytest.mark.skipif(
    find_nginx() is None,
    reason="nginx is not installed (Debian: apt-get install nginx; scripts/system-deps.sh "
           "installs it for `make test`)")


def _wait_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60  # a loaded machine starts slowly
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{base} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(pg_server, tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("two")
    url = pg_server.create_database("two_instances")
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "INVENTORY_DATABASE_URL": url,
           "INVENTORY_DATA_DIR": str(tmp / "data"),  # shared, as the README asks
           "INVENTORY_SECRET_KEY": "the-same-long-random-secret-on-both-instances",
           "INVENTORY_TRUSTED_PROXIES": "127.0.0.1", "INVENTORY_SCHEDULER": "1",
           "INVENTORY_LANGUAGE": "en"}
    for args in (["migrate"], ["demo", "--assets", "60"]):
        subprocess.run([*INVENTORY, *args], env=env, check=True, capture_output=True,
                       timeout=180, cwd=PROJECT)
    processes, ports = [], []
    try:
        for n in (1, 2):
            port = _free_port()
            log = tmp / f"instance{n}.log"
            with log.open("w") as out:
                processes.append(subprocess.Popen(
                    [*INVENTORY, "serve", "--host", "127.0.0.1", "--port", str(port),
                     "--no-access-log"], env=env, stdout=out, stderr=subprocess.STDOUT,
                    cwd=PROJECT))
            ports.append(port)
        for n, (port, process) in enumerate(zip(ports, processes, strict=True), 1):
            _wait_healthy(f"http://127.0.0.1:{port}", process, tmp / f"instance{n}.log")
        nginx = start_nginx(ports)
        try:
            yield {"url": url, "instances": [f"http://127.0.0.1:{p}" for p in ports],
                   "nginx": nginx.base, "data": tmp / "data"}
        finally:
            nginx.stop()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def browser(source: str = "127.0.0.5") -> httpx.Client:
    """A visitor on the loopback address `source` (its own cookie jar)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30,
                        headers={"accept-language": "en"})


def csrf_token(client: httpx.Client, base: str) -> str:
    page = client.get(f"{base}/login")
    assert page.status_code == 200, page.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client: httpx.Client, base: str, email: str = ADMIN, password: str = PASSWORD,
            headers: dict | None = None) -> httpx.Response:
    token = csrf_token(client, base)
    return client.post(f"{base}/login", data={"_csrf_token": token, "email": email,
                                              "password": password, "next": "/assets"},
                       headers=headers or {})


def rows(url: str, sql: str, *args) -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


def signed_in(response: httpx.Response) -> bool:
    return response.status_code == 200 and 'action="/logout"' in response.text


def test_a_session_and_its_csrf_token_work_on_the_other_instance(cluster):
    first, second = cluster["instances"]
    with browser() as client:
        done = sign_in(client, first)
        assert done.status_code == 303 and done.headers["location"] == "/assets"
        assert signed_in(client.get(f"{second}/assets"))
        # A form of the first instance, posted to the second: the CSRF token is signed
        # with the shared secret, the session is in the database.
        page = client.get(f"{first}/account")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        out = client.post(f"{second}/logout", data={"_csrf_token": token})
        assert out.status_code in (302, 303)
        # Signed out everywhere: the first instance no longer knows the session either.
        after = client.get(f"{first}/assets")
        assert after.status_code in (302, 303) and "/login" in after.headers["location"]
        # Without the token, the other instance refuses the post.
        sign_in(client, second)
        assert client.post(f"{first}/logout", data={}).status_code == 403


def test_a_session_made_through_nginx_holds_on_both_instances(cluster):
    with browser() as client:
        done = sign_in(client, cluster["nginx"])
        assert done.status_code == 303, done.text
        # Round robin: these requests go to both instances, each one signed in.
        assert all(signed_in(client.get(f"{cluster['nginx']}/assets")) for _ in range(6))


def test_the_visitors_address_reaches_the_throttle_and_the_audit_log(cluster):
    url, nginx = cluster["url"], cluster["nginx"]
    email = "tech@brenneville.example"
    with browser("127.0.0.5") as guesser:
        answers = [sign_in(guesser, nginx, email, "wrong-password").status_code
                   for _ in range(6)]
    assert answers == [400] * 5 + [429]  # 5 failures for one account from one address
    keys = {row["key"] for row in rows(url, "SELECT key FROM login_throttle")}
    assert f"pair:{email}|127.0.0.5" in keys and "ip:127.0.0.5" in keys
    assert not [key for key in keys if key.endswith("127.0.0.1")]  # never nginx's address
    clients = {row["changes"] for row in rows(
        url, "SELECT changes::text AS changes FROM audit_record "
             "WHERE entity = 'login' AND entity_key = %s", email)}
    assert clients and all("127.0.0.5" in c for c in clients), clients
    # The same account from another address is not slowed by the guesser's failures.
    with browser("127.0.0.6") as colleague:
        assert sign_in(colleague, nginx, email).status_code == 303


def test_an_untrusted_forwarded_for_is_ignored(cluster):
    url, nginx = cluster["url"], cluster["nginx"]
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    # Through nginx: nginx appends the address it saw; the one the visitor wrote is not
    # believed (it is left of an address that is not a trusted proxy).
    with browser("127.0.0.7") as client:
        assert sign_in(client, nginx, "elu@brenneville.example", "wrong-password",
                       headers=spoofed).status_code == 400
    # Straight to an instance, from an address that is not a trusted proxy.
    with browser("127.0.0.8") as client:
        assert sign_in(client, cluster["instances"][1], "elu@brenneville.example",
                       "wrong-password", headers=spoofed).status_code == 400
    keys = {row["key"] for row in rows(url, "SELECT key FROM login_throttle")}
    assert {"ip:127.0.0.7", "ip:127.0.0.8"} <= keys
    assert not [key for key in keys if "203.0.113.9" in key]
    audit = rows(url, "SELECT changes::text AS c FROM audit_record WHERE entity = 'login'")
    assert audit and not [row for row in audit if "203.0.113.9" in row["c"]]


def test_each_scheduled_job_runs_once_across_the_instances(cluster):
    url = cluster["url"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    daily = {f"maintenance:{today}", f"planning:{today}", f"backup:{today}", f"loans:{today}"}
    deadline = time.monotonic() + 90
    while True:  # both schedulers ran every job at start; wait for the runs to finish
        runs = {row["key"]: row for row in rows(url, "SELECT * FROM job_run")}
        if all(runs.get(key, {}).get("done_at") for key in daily) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for key in daily:
        assert key in runs, sorted(runs)
        assert runs[key]["done_at"] is not None, runs[key]
        assert runs[key]["attempts"] == 1, runs[key]  # one claim won, the other instance's lost
    # The work itself happened once: one nightly backup archive in the shared data folder.
    nightly = rows(url, "SELECT count(*) AS n FROM backup_run WHERE trigger = 'nightly'")
    assert nightly[0]["n"] == 1
    assert len(list((cluster["data"] / "backups").glob("*"))) == 1
    # Both instances took part (each started its scheduler and raced for every job).
    # The jobs claimed per minute or per ten minutes: each period's claim won once.
    for job in ("outbox", "tally", "backup-watch"):
        claims = [row for key, row in runs.items() if key.startswith(f"{job}:")]
        assert claims and all(row["attempts"] == 1 for row in claims), (job, claims)
