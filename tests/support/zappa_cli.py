"""The real Zappa CLI, run offline: ``<deploy venv>/bin/python tests/zappa_cli.py deploy dev``.

This is the ``zappa`` console script's own entry point (``zappa.cli.handle``) with three
additions for tests:
- every connection off 127.0.0.1 raises and is logged (tests/offline.py);
- Zappa's check for a newer release on pypi.org, which it makes before most commands, is off;
- each AWS call is appended, as ``service:Operation HTTP-method``, to the file named by
  ``LOOPBACK_AWS_CALLS``, so that a test can compare them with the deployer's IAM policy.
"""

import os
import sys

import offline  # this file's folder is sys.path[0]

offline.install()

import botocore.client  # noqa: E402 - after the guard, so nothing connects before it
from zappa import cli  # noqa: E402

cli.ZappaCLI.check_for_update = lambda self: None

calls_file = os.environ.get("LOOPBACK_AWS_CALLS")
if calls_file:
    make_api_call = botocore.client.BaseClient._make_api_call

    def recorded_api_call(self, operation_name, api_params):
        model = self.meta.service_model
        method = model.operation_model(operation_name).http.get("method", "")
        with open(calls_file, "a", encoding="utf-8") as calls:
            calls.write(f"{model.service_name}:{operation_name} {method}\n")
        return make_api_call(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recorded_api_call

sys.argv = ["zappa", *sys.argv[1:]]
cli.handle()
