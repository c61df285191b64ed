"""`make deploy`'s release (deploy/release.py) against moto's server: deploy or update, smoke check, rollback on a
failed check, and the Slack notice of each outcome, received by a real HTTP receiver on 127.0.0.1.

moto cannot run the function, so the smoke check is driven against the app served on 127.0.0.1 (`SMOKE_URL`): as
`make run` serves the stage, for a good deploy; with the stage's masking switched off, for a deploy that broke it.
"""

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import Checkout, copy_project
from tests.support.deploy_tools import POLICY_FILE, create_execution_role, iam_action, policy_allows
from tests.support.local_server import dev_server
from tests.support.slack_receiver import GITHUB_RUN, slack_receiver
from tests.support.stage_settings import stage_settings

pytestmark = pytest.mark.slow

STAGE = "prod"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def checkout(emulator, tmp_path_factory) -> Checkout:
    checkout = Checkout(copy_project(tmp_path_factory.mktemp("release") / "loopback"), emulator)
    checkout.environment.update(GITHUB_RUN, GITHUB_REF_NAME="main")
    create_execution_role(checkout.root, emulator.environment(), STAGE)
    return checkout


@contextmanager
def stage_server(masking: str | None = None) -> Iterator[str]:
    """The stage as `make run` serves it; ``masking`` overrides its LOOPBACK_MASK_SENSITIVE_HEADERS."""
    override = {} if masking is None else {"LOOPBACK_MASK_SENSITIVE_HEADERS": masking}
    with dev_server(STAGE, override) as served:
        yield f"http://127.0.0.1:{served.port}"


def make_deploy(checkout: Checkout, smoke_url: str, fails: bool = False) -> subprocess.CompletedProcess:
    return checkout.run(f"make --no-print-directory deploy STAGE={STAGE} SMOKE_URL={smoke_url}", fails)


def function_state(emulator: Emulator, name: str) -> tuple[str, list[dict[str, Any]]]:
    """$LATEST's CodeSha256, and the published versions, newest first."""
    lambda_client = emulator.client("lambda")
    latest = lambda_client.get_function_configuration(FunctionName=name)["CodeSha256"]
    versions = lambda_client.list_versions_by_function(FunctionName=name)["Versions"]
    published = [version for version in versions if version["Version"] != "$LATEST"]
    return latest, sorted(published, key=lambda version: int(version["Version"]), reverse=True)


def fields(payload: dict[str, Any]) -> dict[str, str]:
    """The notice's fields, by name, from its Block Kit section."""
    shown = {}
    for block in payload["blocks"]:
        for field in block.get("fields", []):
            name, value = field["text"].split("\n", 1)
            shown[name.strip("*")] = value
    return shown


def change_the_code(project: Path) -> None:
    """A new commit's code: the next deploy's package differs from the one deployed."""
    health = project / "app" / "health.py"
    health.write_text(health.read_text() + "\n# changed for the next deploy\n")


def test_a_deploy_that_fails_its_smoke_check_is_rolled_back_and_posted(emulator, checkout):
    name = stage_settings(STAGE, checkout.root / "zappa_settings.json").lambda_name
    with slack_receiver() as slack, stage_server() as good, stage_server(masking="false") as unmasked:
        checkout.environment["SLACK_WEBHOOK_URL"] = slack.url
        # A first deploy that fails its check stays (nothing to roll back to) and says so.
        first = make_deploy(checkout, unmasked, fails=True)
        assert "nothing to roll back to" in first.stderr
        # A deploy that passes.
        make_deploy(checkout, good)
        good_code, good_versions = function_state(emulator, name)
        # The next commit breaks prod's masking: its deploy is rolled back.
        change_the_code(checkout.root)
        failed = make_deploy(checkout, unmasked, fails=True)
        rolled_code, rolled_versions = function_state(emulator, name)
    assert "$ zappa rollback prod -n 1\n" in failed.stdout

    # Each deploy published a version; the rollback published one more, with the good deploy's code.
    good_version = good_versions[0]["Version"]
    assert [version["Version"] for version in rolled_versions[:3]] == [
        str(int(good_version) + 2),
        str(int(good_version) + 1),
        good_version,
    ]
    bad_code = rolled_versions[1]["CodeSha256"]
    assert bad_code != good_code
    assert rolled_code == rolled_versions[0]["CodeSha256"] == good_code

    print("Slack received:", json.dumps(slack.posts, indent=2))  # -s shows the notices as the receiver got them
    first_notice, passed_notice, rolled_notice = slack.payloads()
    status = json.loads(checkout.run(f"zappa status {STAGE} --json").stdout)
    api_url = status["API Gateway URL"]

    assert first_notice["blocks"][0]["text"]["text"] == f":x: *loopback {STAGE}*: deploy failed"
    assert "first deploy of prod: nothing to roll back to" in first_notice["text"]
    assert fields(first_notice)["Smoke test"].startswith("failed: POST ")

    assert passed_notice["blocks"][0]["text"]["text"] == f":white_check_mark: *loopback {STAGE}*: deployed"
    assert fields(passed_notice) == {
        "URL": api_url,
        "Version": good_version,
        "Commit": GITHUB_RUN["GITHUB_SHA"][:12],
        "Triggered by": "octocat: push on main, https://github.com/octo-org/loopback/actions/runs/1658821493",
        "Smoke test": f"passed: GET /health: {STAGE} ok; POST /smoke-check: body, query and stage {STAGE} echoed, "
        "Authorization masked",
    }

    assert rolled_notice["blocks"][0]["text"]["text"] == f":rewind: *loopback {STAGE}*: deploy rolled back"
    rolled = fields(rolled_notice)
    assert rolled["Version"] == f"{rolled_versions[0]['Version']}, the code of version {good_version}"
    assert "prod masks secrets, but the Authorization header sent came back in clear" in rolled["Smoke test"]
    assert f"version {rolled_versions[1]['Version']} failed its smoke check" in rolled_notice["text"]

    # The deployer's policy allows every call of the three deploys, the rollback's included.
    policy = json.loads(POLICY_FILE.read_text())
    made = {iam_action(call) for call in checkout.calls.read_text().splitlines()}
    assert {"lambda:GetFunction", "lambda:UpdateFunctionCode", "lambda:ListVersionsByFunction"} <= made
    # deploy/release.py's own calls, besides Zappa's (recorded above): versions, configurations, aliases.
    made |= {"lambda:ListVersionsByFunction", "lambda:GetFunctionConfiguration", "lambda:ListAliases"}
    assert not sorted(action for action in made if not policy_allows(policy, action))


def test_a_deploy_whose_step_fails_is_posted(emulator, checkout):
    """The stage's guards cannot hold its usage plan (a key that does not exist): the deploy fails, and says so."""
    settings = json.loads((checkout.root / "zappa_settings.json").read_text())
    settings[STAGE].update(api_key_required=True, api_key="nosuchkey1")  # pragma: allowlist secret - no key has it
    (checkout.root / "zappa_settings.json").write_text(json.dumps(settings, indent=4))
    with slack_receiver() as slack, stage_server() as good:
        checkout.environment["SLACK_WEBHOOK_URL"] = slack.url
        make_deploy(checkout, good, fails=True)
    [notice] = slack.payloads()
    assert notice["blocks"][0]["text"]["text"] == f":x: *loopback {STAGE}*: deploy failed"
    assert f"python -m deploy.guards {STAGE} failed" in notice["text"]
