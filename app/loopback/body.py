"""How a request body is shown in the loopback answer.

- empty -> ``{}`` (as ``$input.json('$')`` gives);
- JSON (declared, or undeclared and parseable) -> the parsed value; declared but malformed -> 400;
- text (a textual media type, or none, decodable in its charset) -> the string;
- anything else -> the bytes in standard base64, marked ``"representation": "base64"``.
"""

import base64
import codecs
import json
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import BadRequest

TEXT_MEDIA_TYPES = (
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/javascript",
    "application/ecmascript",
    "application/graphql",
    "application/yaml",
    "image/svg+xml",
)


@dataclass(frozen=True)
class ShownBody:
    value: Any  # what "body-json" holds
    representation: str  # "empty", "json", "text" or "base64"
    media_type: str


def show_body(raw: bytes, content_type: str) -> ShownBody:
    """Return how ``raw`` (the decoded request body) appears in the answer.

    >>> show_body(b'\\x89PNG', "image/png")
    ShownBody(value='iVBORw==', representation='base64', media_type='image/png')
    """
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if not raw:
        return ShownBody({}, "empty", media_type)
    if _is_json(media_type):
        return ShownBody(parse_json(raw), "json", media_type)
    if not media_type:
        try:
            return ShownBody(parse_json(raw), "json", media_type)
        except BadRequest:
            pass
    if not media_type or _is_text(media_type):
        try:
            return ShownBody(raw.decode(_charset(params)), "text", media_type)
        except (LookupError, UnicodeDecodeError):
            pass
    return ShownBody(base64.b64encode(raw).decode("ascii"), "base64", media_type)


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body strictly (no NaN or Infinity); a 400 says where it breaks."""
    try:
        return _strict_decoder.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except (ValueError, RecursionError) as error:
        raise BadRequest(f"The request body is not valid JSON: {error}") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


# Built once: json.loads with an option builds a new decoder at every call.
_strict_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES or media_type.endswith("+xml")


def _charset(params: str) -> str:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return codecs.lookup(value.strip().strip('"')).name
    return "utf-8"
