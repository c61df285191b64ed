"""The proxy event API Gateway sends a Lambda function for one HTTP request.

One builder for the gateway and the tests. Field by field it follows the API Gateway
developer guide: "Input format of a Lambda function for proxy integration" (REST API,
payload 1.0) and "Create AWS Lambda proxy integrations for HTTP APIs" (HTTP API,
payload 2.0). The REST API is the one Zappa deploys: resources ``/`` and ``/{proxy+}``,
binary media type ``*/*`` (so every non-empty body arrives base64-encoded), a regional
endpoint. The HTTP API has a ``$default`` route and a stage named like Zappa's.

Where the guides say nothing (which fields are percent-decoded, what Host the function sees),
the builder follows events AWS delivered to a deployed function, captured from CloudWatch Logs
and published with the hotsock/voker project (https://github.com/hotsock/voker, files
``vokerhttp/testdata/apigwv1-request.json``, ``apigwv2-request.json`` and ``ingress-paths.json``,
us-west-2, July 2026):

- Host is the API's own domain, ``{api-id}.execute-api.{region}.amazonaws.com``, whatever the
  client sent; X-Forwarded-Proto is ``https`` and X-Forwarded-Port ``443``.
- REST API: ``path``, ``pathParameters`` and ``requestContext.path`` keep the path as the client
  percent-encoded it (``/capture/space%20value``); query values are form-decoded (``a+b`` → ``a b``,
  ``a%2Bb`` → ``a+b``).
- HTTP API: ``rawQueryString`` is the query as sent, ``queryStringParameters`` form-decoded; but
  ``rawPath`` (and ``requestContext.http.path``) is decoded, twice (``http_api_raw_path``).

Through a custom domain (``CustomDomain``) the client names no stage: ``zappa certify`` maps the
domain to the stage with the base path "(none)", so every path on the domain is the stage's. The
developer guide says how such a request is routed ("Use API mappings to connect API stages to a custom
domain name for REST APIs": the stage's resource for the path after the mapping's base path) and, in
its variable reference, that ``$context.domainName`` is "the full domain name used to invoke the API"
("the same as the incoming Host header") and ``$context.domainPrefix`` its first label. What the
event's paths hold then, the guides do not show; LocalStack compared the events AWS delivers for its
parity with AWS (https://github.com/localstack/localstack/issues/12295, pull request 12296, REST APIs,
February 2025): for a mapping that names the stage, ``path`` and ``requestContext.path`` are both the
path the client sent on the domain, with no stage (``/<base path>/example/v1``; under "(none)", the
path as sent). An HTTP API's ``rawPath`` is then the path as sent too, as Zappa's handler reads it
(zappa/handler.py: a ``rawPath`` without the stage is a custom domain's). Under a base path the
function's ``path`` keeps the base path, which the guides do not describe: the gateway refuses to serve
such a mapping (``settings.custom_domain``).
"""

import base64
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

REST = "1.0"
HTTP_API = "2.0"
# What an API outside AWS reports: no account, a made-up API id in AWS's format.
LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_API_ID = "local0api0"
# The two resources of a Zappa REST API, with made-up ids in AWS's format.
RESOURCE_IDS = {"/": "r0ot00", "/{proxy+}": "pr0xy0"}
# Bodies an HTTP API passes as text; any other content type arrives base64-encoded.
TEXT_CONTENT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
TEXT_SUFFIXES = ("+json", "+xml")
REQUEST_TIME_FORMAT = "%d/%b/%Y:%H:%M:%S +0000"
# A percent sign that does not start an escape.
STRAY_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the client sent it: headers in order, with their case and repeats."""

    method: str
    target: str  # path and query, as on the request line
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class CustomDomain:
    """A custom domain mapped to the stage with no base path, as ``zappa certify`` maps a stage's ``domain``."""

    name: str | None = None  # None: whatever Host the client sent


@dataclass(frozen=True)
class Api:
    """The API Gateway stage in front of the function, reached at its own URL or through ``custom_domain``."""

    stage: str
    payload_version: Literal["1.0", "2.0"] = REST
    region: str = "ap-northeast-2"
    api_id: str = LOCAL_API_ID
    custom_domain: CustomDomain | None = None

    @property
    def is_rest(self) -> bool:
        return self.payload_version == REST

    @property
    def domain(self) -> str:
        """The API's own host name on AWS: what clients address, and the Host the function receives."""
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def url(self) -> str:
        """The API's URL on AWS, without the stage."""
        return f"https://{self.domain}"

    def domain_reached(self, client_host: str | None) -> str:
        """The domain a client that sent ``client_host`` reached: the Host the function receives."""
        if self.custom_domain is None:
            return self.domain
        # A client that sent no Host (HTTP/1.0) reached this machine.
        return self.custom_domain.name or client_host or "localhost"

    def path_in_stage(self, path: str) -> str | None:
        """The path after the stage prefix (``/dev/a`` → ``/a``), or None outside the stage; through the
        custom domain, the path as it is (``/dev/a`` is the stage's ``/dev/a``)."""
        if self.custom_domain is not None:
            return path
        prefix = f"/{self.stage}"
        if path == prefix:
            return "/"
        return path[len(prefix) :] if path.startswith(prefix + "/") else None


@dataclass(frozen=True)
class Client:
    """The connection the request came on: API Gateway reports it in headers and ``requestContext``."""

    ip: str = "127.0.0.1"
    port: int = 443
    scheme: str = "https"


class RefusedPathError(ValueError):
    """A path an HTTP API answers with 400 itself, before any route."""


def proxy_event(request: HttpRequest, api: Api, client: Client = Client()) -> dict[str, Any]:
    """The event ``api`` sends its Lambda integration for ``request`` (target with the stage prefix, but
    through the custom domain).

    Raises ``ValueError`` for a path outside the stage, ``RefusedPathError`` for one an HTTP API refuses.
    """
    url = urlsplit(request.target)
    path = api.path_in_stage(url.path)
    if path is None:
        raise ValueError(f"{url.path!r} is not under the stage /{api.stage}")
    now = time.time()
    domain = api.domain_reached(_last(request.headers, "host"))
    headers = _as_forwarded(request.headers, api, domain, client, now)
    if api.is_rest:
        return _rest_event(request, api, domain, client, url.query, path, headers, now)
    return _http_api_event(request, api, domain, client, url.query, http_api_raw_path(url.path), headers, now)


def http_api_raw_path(path: str) -> str:
    """``rawPath`` as an HTTP API fills it for ``path`` as the client percent-encoded it.

    The captures (module docstring) show the path decoded twice: ``%20`` → space, ``%2F`` → ``/``,
    ``%252F`` → ``/``, ``%2525`` → ``%``; a ``?`` that the first decoding yields ends the path
    (``/a%3Fb`` → ``/a``), a ``#`` stays; ``%25done``, whose once-decoded ``%do`` is no escape, is
    refused with 400. The same refusal applies to a stray ``%`` in the path as sent, and a byte that
    is not UTF-8 becomes U+FFFD; no capture covers these two.
    """
    once = _decoded(path).split("?", 1)[0]
    return _decoded(once)


def _decoded(path: str) -> str:
    if STRAY_PERCENT.search(path):
        raise RefusedPathError(f"{path!r} has a percent sign that is not an escape")
    return unquote(path)


def _rest_event(
    request: HttpRequest, api: Api, domain: str, client: Client, query: str, path: str, headers: list, now: float
) -> dict[str, Any]:
    multi_headers = _grouped(headers)
    # Values form-decoded; the path stays percent-encoded. A byte that is not UTF-8 becomes U+FFFD, as
    # UTF-8 decoders replace one (no capture has such a byte).
    multi_query = _grouped(parse_qsl(query, keep_blank_values=True))
    resource = "/" if path == "/" else "/{proxy+}"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None if path == "/" else {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": RESOURCE_IDS[resource],
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": _short_id(),
            "requestTime": time.strftime(REQUEST_TIME_FORMAT, time.gmtime(now)),
            # The path the client sent: with the stage at the API's own URL, without it through the custom domain.
            "path": path if api.custom_domain else f"/{api.stage}{path}",
            "accountId": LOCAL_ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": client.ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": _last(request.headers, "user-agent"),
                "user": None,
            },
            "domainName": domain,
            "apiId": api.api_id,
        },
        # Binary media type */*: API Gateway base64-encodes every body.
        "body": base64.b64encode(request.body).decode("ascii") if request.body else None,
        "isBase64Encoded": bool(request.body),
    }


def _http_api_event(
    request: HttpRequest, api: Api, domain: str, client: Client, query: str, raw_path: str, headers: list, now: float
) -> dict[str, Any]:
    # Payload 2.0 joins repeated headers and query values with commas, lower-cases header
    # names and moves cookies out of the headers into their own list.
    grouped = _grouped((name.lower(), value) for name, value in headers)
    cookies = [part.strip() for value in grouped.pop("cookie", []) for part in value.split(";") if part.strip()]
    query_values = _grouped(parse_qsl(query, keep_blank_values=True))
    text_body = _is_text(grouped.get("content-type", [""])[-1], request.body)
    event: dict[str, Any] = {
        "version": HTTP_API,
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in grouped.items()}
    if query_values:
        event["queryStringParameters"] = {name: ",".join(values) for name, values in query_values.items()}
    event["requestContext"] = {
        "accountId": LOCAL_ACCOUNT_ID,
        "apiId": api.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": client.ip,
            "userAgent": _last(request.headers, "user-agent") or "",
        },
        "requestId": _short_id(),
        "routeKey": "$default",
        "stage": api.stage,
        "time": time.strftime(REQUEST_TIME_FORMAT, time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if request.body:
        event["body"] = request.body.decode() if text_body else base64.b64encode(request.body).decode("ascii")
    event["isBase64Encoded"] = bool(request.body) and not text_body
    return event


def _as_forwarded(
    headers: list[tuple[str, str]], api: Api, domain: str, client: Client, now: float
) -> list[tuple[str, str]]:
    """The client's headers as API Gateway passes them on: Host names the domain the client reached, and
    the client's address, port and scheme and a trace id are added.

    API Gateway sets these itself; a client's X-Forwarded-For is kept at the front of the new one. Zappa's
    handler adds the stage to the app's URLs (SCRIPT_NAME) only for a Host under amazonaws.com: not for
    the custom domain's, whose URLs have no stage.
    """
    forwarded_for = _last(headers, "x-forwarded-for")
    added = [
        ("X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"),
        ("X-Forwarded-For", f"{forwarded_for}, {client.ip}" if forwarded_for else client.ip),
        ("X-Forwarded-Port", str(client.port)),
        ("X-Forwarded-Proto", client.scheme),
    ]
    replaced = {"host", *(name.lower() for name, _ in added)}
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    forwarded = [("Host", domain), *kept, *added]
    return forwarded if api.is_rest else [(name.lower(), value) for name, value in forwarded]


def _short_id() -> str:
    """An id shaped like API Gateway's extended request ids: 10 random bytes, base64."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _grouped(pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _last(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    return values[-1] if values else None


def _is_text(content_type: str, body: bytes) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    textual = media_type.startswith(TEXT_CONTENT_TYPES) or media_type.endswith(TEXT_SUFFIXES)
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return textual
