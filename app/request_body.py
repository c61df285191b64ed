"""A request body is either whole or refused: never cut short.

On Lambda a body arrives whole in the event. A WSGI server that reads a chunked body (``make run``) marks its
stream terminated, and Werkzeug then stops reading at ``MAX_CONTENT_LENGTH`` without saying so: a body one byte
over the limit would reach a route cut to the limit. Such a body is read before any route runs, and one that goes
on past the limit is refused with a 413.
"""

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


def refuse_unbounded_overflow() -> None:
    if request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return  # a declared length: Werkzeug itself refuses one over the limit
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and len(request.get_data()) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()  # app/errors.py names the limit


def init_app(app: Flask) -> None:
    app.before_request(refuse_unbounded_overflow)
