"""``GET /health``: for the smoke test after a deploy, and for Zappa's ``touch_path``."""

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok", stage=current_app.config["STAGE"])
