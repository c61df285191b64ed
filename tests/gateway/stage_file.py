"""The gateway tests' own zappa_settings.json: one stage, ``gw``, serving tests/gateway/gateway_app.py."""

import json
from pathlib import Path

TEST_STAGE = "gw"


def gateway_app_settings(folder: Path, **stage: object) -> Path:
    """Write ``folder/zappa_settings.json``; ``stage`` adds to or replaces the stage's settings."""
    settings = folder / "zappa_settings.json"
    base = {
        "app_function": "tests.gateway.gateway_app.app",
        "project_name": "gateway-test",
        "aws_region": "ap-northeast-2",
        "runtime": "python3.13",
        "s3_bucket": "gateway-test-not-a-bucket",
        "memory_size": 256,
    }
    settings.write_text(json.dumps({TEST_STAGE: {**base, **stage}}))
    return settings
