"""The loopback answered by the Lambda package as `make package` builds it, run as Lambda runs it."""

import json
from typing import Any

import pytest

from tests.support.cold_start import run_in_lambda_layout
from tests.support.events import answer_of
from tests.support.lambda_package import Package, built_package, event_for_stage
from tests.support.stage_settings import STAGES, stage_settings

pytestmark = pytest.mark.slow

# One cold start, then warm invocations in the same interpreter, as one Lambda instance serves them.
PACKAGED_EVENTS = ("rest_v1__post_json_root", "rest_v1__prod_secrets", "http_v2__dev_stage")


@pytest.fixture(scope="module", params=STAGES)
def package(request, tmp_path_factory) -> Package:
    return built_package(request.param, tmp_path_factory.mktemp(f"package-{request.param}"))


@pytest.fixture(scope="module")
def packaged_run(package, tmp_path_factory) -> dict[str, Any]:
    events = {name: event_for_stage(name, package.stage) for name in PACKAGED_EVENTS}
    root = tmp_path_factory.mktemp(f"lambda-{package.stage}")
    run = run_in_lambda_layout(package.zip_path, package.stage, list(events.values()), root)
    return {"events": events, "invocations": dict(zip(PACKAGED_EVENTS, run.responses, strict=True))}


@pytest.mark.parametrize("name", ["rest_v1__prod_secrets", "http_v2__dev_stage"])
def test_packaged_handler_answers_the_loopback(package, packaged_run, name):
    configured = stage_settings(package.stage)
    event = packaged_run["events"][name]
    invocation = packaged_run["invocations"][name]
    response = invocation["response"]
    assert response["statusCode"] == 200
    headers = {key.lower(): value for key, value in response["headers"].items()}
    assert headers["x-loopback-stage"] == package.stage
    answer = answer_of(response)

    assert answer["event"]["body-json"] == json.loads(event["body"])
    assert answer["event"]["params"]["path"] == event["pathParameters"]
    assert answer["event"]["stage-variables"] == (event.get("stageVariables") or {})
    assert answer["event"]["context"]["stage"] == package.stage
    assert answer["event"]["context"]["request-id"] == event["requestContext"]["requestId"]
    assert answer["extras"]["app-stage"] == package.stage
    assert answer["context"]["functionName"] == configured.lambda_name
    assert answer["context"]["memoryLimitInMB"] == str(configured.memory_size)
    assert answer["context"]["awsRequestId"] == invocation["request_id"]
    assert 0 < answer["context"]["remainingTimeInMillis"] <= configured.timeout_seconds * 1000


def test_packaged_handler_masks_secrets_in_prod_only(package, packaged_run):
    event = packaged_run["events"]["rest_v1__prod_secrets"]
    invocation = packaged_run["invocations"]["rest_v1__prod_secrets"]
    header = answer_of(invocation["response"])["event"]["params"]["header"]
    sent = event["headers"]["Authorization"]
    assert header["Authorization"] == ("****" if package.stage == "prod" else sent)
