"""Fixtures of every part: the Flask app and client, Zappa's real Lambda handler."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app import create_app
from tests.support import offline
from tests.support.lambda_invocation import zappa_handler_caller
from tests.support.lambda_package import Package, built_package

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


@pytest.fixture(scope="session")
def prod_package(tmp_path_factory) -> Package:
    """The prod stage's Lambda package, as `make package` builds it, once per session."""
    return built_package("prod", tmp_path_factory.mktemp("package-prod"))
