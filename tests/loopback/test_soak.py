"""Soak and isolation: one warm execution environment of the prod package answers a long mix of good and bad
requests with no function error, no request's data in another's answer or in the environment, and no memory
growth.

The subject is the packaged prod function (the ``prod_package`` fixture: `make package STAGE=prod`),
unzipped as Lambda's /var/task and started as Lambda starts it (tests/support/cold_start.py), with
tests/loopback/soak_runner.py in it as the function's handler: at init it imports the function's own
handler (``lambda_entry.lambda_handler``) once, then calls it ``WARM_UP`` + ``INVOCATIONS`` times, checking
each answer and os.environ as it goes (soak_runner.py says how), and answers with counts.

The mix, in turn: POSTs of JSON, text and binary bodies, one whose stage variable is named like a function
variable, GET /health, a 404, a 405, malformed JSON, a body said to be base64 that is not, events that are
no object, and REST API and HTTP API events with a documented field of the wrong type or missing; each
through a REST API and an HTTP API by turns. Each request carries a marker of its own in its body, a header,
the query and the path, and its stage's marker in its stage variables. Resident memory growth is measured
from the end of the warm-up to the end.

It runs 50,000 invocations after the warm-up (some 45 s of CPU on a 2-core machine); ``SOAK_INVOCATIONS`` sets
another count.
"""

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import PROJECT_ROOT
from tests.support.cold_start import ColdStart, cold_start, lambda_layout
from tests.support.stage_settings import stage_settings

pytestmark = pytest.mark.slow

STAGE = "prod"
INVOCATIONS = int(os.environ.get("SOAK_INVOCATIONS", 50_000))
WARM_UP = 1_000
RSS_GROWTH_LIMIT = 2 * 2**20
# soak_runner.py's KINDS: what the mix is made of.
KINDS = {
    "json",
    "text",
    "binary",
    "shadowing",
    "health",
    "line_feed_path",
    "not_allowed",
    "bad_json",
    "bad_base64",
    "not_an_object",
    "wrong_types",
}
RUNNER = Path(__file__).with_name("soak_runner.py")
EVENTS_MODULE = PROJECT_ROOT / "local_gateway" / "events.py"
FUNCTION_HANDLER = "lambda_entry.lambda_handler"
# Zappa's own handler, in the package as handler.py: it leaves each request's stage variables in os.environ.
ZAPPA_HANDLER = "handler.lambda_handler"
# A log line at ERROR or above as Python's logging (Zappa's basicConfig), Lambda's runtime or a JSON log
# writes it, or a traceback.
ERROR_LINE = re.compile(
    r'^\[?(ERROR|CRITICAL)\b|\t(ERROR|CRITICAL)\t|"level": ?"(ERROR|CRITICAL)"|^Traceback \(most recent call last\)',
    re.M,
)

# A handler that serves each request through the function's handler, but puts the headers of the request
# before it in the answer: what a leak between requests looks like, for the checks to see.
LEAKY_HANDLER = """
import lambda_entry

_previous = {}


def lambda_handler(event, context):
    response = lambda_entry.lambda_handler(event, context)
    response.setdefault("headers", {})["X-Previous-Request"] = repr(_previous)
    _previous.clear()
    _previous.update(event.get("headers") or {})
    return response
"""


def soak(
    package: Path,
    work: Path,
    invocations: int,
    warm_up: int,
    target: str = FUNCTION_HANDLER,
    kinds: list[str] | None = None,
    files: dict[str, str] | None = None,
) -> tuple[dict[str, Any], ColdStart]:
    """One execution environment of ``package`` (with ``files`` added) soaked with ``invocations`` of
    ``target`` after ``warm_up``, of the ``kinds`` named (all by default): its summary, and the run."""
    layout = lambda_layout(package, work / "layout", {"soak_runner.py": RUNNER.read_text(), **(files or {})})
    job = {
        "stage": STAGE,
        "timeout_ms": stage_settings(STAGE).timeout_seconds * 1000,
        "invocations": invocations,
        "warm_up": warm_up,
        "events_module": str(EVENTS_MODULE),
    }
    if kinds:
        job["kinds"] = kinds
    run = cold_start(
        layout, STAGE, [job], work / "run", {"SOAK_TARGET": target}, handler="soak_runner.soak", timeout=600
    )
    [summary] = run.results
    return summary, run


@pytest.fixture(scope="module")
def soaked(prod_package, tmp_path_factory) -> tuple[dict[str, Any], ColdStart]:
    return soak(prod_package.zip_path, tmp_path_factory.mktemp("soak"), INVOCATIONS, WARM_UP)


def failures(summary: dict[str, Any], check: str) -> str:
    """The counts and examples of one check's failures, for an assertion's message."""
    return f"{summary['failures'].get(check)}\n" + "\n".join(map(str, summary["examples"].get(check, [])))


def test_every_kind_of_request_was_sent_through_both_apis(soaked):
    summary, _ = soaked
    assert sum(case["count"] for case in summary["cases"].values()) == WARM_UP + INVOCATIONS
    cases = [case.split("/") for case in summary["cases"]]
    assert {(kind, api) for kind, api, *_ in cases} == {(kind, api) for kind in KINDS for api in ("rest", "http")}
    # Each changed field of WRONG_REST_EVENTS and WRONG_HTTP_API_EVENTS, through its API.
    assert len([case for case in cases if case[0] == "wrong_types"]) == 15 + 16


def test_no_invocation_raises(soaked):
    summary, _ = soaked
    assert "raised" not in summary["failures"], failures(summary, "raised")


def test_every_answer_is_a_proxy_response_with_the_status_its_request_calls_for(soaked):
    summary, _ = soaked
    for check in ("not_proxy_response", "wrong_status"):
        assert check not in summary["failures"], failures(summary, check)
    statuses = {status for case in summary["cases"].values() for status in case["statuses"]}
    assert all(int(status) < 500 for status in statuses), statuses


def test_good_requests_get_their_own_marker_back_and_errors_have_the_one_shape(soaked):
    summary, _ = soaked
    assert "wrong_answer" not in summary["failures"], failures(summary, "wrong_answer")


def test_no_answer_holds_another_requests_marker(soaked):
    summary, _ = soaked
    assert "foreign_marker" not in summary["failures"], failures(summary, "foreign_marker")


def test_no_stage_variable_outlives_its_request(soaked):
    summary, _ = soaked
    assert "environ" not in summary["failures"], failures(summary, "environ")


def test_resident_memory_grows_at_most_2_mb_after_the_warm_up(soaked):
    summary, _ = soaked
    growth = summary["rss_end"] - summary["rss_after_warm_up"]
    samples_mb = [round(sample / 2**20, 2) for sample in summary["rss_samples"]]
    assert growth <= RSS_GROWTH_LIMIT, f"{growth / 2**20:.2f} MB over {INVOCATIONS:,} invocations: {samples_mb}"


def test_requests_that_are_the_callers_fault_log_no_error(soaked):
    summary, run = soaked
    assert "error_log" not in summary["failures"], failures(summary, "error_log")
    logged = [match.group(0) for match in ERROR_LINE.finditer(run.stdout + run.stderr)]
    assert not logged, f"{len(logged)} error lines in the function's log: {logged[:5]}"


# The checks themselves: each sees the failure it is for.


def test_the_soak_sees_stage_variables_that_zappas_own_handler_leaves_in_the_environment(prod_package, tmp_path):
    summary, _ = soak(prod_package.zip_path, tmp_path, 40, 0, ZAPPA_HANDLER, kinds=["json", "shadowing"])
    leaks = summary["failures"].get("environ", {})
    assert leaks == {"json/rest": 10, "json/http": 10, "shadowing/rest": 10, "shadowing/http": 10}, leaks
    assert "raised" not in summary["failures"]


def test_the_soak_sees_a_marker_of_another_request_in_an_answer(prod_package, tmp_path):
    files = {"leaky_entry.py": LEAKY_HANDLER}
    summary, _ = soak(prod_package.zip_path, tmp_path, 40, 0, "leaky_entry.lambda_handler", ["json", "health"], files)
    # Every answer but the first carries the request before it.
    assert sum(summary["failures"].get("foreign_marker", {}).values()) == 39, summary["failures"]
