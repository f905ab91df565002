"""Checks and layout for a stage that runs in several AWS regions.

Pure functions over two tables in `data/`:

- `atlas_aws_regions.json`: the AWS regions MongoDB Atlas offers and its name
  for each, from https://www.mongodb.com/docs/atlas/reference/amazon-aws/
  (copied by hand; the file records the date it was read);
- `aws_gpu_offerings.json`: the GPU instance types each AWS region offers,
  written by `scripts/gpu_offerings.py` from EC2 DescribeInstanceTypeOfferings.

The electable-node layout follows Atlas's rules for `replicationSpecs[].regionConfigs[]`
(https://www.mongodb.com/docs/atlas/cli/current/reference/json/cluster-config-file/):
the electable nodes of all regions add up to 3, 5 or 7; the preferred region has
priority 7 and each further region one less, down to 1. Multi-region clusters
need a dedicated (M10+) tier
(https://www.mongodb.com/docs/atlas/architecture/current/deployment-paradigms/multi-region/).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .aws_regions import check_region
from .errors import UserError

DATA = Path(__file__).parent / "data"
ATLAS_REGIONS_FILE = DATA / "atlas_aws_regions.json"
GPU_OFFERINGS_FILE = DATA / "aws_gpu_offerings.json"

MAX_ELECTABLE = 7  # Atlas: electable nodes add up to 3, 5 or 7
TOP_PRIORITY = 7
SHARED_TIERS = ("m0", "flex", "serverless")
SHARED_SIZES = ("M0", "M2", "M5", "FLEX", "SERVERLESS")

Layout = list[tuple[str, int, int]]  # (AWS region, electable nodes, priority), primary region first


@functools.cache
def _atlas_table() -> dict[str, Any]:
    return json.loads(ATLAS_REGIONS_FILE.read_text(encoding="utf-8"))


@functools.cache
def _gpu_table() -> dict[str, Any]:
    return json.loads(GPU_OFFERINGS_FILE.read_text(encoding="utf-8"))


def check_region_list(regions: list[str], *, file: str, key: str) -> list[str]:
    """The stage's regions, each a real AWS region and listed once; the first is the primary."""
    if not regions:
        raise UserError(
            "no region listed",
            file=file,
            key=key,
            hint="list at least one region, the primary first, e.g. [us-east-1, eu-west-1]",
        )
    for region in regions:
        if not isinstance(region, str):
            raise UserError(
                "a region must be a name", file=file, key=key, value=region, hint="regions are named like us-east-1"
            )
        check_region(region, file=file, key=key)
    for region, count in Counter(regions).items():
        if count > 1:
            times = "twice" if count == 2 else f"{count} times"
            raise UserError(
                f"region {region} is listed {times}",
                file=file,
                key=key,
                value=regions,
                hint="list each region once; the first one is the primary",
            )
    return list(regions)


def atlas_offered_regions() -> dict[str, dict[str, Any]]:
    """AWS region -> its row in Atlas's table (`atlas_region`, `dedicated`, `free_and_flex`, `location`)."""
    return _atlas_table()["regions"]


def _nearest(region: str, candidates: list[str], n: int = 3) -> list[str]:
    """Offered regions in the same geography (`us`, `eu`, `ap` ...) first, closest names first."""
    geography = region.split("-", 1)[0]
    same = [c for c in candidates if c.split("-", 1)[0] == geography] or candidates
    return sorted(same, key=lambda c: (-difflib.SequenceMatcher(None, region, c).ratio(), c))[:n]


def atlas_region(aws_region: str, *, file: str | None = None, key: str | None = None) -> str:
    """Atlas's name for an AWS region (`us-east-1` -> `US_EAST_1`), from Atlas's table, never computed."""
    offered = atlas_offered_regions()
    row = offered.get(aws_region)
    if row is None:
        near = _nearest(aws_region, sorted(offered))
        raise UserError(
            f"MongoDB Atlas does not offer AWS region {aws_region}",
            file=file,
            key=key,
            value=aws_region,
            hint=f"nearest regions Atlas offers: {', '.join(near)} (https://www.mongodb.com/docs/atlas/reference/amazon-aws/)",
        )
    return row["atlas_region"]


def atlas_regions(regions: list[str], *, file: str | None = None, key: str | None = None) -> list[str]:
    """`atlas_region` for each region, in order; the first region Atlas does not offer is the error."""
    return [atlas_region(r, file=file, key=key) for r in regions]


def gpu_offered(instance_type: str, region: str) -> bool | None:
    """Whether `region` offers the GPU type; None when the table has no data for the region or the type is no GPU type."""
    table = _gpu_table()
    if instance_type.partition(".")[0] not in table["gpu_families"]:
        return None
    offered = table["regions"].get(region)
    if offered is None:
        return None
    return instance_type in offered


def check_gpu_regions(instance_type: str, regions: list[str], *, file: str, key: str) -> list[str]:
    """Fail naming every listed region that does not offer `instance_type`.

    Returns the regions the table has no data for (the caller may warn); a
    region it knows and that lacks the type is an error.
    """
    verdicts = {r: gpu_offered(instance_type, r) for r in regions}
    missing = [r for r, ok in verdicts.items() if ok is False]
    if missing:
        known = [r for r, ok in verdicts.items() if ok is not None]
        size = instance_type.partition(".")[2]
        everywhere = sorted(set.intersection(*(set(_gpu_table()["regions"][r]) for r in known)) if known else set())
        alternatives = [t for t in everywhere if t.partition(".")[2] == size]
        hint = (
            f"offered in every listed region at this size: {', '.join(alternatives)}"
            if alternatives
            else "choose another GPU type, or run the model only in regions that offer it"
        )
        where = ", ".join(missing)
        raise UserError(
            f"GPU instance type {instance_type} is not offered in {where}",
            file=file,
            key=key,
            value=instance_type,
            hint=hint,
        )
    return [r for r, ok in verdicts.items() if ok is None]


def electable_layout(regions: list[str], *, file: str | None = None, key: str | None = None) -> Layout:
    """(region, electable nodes, priority) for an Atlas replica set across `regions`, primary first.

    - one region: 3 nodes;
    - two regions: 3 + 2, the primary region holding the majority, so losing the
      second region keeps writes while losing the primary region stops them (the
      trade-off of any two-region set: no split of 3, 5 or 7 survives both);
    - three regions: 2 + 2 + 1, the 5-node, 3-region layout Atlas recommends;
    - four to seven regions: 7 nodes, at most 2 per region, dealt out from the
      primary (2+2+2+1, 2+2+1+1+1, ...), so losing any one region leaves a majority.

    Priorities run 7, 6, 5 ... in list order.
    """
    n = len(regions)
    if n == 0:
        raise UserError("no region listed", file=file, key=key, hint="list at least one region, the primary first")
    if n > MAX_ELECTABLE:
        raise UserError(
            f"{n} regions listed, but a MongoDB Atlas replica set has at most {MAX_ELECTABLE} electable nodes:"
            " it cannot have one in each region",
            file=file,
            key=key,
            value=list(regions),
            hint=f"list at most {MAX_ELECTABLE} regions",
        )
    if n == 1:
        counts = [3]
    elif n == 2:
        counts = [3, 2]
    else:
        total = 5 if n == 3 else MAX_ELECTABLE
        base, extra = divmod(total, n)
        counts = [base + (1 if i < extra else 0) for i in range(n)]
    return [(region, count, TOP_PRIORITY - i) for i, (region, count) in enumerate(zip(regions, counts, strict=True))]


def survives(layout: Layout) -> dict[str, bool]:
    """Region -> whether writes continue when that region is lost (a strict majority of electable nodes is left)."""
    total = sum(count for _, count, _ in layout)
    return {region: 2 * (total - count) > total for region, count, _ in layout}


def region_loss_summary(layout: Layout) -> list[str]:
    """One sentence per region: what losing it does to reads and writes."""
    total = sum(count for _, count, _ in layout)
    keeps_writes = survives(layout)
    lines = []
    for region, count, priority in layout:
        left = total - count
        tally = f"({left} of {total} electable nodes left)"
        if left == 0:
            effect = "reads and writes stop"
        elif not keeps_writes[region]:
            effect = "reads continue, writes stop"
        elif priority == TOP_PRIORITY:
            successor = max((r for r in layout if r[0] != region), key=lambda r: r[2])[0]
            effect = f"reads continue, writes resume once a new primary is elected in {successor}"
        else:
            effect = "reads and writes continue"
        lines.append(f"losing {region}: {effect} {tally}")
    return lines


_SIZE = re.compile(r"^[MR](\d+)")


def check_multi_region_tier(tier: str, instance_size: str | None, *, file: str, key: str) -> None:
    """A cluster across regions must be dedicated (M10 or larger); `key` is the tier's config key."""
    if tier == "none":
        return  # no Atlas cluster: the app brings its own database
    if tier.lower() in SHARED_TIERS:
        raise UserError(
            f"MongoDB Atlas spans regions only on dedicated clusters (M10+); {key} is {tier}",
            file=file,
            key=key,
            value=tier,
            hint=f"set {key}: dedicated, or list a single region",
        )
    if instance_size is None:
        return
    size = instance_size.strip().upper()
    match = _SIZE.match(size)
    if size in SHARED_SIZES or (match is not None and int(match.group(1)) < 10):
        raise UserError(
            f"MongoDB Atlas spans regions only on dedicated clusters (M10+); the instance size is {instance_size}",
            file=file,
            key=key,
            value=instance_size,
            hint="use M10 or larger",
        )
