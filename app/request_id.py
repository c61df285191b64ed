"""Each request's id: Lambda's ``awsRequestId`` on Lambda, a new UUID elsewhere. Errors and the access log carry it."""

import uuid

from flask import Flask, g, request


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)


def assign_request_id() -> None:
    """Put the request id in ``g.request_id``: the one ``zappa tail`` shows beside each log line."""
    context = request.environ.get("lambda.context")
    g.request_id = getattr(context, "aws_request_id", None) or str(uuid.uuid4())
