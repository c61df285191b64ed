"""Build the loopback answer: ``event`` in the passthrough template's shape, ``context``, ``extras``."""

import functools
import re
from collections.abc import Mapping
from typing import Any

from .body import show_body
from .request_view import RequestView

MASK = "****"
# Masked in any case when MASK_SENSITIVE_HEADERS is on, with the names that the SENSITIVE_HEADERS
# setting adds (LOOPBACK_SENSITIVE_HEADERS: comma-separated, or a JSON list).
ALWAYS_SENSITIVE = ("Authorization", "Cookie", "X-Api-Key", "Proxy-Authorization")
# The account field of an ARN (arn:partition:service:region:account:resource), masked when MASK_ACCOUNT_IDS is on.
ARN_ACCOUNT = re.compile(r"(arn:[\w-]+:[\w-]*:[\w-]*:)(\d{12})(?=:)")


def loopback_answer(view: RequestView, lambda_context: dict[str, Any], path: str, config: Mapping[str, Any]) -> dict:
    """Return the loopback's JSON answer for one request.

    ``event`` has exactly the keys and string values API Gateway's "Method
    Request passthrough" template gives; what the template cannot carry
    (every value of a repeated parameter, how the body was encoded, cookies of
    an HTTP API) is in ``extras``. README.md documents every field.
    """
    secret = _secret_test(config)
    shown = show_body(view.body, view.header("Content-Type"))
    context = dict(view.context)
    if config["MASK_SENSITIVE_HEADERS"] and context["api-key"]:
        context["api-key"] = MASK
    if config["MASK_ACCOUNT_IDS"]:  # the fields that hold an account id: the caller's, and two ARNs
        context["account-id"] = MASK if context["account-id"] else ""
        context["user-arn"] = _masked_arn(context["user-arn"])
        arn = _masked_arn(lambda_context["invokedFunctionArn"])
        lambda_context = {**lambda_context, "invokedFunctionArn": arn}
    return {
        "event": {
            "body-json": shown.value,
            "params": {
                "path": view.path_params,
                "querystring": view.query,
                "header": {name: MASK if secret(name) else value for name, value in view.headers.items()},
            },
            "stage-variables": view.stage_variables,
            "context": context,
        },
        "context": lambda_context,
        "extras": {
            "app-stage": config["STAGE"],
            "event-source": view.source,
            "path": path,
            "body": {
                "representation": shown.representation,
                "media-type": shown.media_type,
                "size": len(view.body),
                "base64-encoded-by-gateway": view.body_base64_encoded,
            },
            "multi-value": {
                "querystring": view.query_all,
                "header": {
                    name: [MASK] * len(values) if secret(name) else values for name, values in view.headers_all.items()
                },
            },
            "cookies": [MASK] * len(view.cookies) if secret("Cookie") else view.cookies,
        },
    }


def _masked_arn(arn: str) -> str:
    return ARN_ACCOUNT.sub(rf"\g<1>{MASK}", arn)


def _secret_test(config: Mapping[str, Any]):
    """A predicate telling whether a header's value must be masked under this config."""
    if not config["MASK_SENSITIVE_HEADERS"]:
        return lambda name: False
    added = config.get("SENSITIVE_HEADERS") or ()
    names = _masked_names(added if isinstance(added, str) else tuple(added))
    return lambda name: name.lower() in names


@functools.cache
def _masked_names(added: str | tuple[str, ...]) -> frozenset[str]:
    if isinstance(added, str):
        added = tuple(added.split(","))
    return frozenset(str(name).strip().lower() for name in (*ALWAYS_SENSITIVE, *added) if str(name).strip())
