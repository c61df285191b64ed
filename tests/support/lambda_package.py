"""A built Lambda package, unzipped and called as the Lambda runtime calls it (tests/support/lambda_runtime.py)."""

import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_gateway.lambda_layout import runtime_folder
from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import OFFLINE_GUARD, build_package, run_offline
from tests.support.events import load_event
from tests.support.lambda_invocation import lambda_function_environment
from tests.support.stage_settings import stage_settings

LAMBDA_RUNTIME = Path(__file__).parent / "lambda_runtime.py"


@dataclass(frozen=True)
class Package:
    stage: str
    zip_path: Path
    names: tuple[str, ...]

    @property
    def top_level(self) -> set[str]:
        return {name.split("/", 1)[0] for name in self.names}

    @property
    def unzipped_bytes(self) -> int:
        with zipfile.ZipFile(self.zip_path) as archive:
            return sum(info.file_size for info in archive.infolist())

    def read(self, name: str) -> str:
        with zipfile.ZipFile(self.zip_path) as archive:
            return archive.read(name).decode()


_built: dict[str, Package] = {}


def built_package(stage: str, work: Path) -> Package:
    """``stage``'s package as `make package` builds it, built once per test session (in ``work`` the first time)."""
    if stage not in _built:
        zip_path = work / f"loopback-{stage}.zip"
        build_package(stage, zip_path, cwd=PROJECT_ROOT, home=work)
        with zipfile.ZipFile(zip_path) as archive:
            assert archive.testzip() is None
            _built[stage] = Package(stage, zip_path, tuple(archive.namelist()))
    return _built[stage]


def event_for_stage(name: str, stage: str) -> dict[str, Any]:
    """A stored event as the stage's API would send it: the stage in requestContext and in the path."""
    event = load_event(name)
    context = event["requestContext"]
    old = context["stage"]
    context["stage"] = stage
    for holder, key in ((context, "path"), (event, "rawPath"), (context.get("http", {}), "path")):
        if key in holder and holder[key].startswith(f"/{old}/"):
            holder[key] = f"/{stage}/" + holder[key][len(old) + 2 :]
    return event


def run_in_lambda_layout(zip_path: Path, stage: str, events: list[dict[str, Any]], root: Path) -> dict[str, Any]:
    """Unzip ``zip_path`` into an empty folder under ``root`` and call its handler with ``events``, one
    cold start then warm calls, in a fresh interpreter laid out as Lambda's. Returns the runner's output
    (``responses``, ``sys_path``, ``module_files``) and the folders."""
    task_root, runtime_dir = root / "task", root / "runtime"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task_root)
    runtime_folder(runtime_dir)

    configured = stage_settings(stage)
    region = configured.aws_region
    output = root / "output.json"
    job = {
        "task_root": str(task_root),
        "runtime_dir": str(runtime_dir),
        "offline_guard": str(OFFLINE_GUARD),
        "function_arn": f"arn:aws:lambda:{region}:123456789012:function:{configured.lambda_name}",
        "timeout_ms": configured.timeout_seconds * 1000,
        "invocations": events,
        "output": str(output),
    }
    # What the Lambda runtime sets, then the function's own variables from zappa_settings.json.
    environment = {
        **lambda_function_environment(stage),
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        **configured.aws_environment_variables,
    }
    command = [sys.executable, "-I", "-S", "-B", str(LAMBDA_RUNTIME)]
    offline_log = root / "off-machine.log"
    result = run_offline(command, environment, offline_log, input=json.dumps(job), cwd=task_root, timeout=120)
    assert result.returncode == 0, result.stderr
    return {**json.loads(output.read_text()), "task_root": str(task_root), "runtime_dir": str(runtime_dir)}
