"""Oracle: for every REST API proxy event, the answer's ``event`` is what the passthrough template gives."""

import base64
import json

import pytest

from tests.loopback.passthrough_oracle import (
    TemplateOutputError,
    escape_javascript,
    event_body_bytes,
    render_passthrough,
)
from tests.support.events import answer_of, as_post, load_event, rest_v1_event_names


def body_is_json(event: dict) -> bool:
    try:
        json.loads(event_body_bytes(event) or b"{}")
    except ValueError:
        return False
    return True


def body_bytes_from_answer(answer: dict) -> bytes:
    """The request body's bytes, recovered from the answer as README.md says to."""
    shown, representation = answer["event"]["body-json"], answer["extras"]["body"]["representation"]
    if representation == "base64":
        return base64.b64decode(shown)
    assert representation == "text", representation
    return shown.encode("utf-8")


@pytest.mark.parametrize("name", rest_v1_event_names())
def test_event_part_equals_passthrough_template(invoke, name):
    event = as_post(load_event(name))
    answer = answer_of(invoke(event, stage="dev"))
    if body_is_json(event):
        assert answer["event"] == render_passthrough(event)
    else:
        # The template breaks on a non-JSON body; the loopback shows it losslessly instead.
        with pytest.raises(TemplateOutputError):
            render_passthrough(event)
        assert body_bytes_from_answer(answer) == event_body_bytes(event)
        event_without_body = {**event, "body": None, "isBase64Encoded": False}
        expected = render_passthrough(event_without_body)
        del expected["body-json"], answer["event"]["body-json"]
        assert answer["event"] == expected


def test_stored_rest_events_cover_the_samples():
    names = rest_v1_event_names()
    assert "sam-cli__AwsProxy.rendered" in names
    assert "powertools__apiGatewayProxyEvent" in names
    assert "powertools__albEvent" not in names


def test_escape_javascript_follows_commons_lang():
    assert escape_javascript('a"b\\c/d') == 'a\\"b\\\\c\\/d'
    assert escape_javascript("it's") == "it\\'s"
    assert escape_javascript("tab\tnl\n\x01") == "tab\\tnl\\n\\u0001"
    assert escape_javascript("é😀") == "\\u00E9\\uD83D\\uDE00"
    assert escape_javascript(None) == ""


def test_template_breaks_on_an_apostrophe_where_the_loopback_does_not(invoke):
    event = as_post(load_event("rest_v1__post_json_root"))
    event["headers"]["X-Note"] = "it's"
    event["multiValueHeaders"]["X-Note"] = ["it's"]
    with pytest.raises(TemplateOutputError):
        render_passthrough(event)
    assert answer_of(invoke(event))["event"]["params"]["header"]["X-Note"] == "it's"
