"""What the current request arrived with: a Lambda event and context, or a plain WSGI request."""

from flask import current_app, g, request

from .lambda_context import LocalLambdaContext
from .local_request import request_view_from_wsgi
from .proxy_event import check_event_shape, request_view_from_event
from .request_view import RequestView


def begin_invocation() -> None:
    """Attach this request's Lambda context (the runtime's, or a local stand-in) to ``g``; refuse an event
    of a shape the loopback cannot show."""
    environ = request.environ
    event = environ.get("lambda.event")
    if event is None:
        g.lambda_context = LocalLambdaContext(current_app.config["LAMBDA_FUNCTION"], g.request_id)
        return
    g.lambda_context = environ.get("lambda.context")
    check_event_shape(event)


def current_request_view() -> RequestView:
    """The view of the current request, from Zappa's event when there is one."""
    event = request.environ.get("lambda.event")
    if event is None:
        return request_view_from_wsgi(request, g.request_id, current_app.config)
    return request_view_from_event(event)
