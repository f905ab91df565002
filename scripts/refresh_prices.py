"""Maintainer script: regenerate analysis/data/prices/aws-<region>.json from the AWS Price List API.

    python scripts/refresh_prices.py [--region us-east-1 ...] [--date YYYY-MM-DD]

Needs AWS credentials allowed `pricing:GetProducts`. The Price List API is
served from us-east-1 (and ap-south-1); its answers are JSON text per product,
each with `product.attributes` (`usagetype`, `regionCode`, ...) and on-demand
`terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`
(https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html,
https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-the-aws-price-list-query-api.html).

Each item is found by service code, a few TERM_MATCH filters and the suffix of
its usage type (the region prefix of usage types varies: `USE1-`, `EU-`, none),
and the cheapest first-tier on-demand rate is kept. An item the API does not
return is carried over from the current table, and its `source` says so.
CloudFront is priced by the viewer's location, not the stage's region, so its
items are carried over as they are. The Atlas, Vercel and Railway prices
(vendors.json) have no API: the script prints their pages to re-check by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PRICES_DIR = ROOT / "analysis" / "data" / "prices"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
GPU_TYPES = ("g4dn.xlarge", "g5.xlarge", "g6.xlarge")
API_SOURCE = "AWS Price List API (pricing:GetProducts, FormatVersion aws_v1, on-demand terms)"


@dataclass(frozen=True)
class Query:
    key: str
    service: str
    filters: dict[str, str] = field(default_factory=dict)
    usagetype_suffix: str = ""
    scale: float = 1.0  # the table's unit per the API's unit (per 1,000 requests: 1000)
    page: str = ""  # the public page the table cites next to the API


def queries() -> list[Query]:
    q = [
        Query("fargate.vcpu_hour", "AmazonECS", {}, "Fargate-vCPU-Hours:perCPU", page="https://aws.amazon.com/fargate/pricing/"),
        Query("fargate.gb_hour", "AmazonECS", {}, "Fargate-GB-Hours", page="https://aws.amazon.com/fargate/pricing/"),
        Query("alb.hour", "AWSELB", {"productFamily": "Load Balancer-Application"}, "LoadBalancerUsage",
              page="https://aws.amazon.com/elasticloadbalancing/pricing/"),
        Query("alb.lcu_hour", "AWSELB", {"productFamily": "Load Balancer-Application"}, "LCUUsage",
              page="https://aws.amazon.com/elasticloadbalancing/pricing/"),
        Query("nat.hour", "AmazonEC2", {"productFamily": "NAT Gateway"}, "NatGateway-Hours", page="https://aws.amazon.com/vpc/pricing/"),
        Query("nat.gb", "AmazonEC2", {"productFamily": "NAT Gateway"}, "NatGateway-Bytes", page="https://aws.amazon.com/vpc/pricing/"),
        Query("vpc.public_ipv4_hour", "AmazonVPC", {}, "PublicIPv4:InUseAddress", page="https://aws.amazon.com/vpc/pricing/"),
        Query("ebs.gp3_gb_month", "AmazonEC2", {"volumeApiName": "gp3", "productFamily": "Storage"}, "EBS:VolumeUsage.gp3",
              page="https://aws.amazon.com/ebs/pricing/"),
        Query("efs.standard_gb_month", "AmazonEFS", {"storageClass": "General Purpose"}, "TimedStorage-ByteHrs",
              page="https://aws.amazon.com/efs/pricing/"),
        Query("s3.standard_gb_month", "AmazonS3", {"volumeType": "Standard"}, "TimedStorage-ByteHrs", page="https://aws.amazon.com/s3/pricing/"),
        Query("s3.put_1k", "AmazonS3", {"group": "S3-API-Tier1"}, "Requests-Tier1", 1000, "https://aws.amazon.com/s3/pricing/"),
        Query("lambda.gb_second", "AWSLambda", {"group": "AWS-Lambda-Duration"}, "Lambda-GB-Second", page="https://aws.amazon.com/lambda/pricing/"),
        Query("lambda.requests_1m", "AWSLambda", {"group": "AWS-Lambda-Requests"}, "Request", 1_000_000,
              "https://aws.amazon.com/lambda/pricing/"),
        Query("cloudwatch.alarm_metric_month", "AmazonCloudWatch", {}, "CW:AlarmMonitorUsage", page="https://aws.amazon.com/cloudwatch/pricing/"),
        Query("cloudwatch.logs_ingest_gb", "AmazonCloudWatch", {"productFamily": "Data Payload"}, "DataProcessing-Bytes",
              page="https://aws.amazon.com/cloudwatch/pricing/"),
        Query("cloudwatch.logs_storage_gb_month", "AmazonCloudWatch", {"productFamily": "Storage Snapshot"}, "TimedStorage-ByteHrs",
              page="https://aws.amazon.com/cloudwatch/pricing/"),
        Query("secretsmanager.secret_month", "AWSSecretsManager", {}, "AWSSecretsManager-Secrets",
              page="https://aws.amazon.com/secrets-manager/pricing/"),
        Query("kms.key_month", "awskms", {}, "KMS-Keys", page="https://aws.amazon.com/kms/pricing/"),
        Query("sns.requests_1m", "AmazonSNS", {}, "Requests-Tier1", 1_000_000, "https://aws.amazon.com/sns/pricing/"),
        Query("ecr.gb_month", "AmazonECR", {}, "TimedStorage-ByteHrs", page="https://aws.amazon.com/ecr/pricing/"),
    ]  # fmt: skip
    for itype in GPU_TYPES:
        q.append(
            Query(
                f"ec2.{itype}",
                "AmazonEC2",
                {
                    "instanceType": itype,
                    "operatingSystem": "Linux",
                    "tenancy": "Shared",
                    "preInstalledSw": "NA",
                    "capacitystatus": "Used",
                },
                f"BoxUsage:{itype}",
                page="https://aws.amazon.com/ec2/pricing/on-demand/",
            )
        )
    return q


def products(client: Any, service: str, filters: dict[str, str], region: str) -> Iterable[dict[str, Any]]:
    """Every product of `service` in `region` matching `filters`, parsed."""
    terms = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
    terms += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()]
    token = None
    while True:
        kwargs: dict[str, Any] = {
            "ServiceCode": service,
            "Filters": terms,
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        for text in page.get("PriceList", []):
            yield json.loads(text) if isinstance(text, str) else text
        token = page.get("NextToken")
        if not token:
            return


def on_demand_usd(product: dict[str, Any]) -> float | None:
    """The first-tier (beginRange 0) on-demand USD rate of a product, if it has a non-zero one."""
    rates = []
    for offer in product.get("terms", {}).get("OnDemand", {}).values():
        for dim in offer.get("priceDimensions", {}).values():
            if str(dim.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                rates.append(float(usd))
    return min(rates) if rates else None


def find(client: Any, query: Query, region: str) -> float | None:
    found = []
    for product in products(client, query.service, query.filters, region):
        usagetype = str(product.get("product", {}).get("attributes", {}).get("usagetype", ""))
        if not usagetype.endswith(query.usagetype_suffix):
            continue
        rate = on_demand_usd(product)
        if rate is not None:
            found.append(rate)
    return round(min(found) * query.scale, 10) if found else None


def refresh_region(
    client: Any, region: str, current: dict[str, Any] | None, today: dt.date, log: Callable[[str], None] = print
) -> dict[str, Any]:
    old_items = (current or {}).get("items", {})
    items: dict[str, Any] = {}
    for query in queries():
        price = find(client, query, region)
        old = old_items.get(query.key)
        if price is None:
            if old is not None:
                items[query.key] = {
                    **old,
                    "source": f"{old['source']} (carried over: not returned by the API on {today})",
                }
            log(f"{region}: {query.key} not found in the Price List")
            continue
        unit = old["unit"] if old else query.key
        items[query.key] = {"unit": unit, "price": price, "source": f"{query.page} ({API_SOURCE})"}
    for key, old in old_items.items():
        items.setdefault(key, old)  # CloudFront, dashboards: not regional or not in the queries
    return {
        "region": region,
        "currency": "USD",
        "date": today.isoformat(),
        "source": f"{API_SOURCE}, queried {today}; CloudFront and CloudWatch dashboards carried over from the pages cited",
        "note": (current or {}).get("note", ""),
        "hours_per_month": (current or {}).get("hours_per_month", 730),
        "items": dict(sorted(items.items())),
    }


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None, client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", action="append", help="region to refresh (default: the five shipped)")
    parser.add_argument("--date", help="date to stamp (default: today)")
    parser.add_argument("--prices-dir", type=Path, default=PRICES_DIR)
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    if client is None:
        import boto3

        client = boto3.client("pricing", region_name="us-east-1")
    tables = {}
    for region in args.region or REGIONS:
        path = args.prices_dir / f"aws-{region}.json"
        current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        tables[path] = refresh_region(client, region, current, today)
    for path, table in tables.items():  # written only once every region answered
        write_atomic(path, json.dumps(table, indent=2) + "\n")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print("re-check by hand: https://www.mongodb.com/pricing, https://vercel.com/pricing, https://railway.com/pricing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
