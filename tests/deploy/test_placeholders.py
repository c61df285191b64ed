"""`make deploy STAGE=S` stops, before it builds anything, while S's settings still hold a placeholder;
only S's: a team can deploy dev before it names prod's bucket."""

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.placeholders import PLACEHOLDER, placeholders
from tests.support.checkout import copy_project
from tests.support.make import make_environment
from tests.support.stage_settings import STAGES, change_stages


def test_placeholders_are_found_at_any_depth():
    settings = {"s3_bucket": f"{PLACEHOLDER}-x", "a": {"b": [1, "ok", f"{PLACEHOLDER}"]}, "c": "fine"}
    assert list(placeholders(settings)) == ["s3_bucket", "a.b[2]"]
    assert list(placeholders({"s3_bucket": "my-team-deploys"})) == []


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A user's checkout of the project: its files, no virtualenvs, no build output."""
    return copy_project(tmp_path / "loopback")


def with_buckets(checkout: Path, buckets: dict[str, str]) -> None:
    change_stages(checkout / "zappa_settings.json", {stage: {"s3_bucket": bucket} for stage, bucket in buckets.items()})


def make_deploy(checkout: Path, stage: str) -> subprocess.CompletedProcess:
    """`make deploy` in the checkout, with this run's virtualenv and uv; AWS is never reached: the check comes first."""
    command = ["make", "--no-print-directory", "deploy", f"STAGE={stage}"]
    return subprocess.run(command, cwd=checkout, env=make_environment(), capture_output=True, text=True, timeout=300)


def test_deploy_stops_before_building_while_the_stages_bucket_is_a_placeholder(checkout):
    with_buckets(checkout, {stage: f"{PLACEHOLDER}-{stage}" for stage in STAGES})
    result = make_deploy(checkout, STAGES[0])
    assert result.returncode != 0
    assert f"set {STAGES[0]}'s s3_bucket to a name you own" in result.stderr
    assert not (checkout / "dist").exists()


def test_only_the_deployed_stages_placeholders_count(checkout):
    first, *others = STAGES
    with_buckets(checkout, {first: "my-team-deploys-first", **{stage: f"{PLACEHOLDER}-{stage}" for stage in others}})
    check = subprocess.run(
        [sys.executable, "-m", "deploy.placeholders", first], cwd=checkout, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    for stage in others:
        refused = subprocess.run(
            [sys.executable, "-m", "deploy.placeholders", stage], cwd=checkout, capture_output=True, text=True
        )
        assert refused.returncode == 1
        assert f"set {stage}'s s3_bucket" in refused.stderr


def test_an_unknown_stage_is_refused(checkout):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.placeholders", "staging"], cwd=checkout, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "no stage 'staging'" in result.stderr


@pytest.mark.slow
def test_a_checkout_whose_buckets_are_named_passes_the_settings_tests(checkout):
    with_buckets(checkout, {stage: f"my-team-deploys-{stage}" for stage in STAGES})
    tests = ["tests/deploy/test_deploy_config.py", "tests/skeleton/test_stages.py"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
