"""``flask run`` on 127.0.0.1 as ``make run`` starts it, and exact HTTP requests to it."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import PROJECT_ROOT
from tests.proxy_events import HttpRequest

START_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def flask_run(stage: str) -> Iterator[int]:
    """Serve the app's ``stage`` with ``flask run``; yields the port once ``GET /health`` answers."""
    port = free_port()
    env = {**os.environ, "LOOPBACK_STAGE": stage, "FLASK_APP": "app"}
    command = [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                status, _, _ = send(port, HttpRequest("GET", "/health", [("Host", f"127.0.0.1:{port}")]))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"flask run did not start: {server.stderr.read().decode()}")
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def send(port: int, request: HttpRequest) -> tuple[int, dict, bytes]:
    """Send exactly ``request``'s headers (no others) over a real HTTP connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        connection.endheaders(request.body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
