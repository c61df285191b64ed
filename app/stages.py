"""The app's stage and its settings, from one source: zappa_settings.json.

A deployed stage's settings are its ``aws_environment_variables`` there. On Lambda, Lambda sets them
in the function's environment; anywhere else (``flask run``, the tests) they are read from the file
with Zappa's own loader, so a laptop run of ``prod`` has prod's settings and reports prod's function
(name, region, memory size, timeout) in its stand-in Lambda context. ``local`` is a laptop run of no
deployed stage: the app's defaults, and the function settings of the file's first stage.

Variables named ``LOOPBACK_<KEY>`` become ``app.config[KEY]``, their value parsed as JSON where it
parses and kept as text otherwise (as Flask's ``from_prefixed_env`` does); the process's own
environment overrides the file's.
"""

import contextlib
import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAGE_VARIABLE = "LOOPBACK_STAGE"
PREFIX = "LOOPBACK_"
LOCAL = "local"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "zappa_settings.json"
# Set by Lambda in every function's environment.
ON_LAMBDA_VARIABLE = "AWS_LAMBDA_FUNCTION_NAME"
# Zappa's loader builds AWS clients; with placeholder keys it never looks for real ones
# (profiles, the instance metadata service). Nothing here calls AWS.
PLACEHOLDER_KEYS = {"aws_access_key_id": "settings-only", "aws_secret_access_key": "settings-only"}


class UnknownStageError(ValueError):
    """The stage asked for is not ``local`` nor a stage of zappa_settings.json."""


@dataclass(frozen=True)
class Function:
    """A stage's Lambda function, as zappa_settings.json describes it."""

    name: str
    region: str
    memory_mb: int
    timeout_seconds: int
    environment: dict[str, str]  # the stage's aws_environment_variables
    runtime: str  # Lambda's runtime identifier, "python3.13"
    architecture: str  # "x86_64" or "arm64"
    handler: str  # "module.function" that Lambda calls (Zappa's lambda_handler setting)


def stage_config(test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The config of the stage ``test_config["STAGE"]`` names, else ``LOOPBACK_STAGE``, else ``local``.

    Holds ``STAGE``, every ``LOOPBACK_*`` setting, ``test_config`` itself and, outside Lambda,
    ``LAMBDA_FUNCTION``: the ``Function`` a local run stands in for.
    """
    overrides = dict(test_config or {})
    stage = overrides.get("STAGE") or os.environ.get(STAGE_VARIABLE) or LOCAL
    variables: dict[str, str] = {}
    config: dict[str, Any] = {}
    if ON_LAMBDA_VARIABLE not in os.environ:
        function = local_function(stage)
        variables.update(function.environment)
        config["LAMBDA_FUNCTION"] = function
    variables.update(os.environ)
    config.update(_app_settings(variables))
    config.update(overrides, STAGE=stage)
    return config


def local_function(stage: str, settings_file: Path | None = None) -> Function:
    """The function a run of ``stage`` outside Lambda stands in for; an unknown stage raises one clear line."""
    settings_file = settings_file or SETTINGS_FILE
    stages = stage_names(settings_file)
    if stage != LOCAL and stage not in stages:
        known = ", ".join(sorted({LOCAL, *stages}))
        raise UnknownStageError(f"{STAGE_VARIABLE}={stage!r} is not a stage of this app; known stages: {known}")
    if stage == LOCAL:
        project = zappa_stage(stages[0], settings_file).project_name
        first = deployed_function(stages[0], settings_file)
        return dataclasses.replace(first, name=f"{project}-{LOCAL}", environment={})
    return deployed_function(stage, settings_file)


def stage_names(settings_file: Path | None = None) -> list[str]:
    """The stages of zappa_settings.json, in the file's order."""
    return list(json.loads((settings_file or SETTINGS_FILE).read_text()))


def no_such_stage(stage: str, settings_file: Path | None = None) -> str | None:
    """The one line a command prints for a stage the settings lack, naming the ones they have; None if it is there."""
    stages = stage_names(settings_file)
    if stage in stages:
        return None
    return f"{(settings_file or SETTINGS_FILE).name} has no stage {stage!r}; its stages: {', '.join(stages)}"


def deployed_settings(stage: str, settings_file: Path = SETTINGS_FILE) -> dict[str, Any]:
    """The app's config keys that ``stage``'s deployed function gets from its settings (``LOOPBACK_<KEY>`` → KEY),
    parsed as the app parses them: no variable of this process counts."""
    return _app_settings(deployed_function(stage, settings_file).environment)


def deployed_function(stage: str, settings_file: Path = SETTINGS_FILE) -> Function:
    """``stage``'s function as Zappa's own loader reads zappa_settings.json (``extends`` and defaults applied)."""
    cli = zappa_stage(stage, Path(settings_file))
    return Function(
        name=cli.lambda_name,
        region=cli.aws_region,
        memory_mb=int(cli.memory_size),
        timeout_seconds=int(cli.timeout_seconds),
        environment=dict(cli.aws_environment_variables or {}),
        runtime=cli.runtime,
        architecture=cli.architecture,
        handler=cli.lambda_handler,
    )


@functools.cache
def zappa_stage(stage: str, settings_file: Path = SETTINGS_FILE) -> Any:
    """Zappa's CLI object after its own loader read ``settings_file`` for ``stage``. Read it, do not change it.

    Zappa's CLI is not in the Lambda package: this runs only outside Lambda.
    """
    import boto3

    # The session's region is only a fallback: Zappa's clients use the stage's aws_region.
    return zappa_cli(stage, settings_file, boto3.Session(region_name="us-east-1", **PLACEHOLDER_KEYS))


def zappa_cli(stage: str, settings_file: Path = SETTINGS_FILE, session: Any = None) -> Any:
    """A new Zappa CLI object for ``stage``, its settings read by Zappa's own loader, its AWS clients made from
    ``session`` (by default as `zappa deploy` makes them: a ``profile_name`` setting, the environment's keys)."""
    from zappa.cli import ZappaCLI

    cli = ZappaCLI()
    cli.api_stage = stage
    # Zappa reads the files that settings name (attach_policy) from the current folder: the settings' own.
    with contextlib.chdir(Path(settings_file).parent):
        cli.load_settings(str(settings_file), session=session)
    return cli


def _app_settings(variables: Mapping[str, str]) -> dict[str, Any]:
    """The ``LOOPBACK_<KEY>`` variables as config keys and values."""
    return {name[len(PREFIX) :]: _parsed(value) for name, value in variables.items() if name.startswith(PREFIX)}


def _parsed(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
