"""What the package and deploy tests share: the Zappa CLI, run offline from this virtualenv on the package's one;
the administrator's step that makes a stage's execution role; the deployer's policy, and the IAM action of a call."""

import fnmatch
import os
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator

ZAPPA_CLI = Path(__file__).parent / "zappa_cli.py"
OFFLINE_GUARD = Path(__file__).parent / "offline.py"


def package_venv(project: Path = PROJECT_ROOT) -> Path:
    """The virtualenv holding exactly what the Lambda package carries; `make test` creates it first."""
    venv = project / ".venv-package"
    if not (venv / ".installed").exists():
        pytest.fail(f"{venv} is missing: run `make package-venv` (`make test` does)", pytrace=False)
    return venv


def run_offline(command: list[str], env: dict[str, str], offline_log: Path, **options: Any) -> CompletedProcess:
    """Run a Python command that installs tests/offline.py; fail the test if it tried to leave this
    machine, even where a library swallowed the error."""
    env = {**env, "LOOPBACK_OFFLINE_LOG": str(offline_log)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False, **options)
    attempts = offline_log.read_text() if offline_log.exists() else ""
    assert not attempts, f"{' '.join(command)} tried to leave this machine:\n{attempts}"
    return result


def run_zappa(
    args: list[str], cwd: Path, home: Path, environment: dict[str, str] | None = None, calls_file: Path | None = None
) -> CompletedProcess:
    """Run ``zappa <args>`` from the deploy-only virtualenv, offline.

    The environment is built from nothing, so no AWS profile or credential of the machine
    can reach Zappa; ``environment`` adds to it (the emulator's endpoint and fake credentials).
    """
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.defpath}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(package_venv()),
        **(environment or {}),
    }
    if calls_file is not None:
        env["LOOPBACK_AWS_CALLS"] = str(calls_file)
    command = [sys.executable, str(ZAPPA_CLI), *args]
    result = run_offline(command, env, home / "off-machine.log", cwd=cwd, timeout=600)
    sys.stdout.write(f"$ zappa {' '.join(args)}\n{result.stdout}{result.stderr}")
    return result


def build_package(stage: str, output: Path, cwd: Path, home: Path) -> Path:
    """Build ``stage``'s package in the project at ``cwd`` as `make package` does: `zappa package`,
    then deploy/bytecode.py."""
    output.parent.mkdir(parents=True, exist_ok=True)
    result = run_zappa(["package", stage, "-o", str(output)], cwd=cwd, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    added = subprocess.run(
        [sys.executable, str(cwd / "deploy" / "bytecode.py"), str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    return output


# The deployer's policy.
POLICY_FILE = PROJECT_ROOT / "deploy" / "iam-policy.json"
# IAM actions whose names differ from the API operation they authorize.
IAM_ACTION_OF_OPERATION = {"s3:HeadBucket": "s3:ListBucket", "s3:HeadObject": "s3:GetObject"}


def zappa(project: Path, emulator: Emulator, *args: str, calls: Path | None = None) -> Any:
    """``zappa ARGS`` in the project copy at ``project``, against the emulator."""
    return run_zappa(list(args), cwd=project, home=project.parent, environment=emulator.environment(), calls_file=calls)


# `python -m deploy.permissions ARGS` with the offline guard installed first (tests/support/offline.py).
PERMISSIONS_MODULE = (
    "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); import offline; offline.install(); "
    "runpy.run_module('deploy.permissions', run_name='__main__', alter_sys=True)"
)


def create_execution_role(project: Path, environment: dict[str, str], stage: str) -> Any:
    """The administrator's one-time step (README, Permissions): the stages keep ``manage_roles`` false, so Zappa
    deploys with the role it finds and never creates one."""
    command = [sys.executable, "-c", PERMISSIONS_MODULE, str(OFFLINE_GUARD.parent), "create-role", stage]
    result = run_offline(command, environment, project.parent / "off-machine.log", cwd=project, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def policy_allows(policy: dict[str, Any], action: str) -> bool:
    return any(
        statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action, pattern) for pattern in statement["Action"])
        for statement in policy["Statement"]
    )


def iam_action(call: str) -> str:
    """``service:Operation METHOD`` as the deploy runner records it, as the IAM action that allows it."""
    operation, method = call.split(" ")
    if operation.startswith("apigateway:"):
        return f"apigateway:{method}"  # API Gateway's management actions are named by HTTP method
    return IAM_ACTION_OF_OPERATION.get(operation, operation)
