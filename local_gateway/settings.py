"""What zappa_settings.json says about a stage's Lambda function, read by Zappa's own loader."""

from dataclasses import dataclass
from pathlib import Path

from app.stages import SETTINGS_FILE, Function, deployed_function, zappa_stage
from deploy.placeholders import PLACEHOLDER

from .events import LOCAL_ACCOUNT_ID, CustomDomain

__all__ = [
    "DEFAULT_CONCURRENCY",
    "SETTINGS_FILE",
    "FunctionConfig",
    "custom_domain",
    "function_config",
    "lambda_environment",
]

# Execution environments for a stage that reserves no concurrency. On AWS such a function shares the
# account's unreserved pool (1,000 by default); here each environment is a Python process of tens of MB,
# so a few are enough for a browser's parallel requests without filling a laptop's memory.
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class FunctionConfig(Function):
    """What the gateway needs of a deployed stage's function, from zappa_settings.json."""

    settings_module: str  # the zappa_settings.py that `zappa package` puts in the package
    # The stage's `lambda_concurrency`, which Zappa sets as the function's reserved concurrency; None if unset.
    reserved_concurrency: int | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{self.name}"

    @property
    def concurrency(self) -> int:
        """How many execution environments may run at once."""
        return DEFAULT_CONCURRENCY if self.reserved_concurrency is None else self.reserved_concurrency


def function_config(stage: str, settings_file: Path = SETTINGS_FILE) -> FunctionConfig:
    cli = zappa_stage(stage, Path(settings_file))
    reserved = cli.lambda_concurrency
    return FunctionConfig(
        **vars(deployed_function(stage, Path(settings_file))),
        settings_module=cli.get_zappa_settings_string(),
        reserved_concurrency=None if reserved is None else int(reserved),
    )


def custom_domain(stage: str, settings_file: Path = SETTINGS_FILE) -> CustomDomain:
    """The custom domain ``zappa certify`` maps to ``stage``: its ``domain``, unless unset or still a placeholder
    (then whatever Host the client sends). Raises ``ValueError`` for a stage with a ``base_path``: AWS's guides do
    not say what path the function receives under one (events.py)."""
    cli = zappa_stage(stage, Path(settings_file))
    if cli.base_path:
        raise ValueError(
            f"stage {stage!r} maps its custom domain under base_path {cli.base_path!r}; --custom-domain serves "
            "only a domain mapped with no base_path"
        )
    domain = cli.domain
    return CustomDomain(domain if domain and PLACEHOLDER not in domain else None)


def lambda_environment(function: Function, log_stream: str) -> dict[str, str]:
    """The variables the Lambda runtime sets for ``function`` (AWS's documented names); the runtime
    imports and calls the handler that ``_HANDLER`` names."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "_HANDLER": function.handler,
    }
