"""The local gateway as a client reaches a stage through its custom domain (``--custom-domain``): no stage in
the URL, the event API Gateway builds for the domain, and so URLs the app builds without the stage, as on AWS.

The events themselves are checked here too, without a server; the loopback's view of them is in
tests/loopback/test_gateway_domain_loopback.py. Without ``--custom-domain`` the other tests/gateway tests
hold unchanged."""

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import create_app
from local_gateway.__main__ import main
from local_gateway.events import HTTP_API as PAYLOAD_2
from local_gateway.events import REST, Api, CustomDomain, HttpRequest, proxy_event
from local_gateway.settings import custom_domain
from tests.gateway.stage_file import TEST_STAGE, gateway_app_settings
from tests.support.local_server import HTTP_API, REST_API, free_port, send, serving
from tests.support.make import make_environment
from tests.support.readme import blocks, section
from tests.support.stage_settings import change_stages, settings_copy

STAGE = "dev"
# The domain the tests give a stage in their own copy of the settings.
DOMAIN = "api.loopback.test"
# The README's commands ("Through the stage's custom domain"), run as written but for the port.
_MAKE_BLOCK, _CURL_BLOCK = blocks(section("### Through the stage's custom domain"))
README_MAKE = _MAKE_BLOCK.text.strip()
README_CURL, README_POST = _CURL_BLOCK.text.strip().split("\n")
README_ADDRESS = "127.0.0.1:8000"  # make run-gateway's default
slow = pytest.mark.slow


@contextmanager
def domain_gateway(stage: str, settings: Path, http_api: bool = False) -> Iterator[int]:
    """``python -m local_gateway --custom-domain`` in front of ``stage`` of ``settings``; yields its port once
    ``GET /health`` (no stage) answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "local_gateway", "--stage", stage, "--custom-domain", "--port", str(port)]
    command += ["--settings", str(settings)] + (["--http-api"] if http_api else [])
    with serving(command, {}, port, "/health") as served:
        yield served.port


def get(port: int, target: str, host: str | None = None) -> tuple:
    return send(port, HttpRequest("GET", target, [("Host", host or f"127.0.0.1:{port}")]))


def dev_settings(folder: Path, **dev: object) -> Path:
    """A copy of zappa_settings.json whose dev stage has ``dev``'s settings besides its own."""
    settings = settings_copy(folder)
    change_stages(settings, {STAGE: dev})
    return settings


# The event, as API Gateway builds it for a request through the custom domain


@pytest.mark.parametrize("target", ["/orders/7", f"/{STAGE}/orders/7"])
def test_rest_event_through_the_domain_has_the_path_as_sent_and_the_domain_as_host(target):
    event = proxy_event(HttpRequest("GET", target), Api(STAGE, REST, custom_domain=CustomDomain(DOMAIN)))

    assert (event["path"], event["requestContext"]["path"]) == (target, target)
    assert (event["resource"], event["pathParameters"]) == ("/{proxy+}", {"proxy": target.removeprefix("/")})
    assert event["headers"]["Host"] == event["requestContext"]["domainName"] == DOMAIN
    assert event["requestContext"]["domainPrefix"] == DOMAIN.split(".")[0]
    assert event["requestContext"]["stage"] == STAGE


def test_rest_root_through_the_domain_is_the_root_resource():
    event = proxy_event(HttpRequest("GET", "/"), Api(STAGE, REST, custom_domain=CustomDomain(DOMAIN)))

    assert (event["path"], event["requestContext"]["path"], event["resource"]) == ("/", "/", "/")


def test_http_api_event_through_the_domain_has_no_stage_in_its_raw_path():
    event = proxy_event(HttpRequest("GET", "/a%20b"), Api(STAGE, PAYLOAD_2, custom_domain=CustomDomain(DOMAIN)))

    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/a b"
    assert event["headers"]["host"] == event["requestContext"]["domainName"] == DOMAIN
    assert event["requestContext"]["stage"] == STAGE


@pytest.mark.parametrize("version", [REST, PAYLOAD_2])
def test_a_domain_without_a_name_is_the_host_the_client_sent(version):
    request = HttpRequest("GET", "/health", [("Host", "127.0.0.1:8000")])
    event = proxy_event(request, Api(STAGE, version, custom_domain=CustomDomain()))

    host = event["headers"]["Host" if version == REST else "host"]
    assert host == event["requestContext"]["domainName"] == "127.0.0.1:8000"


# The domain from zappa_settings.json


def test_the_domain_is_the_stages_domain_setting(tmp_path):
    assert custom_domain(STAGE, dev_settings(tmp_path, domain=DOMAIN)) == CustomDomain(DOMAIN)


@pytest.mark.parametrize("setting", [{}, {"domain": "CHANGE-ME.example.com"}], ids=["unset", "placeholder"])
def test_without_a_domain_of_its_own_the_client_names_it(tmp_path, setting):
    assert custom_domain(STAGE, dev_settings(tmp_path, **setting)) == CustomDomain(None)


def test_a_stage_with_a_base_path_is_refused_with_one_line(tmp_path, capsys):
    settings = dev_settings(tmp_path, domain=DOMAIN, base_path="v1")
    with pytest.raises(SystemExit) as stopped:
        main(["--stage", STAGE, "--custom-domain", "--settings", str(settings)])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "base_path 'v1'" in error and "--custom-domain" in error


# Over HTTP: the app behind the gateway, as reached through its custom domain


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def app_on_domain(request, tmp_path_factory):
    """The dev stage, whose settings name ``DOMAIN``, through the domain; yields ``(kind, port)``."""
    settings = dev_settings(tmp_path_factory.mktemp("domain"), domain=DOMAIN)
    with domain_gateway(STAGE, settings, http_api=request.param == HTTP_API) as port:
        yield request.param, port


@slow
def test_health_is_at_the_root_of_the_domain(app_on_domain):
    _, port = app_on_domain
    status, headers, body = get(port, "/health")
    assert (status, json.loads(body)) == (200, {"status": "ok", "stage": STAGE})
    assert headers["X-Loopback-Stage"] == STAGE


@slow
def test_the_stage_prefix_reaches_the_app_as_part_of_the_path(app_on_domain):
    """Through the domain ``/dev/health`` is no path of the gateway's: a REST API's function gets it as it is,
    and the app answers it as the same app does for that path anywhere."""
    kind, port = app_on_domain
    status, headers, body = get(port, f"/{STAGE}/health")
    if kind == HTTP_API:
        # Zappa's handler takes a rawPath that starts with the stage for the API's own URL and strips the stage
        # (zappa/handler.py): on AWS too, the domain's /dev/health is the app's /health.
        assert (status, json.loads(body)) == (200, {"status": "ok", "stage": STAGE})
        return
    expected = create_app({"STAGE": STAGE, "TESTING": True}).test_client().get(f"/{STAGE}/health")
    assert expected.status_code in (404, 405)
    assert (status, headers["Content-Type"]) == (expected.status_code, "application/json")
    assert json.loads(body)["error"]["message"] == expected.get_json()["error"]["message"]


@slow
def test_openapi_names_no_stage_prefix(app_on_domain):
    _, port = app_on_domain
    status, _, body = get(port, "/openapi.json")
    assert status == 200
    spec = json.loads(body)
    assert "/health" in spec["paths"]
    assert [server["url"] for server in spec.get("servers", [])] in ([], [""], ["/"])


@slow
def test_docs_page_loads_its_assets_without_the_stage(app_on_domain):
    _, port = app_on_domain
    status, _, body = get(port, "/docs")
    assert status == 200
    page = body.decode()
    assets = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert assets and all(asset.startswith("/docs/") for asset in assets)
    assert '"url": "/openapi.json"' in page
    assert get(port, assets[0])[0] == 200


# URLs the app builds (tests/gateway/gateway_app.py): its redirects and url_for, through the domain


@pytest.fixture(
    scope="module",
    params=[(REST_API, DOMAIN), (HTTP_API, DOMAIN), (REST_API, "CHANGE-ME.example.com")],
    ids=["rest-api", "http-api", "rest-api-placeholder-domain"],
)
def gateway_app_on_domain(request, tmp_path_factory):
    """tests/gateway/gateway_app.py through its custom domain; yields ``(port, domain)``: the stage's domain, or
    for a placeholder the Host the test client sends."""
    kind, domain = request.param
    settings = gateway_app_settings(tmp_path_factory.mktemp("domain"), domain=domain)
    with domain_gateway(TEST_STAGE, settings, http_api=kind == HTTP_API) as port:
        yield port, domain if domain == DOMAIN else f"127.0.0.1:{port}"


@slow
def test_trailing_slash_redirect_has_no_stage_and_leads_back_to_the_gateway(gateway_app_on_domain):
    port, _ = gateway_app_on_domain
    status, headers, _ = get(port, "/items")
    assert status == 308
    # The app redirects to the domain's URL; the gateway points the Location at itself, where the client is.
    assert headers["Location"] == f"http://127.0.0.1:{port}/items/"
    location = urlsplit(headers["Location"])
    status, _, body = get(location.port, location.path, location.netloc)
    assert (status, json.loads(body)) == (200, {"items": []})


@slow
def test_url_for_gives_the_domains_urls_without_the_stage(gateway_app_on_domain):
    port, domain = gateway_app_on_domain
    status, _, body = get(port, "/links")
    assert (status, json.loads(body)) == (200, {"items": f"https://{domain}/items/", "path": "/items/"})


@slow
def test_redirect_to_url_for_has_no_stage(gateway_app_on_domain):
    port, _ = gateway_app_on_domain
    status, headers, _ = get(port, "/go")
    assert (status, headers["Location"]) == (302, "/items/")


def run_curl(command: str, port: int) -> bytes:
    """Run a README curl command, written for the gateway at ``README_ADDRESS``, against ``port``; its output."""
    words = shlex.split(command.replace(README_ADDRESS, f"127.0.0.1:{port}"))
    assert words[0] == "curl" and README_ADDRESS in command
    return subprocess.run(words, capture_output=True, check=True, timeout=30).stdout


@slow
def test_make_run_gateway_custom_domain_serves_the_stage_at_the_root():
    """The README's `make run-gateway STAGE=dev CUSTOM_DOMAIN=1` and its curl."""
    port = free_port()
    command = [*shlex.split(README_MAKE), f"GATEWAY_PORT={port}"]
    with serving(command, make_environment(), port, "/health"):
        answer = json.loads(run_curl(README_CURL, port))
        outside = get(port, f"/{STAGE}/health")[0]
    assert answer == {"status": "ok", "stage": STAGE}
    # Not the gateway's 403 for a path outside the stage: the app's own answer.
    assert outside in (404, 405)
