"""One execution environment: a Lambda runtime's loop around the function's handler.

Run by ``local_gateway.function`` as ``<python> <options> worker.py FD``, FD being its end of a
``multiprocessing`` pipe to the gateway. The standard library only: in a package's layout nothing
but the package, the runtime's libraries and the standard library may be importable.

The gateway sends the layout first (``sys_path``, ``preload``); the worker answers ``("ready", None)``
once the handler ``_HANDLER`` names is imported (Lambda's Init phase), or ``("init-error", message)``
and exits. Then, for each invocation ``{"event", "request_id", "deadline_ms", "arn"}``, it answers
``(kind, payload, max_rss_mb)``: ``("response", JSON bytes, ...)`` or ``("error", message, ...)``.
Standard output and error are the function's log, as on Lambda.
"""

import importlib
import json
import os
import resource
import runpy
import sys
import traceback
from multiprocessing.connection import Connection


def main() -> int:
    connection = Connection(int(sys.argv[1]))
    layout = connection.recv()
    sys.path[:0] = layout["sys_path"]
    sys.stdout.reconfigure(line_buffering=True)
    try:
        if layout["preload"]:
            runpy.run_path(layout["preload"], run_name="__preload__")
        # As Lambda's runtime does: _HANDLER names the module and its function.
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
        from awslambdaric.lambda_context import LambdaContext
    except Exception as error:  # Lambda's Runtime.ImportModuleError and the like: the environment fails to start
        traceback.print_exc()
        connection.send(("init-error", f"Runtime.ImportModuleError: {type(error).__name__}: {error}"))
        return 1
    connection.send(("ready", None))
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the gateway is gone
            return 0
        context = LambdaContext(
            invoke_id=job["request_id"],
            client_context=None,
            cognito_identity=None,
            epoch_deadline_time_in_ms=job["deadline_ms"],
            invoked_function_arn=job["arn"],
        )
        try:
            kind, payload = "response", json.dumps(handler(json.loads(job["event"]), context)).encode()
        except Exception as error:  # an unhandled error: Lambda logs it and reports it to the caller
            traceback.print_exc()
            kind, payload = "error", f"{type(error).__name__}: {error}".encode()
        connection.send((kind, payload, peak_memory_mb()))


def peak_memory_mb() -> int:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss would carry
    the peak of the gateway that forked this worker."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


if __name__ == "__main__":
    sys.exit(main())
