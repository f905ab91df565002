"""The preview components alone, under the mock engine: exact inputs, and the switches."""

from __future__ import annotations

import pytest

from analysis.errors import UserError
from farm_deploy.offline.engine import run_offline


def _site(vpc_origin_id: str | None):
    from components.preview_site import PreviewSite, PreviewSiteArgs

    def program() -> None:
        PreviewSite(
            "p-web",
            PreviewSiteArgs(
                api_origin_domain="internal-dev-alb.us-east-1.elb.amazonaws.com",
                api_origin_protocol="http-only",
                cache_policy_id="cache-1",
                response_headers_policy_id="headers-1",
                spa_function_arn="arn:aws:cloudfront::123456789012:function/spa",
                route_header="X-Farm-Preview",
                route_value="pr-5",
                vpc_origin_id=vpc_origin_id,
            ),
        )

    return run_offline(program, stack="pr-5")


def test_the_site_forwards_api_calls_with_its_header_through_a_public_origin() -> None:
    run = _site(None)
    (cdn,) = run.of_type("aws:cloudfront/distribution:Distribution")
    api = next(o for o in cdn.inputs["origins"] if o["originId"] == "api")
    assert api["customHeaders"] == [{"name": "X-Farm-Preview", "value": "pr-5"}]
    assert api["customOriginConfig"]["originProtocolPolicy"] == "http-only" and "vpcOriginConfig" not in api
    assert cdn.inputs["defaultCacheBehavior"]["cachePolicyId"] == "cache-1"
    # the preview's bucket goes with the preview
    (bucket,) = run.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs["forceDestroy"] is True


def test_the_site_uses_devs_vpc_origin_when_dev_has_one() -> None:
    run = _site("vo-123")
    (cdn,) = run.of_type("aws:cloudfront/distribution:Distribution")
    api = next(o for o in cdn.inputs["origins"] if o["originId"] == "api")
    assert api["vpcOriginConfig"]["vpcOriginId"] == "vo-123" and "customOriginConfig" not in api
    assert api["customHeaders"] == [{"name": "X-Farm-Preview", "value": "pr-5"}]


def test_the_database_refuses_devs_own_database() -> None:
    from components.preview_database import PreviewDatabase, PreviewDatabaseArgs

    def program() -> None:
        PreviewDatabase(
            "p-db",
            PreviewDatabaseArgs(
                project_id="p",
                cluster_name="c",
                srv="mongodb+srv://c.abcde.mongodb.net",
                dev_database_name="app",
                database_name="app",
                username="u",
            ),
        )

    with pytest.raises(UserError, match="must not be dev's"):
        run_offline(program, stack="pr-5")
