"""`make run` in a user's checkout: installs only what the app needs to run, serves it, and reloads it when
its code changes; and the fresh-clone-to-first-answer measure runs."""

import http.client
import json
import subprocess
import sys
import time

import pytest

from bench.packages import UV
from local_gateway.events import HttpRequest
from tests.support import PROJECT_ROOT
from tests.support.checkout import copy_project
from tests.support.local_server import free_port, send, serving
from tests.support.make import make_environment

pytestmark = pytest.mark.slow

# The dev and bench groups: none of them is needed to run the app.
TOOLS = {"pytest", "ruff", "moto", "airspeed", "awslambdaric", "check-jsonschema", "matplotlib", "apig-wsgi"}


def health(port: int) -> dict:
    status, _, body = send(port, HttpRequest("GET", "/health", [("Host", f"127.0.0.1:{port}")]))
    assert status == 200
    return json.loads(body)


def installed(venv) -> set[str]:
    found = venv.glob("lib/python*/site-packages/*.dist-info")
    return {path.stem.rsplit("-", 1)[0].lower().replace("_", "-") for path in found}


def test_make_run_installs_the_app_alone_and_reloads_on_change(tmp_path):
    checkout = copy_project(tmp_path / "loopback")
    venv = tmp_path / "venv"
    port = free_port()
    command = ["make", "-s", "run", f"PORT={port}"]
    with serving(command, make_environment(venv), port, "/health", cwd=checkout, start_seconds=120):
        packages = installed(venv)
        assert {"flask", "zappa"} <= packages
        assert not packages & TOOLS
        assert health(port) == {"status": "ok", "stage": "local"}

        source = checkout / "app" / "health.py"
        source.write_text(source.read_text().replace('jsonify(status="ok",', 'jsonify(status="ok", reloaded=True,'))
        deadline = time.monotonic() + 30
        while "reloaded" not in (answer := health_when_up(port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answer == {"status": "ok", "stage": "local", "reloaded": True}


def health_when_up(port: int) -> dict:
    """The health answer, or {} while the reloader restarts the server."""
    try:
        return health(port)
    except (OSError, http.client.HTTPException, AssertionError):
        return {}


def test_the_first_answer_measure_runs():
    result = subprocess.run(
        [sys.executable, "-m", "bench.first_answer", "--runs", "1", "--uv", UV],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("fresh clone to first loopback answer (warm caches): ")
