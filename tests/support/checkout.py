"""A copy of the project as a user's checkout has it, for tests that change files or run make in it."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from deploy.domain import DOMAIN_SETTINGS
from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator
from tests.support.deploy_tools import ZAPPA_CLI
from tests.support.make import make_environment
from tests.support.stage_settings import STAGES, change_stages


def copy_project(destination: Path) -> Path:
    """The project's files, without virtualenvs, build output or caches; file times are kept, so make sees
    tools shared with this run (uv, the virtualenv) as up to date."""
    shutil.copytree(
        PROJECT_ROOT,
        destination,
        ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "dist"),
    )
    return destination


class Checkout:
    """A copy of the project with its buckets named, where `make` and `zappa` run against the emulator, as the
    README has them run: `make` with this run's tools, `zappa` from .venv on .venv-package (both through
    tests/support/zappa_cli.py: offline, every AWS call recorded)."""

    def __init__(self, root: Path, emulator: Emulator, smoke_url: str | None = None) -> None:
        """``smoke_url``: where `make deploy` smoke-checks the stage (moto runs no function): the stage served on
        127.0.0.1 (tests/support/local_server.py)."""
        self.root = root
        self.calls, self.off_machine = root.parent / "aws-calls.txt", root.parent / "off-machine.log"
        # After a deploy Zappa GETs the stage's amazonaws.com URL (touch): off this machine.
        # prod's custom domain is a placeholder: the copy deploys without one (null is Zappa's "not set").
        no_domain = dict.fromkeys(DOMAIN_SETTINGS)
        test_settings = {
            stage: {"s3_bucket": f"loopback-test-deploys-{stage}", "touch": False, **no_domain} for stage in STAGES
        }
        change_stages(root / "zappa_settings.json", test_settings)
        shims = root.parent / "bin"
        shims.mkdir()
        zappa = shims / "zappa"
        zappa.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ZAPPA_CLI}" "$@"\n')
        zappa.chmod(zappa.stat().st_mode | stat.S_IXUSR)
        # No AWS credential or Slack webhook of this machine's: the copy talks to the emulator, and posts nowhere.
        machine = {
            name: value
            for name, value in make_environment().items()
            if not name.startswith("AWS_") and name != "SLACK_WEBHOOK_URL"
        }
        self.environment = {
            **machine,
            **emulator.environment(),
            "PATH": f"{shims}:{os.environ['PATH']}",
            "VIRTUAL_ENV": str(root / ".venv-package"),
            "LOOPBACK_AWS_CALLS": str(self.calls),
            "LOOPBACK_OFFLINE_LOG": str(self.off_machine),
            **({"SMOKE_URL": smoke_url} if smoke_url else {}),
        }

    def run(self, command: str, fails: bool = False) -> subprocess.CompletedProcess:
        """Run ``command`` in the copy: it must succeed (with ``fails``, fail), and stay on this machine."""
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=self.root,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        sys.stdout.write(f"$ {command}\n{result.stdout}{result.stderr}")
        assert (result.returncode != 0) == fails, f"$ {command}\n{result.stdout}\n{result.stderr}"
        attempts = self.off_machine.read_text() if self.off_machine.exists() else ""
        assert not attempts, f"{command} tried to leave this machine:\n{attempts}"
        return result
