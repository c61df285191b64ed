"""A local AWS for the deploy test: moto's server on 127.0.0.1, with a journal of the requests it got.

Zappa deletes the uploaded package from S3 once Lambda holds the code, so the journal is
how the test sees that the upload happened.
"""

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from tests.support.emulator_standins import MotoStandIns
from tests.support.stage_settings import FAKE_CREDENTIALS, REGION

SERVICE_IN_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")


@dataclass(frozen=True)
class Request:
    service: str
    method: str
    path: str


@dataclass
class Emulator:
    endpoint: str
    journal: list[Request] = field(default_factory=list)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def environment(self) -> dict[str, str]:
        """What a process needs so that boto3 talks to this emulator, and only to it."""
        return {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def requests_to(self, service: str, method: str) -> list[str]:
        return [request.path for request in self.journal if request.service == service and request.method == method]


class Journal:
    """WSGI middleware that notes each request's service, method and path."""

    def __init__(self, app: Callable, journal: list[Request]) -> None:
        self.app, self.journal = app, journal

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        scope = SERVICE_IN_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope["service"] if scope else ""
        self.journal.append(Request(service, environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return self.app(environ, start_response)


@contextmanager
def running_emulator() -> Iterator[Emulator]:
    """Start moto's server on a free port of 127.0.0.1, empty, with the stand-ins in front."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    # One access-log line per AWS call would bury a failing test's own output.
    access_log = logging.getLogger("werkzeug")
    saved_level = access_log.level
    access_log.setLevel(logging.WARNING)
    server.start()
    try:
        host, port = server.get_host_and_port()
        emulator = Emulator(endpoint=f"http://{host}:{port}")
        # moto's state lives in this process; start from none.
        requests.post(f"{emulator.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        wsgi_server = server._server  # the werkzeug server ThreadedMotoServer runs
        wsgi_server.app = Journal(MotoStandIns(wsgi_server.app), emulator.journal)
        yield emulator
    finally:
        server.stop()
        access_log.setLevel(saved_level)
