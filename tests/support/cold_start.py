"""A built Lambda package run as Lambda runs it, one execution environment per call, in a fresh
``python -I -S -B`` laid out as Lambda's (the runner is tests/support/cold_start_runtime.py).

``run_in_lambda_layout`` runs the package as built and fails on any error; ``cold_start`` runs a layout
with the settings, extra files and environment variables a test gives it (another generated
zappa_settings.py, a module of event functions, files left out) and reports errors as Lambda does. Both
report which modules were loaded without loading any (see cold_start_runtime.py).
"""

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_gateway.lambda_layout import runtime_folder, unzip_read_only
from tests.support.deploy_tools import OFFLINE_GUARD, run_offline
from tests.support.lambda_invocation import lambda_function_environment
from tests.support.stage_settings import FAKE_CREDENTIALS, change_stages, settings_copy, stage_settings

COLD_START_RUNTIME = Path(__file__).parent / "cold_start_runtime.py"
# Lambda gives every function its execution role's credentials in these variables; the machine's own AWS
# configuration must not reach the function.
LAMBDA_CREDENTIALS = {
    **FAKE_CREDENTIALS,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class Layout:
    """Lambda's folders: the unzipped, read-only package (/var/task) and the runtime's libraries (/var/runtime)."""

    task_root: Path
    runtime_dir: Path


@dataclass(frozen=True)
class ColdStart:
    """What one execution environment did: its init error or its answers, and what it had loaded at the end."""

    layout: Layout
    init_error: dict[str, Any] | None
    responses: list[dict[str, Any]]
    module_files: dict[str, str]  # every loaded module that has a file
    stand_ins: list[str]  # lambda_entry.py's stand-ins in sys.modules after the last event (none once init ends)
    sys_path: list[str]
    stdout: str
    stderr: str

    @property
    def results(self) -> list[Any]:
        """What the handler returned for each event; fails with the error if there was one."""
        assert self.init_error is None, self.init_error
        for response in self.responses:
            assert "error" not in response, "".join(response["error"]["stackTrace"])
        return [response["response"] for response in self.responses]

    def loaded(self, module: str) -> bool:
        return module in self.module_files


def settings_module(stage: str, folder: Path, **changes: Any) -> str:
    """The zappa_settings.py that ``zappa package`` would generate for ``stage`` with ``changes`` made to
    its settings in zappa_settings.json, written by Zappa's own loader."""
    folder.mkdir(parents=True, exist_ok=True)
    settings_file = settings_copy(folder)
    change_stages(settings_file, {stage: changes})
    return stage_settings(stage, settings_file).get_zappa_settings_string()


def lambda_layout(
    package: Path, folder: Path, files: Mapping[str, str | bytes] | None = None, leave_out: Iterable[str] = ()
) -> Layout:
    """Unzip ``package`` into ``folder``/task without the files and folders named in ``leave_out``, write
    ``files`` (path in the package: content) over it, and make it read-only, as Lambda's /var/task is."""
    task_root = unzip_read_only(package, folder / "task", files, leave_out)
    return Layout(task_root, runtime_folder(folder / "runtime"))


def cold_start(
    layout: Layout,
    stage: str,
    events: list[dict[str, Any]],
    work: Path,
    environment: Mapping[str, str] | None = None,
    handler: str | None = None,
    timeout: float = 120,
) -> ColdStart:
    """Start a fresh execution environment of ``stage``'s function on ``layout`` and deliver ``events`` to it,
    one after the other. ``environment`` adds to the variables Lambda sets; ``handler`` replaces the
    function's handler setting (``_HANDLER``); the environment may run for ``timeout`` seconds in all."""
    configured = stage_settings(stage)
    work.mkdir(parents=True, exist_ok=True)
    output = work / "cold-start.json"
    job = {
        "task_root": str(layout.task_root),
        "runtime_dir": str(layout.runtime_dir),
        "offline_guard": str(OFFLINE_GUARD),
        "function_arn": f"arn:aws:lambda:{configured.aws_region}:123456789012:function:{configured.lambda_name}",
        "timeout_ms": configured.timeout_seconds * 1000,
        "invocations": events,
        "output": str(output),
    }
    # What the Lambda runtime sets, then the function's own variables from zappa_settings.json.
    variables = {
        **lambda_function_environment(stage),
        **LAMBDA_CREDENTIALS,
        "LAMBDA_TASK_ROOT": str(layout.task_root),
        "LAMBDA_RUNTIME_DIR": str(layout.runtime_dir),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        **configured.aws_environment_variables,
        **(environment or {}),
    }
    if handler:
        variables["_HANDLER"] = handler
    command = [sys.executable, "-I", "-S", "-B", str(COLD_START_RUNTIME)]
    result = run_offline(
        command, variables, work / "off-machine.log", input=json.dumps(job), cwd=layout.task_root, timeout=timeout
    )
    assert result.returncode == 0, result.stderr
    return ColdStart(layout, **json.loads(output.read_text()), stdout=result.stdout, stderr=result.stderr)


def run_in_lambda_layout(package: Path, stage: str, events: list[dict[str, Any]], folder: Path) -> ColdStart:
    """``stage``'s function on ``package`` unzipped as built into ``folder``: one cold start, then a warm call
    per further event. Fails the test if the function does not start or fails an event."""
    run = cold_start(lambda_layout(package, folder), stage, events, folder)
    assert len(run.results) == len(events)
    return run
