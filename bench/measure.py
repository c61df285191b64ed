"""Run a subject's Lambda environment in fresh interpreters and collect its cold-start and warm figures."""

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).resolve().parent / "runner.py"
START_MARKER = "bench-runner: started\n"  # what runner.py writes to stderr first
IMPORT_TIME_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")


@dataclass(frozen=True)
class Subject:
    """One Lambda function under measurement: where its code is and how Lambda would call it."""

    key: str
    label: str
    role: str  # "ours", "baseline" or "peer"
    path: tuple[str, ...]  # sys.path entries before the standard library's
    handler: str  # "module.function", as Lambda's handler setting names it
    app_module: str | None  # the module whose body creates the app (the split's "app creation")
    environment: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"


@dataclass(frozen=True)
class Run:
    """What the benchmark passes to every runner: the event and the function's identity."""

    event_file: Path
    function_arn: str
    timeout_ms: int
    logs: Path  # folder for each subject's stdout and stderr


@dataclass(frozen=True)
class Launch:
    """How to start one runner: its command, environment and working folder, and the files of its job."""

    command: list[str]
    environment: dict[str, str]
    cwd: str
    job_file: Path
    output: Path


def launch(
    subject: Subject, run: Run, mode: str, *, invocations: int = 0, warm_up: int = 0, import_time: bool = False
) -> Launch:
    """Write the runner's job for ``subject`` and return how to start it, as Lambda starts an execution environment."""
    tag = f"{subject.key}-{mode}{'-importtime' if import_time else ''}-{time.monotonic_ns()}"
    job_file, output = run.logs / f"{tag}.job.json", run.logs / f"{tag}.out.json"
    job = {
        "path": list(subject.path),
        "handler": subject.handler,
        "event": str(run.event_file),
        "function_arn": run.function_arn,
        "timeout_ms": run.timeout_ms,
        "mode": mode,
        "invocations": invocations,
        "warm_up": warm_up,
        "import_app_first": subject.app_module if import_time else None,
        "output": str(output),
    }
    job_file.write_text(json.dumps(job))
    options = ["-X", "importtime"] if import_time else []
    command = [sys.executable, "-I", "-S", "-B", *options, str(RUNNER), str(job_file)]
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": ":UTC", **subject.environment}
    return Launch(command, environment, subject.cwd, job_file, output)


def run_subject(
    subject: Subject, run: Run, mode: str, *, invocations: int = 0, warm_up: int = 0, import_time: bool = False
) -> dict[str, Any]:
    """Start ``subject`` in a fresh interpreter, as Lambda starts an execution environment, and return its figures.

    ``spawn_ns`` is taken just before the process starts, on the clock the runner reads
    (CLOCK_MONOTONIC, shared by all processes), so interpreter start-up is counted.
    """
    runner = launch(subject, run, mode, invocations=invocations, warm_up=warm_up, import_time=import_time)
    log_path = run.logs / f"{subject.key}-{mode}.log"
    with open(log_path, "ab") as log:
        stderr = subprocess.PIPE if import_time else log
        spawn_ns = time.monotonic_ns()
        result = subprocess.run(
            runner.command, stdout=log, stderr=stderr, env=runner.environment, cwd=runner.cwd, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"{subject.label}: runner exited {result.returncode}; see {log_path}")
    figures = json.loads(runner.output.read_text())
    runner.output.unlink()
    runner.job_file.unlink()
    figures["spawn_ns"] = spawn_ns
    if import_time:
        figures["import_self_us"] = import_self_times(result.stderr.decode(errors="replace"))
    return figures


def import_self_times(report: str) -> dict[str, int]:
    """Each module's own import time in µs (its body, without the imports it makes), from ``-X importtime``.

    Only the imports after the runner's first statement count: those before belong to the interpreter's start.
    """
    times: dict[str, int] = {}
    _, marker, after_start = report.partition(START_MARKER)
    if not marker:
        raise ValueError("the runner's start marker is missing from its -X importtime report")
    for line in after_start.splitlines():
        match = IMPORT_TIME_LINE.match(line)
        if match:
            times[match.group(4)] = times.get(match.group(4), 0) + int(match.group(1))
    return times


def cold_split_ms(figures: dict[str, Any], app_module: str | None) -> dict[str, float]:
    """Split one ``-X importtime`` cold start into interpreter, imports, app creation, other init and first
    request (ms).

    The app module's own import time is the app's creation, where ``-X importtime`` sees it: its body builds
    the app (``app = create_app()``, ``app = Flask(...)``). Every other module's own time is imports. Other
    init is the rest of the handler's import: code run outside import statements, such as a module that
    ``importlib`` imports (Zappa imports the app so: for the prod package, the app's creation is there).
    The first request is the rest, Zappa's handler set-up included where it builds the app then.
    """
    total = (figures["answered_ns"] - figures["spawn_ns"]) / 1e6
    interpreter = (figures["started_ns"] - figures["spawn_ns"]) / 1e6
    init = (figures["imported_ns"] - figures["started_ns"]) / 1e6
    self_times = dict(figures["import_self_us"])
    app_creation = self_times.pop(app_module, 0) / 1000 if app_module else 0.0
    imports = sum(self_times.values()) / 1000
    return {
        "interpreter": interpreter,
        "imports": imports,
        "app_creation": app_creation,
        "other_init": init - imports - app_creation,
        "first_request": (figures["answered_ns"] - figures["imported_ns"]) / 1e6,
        "total": total,
    }
