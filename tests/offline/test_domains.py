"""farm:domain with farm:hostedZone: certificates validated in the zone, alias records; and the bad inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from farm_deploy.cli import main
from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]
CERT = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"


def _named(plan, name: str):
    (found,) = [r for r in plan.resources if r.name == name]
    return found


def _prod_copy(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
    config = data["config"]
    config["farm:appPath"] = str(ROOT / config["farm:appPath"])
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def zoned(tmp_path_factory):
    # The shipped prod stack names app.example.com; here the operator gives the zone instead of a certificate ARN.
    project = _prod_copy(
        tmp_path_factory.mktemp("zoned"), **{"farm:hostedZone": "example.com", "farm:certificateArn": None}
    )
    return run_plan(project, "prod")


def test_certificates_are_requested_with_dns_validation(zoned):
    certs = {r.inputs["domainName"]: r for r in zoned.resources if r.type == CERT}
    assert sorted(certs) == ["api.app.example.com", "app.example.com"]
    assert all(c.inputs["validationMethod"] == "DNS" for c in certs.values())
    # CloudFront's certificate through the us-east-1 provider, the load balancer's through the stage's.
    assert zoned.provider_of(certs["app.example.com"]).region == "us-east-1"
    assert zoned.provider_of(certs["api.app.example.com"]).name == "farm-prod-aws"


def test_validation_records_hold_acms_answers_and_the_validation_waits_for_them(zoned):
    records = [r for r in zoned.resources if r.type == RECORD and r.name.endswith(("-validation-0",))]
    assert sorted(r.name for r in records) == ["farm-prod-api-cert-validation-0", "farm-prod-web-cert-validation-0"]
    web = _named(zoned, "farm-prod-web-cert-validation-0").inputs
    assert web["type"] == "CNAME" and web["name"].endswith(".app.example.com.") and web["name"].startswith("_")
    assert web["records"][0].endswith(".acm-validations.aws.")
    assert web["zoneId"] == "Z" + __import__("hashlib").sha256(b"example.com").hexdigest()[:13].upper()
    validations = {r.name: r for r in zoned.resources if r.type == VALIDATION}
    assert sorted(validations) == ["farm-prod-api-cert-validation", "farm-prod-web-cert-validation"]
    waits = {d.name for d in zoned.resources if d.urn in validations["farm-prod-web-cert-validation"].dependencies}
    assert waits == {"farm-prod-web-cert-cert", "farm-prod-web-cert-validation-0"}


def test_distribution_and_listener_use_the_validated_certificates(zoned):
    cdn = next(r for r in zoned.resources if r.type == "aws:cloudfront/distribution:Distribution")
    assert cdn.inputs["aliases"] == ["app.example.com"]
    assert cdn.inputs["viewerCertificate"]["acmCertificateArn"].startswith(
        "arn:aws:acm:us-east-1:123456789012:certificate/"
    )
    validation = _named(zoned, "farm-prod-web-cert-validation")
    assert validation.urn in cdn.dependencies  # the distribution waits for the certificate to be issued
    https = next(
        r for r in zoned.resources if r.type == "aws:lb/listener:Listener" and r.inputs.get("protocol") == "HTTPS"
    )
    assert _named(zoned, "farm-prod-api-cert-validation").urn in https.dependencies
    api_origin = next(o for o in cdn.inputs["origins"] if o["originId"] == "api")
    assert api_origin["domainName"] == "api.app.example.com"
    vpc_origin = next(r for r in zoned.resources if r.type == "aws:cloudfront/vpcOrigin:VpcOrigin")
    assert vpc_origin.inputs["vpcOriginEndpointConfig"]["originProtocolPolicy"] == "https-only"


def test_alias_records_for_the_site_and_the_api(zoned):
    aliases = {
        (r.inputs["name"], r.inputs["type"]): r.inputs["aliases"][0]
        for r in zoned.resources
        if r.type == RECORD and r.inputs.get("aliases")
    }
    assert sorted(aliases) == [
        ("api.app.example.com", "A"),
        ("app.example.com", "A"),
        ("app.example.com", "AAAA"),
    ]
    # CloudFront's fixed alias zone; the load balancer's from the load balancer.
    assert aliases[("app.example.com", "A")]["zoneId"] == "Z2FDTNDATAQYW2"
    assert aliases[("app.example.com", "A")]["name"] == "farm-prod-web-cdn.cloudfront.net"
    assert aliases[("api.app.example.com", "A")]["name"] == "farm-prod-api-alb.us-east-1.elb.amazonaws.com"
    assert zoned.policy.mandatory == [] and zoned.documents == []


def test_in_eu_west_1_only_cloudfronts_certificate_is_made_in_us_east_1(tmp_path):
    project = _prod_copy(
        tmp_path, **{"farm:hostedZone": "example.com", "farm:certificateArn": None, "farm:region": "eu-west-1"}
    )
    plan = run_plan(project, "prod")
    regions: dict[str, set[str]] = {}
    for r in plan.resources:
        p = plan.provider_of(r)
        if p is not None and p.package == "aws":
            regions.setdefault(p.region or "?", set()).add(r.name)
    assert sorted(regions) == ["eu-west-1", "us-east-1"]
    # CloudFront's certificate and what validates it (ACM checks it in its own region),
    # its web ACL with its request logs, its log delivery: nothing of the stage's own.
    assert regions["us-east-1"] == {
        "farm-prod-web-cert-cert",
        "farm-prod-web-cert-validation",
        "farm-prod-web-cert-validation-0",
        "farm-prod-waf-acl",
        "farm-prod-waf-logging",
        "farm-prod-waf-logs",
        "farm-prod-web-logs-delivery",
        "farm-prod-web-logs-destination",
        "farm-prod-web-logs-source",
    }
    us_east_1 = next(r for r in plan.resources if r.name == "farm-prod-aws-us-east-1")
    assert us_east_1.inputs["region"] == "us-east-1"


def test_operator_supplied_certificates_still_work_without_a_zone():
    plan = run_plan(ROOT, "prod")  # the shipped prod stack: farm:certificateArn, no zone
    assert [r for r in plan.resources if r.type in (CERT, RECORD)] == []
    cdn = next(r for r in plan.resources if r.type == "aws:cloudfront/distribution:Distribution")
    assert cdn.inputs["viewerCertificate"]["acmCertificateArn"] == (
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000"
    )


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        (
            {"farm:certificateArn": None},
            "farm:domain",
            ["no hosted zone and no certificate", "farm:hostedZone", "farm:certificateArn"],
        ),
        (
            {"farm:hostedZone": "example.org", "farm:certificateArn": None},
            "farm:hostedZone",
            ["does not cover the domain app.example.com"],
        ),
        ({"farm:hostedZone": "Example.com"}, "farm:hostedZone", ["lower case"]),
    ],
)
def test_bad_domain_input_is_one_message_and_a_non_zero_exit(tmp_path, capsys, changes, key, words):
    project = _prod_copy(tmp_path, **changes)
    before = sorted(p.name for p in project.iterdir())
    assert main(["plan", "--stack", "prod", "--project-dir", str(project)]) != 0
    err = capsys.readouterr().err
    assert f"key '{key}'" in err and "Traceback" not in err
    assert all(w in err for w in words), err
    assert err.count("error:") == 1
    assert sorted(p.name for p in project.iterdir()) == before  # nothing written
