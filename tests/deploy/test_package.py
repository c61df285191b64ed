"""The Lambda package as `make package` builds it from .venv-package, run as Lambda runs it."""

import ast
import importlib.metadata
import importlib.util
import json
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from deploy.package_requirements import LOCK_FILE, package_closure
from local_gateway.events import HTTP_API, REST, Api, HttpRequest, proxy_event
from tests.support.cold_start import COLD_START_RUNTIME, ColdStart, run_in_lambda_layout
from tests.support.events import answer_of
from tests.support.lambda_package import Package, built_package
from tests.support.stage_settings import STAGES, stage_settings

pytestmark = pytest.mark.slow

TARGET_ZIPPED_BYTES = 5 * 1024 * 1024
# Build, test and deploy tools: none of them may be in the package.
LEFT_OUT = (
    "tests",
    "pytest",
    "_pytest",
    "moto",
    "boto3",
    "botocore",
    "s3transfer",
    "pip",
    "setuptools",
    "troposphere",
    "ruff",
    "awslambdaric",
    "slack_sdk",  # the deploy's Slack notices (the `deploy` group)
    ".venv",
    ".venv-package",
    ".venv-uv",
    "deploy",
    "local_gateway",
    ".hypothesis",
)


@pytest.fixture(scope="module", params=STAGES)
def package(request, tmp_path_factory) -> Package:
    return built_package(request.param, tmp_path_factory.mktemp(f"package-{request.param}"))


def test_package_is_small(package):
    size = package.zip_path.stat().st_size
    print(f"{package.stage}: {size} bytes zipped, {package.unzipped_bytes} bytes unzipped")
    assert size <= TARGET_ZIPPED_BYTES


def test_package_holds_handler_settings_app_and_flask(package):
    for name in ("handler.py", "zappa_settings.py", "app/__init__.py", "app/wsgi.py", "flask/__init__.py"):
        assert name in package.names
    assert "zappa/handler.py" in package.names


def test_package_leaves_out_tests_and_build_tools(package):
    assert package.top_level.isdisjoint(LEFT_OUT), package.top_level & set(LEFT_OUT)
    assert not [name for name in package.names if "/tests/" in f"/{name}" or name.endswith(".zip")]
    # Zappa's own deploy-time modules (exclude_glob): the handler never imports them.
    assert not {"zappa/cli.py", "zappa/core.py", "zappa/letsencrypt.py"} & set(package.names)
    # make run's server, and what the secret scanner may find in the repository.
    assert not {"app/dev_server.py", ".secrets.baseline"} & set(package.names)


# The dependencies that serve only the API's description and Swagger UI (app/openapi.py).
DOCS_DEPENDENCIES = ("apispec", "pyyaml", "flask-swagger-ui")


def docs_only_modules() -> set[str]:
    """The top-level modules the package carries only for the docs: what it would not carry without them."""
    lock = tomllib.loads(LOCK_FILE.read_text())
    carried, _ = package_closure(lock)
    packages = []
    for package in lock["package"]:
        if "virtual" in package.get("source", {}):  # the project: without the docs' dependencies
            needs = [need for need in package["dependencies"] if need["name"] not in DOCS_DEPENDENCIES]
            package = {**package, "dependencies": needs}
        packages.append(package)
    without_docs, _ = package_closure({**lock, "package": packages})
    only = carried - without_docs
    assert set(DOCS_DEPENDENCIES) <= only, only
    modules = set()
    for name in only:
        for file in importlib.metadata.distribution(name).files or ():
            if not file.parts[0].endswith(".dist-info"):
                modules.add(file.parts[0].removesuffix(".py"))
    return modules


def test_package_carries_the_docs_libraries_only_for_a_stage_that_serves_docs(package):
    variables = stage_settings(package.stage).aws_environment_variables or {}
    serves_docs = json.loads(variables.get("LOOPBACK_API_DOCS", "true"))
    docs_only = docs_only_modules()
    carried = docs_only & package.top_level
    assert carried == (docs_only if serves_docs else set()), (package.stage, carried)


def test_package_keeps_sources_with_bytecode_valid_in_the_zip(package):
    """Every source has bytecode beside it that the import system accepts from an unzipped package:
    for this Python, and checked against a hash of the source, since zip entries keep no file times."""
    sources = [name for name in package.names if name.endswith(".py")]
    assert len(sources) > 100
    with zipfile.ZipFile(package.zip_path) as archive:
        for source in sources:
            pyc = archive.read(importlib.util.cache_from_source(source))
            flags = int.from_bytes(pyc[4:8], "little")
            assert pyc[:4] == importlib.util.MAGIC_NUMBER, source
            assert flags == 0b11, f"{source}: not hash-based and checked (flags {flags:#b})"
            assert pyc[8:16] == importlib.util.source_hash(archive.read(source)), source


def test_generated_settings_name_the_stage(package):
    settings = {}
    for node in ast.parse(package.read("zappa_settings.py")).body:
        settings[node.targets[0].id] = ast.literal_eval(node.value)
    configured = stage_settings(package.stage)
    assert settings["API_STAGE"] == package.stage
    assert settings["PROJECT_NAME"] == configured.project_name
    assert (settings["APP_MODULE"], settings["APP_FUNCTION"]) == tuple(configured.app_function.rsplit(".", 1))
    assert settings["LOG_LEVEL"] == configured.stage_config["log_level"]
    assert settings["DEBUG"] is False


def health_events(stage: str) -> list[dict[str, Any]]:
    """GET /health as the stage's REST API and HTTP API send it."""
    request = HttpRequest("GET", f"/{stage}/health", [("Host", "example.com")])
    return [proxy_event(request, Api(stage, REST)), proxy_event(request, Api(stage, HTTP_API))]


@pytest.fixture(scope="module")
def packaged_run(package, tmp_path_factory) -> ColdStart:
    """The package unzipped into an empty folder, its handler called with GET /health in a fresh
    interpreter laid out as Lambda's: one cold start, then a warm call."""
    root = tmp_path_factory.mktemp(f"lambda-{package.stage}")
    return run_in_lambda_layout(package.zip_path, package.stage, health_events(package.stage), root)


def test_packaged_handler_imports_only_the_package_the_runtime_and_the_stdlib(packaged_run):
    run = packaged_run
    task_root, runtime_dir = str(run.layout.task_root), str(run.layout.runtime_dir)
    assert run.sys_path[:2] == [task_root, runtime_dir]
    assert not [entry for entry in run.sys_path if "site-packages" in entry]
    for module in ("lambda_entry", "zappa.handler", "zappa_settings", "app", "flask", "werkzeug"):
        assert run.module_files[module].startswith(task_root + "/"), module
    # lambda_entry.py defers them: a web request loads neither, and its stand-ins left sys.modules when init
    # ended (tests/runtime/test_entry_guard.py loads boto3 from the runtime folder with an event that uses it).
    assert not run.loaded("boto3") and not run.loaded("botocore"), run.module_files
    assert run.stand_ins == []
    stdlib = Path(json.__file__).parent.parent
    strays = {
        name: path
        for name, path in run.module_files.items()
        if not path.startswith((task_root + "/", runtime_dir + "/", str(stdlib) + "/"))
        and path != str(COLD_START_RUNTIME)
    }
    assert not strays, strays


def test_packaged_handler_answers_health_on_each_kind_of_api(package, packaged_run):
    for response in packaged_run.results:
        assert response["statusCode"] == 200, response
        assert answer_of(response) == {"status": "ok", "stage": package.stage}
