"""deploy/smoke.py, the check CI runs after each deploy, against a real server on 127.0.0.1."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import PROJECT_ROOT
from tests.support.local_server import flask_run, free_port

pytestmark = pytest.mark.slow

SMOKE = PROJECT_ROOT / "deploy" / "smoke.py"


@pytest.fixture(scope="module")
def dev_server():
    with flask_run("dev") as port:
        yield f"http://127.0.0.1:{port}"


def smoke(*args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != "LOOPBACK_API_KEY"} | (environment or {})
    return subprocess.run(
        [sys.executable, str(SMOKE), *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


class KeyedStage(BaseHTTPRequestHandler):
    """API Gateway in front of a stage with api_key_required: 403 {"message": "Forbidden"} without the key."""

    KEY = "k3y-of-the-test-stage"

    def do_GET(self) -> None:
        allowed = self.headers.get("x-api-key") == self.KEY and self.path == "/health"
        body = json.dumps({"status": "ok", "stage": "dev"} if allowed else {"message": "Forbidden"}).encode()
        self.send_response(200 if allowed else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def keyed_stage():
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeyedStage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_smoke_sends_the_api_key_it_is_given(keyed_stage):
    result = smoke("dev", "--url", keyed_stage, environment={"LOOPBACK_API_KEY": KeyedStage.KEY})
    assert result.returncode == 0, result.stderr


def test_smoke_without_the_key_a_stage_requires_says_so(keyed_stage):
    result = smoke("dev", "--url", keyed_stage, "--attempts", "1")
    assert result.returncode == 1
    assert "403" in result.stderr and "LOOPBACK_API_KEY" in result.stderr


def test_smoke_passes_when_the_stage_answers_its_health(dev_server):
    result = smoke("dev", "--url", dev_server)
    assert result.returncode == 0, result.stderr
    assert f"{dev_server}/health answered" in result.stdout


def test_smoke_fails_when_another_stage_answers(dev_server):
    result = smoke("prod", "--url", dev_server)
    assert result.returncode == 1
    assert "'stage': 'dev'" in result.stderr


def test_smoke_fails_when_nothing_answers():
    result = smoke("dev", "--url", f"http://127.0.0.1:{free_port()}", "--attempts", "1")
    assert result.returncode == 1
    assert "smoke check failed" in result.stderr


def test_smoke_fails_on_an_error_status(dev_server):
    result = smoke("dev", "--url", f"{dev_server}/no%0Asuch", "--attempts", "1")
    assert result.returncode == 1
