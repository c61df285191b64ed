"""The API's description: OpenAPI 3.0 at ``/openapi.json``, and Swagger UI to read and try it at ``/docs``.

The description is built from the app itself, with apispec, the first time it is asked for: every route of the
URL map, each method of it an operation. A view's docstring may hold the operation after a ``---`` line, in YAML
keyed by method (apispec's convention: ``post: {requestBody: ..., responses: ...}``); a route without one is
still described, by the first line of its docstring. Every operation may also answer the one error shape
(``Error``). A part names the schemas its docstrings refer to with ``describe(bp, {name: schema})``.

Schemas are JSON Schema as OpenAPI 3.0 takes it, with no ``nullable``, so that the tests can check answers with a
plain JSON Schema validator too. API Gateway imports OpenAPI 2.0 and 3.0, not 3.1.

``LOOPBACK_API_DOCS``: on unless a stage sets it ``false``, as ``prod`` does. Off, neither route exists, nothing of
this is imported, and prod's package leaves apispec, PyYAML and flask-swagger-ui out (its ``exclude_glob``).
"""

import html
import json
import re
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, send_from_directory, url_for
from werkzeug.routing import IntegerConverter, PathConverter, Rule

OPENAPI_VERSION = "3.0.3"
TITLE = "loopback"
VERSION = "1.0.0"
DESCRIPTION = "Answers a POST with exactly how API Gateway and Lambda handed it the request."
# Methods Flask adds to every route by itself: HEAD to a GET, OPTIONS (CORS preflights) to all.
IMPLIED_METHODS = frozenset({"HEAD", "OPTIONS"})
SCHEMAS_KEY = "openapi_schemas"
SPEC_KEY = "openapi_spec"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every answer that is not a success: errors, and redirects with their Location.",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message", "request-id"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "integer", "description": "The answer's HTTP status."},
                "message": {"type": "string", "description": "What went wrong, and what to do about it."},
                "request-id": {"type": "string", "description": "Quote it when reporting the error."},
            },
        }
    },
}

bp = Blueprint("openapi", __name__)


def describe(blueprint: Blueprint, schemas: Mapping[str, dict[str, Any]]) -> None:
    """Name the schemas ``blueprint``'s docstrings refer to (``schema: Health``), for the description."""
    blueprint.record_once(lambda state: state.app.extensions.setdefault(SCHEMAS_KEY, {}).update(schemas))


def init_app(app: Flask) -> None:
    app.config.setdefault("API_DOCS", True)
    app.extensions.setdefault(SCHEMAS_KEY, {})["Error"] = ERROR_SCHEMA
    if app.config["API_DOCS"]:
        app.register_blueprint(bp)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The API's OpenAPI description.
    ---
    get:
      responses:
        200:
          description: The OpenAPI 3.0 description of every route.
          content:
            application/json:
              schema: {type: object}
    """
    spec = current_app.extensions.get(SPEC_KEY)
    if spec is None:
        spec = current_app.extensions[SPEC_KEY] = build_spec(current_app)
    # Behind API Gateway the stage is a path prefix (SCRIPT_NAME): the routes are below it.
    served = {**spec, "servers": [{"url": request.script_root}]} if request.script_root else spec
    return current_app.response_class(json.dumps(served), mimetype="application/json")


@bp.get("/docs")
def docs() -> Response:
    """Swagger UI: read the description and try each route.
    ---
    get:
      responses:
        200:
          description: Swagger UI's page.
          content:
            text/html:
              schema: {type: string}
    """
    assets = url_for("openapi.docs") + "/"
    options = {
        "url": url_for("openapi.openapi_json"),
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        # Swagger UI would send the description to validator.swagger.io for its badge: nothing leaves the page.
        "validatorUrl": None,
    }
    page = _PAGE.format(
        title=html.escape(TITLE), assets=html.escape(assets), options=json.dumps(options).replace("</", "<\\/")
    )
    return current_app.response_class(page, mimetype="text/html")


@bp.get("/docs/<path:asset>")
def docs_asset(asset: str) -> Response:
    """Swagger UI's scripts and styles, from flask-swagger-ui's copy of its distribution.
    ---
    get:
      responses:
        200:
          description: The file.
          content:
            '*/*':
              schema: {type: string, format: binary}
    """
    return send_from_directory(_swagger_ui_dist(), asset)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: API docs</title>
<link rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({options});</script>
</body>
</html>
"""


def _swagger_ui_dist() -> Path:
    # Found without importing the package, whose import asks importlib.metadata for its own version.
    spec = find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed: Swagger UI needs its assets")
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


def build_spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI description of every route of ``app``, as a dict."""
    from apispec import APISpec
    from apispec.yaml_utils import load_operations_from_docstring

    spec = APISpec(title=TITLE, version=VERSION, openapi_version=OPENAPI_VERSION, info={"description": DESCRIPTION})
    for name, schema in sorted(app.extensions.get(SCHEMAS_KEY, {}).items()):
        spec.components.schema(name, schema)
    spec.components.response("Error", {"description": "An error", "content": {"application/json": {"schema": "Error"}}})
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        documented = load_operations_from_docstring(view.__doc__ or "")
        summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
        operations = {}
        for method in sorted((rule.methods or set()) - IMPLIED_METHODS):
            operation = dict(documented.get(method.lower()) or {})
            operation.setdefault("summary", summary)
            # Grouped by the part (blueprint) that serves them, as Swagger UI shows them.
            operation.setdefault("tags", [rule.endpoint.rpartition(".")[0] or "app"])
            operation["responses"] = {**operation.get("responses", {}), "default": "Error"}
            operations[method.lower()] = operation
        spec.path(path=openapi_path(rule), operations=operations, parameters=_path_parameters(rule))
    return spec.to_dict()


def openapi_path(rule: Rule) -> str:
    """A Werkzeug rule as an OpenAPI path: ``/orders/<int:order_id>`` is ``/orders/{order_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    parameters = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]  # Werkzeug keeps no public map of them
        integer = isinstance(converter, IntegerConverter)
        schema: dict[str, Any] = {"type": "integer"} if integer else {"type": "string", "minLength": 1}
        # A client percent-encodes a `/` it is given as a parameter's value (%2F); the route takes one typed in.
        about = "One or more path segments." if isinstance(converter, PathConverter) else "One path segment."
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema, "description": about})
    return parameters
