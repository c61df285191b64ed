"""``python -m deploy.openapi STAGE --output FILE``: the app's OpenAPI description with API Gateway's extensions for
STAGE, to create or update the stage's REST API from (`make openapi STAGE=S` writes dist/openapi-S.json).

The description is the one the app serves (``app.openapi.build_spec``) of the app built for STAGE, so a stage that
turns the docs off (``LOOPBACK_API_DOCS`` false, as prod does) exports no /openapi.json or /docs. To it are added,
from STAGE's settings as Zappa's own loader reads zappa_settings.json, what Zappa's CloudFormation template gives
its API (zappa/core.py ``create_api_gateway_routes``) and what `zappa deploy` sets on it after:

- every method an ``aws_proxy`` integration to the stage's function (``POST`` to Lambda's invocations URI, the
  function qualified by ``apigateway_lambda_qualifier`` as Zappa does), with the execution role as credentials:
  API Gateway invokes the function as that role, which may invoke it (deploy/execution-role-policy-S.json);
- every request reaching the app, as with Zappa's ``/`` ANY and ``/{proxy+}`` ANY: Flask's greedy ``<path:x>`` is
  API Gateway's ``{proxy+}`` (parameter renamed ``proxy``), every resource has an ANY method besides the documented
  ones, and every resource with no path variable below it gets a ``{proxy+}`` child;
- ``binary_support``: binary media type ``*/*``; ``payload_compression``: the minimum compression size;
  ``api_key_required``: the ``x-api-key`` header on every method; ``apigateway_policy``: the resource policy;
- request validators where a schema allows one: body and parameters for an operation whose JSON body has a
  schema, parameters for one with required query or header parameters.

The account id comes from STS (credentials and endpoint from the AWS_* environment or the stage's
``profile_name``, as Zappa's CLI finds them) unless ``--account-id`` gives it. Settings Zappa turns into API
parts this does not write (``cors``, ``authorizer``, ``iam_authorization``, an HTTP API) stop it with one line.
"""

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from app.stages import SETTINGS_FILE, no_such_stage, zappa_cli

# Lambda's Invoke action as an integration's URI names it (API Gateway API Reference, Integration: uri).
INVOCATIONS = "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations"
GREEDY = "{proxy+}"
GREEDY_PARAMETER = "proxy"
ANY_METHOD = "x-amazon-apigateway-any-method"
# Path Item keys that are operations (OpenAPI 3.0.3, Path Item Object).
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Zappa's integration (zappa/core.py create_and_setup_methods): AWS_PROXY, POST, PassthroughBehavior NEVER. A proxy
# integration applies no mapping template, so the passthrough behaviour changes nothing; it is kept as Zappa's so
# that an API overwritten from this file holds what Zappa's held.
INTEGRATION = {"type": "aws_proxy", "httpMethod": "POST", "passthroughBehavior": "never"}
BODY_AND_PARAMETERS = "body-and-parameters"
PARAMETERS_ONLY = "parameters-only"
VALIDATORS = {
    BODY_AND_PARAMETERS: {"validateRequestBody": True, "validateRequestParameters": True},
    PARAMETERS_ONLY: {"validateRequestBody": False, "validateRequestParameters": True},
}
KEY_SCHEME = "api_key"
KEY_HEADER = "x-api-key"
# Zappa settings that make API parts this export does not write, and what to do instead.
NOT_EXPORTED = {
    "cors": "Zappa's MOCK OPTIONS methods; the app answers CORS itself (app/cors.py): leave cors off",
    "authorizer": "a Lambda or Cognito authorizer",
    "iam_authorization": "AWS_IAM authorization",
}
ANY_OPERATION = {
    "summary": "Every method not listed: the app answers it.",
    "responses": {"default": {"description": "The app's answer: the operations of this path, or a JSON 405."}},
}
VARIABLE = re.compile(r"\{([^{}]+)\}")


class ExportError(ValueError):
    """The app or the stage's settings cannot be written as this API; the message says why."""


@dataclass(frozen=True)
class Target:
    """What the stage's API hands requests to, and the API settings Zappa gives it."""

    function_name: str  # also the API's name, as Zappa names its API
    region: str
    lambda_arn: str  # as Zappa's integration names it: qualified by apigateway_lambda_qualifier, if set
    credentials: str  # the role API Gateway invokes the function as
    binary_media_types: tuple[str, ...]
    api_key_required: bool
    minimum_compression_size: int | None  # None: compression off
    policy: dict[str, Any] | None  # apigateway_policy

    @property
    def uri(self) -> str:
        """Lambda's invocations URI of the function, in its own partition."""
        partition = self.lambda_arn.split(":")[1]
        return INVOCATIONS.format(partition=partition, region=self.region, function=self.lambda_arn)


def target(
    stage: str, account_id: str | None = None, settings_file: Path = SETTINGS_FILE, session: Any = None
) -> Target:
    """``stage``'s target as Zappa's loader reads ``settings_file``; asks STS for the account unless given it.

    ``session`` is the boto3 session to use; by default Zappa's own (its ``profile_name``, else the environment).
    """
    cli = zappa_cli(stage, settings_file, session)
    config = cli.stage_config
    refused = [f"{name} ({why})" for name, why in NOT_EXPORTED.items() if config.get(name)]
    if cli.apigateway_version != "v1":
        refused.append(f"apigateway_version {cli.apigateway_version!r} (an HTTP API; this writes a REST API)")
    if refused:
        raise ExportError(f"{stage}: the export does not write " + "; ".join(refused))
    boto_session = cli.zappa.boto_session
    region = boto_session.region_name  # Zappa's: the settings' aws_region unless the environment names another
    partition = boto_session.get_partition_for_region(region)
    account_id = account_id or boto_session.client("sts").get_caller_identity()["Account"]
    function_arn = f"arn:{partition}:lambda:{region}:{account_id}:function:{cli.lambda_name}"
    role_arn = cli.zappa.credentials_arn or f"arn:{partition}:iam::{account_id}:role/{cli.zappa.role_name}"
    compression = config.get("payload_compression", True)
    policy = getattr(cli.zappa, "apigateway_policy", None)  # Zappa read the file the setting names
    return Target(
        function_name=cli.lambda_name,
        region=region,
        lambda_arn=cli.zappa._get_qualified_lambda_arn(function_arn, cli.apigateway_lambda_qualifier),
        credentials=role_arn,
        binary_media_types=("*/*",) if cli.binary_support else (),
        api_key_required=bool(cli.api_key_required),
        minimum_compression_size=int(config.get("payload_minimum_compression_size", 0)) if compression else None,
        policy=json.loads(policy) if policy else None,
    )


def gateway_description(app: Flask, to: Target) -> dict[str, Any]:
    """``app``'s OpenAPI description, every route an API Gateway resource integrated with ``to``."""
    from app.openapi import build_spec

    spec = build_spec(app)
    paths = _gateway_paths(spec, _resource_paths(app))
    _complete_tree(paths)
    integration = {**INTEGRATION, "uri": to.uri, "credentials": to.credentials}
    used_validators = set()
    for item in paths.values():
        item.setdefault(ANY_METHOD, copy.deepcopy(ANY_OPERATION))
        for key, operation in item.items():
            if key not in (*HTTP_METHODS, ANY_METHOD):
                continue
            operation["x-amazon-apigateway-integration"] = dict(integration)
            validator = _validator(spec, operation, item.get("parameters", []))
            if validator:
                operation["x-amazon-apigateway-request-validator"] = validator
                used_validators.add(validator)
            if to.api_key_required:
                operation["security"] = [{KEY_SCHEME: []}]
    description = {**spec, "info": {**spec["info"], "title": to.function_name}, "paths": paths}
    if used_validators:
        description["x-amazon-apigateway-request-validators"] = {name: VALIDATORS[name] for name in used_validators}
    if to.binary_media_types:
        description["x-amazon-apigateway-binary-media-types"] = list(to.binary_media_types)
    if to.minimum_compression_size is not None:
        description["x-amazon-apigateway-minimum-compression-size"] = to.minimum_compression_size
    if to.policy:
        description["x-amazon-apigateway-policy"] = to.policy
    if to.api_key_required:
        description["x-amazon-apigateway-api-key-source"] = "HEADER"
        schemes = description.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[KEY_SCHEME] = {"type": "apiKey", "name": KEY_HEADER, "in": "header"}
    return description


def dumps(description: Mapping[str, Any]) -> str:
    """The file's text: the same description always gives the same bytes."""
    return json.dumps(description, sort_keys=True, indent=2) + "\n"


def _resource_paths(app: Flask) -> dict[str, tuple[str, dict[str, str]]]:
    """Each route's OpenAPI path: its API Gateway resource path, and its path parameters renamed there.

    A converter that matches ``/`` (``<path:x>``) is greedy: ``{proxy+}``, the name API Gateway gives the proxy
    parameter in Zappa's API, so the event the app gets names it as there. API Gateway takes a greedy variable only
    as a path's last segment, and variables only as whole segments.
    """
    from app.openapi import openapi_path

    resources: dict[str, tuple[str, dict[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        greedy = {name for name, converter in rule._converters.items() if not converter.part_isolating}
        path = openapi_path(rule)
        segments = [segment for segment in path.split("/") if segment]
        renamed: dict[str, str] = {}
        for position, segment in enumerate(segments):
            found = VARIABLE.findall(segment)
            if found and segment != "{" + found[0] + "}":
                raise ExportError(f"{rule.rule}: API Gateway takes a path variable only as a whole segment")
            if found and found[0] in greedy:
                if position != len(segments) - 1:
                    raise ExportError(f"{rule.rule}: API Gateway takes a greedy path variable only as the last segment")
                segments[position] = GREEDY
                renamed[found[0]] = GREEDY_PARAMETER
        resources[path] = ("/" + "/".join(segments), renamed)
    return resources


def _gateway_paths(spec: Mapping[str, Any], resources: Mapping[str, tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """The description's paths as API Gateway resources; routes that become one resource are merged."""
    paths: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        resource, renamed = resources[path]
        merged = paths.setdefault(resource, {})
        for key, value in copy.deepcopy(item).items():
            if key == "parameters":
                known = {(parameter["name"], parameter["in"]) for parameter in merged.get("parameters", [])}
                for parameter in _renamed(value, renamed):
                    if (parameter["name"], parameter["in"]) not in known:
                        merged.setdefault("parameters", []).append(parameter)
            elif key in merged and key in HTTP_METHODS:
                raise ExportError(f"{resource}: two routes answer {key.upper()} on this one API Gateway resource")
            elif key in HTTP_METHODS and "parameters" in value:
                merged[key] = {**value, "parameters": _renamed(value["parameters"], renamed)}
            else:
                merged[key] = value
    return paths


def _renamed(parameters: Iterable[dict[str, Any]], renamed: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {**parameter, "name": renamed[parameter["name"]]}
        if parameter.get("in") == "path" and parameter.get("name") in renamed
        else parameter
        for parameter in parameters
    ]


def _complete_tree(paths: dict[str, dict[str, Any]]) -> None:
    """Add the resources API Gateway needs so that every request path matches one with an ANY method.

    API Gateway routes a request to the most specific resource and answers 403 by itself when that one lacks the
    method, so each ancestor of a documented path is listed (with its ANY method, added later), and each resource
    with no path variable below it gets a ``{proxy+}`` child: a request below a documented path then reaches the
    app, whether or not API Gateway would fall back to ``/{proxy+}``. A parent takes one variable child at most.
    """
    for path in list(paths):
        segments = [segment for segment in path.split("/") if segment]
        for length in range(len(segments)):
            paths.setdefault("/" + "/".join(segments[:length]), {})
    variables: dict[str, str] = {}
    for path in sorted(paths):
        if path == "/":
            continue
        parent, _, last = path.rpartition("/")
        if last.startswith("{"):
            if (parent or "/") in variables:
                raise ExportError(
                    f"{path} and {variables[parent or '/']}: API Gateway takes one path variable below {parent or '/'}"
                )
            variables[parent or "/"] = path
    for path in list(paths):
        if not path.endswith(GREEDY) and path not in variables:
            paths[path.rstrip("/") + "/" + GREEDY] = {}
    for path, item in paths.items():
        declared = {parameter["name"] for parameter in item.get("parameters", []) if parameter.get("in") == "path"}
        for name in VARIABLE.findall(path):
            name = name.rstrip("+")
            if name not in declared:
                parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                item.setdefault("parameters", []).append(parameter)


def _validator(spec: Mapping[str, Any], operation: Mapping[str, Any], path_parameters: list[Any]) -> str | None:
    body = _resolved(spec, operation.get("requestBody") or {})
    if any(_is_json(media_type) and media.get("schema") for media_type, media in body.get("content", {}).items()):
        return BODY_AND_PARAMETERS
    parameters = [_resolved(spec, parameter) for parameter in [*path_parameters, *operation.get("parameters", [])]]
    if any(parameter.get("in") in ("query", "header") and parameter.get("required") for parameter in parameters):
        return PARAMETERS_ONLY
    return None


def _is_json(media_type: str) -> bool:
    essence = media_type.split(";")[0].strip().lower()
    return essence == "application/json" or (essence.startswith("application/") and essence.endswith("+json"))


def _resolved(spec: Mapping[str, Any], value: Mapping[str, Any]) -> Mapping[str, Any]:
    """A ``$ref`` to the description's own components, followed."""
    reference = value.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/"):
        return value
    found: Any = spec
    for key in reference[2:].split("/"):
        found = found.get(key, {}) if isinstance(found, Mapping) else {}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", help="the stage of zappa_settings.json: dev or prod")
    parser.add_argument("--output", type=Path, help="the file to write (default: standard output)")
    parser.add_argument("--account-id", help="the AWS account of the stage's function (default: ask STS)")
    args = parser.parse_args(argv)
    if missing := no_such_stage(args.stage):
        print(missing, file=sys.stderr)
        return 2
    from botocore.exceptions import BotoCoreError, ClientError

    from app import create_app

    try:
        to = target(args.stage, args.account_id)
        text = dumps(gateway_description(create_app({"STAGE": args.stage}), to))
    except ExportError as error:
        print(error, file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"{args.stage}: could not ask STS for the account id ({error}); give --account-id", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.write_text(text)
    print(f"{args.output}: the API of {to.function_name} in {to.region}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
