"""Start nginx (Debian's package) in front of service instances, for tests and benches.

It runs the repository's sample configuration, deploy/nginx.conf, with only the listening
port and the instances' ports changed, inside a minimal main configuration of its own under a
temporary prefix (pid file, logs, temporary files), in the foreground as a child process.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"


def find_nginx() -> str | None:
    for candidate in ("/usr/sbin/nginx", shutil.which("nginx")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def site_config(listen_port: int, upstream_ports: list[int], sample: str | None = None) -> str:
    """deploy/nginx.conf with the given ports: its `listen 80;` and its upstream's servers."""
    text = SAMPLE.read_text() if sample is None else sample
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;"
                        for port in upstream_ports)
    text, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+[^\n]*;\n(?:    server 127\.0\.0\.1:\d+"
                      r"[^\n]*;\n)*", servers + "\n", text)
    assert n == 1, "deploy/nginx.conf: the upstream's server lines were not found"
    text, n = re.subn(r"(?m)^    listen 80;$", f"    listen 127.0.0.1:{listen_port};", text)
    assert n == 1, "deploy/nginx.conf: `listen 80;` was not found"
    return text


@dataclass
class Nginx:
    process: subprocess.Popen
    folder: str
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        path = Path(self.folder) / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(upstream_ports: list[int], binary: str | None = None) -> Nginx:
    binary = binary or find_nginx()
    if binary is None:
        raise RuntimeError("nginx not found (apt-get install nginx)")
    folder = tempfile.mkdtemp(prefix="inventory-nginx-")
    port = _free_port()
    Path(folder, "site.conf").write_text(site_config(port, upstream_ports))
    temp = {name: os.path.join(folder, name) for name in
            ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        os.mkdir(path)
    # As root, nginx's workers would switch to `nobody`, who cannot write the temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    Path(folder, "nginx.conf").write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {folder}/site.conf;
}}
""")
    process = subprocess.Popen([binary, "-p", folder, "-c", f"{folder}/nginx.conf"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = Nginx(process=process, folder=folder, port=port)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.log()
            server.stop()
            raise RuntimeError(f"nginx did not start: {log[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("nginx did not listen in time")
