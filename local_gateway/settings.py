"""What zappa_settings.json says about a stage's Lambda function, read by Zappa's own loader."""

from dataclasses import dataclass
from pathlib import Path

from app.stages import SETTINGS_FILE, Function, deployed_function, zappa_stage

from .events import LOCAL_ACCOUNT_ID

__all__ = ["SETTINGS_FILE", "FunctionConfig", "function_config", "lambda_environment"]


@dataclass(frozen=True)
class FunctionConfig(Function):
    """What the gateway needs of a deployed stage's function, from zappa_settings.json."""

    settings_module: str  # the zappa_settings.py that `zappa package` puts in the package

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{self.name}"


def function_config(stage: str, settings_file: Path = SETTINGS_FILE) -> FunctionConfig:
    settings_module = zappa_stage(stage, Path(settings_file)).get_zappa_settings_string()
    return FunctionConfig(**vars(deployed_function(stage, Path(settings_file))), settings_module=settings_module)


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
