"""One structured log line per request: JSON on stdout, which CloudWatch Logs Insights reads field by field.

    {"level":"INFO","message":"request","requestId":"c6af9ac6-...","stage":"prod","method":"POST",
     "path":"/orders/7","status":200}

Written when the root logger allows INFO, which is what Zappa's ``log_level`` sets on Lambda (a
``flask run`` leaves it at WARNING, and werkzeug logs each request there instead). It replaces the
Common Log Format line that Zappa's handler writes at INFO, which has no request id, and it is
cheap enough to leave on in prod (``make bench`` prices it): one write to stdout, which the Lambda
runtime sends to CloudWatch unbuffered, and no ``logging`` record.
"""

import logging
import sys
from json.encoder import JSONEncoder

from flask import Flask, Response, g, request

# The logger of Zappa's per-request Common Log Format line (zappa.wsgi.common_log).
ZAPPA_REQUEST_LOGGER = "zappa.wsgi"
_root = logging.getLogger()
_quote = JSONEncoder().encode  # a str becomes a JSON string, escapes included


def init_app(app: Flask) -> None:
    """Log every request of ``app``. Lambda's own REPORT line, with the same request id, gives each duration."""
    stage = _quote(app.config["STAGE"])

    def log_request(response: Response) -> Response:
        if _root.isEnabledFor(logging.INFO):
            # One look-up of each context object: every attribute read through Flask's proxies costs one.
            incoming = request._get_current_object()
            sys.stdout.write(
                f'{{"level":"INFO","message":"request","requestId":{_quote(g.get("request_id", ""))},'
                f'"stage":{stage},"method":{_quote(incoming.method)},"path":{_quote(incoming.path)},'
                f'"status":{response.status_code}}}\n'
            )
            sys.stdout.flush()
        return response

    app.after_request(log_request)
    logging.getLogger(ZAPPA_REQUEST_LOGGER).setLevel(logging.WARNING)
