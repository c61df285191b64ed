"""The GitHub Actions workflows, the deploy roles they assume through GitHub's OIDC provider, and Travis's Slack
notice (README, Deploying from GitHub Actions).

Quick tests read the workflow files as GitHub's schema, actionlint and a YAML parser see them, and .travis.yml. The
slow ones run ``python -m deploy.permissions create-deploy-role`` against moto's server, as the README shows it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.deploy_tools import OFFLINE_GUARD, PERMISSIONS_MODULE, run_offline
from tests.support.local_server import OFFLINE_SITE
from tests.support.readme import blocks, section
from tests.support.stage_settings import STAGES, stage_settings

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
TEST_WORKFLOW = WORKFLOWS / "test.yml"
DEPLOY_WORKFLOW = WORKFLOWS / "deploy.yml"
TRAVIS_FILE = PROJECT_ROOT / ".travis.yml"
DEPLOYER_POLICY = PROJECT_ROOT / "deploy" / "iam-policy.json"
BIN = Path(sys.executable).parent
README_HEADING = "### Deploying from GitHub Actions (OIDC)"
# README, How CI deploys: the branch each stage is deployed from.
STAGE_OF_BRANCH = {"develop": "dev", "main": "prod"}
# owner/repo[/path]@<commit>; a tag or branch can be moved to other code, a commit cannot.
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*$")
AWS_KEY_INPUTS = {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"}
# The brief's failure notice; DETAIL is a fixed text, so that nothing a pusher controls reaches the shell.
NOTIFY = re.compile(r'make notify EVENT=ci-failed STAGE=(?P<stage>\w*) DETAIL="[^"$`\\]+"')
CONFIGURE_AWS = "aws-actions/configure-aws-credentials@"
# GitHub's OIDC tokens (GitHub Docs, "About security hardening with OpenID Connect"): issuer, audience asked for by
# configure-aws-credentials, and the subject of a job that runs in an environment.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# A repository as a user names it, with the characters GitHub allows beyond letters.
REPOSITORY = "acme-corp/loopback.api_v2"


def load_yaml(path: Path) -> Any:
    """YAML 1.2, as GitHub and Travis read it: ``on:`` is a key, not the boolean PyYAML makes of it."""
    return YAML(typ="safe").load(path.read_text())


def dump_yaml(document: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    YAML(typ="safe").dump(document, path)
    return path


def workflow_files() -> list[Path]:
    found = sorted(WORKFLOWS.glob("*.y*ml"))
    assert found == sorted([TEST_WORKFLOW, DEPLOY_WORKFLOW]), found
    return found


def jobs(path: Path) -> dict[str, Any]:
    return load_yaml(path)["jobs"]


def steps_of(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in jobs(path).items():
        for step in job.get("steps", []):
            yield name, step


def run_step(job: dict[str, Any], command: str) -> tuple[int, dict[str, Any]]:
    """The one step of ``job`` whose ``run`` starts with ``command``, and its index."""
    [found] = [(i, step) for i, step in enumerate(job["steps"]) if step.get("run", "").startswith(command)]
    return found


def uses_step(job: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
    [found] = [(i, step) for i, step in enumerate(job["steps"]) if step.get("uses", "").startswith(action)]
    return found


def deploy_jobs() -> dict[str, dict[str, Any]]:
    return {name: job for name, job in jobs(DEPLOY_WORKFLOW).items() if "environment" in job}


def secret(name: str) -> str:
    return "${{ secrets." + name + " }}"


# Schema and actionlint


def check_schema(*paths: Path) -> subprocess.CompletedProcess:
    command = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def actionlint(*paths: Path, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    """actionlint, with shellcheck (from .venv) on the ``run`` scripts."""
    command = [str(BIN / "actionlint"), "-no-color", "-shellcheck", str(BIN / "shellcheck"), *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120, cwd=cwd)


def test_workflows_match_githubs_workflow_schema():
    result = check_schema(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing_in_the_workflows():
    result = actionlint(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_job_without_a_runner_is_refused_by_the_schema_and_by_actionlint(tmp_path):
    workflow = load_yaml(TEST_WORKFLOW)
    del workflow["jobs"]["test"]["runs-on"]
    broken = dump_yaml(workflow, tmp_path / ".github" / "workflows" / "test.yml")
    assert check_schema(broken).returncode != 0
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode != 0 and "runs-on" in result.stdout, result.stdout + result.stderr


def test_actionlint_refuses_a_deploy_that_needs_an_unknown_job(tmp_path):
    """What no schema sees: ``needs`` naming a job the workflow lacks."""
    workflow = load_yaml(DEPLOY_WORKFLOW)
    for job in deploy_jobs():
        workflow["jobs"][job]["needs"] = "tests"
    folder = tmp_path / ".github" / "workflows"
    broken = dump_yaml(workflow, folder / "deploy.yml")
    shutil.copy(TEST_WORKFLOW, folder / "test.yml")
    assert check_schema(broken).returncode == 0
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode != 0 and '"tests"' in result.stdout, result.stdout + result.stderr


def test_actionlint_runs_shellcheck_on_the_run_scripts(tmp_path):
    """A script that reads an environment variable unquoted (shellcheck's SC2086) is refused."""
    workflow = load_yaml(TEST_WORKFLOW)
    workflow["jobs"]["test"]["steps"].append({"name": "Unquoted", "run": "ls $HOME/.cache"})
    broken = dump_yaml(workflow, tmp_path / ".github" / "workflows" / "test.yml")
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode != 0 and "SC2086" in result.stdout, result.stdout + result.stderr


# Pins


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    for path in workflow_files():
        lines = path.read_text().splitlines()
        parsed = [step["uses"] for _, step in steps_of(path) if "uses" in step]
        parsed += [job["uses"] for job in jobs(path).values() if "uses" in job]
        for uses in parsed:
            if uses.startswith("./"):
                continue  # this repository's own workflow, at the same commit
            assert PINNED.fullmatch(uses), f"{path.name}: {uses} is not pinned to a full commit SHA"
            [line] = {line for line in lines if re.search(rf"uses:\s*{re.escape(uses)}(\s|$)", line)}
            assert VERSION_COMMENT.search(line.strip()), f"{path.name}: no version comment: {line.strip()}"
    every = {step["uses"] for path in workflow_files() for _, step in steps_of(path) if "uses" in step}
    assert any(uses.startswith(CONFIGURE_AWS) for uses in every)


# Triggers, jobs, permissions


def test_every_push_and_pull_request_is_tested_and_deploy_branches_once():
    test_on, deploy_on = load_yaml(TEST_WORKFLOW)["on"], load_yaml(DEPLOY_WORKFLOW)["on"]
    assert set(test_on) == {"push", "pull_request", "workflow_call"}
    assert test_on["pull_request"] is None, "every pull request, whatever its base branch"
    # test.yml tests pushes to every branch but the deploy branches, which deploy.yml tests before it deploys.
    assert set(deploy_on) == {"push"} and set(deploy_on["push"]) == {"branches"}
    assert set(test_on["push"]) == {"branches-ignore"}
    assert (
        sorted(test_on["push"]["branches-ignore"]) == sorted(deploy_on["push"]["branches"]) == sorted(STAGE_OF_BRANCH)
    )
    [caller] = [name for name, job in jobs(DEPLOY_WORKFLOW).items() if "uses" in job]
    assert jobs(DEPLOY_WORKFLOW)[caller]["uses"] == "./.github/workflows/test.yml"
    for job in deploy_jobs().values():
        assert job["needs"] in (caller, [caller]), "a deploy runs only once the tests pass"


def test_the_test_job_runs_the_readmes_test_command_with_the_projects_python():
    # README, Tests: "`make test` runs ruff and pytest"; Travis runs the same.
    test_command = re.match(r"`([^`]+)`", section("## Tests").strip())[1]
    assert load_yaml(TRAVIS_FILE)["script"] == [test_command]
    [job] = jobs(TEST_WORKFLOW).values()
    assert job["runs-on"] == "ubuntu-24.04"
    _, test = run_step(job, test_command)
    assert test["run"] == test_command
    _, python = uses_step(job, "actions/setup-python@")
    assert python["with"] == {"python-version-file": ".python-version"}
    assert job["steps"][0]["uses"].startswith("actions/checkout@")
    # What the tests need beyond Python: valgrind from Ubuntu, and a Chromium build for the browser tests.
    _, apt = run_step(job, "sudo apt-get update")
    assert "apt-get install" in apt["run"] and apt["run"].split()[-1] == "valgrind"
    assert Path(job["env"]["LOOPBACK_CHROMIUM"]).is_absolute()


def test_each_deploy_job_deploys_its_environments_stage_with_the_roles_credentials():
    found = deploy_jobs()
    assert {job["environment"] for job in found.values()} == set(STAGES) == set(STAGE_OF_BRANCH.values())
    for name, job in found.items():
        stage = job["environment"]
        [branch] = [branch for branch, of in STAGE_OF_BRANCH.items() if of == stage]
        assert job["if"] == f"github.ref == 'refs/heads/{branch}'", name
        # Never two deploys of a stage at once, and never one cancelled half-way.
        assert job["concurrency"] == {"group": f"deploy-{stage}", "cancel-in-progress": False}
        at, credentials = uses_step(job, CONFIGURE_AWS)
        assert credentials["with"] == {
            "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            "aws-region": stage_settings(stage).aws_region,
        }
        deploy_at, deploy = run_step(job, "make deploy")
        assert deploy["run"] == f"make deploy STAGE={stage}" and deploy_at > at
        assert deploy["env"] == {
            "SLACK_WEBHOOK_URL": secret("SLACK_WEBHOOK_URL"),
            "LOOPBACK_API_KEY": secret("LOOPBACK_API_KEY"),
        }
    # The jobs differ only in their stage: a step added to one and not the other is a mistake.
    steps = {job["environment"]: json.dumps(job["steps"]) for job in found.values()}
    assert (
        len({text.replace(f"={stage}", "=STAGE").replace(f" {stage} ", " STAGE ") for stage, text in steps.items()})
        == 1
    )


def test_only_the_deploy_jobs_may_ask_for_an_oidc_token():
    for path in workflow_files():
        assert load_yaml(path)["permissions"] == {"contents": "read"}, path.name
        for name, job in jobs(path).items():
            if path == DEPLOY_WORKFLOW and name in deploy_jobs():
                assert job["permissions"] == {"id-token": "write", "contents": "read"}, name
            else:
                assert "id-token" not in (job.get("permissions") or {}), f"{path.name}: {name}"


def test_no_aws_key_is_given_anywhere():
    for path in workflow_files():
        for name, step in steps_of(path):
            assert not AWS_KEY_INPUTS & set(step.get("with") or {}), f"{path.name}: {name}"
            assert not [variable for variable in step.get("env") or {} if variable.startswith("AWS_")]
        for name, job in jobs(path).items():
            assert not [variable for variable in job.get("env") or {} if variable.startswith("AWS_")], name
        assert not re.search(r"AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)|\b\d{12}\b", path.read_text())


def test_every_job_tells_slack_when_it_fails():
    for path in workflow_files():
        for name, job in jobs(path).items():
            if "uses" in job:
                continue  # the called workflow's own job does
            notice = job["steps"][-1]
            # A deploy job's `make deploy` posts its own outcome: the job's notice is for failures before it.
            deploys = [step.get("id") for step in job["steps"] if step.get("run", "").startswith("make deploy")]
            expected = f"failure() && steps.{deploys[0]}.outcome != 'failure'" if deploys else "failure()"
            assert notice["if"] == expected, f"{path.name}: {name}"
            assert notice["env"] == {"SLACK_WEBHOOK_URL": secret("SLACK_WEBHOOK_URL")}
            match = NOTIFY.fullmatch(notice["run"])
            assert match, notice["run"]
            # A deploy's notice names its stage; the tests' names none (make's default stage would be dev).
            assert (match["stage"] or None) == job.get("environment"), f"{path.name}: {name}"
    # The called test workflow gets the secret from its caller.
    [caller] = [job for job in jobs(DEPLOY_WORKFLOW).values() if "uses" in job]
    assert caller["secrets"] == {"SLACK_WEBHOOK_URL": secret("SLACK_WEBHOOK_URL")}
    assert "SLACK_WEBHOOK_URL" in load_yaml(TEST_WORKFLOW)["on"]["workflow_call"]["secrets"]


def test_the_readme_names_every_variable_and_secret_the_workflows_read():
    text = section(README_HEADING)
    names = {name for path in workflow_files() for name in re.findall(r"\b(?:vars|secrets)\.(\w+)", path.read_text())}
    assert names >= {"AWS_DEPLOY_ROLE_ARN", "SLACK_WEBHOOK_URL", "LOOPBACK_API_KEY"}
    assert not [name for name in names if f"`{name}`" not in text]


# Travis


def check_travis(path: Path) -> subprocess.CompletedProcess:
    command = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.travis", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_travis_posts_each_failure_and_change_to_an_encrypted_slack_room():
    slack = load_yaml(TRAVIS_FILE)["notifications"]["slack"]
    assert slack["on_failure"] == "always" and slack["on_success"] == "change"
    assert slack["rooms"], "no room"
    # A room in plain text, "WORKSPACE:TOKEN#channel", holds the Slack token.
    assert all(isinstance(room, dict) and set(room) == {"secure"} for room in slack["rooms"]), slack["rooms"]


def test_travis_schema_refuses_a_notification_setting_travis_lacks(tmp_path):
    travis = load_yaml(TRAVIS_FILE)
    travis["notifications"]["slack"]["on_failure"] = "sometimes"
    assert check_travis(dump_yaml(travis, tmp_path / ".travis.yml")).returncode != 0


def test_the_readmes_travis_encrypt_adds_to_the_rooms_travis_reads():
    [block] = [block for block in blocks(section(README_HEADING)) if "travis encrypt" in block.text]
    [path] = re.findall(r"--add (\S+)", block.text)
    node = load_yaml(TRAVIS_FILE)
    for key in path.split("."):
        node = node[key]
    assert isinstance(node, list) and node == load_yaml(TRAVIS_FILE)["notifications"]["slack"]["rooms"]


# The deploy roles, against moto's server


def iam_state(emulator: Emulator) -> dict[str, Any]:
    """The account's OIDC providers and the roles of the deploy, each with its trust and its policies."""
    iam = emulator.client("iam")
    providers = {}
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])
        providers[provider["Arn"]] = {"url": found["Url"], "audiences": found["ClientIDList"]}
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        names = iam.list_role_policies(RoleName=name)["PolicyNames"]
        roles[role["Arn"]] = {
            "trust": iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"],
            "inline": [iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"] for policy in names],
            "attached": iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
        }
    return {"providers": providers, "roles": roles}


def run_readme_block(text: str, emulator: Emulator, home: Path) -> subprocess.CompletedProcess:
    """A README block as written, with bash, in the project, against the emulator and offline."""
    environment = {
        **emulator.environment(),
        "PATH": f"{BIN}:{os.defpath}",
        "HOME": str(home),
        "PYTHONPATH": str(OFFLINE_SITE),  # installs tests/support/offline.py in each Python process
    }
    command = ["bash", "-euo", "pipefail", "-c", text]
    return run_offline(command, environment, home / "off-machine.log", cwd=PROJECT_ROOT, timeout=180)


def create_deploy_role(emulator: Emulator, home: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", PERMISSIONS_MODULE, str(OFFLINE_GUARD.parent), *arguments]
    return run_offline(command, emulator.environment(), home / "off-machine.log", cwd=PROJECT_ROOT, timeout=120)


@pytest.mark.slow
def test_the_readmes_commands_make_the_provider_and_one_role_per_environment(tmp_path):
    [block] = [block for block in blocks(section(README_HEADING)) if "create-deploy-role" in block.text]
    assert block.text.count("OWNER/NAME") == len(STAGES), "the placeholder a user replaces"
    text = block.text.replace("OWNER/NAME", REPOSITORY)
    with running_emulator() as emulator:
        result = run_readme_block(text, emulator, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        state = iam_state(emulator)
        [(provider, found)] = state["providers"].items()
        assert provider.endswith(f":oidc-provider/{GITHUB_ISSUER}")
        assert found == {"url": GITHUB_ISSUER, "audiences": [AUDIENCE]}
        # The ARNs printed are the roles made, one per stage, for each environment's AWS_DEPLOY_ROLE_ARN.
        printed = re.findall(r"arn:aws:iam::\d{12}:role/\S+", result.stdout)
        assert sorted(printed) == sorted(state["roles"]) and len(printed) == len(STAGES)
        subjects = {}
        for arn in printed:
            role = state["roles"][arn]
            [statement] = role["trust"]["Statement"]
            assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Principal"] == {"Federated": provider}
            [(operator, claims)] = statement["Condition"].items()
            assert operator == "StringEquals", "exact claims: no wildcard can widen them"
            assert set(claims) == {f"{GITHUB_ISSUER}:aud", f"{GITHUB_ISSUER}:sub"}
            assert claims[f"{GITHUB_ISSUER}:aud"] == AUDIENCE
            subjects[arn] = claims[f"{GITHUB_ISSUER}:sub"]
            assert role["inline"] == [json.loads(DEPLOYER_POLICY.read_text())]
            assert role["attached"] == []
        assert sorted(subjects.values()) == sorted(f"repo:{REPOSITORY}:environment:{stage}" for stage in STAGES)

        # Again: nothing fails, nothing doubles, nothing changes.
        again = run_readme_block(text, emulator, tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        assert iam_state(emulator) == state


@pytest.mark.slow
def test_create_deploy_role_keeps_a_role_to_its_policy_and_an_existing_provider_as_it_is(tmp_path):
    stage = STAGES[0]
    with running_emulator() as emulator:
        iam = emulator.client("iam")
        # A repository name that could break out of the trust policy's text, and none at all.
        for repository in ('acme/loopback","Effect":"Allow', "acme/*", "acme"):
            refused = create_deploy_role(emulator, tmp_path, "create-deploy-role", stage, "--repository", repository)
            assert refused.returncode == 1 and repository in refused.stderr, refused.stdout + refused.stderr
        assert create_deploy_role(emulator, tmp_path, "create-deploy-role", stage).returncode == 2
        assert iam_state(emulator)["roles"] == {}

        # Another project's provider, for another audience: left as it is, and the command says how to add ours.
        other = iam.create_open_id_connect_provider(Url=f"https://{GITHUB_ISSUER}", ClientIDList=["sigstore"])
        other = other["OpenIDConnectProviderArn"]
        result = create_deploy_role(emulator, tmp_path, "create-deploy-role", stage, "--repository", REPOSITORY)
        assert result.returncode == 1 and f"--client-id {AUDIENCE}" in result.stderr, result.stdout + result.stderr
        assert iam_state(emulator) == {
            "providers": {other: {"url": GITHUB_ISSUER, "audiences": ["sigstore"]}},
            "roles": {},
        }

        # With the audience, the provider is used as it is.
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=other)
        iam.create_open_id_connect_provider(Url=f"https://{GITHUB_ISSUER}", ClientIDList=["sigstore", AUDIENCE])
        result = create_deploy_role(emulator, tmp_path, "create-deploy-role", stage, "--repository", REPOSITORY)
        assert result.returncode == 0, result.stdout + result.stderr
        [arn] = re.findall(r"arn:aws:iam::\d{12}:role/\S+", result.stdout)
        assert iam_state(emulator)["providers"][other]["audiences"] == ["sigstore", AUDIENCE]

        # A role holding more than the deployer's policy stops the command, which names what it found.
        name = arn.rsplit("/", 1)[-1]
        everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        policy = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(everything))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
        result = create_deploy_role(emulator, tmp_path, "create-deploy-role", stage, "--repository", REPOSITORY)
        assert result.returncode == 1 and policy in result.stderr, result.stdout + result.stderr
