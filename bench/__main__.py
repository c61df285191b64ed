"""``python -m bench`` (``make bench``): measure the prod package and its baselines and peers in one run,
and write results.json, results.md and results.png."""

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

from local_gateway import lambda_layout

from . import report
from .suite import QUICK, Config, run_suite

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.json, .md and .png (bench/)")
    parser.add_argument("--quick", action="store_true", help="a few runs of everything, to check the harness")
    parser.add_argument(
        "--zappa",
        default=str(HERE.parent / ".venv" / "bin" / "zappa"),
        help="the command that runs Zappa's CLI (default: .venv's zappa)",
    )
    arguments = parser.parse_args(argv)
    config = QUICK if arguments.quick else Config()

    def progress(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="loopback-bench-") as work:
        try:
            results = run_suite(config, shlex.split(arguments.zappa), Path(work), progress)
        finally:
            for task_root in Path(work).glob("task*"):
                lambda_layout.make_writable(task_root)
    results = report.add_ratios(results)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (arguments.out / "results.md").write_text(table)
    report.plot(results, arguments.out / "results.png")
    print(table)


if __name__ == "__main__":
    main()
