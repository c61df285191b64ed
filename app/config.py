"""Settings for each app stage, in one place.

The stage is chosen by the ``LOOPBACK_STAGE`` environment variable, which
``zappa_settings.json`` sets per deployed stage; a laptop run defaults to
``local``. The rest of the code asks for a setting, never for the stage's name.
"""

import os

STAGE_ENV_VAR = "LOOPBACK_STAGE"
EXTRA_SENSITIVE_HEADERS_ENV_VAR = "LOOPBACK_SENSITIVE_HEADERS"
DEFAULT_STAGE = "local"


class LocalConfig:
    STAGE = "local"
    PROJECT_NAME = "loopback"
    # Lambda's synchronous invocation payload limit: a larger body never reaches
    # a deployed function, so a local run refuses it too.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    # Header names (any case) whose values are masked when MASK_SENSITIVE_HEADERS is on.
    SENSITIVE_HEADERS = ("Authorization", "Cookie", "X-Api-Key", "Proxy-Authorization")
    MASK_SENSITIVE_HEADERS = False
    # What a run outside Lambda reports as its Lambda context; mirrors zappa_settings.json.
    LOCAL_AWS_REGION = "ap-northeast-2"
    LOCAL_MEMORY_LIMIT_MB = 512
    LOCAL_TIMEOUT_SECONDS = 30


class DevConfig(LocalConfig):
    STAGE = "dev"


class ProdConfig(LocalConfig):
    STAGE = "prod"
    MASK_SENSITIVE_HEADERS = True


STAGES = {config.STAGE: config for config in (LocalConfig, DevConfig, ProdConfig)}


def config_for_stage(stage: str) -> type[LocalConfig]:
    """Return the settings class of ``stage``; an unknown name stops the app at start-up."""
    try:
        return STAGES[stage]
    except KeyError:
        known = ", ".join(sorted(STAGES))
        raise ValueError(f"{STAGE_ENV_VAR}={stage!r} is not a stage of this app ({known})") from None


def selected_stage() -> str:
    """The stage this process runs as, from the environment."""
    return os.environ.get(STAGE_ENV_VAR) or DEFAULT_STAGE


def extra_sensitive_headers() -> tuple[str, ...]:
    """Header names added to the masked list by a comma-separated environment variable."""
    names = os.environ.get(EXTRA_SENSITIVE_HEADERS_ENV_VAR, "")
    return tuple(name.strip() for name in names.split(",") if name.strip())
