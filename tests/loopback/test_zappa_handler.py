"""Real events through Zappa's own ``lambda_handler``, in-process, with the runtime's LambdaContext."""

import base64
import json

import pytest

from tests.support import events
from tests.support.events import as_post, event_names, load_event, rest_v1_event_names
from tests.support.lambda_invocation import LAMBDA_TIMEOUT_MS, real_lambda_context
from tests.support.openapi_schema import assert_matches
from tests.support.stage_settings import stage_settings

# The 16 bytes the binary fixtures carry (tests/events/SOURCES.md).
BINARY_BYTES = bytes.fromhex("89504e470d0a1a0a00ff10fe7f80c3bf")
POST_EVENTS = rest_v1_event_names() + event_names("http_v2") + event_names("function_url")


def answer_of(response: dict) -> dict:
    """The loopback answer of a proxy response, checked against the API description's LoopbackAnswer."""
    answer = events.answer_of(response)
    assert_matches(answer, "LoopbackAnswer")
    return answer


def error_of(response: dict) -> dict:
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert_matches(body, "Error")
    return body["error"]


@pytest.mark.parametrize("name", [name for name in POST_EVENTS if load_event(name).get("httpMethod") != "GET"])
def test_every_post_event_gets_the_loopback_answer(invoke, name):
    event = load_event(name)
    response = invoke(event, stage="dev")
    assert response["statusCode"] == 200
    answer = answer_of(response)
    assert list(answer) == ["event", "context", "extras"]
    assert list(answer["event"]) == ["body-json", "params", "stage-variables", "context"]
    assert list(answer["event"]["params"]) == ["path", "querystring", "header"]
    assert all(isinstance(value, str) for value in answer["event"]["context"].values())
    assert answer["event"]["stage-variables"] == (event.get("stageVariables") or {})
    assert answer["extras"]["app-stage"] == "dev"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_lambda_context_comes_from_the_runtime_object(invoke, monkeypatch, stage):
    expected = real_lambda_context(monkeypatch, stage)
    answer = answer_of(invoke(load_event("rest_v1__post_json_root"), stage=stage))
    context = answer["context"]
    assert context["functionName"] == expected.function_name == f"loopback-{stage}"
    assert context["functionVersion"] == expected.function_version
    account = expected.invoked_function_arn.split(":")[4]
    masks = stage_settings(stage).aws_environment_variables.get("LOOPBACK_MASK_ACCOUNT_IDS") == "true"
    assert context["invokedFunctionArn"] == expected.invoked_function_arn.replace(account, "****" if masks else account)
    assert context["memoryLimitInMB"] == expected.memory_limit_in_mb
    assert context["awsRequestId"] == expected.aws_request_id
    assert context["logGroupName"] == expected.log_group_name
    assert context["logStreamName"] == expected.log_stream_name
    assert 0 < context["remainingTimeInMillis"] <= LAMBDA_TIMEOUT_MS


@pytest.mark.parametrize(
    "name", ["rest_v1__get", "powertools__apiGatewayProxyEvent", "powertools__lambdaFunctionUrlEvent"]
)
def test_get_on_the_loopback_is_405_with_allow(invoke, name):
    response = invoke(load_event(name))
    assert response["statusCode"] == 405
    assert "POST" in response["headers"]["Allow"].split(", ")
    error = error_of(response)
    assert error["status"] == 405
    assert "GET" in error["message"]
    assert error["request-id"] == "8f5d5a2e-7c4b-4d0e-9a53-0c1f2e3d4b5a"


@pytest.mark.parametrize("binary_support", [True, False])
def test_json_body_is_parsed(invoke, binary_support):
    event = load_event("rest_v1__post_json_root")
    answer = answer_of(invoke(event, binary_support=binary_support))
    assert answer["event"]["body-json"] == json.loads(event["body"])
    assert answer["extras"]["body"]["representation"] == "json"


@pytest.mark.parametrize("binary_support", [True, False])
def test_base64_json_body_from_the_gateway_is_decoded(invoke, binary_support):
    answer = answer_of(invoke(load_event("sam-cli__AwsProxy.rendered"), binary_support=binary_support))
    assert answer["event"]["body-json"] == {"test": "body"}
    assert answer["extras"]["body"]["base64-encoded-by-gateway"] is True


def test_text_body_is_the_string(invoke):
    answer = answer_of(invoke(load_event("rest_v1__post_text")))
    assert answer["event"]["body-json"] == "plain text with unicode: 안녕하세요"
    assert answer["extras"]["body"] == {
        "representation": "text",
        "media-type": "text/plain",
        "size": len("plain text with unicode: 안녕하세요".encode()),
        "base64-encoded-by-gateway": False,
    }


@pytest.mark.parametrize("name", ["rest_v1__post_binary", "http_v2__binary"])
@pytest.mark.parametrize("binary_support", [True, False])
def test_binary_body_round_trips_through_base64(invoke, name, binary_support):
    answer = answer_of(invoke(load_event(name), binary_support=binary_support))
    assert answer["extras"]["body"]["representation"] == "base64"
    assert answer["extras"]["body"]["size"] == len(BINARY_BYTES)
    assert base64.b64decode(answer["event"]["body-json"]) == BINARY_BYTES


def test_null_maps_become_empty_objects(invoke):
    answer = answer_of(invoke(load_event("rest_v1__nulls")))
    assert answer["event"]["body-json"] == {}
    assert answer["event"]["params"] == {"path": {"proxy": "things"}, "querystring": {}, "header": {}}
    assert answer["event"]["stage-variables"] == {}
    assert answer["extras"]["multi-value"] == {"querystring": {}, "header": {}}


def test_an_event_without_request_context_has_empty_context_values(invoke):
    answer = answer_of(invoke(load_event("rest_v1__minimal")))
    assert set(answer["event"]["context"].values()) == {""}
    assert answer["event"]["body-json"] == {"a": 1}
    assert answer["extras"]["path"] == "/bare"


def test_repeated_query_and_headers_keep_one_value_in_event_and_all_in_extras(invoke):
    event = load_event("rest_v1__multi_value")
    answer = answer_of(invoke(event))
    assert answer["event"]["params"]["querystring"] == event["queryStringParameters"]
    assert answer["extras"]["multi-value"]["querystring"] == event["multiValueQueryStringParameters"]
    assert answer["extras"]["multi-value"]["querystring"]["tag"] == ["a", "b", "c"]
    assert answer["event"]["params"]["header"]["X-Trace-Tag"] == "two"
    assert answer["extras"]["multi-value"]["header"]["X-Trace-Tag"] == ["one", "two"]


def test_http_api_query_keeps_the_last_value_and_all_values(invoke):
    answer = answer_of(invoke(load_event("http_v2__dev_stage")))
    assert answer["event"]["params"]["querystring"] == {"item": "b", "sort": "asc"}
    assert answer["extras"]["multi-value"]["querystring"] == {"item": ["a", "b"], "sort": ["asc"]}
    assert answer["extras"]["cookies"] == ["session=fake-session-id", "theme=dark"]
    assert answer["event"]["params"]["header"]["cookie"] == "session=fake-session-id; theme=dark"
    # Zappa strips the stage prefix of an HTTP API's rawPath before routing.
    assert answer["extras"]["path"] == "/orders/7"
    assert answer["event"]["context"]["resource-path"] == "/{proxy+}"


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("rest_v1__post_json_root", "dev"),
        ("rest_v1__custom_authorizer", "prod"),
        ("powertools__apiGatewayProxyEvent", "$default"),
        ("http_v2__dev_stage", "dev"),
        ("sam-cli__HttpApi.rendered", "$default"),
    ],
)
def test_gateway_stage_is_reported(invoke, name, stage):
    event = load_event(name)
    event = as_post(event) if "httpMethod" in event else event
    answer = answer_of(invoke(event, stage="dev"))
    assert answer["event"]["context"]["stage"] == stage
    assert answer["extras"]["app-stage"] == "dev"


def test_custom_authorizer_principal(invoke):
    answer = answer_of(invoke(load_event("rest_v1__custom_authorizer")))
    assert answer["event"]["context"]["authorizer-principal-id"] == "user-4242"


def test_http_api_lambda_authorizer_principal(invoke):
    answer = answer_of(invoke(load_event("http_v2__lambda_authorizer")))
    assert answer["event"]["context"]["authorizer-principal-id"] == "user-7"
    assert answer["event"]["context"]["resource-path"] == "/reports"


def test_http_api_iam_authorizer_identity(invoke):
    event = load_event("http_v2__iam_authorizer")
    iam = event["requestContext"]["authorizer"]["iam"]
    context = answer_of(invoke(event))["event"]["context"]
    assert context["account-id"] == iam["accountId"]
    assert context["caller"] == iam["callerId"]
    assert context["user"] == iam["userId"]
    assert context["user-arn"] == iam["userArn"]
    assert context["cognito-identity-id"] == iam["cognitoIdentity"]["identityId"]
    assert context["cognito-identity-pool-id"] == iam["cognitoIdentity"]["identityPoolId"]
    assert context["api-key"] == ""


def test_function_url_event(invoke):
    event = load_event("function_url__post_text")
    answer = answer_of(invoke(event))
    assert answer["extras"]["event-source"] == "function-url"
    assert answer["event"]["body-json"] == event["body"]
    assert answer["event"]["context"]["source-ip"] == event["requestContext"]["http"]["sourceIp"]


@pytest.mark.parametrize(
    ("method", "status", "message"),
    # The loopback checks the event's shape on its own routes; the router answers a GET before that.
    [("POST", 400, "Load Balancer"), ("GET", 405, "GET is not allowed")],
)
def test_alb_event_gets_a_clear_error(invoke, method, status, message):
    event = load_event("powertools__albEvent")
    event["httpMethod"] = method
    response = invoke(event)
    assert response["statusCode"] == status
    assert message in error_of(response)["message"]


SECRET_HEADERS = ("Authorization", "Cookie", "X-Api-Key", "Proxy-Authorization")


def test_prod_masks_sensitive_headers(invoke):
    event = load_event("rest_v1__prod_secrets")
    answer = answer_of(invoke(event, stage="prod"))
    headers = answer["event"]["params"]["header"]
    for name in SECRET_HEADERS:
        assert headers[name] == "****"
        assert answer["extras"]["multi-value"]["header"][name] == ["****"]
        assert event["headers"][name] not in json.dumps(answer)
    assert headers["X-Custom-Secret"] == event["headers"]["X-Custom-Secret"]
    assert headers["Content-Type"] == event["headers"]["Content-Type"]


def test_prod_masks_a_configured_header_too(invoke):
    event = load_event("rest_v1__prod_secrets")
    answer = answer_of(invoke(event, stage="prod", environment={"LOOPBACK_SENSITIVE_HEADERS": "x-custom-secret"}))
    assert answer["event"]["params"]["header"]["X-Custom-Secret"] == "****"
    assert answer["event"]["params"]["header"]["Authorization"] == "****"


def test_prod_masks_api_key_and_http_api_cookies(invoke):
    context = answer_of(invoke(load_event("rest_v1__cognito_iam"), stage="prod"))["event"]["context"]
    assert context["api-key"] == "****"
    extras = answer_of(invoke(load_event("http_v2__dev_stage"), stage="prod"))["extras"]
    assert extras["cookies"] == ["****", "****"]


def test_prod_masks_the_account_id_in_what_it_echoes(invoke):
    event = load_event("rest_v1__cognito_iam")
    account = event["requestContext"]["identity"]["accountId"]
    answer = answer_of(invoke(event, stage="prod"))
    shown = {**answer["event"]["context"], **answer["context"]}
    assert not [value for value in shown.values() if account in str(value)]
    assert shown["account-id"] == "****"
    assert shown["user-arn"] == "arn:aws:sts::****:assumed-role/Cognito_ExampleAuth_Role/CognitoIdentityCredentials"
    assert (
        shown["invokedFunctionArn"].startswith("arn:aws:lambda:")
        and ":****:function:loopback-prod" in shown["invokedFunctionArn"]
    )


def test_dev_echoes_account_ids(invoke):
    event = load_event("rest_v1__cognito_iam")
    account = event["requestContext"]["identity"]["accountId"]
    dev = answer_of(invoke(event, stage="dev"))
    assert dev["event"]["context"]["user-arn"] == event["requestContext"]["identity"]["userArn"]
    assert dev["event"]["context"]["account-id"] == account


def test_dev_echoes_sensitive_headers(invoke):
    event = load_event("rest_v1__prod_secrets")
    answer = answer_of(invoke(event, stage="dev"))
    for name in SECRET_HEADERS:
        assert answer["event"]["params"]["header"][name] == event["headers"][name]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_response_tells_the_app_stage(invoke, stage):
    response = invoke(load_event("rest_v1__post_json_root"), stage=stage)
    assert response["headers"]["X-Loopback-Stage"] == stage
    assert response["multiValueHeaders"]["X-Loopback-Stage"] == [stage]


def test_body_over_lambda_limit_is_413(invoke):
    event = load_event("rest_v1__post_text")
    event["body"] = "x" * (6 * 1024 * 1024 + 1)
    response = invoke(event)
    assert response["statusCode"] == 413
    assert error_of(response)["status"] == 413


def test_malformed_json_is_400(invoke):
    event = load_event("rest_v1__post_json_root")
    event["body"] = '{"greeting": '
    response = invoke(event)
    assert response["statusCode"] == 400
    assert "not valid JSON" in error_of(response)["message"]


def test_invalid_base64_body_is_400(invoke):
    # API Gateway always sends valid base64; a hand-made event may not. With binary_support on,
    # Zappa's handler decodes the body itself before the app runs (and answers 500 if it cannot).
    event = load_event("rest_v1__post_binary")
    event["body"] = "not base64!"
    response = invoke(event, binary_support=False)
    assert response["statusCode"] == 400
    assert "base64" in error_of(response)["message"]


def test_health(invoke):
    event = load_event("rest_v1__get")
    event["path"] = "/health"
    event["resource"] = event["requestContext"]["resourcePath"] = "/{proxy+}"
    event["pathParameters"] = {"proxy": "health"}
    response = invoke(event, stage="prod")
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok", "stage": "prod"}
    assert_matches(json.loads(response["body"]), "Health")
