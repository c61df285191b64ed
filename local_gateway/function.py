"""The Lambda function behind the local gateway: Zappa's handler, run as Lambda runs it.

Each execution environment is a worker process (``worker.py``) that imports the handler once and
serves one invocation at a time with the runtime's own ``LambdaContext``. A request that finds no
idle environment starts a new one (a cold start), as Lambda scales out, up to the function's
concurrency; past it Lambda throttles the invocation. An environment idle for ``idle_seconds`` is
stopped, as Lambda reclaims idle ones, so the next request starts cold again. An environment that
times out, crashes or goes over its memory size is discarded.
"""

import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .runtime import Code
from .settings import FunctionConfig, lambda_environment

# Lambda's synchronous invocation payload quotas (the response one is 100 bytes larger).
MAX_EVENT_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
# Lambda keeps an idle environment "for some time in anticipation of another function invocation"
# ("Understanding the Lambda execution environment lifecycle") and publishes no figure; minutes, as
# a keep-warm every 4 minutes (Zappa's default schedule) keeps one.
IDLE_SECONDS = 300.0
WORKER = Path(__file__).with_name("worker.py")


@dataclass(frozen=True)
class Outcome:
    """How one invocation ended: a response payload, or the error Lambda would report."""

    payload: bytes | None = None
    error: str | None = None
    # The gateway's integration timeout passed first: API Gateway answers it, not Lambda.
    integration_timed_out: bool = False
    # Every environment the function's concurrency allows was busy: Lambda refused the invocation.
    throttled: bool = False


class LambdaFunction:
    """The function's execution environments; ``invoke`` runs one event in an idle one."""

    def __init__(
        self,
        config: FunctionConfig,
        code: Code,
        concurrency: int | None = None,
        idle_seconds: float = IDLE_SECONDS,
        preload: Path | None = None,
    ) -> None:
        self.config = config
        self.code = code
        self.concurrency = config.concurrency if concurrency is None else concurrency
        self.idle_seconds = idle_seconds
        self.preload = preload
        self._idle: list[_Environment] = []
        self._all: set[_Environment] = set()
        self._changed = threading.Condition()
        self._closed = False
        threading.Thread(target=self._stop_idle_environments, name="idle-environments", daemon=True).start()

    def invoke(self, event: bytes, integration_timeout: float) -> Outcome:
        """Run ``event`` (JSON, as Lambda receives it); give up when the function's timeout or the integration's
        passes."""
        integration_deadline = time.monotonic() + integration_timeout
        request_id = str(uuid.uuid4())
        environment = self._environment()
        if environment is None:
            _log(
                f"Lambda invocation failed with status: 429 (TooManyRequestsException, Rate Exceeded): "
                f"{self.concurrency} of {self.concurrency} execution environments busy"
            )
            return Outcome(error="Rate Exceeded.", throttled=True)
        cold = not environment.used
        if cold:
            init_error = environment.wait_until_ready(integration_deadline)
            if init_error and time.monotonic() >= integration_deadline:
                return self._discard(environment, request_id, "Integration timed out", integration_timed_out=True)
            if init_error:
                return self._discard(environment, request_id, init_error)
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
        self._release(environment)
        if kind == "error":
            return Outcome(error=payload.decode())
        return Outcome(payload=payload)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            for environment in self._all:
                environment.stop()
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()

    def _environment(self) -> "_Environment | None":
        """The most recently used idle environment, else a new one if the concurrency allows it."""
        with self._changed:
            if self._idle:
                return self._idle.pop()
            if len(self._all) >= self.concurrency:
                return None
            environment = _Environment(self.config, self.code, self.preload)
            self._all.add(environment)
            return environment

    def _release(self, environment: "_Environment") -> None:
        with self._changed:
            environment.idle_since = time.monotonic()
            self._idle.append(environment)
            self._changed.notify_all()

    def _discard(
        self, environment: "_Environment", request_id: str, error: str, integration_timed_out: bool = False
    ) -> Outcome:
        _log(f"{request_id} Error: {error}")
        environment.stop()
        with self._changed:
            self._all.discard(environment)
        return Outcome(error=error, integration_timed_out=integration_timed_out)

    def _stop_idle_environments(self) -> None:
        """Stop each environment idle for ``idle_seconds``, as Lambda reclaims them."""
        with self._changed:
            while not self._closed:
                now = time.monotonic()
                for environment in [e for e in self._idle if now - e.idle_since >= self.idle_seconds]:
                    self._idle.remove(environment)
                    self._all.discard(environment)
                    environment.stop()
                    _log(f"Stopped an execution environment idle for {self.idle_seconds:g} s")
                expiries = [environment.idle_since + self.idle_seconds for environment in self._idle]
                self._changed.wait(max(0.0, min(expiries) - now) if expiries else None)


def _report(request_id: str, duration_ms: float, memory_mb: int, max_rss_mb: int, init_ms: float | None) -> None:
    """Lambda's REPORT line for an invocation, as CloudWatch Logs shows it."""
    init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms else ""
    _log(
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: {max_rss_mb} MB{init}"
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Environment:
    """One execution environment: a worker process and the pipe to it."""

    def __init__(self, config: FunctionConfig, code: Code, preload: Path | None) -> None:
        self.connection, child_end = multiprocessing.Pipe()
        log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        variables = {
            **os.environ,
            **lambda_environment(config, log_stream),
            **code.environment,
            **config.environment,
        }
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, the gateway's own worker script
            [*code.command, str(WORKER), str(child_end.fileno())],
            pass_fds=[child_end.fileno()],
            stdin=subprocess.DEVNULL,
            env=variables,
            cwd=code.cwd,
        )
        child_end.close()
        layout = {"sys_path": list(code.sys_path), "preload": preload and str(preload)}
        self.connection.send(layout)
        self.used = False
        self.init_ms: float | None = None
        self.idle_since = self.started

    def wait_until_ready(self, deadline: float) -> str | None:
        """Wait for the runtime's init (interpreter start, handler import) to end; the error if it did not."""
        try:
            if not self.connection.poll(max(0.0, deadline - time.monotonic())):
                return "Runtime init did not end in time"
            kind, message = self.connection.recv()
        except (EOFError, OSError):
            return "Runtime exited during init"
        if kind != "ready":
            return message
        # Lambda's Init Duration: starting the runtime and importing the handler module.
        self.init_ms = (time.monotonic() - self.started) * 1000
        return None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.connection.close()
