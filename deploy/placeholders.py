"""``python -m deploy.placeholders STAGE``: stop unless STAGE's settings in zappa_settings.json are filled in.

zappa_settings.json ships with ``CHANGE-ME`` placeholders where each user must put a name of their
own (S3 bucket names are global across all accounts; prod's custom domain and its certificate).
`make deploy STAGE=S` and `make certify STAGE=S` run this first, before they build or call anything,
and check S only: a team can deploy dev before it has named prod's bucket. The stage's custom domain
settings must also be ones `make certify` can use (deploy/domain.py).
"""

import sys
from collections.abc import Iterator
from typing import Any

from app.stages import SETTINGS_FILE, no_such_stage, zappa_stage
from deploy.domain import domain_problem, placeholder_advice

PLACEHOLDER = "CHANGE-ME"


def placeholders(settings: Any, where: str = "") -> Iterator[str]:
    """The settings (dotted paths) whose value still holds a placeholder, ``extends`` applied."""
    if isinstance(settings, dict):
        for key, value in settings.items():
            yield from placeholders(value, f"{where}.{key}" if where else key)
    elif isinstance(settings, list):
        for index, value in enumerate(settings):
            yield from placeholders(value, f"{where}[{index}]")
    elif isinstance(settings, str) and PLACEHOLDER in settings:
        yield where


def main(argv: list[str]) -> int:
    [stage] = argv
    if missing := no_such_stage(stage):
        print(missing, file=sys.stderr)
        return 2
    config = zappa_stage(stage).stage_config
    unfilled = list(placeholders(config))
    for name in unfilled:
        advice = placeholder_advice(stage, name) or f"set {stage}'s {name} to a name you own"
        print(f"{SETTINGS_FILE.name}: {advice} (see README, Deploy to AWS)", file=sys.stderr)
    if problem := domain_problem(stage, config):
        print(f"{SETTINGS_FILE.name}: {problem}", file=sys.stderr)
    return 1 if unfilled or problem else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
