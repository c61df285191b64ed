"""The app's whole HTTP surface."""

from json import JSONEncoder

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .invocation import current_request_view
from .lambda_context import lambda_context_view
from .passthrough import loopback_answer

bp = Blueprint("loopback", __name__)
_encode = JSONEncoder(separators=(",", ":")).encode


@bp.post("/")
@bp.post("/<path:path>")
def loopback(path: str = "") -> Response:
    """Answer with how this request reached the app: its event, Lambda context and extras."""
    view = current_request_view()
    config = current_app.config
    if len(view.body) > config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge("The request body is over Lambda's 6 MB synchronous payload limit.")
    answer = loopback_answer(view, lambda_context_view(g.lambda_context), request.path, config)
    return Response(_encode(answer), mimetype="application/json")


@bp.get("/health")
def health() -> Response:
    """For smoke tests after a deploy."""
    return jsonify(status="ok", stage=current_app.config["STAGE"])
