"""Call an unzipped Lambda package's handler the way the Lambda Python runtime does.

Run as ``python -I -S -B tests/lambda_runtime.py`` with the job as JSON on stdin:
``{"task_root", "runtime_dir", "offline_guard", "function_arn", "timeout_ms", "invocations": [event, ...],
"output"}``.
``-I -S`` leave only the standard library on ``sys.path``; this script puts the package
(Lambda's /var/task) first and the runtime's own libraries (Lambda's /var/runtime: boto3,
botocore, awslambdaric) after it, imports the handler that ``_HANDLER`` names and calls it
with awslambdaric's ``LambdaContext``. The environment is the one Lambda sets, given by the
caller. Writes ``{"responses", "sys_path", "module_files"}`` as JSON to the file ``output`` names
(stdout and stderr belong to the handler's logs, as on Lambda).
"""

import importlib
import importlib.util
import json
import os
import sys
import time
import uuid


def load_offline_guard(path: str) -> None:
    spec = importlib.util.spec_from_file_location("offline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()


def main() -> None:
    job = json.load(sys.stdin)
    load_offline_guard(job["offline_guard"])
    sys.path[:0] = [job["task_root"], job["runtime_dir"]]

    module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    from awslambdaric.lambda_context import LambdaContext

    responses = []
    for event in job["invocations"]:
        context = LambdaContext(
            invoke_id=str(uuid.uuid4()),
            client_context=None,
            cognito_identity=None,
            epoch_deadline_time_in_ms=int(time.time() * 1000) + job["timeout_ms"],
            invoked_function_arn=job["function_arn"],
        )
        responses.append({"request_id": context.aws_request_id, "response": handler(event, context)})

    module_files = {
        name: getattr(module, "__file__", None)
        for name, module in sorted(sys.modules.items())
        if getattr(module, "__file__", None)
    }
    with open(job["output"], "w", encoding="utf-8") as output:
        json.dump({"responses": responses, "sys_path": sys.path, "module_files": module_files}, output)


if __name__ == "__main__":
    main()
