"""An API-only app on ECS with no certificate is served over HTTPS by CloudFront (components/api_edge.py).

Without it the load balancer would be internet-facing and answer plain HTTP,
which the mandatory policy `alb-https-listener` refuses.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from farm_deploy.offline_plan import OfflinePlan, run_plan

ROOT = Path(__file__).resolve().parents[2]


def api_only_dev(tmp: Path, **extra: object) -> OfflinePlan:
    doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    config = doc["config"]
    config["farm:appPath"] = str(ROOT / config["farm:appPath"])
    config["farm:web"] = "none"
    config.update({f"farm:{k}": v for k, v in extra.items()})
    (tmp / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "Pulumi.dev.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return run_plan(tmp, "dev")


def test_cloudfront_serves_the_api_over_https_through_a_vpc_origin(tmp_path: Path) -> None:
    result = api_only_dev(tmp_path)
    by_type = {}
    for r in result.resources:
        by_type.setdefault(r.type, []).append(r)
    (lb,) = by_type["aws:lb/loadBalancer:LoadBalancer"]
    assert lb.inputs["internal"] is True
    (vpc_origin,) = by_type["aws:cloudfront/vpcOrigin:VpcOrigin"]
    (distribution,) = by_type["aws:cloudfront/distribution:Distribution"]
    (origin,) = distribution.inputs["origins"]
    assert origin["vpcOriginConfig"]["vpcOriginId"] == f"{vpc_origin.name}-id"
    behaviour = distribution.inputs["defaultCacheBehavior"]
    assert behaviour["viewerProtocolPolicy"] == "https-only"
    assert set(behaviour["allowedMethods"]) == {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
    assert distribution.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    # The API's address is the distribution's, over HTTPS.
    assert result.outputs["apiUrl"] == "https://" + distribution.outputs["domainName"]
    assert "webUrl" not in result.outputs
    assert result.policy is not None and result.policy.mandatory == []
    assert any("CloudFront serves the API over HTTPS" in r for r in result.plan.reasons["api"])


def test_with_a_certificate_the_load_balancer_serves_https_itself(tmp_path: Path) -> None:
    result = api_only_dev(
        tmp_path,
        domain="app.example.com",
        certificateArn="arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
    )
    assert not [r for r in result.resources if r.type == "farm:web:ApiEdge"]
    (lb,) = [r for r in result.resources if r.type == "aws:lb/loadBalancer:LoadBalancer"]
    assert lb.inputs["internal"] is False
    assert result.policy is not None and result.policy.mandatory == []
