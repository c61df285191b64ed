"""Headers every answer carries, whatever route or error it comes from: the stage that served it, and two that
keep what it echoes safe.

- ``X-Loopback-Stage``: the app's stage (``local``, ``dev``, ``prod``), so a client can tell which answered.
- ``Cache-Control: no-store``: an answer may echo what a caller sent (its headers, its body); no browser, proxy
  or CDN between the caller and API Gateway may keep a copy.
- ``X-Content-Type-Options: nosniff``: a browser takes the declared Content-Type and never guesses HTML or script
  from a body that echoes a caller's text.
A route that wants its answer cached sets its own ``Cache-Control``, which is kept. One hook sets all three: each
hook, and each header (Zappa copies every header of an answer once per header), costs every request.
"""

from collections.abc import Callable

from flask import Flask, Response

STAGE_HEADER = "X-Loopback-Stage"
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def headers_adder(stage: str) -> Callable[[Response], Response]:
    """An after-request hook that sets the stage's header and adds the security headers a route did not set."""

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers[STAGE_HEADER] = stage
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:  # add, not setdefault: half the cost
                headers.add(name, value)
        return response

    return add_headers


def init_app(app: Flask) -> None:
    app.after_request(headers_adder(app.config["STAGE"]))
