"""The one view of an incoming request that the loopback answer is built from.

A Lambda proxy event (``proxy_event.py``) and a local WSGI request
(``local_request.py``) are each turned into a ``RequestView`` in one place;
everything after works with this view only.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

# The request-context keys of API Gateway's "Method Request passthrough" template, in its order.
CONTEXT_KEYS = (
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


@dataclass(frozen=True)
class RequestView:
    """How one HTTP request reached the app, whatever carried it.

    ``query`` and ``headers`` hold one value per name, as the template does;
    ``query_all`` and ``headers_all`` hold every value in arrival order.
    ``context`` holds every key of ``CONTEXT_KEYS`` as a string, ``""`` when unknown.
    """

    source: str  # "rest-v1", "http-v2", "function-url" or "local"
    body: bytes
    body_base64_encoded: bool  # the gateway delivered the body base64-encoded
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    query_all: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    headers_all: dict[str, list[str]] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # HTTP API v2 sends cookies apart from headers

    def header(self, name: str) -> str:
        """The value of header ``name``, matched in any case; ``""`` when absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), "")


def as_text(value: object) -> str:
    """Render a value as API Gateway's template does: null as "", booleans in lower case."""
    if value.__class__ is str:  # nearly every value of an event: the quickest test first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def last_values(multi: Mapping[str, list[str]]) -> dict[str, str]:
    """One value per name, the last, as a REST API's single-value maps keep a repeated name."""
    return {name: values[-1] for name, values in multi.items() if values}


def value_lists(single: Mapping[str, str]) -> dict[str, list[str]]:
    """The all-values map of a source that carries one value per name."""
    return {name: [value] for name, value in single.items()}
