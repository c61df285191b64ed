"""The README's "Build your own API on it", done in a copy of the project: a team's route and its test
added as the README shows them, then the loopback removed with the README's commands. What stays must
pass its tests, build with `make package`, and answer `GET /health` and the team's route through
Zappa's handler in the unzipped package."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local_gateway.events import HTTP_API, REST, Api, HttpRequest, proxy_event
from tests.support.checkout import copy_project
from tests.support.cold_start import run_in_lambda_layout
from tests.support.local_server import free_port, serving
from tests.support.make import make_environment
from tests.support.readme import blocks, section

pytestmark = pytest.mark.slow

ASSIGNMENT = re.compile(r"^(\w+) = ", re.MULTILINE)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the project as a team has it."""
    return copy_project(tmp_path_factory.mktemp("team") / "loopback")


def follow(checkout: Path, heading: str) -> None:
    """Do what a README section shows: write each ``# path`` block to that file, put each ``# in path``
    block's assignment in place of the same assignment in that file, and run each ``sh`` block."""
    for block in blocks(section(heading)):
        if block.language == "python" and block.first_line.startswith("# in "):
            replace_assignment(checkout / block.first_line.removeprefix("# in "), block.text.split("\n", 1)[1])
        elif block.language == "python" and block.first_line.startswith("# "):
            target = checkout / block.first_line.removeprefix("# ")
            target.write_text(block.text.split("\n", 1)[1])
        elif block.language == "sh":
            run(checkout, block.text)


def replace_assignment(path: Path, assignment: str) -> None:
    name = ASSIGNMENT.match(assignment).group(1)
    text = path.read_text()
    start = re.search(rf"^{name} = ", text, re.MULTILINE).start()
    end = text.index("\n)\n", start) + 3
    path.write_text(text[:start] + assignment + text[end:])


def run(checkout: Path, script: str) -> None:
    """Run a README shell block in the checkout, with this run's virtualenv and uv, offline; Zappa's CLI
    through tests/support/zappa_cli.py (no update check on pypi.org, no address off this machine)."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=checkout,
        env=make_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"$ {script}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def removed(checkout) -> Path:
    follow(checkout, "### Add a route")
    follow(checkout, "### Describe your route")
    follow(checkout, "### Remove the loopback")
    return checkout


def test_the_loopback_is_gone_and_the_teams_route_is_there(removed):
    assert not (removed / "app" / "loopback").exists()
    assert not (removed / "tests" / "loopback").exists()
    text = (removed / "app" / "__init__.py").read_text()
    assert "loopback" not in text.split("BLUEPRINTS")[1].split(")")[0]
    assert '".orders",' in text
    assert (removed / "tests" / "orders" / "test_orders.py").exists()


def test_the_package_answers_health_and_the_teams_route(removed, tmp_path):
    package = removed / "dist" / "loopback-dev.zip"
    assert package.exists()
    requests = [HttpRequest("GET", "/dev/health", [("Host", "example.com")]), HttpRequest("GET", "/dev/orders/7")]
    events = [proxy_event(request, Api("dev", kind)) for request in requests for kind in (REST, HTTP_API)]
    run = run_in_lambda_layout(package, "dev", events, tmp_path)
    answers = [(response["statusCode"], json.loads(response["body"])) for response in run.results]
    health, order = (200, {"status": "ok", "stage": "dev"}), (200, {"id": "7", "status": "shipped"})
    assert answers == [health, health, order, order]
    assert not [name for name in run.module_files if name.startswith("app.loopback")]


def test_the_api_description_shows_the_teams_route_and_its_schema(removed, tmp_path):
    package = removed / "dist" / "loopback-dev.zip"
    event = proxy_event(HttpRequest("GET", "/dev/openapi.json", [("Host", "example.com")]), Api("dev", REST))
    [response] = run_in_lambda_layout(package, "dev", [event], tmp_path).results
    description = json.loads(response["body"])
    assert set(description["paths"]) == {"/health", "/openapi.json", "/docs", "/docs/{asset}", "/orders/{order_id}"}
    answer = description["paths"]["/orders/{order_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/Order"}
    assert description["components"]["schemas"]["Order"]["required"] == ["id", "status"]


def test_the_smoke_check_is_health_only_without_the_loopback(removed):
    """`make deploy`'s smoke check in the team's copy: /health, and no POST a loopback would have answered."""
    port = free_port()
    command = [sys.executable, "-m", "app.dev_server", "--no-reload", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, {"LOOPBACK_STAGE": "dev"}, port, "/health", cwd=removed):
        url = f"http://127.0.0.1:{port}"
        smoke = subprocess.run(
            [sys.executable, "-m", "deploy.smoke", "dev", "--url", url],
            cwd=removed,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert smoke.returncode == 0, smoke.stderr
    assert smoke.stdout == f"smoke check passed: {url}: GET /health: dev ok\n"
