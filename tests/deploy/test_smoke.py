"""deploy/smoke.py, the check CI runs after each deploy, against a real server on 127.0.0.1."""

import subprocess
import sys

import pytest

from tests.support import PROJECT_ROOT
from tests.support.local_server import flask_run, free_port

pytestmark = pytest.mark.slow

SMOKE = PROJECT_ROOT / "deploy" / "smoke.py"


@pytest.fixture(scope="module")
def dev_server():
    with flask_run("dev") as port:
        yield f"http://127.0.0.1:{port}"


def smoke(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SMOKE), *args], capture_output=True, text=True, timeout=60, check=False)


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
