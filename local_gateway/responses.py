"""From the function's proxy response to HTTP, and the answers API Gateway gives on its own.

Follows "Output format of a Lambda function for proxy integration" (REST API) and the
payload 2.0 response format of HTTP APIs, including how each merges headers, sends
cookies and decodes base64 bodies.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

# API Gateway computes these itself; a function's values are not passed on.
HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class GatewayError:
    status: int
    message: str
    error_type: str  # REST APIs name it in x-amzn-ErrorType


# What each kind of API answers by itself, with the status codes and messages AWS uses.
# "throttled": Lambda refused the invocation (every environment the function's concurrency allows
# is busy). The Lambda developer guide, "Handling Lambda errors with an API Gateway API"
# (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html): "If the Lambda
# API rejects the invocation request, API Gateway returns a 500 error code ... the body of the
# response from API Gateway is {"message": "Internal server error"}" (a REST API); Lambda's 429
# TooManyRequestsException is not passed on. An HTTP API answers integration failures with its own
# 500 {"message":"Internal Server Error"} ("Troubleshooting issues with HTTP API Lambda integrations").
REST_ERRORS = {
    "outside-stage": GatewayError(403, "Forbidden", "ForbiddenException"),
    "too-large": GatewayError(413, "Request Too Long", "RequestEntityTooLargeException"),
    "function-error": GatewayError(502, "Internal server error", "InternalServerErrorException"),
    "throttled": GatewayError(500, "Internal server error", "InternalServerErrorException"),
    "integration-timeout": GatewayError(504, "Endpoint request timed out", "IntegrationTimeoutException"),
}
HTTP_API_ERRORS = {
    "outside-stage": GatewayError(404, "Not Found", "NotFoundException"),
    # A path it will not decode (events.http_api_raw_path); a REST API passes it on encoded.
    "refused-path": GatewayError(400, "Bad Request", "BadRequestException"),
    "too-large": GatewayError(413, "Request Entity Too Large", "RequestEntityTooLargeException"),
    "function-error": GatewayError(500, "Internal Server Error", "InternalServerErrorException"),
    "throttled": GatewayError(500, "Internal Server Error", "InternalServerErrorException"),
    "integration-timeout": GatewayError(503, "Service Unavailable", "ServiceUnavailableException"),
}


class MalformedResponseError(ValueError):
    """The function's response is not one API Gateway can turn into HTTP."""


def gateway_error(kind: str, rest: bool) -> HttpResponse:
    error = (REST_ERRORS if rest else HTTP_API_ERRORS)[kind]
    headers = [("Content-Type", "application/json")]
    if rest:
        headers.append(("x-amzn-ErrorType", error.error_type))
    return HttpResponse(error.status, headers, json.dumps({"message": error.message}).encode())


def rest_response(payload: bytes) -> HttpResponse:
    """A REST API's HTTP response for the function's payload-1.0 response."""
    response = _json_object(payload)
    status = _status(response)
    headers = _text_map(response.get("headers"), "headers")
    merged: dict[str, list[str]] = {}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise MalformedResponseError(f"multiValueHeaders[{name!r}] is not a list")
        merged[name] = [_header_value(value) for value in values]
    # Both maps are merged; a value in both is sent once (the multi-value one).
    for name, value in headers.items():
        if value not in merged.setdefault(name, []):
            merged[name].append(value)
    pairs = [(name, value) for name, values in merged.items() for value in values]
    return HttpResponse(status, _without_hop_by_hop(pairs), _body(response))


def http_api_response(payload: bytes) -> HttpResponse:
    """An HTTP API's HTTP response for the function's payload-2.0 response."""
    try:
        response = json.loads(payload)
    except ValueError as error:
        raise MalformedResponseError(f"not JSON: {error}") from None
    if not (isinstance(response, dict) and "statusCode" in response):
        # No statusCode: the whole response is the body of a 200 JSON answer.
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    headers = list(_text_map(response.get("headers"), "headers").items())
    cookies = response.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponseError("cookies is not a list")
    headers += [("Set-Cookie", str(cookie)) for cookie in cookies]
    return HttpResponse(_status(response), _without_hop_by_hop(headers), _body(response))


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        response = json.loads(payload)
    except ValueError as error:
        raise MalformedResponseError(f"not JSON: {error}") from None
    if not isinstance(response, dict):
        raise MalformedResponseError("not a JSON object")
    return response


def _status(response: dict[str, Any]) -> int:
    status = response.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponseError(f"statusCode {status!r} is not an HTTP status")
    return status


def _text_map(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedResponseError(f"{name} is not an object")
    return {key: _header_value(item) for key, item in value.items()}


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponseError(f"header value {value!r} is not a string")


def _body(response: dict[str, Any]) -> bytes:
    body = response.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponseError("body is not a string")
    if response.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise MalformedResponseError("isBase64Encoded is true but body is not base64") from None
    return body.encode()


def _without_hop_by_hop(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP]


def with_local_location(headers: list[tuple[str, str]], api_url: str, local_url: str) -> list[tuple[str, str]]:
    """``headers`` with a Location into the API on AWS (``api_url``) pointing at ``local_url`` instead.

    The app builds absolute URLs for the API's AWS domain, as it would on AWS (a redirect to add a
    trailing slash, ``url_for(..., _external=True)``); a client of the local gateway follows this one
    header to the gateway. URLs in bodies and other headers keep the AWS domain.
    """
    relocated = []
    for name, value in headers:
        if name.lower() == "location":
            for base in (api_url, f"{api_url}:443"):
                rest = value[len(base) :]
                if value.startswith(base) and (not rest or rest[0] in "/?#"):
                    value = local_url + rest
                    break
        relocated.append((name, value))
    return relocated
