"""The loopback in the API's description: its operations, and real answers against its schema."""

from tests.skeleton.test_openapi import schema_check


def test_the_loopback_is_described_with_its_answer_and_errors(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/", "/{path}"):
        operation = paths[path]["post"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/LoopbackAnswer"}
        assert {"400", "413", "415", "422", "default"} <= set(operation["responses"])
        assert operation["requestBody"]["required"] is False
    assert set(paths) >= {"/", "/{path}", "/health"}


def test_answers_hold_to_their_schema_and_a_wrong_one_does_not(client):
    description = client.get("/openapi.json").get_json()
    error, answer = schema_check(description, "Error"), schema_check(description, "LoopbackAnswer")
    assert error.is_valid(client.post("/", data=b"{", content_type="application/json").get_json())
    loopback = client.post("/orders/7?x=1", json={"a": [1]}, headers={"X-Test": "yes"}).get_json()
    assert answer.is_valid(loopback)
    del loopback["extras"]["body"]["size"]
    assert not answer.is_valid(loopback)


