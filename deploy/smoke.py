"""Smoke check of a deployed stage, as `make deploy` runs it after each deploy (and `make smoke`):

- ``GET /health`` answers 200 with ``{"status": "ok", "stage": STAGE}``;
- while the app has the loopback (app/loopback), a ``POST`` to it answers 200 with the JSON body and a query
  parameter it was sent, API Gateway's stage STAGE, and the ``Authorization`` header it was sent masked exactly when
  STAGE's settings mask secrets (``LOOPBACK_MASK_SENSITIVE_HEADERS``): a deploy that lost prod's masking fails.

    python -m deploy.smoke dev              # finds the stage's URL with `zappa status dev --json`
    python -m deploy.smoke dev --url URL    # checks URL instead (a custom domain, a local server)

With ``api_key_required`` on, API Gateway answers 403 without the stage's API key: put it in ``LOOPBACK_API_KEY``
(from the CI's secret settings) and it is sent as ``x-api-key``.

Exits 0 when the stage answers as it should, 1 with the reason when it does not.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from app.stages import deployed_settings

STATUS_URL_KEY = "API Gateway URL"
KEY_ENVIRONMENT_VARIABLE = "LOOPBACK_API_KEY"
ATTEMPTS = 5
PAUSE_SECONDS = 3.0
# The probe: a team that removes it keeps the /health check (README, Remove the loopback).
LOOPBACK = Path(__file__).resolve().parent.parent / "app" / "loopback"
LOOPBACK_PATH = "/smoke-check"


class SmokeError(Exception):
    """The deployed stage did not answer as it should."""


def api_url(status: dict[str, Any]) -> str:
    """The stage's invoke URL from the JSON that ``zappa status STAGE --json`` prints."""
    url = status.get(STATUS_URL_KEY)
    if not isinstance(url, str) or not url.startswith("https://"):
        raise SmokeError(f"zappa status has no {STATUS_URL_KEY!r}: {status!r}")
    return url


def deployed_url(stage: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [sys.executable, "-m", "zappa.cli", "status", stage, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SmokeError(f"zappa status {stage} failed: {result.stdout}{result.stderr}")
    return api_url(json.loads(result.stdout))


def check_health(url: str, stage: str, attempts: int = ATTEMPTS, pause: float = PAUSE_SECONDS) -> dict[str, Any]:
    """GET ``url/health`` until it answers 200 (a fresh deploy can take a few seconds), then check the answer."""
    health = url.rstrip("/") + "/health"
    if not health.startswith(("https://", "http://")):
        raise SmokeError(f"{url} is not an http(s) URL")
    key_header = _key_header()
    request = urllib.request.Request(health, headers=key_header)  # noqa: S310 - http(s) only, checked above
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only, checked above
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 403 and not key_header:
                hint = f"if the stage requires an API key, set {KEY_ENVIRONMENT_VARIABLE}"
                raise SmokeError(f"GET {health}: 403; {hint}") from None
            problem = f"GET {health}: {error}"
            continue
        except (urllib.error.URLError, OSError, ValueError) as error:
            problem = f"GET {health}: {error}"
            continue
        expected = {"status": "ok", "stage": stage}
        if answer != expected:
            raise SmokeError(f"GET {health} answered {answer!r}, expected {expected!r}")
        return answer
    raise SmokeError(problem)


def check_loopback(url: str, stage: str) -> str:
    """POST to the loopback with a fresh body, query parameter and Authorization value; check what it shows of them
    against ``stage``'s settings. Returns what was checked."""
    token = secrets.token_hex(8)
    sent = {"smoke": token}
    credential = f"Bearer smoke-{token}"
    target = f"{url.rstrip('/')}{LOOPBACK_PATH}?probe={token}"
    headers = {"Content-Type": "application/json", "Authorization": credential, **_key_header()}
    request = urllib.request.Request(target, data=json.dumps(sent).encode(), headers=headers, method="POST")  # noqa: S310 - http(s) only, checked by check_health first
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SmokeError(f"POST {target}: {error}") from None
    event = answer.get("event") if isinstance(answer, dict) else None
    if not isinstance(event, dict):
        raise SmokeError(f"POST {target} answered no loopback event: {str(answer)[:300]}")
    params, shown_stage = event.get("params", {}), event.get("context", {}).get("stage")
    header = {name.lower(): value for name, value in params.get("header", {}).items()}
    query = params.get("querystring", {})
    masks = bool(deployed_settings(stage).get("MASK_SENSITIVE_HEADERS"))
    problems = []
    if event.get("body-json") != sent:
        problems.append(f"body-json is {event.get('body-json')!r}, not the body sent, {sent!r}")
    if query.get("probe") != token:
        problems.append(f"the query string is {query!r}, not probe={token}")
    if shown_stage != stage:
        problems.append(f"the stage is {shown_stage!r}, not {stage!r}")
    if masks and credential in json.dumps(answer):
        problems.append(f"{stage} masks secrets, but the Authorization header sent came back in clear")
    if not masks and header.get("authorization") != credential:
        problems.append(f"{stage} echoes headers, but Authorization came back as {header.get('authorization')!r}")
    if problems:
        raise SmokeError(f"POST {target}: " + "; ".join(problems))
    return (
        f"POST {LOOPBACK_PATH}: body, query and stage {stage} echoed, Authorization {'masked' if masks else 'echoed'}"
    )


def check(url: str, stage: str, attempts: int = ATTEMPTS, pause: float = PAUSE_SECONDS) -> str:
    """Every check of ``stage`` at ``url``, in order; raises SmokeError at the first that fails. Returns a summary."""
    check_health(url, stage, attempts, pause)
    done = [f"GET /health: {stage} ok"]
    if LOOPBACK.is_dir():
        done.append(check_loopback(url, stage))
    return "; ".join(done)


def _key_header() -> dict[str, str]:
    api_key = os.environ.get(KEY_ENVIRONMENT_VARIABLE)
    return {"x-api-key": api_key} if api_key else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", help="the stage to check: dev or prod")
    parser.add_argument("--url", help="the stage's base URL; default: from `zappa status STAGE --json`")
    parser.add_argument("--attempts", type=int, default=ATTEMPTS, help=f"GETs before giving up (default {ATTEMPTS})")
    args = parser.parse_args(argv)
    try:
        url = args.url or deployed_url(args.stage)
        summary = check(url, args.stage, attempts=args.attempts)
    except SmokeError as error:
        print(f"smoke check failed: {error}", file=sys.stderr)
        return 1
    print(f"smoke check passed: {url}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
