"""The REST API proxy event that API Gateway sends Zappa's function for a given HTTP request.

Follows "Input format of a Lambda function for proxy integration" (API Gateway
developer guide): a Zappa-deployed API has the resources ``/`` and ``/{proxy+}``
and, with Zappa's default ``binary_support``, the binary media type ``*/*``, so
every non-empty body arrives base64-encoded.
"""

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query, as on the request line
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def rest_proxy_event(request: HttpRequest, stage: str, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The payload-1.0 event for ``request`` arriving at ``stage`` of a Zappa-deployed REST API."""
    url = urlsplit(request.target)
    path = url.path
    query = parse_qsl(url.query, keep_blank_values=True)
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    resource = "/" if path == "/" else "/{proxy+}"
    now = time.time()
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
            "resourceId": "a1b2c3",
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": "Cc1Ab2DeoE0EKwQ=",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "a1b2c3d4e5",
            "requestTimeEpoch": int(now * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": multi_headers.get("User-Agent", [None])[-1],
                "user": None,
            },
            "domainName": "a1b2c3d4e5.execute-api.ap-northeast-2.amazonaws.com",
            "apiId": "a1b2c3d4e5",
        },
        "body": base64.b64encode(request.body).decode("ascii") if request.body else None,
        "isBase64Encoded": bool(request.body),
    }
