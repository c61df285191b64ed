"""Turn the API Gateway / function URL event that Zappa received into a ``RequestView``.

REST API (payload 1.0) events are the default under Zappa; HTTP API and
function URL events (payload 2.0) are mapped to the same view. Any other
event that reaches the app gets a clear 400.
"""

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import BadRequest

from .request_view import RequestView, as_text, last_values, value_lists


class UnsupportedEvent(BadRequest):
    """The Lambda event is not of a shape this app serves."""


def check_event_shape(event: Mapping[str, Any]) -> None:
    """Raise ``UnsupportedEvent`` (a 400) unless the event is one this app serves."""
    if event.get("version") == "2.0":
        return
    if "elb" in (event.get("requestContext") or {}):
        raise UnsupportedEvent(
            "Application Load Balancer events are not served: put the function behind "
            "API Gateway (REST or HTTP API) or a function URL."
        )
    if not event.get("httpMethod"):
        raise UnsupportedEvent("The Lambda event is not an API Gateway or function URL request.")


def request_view_from_event(event: Mapping[str, Any]) -> RequestView:
    """Return the view of the request carried by a Lambda proxy event.

    >>> request_view_from_event({"httpMethod": "POST", "path": "/", "body": None}).source
    'rest-v1'
    """
    check_event_shape(event)
    if event.get("version") == "2.0":
        return _from_payload_v2(event)
    return _from_payload_v1(event)


def _from_payload_v1(event: Mapping[str, Any]) -> RequestView:
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    authorizer = context.get("authorizer") or {}
    query, query_all = _single_and_multi(event, "queryStringParameters", "multiValueQueryStringParameters")
    headers, headers_all = _single_and_multi(event, "headers", "multiValueHeaders")
    return RequestView(
        source="rest-v1",
        body=_body_bytes(event),
        body_base64_encoded=bool(event.get("isBase64Encoded")),
        path_params=_text_map(event.get("pathParameters")),
        query=query,
        query_all=query_all,
        headers=headers,
        headers_all=headers_all,
        stage_variables=_text_map(event.get("stageVariables")),
        context={
            "account-id": as_text(identity.get("accountId")),
            "api-id": as_text(context.get("apiId")),
            "api-key": as_text(identity.get("apiKey")),
            "authorizer-principal-id": as_text(authorizer.get("principalId")),
            "caller": as_text(identity.get("caller")),
            "cognito-authentication-provider": as_text(identity.get("cognitoAuthenticationProvider")),
            "cognito-authentication-type": as_text(identity.get("cognitoAuthenticationType")),
            "cognito-identity-id": as_text(identity.get("cognitoIdentityId")),
            "cognito-identity-pool-id": as_text(identity.get("cognitoIdentityPoolId")),
            "http-method": as_text(context.get("httpMethod")),
            "stage": as_text(context.get("stage")),
            "source-ip": as_text(identity.get("sourceIp")),
            "user": as_text(identity.get("user")),
            "user-agent": as_text(identity.get("userAgent")),
            "user-arn": as_text(identity.get("userArn")),
            "request-id": as_text(context.get("requestId")),
            "resource-id": as_text(context.get("resourceId")),
            "resource-path": as_text(context.get("resourcePath")),
        },
    )


def _from_payload_v2(event: Mapping[str, Any]) -> RequestView:
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    authorizer = context.get("authorizer") or {}
    iam = authorizer.get("iam") or {}
    cognito = iam.get("cognitoIdentity") or {}
    cookies = [as_text(cookie) for cookie in event.get("cookies") or []]
    headers = _text_map(event.get("headers"))
    if cookies:
        # HTTP APIs move the Cookie header into "cookies"; put it back where a REST API has it.
        headers["cookie"] = "; ".join(cookies)
    if "rawQueryString" in event:
        query_all: dict[str, list[str]] = {}
        # A byte that is not UTF-8 stays percent-encoded, as werkzeug leaves it in ``request.args``.
        raw_query = event.get("rawQueryString") or ""
        for name, value in parse_qsl(raw_query, keep_blank_values=True, errors="werkzeug.url_quote"):
            query_all.setdefault(name, []).append(value)
    else:
        query_all = value_lists(_text_map(event.get("queryStringParameters")))
    route_key = as_text(context.get("routeKey"))
    source = "function-url" if ".lambda-url." in as_text(context.get("domainName")) else "http-v2"
    return RequestView(
        source=source,
        body=_body_bytes(event),
        body_base64_encoded=bool(event.get("isBase64Encoded")),
        path_params=_text_map(event.get("pathParameters")),
        query=last_values(query_all),
        query_all=query_all,
        # HTTP APIs join repeated headers with commas; the joined value is all there is.
        headers=headers,
        headers_all=value_lists(headers),
        stage_variables=_text_map(event.get("stageVariables")),
        cookies=cookies,
        context={
            "account-id": as_text(iam.get("accountId")),
            "api-id": as_text(context.get("apiId")),
            "api-key": "",  # HTTP APIs have no API keys
            "authorizer-principal-id": as_text((authorizer.get("lambda") or {}).get("principalId")),
            "caller": as_text(iam.get("callerId")),
            "cognito-authentication-provider": "",
            "cognito-authentication-type": "",
            "cognito-identity-id": as_text(cognito.get("identityId")),
            "cognito-identity-pool-id": as_text(cognito.get("identityPoolId")),
            "http-method": as_text(http.get("method")),
            "stage": as_text(context.get("stage")),
            "source-ip": as_text(http.get("sourceIp")),
            "user": as_text(iam.get("userId")),
            "user-agent": as_text(http.get("userAgent")),
            "user-arn": as_text(iam.get("userArn")),
            "request-id": as_text(context.get("requestId")),
            "resource-id": "",  # HTTP APIs have routes, not resources
            # "ANY /{proxy+}" -> "/{proxy+}"; "$default" stays as it is.
            "resource-path": route_key.split(" ", 1)[-1],
        },
    )


def _single_and_multi(event: Mapping[str, Any], single_key: str, multi_key: str) -> tuple[dict, dict]:
    """A REST event's one-value map and all-values map; either may be null or missing."""
    single = _text_map(event.get(single_key))
    multi = {name: [as_text(v) for v in values or []] for name, values in (event.get(multi_key) or {}).items()}
    for name, value in single.items():
        multi.setdefault(name, [value])
    for name, values in multi.items():
        if values:
            single.setdefault(name, values[-1])
    return single, multi


def _text_map(value: Mapping[str, Any] | None) -> dict[str, str]:
    return {name: as_text(item) for name, item in (value or {}).items()}


def _body_bytes(event: Mapping[str, Any]) -> bytes:
    body = event.get("body")
    if not body:
        return b""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("The event says its body is base64-encoded, but it is not valid base64.") from None
    return as_text(body).encode("utf-8")
