"""A Slack incoming webhook on 127.0.0.1: records each POST and answers as Slack does, or not at all; and the CI run
a notice names.

Slack's answers (Slack API docs, "Sending messages using incoming webhooks", handling errors): 200 with the text
``ok``; an error is a 4xx or 500 with a short text such as ``invalid_payload`` or ``rollup_error``.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A GitHub Actions run, as its documented default variables describe it (GitHub Docs, "Variables", default
# environment variables).
GITHUB_RUN = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "octo-org/loopback",
    "GITHUB_RUN_ID": "1658821493",
    "GITHUB_SHA": "ffac537e6cbbf934b08745a378932722df287a53",  # pragma: allowlist secret - a commit id, made up
    "GITHUB_ACTOR": "octocat",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_REF_NAME": "develop",
}
# The path part of a webhook URL Slack hands out: https://hooks.slack.com/services/T.../B.../<secret>.
WEBHOOK_PATH = "/services/T00000000/B00000000/notarealwebhooksecret00"


@dataclass
class Receiver:
    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)  # each: path, content_type, payload

    def payloads(self) -> list[Any]:
        return [post["payload"] for post in self.posts]


@contextmanager
def slack_receiver(status: int = 200, answer: bytes = b"ok", hang: bool = False) -> Iterator[Receiver]:
    """Serve a webhook answering ``status`` with ``answer``; with ``hang``, read each request and never answer."""
    released = threading.Event()
    received: list[dict[str, Any]] = []

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(
                {"path": self.path, "content_type": self.headers.get("Content-Type"), "payload": json.loads(body)}
            )
            if hang:
                released.wait(60)
                return
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK_PATH}", received)
    finally:
        released.set()
        server.shutdown()
        server.server_close()
