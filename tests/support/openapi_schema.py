"""Answers checked against the app's own OpenAPI description: ``assert_matches(answer, "LoopbackAnswer")``.

The description is built once, by ``app.openapi.build_spec``, from the ``dev`` stage's app (``prod`` serves none,
but describes the same answers). Its schemas are OpenAPI 3.0's JSON Schema (draft 4 with ``$ref`` to
``#/components/schemas/...``), checked with jsonschema's draft 4 validator, references resolved within it.
"""

from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from app import create_app
from app.openapi import build_spec

# Where the description sits in the validator's registry: its own ``#/...`` references resolve against it.
DESCRIPTION_URI = "urn:loopback:openapi"


@cache
def description() -> dict[str, Any]:
    """The app's OpenAPI description."""
    return build_spec(create_app({"STAGE": "dev", "TESTING": True}))


@cache
def _validator(name: str) -> jsonschema.Draft4Validator:
    schemas = description()["components"]["schemas"]
    assert name in schemas, f"the description has no schema {name!r}; it has {sorted(schemas)}"
    registry = Registry().with_resource(DESCRIPTION_URI, Resource(contents=description(), specification=DRAFT4))
    return jsonschema.Draft4Validator(
        {"$ref": f"{DESCRIPTION_URI}#/components/schemas/{name}"},
        registry=registry,
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )


def assert_matches(answer: Any, name: str) -> None:
    """Fail unless ``answer`` (parsed JSON) matches the description's component schema ``name``."""
    error = best_match(_validator(name).iter_errors(answer))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(the answer itself)"
        raise AssertionError(f"the answer does not match {name} at {where}: {error.message}")
