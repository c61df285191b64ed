"""One measured Lambda execution environment: ``python -I -S -B bench/runner.py JOB.json``.

Runs in a fresh interpreter whose ``sys.path`` is the standard library plus the folders the job
names (the unzipped package and Lambda's runtime libraries, or a subject folder and a
virtualenv). Imports the job's handler, answers the job's event once (the cold start), and in
``warm`` mode goes on to time every one of ``invocations`` further calls. Each call gets a new
``LambdaContext`` from awslambdaric, as the runtime makes one per invocation. Writes its
figures as JSON to the job's ``output``; stdout and stderr are the function's log.
Standard library only: nothing may be imported before the handler is.
"""

import sys
import time

STARTED_NS = time.monotonic_ns()  # the interpreter is up: the first statement that runs
# Under -X importtime, the imports reported after this line are the function's, not the interpreter's.
sys.stderr.write("bench-runner: started\n")

import array  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402


def memory_bytes(field: str) -> int:
    """A memory figure of this process from /proc: ``VmRSS`` (resident now) or ``VmHWM`` (peak resident).
    Not ``getrusage``: its peak survives ``exec`` and would be the parent's."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def log_bytes() -> int:
    """Bytes written so far to stdout and stderr, which the benchmark points at one file."""
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fstat(1).st_size


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as job_file:
        job = json.load(job_file)
    sys.path[:0] = job["path"]
    # Lambda's runtime (awslambdaric's bootstrap) has its own modules loaded before it imports the function.
    from awslambdaric.lambda_context import LambdaContext

    module_name, function_name = job["handler"].rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    if job["import_app_first"]:
        # -X importtime does not see a module imported with importlib (as Zappa imports the app), only
        # the imports inside it: imported here by name, the app's own time is reported. Same work, earlier.
        __import__(job["import_app_first"])
    imported_ns = time.monotonic_ns()

    def context() -> LambdaContext:
        deadline_ms = int(time.time() * 1000) + job["timeout_ms"]
        return LambdaContext(f"bench-{time.monotonic_ns()}", None, None, deadline_ms, job["function_arn"])

    with open(job["event"], encoding="utf-8") as event_file:
        event = json.load(event_file)
    first = handler(event, context())
    answered_ns = time.monotonic_ns()
    figures = {
        "started_ns": STARTED_NS,
        "imported_ns": imported_ns,
        "answered_ns": answered_ns,
        "peak_rss_bytes": memory_bytes("VmHWM"),
        "first_response": first,
    }
    if job["mode"] == "warm":
        for _ in range(job["warm_up"]):
            handler(event, context())
        # Allocated before the first RSS reading: a growing list of 50,000 ints would itself add 1.8 MB.
        timings = array.array("q", bytes(8 * job["invocations"]))
        rss_before, log_before = memory_bytes("VmRSS"), log_bytes()
        clock = time.perf_counter_ns
        for index in range(job["invocations"]):
            invocation_context = context()
            begin = clock()
            handler(event, invocation_context)
            timings[index] = clock() - begin
        rss_growth, logged = memory_bytes("VmRSS") - rss_before, log_bytes() - log_before
        figures.update(request_ns=timings.tolist(), rss_growth_bytes=rss_growth, log_bytes=logged)
    with open(job["output"], "w", encoding="utf-8") as output:
        json.dump(figures, output)


if __name__ == "__main__":
    main()
