"""How a request body is shown in the loopback answer.

- empty -> ``{}`` (as ``$input.json('$')`` gives);
- JSON (declared, or undeclared and parseable) -> the parsed value; declared but malformed -> 400; what the
  answer cannot hold exactly as JSON of Unicode text (a number beyond a double's range, an integer of more
  digits than Python converts, a lone surrogate escape such as "\\ud800": I-JSON, RFC 7493) or nesting deeper
  than ``MAX_DEPTH`` -> 422;
- text (a textual media type, or none, decodable in its charset, given once: a character encoding, not one of
  Python's other codecs; and Unicode text once decoded) -> the string;
- anything else -> the bytes in standard base64, marked ``"representation": "base64"``.
"""

import base64
import codecs
import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import BadRequest, UnprocessableEntity

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
            text = raw.decode(_charset(params))
            text.encode("utf-8")  # a lone surrogate (UTF-7 and UTF-16 can make one) is no Unicode text
            return ShownBody(text, "text", media_type)
        except (LookupError, ValueError):  # UnicodeError is a ValueError; some codecs raise others
            pass
    return ShownBody(base64.b64encode(raw).decode("ascii"), "base64", media_type)


class UnrepresentableNumberError(ValueError):
    """A JSON number the answer could not hold as it came."""


# How deep JSON may nest (as Jackson's default): deeper, the answer could not be written (Python's encoder
# recurses) at a depth that would move with the stack; at a fixed one, the edge is the same everywhere.
MAX_DEPTH = 1_000
# A \uD800-\uDFFF escape: only then can a parsed string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body strictly (no NaN or Infinity); a 400 says where it breaks, a 422 what the answer could
    not hold."""
    try:
        text = raw.decode(json.detect_encoding(raw))
        value = _strict_decoder.decode(text)
    except UnrepresentableNumberError as error:
        raise UnprocessableEntity(f"The request body's JSON {error}.") from None
    except RecursionError:
        raise UnprocessableEntity(_too_deep()) from None
    except ValueError as error:
        raise BadRequest(f"The request body is not valid JSON: {error}") from None
    if len(text) > 2 * MAX_DEPTH and _deeper_than(value, MAX_DEPTH):  # shorter text cannot nest that deep
        raise UnprocessableEntity(_too_deep())
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            lone = error.object[error.start : error.end].encode("unicode-escape").decode()
            raise UnprocessableEntity(
                f"The request body's JSON holds a lone surrogate ({lone}), which is no Unicode character."
            ) from None
    return value


def _too_deep() -> str:
    return f"The request body's JSON nests deeper than {MAX_DEPTH:,} levels."


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels: level by level, without recursion."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        inner = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            inner.extend(item for item in items if isinstance(item, dict | list))
        if not inner:
            return False
        level = inner
    return True


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # the answer would hold Infinity, which is not JSON
        raise UnrepresentableNumberError(f"number {text} is beyond a double's range (about ±1.8e308)")
    return value


# Python refuses to convert longer integer strings (CVE-2020-10735); the message says so in the API's terms.
_MAX_DIGITS = sys.get_int_max_str_digits() or sys.int_info.default_max_str_digits


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_DIGITS:
        raise UnrepresentableNumberError(f"integer of {digits:,} digits is longer than the {_MAX_DIGITS:,} accepted")
    return int(text)


# Built once: json.loads with an option builds a new decoder at every call.
_strict_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_bounded_int)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES or media_type.endswith("+xml")


# Python codecs that are not character encodings of the web: a charset naming one is not decoded.
NOT_CHARSETS = frozenset({"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined", "mbcs", "oem"})


def _charset(params: str) -> str:
    """The codec of the charset parameter (UTF-8 without one); LookupError for one that is not a charset."""
    charsets = []
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charsets.append(value.strip().strip('"'))
    if not charsets:
        return "utf-8"
    if len(charsets) > 1:  # a parameter given twice is an error (RFC 6838, 4.3)
        raise LookupError("charset given twice")
    codec = codecs.lookup(charsets[0])
    # Binary transforms (base64, zlib, rot13...) need no check: bytes.decode refuses them (LookupError).
    if codec.name in NOT_CHARSETS:
        raise LookupError(f"{codec.name} is not a character encoding")
    return codec.name
