"""The cost guards and log retention `make deploy` applies after Zappa (deploy/guards.py): reserved concurrency,
stage throttling, a usage plan for the stage's API key, the function's log retention.

The quick tests read the settings as Zappa's loader does. The slow ones deploy with the real Zappa CLI against
moto's server (tests/support/aws_emulator.py) and then apply the guards: with `make deploy`, and in this process,
where every AWS call the guards make is recorded and held to the deployer's policy (deploy/iam-policy.json).

What the emulator cannot show: moto replaces a stage whenever a deployment is made to it, so after `zappa update`
its stage has lost the throttling AWS would have kept, and the guards put it back; it sends no request through the
API, so neither a throttle nor a key is enforced here. Both are AWS's part; this checks what AWS is told to hold.
"""

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from deploy import guards
from deploy.domain import DOMAIN_SETTINGS
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import Checkout, copy_project
from tests.support.deploy_tools import POLICY_FILE, create_execution_role, iam_action, policy_allows, zappa
from tests.support.local_server import dev_server
from tests.support.make import make_environment
from tests.support.readme import section
from tests.support.stage_settings import REGION, STAGES, change_stages, settings_copy, stage_settings

README_SECTION = "### Cost guards and log retention"
# Calls that change what AWS holds. CreateLogGroup is refused when the group exists, and PutRetentionPolicy with
# the value the group has changes nothing (the guards make both on every run, see deploy/guards.py).
WRITES = re.compile(r":(Create|Put|Update|Delete|Add|Remove)\w* ")
HARMLESS_REWRITES = {"logs:CreateLogGroup POST", "logs:PutRetentionPolicy POST"}
# What AWS answers a reservation that leaves the account too little unreserved concurrency
# (Lambda Developer Guide, "Configuring reserved concurrency").
UNRESERVED_TOO_LOW = "decreases account's UnreservedConcurrentExecution below its minimum value"


def copy_settings(tmp_path: Path, changes: dict[str, dict[str, Any]]) -> Path:
    settings_file = settings_copy(tmp_path)
    change_stages(settings_file, changes)
    return settings_file


# Quick: the settings


def test_zappa_takes_a_setting_it_does_not_know_without_a_word(tmp_path, caplog):
    """Why the guard settings are checked by deploy/guards.py: Zappa's loader neither warns of nor refuses a
    misspelt one, and the guard would silently stay off."""
    misspelt = {"guard_stage_throtle": {"rate_limit": 1, "burst_limit": 1}}
    settings_file = copy_settings(tmp_path, {"prod": misspelt})
    with caplog.at_level(logging.DEBUG):
        configured = stage_settings("prod", settings_file)
    assert configured.stage_config["guard_stage_throtle"] == misspelt["guard_stage_throtle"]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    with pytest.raises(guards.SettingsError, match="guard_stage_throtle"):
        guards.check("prod", settings_file)


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("guard_stage_throttle", {"rate_limit": -1, "burst_limit": 10}, "rate_limit"),
        ("guard_stage_throttle", {"rate_limit": 5}, "burst_limit"),
        ("guard_stage_throttle", {"rate_limit": 5, "burst_limit": 2.5}, "burst_limit"),
        ("guard_stage_throttle", {"rate_limit": "5", "burst_limit": 10}, "rate_limit"),
        ("guard_stage_throttle", {"rate": 5, "burst_limit": 10}, "rate"),
        ("guard_stage_throttle", 10, "guard_stage_throttle"),
        ("guard_log_retention_days", 15, "guard_log_retention_days"),
        ("guard_log_retention_days", True, "guard_log_retention_days"),
        ("guard_usage_plan", {"quota_limit": 0, "quota_period": "DAY"}, "quota_limit"),
        ("guard_usage_plan", {"quota_limit": 100, "quota_period": "YEAR"}, "quota_period"),
        ("guard_usage_plan", {"quota_limit": 100}, "quota_period"),
        ("guard_usage_plan", {"burst_limit": 5}, "rate_limit"),
        ("lambda_concurrency", -1, "lambda_concurrency"),
        ("lambda_concurrency", "10", "lambda_concurrency"),
        ("api_key", 12, "api_key"),
    ],
)
def test_a_wrong_guard_setting_is_refused_with_its_name(tmp_path, setting, value, named):
    settings_file = copy_settings(tmp_path, {"prod": {setting: value}})
    with pytest.raises(guards.SettingsError, match=re.escape(named)):
        guards.check("prod", settings_file)


def test_the_guards_take_the_values_aws_takes():
    """Held to AWS's own API models, as botocore ships them."""
    models = botocore.session.get_session()
    quota_periods = models.get_service_model("apigateway").shape_for("QuotaPeriodType").enum
    assert set(guards.QUOTA_PERIODS) == set(quota_periods)
    retention = models.get_service_model("logs").operation_model("PutRetentionPolicy").input_shape
    documented = retention.members["retentionInDays"].documentation
    listed = re.search(r"Possible values are: ([\d, and]+)\.", documented)
    assert listed, documented
    assert set(guards.RETENTION_DAYS) == {int(days) for days in re.findall(r"\d+", listed[1])}


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_guarded(stage):
    """The committed stages keep each guard on (the values are the user's to tune): no stage is left unthrottled,
    no log kept forever, and a key with a working usage plan is one setting away."""
    stage_guards = guards.check(stage)
    assert stage_guards.stage_throttle is not None
    assert stage_guards.log_retention_days is not None
    assert stage_guards.usage_plan is not None
    assert stage_guards.usage_plan.throttle is not None and stage_guards.usage_plan.quota is not None
    assert stage_guards.log_group == f"/aws/lambda/{stage_settings(stage).lambda_name}"


def test_prod_reserves_concurrency_through_zappas_own_setting():
    assert guards.check("prod").reserved_concurrency == stage_settings("prod").lambda_concurrency
    assert stage_settings("prod").lambda_concurrency is not None


def test_the_readme_tells_each_guard_setting():
    text = section(README_SECTION)
    for setting in (*guards.KNOWN, "lambda_concurrency", "api_key_required", "L-B99A9384"):
        assert setting in text, setting


# Quick: the command and make


def test_the_command_checks_the_settings_without_aws(tmp_path):
    checkout = copy_project(tmp_path / "loopback")
    command = [sys.executable, "-m", "deploy.guards", "--check"]
    for stage in STAGES:
        checked = subprocess.run([*command, stage], cwd=checkout, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
    unknown = subprocess.run([*command, "qa"], cwd=checkout, capture_output=True, text=True, check=False)
    assert unknown.returncode == 2
    assert "no stage 'qa'" in unknown.stderr
    change_stages(checkout / "zappa_settings.json", {"prod": {"guard_log_retention_days": 10}})
    refused = subprocess.run([*command, "prod"], cwd=checkout, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "guard_log_retention_days" in refused.stderr


def test_make_deploy_stops_on_a_wrong_guard_setting_before_building(tmp_path):
    checkout = copy_project(tmp_path / "loopback")
    change_stages(
        checkout / "zappa_settings.json",
        # prod's custom domain removed, as its placeholders would stop `make deploy` first.
        {
            "prod": {
                "s3_bucket": "my-team-loopback-deploys-prod",
                "guard_stage_throttle": {"rate_limit": 10},
                **dict.fromkeys(DOMAIN_SETTINGS),
            }
        },
    )
    command = ["make", "--no-print-directory", "deploy", "STAGE=prod"]
    result = subprocess.run(command, cwd=checkout, env=make_environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "guard_stage_throttle" in result.stderr
    assert not (checkout / "dist").exists()


def test_make_deploy_applies_the_guards_after_zappa(tmp_path):
    """The order `make -n` prints: the check before anything is built, then the package, then the release
    (deploy/release.py: Zappa's update, then the guards, then the smoke check; tests/deploy/test_release.py)."""
    checkout = copy_project(tmp_path / "loopback")
    command = ["make", "--no-print-directory", "-n", "deploy", "STAGE=prod"]
    result = subprocess.run(command, cwd=checkout, env=make_environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def first(pattern: str) -> int:
        return next(number for number, line in enumerate(lines) if re.search(pattern, line))

    check, package = first(r"-m deploy\.guards --check prod$"), first(r" package prod -o ")
    release = first(r"-m deploy\.release prod --package dist/loopback-prod\.zip ")
    assert check < package < release


# Slow: against the emulator


@dataclass
class Deployed:
    emulator: Emulator
    project: Path
    stage: str
    calls: list[str]

    @property
    def settings_file(self) -> Path:
        return self.project / "zappa_settings.json"

    @property
    def configured(self) -> Any:
        """The stage's settings as they are now: the tests change the file, and stage_settings caches each read."""
        return stage_settings.__wrapped__(self.stage, self.settings_file)

    def zappa(self, *args: str) -> subprocess.CompletedProcess:
        return zappa(self.project, self.emulator, *args)

    def change(self, **settings: Any) -> None:
        change_stages(self.settings_file, {self.stage: settings})

    def apply(self) -> tuple[list[guards.Outcome], list[str]]:
        """The guards, applied in this process; what they hold, and the AWS calls this run made."""
        start = len(self.calls)
        session = boto3.Session(region_name=REGION)
        session.events.register("before-call", self.record)
        outcomes = guards.apply(self.stage, self.settings_file, session=session)
        return outcomes, self.calls[start:]

    def record(self, model: Any, **_: Any) -> None:
        """``service:Operation METHOD``, as tests/support/zappa_cli.py records Zappa's calls."""
        self.calls.append(f"{model.service_model.service_name}:{model.name} {model.http.get('method', '')}")


@contextmanager
def emulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, **settings: Any) -> Iterator[Deployed]:
    """A copy of the project with ``settings`` in ``stage``, and an emulator holding the stage's execution role
    (the administrator's step); this process then talks to that emulator, from the copy, as `make deploy` does."""
    with running_emulator() as emulator:
        project = copy_project(tmp_path / "loopback")
        buckets = {name: {"s3_bucket": f"loopback-test-deploys-{name}", "touch": False} for name in STAGES}
        change_stages(project / "zappa_settings.json", buckets)
        change_stages(project / "zappa_settings.json", {stage: settings})
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        create_execution_role(project, emulator.environment(), stage)
        yield Deployed(emulator, project, stage, [])


@contextmanager
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, **settings: Any) -> Iterator[Deployed]:
    """``stage`` deployed by `zappa deploy`, as `make deploy` does it the first time."""
    with emulated(tmp_path, monkeypatch, stage, **settings) as here:
        deploy = here.zappa("deploy", stage)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        yield here


def rest_api_id(emulator: Emulator, name: str) -> str:
    [api] = [api for api in emulator.client("apigateway").get_rest_apis()["items"] if api["name"] == name]
    return api["id"]


def held(emulator: Emulator, name: str, stage: str) -> dict[str, Any]:
    """What AWS holds of one stage's guards."""
    apigateway = emulator.client("apigateway")
    api_id = rest_api_id(emulator, name)
    method_settings = apigateway.get_stage(restApiId=api_id, stageName=stage)["methodSettings"].get("*/*", {})
    log_groups = emulator.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    group = {group["logGroupName"]: group for group in log_groups}.get(f"/aws/lambda/{name}")
    plans = [plan for plan in apigateway.get_usage_plans()["items"] if plan["name"] == name]
    keys = [key for key in apigateway.get_api_keys()["items"] if key["name"] == f"{stage}_{api_id}"]
    concurrency = emulator.client("lambda").get_function_concurrency(FunctionName=name)
    return {
        "api": api_id,
        "reserved": concurrency.get("ReservedConcurrentExecutions"),
        "throttle": (method_settings.get("throttlingRateLimit"), method_settings.get("throttlingBurstLimit")),
        "retention": group.get("retentionInDays", "never expires") if group else "no log group",
        "plans": [
            {
                "id": plan["id"],
                "stages": plan["apiStages"],
                "throttle": plan.get("throttle"),
                "quota": plan.get("quota"),
                "keys": sorted(key["id"] for key in apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]),
            }
            for plan in plans
        ],
        "keys": sorted(key["id"] for key in keys),
    }


def assert_guarded(emulator: Emulator, configured: Any) -> dict[str, Any]:
    """AWS holds what the stage's settings in zappa_settings.json ask for."""
    config, name, stage = configured.stage_config, configured.lambda_name, configured.api_stage
    holds = held(emulator, name, stage)
    assert holds["reserved"] == config.get("lambda_concurrency")
    throttle = config["guard_stage_throttle"]
    assert holds["throttle"] == (throttle["rate_limit"], throttle["burst_limit"])
    assert holds["retention"] == config["guard_log_retention_days"]
    if not config.get("api_key_required"):
        assert holds["plans"] == []
        return holds
    plan = config["guard_usage_plan"]
    [key] = holds["keys"]
    assert holds["plans"] == [
        {
            "id": holds["plans"][0]["id"],
            "stages": [{"apiId": holds["api"], "stage": stage}],
            "throttle": {"rateLimit": plan["rate_limit"], "burstLimit": plan["burst_limit"]},
            "quota": {"limit": plan["quota_limit"], "period": plan["quota_period"]},
            "keys": [key],
        }
    ]
    return holds


def writes(calls: list[str]) -> list[str]:
    return [call for call in calls if WRITES.search(call + " ") and call not in HARMLESS_REWRITES]


def assert_allowed_by_the_deployer_policy(calls: list[str]) -> None:
    policy = json.loads(POLICY_FILE.read_text())
    made = {iam_action(call) for call in calls}
    assert made, "no AWS call was recorded"
    not_allowed = sorted(action for action in made if not policy_allows(policy, action))
    assert not not_allowed, "deploy/iam-policy.json does not allow: " + ", ".join(not_allowed)


@pytest.mark.slow
def test_the_guards_after_zappa_deploy_and_update(tmp_path, monkeypatch):
    with deployed(tmp_path, monkeypatch, "prod", api_key_required=True) as prod:
        name = prod.configured.lambda_name
        # Zappa made the key without a plan: the state in which API Gateway answers every request 403.
        api_id = rest_api_id(prod.emulator, name)
        assert held(prod.emulator, name, "prod")["plans"] == []

        outcomes, calls = prod.apply()
        assert all(outcome.changed for outcome in outcomes[1:]), outcomes  # Zappa reserved the concurrency itself
        first = assert_guarded(prod.emulator, prod.configured)
        assert first["api"] == api_id

        outcomes, calls = prod.apply()
        assert not [outcome for outcome in outcomes if outcome.changed], outcomes
        assert writes(calls) == []
        assert held(prod.emulator, name, "prod") == first

        update = prod.zappa("update", "prod")
        assert update.returncode == 0, update.stdout + update.stderr
        outcomes, calls = prod.apply()
        changed = {outcome.guard for outcome in outcomes if outcome.changed}
        # moto's new stage lost the throttle (see the module's docstring); AWS keeps it and nothing changes.
        assert changed <= {f"throttling of stage prod of API {api_id}"}, outcomes
        assert held(prod.emulator, name, "prod") == first
        assert_allowed_by_the_deployer_policy(prod.calls)


@pytest.mark.slow
def test_tuning_a_guard_is_applied_by_the_next_deploy(tmp_path, monkeypatch):
    with deployed(tmp_path, monkeypatch, "prod", api_key_required=True) as prod:
        prod.apply()
        before = assert_guarded(prod.emulator, prod.configured)
        prod.change(
            lambda_concurrency=3,
            guard_stage_throttle={"rate_limit": 2.5, "burst_limit": 4},
            guard_log_retention_days=30,
            guard_usage_plan={"rate_limit": 1, "burst_limit": 2, "quota_limit": 500, "quota_period": "WEEK"},
        )
        outcomes, _ = prod.apply()
        assert all(outcome.changed for outcome in outcomes if not outcome.guard.startswith("log")), outcomes
        after = assert_guarded(prod.emulator, prod.configured)
        assert [plan["id"] for plan in after["plans"]] == [plan["id"] for plan in before["plans"]]
        assert after["keys"] == before["keys"]

        outcomes, calls = prod.apply()
        assert not [outcome for outcome in outcomes if outcome.changed], outcomes
        assert writes(calls) == []

        # A guard set to null is left as AWS holds it; the plan's limits are removed with theirs.
        prod.change(lambda_concurrency=None, guard_stage_throttle=None, guard_usage_plan=None)
        prod.apply()
        holds = held(prod.emulator, prod.configured.lambda_name, "prod")
        assert holds["reserved"] is None
        assert holds["throttle"] == after["throttle"]
        [plan] = holds["plans"]
        assert (plan["throttle"], plan["quota"], plan["keys"]) == (None, None, after["keys"])
        assert_allowed_by_the_deployer_policy(prod.calls)


@pytest.mark.slow
def test_api_key_required_switched_on_after_the_first_deploy(tmp_path, monkeypatch):
    """`zappa update` makes no key (only `zappa deploy` does): the guards make it, as Zappa would, and
    `zappa undeploy` then removes it as its own."""
    with deployed(tmp_path, monkeypatch, "dev") as dev:
        name = dev.configured.lambda_name
        _, calls = dev.apply()
        assert not [call for call in calls if "UsagePlan" in call or "ApiKey" in call], calls
        assert_guarded(dev.emulator, dev.configured)

        dev.change(api_key_required=True)
        update = dev.zappa("update", "dev")
        assert update.returncode == 0, update.stdout + update.stderr
        assert held(dev.emulator, name, "dev")["keys"] == []
        dev.apply()
        holds = assert_guarded(dev.emulator, dev.configured)
        assert_allowed_by_the_deployer_policy(dev.calls)

        undeploy = dev.zappa("undeploy", "dev", "--yes")
        assert undeploy.returncode == 0, undeploy.stdout + undeploy.stderr
        remaining = [key["id"] for key in dev.emulator.client("apigateway").get_api_keys()["items"]]
        assert holds["keys"][0] not in remaining


@pytest.mark.slow
def test_a_key_of_your_own_goes_into_the_plan(tmp_path, monkeypatch):
    """Zappa's ``api_key``: the id of a key made beforehand, which Zappa attaches instead of making one."""
    with deployed(tmp_path, monkeypatch, "dev") as dev:
        own = dev.emulator.client("apigateway").create_api_key(name="partner-a", enabled=True)["id"]
        dev.change(api_key_required=True, api_key=own)
        dev.apply()
        [plan] = held(dev.emulator, dev.configured.lambda_name, "dev")["plans"]
        assert plan["keys"] == [own]
        assert plan["stages"] == [{"apiId": rest_api_id(dev.emulator, dev.configured.lambda_name), "stage": "dev"}]


@pytest.mark.slow
def test_a_new_accounts_concurrency_quota_refuses_prods_reservation(tmp_path, monkeypatch):
    """An account whose concurrency quota is 10 can reserve none: `zappa deploy` stops after creating the
    function, and the README's way back works: undeploy, leave the reservation out, deploy."""
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "10")  # moto's server runs in this process
    with emulated(tmp_path, monkeypatch, "prod") as prod:
        assert prod.configured.lambda_concurrency is not None
        failed = prod.zappa("deploy", "prod")
        assert failed.returncode != 0
        assert UNRESERVED_TOO_LOW in failed.stdout + failed.stderr
        # Half made: the function exists, so `zappa status` passes and `make deploy` would go on to an update.
        assert prod.zappa("status", "prod").returncode == 0
        assert prod.zappa("update", "prod").returncode != 0
        assert prod.zappa("undeploy", "prod", "--yes").returncode == 0
        prod.change(lambda_concurrency=None)
        again = prod.zappa("deploy", "prod")
        assert again.returncode == 0, again.stdout + again.stderr
        outcomes, _ = prod.apply()
        assert outcomes[0].holds.startswith("none")
        assert_guarded(prod.emulator, prod.configured)


@pytest.mark.slow
def test_the_command_stops_with_one_line_when_it_cannot_guard(tmp_path, monkeypatch):
    """Run as `make deploy` runs it: a stage not deployed yet, and a call AWS refuses (a key that does not exist)."""
    with emulated(tmp_path, monkeypatch, "dev") as dev:
        command = [sys.executable, "-m", "deploy.guards", "dev"]
        environment = {**os.environ, **dev.emulator.environment()}
        early = subprocess.run(command, cwd=dev.project, env=environment, capture_output=True, text=True, check=False)
        assert early.returncode == 1
        assert "deploy the stage first" in early.stderr
        assert "Traceback" not in early.stderr
        deploy = dev.zappa("deploy", "dev")
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        dev.change(api_key_required=True, api_key="nosuchkey1")  # pragma: allowlist secret - an id no key has
        refused = subprocess.run(command, cwd=dev.project, env=environment, capture_output=True, text=True, check=False)
        assert refused.returncode == 1
        assert "AWS refused" in refused.stderr
        assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_make_deploy_guards_the_stage(tmp_path):
    """`make deploy` as CI runs it, twice: the first deploy, then an update; prod with a key required."""
    with running_emulator() as emulator, dev_server("prod") as prod:
        checkout = Checkout(copy_project(tmp_path / "loopback"), emulator, f"http://127.0.0.1:{prod.port}")
        settings_file = checkout.root / "zappa_settings.json"
        change_stages(settings_file, {"prod": {"api_key_required": True}})
        create_execution_role(checkout.root, emulator.environment(), "prod")

        first = checkout.run("make deploy STAGE=prod")
        assert "prod: usage plan loopback-prod: " in first.stdout
        deployed_once = assert_guarded(emulator, stage_settings("prod", settings_file))
        checkout.run("make deploy STAGE=prod")
        assert assert_guarded(emulator, stage_settings("prod", settings_file)) == deployed_once
