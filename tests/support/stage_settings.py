"""zappa_settings.json's stages as Zappa's own loader reads them, as the app and the local gateway do."""

from app.stages import SETTINGS_FILE, stage_names
from app.stages import zappa_stage as stage_settings

__all__ = ["FAKE_CREDENTIALS", "REGION", "SETTINGS_FILE", "STAGES", "stage_settings"]

STAGES = tuple(stage_names())
REGION = stage_settings(STAGES[0]).aws_region
# For boto3 sessions in tests: any credentials do for moto, and having some stops boto3 from
# looking for others (profiles, the instance metadata service). Not shaped like real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
