"""The function's execution role and the deployer's rights (README, Permissions).

Quick tests read the policy files, the stages' settings and `python -m deploy.permissions check`. The slow ones use
moto's server: with IAM enforced (moto checks identity policies for IAM and S3 calls), the deployer's own keys are
refused every way to change a role; then the administrator's step and `zappa deploy`/`update` as the deployer leave
the role holding exactly its stage's policy file, and Zappa managing the role itself puts that same file.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import zappa

from deploy.permissions import load, problems
from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import copy_project
from tests.support.deploy_tools import (
    OFFLINE_GUARD,
    PERMISSIONS_MODULE,
    create_execution_role,
    iam_action,
    policy_allows,
    run_offline,
    run_zappa,
)
from tests.support.local_server import OFFLINE_SITE
from tests.support.readme import blocks, section
from tests.support.stage_settings import REGION, SETTINGS_FILE, STAGES, change_stages, stage_settings

DEPLOY = PROJECT_ROOT / "deploy"
DEPLOYER_POLICY = DEPLOY / "iam-policy.json"
TRUST_POLICY = DEPLOY / "execution-role-trust.json"
ZAPPA_DEFAULT_POLICY = Path(zappa.__file__).parent / "policies" / "attach_policy.json"
# What every function needs (Lambda Developer Guide, "Defining Lambda function permissions with an execution role"):
# its own log streams. With Zappa, API Gateway also calls the function with the role (see the slow test below).
FUNCTION_NEEDS = ("logs:CreateLogStream", "logs:PutLogEvents", "lambda:InvokeFunction")
# IAM actions that let a principal grant itself or anything else more rights (IAM User Guide, "Permissions
# required to access IAM resources").
ROLE_CHANGES = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutUserPolicy",
    "iam:CreateAccessKey",
)
ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def statements(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# Settings and policy files


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_uses_a_role_an_administrator_made_with_its_own_policy_file(stage):
    role = load(stage)
    assert role.manage_roles is False, "Zappa must not create or change the execution role"
    assert role.policy_file is not None and role.policy_file.parent == DEPLOY
    assert stage_settings(stage).stage_config.get("role_arn") is None, "role ARNs hold an account id"
    others = {load(other).policy_file for other in STAGES if other != stage}
    assert role.policy_file not in others


@pytest.mark.parametrize("stage", STAGES)
def test_the_execution_role_may_write_only_its_own_logs_and_invoke_only_its_own_function(stage):
    role = load(stage)
    name = stage_settings(stage).lambda_name
    policy = json.loads(role.policy_file.read_text())
    for action in FUNCTION_NEEDS:
        assert any(action in as_list(s["Action"]) for s in policy["Statement"]), action
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert not action.endswith("*"), f"wildcard action {action}"
            assert action.split(":")[0] not in {"iam", "sts"}, f"{action}: a function never manages identities"
        for resource in as_list(statement["Resource"]):
            if resource.startswith("arn:aws:logs:"):
                # The group /aws/lambda/<function>, its streams: the ARN's last parts (CloudWatch Logs ARN format).
                assert resource.split(":", 6)[6] in {f"/aws/lambda/{name}:*", f"/aws/lambda/{name}:log-stream:*"}
            if resource.startswith("arn:aws:lambda:"):
                assert resource.split(":", 6)[6] in {name, f"{name}:*"}, resource
    # No log group creation: the deploy creates the group with its retention (deploy/guards.py), and a function that
    # could create it would bring it back with no expiry after someone deleted it.
    assert not any("logs:CreateLogGroup" in as_list(s["Action"]) for s in policy["Statement"])


def test_the_role_trusts_only_the_services_the_deployer_may_pass_it_to():
    [trust] = statements(TRUST_POLICY)
    assert trust["Effect"] == "Allow" and trust["Action"] == "sts:AssumeRole"
    assert set(trust["Principal"]) == {"Service"}, "no account or user may assume the execution role"
    trusted = set(as_list(trust["Principal"]["Service"]))
    [passing] = [s for s in statements(DEPLOYER_POLICY) if "iam:PassRole" in as_list(s["Action"])]
    assert set(passing["Condition"]["StringEquals"]["iam:PassedToService"]) == trusted
    assert trusted <= {"lambda.amazonaws.com", "apigateway.amazonaws.com", "events.amazonaws.com"}


def test_the_deployer_may_read_and_pass_the_execution_roles_and_nothing_else_of_iam():
    allowed_iam = set()
    for statement in statements(DEPLOYER_POLICY):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.startswith("iam:*"), action
            if action.lower().startswith("iam:"):
                allowed_iam.add(action)
                assert as_list(statement["Resource"]) == ["arn:aws:iam::*:role/loopback-*-ZappaLambdaExecutionRole"]
    assert allowed_iam == {"iam:GetRole", "iam:PassRole"}
    policy = json.loads(DEPLOYER_POLICY.read_text())
    assert not [action for action in ROLE_CHANGES if policy_allows(policy, action)]


def copy_settings(tmp_path: Path, changes: dict[str, dict[str, Any]], name: str = "checkout") -> Path:
    """zappa_settings.json and deploy/'s policy files in a folder of their own, with ``changes`` made."""
    folder = tmp_path / name
    (folder / "deploy").mkdir(parents=True)
    for policy in DEPLOY.glob("*.json"):
        shutil.copy(policy, folder / "deploy" / policy.name)
    shutil.copy(SETTINGS_FILE, folder / "zappa_settings.json")
    change_stages(folder / "zappa_settings.json", changes)
    return folder


def problems_of(folder: Path, stage: str) -> list[str]:
    return problems(load(stage, folder / "zappa_settings.json"), folder / "deploy" / "iam-policy.json")


@pytest.mark.parametrize("stage", STAGES)
def test_the_check_passes_the_committed_stages(stage):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.permissions", "check", stage],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "action"),
    [
        ("slim_handler", True, "s3:GetObject"),
        ("remote_env", "s3://acme-settings/loopback.json", "s3:GetObject"),
        ("xray_tracing", True, "xray:PutTraceSegments"),
        (
            "events",
            [{"function": "app.jobs.drain", "event_source": {"arn": "arn:aws:sqs:ap-northeast-2:000000000000:jobs"}}],
            "sqs:ReceiveMessage",
        ),
    ],
)
def test_the_check_refuses_a_setting_whose_statement_the_role_lacks(tmp_path, setting, value, action):
    stage = STAGES[0]
    folder = copy_settings(tmp_path, {stage: {setting: value}})
    found = problems_of(folder, stage)
    assert any(setting in problem and action in problem for problem in found), found

    # With a statement for what the setting needs, the same settings pass.
    role_policy = folder / load(stage, folder / "zappa_settings.json").policy_file.relative_to(folder)
    document = json.loads(role_policy.read_text())
    document["Statement"].append({"Effect": "Allow", "Action": [action.split(":")[0] + ":*"], "Resource": "*"})
    role_policy.write_text(json.dumps(document))
    assert problems_of(folder, stage) == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"manage_roles": True}, "manage_roles"),
        ({"attach_policy": None}, "attach_policy"),
        ({"role_name": "acme-admin"}, "iam:PassRole"),
        ({"s3_bucket": "acme-data"}, "s3_bucket"),
    ],
)
def test_the_check_refuses_what_the_deployer_could_not_deploy(tmp_path, changes, words):
    stage = STAGES[0]
    if changes.get("attach_policy", "") is None:
        folder = copy_settings(tmp_path, {})
        document = json.loads((folder / "zappa_settings.json").read_text())
        for settings in document.values():
            settings.pop("attach_policy", None)
        (folder / "zappa_settings.json").write_text(json.dumps(document))
    else:
        folder = copy_settings(tmp_path, {stage: changes})
    found = problems_of(folder, stage)
    assert any(words in problem for problem in found), found


def test_the_readme_gives_the_administrators_step_for_every_stage():
    text = section("### Permissions")
    commands = [line.split() for block in blocks(text) for line in block.text.splitlines()]
    stages = {words[-1] for words in commands if words[-3:-1] == ["deploy.permissions", "create-role"]}
    assert stages == set(STAGES)


# The emulator


def keys_environment(emulator: Emulator, keys: tuple[str, str]) -> dict[str, str]:
    """The emulator's environment with an IAM user's access keys (long-term keys: no session token)."""
    environment = {**emulator.environment(), "AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]}
    del environment["AWS_SESSION_TOKEN"]
    return environment


def client_with(emulator: Emulator, service: str, keys: tuple[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.endpoint,
        region_name=REGION,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
    )


def user_with_policy(emulator: Emulator, name: str, policy: dict[str, Any]) -> tuple[str, str]:
    """An IAM user holding ``policy`` inline; returns its access key id and secret."""
    iam = emulator.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextmanager
def iam_enforced(emulator: Emulator) -> Iterator[None]:
    """moto checks every request's keys and identity policies until the block ends (moto's /moto-api/reset-auth:
    the number of requests left unchecked; its setting lives in this process, so it is always set back)."""
    requests.post(f"{emulator.endpoint}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        yield
    finally:
        requests.post(f"{emulator.endpoint}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


def refused(call: Any, **arguments: Any) -> bool:
    try:
        call(**arguments)
    except Exception as error:  # botocore's ClientError, whose subclasses differ by service
        return getattr(error, "response", {}).get("Error", {}).get("Code") in {"AccessDenied", "AccessDeniedException"}
    return False


def role_policies(emulator: Emulator, name: str) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """The role's inline policy documents, its attached policies and its trust policy."""
    iam = emulator.client("iam")
    names = iam.list_role_policies(RoleName=name)["PolicyNames"]
    inline = [iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"] for policy in names]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return inline, attached, iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the project with each stage's bucket named as a user would fill in the placeholder, and no
    ``touch`` (after a deploy Zappa GETs the stage's amazonaws.com URL, off this machine)."""
    copy = copy_project(tmp_path / "loopback")
    buckets = {stage: stage_settings(stage).s3_bucket_name.replace("CHANGE-ME", "acme") for stage in STAGES}
    change_stages(
        copy / "zappa_settings.json", {stage: {"s3_bucket": buckets[stage], "touch": False} for stage in STAGES}
    )
    return copy


@pytest.mark.slow
def test_the_deployers_keys_are_refused_every_change_to_a_role_and_other_buckets(checkout):
    stage = STAGES[0]
    role = load(stage, checkout / "zappa_settings.json")
    bucket = stage_settings(stage, checkout / "zappa_settings.json").s3_bucket_name
    with running_emulator() as emulator:
        administrator = user_with_policy(emulator, "administrator", ADMINISTRATOR)
        deployer = user_with_policy(emulator, "deployer", json.loads(DEPLOYER_POLICY.read_text()))
        emulator.client("s3").create_bucket(
            Bucket="acme-data", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        emulator.client("s3").put_object(Bucket="acme-data", Key="customers.csv", Body=b"name,card\n")
        everything = json.dumps(ADMINISTRATOR)
        policy_arn = emulator.client("iam").create_policy(PolicyName="everything", PolicyDocument=everything)
        policy_arn = policy_arn["Policy"]["Arn"]
        with iam_enforced(emulator):
            create_execution_role(checkout, keys_environment(emulator, administrator), stage)
            iam, s3 = client_with(emulator, "iam", deployer), client_with(emulator, "s3", deployer)
            # The keys work, and reach the role the deployer needs.
            assert iam.get_role(RoleName=role.name)["Role"]["RoleName"] == role.name
            assert refused(iam.put_role_policy, RoleName=role.name, PolicyName="more", PolicyDocument=everything)
            assert refused(iam.delete_role_policy, RoleName=role.name, PolicyName="zappa-permissions")
            assert refused(iam.attach_role_policy, RoleName=role.name, PolicyArn=policy_arn)
            assert refused(iam.update_assume_role_policy, RoleName=role.name, PolicyDocument=everything)
            assert refused(iam.put_role_permissions_boundary, RoleName=role.name, PermissionsBoundary=policy_arn)
            # moto looks up the ARN of the role a call names, and checks "*" for a role that does not exist yet:
            # the existing name is the case a grant on loopback-* roles would let through.
            assert refused(iam.create_role, RoleName=role.name, AssumeRolePolicyDocument=TRUST_POLICY.read_text())
            assert refused(iam.put_user_policy, UserName="deployer", PolicyName="more", PolicyDocument=everything)
            assert refused(iam.create_access_key, UserName="administrator")
            assert refused(iam.get_role, RoleName="administrator-role")
            # S3: the stage's package bucket, not others; nothing to read back, even there.
            location = {"LocationConstraint": REGION}
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
            s3.put_object(Bucket=bucket, Key=f"{role.settings.lambda_name}-package.zip", Body=b"PK")
            assert refused(s3.get_object, Bucket=bucket, Key=f"{role.settings.lambda_name}-package.zip")
            assert refused(s3.get_object, Bucket="acme-data", Key="customers.csv")
            assert refused(s3.put_object, Bucket="acme-data", Key="customers.csv", Body=b"")
            assert refused(s3.create_bucket, Bucket="acme-exfiltration", CreateBucketConfiguration=location)


@pytest.mark.slow
def test_after_the_administrators_step_zappa_deploys_with_the_role_holding_exactly_its_file(checkout, tmp_path):
    stage = STAGES[0]
    settings_file = checkout / "zappa_settings.json"
    role, configured = load(stage, settings_file), stage_settings(stage, settings_file)
    calls = tmp_path / "aws-calls.txt"
    with running_emulator() as emulator:
        deployer = keys_environment(
            emulator, user_with_policy(emulator, "deployer", json.loads(DEPLOYER_POLICY.read_text()))
        )
        create_execution_role(checkout, emulator.environment(), stage)
        for command in (["deploy", stage], ["update", stage]):
            result = run_zappa(command, cwd=checkout, home=tmp_path, environment=deployer, calls_file=calls)
            assert result.returncode == 0, result.stdout + result.stderr
        inline, attached, trust = role_policies(emulator, role.name)
        assert inline == [json.loads(role.policy_file.read_text())], "the role holds more or other than its file"
        assert attached == []
        assert trust == json.loads(TRUST_POLICY.read_text())

        # Zappa read the role and changed nothing of IAM; every call it made is one the deployer may make.
        made = calls.read_text().splitlines()
        assert {call.split()[0] for call in made if call.startswith("iam:")} == {"iam:GetRole"}
        policy = json.loads(DEPLOYER_POLICY.read_text())
        assert not [call for call in made if not policy_allows(policy, iam_action(call))]

        # Why the role may invoke its own function and trusts API Gateway: Zappa has every method of the API call
        # the function with the role (the integration's credentials, in the template it gives CloudFormation).
        function = emulator.client("lambda").get_function(FunctionName=configured.lambda_name)["Configuration"]
        template = emulator.client("cloudformation").get_template(StackName=configured.lambda_name)["TemplateBody"]
        methods = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method"]
        assert methods and {m["Properties"]["Integration"]["Credentials"] for m in methods} == {function["Role"]}

        # The step again: the file's text again, nothing added. A role holding anything else stops it.
        create_execution_role(checkout, emulator.environment(), stage)
        assert role_policies(emulator, role.name)[:2] == ([json.loads(role.policy_file.read_text())], [])
        iam = emulator.client("iam")
        arn = iam.create_policy(PolicyName="extra", PolicyDocument=json.dumps(ADMINISTRATOR))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role.name, PolicyArn=arn)
        command = [sys.executable, "-c", PERMISSIONS_MODULE, str(OFFLINE_GUARD.parent), "create-role", stage]
        again = run_offline(command, emulator.environment(), tmp_path / "off-machine.log", cwd=checkout, timeout=120)
        assert again.returncode == 1 and arn in again.stderr, again.stdout + again.stderr


@pytest.mark.slow
def test_zappa_managing_the_role_itself_puts_exactly_the_stages_file(checkout, tmp_path):
    """For an account where the deployer may manage roles: ``attach_policy`` replaces Zappa's default policy."""
    stage = STAGES[-1]
    settings_file = checkout / "zappa_settings.json"
    change_stages(settings_file, {stage: {"manage_roles": True}})
    role, configured = load(stage, settings_file), stage_settings(stage, settings_file)
    with running_emulator() as emulator:
        result = run_zappa(["deploy", stage], cwd=checkout, home=tmp_path, environment=emulator.environment())
        assert result.returncode == 0, result.stdout + result.stderr
        inline, attached, _ = role_policies(emulator, role.name)
        assert json.loads(ZAPPA_DEFAULT_POLICY.read_text()) not in inline
        assert inline == [json.loads(role.policy_file.read_text())]
        assert attached == []
        # Why the deployer may pass the role to EventBridge: Zappa names it as the keep-warm rule's role.
        if configured.stage_config.get("keep_warm"):
            events = emulator.client("events")
            [rule] = events.list_rules(NamePrefix=configured.lambda_name)["Rules"]
            assert rule["RoleArn"].endswith(f":role/{role.name}")


@pytest.mark.slow
def test_the_readmes_aws_cli_commands_give_the_role_exactly_the_files_they_name(checkout, tmp_path):
    """README, Permissions: the administrator's step with the AWS CLI, run as written in a checkout, against the
    emulator and offline (tests/support/offline_site installs tests/support/offline.py in the CLI's process)."""
    [block] = [block for block in blocks(section("### Permissions")) if "aws iam create-role" in block.text]
    trust_file, policy_file = re.findall(r"file://(\S+)", block.text)
    stage = "prod"  # the stage the README's commands are for
    role = load(stage, checkout / "zappa_settings.json")
    assert (checkout / policy_file, checkout / trust_file) == (
        role.policy_file,
        checkout / TRUST_POLICY.relative_to(PROJECT_ROOT),
    )
    with running_emulator() as emulator:
        environment = {
            **emulator.environment(),
            "PATH": f"{Path(sys.executable).parent}:{os.defpath}",  # the AWS CLI of this run's virtualenv
            "HOME": str(tmp_path),
            "PYTHONPATH": str(OFFLINE_SITE),
        }
        command = ["bash", "-euo", "pipefail", "-c", block.text]
        result = run_offline(command, environment, tmp_path / "off-machine.log", cwd=checkout, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        iam = emulator.client("iam")
        assert iam.list_role_policies(RoleName=role.name)["PolicyNames"] == ["zappa-permissions"]
        inline, attached, trust = role_policies(emulator, role.name)
        assert inline == [json.loads((checkout / policy_file).read_text())]
        assert attached == []
        assert trust == json.loads((checkout / trust_file).read_text())

        # The same role as the administrator's step makes: it finds nothing else on it (or it would stop), and
        # leaves it as it was.
        create_execution_role(checkout, emulator.environment(), stage)
        assert role_policies(emulator, role.name) == (inline, attached, trust)
