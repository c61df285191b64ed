"""Smoke check of a deployed stage: ``GET /health`` must answer 200 with ``{"status": "ok", "stage": STAGE}``.

    python deploy/smoke.py dev              # finds the stage's URL with `zappa status dev --json`
    python deploy/smoke.py dev --url URL    # checks URL instead (a custom domain, a local server)

With ``api_key_required`` on, API Gateway answers 403 without the stage's API key: put it in ``LOOPBACK_API_KEY``
(from the CI's secret settings) and it is sent as ``x-api-key``.

Exits 0 when the stage answers, 1 with the reason when it does not. Standard library only,
so it runs in the deploy-only virtualenv.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

STATUS_URL_KEY = "API Gateway URL"
KEY_ENVIRONMENT_VARIABLE = "LOOPBACK_API_KEY"
ATTEMPTS = 5
PAUSE_SECONDS = 3.0


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
    api_key = os.environ.get(KEY_ENVIRONMENT_VARIABLE)
    headers = {"x-api-key": api_key} if api_key else {}
    request = urllib.request.Request(health, headers=headers)  # noqa: S310 - http(s) only, checked above
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only, checked above
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 403 and not api_key:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", help="the stage to check: dev or prod")
    parser.add_argument("--url", help="the stage's base URL; default: from `zappa status STAGE --json`")
    parser.add_argument("--attempts", type=int, default=ATTEMPTS, help=f"GETs before giving up (default {ATTEMPTS})")
    args = parser.parse_args(argv)
    try:
        url = args.url or deployed_url(args.stage)
        answer = check_health(url, args.stage, attempts=args.attempts)
    except SmokeError as error:
        print(f"smoke check failed: {error}", file=sys.stderr)
        return 1
    print(f"smoke check passed: {url}/health answered {json.dumps(answer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
