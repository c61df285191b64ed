"""Every answer that is not a success is JSON of one shape: ``{"error": {"status", "message", "request-id"}}``.

That covers errors, and redirects too: the router's own (a 308 to the same path with or without its trailing
slash) and ``flask.redirect``'s carry an HTML page that names the new location, which becomes the message here.
"""

from flask import Flask, Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound, RequestEntityTooLarge


def error_json(status: int, message: str, request_id: str) -> str:
    """The one error shape as JSON text; lambda_entry.py answers its refusals with it too."""
    error = {"status": status, "message": message, "request-id": request_id}
    return json.dumps({"error": error}, separators=(",", ":"))


def http_error(error: HTTPException) -> Response:
    """A werkzeug HTTP error as JSON; keeps its headers (``Allow`` on a 405)."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # The router gathers them in a set; sorted, the header is the same in every process.
        error.valid_methods = sorted(error.valid_methods)
    status = error.code or 500
    response = current_app.response_class(
        error_json(status, _message(error), g.get("request_id", "")), status, mimetype="application/json"
    )
    # Werkzeug's own page is never built: it would hold the message as HTML (and fail on text that is no Unicode).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _message(error: HTTPException) -> str:
    # The router's and Werkzeug's own descriptions do not say which method, path or limit they are about; a
    # view's own description (``abort(404, "No item 7.")``) is kept.
    if error.description == type(error).description:
        if isinstance(error, MethodNotAllowed):
            allowed = ", ".join(error.valid_methods or ())
            return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
        if isinstance(error, NotFound):
            return f"No route for {request.method} {request.path}."
        if isinstance(error, RequestEntityTooLarge) and (limit := current_app.config.get("MAX_CONTENT_LENGTH")):
            return too_large(limit)
    return error.description or error.name


def too_large(limit: int) -> str:
    """The 413's message; app/dev_server.py refuses a chunked body with it too."""
    return f"The request body is over {limit:,} bytes, the most this API takes."


def unexpected_error(error: Exception) -> Response:
    """Anything unexpected: logged with its traceback, answered as a 500 without one."""
    current_app.logger.exception("unhandled error in request %s", g.get("request_id", ""))
    return http_error(InternalServerError("An unexpected error happened; quote the request id when reporting it."))


def redirect_as_json(response: Response) -> Response:
    """A redirect's HTML page as JSON; its status and ``Location`` are kept."""
    if 300 <= response.status_code < 400 and response.mimetype == "text/html":
        location = response.headers.get("Location", "")
        message = f"This is at {location}; send the request there." if location else response.status
        response.set_data(error_json(response.status_code, message, g.get("request_id", "")))
        response.content_type = "application/json"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.after_request(redirect_as_json)
