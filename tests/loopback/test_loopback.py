"""The loopback under a plain WSGI request (as ``flask run`` serves it), through Flask's test client."""

import base64

import pytest

from app.loopback.request_view import CONTEXT_KEYS


def post(client, path="/", **kwargs):
    response = client.post(path, **kwargs)
    assert response.status_code == 200, response.data
    assert response.content_type == "application/json"
    return response.get_json()


def test_root_resource(client):
    answer = post(client, "/")
    assert answer["event"]["params"]["path"] == {}
    assert answer["event"]["context"]["resource-path"] == "/"
    assert answer["extras"]["event-source"] == "local"
    assert answer["extras"]["path"] == "/"


def test_any_path_below_root_is_the_proxy_resource(client):
    answer = post(client, "/orders/7/items")
    assert answer["event"]["params"]["path"] == {"proxy": "orders/7/items"}
    assert answer["event"]["context"]["resource-path"] == "/{proxy+}"
    assert answer["extras"]["path"] == "/orders/7/items"


def test_every_template_context_key_is_a_string(client):
    context = post(client, headers={"User-Agent": "probe/1.0"})["event"]["context"]
    assert list(context) == list(CONTEXT_KEYS)
    assert all(isinstance(value, str) for value in context.values())
    assert context["http-method"] == "POST"
    assert context["stage"] == "dev"
    assert context["source-ip"] == "127.0.0.1"
    assert context["user-agent"] == "probe/1.0"
    assert context["account-id"] == context["api-id"] == context["resource-id"] == ""


def test_local_lambda_context(client):
    answer = post(client)
    context = answer["context"]
    assert list(context) == [
        "functionName",
        "functionVersion",
        "invokedFunctionArn",
        "memoryLimitInMB",
        "awsRequestId",
        "logGroupName",
        "logStreamName",
        "remainingTimeInMillis",
    ]
    assert context["functionName"] == "loopback-dev"
    assert context["functionVersion"] == "$LATEST"
    assert context["invokedFunctionArn"] == "arn:aws:lambda:ap-northeast-2:000000000000:function:loopback-dev"
    assert context["memoryLimitInMB"] == "512"
    assert context["logGroupName"] == "/aws/lambda/loopback-dev"
    assert 0 < context["remainingTimeInMillis"] <= 30_000
    # One id per request, the same in both places, as AWS keeps one per invocation.
    assert context["awsRequestId"] == answer["event"]["context"]["request-id"]
    assert post(client)["context"]["awsRequestId"] != context["awsRequestId"]


@pytest.mark.parametrize(
    ("data", "content_type", "shown", "representation"),
    [
        (b'{"a": [1, 2, {"b": null}]}', "application/json", {"a": [1, 2, {"b": None}]}, "json"),
        (b'{"a": 1}', "application/vnd.api+json", {"a": 1}, "json"),
        (b"[1, 2]", None, [1, 2], "json"),
        (b"", "application/json", {}, "empty"),
        (b"", None, {}, "empty"),
        ("héllo".encode(), "text/plain; charset=utf-8", "héllo", "text"),
        ("héllo".encode("latin-1"), "text/plain; charset=ISO-8859-1", "héllo", "text"),
        (b"a=1&b=2", "application/x-www-form-urlencoded", "a=1&b=2", "text"),
        (b"<a/>", "application/xml", "<a/>", "text"),
        (b"not json", None, "not json", "text"),
    ],
)
def test_body_representation(client, data, content_type, shown, representation):
    answer = post(client, data=data, content_type=content_type)
    assert answer["event"]["body-json"] == shown
    assert answer["extras"]["body"]["representation"] == representation
    assert answer["extras"]["body"]["size"] == len(data)
    assert answer["extras"]["body"]["base64-encoded-by-gateway"] is False


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (bytes(range(256)), "application/octet-stream"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xfe not utf-8", None),
        (b"\xff\xfe not utf-8", "text/plain"),
        (b"plain ascii but declared binary", "application/octet-stream"),
    ],
)
def test_binary_body_is_base64_and_lossless(client, data, content_type):
    answer = post(client, data=data, content_type=content_type)
    assert answer["extras"]["body"]["representation"] == "base64"
    assert base64.b64decode(answer["event"]["body-json"]) == data


def test_repeated_query_parameters(client):
    answer = post(client, "/search?tag=a&tag=b&tag=c&flag&q=x%20y")
    assert answer["event"]["params"]["querystring"] == {"tag": "c", "flag": "", "q": "x y"}
    assert answer["extras"]["multi-value"]["querystring"] == {"tag": ["a", "b", "c"], "flag": [""], "q": ["x y"]}


def test_headers_are_echoed(client):
    answer = post(client, headers={"X-Request-Color": "teal"})
    assert answer["event"]["params"]["header"]["X-Request-Color"] == "teal"
    assert answer["extras"]["multi-value"]["header"]["X-Request-Color"] == ["teal"]
    assert answer["event"]["stage-variables"] == {}


SECRETS = {
    "Authorization": "Bearer test-token-not-a-secret",
    "Cookie": "session=fake",
    "X-Api-Key": "test-api-key-not-a-secret",
    "Proxy-Authorization": "Basic cHJveHk6ZmFrZQ==",
}


def client_with_cookie(client_for, stage):
    # Werkzeug's test client sends the Cookie header from its cookie jar only.
    client = client_for(stage)
    client.set_cookie("session", "fake")
    return client


@pytest.mark.parametrize("stage", ["local", "dev"])
def test_local_and_dev_echo_secrets(client_for, stage):
    answer = post(client_with_cookie(client_for, stage), headers=SECRETS)
    for name, value in SECRETS.items():
        assert answer["event"]["params"]["header"][name] == value


def test_prod_masks_secrets(client_for):
    response = client_with_cookie(client_for, "prod").post("/", headers={**SECRETS, "X-Other": "visible"})
    answer = response.get_json()
    for name, value in SECRETS.items():
        assert answer["event"]["params"]["header"][name] == "****"
        assert answer["extras"]["multi-value"]["header"][name] == ["****"]
        assert value.encode() not in response.data
    assert answer["event"]["params"]["header"]["X-Other"] == "visible"


def test_masked_headers_are_configurable(client_for):
    client = client_for("prod", SENSITIVE_HEADERS=["X-Session-Token"])
    answer = post(client, headers={"X-Session-Token": "fake", "Authorization": "Basic ZmFrZQ==", "X-Other": "seen"})
    assert answer["event"]["params"]["header"]["X-Session-Token"] == "****"
    assert answer["event"]["params"]["header"]["Authorization"] == "****"
    assert answer["event"]["params"]["header"]["X-Other"] == "seen"


def test_masking_follows_the_stage_setting(client_for):
    headers = {"Authorization": "Basic ZmFrZQ=="}
    assert (
        post(client_for("dev", MASK_SENSITIVE_HEADERS=True), headers=headers)["event"]["params"]["header"][
            "Authorization"
        ]
        == "****"
    )
    assert (
        post(client_for("prod", MASK_SENSITIVE_HEADERS=False), headers=headers)["event"]["params"]["header"][
            "Authorization"
        ]
        == "Basic ZmFrZQ=="
    )


def test_masked_headers_extend_from_the_environment(monkeypatch):
    from app import create_app

    monkeypatch.setenv("LOOPBACK_SENSITIVE_HEADERS", "X-Session-Token, X-Tenant-Secret")
    client = create_app({"STAGE": "prod"}).test_client()
    headers = {"X-Session-Token": "a", "X-Tenant-Secret": "b", "Authorization": "c"}
    answer = post(client, headers=headers)
    assert {name: answer["event"]["params"]["header"][name] for name in headers} == dict.fromkeys(headers, "****")


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_every_response_tells_the_stage(client_for, stage):
    client = client_for(stage)
    assert client.post("/").headers["X-Loopback-Stage"] == stage
    assert client.get("/").headers["X-Loopback-Stage"] == stage
    assert client.get("/health").headers["X-Loopback-Stage"] == stage
    assert post(client)["extras"]["app-stage"] == stage


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "stage": "dev"}
    assert client.head("/health").status_code == 200


def test_post_to_health_path_is_the_loopback(client):
    assert post(client, "/health")["extras"]["path"] == "/health"
