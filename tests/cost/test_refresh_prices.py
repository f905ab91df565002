"""The maintainer script against recorded-shape Price List answers (botocore's Stubber checks every request and
response against the `pricing` service model; moto has no Price List API)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import boto3
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("refresh_prices", ROOT / "scripts" / "refresh_prices.py")
refresh = importlib.util.module_from_spec(spec)
assert spec.loader is not None
sys.modules["refresh_prices"] = refresh  # dataclasses look their module up while the class is built
spec.loader.exec_module(refresh)


def product(usagetype: str, usd: str, begin: str = "0") -> str:
    # The shape GetProducts returns: one JSON text per product (aws pricing get-products, FormatVersion aws_v1).
    sku = "SKU" + usagetype.replace(":", "").replace("-", "")[:10]
    return json.dumps(
        {
            "product": {
                "productFamily": "x",
                "attributes": {"usagetype": usagetype, "regionCode": "eu-west-1"},
                "sku": sku,
            },
            "serviceCode": "x",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": "Hrs",
                                "beginRange": begin,
                                "endRange": "Inf",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                        "sku": sku,
                        "offerTermCode": "JRTCKXETXF",
                    }
                }
            },
        }
    )


ANSWERS = {
    # key -> PriceList; the usage types carry the region prefix the Price List uses for Ireland
    "fargate.vcpu_hour": [product("EU-Fargate-vCPU-Hours:perCPU", "0.0404800000"), product("EU-Fargate-GB-Hours", "0.0044450000")],
    "ec2.g4dn.xlarge": [product("EU-BoxUsage:g4dn.xlarge", "0.5870000000")],
    "s3.put_1k": [product("EU-Requests-Tier1", "0.0000050000")],
    "nat.hour": [product("EU-NatGateway-Hours", "0.0480000000"), product("EU-NatGateway-Hours", "0.0200000000", begin="10")],
}  # fmt: skip


def test_refresh_writes_api_prices_and_carries_over_what_it_cannot_find(tmp_path: Path) -> None:
    prices = tmp_path / "prices"
    prices.mkdir()
    shutil.copy(ROOT / "analysis" / "data" / "prices" / "aws-eu-west-1.json", prices / "aws-eu-west-1.json")
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        for q in refresh.queries():
            filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]
            filters += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in q.filters.items()]
            stub.add_response(
                "get_products",
                {"FormatVersion": "aws_v1", "PriceList": ANSWERS.get(q.key, [])},
                {"ServiceCode": q.service, "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 100},
            )
        code = refresh.main(
            ["--region", "eu-west-1", "--date", "2026-12-01", "--prices-dir", str(prices)], client=client
        )
        stub.assert_no_pending_responses()
    assert code == 0
    table = json.loads((prices / "aws-eu-west-1.json").read_text())
    assert table["date"] == "2026-12-01" and "Price List API" in table["source"]
    items = table["items"]
    assert items["fargate.vcpu_hour"]["price"] == 0.04048  # the GB-hour product is not taken for the vCPU-hour
    assert items["ec2.g4dn.xlarge"]["price"] == 0.587
    assert items["s3.put_1k"]["price"] == 0.005  # per request x 1,000
    assert items["nat.hour"]["price"] == 0.048  # first tier only
    assert "Price List API" in items["nat.hour"]["source"]
    carried = items["alb.hour"]
    assert carried["price"] == 0.0252 and "carried over: not returned by the API on 2026-12-01" in carried["source"]
    assert items["cloudfront.gb"]["price"] == 0.085  # not regional: kept
    assert dt.date.fromisoformat(table["date"])
