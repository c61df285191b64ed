"""Cross-origin requests (CORS): answered by the app itself, with flask-cors, from the stage's settings.

flask-cors reads its settings from ``app.config`` (``CORS_*``), which a stage's ``LOOPBACK_CORS_*`` variables in
zappa_settings.json set (app/stages.py), so each stage's CORS has one source:

- ``LOOPBACK_CORS_ORIGINS``: ``*`` (any origin: the default, and ``dev``'s) or a JSON list of the origins a browser
  may call the API from (``prod``'s). A refused origin gets its answer without CORS headers, which the browser then
  withholds from the page.
- ``LOOPBACK_CORS_SUPPORTS_CREDENTIALS``: off unless set to ``true``; browsers never send credentials (cookies,
  ``Authorization``) to an origin answered with ``*``.

A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) reaches the app through Zappa's ``{proxy+}`` ``ANY``
method and is answered here, for every route. Zappa's own ``cors`` setting stays off: it adds ``MOCK`` ``OPTIONS``
methods to the REST API with the same fixed headers for every stage and origin, which the app's answers would then
contradict, and it fails with an HTTP API.
"""

from collections.abc import Callable

from flask import Blueprint, Flask, Response, request

from .response_headers import STAGE_HEADER

DEFAULTS = {
    "CORS_ORIGINS": "*",
    "CORS_SUPPORTS_CREDENTIALS": False,
    # CORS headers only for a request that asks (one with an Origin): every header costs every request.
    "CORS_ALWAYS_SEND": False,
    # A page may read which stage answered.
    "CORS_EXPOSE_HEADERS": [STAGE_HEADER],
    # Browsers keep a preflight's answer this many seconds (they cap it: Chromium at 7,200).
    "CORS_MAX_AGE": 600,
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    always = app.config["CORS_ALWAYS_SEND"]
    answer_cors: Callable[[Response], Response] | None = None

    def cross_origin(response: Response) -> Response:
        # flask-cors is loaded by the first request from a browser (one with an Origin), not at every cold start:
        # its import asks importlib.metadata for its version, 5 % of a cold start. Without an Origin it adds nothing.
        nonlocal answer_cors
        if not always and "HTTP_ORIGIN" not in request.environ:  # not request.headers: building it costs more
            return response
        if answer_cors is None:
            answer_cors = _flask_cors_hook(app)
        return answer_cors(response)

    app.after_request(cross_origin)


def _flask_cors_hook(app: Flask) -> Callable[[Response], Response]:
    """flask-cors' own after-request hook, set up from the app's ``CORS_*`` settings as ``CORS(app)`` would."""
    from flask_cors import CORS
    from flask_cors.core import get_app_kwarg_dict

    # Set up on a blueprint of its own, only to take the hook it registers: the app's setup is over by now.
    holder = Blueprint("cors", __name__)
    CORS(holder, **get_app_kwarg_dict(app))
    [hook] = holder.after_request_funcs[None]
    return hook
