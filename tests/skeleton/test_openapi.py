"""The API's description at /openapi.json and Swagger UI at /docs, on the skeleton alone and with the loopback."""

import json
import os
import subprocess
import sys

import pytest
from openapi_spec_validator import validate

from tests.support import PROJECT_ROOT
from tests.support.openapi_schema import assert_matches
from tests.support.stage_settings import stage_settings


def test_the_description_is_valid_openapi_3_0(client):
    description = client.get("/openapi.json").get_json()
    # API Gateway imports OpenAPI 2.0 and 3.0, not 3.1.
    assert description["openapi"].startswith("3.0.")
    validate(description)


def test_a_teams_routes_appear_with_their_methods_and_path_parameters(skeleton_client):
    description = skeleton_client.get("/openapi.json").get_json()
    paths = description["paths"]
    assert set(paths) == {"/health", "/openapi.json", "/docs", "/docs/{asset}", "/orders", "/orders/{order_id}"}
    assert set(paths["/orders/{order_id}"]) == {"get", "put", "parameters"}
    [parameter] = paths["/orders/{order_id}"]["parameters"]
    assert parameter["name"] == "order_id" and parameter["in"] == "path" and parameter["required"] is True
    # A route without an operation in its docstring may still answer the one error shape.
    assert paths["/orders"]["get"]["responses"]["default"] == {"$ref": "#/components/responses/Error"}


def test_answers_hold_to_their_schemas(skeleton_client):
    assert_matches(skeleton_client.get("/health").get_json(), "Health")
    assert_matches(skeleton_client.get("/nowhere").get_json(), "Error")
    assert_matches(skeleton_client.delete("/health").get_json(), "Error")
    with pytest.raises(AssertionError):
        assert_matches({"status": "ok"}, "Health")


def test_the_description_follows_the_stage_prefix(client):
    # Behind API Gateway, Zappa serves a stage under its name (SCRIPT_NAME): the routes are below it.
    description = client.get("/openapi.json", base_url="http://localhost/dev/").get_json()
    assert description["servers"] == [{"url": "/dev"}]
    assert "servers" not in client.get("/openapi.json").get_json()


def test_the_docs_page_loads_swagger_ui_from_the_app_itself(client):
    for prefix in ("", "/dev"):
        page = client.get("/docs", base_url=f"http://localhost{prefix}/")
        assert page.status_code == 200 and page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        assert f'href="{prefix}/docs/swagger-ui.css"' in text
        assert f'src="{prefix}/docs/swagger-ui-bundle.js"' in text
        assert f'"url": "{prefix}/openapi.json"' in text
        # No CDN, and no validator badge fetched from validator.swagger.io.
        assert "http://" not in text and "https://" not in text
        assert '"validatorUrl": null' in text
    script = client.get("/docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert b"SwaggerUIBundle" in script.get_data()
    missing = client.get("/docs/no-such-file.js")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404


def test_a_stage_turns_the_docs_off_and_on(client_for):
    prod = client_for("prod")
    assert prod.get("/openapi.json").status_code in (404, 405)
    assert prod.get("/docs").status_code in (404, 405)
    assert client_for("prod", API_DOCS=True).get("/openapi.json").status_code == 200
    assert client_for("dev", API_DOCS=False).get("/docs").status_code in (404, 405)


LOADED = """
import sys
from app import create_app
app = create_app({"STAGE": sys.argv[1]})
before = sorted(name for name in ("apispec", "yaml", "flask_swagger_ui") if name in sys.modules)
served = app.test_client().get("/openapi.json").status_code == 200
after = sorted(name for name in ("apispec", "yaml", "flask_swagger_ui") if name in sys.modules)
print(before, served, after)
"""


@pytest.mark.parametrize(("stage", "expected"), [("dev", "[] True ['apispec', 'yaml']"), ("prod", "[] False []")])
def test_the_description_is_built_on_first_request_and_never_in_prod(stage, expected):
    # A cold start pays nothing for it; prod's package does not even carry apispec. As on Lambda, where the stage's
    # settings come from the environment, not from Zappa's loader (which imports yaml).
    variables = stage_settings(stage).aws_environment_variables
    on_lambda = {**os.environ, **variables, "AWS_LAMBDA_FUNCTION_NAME": f"loopback-{stage}"}
    run = subprocess.run(
        [sys.executable, "-c", LOADED, stage],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=on_lambda,
    )
    assert run.stdout.split("\n")[-2] == expected


def test_the_description_is_the_same_text_in_every_process():
    # Flask keeps a route's methods in a set, whose order changes with each process's hash seed.
    command = [
        sys.executable,
        "-c",
        "from app import create_app; import sys; sys.stdout.buffer.write("
        "create_app({'STAGE': 'dev'}).test_client().get('/openapi.json').get_data())",
    ]
    texts = {
        subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(texts) == 1 and json.loads(texts.pop())["paths"]
