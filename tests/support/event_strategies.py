"""Hypothesis strategies for the HTTP events a Lambda function gets from API Gateway and function URLs.

Each builder follows, field by field, the structure AWS documents (and the published samples of tests/events/):

- [REST] API Gateway Developer Guide, "Input format of a Lambda function for proxy integration" (REST API,
  payload format 1.0):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
- [HTTP] API Gateway Developer Guide, "Working with AWS Lambda proxy integrations for HTTP APIs" (now "Create AWS
  Lambda proxy integrations for HTTP APIs in API Gateway"), payload format 2.0:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
- [URL] Lambda Developer Guide, "Invoking Lambda function URLs", section "Request payload format":
  https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-request-payload

Two families:

- Well-formed events, what AWS can send: ``rest_api_events``, ``http_api_events``, ``function_url_events`` and
  ``http_events`` (any of the three). Unicode everywhere a client chooses the text (header values, query and path
  parameters, cookies, bodies: non-BMP characters, control characters, empty strings; never a lone surrogate,
  which no UTF-8 request carries, nor CR, LF or NUL in a header, which HTTP forbids there); header names are
  HTTP tokens (RFC 9110); repeated query parameters and headers; nulls where AWS sends them; bodies empty, JSON,
  text, form-encoded or binary, plain or base64. Stage variables
  follow API Gateway's rules for them (names ``[A-Za-z0-9_]``, values alphanumeric and ``-._~:/?#&=,``): the API's
  owner sets them, not a client.
- Malformed events, ``malformed_events(events)``: a well-formed event in which one documented field, at any depth,
  gets a value of another JSON type, null, is deleted or made huge (still within Lambda's 6 MB payload), or a
  string field gets a lone surrogate (which a JSON ``\\u`` escape carries and Lambda's runtime parses, though no
  UTF-8 request holds one). Each comes as a ``Malformed`` with the ``Change`` made, which says whether the change
  breaks the documented format: a wrong type, a null where AWS sends none, or a required field deleted.
  ``version`` (payload 2.0) and ``httpMethod`` (1.0) are never deleted nor retyped: they tell what kind of event
  it is, and without them it is not an HTTP event.

The formats, as data: ``REST_API_FORMAT`` and ``PAYLOAD_V2_FORMAT`` (HTTP API 2.0 and function URLs share it).
Authorizer content is documented but free-form (authorizers put any JSON there): a change inside it is marked as
not breaking the format, and only the container's type counts.

A team fuzzes its own routes with them::

    from hypothesis import given, strategies as st
    from tests.support.event_strategies import http_events, malformed_events

    @given(http_events(methods=st.just("GET"), paths=st.just("/orders/7")))
    def test_orders(event): ...

    @given(malformed_events(http_events(methods=st.just("GET"), paths=st.just("/orders/7"))))
    def test_orders_refuse_malformed_events(malformed): ...
"""

import base64
import copy
import json
import re
import string
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

# --- The documented formats -------------------------------------------------------------------------------------

STRING, NUMBER, BOOLEAN, OBJECT, ARRAY = "string", "number", "boolean", "object", "array"
JSON_TYPES = (STRING, NUMBER, BOOLEAN, OBJECT, ARRAY)


@dataclass(frozen=True)
class Field:
    """A documented field: its JSON type, whether AWS may send null or leave it out, and what it holds.

    ``fields``: the documented keys of an object; ``values``: the type of every value of a map (an object of
    any keys) or item of an array; ``free_form``: content AWS documents but does not fix (authorizer output).
    """

    type: str
    nullable: bool = False
    required: bool = False
    fields: Mapping[str, "Field"] = field(default_factory=dict)
    values: "Field | None" = None
    free_form: bool = False


def text(nullable: bool = False, required: bool = False) -> Field:
    return Field(STRING, nullable, required)


def number() -> Field:
    return Field(NUMBER)


def boolean() -> Field:
    return Field(BOOLEAN)


def obj(fields: Mapping[str, Field], nullable: bool = False, required: bool = False, free_form: bool = False) -> Field:
    return Field(OBJECT, nullable, required, fields=fields, free_form=free_form)


def map_of(values: Field, nullable: bool = False, required: bool = False) -> Field:
    return Field(OBJECT, nullable, required, values=values)


def array_of(items: Field, nullable: bool = False) -> Field:
    return Field(ARRAY, nullable, values=items)


TEXT_MAP = map_of(text())
CLIENT_CERT = obj(
    {
        "clientCertPem": text(),
        "subjectDN": text(),
        "issuerDN": text(),
        "serialNumber": text(),
        "validity": obj({"notBefore": text(), "notAfter": text()}),
    }
)
IDENTITY_KEYS = (
    "accessKey",
    "accountId",
    "apiKey",
    "apiKeyId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
)
# [REST]; requestContext.resourceId is null in a published sample (powertools), identity.clientCert under mTLS.
REST_API_FORMAT = obj(
    {
        "version": text(),  # "1.0": only in an HTTP API's payload 1.0
        "resource": text(),
        "path": text(required=True),
        "httpMethod": text(required=True),
        "headers": map_of(text(), nullable=True),
        "multiValueHeaders": map_of(array_of(text()), nullable=True),
        "queryStringParameters": map_of(text(), nullable=True),
        "multiValueQueryStringParameters": map_of(array_of(text()), nullable=True),
        "pathParameters": map_of(text(), nullable=True),
        "stageVariables": map_of(text(), nullable=True),
        "requestContext": obj(
            {
                "accountId": text(),
                "apiId": text(),
                "authorizer": obj(
                    {"principalId": text(), "integrationLatency": number(), "claims": TEXT_MAP}, free_form=True
                ),
                "domainName": text(),
                "domainPrefix": text(),
                "extendedRequestId": text(),
                "httpMethod": text(),
                "identity": obj(
                    {**{key: text(nullable=True) for key in IDENTITY_KEYS}, "clientCert": obj(CLIENT_CERT.fields, True)}
                ),
                "path": text(),
                "protocol": text(),
                "requestId": text(),
                "requestTime": text(),
                "requestTimeEpoch": number(),
                "resourceId": text(nullable=True),
                "resourcePath": text(),
                "stage": text(),
            }
        ),
        "body": text(nullable=True),
        "isBase64Encoded": boolean(),
    }
)
# [HTTP] and [URL]; a function URL sends null authentication, authorizer, pathParameters and stageVariables.
PAYLOAD_V2_FORMAT = obj(
    {
        "version": text(required=True),
        "routeKey": text(),
        "rawPath": text(required=True),
        "rawQueryString": text(),
        "cookies": array_of(text()),
        "headers": map_of(text(), required=True),
        "queryStringParameters": TEXT_MAP,
        "requestContext": obj(
            {
                "accountId": text(),
                "apiId": text(),
                "authentication": obj({"clientCert": CLIENT_CERT}, nullable=True),
                "authorizer": obj(
                    {
                        "jwt": obj({"claims": Field(OBJECT), "scopes": array_of(text(), nullable=True)}),
                        "iam": obj(
                            {
                                "accessKey": text(),
                                "accountId": text(),
                                "callerId": text(),
                                "cognitoIdentity": obj(
                                    {"amr": array_of(text()), "identityId": text(), "identityPoolId": text()},
                                    nullable=True,
                                ),
                                "principalOrgId": text(nullable=True),
                                "userArn": text(),
                                "userId": text(),
                            }
                        ),
                        "lambda": Field(OBJECT),
                    },
                    nullable=True,
                    free_form=True,
                ),
                "domainName": text(),
                "domainPrefix": text(),
                "http": obj(
                    {
                        "method": text(required=True),
                        "path": text(),
                        "protocol": text(),
                        "sourceIp": text(),
                        "userAgent": text(),
                    },
                    required=True,
                ),
                "requestId": text(),
                "routeKey": text(),
                "stage": text(),
                "time": text(),
                "timeEpoch": number(),
            },
            required=True,
        ),
        "body": text(),
        "pathParameters": map_of(text(), nullable=True),
        "isBase64Encoded": boolean(),
        "stageVariables": map_of(text(), nullable=True),
    }
)
# What makes an event an HTTP event of its kind: changing these makes it another kind of event.
DISCRIMINATORS = {("version",), ("httpMethod",)}


def format_of(event: Mapping[str, Any]) -> Field:
    """The documented format an event claims: payload 2.0 when ``version`` is "2.0", else the REST API's 1.0."""
    return PAYLOAD_V2_FORMAT if event.get("version") == "2.0" else REST_API_FORMAT


# --- Text a client chooses --------------------------------------------------------------------------------------

# Any Unicode scalar value: every plane, control characters included; no lone surrogates.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
any_text = st.text(ANY_CHAR, max_size=24)
# RFC 9110 token characters: what a header name may hold.
TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Names with a meaning to gateways and frameworks, beside arbitrary tokens.
KNOWN_HEADERS = (
    "Accept",
    "Accept-Language",
    "Authorization",
    "Cache-Control",
    "Content-Encoding",
    "Content-Length",
    "Content-Type",
    "Cookie",
    "Origin",
    "Referer",
    "User-Agent",
    "X-Api-Key",
    "X-Forwarded-For",
    "X-Forwarded-Port",
    "X-Forwarded-Proto",
    "X-Requested-With",
)
header_names = st.one_of(
    st.sampled_from(KNOWN_HEADERS),
    st.sampled_from(KNOWN_HEADERS).map(str.lower),
    st.text(TCHAR, min_size=1, max_size=20),
)
# A few names often, so that repeats are common; any text otherwise, the empty name included.
parameter_names = st.one_of(st.sampled_from(("a", "tag", "q", "id")), any_text)
STAGE_VARIABLE_VALUE = string.ascii_letters + string.digits + "-._~:/?#&=,"
stage_variables = st.dictionaries(
    st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=12),
    st.text(STAGE_VARIABLE_VALUE, min_size=1, max_size=24),
    max_size=4,
)
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
http_methods = st.sampled_from(HTTP_METHODS)
# API Gateway stage names: alphanumerics, hyphens and underscores.
stage_names = st.from_regex(r"\A[A-Za-z0-9_-]{1,12}\Z")
http_api_stage_names = st.just("$default") | stage_names
either = st.booleans()
regions = st.sampled_from(("ap-northeast-2", "us-east-1", "eu-west-1"))
REQUEST_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S +0000"
client_ips = st.sampled_from(("203.0.113.10", "198.51.100.7", "2001:db8::1"))


@st.composite
def _client_paths(draw: st.DrawFn) -> str:
    """A path as a client sends it: segments of any text, each percent-encoded or as typed; ``/`` among them."""
    segment_chars = st.characters(exclude_categories=("Cs",), exclude_characters="/")
    segments = draw(st.lists(st.text(segment_chars, max_size=12), max_size=4))
    encoded = [quote(segment, safe="") if draw(st.booleans()) else segment for segment in segments]
    return "/" + "/".join(encoded)


client_paths = _client_paths()


def query_pairs() -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query parameters in order, with repeated names."""
    return st.lists(st.tuples(parameter_names, any_text), max_size=6)


# HTTP allows any character in a header value but CR, LF and NUL (RFC 9110, 5.5): no request can carry those.
header_values = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\0"), max_size=24)


def headers_sent() -> st.SearchStrategy[list[tuple[str, str]]]:
    """Headers a client sends, in order, with repeated names; values any text HTTP allows."""
    return st.lists(st.tuples(header_names, header_values), max_size=6)


# --- Bodies -----------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=12,
)
CHARSETS = ("", "; charset=utf-8", "; charset=UTF-8", "; charset=iso-8859-1", "; charset=utf-16", "; charset=ascii")


@dataclass(frozen=True)
class Body:
    """A request body: its bytes and the Content-Type header sent with it (None: no header)."""

    data: bytes
    content_type: str | None

    def is_utf8(self) -> bool:
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True


@st.composite
def json_bodies(draw: st.DrawFn) -> Body:
    document = json.dumps(draw(json_values), ensure_ascii=draw(st.booleans()))
    content_type = draw(st.sampled_from(("application/json", "application/json; charset=utf-8", None)))
    return Body(document.encode(), content_type)


@st.composite
def text_bodies(draw: st.DrawFn) -> Body:
    media_type = draw(st.sampled_from(("text/plain", "text/html", "text/csv", "application/xml", None)))
    content = draw(st.text(ANY_CHAR, max_size=64))
    if media_type is None:
        return Body(content.encode(), None)
    charset = draw(st.sampled_from(CHARSETS))
    encoding = charset.partition("=")[2] or "utf-8"
    return Body(content.encode(encoding, "replace"), media_type + charset)


def form_bodies() -> st.SearchStrategy[Body]:
    return query_pairs().map(lambda pairs: Body(urlencode(pairs).encode(), "application/x-www-form-urlencoded"))


def binary_bodies() -> st.SearchStrategy[Body]:
    media_types = st.sampled_from(("application/octet-stream", "image/png", "application/pdf", None))
    return st.builds(Body, st.binary(max_size=64), media_types)


def bodies() -> st.SearchStrategy[Body]:
    """Empty, JSON, text, form-encoded or binary bodies, each with the Content-Type a client would send."""
    return st.one_of(st.just(Body(b"", None)), json_bodies(), text_bodies(), form_bodies(), binary_bodies())


def _encoded_body(draw: st.DrawFn, body: Body, base64_always: bool) -> tuple[str, bool]:
    """The event's ``body`` and ``isBase64Encoded``: base64 when the gateway encodes it (binary media types, or
    a body that is not UTF-8), else the text."""
    if base64_always or not body.is_utf8() or draw(st.booleans()):
        return base64.b64encode(body.data).decode("ascii"), True
    return body.data.decode("utf-8"), False


# --- Shared parts of a request ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What the client sent and when, before a gateway turns it into an event."""

    method: str
    path: str  # without the stage, as the client percent-encoded it
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: Body
    epoch_ms: int
    ip: str


@st.composite
def requests(
    draw: st.DrawFn, methods: st.SearchStrategy[str] = http_methods, paths: st.SearchStrategy[str] = client_paths
) -> Request:
    body = draw(bodies())
    sent = draw(headers_sent())
    if body.content_type is not None:
        sent.append(("Content-Type", body.content_type))
    epoch_ms = draw(st.integers(min_value=1_500_000_000_000, max_value=4_000_000_000_000))
    return Request(draw(methods), draw(paths), draw(query_pairs()), sent, body, epoch_ms, draw(client_ips))


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _request_time(epoch_ms: int) -> str:
    return time.strftime(REQUEST_TIME_FORMAT, time.gmtime(epoch_ms // 1000))


def _short_id(draw: st.DrawFn) -> str:
    return base64.b64encode(draw(st.binary(min_size=10, max_size=10))).decode()


def _uuid(draw: st.DrawFn) -> str:
    return str(uuid.UUID(int=draw(st.integers(min_value=0, max_value=2**128 - 1))))


api_ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=10, max_size=10)
account_ids = st.from_regex(r"\A[0-9]{12}\Z")


# --- REST API, payload 1.0 ----------------------------------------------------------------------------------------


@st.composite
def rest_api_authorizers(draw: st.DrawFn) -> dict[str, Any] | None:
    """None (no authorizer: the key is left out), a Lambda authorizer's output or a Cognito user pool's claims."""
    kind = draw(st.sampled_from(("none", "lambda", "cognito")))
    if kind == "none":
        return None
    if kind == "lambda":
        scalars = any_text | st.integers(-(2**53), 2**53) | st.booleans()
        context = draw(st.dictionaries(st.text(TCHAR, min_size=1, max_size=12), scalars, max_size=4))
        return {**context, "principalId": draw(any_text), "integrationLatency": draw(st.integers(0, 30_000))}
    return {"claims": draw(st.dictionaries(st.text(TCHAR, min_size=1, max_size=12), any_text, max_size=4))}


@st.composite
def rest_api_events(
    draw: st.DrawFn,
    methods: st.SearchStrategy[str] = http_methods,
    paths: st.SearchStrategy[str] = client_paths,
    stages: st.SearchStrategy[str] = stage_names,
    binary_media_types: st.SearchStrategy[bool] = either,
) -> dict[str, Any]:
    """A REST API's proxy event [REST] for a request to a ``/`` and ``/{proxy+}`` API (as Zappa deploys it).

    ``binary_media_types``: whether the API base64-encodes every body (``*/*``, Zappa's default).
    """
    request = draw(requests(methods, paths))
    stage, api_id, region = draw(stages), draw(api_ids), draw(regions)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    gateway_headers = [
        ("Host", domain),
        ("X-Amzn-Trace-Id", f"Root=1-{request.epoch_ms // 1000:08x}-{uuid.UUID(int=request.epoch_ms).hex[:24]}"),
        ("X-Forwarded-For", request.ip),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    replaced = {name.lower() for name, _ in gateway_headers}
    headers = _grouped([(n, v) for n, v in request.headers if n.lower() not in replaced] + gateway_headers)
    query = _grouped(request.query)
    resource = "/" if request.path == "/" else "/{proxy+}"
    if request.body.data:
        body, encoded = _encoded_body(draw, request.body, draw(binary_media_types))
    else:
        body, encoded = draw(st.sampled_from((None, ""))), False
    user_agent = next((value for name, value in reversed(request.headers) if name.lower() == "user-agent"), None)
    identity: dict[str, Any] = {key: draw(st.none() | any_text) for key in IDENTITY_KEYS}
    identity.update(sourceIp=request.ip, userAgent=user_agent)
    if draw(st.booleans()):  # mutual TLS on a custom domain
        identity["clientCert"] = draw(client_certificates())
    context: dict[str, Any] = {
        "accountId": draw(account_ids),
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "extendedRequestId": _short_id(draw),
        "httpMethod": request.method,
        "identity": identity,
        "path": f"/{stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestId": _uuid(draw),
        "requestTime": _request_time(request.epoch_ms),
        "requestTimeEpoch": request.epoch_ms,
        "resourceId": draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=10)),
        "resourcePath": resource,
        "stage": stage,
    }
    authorizer = draw(rest_api_authorizers())
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        # A REST API keeps each header's and parameter's last value in the single-value maps; null when none.
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None if resource == "/" else {"proxy": request.path[1:]},
        "stageVariables": draw(stage_variables) or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }


# --- HTTP API and function URL, payload 2.0 -----------------------------------------------------------------------


@st.composite
def http_api_authorizers(draw: st.DrawFn) -> dict[str, Any] | None:
    """None (the key is left out), or a JWT, IAM or Lambda authorizer's output (any JSON for a Lambda's context)."""
    kind = draw(st.sampled_from(("none", "jwt", "iam", "lambda")))
    if kind == "none":
        return None
    if kind == "jwt":
        claims = draw(st.dictionaries(st.text(TCHAR, min_size=1, max_size=12), any_text, max_size=4))
        return {"jwt": {"claims": claims, "scopes": draw(st.none() | st.lists(any_text, max_size=3))}}
    if kind == "iam":
        return {"iam": draw(iam_identities())}
    context = draw(st.dictionaries(any_text, json_values, max_size=4))
    return {"lambda": {**context, "principalId": draw(any_text)} if draw(st.booleans()) else context}


@st.composite
def iam_identities(draw: st.DrawFn) -> dict[str, Any]:
    """``requestContext.authorizer.iam`` of an IAM-signed request [HTTP] [URL]."""
    account = draw(account_ids)
    cognito = None
    if draw(st.booleans()):
        cognito = {"amr": draw(st.lists(any_text, max_size=3)), "identityId": draw(any_text)}
        cognito["identityPoolId"] = draw(any_text)
    return {
        "accessKey": "ASIA" + draw(st.text(string.ascii_uppercase + "234567", min_size=16, max_size=16)),
        "accountId": account,
        "callerId": draw(any_text),
        "cognitoIdentity": cognito,
        "principalOrgId": draw(st.none() | any_text),
        "userArn": f"arn:aws:iam::{account}:user/{draw(st.text(TCHAR, min_size=1, max_size=12))}",
        "userId": draw(any_text),
    }


def _payload_v2_event(
    draw: st.DrawFn,
    request: Request,
    domain: str,
    stage: str,
    raw_path: str,
    route_key: str,
) -> dict[str, Any]:
    """The payload 2.0 event [HTTP] [URL] for a request: names lower-cased, repeats comma-joined, cookies apart."""
    gateway_headers = [
        ("host", domain),
        ("x-amzn-trace-id", f"Root=1-{request.epoch_ms // 1000:08x}-{uuid.UUID(int=request.epoch_ms).hex[:24]}"),
        ("x-forwarded-for", request.ip),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ]
    replaced = {name for name, _ in gateway_headers}
    grouped = _grouped([(n.lower(), v) for n, v in request.headers if n.lower() not in replaced] + gateway_headers)
    cookies = [part.strip() for value in grouped.pop("cookie", []) for part in value.split(";") if part.strip()]
    cookies += draw(st.lists(st.builds("{}={}".format, st.text(TCHAR, min_size=1, max_size=8), any_text), max_size=3))
    query = _grouped(request.query)
    user_agent = grouped.get("user-agent", [""])[-1]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": urlencode(request.query),
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in grouped.items()}
    if query:
        event["queryStringParameters"] = {name: ",".join(values) for name, values in query.items()}
    event["requestContext"] = {
        "accountId": draw(account_ids),
        "apiId": domain.split(".", 1)[0],
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.ip,
            "userAgent": user_agent,
        },
        "requestId": _short_id(draw),
        "routeKey": route_key,
        "stage": stage,
        "time": _request_time(request.epoch_ms),
        "timeEpoch": request.epoch_ms,
    }
    if request.body.data:
        event["body"], event["isBase64Encoded"] = _encoded_body(draw, request.body, base64_always=False)
    else:
        event["isBase64Encoded"] = False
    return event


@st.composite
def http_api_events(
    draw: st.DrawFn,
    methods: st.SearchStrategy[str] = http_methods,
    paths: st.SearchStrategy[str] = client_paths,
    stages: st.SearchStrategy[str] = http_api_stage_names,
) -> dict[str, Any]:
    """An HTTP API's payload 2.0 event [HTTP] for a request on a ``$default`` or ``ANY /{proxy+}`` route.

    On a named stage ``rawPath`` holds the stage (``/dev/orders/7``). An HTTP API passes ``rawPath`` decoded, so
    the path's text is used as is.
    """
    request = draw(requests(methods, paths))
    stage, api_id, region = draw(stages), draw(api_ids), draw(regions)
    raw_path = request.path if stage == "$default" else f"/{stage}{request.path}"
    proxy = draw(st.booleans()) and request.path != "/"
    route_key = "ANY /{proxy+}" if proxy else "$default"
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    event = _payload_v2_event(draw, request, domain, stage, raw_path, route_key)
    if proxy:
        event["pathParameters"] = {"proxy": request.path[1:]}
    variables = draw(stage_variables)
    if variables:
        event["stageVariables"] = variables
    authorizer = draw(http_api_authorizers())
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    if draw(st.booleans()):  # mutual TLS on a custom domain
        event["requestContext"]["authentication"] = {"clientCert": draw(client_certificates())}
    return event


@st.composite
def client_certificates(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "clientCertPem": "-----BEGIN CERTIFICATE-----\n" + draw(any_text) + "\n-----END CERTIFICATE-----",
        "subjectDN": draw(any_text),
        "issuerDN": draw(any_text),
        "serialNumber": draw(st.text("0123456789abcdef:", max_size=24)),
        "validity": {"notBefore": "May 28 12:30:02 2019 GMT", "notAfter": "Aug  5 09:36:04 2031 GMT"},
    }


@st.composite
def function_url_events(
    draw: st.DrawFn, methods: st.SearchStrategy[str] = http_methods, paths: st.SearchStrategy[str] = client_paths
) -> dict[str, Any]:
    """A function URL's event [URL]: payload 2.0, stage ``$default``, no stage in ``rawPath``; auth type NONE
    (``authorizer`` null) or AWS_IAM (``authorizer.iam``); ``authentication``, ``pathParameters`` and
    ``stageVariables`` null as the guide shows them, or left out as captured requests do."""
    request = draw(requests(methods, paths))
    url_id = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=32, max_size=32))
    domain = f"{url_id}.lambda-url.{draw(regions)}.on.aws"
    event = _payload_v2_event(draw, request, domain, "$default", request.path, "$default")
    iam = draw(st.none() | iam_identities())
    if iam is None:
        event["requestContext"]["accountId"] = "anonymous"
    if draw(st.booleans()):
        event["requestContext"].update(authentication=None, authorizer=None if iam is None else {"iam": iam})
        event.update(pathParameters=None, stageVariables=None)
    elif iam is not None:
        event["requestContext"]["authorizer"] = {"iam": iam}
    return event


def http_events(
    methods: st.SearchStrategy[str] = http_methods, paths: st.SearchStrategy[str] = client_paths
) -> st.SearchStrategy[dict[str, Any]]:
    """A REST API, HTTP API or function URL event for a request."""
    return st.one_of(
        rest_api_events(methods, paths), http_api_events(methods, paths), function_url_events(methods, paths)
    )


# --- Malformed events ---------------------------------------------------------------------------------------------

Kind = Literal["wrong-type", "null", "delete", "huge", "lone-surrogate"]
Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Change:
    """One change to a well-formed event: where (keys and list indices), what, and whether it breaks the format."""

    location: Location
    kind: Kind
    breaks_format: bool

    @property
    def path(self) -> str:
        """The field's dotted path, list items with ``[i]``: ``multiValueHeaders.Accept[1]``."""
        return dotted(self.location)


@dataclass(frozen=True)
class Malformed:
    event: dict[str, Any]
    change: Change


def dotted(location: Location) -> str:
    text = ""
    for step in location:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def named_in(message: str, path: str, within: bool = False) -> bool:
    """Whether ``message`` names the field ``path`` itself: not a field it is part of (``requestContext.path``
    for ``path``), nor one within it (``requestContext.http.method`` for ``requestContext.http``). With
    ``within``, whether it names a field within ``path`` (a map entry or a list item)."""
    after = r"(?=[.\[])" if within else r"(?![\w\[-]|\.\w)"
    return re.search(rf"(?<![\w.\[\]-]){re.escape(path)}{after}", message) is not None


@dataclass(frozen=True)
class Spot:
    """A documented field present in an event."""

    location: Location
    field: Field
    in_object: bool  # a key of an object (can be deleted), not a map entry nor a list item
    checked: bool  # outside free-form content


def spots(value: Any, documented: Field, location: Location = (), checked: bool = True) -> Iterator[Spot]:
    """Every documented field present in ``value`` (of format ``documented``), at any depth, outermost first."""
    if documented.type == OBJECT and isinstance(value, dict):
        inner_checked = checked and not documented.free_form
        for key, item in value.items():
            if key in documented.fields:
                child = documented.fields[key]
                yield Spot((*location, key), child, True, inner_checked)
                yield from spots(item, child, (*location, key), inner_checked)
            elif documented.values is not None:
                yield Spot((*location, key), documented.values, False, inner_checked)
                yield from spots(item, documented.values, (*location, key), inner_checked)
    elif documented.type == ARRAY and isinstance(value, list) and documented.values is not None:
        for index, item in enumerate(value):
            yield Spot((*location, index), documented.values, False, checked)
            yield from spots(item, documented.values, (*location, index), checked)


def values_of_type(json_type: str) -> st.SearchStrategy[Any]:
    """Small JSON values of one type (a number is never a boolean, as in JSON)."""
    return {
        STRING: st.text(ANY_CHAR, max_size=8),
        NUMBER: st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False),
        BOOLEAN: st.booleans(),
        ARRAY: st.lists(st.text(max_size=4) | st.integers(), max_size=3),
        OBJECT: st.dictionaries(st.text(max_size=4), st.text(max_size=4) | st.integers(), max_size=3),
    }[json_type]


# Text with a lone surrogate: JSON's \u escapes carry one, and Lambda's runtime parses it into the string.
lone_surrogate_texts = st.tuples(
    st.text(ANY_CHAR, max_size=4), st.characters(categories=("Cs",)), st.text(ANY_CHAR, max_size=4)
).map("".join)
# Huge, within Lambda's 6 MB payload: up to 1 MiB of UTF-8 for a string, 10,000 entries for a map or array.
HUGE_TEXT_BYTES = (2**14, 2**20)
HUGE_COUNT = (1_000, 10_000)


@st.composite
def huge_values(draw: st.DrawFn, documented: Field) -> Any:
    if documented.type == STRING:
        char = draw(st.sampled_from(("a", "é", "€", "😀", "\x00")))
        return char * (draw(st.integers(*HUGE_TEXT_BYTES)) // len(char.encode()))
    if documented.type == NUMBER:
        return draw(st.sampled_from((1, -1))) * 10 ** draw(st.integers(20, 300))
    count = draw(st.integers(*HUGE_COUNT))
    item_type = documented.values.type if documented.values is not None else STRING
    if documented.type == ARRAY:
        return [_plain_value(item_type, i) for i in range(count)]
    # An object: a map gets entries of its value type; a documented object, as many undocumented keys.
    return {f"k{i}": _plain_value(item_type, i) for i in range(count)}


def _plain_value(json_type: str, i: int) -> Any:
    return {ARRAY: [f"v{i}"], NUMBER: i, BOOLEAN: i % 2 == 0, OBJECT: {"v": f"v{i}"}}.get(json_type, f"v{i}")


@st.composite
def malformed_events(draw: st.DrawFn, events: st.SearchStrategy[dict[str, Any]]) -> Malformed:
    """A well-formed event of ``events`` with one documented field changed (module docstring)."""
    event = draw(events)
    candidates = [spot for spot in spots(event, format_of(event)) if spot.location not in DISCRIMINATORS]
    spot = draw(st.sampled_from(candidates))
    kinds: list[Kind] = ["wrong-type", "null"]
    if spot.in_object:
        kinds.append("delete")
    if spot.field.type != BOOLEAN:
        kinds.append("huge")
    if spot.field.type == STRING:
        kinds.append("lone-surrogate")
    kind = draw(st.sampled_from(kinds))
    changed = copy.deepcopy(event)
    *outer, last = spot.location
    container: Any = changed
    for step in outer:
        container = container[step]
    if kind == "delete":
        del container[last]
        breaks = spot.field.required
    elif kind == "null":
        container[last] = None
        breaks = not spot.field.nullable
    elif kind == "lone-surrogate":
        container[last] = draw(lone_surrogate_texts)
        breaks = False
    elif kind == "wrong-type":
        container[last] = draw(st.sampled_from([t for t in JSON_TYPES if t != spot.field.type]).flatmap(values_of_type))
        breaks = True
    else:
        huge = draw(huge_values(spot.field))
        documented_object = spot.field.type == OBJECT and spot.field.values is None
        # A documented object keeps its fields, among the many keys added.
        container[last] = {**container[last], **huge} if documented_object and container[last] else huge
        breaks = False
    return Malformed(changed, Change(spot.location, kind, spot.checked and breaks))
