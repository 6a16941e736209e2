"""Start a throw-away PostgreSQL server from the machine's binaries, for tests and benches.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the
`postgres` user on a temporary folder it owns. As an ordinary user it runs as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


def find_pg_bin() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return candidate
    found = shutil.which("pg_ctl")
    return os.path.dirname(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: str
    folder: str
    port: int
    user: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        self.initdb()
        self.launch()

    def initdb(self) -> None:
        self._run(
            os.path.join(self.bin_dir, "initdb"), "-D", os.path.join(self.folder, "data"),
            "-U", self.user, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
        )

    def launch(self) -> None:
        """`pg_ctl start` on the data folder, tuned for throw-away data (no fsync)."""
        data = os.path.join(self.folder, "data")
        self._run(
            os.path.join(self.bin_dir, "pg_ctl"), "-D", data, "-w", "-l",
            os.path.join(self.folder, "log"), "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                os.path.join(self.bin_dir, "pg_ctl"), "-D",
                os.path.join(self.folder, "data"), "-m", "immediate", "stop",
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_postgres() -> PostgresServer:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    folder = tempfile.mkdtemp(prefix="inventory-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(bin_dir=bin_dir, folder=folder, port=_free_port(), user="postgres")
    server.start()
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    return server
