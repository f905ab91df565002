"""StaticSite: the React build in a private S3 bucket behind CloudFront.

The bucket is never public: CloudFront reads it through Origin Access Control
and the bucket policy names that one distribution. `/api/*` goes to the API
origin (ALB or Lambda function URL) uncached with the viewer's headers except
Host; everything else is the SPA: client-side routes get `/index.html` from
an edge function (and from 403/404 error responses when no API shares the
distribution, see `_error_responses`).

Two ways to serve the front end:

- A released version (`release`): the bundle `release build` uploaded once to
  `s3://<release bucket>/web/<version>/`. The S3 origin is the release bucket
  with the origin path `/web/<version>`: CloudFront appends the origin path to
  every request it sends to the origin, so `/index.html` is fetched from
  `web/<version>/index.html`
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOriginPath).
  Every version stays side by side in the bucket; changing the version is a
  distribution update and an invalidation, nothing is built or uploaded, and
  the component declares the same resources whatever is on the local disk.
- From the checkout (dev convenience): `pulumi up` runs the build (when no
  prebuilt folder is given), uploads each file to the site bucket with the
  Content-Type and Cache-Control of `site_files`, and invalidates CloudFront
  only when the folder's content hash changed. Preview and the offline plan
  never run the build.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi import dynamic

from analysis.errors import UserError
from analysis.stack_config import check_web_version

from .common import child_opts, merge_tags, private_bucket
from .iam import policy_document
from .lambda_package import may_build
from .site_files import SiteFile, content_hash, walk_site

PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
ORIGIN_PROTOCOLS = ("https-only", "http-only")
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
S3_ORIGIN_ID = "s3"
API_ORIGIN_ID = "api"
HSTS_MAX_AGE = 63072000  # two years; preload lists require at least one

# SPA fallback at the edge, on the site's behaviour only: a path whose last
# segment has no extension (`/`, `/chat/42`) is a client-side route and gets
# index.html; files (`/assets/app-1a2b3c4d.js`) are fetched as they are, so a
# missing asset stays a 403/404 instead of HTML served as JavaScript.
SPA_REWRITE_JS = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
"""


@dataclass
class WebBuild:
    """How to build the front end at `pulumi up` time."""

    web_root: str  # absolute folder holding package.json
    build_command: str = "npm run build"
    output_dir: str = "dist"  # relative to root
    env: dict[str, str] = field(default_factory=dict)  # e.g. {"VITE_API_URL": "/api"}


@dataclass
class ReleasedWeb:
    """A released front end: `s3://<bucket>/web/<version>/`, written by `farm-deploy release build`."""

    bucket: str  # the release bucket's name
    region: str  # its region (for the regional S3 endpoint CloudFront should use)
    version: str  # one folder under web/


@dataclass
class StaticSiteArgs:
    release: ReleasedWeb | None = None  # serve this released version; nothing built or uploaded
    site_dir: str | None = None  # a built folder to upload as is, instead of `build`
    build: WebBuild | None = None  # or build it first, at `pulumi up` only
    api_origin_domain: pulumi.Input[str] | None = None  # host name of the API origin; None: no /api route
    api_origin_protocol: str = "https-only"  # "http-only" for an ALB without a certificate
    # A CloudFront VPC origin (ApiService.vpc_origin_id) to reach the API through: the
    # internal load balancer has no public address; the protocol is the VPC origin's.
    api_vpc_origin_id: pulumi.Input[str] | None = None
    api_path_pattern: str = "/api/*"
    # Headers CloudFront adds to every request to the API origin (a public load
    # balancer's origin check: ApiService.origin_secret under ORIGIN_HEADER).
    api_origin_headers: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # ACM certificate in us-east-1, required with aliases: an operator's ARN, or a
    # Certificate component's validated ARN (an Output, checked where it is made).
    certificate_arn: pulumi.Input[str] | None = None
    aliases: list[str] = field(default_factory=list)
    price_class: str = "PriceClass_100"
    # ARN of a CLOUDFRONT-scope WAFv2 web ACL (WebAcl), None: no web firewall.
    web_acl_arn: pulumi.Input[str] | None = None
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- invalidation
#
# Pulumi has no CloudFront invalidation resource. A dynamic resource rather
# than a pulumi-command `local.Command` running the AWS CLI: no extra provider
# plugin, no AWS CLI on the operator's machine (boto3 is already a dependency),
# and its `diff` is exactly "did the content hash change", so an unchanged
# site never triggers an invalidation.


def _create_invalidation(distribution_id: str, content_hash_: str, paths: list[str]) -> str:
    import boto3

    client = boto3.client("cloudfront")
    result = client.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            # Unique per request: going back to an earlier content hash must
            # invalidate again, not return the old invalidation.
            "CallerReference": f"{content_hash_[:32]}-{time.time_ns()}",
        },
    )
    return str(result["Invalidation"]["Id"])


class InvalidationProvider(dynamic.ResourceProvider):
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        invalidation = _create_invalidation(props["distribution_id"], props["content_hash"], props["paths"])
        return dynamic.CreateResult(
            id_=f"{props['distribution_id']}/{props['content_hash'][:16]}",
            outs={**props, "invalidation_id": invalidation},
        )

    def diff(self, _id: str, old: dict[str, Any], new: dict[str, Any]) -> dynamic.DiffResult:
        changed = [k for k in ("distribution_id", "content_hash", "paths") if old.get(k) != new.get(k)]
        return dynamic.DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, _old: dict[str, Any], new: dict[str, Any]) -> dynamic.UpdateResult:
        invalidation = _create_invalidation(new["distribution_id"], new["content_hash"], new["paths"])
        return dynamic.UpdateResult(outs={**new, "invalidation_id": invalidation})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # An invalidation cannot be undone; nothing to delete.
        return None


class CloudFrontInvalidation(dynamic.Resource, module="farm", name="CloudFrontInvalidation"):
    invalidation_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        distribution_id: pulumi.Input[str],
        content_hash_: str,
        paths: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            InvalidationProvider(),
            name,
            {
                "distribution_id": distribution_id,
                "content_hash": content_hash_,
                "paths": paths,
                "invalidation_id": None,
            },
            opts,
        )


# ---------------------------------------------------------------- component


class StaticSite(pulumi.ComponentResource):
    url: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: StaticSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:web:StaticSite", name, None, opts)
        self._name = name
        self._args = args
        self._tags = merge_tags(args.tags, name)
        self.warnings: list[str] = []
        self._validate()

        bucket, access_block = self._create_bucket()
        distribution = self._create_distribution(bucket)
        self._create_bucket_policy(bucket, distribution, access_block)

        self.files: list[SiteFile] = self._site_files() if args.release is None else []
        self.content_hash: str | None = content_hash(self.files) if self.files else None
        if args.release is not None:
            # What users get changes exactly when the served version does.
            self.content_hash = f"web-version:{args.release.version}"
        objects = self._upload(bucket, self.files)
        self.invalidation = self._create_invalidation(distribution, objects)

        host = args.aliases[0] if args.aliases else None
        self.url = pulumi.Output.concat("https://", host or distribution.domain_name)
        self.distribution_id = distribution.id
        self.distribution_arn = distribution.arn
        self.domain_name = distribution.domain_name
        # CloudFront's own hosted zone, for alias records to the distribution.
        self.hosted_zone_id = distribution.hosted_zone_id
        self.bucket_name = bucket.bucket
        self.register_outputs(
            {
                "url": self.url,
                "distribution_id": self.distribution_id,
                "distribution_arn": self.distribution_arn,
                "domain_name": self.domain_name,
                "bucket_name": self.bucket_name,
                "content_hash": self.content_hash,
                "file_count": len(self.files),
                "web_version": args.release.version if args.release else None,
            }
        )

    # ------------------------------------------------------------------ checks

    def _validate(self) -> None:
        a = self._args
        if a.price_class not in PRICE_CLASSES:
            raise UserError(
                "unknown CloudFront price class", key="price_class", value=a.price_class, valid=list(PRICE_CLASSES)
            )
        if a.api_origin_protocol not in ORIGIN_PROTOCOLS:
            raise UserError(
                "unknown API origin protocol",
                key="api_origin_protocol",
                value=a.api_origin_protocol,
                valid=list(ORIGIN_PROTOCOLS),
            )
        if a.aliases and a.certificate_arn is None:
            raise UserError(
                "a custom domain on CloudFront needs an ACM certificate",
                key="certificate_arn",
                value=a.aliases,
                hint="request a certificate for the domain in us-east-1 and set `certificate_arn`",
            )
        if isinstance(a.certificate_arn, str) and not a.certificate_arn.startswith("arn:aws:acm:us-east-1:"):
            raise UserError(
                "CloudFront only uses ACM certificates from us-east-1",
                key="certificate_arn",
                value=a.certificate_arn,
                hint="request or import the certificate in us-east-1, whatever the stack's region",
            )
        if not a.api_path_pattern.startswith("/"):
            raise UserError("the API path pattern must start with /", key="api_path_pattern", value=a.api_path_pattern)
        if a.release is not None:
            if a.site_dir or a.build:
                raise UserError(
                    "a released front end is served as it is: no build and no folder to upload with it",
                    key="release",
                    value=a.release.version,
                )
            check_web_version(a.release.version, file=None, key="release.version")
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", a.release.bucket):
                raise UserError("not an S3 bucket name", key="release.bucket", value=a.release.bucket)

    # ------------------------------------------------------------------ bucket

    def _create_bucket(self) -> tuple[aws.s3.Bucket, aws.s3.BucketPublicAccessBlock]:
        a = self._args
        # No force_destroy: deleting the stack must not silently empty a bucket.
        bucket, access_block = private_bucket(
            self, self._name, tags=merge_tags(a.tags, f"{self._name}-bucket"), protect=a.protect, versioned=True
        )
        # Every deploy replaces index.html and friends; keep old versions long
        # enough to roll back by hand, not forever.
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-old-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=30
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=child_opts(self),
        )
        return bucket, access_block

    def _create_bucket_policy(
        self,
        bucket: aws.s3.Bucket,
        distribution: aws.cloudfront.Distribution,
        access_block: aws.s3.BucketPublicAccessBlock,
    ) -> aws.s3.BucketPolicy:
        policy = pulumi.Output.all(bucket.arn, distribution.arn).apply(lambda v: bucket_policy(v[0], v[1]))
        return aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=bucket.id,
            policy=policy,
            opts=child_opts(self, depends_on=[access_block]),
        )

    # ------------------------------------------------------------------ CDN

    def _create_distribution(self, bucket: aws.s3.Bucket) -> aws.cloudfront.Distribution:
        a = self._args
        oac = self._create_origin_access_control()
        headers = self._create_response_headers_policy()
        cache = self._create_cache_policy()
        spa = self._create_spa_function()
        # Preview stacks reuse these by id (CloudFront counts them per account).
        self.cache_policy, self.headers_policy, self.spa_function = cache, headers, spa

        origins = [self._site_origin(bucket, oac)]
        ordered: list[aws.cloudfront.DistributionOrderedCacheBehaviorArgs] = []
        if a.api_origin_domain is not None:
            origins.append(self._api_origin(a.api_origin_domain))
            ordered.append(self._api_behavior(headers))

        return aws.cloudfront.Distribution(
            f"{self._name}-cdn",
            enabled=True,
            comment=f"{self._name} front end",
            aliases=list(a.aliases) or None,
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=a.price_class,
            origins=origins,
            default_cache_behavior=spa_default_behavior(cache.id, headers.id, spa.arn),
            ordered_cache_behaviors=ordered or None,
            custom_error_responses=self._error_responses(),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=self._viewer_certificate(),
            # WAFv2 ACLs attach by ARN (WAF Classic ones by id).
            web_acl_id=a.web_acl_arn,
            tags=self._tags,
            opts=child_opts(self),
        )

    def _create_origin_access_control(self) -> aws.cloudfront.OriginAccessControl:
        return aws.cloudfront.OriginAccessControl(
            f"{self._name}-oac",
            description=f"{self._name}: CloudFront reads the site bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child_opts(self),
        )

    def _api_origin(self, domain: pulumi.Input[str]) -> aws.cloudfront.DistributionOriginArgs:
        if self._args.api_vpc_origin_id is not None:
            return aws.cloudfront.DistributionOriginArgs(
                origin_id=API_ORIGIN_ID,
                domain_name=domain,
                vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                    vpc_origin_id=self._args.api_vpc_origin_id, origin_read_timeout=60
                ),
            )
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=API_ORIGIN_ID,
            domain_name=domain,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80,
                https_port=443,
                origin_protocol_policy=self._args.api_origin_protocol,
                origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=60,
            ),
            custom_headers=[
                aws.cloudfront.DistributionOriginCustomHeaderArgs(name=name, value=value)
                for name, value in sorted(self._args.api_origin_headers.items())
            ]
            or None,
        )

    def _api_behavior(
        self, headers: aws.cloudfront.ResponseHeadersPolicy
    ) -> aws.cloudfront.DistributionOrderedCacheBehaviorArgs:
        return aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
            path_pattern=self._args.api_path_pattern, **api_behavior_args(self, headers.id)
        )

    def _viewer_certificate(self) -> aws.cloudfront.DistributionViewerCertificateArgs:
        if self._args.certificate_arn is not None:
            return aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=self._args.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            )
        return aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True)

    def _error_responses(self) -> list[aws.cloudfront.DistributionCustomErrorResponseArgs] | None:
        # Error responses apply to every origin of the distribution: with an
        # API behind /api/*, they would turn the API's 403 and 404 into
        # `200 index.html` (a failed login answered as success). The edge
        # function above does the SPA fallback then; without an API they also
        # catch deep links that contain a dot (`/u/jane.doe`).
        if self._args.api_origin_domain is not None:
            return None
        return [
            aws.cloudfront.DistributionCustomErrorResponseArgs(
                error_code=code, response_code=200, response_page_path="/index.html", error_caching_min_ttl=10
            )
            for code in (403, 404)
        ]

    def _create_spa_function(self) -> aws.cloudfront.Function:
        return aws.cloudfront.Function(
            f"{self._name}-spa",
            runtime="cloudfront-js-2.0",
            comment=f"{self._name}: client-side routes get index.html",
            code=SPA_REWRITE_JS,
            publish=True,
            opts=child_opts(self),
        )

    def _create_response_headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-headers",
            comment=f"{self._name}: security headers",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True
                ),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True
                ),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True
                ),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True
                ),
                xss_protection=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs(
                    protection=True, mode_block=True, override=True
                ),
            ),
            opts=child_opts(self),
        )

    def _create_cache_policy(self) -> aws.cloudfront.CachePolicy:
        # min TTL 0 so the objects' own Cache-Control decides: `no-cache` on
        # index.html is honoured, `immutable` assets stay for a year.
        return aws.cloudfront.CachePolicy(
            f"{self._name}-cache",
            comment=f"{self._name}: honour the objects' Cache-Control",
            min_ttl=0,
            default_ttl=3600,
            max_ttl=31536000,
            parameters_in_cache_key_and_forwarded_to_origin=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior="none"
                ),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="none"
                ),
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="none"
                ),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            ),
            opts=child_opts(self),
        )

    # ------------------------------------------------------------------ content

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        pulumi.log.warn(message, resource=self)

    def _site_origin(
        self, bucket: aws.s3.Bucket, oac: aws.cloudfront.OriginAccessControl
    ) -> aws.cloudfront.DistributionOriginArgs:
        release = self._args.release
        if release is None:
            return aws.cloudfront.DistributionOriginArgs(
                origin_id=S3_ORIGIN_ID,
                domain_name=bucket.bucket_regional_domain_name,
                origin_access_control_id=oac.id,
            )
        # The regional endpoint, as CloudFront recommends for S3 origins
        # (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistS3AndCustomOrigins.html).
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=S3_ORIGIN_ID,
            domain_name=f"{release.bucket}.s3.{release.region}.amazonaws.com",
            origin_path=f"/web/{release.version}",
            origin_access_control_id=oac.id,
        )

    def _site_files(self) -> list[SiteFile]:
        a = self._args
        if a.site_dir:
            folder = Path(a.site_dir)
        elif a.build:
            folder = Path(a.build.web_root) / a.build.output_dir
            if may_build():
                run_build(a.build)
        else:
            self._warn(f"{self._name}: no front-end folder and no build: the bucket and CDN are created empty")
            return []
        if not folder.is_dir():
            self._warn(
                f"{self._name}: {folder} does not exist yet, so no files will be uploaded by this run; "
                "`pulumi up` builds and uploads the front end"
            )
            return []
        files = walk_site(folder)
        if not files:
            self._warn(f"{self._name}: {folder} is empty: nothing to upload")
        elif not any(f.key == "index.html" for f in files):
            self._warn(f"{self._name}: {folder} has no index.html: the site root and SPA fallback will fail")
        return files

    def _upload(self, bucket: aws.s3.Bucket, files: list[SiteFile]) -> list[aws.s3.BucketObjectv2]:
        # Named from the object key: a file keeps its resource across deploys,
        # so an unchanged file is no change at all.
        return [
            aws.s3.BucketObjectv2(
                f"{self._name}-file-{f.key}",
                bucket=bucket.id,
                key=f.key,
                source=pulumi.FileAsset(str(f.path)),
                source_hash=f.sha256,
                content_type=f.content_type,
                cache_control=f.cache_control,
                opts=child_opts(self),
            )
            for f in files
        ]

    def _create_invalidation(
        self, distribution: aws.cloudfront.Distribution, objects: list[aws.s3.BucketObjectv2]
    ) -> CloudFrontInvalidation | None:
        if self.content_hash is None:
            return None
        return CloudFrontInvalidation(
            f"{self._name}-invalidation",
            distribution_id=distribution.id,
            content_hash_=self.content_hash,
            paths=["/*"],
            opts=child_opts(self, depends_on=list(objects)),
        )


def api_behavior_args(parent: pulumi.Resource, response_headers_policy_id: pulumi.Input[str]) -> dict[str, Any]:
    """The API's cache behaviour: nothing cached, every method, the viewer's headers but Host forwarded.

    CloudFront's managed policies (looked up by name through `parent`'s provider);
    https-only rather than a redirect, because a redirected POST loses its body and
    API clients should fail loudly on plain HTTP. Shared by StaticSite, PreviewSite
    and ApiEdge (`...OrderedCacheBehaviorArgs(path_pattern=..., **these)` or the default behaviour).
    """
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    caching_disabled = aws.cloudfront.get_cache_policy_output(name="Managed-CachingDisabled", opts=invoke)
    all_viewer = aws.cloudfront.get_origin_request_policy_output(name="Managed-AllViewerExceptHostHeader", opts=invoke)
    return {
        "target_origin_id": API_ORIGIN_ID,
        "viewer_protocol_policy": "https-only",
        "allowed_methods": ALL_METHODS,
        "cached_methods": ["GET", "HEAD"],
        "cache_policy_id": caching_disabled.id,
        "origin_request_policy_id": all_viewer.id,
        "response_headers_policy_id": response_headers_policy_id,
        "compress": True,
    }


def spa_default_behavior(
    cache_policy_id: pulumi.Input[str],
    response_headers_policy_id: pulumi.Input[str],
    spa_function_arn: pulumi.Input[str],
    origin_id: str = S3_ORIGIN_ID,
) -> aws.cloudfront.DistributionDefaultCacheBehaviorArgs:
    """The site's files from the bucket over HTTPS, read-only, with the SPA fallback on every request."""
    return aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
        target_origin_id=origin_id,
        viewer_protocol_policy="redirect-to-https",
        allowed_methods=["GET", "HEAD", "OPTIONS"],
        cached_methods=["GET", "HEAD"],
        cache_policy_id=cache_policy_id,
        response_headers_policy_id=response_headers_policy_id,
        compress=True,
        function_associations=[
            aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                event_type="viewer-request", function_arn=spa_function_arn
            )
        ],
    )


def bucket_policy(bucket_arn: str, distribution_arn: str) -> str:
    """Read access for this one distribution, over TLS only."""
    return policy_document(
        {
            "Sid": "AllowCloudFrontRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


def run_build(build: WebBuild) -> None:
    """Run the front end's build command; a failure stops the deploy with its output."""
    root = Path(build.web_root)
    if not root.is_dir():
        raise UserError("the front-end folder does not exist", key="web.root", value=build.web_root)
    result = subprocess.run(
        build.build_command,
        shell=True,  # the operator's own command line, e.g. `npm ci && npm run build`
        cwd=root,
        env={**os.environ, **build.env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise UserError(
            f"the front-end build failed (exit {result.returncode})",
            key="web.build_command",
            value=(result.stderr or result.stdout or "").strip()[-2000:] or build.build_command,
            hint=f"run `{build.build_command}` in {root} to see the whole output, or set `site_dir` to a folder built beforehand",
        )
