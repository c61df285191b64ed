"""Zappa's real Lambda handler, called in-process as the packaged ``handler.py`` calls it."""

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext

from app.stages import deployed_function
from local_gateway.settings import lambda_environment
from tests.support.stage_settings import stage_settings

LAMBDA_TIMEOUT_MS = 30_000
# The awsRequestId of every in-process invocation.
INVOKE_ID = "8f5d5a2e-7c4b-4d0e-9a53-0c1f2e3d4b5a"
LOG_STREAM = "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef"


def zappa_settings_module(stage: str, binary_support: bool = True) -> str:
    """The settings module ``zappa package`` generates for the stage, from zappa_settings.json by Zappa itself."""
    text = stage_settings(stage).get_zappa_settings_string()
    return text if binary_support else text + "BINARY_SUPPORT=False\n"


def lambda_function_environment(stage: str) -> dict[str, str]:
    """The variables the Lambda runtime sets for the stage's function, as the local gateway sets them."""
    return lambda_environment(deployed_function(stage), LOG_STREAM)


def real_lambda_context(monkeypatch: pytest.MonkeyPatch, stage: str) -> LambdaContext:
    """The Lambda runtime's own context class, with the environment Lambda gives the function."""
    function = deployed_function(stage)
    for variable, value in lambda_function_environment(stage).items():
        monkeypatch.setenv(variable, value)
    return LambdaContext(
        invoke_id=INVOKE_ID,
        client_context=None,
        cognito_identity=None,
        epoch_deadline_time_in_ms=int(time.time() * 1000) + LAMBDA_TIMEOUT_MS,
        invoked_function_arn=f"arn:aws:lambda:{function.region}:123456789012:function:{function.name}",
    )


def _forget_app_modules() -> None:
    for name in [name for name in sys.modules if name == "app" or name.startswith("app.")]:
        del sys.modules[name]


@contextmanager
def zappa_handler_caller(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., dict[str, Any]]]:
    """``call(event, stage="dev")`` returns the proxy response of the function's handler (Zappa's, through
    lambda_entry.py).

    ``environment`` adds to the function's environment variables from ``zappa_settings.json``. The
    handler is Zappa's singleton, so it and the app modules are set up anew for each call.
    """
    from zappa import handler as zappa_handler

    saved_environ = dict(os.environ)
    monkeypatch.syspath_prepend(str(folder))

    def reset() -> None:
        zappa_handler.LambdaHandler._LambdaHandler__instance = None
        zappa_handler.LambdaHandler.settings = None
        sys.modules.pop("zappa_settings", None)
        _forget_app_modules()

    def call(
        event: dict[str, Any], stage: str = "dev", binary_support: bool = True, environment: dict | None = None
    ) -> dict[str, Any]:
        (folder / "zappa_settings.py").write_text(zappa_settings_module(stage, binary_support))
        # Lambda sets the function's environment variables before it loads the handler.
        for name, value in {**stage_settings(stage).aws_environment_variables, **(environment or {})}.items():
            monkeypatch.setenv(name, value)
        importlib.invalidate_caches()
        reset()
        context = real_lambda_context(monkeypatch, stage)
        # The function's handler, as Lambda's runtime finds it: imported once, like the runtime imports it.
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        return getattr(importlib.import_module(module_name), function_name)(event, context)

    try:
        yield call
    finally:
        reset()
        # Zappa's handler writes its settings and stage variables into os.environ.
        os.environ.clear()
        os.environ.update(saved_environ)
