"""What the package and deploy tests share: the deploy-only virtualenv and the Zappa CLI run from it, offline."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

DEPLOY_VENV = PROJECT_ROOT / ".venv-deploy"
ZAPPA_CLI = Path(__file__).parent / "zappa_cli.py"
OFFLINE_GUARD = Path(__file__).parent / "offline.py"


def deploy_python() -> Path:
    """The deploy-only virtualenv's interpreter; `make test` creates the virtualenv first."""
    python = DEPLOY_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{DEPLOY_VENV} is missing: run `make deploy-venv` (`make test` does)", pytrace=False)
    return python


def off_machine_attempts(log: Path) -> str:
    return log.read_text() if log.exists() else ""


def run_zappa(
    args: list[str], cwd: Path, home: Path, environment: dict[str, str] | None = None, calls_file: Path | None = None
) -> subprocess.CompletedProcess:
    """Run ``zappa <args>`` from the deploy-only virtualenv, offline; fail the test if it tried to leave.

    The environment is built from nothing, so no AWS profile or credential of the machine
    can reach Zappa; ``environment`` adds to it (the emulator's endpoint and fake credentials).
    """
    offline_log = home / "off-machine.log"
    env = {
        "PATH": f"{DEPLOY_VENV / 'bin'}:{os.defpath}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(DEPLOY_VENV),
        "LOOPBACK_OFFLINE_LOG": str(offline_log),
        **(environment or {}),
    }
    if calls_file is not None:
        env["LOOPBACK_AWS_CALLS"] = str(calls_file)
    result = subprocess.run(
        [str(deploy_python()), str(ZAPPA_CLI), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    attempts = off_machine_attempts(offline_log)
    assert not attempts, f"zappa {' '.join(args)} tried to leave this machine:\n{attempts}"
    sys.stdout.write(f"$ zappa {' '.join(args)}\n{result.stdout}{result.stderr}")
    return result
