"""The browser the UI tests drive notices a page reaching past 127.0.0.1, and stops it at the fence on this machine."""

import pytest

from tests.support.browser import Chromium, is_local_url, serving_pages

# .invalid never resolves (RFC 2606); the fence answers for it before any name is looked up.
FAR_SCRIPT = "http://off-machine.invalid/probe.js"
FAR_FETCH = "https://off-machine.invalid/data"
REACHING_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>reaching out</title><script src="{FAR_SCRIPT}"></script></head>
<body>
<script>fetch("{FAR_FETCH}").catch(() => {{}}).finally(() => {{ document.body.dataset.done = "true"; }});</script>
</body>
</html>
"""


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:5000/docs", True),
        ("http://localhost:8080/", True),
        ("data:text/plain,hi", True),
        ("about:blank", True),
        ("http://127.0.0.1.example.com/", False),
        ("https://unpkg.com/swagger-ui-dist/swagger-ui.css", False),
        ("http://10.0.0.1/", False),
    ],
)
def test_local_urls(url: str, local: bool) -> None:
    assert is_local_url(url) is local


@pytest.mark.slow
def test_a_page_reaching_past_this_machine_is_recorded_and_fenced(browser: Chromium) -> None:
    with serving_pages({"/": REACHING_PAGE}) as origin, browser.browsing() as browsing:
        browsing.page.goto(f"{origin}/")
        browsing.page.locator("body[data-done]").wait_for(state="attached")
    attempts = browser.fence.attempts  # Chromium's own calls to Google end here too

    assert browsing.off_machine() == [FAR_SCRIPT, FAR_FETCH]
    assert {exchange.url for exchange in browsing.failed()} == {FAR_SCRIPT, FAR_FETCH}
    assert f"GET {FAR_SCRIPT} HTTP/1.1" in attempts
    assert "CONNECT off-machine.invalid:443 HTTP/1.1" in attempts
