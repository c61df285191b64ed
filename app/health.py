"""``GET /health``: for the smoke test after a deploy, and for Zappa's ``touch_path``."""

from flask import Blueprint, Response, current_app, jsonify

from . import openapi

bp = Blueprint("health", __name__)
openapi.describe(
    bp,
    {
        "Health": {
            "type": "object",
            "required": ["status", "stage"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "string", "enum": ["ok"]},
                "stage": {"type": "string", "description": "The app's stage: local, dev, prod."},
            },
        }
    },
)


@bp.get("/health")
def health() -> Response:
    """Whether the app is up, and which stage answers.
    ---
    get:
      responses:
        200:
          description: The app is up.
          content:
            application/json:
              schema: Health
    """
    return jsonify(status="ok", stage=current_app.config["STAGE"])
