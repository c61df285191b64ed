"""The Lambda package as `make package` builds it from .venv-package, run as Lambda runs it."""

import ast
import importlib.util
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import build_package
from tests.support.events import answer_of, load_event
from tests.support.lambda_package import LAMBDA_RUNTIME, run_in_lambda_layout
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
    ".venv",
    ".venv-package",
    ".venv-uv",
    "deploy",
    "local_gateway",
)


@dataclass(frozen=True)
class Package:
    stage: str
    zip_path: Path
    names: tuple[str, ...]

    @property
    def top_level(self) -> set[str]:
        return {name.split("/", 1)[0] for name in self.names}

    @property
    def unzipped_bytes(self) -> int:
        with zipfile.ZipFile(self.zip_path) as archive:
            return sum(info.file_size for info in archive.infolist())

    def read(self, name: str) -> str:
        with zipfile.ZipFile(self.zip_path) as archive:
            return archive.read(name).decode()


@pytest.fixture(scope="module", params=STAGES)
def package(request, tmp_path_factory) -> Package:
    stage = request.param
    work = tmp_path_factory.mktemp(f"package-{stage}")
    zip_path = work / f"loopback-{stage}.zip"
    build_package(stage, zip_path, cwd=PROJECT_ROOT, home=work)
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        names = tuple(archive.namelist())
    return Package(stage, zip_path, names)


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


def event_for_stage(name: str, stage: str) -> dict[str, Any]:
    """A stored event as the stage's API would send it: the stage in requestContext and in the path."""
    event = load_event(name)
    context = event["requestContext"]
    old = context["stage"]
    context["stage"] = stage
    for holder, key in ((context, "path"), (event, "rawPath"), (context.get("http", {}), "path")):
        if key in holder and holder[key].startswith(f"/{old}/"):
            holder[key] = f"/{stage}/" + holder[key][len(old) + 2 :]
    return event


# One cold start, then warm invocations in the same interpreter, as one Lambda instance serves them.
PACKAGED_EVENTS = ("rest_v1__post_json_root", "rest_v1__prod_secrets", "http_v2__dev_stage")


@pytest.fixture(scope="module")
def packaged_run(package, tmp_path_factory) -> dict[str, Any]:
    """Unzip the package into an empty folder and call its handler with PACKAGED_EVENTS, made for
    the package's stage, in a fresh interpreter laid out as Lambda's."""
    events = {name: event_for_stage(name, package.stage) for name in PACKAGED_EVENTS}
    root = tmp_path_factory.mktemp(f"lambda-{package.stage}")
    run = run_in_lambda_layout(package.zip_path, package.stage, list(events.values()), root)
    return {**run, "events": events, "invocations": dict(zip(PACKAGED_EVENTS, run["responses"], strict=True))}


def test_packaged_handler_imports_only_the_package_the_runtime_and_the_stdlib(packaged_run):
    run = packaged_run
    assert run["sys_path"][:2] == [run["task_root"], run["runtime_dir"]]
    assert not [entry for entry in run["sys_path"] if "site-packages" in entry]
    for module in ("handler", "zappa_settings", "app", "flask", "werkzeug", "zappa"):
        assert run["module_files"][module].startswith(run["task_root"] + "/"), module
    assert run["module_files"]["boto3"].startswith(run["runtime_dir"] + "/")
    stdlib = Path(json.__file__).parent.parent
    strays = {
        name: path
        for name, path in run["module_files"].items()
        if not path.startswith((run["task_root"] + "/", run["runtime_dir"] + "/", str(stdlib) + "/"))
        and path != str(LAMBDA_RUNTIME)
    }
    assert not strays


@pytest.mark.parametrize("name", ["rest_v1__prod_secrets", "http_v2__dev_stage"])
def test_packaged_handler_answers_the_loopback(package, packaged_run, name):
    configured = stage_settings(package.stage)
    event = packaged_run["events"][name]
    invocation = packaged_run["invocations"][name]
    response = invocation["response"]
    assert response["statusCode"] == 200
    headers = {key.lower(): value for key, value in response["headers"].items()}
    assert headers["x-loopback-stage"] == package.stage
    answer = answer_of(response)

    assert answer["event"]["body-json"] == json.loads(event["body"])
    assert answer["event"]["params"]["path"] == event["pathParameters"]
    assert answer["event"]["stage-variables"] == (event.get("stageVariables") or {})
    assert answer["event"]["context"]["stage"] == package.stage
    assert answer["event"]["context"]["request-id"] == event["requestContext"]["requestId"]
    assert answer["extras"]["app-stage"] == package.stage
    assert answer["context"]["functionName"] == configured.lambda_name
    assert answer["context"]["memoryLimitInMB"] == str(configured.memory_size)
    assert answer["context"]["awsRequestId"] == invocation["request_id"]
    assert 0 < answer["context"]["remainingTimeInMillis"] <= configured.timeout_seconds * 1000


def test_packaged_handler_masks_secrets_in_prod_only(package, packaged_run):
    event = packaged_run["events"]["rest_v1__prod_secrets"]
    invocation = packaged_run["invocations"]["rest_v1__prod_secrets"]
    header = answer_of(invocation["response"])["event"]["params"]["header"]
    sent = event["headers"]["Authorization"]
    assert header["Authorization"] == ("****" if package.stage == "prod" else sent)
