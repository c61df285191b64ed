"""``python -m bench.instructions``: instructions one cold start of each subject executes, counted by valgrind;
with ``--warm N``, the instructions of one warm request (the count of a cold start and N requests, less the
cold start's, over N).

Wall-clock cold starts on a shared machine vary by ±10 % from run to run, more than most changes worth
trying; the count of instructions does not (callgrind, the same total on a busy or an idle machine). So
a change to the cold path is judged here first, then confirmed by `make bench`. The subjects, layouts and
event are `make bench`'s; ``--handler`` runs the prod package with another handler (Zappa's own:
``handler.lambda_handler``) to price what lambda_entry.py saves. Needs valgrind (Debian's package).
"""

import argparse
import dataclasses
import re
import shlex
import subprocess
import tempfile
from pathlib import Path

from local_gateway import lambda_layout

from . import packages, suite
from .measure import Run, Subject, launch
from .report import COLD_BASELINE

WARM_BASELINE = "zappa-hello"  # the warm request's; the cold start's is report.py's
COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(subject: Subject, run: Run, invocations: int = 0) -> int:
    """Instructions executed by one cold start of ``subject`` (interpreter start, init and the first answer)
    and ``invocations`` warm requests after it."""
    runner = launch(subject, run, "warm" if invocations else "cold", invocations=invocations)
    callgrind = [f"--callgrind-out-file={runner.job_file.with_suffix('.callgrind')}"]
    command = ["valgrind", "--tool=callgrind", *callgrind, *runner.command]
    result = subprocess.run(
        command, env=runner.environment, cwd=runner.cwd, capture_output=True, text=True, check=False
    )
    match = COLLECTED.search(result.stderr)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"{subject.label}: valgrind exited {result.returncode}:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", nargs="+", help="subject keys (default: every cold-start subject)")
    parser.add_argument("--handler", help="the prod package's handler instead of its own, as module.function")
    parser.add_argument("--warm", type=int, default=0, metavar="N", help="count one warm request, over N of them")
    parser.add_argument("--zappa", default=str(packages.PROJECT_ROOT / ".venv" / "bin" / "zappa"))
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loopback-instructions-") as folder:
        work = Path(folder)
        try:
            package = packages.build_prod(shlex.split(arguments.zappa), work)
            subjects, _ = suite.lay_out_subjects(work, package)
            run = suite.prepare_run(work)
            counts = {}
            for subject in subjects:
                if arguments.subjects and subject.key not in arguments.subjects:
                    continue
                if subject.role == "ours" and arguments.handler:
                    variables = {**subject.environment, "_HANDLER": arguments.handler}
                    subject = dataclasses.replace(subject, handler=arguments.handler, environment=variables)
                count = instructions(subject, run)
                if arguments.warm:
                    count = (instructions(subject, run, arguments.warm) - count) / arguments.warm
                counts[subject.key] = count
                baseline = WARM_BASELINE if arguments.warm else COLD_BASELINE
                ratio = f"  {count / counts[baseline]:.3f} × {baseline}" if baseline in counts else ""
                what = "k instructions per warm request" if arguments.warm else "M instructions"
                scaled = count / 1e3 if arguments.warm else count / 1e6
                print(f"{subject.label:45s} {scaled:9.1f} {what}{ratio}", flush=True)
        finally:
            for task_root in work.glob("task*"):
                lambda_layout.make_writable(task_root)


if __name__ == "__main__":
    main()
