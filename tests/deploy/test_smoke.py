"""deploy/smoke.py, the check `make deploy` runs after each deploy, against real servers on 127.0.0.1: the app as
`make run` serves each stage, and servers that answer as a broken deploy would."""

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import PROJECT_ROOT
from tests.support.local_server import dev_server, flask_run, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_stage():
    with flask_run("dev") as port:
        yield f"http://127.0.0.1:{port}"


def smoke(*args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != "LOOPBACK_API_KEY"} | (environment or {})
    return subprocess.run(
        [sys.executable, "-m", "deploy.smoke", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


class StandIn(BaseHTTPRequestHandler):
    """A server on 127.0.0.1 answering as a deployed stage would, or would not."""

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[StandIn]) -> Iterator[str]:
    """``handler`` served on a free port; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class KeyedStage(StandIn):
    """API Gateway in front of a stage with api_key_required: 403 {"message": "Forbidden"} without the key, else the
    request passed on to the stage (``upstream``) and its answer passed back."""

    KEY = "k3y-of-the-test-stage"
    upstream = ""

    def do_GET(self) -> None:
        self.pass_on()

    def do_POST(self) -> None:
        self.pass_on()

    def pass_on(self) -> None:
        status, body = 403, json.dumps({"message": "Forbidden"}).encode()
        if self.headers.get("x-api-key") == self.KEY:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
            forwarded = urllib.request.Request(
                self.upstream + self.path, data=data, headers=headers, method=self.command
            )
            try:
                with urllib.request.urlopen(forwarded, timeout=30) as answer:
                    status, body = answer.status, answer.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
        self.reply(status, body)


@pytest.fixture
def keyed_stage(dev_stage):
    with serving(type("KeyedDev", (KeyedStage,), {"upstream": dev_stage})) as url:
        yield url


def test_smoke_sends_the_api_key_it_is_given(keyed_stage):
    result = smoke("dev", "--url", keyed_stage, environment={"LOOPBACK_API_KEY": KeyedStage.KEY})
    assert result.returncode == 0, result.stderr
    assert "Authorization echoed" in result.stdout


def test_smoke_without_the_key_a_stage_requires_says_so(keyed_stage):
    result = smoke("dev", "--url", keyed_stage, "--attempts", "1")
    assert result.returncode == 1
    assert "403" in result.stderr and "LOOPBACK_API_KEY" in result.stderr


def test_smoke_passes_when_dev_answers_its_health_and_echoes_the_loopback_post(dev_stage):
    result = smoke("dev", "--url", dev_stage)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"smoke check passed: {dev_stage}: GET /health: dev ok; POST /smoke-check:")
    assert "Authorization echoed" in result.stdout


def test_smoke_passes_when_prod_masks_what_it_must():
    with dev_server("prod") as prod:
        result = smoke("prod", "--url", f"http://127.0.0.1:{prod.port}")
    assert result.returncode == 0, result.stderr
    assert "Authorization masked" in result.stdout


@pytest.mark.parametrize(
    ("stage", "masking", "problem"),
    [
        ("prod", "false", "prod masks secrets, but the Authorization header sent came back in clear"),
        ("dev", "true", "dev echoes headers, but Authorization came back as '****'"),
    ],
)
def test_smoke_fails_when_the_stage_masks_otherwise_than_its_settings(stage, masking, problem):
    with dev_server(stage, {"LOOPBACK_MASK_SENSITIVE_HEADERS": masking}) as served:
        result = smoke(stage, "--url", f"http://127.0.0.1:{served.port}", "--attempts", "1")
    assert result.returncode == 1
    assert problem in result.stderr


class HealthyButWrong(StandIn):
    """A stage whose /health is fine and whose loopback answers with another request's event."""

    def do_GET(self) -> None:
        self.answer({"status": "ok", "stage": "dev"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        header = {"Authorization": "Bearer someone-else"}
        params = {"path": {}, "querystring": {"probe": "stale"}, "header": header}
        self.answer({"event": {"body-json": {}, "params": params, "context": {"stage": "prod"}}, "context": {}})

    def answer(self, document: dict) -> None:
        self.reply(200, json.dumps(document).encode())


def test_smoke_fails_on_a_loopback_that_echoes_something_else():
    with serving(HealthyButWrong) as url:
        result = smoke("dev", "--url", url, "--attempts", "1")
    assert result.returncode == 1
    for problem in ("body-json is {}", "not probe=", "the stage is 'prod', not 'dev'", "came back as 'Bearer someone"):
        assert problem in result.stderr


def test_smoke_fails_when_another_stage_answers(dev_stage):
    result = smoke("prod", "--url", dev_stage)
    assert result.returncode == 1
    assert "'stage': 'dev'" in result.stderr


def test_smoke_fails_when_nothing_answers():
    result = smoke("dev", "--url", f"http://127.0.0.1:{free_port()}", "--attempts", "1")
    assert result.returncode == 1
    assert "smoke check failed" in result.stderr


def test_smoke_fails_on_an_error_status(dev_stage):
    result = smoke("dev", "--url", f"{dev_stage}/no%0Asuch", "--attempts", "1")
    assert result.returncode == 1
