"""What zappa_settings.json says about a stage's Lambda function, read by Zappa's own loader."""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .events import LOCAL_ACCOUNT_ID

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "zappa_settings.json"
# Zappa's loader builds AWS clients; with placeholder keys it never looks for real ones
# (profiles, the instance metadata service). Nothing here calls AWS.
PLACEHOLDER_KEYS = {"aws_access_key_id": "local-gateway", "aws_secret_access_key": "local-gateway"}


@functools.cache
def zappa_stage(stage: str, settings_file: Path = SETTINGS_FILE) -> Any:
    """Zappa's CLI object after its own loader read ``settings_file`` for ``stage``. Read it, do not change it."""
    import boto3
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.api_stage = stage
    # The session's region is only a fallback: Zappa's clients use the stage's aws_region.
    cli.load_settings(str(settings_file), session=boto3.Session(region_name="us-east-1", **PLACEHOLDER_KEYS))
    return cli


@dataclass(frozen=True)
class FunctionConfig:
    """What the gateway needs of a deployed stage's function, from zappa_settings.json."""

    name: str
    region: str
    memory_mb: int
    timeout_seconds: int
    environment: dict[str, str]  # the stage's aws_environment_variables
    settings_module: str  # the zappa_settings.py that `zappa package` puts in the package

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{self.name}"


def function_config(stage: str, settings_file: Path = SETTINGS_FILE) -> FunctionConfig:
    cli = zappa_stage(stage, Path(settings_file))
    return FunctionConfig(
        name=cli.lambda_name,
        region=cli.aws_region,
        memory_mb=int(cli.memory_size),
        timeout_seconds=int(cli.timeout_seconds),
        environment=dict(cli.aws_environment_variables or {}),
        settings_module=cli.get_zappa_settings_string(),
    )


def lambda_environment(name: str, memory_mb: int, region: str, log_stream: str) -> dict[str, str]:
    """The variables the Lambda runtime sets for the function ``name`` (AWS's documented names)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_HANDLER": "handler.lambda_handler",
    }
