"""Deploy notices (deploy/notify.py) posted with slack_sdk to a real HTTP receiver on 127.0.0.1 standing in for
Slack's incoming webhook (tests/support/slack_receiver.py)."""

import logging
import os
import shlex
import subprocess
import sys
import time

import pytest

from deploy.notify import Notice, post
from tests.support.make import run_make
from tests.support.readme import blocks, section
from tests.support.slack_receiver import GITHUB_RUN, WEBHOOK_PATH, slack_receiver

README_SECTION = "### Smoke check, rollback and Slack"


def notify(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m deploy.notify ARGS`` with only the given CI variables (none of this machine's)."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith(("GITHUB_", "TRAVIS", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "deploy.notify", *args],
        env={**kept, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_notice_slack_receives_block_kit_with_the_same_as_text():
    notice = Notice(
        "deployed",
        "prod",
        url="https://api.example.com",
        version="7",
        commit="ffac537e6cbb",  # pragma: allowlist secret - a commit id, made up
        trigger="octocat: push on main",
        smoke="passed: GET /health ok",
        detail="a <b> & c",
    )
    with slack_receiver() as receiver:
        assert post(notice, receiver.url) is True
    [received] = receiver.posts
    assert received["path"] == WEBHOOK_PATH
    assert received["content_type"].startswith("application/json")
    assert received["payload"] == {
        "text": "\n".join(
            [
                ":white_check_mark: *loopback prod*: deployed",
                "URL: https://api.example.com",
                "Version: 7",
                "Commit: ffac537e6cbb",
                "Triggered by: octocat: push on main",
                "Smoke test: passed: GET /health ok",
                "a &lt;b&gt; &amp; c",
            ]
        ),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": ":white_check_mark: *loopback prod*: deployed"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*URL*\nhttps://api.example.com"},
                    {"type": "mrkdwn", "text": "*Version*\n7"},
                    {"type": "mrkdwn", "text": "*Commit*\nffac537e6cbb"},
                    {"type": "mrkdwn", "text": "*Triggered by*\noctocat: push on main"},
                    {"type": "mrkdwn", "text": "*Smoke test*\npassed: GET /health ok"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "a &lt;b&gt; &amp; c"}]},
        ],
    }


def test_a_long_smoke_failure_is_cut_to_what_a_block_holds():
    with slack_receiver() as receiver:
        assert post(Notice("rolled-back", "dev", smoke="x" * 5000), receiver.url)
    [payload] = receiver.payloads()
    [field] = payload["blocks"][1]["fields"]
    assert len(field["text"]) <= 2000 and field["text"].endswith("…")


def test_the_command_names_the_ci_run_and_its_commit():
    with slack_receiver() as receiver:
        result = notify(
            "rolled-back",
            "--stage",
            "dev",
            "--detail",
            "smoke failed",
            environment={"SLACK_WEBHOOK_URL": receiver.url, **GITHUB_RUN},
        )
    assert result.returncode == 0, result.stderr
    [payload] = receiver.payloads()
    fields = [field["text"] for field in payload["blocks"][1]["fields"]]
    assert fields == [
        "*Commit*\nffac537e6cbb",
        "*Triggered by*\noctocat: push on develop, https://github.com/octo-org/loopback/actions/runs/1658821493",
    ]
    assert payload["blocks"][0]["text"]["text"] == ":rewind: *loopback dev*: deploy rolled back"
    assert "posted" in result.stderr and receiver.url not in result.stdout + result.stderr


def test_without_a_webhook_url_nothing_is_posted_and_nothing_fails():
    result = notify("deployed", "--stage", "dev", environment=GITHUB_RUN)
    assert result.returncode == 0
    assert "SLACK_WEBHOOK_URL is not set" in result.stderr


@pytest.mark.parametrize(("status", "answer"), [(500, b"rollup_error"), (404, b"no_service")])
def test_a_refused_notice_is_logged_and_never_fails(status, answer, caplog):
    caplog.set_level(logging.INFO, logger="deploy.notify")
    with slack_receiver(status=status, answer=answer) as receiver:
        assert post(Notice("deploy-failed", "prod"), receiver.url) is False
        result = notify("deploy-failed", "--stage", "prod", environment={"SLACK_WEBHOOK_URL": receiver.url})
    assert len(receiver.posts) >= 2  # this process's and the command's: each reached the receiver
    assert f"refused: {status} {answer.decode()}" in caplog.text
    assert result.returncode == 0 and f"refused: {status}" in result.stderr
    assert receiver.url not in caplog.text + result.stdout + result.stderr


def test_a_receiver_that_never_answers_times_out_and_never_fails(caplog):
    caplog.set_level(logging.INFO, logger="deploy.notify")
    with slack_receiver(hang=True) as receiver:
        started = time.monotonic()
        assert post(Notice("deployed", "dev"), receiver.url, timeout=1) is False
        waited = time.monotonic() - started
    assert receiver.posts, "the request reached the receiver"
    assert waited < 10
    assert "not posted" in caplog.text and "timed out" in caplog.text
    assert receiver.url not in caplog.text


def test_an_address_nothing_listens_on_is_logged_and_never_fails(caplog):
    caplog.set_level(logging.INFO, logger="deploy.notify")
    with slack_receiver() as receiver:
        closed = receiver.url
    assert post(Notice("deployed", "dev"), closed, timeout=1) is False
    assert "not posted" in caplog.text and closed not in caplog.text


@pytest.mark.slow
def test_the_readmes_make_notify_posts_a_ci_failure(monkeypatch):
    [command] = [block.text.strip() for block in blocks(section(README_SECTION)) if "make notify" in block.text]
    make, *arguments = shlex.split(command)
    assert make == "make"
    with slack_receiver() as receiver:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.url)
        run_make(*arguments)
    [payload] = receiver.payloads()
    assert payload["blocks"][0]["text"]["text"] == ":x: *loopback*: CI failed"
    assert payload["blocks"][-1]["elements"][0]["text"] == "make test failed"


@pytest.mark.slow
def test_make_notify_posts_ci_failures_with_the_detail_as_given(monkeypatch):
    detail = 'tests failed: "$HOME" `id` & <none>'
    with slack_receiver() as receiver:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.url)
        run_make("notify", "EVENT=ci-failed", "STAGE=", f"DETAIL={detail}")
    [payload] = receiver.payloads()
    assert payload["blocks"][0]["text"]["text"] == ":x: *loopback*: CI failed"
    assert payload["blocks"][-1]["elements"][0]["text"] == 'tests failed: "$HOME" `id` &amp; &lt;none&gt;'
