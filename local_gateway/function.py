"""The Lambda function behind the local gateway: Zappa's handler, run as Lambda runs it.

Each execution environment is a worker process that imports Zappa's ``handler`` once
and serves one invocation at a time with the runtime's own ``LambdaContext``. A request
that finds no idle environment starts a new one (a cold start), as Lambda scales out.
An environment that times out, crashes or goes over its memory size is discarded.
"""

import json
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .settings import FunctionConfig, lambda_environment

# Lambda's synchronous invocation payload quotas (the response one is 100 bytes larger).
MAX_EVENT_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100


@dataclass(frozen=True)
class Outcome:
    """How one invocation ended: a response payload, or the error Lambda would report."""

    payload: bytes | None = None
    error: str | None = None
    # The gateway's integration timeout passed first: API Gateway answers it, not Lambda.
    integration_timed_out: bool = False


class LambdaFunction:
    """The function's execution environments; ``invoke`` runs one event in an idle one."""

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self._folder = tempfile.TemporaryDirectory(prefix=f"{config.name}-")
        Path(self._folder.name, "zappa_settings.py").write_text(config.settings_module)
        self._idle: list[_Environment] = []
        self._all: set[_Environment] = set()
        self._lock = threading.Lock()

    def invoke(self, event: bytes, integration_timeout: float) -> Outcome:
        """Run ``event`` (JSON, as Lambda receives it); give up when the function's timeout or the integration's
        passes."""
        integration_deadline = time.monotonic() + integration_timeout
        environment = self._idle_environment()
        request_id = str(uuid.uuid4())
        cold = not environment.used
        if cold and not environment.wait_until_ready(integration_deadline):
            if time.monotonic() >= integration_deadline:
                return self._discard(environment, request_id, "Integration timed out", integration_timed_out=True)
            return self._discard(environment, request_id, "Runtime exited during init")
        environment.used = True
        # Lambda's timeout counts from the invocation, after the runtime's init.
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000) + self.config.timeout_seconds * 1000
        job = {"event": event, "request_id": request_id, "deadline_ms": deadline_ms, "arn": self.config.arn}
        try:
            environment.connection.send(job)
        except OSError:
            return self._discard(environment, request_id, "Runtime exited before the invocation")
        function_wait = self.config.timeout_seconds
        integration_wait = integration_deadline - started
        if not environment.connection.poll(max(0.0, min(function_wait, integration_wait))):
            if integration_wait <= function_wait:
                return self._discard(environment, request_id, "Integration timed out", integration_timed_out=True)
            return self._discard(environment, request_id, f"Task timed out after {function_wait:.2f} seconds")
        try:
            kind, payload, max_rss_mb = environment.connection.recv()
        except (EOFError, OSError):
            return self._discard(environment, request_id, "Runtime exited without a response")
        _report(
            request_id,
            (time.monotonic() - started) * 1000,
            self.config.memory_mb,
            max_rss_mb,
            environment.init_ms if cold else None,
        )
        if max_rss_mb > self.config.memory_mb:
            return self._discard(environment, request_id, "Runtime exited: memory size exceeded")
        with self._lock:
            self._idle.append(environment)
        if kind == "error":
            return Outcome(error=payload.decode())
        return Outcome(payload=payload)

    def close(self) -> None:
        with self._lock:
            for environment in list(self._all):
                environment.stop()
            self._all.clear()
            self._idle.clear()
        self._folder.cleanup()

    def _idle_environment(self) -> "_Environment":
        with self._lock:
            if self._idle:
                return self._idle.pop()
        environment = _Environment(self.config, self._folder.name)
        with self._lock:
            self._all.add(environment)
        return environment

    def _discard(
        self, environment: "_Environment", request_id: str, error: str, integration_timed_out: bool = False
    ) -> Outcome:
        print(f"{request_id} Error: {error}", file=sys.stderr, flush=True)
        environment.stop()
        with self._lock:
            self._all.discard(environment)
        return Outcome(error=error, integration_timed_out=integration_timed_out)


def _report(request_id: str, duration_ms: float, memory_mb: int, max_rss_mb: int, init_ms: float | None) -> None:
    """Lambda's REPORT line for an invocation, as CloudWatch Logs shows it."""
    init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms else ""
    print(
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: {max_rss_mb} MB{init}",
        file=sys.stderr,
        flush=True,
    )


class _Environment:
    """One execution environment: a worker process and the pipe to it."""

    def __init__(self, config: FunctionConfig, settings_folder: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child_end = context.Pipe()
        log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        variables = {
            **lambda_environment(config.name, config.memory_mb, config.region, log_stream),
            **config.environment,
        }
        self.process = context.Process(
            target=_serve, args=(child_end, settings_folder, variables, time.time()), daemon=True
        )
        self.process.start()
        child_end.close()
        self.used = False
        self.init_ms: float | None = None

    def wait_until_ready(self, deadline: float) -> bool:
        """Wait for the runtime's init (interpreter start, handler import) to end; False if it did not."""
        try:
            if not self.connection.poll(max(0.0, deadline - time.monotonic())):
                return False
            _, self.init_ms = self.connection.recv()
        except (EOFError, OSError):
            return False
        return True

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


def _serve(connection: Any, settings_folder: str, variables: dict[str, str], spawned_at: float) -> None:
    """A worker's loop: Lambda's environment, Zappa's handler, one event at a time."""
    os.environ.update(variables)
    sys.path.insert(0, settings_folder)
    from awslambdaric.lambda_context import LambdaContext
    from zappa import handler

    # Lambda's Init Duration: starting the runtime and importing the handler module.
    connection.send(("ready", (time.time() - spawned_at) * 1000))
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        context = LambdaContext(
            invoke_id=job["request_id"],
            client_context=None,
            cognito_identity=None,
            epoch_deadline_time_in_ms=job["deadline_ms"],
            invoked_function_arn=job["arn"],
        )
        try:
            kind, payload = "response", json.dumps(handler.lambda_handler(json.loads(job["event"]), context)).encode()
        except Exception as error:  # an unhandled error: Lambda logs it and reports it to the caller
            traceback.print_exc()
            kind, payload = "error", f"{type(error).__name__}: {error}".encode()
        connection.send((kind, payload, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
