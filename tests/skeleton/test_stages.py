"""The app's stage and its settings come from one source, zappa_settings.json, read by Zappa's own loader."""

import json
import os
import subprocess
import sys

import pytest

import app.stages
from app import create_app
from app.stages import LOCAL, UnknownStageError, local_function
from tests.support import PROJECT_ROOT
from tests.support.stage_settings import STAGES, stage_settings


@pytest.fixture
def no_stage_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("LOOPBACK_") or name.startswith("AWS_LAMBDA_"):
            monkeypatch.delenv(name)


def test_stage_defaults_to_local(no_stage_environment):
    config = create_app().config
    assert config["STAGE"] == LOCAL
    assert config["LAMBDA_FUNCTION"].name.endswith("-local")


@pytest.mark.parametrize("stage", STAGES)
def test_a_local_run_of_a_stage_reports_its_function_as_zappa_reads_it(no_stage_environment, monkeypatch, stage):
    monkeypatch.setenv("LOOPBACK_STAGE", stage)
    config = create_app().config
    zappa = stage_settings(stage)
    function = config["LAMBDA_FUNCTION"]
    assert config["STAGE"] == stage
    assert (function.name, function.region, function.memory_mb, function.timeout_seconds) == (
        zappa.lambda_name,
        zappa.aws_region,
        zappa.memory_size,
        zappa.timeout_seconds,
    )


def test_local_reports_the_first_stages_function_under_its_own_name(no_stage_environment):
    first = stage_settings(STAGES[0])
    function = create_app().config["LAMBDA_FUNCTION"]
    assert function.name == f"{first.project_name}-local"
    assert (function.region, function.memory_mb, function.timeout_seconds) == (
        first.aws_region,
        first.memory_size,
        first.timeout_seconds,
    )


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """A zappa_settings.json of the test's own, in place of the project's."""
    path = tmp_path / "zappa_settings.json"
    settings = {
        "alpha": {"project_name": "shop", "aws_region": "eu-west-1", "s3_bucket": "b", "memory_size": 2048},
        "beta": {
            "extends": "alpha",
            "timeout_seconds": 12,
            "aws_environment_variables": {"LOOPBACK_STAGE": "beta", "LOOPBACK_FEATURE_X": "true", "LOOPBACK_NAME": "b"},
        },
    }
    path.write_text(json.dumps(settings))
    monkeypatch.setattr(app.stages, "SETTINGS_FILE", path)
    return path


def test_a_stages_settings_follow_the_file(no_stage_environment, settings_file):
    config = create_app({"STAGE": "beta"}).config
    assert config["LAMBDA_FUNCTION"].name == "shop-beta"
    assert config["LAMBDA_FUNCTION"].region == "eu-west-1"
    assert config["LAMBDA_FUNCTION"].memory_mb == 2048  # from the stage it extends
    assert config["LAMBDA_FUNCTION"].timeout_seconds == 12
    # LOOPBACK_<KEY> variables become settings, JSON where they parse.
    assert config["FEATURE_X"] is True
    assert config["NAME"] == "b"
    assert "FEATURE_X" not in create_app({"STAGE": "alpha"}).config


def test_the_process_environment_overrides_the_file(no_stage_environment, settings_file, monkeypatch):
    monkeypatch.setenv("LOOPBACK_FEATURE_X", "false")
    assert create_app({"STAGE": "beta"}).config["FEATURE_X"] is False


def test_on_lambda_the_settings_come_from_the_environment_alone(no_stage_environment, monkeypatch, tmp_path):
    # zappa_settings.json is not in the Lambda package; Lambda sets the stage's variables itself.
    monkeypatch.setattr(app.stages, "SETTINGS_FILE", tmp_path / "absent.json")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "loopback-prod")
    monkeypatch.setenv("LOOPBACK_STAGE", "prod")
    monkeypatch.setenv("LOOPBACK_MASK_SENSITIVE_HEADERS", "true")
    config = create_app().config
    assert config["STAGE"] == "prod"
    assert config["MASK_SENSITIVE_HEADERS"] is True
    assert "LAMBDA_FUNCTION" not in config


def test_an_unknown_stage_stops_app_creation_naming_the_known_ones(no_stage_environment, settings_file):
    with pytest.raises(UnknownStageError) as raised:
        create_app({"STAGE": "staging"})
    assert str(raised.value) == "LOOPBACK_STAGE='staging' is not a stage of this app; known stages: alpha, beta, local"


def test_an_unknown_stage_stops_the_wsgi_module_with_one_line():
    environment = {**os.environ, "LOOPBACK_STAGE": "staging"}
    result = subprocess.run(
        [sys.executable, "-c", "import app.wsgi"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 1
    known = ", ".join(sorted({"local", *STAGES}))
    assert result.stderr == f"LOOPBACK_STAGE='staging' is not a stage of this app; known stages: {known}\n"


def test_local_function_of_each_stage_is_known():
    for stage in (LOCAL, *STAGES):
        assert local_function(stage).timeout_seconds > 0
