"""The events ``local_gateway.events.proxy_event`` builds, checked against events AWS projects publish.

Three kinds of check, for the REST API (payload 1.0) and the HTTP API (payload 2.0):

- shape: every key the builder writes is in the published samples, with the sample's JSON type; every key both
  samples of a version carry is written, except the fields AWS sends only when a feature is configured;
- values: each published sample is turned back into the HTTP request it stands for, and the event built for that
  request must carry the sample's request-derived fields;
- behaviour the API Gateway developer guide describes: stage prefix, empty requests, body encoding, repeated values,
  timestamps.

The published samples (tests/events/SOURCES.md) are the reference; where one contradicts itself, exactly that field
is skipped, with the reason, and the skip fails once the values agree.
"""

import base64
import calendar
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from local_gateway.events import Api, Client, HttpRequest, RefusedPathError, http_api_raw_path, proxy_event
from tests.support.event_strategies import IDENTITY_KEYS
from tests.support.events import load_event

REST, HTTP_API = "1.0", "2.0"
SAMPLES = {
    REST: ("sam-cli__AwsProxy.rendered", "powertools__apiGatewayProxyEvent"),
    HTTP_API: ("sam-cli__HttpApi.rendered", "powertools__apiGatewayProxyV2Event"),
}
VERSION_OF = {name: version for version, names in SAMPLES.items() for name in names}
STAGE = "dev"
# The 16 bytes of tests/events/SOURCES.md: a PNG signature, then bytes that are not UTF-8.
BINARY = bytes.fromhex("89504e470d0a1a0a00ff10fe7f80c3bf")
TIME_FORMAT = "%d/%b/%Y:%H:%M:%S +0000"


def _is_string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_list_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _is_string_list(v) for k, v in value.items())


KINDS: dict[str, Callable[[Any], bool]] = {
    "map of str to str": _is_string_map,
    "map of str to list[str]": _is_list_map,
    "list[str]": _is_string_list,
}
# Maps whose keys are data, not schema (and the cookies list): compared by their kind, never key by key.
FREE_FORM = {
    "headers": "map of str to str",
    "multiValueHeaders": "map of str to list[str]",
    "queryStringParameters": "map of str to str",
    "multiValueQueryStringParameters": "map of str to list[str]",
    "pathParameters": "map of str to str",
    "stageVariables": "map of str to str",
    "cookies": "list[str]",
}

# Fields the REST guide ("Input format of a Lambda function for proxy integration") says are null when the request
# has none of them (no headers, query, path parameters, stage variables or body; an identity AWS did not resolve).
REST_NULLABLE = frozenset(
    {
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
        # Every identity field but the source address, which a request always has.
        *(f"requestContext.identity.{name}" for name in IDENTITY_KEYS if name != "sourceIp"),
    }
)
# Payload 2.0 leaves out a key that has no value instead of sending null.
NULLABLE = {REST: REST_NULLABLE, HTTP_API: frozenset()}

# Fields AWS sends only when a feature is configured; Zappa's API configures none of them, so the builder must not
# write them, and they are not required even where both samples of a version carry them.
FEATURE_FIELDS = {
    REST: {
        # Only an HTTP API using payload 1.0 sends "version": the powertools REST sample is such an event (stage
        # $default too), the SAM REST sample has no "version". Not in both samples, listed to check it stays absent.
        "version": "only HTTP APIs with payload 1.0 send it",
        "requestContext.authorizer": "only when the method has an authorizer (powertools sample only)",
        "requestContext.identity.clientCert": "only with mutual TLS on a custom domain (powertools sample only)",
    },
    HTTP_API: {
        "requestContext.authorizer": "only when the route has an authorizer (both samples: a JWT authorizer)",
        "requestContext.authentication": "only with mutual TLS on a custom domain (both samples: a client cert)",
        "pathParameters": "the $default route has no path parameters",
        "stageVariables": "the stage defines no stage variables",
    },
}

# Fields of the REST example in AWS's current guide that SAM's AwsProxy template, older than they are, lacks. The
# builder writes them; their reference is the other REST sample, which has each of them.
NOT_IN_SAMPLE = {
    "sam-cli__AwsProxy.rendered": (
        "requestContext.domainName",
        "requestContext.domainPrefix",
        "requestContext.extendedRequestId",
        "requestContext.identity.principalOrgId",
    ),
}

# Request-derived fields compared when a sample is replayed ("body" is compared as the decoded bytes).
REPLAYED_FIELDS = {
    REST: (
        "httpMethod",
        "path",
        "resource",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "headers",
        "multiValueHeaders",
        "body",
        "requestContext.httpMethod",
        "requestContext.resourcePath",
        "requestContext.path",
        "requestContext.identity.userAgent",
    ),
    HTTP_API: (
        "rawQueryString",
        "queryStringParameters",
        "cookies",
        "headers",
        "body",
        "requestContext.http.method",
        "requestContext.http.userAgent",
    ),
}
# Where a published sample disagrees with itself or was recorded on an API unlike Zappa's: exactly that field (or
# one key of a map, "map.key") is skipped, with the reason. A skip whose values agree fails, so none goes stale.
# pathParameters is not replayed at all: SAM's proxy value has a leading slash, which API Gateway never sends, and
# the powertools REST API has no {proxy+} resource; the behaviour tests below check it against the guide.
SAMPLE_QUIRKS = {
    "powertools__apiGatewayProxyEvent": {
        "resource": "recorded on an API with a /my/path resource; Zappa's has only / and /{proxy+}",
        "requestContext.resourcePath": "recorded on an API with a /my/path resource; Zappa's has only / and /{proxy+}",
        "requestContext.path": "an HTTP API payload-1.0 event on stage $default: no stage prefix in the path",
        "queryStringParameters.parameter1": "single value value1 is not the last of its multi-value list",
        "requestContext.identity.userAgent": "userAgent is set but the headers have no User-Agent",
    },
    "sam-cli__HttpApi.rendered": {
        "requestContext.http.userAgent": "userAgent is set but the headers have no user-agent",
    },
    "powertools__apiGatewayProxyV2Event": {
        "requestContext.http.userAgent": "userAgent is set but the headers have no user-agent",
    },
}
# Headers API Gateway (or, for an edge-optimized API, CloudFront) adds or sets: not the client's. Host is
# always the API's own domain (checked below); the samples' Host headers are hand-made and disagree with it.
GATEWAY_HEADERS = ("host", "x-amzn-trace-id", "via", "x-amz-cf-id")
GATEWAY_HEADER_PREFIXES = ("x-forwarded-", "cloudfront-")
# The HTTP API samples come from stage $default, where rawPath has no stage prefix; the builder serves a named stage,
# whose rawPath starts with it. The replay serves them at this stage and puts it in front of the sample's rawPath.
REPLAY_STAGE = "replay"


# Helpers


def key_paths(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every key of ``event`` by dotted path, with its value; free-form maps are not entered."""
    paths: dict[str, Any] = {}
    for key, value in event.items():
        path = prefix + key
        paths[path] = value
        if isinstance(value, dict) and path not in FREE_FORM:
            paths.update(key_paths(value, path + "."))
    return paths


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    raise TypeError(f"not a JSON value: {value!r}")


def is_under(path: str, fields: Any) -> bool:
    return any(path == field or path.startswith(field + ".") for field in fields)


def at(event: dict[str, Any], path: str) -> Any:
    value: Any = event
    for key in path.split("."):
        value = value[key]
    return value


def body_bytes(event: dict[str, Any]) -> bytes:
    """The body the client sent, as the event carries it."""
    body = event.get("body")
    if body is None:
        return b""
    return base64.b64decode(body, validate=True) if event["isBase64Encoded"] else body.encode()


def client_sent(header: str) -> bool:
    name = header.lower()
    return name not in GATEWAY_HEADERS and not name.startswith(GATEWAY_HEADER_PREFIXES)


def other_sample(name: str) -> str:
    (other,) = (each for each in SAMPLES[VERSION_OF[name]] if each != name)
    return other


def representative_request(binary: bool) -> HttpRequest:
    """A POST with a repeated query parameter, a repeated header, cookies, Host and User-Agent."""
    content_type, body = (
        ("application/octet-stream", BINARY) if binary else ("application/json", json.dumps({"n": 1}).encode())
    )
    headers = [
        ("Host", "api.example.com"),
        ("User-Agent", "gateway-events-test/1.0"),
        ("Content-Type", content_type),
        ("X-Trace-Tag", "one"),
        ("X-Trace-Tag", "two"),
        ("Cookie", "session=fake-session; theme=dark"),
    ]
    return HttpRequest("POST", f"/{STAGE}/orders/7?tag=a&tag=b&q=x", headers, body)


def rest_replay(sample: dict[str, Any]) -> tuple[HttpRequest, Api]:
    """The HTTP request a REST (payload 1.0) sample stands for, and its API."""
    stage = sample["requestContext"]["stage"]
    query = urlencode(
        [
            (name, value)
            for name, values in (sample["multiValueQueryStringParameters"] or {}).items()
            for value in values
        ]
    )
    target = f"/{stage}{sample['path']}" + (f"?{query}" if query else "")
    headers = [
        (name, value)
        for name, values in (sample["multiValueHeaders"] or {}).items()
        if client_sent(name)
        for value in values
    ]
    return HttpRequest(sample["httpMethod"], target, headers, body_bytes(sample)), Api(stage, REST)


def http_api_replay(sample: dict[str, Any]) -> tuple[HttpRequest, Api]:
    """The HTTP request an HTTP API (payload 2.0) sample stands for, served at REPLAY_STAGE."""
    assert sample["requestContext"]["stage"] == "$default"
    query = sample["rawQueryString"]
    target = f"/{REPLAY_STAGE}{sample['rawPath']}" + (f"?{query}" if query else "")
    headers = [(name, value) for name, value in sample["headers"].items() if client_sent(name)]
    if sample.get("cookies"):
        headers.append(("Cookie", "; ".join(sample["cookies"])))
    method = sample["requestContext"]["http"]["method"]
    return HttpRequest(method, target, headers, body_bytes(sample)), Api(REPLAY_STAGE, HTTP_API)


def replayed_view(event: dict[str, Any], field: str, lower_header_names: bool = False) -> Any:
    """The field as the replay compares it: body as bytes, headers as the client sent them."""
    if field == "body":
        return body_bytes(event)
    if field in ("headers", "multiValueHeaders"):
        headers = event[field] or {}
        return {(name.lower() if lower_header_names else name): v for name, v in headers.items() if client_sent(name)}
    return at(event, field)


def forwarding_only(headers: dict[str, Any] | None) -> bool:
    return bool(headers) and not any(client_sent(name) for name in headers)


def skipped_paths(field: str, got: Any, want: Any, quirks: dict[str, str]) -> list[str]:
    """The quirk paths that skip this replayed field: the field itself, or some keys of its map."""
    if field in quirks:
        return [field]
    keys = {key for value in (got, want) if isinstance(value, dict) for key in value}
    return sorted(f"{field}.{key}" for key in keys if f"{field}.{key}" in quirks)


def value_at(value: Any, field: str, path: str) -> Any:
    """The part of a replayed field's value that a quirk path names: the field itself or one key of its map."""
    return value if path == field else (value or {}).get(path.removeprefix(field + "."))


def without(value: Any, field: str, skipped: list[str]) -> Any:
    """The replayed field's value without the map keys its quirks skip."""
    keys = {path.removeprefix(field + ".") for path in skipped}
    return {k: v for k, v in value.items() if k not in keys} if keys else value


# 1. Shape


@pytest.mark.parametrize("binary", [False, True], ids=["json-body", "binary-body"])
@pytest.mark.parametrize("sample_name", [*SAMPLES[REST], *SAMPLES[HTTP_API]])
def test_built_event_has_the_shape_of_the_published_sample(sample_name: str, binary: bool) -> None:
    version = VERSION_OF[sample_name]
    sample = key_paths(load_event(sample_name))
    partner = key_paths(load_event(other_sample(sample_name)))
    reference = {**{path: partner[path] for path in NOT_IN_SAMPLE.get(sample_name, ())}, **sample}
    built = key_paths(proxy_event(representative_request(binary), Api(STAGE, version)))

    assert sorted(set(built) - set(reference)) == [], "keys not in the published sample"
    problems = []
    for path, value in built.items():
        expected = reference[path]
        if path in FREE_FORM:
            for side, each in (("built", value), ("sample", expected)):
                if each is not None and not KINDS[FREE_FORM[path]](each):
                    problems.append(f"{side} {path} is not a {FREE_FORM[path]}: {each!r}")
        if value is None:
            if expected is not None and path not in NULLABLE[version]:
                problems.append(f"{path} is null, the sample has {json_type(expected)}")
        elif expected is not None and json_type(value) != json_type(expected):
            problems.append(f"{path} is {json_type(value)}, the sample has {json_type(expected)}")
    assert problems == []


@pytest.mark.parametrize("binary", [False, True], ids=["json-body", "binary-body"])
@pytest.mark.parametrize("version", [REST, HTTP_API])
def test_built_event_has_every_field_both_samples_have(version: str, binary: bool) -> None:
    first, second = (key_paths(load_event(name)) for name in SAMPLES[version])
    built = key_paths(proxy_event(representative_request(binary), Api(STAGE, version)))
    required = {path for path in set(first) & set(second) if not is_under(path, FEATURE_FIELDS[version])}

    assert sorted(required - set(built)) == []
    # The features are not configured, so their fields are not sent.
    assert [path for path in built if is_under(path, FEATURE_FIELDS[version])] == []


def test_fields_missing_from_the_sam_rest_sample_are_in_the_other_rest_sample() -> None:
    for name, paths in NOT_IN_SAMPLE.items():
        sample, partner = key_paths(load_event(name)), key_paths(load_event(other_sample(name)))
        assert [path for path in paths if path in sample or path not in partner] == []


# 2. Values: each published sample replayed as the HTTP request it stands for


@pytest.mark.parametrize("sample_name", [*SAMPLES[REST], *SAMPLES[HTTP_API]])
def test_replayed_sample_gives_its_request_fields(sample_name: str) -> None:
    version = VERSION_OF[sample_name]
    sample = load_event(sample_name)
    request, api = rest_replay(sample) if version == REST else http_api_replay(sample)
    built = proxy_event(request, api)
    quirks = SAMPLE_QUIRKS.get(sample_name, {})

    differences, stale = [], []
    for field in REPLAYED_FIELDS[version]:
        # The HTTP API samples write header names capitalized; API Gateway sends them lower case.
        got, want = replayed_view(built, field), replayed_view(sample, field, lower_header_names=version == HTTP_API)
        skipped = skipped_paths(field, got, want, quirks)
        stale += [path for path in skipped if value_at(got, field, path) == value_at(want, field, path)]
        if field not in quirks and without(got, field, skipped) != without(want, field, skipped):
            differences.append(f"{field}: built {got!r}, sample {want!r}")
    assert differences == []
    assert stale == [], "skipped as a sample quirk, but the values agree"
    assert [quirk for quirk in quirks if not is_under(quirk, REPLAYED_FIELDS[version])] == []


# 3. Behaviour the API Gateway developer guide describes


@pytest.mark.parametrize("target, path", [("/dev/orders/7", "/orders/7"), ("/dev/", "/"), ("/dev", "/")])
def test_rest_path_is_without_the_stage_and_request_context_path_with_it(target: str, path: str) -> None:
    event = proxy_event(HttpRequest("GET", target), Api(STAGE, REST))

    assert event["path"] == path
    assert event["requestContext"]["path"] == f"/{STAGE}{path}"
    assert event["requestContext"]["stage"] == STAGE
    root = path == "/"
    assert event["resource"] == event["requestContext"]["resourcePath"] == ("/" if root else "/{proxy+}")
    assert event["pathParameters"] == (None if root else {"proxy": path.removeprefix("/")})


def test_http_api_raw_path_keeps_a_named_stage() -> None:
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/orders/7"), Api(STAGE, HTTP_API))

    assert event["rawPath"] == event["requestContext"]["http"]["path"] == f"/{STAGE}/orders/7"
    assert event["requestContext"]["stage"] == STAGE


def test_rest_request_without_query_headers_or_body_has_null_maps() -> None:
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/things"), Api(STAGE, REST))

    for field in ("queryStringParameters", "multiValueQueryStringParameters", "stageVariables", "body"):
        assert event[field] is None, field
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["identity"]["userAgent"] is None
    # Headers are never null for a request that came over the network: API Gateway adds its forwarding headers.
    assert forwarding_only(event["headers"]) and forwarding_only(event["multiValueHeaders"])


def test_http_api_request_without_query_cookies_or_body_leaves_them_out() -> None:
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/things"), Api(STAGE, HTTP_API))

    assert [field for field in ("queryStringParameters", "body", "cookies") if field in event] == []
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    assert forwarding_only(event["headers"])


BODIES = [
    ("application/json", json.dumps({"greeting": "hello"}).encode(), True),
    ("text/plain; charset=utf-8", "안녕하세요".encode(), True),
    ("application/octet-stream", BINARY, False),
    ("application/octet-stream", b"ascii, but declared binary", False),
]


@pytest.mark.parametrize("content_type, body", [(kind, body) for kind, body, _ in BODIES])
def test_rest_base64_encodes_every_body(content_type: str, body: bytes) -> None:
    request = HttpRequest("POST", f"/{STAGE}/upload", [("Content-Type", content_type)], body)
    event = proxy_event(request, Api(STAGE, REST))

    # Zappa's REST API has the binary media type */*, so every non-empty body arrives base64-encoded.
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"], validate=True) == body


@pytest.mark.parametrize("content_type, body, as_text", BODIES)
def test_http_api_passes_text_as_text_and_binary_as_base64(content_type: str, body: bytes, as_text: bool) -> None:
    request = HttpRequest("POST", f"/{STAGE}/upload", [("Content-Type", content_type)], body)
    event = proxy_event(request, Api(STAGE, HTTP_API))

    assert event["isBase64Encoded"] is not as_text
    assert body_bytes(event) == body
    if as_text:
        assert event["body"] == body.decode()


def test_http_api_joins_repeated_values_with_commas_and_lower_cases_header_names() -> None:
    headers = [("X-Trace-Tag", "one"), ("Accept", "application/json"), ("X-Trace-Tag", "two"), ("Cookie", "a=1; b=2")]
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/items?tag=a&q=x&tag=b", headers), Api(STAGE, HTTP_API))

    assert all(name == name.lower() for name in event["headers"])
    assert event["headers"]["x-trace-tag"] == "one,two"
    assert event["headers"]["accept"] == "application/json"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x"}
    assert event["rawQueryString"] == "tag=a&q=x&tag=b"
    # Cookies move out of the headers into their own list.
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]


@pytest.mark.parametrize("version, user_agent_at", [(REST, "identity.userAgent"), (HTTP_API, "http.userAgent")])
def test_user_agent_comes_from_the_user_agent_header(version: str, user_agent_at: str) -> None:
    headers = [("User-Agent", "first/1.0"), ("Accept", "*/*"), ("user-agent", "last/2.0")]
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/", headers), Api(STAGE, version))

    assert at(event["requestContext"], user_agent_at) == "last/2.0"


@pytest.mark.parametrize("version", [REST, HTTP_API])
@pytest.mark.parametrize("target", ["/prod/orders", "/devx/orders", "/", "/orders/dev"])
def test_target_outside_the_stage_is_refused(version: str, target: str) -> None:
    with pytest.raises(ValueError, match="not under the stage"):
        proxy_event(HttpRequest("GET", target), Api(STAGE, version))


@pytest.mark.parametrize(
    "version, time_field, epoch_field", [(REST, "requestTime", "requestTimeEpoch"), (HTTP_API, "time", "timeEpoch")]
)
def test_request_time_and_epoch_milliseconds(version: str, time_field: str, epoch_field: str) -> None:
    context = proxy_event(HttpRequest("GET", f"/{STAGE}/"), Api(STAGE, version))["requestContext"]

    epoch_ms = context[epoch_field]
    assert type(epoch_ms) is int
    # Milliseconds, near now: a generous window, not a timing test.
    assert abs(epoch_ms / 1000 - time.time()) < 600
    stamp = calendar.timegm(time.strptime(context[time_field], TIME_FORMAT))
    assert abs(stamp - epoch_ms / 1000) < 2


# 4. What a deployed API delivered: events captured from CloudWatch Logs by the hotsock/voker project
# (vokerhttp/testdata/apigwv1-request.json, apigwv2-request.json, ingress-paths.json; us-west-2, July 2026)

# Its query string, as the client sent it, and the values both kinds of API decoded from it.
CAPTURED_QUERY = (
    "repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty="
)
CAPTURED_VALUES = {
    "repeat": ["one", "two"],
    "redirect": ["https://example.com/a/b"],
    "literalPlus": ["a b"],
    "encodedPlus": ["a+b"],
    "empty": [""],
}
# The paths the client sent, and the rawPath an HTTP API delivered (None: refused with 400). A REST API
# delivered every one of them as sent.
CAPTURED_PATHS = {
    "/capture/plain": "/capture/plain",
    "/capture/space%20value": "/capture/space value",
    "/capture/question%3Fvalue": "/capture/question",
    "/capture/percent%25done": None,
    "/capture/hash%23value": "/capture/hash#value",
    "/capture/slash%2Fvalue": "/capture/slash/value",
    "/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C": "/capture/unicode-\u03bb-\u4e16\u754c",
    "/capture/literal%252Fvalue": "/capture/literal/value",
    "/capture/literal%253Fvalue": "/capture/literal?value",
    "/capture/literal%2525value": "/capture/literal%value",
}


@pytest.mark.parametrize("version", [REST, HTTP_API])
def test_host_is_the_apis_domain_and_the_client_came_over_https(version: str) -> None:
    headers = [("Host", "127.0.0.1:8000"), ("X-Forwarded-Proto", "http")]
    api = Api(STAGE, version, region="us-west-2", api_id="5h7pqvr9u4")
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/", headers), api)

    # As captured: "Host": "5h7pqvr9u4.execute-api.us-west-2.amazonaws.com", X-Forwarded-Proto https, port 443.
    domain = "5h7pqvr9u4.execute-api.us-west-2.amazonaws.com"
    names = ("Host", "X-Forwarded-Proto", "X-Forwarded-Port")
    if version == HTTP_API:
        names = tuple(name.lower() for name in names)
    assert [event["headers"][name] for name in names] == [domain, "https", "443"]
    assert (event["requestContext"]["domainName"], event["requestContext"]["domainPrefix"]) == (domain, "5h7pqvr9u4")
    assert api.url == f"https://{domain}"


@pytest.mark.parametrize("sent", sorted(CAPTURED_PATHS))
def test_rest_path_and_proxy_parameter_stay_percent_encoded(sent: str) -> None:
    event = proxy_event(HttpRequest("GET", f"/{STAGE}{sent}?{CAPTURED_QUERY}"), Api(STAGE, REST))

    # As captured: "path": "/capture/space%20value", "pathParameters": {"proxy": "capture/space%20value"},
    # "requestContext": {"path": "/live/capture/space%20value", ...}.
    assert event["path"] == sent
    assert event["pathParameters"] == {"proxy": sent.removeprefix("/")}
    assert event["requestContext"]["path"] == f"/{STAGE}{sent}"
    assert event["multiValueQueryStringParameters"] == CAPTURED_VALUES
    assert event["queryStringParameters"] == {name: values[-1] for name, values in CAPTURED_VALUES.items()}


@pytest.mark.parametrize("sent", sorted(CAPTURED_PATHS))
def test_http_api_raw_path_is_decoded_as_captured(sent: str) -> None:
    request = HttpRequest("GET", f"/{STAGE}{sent}?{CAPTURED_QUERY}")
    delivered = CAPTURED_PATHS[sent]
    if delivered is None:
        with pytest.raises(RefusedPathError):
            proxy_event(request, Api(STAGE, HTTP_API))
        return
    event = proxy_event(request, Api(STAGE, HTTP_API))

    assert event["rawPath"] == event["requestContext"]["http"]["path"] == f"/{STAGE}{delivered}"
    assert event["rawQueryString"] == CAPTURED_QUERY
    assert event["queryStringParameters"] == {name: ",".join(values) for name, values in CAPTURED_VALUES.items()}


# The cases `make run`, the gateway and AWS must agree on (tests/loopback/test_parity.py sends them over HTTP).
@pytest.mark.parametrize(
    "target, rest_path, raw_path, values",
    [
        ("/a%2Fb", "/a%2Fb", "/a/b", None),
        ("/%E2%82%AC", "/%E2%82%AC", "/\u20ac", None),
        ("/a%20b", "/a%20b", "/a b", None),
        # A byte that is not UTF-8: U+FFFD, as Python's and Java's UTF-8 decoders replace it (no capture has one).
        ("/q?a=%FF", "/q", "/q", {"a": ["\ufffd"]}),
        ("/q?a=%2B", "/q", "/q", {"a": ["+"]}),
    ],
)
def test_percent_encoded_requests(target: str, rest_path: str, raw_path: str, values: dict | None) -> None:
    rest = proxy_event(HttpRequest("GET", f"/{STAGE}{target}"), Api(STAGE, REST))
    http_api = proxy_event(HttpRequest("GET", f"/{STAGE}{target}"), Api(STAGE, HTTP_API))

    assert (rest["path"], rest["requestContext"]["path"]) == (rest_path, f"/{STAGE}{rest_path}")
    assert rest["multiValueQueryStringParameters"] == values
    assert http_api["rawPath"] == f"/{STAGE}{raw_path}"
    assert http_api["rawQueryString"] == target.partition("?")[2]
    assert http_api.get("queryStringParameters") == (values and {name: ",".join(v) for name, v in values.items()})


@pytest.mark.parametrize("path", ["/a%zz", "/100%", "/a%25%2"])
def test_http_api_refuses_a_percent_sign_that_is_no_escape(path: str) -> None:
    with pytest.raises(RefusedPathError):
        http_api_raw_path(path)


def test_client_address_is_forwarded() -> None:
    headers = [("X-Forwarded-For", "203.0.113.9")]
    event = proxy_event(HttpRequest("GET", f"/{STAGE}/", headers), Api(STAGE, REST), Client(ip="198.51.100.7"))

    assert event["headers"]["X-Forwarded-For"] == "203.0.113.9, 198.51.100.7"
    assert event["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"
