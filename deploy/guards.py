"""``python -m deploy.guards STAGE``: bound what STAGE can cost, after Zappa deployed or updated it.

`make deploy STAGE=S` runs it after `zappa deploy`/`zappa update`. From STAGE's settings in
zappa_settings.json (``extends`` applied, as Zappa's loader reads them) it makes AWS hold:

- the function's reserved concurrency: Zappa's own ``lambda_concurrency`` (Zappa sets it when it creates or
  updates the code; this repeats it, so a deploy that skipped the code still ends with the setting's value);
- the API Gateway stage's throttling, ``guard_stage_throttle`` (Zappa 0.63 has no setting for it);
- the retention of the function's log group ``/aws/lambda/<function>``, ``guard_log_retention_days``; the group is
  created if missing, since Lambda would create it with no expiry;
- with Zappa's ``api_key_required`` on, a usage plan for the stage (``guard_usage_plan``) holding the stage and its
  API key: API Gateway refuses a key that is in no usage plan, which is how Zappa leaves its key.

Zappa ignores settings it does not know, without a word, so these carry the ``guard_`` prefix (no Zappa setting
has it) and this module refuses any ``guard_`` setting it does not know, so that a typo stops the deploy instead
of leaving a guard off. A null or absent ``guard_stage_throttle`` or ``guard_log_retention_days`` leaves that part
as AWS holds it; a null ``guard_usage_plan`` keeps the plan (the key needs one) with no limits; a null
``lambda_concurrency`` removes the reservation, as Zappa does. Running it again changes nothing.

``--check`` only checks the settings, with no AWS call: `make deploy` runs it before it builds anything.
"""

import argparse
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from app.stages import SETTINGS_FILE, no_such_stage, zappa_cli

PREFIX = "guard_"
STAGE_THROTTLE = "guard_stage_throttle"
LOG_RETENTION = "guard_log_retention_days"
USAGE_PLAN = "guard_usage_plan"
KNOWN = {STAGE_THROTTLE, LOG_RETENTION, USAGE_PLAN}
# The values PutRetentionPolicy accepts (CloudWatch Logs API Reference, PutRetentionPolicy, retentionInDays).
# fmt: off
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
# fmt: on
# UsagePlan's QuotaSettings.period (API Gateway API Reference, QuotaSettings).
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
# API Gateway's MethodSetting path for "every resource, every method": the stage's defaults.
EVERY_METHOD = "*/*"


class SettingsError(ValueError):
    """A guard setting AWS would refuse or this module does not know; the message names it."""


class GuardError(RuntimeError):
    """AWS does not hold what the guards need (the stage is not deployed, say); the message says what to do."""


@dataclass(frozen=True)
class Throttle:
    rate_limit: float  # requests per second, steady
    burst_limit: int  # requests at once, above the steady rate


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str  # DAY, WEEK or MONTH


@dataclass(frozen=True)
class UsagePlan:
    throttle: Throttle | None  # per API key
    quota: Quota | None  # per API key


@dataclass(frozen=True)
class Guards:
    """What one stage's settings ask for; what None means for each is in the module's docstring."""

    stage: str
    function_name: str
    reserved_concurrency: int | None
    stage_throttle: Throttle | None
    log_retention_days: int | None
    api_key_required: bool
    api_key: str | None  # Zappa's ``api_key``: the id of a key of your own, instead of the one Zappa makes
    usage_plan: UsagePlan | None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function_name}"


@dataclass(frozen=True)
class Outcome:
    """One guard after a run: what AWS holds and whether this run changed it."""

    guard: str
    holds: str
    changed: bool

    def __str__(self) -> str:
        return f"{self.guard}: {self.holds}" + (" (changed)" if self.changed else "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(where: str, value: Any, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise SettingsError(f"{where} must be a whole number of at least {minimum}, not {value!r}")
    return value


def _rate(where: str, value: Any) -> float:
    if not _is_number(value) or value < 0:
        raise SettingsError(f"{where} must be a number of requests per second, at least 0, not {value!r}")
    return float(value)


def _object(where: str, value: Any, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"{where} must be an object with {', '.join(sorted(keys))}, or null, not {value!r}")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise SettingsError(f"{where} has {', '.join(unknown)}; it takes {', '.join(sorted(keys))}")
    return value


def _pair(where: str, settings: Mapping[str, Any], first: str, second: str) -> bool:
    """Whether both of two settings that go together are given; one without the other is refused."""
    given = [settings.get(first) is not None, settings.get(second) is not None]
    if any(given) and not all(given):
        raise SettingsError(f"{where} needs {first} and {second} together")
    return all(given)


def _throttle(where: str, settings: Mapping[str, Any]) -> Throttle | None:
    if not _pair(where, settings, "rate_limit", "burst_limit"):
        return None
    return Throttle(
        _rate(f"{where}.rate_limit", settings["rate_limit"]), _count(f"{where}.burst_limit", settings["burst_limit"])
    )


def read_guards(stage: str, function_name: str, config: Mapping[str, Any]) -> Guards:
    """The guards of ``config``, a stage's settings as Zappa's loader merged them; SettingsError if one is wrong."""
    unknown = sorted(key for key in config if key.startswith(PREFIX) and key not in KNOWN)
    if unknown:
        raise SettingsError(
            f"{stage}: unknown setting {', '.join(unknown)}; the guard settings: {', '.join(sorted(KNOWN))}"
        )
    concurrency = config.get("lambda_concurrency")
    throttle = config.get(STAGE_THROTTLE)
    retention = config.get(LOG_RETENTION)
    if retention is not None and (isinstance(retention, bool) or retention not in RETENTION_DAYS):
        raise SettingsError(f"{stage}: {LOG_RETENTION} must be one of {', '.join(map(str, RETENTION_DAYS))}")
    plan = config.get(USAGE_PLAN)
    usage_plan = None
    if plan is not None:
        where = f"{stage}: {USAGE_PLAN}"
        plan = _object(where, plan, {"rate_limit", "burst_limit", "quota_limit", "quota_period"})
        quota = None
        if _pair(where, plan, "quota_limit", "quota_period"):
            if plan["quota_period"] not in QUOTA_PERIODS:
                raise SettingsError(f"{where}.quota_period must be one of {', '.join(QUOTA_PERIODS)}")
            quota = Quota(_count(f"{where}.quota_limit", plan["quota_limit"], minimum=1), plan["quota_period"])
        usage_plan = UsagePlan(_throttle(where, plan), quota)
    api_key = config.get("api_key")
    if api_key is not None and not (isinstance(api_key, str) and api_key):
        raise SettingsError(f"{stage}: api_key must be an API key's id, not {api_key!r}")
    return Guards(
        stage=stage,
        function_name=function_name,
        reserved_concurrency=None if concurrency is None else _count(f"{stage}: lambda_concurrency", concurrency),
        stage_throttle=None
        if throttle is None
        else _throttle(
            f"{stage}: {STAGE_THROTTLE}",
            _object(f"{stage}: {STAGE_THROTTLE}", throttle, {"rate_limit", "burst_limit"}),
        ),
        log_retention_days=retention,
        api_key_required=bool(config.get("api_key_required", False)),
        api_key=api_key,
        usage_plan=usage_plan,
    )


def _number(value: float) -> str:
    """A patch operation's value: API Gateway takes numbers as strings."""
    return str(int(value)) if float(value).is_integer() else str(value)


def reserve_concurrency(lambda_client: Any, guards: Guards) -> Outcome:
    name, wanted = guards.function_name, guards.reserved_concurrency
    try:
        held = lambda_client.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    except lambda_client.exceptions.ResourceNotFoundException as error:
        raise GuardError(f"function {name} does not exist: deploy the stage first (make deploy)") from error
    if wanted is None:
        # Zappa's update removes a reservation its setting no longer asks for; so does this.
        if held is not None:
            lambda_client.delete_function_concurrency(FunctionName=name)
        return Outcome(
            "reserved concurrency", "none: the function draws on the account's unreserved pool", held is not None
        )
    if held != wanted:
        lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=wanted)
    return Outcome("reserved concurrency", str(wanted), held != wanted)


def retain_logs(logs_client: Any, guards: Guards) -> Outcome:
    if guards.log_retention_days is None:
        return Outcome(f"log retention of {guards.log_group}", f"{LOG_RETENTION} not set: left as it is", False)
    try:
        logs_client.create_log_group(logGroupName=guards.log_group)
        created = True
    except logs_client.exceptions.ResourceAlreadyExistsException:
        created = False
    # The same value again changes nothing; reading it first would need logs:DescribeLogGroups on every group.
    logs_client.put_retention_policy(logGroupName=guards.log_group, retentionInDays=guards.log_retention_days)
    return Outcome(f"log retention of {guards.log_group}", f"{guards.log_retention_days} days", created)


def throttle_stage(apigateway: Any, api_id: str, guards: Guards) -> Outcome:
    wanted = guards.stage_throttle
    if wanted is None:
        return Outcome(f"throttling of stage {guards.stage}", f"{STAGE_THROTTLE} not set: left as it is", False)
    stage = apigateway.get_stage(restApiId=api_id, stageName=guards.stage)
    held = stage.get("methodSettings", {}).get(EVERY_METHOD, {})
    changed = (held.get("throttlingRateLimit"), held.get("throttlingBurstLimit")) != (
        wanted.rate_limit,
        wanted.burst_limit,
    )
    if changed:
        apigateway.update_stage(
            restApiId=api_id,
            stageName=guards.stage,
            patchOperations=[
                {"op": "replace", "path": f"/{EVERY_METHOD}/throttling/rateLimit", "value": _number(wanted.rate_limit)},
                {"op": "replace", "path": f"/{EVERY_METHOD}/throttling/burstLimit", "value": str(wanted.burst_limit)},
            ],
        )
    holds = f"{wanted.rate_limit:g} requests/s, bursts of {wanted.burst_limit}"
    return Outcome(f"throttling of stage {guards.stage} of API {api_id}", holds, changed)


def _items(apigateway: Any, operation: str, **arguments: Any) -> Iterator[dict[str, Any]]:
    for page in apigateway.get_paginator(operation).paginate(**arguments):
        yield from page.get("items", [])


def stage_api_keys(cli: Any, api_id: str, guards: Guards) -> tuple[list[str], bool]:
    """The ids of the stage's API keys, and whether this made one.

    The key of Zappa's ``api_key`` setting, else the one Zappa made, named ``<stage>_<api id>`` (`zappa deploy`
    makes it; `zappa update` does not, so a stage switched to api_key_required after its first deploy has none
    until this makes it, with Zappa's own call, so that `zappa undeploy` removes it as its own).
    """
    if guards.api_key:
        return [guards.api_key], False
    apigateway = cli.zappa.apigateway_client
    name = f"{guards.stage}_{api_id}"
    found = [key["id"] for key in _items(apigateway, "get_api_keys", nameQuery=name) if key.get("name") == name]
    if found:
        return found, False
    cli.zappa.create_api_key(api_id=api_id, stage_name=guards.stage)
    made = [key["id"] for key in _items(apigateway, "get_api_keys", nameQuery=name) if key.get("name") == name]
    return made, True


def _plan_throttle(throttle: Throttle) -> dict[str, Any]:
    return {"rateLimit": throttle.rate_limit, "burstLimit": throttle.burst_limit}


def _plan_quota(quota: Quota) -> dict[str, Any]:
    return {"limit": quota.limit, "period": quota.period}


def _plan_changes(plan: dict[str, Any], api_id: str, wanted: UsagePlan, stage: str) -> list[dict[str, str]]:
    """UpdateUsagePlan's patch operations that make ``plan`` what the settings ask for."""
    changes = []
    if {"apiId": api_id, "stage": stage} not in [
        {"apiId": held["apiId"], "stage": held["stage"]} for held in plan.get("apiStages", [])
    ]:
        changes.append({"op": "add", "path": "/apiStages", "value": f"{api_id}:{stage}"})
    held_throttle, held_quota = plan.get("throttle"), plan.get("quota")
    if wanted.throttle is None and held_throttle:
        changes.append({"op": "remove", "path": "/throttle"})
    elif wanted.throttle is not None and (
        not held_throttle
        or (held_throttle.get("rateLimit"), held_throttle.get("burstLimit"))
        != (wanted.throttle.rate_limit, wanted.throttle.burst_limit)
    ):
        changes += [
            {"op": "replace", "path": "/throttle/rateLimit", "value": _number(wanted.throttle.rate_limit)},
            {"op": "replace", "path": "/throttle/burstLimit", "value": str(wanted.throttle.burst_limit)},
        ]
    if wanted.quota is None and held_quota:
        changes.append({"op": "remove", "path": "/quota"})
    elif wanted.quota is not None and (
        not held_quota
        or (held_quota.get("limit"), held_quota.get("period")) != (wanted.quota.limit, wanted.quota.period)
    ):
        changes += [
            {"op": "replace", "path": "/quota/limit", "value": str(wanted.quota.limit)},
            {"op": "replace", "path": "/quota/period", "value": wanted.quota.period},
        ]
    return changes


def attach_usage_plan(cli: Any, api_id: str, guards: Guards) -> Outcome:
    """The usage plan named after the function, with the stage and its keys, when the stage requires a key."""
    if not guards.api_key_required:
        return Outcome(f"usage plan {guards.function_name}", "api_key_required is off: no plan needed", False)
    apigateway = cli.zappa.apigateway_client
    wanted = guards.usage_plan or UsagePlan(None, None)
    keys, key_made = stage_api_keys(cli, api_id, guards)
    if not keys:
        raise GuardError(f"{guards.stage} requires an API key and none is named {guards.stage}_{api_id}")
    plans = [plan for plan in _items(apigateway, "get_usage_plans") if plan.get("name") == guards.function_name]
    if len(plans) > 1:
        ids = ", ".join(plan["id"] for plan in plans)
        raise GuardError(f"usage plans {ids} are all named {guards.function_name}: delete all but one")
    changed = key_made
    if plans:
        [plan] = plans
        changes = _plan_changes(plan, api_id, wanted, guards.stage)
        if changes:
            apigateway.update_usage_plan(usagePlanId=plan["id"], patchOperations=changes)
            changed = True
    else:
        arguments: dict[str, Any] = {
            "name": guards.function_name,
            "description": f"API keys of {guards.function_name} (deploy/guards.py)",
            "apiStages": [{"apiId": api_id, "stage": guards.stage}],
        }
        if wanted.throttle is not None:
            arguments["throttle"] = _plan_throttle(wanted.throttle)
        if wanted.quota is not None:
            arguments["quota"] = _plan_quota(wanted.quota)
        plan = apigateway.create_usage_plan(**arguments)
        changed = True
    held_keys = {key["id"] for key in _items(apigateway, "get_usage_plan_keys", usagePlanId=plan["id"])}
    for key in keys:
        if key not in held_keys:
            apigateway.create_usage_plan_key(usagePlanId=plan["id"], keyId=key, keyType="API_KEY")
            changed = True
    limits = []
    if wanted.throttle is not None:
        limits.append(f"{wanted.throttle.rate_limit:g} requests/s, bursts of {wanted.throttle.burst_limit}")
    if wanted.quota is not None:
        limits.append(f"{wanted.quota.limit} requests a {wanted.quota.period.lower()}")
    holds = f"{plan['id']} with key {', '.join(keys)}; per key: {'; '.join(limits) or 'no limit'}"
    return Outcome(f"usage plan {guards.function_name}", holds, changed)


def apply(stage: str, settings_file: Path = SETTINGS_FILE, session: Any = None) -> list[Outcome]:
    """Make AWS hold ``stage``'s guards; what each holds after, in order."""
    cli = zappa_cli(stage, settings_file, session)
    guards = read_guards(stage, cli.lambda_name, cli.stage_config)
    zappa = cli.zappa
    outcomes = [reserve_concurrency(zappa.lambda_client, guards), retain_logs(zappa.logs_client, guards)]
    if not cli.use_apigateway:
        return outcomes
    if cli.apigateway_version != "v1":
        if guards.stage_throttle or guards.api_key_required:
            raise GuardError(
                f"{stage}: stage throttling and usage plans are made for REST APIs (apigateway_version v1)"
            )
        return outcomes
    api_id = zappa.get_api_id(cli.lambda_name)
    if not api_id:
        raise GuardError(f"{stage} has no API: deploy the stage first (make deploy)")
    return [*outcomes, throttle_stage(zappa.apigateway_client, api_id, guards), attach_usage_plan(cli, api_id, guards)]


def check(stage: str, settings_file: Path = SETTINGS_FILE) -> Guards:
    """``stage``'s guards read from the file, with no AWS call; SettingsError if a setting is wrong."""
    from app.stages import zappa_stage

    cli = zappa_stage(stage, Path(settings_file))
    return read_guards(stage, cli.lambda_name, cli.stage_config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", help="the stage: dev or prod")
    parser.add_argument("--check", action="store_true", help="only check the settings; no AWS call")
    args = parser.parse_args(argv)
    if missing := no_such_stage(args.stage):
        print(missing, file=sys.stderr)
        return 2
    try:
        if args.check:
            check(args.stage)
            return 0
        for outcome in apply(args.stage):
            print(f"{args.stage}: {outcome}")
    except SettingsError as error:
        print(f"{SETTINGS_FILE.name}: {error}", file=sys.stderr)
        return 1
    except GuardError as error:
        print(error, file=sys.stderr)
        return 1
    except ClientError as error:  # AWS refused a call: the deployer's policy, a quota, a key that does not exist
        print(f"{args.stage}: AWS refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
