"""zappa_settings.json as Zappa's own loader reads it, and .travis.yml against Travis CI's schema."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from deploy.domain import domain_problem
from tests.support import PROJECT_ROOT, PYTHON_VERSION
from tests.support.stage_settings import SETTINGS_FILE, STAGES, stage_settings

TRAVIS_FILE = PROJECT_ROOT / ".travis.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
# Never in the package: the project's own tooling (zappa_settings.json's "exclude"). Third-party
# packages need no entry: .venv-package holds only what the package carries.
PROJECT_TOOLING = {"tests", "local_gateway", "bench", "deploy", ".venv*", "uv.lock", "pyproject.toml"}
LOG_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_SHAPES = (
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # access key ids
    re.compile(r"\b\d{12}\b"),  # account ids
    re.compile(r"(?i)secret|password|token"),
)
REGION_SHAPE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


@pytest.mark.parametrize("stage", STAGES)
def test_zappa_loads_each_stage(stage):
    cli = stage_settings(stage)
    assert cli.api_stage == stage
    assert cli.lambda_name == f"{cli.project_name}-{stage}"
    assert cli.app_function == "app.wsgi.app"
    assert REGION_SHAPE.match(cli.aws_region), cli.aws_region
    assert cli.runtime == f"python{PYTHON_VERSION}"
    # The entry that loads Zappa's handler without boto3; "wsgi" spares the ASGI probe on the first request.
    assert cli.lambda_handler == "lambda_entry.lambda_handler"
    assert cli.app_type == "wsgi"
    # API Gateway stops waiting after 29 s; Lambda's own limit is 900 s.
    assert 1 <= cli.timeout_seconds <= 900
    assert cli.stage_config["log_level"] in LOG_LEVELS
    assert cli.stage_config["debug"] is False
    assert cli.aws_environment_variables["LOOPBACK_STAGE"] == stage
    assert set(cli.stage_config["exclude"]) >= PROJECT_TOOLING


def test_stages_differ_where_they_should():
    dev, prod = stage_settings("dev"), stage_settings("prod")
    assert json.loads(SETTINGS_FILE.read_text())["prod"]["extends"] == "dev"
    assert dev.s3_bucket_name != prod.s3_bucket_name
    assert dev.stage_config["keep_warm"] is False
    assert prod.stage_config["keep_warm"] is True
    assert prod.memory_size >= dev.memory_size
    assert prod.stage_config["exclude"] == dev.stage_config["exclude"]
    # prod masks the secrets a caller sends; dev echoes everything.
    assert prod.aws_environment_variables.get("LOOPBACK_MASK_SENSITIVE_HEADERS") == "true"
    assert dev.aws_environment_variables.get("LOOPBACK_MASK_SENSITIVE_HEADERS", "false") == "false"


@pytest.mark.parametrize("stage", STAGES)
def test_each_stages_custom_domain_is_one_certify_can_use(stage):
    """None, or a domain with an ACM certificate in us-east-1 (placeholders or a user's own: deploy/domain.py)."""
    assert domain_problem(stage, stage_settings(stage).stage_config) is None


def test_settings_hold_no_account_ids_keys_or_secrets():
    text = SETTINGS_FILE.read_text()
    for shape in SECRET_SHAPES:
        assert not shape.search(text), shape.pattern


def load_travis(path: Path = TRAVIS_FILE) -> dict:
    """YAML 1.2, as Travis reads it: ``on:`` is a key, not the boolean PyYAML makes of it."""
    return YAML(typ="safe").load(path.read_text())


def check_travis(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.travis", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_travis_file_matches_travis_schema():
    result = check_travis(TRAVIS_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_travis_schema_check_rejects_a_broken_deploy(tmp_path):
    travis = load_travis()
    del travis["deploy"][0]["script"]
    broken = tmp_path / ".travis.yml"
    YAML(typ="safe").dump(travis, broken)
    assert check_travis(broken).returncode != 0


def test_travis_tests_then_deploys_dev_and_prod():
    travis = load_travis()
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert str(travis["python"]) == PYTHON_VERSION
    [test_command] = travis["script"]
    assert test_command in readme
    deploys = {deploy["on"]["branch"]: deploy["script"] for deploy in travis["deploy"]}
    assert deploys == {"develop": "make deploy STAGE=dev", "main": "make deploy STAGE=prod"}


def test_travis_has_no_plain_aws_credentials():
    travis = load_travis()
    variables = travis.get("env", {}).get("global", [])
    plain = [entry for entry in variables if isinstance(entry, str)]
    assert not [entry for entry in plain if entry.split("=", 1)[0] in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")]
    assert all(set(entry) == {"secure"} for entry in variables if isinstance(entry, dict))
