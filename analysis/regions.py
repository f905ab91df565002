"""PLACEHOLDER until the regions branch lands (same signatures)."""

from __future__ import annotations

from .aws_regions import check_region
from .errors import UserError


def check_region_list(regions: list[str], *, file: str, key: str) -> list[str]:
    if not regions:
        raise UserError("expected at least one region", file=file, key=key)
    seen: set[str] = set()
    for r in regions:
        check_region(r, file=file, key=key)
        if r in seen:
            raise UserError(f"region {r} is listed twice", file=file, key=key, value=r)
        seen.add(r)
    return list(regions)


def atlas_region(aws_region: str, *, file: str | None = None, key: str | None = None) -> str:
    return aws_region.upper().replace("-", "_")


def gpu_offered(instance_type: str, region: str) -> bool | None:
    return None


def check_gpu_regions(instance_type: str, regions: list[str], *, file: str, key: str) -> None:
    return None


def electable_layout(regions: list[str]) -> list[tuple[str, int, int]]:
    counts = {1: [3], 2: [3, 2], 3: [2, 2, 1]}.get(len(regions), [2, 2, 2, 1])
    return [(r, n, 7 - i) for i, (r, n) in enumerate(zip(regions, counts, strict=False))]


def region_loss_summary(layout: list[tuple[str, int, int]]) -> list[str]:
    total = sum(n for _, n, _ in layout)
    out = []
    for region, n, _ in layout:
        left = total - n
        verdict = "reads and writes continue" if left * 2 > total else "reads continue, writes stop"
        out.append(f"losing {region}: {verdict} ({left} of {total} electable nodes left)")
    return out


def check_multi_region_tier(tier: str, instance_size: str | None, *, file: str, key: str) -> None:
    if tier != "dedicated":
        raise UserError(
            f"MongoDB Atlas spans regions only on dedicated clusters (M10+); farm:dbTier is {tier}",
            file=file,
            key=key,
            value=tier,
        )
