"""AWS regions as botocore's partition data lists them, read offline.

botocore ships `data/partitions.json`, the table the AWS SDKs resolve
endpoints from; a region not in it is one no AWS API answers in. The file is
read as JSON (botocore is not imported: it is slow to import and not needed).
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from pathlib import Path

from .errors import UserError


@functools.cache
def known_regions() -> dict[str, str]:
    """Region name -> partition id (`aws`, `aws-cn`, `aws-us-gov`, ...)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - boto3 is a dependency
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    regions: dict[str, str] = {}
    for partition in data["partitions"]:
        for name in partition["regions"]:
            # `aws-global` and friends are endpoint aliases, not regions a resource can live in.
            if not name.endswith("-global"):
                regions[name] = partition["id"]
    return regions


def _normalised(region: str) -> str:
    """The usual slips: capitals, spaces or underscores, `l` for `1`, a missing hyphen before the number."""
    name = region.strip().lower().replace("_", "-").replace(" ", "-")
    head, _, tail = name.rpartition("-")
    if head and tail in ("l", "i"):
        name = f"{head}-1"
    elif not head or not tail.isdigit():
        stripped = name.rstrip("0123456789")
        if stripped != name and not stripped.endswith("-"):
            name = f"{stripped}-{name[len(stripped) :]}"
    return name


def check_region(region: str, *, file: str, key: str) -> str:
    """`region` if AWS has it; otherwise one message with the nearest valid region."""
    regions = known_regions()
    if not regions or region in regions:
        return region
    near = [_normalised(region)] if _normalised(region) in regions else []
    near = near or difflib.get_close_matches(region.lower().strip(), list(regions), n=1, cutoff=0.75)
    raise UserError(
        "unknown AWS region",
        file=file,
        key=key,
        value=region,
        hint=f"did you mean {near[0]}?" if near else "regions are named like us-east-1 or eu-west-1",
    )
