"""zappa_settings.json as Zappa's own loader reads it, and .travis.yml against Travis CI's schema."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import PROJECT_ROOT
from tests.stage_settings import SETTINGS_FILE, STAGES, stage_settings

TRAVIS_FILE = PROJECT_ROOT / ".travis.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
# Lambda's python3.11 runtime provides these; the package must not carry them.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
BUILD_ONLY = {"pip", "setuptools", "wheel", "troposphere", "cfn_flip", "placebo", "tqdm", "tests", ".venv*"}
LOG_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_SHAPES = (
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # access key ids
    re.compile(r"\b\d{12}\b"),  # account ids
    re.compile(r"(?i)secret|password|token"),
)


@pytest.mark.parametrize("stage", STAGES)
def test_zappa_loads_each_stage(stage):
    cli = stage_settings(stage)
    assert cli.api_stage == stage
    assert cli.lambda_name == f"loopback-{stage}"
    assert cli.app_function == "app.app"
    assert cli.aws_region == "ap-northeast-2"
    assert cli.runtime == "python3.11"
    assert cli.timeout_seconds == 30
    assert cli.stage_config["log_level"] in LOG_LEVELS
    assert cli.stage_config["debug"] is False
    assert cli.aws_environment_variables == {"LOOPBACK_STAGE": stage}
    excluded = set(cli.stage_config["exclude"])
    assert excluded >= RUNTIME_PROVIDED | BUILD_ONLY


def test_stages_differ_where_they_should():
    dev, prod = stage_settings("dev"), stage_settings("prod")
    assert json.loads(SETTINGS_FILE.read_text())["prod"]["extends"] == "dev"
    assert dev.s3_bucket_name != prod.s3_bucket_name
    assert dev.stage_config["keep_warm"] is False
    assert prod.stage_config["keep_warm"] is True
    assert prod.memory_size >= dev.memory_size
    assert prod.stage_config["exclude"] == dev.stage_config["exclude"]


def test_settings_hold_no_account_ids_keys_or_secrets():
    text = SETTINGS_FILE.read_text()
    for shape in SECRET_SHAPES:
        assert not shape.search(text), shape.pattern
    # The buckets are placeholders that `make deploy` refuses until a user names real ones.
    for stage in STAGES:
        assert "CHANGE-ME" in json.loads(text)[stage]["s3_bucket"]


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
    assert str(travis["python"]) == "3.11"
    [test_command] = travis["script"]
    assert test_command in readme
    deploys = {deploy["on"]["branch"]: deploy["script"] for deploy in travis["deploy"]}
    assert deploys == {"develop": "make deploy smoke STAGE=dev", "main": "make deploy smoke STAGE=prod"}


def test_travis_has_no_plain_aws_credentials():
    travis = load_travis()
    variables = travis.get("env", {}).get("global", [])
    plain = [entry for entry in variables if isinstance(entry, str)]
    assert not [entry for entry in plain if entry.split("=", 1)[0] in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")]
    assert all(set(entry) == {"secure"} for entry in variables if isinstance(entry, dict))
