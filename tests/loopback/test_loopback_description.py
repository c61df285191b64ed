"""The loopback in the API's description: its operations (tests/loopback/test_answer_schema.py checks answers)."""


def test_the_loopback_is_described_with_its_answer_and_errors(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/", "/{path}"):
        operation = paths[path]["post"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/LoopbackAnswer"}
        assert {"400", "413", "415", "422", "default"} <= set(operation["responses"])
        assert operation["requestBody"]["required"] is False
    assert set(paths) >= {"/", "/{path}", "/health"}
