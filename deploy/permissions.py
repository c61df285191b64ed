"""The function's execution role, made once by an administrator, and a check of what a stage asks of the policies.

``python -m deploy.permissions create-role STAGE`` (with an administrator's credentials, once per stage): create
STAGE's execution role, trusted by the services Zappa hands it to (deploy/execution-role-trust.json), holding one
inline policy, ``zappa-permissions``: the file STAGE's ``attach_policy`` names. The deployer (deploy/iam-policy.json)
may only read that role and pass it on: with ``manage_roles`` false Zappa never creates or changes it. Running it
again puts the file's current text on the role; it stops if the role holds any other policy.

``python -m deploy.permissions check STAGE`` (no AWS call): stop unless STAGE's settings keep ``manage_roles``
false, name an ``attach_policy`` file, name a role and a bucket the deployer's policy covers, and, for each setting
that needs more of the role (``remote_env``, ``slim_handler``, pull event sources, ...), the file has a statement
for it. Conditions are not evaluated: the check asks whether some statement names the action on the resource.

``python -m deploy.permissions create-deploy-role STAGE --repository OWNER/NAME`` (with an administrator's
credentials, once per stage): the role GitHub Actions deploys STAGE with, no key needed. It creates the account's
OIDC identity provider for GitHub (token.actions.githubusercontent.com, audience sts.amazonaws.com) unless there is
one, and the role ``<lambda name>-github-deploy`` trusting only the jobs of OWNER/NAME's GitHub environment named
STAGE (deploy/github-deploy-role-trust.json), holding the deployer's policy (deploy/iam-policy.json) inline. It
prints the role's ARN, for that environment's ``AWS_DEPLOY_ROLE_ARN`` variable. Running it again puts the files'
current text on the role; it stops if the role holds any other policy.
"""

import argparse
import contextlib
import json
import re
import string
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.stages import SETTINGS_FILE, stage_names, zappa_stage

DEPLOY = Path(__file__).resolve().parent
TRUST_POLICY = DEPLOY / "execution-role-trust.json"
DEPLOYER_POLICY = DEPLOY / "iam-policy.json"
# GitHub Actions' OIDC provider and the audience aws-actions/configure-aws-credentials asks its tokens for (GitHub
# Docs, "Configuring OpenID Connect in Amazon Web Services"). The trust file names the provider's host as well.
GITHUB_TRUST_POLICY = DEPLOY / "github-deploy-role-trust.json"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
DEPLOYER_INLINE_POLICY = "loopback-deployer"
# GitHub's owner and repository names: letters, digits, "-", and in a repository's also "." and "_". Checked, since
# the name goes into the trust policy's text.
REPOSITORY = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+")
# The inline policy's name: Zappa's own (zappa.core.Zappa.create_iam_roles), so that a stage switched to
# manage_roles true replaces this policy instead of adding its own beside it.
INLINE_POLICY = "zappa-permissions"
# Any account: the policies name none, and the check runs with no credentials.
SOME_ACCOUNT = "000000000000"
# Lambda's pull event sources and what the role needs to read them (Lambda Developer Guide, the
# AWSLambdaSQSQueueExecutionRole, AWSLambdaKinesisExecutionRole and AWSLambdaDynamoDBExecutionRole managed policies).
PULL_SOURCE_ACTIONS = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"),
}
DEAD_LETTER_ACTIONS = {"sns": "sns:Publish", "sqs": "sqs:SendMessage"}


@dataclass(frozen=True)
class Need:
    """An action on a resource that a setting makes the function (or the deployer) use."""

    setting: str
    action: str
    resource: str


@dataclass(frozen=True)
class StageRole:
    """A stage's execution role as its settings describe it."""

    stage: str
    name: str
    policy_file: Path | None  # attach_policy, resolved against the settings file's folder
    manage_roles: bool
    settings: Any  # Zappa's CLI object after its loader read the stage


def load(stage: str, settings_file: Path = SETTINGS_FILE) -> StageRole:
    """``stage``'s role as Zappa's loader reads zappa_settings.json (which opens attach_policy from the cwd)."""
    settings_file = Path(settings_file).resolve()
    with contextlib.chdir(settings_file.parent):
        cli = zappa_stage(stage, settings_file)
    arn = cli.zappa.credentials_arn  # role_arn, when set
    name = arn.rsplit("/", 1)[-1] if arn else cli.zappa.role_name
    attach = cli.stage_config.get("attach_policy")
    policy_file = settings_file.parent / attach if attach else None
    return StageRole(stage, name, policy_file, bool(cli.stage_config.get("manage_roles", True)), cli)


def read_policy(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's matching: ``*`` any run of characters, ``?`` one character, the rest literally."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def allows(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    """Some Allow statement names ``action`` (case-insensitive, as IAM) on ``resource``; conditions are ignored."""
    for statement in _as_list(policy["Statement"]):
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action", []))
        resources = _as_list(statement.get("Resource", []))
        if any(_wildcard(a, action, ignore_case=True) for a in actions) and any(
            _wildcard(r, resource) for r in resources
        ):
            return True
    return False


def _service(arn: str) -> str:
    return arn.split(":")[2] if arn.count(":") >= 5 else ""


def _s3_object(url: str) -> str:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return f"arn:aws:s3:::{bucket}/{key}"


def role_needs(role: StageRole) -> Iterator[Need]:
    """What the function needs beyond its logs and its own invocation, for each setting that asks for more."""
    cli, config = role.settings, role.settings.stage_config
    if config.get("remote_env"):
        yield Need("remote_env", "s3:GetObject", _s3_object(config["remote_env"]))
    if config.get("slim_handler"):
        # zappa.cli.ZappaCLI._get_slim_handler_archive_name: the handler downloads the project from this key.
        archive = f"{cli.api_stage}_{cli.project_name}_current_project.tar.gz"
        yield Need("slim_handler", "s3:GetObject", f"arn:aws:s3:::{cli.s3_bucket_name}/{archive}")
    for event in config.get("events") or []:
        source = (event.get("event_source") or {}).get("arn", "")
        for action in PULL_SOURCE_ACTIONS.get(_service(source), ()):
            yield Need(f"events ({event.get('function', '')})", action, source)
    if config.get("xray_tracing"):
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
            yield Need("xray_tracing", action, "*")
    if (config.get("vpc_config") or {}).get("SubnetIds"):
        for action in ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"):
            yield Need("vpc_config", action, "*")
    target = (config.get("dead_letter_config") or {}).get("TargetArn", "")
    if action := DEAD_LETTER_ACTIONS.get(_service(target)):
        yield Need("dead_letter_config", action, target)
    if config.get("aws_kms_key_arn"):
        yield Need("aws_kms_key_arn", "kms:Decrypt", config["aws_kms_key_arn"])
    for efs in config.get("efs_config") or []:
        yield Need("efs_config", "elasticfilesystem:ClientMount", efs.get("Arn", "*"))


def deployer_needs(role: StageRole) -> Iterator[Need]:
    """What the deployer needs that the stage's settings name: its role, and its package bucket."""
    role_arn = f"arn:aws:iam::{SOME_ACCOUNT}:role/{role.name}"
    for action in ("iam:GetRole", "iam:PassRole"):
        yield Need("role_name", action, role_arn)
    bucket = role.settings.s3_bucket_name
    yield Need("s3_bucket", "s3:ListBucket", f"arn:aws:s3:::{bucket}")
    yield Need("s3_bucket", "s3:PutObject", f"arn:aws:s3:::{bucket}/{role.settings.lambda_name}-package.zip")


def problems(role: StageRole, deployer_policy: Path = DEPLOYER_POLICY) -> list[str]:
    """Why ``role``'s stage cannot be deployed with these policies; empty when it can."""
    found = []
    if role.manage_roles:
        found.append(
            f"{role.stage}: manage_roles is not false: Zappa would create and change the execution role, which "
            f"{deployer_policy.name} does not allow; an administrator creates it once (README, Permissions)"
        )
    if role.policy_file is None:
        found.append(f"{role.stage}: no attach_policy: name the execution role's policy file")
    else:
        policy = read_policy(role.policy_file)
        for need in role_needs(role):
            if not allows(policy, need.action, need.resource):
                found.append(
                    f"{role.stage}: {need.setting} needs {need.action} on {need.resource}: "
                    f"add a statement for it to {role.policy_file.name}"
                )
    deployer = read_policy(deployer_policy)
    for need in deployer_needs(role):
        if not allows(deployer, need.action, need.resource):
            found.append(
                f"{role.stage}: {deployer_policy.name} does not allow {need.action} on {need.setting}'s {need.resource}"
            )
    return found


def _role_holding_only(iam: Any, name: str, trust: dict[str, Any], description: str, policy: Path, inline: str) -> str:
    """Make role ``name`` exist with ``trust``, holding ``policy``'s text as ``inline`` and nothing else; returns its
    ARN. Raises RuntimeError if it holds more."""
    try:
        existing = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Description=description)
        existing = created["Role"]
    else:
        if existing["AssumeRolePolicyDocument"] != trust:
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    others = [other for other in iam.list_role_policies(RoleName=name)["PolicyNames"] if other != inline]
    attached = [
        attached["PolicyArn"] for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    ]
    if others or attached or existing.get("PermissionsBoundary"):
        raise RuntimeError(
            f"{name} holds more than {policy.name}: inline {others}, attached {attached}, "
            f"boundary {existing.get('PermissionsBoundary')}; remove them first"
        )
    iam.put_role_policy(RoleName=name, PolicyName=inline, PolicyDocument=policy.read_text())
    return existing["Arn"]


def create_role(role: StageRole, iam: Any, trust_file: Path = TRUST_POLICY) -> str:
    """Make ``role`` exist holding exactly its policy file; returns its ARN. Raises RuntimeError if it holds more."""
    if role.policy_file is None:
        raise RuntimeError(f"{role.stage} has no attach_policy: nothing to put on the role")
    description = f"Execution role of the {role.stage} stage's function (deploy/permissions.py)"
    return _role_holding_only(iam, role.name, read_policy(trust_file), description, role.policy_file, INLINE_POLICY)


def deploy_role_name(role: StageRole) -> str:
    """The role GitHub Actions deploys ``role``'s stage with: ``loopback-dev-github-deploy``."""
    return f"{role.settings.lambda_name}-github-deploy"


def github_provider(iam: Any) -> str:
    """The ARN of the account's OIDC provider for GitHub Actions, created if the account has none.

    One provider per URL and account: an existing one, which other repositories may use, is kept as it is, and
    must already accept the audience. No thumbprint is given: for GitHub's provider IAM trusts its own library of
    certificate authorities, and ThumbprintList is optional (IAM API Reference, CreateOpenIDConnectProvider).
    """
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = provider["Arn"]
        if arn.endswith(f":oidc-provider/{GITHUB_OIDC_HOST}"):
            audiences = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
            if GITHUB_AUDIENCE not in audiences:
                raise RuntimeError(
                    f"{arn} does not accept the audience {GITHUB_AUDIENCE}: add it with `aws iam "
                    f"add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {arn} "
                    f"--client-id {GITHUB_AUDIENCE}`"
                )
            return arn
    created = iam.create_open_id_connect_provider(Url=f"https://{GITHUB_OIDC_HOST}", ClientIDList=[GITHUB_AUDIENCE])
    return created["OpenIDConnectProviderArn"]


def check_repository(repository: str) -> None:
    """Raise RuntimeError unless ``repository`` is a GitHub repository's OWNER/NAME."""
    if not REPOSITORY.fullmatch(repository):
        raise RuntimeError(f"{repository!r} is not a GitHub repository's OWNER/NAME")


def github_trust(provider_arn: str, repository: str, stage: str, template: Path = GITHUB_TRUST_POLICY) -> dict:
    """The trust file with its placeholders filled in: the provider's account, OWNER/NAME and the stage."""
    check_repository(repository)
    account = provider_arn.split(":")[4]
    text = string.Template(template.read_text()).substitute(ACCOUNT_ID=account, REPOSITORY=repository, STAGE=stage)
    return json.loads(text)


def create_deploy_role(role: StageRole, repository: str, iam: Any, deployer_policy: Path = DEPLOYER_POLICY) -> str:
    """Make the provider and ``role``'s stage's deploy role exist, the role holding exactly the deployer's policy;
    returns its ARN. Raises RuntimeError if the role holds more, or the provider lacks the audience."""
    check_repository(repository)  # before any change to the account
    trust = github_trust(github_provider(iam), repository, role.stage)
    description = f"Deploys the {role.stage} stage from GitHub Actions, {repository} (deploy/permissions.py)"
    return _role_holding_only(iam, deploy_role_name(role), trust, description, deployer_policy, DEPLOYER_INLINE_POLICY)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.permissions", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["create-role", "check", "create-deploy-role"])
    parser.add_argument("stage", choices=stage_names())
    parser.add_argument("--repository", metavar="OWNER/NAME", help="create-deploy-role: the GitHub repository")
    arguments = parser.parse_args(argv)
    if (arguments.command == "create-deploy-role") != (arguments.repository is not None):
        parser.error("--repository OWNER/NAME goes with create-deploy-role, and only with it")
    role = load(arguments.stage)
    found = problems(role)
    for problem in found:
        print(problem, file=sys.stderr)
    if found or arguments.command == "check":
        return 1 if found else 0
    import boto3  # only the administrator's steps call AWS

    iam = boto3.client("iam")
    try:
        if arguments.command == "create-deploy-role":
            arn = create_deploy_role(role, arguments.repository, iam)
        else:
            arn = create_role(role, iam)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    if arguments.command == "create-deploy-role":
        print(
            f"{arn} holds {DEPLOYER_POLICY.name} as {DEPLOYER_INLINE_POLICY}, for the jobs of "
            f"{arguments.repository}'s environment {arguments.stage}: set it as that environment's AWS_DEPLOY_ROLE_ARN"
        )
    else:
        print(
            f"{arn} holds {role.policy_file.name} as {INLINE_POLICY}; deploy {arguments.stage} with the deployer's keys"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
