"""`farm:region` against botocore's partition data, `farm:domain` as a DNS name (analysis/stack_config.py)."""

from __future__ import annotations

import pytest

from analysis.aws_regions import known_regions
from analysis.errors import UserError
from analysis.stack_config import parse_settings


def _parse(**raw: object):
    return parse_settings(raw, file="Pulumi.dev.yaml", stack="dev")


def test_regions_come_from_botocore_partitions():
    regions = known_regions()
    for region, partition in {
        "us-east-1": "aws",
        "eu-west-1": "aws",
        "cn-north-1": "aws-cn",
        "us-gov-west-1": "aws-us-gov",
    }.items():
        assert regions[region] == partition
    assert "aws-global" not in regions


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-1", "us-gov-west-1"])
def test_a_known_region_is_accepted(region):
    assert _parse(region=region).region == region


@pytest.mark.parametrize(
    ("region", "nearest"),
    [("eu-west-l", "did you mean eu-west-1?"), ("us-east1", "did you mean us-east-1?"), ("mars-north-1", None)],
)
def test_an_unknown_region_names_the_key_and_the_nearest(region, nearest):
    with pytest.raises(UserError) as caught:
        _parse(region=region)
    err = caught.value
    assert (err.message, err.key, err.value, err.file) == (
        "unknown AWS region",
        "farm:region",
        region,
        "Pulumi.dev.yaml",
    )
    if nearest:
        assert err.hint == nearest
    else:
        assert "did you mean" not in (err.hint or "")


@pytest.mark.parametrize("domain", ["app.example.com", "example.co.uk", "xn--bcher-kva.example"])
def test_a_valid_domain_is_accepted(domain):
    # A domain needs a zone to make its certificates in (or a certificate made by hand).
    assert _parse(domain=domain, hostedZone=domain).domain == domain


@pytest.mark.parametrize(
    ("domain", "hint"),
    [
        ("https://app.example.com", "not a URL"),
        ("app.example.com/", "not a URL"),
        ("app example.com", "no spaces"),
        ("App.Example.com", "lower case"),
        ("localhost", "at least two labels"),
        ("-app.example.com", "inner hyphens"),
        ("a" * 64 + ".example.com", "1-63"),
    ],
)
def test_a_bad_domain_gets_one_message(domain, hint):
    with pytest.raises(UserError) as caught:
        _parse(domain=domain)
    assert caught.value.key == "farm:domain"
    assert hint in (caught.value.hint or "")
