"""Multi-region checks (analysis/regions.py): region list, Atlas names, GPU offerings, electable layout."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from analysis import regions as rg
from analysis.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
FILE, KEY = "Pulumi.prod.yaml", "farm:regions"

spec = importlib.util.spec_from_file_location("gpu_offerings", ROOT / "scripts" / "gpu_offerings.py")
assert spec is not None and spec.loader is not None
gpu_script = importlib.util.module_from_spec(spec)
sys.modules["gpu_offerings"] = gpu_script
spec.loader.exec_module(gpu_script)


def _raises(fn, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        fn(*args, **kwargs)
    return caught.value


# -- the region list ---------------------------------------------------------------------------


def test_a_region_list_keeps_its_order_the_first_is_the_primary():
    assert rg.check_region_list(["eu-west-1", "us-east-1"], file=FILE, key=KEY) == ["eu-west-1", "us-east-1"]


def test_a_region_listed_twice_is_named():
    err = _raises(rg.check_region_list, ["us-east-1", "eu-west-1", "us-east-1"], file=FILE, key=KEY)
    assert err.message == "region us-east-1 is listed twice"
    assert (err.file, err.key) == (FILE, KEY)
    assert "error: Pulumi.prod.yaml, key 'farm:regions': region us-east-1 is listed twice" in err.render()


def test_a_region_listed_three_times_says_so():
    err = _raises(rg.check_region_list, ["eu-west-1"] * 3, file=FILE, key=KEY)
    assert err.message == "region eu-west-1 is listed 3 times"


def test_an_empty_region_list_is_an_error():
    err = _raises(rg.check_region_list, [], file=FILE, key=KEY)
    assert err.message == "no region listed" and err.key == KEY


def test_each_region_goes_through_the_aws_region_check():
    err = _raises(rg.check_region_list, ["us-east-1", "eu-west-l"], file=FILE, key=KEY)
    assert err.message == "unknown AWS region"
    assert err.value == "eu-west-l" and err.hint == "did you mean eu-west-1?"


def test_a_region_that_is_not_a_name_is_an_error():
    err = _raises(rg.check_region_list, ["us-east-1", 1], file=FILE, key=KEY)
    assert err.message == "a region must be a name" and err.value == 1


# -- Atlas's names for AWS regions (https://www.mongodb.com/docs/atlas/reference/amazon-aws/) -----


@pytest.mark.parametrize(
    ("aws", "atlas"),
    [
        ("us-east-1", "US_EAST_1"),
        ("eu-west-1", "EU_WEST_1"),
        ("ap-southeast-2", "AP_SOUTHEAST_2"),
        ("ca-central-1", "CA_CENTRAL_1"),
        ("mx-central-1", "MX_CENTRAL_1"),
        ("il-central-1", "IL_CENTRAL_1"),
    ],
)
def test_atlas_names_come_from_the_table(aws, atlas):
    assert rg.atlas_region(aws) == atlas


def test_the_atlas_table_matches_the_page_as_read():
    table = json.loads(rg.ATLAS_REGIONS_FILE.read_text(encoding="utf-8"))
    assert table["source"] == "https://www.mongodb.com/docs/atlas/reference/amazon-aws/"
    assert table["read_on"] == "2026-12-01"
    offered = table["regions"]
    assert len(offered) == 34
    assert all(row["dedicated"] for row in offered.values())
    # The page's M0/Flex column, spot checks both ways.
    assert offered["us-east-1"]["free_and_flex"] and offered["eu-west-1"]["free_and_flex"]
    assert not offered["us-east-2"]["free_and_flex"] and not offered["eu-west-2"]["free_and_flex"]


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1", "me-west-1"])
def test_a_region_atlas_does_not_offer_is_named_with_nearby_ones(region):
    err = _raises(rg.atlas_region, region, file=FILE, key=KEY)
    assert err.message == f"MongoDB Atlas does not offer AWS region {region}"
    assert (err.file, err.key, err.value) == (FILE, KEY, region)
    assert err.hint is not None and err.hint.startswith("nearest regions Atlas offers: ")


def test_nearest_offered_regions_share_the_geography():
    err = _raises(rg.atlas_region, "us-gov-west-1")
    assert err.hint is not None
    assert err.hint.startswith("nearest regions Atlas offers: us-west-1, us-east-1, us-west-2 ")


def test_atlas_regions_maps_a_list_and_stops_at_the_first_unoffered():
    assert rg.atlas_regions(["us-east-1", "eu-west-1"]) == ["US_EAST_1", "EU_WEST_1"]
    err = _raises(rg.atlas_regions, ["us-east-1", "us-gov-east-1"], file=FILE, key=KEY)
    assert "us-gov-east-1" in err.message


# -- GPU offerings -------------------------------------------------------------------------------


def test_gpu_offerings_pinned_facts_of_the_committed_table():
    assert rg.gpu_offered("g5.xlarge", "us-east-1") is True
    assert rg.gpu_offered("g5.xlarge", "eu-west-1") is True
    assert rg.gpu_offered("g4dn.xlarge", "us-west-1") is True
    assert rg.gpu_offered("g5.xlarge", "us-west-1") is False
    assert rg.gpu_offered("g5.xlarge", "eu-south-1") is False


def test_gpu_offered_is_unknown_for_a_region_without_data_or_a_type_without_gpu():
    assert rg.gpu_offered("g5.xlarge", "mx-central-1") is None  # no recorded offerings for the region
    assert rg.gpu_offered("m7i.large", "us-east-1") is None


def test_a_gpu_type_missing_in_a_listed_region_names_that_region():
    err = _raises(
        rg.check_gpu_regions,
        "g5.xlarge",
        ["us-east-1", "us-west-1", "eu-west-1"],
        file=FILE,
        key="farm:ollamaInstanceType",
    )
    assert err.message == "GPU instance type g5.xlarge is not offered in us-west-1"
    assert (err.file, err.key, err.value) == (FILE, "farm:ollamaInstanceType", "g5.xlarge")
    assert err.hint == "offered in every listed region at this size: g4dn.xlarge"


def test_every_region_missing_the_type_is_named():
    err = _raises(rg.check_gpu_regions, "g5.xlarge", ["us-west-1", "us-east-1", "eu-south-1"], file=FILE, key=KEY)
    assert err.message == "GPU instance type g5.xlarge is not offered in us-west-1, eu-south-1"


def test_gpu_regions_pass_and_report_regions_without_data():
    assert rg.check_gpu_regions("g5.xlarge", ["us-east-1", "eu-west-1"], file=FILE, key=KEY) == []
    assert rg.check_gpu_regions("g5.xlarge", ["us-east-1", "mx-central-1"], file=FILE, key=KEY) == ["mx-central-1"]


@pytest.fixture(scope="module")
def fresh_table() -> str:
    """The table as the script writes it from moto now (one run, about 7 s, shared by the tests below)."""
    return gpu_script.build(offline=True, log=lambda _m: None)


def test_the_gpu_table_regenerates_identically_from_moto(fresh_table):
    fresh = fresh_table
    committed = rg.GPU_OFFERINGS_FILE.read_text(encoding="utf-8")
    assert fresh == committed, "stale: run python scripts/gpu_offerings.py --offline-moto"


def test_the_gpu_table_says_where_it_came_from():
    table = json.loads(rg.GPU_OFFERINGS_FILE.read_text(encoding="utf-8"))
    assert table["generated_by"] == "python scripts/gpu_offerings.py --offline-moto"
    assert table["source"].startswith("moto ") and "not a live AWS account" in table["source"]
    for types in table["regions"].values():
        assert types == sorted(types)


def test_the_gpu_families_cover_every_type_ec2_marks_with_gpu_info():
    # moto ships EC2 DescribeInstanceTypes answers; GpuInfo is AWS's own marker for a GPU.
    import moto

    path = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    types = json.loads(gzip.decompress(path.read_bytes()))
    with_gpu = {name.partition(".")[0] for name, info in types.items() if info.get("GpuInfo")}
    assert with_gpu, "moto's instance type data changed shape"
    assert with_gpu <= set(gpu_script.GPU_FAMILIES)


def test_the_script_filters_to_gpu_families_and_drops_regions_without_data():
    class Pages:
        def __init__(self, pages):
            self.pages = pages

        def paginate(self, **kwargs):
            assert kwargs == {"LocationType": "region"}
            return iter(self.pages)

    class Client:
        def __init__(self, pages):
            self.pages = pages

        def get_paginator(self, name):
            assert name == "describe_instance_type_offerings"
            return Pages(self.pages)

    answers = {
        "r-one": [
            {"InstanceTypeOfferings": [{"InstanceType": "m7i.large"}, {"InstanceType": "g5.xlarge"}]},
            {"InstanceTypeOfferings": [{"InstanceType": "g4dn.xlarge"}, {"InstanceType": "inf2.xlarge"}]},
        ],
        "r-empty": [{"InstanceTypeOfferings": []}],
    }
    logged: list[str] = []
    table = gpu_script.gpu_table(lambda r: Client(answers[r]), ["r-one", "r-empty"], logged.append)
    assert table == {"r-one": ["g4dn.xlarge", "g5.xlarge"]}
    assert logged == ["r-empty: no instance types at all, left out (no data for this region)"]


def test_the_script_check_mode_reports_a_stale_table(tmp_path, capsys, monkeypatch, fresh_table):
    monkeypatch.setattr(gpu_script, "build", lambda **_kw: fresh_table)
    stale = tmp_path / "aws_gpu_offerings.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert gpu_script.main(["--offline-moto", "--check", "--out", str(stale)]) == 1
    assert stale.read_text(encoding="utf-8") == "{}\n"
    assert "differs from a fresh table" in capsys.readouterr().err
    stale.write_text(fresh_table, encoding="utf-8")
    assert gpu_script.main(["--offline-moto", "--check", "--out", str(stale)]) == 0


def test_the_script_writes_the_table_whole(tmp_path, monkeypatch, fresh_table):
    monkeypatch.setattr(gpu_script, "build", lambda **_kw: fresh_table)
    out = tmp_path / "aws_gpu_offerings.json"
    assert gpu_script.main(["--offline-moto", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == fresh_table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aws_gpu_offerings.json"]


# -- electable layout (https://www.mongodb.com/docs/atlas/cli/current/reference/json/cluster-config-file/) --


def test_layout_one_region():
    assert rg.electable_layout(["us-east-1"]) == [("us-east-1", 3, 7)]


def test_layout_two_regions_primary_holds_the_majority():
    assert rg.electable_layout(["us-east-1", "eu-west-1"]) == [("us-east-1", 3, 7), ("eu-west-1", 2, 6)]


def test_layout_three_regions_is_two_two_one():
    assert rg.electable_layout(["us-east-1", "eu-west-1", "ap-southeast-2"]) == [
        ("us-east-1", 2, 7),
        ("eu-west-1", 2, 6),
        ("ap-southeast-2", 1, 5),
    ]


def test_layout_four_regions_is_seven_nodes():
    assert rg.electable_layout(["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]) == [
        ("us-east-1", 2, 7),
        ("us-west-2", 2, 6),
        ("eu-west-1", 2, 5),
        ("ap-southeast-2", 1, 4),
    ]


@pytest.mark.parametrize("n", range(1, 8))
def test_every_layout_obeys_atlas_rules(n):
    names = [f"r{i}" for i in range(n)]
    layout = rg.electable_layout(names)
    assert sum(count for _, count, _ in layout) in (3, 5, 7)
    assert [priority for _, _, priority in layout] == list(range(7, 7 - n, -1))
    assert [region for region, _, _ in layout] == names
    if n >= 3:  # losing any one region keeps writes
        assert all(rg.survives(layout).values())


def test_more_than_seven_regions_cannot_each_have_an_electable_node():
    err = _raises(rg.electable_layout, [f"r{i}" for i in range(8)], file=FILE, key=KEY)
    assert err.message.startswith("8 regions listed, but a MongoDB Atlas replica set has at most 7 electable nodes")
    assert err.key == KEY


def test_survives_two_regions():
    layout = rg.electable_layout(["us-east-1", "eu-west-1"])
    assert rg.survives(layout) == {"us-east-1": False, "eu-west-1": True}


def test_region_loss_summary_two_regions():
    assert rg.region_loss_summary(rg.electable_layout(["us-east-1", "eu-west-1"])) == [
        "losing us-east-1: reads continue, writes stop (2 of 5 electable nodes left)",
        "losing eu-west-1: reads and writes continue (3 of 5 electable nodes left)",
    ]


def test_region_loss_summary_three_regions():
    assert rg.region_loss_summary(rg.electable_layout(["us-east-1", "eu-west-1", "ap-southeast-2"])) == [
        "losing us-east-1: reads continue, writes resume once a new primary is elected in eu-west-1"
        " (3 of 5 electable nodes left)",
        "losing eu-west-1: reads and writes continue (3 of 5 electable nodes left)",
        "losing ap-southeast-2: reads and writes continue (4 of 5 electable nodes left)",
    ]


def test_region_loss_summary_one_region():
    assert rg.region_loss_summary([("us-east-1", 3, 7)]) == [
        "losing us-east-1: reads and writes stop (0 of 3 electable nodes left)"
    ]


# -- the tier (https://www.mongodb.com/docs/atlas/architecture/current/deployment-paradigms/multi-region/) --


@pytest.mark.parametrize("tier", ["m0", "flex", "serverless"])
def test_a_shared_tier_cannot_span_regions(tier):
    err = _raises(rg.check_multi_region_tier, tier, None, file=FILE, key="farm:dbTier")
    assert err.message == f"MongoDB Atlas spans regions only on dedicated clusters (M10+); farm:dbTier is {tier}"
    assert (err.file, err.key, err.value) == (FILE, "farm:dbTier", tier)
    assert err.hint == "set farm:dbTier: dedicated, or list a single region"


@pytest.mark.parametrize("size", ["M0", "M2", "M5", "m5", "FLEX"])
def test_an_instance_size_below_m10_cannot_span_regions(size):
    err = _raises(rg.check_multi_region_tier, "dedicated", size, file=FILE, key="farm:dbTier")
    assert err.message == f"MongoDB Atlas spans regions only on dedicated clusters (M10+); the instance size is {size}"
    assert err.hint == "use M10 or larger"


@pytest.mark.parametrize(
    ("tier", "size"),
    [("dedicated", "M10"), ("dedicated", "M30"), ("dedicated", "R40"), ("dedicated", None), ("none", None)],
)
def test_dedicated_tiers_pass(tier, size):
    assert rg.check_multi_region_tier(tier, size, file=FILE, key="farm:dbTier") is None
