"""CORS, answered by the app for every route, per stage: dev allows any origin, prod the origins its settings list
(read here from zappa_settings.json, never pinned). Preflights and actual requests, allowed and refused origins,
through Flask's test client, through the function's handler with REST and HTTP API events, and through the local
gateway over HTTP."""

import json
import shlex
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from local_gateway.events import HTTP_API, REST, Api, HttpRequest, proxy_event
from tests.support import PROJECT_ROOT
from tests.support.local_server import dev_server, gateway, send
from tests.support.readme import blocks, section
from tests.support.stage_settings import STAGES, stage_settings

REFUSED = "https://elsewhere.invalid"
ALLOW_ORIGIN = "access-control-allow-origin"


def allowed_origins(stage: str) -> list[str] | str:
    configured = stage_settings(stage).aws_environment_variables.get("LOOPBACK_CORS_ORIGINS", "*")
    return configured if configured == "*" else json.loads(configured)


def an_allowed_origin(stage: str) -> str:
    origins = allowed_origins(stage)
    return "https://any.invalid" if origins == "*" else origins[0]


def preflight(origin: str, target: str = "/health") -> HttpRequest:
    """A browser's preflight before a JSON POST from ``origin``."""
    asks = [("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")]
    return HttpRequest("OPTIONS", target, [("Host", "127.0.0.1"), ("Origin", origin), *asks])


def lowered(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in dict(headers).items()}


def check_allowed(headers: dict[str, str], origin: str, is_preflight: bool) -> None:
    assert headers.get(ALLOW_ORIGIN) in (origin, "*"), headers
    assert "access-control-allow-credentials" not in headers  # credentials are off unless a stage sets them
    if is_preflight:
        assert "POST" in headers["access-control-allow-methods"]
        assert "content-type" in headers["access-control-allow-headers"].lower()
    else:
        assert "X-Loopback-Stage" in headers["access-control-expose-headers"]


def check_refused(headers: dict[str, str]) -> None:
    assert not [name for name in headers if name.startswith("access-control-")], headers


def test_the_stages_differ_as_the_settings_say():
    assert allowed_origins("dev") == "*"
    prod = allowed_origins("prod")
    assert isinstance(prod, list) and prod and all(origin.startswith("https://") for origin in prod)
    # Zappa's own CORS (MOCK OPTIONS methods with fixed headers) stays off: the app answers preflights.
    assert not any(stage_settings(stage).stage_config.get("cors") for stage in STAGES)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("path", ["/health", "/orders", "/nope"])
def test_through_the_test_client(client_for, stage, path):
    client = client_for(stage)
    origin = an_allowed_origin(stage)
    answer = client.open(path, method="OPTIONS", headers=preflight(origin).headers)
    assert answer.status_code in (200, 404)
    check_allowed(lowered(answer.headers), origin, is_preflight=True)
    check_allowed(lowered(client.get("/health", headers={"Origin": origin}).headers), origin, is_preflight=False)
    check_refused(lowered(client.get("/health").headers))  # no Origin: not a CORS request
    if allowed_origins(stage) != "*":
        check_refused(lowered(client.open(path, method="OPTIONS", headers=preflight(REFUSED).headers).headers))
        check_refused(lowered(client.get("/health", headers={"Origin": REFUSED}).headers))


@pytest.mark.parametrize("payload", [REST, HTTP_API], ids=["rest-api", "http-api"])
@pytest.mark.parametrize("stage", STAGES)
def test_through_the_handler(invoke, stage, payload):
    origin = an_allowed_origin(stage)
    response = invoke(proxy_event(preflight(origin, f"/{stage}/health"), Api(stage, payload)), stage)
    assert response["statusCode"] == 200, response
    check_allowed(lowered(response["headers"]), origin, is_preflight=True)
    # An empty answer that claims no HTML (Zappa's handler gives it its default, text/plain), and lists the methods
    # in one order whatever the process.
    assert not response.get("body") and "html" not in lowered(response["headers"]).get("content-type", "")
    allowed = lowered(response["headers"])["allow"].split(", ")
    assert allowed == sorted(allowed) and {"GET", "OPTIONS"} <= set(allowed)
    actual = HttpRequest("GET", f"/{stage}/health", [("Origin", origin)])
    check_allowed(lowered(invoke(proxy_event(actual, Api(stage, payload)), stage)["headers"]), origin, False)
    if allowed_origins(stage) != "*":
        refused = invoke(proxy_event(preflight(REFUSED, f"/{stage}/health"), Api(stage, payload)), stage)
        check_refused(lowered(refused["headers"]))


@pytest.mark.slow
@pytest.mark.parametrize("http_api", [False, True], ids=["rest-api", "http-api"])
def test_through_the_local_gateway(http_api):
    stage = "prod"
    origin = an_allowed_origin(stage)
    with gateway(stage, http_api=http_api) as served:
        for path in ("/health", "/orders/7"):  # the second: a team's route, or the loopback's, or none (404)
            status, answer_headers, _ = send(served.port, preflight(origin, f"/{stage}{path}"))
            assert status in (200, 404)
            check_allowed(lowered(answer_headers.items()), origin, is_preflight=True)
            _, answer_headers, _ = send(served.port, preflight(REFUSED, f"/{stage}{path}"))
            check_refused(lowered(answer_headers.items()))


@pytest.mark.slow
def test_the_readmes_preflight_over_make_run():
    """The README's curl preflight, sent as it is written to `make run`'s server (the local stage: any origin)."""
    [block] = blocks(section("## CORS: calling the API from a browser"))
    words = shlex.split(block.text.replace("\\\n", " "))
    assert words[:5] == ["curl", "-s", "-i", "-X", "OPTIONS"]
    url = urlsplit(words[5])
    headers = [
        tuple(part.strip() for part in words[index + 1].split(":", 1))
        for index, word in enumerate(words)
        if word == "-H"
    ]
    origin = dict(headers)["Origin"]
    with dev_server("local") as served:
        status, answer_headers, _ = send(
            served.port, HttpRequest("OPTIONS", url.path, [("Host", url.netloc), *headers])
        )
    assert status == 200
    check_allowed(lowered(answer_headers.items()), origin, is_preflight=True)


LOADS = """
import sys
from app import create_app
client = create_app({"STAGE": "dev"}).test_client()
plain = client.get("/health")
before = "flask_cors" in sys.modules
browser = client.get("/health", headers={"Origin": "https://any.invalid"})
print(before, "Access-Control-Allow-Origin" in plain.headers,
      "flask_cors" in sys.modules, browser.headers.get("Access-Control-Allow-Origin"))
"""


def test_flask_cors_loads_with_the_first_request_from_a_browser():
    # A cold start, and every request without an Origin (curl, servers, Zappa's keep_warm), never pays for it.
    run = subprocess.run([sys.executable, "-c", LOADS], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.split("\n")[-2] == "False False True https://any.invalid"
