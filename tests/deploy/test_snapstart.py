"""SnapStart, ready to switch on for prod: the README's settings and commands ("Switching prod to SnapStart").

The quick tests read the settings as Zappa's loader would once they are in prod's stage. The slow ones run the
README's commands against moto's server, with `make deploy` and the Zappa CLI: prod deployed as committed
(keep-warm rule, no alias) then switched on, and a first deploy with SnapStart already on.

What the emulator cannot show: moto keeps no SnapStart setting (tests/support/emulator_standins.py reports it
as AWS does, from what Zappa asked for); it takes no snapshot (its versions are Active at once, so Zappa's wait
for the snapshot returns at once); it changes API Gateway methods only when it creates a stack, not when a stack
update changes them; and it runs no function, so nothing here restores one or invokes the alias.
"""

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click import ClickException

from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import Checkout, copy_project
from tests.support.deploy_tools import create_execution_role, iam_action, policy_allows
from tests.support.local_server import dev_server
from tests.support.readme import Block, blocks, section
from tests.support.stage_settings import STAGES, change_stages, settings_copy, stage_settings

SECTION = "### Switching prod to SnapStart"
ALIAS = "snapstart"  # zappa.core.SNAPSTART_LAMBDA_ALIAS
POLICY_FILE = PROJECT_ROOT / "deploy" / "iam-policy.json"


def readme_steps() -> tuple[dict[str, Any], list[str]]:
    """The settings the README puts in prod's stage, and its commands, one a line."""
    steps: list[Block] = blocks(section(SECTION))
    [settings] = [json.loads(block.text) for block in steps if block.language == "json"]
    [commands] = [block.text.strip().splitlines() for block in steps if block.language == "sh"]
    return settings, commands


def with_snap_start(settings_file: Path) -> None:
    change_stages(settings_file, {"prod": readme_steps()[0]})


def test_the_committed_stages_leave_snap_start_off():
    for stage in STAGES:
        configured = stage_settings(stage)
        assert configured.snap_start in (None, "None"), stage
        assert configured.apigateway_lambda_qualifier is None, stage


def test_the_readme_settings_switch_prod_on_and_keep_its_app_settings(tmp_path):
    settings_file = settings_copy(tmp_path)
    with_snap_start(settings_file)
    committed, switched = stage_settings("prod"), stage_settings("prod", settings_file)
    assert switched.snap_start == "PublishedVersions"
    # Zappa points API Gateway at its SnapStart alias, never at $LATEST.
    assert switched.apigateway_lambda_qualifier == ALIAS
    assert switched.stage_config["keep_warm"] is False
    assert switched.aws_environment_variables["INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"] == "true"
    # `extends` merges top-level settings only: the README's variables must carry all of prod's.
    assert committed.aws_environment_variables.items() <= switched.aws_environment_variables.items()
    assert switched.num_retained_versions >= 2
    assert stage_settings("dev", settings_file).snap_start in (None, "None")


def test_zappa_refuses_snap_start_with_provisioned_concurrency(tmp_path):
    """AWS does not take both on one function, and Zappa's loader stops before any deploy."""
    settings_file = settings_copy(tmp_path)
    with_snap_start(settings_file)
    change_stages(settings_file, {"prod": {"provisioned_concurrency": 1}})
    with pytest.raises(ClickException, match="cannot both be enabled"):
        stage_settings("prod", settings_file)


def code_sha256(package: Path) -> str:
    return base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()


def assert_snap_started(emulator: Emulator, name: str, package: Path, variables: dict[str, str]) -> dict[str, Any]:
    """The function as a SnapStart deploy leaves it; returns the alias."""
    lambda_client = emulator.client("lambda")
    latest = lambda_client.get_function_configuration(FunctionName=name)
    assert latest["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    assert latest["Environment"]["Variables"] == variables
    # The alias Zappa made points at a published version: the uploaded package, with its snapshot.
    alias = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
    assert alias["FunctionVersion"].isdigit()
    version = lambda_client.get_function_configuration(FunctionName=name, Qualifier=ALIAS)
    assert version["Version"] == alias["FunctionVersion"]
    assert version["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert version["CodeSha256"] == code_sha256(package)
    return alias


def template_integration_uris(emulator: Emulator, name: str) -> list[str]:
    """The integration URIs of the API's methods in the template CloudFormation was last given."""
    template = emulator.client("cloudformation").get_template(StackName=name)["TemplateBody"]
    resources = template["Resources"].values()
    return [r["Properties"]["Integration"]["Uri"] for r in resources if r["Type"] == "AWS::ApiGateway::Method"]


def api_integration_uris(emulator: Emulator, name: str) -> list[str]:
    """The integration URIs of the API's methods, as API Gateway holds them."""
    apigateway = emulator.client("apigateway")
    [api] = [api for api in apigateway.get_rest_apis()["items"] if api["name"] == name]
    return [
        apigateway.get_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY")["uri"]
        for resource in apigateway.get_resources(restApiId=api["id"])["items"]
    ]


def assert_calls_allowed_by_the_deployer_policy(calls: Path, also: frozenset[str] | set[str] = frozenset()) -> None:
    """Every AWS call recorded is one deploy/iam-policy.json allows; the SnapStart ones were made."""
    policy = json.loads(POLICY_FILE.read_text())
    made = {iam_action(call) for call in calls.read_text().splitlines()}
    assert {"lambda:PublishVersion", "lambda:CreateAlias", *also} <= made
    not_allowed = sorted(action for action in made if not policy_allows(policy, action))
    assert not not_allowed, "deploy/iam-policy.json does not allow: " + ", ".join(not_allowed)


@pytest.mark.slow
def test_switching_prod_on_as_the_readme_says(tmp_path):
    settings, commands = readme_steps()
    assert commands == ["make deploy STAGE=prod", "zappa unschedule prod"]
    with running_emulator() as emulator, dev_server("prod") as prod:
        checkout = Checkout(copy_project(tmp_path / "loopback"), emulator, f"http://127.0.0.1:{prod.port}")
        create_execution_role(checkout.root, emulator.environment(), "prod")
        name = stage_settings("prod", checkout.root / "zappa_settings.json").lambda_name
        lambda_client, events = emulator.client("lambda"), emulator.client("events")

        # prod as committed: the first `make deploy` creates it, with its keep-warm rule and no SnapStart.
        checkout.run("make deploy STAGE=prod")
        assert [rule["Name"] for rule in events.list_rules(NamePrefix=name)["Rules"]]
        assert lambda_client.get_function_configuration(FunctionName=name)["SnapStart"]["ApplyOn"] == "None"
        assert lambda_client.list_aliases(FunctionName=name)["Aliases"] == []

        with_snap_start(checkout.root / "zappa_settings.json")
        deploy, unschedule = commands
        checkout.run(deploy)
        package = checkout.root / "dist" / "loopback-prod.zip"
        alias = assert_snap_started(emulator, name, package, settings["aws_environment_variables"])
        # API Gateway is to call the alias, never $LATEST. moto builds API methods only when it creates a stack,
        # not when a stack update changes them, so this reads the template the update gave CloudFormation.
        uris = template_integration_uris(emulator, name)
        assert uris and all(uri.endswith(f"/functions/{alias['AliasArn']}/invocations") for uri in uris), uris

        # `zappa update` keeps the keep-warm rule that keep_warm false no longer asks for; the README's second
        # command removes it.
        assert [rule["Name"] for rule in events.list_rules(NamePrefix=name)["Rules"]]
        checkout.run(unschedule)
        assert events.list_rules(NamePrefix=name)["Rules"] == []

        # Every later deploy publishes again and moves the alias to the new code.
        routes = checkout.root / "app" / "health.py"
        routes.write_text(routes.read_text() + "\n# changed for the SnapStart update test\n")
        checkout.run(deploy)
        moved = assert_snap_started(emulator, name, package, settings["aws_environment_variables"])
        assert int(moved["FunctionVersion"]) > int(alias["FunctionVersion"])
        assert events.list_rules(NamePrefix=name)["Rules"] == []

        # A deploy whose smoke check fails (prod's masking lost): the rollback moves the alias, which the API calls,
        # to a new version with the code before it, snapshotted too.
        routes.write_text(routes.read_text() + "\n# a change whose deploy fails its smoke check\n")
        with dev_server("prod", {"LOOPBACK_MASK_SENSITIVE_HEADERS": "false"}) as unmasked:
            failed = checkout.run(f"{deploy} SMOKE_URL=http://127.0.0.1:{unmasked.port}", fails=True)
        # Zappa published twice for the failed deploy (after the code, after the configuration): -n 1 would restore it.
        assert "$ zappa rollback prod -n 2\n" in failed.stdout
        rolled = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
        assert int(rolled["FunctionVersion"]) > int(moved["FunctionVersion"]) + 1  # the failed deploy's, then this
        before = lambda_client.get_function_configuration(FunctionName=name, Qualifier=moved["FunctionVersion"])
        now = lambda_client.get_function_configuration(FunctionName=name, Qualifier=ALIAS)
        assert now["CodeSha256"] == before["CodeSha256"] != code_sha256(package)
        assert now["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
        assert_calls_allowed_by_the_deployer_policy(checkout.calls, {"lambda:UpdateAlias"})


@pytest.mark.slow
def test_a_first_deploy_of_a_snap_started_prod(tmp_path):
    """A new account's first `make deploy` with SnapStart already on: `zappa deploy` creates the function with it
    and the alias at once, and the stack's API calls the alias."""
    settings, _ = readme_steps()
    with running_emulator() as emulator, dev_server("prod") as prod:
        checkout = Checkout(copy_project(tmp_path / "loopback"), emulator, f"http://127.0.0.1:{prod.port}")
        create_execution_role(checkout.root, emulator.environment(), "prod")
        with_snap_start(checkout.root / "zappa_settings.json")
        name = stage_settings("prod", checkout.root / "zappa_settings.json").lambda_name
        checkout.run("make deploy STAGE=prod")
        alias = assert_snap_started(
            emulator, name, checkout.root / "dist" / "loopback-prod.zip", settings["aws_environment_variables"]
        )
        uris = api_integration_uris(emulator, name)
        assert uris and all(uri.endswith(f"/functions/{alias['AliasArn']}/invocations") for uri in uris), uris
        assert emulator.client("events").list_rules(NamePrefix=name)["Rules"] == []
        assert_calls_allowed_by_the_deployer_policy(checkout.calls)
