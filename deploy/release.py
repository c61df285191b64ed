"""``python -m deploy.release STAGE --package ZIP``: `make deploy`'s steps once the package is built.

1. ``zappa deploy STAGE`` the first time (``zappa status STAGE`` fails), then ``zappa update STAGE -z ZIP``;
2. the stage's cost guards (deploy/guards.py);
3. the smoke check (deploy/smoke.py) through the stage's URL;
4. when the check fails, ``zappa rollback STAGE -n N``, N the versions this deploy published (1; 2 with SnapStart):
   the function's code goes back to the version before this deploy, checked by its SHA-256 for $LATEST and each
   alias (Zappa's rollback reports success even when it did nothing). A first deploy has nothing to roll back to: it
   stays, and the notice says so.

Each outcome is posted to Slack (deploy/notify.py): deployed, deploy failed, rolled back. Exits 0 only when the
stage was deployed and passed its smoke check.
"""

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from app.stages import no_such_stage, zappa_stage
from deploy import notify, smoke


class StepError(Exception):
    """A step of the deploy failed; the message says which, and how."""


class Zappa:
    """Zappa's CLI, packaging the stage's package virtualenv (Zappa packages the virtualenv VIRTUAL_ENV names)."""

    def __init__(self, command: str, venv: Path) -> None:
        self.command, self.environment = shlex.split(command), {**os.environ, "VIRTUAL_ENV": str(venv.resolve())}

    def run(self, *args: str, quiet: bool = False) -> subprocess.CompletedProcess:
        print(f"$ zappa {' '.join(args)}", flush=True)
        return subprocess.run(  # noqa: S603 - Zappa's CLI, with arguments made here
            [*self.command, *args], env=self.environment, capture_output=quiet, text=True, check=False
        )

    def step(self, *args: str) -> None:
        if self.run(*args).returncode != 0:
            raise StepError(f"zappa {' '.join(args)} failed")

    def status(self, stage: str) -> dict[str, Any] | None:
        """``zappa status STAGE --json``'s answer; None while the stage is not deployed."""
        result = self.run("status", stage, "--json", quiet=True)
        if result.returncode != 0:
            return None
        try:  # the JSON object, after any line Zappa printed first
            return json.loads(result.stdout[result.stdout.index("{") :])
        except ValueError:
            raise StepError(f"zappa status {stage} --json printed no JSON: {result.stdout[:300]}") from None


def published_versions(function: Any, name: str) -> list[dict[str, Any]]:
    """The function's published versions, newest first (ListVersionsByFunction, every page)."""
    pages = function.get_paginator("list_versions_by_function").paginate(FunctionName=name)
    versions = [version for page in pages for version in page["Versions"] if version["Version"] != "$LATEST"]
    return sorted(versions, key=lambda version: int(version["Version"]), reverse=True)


def roll_back(zappa: Zappa, function: Any, name: str, stage: str, previous: dict[str, Any]) -> str:
    """Put the code of ``previous`` (the newest version before this deploy) back with ``zappa rollback``, then check
    that what the API calls runs it. Returns what now runs.

    ``-n`` counts versions back from the newest: one per deploy, but two with SnapStart, where Zappa publishes after
    the code and again after the configuration; ``-n 1`` would then restore the failed deploy's own code.
    """
    since = [
        version for version in published_versions(function, name) if int(version["Version"]) > int(previous["Version"])
    ]
    zappa.step("rollback", stage, "-n", str(len(since)))
    # What the API calls: $LATEST, or an alias Zappa keeps (SnapStart's, provisioned concurrency's), which its
    # rollback moves to the version it publishes. Zappa's rollback says "Done!" even when it did nothing.
    called = {"$LATEST": "$LATEST"}
    for alias in function.list_aliases(FunctionName=name)["Aliases"]:
        called[f"alias {alias['Name']}"] = alias["Name"]
    for what, qualifier in called.items():
        now = function.get_function_configuration(FunctionName=name, Qualifier=qualifier)
        if now["CodeSha256"] != previous["CodeSha256"]:
            raise StepError(f"after zappa rollback, {name}'s {what} runs other code than version {previous['Version']}")
    restored = published_versions(function, name)[0]["Version"]
    return f"{restored}, the code of version {previous['Version']}"


def release(stage: str, package: Path, zappa: Zappa, smoke_url: str | None = None) -> int:
    settings = zappa_stage(stage)
    name = settings.lambda_name
    function = boto3.client("lambda", region_name=settings.aws_region)
    said = {"stage": stage, "commit": notify.commit(), "trigger": notify.trigger()}
    try:
        first = zappa.status(stage) is None
        # What the stage ran before this deploy: Zappa publishes a version on every deploy and update.
        previous = None if first else next(iter(published_versions(function, name)), None)
        if first:
            zappa.step("deploy", stage)
        zappa.step("update", stage, "-z", str(package))
        guards = subprocess.run([sys.executable, "-m", "deploy.guards", stage], check=False)  # noqa: S603 - this Python
        if guards.returncode != 0:
            raise StepError(f"python -m deploy.guards {stage} failed")
        status = zappa.status(stage) or {}
        # The custom domain when the stage has one (Zappa's status says "None Supplied" otherwise).
        domain = status.get("Domain URL", "")
        said["url"] = domain if domain.startswith("https://") else status.get(smoke.STATUS_URL_KEY, "")
        said["version"] = published_versions(function, name)[0]["Version"]
        url = smoke_url or status.get(smoke.STATUS_URL_KEY)
        if not url:  # an API of the team's own (apigateway_enabled false): Zappa knows no URL of it
            raise StepError(f"zappa status {stage} names no URL to smoke-check: give it with SMOKE_URL")
    except StepError as failed:
        notify.post(notify.Notice("deploy-failed", **said, detail=str(failed)))
        print(f"deploy failed: {failed}", file=sys.stderr)
        return 1
    try:
        summary = smoke.check(url, stage)
    except smoke.SmokeError as error:
        print(f"smoke check failed: {error}", file=sys.stderr)
        return undo(zappa, function, name, previous, said, f"failed: {error}")
    print(f"smoke check passed: {summary}")
    notify.post(notify.Notice("deployed", **said, smoke=f"passed: {summary}"))
    return 0


def undo(
    zappa: Zappa, function: Any, name: str, previous: dict[str, Any] | None, said: dict[str, str], smoke_result: str
) -> int:
    """After a failed smoke check: roll back to ``previous`` (none after a first deploy), post what happened, fail."""
    stage, version = said["stage"], said["version"]
    if previous is None:
        detail = f"first deploy of {stage}: nothing to roll back to; `zappa undeploy {stage}` removes it"
        notify.post(notify.Notice("deploy-failed", **said, smoke=smoke_result, detail=detail))
        print(detail, file=sys.stderr)
        return 1
    try:
        restored = roll_back(zappa, function, name, stage, previous)
    except StepError as failed:
        detail = f"the rollback failed too: {failed}"
        notify.post(notify.Notice("deploy-failed", **said, smoke=smoke_result, detail=detail))
        print(detail, file=sys.stderr)
        return 1
    detail = f"version {version} failed its smoke check; {name} now runs version {restored}"
    notify.post(notify.Notice("rolled-back", **{**said, "version": restored}, smoke=smoke_result, detail=detail))
    print(f"rolled back: {detail}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.release", description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--package", type=Path, required=True, help="the package `make package` built")
    parser.add_argument("--zappa", default="zappa", help="the command that runs Zappa's CLI")
    parser.add_argument("--venv", type=Path, required=True, help="the package virtualenv of the stage's architecture")
    parser.add_argument("--smoke-url", help="smoke-check this URL instead of the stage's API Gateway URL")
    args = parser.parse_args(argv)
    if missing := no_such_stage(args.stage):
        print(missing, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return release(args.stage, args.package, Zappa(args.zappa, args.venv), args.smoke_url)


if __name__ == "__main__":
    sys.exit(main())
