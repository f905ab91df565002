"""StaticSite serving a released version: the release bucket as origin with the version's origin path,
no object uploaded, one invalidation per version; a release with a build or a bad name is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import UserError
from components.static_site import ReleasedWeb, StaticSite, StaticSiteArgs, WebBuild
from farm_deploy.offline.engine import run_offline


def site(args: StaticSiteArgs):
    return run_offline(lambda: StaticSite("web", args))


def test_a_released_version_is_served_from_the_release_bucket(tmp_path: Path) -> None:
    run = site(StaticSiteArgs(release=ReleasedWeb(bucket="rel-bucket", region="eu-west-1", version="web-1234abcd")))
    (cdn,) = run.of_type("aws:cloudfront/distribution:Distribution")
    (origin,) = cdn.inputs["origins"]
    assert origin == {
        "originId": "s3",
        "domainName": "rel-bucket.s3.eu-west-1.amazonaws.com",
        "originPath": "/web/web-1234abcd",
        "originAccessControlId": "web-oac-id",
    }
    assert not run.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    (invalidation,) = run.of_type("pulumi-python:dynamic/farm:CloudFrontInvalidation")
    assert (invalidation.inputs["content_hash"], invalidation.inputs["paths"]) == ("web-version:web-1234abcd", ["/*"])


@pytest.mark.parametrize(
    ("release", "extra", "key"),
    [
        (ReleasedWeb("rel-bucket", "us-east-1", "web-1"), {"build": WebBuild(web_root="/nowhere")}, "release"),
        (ReleasedWeb("rel-bucket", "us-east-1", "web-1"), {"site_dir": "/nowhere"}, "release"),
        (ReleasedWeb("rel-bucket", "us-east-1", "../web-1"), {}, "release.version"),
        (ReleasedWeb("Rel_Bucket", "us-east-1", "web-1"), {}, "release.bucket"),
    ],
)
def test_bad_releases_are_one_message(release: ReleasedWeb, extra: dict, key: str) -> None:
    with pytest.raises(UserError) as info:
        site(StaticSiteArgs(release=release, **extra))
    assert info.value.key == key


def test_the_origin_access_control_still_signs_requests() -> None:
    run = site(StaticSiteArgs(release=ReleasedWeb(bucket="rel-bucket", region="us-east-1", version="web-1")))
    (oac,) = run.of_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert (oac.inputs["signingBehavior"], oac.inputs["signingProtocol"]) == ("always", "sigv4")
