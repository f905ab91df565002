"""The real checkov on converted resources: a failing resource is found, a reference links two resources.

Skipped when checkov is not installed (`bash .ci/run` installs it in .venv-scan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from farm_deploy.offline.engine import RecordedResource
from farm_deploy.scan import convert, run_checkov


def _res(typ: str, name: str, inputs: dict[str, Any]) -> RecordedResource:
    return RecordedResource(
        type=typ, name=name, urn=f"urn:pulumi:t::p::{typ}::{name}", parent=None, inputs=inputs, custom=True
    )


def _verdicts(checkov: str, tmp_path: Path, resources: list[RecordedResource]) -> dict[tuple[str, str], str]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(convert(resources).document), encoding="utf-8")
    results = run_checkov(checkov, plan)["results"]
    out = {(c["check_id"], c["resource"]): "failed" for c in results["failed_checks"]}
    out.update({(c["check_id"], c["resource"]): "passed" for c in results["passed_checks"]})
    return out


def _sg(name: str, cidr: str) -> RecordedResource:
    # As the mock engine records them: camelCase, numbers as floats.
    return _res(
        "aws:ec2/securityGroup:SecurityGroup",
        name,
        {
            "description": "test",
            "vpcId": "vpc-1",
            "ingress": [
                {"fromPort": 22.0, "toPort": 22.0, "protocol": "tcp", "cidrBlocks": [cidr], "description": "ssh"}
            ],
        },
    )


def test_an_open_ssh_port_fails_and_a_closed_one_passes(checkov: str, tmp_path: Path) -> None:
    verdicts = _verdicts(checkov, tmp_path, [_sg("open-sg", "0.0.0.0/0"), _sg("office-sg", "198.51.100.0/24")])
    # CKV_AWS_24: no ingress from 0.0.0.0/0 to port 22.
    assert verdicts[("CKV_AWS_24", "aws_security_group.open_sg")] == "failed"
    assert verdicts[("CKV_AWS_24", "aws_security_group.office_sg")] == "passed"


def test_a_reference_links_a_bucket_to_its_public_access_block(checkov: str, tmp_path: Path) -> None:
    bucket = _res("aws:s3/bucket:Bucket", "site", {"tags": {"Name": "site"}})
    lonely = _res("aws:s3/bucket:Bucket", "lonely", {"tags": {"Name": "lonely"}})
    block = _res(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "site-pab",
        # The mock engine's id for `site`: the converter turns it into a reference.
        {
            "bucket": "site-id",
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        },
    )
    verdicts = _verdicts(checkov, tmp_path, [bucket, lonely, block])
    # CKV2_AWS_6: a bucket has a public access block; a graph check that needs the link.
    assert verdicts[("CKV2_AWS_6", "aws_s3_bucket.site")] == "passed"
    assert verdicts[("CKV2_AWS_6", "aws_s3_bucket.lonely")] == "failed"
