"""The loopback's HTTP surface: ``POST`` on the root and on every path below it."""

from json import JSONEncoder

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from .. import openapi
from .invocation import begin_invocation, current_request_view
from .lambda_context import lambda_context_view
from .passthrough import loopback_answer
from .schemas import SCHEMAS

bp = Blueprint("loopback", __name__)
bp.before_request(begin_invocation)
openapi.describe(bp, SCHEMAS)
_encode = JSONEncoder(separators=(",", ":")).encode


@bp.record_once
def _default_settings(state) -> None:
    # A stage turns masking on with LOOPBACK_MASK_SENSITIVE_HEADERS=true and LOOPBACK_MASK_ACCOUNT_IDS=true (prod
    # does, in zappa_settings.json).
    state.app.config.setdefault("MASK_SENSITIVE_HEADERS", False)
    state.app.config.setdefault("MASK_ACCOUNT_IDS", False)


@bp.post("/")
@bp.post("/<path:path>")
def loopback(path: str = "") -> Response:
    """Answer with how this request reached the app: its event, Lambda context and extras.
    ---
    post:
      description: >
        Any body, of any media type, up to 6 MB (Lambda's limit). A JSON body (application/json, *+json, or no
        Content-Type and it parses) is shown parsed; text is shown as text, anything else as base64.
      requestBody:
        required: false
        content:
          application/json:
            schema: {}
          '*/*':
            schema: {}
      responses:
        200:
          description: How the request reached the app.
          content:
            application/json:
              schema: LoopbackAnswer
        400: Error
        413: Error
        415: Error
        422: Error
    """
    view = current_request_view()
    config = current_app.config
    if len(view.body) > config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()  # the skeleton's message names the limit
    coding = view.header("Content-Encoding").strip().lower()
    if coding and coding != "identity":
        # Neither API Gateway nor the app decodes a compressed body: shown as it is, it would mislead.
        raise UnsupportedMediaType(f"The request body is {coding}-encoded (Content-Encoding); send it unencoded.")
    answer = loopback_answer(view, lambda_context_view(g.lambda_context), request.path, config)
    return Response(_encode(answer), mimetype="application/json")
