"""`make deploy STAGE=S` and `make certify STAGE=S` stop, before they build or call anything, while S's settings still
hold a placeholder; only S's: a team can deploy dev before it names prod's bucket. Nor may S's custom domain settings
be ones `make certify` cannot use (deploy/domain.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.domain import DOMAIN_SETTINGS, domain_problem
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


def make_deploy(checkout: Path, stage: str, target: str = "deploy") -> subprocess.CompletedProcess:
    """`make deploy` (or ``target``) in the checkout, with this run's virtualenv and uv; AWS is never reached: the
    check comes first."""
    command = ["make", "--no-print-directory", target, f"STAGE={stage}"]
    return subprocess.run(command, cwd=checkout, env=make_environment(), capture_output=True, text=True, timeout=300)


def check(checkout: Path, stage: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "deploy.placeholders", stage]
    return subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False)


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


# Custom domains: prod ships with placeholders for its domain and its certificate; dev has none.
DOMAIN_TO_FILL = "set prod's domain to a name you own, or remove domain, certificate_arn and route53_enabled"
CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0e6d4bd8-6c1e-4c55-9f7b-1d1e3a5b9c2f"
A_DOMAIN = {"domain": "api.team.example", "certificate_arn": CERTIFICATE, "route53_enabled": True}


def test_certify_stops_before_calling_zappa_while_prods_domain_is_a_placeholder(checkout):
    with_buckets(checkout, {stage: f"my-team-deploys-{stage}" for stage in STAGES})
    result = make_deploy(checkout, "prod", "certify")
    assert result.returncode != 0
    assert DOMAIN_TO_FILL in result.stderr
    assert "set prod's certificate_arn to your ACM certificate's ARN (in us-east-1)" in result.stderr
    assert "certify prod" not in result.stdout  # the line make echoes before it runs Zappa


def test_prod_filled_in_or_without_a_domain_passes(checkout):
    with_buckets(checkout, {stage: f"my-team-deploys-{stage}" for stage in STAGES})
    change_stages(checkout / "zappa_settings.json", {"prod": A_DOMAIN})
    filled = check(checkout, "prod")
    assert filled.returncode == 0, filled.stderr
    change_stages(checkout / "zappa_settings.json", {"prod": dict.fromkeys(DOMAIN_SETTINGS)})
    removed = check(checkout, "prod")
    assert removed.returncode == 0, removed.stderr


@pytest.mark.parametrize("refused", ["lets_encrypt_key", "certificate"])
def test_lets_encrypt_and_certificate_files_are_refused_in_one_line(checkout, refused):
    with_buckets(checkout, {stage: f"my-team-deploys-{stage}" for stage in STAGES})
    change_stages(checkout / "zappa_settings.json", {"prod": {**A_DOMAIN, refused: "s3://my-team-keys/account.key"}})
    result = check(checkout, "prod")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert f"prod sets {refused}:" in line
    assert "ACM certificate only (certificate_arn, in us-east-1)" in line


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"domain": "api.team.example"}, "sets domain without certificate_arn"),
        ({"certificate_arn": CERTIFICATE}, "sets certificate_arn without domain"),
        (
            {**A_DOMAIN, "certificate_arn": CERTIFICATE.replace("us-east-1", "ap-northeast-2")},
            "not an ACM certificate in us-east-1",
        ),
        ({**A_DOMAIN, "lets_encrypt_key": "account.key"}, "retired ACME v1"),
        ({**A_DOMAIN, "certificate_chain": "chain.pem"}, "from files is never renewed"),
    ],
)
def test_domain_settings_certify_cannot_use(settings, said):
    problem = domain_problem("prod", settings)
    assert problem is not None and said in problem


@pytest.mark.parametrize("settings", [A_DOMAIN, {}, dict.fromkeys(DOMAIN_SETTINGS), {**A_DOMAIN, "base_path": "v1"}])
def test_domain_settings_certify_can_use(settings):
    assert domain_problem("prod", settings) is None
