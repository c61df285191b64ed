"""Swagger UI at /docs and the API's CORS, as a person meets them: in headless Chromium (tests/support/browser.py).

Served by ``make run``'s server and by the local API Gateway (stage ``dev``, below its ``/dev`` prefix). Every page
must stay on 127.0.0.1: Swagger UI's assets and description come from the app, and it calls nothing else.
"""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page

from tests.support import PROJECT_ROOT
from tests.support.browser import Browsing, Chromium, serving_pages
from tests.support.local_server import Served, dev_server, gateway

pytestmark = pytest.mark.slow

SCREENSHOTS = PROJECT_ROOT / "test-output"
# What the loopback's contract and the skeleton promise (DESIGN.md 3 and 6), as Swagger UI lists them.
PROMISED_OPERATIONS = {("POST", "/"), ("POST", "/{path}"), ("GET", "/health")}
SENT_BODY = {"hello": "browser", "numbers": [1, 2.5]}

# A page of another origin whose script calls the API named in its query string as a web app would: a JSON POST,
# which the browser preflights (OPTIONS), then shows what it got, or the error fetch rejected with.
CALLER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>another origin</title></head>
<body>
<pre id="result"></pre>
<script>
const api = new URLSearchParams(location.search).get("api");
const request = {method: "POST", headers: {"Content-Type": "application/json"}};
fetch(api, {...request, body: JSON.stringify({from: location.origin})})
  .then(async (response) => ({
    status: response.status,
    stage: response.headers.get("X-Loopback-Stage"),
    answer: await response.json(),
  }))
  .catch((error) => ({error: `${error.name}: ${error.message}`}))
  .then((result) => {
    const shown = document.getElementById("result");
    shown.textContent = JSON.stringify(result);
    shown.dataset.done = "true";
  });
</script>
</body>
</html>
"""


@dataclass(frozen=True)
class Api:
    """A server of the app's ``dev`` stage: ``root`` is the URL its routes are below."""

    root: str
    screenshot: str


@pytest.fixture(scope="module")
def dev_api() -> Iterator[Served]:
    with dev_server("dev") as served:
        yield served


@pytest.fixture(scope="module")
def gateway_api() -> Iterator[Served]:
    with gateway("dev") as served:
        yield served


@pytest.fixture(params=["make-run", "gateway"])
def api(request: pytest.FixtureRequest) -> Api:
    if request.param == "make-run":
        return Api(f"http://127.0.0.1:{request.getfixturevalue('dev_api').port}", "swagger-ui.png")
    return Api(f"http://127.0.0.1:{request.getfixturevalue('gateway_api').port}/dev", "swagger-ui-gateway.png")


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    with serving_pages({"/": CALLER_PAGE}) as origin:
        yield origin


def open_docs(browsing: Browsing, api: Api) -> Page:
    page = browsing.page
    page.goto(f"{api.root}/docs")
    page.locator(".opblock").first.wait_for()
    return page


def operation(page: Page, method: str, path: str) -> Locator:
    summary = page.locator(".opblock-summary").filter(
        has=page.locator(".opblock-summary-method").get_by_text(method, exact=True)
    )
    summary = summary.filter(has=page.locator(".opblock-summary-path").get_by_text(path, exact=True))
    return page.locator(".opblock").filter(has=summary)


def test_docs_render_every_operation_from_this_machine(browser: Chromium, api: Api) -> None:
    with browser.browsing() as browsing:
        page = open_docs(browsing, api)
        rendered = {
            (block.locator(".opblock-summary-method").inner_text(), block.locator(".opblock-summary-path").inner_text())
            for block in page.locator(".opblock").all()
        }
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / api.screenshot, full_page=True)
        description_errors = page.locator(".errors-wrapper").all_inner_texts()

    assert rendered >= PROMISED_OPERATIONS, f"Swagger UI lists {sorted(rendered)}"
    assert not description_errors, "Swagger UI could not read the description"
    assert not browsing.failed(), "the page's requests that failed"
    assert not browsing.off_machine(), "the page reached past 127.0.0.1"
    # Its script, style and description all come from below the stage's root (the gateway's /dev prefix).
    assert all(url.startswith(f"{api.root}/") for url in browsing.urls()), browsing.urls()


def try_loopback(browsing: Browsing, api: Api, path: str, body: str) -> tuple[str, dict]:
    """In Swagger UI: "Try it out" on ``POST /{path}`` with ``path`` and ``body``, Execute; the status and the
    answer it shows."""
    page = open_docs(browsing, api)
    loopback = operation(page, "POST", "/{path}")
    loopback.locator(".opblock-summary").click()
    loopback.get_by_role("button", name="Try it out").click()
    loopback.locator("tr[data-param-name=path] input").fill(path)
    loopback.locator("textarea.body-param__text").fill(body)
    loopback.get_by_role("button", name="Execute").click()
    answered = loopback.locator(".live-responses-table tr.response")
    status = answered.locator(".response-col_status").inner_text()
    shown = answered.locator(".response-col_description pre.microlight").first.inner_text()
    return status.strip(), json.loads(shown)


def test_try_it_out_shows_the_loopback_answer(browser: Chromium, api: Api) -> None:
    sent = json.dumps(SENT_BODY)
    with browser.browsing() as browsing:
        status, answer = try_loopback(browsing, api, "orders", sent)

    assert status == "200"
    assert answer["event"]["params"]["path"] == {"proxy": "orders"}
    assert answer["extras"]["path"] == "/orders"
    assert answer["extras"]["app-stage"] == "dev"
    assert answer["event"]["context"]["stage"] == "dev"
    shown = answer["event"]["body-json"]
    # The body arrives whole; how it is shown depends on the Content-Type Swagger UI sent (see the next test).
    if answer["extras"]["body"]["representation"] == "json":
        assert shown == SENT_BODY
    else:
        assert base64.b64decode(shown).decode() == sent
    assert not browsing.off_machine(), "the page reached past 127.0.0.1"


def test_try_it_out_sends_a_json_body_as_json(browser: Chromium, dev_api: Served) -> None:
    with browser.browsing() as browsing:
        _, answer = try_loopback(browsing, Api(f"http://127.0.0.1:{dev_api.port}", ""), "orders", json.dumps(SENT_BODY))

    assert answer["event"]["params"]["header"]["Content-Type"] == "application/json"
    assert answer["event"]["body-json"] == SENT_BODY


def call_from_other_origin(browser: Chromium, origin: str, api_url: str) -> dict:
    """What the page at ``origin`` got from its fetch of ``api_url``: ``status``, ``stage``, ``answer``; or
    ``error``. The page made no request past 127.0.0.1."""
    with browser.browsing() as browsing:
        browsing.page.goto(f"{origin}/?api={quote(api_url, safe='')}")
        result = browsing.page.locator("#result[data-done]")
        result.wait_for()
        shown = json.loads(result.inner_text())
    assert not browsing.off_machine(), "the page reached past 127.0.0.1"
    return shown


def test_cors_a_page_of_an_allowed_origin_reads_the_answer(browser: Chromium, other_origin: str) -> None:
    with dev_server("prod", {"LOOPBACK_CORS_ORIGINS": json.dumps([other_origin])}) as api:
        result = call_from_other_origin(browser, other_origin, f"http://127.0.0.1:{api.port}/allowed")
        log = api.output()

    assert result.get("status") == 200, result
    assert result["answer"]["event"]["body-json"] == {"from": other_origin}
    assert result["answer"]["event"]["params"]["header"]["Origin"] == other_origin
    assert result["stage"] == "prod", "the page may read the stage header (exposed)"
    assert '"OPTIONS /allowed ' in log, "the browser preflights a JSON POST"
    assert '"POST /allowed ' in log


def test_cors_a_page_of_another_origin_gets_nothing(browser: Chromium, other_origin: str) -> None:
    # The same host by another name is another origin.
    allowed = other_origin.replace("127.0.0.1", "localhost")
    with dev_server("prod", {"LOOPBACK_CORS_ORIGINS": json.dumps([allowed])}) as api:
        result = call_from_other_origin(browser, other_origin, f"http://127.0.0.1:{api.port}/refused")
        log = api.output()

    assert result.get("error", "").startswith("TypeError: "), result  # how fetch reports a CORS refusal
    assert '"OPTIONS /refused ' in log
    assert '"POST /refused ' not in log, "a refused preflight stops the POST in the browser"


def test_cors_through_the_gateway(browser: Chromium, other_origin: str, gateway_api: Served) -> None:
    # dev allows any origin.
    result = call_from_other_origin(browser, other_origin, f"http://127.0.0.1:{gateway_api.port}/dev/allowed")

    assert result.get("status") == 200, result
    assert result["answer"]["event"]["body-json"] == {"from": other_origin}
    assert result["answer"]["event"]["context"]["stage"] == "dev"
    assert result["stage"] == "dev"
