"""The documented shapes of the HTTP events API Gateway and function URLs hand a Lambda function, and a check of
an event against them.

API Gateway and Lambda never send an event of another shape, but anyone allowed to invoke the function can,
and Zappa's handler reads the fields without checking them: a wrong type fails it before the app runs (its own
500, or an exception out of the function, which API Gateway answers with a 502). ``problem`` names the first
field that differs from AWS's documented format, so that lambda_entry.py can refuse the event with a 400.

Sources, field by field:
- payload 1.0 (REST APIs, HTTP APIs set to 1.0, Application Load Balancers): "Input format of a Lambda function
  for proxy integration", API Gateway Developer Guide (set-up-lambda-proxy-integrations.html);
- payload 2.0 (HTTP APIs) and function URLs: "Create AWS Lambda proxy integrations for HTTP APIs" (payload
  format version 2.0), API Gateway Developer Guide, and "Invoking Lambda function URLs" (request payload format),
  Lambda Developer Guide.
Only types are checked, never values or sizes: whatever AWS could send gets through. Fields AWS may add later
are not checked, and authorizers' own context is free-form JSON.
"""

import json
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any


# Plain classes, not named tuples or dataclasses: this module loads at every cold start, and those build their
# classes by generating code.
class _Of:
    __slots__ = ("shape",)

    def __init__(self, shape: Any) -> None:
        self.shape = shape


class Nullable(_Of):
    """A field AWS documents or sends as null."""

    __slots__ = ()


class MapOf(_Of):
    """An object whose names are chosen by the request (headers, parameters), each value of one shape."""

    __slots__ = ()


class ListOf(_Of):
    """An array, each item of one shape."""

    __slots__ = ()


class Fields:
    """An object of named fields; ``required`` ones must be there, the others may be missing."""

    __slots__ = ("fields", "required")

    def __init__(self, fields: Mapping[str, Any], required: frozenset[str] = frozenset()) -> None:
        self.fields, self.required = fields, required


TEXT = str
FLAG = bool
NUMBER = (int, float)
ANY_OBJECT = dict  # free-form JSON, e.g. an authorizer's context
TEXTS = MapOf(TEXT)
TEXT_LISTS = MapOf(ListOf(TEXT))

CLIENT_CERT = Fields(
    {
        "clientCertPem": TEXT,
        "subjectDN": TEXT,
        "issuerDN": TEXT,
        "serialNumber": TEXT,
        "validity": Fields({"notBefore": TEXT, "notAfter": TEXT}),
    }
)
IDENTITY_V1 = Fields(
    {
        **dict.fromkeys(
            (
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
            ),
            Nullable(TEXT),
        ),
        "clientCert": Nullable(CLIENT_CERT),
    }
)
# An authorizer's context is its own JSON; Zappa reads the principal from it (a user pool's claims are strings,
# and null in a published sample).
AUTHORIZER_V1 = Fields({"principalId": TEXT, "integrationLatency": NUMBER, "claims": Nullable(TEXTS)})
PAYLOAD_V1 = Fields(
    {
        "version": TEXT,  # "1.0", from an HTTP API set to payload 1.0
        "resource": TEXT,
        "path": TEXT,
        "httpMethod": TEXT,
        "headers": Nullable(TEXTS),
        "multiValueHeaders": Nullable(TEXT_LISTS),
        "queryStringParameters": Nullable(TEXTS),
        "multiValueQueryStringParameters": Nullable(TEXT_LISTS),
        "pathParameters": Nullable(TEXTS),
        "stageVariables": Nullable(TEXTS),
        "requestContext": Fields(
            {
                **dict.fromkeys(
                    (
                        "accountId",
                        "apiId",
                        "domainName",
                        "domainPrefix",
                        "extendedRequestId",
                        "httpMethod",
                        "path",
                        "protocol",
                        "requestId",
                        "requestTime",
                        "resourcePath",
                        "stage",
                    ),
                    TEXT,
                ),
                "resourceId": Nullable(TEXT),  # null in a published sample
                "requestTimeEpoch": NUMBER,
                "authorizer": AUTHORIZER_V1,
                "identity": IDENTITY_V1,
                "elb": Fields({"targetGroupArn": TEXT}),
            }
        ),
        "body": Nullable(TEXT),
        "isBase64Encoded": FLAG,
    },
    required=frozenset({"httpMethod", "path"}),
)
AUTHORIZER_V2 = Fields(
    {
        "jwt": Fields({"claims": ANY_OBJECT, "scopes": Nullable(ListOf(TEXT))}),
        "iam": Fields(
            {
                **dict.fromkeys(("accessKey", "accountId", "callerId", "userArn", "userId"), TEXT),
                "principalOrgId": Nullable(TEXT),
                "cognitoIdentity": Nullable(Fields({"amr": ListOf(TEXT), "identityId": TEXT, "identityPoolId": TEXT})),
            }
        ),
        "lambda": Fields({"principalId": TEXT}),
    }
)
PAYLOAD_V2 = Fields(
    {
        "version": TEXT,
        "routeKey": TEXT,
        "rawPath": TEXT,
        "rawQueryString": TEXT,
        "cookies": ListOf(TEXT),
        "headers": TEXTS,
        "queryStringParameters": TEXTS,
        # A function URL sends null for the ones it never has (its documented example).
        "pathParameters": Nullable(TEXTS),
        "stageVariables": Nullable(TEXTS),
        "requestContext": Fields(
            {
                **dict.fromkeys(
                    ("accountId", "apiId", "domainName", "domainPrefix", "requestId", "routeKey", "stage", "time"),
                    TEXT,
                ),
                "timeEpoch": NUMBER,
                "authentication": Nullable(Fields({"clientCert": CLIENT_CERT})),
                "authorizer": Nullable(AUTHORIZER_V2),
                "http": Fields(
                    dict.fromkeys(("method", "path", "protocol", "sourceIp", "userAgent"), TEXT),
                    required=frozenset({"method"}),
                ),
            },
            required=frozenset({"http"}),
        ),
        "body": TEXT,
        "isBase64Encoded": FLAG,
    },
    required=frozenset({"rawPath", "headers", "requestContext"}),
)

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def problem(event: Mapping[str, Any]) -> str | None:
    """What makes an HTTP event differ from its documented shape, in one sentence; None when nothing does.

    An event is an HTTP event when its ``version`` is "2.0" (payload 2.0) or it has ``httpMethod`` (payload
    1.0), as Zappa's handler tells them apart. An event with a request path but neither is one that lost its
    kind (Zappa would answer it with nothing); any other event is not checked.
    """
    if event.get("version") == "2.0":
        if not _V2_HOLDS(event):
            return _problem(event, PAYLOAD_V2, "")
        return _line_break(event, ("headers",))
    if "httpMethod" in event:
        if not _V1_HOLDS(event):
            return _problem(event, PAYLOAD_V1, "")
        if not event["httpMethod"]:  # Zappa takes it for some other kind of event
            return "The event's `httpMethod` is empty."
        if "headers" not in event and "multiValueHeaders" not in event:  # Zappa would answer with no headers
            return "The event has no `headers`, which AWS always sends."
        return _line_break(event, ("headers", "multiValueHeaders"))
    if "rawPath" in event:
        return 'The event has a `rawPath` but no `version` "2.0": not an HTTP API or function URL event.'
    if "path" in event and "requestContext" in event:
        return "The event has a `path` but no `httpMethod`: not an API Gateway event."
    return None


def _line_break(event: Mapping[str, Any], fields: tuple[str, ...]) -> str | None:
    """A sentence on the first header whose name or value holds CR, LF or NUL, which HTTP forbids in a field (RFC
    9110, 5.5) and API Gateway never sends; None when none does. Such a value, copied into an answer's header (as
    CORS echoes ``Origin``), makes Werkzeug raise instead of answering."""
    for field in fields:
        headers = event.get(field) or {}
        # One join in C over every name and value; the loop below runs only for an event found wrong.
        texts = headers.values() if field == "headers" else chain.from_iterable(headers.values())
        joined = "".join(chain(headers, texts))
        if _forbidden(joined):
            for name, value in headers.items():
                if any(_forbidden(text) for text in (name, *([value] if isinstance(value, str) else value))):
                    shown = name.encode("unicode-escape").decode()  # the name itself may hold them
                    return f"The event's `{field}.{shown}` holds CR, LF or NUL, which HTTP forbids in a header."
    return None


def _forbidden(text: str) -> bool:
    return "\n" in text or "\r" in text or "\0" in text


def lone_surrogate(event: object) -> str | None:
    """A sentence on the lone surrogate the event holds (JSON can escape one, "\\ud800"; AWS sends UTF-8, which
    has none), else None. Not checked on every request: only once something failed on the event."""
    try:
        json.dumps(event, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        lone = error.object[error.start : error.end].encode("unicode-escape").decode()
        return f"The event holds a lone surrogate ({lone}), which is no Unicode text; AWS sends UTF-8."
    except (TypeError, ValueError):  # not JSON at all: not this problem
        return None
    return None


def _holds(shape: Any) -> Callable[[object], bool]:
    """A check of one shape, built once. Every request's event goes through it, so it only says yes or no, and
    it checks plain values a group at a time (the set of their types), leaving the loops to C."""
    leaf = _leaf_types(shape)
    if leaf is not None:
        return lambda value: type(value) in leaf
    if isinstance(shape, Nullable):
        inner = _holds(shape.shape)
        return lambda value: value is None or inner(value)
    if isinstance(shape, Fields):
        # A field of plain values is checked by its set of types in place; calls only for nested ones.
        leaves = {name: types for name, field in shape.fields.items() if (types := _leaf_types(field)) is not None}
        nested = {name: _holds(field) for name, field in shape.fields.items() if name not in leaves}
        required = shape.required
        # When every plain field allows the same types (an identity: strings or nulls), an object with none of the
        # nested fields, holding only values of those types, holds whatever its names: one pass in C.
        uniform = next(iter(set(leaves.values()))) if len(set(leaves.values())) == 1 else frozenset()

        def fields_hold(value: object) -> bool:
            if type(value) is not dict or not required <= value.keys():
                return False
            if uniform and nested.keys().isdisjoint(value) and set(map(type, value.values())) <= uniform:
                return True
            for name, item in value.items():
                types = leaves.get(name)
                if types is not None:
                    if type(item) not in types:
                        return False
                elif (check := nested.get(name)) is not None and not check(item):
                    return False
            return True

        return fields_hold
    inner_leaf = _leaf_types(shape.shape)
    if isinstance(shape, ListOf) and inner_leaf is not None:
        return lambda value: type(value) is list and set(map(type, value)) <= inner_leaf
    if isinstance(shape, MapOf) and inner_leaf is not None:  # headers and parameters
        return lambda value: type(value) is dict and set(map(type, value.values())) <= inner_leaf
    if isinstance(shape, MapOf) and isinstance(shape.shape, ListOf):  # multi-value headers and parameters
        items = _leaf_types(shape.shape.shape) or frozenset()
        return lambda value: (
            type(value) is dict
            and set(map(type, value.values())) <= _LIST
            and set(map(type, chain.from_iterable(value.values()))) <= items
        )
    raise TypeError(f"no check for {shape!r}")


_LIST = frozenset({list})


def _leaf_types(shape: Any) -> frozenset[type] | None:
    """The exact Python types a plain value of this shape may have (json.loads makes no subclasses)."""
    if isinstance(shape, Nullable):
        inner = _leaf_types(shape.shape)
        return None if inner is None else inner | {type(None)}
    if shape is NUMBER:
        return frozenset(NUMBER)
    return frozenset({shape}) if isinstance(shape, type) else None


def _problem(value: object, shape: Any, path: str) -> str | None:
    """The first field that does not hold, named by its path: only for an event already found wrong."""
    if isinstance(shape, Nullable):
        return None if value is None else _problem(value, shape.shape, path)
    if isinstance(shape, Fields):
        if type(value) is not dict:
            return _wrong(value, "an object", path)
        for name in sorted(shape.required):
            if name not in value:
                return f"The event has no `{_join(path, name)}`, which AWS always sends."
        for name, field in shape.fields.items():
            if name in value and (found := _problem(value[name], field, _join(path, name))):
                return found
        return None
    if isinstance(shape, MapOf | ListOf):
        kind, items = (dict, "an object") if isinstance(shape, MapOf) else (list, "an array")
        if type(value) is not kind:
            return _wrong(value, items, path)
        pairs = value.items() if kind is dict else ((f"[{index}]", item) for index, item in enumerate(value))
        for name, item in pairs:
            where = _join(path, name) if kind is dict else path + name
            if found := _problem(item, shape.shape, where):
                return found
        return None
    if _holds(shape)(value):
        return None
    return _wrong(value, {TEXT: "a string", FLAG: "a boolean", ANY_OBJECT: "an object"}.get(shape, "a number"), path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _wrong(value: object, expected: str, path: str) -> str:
    found = _JSON_TYPES.get(type(value), "a number")
    return f"The event's `{path}` is {found}; AWS sends {expected}."


_V1_HOLDS = _holds(PAYLOAD_V1)
_V2_HOLDS = _holds(PAYLOAD_V2)
