"""CloudFront: HTTPS-only viewers, modern TLS with a certificate, OAC, security headers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Rule, RuleContext, StackResource, StackViolation, field, items, of_type

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"

_HTTPS_VIEWER = {"redirect-to-https", "https-only"}
# Security policies at or above TLSv1.2_2021 (AWS names them by year).
_MODERN_TLS = {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
HSTS_MIN_AGE = 31536000  # one year, the preload list's minimum


def _behaviors(props: Mapping[str, Any]) -> list[tuple[str, Any]]:
    found = [("default", field(props, "defaultCacheBehavior", default={}))]
    for b in items(props, "orderedCacheBehaviors"):
        found.append((str(field(b, "pathPattern", default="?")), b))
    return found


def _https_only(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for path, behavior in _behaviors(props):
        policy = field(behavior, "viewerProtocolPolicy")
        if policy not in _HTTPS_VIEWER:
            yield f"cache behavior {path!r} has viewerProtocolPolicy {policy!r}; use redirect-to-https or https-only"


def _custom_certificate(props: Mapping[str, Any]) -> bool:
    cert = field(props, "viewerCertificate", default={})
    return bool(field(cert, "acmCertificateArn") or field(cert, "iamCertificateId"))


def _tls(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not _custom_certificate(props):
        return
    cert = field(props, "viewerCertificate", default={})
    version = field(cert, "minimumProtocolVersion")
    if version not in _MODERN_TLS:
        yield f"minimumProtocolVersion is {version!r}; use TLSv1.2_2021 or newer"
    if field(cert, "sslSupportMethod") != "sni-only":
        yield "sslSupportMethod should be sni-only (dedicated-IP costs $600/month and allows legacy clients)"


def _certificate(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not _custom_certificate(props):
        yield (
            "the distribution uses the default *.cloudfront.net certificate, which accepts TLSv1; "
            "set farm:domain and farm:certificateArn (an ACM certificate in us-east-1)"
        )


def _is_s3_origin(origin: Any) -> bool:
    domain = field(origin, "domainName", default="")
    return isinstance(domain, str) and ".s3." in domain and "s3-website" not in domain


def _origin_access_control(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for origin in items(props, "origins"):
        if not _is_s3_origin(origin):
            continue
        origin_id = field(origin, "originId", default="?")
        if not field(origin, "originAccessControlId"):
            yield f"S3 origin {origin_id!r} has no originAccessControlId (the bucket would have to be public)"
        if field(origin, "s3OriginConfig", "originAccessIdentity"):
            yield f"S3 origin {origin_id!r} uses a legacy origin access identity; use origin access control"


def _response_headers(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for path, behavior in _behaviors(props):
        if not field(behavior, "responseHeadersPolicyId"):
            yield f"cache behavior {path!r} has no responseHeadersPolicyId (HSTS and security headers)"


def _hsts(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    hsts = field(props, "securityHeadersConfig", "strictTransportSecurity")
    if not hsts:
        yield "response headers policy sets no Strict-Transport-Security header"
        return
    age = field(hsts, "accessControlMaxAgeSec", default=0)
    if not isinstance(age, int | float) or age < HSTS_MIN_AGE:
        yield f"Strict-Transport-Security max-age is {age}; use at least {HSTS_MIN_AGE} (one year)"
    if field(hsts, "override") is not True:
        yield "Strict-Transport-Security must override the origin's header (override: true)"


def _logging(resources: list[StackResource], ctx: RuleContext) -> Iterator[StackViolation]:
    """Standard logging (legacy, `loggingConfig`) or v2: a CloudWatch Logs delivery source on the distribution
    (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html)."""
    sources = [s for s in of_type(resources, LOG_DELIVERY_SOURCE) if field(s.props, "logType") == "ACCESS_LOGS"]
    for dist in of_type(resources, DISTRIBUTION):
        if field(dist.props, "loggingConfig", "bucket"):
            continue
        if any(s.refers_to("resourceArn", dist) for s in sources):
            continue
        yield StackViolation(dist, "access logging is off (no loggingConfig, no log delivery source for ACCESS_LOGS)")


def _waf(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not field(props, "webAclId"):
        yield "no WAF web ACL is attached (webAclId)"


RULES: tuple[Rule, ...] = (
    Rule(
        id="cloudfront-https-only",
        description="Every CloudFront cache behavior redirects HTTP to HTTPS or refuses it.",
        mirrors=("CKV_AWS_34", "AVD-AWS-0012", "cloudfront-viewer-policy-https"),
        level="mandatory",
        resource_types=(DISTRIBUTION,),
        validate=_https_only,
    ),
    Rule(
        id="cloudfront-tls-1-2",
        description="A custom certificate is served with TLSv1.2_2021 or newer, SNI only.",
        mirrors=("CKV_AWS_174", "AVD-AWS-0013", "cloudfront-security-policy-check"),
        level="mandatory",
        resource_types=(DISTRIBUTION,),
        validate=_tls,
    ),
    Rule(
        id="cloudfront-certificate-prod",
        description="In prod, the distribution serves a custom ACM certificate (the default one allows TLSv1).",
        mirrors=("CKV2_AWS_42", "cloudfront-custom-ssl-certificate"),
        level="mandatory",
        resource_types=(DISTRIBUTION,),
        validate=_certificate,
        stages=("prod",),
    ),
    Rule(
        id="cloudfront-origin-access-control",
        description="S3 origins are reached through origin access control, never a public bucket.",
        mirrors=("CKV2_AWS_46", "cloudfront-origin-access-identity-enabled", "AWS FSBP CloudFront.13"),
        level="mandatory",
        resource_types=(DISTRIBUTION,),
        validate=_origin_access_control,
    ),
    Rule(
        id="cloudfront-response-headers-policy",
        description="Every cache behavior attaches a response headers policy.",
        mirrors=("CKV2_AWS_32",),
        level="mandatory",
        resource_types=(DISTRIBUTION,),
        validate=_response_headers,
    ),
    Rule(
        id="cloudfront-hsts",
        description="Response headers policies send HSTS for at least a year and override the origin.",
        mirrors=("CKV2_AWS_32", "AWS FSBP CloudFront (security headers)"),
        level="mandatory",
        resource_types=(RESPONSE_HEADERS_POLICY,),
        validate=_hsts,
    ),
    Rule(
        id="cloudfront-access-logging",
        description="CloudFront access logs are written.",
        mirrors=("CKV_AWS_86", "AVD-AWS-0010", "cloudfront-accesslogs-enabled"),
        level="advisory",
        resource_types=(DISTRIBUTION, LOG_DELIVERY_SOURCE),
        validate_stack=_logging,
    ),
    Rule(
        id="cloudfront-waf",
        description="A WAF web ACL protects the distribution.",
        mirrors=("CKV_AWS_68", "AVD-AWS-0011", "cloudfront-associated-with-waf"),
        level="advisory",
        resource_types=(DISTRIBUTION,),
        validate=_waf,
    ),
)
