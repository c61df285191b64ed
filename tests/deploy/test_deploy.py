"""`zappa deploy`, `update`, `status`, `tail` and `undeploy` of each stage, with the real Zappa CLI
from the deploy-only virtualenv, against moto's server on 127.0.0.1 (tests/aws_emulator.py)."""

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from deploy.smoke import api_url
from tests.support import PYTHON_VERSION
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import copy_project
from tests.support.deploy_tools import (
    POLICY_FILE,
    build_package,
    create_execution_role,
    iam_action,
    policy_allows,
    zappa,
)
from tests.support.stage_settings import STAGES, change_stages, stage_settings

pytestmark = pytest.mark.slow

PACKAGE_LIMIT_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def emulator():
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project, as a user's checkout, with each stage's bucket named.

    Two settings differ from the committed file: the buckets (placeholders a user fills in)
    and ``touch`` (after a deploy Zappa GETs the stage's amazonaws.com URL, which is off this
    machine; `make smoke` does that check in CI).
    """
    copy = copy_project(tmp_path_factory.mktemp("checkout") / "loopback")
    test_settings = {stage: {"s3_bucket": f"loopback-test-deploys-{stage}", "touch": False} for stage in STAGES}
    change_stages(copy / "zappa_settings.json", test_settings)
    return copy


def code_sha256(package: Path) -> str:
    """Lambda's CodeSha256 of a zip: its SHA-256, base64-encoded."""
    return base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()


def assert_deployed(emulator: Emulator, configured: Any, stage: str) -> dict[str, Any]:
    name = configured.lambda_name
    bucket = configured.s3_bucket_name
    # The package went to the stage's bucket (Zappa deletes it once Lambda holds the code).
    assert bucket in [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]
    uploads = [path for path in emulator.requests_to("s3", "PUT") if path.startswith(f"/{bucket}/{name}-")]
    assert [path for path in uploads if path.endswith(".zip")]

    role = emulator.client("iam").get_role(RoleName=f"{name}-ZappaLambdaExecutionRole")["Role"]
    principals = json.dumps(role["AssumeRolePolicyDocument"])
    assert "lambda.amazonaws.com" in principals

    function = emulator.client("lambda").get_function(FunctionName=name)["Configuration"]
    assert function["Runtime"] == configured.runtime == f"python{PYTHON_VERSION}"
    assert function["Handler"] == configured.lambda_handler == "lambda_entry.lambda_handler"
    assert function["MemorySize"] == configured.memory_size
    assert function["Timeout"] == configured.timeout_seconds
    assert function["Role"] == role["Arn"]
    assert 0 < function["CodeSize"] <= PACKAGE_LIMIT_BYTES
    assert function["Environment"]["Variables"] == configured.aws_environment_variables
    assert function["Environment"]["Variables"]["LOOPBACK_STAGE"] == stage

    stack = emulator.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
    apigateway = emulator.client("apigateway")
    [api] = [api for api in apigateway.get_rest_apis()["items"] if api["name"] == name]
    resources = {resource["path"]: resource for resource in apigateway.get_resources(restApiId=api["id"])["items"]}
    assert set(resources) == {"/", "/{proxy+}"}
    for resource in resources.values():
        assert list(resource["resourceMethods"]) == ["ANY"]
        integration = apigateway.get_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY")
        assert integration["type"] == "AWS_PROXY"
        assert integration["uri"].endswith(f"/functions/{function['FunctionArn']}/invocations")
    assert apigateway.get_stage(restApiId=api["id"], stageName=stage)["deploymentId"]

    rules = emulator.client("events").list_rules(NamePrefix=name)["Rules"]
    if configured.stage_config.get("keep_warm"):
        [rule] = rules
        assert rule["ScheduleExpression"] == configured.stage_config["keep_warm_expression"]
        targets = emulator.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [target["Arn"] for target in targets] == [function["FunctionArn"]]
        policy = json.loads(emulator.client("lambda").get_policy(FunctionName=name)["Policy"])
        assert "events.amazonaws.com" in json.dumps(policy)
    else:
        assert rules == []
    return {"api": api, "function": function}


def write_lambda_log_line(emulator: Emulator, name: str, line: str) -> None:
    """What Lambda does on each invocation (moto runs no function): a line in /aws/lambda/<name>.

    Dated a few seconds ago: `zappa tail` asks for events up to the current whole second.
    """
    logs = emulator.client("logs")
    group, stream = f"/aws/lambda/{name}", "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": int((time.time() - 5) * 1000), "message": line}],
    )


@pytest.mark.parametrize("stage", STAGES)
def test_deploy_update_status_tail_undeploy(project, emulator, stage, tmp_path):
    configured = stage_settings(stage, project / "zappa_settings.json")
    name = configured.lambda_name
    lambda_client = emulator.client("lambda")
    calls = tmp_path / "aws-calls.txt"

    # As `make deploy` does it, once an administrator created the execution role: a first `zappa deploy`
    # creates the API and function, and every deploy uploads the package that `make package` builds with
    # `zappa update -z`.
    create_execution_role(project, emulator.environment(), stage)
    deploy = zappa(project, emulator, "deploy", stage, calls=calls)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "Deployment complete!" in deploy.stdout + deploy.stderr
    package = build_package(stage, project / "dist" / f"loopback-{stage}.zip", cwd=project, home=project.parent)
    uploaded = zappa(project, emulator, "update", stage, "-z", str(package), calls=calls)
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    deployed = assert_deployed(emulator, configured, stage)
    assert deployed["function"]["CodeSha256"] == code_sha256(package)

    routes = project / "app" / "health.py"
    routes.write_text(routes.read_text() + f"\n# changed for the {stage} update test\n")
    build_package(stage, package, cwd=project, home=project.parent)
    update = zappa(project, emulator, "update", stage, "-z", str(package), calls=calls)
    assert update.returncode == 0, update.stdout + update.stderr
    updated = lambda_client.get_function(FunctionName=name)["Configuration"]
    assert updated["CodeSha256"] != deployed["function"]["CodeSha256"]
    assert updated["CodeSha256"] == code_sha256(package)
    assert updated["MemorySize"] == configured.memory_size

    status = zappa(project, emulator, "status", stage, "--json", calls=calls)
    assert status.returncode == 0, status.stdout + status.stderr
    url = api_url(json.loads(status.stdout))
    assert url == f"https://{deployed['api']['id']}.execute-api.{configured.aws_region}.amazonaws.com/{stage}"
    assert zappa(project, emulator, "status", stage, calls=calls).returncode == 0

    write_lambda_log_line(emulator, name, f"[INFO] loopback {stage} answered POST /orders/7")
    tail = zappa(project, emulator, "tail", stage, "--since", "1h", "--disable-keep-open", calls=calls)
    assert tail.returncode == 0, tail.stdout + tail.stderr
    assert f"loopback {stage} answered POST /orders/7" in tail.stdout

    undeploy = zappa(project, emulator, "undeploy", stage, "--yes", calls=calls)
    assert undeploy.returncode == 0, undeploy.stdout + undeploy.stderr
    assert name not in [function["FunctionName"] for function in lambda_client.list_functions()["Functions"]]
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)
    stacks = emulator.client("cloudformation").list_stacks()["StackSummaries"]
    assert {stack["StackStatus"] for stack in stacks if stack["StackName"] == name} == {"DELETE_COMPLETE"}
    assert emulator.client("events").list_rules(NamePrefix=name)["Rules"] == []

    # Every AWS call the CLI made is one the deployer policy in deploy/iam-policy.json allows.
    policy = json.loads(POLICY_FILE.read_text())
    made = {iam_action(call) for call in calls.read_text().splitlines()}
    assert made, "the runner recorded no AWS calls"
    not_allowed = sorted(action for action in made if not policy_allows(policy, action))
    assert not not_allowed, "deploy/iam-policy.json does not allow: " + ", ".join(not_allowed)
