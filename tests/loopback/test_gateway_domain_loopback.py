"""The loopback behind the local gateway reached through the stage's custom domain (``--custom-domain``): the
event's context and headers as API Gateway gives them for the domain, as a REST API and as an HTTP API."""

import json

import pytest

from tests.gateway.test_gateway_domain import DOMAIN, STAGE, dev_settings, domain_gateway, run_curl
from tests.gateway.test_gateway_domain import README_POST as README_CURL
from tests.support.local_server import HTTP_API, REST_API, post, send
from tests.support.openapi_schema import assert_matches

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[REST_API, HTTP_API])
def loopback_on_domain(request, tmp_path_factory):
    """The dev stage, whose settings name ``DOMAIN``, through the domain; yields ``(kind, port)``."""
    settings = dev_settings(tmp_path_factory.mktemp("domain"), domain=DOMAIN)
    with domain_gateway(STAGE, settings, http_api=request.param == HTTP_API) as port:
        yield request.param, port


def answer_to(port: int, target: str) -> dict:
    status, _, body = send(port, post(target, b'{"n": 1}'))
    assert status == 200
    answer = json.loads(body)
    assert_matches(answer, "LoopbackAnswer")
    return answer


@pytest.mark.parametrize("target, resource", [("/orders/7", "/{proxy+}"), ("/", "/")])
def test_the_function_sees_the_stage_the_domain_and_no_stage_in_the_path(loopback_on_domain, target, resource):
    kind, port = loopback_on_domain
    answer = answer_to(port, target)
    context = answer["event"]["context"]
    assert (context["stage"], answer["extras"]["app-stage"]) == (STAGE, STAGE)
    # An HTTP API's $default route stands for every resource.
    assert context["resource-path"] == (resource if kind == REST_API else "$default")
    assert answer["extras"]["path"] == target
    assert answer["event"]["body-json"] == {"n": 1}
    headers = {name.lower(): value for name, value in answer["event"]["params"]["header"].items()}
    assert (headers["host"], headers["x-forwarded-proto"], headers["x-forwarded-port"]) == (DOMAIN, "https", "443")


def test_a_rest_apis_function_gets_the_stage_prefix_as_part_of_the_path(loopback_on_domain):
    """Through the domain, ``/dev/orders/7`` is a path like any other; an HTTP API's function has it stripped by
    Zappa's handler, which reads a rawPath that starts with the stage as the API's own URL's."""
    kind, port = loopback_on_domain
    answer = answer_to(port, f"/{STAGE}/orders/7")
    assert answer["extras"]["path"] == (f"/{STAGE}/orders/7" if kind == REST_API else "/orders/7")
    assert answer["event"]["params"]["path"] == ({"proxy": f"{STAGE}/orders/7"} if kind == REST_API else {})


def test_the_readmes_curl_through_the_domain(loopback_on_domain):
    _, port = loopback_on_domain
    answer = json.loads(run_curl(README_CURL, port))
    assert (answer["event"]["body-json"], answer["event"]["params"]["querystring"]) == ({"hello": 1}, {"tag": "a"})
    assert (answer["extras"]["path"], answer["event"]["context"]["stage"]) == ("/orders/7", STAGE)
    headers = {name.lower(): value for name, value in answer["event"]["params"]["header"].items()}
    assert headers["host"] == DOMAIN
