"""Headers every answer carries, whatever route or error it comes from.

- ``Cache-Control: no-store``: an answer may echo what a caller sent (its headers, its body); no browser, proxy
  or CDN between the caller and API Gateway may keep a copy.
- ``X-Content-Type-Options: nosniff``: a browser takes the declared Content-Type and never guesses HTML or script
  from a body that echoes a caller's text.
A route that wants its answer cached sets its own ``Cache-Control``, which is kept.
"""

from flask import Flask, Response

SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:  # add, not setdefault: half the cost, on every answer
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
