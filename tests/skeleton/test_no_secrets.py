"""No secret in the repository: detect-secrets (its default plugins) over every tracked file finds only what
.secrets.baseline lists, and every file listed there is explained below.

A new finding fails this test. If it is no secret (a documented example, a test's fake), add it to the baseline
with ``detect-secrets scan $(git ls-files) > .secrets.baseline`` and explain its file here; if it is one, remove
it, and rotate it: it is in the history already.
"""

import json
import subprocess
from pathlib import Path

import pytest
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import default_settings

from tests.support import PROJECT_ROOT

BASELINE = PROJECT_ROOT / ".secrets.baseline"
EXPLAINED = {
    "tests/events/function_url__post_text.json": "a request id of Lambda's published example event",
    "tests/events/http_v2__iam_authorizer.json": "AWS's documented example access key id, ASIA...EXAMPLE",
    "tests/events/rest_v1__cognito_iam.json": "AWS's documented example access key id; example signature values",
    "tests/events/rest_v1__prod_secrets.json": "a made-up Authorization value the prod masking test sends",
    "tests/events/sam-cli__AwsProxy.rendered.json": "the SAM CLI's generated example event, its example ids",
    "tests/runtime/aws_events.py": "ids from AWS's documented S3, SNS and SQS example events",
}


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no tracked files to scan")
    return [name for name in listed.stdout.split() if name != BASELINE.name and (PROJECT_ROOT / name).is_file()]


def test_no_secret_beyond_the_explained_baseline(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)  # detect-secrets names files as given: relative to the project
    baseline = SecretsCollection.load_from_baseline(json.loads(BASELINE.read_text()))
    found = SecretsCollection()
    with default_settings():
        found.scan_files(*tracked_files())
    new = [f"{name}:{secret.line_number} {secret.type}" for name, secret in found - baseline]
    assert not new, "detect-secrets finds what .secrets.baseline does not list:\n" + "\n".join(new)


def test_every_baseline_entry_is_explained():
    listed = json.loads(BASELINE.read_text())["results"]
    assert set(listed) <= set(EXPLAINED), set(listed) - set(EXPLAINED)
    assert all(Path(name).parts[0] == "tests" for name in listed), "only tests may hold look-alike secrets"
