"""zappa_settings.json's stages as Zappa's own loader reads them (the local gateway reads them the same way)."""

from local_gateway.settings import SETTINGS_FILE
from local_gateway.settings import zappa_stage as stage_settings

__all__ = ["FAKE_CREDENTIALS", "REGION", "SETTINGS_FILE", "STAGES", "stage_settings"]

STAGES = ("dev", "prod")
REGION = "ap-northeast-2"
# For boto3 sessions in tests: any credentials do for moto, and having some stops boto3 from
# looking for others (profiles, the instance metadata service). Not shaped like real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
