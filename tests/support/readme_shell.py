"""The README's commands run as a user's shell runs them, in a copy of the project (tests/support/checkout.py):
`make` and `zappa` as the copy runs them, and `aws`, this run's AWS CLI, against the emulator and offline."""

import re
import stat
import sys
from pathlib import Path

from tests.support.checkout import Checkout
from tests.support.local_server import OFFLINE_SITE

AWS_CLI = Path(sys.executable).parent / "aws"  # the AWS CLI (v1) of this run's virtualenv
# What the README's commands leave to the reader: ACCOUNT, the account (the emulator's: moto's own), and ID, an API's
# or a key's id.
PLACEHOLDERS = re.compile(r"\b(ACCOUNT|ID)\b")
EMULATOR_ACCOUNT = "123456789012"
# The CLI's own region is not the stage's, as for a user whose profile names another: a command that does not name
# the stage's region misses its API. Zappa and `make openapi` take the region from the stage's settings.
CLI_REGION = "us-west-2"


def commands_of(text: str) -> list[str]:
    """The commands of a README ``sh`` text: continued lines joined, comments and blank lines left out."""
    lines = text.replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class ReadmeShell:
    """The README's commands in a checkout, their placeholders filled in: `make` and `zappa` as the checkout runs
    them, and `aws`, this run's AWS CLI, put first on the checkout's PATH: against the emulator and offline
    (tests/support/offline_site installs tests/support/offline.py in it; the checkout's run fails on any attempt to
    leave this machine)."""

    def __init__(self, checkout: Checkout) -> None:
        shims = checkout.root.parent / "aws-cli"
        shims.mkdir()
        aws = shims / "aws"
        aws.write_text(
            f'#!/bin/sh\nPYTHONPATH="{OFFLINE_SITE}" AWS_DEFAULT_REGION={CLI_REGION} AWS_REGION={CLI_REGION} '
            f'exec "{sys.executable}" "{AWS_CLI}" "$@"\n'
        )
        aws.chmod(aws.stat().st_mode | stat.S_IXUSR)
        checkout.environment["PATH"] = f"{shims}:{checkout.environment['PATH']}"
        self.checkout = checkout
        self.placeholders = {"ACCOUNT": EMULATOR_ACCOUNT}

    def run(self, command: str) -> str:
        """Run ``command`` with its placeholders filled in; what it printed."""
        return self.checkout.run(PLACEHOLDERS.sub(lambda found: self.placeholders[found[1]], command)).stdout
