"""The loopback in the API's description (tests/loopback/test_answer_schema.py checks its answers), and in the API
Gateway export made from it (tests/deploy/test_openapi_gateway.py tests the export)."""

from tests.deploy.test_openapi_gateway import exported, methods_of


def test_the_loopback_is_described_with_its_answer_and_errors(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/", "/{path}"):
        operation = paths[path]["post"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/LoopbackAnswer"}
        assert {"400", "413", "415", "422", "default"} <= set(operation["responses"])
        assert operation["requestBody"]["required"] is False
    assert set(paths) >= {"/", "/{path}", "/health"}


def test_the_export_keeps_zappas_resources_with_the_loopbacks_post_and_no_validator():
    methods = methods_of(exported("dev"))
    for path in ("/", "/{proxy+}"):
        assert {(path, "ANY"), (path, "POST")} <= set(methods)
        assert "x-amazon-apigateway-request-validator" not in methods[(path, "POST")]
