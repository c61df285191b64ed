"""The app's whole HTTP surface."""

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .invocation import current_request_view
from .lambda_context import lambda_context_view
from .passthrough import loopback_answer

bp = Blueprint("loopback", __name__)


@bp.post("/")
@bp.post("/<path:path>")
def loopback(path: str = "") -> Response:
    """Answer with how this request reached the app: its event, Lambda context and extras."""
    view = current_request_view()
    if len(view.body) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge("The request body is over Lambda's 6 MB synchronous payload limit.")
    return jsonify(
        loopback_answer(
            view,
            lambda_context_view(g.lambda_context),
            request.path,
            current_app.config,
        )
    )


@bp.get("/health")
def health() -> Response:
    """For smoke tests after a deploy."""
    return jsonify(status="ok", stage=current_app.config["STAGE"])
