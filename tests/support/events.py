"""The stored events of tests/events/ (tests/events/SOURCES.md says where each comes from)."""

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
# Events published by AWS projects, copied unchanged; the others are built here.
PUBLISHED_SAMPLES = ("sam-cli__", "powertools__")


def load_event(name: str) -> dict[str, Any]:
    """A copy of the event stored as ``tests/events/<name>.json``."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def as_post(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a REST API event sent as a POST, the loopback's method (a GET answers 405)."""
    event = json.loads(json.dumps(event))
    event["httpMethod"] = "POST"
    if event.get("requestContext"):
        event["requestContext"]["httpMethod"] = "POST"
    return event


def event_names(prefix: str) -> list[str]:
    return sorted(path.stem for path in EVENTS.glob(f"{prefix}*.json"))


def rest_v1_event_names() -> list[str]:
    """Every stored REST API (payload 1.0) proxy event: has httpMethod, comes from API Gateway, not an ALB."""
    names = []
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text())
        if event.get("httpMethod") and "elb" not in (event.get("requestContext") or {}):
            names.append(path.stem)
    return names


def answer_of(response: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a proxy response."""
    assert response.get("isBase64Encoded") in (None, False), response
    return json.loads(response["body"])
