"""The API Gateway from the spec (deploy/openapi.py, `make openapi STAGE=S`): the app's OpenAPI description with
API Gateway's extensions for a stage, to create or update the stage's REST API from.

The quick tests read the export of each stage, with a given account id, against the app's own routes and against
the API that Zappa's own CloudFormation template describes (zappa/core.py ``create_stack_template``, built offline).
The slow ones deploy dev with the real Zappa CLI into moto's server on 127.0.0.1, run `make openapi`, import the
export as a new API and overwrite Zappa's API with a changed one, and compare what API Gateway holds. Others run
the README's commands as written (its `sh` blocks, read from README.md), with the AWS CLI against the same emulator:
both ways, the resource policy, the API's removal, and the API key's value.

What the emulator cannot show (moto 5.2.5): its import ignores ``security``, the request validators and the API key
source, and it has no UpdateMethod to set them after, so those are checked on the file; its CloudFormation drops an
integration's Credentials and PassthroughBehavior, so Zappa's are read from the stack's template; it routes no
request, so which resource a request reaches is worked out here, the strict way (no fall back to a shorter
greedy resource once a longer prefix matched).
"""

import fnmatch
import functools
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Blueprint, Flask
from openapi_spec_validator import validate
from werkzeug.routing import PathConverter

from app import create_app
from app.openapi import build_spec
from app.stages import PLACEHOLDER_KEYS, zappa_cli
from deploy import openapi as export
from deploy import permissions
from tests.support import PROJECT_ROOT
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import Checkout, copy_project
from tests.support.deploy_tools import (
    OFFLINE_GUARD,
    PERMISSIONS_MODULE,
    POLICY_FILE,
    create_execution_role,
    iam_action,
    policy_allows,
    run_offline,
    zappa,
)
from tests.support.readme import Block, blocks, section
from tests.support.readme_shell import ReadmeShell, commands_of
from tests.support.stage_settings import REGION, SETTINGS_FILE, STAGES, change_stages, settings_copy

ACCOUNT = "111122223333"  # not moto's: an export that ignored the id given would show
ANY = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# `python -m deploy.openapi ARGS` with the offline guard installed first, as the permissions step is run.
EXPORT_MODULE = PERMISSIONS_MODULE.replace("'deploy.permissions'", "'deploy.openapi'")
# No credentials anywhere boto3 looks, and no instance metadata service to ask.
NO_AWS = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def offline_session() -> boto3.Session:
    """A session that needs no AWS: the export is told the account, and nothing else calls out."""
    return boto3.Session(region_name=REGION, **PLACEHOLDER_KEYS)


@functools.cache
def committed_target(stage: str) -> export.Target:
    """The target of a stage as committed: Zappa's loader takes a second to read the settings, so once per stage."""
    return export.target(stage, ACCOUNT, SETTINGS_FILE, session=offline_session())


def exported(stage: str, settings_file: Path | None = None, app: Flask | None = None) -> dict[str, Any]:
    """The export of ``stage``, from the committed settings or a changed copy, for the stage's app or ``app``."""
    if settings_file is None:
        to = committed_target(stage)
    else:
        to = export.target(stage, ACCOUNT, settings_file, session=offline_session())
    return export.gateway_description(app or create_app({"STAGE": stage}), to)


def methods_of(description: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(path, METHOD)``: operation, the any-method as ``ANY``, as API Gateway's import makes methods of them."""
    found = {}
    for path, item in description["paths"].items():
        for key, operation in item.items():
            if key == ANY or key in OPERATIONS:
                found[(path, "ANY" if key == ANY else key.upper())] = operation
    return found


def template_methods(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(path, METHOD)``: the method's properties, of the API a Zappa CloudFormation template describes."""
    resources = template["Resources"]

    def path_of(reference: dict[str, Any]) -> str:
        if "Fn::GetAtt" in reference:  # the API's RootResourceId
            return "/"
        resource = resources[reference["Ref"]]["Properties"]
        return path_of(resource["ParentId"]).rstrip("/") + "/" + resource["PathPart"]

    return {
        (path_of(resource["Properties"]["ResourceId"]), resource["Properties"]["HttpMethod"]): resource["Properties"]
        for resource in resources.values()
        if resource["Type"] == "AWS::ApiGateway::Method"
    }


def zappas_template(stage: str, settings_file: Path) -> dict[str, Any]:
    """The template `zappa deploy` would send for ``stage``, built offline, the role given as `zappa template`
    is given it."""
    cli = zappa_cli(stage, settings_file, offline_session())
    cli.zappa.credentials_arn = f"arn:aws:iam::{ACCOUNT}:role/given-to-zappa"
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{cli.lambda_name}"
    template = cli.zappa.create_stack_template(
        lambda_arn=function_arn,
        lambda_name=cli.lambda_name,
        api_key_required=cli.api_key_required,
        iam_authorization=cli.iam_authorization,
        authorizer=cli.authorizer,
        cors_options=cli.cors,
        description=cli.apigateway_description,
        endpoint_configuration=cli.endpoint_configuration,
        apigateway_version=cli.apigateway_version,
        stage_name=stage,
        lambda_qualifier=cli.apigateway_lambda_qualifier,
    )
    return template.to_dict()


def greedy_names(app: Flask) -> set[str]:
    return {
        name
        for rule in app.url_map.iter_rules()
        for name, c in rule._converters.items()
        if isinstance(c, PathConverter)
    }


def expected_path(path: str, greedy: set[str]) -> str:
    """A documented path as API Gateway's resource: a greedy variable is ``{proxy+}``, no trailing slash."""
    resource = re.sub(r"\{([^{}]+)\}", lambda m: "{proxy+}" if m[1] in greedy else m[0], path)
    return resource.rstrip("/") or "/"


def resource_reached(paths: dict[str, Any], request_path: str) -> str | None:
    """The resource API Gateway routes ``request_path`` to, the strict way: at each segment a static child, else
    the variable child, else a greedy child takes the rest; no going back."""
    children: dict[str, list[str]] = {}
    for path in paths:
        if path != "/":
            children.setdefault(path.rpartition("/")[0] or "/", []).append(path)
    current = "/"
    segments = [segment for segment in request_path.split("/") if segment]
    for position, segment in enumerate(segments):
        below = children.get(current, [])
        static = [path for path in below if path.rpartition("/")[2] == segment]
        variable = [path for path in below if re.fullmatch(r"\{[^{}+]+\}", path.rpartition("/")[2])]
        greedy = [path for path in below if path.endswith("+}")]
        if static or variable:
            current = (static or variable)[0]
        elif greedy:
            return greedy[0]
        else:
            return None
        if position == len(segments) - 1:
            return current
    return current


# A team's routes beside the skeleton's, for the mapping and validators.
team = Blueprint("team", __name__)


@team.get("/orders/<order_id>")
def get_order(order_id: str) -> str:
    """One order."""
    return order_id


@team.post("/orders/<order_id>/items")
def add_item(order_id: str) -> str:
    """Add an item to an order.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [sku], properties: {sku: {type: string}}}
      responses:
        201: {description: Added.}
    """
    return order_id


@team.get("/files/<path:name>")
def get_file(name: str) -> str:
    """A file, by a name with slashes."""
    return name


@team.get("/search")
def search() -> str:
    """Search.
    ---
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, required: false, schema: {type: integer}}
      responses:
        200: {description: Found.}
    """
    return ""


@pytest.fixture
def team_app() -> Flask:
    app = create_app({"STAGE": "dev"})
    app.register_blueprint(team)
    return app


@pytest.fixture
def settings(tmp_path) -> Iterator[Any]:
    """A copy of zappa_settings.json to change stages in: ``settings({stage: {setting: value}})``."""
    settings_file = settings_copy(tmp_path)

    def changed(changes: dict[str, dict[str, Any]]) -> Path:
        change_stages(settings_file, changes)
        return settings_file

    yield changed


# Quick: the file, against the app and Zappa's template


@pytest.mark.parametrize(
    "stage, changes",
    [
        *[(stage, {}) for stage in STAGES],
        ("prod", {"api_key_required": True}),
        ("dev", {"apigateway_lambda_qualifier": "live"}),
    ],
)
def test_every_method_of_zappas_api_is_kept_with_its_integration(settings, stage, changes):
    settings_file = settings({stage: changes})
    zappas = template_methods(zappas_template(stage, settings_file))
    assert zappas, "Zappa's template describes no method"
    methods = methods_of(exported(stage, settings_file))
    for (path, method), properties in zappas.items():
        assert (path, method) in methods, f"Zappa's {method} {path} is not in the export"
        integration = methods[(path, method)][INTEGRATION]
        assert integration["type"].upper() == properties["Integration"]["Type"]
        assert integration["httpMethod"] == properties["Integration"]["IntegrationHttpMethod"]
        assert integration["uri"] == properties["Integration"]["Uri"]
        assert integration["passthroughBehavior"].upper() == properties["Integration"]["PassthroughBehavior"]
    # Every method, documented or not, requires the key exactly when Zappa's do.
    required = {properties["ApiKeyRequired"] for properties in zappas.values()}
    assert {bool(operation.get("security")) for operation in methods.values()} == required


@pytest.mark.parametrize("stage", STAGES)
def test_the_integration_invokes_the_function_as_its_execution_role(stage):
    role = permissions.load(stage)  # the role the administrator's step makes for the stage
    methods = methods_of(exported(stage))
    assert {operation[INTEGRATION]["credentials"] for operation in methods.values()} == {
        f"arn:aws:iam::{ACCOUNT}:role/{role.name}"
    }
    assert {operation[INTEGRATION]["uri"].split(":")[-1] for operation in methods.values()} == {
        f"{role.settings.lambda_name}/invocations"
    }


def test_a_role_arn_setting_is_the_integrations_credentials(settings):
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/team/their-own-role"
    methods = methods_of(exported("dev", settings({"dev": {"role_arn": role_arn}})))
    assert {operation[INTEGRATION]["credentials"] for operation in methods.values()} == {role_arn}


@pytest.mark.parametrize("stage", STAGES)
def test_each_documented_operation_keeps_its_method_and_description(stage):
    app = create_app({"STAGE": stage})
    spec, greedy = build_spec(app), greedy_names(app)
    methods = methods_of(exported(stage, app=app))
    for path, item in spec["paths"].items():
        for method in set(item) & set(OPERATIONS):
            operation = methods[(expected_path(path, greedy), method.upper())]
            assert {key: value for key, value in operation.items() if not key.startswith("x-amazon-")} == item[method]


def test_a_greedy_path_is_proxy_plus_with_its_parameter_renamed(team_app):
    description = exported("dev", app=team_app)
    assert "/files/{name}" not in description["paths"]
    assert "/docs/{asset}" not in description["paths"]
    for path in ("/files/{proxy+}", "/docs/{proxy+}"):
        [parameter] = description["paths"][path]["parameters"]
        assert (parameter["name"], parameter["in"], parameter["required"]) == ("proxy", "path", True)
    # Zappa's own resources, with their ANY method (the loopback's test adds its POST beside it).
    assert ANY in description["paths"]["/"] and ANY in description["paths"]["/{proxy+}"]


def test_every_request_path_reaches_a_resource_with_an_any_method(team_app):
    paths = exported("dev", app=team_app)["paths"]
    reached = {
        request_path: resource_reached(paths, request_path)
        for request_path in (
            "/",
            "/orders",
            "/orders/7",
            "/orders/7/items",
            "/orders/7/items/3/more",
            "/files/a/b/c.txt",
            "/search",
            "/search/deeper",
            "/health",
            "/health/x",
            "/docs",
            "/docs/swagger-ui.css",
            "/openapi.json/x",
            "/anything/at/all",
        )
    }
    assert all(reached.values()), f"no resource: {[path for path, found in reached.items() if not found]}"
    assert {path for path, resource in reached.items() if ANY not in paths[resource]} == set()
    assert reached["/orders/7"] == "/orders/{order_id}"
    assert reached["/files/a/b/c.txt"] == "/files/{proxy+}"
    assert reached["/anything/at/all"] == "/{proxy+}"
    assert "get" in paths["/orders/{order_id}"] and "get" in paths["/files/{proxy+}"]


def test_api_gateway_takes_the_resource_tree(team_app):
    """One path variable at most below each resource, and a greedy one only as a path's last segment."""
    paths = exported("dev", app=team_app)["paths"]
    variables: dict[str, list[str]] = {}
    for path in paths:
        parent, _, last = path.rpartition("/")
        if last.startswith("{"):
            variables.setdefault(parent or "/", []).append(path)
        assert "+}" not in path.rpartition("/")[0], path
    assert {parent: found for parent, found in variables.items() if len(found) > 1} == {}


def test_two_variables_below_one_resource_are_refused():
    app = create_app({"STAGE": "dev"})
    app.add_url_rule("/orders/<order_id>", "order", lambda order_id: order_id)
    app.add_url_rule("/orders/<int:number>/lines", "lines", lambda number: str(number))
    with pytest.raises(export.ExportError, match="one path variable below /orders"):
        exported("dev", app=app)


def test_request_validators_where_a_schema_allows_one(team_app):
    description = exported("dev", app=team_app)
    methods = methods_of(description)
    validator = "x-amazon-apigateway-request-validator"
    validators = description["x-amazon-apigateway-request-validators"]
    body = validators[methods[("/orders/{order_id}/items", "POST")][validator]]
    assert body == {"validateRequestBody": True, "validateRequestParameters": True}
    parameters = validators[methods[("/search", "GET")][validator]]
    assert parameters == {"validateRequestBody": False, "validateRequestParameters": True}
    # No route without a schema gets a validator (tests/loopback: nor the loopback, which takes any body).
    assert validator not in methods[("/health", "GET")] and validator not in methods[("/", "ANY")]
    assert set(validators) == {operation[validator] for operation in methods.values() if validator in operation}


def test_without_a_schema_no_validator_is_declared():
    assert "x-amazon-apigateway-request-validators" not in exported("dev")


def test_api_key_required_puts_the_key_on_every_method(settings):
    description = exported("prod", settings({"prod": {"api_key_required": True}}))
    assert description["x-amazon-apigateway-api-key-source"] == "HEADER"
    assert description["components"]["securitySchemes"]["api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
    assert [operation["security"] for operation in methods_of(description).values()] == [[{"api_key": []}]] * len(
        methods_of(description)
    )
    assert "x-amazon-apigateway-api-key-source" not in exported("prod")


def test_binary_media_types_follow_binary_support(settings):
    assert exported("dev")["x-amazon-apigateway-binary-media-types"] == ["*/*"]  # Zappa's default, binary_support
    assert "x-amazon-apigateway-binary-media-types" not in exported("dev", settings({"dev": {"binary_support": False}}))


def test_prod_exports_no_docs_and_dev_does():
    assert create_app({"STAGE": "prod"}).config["API_DOCS"] is False  # prod's LOOPBACK_API_DOCS
    docs = re.compile(r"/(docs|openapi\.json)(/|$)")
    assert [path for path in exported("prod")["paths"] if docs.match(path)] == []
    assert {"/docs", "/openapi.json", "/docs/{proxy+}"} <= set(exported("dev")["paths"])


@pytest.mark.parametrize("stage", STAGES)
def test_the_file_is_openapi_3_0(stage):
    description = exported(stage)
    assert description["openapi"].startswith("3.0.")
    assert description["info"]["title"] == zappa_cli(stage, SETTINGS_FILE, offline_session()).lambda_name
    # API Gateway's greedy variable {proxy+} is its own extension of OpenAPI's templating: {proxy} to a validator.
    validate(json.loads(export.dumps(description).replace("+}", "}")))


@pytest.mark.parametrize(
    "setting, value",
    [
        ("cors", True),
        ("iam_authorization", True),
        ("authorizer", {"arn": "arn:aws:lambda:x"}),
        ("apigateway_version", "v2"),
    ],
)
def test_settings_the_export_does_not_write_are_refused(settings, setting, value):
    with pytest.raises(export.ExportError, match=setting):
        export.target("dev", ACCOUNT, settings({"dev": {setting: value}}), session=offline_session())


def run_export(tmp_path: Path, *args: str) -> Any:
    """The command, offline, in an environment where boto3 finds no credentials."""
    command = [sys.executable, "-c", EXPORT_MODULE, str(OFFLINE_GUARD.parent), *args]
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8", **NO_AWS}
    return run_offline(command, environment, tmp_path / "off-machine.log", cwd=PROJECT_ROOT, timeout=120)


def test_the_command_writes_the_same_bytes_as_another_process(tmp_path):
    """Sorted keys, indent 2: another interpreter (another hash seed) writes the very same file."""
    output = tmp_path / "openapi-dev.json"
    result = run_export(tmp_path, "dev", "--account-id", ACCOUNT, "--output", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert text == export.dumps(exported("dev")) == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_the_command_says_in_one_line_what_it_lacks(tmp_path):
    unknown = run_export(tmp_path, "staging", "--account-id", ACCOUNT)
    assert unknown.returncode == 2
    assert "staging" in unknown.stderr and "dev" in unknown.stderr and "Traceback" not in unknown.stderr
    no_account = run_export(tmp_path, "dev", "--output", str(tmp_path / "openapi-dev.json"))
    assert no_account.returncode == 1
    assert no_account.stderr.count("\n") == 1 and "--account-id" in no_account.stderr
    assert not (tmp_path / "openapi-dev.json").exists()


# Slow: against moto's server, with Zappa's own API to compare


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator() as emulator:
        yield emulator


# The README's commands, as a user's shell runs them

SECTION = "### The API Gateway from the spec"


def sh_blocks(heading: str) -> list[Block]:
    return [block for block in blocks(section(heading)) if block.language == "sh"]


def inline_command(heading: str, start: str) -> str:
    """The one command in a section's running text (in backquotes) that starts with ``start``."""
    [command] = re.findall(rf"`({re.escape(start)}[^`]*)`", section(heading))
    return command


def add_route(project: Path) -> None:
    """The README's first route ("Add a route"): its app/orders.py, and one more line in ``BLUEPRINTS``."""
    [module] = [block for block in blocks(section("### Add a route")) if block.first_line == "# app/orders.py"]
    (project / "app" / "orders.py").write_text(module.text)
    init = project / "app" / "__init__.py"
    registered = init.read_text().replace('    ".health",\n', '    ".health",\n    ".orders",\n', 1)
    assert registered != init.read_text(), "BLUEPRINTS no longer starts with .health"
    init.write_text(registered)


def api_state(emulator: Emulator, api_id: str, deployment: str, project: Path) -> dict[str, Any]:
    """What API Gateway holds of the API, beside the deployment just made (the CLI's JSON) and the file it came from."""
    apigateway = emulator.client("apigateway")
    return {
        "names": {api["id"]: api["name"] for api in apigateway.get_rest_apis()["items"]},
        "binary_media_types": apigateway.get_rest_api(restApiId=api_id).get("binaryMediaTypes", []),
        "methods": held_methods(emulator, api_id),
        "stage_deployment": apigateway.get_stage(restApiId=api_id, stageName="dev")["deploymentId"],
        "deployment": json.loads(deployment)["id"],
        "file": json.loads((project / "dist" / "openapi-dev.json").read_text()),
    }


@pytest.fixture(scope="module")
def own_api(emulator, tmp_path_factory) -> dict[str, Any]:
    """README, "Instead of Zappa's API", done as written in a checkout whose dev sets ``apigateway_enabled`` false,
    routes changed where the README says so; then its resource policy, `zappa undeploy` and its `delete-rest-api`.
    What the emulator held after each step."""
    checkout = Checkout(copy_project(tmp_path_factory.mktemp("own-api") / "loopback"), emulator)
    project, shell = checkout.root, ReadmeShell(checkout)
    change_stages(project / "zappa_settings.json", {"dev": {"apigateway_enabled": False}})
    _, instead, permission, _ = sh_blocks(SECTION)
    first_time, after_changing_routes = instead.text.split("# after changing routes:\n")

    deploy, make_openapi, import_api, deploy_api = commands_of(first_time)
    assert deploy == "make deploy STAGE=dev"
    # `make deploy`'s first deploy of a stage is `zappa deploy` (then `zappa update` with the package `make package`
    # builds, which touches no API): here `zappa deploy` alone, from this run's package virtualenv.
    create_execution_role(project, emulator.environment(), "dev")
    deployed = zappa(project, emulator, "deploy", "dev")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    status = zappa(project, emulator, "status", "dev")
    shell.run(make_openapi)
    shell.placeholders["ID"] = api_id = shell.run(import_api).strip()
    first = api_state(emulator, api_id, shell.run(deploy_api), project)

    add_route(project)
    make_openapi, overwrite, deploy_api = commands_of(after_changing_routes)
    shell.run(make_openapi)
    shell.run(overwrite)
    changed = api_state(emulator, api_id, shell.run(deploy_api), project)

    [add_permission] = commands_of(permission.text)
    shell.run(add_permission)
    lambda_client, apigateway = emulator.client("lambda"), emulator.client("apigateway")
    name = zappa_cli("dev", project / "zappa_settings.json", offline_session()).lambda_name
    function = lambda_client.get_function(FunctionName=name)["Configuration"]
    policy = json.loads(lambda_client.get_policy(FunctionName=name)["Policy"])

    undeployed = zappa(project, emulator, "undeploy", "dev", "--yes")
    assert undeployed.returncode == 0, undeployed.stdout + undeployed.stderr
    functions_left = {listed["FunctionName"] for listed in lambda_client.list_functions()["Functions"]}
    apis_left = {api["id"] for api in apigateway.get_rest_apis()["items"]}
    shell.run(inline_command(SECTION, "aws apigateway delete-rest-api"))
    return {
        "api_id": api_id,
        "account": emulator.client("sts").get_caller_identity()["Account"],
        "status": status.returncode,
        "status_output": status.stdout + status.stderr,
        "function": function,
        "first": first,
        "changed": changed,
        "policy": policy,
        "functions_after_undeploy": functions_left,
        "apis_after_undeploy": apis_left,
        "apis_after_delete": {api["id"] for api in apigateway.get_rest_apis()["items"]},
    }


@pytest.fixture(scope="module")
def zappas_api(emulator, own_api, tmp_path_factory) -> dict[str, Any]:
    """dev deployed by `zappa deploy` from a copy of the project, and what API Gateway then held of its API.

    After ``own_api``, which deploys dev too and removes it: the emulator holds one function loopback-dev at a time."""
    checkout = Checkout(copy_project(tmp_path_factory.mktemp("checkout") / "loopback"), emulator)
    project = checkout.root
    create_execution_role(project, emulator.environment(), "dev")
    deploy = zappa(project, emulator, "deploy", "dev")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    name = zappa_cli("dev", project / "zappa_settings.json", offline_session()).lambda_name
    apigateway = emulator.client("apigateway")
    [api] = [api for api in apigateway.get_rest_apis()["items"] if api["name"] == name]
    body = emulator.client("cloudformation").get_template(StackName=name)["TemplateBody"]
    return {
        "checkout": checkout,
        "project": project,
        "api": api,
        "methods": held_methods(emulator, api["id"]),
        "template": template_methods(body if isinstance(body, dict) else json.loads(body)),
    }


def held_methods(emulator: Emulator, api_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """``(path, METHOD)``: the integration API Gateway holds for it (GetIntegration)."""
    apigateway = emulator.client("apigateway")
    held = {}
    for resource in apigateway.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for method in resource.get("resourceMethods", {}):
            integration = apigateway.get_integration(restApiId=api_id, resourceId=resource["id"], httpMethod=method)
            integration.pop("ResponseMetadata")
            held[(resource["path"], method)] = integration
    return held


def assert_holds_zappas_api_and_the_export(held: dict, zappas: dict, description: dict) -> None:
    """Each method of Zappa's API, with Zappa's integration, and each method of the export, integrated alike."""
    for (path, method), integration in zappas["methods"].items():
        assert (path, method) in held, f"Zappa's {method} {path} is missing"
        same = ("type", "httpMethod", "uri")
        assert {key: held[(path, method)][key] for key in same} == {key: integration[key] for key in same}
        # moto's CloudFormation drops these two: Zappa's are in the template it sent.
        properties = zappas["template"][(path, method)]["Integration"]
        assert held[(path, method)]["credentials"] == properties["Credentials"]
        assert held[(path, method)]["passthroughBehavior"] == properties["PassthroughBehavior"]
    assert set(held) == set(methods_of(description))
    integrations = {json.dumps({k: v for k, v in i.items() if k != "cacheKeyParameters"}) for i in held.values()}
    assert len(integrations) == 1, "every method goes to the one function, as Zappa's do"


class CallRecorder:
    """``service:Operation METHOD`` of each call a client or session makes, as tests/support/zappa_cli.py records."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_name}:{model.name} {model.http.get('method', '')}")


@pytest.mark.slow
def test_make_openapi_writes_the_stage_export(emulator, tmp_path):
    checkout = Checkout(copy_project(tmp_path / "loopback"), emulator)
    checkout.run("make openapi STAGE=dev")
    text = (checkout.root / "dist" / "openapi-dev.json").read_text()
    description = json.loads(text)
    assert text == json.dumps(description, sort_keys=True, indent=2) + "\n"
    account = emulator.client("sts").get_caller_identity()["Account"]  # what the AWS_* environment reaches
    uris = {operation[INTEGRATION]["uri"] for operation in methods_of(description).values()}
    assert uris == {
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{REGION}:{account}:function:loopback-dev/invocations"
    }


@pytest.mark.slow
def test_the_export_imported_holds_zappas_api_and_every_documented_operation(emulator, zappas_api, monkeypatch):
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    recorder = CallRecorder()
    session = boto3.Session(region_name=REGION)
    session.events.register("before-call", recorder)
    to = export.target("dev", settings_file=zappas_api["project"] / "zappa_settings.json", session=session)
    description = export.gateway_description(create_app({"STAGE": "dev"}), to)
    apigateway = emulator.client("apigateway")
    apigateway.meta.events.register("before-call", recorder)

    imported = apigateway.import_rest_api(body=export.dumps(description).encode())
    assert imported["name"] == zappas_api["api"]["name"]
    assert imported["binaryMediaTypes"] == zappas_api["api"]["binaryMediaTypes"] == ["*/*"]
    held = held_methods(emulator, imported["id"])
    for (path, method), integration in sorted(held.items()):  # shown with -s
        print(f"{method:7} {path:22} {integration['type']} {integration['httpMethod']} {integration['uri']}")
    assert_holds_zappas_api_and_the_export(held, zappas_api, description)
    app = create_app({"STAGE": "dev"})
    greedy = greedy_names(app)
    documented = {
        (expected_path(path, greedy), method.upper())
        for path, item in build_spec(app)["paths"].items()
        for method in set(item) & set(OPERATIONS)
    }
    assert documented <= set(held)
    assert apigateway.create_deployment(restApiId=imported["id"], stageName="dev")["id"]

    # What the deployer does here, its policy allows (deploy/iam-policy.json).
    policy = json.loads(POLICY_FILE.read_text())
    assert [call for call in recorder.calls if not policy_allows(policy, iam_action(call))] == []
    assert any(call.startswith("sts:GetCallerIdentity") for call in recorder.calls)


@pytest.mark.slow
def test_overwriting_zappas_api_with_a_changed_export(emulator, zappas_api, monkeypatch, team_app):
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    to = export.target("dev", settings_file=zappas_api["project"] / "zappa_settings.json")
    description = export.gateway_description(team_app, to)  # the team added its routes
    apigateway = emulator.client("apigateway")
    api_id = zappas_api["api"]["id"]

    apigateway.put_rest_api(restApiId=api_id, mode="overwrite", body=export.dumps(description).encode())
    held = held_methods(emulator, api_id)
    assert ("/orders/{order_id}", "GET") in held and ("/files/{proxy+}", "GET") in held
    assert_holds_zappas_api_and_the_export(held, zappas_api, description)
    assert apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["*/*"]
    assert apigateway.create_deployment(restApiId=api_id, stageName="dev")["id"]


@pytest.mark.slow
def test_the_readmes_own_api_is_the_export_deployed_to_the_stage(own_api):
    first, function = own_api["first"], own_api["function"]
    assert first["names"] == {own_api["api_id"]: function["FunctionName"]}, "one API, named after the function"
    assert set(first["methods"]) == set(methods_of(first["file"]))
    invocations = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function['FunctionArn']}/invocations"
    assert {(i["type"], i["httpMethod"], i["uri"], i["credentials"]) for i in first["methods"].values()} == {
        ("AWS_PROXY", "POST", invocations, function["Role"])
    }
    assert first["binary_media_types"] == ["*/*"]
    assert first["stage_deployment"] == first["deployment"]
    # Without an API of Zappa's, `zappa status` has no URL to print.
    assert own_api["status"] == 0, own_api["status_output"]
    assert "execute-api" not in own_api["status_output"]


@pytest.mark.slow
def test_the_readmes_update_of_the_own_api_after_a_route_change(own_api):
    first, changed = own_api["first"], own_api["changed"]
    assert ("/orders/{order_id}", "GET") in set(changed["methods"]) - set(first["methods"])
    assert set(changed["methods"]) == set(methods_of(changed["file"]))
    assert changed["names"] == first["names"], "the same API, updated"
    assert changed["stage_deployment"] == changed["deployment"] != first["deployment"]


@pytest.mark.slow
def test_the_readmes_resource_policy_lets_this_api_invoke_the_function(own_api):
    [statement] = own_api["policy"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "lambda:InvokeFunction")
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    # moto qualifies a grant made without --qualifier with :$LATEST; AWS names the function's unqualified ARN.
    assert statement["Resource"].removesuffix(":$LATEST") == own_api["function"]["FunctionArn"]
    [(operator, condition)] = statement["Condition"].items()
    [(key, source)] = condition.items()
    assert (operator, key) == ("ArnLike", "AWS:SourceArn")
    # API Gateway invokes with the source ARN arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/RESOURCE-PATH.
    this_api = f"arn:aws:execute-api:{REGION}:{own_api['account']}:{own_api['api_id']}"
    assert fnmatch.fnmatchcase(f"{this_api}/dev/POST/", source)
    assert fnmatch.fnmatchcase(f"{this_api}/dev/GET/orders/7", source)
    assert not fnmatch.fnmatchcase(f"arn:aws:execute-api:{REGION}:{own_api['account']}:0therapi00/dev/POST/", source)
    assert not fnmatch.fnmatchcase(this_api.replace(own_api["account"], "210987654321") + "/dev/POST/", source)


@pytest.mark.slow
def test_zappa_undeploy_leaves_the_own_api_and_the_readmes_command_deletes_it(own_api):
    assert own_api["function"]["FunctionName"] not in own_api["functions_after_undeploy"]
    assert own_api["api_id"] in own_api["apis_after_undeploy"]
    assert own_api["api_id"] not in own_api["apis_after_delete"]


@pytest.mark.slow
def test_the_readmes_overwrite_of_zappas_api(emulator, zappas_api):
    """README, "Over Zappa's API", as written, with the id of the URL `zappa status dev` prints."""
    *_, over = sh_blocks(SECTION)
    shell = ReadmeShell(zappas_api["checkout"])
    status = zappa(zappas_api["project"], emulator, "status", "dev")
    assert status.returncode == 0, status.stdout + status.stderr
    printed = re.findall(rf"https://(\w+)\.execute-api\.{re.escape(REGION)}\.amazonaws\.com/dev\b", status.stdout)
    assert set(printed) == {zappas_api["api"]["id"]}
    shell.placeholders["ID"] = api_id = printed[0]
    apigateway = emulator.client("apigateway")
    apis_before = {api["id"] for api in apigateway.get_rest_apis()["items"]}

    make_openapi, overwrite, deploy_api = commands_of(over.text)
    shell.run(make_openapi)
    shell.run(overwrite)
    deployment = json.loads(shell.run(deploy_api))["id"]

    description = json.loads((zappas_api["project"] / "dist" / "openapi-dev.json").read_text())
    assert_holds_zappas_api_and_the_export(held_methods(emulator, api_id), zappas_api, description)
    assert apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["*/*"]
    assert apigateway.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == deployment
    assert {api["id"] for api in apigateway.get_rest_apis()["items"]} == apis_before, "no API made or removed"


@pytest.mark.slow
def test_the_readmes_get_api_key_prints_the_keys_value(emulator, tmp_path):
    """README, "Cost guards and log retention": the command that prints a key's value, for a key named as Zappa
    names a stage's."""
    value = "the-value-of-a-dev-key-for-this-test"  # API Gateway's keys are 20 to 128 characters
    key = emulator.client("apigateway").create_api_key(name="dev_abcdefghij", enabled=True, value=value)
    shell = ReadmeShell(Checkout(copy_project(tmp_path / "loopback"), emulator))
    shell.placeholders["ID"] = key["id"]
    assert shell.run(inline_command("### Cost guards and log retention", "aws apigateway get-api-key")) == value + "\n"
