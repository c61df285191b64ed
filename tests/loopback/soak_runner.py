"""One warm execution environment soaked with a mix of good and bad requests: tests/loopback/test_soak.py's subject.

test_soak.py writes this module into the unzipped package (Lambda's /var/task) and names ``soak_runner.soak``
as the function's handler, so that tests/support/cold_start.py starts it as Lambda starts an execution
environment. At init it imports the handler that ``SOAK_TARGET`` names (the function's own,
``lambda_entry.lambda_handler``), once. Its one event is a job ``{"stage", "timeout_ms", "invocations",
"warm_up", "events_module", "kinds"}``: like the runtime's invoke loop it then calls that handler
``warm_up + invocations`` times, each with a new ``LambdaContext``, on requests of every kind of ``KINDS``
in turn, through a REST API and an HTTP API by turns, built by the local gateway's ``proxy_event`` (loaded
from ``events_module``). It returns a summary: counts per case, and a few examples of each failure.

Every request carries its own marker (a uuid4 hex) in its body, a header, the query and the path, where its
kind allows, and its stage's marker in its stage variables (``STAGE_VARIABLE_SETS`` says why a stage's).
Each invocation is checked as it ends:

- ``raised``: the handler raised (Lambda reports a function error; API Gateway answers 502);
- ``not_proxy_response`` / ``wrong_status``: the answer is not a proxy response, or has another status than
  the request calls for (good: 200; refused: 400, 405);
- ``wrong_answer``: the answer's JSON is not what the request calls for; a good request must get its own
  marker back in every place the loopback echoes one, an error must be of the app's one shape;
- ``foreign_marker``: a 32-hex token of the answer (body and headers) is another request's marker, or the
  marker of another stage than the request's;
- ``environ``: os.environ differs from what it was before the first invocation (Zappa copies stage
  variables into it); the difference is undone, so that each leak is counted once, at its request;
- ``error_log``: a log record at ERROR or above (every request is good or the caller's fault).

Nothing that the checks keep grows with the run: every marker is drawn before the first invocation,
failures are counted (only the first few are kept as examples), and cases are few. Resident memory is
read from /proc/self/statm after the warm-up and at the end (and every ``RSS_SAMPLE_EVERY`` between):
the resident set now, not ``getrusage``'s peak, which only rises and so cannot tell a transient
spike from growth.
"""

import array
import base64
import importlib
import importlib.util
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The handler under soak, imported at init as the Lambda runtime imports the function's handler.
_module, _function = os.environ["SOAK_TARGET"].rsplit(".", 1)
target: Callable[[Any, Any], Any] = getattr(importlib.import_module(_module), _function)

STAGE = ""  # the API Gateway stage, from the job
MARKER_HEADER = "X-Soak-Marker"
# Exactly 32 hex digits, not part of a longer run: each marker is placed between non-hex characters.
HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
RSS_SAMPLE_EVERY = 5_000
# API Gateway's stage variables are set per stage by the API's owner, not per request: each request comes
# through one of this many stages, each with its own marker in its variables. (A marker of every request's
# own there would grow the process by each distinct NAME=VALUE string: glibc's setenv keeps every one it
# has made, for reuse, and frees none, whoever unsets the variable.)
STAGE_VARIABLE_SETS = 64
EXAMPLES_KEPT = 5
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

events: Any = None  # local_gateway/events.py, loaded by the job


def resident_bytes() -> int:
    """The resident set size now: statm's second field, in pages."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def load_events_module(path: str) -> Any:
    """The local gateway's event builder, from the project's source tree: the package does not carry it."""
    spec = importlib.util.spec_from_file_location("soak_proxy_events", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# --- the requests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One invocation's request: its own marker, its stage's marker, the API it comes through, its round."""

    marker: str
    stage_marker: str
    payload: str  # events.REST or events.HTTP_API
    round: int  # how many times its kind came before

    @property
    def stage_variables(self) -> dict[str, str]:
        """One variable named after the stage, one whose name every stage uses."""
        return {f"SOAK_{self.stage_marker}": self.stage_marker, "soak_marker": self.stage_marker}

    def variant(self, count: int) -> int:
        """Which of ``count`` variants this request is: each in turn, through each API."""
        return self.round // 2 % count


def request_event(
    r: Request,
    method: str,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    path: str | None = None,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event the stage's API sends for one request carrying its marker in its path, query and a header."""
    target_path = f"/{STAGE}{path if path is not None else f'/soak/{r.marker}'}?marker={r.marker}"
    request = events.HttpRequest(method, target_path, [(MARKER_HEADER, r.marker), *headers], body)
    event = events.proxy_event(request, events.Api(STAGE, r.payload))
    # API Gateway puts a stage's variables in both payload versions' "stageVariables"; absent when none.
    event["stageVariables"] = dict(r.stage_variables if stage_variables is None else stage_variables)
    return event


def json_body(r: Request) -> bytes:
    return json.dumps({"marker": r.marker}).encode()


def text_body(r: Request) -> bytes:
    return f"marker {r.marker} \u2013 \u00fcn\u00efc\u00f6d\u00e9 \U0001f600".encode()


def binary_body(r: Request) -> bytes:
    raw = bytes.fromhex(r.marker)
    return raw + b"\x00\xff\xfe\x80" + raw[::-1]


JSON = (("Content-Type", "application/json"),)


def good_json(r: Request) -> dict[str, Any]:
    return request_event(r, "POST", JSON, json_body(r))


def good_text(r: Request) -> dict[str, Any]:
    return request_event(r, "POST", (("Content-Type", "text/plain; charset=utf-8"),), text_body(r))


def good_binary(r: Request) -> dict[str, Any]:
    return request_event(r, "POST", (("Content-Type", "application/octet-stream"),), binary_body(r))


# A stage variable named like one of the function's own variables (zappa_settings.json sets it): Zappa
# overwrites the function's value for the request; afterwards the function's value must be back.
SHADOWED_VARIABLE = "LOOPBACK_STAGE"


def shadowing_variables(r: Request) -> dict[str, str]:
    return {SHADOWED_VARIABLE: r.stage_marker, "soak_marker": r.stage_marker}


def shadowing(r: Request) -> dict[str, Any]:
    return request_event(r, "POST", JSON, json_body(r), stage_variables=shadowing_variables(r))


def health(r: Request) -> dict[str, Any]:
    return request_event(r, "GET", path="/health")


def line_feed_path(r: Request) -> dict[str, Any]:
    # A line feed in a path: still the loopback's (Werkzeug's own path converter would match no route).
    return request_event(r, "POST", path=f"/soak/{r.marker}%0Ax")


def not_allowed(r: Request) -> dict[str, Any]:
    return request_event(r, "GET")


def bad_json(r: Request) -> dict[str, Any]:
    return request_event(r, "POST", JSON, f'{{"marker": "{r.marker}",'.encode())


def bad_base64(r: Request) -> dict[str, Any]:
    event = good_binary(r)
    event.update(body=f"{r.marker}!not base64", isBase64Encoded=True)
    return event


def not_an_object(r: Request) -> Any:
    # JSON values Lambda can be invoked with that are no event of any source.
    values = ([r.marker], r.marker, None, 7.5, [[r.marker]], True)
    return values[r.variant(len(values))]


def _set(path: str, value: Any) -> Callable[[dict, str], None]:
    """A change to an event: the field at the dotted ``path`` set to ``value`` (a callable gets the marker)."""
    *parents, last = path.split(".")

    def change(event: dict, marker: str) -> None:
        holder = event
        for key in parents:
            holder = holder[key]
        holder[last] = value(marker) if callable(value) else value

    change.__name__ = path
    return change


def _delete(path: str) -> Callable[[dict, str], None]:
    *parents, last = path.split(".")

    def change(event: dict, marker: str) -> None:
        holder = event
        for key in parents:
            holder = holder[key]
        del holder[last]

    change.__name__ = f"-{path}"
    return change


# Fields of a good request's event with a type AWS does not send there, or missing though AWS always sends
# them (API Gateway developer guide, "Input format of a Lambda function for proxy integration" and "Create
# AWS Lambda proxy integrations for HTTP APIs"). The stage variables stay good but where they are the change.
WRONG_REST_EVENTS = (
    _set("stageVariables", lambda m: [m]),
    _set("stageVariables.soak_marker", 7),  # after a good one: Zappa has copied that one when it fails
    _set("headers", lambda m: [[MARKER_HEADER, m]]),
    _set("headers.Content-Type", 7),
    _set("multiValueHeaders", lambda m: {MARKER_HEADER: m}),
    _set("queryStringParameters", lambda m: {"marker": [m]}),
    _set("multiValueQueryStringParameters.marker", lambda m: m),
    _set("pathParameters", lambda m: m),
    _set("requestContext", lambda m: m),
    _set("requestContext.identity", lambda m: [m]),
    _set("httpMethod", ["POST"]),
    _set("path", 7),
    _delete("path"),
    _set("body", lambda m: {"marker": m}),
    _set("isBase64Encoded", "false"),
)
WRONG_HTTP_API_EVENTS = (
    _set("stageVariables", lambda m: [m]),
    _set("stageVariables.soak_marker", 7),  # after a good one: Zappa has copied that one when it fails
    _set("headers", lambda m: [m]),
    _set("headers.content-type", 7),
    _delete("headers"),
    _set("queryStringParameters", lambda m: {"marker": 7}),
    _set("rawQueryString", 7),
    _set("cookies", lambda m: f"marker={m}"),
    _set("requestContext", lambda m: m),
    _delete("requestContext"),
    _set("requestContext.http", lambda m: m),
    _set("requestContext.http.method", 7),
    _delete("requestContext.http.method"),
    _set("rawPath", 7),
    _set("body", lambda m: [m]),
    _set("isBase64Encoded", "true"),
)


def wrong_change(r: Request) -> Callable[[dict, str], None]:
    changes = WRONG_REST_EVENTS if r.payload == events.REST else WRONG_HTTP_API_EVENTS
    return changes[r.variant(len(changes))]


def wrong_types(r: Request) -> dict[str, Any]:
    event = good_json(r)
    wrong_change(r)(event, r.marker)
    return event


# --- what each kind's answer must be ----------------------------------------------------------------------


def header_value(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def echo_problem(answer: Any, r: Request, body_shown: Any, stage_variables: dict[str, str]) -> str | None:
    """What is wrong with a loopback answer to the good request ``r``, or None."""
    event = answer["event"]
    params = event["params"]
    found = {
        "body-json": event["body-json"] == body_shown,
        "querystring": params["querystring"].get("marker") == r.marker,
        "header": header_value(params["header"], MARKER_HEADER) == r.marker,
        "stage-variables": event["stage-variables"] == stage_variables,
        "path": answer["extras"]["path"] == f"/soak/{r.marker}",
    }
    wrong = [place for place, right in found.items() if not right]
    return f"not echoed as sent: {', '.join(wrong)}" if wrong else None


def error_problem(status: int) -> Callable[[Any, Request], str | None]:
    def problem(answer: Any, r: Request) -> str | None:
        error = answer.get("error") if isinstance(answer, dict) and len(answer) == 1 else None
        if not isinstance(error, dict) or error.get("status") != status:
            return f"not an error of the one shape with status {status}"
        if not (isinstance(error.get("message"), str) and error["message"] and error.get("request-id")):
            return "an error without a message or request id"
        return None

    return problem


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[[Request], Any]
    status: int
    check: Callable[[Any, Request], str | None]  # the answer's parsed JSON and the request: a problem, or None


KINDS = (
    Kind("json", good_json, 200, lambda a, r: echo_problem(a, r, {"marker": r.marker}, r.stage_variables)),
    Kind("text", good_text, 200, lambda a, r: echo_problem(a, r, text_body(r).decode(), r.stage_variables)),
    Kind(
        "binary",
        good_binary,
        200,
        lambda a, r: echo_problem(a, r, base64.b64encode(binary_body(r)).decode(), r.stage_variables),
    ),
    Kind(
        "shadowing",
        shadowing,
        200,
        lambda a, r: echo_problem(a, r, {"marker": r.marker}, shadowing_variables(r)),
    ),
    Kind(
        "health",
        health,
        200,
        lambda a, r: None if a == {"status": "ok", "stage": STAGE} else "not the health answer",
    ),
    Kind(
        "line_feed_path",
        line_feed_path,
        200,
        lambda a, r: None if a["extras"]["path"] == f"/soak/{r.marker}\nx" else "not the path it was sent",
    ),
    Kind("not_allowed", not_allowed, 405, error_problem(405)),
    Kind("bad_json", bad_json, 400, error_problem(400)),
    Kind("bad_base64", bad_base64, 400, error_problem(400)),
    Kind("not_an_object", not_an_object, 400, error_problem(400)),
    Kind("wrong_types", wrong_types, 400, error_problem(400)),
)
wrong_types_kind = KINDS[-1]


# --- the run ----------------------------------------------------------------------------------------------


class Tally:
    """Counts per case (kind, payload and variant) and per failure, with the first few examples of each."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, dict[str, int]] = {}
        self.examples: dict[str, list[dict[str, Any]]] = {}
        self.case = ""

    def begin(self, case: str) -> None:
        self.case = case
        counts = self.cases.get(case)
        if counts is None:
            counts = self.cases[case] = {"count": 0, "statuses": {}}
        counts["count"] += 1

    def status(self, status: Any) -> None:
        statuses = self.cases[self.case]["statuses"]
        key = str(status)
        statuses[key] = statuses.get(key, 0) + 1

    def fail(self, check: str, detail: str) -> None:
        by_case = self.failures.setdefault(check, {})
        by_case[self.case] = by_case.get(self.case, 0) + 1
        kept = self.examples.setdefault(check, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append({"case": self.case, "detail": detail[:2000]})


class ErrorLogCounter(logging.Handler):
    """Counts every record at ERROR or above against the case being served."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.ERROR)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        self.tally.fail("error_log", f"{record.name}: {record.getMessage()}")


def proxy_response_problem(response: Any) -> str | None:
    """What keeps ``response`` from being a proxy response API Gateway accepts, or None."""
    if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
        return f"no statusCode: {response!r}"
    if not isinstance(response.get("body", ""), str | None) or not isinstance(response.get("headers", {}), dict):
        return f"body or headers of the wrong type: {response!r}"
    if not isinstance(response.get("isBase64Encoded", False), bool):
        return "isBase64Encoded not a boolean"
    return None


def answer_text(response: dict[str, Any]) -> str:
    """The answer's body (decoded if base64) and headers, as one text to look for markers in."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("latin-1")
    headers = "\n".join(f"{name}: {value}" for name, value in (response.get("headers") or {}).items())
    multi = response.get("multiValueHeaders") or {}
    return "\n".join((body, headers, *(f"{name}: {values}" for name, values in multi.items())))


def check_environment(before: dict[str, str], tally: Tally) -> None:
    """Count a difference of os.environ from ``before`` against the current case, and undo it."""
    now = dict(os.environ)
    if now == before:
        return
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(name for name in set(now) & set(before) if now[name] != before[name])
    tally.fail("environ", f"added {added}, removed {removed}, changed {changed}")
    for name in added:
        del os.environ[name]
    for name in (*removed, *changed):
        os.environ[name] = before[name]


def soak(job: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the job's invocations of ``target`` in this process; the summary is the answer."""
    global events, STAGE
    from awslambdaric.lambda_context import LambdaContext  # the runtime's own, loaded before the function

    events = load_events_module(job["events_module"])
    STAGE = job["stage"]
    kinds = [kind for kind in KINDS if kind.name in job.get("kinds", [k.name for k in KINDS])]
    warm_up, invocations = job["warm_up"], job["invocations"]
    total = warm_up + invocations
    # Drawn before the first invocation, so that neither the markers nor their set grow during the run.
    markers = [uuid.uuid4().hex for _ in range(total)]
    stage_markers = [uuid.uuid4().hex for _ in range(STAGE_VARIABLE_SETS)]
    every_marker = frozenset(markers + stage_markers)
    payloads = (events.REST, events.HTTP_API)
    rss_samples = array.array("q", bytes(8 * max(2, (invocations - 1) // RSS_SAMPLE_EVERY + 2)))
    tally = Tally()
    logging.getLogger().addHandler(ErrorLogCounter(tally))
    environment_before = dict(os.environ)
    timeout_ms = job["timeout_ms"]
    function_arn = context.invoked_function_arn

    started = measured_from = time.perf_counter()
    rss_after_warm_up = 0
    for index in range(total):
        if index == warm_up:
            rss_after_warm_up = rss_samples[0] = resident_bytes()
            measured_from = time.perf_counter()
        elif index > warm_up and (index - warm_up) % RSS_SAMPLE_EVERY == 0:
            rss_samples[(index - warm_up) // RSS_SAMPLE_EVERY] = resident_bytes()
        kind = kinds[index % len(kinds)]
        round_ = index // len(kinds)
        request = Request(markers[index], stage_markers[index % STAGE_VARIABLE_SETS], payloads[round_ % 2], round_)
        case = f"{kind.name}/{'rest' if request.payload == events.REST else 'http'}"
        if kind is wrong_types_kind:
            case += f"/{wrong_change(request).__name__}"
        tally.begin(case)
        event = kind.build(request)
        invocation_context = LambdaContext(
            str(uuid.uuid4()), None, None, int(time.time() * 1000) + timeout_ms, function_arn
        )
        try:
            response = target(event, invocation_context)
        except Exception as exception:
            tally.fail("raised", f"{type(exception).__name__}: {exception}")
        else:
            check_response(kind, response, request, every_marker, tally)
        check_environment(environment_before, tally)
    ended = time.perf_counter()
    rss_end = rss_samples[-1] = resident_bytes()
    return {
        "target": os.environ["SOAK_TARGET"],
        "warm_up": warm_up,
        "invocations": invocations,
        "kinds": [kind.name for kind in kinds],
        "cases": tally.cases,
        "failures": tally.failures,
        "examples": tally.examples,
        "rss_after_warm_up": rss_after_warm_up,
        "rss_end": rss_end,
        "rss_samples": rss_samples.tolist(),
        "seconds": ended - started,
        "measured_seconds": ended - measured_from,
    }


def check_response(kind: Kind, response: Any, r: Request, every_marker: frozenset[str], tally: Tally) -> None:
    problem = proxy_response_problem(response)
    if problem:
        tally.fail("not_proxy_response", problem)
        return
    status = response["statusCode"]
    tally.status(status)
    text = answer_text(response)
    own = (r.marker, r.stage_marker)
    foreign = [token for token in HEX32.findall(text) if token not in own and token in every_marker]
    if foreign:
        tally.fail("foreign_marker", f"{len(foreign)} other request's markers in: {text[:1500]}")
    if status != kind.status:
        tally.fail("wrong_status", f"{status}, not {kind.status}: {text[:1500]}")
        return
    try:
        body = response.get("body") or ""
        answer = json.loads(base64.b64decode(body) if response.get("isBase64Encoded") else body)
        problem = kind.check(answer, r)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        problem = f"{type(error).__name__}: {error}"
    if problem:
        tally.fail("wrong_answer", f"{problem}: {text[:1500]}")
