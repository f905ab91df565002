"""StaticSite under the offline engine: private bucket, CloudFront, upload, invalidation on change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

import components.static_site as static_site
from analysis.errors import UserError
from components.site_files import IMMUTABLE, NO_CACHE, content_hash, walk_site
from components.static_site import SPA_REWRITE_JS, InvalidationProvider, StaticSite, StaticSiteArgs, WebBuild
from farm_deploy.offline.data_sources import answer
from farm_deploy.offline.engine import OfflineRun, run_offline

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
INVALIDATION = "pulumi-python:dynamic/farm:CloudFrontInvalidation"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


def managed_id(token: str, name: str) -> str:
    return answer(token, {"name": name})["id"]


CACHING_DISABLED = managed_id("aws:cloudfront/getCachePolicy:getCachePolicy", "Managed-CachingDisabled")
ALL_VIEWER_EXCEPT_HOST = managed_id(
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy", "Managed-AllViewerExceptHostHeader"
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    dist = tmp_path / "web" / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-DiwrgTda.js").write_text("console.log('app')")
    (dist / "assets" / "index-B7x9kQ2a.css").write_text("body{}")
    (dist / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    return dist


def run(**overrides: Any) -> tuple[OfflineRun, StaticSite]:
    holder: dict[str, StaticSite] = {}
    args = StaticSiteArgs(**overrides)

    def program() -> None:
        web = StaticSite("web", args)
        holder["web"] = web
        for key in ("url", "distribution_id", "distribution_arn", "domain_name", "bucket_name"):
            pulumi.export(key, getattr(web, key))

    result = run_offline(program)
    return result, holder["web"]


def distribution(result: OfflineRun) -> dict[str, Any]:
    return result.one(DISTRIBUTION).inputs


# ------------------------------------------------------------------ bucket


def test_bucket_is_private_encrypted_versioned_and_owner_enforced(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    bucket = result.one("aws:s3/bucket:Bucket")
    assert bucket.inputs == {"tags": {"Name": "web-bucket"}}  # no forceDestroy, no ACL, no inline policy
    assert result.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs == {
        "bucket": "web-bucket-id",
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert result.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs == {
        "bucket": "web-bucket-id",
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
    }
    assert result.one("aws:s3/bucketVersioning:BucketVersioning").inputs == {
        "bucket": "web-bucket-id",
        "versioningConfiguration": {"status": "Enabled"},
    }
    assert result.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs == {
        "bucket": "web-bucket-id",
        "rule": {"objectOwnership": "BucketOwnerEnforced"},
    }
    rules = result.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rules[0]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert not [r for r in result.resources if r.type.startswith("aws:s3/") and "V2" in r.type]


def test_bucket_policy_lets_only_this_distribution_read_over_tls(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    bucket_arn = "arn:aws:s3:::web-bucket"
    policy = json.loads(result.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "AllowCloudFrontRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {
                "StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EFAA1E68FA0B88"}
            },
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


@pytest.mark.parametrize("protect", [True, False])
def test_bucket_is_protected_only_when_asked(site: Path, protect: bool) -> None:
    result, _ = run(site_dir=str(site), protect=protect)
    bucket = result.one("aws:s3/bucket:Bucket")
    assert (bucket.protect, bucket.retain_on_delete) == (protect, protect)
    assert [r.name for r in result.resources if r.protect and r is not bucket] == []


# ------------------------------------------------------------------ CloudFront


def test_distribution_serves_the_bucket_through_oac_and_routes_api(site: Path) -> None:
    result, _ = run(
        site_dir=str(site), api_origin_domain="api-alb-123.us-east-1.elb.amazonaws.com", api_origin_protocol="http-only"
    )
    assert result.one("aws:cloudfront/originAccessControl:OriginAccessControl").inputs == {
        "description": "web: CloudFront reads the site bucket",
        "originAccessControlOriginType": "s3",
        "signingBehavior": "always",
        "signingProtocol": "sigv4",
    }
    d = distribution(result)
    assert d["enabled"] is True
    assert d["defaultRootObject"] == "index.html"
    assert d["httpVersion"] == "http2and3"
    assert d["isIpv6Enabled"] is True
    assert d["priceClass"] == "PriceClass_100"
    assert d["origins"] == [
        {
            "originId": "s3",
            "domainName": "web-bucket.s3.us-east-1.amazonaws.com",
            "originAccessControlId": "web-oac-id",
        },
        {
            "originId": "api",
            "domainName": "api-alb-123.us-east-1.elb.amazonaws.com",
            "customOriginConfig": {
                "httpPort": 80,
                "httpsPort": 443,
                "originProtocolPolicy": "http-only",
                "originSslProtocols": ["TLSv1.2"],
                "originReadTimeout": 60,
            },
        },
    ]
    assert d["defaultCacheBehavior"] == {
        "targetOriginId": "s3",
        "viewerProtocolPolicy": "redirect-to-https",
        "allowedMethods": ["GET", "HEAD", "OPTIONS"],
        "cachedMethods": ["GET", "HEAD"],
        "cachePolicyId": "web-cache-id",
        "responseHeadersPolicyId": "web-headers-id",
        "compress": True,
        "functionAssociations": [
            {"eventType": "viewer-request", "functionArn": "arn:aws:cloudfront::123456789012:function/web-spa"}
        ],
    }
    assert d["orderedCacheBehaviors"] == [
        {
            "pathPattern": "/api/*",
            "targetOriginId": "api",
            "viewerProtocolPolicy": "https-only",
            "allowedMethods": ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
            "cachedMethods": ["GET", "HEAD"],
            "cachePolicyId": CACHING_DISABLED,
            "originRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
            "responseHeadersPolicyId": "web-headers-id",
            "compress": True,
        }
    ]
    # With an API behind the same distribution, error responses would rewrite
    # the API's own 403/404 into `200 index.html`: the edge function does the
    # SPA fallback instead.
    assert "customErrorResponses" not in d
    assert d["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert "aliases" not in d


def test_without_an_api_there_is_one_origin_and_no_lookup(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    d = distribution(result)
    assert [o["originId"] for o in d["origins"]] == ["s3"]
    assert "orderedCacheBehaviors" not in d
    assert not [t for t, _ in result.calls if t.startswith("aws:cloudfront/")]
    # No API to protect: S3's 403/404 also fall back to the SPA.
    assert d["customErrorResponses"] == [
        {"errorCode": 403, "responseCode": 200, "responsePagePath": "/index.html", "errorCachingMinTtl": 10},
        {"errorCode": 404, "responseCode": 200, "responsePagePath": "/index.html", "errorCachingMinTtl": 10},
    ]
    assert d["defaultCacheBehavior"]["functionAssociations"][0]["eventType"] == "viewer-request"


def test_spa_function_is_published_on_the_js_2_runtime(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    fn = result.one("aws:cloudfront/function:Function").inputs
    assert fn["runtime"] == "cloudfront-js-2.0"
    assert fn["publish"] is True
    assert fn["code"] == SPA_REWRITE_JS


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the edge function")
def test_spa_function_rewrites_routes_but_not_files() -> None:
    uris = ["/", "/chat/42", "/settings", "/index.html", "/assets/index-DiwrgTda.js", "/favicon.ico", "/robots.txt"]
    harness = (
        SPA_REWRITE_JS
        + f"\nconsole.log(JSON.stringify({json.dumps(uris)}.map(u => handler({{request: {{uri: u}}}}).uri)));\n"
    )
    out = subprocess.run(["node", "-e", harness], capture_output=True, text=True, check=True, timeout=30).stdout
    assert dict(zip(uris, json.loads(out), strict=True)) == {
        "/": "/index.html",
        "/chat/42": "/index.html",
        "/settings": "/index.html",
        "/index.html": "/index.html",
        "/assets/index-DiwrgTda.js": "/assets/index-DiwrgTda.js",
        "/favicon.ico": "/favicon.ico",
        "/robots.txt": "/robots.txt",
    }


def test_certificate_and_aliases_use_tls_1_2_2021_with_sni(site: Path) -> None:
    result, _ = run(site_dir=str(site), certificate_arn=CERT, aliases=["app.example.com"], price_class="PriceClass_All")
    d = distribution(result)
    assert d["viewerCertificate"] == {
        "acmCertificateArn": CERT,
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    assert d["aliases"] == ["app.example.com"]
    assert d["priceClass"] == "PriceClass_All"
    assert result.outputs["url"] == "https://app.example.com"


def test_security_headers_and_cache_policy(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    headers = result.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy").inputs["securityHeadersConfig"]
    assert headers == {
        "strictTransportSecurity": {
            "accessControlMaxAgeSec": 63072000,
            "includeSubdomains": True,
            "preload": True,
            "override": True,
        },
        "contentTypeOptions": {"override": True},
        "frameOptions": {"frameOption": "DENY", "override": True},
        "referrerPolicy": {"referrerPolicy": "strict-origin-when-cross-origin", "override": True},
        "xssProtection": {"protection": True, "modeBlock": True, "override": True},
    }
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    cache = result.one("aws:cloudfront/cachePolicy:CachePolicy").inputs
    assert (cache["minTtl"], cache["defaultTtl"], cache["maxTtl"]) == (0, 3600, 31536000)
    params = cache["parametersInCacheKeyAndForwardedToOrigin"]
    assert params["enableAcceptEncodingGzip"] is True and params["enableAcceptEncodingBrotli"] is True
    assert params["cookiesConfig"] == {"cookieBehavior": "none"}
    assert params["queryStringsConfig"] == {"queryStringBehavior": "none"}


def test_outputs(site: Path) -> None:
    result, _ = run(site_dir=str(site))
    assert result.outputs == {
        "url": "https://web-cdn.cloudfront.net",
        "distribution_id": "web-cdn-id",
        "distribution_arn": "arn:aws:cloudfront::123456789012:distribution/EFAA1E68FA0B88",
        "domain_name": "web-cdn.cloudfront.net",
        "bucket_name": "web-bucket-0123abcd",
    }


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"aliases": ["app.example.com"]}, "certificate_arn"),
        ({"certificate_arn": CERT.replace("us-east-1", "eu-west-1")}, "certificate_arn"),
        ({"price_class": "PriceClass_Cheap"}, "price_class"),
        ({"api_origin_domain": "x", "api_origin_protocol": "match-viewer"}, "api_origin_protocol"),
        ({"api_path_pattern": "api/*"}, "api_path_pattern"),
    ],
)
def test_bad_settings_are_user_errors(site: Path, overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(UserError) as err:
        run(site_dir=str(site), **overrides)
    assert err.value.key == key


# ------------------------------------------------------------------ upload


def test_every_file_is_uploaded_with_its_headers_under_a_stable_name(site: Path) -> None:
    result, web = run(site_dir=str(site))
    objects = {r.name: r.inputs for r in result.of_type(OBJECT)}
    assert sorted(objects) == [
        "web-file-assets/index-B7x9kQ2a.css",
        "web-file-assets/index-DiwrgTda.js",
        "web-file-favicon.ico",
        "web-file-index.html",
    ]
    index = objects["web-file-index.html"]
    assert index["key"] == "index.html"
    assert index["bucket"] == "web-bucket-id"
    assert index["contentType"] == "text/html; charset=utf-8"
    assert index["cacheControl"] == NO_CACHE
    assert isinstance(index["source"], pulumi.FileAsset)
    assert Path(index["source"].path) == (site / "index.html").resolve()
    files = {f.key: f for f in walk_site(site)}
    assert index["sourceHash"] == files["index.html"].sha256
    js = objects["web-file-assets/index-DiwrgTda.js"]
    assert (js["key"], js["contentType"], js["cacheControl"]) == (
        "assets/index-DiwrgTda.js",
        "text/javascript; charset=utf-8",
        IMMUTABLE,
    )
    assert web.warnings == []


def test_invalidation_follows_the_content_hash(site: Path) -> None:
    first, _ = run(site_dir=str(site))
    again, _ = run(site_dir=str(site))
    inv = first.one(INVALIDATION)
    assert inv.inputs["content_hash"] == content_hash(walk_site(site))
    assert inv.inputs["distribution_id"] == "web-cdn-id"
    assert inv.inputs["paths"] == ["/*"]
    # Same content, same trigger: the provider's diff reports no change.
    assert again.one(INVALIDATION).inputs["content_hash"] == inv.inputs["content_hash"]

    (site / "index.html").write_text("<!doctype html><div id=root></div><!-- v2 -->")
    changed, _ = run(site_dir=str(site))
    assert changed.one(INVALIDATION).inputs["content_hash"] != inv.inputs["content_hash"]


def test_invalidation_provider_diffs_on_the_hash_only() -> None:
    provider = InvalidationProvider()
    old = {"distribution_id": "E1", "content_hash": "a" * 64, "paths": ["/*"], "invalidation_id": "I1"}
    assert provider.diff("id", old, {**old, "invalidation_id": None}).changes is False
    assert provider.diff("id", old, {**old, "content_hash": "b" * 64}).changes is True
    assert provider.diff("id", old, {**old, "distribution_id": "E2"}).changes is True
    assert provider.diff("id", old, {**old, "content_hash": "b" * 64}).replaces == []


def test_invalidation_provider_invalidates_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3

        cloudfront = boto3.client("cloudfront")
        dist_id = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {"Id": "s3", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "s3",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "MinTTL": 0,
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                },
            }
        )["Distribution"]["Id"]
        provider = InvalidationProvider()
        props = {"distribution_id": dist_id, "content_hash": "c" * 64, "paths": ["/*"], "invalidation_id": None}
        created = provider.create(props)
        updated = provider.update(created.id, created.outs, {**props, "content_hash": "d" * 64})
        listed = cloudfront.list_invalidations(DistributionId=dist_id)["InvalidationList"]
        ids = {i["Id"] for i in listed["Items"]}
        batch = cloudfront.get_invalidation(DistributionId=dist_id, Id=created.outs["invalidation_id"])
    assert listed["Quantity"] == 2
    assert ids == {created.outs["invalidation_id"], updated.outs["invalidation_id"]}
    assert batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


# ------------------------------------------------------------------ build


def build_that_writes(tmp_path: Path) -> WebBuild:
    """A real build command: writes dist/index.html and a marker we can look for."""
    root = tmp_path / "web"
    root.mkdir(exist_ok=True)
    script = (
        "import pathlib, os; d = pathlib.Path('dist'); d.mkdir(exist_ok=True); "
        "(d / 'index.html').write_text('<html>' + os.environ['VITE_API_URL'] + '</html>'); "
        "pathlib.Path('built.marker').write_text('yes')"
    )
    return WebBuild(web_root=str(root), build_command=f'"{sys.executable}" -c "{script}"', env={"VITE_API_URL": "/api"})


def test_offline_plan_never_runs_the_build_and_says_so(tmp_path: Path) -> None:
    build = build_that_writes(tmp_path)
    result, web = run(build=build)
    assert not (Path(build.web_root) / "built.marker").exists()
    assert result.of_type(OBJECT) == []
    assert result.of_type(INVALIDATION) == []
    assert result.of_type(DISTRIBUTION) and result.of_type("aws:s3/bucket:Bucket")
    assert len(web.warnings) == 1
    assert "no files will be uploaded" in web.warnings[0]


def test_up_runs_the_build_then_uploads_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_site, "may_build", lambda: True)
    build = build_that_writes(tmp_path)
    result, web = run(build=build)
    assert (Path(build.web_root) / "built.marker").read_text() == "yes"
    assert (Path(build.web_root) / "dist" / "index.html").read_text() == "<html>/api</html>"
    assert [r.inputs["key"] for r in result.of_type(OBJECT)] == ["index.html"]
    assert result.one(INVALIDATION).inputs["content_hash"] == web.content_hash
    assert web.warnings == []


def test_a_failing_build_stops_with_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_site, "may_build", lambda: True)
    root = tmp_path / "web"
    root.mkdir()
    failing = WebBuild(
        web_root=str(root), build_command=f'"{sys.executable}" -c "import sys; sys.exit(\'vite: syntax error\')"'
    )
    with pytest.raises(UserError) as err:
        run(build=failing)
    assert "vite: syntax error" in str(err.value.value)
    assert err.value.key == "web.build_command"


def test_no_folder_and_no_build_creates_an_empty_site_with_a_warning() -> None:
    result, web = run()
    assert result.of_type(OBJECT) == []
    assert result.of_type(INVALIDATION) == []
    assert web.warnings and "created empty" in web.warnings[0]


def test_a_prebuilt_folder_wins_over_the_build(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_site, "may_build", lambda: True)
    build = build_that_writes(tmp_path)
    result, _ = run(site_dir=str(site), build=build)
    assert not (Path(build.web_root) / "built.marker").exists()
    assert len(result.of_type(OBJECT)) == 4


def test_every_child_belongs_to_the_component(site: Path) -> None:
    result, _ = run(site_dir=str(site), api_origin_domain="api.example.com")
    component = result.one("farm:web:StaticSite")
    assert len(result.children_of(component)) == len(result.resources) - 1
