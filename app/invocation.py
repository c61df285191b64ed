"""What the current request arrived with: a Lambda event and context, or a plain WSGI request."""

import uuid

from flask import current_app, g, request

from .lambda_context import LocalLambdaContext
from .local_request import request_view_from_wsgi
from .proxy_event import check_event_shape, request_view_from_event
from .request_view import RequestView


def begin_invocation() -> None:
    """Attach this request's Lambda context (the runtime's, or a local stand-in) and request id to ``g``."""
    environ = request.environ
    event = environ.get("lambda.event")
    context = environ.get("lambda.context") if event is not None else LocalLambdaContext(current_app.config)
    g.lambda_context = context
    g.request_id = getattr(context, "aws_request_id", None) or str(uuid.uuid4())
    if event is not None:
        # Checked before routing, once the request id is known, so any route and method tells the same.
        check_event_shape(event)


def current_request_view() -> RequestView:
    """The view of the current request, from Zappa's event when there is one."""
    event = request.environ.get("lambda.event")
    if event is None:
        return request_view_from_wsgi(request, g.request_id, current_app.config)
    return request_view_from_event(event)
