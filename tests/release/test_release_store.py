"""The release store stack under the offline engine: a private bucket CloudFront distributions of the
account read `web/*` from, and an ECR repository with immutable tags, both protected."""

from __future__ import annotations

import json

import pytest

from analysis.errors import UserError
from components.release_store import ReleaseStore, ReleaseStoreArgs
from farm_deploy.offline.engine import run_offline
from farm_deploy.release_store_program import main


def by_type(run, typ: str) -> list:
    return [r for r in run.resources if r.type == typ]


def test_the_release_store_stack() -> None:
    run = run_offline(main, project="farm-release-store", stack="release")
    (bucket,) = by_type(run, "aws:s3/bucket:Bucket")
    (repo,) = by_type(run, "aws:ecr/repository:Repository")
    assert bucket.protect and repo.protect
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.inputs["forceDelete"] is False
    (block,) = by_type(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block.inputs[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    (policy,) = by_type(run, "aws:s3/bucketPolicy:BucketPolicy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    read = next(s for s in statements if s["Effect"] == "Allow")
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Resource"].endswith("/web/*")  # manifests/ is not served
    assert read["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*"}}
    assert {r.type for r in run.resources if r.type.startswith("farm:")} == {"farm:release:ReleaseStore"}
    assert set(run.outputs) == {"releaseBucket", "releaseRepository"}


@pytest.mark.parametrize(("field", "value"), [("account_id", "1234"), ("keep_images", 0)])
def test_bad_args_are_one_message(field: str, value) -> None:
    args = ReleaseStoreArgs(account_id="123456789012")
    setattr(args, field, value)
    with pytest.raises(UserError) as info:
        run_offline(lambda: ReleaseStore("store", args))
    assert info.value.key == field
