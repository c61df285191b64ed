"""Real servers on 127.0.0.1, as the Makefile starts them: ``flask run`` (``make run``) and the
local API Gateway (``make run-gateway``); and exact HTTP requests to them."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from local_gateway.events import HttpRequest
from tests.support import PROJECT_ROOT

START_SECONDS = 20
OFFLINE_SITE = Path(__file__).parent / "offline_site"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dev_server(stage: str, environment: dict[str, str] | None = None) -> Iterator["Served"]:
    """Serve the app's ``stage`` as ``make run`` does (app/dev_server.py, Werkzeug's development server, as
    ``flask run``'s but for its own errors), without the reloader; yields it once ``GET /health`` answers.
    ``environment``: more variables for the server, e.g. a ``LOOPBACK_*`` setting overriding the stage's."""
    port = free_port()
    command = [sys.executable, "-m", "app.dev_server", "--no-reload", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, {**(environment or {}), "LOOPBACK_STAGE": stage}, port, "/health") as served:
        yield served


@contextmanager
def flask_run(stage: str) -> Iterator[int]:
    """``dev_server``'s port."""
    with dev_server(stage) as served:
        yield served.port


@dataclass(frozen=True)
class Served:
    """A server started by ``serving``: its process, its port and the file its output goes to."""

    process: subprocess.Popen
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        """The ids of the processes the server started itself (the gateway's execution environments)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids


@contextmanager
def local_gateway(
    stage: str = "dev",
    http_api: bool = False,
    settings: Path | None = None,
    integration_timeout: float | None = None,
    **options: object,
) -> Iterator[int]:
    """Serve ``stage`` through the local API Gateway; yields the port once ``GET /<stage>/health`` answers.
    ``options`` are ``gateway``'s."""
    with gateway(stage, http_api, settings, integration_timeout, **options) as served:
        yield served.port


@contextmanager
def gateway(
    stage: str = "dev",
    http_api: bool = False,
    settings: Path | None = None,
    integration_timeout: float | None = None,
    package: Path | None = None,
    concurrency: int | None = None,
    idle_seconds: float | None = None,
    app_health: bool = True,
) -> Iterator[Served]:
    """The local API Gateway in front of ``stage``, run from the source tree or from the zip ``package``
    (its execution environments offline too). Ready once ``GET /<stage>/health`` answers 200; without
    ``app_health`` (a function that cannot answer), once the gateway answers a path outside the stage itself."""
    port = free_port()
    command = [sys.executable, "-m", "local_gateway", "--stage", stage, "--port", str(port)]
    command += ["--http-api"] if http_api else []
    command += ["--settings", str(settings)] if settings else []
    command += ["--integration-timeout", str(integration_timeout)] if integration_timeout else []
    # A package's interpreter runs without site and PYTHONPATH (-I -S): the guard is loaded explicitly.
    command += ["--package", str(package), "--preload", str(OFFLINE_SITE / "sitecustomize.py")] if package else []
    command += ["--concurrency", str(concurrency)] if concurrency is not None else []
    command += ["--idle-seconds", str(idle_seconds)] if idle_seconds is not None else []
    health, status = (f"/{stage}/health", 200) if app_health else ("/", 403 if not http_api else 404)
    with serving(command, {}, port, health, status) as served:
        yield served


@contextmanager
def serving(
    command: list[str],
    environment: dict[str, str],
    port: int,
    health: str,
    healthy_status: int = 200,
    cwd: Path = PROJECT_ROOT,
    start_seconds: float = START_SECONDS,
) -> Iterator[Served]:
    """Run ``command`` in the project at ``cwd``, it and every Python process it starts offline
    (tests/support/offline.py); fail the test if any of them tried to leave this machine. Ready once
    ``GET health`` answers ``healthy_status``, within ``start_seconds``."""
    with tempfile.TemporaryDirectory() as folder:
        offline_log = Path(folder) / "off-machine.log"
        env = {
            **os.environ,
            **environment,
            "PYTHONPATH": os.pathsep.join([str(OFFLINE_SITE), str(cwd)]),
            "LOOPBACK_OFFLINE_LOG": str(offline_log),
        }
        log = Path(folder) / "server.log"
        with log.open("wb") as output:
            # Its own process group: stopping it stops what it started (make's child, the gateway's workers).
            server = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            _wait_until_healthy(server, port, health, healthy_status, log, start_seconds)
            yield Served(server, port, log)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a reloader caught mid-restart may ignore it
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        attempts = offline_log.read_text() if offline_log.exists() else ""
        assert not attempts, f"{' '.join(command)} tried to leave this machine:\n{attempts}"


def _wait_until_healthy(
    server: subprocess.Popen, port: int, health: str, healthy_status: int, log: Path, start_seconds: float
) -> None:
    deadline = time.monotonic() + start_seconds
    while True:
        try:
            status, _, _ = send(port, HttpRequest("GET", health, [("Host", f"127.0.0.1:{port}")]))
            if status == healthy_status:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            os.killpg(server.pid, signal.SIGKILL)
            pytest.fail(f"{server.args} did not start:\n{log.read_text()}")
        time.sleep(0.1)


# The requests the gateway tests send, and the kinds of API they send them through.
JSON = [("Host", "127.0.0.1"), ("Content-Type", "application/json")]
REST_API, HTTP_API = "rest-api", "http-api"


def post(target: str, body: bytes = b"{}", headers: list | None = None) -> HttpRequest:
    """A POST with its Content-Length, JSON unless ``headers`` say otherwise."""
    headers = [*(headers or JSON), ("Content-Length", str(len(body)))]
    return HttpRequest("POST", target, headers, body)


def send(port: int, request: HttpRequest, timeout: float = 30) -> tuple[int, Message, bytes]:
    """Send exactly ``request``'s headers (no others) over a real HTTP connection. The answer's
    headers are looked up without regard to case; ``get_all`` gives a repeated one's values."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        connection.endheaders(request.body or None)
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()
