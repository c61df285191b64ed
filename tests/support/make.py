"""make, run in a user's checkout with this test run's tools: its virtualenv, its uv (offline, from the
cache), and Zappa's CLI through tests/support/zappa_cli.py (no update check on pypi.org)."""

import os
import subprocess
import sys
from pathlib import Path

from bench.packages import UV
from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import ZAPPA_CLI


def make_environment(venv: Path | None = None) -> dict[str, str]:
    """The variables that point make at this run's tools; ``venv`` replaces this run's virtualenv."""
    return {
        **os.environ,
        "VENV": str(venv or Path(sys.executable).parent.parent),
        "UV": UV,
        "UV_OFFLINE": "1",
        "ZAPPA_CLI": f"{sys.executable} {ZAPPA_CLI}",
    }


def run_make(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``make -s ARGUMENTS`` in this project with this run's tools; fails the test unless it succeeds."""
    result = subprocess.run(
        ["make", "-s", *arguments],
        cwd=PROJECT_ROOT,
        env=make_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result
