"""Deploy notices in Slack: ``python -m deploy.notify EVENT --stage S [--detail TEXT]`` (`make notify`).

`make deploy` posts each deploy's outcome itself (deploy/release.py); CI posts its own failures (``ci-failed``).
The notice goes to the Slack incoming webhook whose URL is in ``SLACK_WEBHOOK_URL`` (kept in CI's secret settings:
whoever has the URL can post to the channel). With none set nothing is posted; a post that fails is logged and
never fails the deploy, nor this command. slack_sdk is in the ``deploy`` dependency group: never in the Lambda package.
"""

import argparse
import getpass
import logging
import os
import subprocess
import sys
from dataclasses import dataclass

from slack_sdk.webhook import WebhookClient

logger = logging.getLogger("deploy.notify")

WEBHOOK_VARIABLE = "SLACK_WEBHOOK_URL"
PROJECT = "loopback"
# Each event's emoji and what it says happened to the stage.
EVENTS = {
    "deployed": ("white_check_mark", "deployed"),
    "deploy-failed": ("x", "deploy failed"),
    "rolled-back": ("rewind", "deploy rolled back"),
    "ci-failed": ("x", "CI failed"),
}
TIMEOUT_SECONDS = 10.0
# Block Kit: a section's field text holds at most 2,000 characters, a context element's 3,000.
FIELD_LIMIT = 2000


@dataclass(frozen=True)
class Notice:
    """What a notice says; an empty field is left out."""

    event: str
    stage: str
    url: str = ""
    version: str = ""
    commit: str = ""
    trigger: str = ""
    smoke: str = ""
    detail: str = ""


def payload(notice: Notice) -> dict:
    """The message: Block Kit sections, and the same as plain text for notifications and old clients."""
    emoji, happened = EVENTS[notice.event]
    title = (
        f":{emoji}: *{PROJECT} {notice.stage}*: {happened}" if notice.stage else f":{emoji}: *{PROJECT}*: {happened}"
    )
    fields = {
        "URL": notice.url,
        "Version": notice.version,
        "Commit": notice.commit,
        "Triggered by": notice.trigger,
        "Smoke test": notice.smoke,
    }
    # Each field's text is its name in bold, a line break and the value: the value gets what the limit leaves.
    shown = {name: _shown(value, FIELD_LIMIT - len(name) - 3) for name, value in fields.items() if value}
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": title}}]
    if shown:
        blocks.append(
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{n}*\n{v}"} for n, v in shown.items()]}
        )
    if notice.detail:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _shown(notice.detail)}]})
    lines = [title, *(f"{name}: {value}" for name, value in shown.items())]
    if notice.detail:
        lines.append(_shown(notice.detail))
    return {"text": "\n".join(lines), "blocks": blocks}


def _shown(value: str, limit: int = FIELD_LIMIT) -> str:
    """Text as Slack shows it literally: its three control characters escaped, cut to ``limit`` characters."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


def post(notice: Notice, webhook_url: str | None = None, timeout: float = TIMEOUT_SECONDS) -> bool:
    """Post ``notice`` to the webhook (default: ``SLACK_WEBHOOK_URL``); True once Slack took it. Never raises."""
    url = os.environ.get(WEBHOOK_VARIABLE, "") if webhook_url is None else webhook_url
    if not url:
        logger.info("Slack: %s is not set; no notice posted", WEBHOOK_VARIABLE)
        return False
    try:
        response = WebhookClient(url, timeout=int(max(timeout, 1))).send_dict(payload(notice))
    except Exception as error:  # a notice is never worth failing a deploy
        # The URL is the channel's credential: never in a log line.
        reason = str(error).replace(url, f"${WEBHOOK_VARIABLE}") or type(error).__name__
        logger.warning("Slack: the %s notice was not posted: %s", notice.event, reason)
        return False
    if response.status_code != 200:
        logger.warning("Slack: the %s notice was refused: %s %s", notice.event, response.status_code, response.body)
        return False
    logger.info("Slack: the %s notice was posted", notice.event)
    return True


def commit() -> str:
    """The commit being deployed: the CI's, else the checkout's."""
    sha = os.environ.get("GITHUB_SHA") or os.environ.get("TRAVIS_COMMIT")
    if not sha:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a checkout has it
            capture_output=True,
            text=True,
            check=False,
        )
        sha = found.stdout.strip() if found.returncode == 0 else ""
    return sha[:12]


def trigger() -> str:
    """Who or what started this: the CI run (its event, branch and page), else the user at this machine."""
    env = os.environ
    if env.get("GITHUB_ACTIONS") == "true":
        run = f"{env.get('GITHUB_SERVER_URL')}/{env.get('GITHUB_REPOSITORY')}/actions/runs/{env.get('GITHUB_RUN_ID')}"
        return f"{env.get('GITHUB_ACTOR')}: {env.get('GITHUB_EVENT_NAME')} on {env.get('GITHUB_REF_NAME')}, {run}"
    if env.get("TRAVIS") == "true":
        build = f"Travis CI build {env.get('TRAVIS_BUILD_NUMBER')}"
        return (
            f"{build}: {env.get('TRAVIS_EVENT_TYPE')} on {env.get('TRAVIS_BRANCH')}, {env.get('TRAVIS_BUILD_WEB_URL')}"
        )
    return f"{getpass.getuser()}, by hand"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.notify", description=__doc__.splitlines()[0])
    parser.add_argument("event", choices=sorted(EVENTS))
    parser.add_argument("--stage", default="", help="the stage it is about, if any")
    parser.add_argument("--detail", default="", help="a line to add: what failed, where to look")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    post(Notice(args.event, args.stage, commit=commit(), trigger=trigger(), detail=args.detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
