"""``python -m bench.first_answer [--cold]``: seconds from a fresh clone to the loopback's first answer.

Clones the repository's HEAD into a temporary folder, runs `make run` there as a newcomer would, and
times until ``POST /`` answers 200. ``--cold`` starts with empty pip and uv caches, so every package is
downloaded; without it the machine's caches are used (the package cache warm).
"""

import argparse
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answered(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", "/", body=b"{}", headers={"Content-Type": "application/json"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def first_answer_seconds(cold: bool, uv: str | None = None) -> float:
    with tempfile.TemporaryDirectory(prefix="loopback-first-answer-") as work:
        environment = {**os.environ}
        for name in ("VIRTUAL_ENV", "VENV", "UV", "UV_PROJECT_ENVIRONMENT"):
            environment.pop(name, None)
        if cold:
            environment["UV_CACHE_DIR"] = str(Path(work, "uv-cache"))
            environment["PIP_NO_CACHE_DIR"] = "1"
        if uv:
            # A uv already installed, and only its cache: no download at all (the tests run it so).
            environment.update(UV=uv, UV_OFFLINE="1")
        port = free_port()
        started = time.monotonic()
        subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), "checkout"], cwd=work, check=True)
        server = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=Path(work, "checkout"),
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while not answered(port):
                if server.poll() is not None or time.monotonic() - started > LIMIT_SECONDS:
                    raise RuntimeError("make run stopped or did not answer in time")
                time.sleep(0.05)
            return time.monotonic() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.first_answer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", action="store_true", help="empty pip and uv caches: every package is downloaded")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--uv", help="use this uv, offline, instead of installing one (no download at all)")
    arguments = parser.parse_args()
    times = [first_answer_seconds(arguments.cold, arguments.uv) for _ in range(arguments.runs)]
    label = "cold" if arguments.cold else "warm"
    print(f"fresh clone to first loopback answer ({label} caches): " + ", ".join(f"{t:.1f} s" for t in times))


if __name__ == "__main__":
    main()
