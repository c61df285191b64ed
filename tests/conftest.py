"""Fixtures: the Flask app and client, Zappa's real Lambda handler, real event files."""

import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext

from app import create_app
from local_gateway.settings import lambda_environment
from tests import offline
from tests.stage_settings import REGION, stage_settings

# The whole test session stays on this machine: any other address raises (tests/offline.py).
offline.install()

EVENTS = Path(__file__).parent / "events"
PROJECT_ROOT = Path(__file__).parent.parent
LAMBDA_TIMEOUT_MS = 30_000
# Events published by AWS projects, copied unchanged (tests/events/SOURCES.md); the others are built here.
PUBLISHED_SAMPLES = ("sam-cli__", "powertools__")


def load_event(name: str) -> dict[str, Any]:
    """A copy of the event stored as ``tests/events/<name>.json``."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def as_post(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a REST API event sent as a POST, the loopback's method (a GET answers 405)."""
    event = json.loads(json.dumps(event))
    event["httpMethod"] = "POST"
    if event.get("requestContext"):
        event["requestContext"]["httpMethod"] = "POST"
    return event


def event_names(prefix: str) -> list[str]:
    return sorted(path.stem for path in EVENTS.glob(f"{prefix}*.json"))


def rest_v1_event_names() -> list[str]:
    """Every stored REST API (payload 1.0) proxy event: has httpMethod, comes from API Gateway, not an ALB."""
    names = []
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text())
        if event.get("httpMethod") and "elb" not in (event.get("requestContext") or {}):
            names.append(path.stem)
    return names


@pytest.fixture
def app():
    return create_app({"STAGE": "dev", "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_for() -> Callable[..., Any]:
    """A test client of the app built for a given stage and extra settings."""

    def make(stage: str, **settings: Any):
        return create_app({"STAGE": stage, "TESTING": True, **settings}).test_client()

    return make


def zappa_settings_module(stage: str, binary_support: bool = True) -> str:
    """The settings module ``zappa package`` generates for the stage, from zappa_settings.json by Zappa itself."""
    text = stage_settings(stage).get_zappa_settings_string()
    return text if binary_support else text + "BINARY_SUPPORT=False\n"


def lambda_function_environment(name: str, memory_mb: int) -> dict[str, str]:
    """The variables the Lambda runtime sets for the function ``name``, as the local gateway sets them."""
    return lambda_environment(name, memory_mb, REGION, "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef")


def real_lambda_context(monkeypatch: pytest.MonkeyPatch, stage: str) -> LambdaContext:
    """The Lambda runtime's own context class, with the environment Lambda gives the function."""
    name = f"loopback-{stage}"
    for variable, value in lambda_function_environment(name, memory_mb=512).items():
        monkeypatch.setenv(variable, value)
    return LambdaContext(
        invoke_id="8f5d5a2e-7c4b-4d0e-9a53-0c1f2e3d4b5a",
        client_context=None,
        cognito_identity=None,
        epoch_deadline_time_in_ms=int(time.time() * 1000) + LAMBDA_TIMEOUT_MS,
        invoked_function_arn=f"arn:aws:lambda:ap-northeast-2:123456789012:function:{name}",
    )


def _forget_app_modules() -> None:
    for name in [name for name in sys.modules if name == "app" or name.startswith("app.")]:
        del sys.modules[name]


@pytest.fixture
def invoke(tmp_path, monkeypatch) -> Iterator[Callable[..., dict[str, Any]]]:
    """Call Zappa's real ``lambda_handler`` in-process, as the packaged ``handler.py`` does.

    ``invoke(event, stage="dev")`` returns the proxy response dict; ``environment`` adds
    to the function's environment variables from ``zappa_settings.json``. The handler is
    Zappa's singleton, so it and the app module are set up anew for each stage.
    """
    from zappa import handler as zappa_handler

    saved_environ = dict(os.environ)
    monkeypatch.syspath_prepend(str(tmp_path))

    def reset() -> None:
        zappa_handler.LambdaHandler._LambdaHandler__instance = None
        zappa_handler.LambdaHandler.settings = None
        sys.modules.pop("zappa_settings", None)
        _forget_app_modules()

    def call(
        event: dict[str, Any], stage: str = "dev", binary_support: bool = True, environment: dict | None = None
    ) -> dict[str, Any]:
        (tmp_path / "zappa_settings.py").write_text(zappa_settings_module(stage, binary_support))
        # Lambda sets the function's environment variables before it loads the handler.
        for name, value in {**stage_settings(stage).aws_environment_variables, **(environment or {})}.items():
            monkeypatch.setenv(name, value)
        importlib.invalidate_caches()
        reset()
        return zappa_handler.lambda_handler(event, real_lambda_context(monkeypatch, stage))

    yield call
    reset()
    # Zappa's handler writes its settings and stage variables into os.environ.
    os.environ.clear()
    os.environ.update(saved_environ)


def answer_of(response: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a proxy response."""
    assert response.get("isBase64Encoded") in (None, False), response
    return json.loads(response["body"])
