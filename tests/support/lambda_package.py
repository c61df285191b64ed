"""A built Lambda package, unzipped and called as the Lambda runtime calls it (tests/support/lambda_runtime.py)."""

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from bench.lambda_layout import runtime_folder
from tests.support.deploy_tools import OFFLINE_GUARD, run_offline
from tests.support.lambda_invocation import lambda_function_environment
from tests.support.stage_settings import stage_settings

LAMBDA_RUNTIME = Path(__file__).parent / "lambda_runtime.py"


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
        **lambda_function_environment(configured.lambda_name, configured.memory_size),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
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
