"""zappa_settings.json's stages as Zappa's own loader reads them, as the app and the local gateway do."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.stages import SETTINGS_FILE, stage_names
from app.stages import zappa_stage as stage_settings

__all__ = ["FAKE_CREDENTIALS", "REGION", "SETTINGS_FILE", "STAGES", "change_stages", "settings_copy", "stage_settings"]

STAGES = tuple(stage_names())
REGION = stage_settings(STAGES[0]).aws_region
# For boto3 sessions in tests: any credentials do for moto, and having some stops boto3 from
# looking for others (profiles, the instance metadata service). Not shaped like real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def settings_copy(folder: Path) -> Path:
    """A copy of zappa_settings.json in ``folder``, beside a link to the project's deploy/ folder: Zappa's loader
    reads the files the settings name there (``attach_policy``), relative to the settings' folder."""
    (folder / "deploy").symlink_to(SETTINGS_FILE.parent / "deploy", target_is_directory=True)
    copy = folder / SETTINGS_FILE.name
    copy.write_text(SETTINGS_FILE.read_text())
    return copy


def change_stages(settings_file: Path, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Change settings of stages in a copy's zappa_settings.json: ``{stage: {setting: value}}``."""
    document = json.loads(settings_file.read_text())
    for stage, settings in changes.items():
        document[stage].update(settings)
    settings_file.write_text(json.dumps(document, indent=4))
