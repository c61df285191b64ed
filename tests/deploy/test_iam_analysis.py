"""cloudsplaining over the deployer's policy and each stage's execution role policy, offline.

Every privilege-escalation, data-exfiltration, resource-exposure, credentials-exposure or service-wildcard finding
must be explained in deploy/iam-findings.yml, and every explanation there must still be found. The scan runs with
both of cloudsplaining's strict switches (flag_resource_arn_statements, flag_conditional_statements: the CLI's -aR),
so that a risky action is reported even where a statement narrows it to named resources or by a condition.
"""

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
import zappa

from deploy.permissions import load
from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import OFFLINE_GUARD, run_offline
from tests.support.stage_settings import STAGES

FINDINGS_FILE = PROJECT_ROOT / "deploy" / "iam-findings.yml"
DEPLOYER_POLICY = PROJECT_ROOT / "deploy" / "iam-policy.json"
ZAPPA_DEFAULT_POLICY = Path(zappa.__file__).parent / "policies" / "attach_policy.json"
CATEGORIES = ("PrivilegeEscalation", "DataExfiltration", "ResourceExposure", "CredentialsExposure", "ServiceWildcard")
# Run in a process of its own with the offline guard (tests/support/offline.py) installed before cloudsplaining
# and policy_sentry are imported: argv is the guard's folder, then the policy files. Prints
# {"datastore", "bundled", "findings": {file: {category: [finding, ...]}}}.
SCAN = """
import json, sys
sys.path.insert(0, sys.argv[1])
import offline
offline.install()
from cloudsplaining.command.scan_policy_file import scan_policy
from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG
from policy_sentry.shared import constants

findings = {}
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as policy:
        results = scan_policy(
            json.load(policy),
            DEFAULT_EXCLUSIONS_CONFIG,
            flag_conditional_statements=True,
            flag_resource_arn_statements=True,
        )
    findings[path] = {category: found["findings"] for category, found in results.items() if isinstance(found, dict)}
print(json.dumps({
    "datastore": str(constants.DATASTORE_FILE_PATH),
    "bundled": str(constants.BUNDLED_DATASTORE_FILE_PATH),
    "findings": findings,
}))
"""


def project_policies() -> list[Path]:
    """The deployer's policy and each stage's execution role policy (its attach_policy)."""
    return [DEPLOYER_POLICY, *sorted({load(stage).policy_file for stage in STAGES})]


def finding_names(findings: list[Any]) -> set[str]:
    """Escalation findings are ``{"type": method, "actions": [...]}``; the others are action names."""
    return {finding["type"] if isinstance(finding, dict) else finding for finding in findings}


@pytest.fixture(scope="module")
def escalating_policy(tmp_path_factory) -> Path:
    """A control: the deployer's policy plus the inline-policy write it used to have on the execution roles."""
    document = json.loads(DEPLOYER_POLICY.read_text())
    document["Statement"].append(
        {
            "Effect": "Allow",
            "Action": ["iam:PutRolePolicy"],
            "Resource": "arn:aws:iam::*:role/loopback-*-ZappaLambdaExecutionRole",
        }
    )
    path = tmp_path_factory.mktemp("control") / "escalating-policy.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="module")
def scan(tmp_path_factory, escalating_policy) -> dict[str, Any]:
    """cloudsplaining's findings for the project's policies and the controls, from a process kept offline and given
    an empty home (policy_sentry prefers an IAM database it finds in ~/.policy_sentry)."""
    work = tmp_path_factory.mktemp("scan")
    home = work / "home"
    home.mkdir()
    files = [*project_policies(), ZAPPA_DEFAULT_POLICY, escalating_policy]
    command = [sys.executable, "-c", SCAN, str(OFFLINE_GUARD.parent), *map(str, files)]
    result = run_offline(command, {"HOME": str(home), "LANG": "C.UTF-8"}, work / "off-machine.log", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    report["home"] = sorted(path.name for path in home.iterdir())
    return report


def test_the_analysis_ran_offline_on_the_iam_database_policy_sentry_ships(scan):
    # run_offline has already failed the fixture on any attempt to leave this machine.
    assert scan["datastore"] == scan["bundled"]
    assert Path(scan["bundled"]).is_relative_to(Path(sys.executable).parent.parent)
    assert scan["home"] == [], "the analysis wrote to its home"


def test_the_analysis_finds_what_it_should_in_the_controls(scan, escalating_policy):
    """The scan is not blind: Zappa's default role policy and a deployer that may write the role's policy."""
    default = scan["findings"][str(ZAPPA_DEFAULT_POLICY)]
    assert {"s3", "sqs", "dynamodb"} <= set(default["ServiceWildcard"])
    assert "s3:PutBucketPolicy" in default["ResourceExposure"]
    escalating = scan["findings"][str(escalating_policy)]
    assert "PutRolePolicy" in finding_names(escalating["PrivilegeEscalation"])


@pytest.mark.parametrize("policy", project_policies(), ids=lambda path: path.name)
def test_every_finding_is_explained_and_every_explanation_is_found(scan, policy):
    explained = yaml.safe_load(FINDINGS_FILE.read_text()).get(str(policy.relative_to(PROJECT_ROOT)), {})
    found = scan["findings"][str(policy)]
    assert set(explained) <= set(CATEGORIES), f"unknown categories: {set(explained) - set(CATEGORIES)}"
    for category in CATEGORIES:
        names, reasons = finding_names(found[category]), explained.get(category, {})
        assert not names - set(reasons), f"{policy.name}: {category} not explained in {FINDINGS_FILE.name}"
        assert not set(reasons) - names, f"{policy.name}: {category} explained but no longer found"


def test_each_explanation_gives_a_reason():
    for policy, categories in yaml.safe_load(FINDINGS_FILE.read_text()).items():
        assert (PROJECT_ROOT / policy).is_file(), policy
        for category, reasons in categories.items():
            for finding, reason in reasons.items():
                assert isinstance(reason, str) and len(reason.split()) >= 12, f"{policy} {category} {finding}"
