"""zappa_settings.json's stages as Zappa's own loader reads them."""

import functools
from pathlib import Path
from typing import Any

import boto3

SETTINGS_FILE = Path(__file__).parent.parent / "zappa_settings.json"
STAGES = ("dev", "prod")
REGION = "ap-northeast-2"
# For boto3 sessions in tests: any credentials do for moto, and having some stops boto3 from
# looking for others (profiles, the instance metadata service). Not shaped like real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@functools.cache
def stage_settings(stage: str, settings_file: Path = SETTINGS_FILE) -> Any:
    """Zappa's CLI object after its own loader read ``settings_file`` for ``stage`` (once: loading
    makes a boto3 session and all of Zappa's clients). Read it; do not change it."""
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.api_stage = stage
    session = boto3.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    cli.load_settings(str(settings_file), session=session)
    return cli
