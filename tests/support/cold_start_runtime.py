"""One Lambda execution environment's life, as the Lambda Python runtime runs it: init, then each event.

Run as ``python -I -S -B tests/support/cold_start_runtime.py`` with the job as JSON on stdin:
``{"task_root", "runtime_dir", "offline_guard", "function_arn", "timeout_ms", "invocations": [event, ...],
"output"}``. ``-I -S`` leave only the standard library on ``sys.path``; this script installs the offline
guard, puts the package (Lambda's /var/task) first and the runtime's libraries (/var/runtime: boto3,
botocore, awslambdaric) after it, imports the handler that ``_HANDLER`` names and calls it with
awslambdaric's ``LambdaContext``, as the Lambda runtime does (the environment is the one Lambda sets,
given by the caller).

- An error is reported as Lambda reports it, not raised: an init error (``init_error``, then no event is
  delivered) or a function error for one event (``{"error": ...}`` in its place), so that a test can
  assert what failed.
- The loaded modules are read without reading any module's attributes. lambda_entry.py leaves
  stand-in modules in ``sys.modules`` that import the real module on their first attribute read;
  ``getattr(module, "__file__", None)`` on each module would load every one of them and report them all
  loaded. Here ``__file__`` comes from each module's ``__dict__``, and the stand-ins still in place are
  listed by name.

Writes ``{"init_error", "responses", "module_files", "stand_ins", "sys_path"}`` as JSON to the file
``output`` names (stdout and stderr belong to the handler's logs, as on Lambda).
"""

import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
import uuid


def load_offline_guard(path: str) -> None:
    spec = importlib.util.spec_from_file_location("offline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()


def error_of(exception: BaseException) -> dict:
    """What Lambda reports of an unhandled exception: its type, message and stack."""
    return {
        "errorType": type(exception).__name__,
        "errorMessage": str(exception),
        "stackTrace": traceback.format_exception(exception),
    }


def namespace(module: object) -> dict:
    """A module's own attributes, read without calling a ``__getattr__`` the module's class defines."""
    try:
        return object.__getattribute__(module, "__dict__")
    except AttributeError:
        return {}


def main() -> None:
    job = json.load(sys.stdin)
    load_offline_guard(job["offline_guard"])
    sys.path[:0] = [job["task_root"], job["runtime_dir"]]

    init_error, responses = None, []
    try:
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exception:
        init_error = error_of(exception)
    else:
        from awslambdaric.lambda_context import LambdaContext

        for event in job["invocations"]:
            context = LambdaContext(
                invoke_id=str(uuid.uuid4()),
                client_context=None,
                cognito_identity=None,
                epoch_deadline_time_in_ms=int(time.time() * 1000) + job["timeout_ms"],
                invoked_function_arn=job["function_arn"],
            )
            try:
                responses.append({"request_id": context.aws_request_id, "response": handler(event, context)})
            except Exception as exception:
                responses.append({"request_id": context.aws_request_id, "error": error_of(exception)})

    modules = sorted(sys.modules.items())
    module_files = {
        name: namespace(module)["__file__"] for name, module in modules if namespace(module).get("__file__")
    }
    stand_ins = [name for name, module in modules if type(module).__name__ == "DeferredModule"]
    with open(job["output"], "w", encoding="utf-8") as output:
        result = {
            "init_error": init_error,
            "responses": responses,
            "module_files": module_files,
            "stand_ins": stand_ins,
            "sys_path": sys.path,
        }
        json.dump(result, output, default=repr)


if __name__ == "__main__":
    main()
