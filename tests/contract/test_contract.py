"""The served OpenAPI description is a contract: schemathesis reads ``/openapi.json`` from a running server, generates
requests for every operation in it, sends them over HTTP and checks each answer against the description.

Two servers: ``make run``'s (Werkzeug's development server, the app in-process) and the local API Gateway
(``make run-gateway``: each request an API Gateway event through Zappa's real handler), whose description names
the stage prefix as its server. Schemathesis leaves out the operation it read the description from,
``GET /openapi.json`` (tests/skeleton/test_openapi.py validates that one).

``make test`` sends a fixed set of requests (Hypothesis derandomized: the same ones every run). ``make contract``
sets ``CONTRACT_EXAMPLES`` (2,000 by default): that many generated requests per operation to ``make run``'s server
and a quarter as many through the gateway, new ones each run.
"""

import os
import re
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.support.local_server import dev_server, gateway
from tests.support.make import run_make

pytestmark = pytest.mark.slow

# Generated requests per operation, besides the coverage phase's fixed boundary cases.
LONG_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES") or 0)
DEV_SERVER_EXAMPLES = LONG_EXAMPLES or 100
# Each request through the gateway is an event to a worker process: dearer, so fewer.
GATEWAY_EXAMPLES = LONG_EXAMPLES // 4 or 25
GATEWAY_STAGE = "dev"

# What every answer must hold: no server error, a documented status (or the default, Error), its documented media
# type and a body of its schema, and its documented headers.
ANSWER_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# An undocumented method gets a 405 with Allow, and OPTIONS' Allow lists the documented methods.
METHOD_CHECKS = [unsupported_method, allow_header_conformance]
# A request the description calls valid is answered with a success (schemathesis would let a 404 pass too). Not
# where a valid name may name no file.
NAMED_RESOURCES = {"GET /docs/{asset}"}
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx"]}}}
# Left out: negative_data_rejection (the loopback takes any body of any media type on any path, so a request the
# description calls invalid, an empty path segment, say, still meets a route that answers it as documented); the
# stateful and authorization checks (use_after_free, ensure_resource_availability, ignored_auth,
# object_level_authorization, missing_required_header: no resources are created, no security is declared);
# max_response_time (timings on a shared 2-core machine).


def checks_for(case: Case) -> list:
    """The checks that apply to ``case``'s operation."""
    operation = case.operation
    checks = list(ANSWER_CHECKS)
    if not _shadowed_by_catch_all(operation):
        checks += METHOD_CHECKS
    if operation.label not in NAMED_RESOURCES:
        checks.append(positive_data_acceptance)
    return checks


def _shadowed_by_catch_all(operation) -> bool:
    """Whether a catch-all path (``/{path}``, the loopback's ``POST`` on any path) also answers ``operation``'s path
    with methods its own path item does not document: then those methods are allowed there too, rightly."""
    paths = operation.schema.raw_schema["paths"]
    catch_all_methods = {method for method in paths.get("/{path}", {}) if method != "parameters"}
    return operation.path != "/{path}" and bool(catch_all_methods - set(paths[operation.path]))


def served_schema(base_url: str) -> BaseSchema:
    """The description as ``base_url`` serves it; requests go where its ``servers`` say."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=schemathesis.Config.from_dict(CONFIG))
    return schema


@pytest.fixture(scope="module")
def dev_server_schema() -> Iterator[BaseSchema]:
    with dev_server("dev") as served:
        yield served_schema(f"http://127.0.0.1:{served.port}")


@pytest.fixture(scope="module")
def gateway_schema() -> Iterator[BaseSchema]:
    with gateway(GATEWAY_STAGE) as served:
        yield served_schema(f"http://127.0.0.1:{served.port}/{GATEWAY_STAGE}")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32.5 reads and renames ``item._nodeid``, which pytest 9.2 no longer has (it keeps ``_id``):
    # give it one. Only its reports' labels use it.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def contract_settings(examples: int) -> settings:
    # Fixed examples unless the long mode asks for new ones; no example database either way, so that a run
    # depends on nothing a previous one left.
    return settings(
        max_examples=examples,
        derandomize=not LONG_EXAMPLES,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@schemathesis.pytest.from_fixture("dev_server_schema").parametrize()
@contract_settings(DEV_SERVER_EXAMPLES)
def test_make_run_answers_as_described(case: Case) -> None:
    case.call_and_validate(checks=checks_for(case))


@schemathesis.pytest.from_fixture("gateway_schema").parametrize()
@contract_settings(GATEWAY_EXAMPLES)
def test_zappa_handler_answers_as_described(case: Case) -> None:
    case.call_and_validate(checks=checks_for(case))


@pytest.mark.skipif(bool(LONG_EXAMPLES), reason="this is the long mode's own run")
def test_make_contract_runs_the_long_mode():
    """`make contract` as the README shows it, with a count small enough for CI."""
    result = run_make("contract", "CONTRACT_EXAMPLES=8")
    assert re.search(r"\b2 passed\b", result.stdout), result.stdout[-3000:]
