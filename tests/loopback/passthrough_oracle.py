"""Render API Gateway's "Method Request passthrough" template for a REST API proxy event.

The template text is used unchanged; a Velocity engine (airspeed) renders it with
``$input``, ``$context``, ``$stageVariables`` and ``$util`` built from the event,
the way API Gateway builds them for a non-proxy integration of the same request.
"""

import base64
import json
import re
from pathlib import Path
from typing import Any

import airspeed

TEMPLATE_TEXT = (Path(__file__).parent.parent / "events" / "passthrough_template.vtl").read_text()
CONTEXT_REFERENCES = sorted(set(re.findall(r"\$context\.([A-Za-z.]+[A-Za-z])", TEMPLATE_TEXT)))


class TemplateOutputError(AssertionError):
    """The template's output is not JSON for this request, as on API Gateway."""


def java_string(value: Any) -> str:
    """What Velocity prints for a value: Java's toString, and "" where API Gateway has none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def escape_javascript(value: Any) -> str:
    """``$util.escapeJavaScript``: Apache Commons Lang 2 ``StringEscapeUtils.escapeJavaScript``.

    Works on UTF-16 code units as Java does; escapes ' as \\' and / as \\/.
    """
    text = java_string(value)
    units = text.encode("utf-16-be", "surrogatepass")
    out = []
    for i in range(0, len(units), 2):
        code = int.from_bytes(units[i : i + 2], "big")
        char = chr(code) if code < 0xD800 or code > 0xDFFF else ""
        if code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 32:
            named = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}
            out.append(named.get(code, f"\\u{code:04X}"))
        elif char in "'\"\\/":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


class _Util:
    def escapeJavaScript(self, value: Any) -> str:  # noqa: N802 - the template's name
        return escape_javascript(value)


def event_body_bytes(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


class _Input:
    def __init__(self, event: dict[str, Any]) -> None:
        self._event = event

    def params(self) -> dict[str, dict[str, Any]]:
        # $input.params(): path, query string and header parameters of the method request.
        return {
            "path": self._event.get("pathParameters") or {},
            "querystring": self._event.get("queryStringParameters") or {},
            "header": self._event.get("headers") or {},
        }

    def json(self, path: str) -> str:
        assert path == "$", path
        raw = event_body_bytes(self._event)
        # JSONPath '$' selects the whole payload, which must be JSON text.
        return raw.decode("utf-8", "replace") if raw else "{}"


def _context_values(event: dict[str, Any]) -> dict[str, Any]:
    """``$context``: every value the template reads, from the event's requestContext, "" when absent."""
    root: dict[str, Any] = {}
    for reference in CONTEXT_REFERENCES:
        value: Any = event.get("requestContext") or {}
        for part in reference.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        node = root
        *parents, leaf = reference.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = java_string(value)
    return root


def render_passthrough(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON the passthrough template gives for ``event``; TemplateOutputError where it is not JSON."""
    text = airspeed.Template(TEMPLATE_TEXT).merge(
        {
            "input": _Input(event),
            "context": _context_values(event),
            "stageVariables": event.get("stageVariables") or {},
            "util": _Util(),
        }
    )
    try:
        return json.loads(text)
    except ValueError as error:
        raise TemplateOutputError(f"the template renders invalid JSON ({error}):\n{text}") from None
