"""Fixtures of every part: the Flask app and client, Zappa's real Lambda handler."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app import create_app
from tests.support import offline
from tests.support.lambda_invocation import zappa_handler_caller

# The whole test session stays on this machine: any other address raises (tests/support/offline.py).
offline.install()


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


@pytest.fixture
def invoke(tmp_path, monkeypatch) -> Iterator[Callable[..., dict[str, Any]]]:
    """Call Zappa's real ``lambda_handler`` in-process: ``invoke(event, stage="dev")`` returns the proxy response."""
    with zappa_handler_caller(tmp_path, monkeypatch) as call:
        yield call
