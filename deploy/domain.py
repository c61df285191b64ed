"""A stage's custom domain settings, as `make certify` (``zappa certify S --yes``) uses them.

Zappa 0.63's certify makes an edge-optimised API Gateway domain (CreateDomainName with no endpoint configuration:
API Gateway's default, EDGE), whose certificate API Gateway takes from ACM in us-east-1 only, whatever the stage's
region. Its other two ways are refused here: its Let's Encrypt client (``lets_encrypt_key``) speaks ACME v1, whose
endpoints Let's Encrypt has retired, and a certificate from files (``certificate``, ``certificate_key``,
``certificate_chain``) is uploaded once and renewed by no one, its private key left in a file.
"""

from collections.abc import Mapping
from typing import Any

# What a stage sets for a custom domain; removing all three deploys the stage without one.
DOMAIN_SETTINGS = ("domain", "certificate_arn", "route53_enabled")
REFUSED_SETTINGS = ("lets_encrypt_key", "certificate", "certificate_key", "certificate_chain")
# CloudFront, which serves an edge-optimised domain, takes certificates from this region only.
CERTIFICATE_REGION = "us-east-1"
README_SECTION = "README, A custom domain with TLS"
REMOVE_ALL = "or remove domain, certificate_arn and route53_enabled to deploy without a custom domain"


def placeholder_advice(stage: str, setting: str) -> str | None:
    """What to put in ``setting`` of ``stage`` while it holds a placeholder, for the domain settings."""
    if setting == "domain":
        return f"set {stage}'s domain to a name you own, {REMOVE_ALL}"
    if setting == "certificate_arn":
        return f"set {stage}'s certificate_arn to your ACM certificate's ARN (in {CERTIFICATE_REGION}), {REMOVE_ALL}"
    return None


def domain_problem(stage: str, config: Mapping[str, Any]) -> str | None:
    """One line on what in ``stage``'s settings (``extends`` applied) `make certify` cannot use, else None."""
    refused = [name for name in REFUSED_SETTINGS if config.get(name)]
    if refused:
        return (
            f"{stage} sets {', '.join(refused)}: certify here takes an ACM certificate only (certificate_arn, in "
            f"{CERTIFICATE_REGION}); Zappa 0.63's Let's Encrypt client speaks the retired ACME v1 and a certificate "
            f"from files is never renewed ({README_SECTION})"
        )
    domain, arn = config.get("domain"), config.get("certificate_arn")
    if domain and not arn:
        return f"{stage} sets domain without certificate_arn: set it to your ACM certificate's ARN, {REMOVE_ALL}"
    if arn and not domain:
        return f"{stage} sets certificate_arn without domain: set domain to the certificate's name, {REMOVE_ALL}"
    if arn and not str(arn).startswith(f"arn:aws:acm:{CERTIFICATE_REGION}:"):
        return (
            f"{stage}'s certificate_arn is not an ACM certificate in {CERTIFICATE_REGION}, where an edge-optimised "
            f"domain's certificate must be, whatever the stage's region ({README_SECTION})"
        )
    return None
