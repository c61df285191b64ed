"""Fuzzing: generated REST API, HTTP API and function URL events, well-formed and malformed, through the function's
handler in-process (lambda_entry.lambda_handler, then Zappa's), as Lambda calls it.

The events come from tests/support/event_strategies.py, built from AWS's documented formats; each is a POST, the
loopback's method, to any path under the stage. For every event the answer must be a well-formed proxy response
(``statusCode`` an int, headers strings, ``body`` a string or absent, ``isBase64Encoded`` a boolean) with a status
below 500 and a body of strict JSON (no NaN nor Infinity). A 200 loopback answer has a string for every value under
``event.params``, ``event.stage-variables`` and ``event.context``; an error has the app's one shape. A malformed
event whose change breaks the documented format (a wrong type, a null where AWS sends none, a required field
deleted) is refused with a 400 whose message names the field by its dotted path.

How many: 360 examples in all by default, shared evenly by the six tests (three formats, each well-formed and
malformed), derandomized: CI tries the same examples on every run, so a red build is never an example found by
chance after an unrelated change, and anyone reproduces it with the same command. ``FUZZ_EXAMPLES=10000`` (``make
fuzz``) is the long mode: that many examples in all, at random, to reach new ones on each run; a failure prints
its ``@reproduce_failure`` blob. Neither mode keeps an example database (nothing is written into the checkout).

The handler: the ``invoke`` fixture sets up Zappa's handler and the app anew for each call (about 30 ms); here
they are set up once, by one ``invoke``-style call, and every example then goes to the same warm handler (about
1 ms), with the function's Lambda environment and a fresh runtime ``LambdaContext`` per call, as one execution
environment serves a stream of requests. The Lambda runtime's own marshaller (awslambdaric) parses each event, as
Lambda delivers it (a ``\\u`` escape of a lone surrogate becomes one), and encodes each answer, which must then
be UTF-8.
"""

import base64
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.event_strategies import (
    Location,
    dotted,
    function_url_events,
    http_api_events,
    malformed_events,
    named_in,
    rest_api_events,
)
from tests.support.events import load_event
from tests.support.json_errors import error_in
from tests.support.lambda_invocation import real_lambda_context, zappa_handler_caller
from tests.support.make import run_make

STAGE = "dev"
POST = st.just("POST")
FORMATS = {
    "rest-api": rest_api_events(methods=POST),
    "http-api": http_api_events(methods=POST),
    "function-url": function_url_events(methods=POST),
}
TESTS = 2 * len(FORMATS)
LONG_MODE = "FUZZ_EXAMPLES" in os.environ
TOTAL = int(os.environ.get("FUZZ_EXAMPLES", "360"))
FUZZ = settings(
    max_examples=-(-TOTAL // TESTS),
    deadline=None,
    derandomize=not LONG_MODE,
    database=None,
    print_blob=LONG_MODE,
    # Huge values (a 1 MiB string, 10,000 entries) make some examples slow to build, on purpose.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
# A field name a message shows as it is: others may be quoted or escaped, so only their container is required.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@pytest.fixture(scope="module")
def handler(tmp_path_factory) -> Iterator[Callable[[dict[str, Any]], Any]]:
    """``handler(event)``: the function's handler, warm, called as Lambda calls it."""
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        zappa_handler_caller(tmp_path_factory.mktemp("fuzz"), monkeypatch) as call,
    ):
        # Lambda's init and a first request: the handler module, Zappa's handler and the app are built.
        assert call(load_event("rest_v1__post_json_root"), STAGE)["statusCode"] == 200
        module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
        function = getattr(sys.modules[module_name], function_name)
        runtime = LambdaMarshaller()  # the runtime's own JSON, as the function's environment sets it up

        def warm(event: dict[str, Any]) -> Any:
            delivered = runtime.unmarshal_request(json.dumps(event).encode())
            response = function(delivered, real_lambda_context(monkeypatch, STAGE))
            text, _ = runtime.marshal_response(response)
            return json.loads(text.encode())  # what leaves the runtime for API Gateway, as UTF-8

        yield warm


def refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in an answer: not JSON")


def check_proxy_response(response: Any) -> tuple[int, str, bytes]:
    """The status, content type and body of a well-formed proxy response."""
    assert isinstance(response, dict), response
    status = response.get("statusCode")
    assert type(status) is int, response
    single = response.get("headers", {})
    multi = response.get("multiValueHeaders", {})
    assert isinstance(single, dict) and all(type(v) is str for v in single.values()), single
    assert isinstance(multi, dict) and all(type(v) is list for v in multi.values()), multi
    assert all(type(item) is str for values in multi.values() for item in values), multi
    assert single or multi, f"no headers: {response}"
    assert all(type(cookie) is str for cookie in response.get("cookies", [])), response
    encoded = response.get("isBase64Encoded", False)
    assert type(encoded) is bool, response
    body = response.get("body", "")
    assert type(body) is str, response
    content_type = next((v for k, v in single.items() if k.lower() == "content-type"), None)
    if content_type is None:
        content_type = next((v[-1] for k, v in multi.items() if k.lower() == "content-type" and v), "")
    return status, content_type, base64.b64decode(body, validate=True) if encoded else body.encode()


def check_answer(response: Any) -> tuple[int, dict[str, Any]]:
    """The status and JSON document of an answer, after the checks every answer must pass."""
    status, content_type, body = check_proxy_response(response)
    assert status < 500, body[:1000]
    document = json.loads(body, parse_constant=refuse)
    if status >= 400:
        return status, error_in(status, content_type, body, status)
    if status == 200:
        event = document["event"]
        maps = [*event["params"].values(), event["stage-variables"], event["context"]]
        assert all(isinstance(m, dict) and all(type(v) is str for v in m.values()) for m in maps), event
    return status, document


def names_field(message: str, location: Location) -> bool:
    """Whether an error message names the field: by its dotted path, or, past a name it may show quoted or
    escaped, as a field within the map or list that holds it."""
    for index, step in enumerate(location):
        if isinstance(step, str) and not PLAIN_NAME.fullmatch(step):
            return named_in(message, dotted(location[:index]), within=True)
    return named_in(message, dotted(location))


@pytest.mark.parametrize("events", FORMATS.values(), ids=FORMATS.keys())
@FUZZ
@given(data=st.data())
def test_well_formed_events_get_a_well_formed_answer(handler, events, data):
    status, document = check_answer(handler(data.draw(events, label="event")))
    assert status != 400, document  # what AWS can send is never refused


@pytest.mark.parametrize("events", FORMATS.values(), ids=FORMATS.keys())
@FUZZ
@given(data=st.data())
def test_malformed_events_are_refused_or_answered(handler, events, data):
    malformed = data.draw(malformed_events(events), label="malformed")
    status, document = check_answer(handler(malformed.event))
    if malformed.change.breaks_format:
        assert status == 400, document
        assert names_field(document["message"], malformed.change.location), (malformed.change, document["message"])


@pytest.mark.slow
@pytest.mark.skipif(LONG_MODE, reason="this is the long mode's own run")
def test_make_fuzz_runs_the_long_mode_with_its_count():
    """`make fuzz` as the README shows it, with a count small enough for CI: each of the six tests runs."""
    result = run_make("fuzz", "FUZZ_EXAMPLES=12")
    assert re.search(r"\b6 passed\b", result.stdout), result.stdout[-3000:]
