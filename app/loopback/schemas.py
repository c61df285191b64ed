"""The loopback's answer as OpenAPI schemas (JSON Schema), for the API's description (app/openapi.py).

Written from the contract (the design notes, README's "The loopback answer, field by field"), not from the code
that builds the answer: the contract test and the handler tests check each answer against them.
"""

from typing import Any

_TEXT = {"type": "string"}
_TEXTS = {"type": "object", "additionalProperties": _TEXT}
_TEXT_LISTS = {"type": "object", "additionalProperties": {"type": "array", "items": _TEXT}}


def _record(fields: dict[str, Any], description: str) -> dict[str, Any]:
    """An object with exactly these fields, each always present."""
    return {
        "type": "object",
        "description": description,
        "required": list(fields),
        "additionalProperties": False,
        "properties": fields,
    }


# What API Gateway's "Method Request passthrough" template puts in $context: strings, "" when AWS has no value.
_REQUEST_CONTEXT_KEYS = (
    "account-id",
    "api-id",
    "api-key",
    "authorizer-principal-id",
    "caller",
    "cognito-authentication-provider",
    "cognito-authentication-type",
    "cognito-identity-id",
    "cognito-identity-pool-id",
    "http-method",
    "stage",
    "source-ip",
    "user",
    "user-agent",
    "user-arn",
    "request-id",
    "resource-id",
    "resource-path",
)
_LAMBDA_CONTEXT_TEXTS = (
    "functionName",
    "functionVersion",
    "invokedFunctionArn",
    "memoryLimitInMB",
    "awsRequestId",
    "logGroupName",
    "logStreamName",
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "LoopbackAnswer": _record(
        {
            "event": _record(
                {
                    "body-json": {
                        "description": "The body: parsed JSON, text, base64 or {} when empty "
                        "(extras.body.representation says which)."
                    },
                    "params": _record(
                        {"path": _TEXTS, "querystring": _TEXTS, "header": _TEXTS},
                        "Path, query-string and header parameters, one value each (a repeated one's last).",
                    ),
                    "stage-variables": _TEXTS,
                    "context": _record(
                        dict.fromkeys(_REQUEST_CONTEXT_KEYS, _TEXT), 'The request\'s context; "" when unknown.'
                    ),
                },
                "The request as API Gateway's passthrough template shows it.",
            ),
            "context": _record(
                {
                    **dict.fromkeys(_LAMBDA_CONTEXT_TEXTS, _TEXT),
                    "remainingTimeInMillis": {"type": "integer", "minimum": 0},
                },
                "The Lambda context, with the key names a Node.js function sees.",
            ),
            "extras": _record(
                {
                    "app-stage": _TEXT,
                    "event-source": {"type": "string", "enum": ["rest-v1", "http-v2", "function-url", "local"]},
                    "path": _TEXT,
                    "body": _record(
                        {
                            "representation": {"type": "string", "enum": ["empty", "json", "text", "base64"]},
                            "media-type": _TEXT,
                            "size": {"type": "integer", "minimum": 0},
                            "base64-encoded-by-gateway": {"type": "boolean"},
                        },
                        "How body-json shows the body.",
                    ),
                    "multi-value": _record(
                        {"querystring": _TEXT_LISTS, "header": _TEXT_LISTS}, "Every value of each parameter."
                    ),
                    "cookies": {"type": "array", "items": _TEXT},
                },
                "What the template cannot carry.",
            ),
        },
        "How the request reached the app.",
    ),
}
