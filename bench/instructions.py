"""``python -m bench.instructions``: instructions one cold start of each subject executes, counted by valgrind.

Wall-clock cold starts on a shared machine vary by ±10 % from run to run, more than most changes worth
trying; the count of instructions does not (callgrind, the same total on a busy or an idle machine). So
a change to the cold path is judged here first, then confirmed by `make bench`. The subjects, layouts and
event are `make bench`'s; ``--handler`` runs the prod package with another handler (Zappa's own:
``handler.lambda_handler``) to price what lambda_entry.py saves. Needs valgrind (Debian's package).
"""

import argparse
import dataclasses
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from local_gateway import lambda_layout
from local_gateway.settings import function_config

from . import packages, suite
from .measure import RUNNER, Subject

BASELINE = "apig-wsgi"
COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(subject: Subject, event_file: Path, work: Path) -> int:
    """Instructions executed by one cold start of ``subject``: interpreter start, init and the first answer."""
    function = function_config(suite.STAGE)
    job = {
        "path": list(subject.path),
        "handler": subject.handler,
        "event": str(event_file),
        "function_arn": function.arn,
        "timeout_ms": function.timeout_seconds * 1000,
        "mode": "cold",
        "invocations": 0,
        "warm_up": 0,
        "import_app_first": None,
        "output": str(work / f"{subject.key}.out.json"),
    }
    job_file = work / f"{subject.key}.job.json"
    job_file.write_text(json.dumps(job))
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={work / subject.key}.callgrind",
        sys.executable,
        "-I",
        "-S",
        "-B",
        str(RUNNER),
        str(job_file),
    ]
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": ":UTC", **subject.environment}
    result = subprocess.run(command, env=environment, cwd=subject.cwd, capture_output=True, text=True, check=False)
    match = COLLECTED.search(result.stderr)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"{subject.label}: valgrind exited {result.returncode}:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", nargs="+", help="subject keys (default: every cold-start subject)")
    parser.add_argument("--handler", help="the prod package's handler instead of its own, as module.function")
    parser.add_argument("--zappa", default=str(packages.PROJECT_ROOT / ".venv" / "bin" / "zappa"))
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopback-instructions-") as folder:
        work = Path(folder)
        try:
            package = packages.build_prod(shlex.split(arguments.zappa), work)
            subjects, _ = suite.lay_out_subjects(work, package)
            event_file = work / "event.json"
            event_file.write_text(json.dumps(suite.loopback_event()))
            counts = {}
            for subject in subjects:
                if arguments.subjects and subject.key not in arguments.subjects:
                    continue
                if subject.role == "ours" and arguments.handler:
                    variables = {**subject.environment, "_HANDLER": arguments.handler}
                    subject = dataclasses.replace(subject, handler=arguments.handler, environment=variables)
                counts[subject.key] = instructions(subject, event_file, work)
                ratio = f"  {counts[subject.key] / counts[BASELINE]:.3f} × {BASELINE}" if BASELINE in counts else ""
                print(f"{subject.label:45s} {counts[subject.key] / 1e6:9.1f} M instructions{ratio}", flush=True)
        finally:
            for task_root in work.glob("task*"):
                lambda_layout.make_writable(task_root)


if __name__ == "__main__":
    main()
