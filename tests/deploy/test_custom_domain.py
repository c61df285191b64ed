"""A stage's custom domain with TLS (README, "A custom domain with TLS"), against moto's server on 127.0.0.1.

In a copy of the project: the README's commands as written (its `sh` blocks, read from README.md) with the AWS CLI,
its placeholders filled in: an ACM certificate requested in us-east-1 and validated through a CNAME in the domain's
Route 53 hosted zone; then prod deployed with the real Zappa CLI, its three domain settings set, and the README's
`make certify STAGE=prod` run twice, with a `make deploy` between (its Slack notice names the domain); then
`zappa undeploy`. What API Gateway and Route 53 then hold is read back from the emulator, and every AWS call
certify made is held to the deployer's policy.

Where moto 5.2.5 answers unlike AWS (an edge domain's default endpoint type and fields, its certificate checks,
UpdateDomainName, an empty base path, ACM's DNS validation), tests/support/emulator_standins.py answers as AWS does.
Run with ``-s`` to see the domain name, base path mapping and DNS record as the emulator holds them after certify.
"""

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from app.stages import PLACEHOLDER_KEYS, zappa_cli
from tests.support.aws_emulator import Emulator, running_emulator
from tests.support.checkout import Checkout, copy_project
from tests.support.deploy_tools import POLICY_FILE, create_execution_role, iam_action, policy_allows, zappa
from tests.support.local_server import dev_server
from tests.support.readme import blocks, section
from tests.support.readme_shell import ReadmeShell, commands_of
from tests.support.slack_receiver import slack_receiver
from tests.support.stage_settings import FAKE_CREDENTIALS, change_stages, stage_settings

pytestmark = pytest.mark.slow

SECTION = "### A custom domain with TLS"
STAGE = "prod"  # the stage the README's commands are for
# The domain a user would own, and its hosted zone: set in the copy's settings, in place of the README's example.
DOMAIN, ZONE_NAME = "api.loopback-test.example", "loopback-test.example"
# What the README's commands leave to the reader: the certificate's ARN, the zone's id, the validation record's.
PLACEHOLDERS = re.compile(r"\b(ARN|ZONE|NAME|VALUE)\b")
CERTIFICATE_REGION = "us-east-1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def readme_commands() -> list[str]:
    return [
        command for block in blocks(section(SECTION)) if block.language == "sh" for command in commands_of(block.text)
    ]


def acm(emulator: Emulator, region: str = CERTIFICATE_REGION) -> Any:
    return boto3.client(
        "acm",
        endpoint_url=emulator.endpoint,
        region_name=region,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
    )


def held(emulator: Emulator, zone_id: str) -> dict[str, Any]:
    """The custom domains, the domain's base path mappings and its records in the zone, as the emulator holds them."""
    apigateway = emulator.client("apigateway")
    domains = apigateway.get_domain_names()["items"]
    mappings = apigateway.get_base_path_mappings(domainName=DOMAIN)["items"] if domains else []
    records = emulator.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {"domains": domains, "mappings": mappings, "records": [r for r in records if r["Name"] == f"{DOMAIN}."]}


def loaded(settings: Path) -> Any:
    """Zappa's CLI object for the stage, read afresh from the copy's changed settings."""
    return zappa_cli(STAGE, settings, boto3.Session(region_name=CERTIFICATE_REGION, **PLACEHOLDER_KEYS))


def show(title: str, state: dict[str, Any]) -> None:
    print(f"\n--- {title} ---\n{json.dumps(state, indent=2, default=str)}")


@pytest.fixture(scope="module")
def emulator():
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def certified(emulator, tmp_path_factory) -> dict[str, Any]:
    """The README's steps in a copy of the project, and what the emulator held after each."""
    checkout = Checkout(copy_project(tmp_path_factory.mktemp("custom-domain") / "loopback"), emulator)
    project, shell = checkout.root, ReadmeShell(checkout)
    request, describe, find_zone, create_record, wait, certify, distribution = readme_commands()
    assert certify == f"make certify STAGE={STAGE}"
    # The README's example names, replaced by this test's: the domain first, then its zone.
    [example_domain] = re.findall(r"--domain-name (\S+)", request)
    [example_zone] = re.findall(r"--dns-name (\S+)", find_zone)
    filled: dict[str, str] = {}

    def run(command: str) -> str:
        ours = command.replace(example_domain, DOMAIN).replace(example_zone, ZONE_NAME)
        return shell.run(PLACEHOLDERS.sub(lambda found: filled[found[1]], ours))

    # The domain's public hosted zone, which a user has before they start.
    zone_id = emulator.client("route53").create_hosted_zone(Name=ZONE_NAME, CallerReference="loopback-test")[
        "HostedZone"
    ]["Id"]

    # 1. The certificate, and the record ACM asks for.
    filled["ARN"] = arn = run(request).strip()
    record = json.loads(run(describe))
    filled.update(NAME=record["Name"], VALUE=record["Value"])
    pending = acm(emulator).describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
    # 2. The record in the zone; ACM issues the certificate once it finds it.
    filled["ZONE"] = found_zone = run(find_zone).strip()
    run(create_record)
    run(wait)
    issued = acm(emulator).describe_certificate(CertificateArn=arn)["Certificate"]["Status"]

    # 3. prod deployed (as `make deploy` first does it), its domain settings filled in.
    create_execution_role(project, emulator.environment(), STAGE)
    deployed = zappa(project, emulator, "deploy", STAGE)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    settings = project / "zappa_settings.json"
    configured = loaded(settings)
    [api_id] = [
        api["id"]
        for api in emulator.client("apigateway").get_rest_apis()["items"]
        if api["name"] == configured.lambda_name
    ]
    # A certificate from the stage's own region, past `make certify`'s check: AWS refuses it.
    elsewhere = arn.replace(f":{CERTIFICATE_REGION}:", f":{configured.aws_region}:")
    change_stages(settings, {STAGE: {"domain": DOMAIN, "certificate_arn": elsewhere, "route53_enabled": True}})
    refused = zappa(project, emulator, "certify", STAGE, "--yes")
    domains_after_refusal = emulator.client("apigateway").get_domain_names()["items"]
    change_stages(settings, {STAGE: {"certificate_arn": arn}})
    configured = loaded(settings)

    checkout.calls.unlink(missing_ok=True)
    run(certify)
    first = held(emulator, zone_id)
    show(f"after `{certify}`", first)
    # The next deploy, as CI makes it (smoke-checked against the stage served here: moto runs no function).
    with slack_receiver() as slack, dev_server(STAGE) as served:
        checkout.environment["SLACK_WEBHOOK_URL"] = slack.url
        updated = checkout.run(f"make deploy STAGE={STAGE} SMOKE_URL=http://127.0.0.1:{served.port}")
    run(certify)
    second = held(emulator, zone_id)
    show(f"after `make deploy STAGE={STAGE}` and `{certify}` again", second)
    calls = checkout.calls.read_text().splitlines()
    printed_distribution = run(distribution).strip()

    undeploy_calls = project.parent / "undeploy-calls.txt"
    undeployed = zappa(project, emulator, "undeploy", STAGE, "--yes", calls=undeploy_calls)
    assert undeployed.returncode == 0, undeployed.stdout + undeployed.stderr
    return {
        "arn": arn,
        "record": record,
        "statuses": (pending, issued),
        "zone": (zone_id, found_zone),
        "refused": refused,
        "domains_after_refusal": domains_after_refusal,
        "api_id": api_id,
        "settings": configured,
        "first": first,
        "second": second,
        "update_output": updated.stdout + updated.stderr,
        "notices": slack.payloads(),
        "calls": calls,
        "undeploy_calls": undeploy_calls.read_text().splitlines(),
        "printed_distribution": printed_distribution,
        "after_undeploy": held(emulator, zone_id),
    }


def test_the_certificate_is_issued_once_its_validation_record_is_in_the_zone(certified):
    assert certified["statuses"] == ("PENDING_VALIDATION", "ISSUED")
    assert certified["arn"].startswith(f"arn:aws:acm:{CERTIFICATE_REGION}:")
    assert certified["record"]["Type"] == "CNAME"
    assert certified["record"]["Name"].rstrip(".").endswith(f".{DOMAIN}")
    # The README's zone lookup found the domain's zone.
    zone_id, found = certified["zone"]
    assert found == zone_id


def test_api_gateway_refuses_a_certificate_outside_us_east_1(certified):
    output = ANSI.sub("", certified["refused"].stdout + certified["refused"].stderr)
    assert certified["refused"].returncode != 0
    assert f"Certificate must be in '{CERTIFICATE_REGION}'" in output
    assert certified["domains_after_refusal"] == []


def test_certify_creates_an_edge_optimised_domain_with_the_certificate(certified):
    [domain] = certified["first"]["domains"]
    assert domain["domainName"] == certified["settings"].domain == DOMAIN
    assert domain["certificateArn"] == certified["arn"]
    assert domain["endpointConfiguration"]["types"] == ["EDGE"]
    assert domain["distributionDomainName"].endswith(".cloudfront.net")
    assert "regionalDomainName" not in domain


def test_certify_maps_the_domain_to_the_stages_api(certified):
    [mapping] = certified["first"]["mappings"]
    assert mapping["restApiId"] == certified["api_id"]
    assert mapping["stage"] == STAGE
    # No base_path in the settings: the domain's root, which API Gateway names "(none)".
    assert certified["settings"].stage_config.get("base_path") is None
    assert mapping["basePath"] == "(none)"


def test_certify_points_the_domain_at_the_distribution(certified):
    [domain], [record] = certified["first"]["domains"], certified["first"]["records"]
    # A name below the zone's apex: a CNAME (an apex could only be an alias A record).
    assert record["Name"] == f"{DOMAIN}."
    assert record["Type"] == "CNAME"
    assert [value["Value"] for value in record["ResourceRecords"]] == [domain["distributionDomainName"]]
    assert certified["printed_distribution"] == domain["distributionDomainName"]


def test_certify_again_after_an_update_leaves_one_domain_mapping_and_record(certified):
    first, second = certified["first"], certified["second"]
    assert DOMAIN in certified["update_output"]  # `zappa update` reports the stage at its domain
    [domain] = second["domains"]
    assert domain["certificateArn"] == certified["arn"]
    assert domain["distributionDomainName"] == first["domains"][0]["distributionDomainName"]
    assert second["mappings"] == first["mappings"]
    assert second["records"] == first["records"]
    operations = [call.split(" ")[0] for call in certified["calls"]]
    # The second run took Zappa's update path: it changed the domain rather than create another.
    assert operations.count("apigateway:CreateDomainName") == 1
    assert operations.count("apigateway:UpdateDomainName") == 1


def test_the_deploy_notice_gives_the_stage_at_its_custom_domain(certified):
    [notice] = certified["notices"]
    assert notice["blocks"][0]["text"]["text"] == f":white_check_mark: *loopback {STAGE}*: deployed"
    assert f"\nURL: https://{DOMAIN}\n" in notice["text"]


def test_undeploy_removes_the_mapping_and_leaves_the_domain_and_record(certified):
    after = certified["after_undeploy"]
    assert after["mappings"] == []
    assert [domain["domainName"] for domain in after["domains"]] == [DOMAIN]
    assert after["records"] == certified["second"]["records"]


def test_every_call_certify_and_undeploy_make_is_allowed_by_the_deployer_policy(certified):
    policy = json.loads(POLICY_FILE.read_text())
    made = {iam_action(call) for call in certified["calls"] + certified["undeploy_calls"]}
    assert {
        "route53:ListHostedZones",
        "route53:ChangeResourceRecordSets",
        "apigateway:POST",
        "apigateway:PATCH",
    } <= made
    not_allowed = sorted(action for action in made if not policy_allows(policy, action))
    assert not not_allowed, "deploy/iam-policy.json does not allow: " + ", ".join(not_allowed)
    # Not a call Zappa makes: API Gateway requires it of whoever creates an edge-optimised domain or changes its
    # certificate (API Gateway Developer Guide, "Set up an edge-optimized custom domain name").
    assert policy_allows(policy, "cloudfront:UpdateDistribution")


def test_a_stage_without_a_domain_cannot_be_certified(emulator, tmp_path):
    project = copy_project(tmp_path / "loopback")
    assert stage_settings("dev", project / "zappa_settings.json").domain is None
    result = zappa(project, emulator, "certify", "dev", "--yes")
    assert result.returncode != 0
    assert "Can't certify a domain without domain configured!" in ANSI.sub("", result.stdout + result.stderr)
