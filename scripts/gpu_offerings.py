"""Maintainer script: regenerate analysis/data/aws_gpu_offerings.json, the GPU instance types each AWS region offers.

    python scripts/gpu_offerings.py                  # a live AWS account (needs ec2:DescribeInstanceTypeOfferings)
    python scripts/gpu_offerings.py --offline-moto   # moto's recorded offerings, no account, no network
    python scripts/gpu_offerings.py --check          # exit 1 if the committed table differs from a fresh one

For every region of the `aws` partition (botocore's endpoint table), EC2
DescribeInstanceTypeOfferings is called with LocationType=region and paginated
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html);
the instance types of the GPU families below are kept, sorted.

The families are filtered here, not with an `instance-type` filter on the call:
moto matches filter values exactly (no `g5.*` wildcard), and filtering the
full answer behaves the same against AWS and against moto.

A region that answers with no instance types at all is one the source has no
data for (a region the account has not opted into, or one moto has not
recorded): it is left out of the table, so the analyzer says "unknown" for it
rather than "no GPU offered".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, NoCredentialsError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.aws_regions import known_regions  # noqa: E402

TABLE = ROOT / "analysis" / "data" / "aws_gpu_offerings.json"
API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html"
# The instance families with GPUs, as AWS's accelerated computing pages list them
# (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html,
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/accelerated-computing-instances.html):
# NVIDIA T4 (g4dn), AMD V520 (g4ad), A10G (g5), T4G (g5g, Graviton), L4 (g6, gr6,
# and the fractional-GPU g6f, gr6f), L40S (g6e), Blackwell (g7, g7e), V100 (p3,
# p3dn), A100 (p4d, p4de), H100/H200 (p5, p5e, p5en), B200/B300 (p6-*).
# Inferentia, Trainium, Gaudi and FPGA families carry no GPU and are left out.
# A test checks that every type EC2's DescribeInstanceTypes data marks with
# GpuInfo belongs to one of these families.
GPU_FAMILIES = (
    "g4ad",
    "g4dn",
    "g5",
    "g5g",
    "g6",
    "g6e",
    "g6f",
    "g7",
    "g7e",
    "gr6",
    "gr6f",
    "p3",
    "p3dn",
    "p4d",
    "p4de",
    "p5",
    "p5e",
    "p5en",
    "p6-b200",
    "p6-b300",
)


def family(instance_type: str) -> str:
    return instance_type.partition(".")[0]


def regions_to_query() -> list[str]:
    return sorted(name for name, partition in known_regions().items() if partition == "aws")


def offered_types(client: Any) -> list[str]:
    """Every instance type the client's region offers, all pages."""
    types: list[str] = []
    for page in client.get_paginator("describe_instance_type_offerings").paginate(LocationType="region"):
        types.extend(o["InstanceType"] for o in page.get("InstanceTypeOfferings", []))
    return types


def gpu_table(
    client_for: Callable[[str], Any], regions: Iterable[str], log: Callable[[str], None] = print
) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for region in regions:
        try:
            types = offered_types(client_for(region))
        # AWS answers a region the account has not opted into with AuthFailure or
        # OptInRequired; moto has no backend (KeyError) for a region newer than its release.
        except (ClientError, KeyError) as exc:
            log(f"{region}: skipped ({type(exc).__name__}: {exc})")
            continue
        if not types:
            log(f"{region}: no instance types at all, left out (no data for this region)")
            continue
        table[region] = sorted({t for t in types if family(t) in GPU_FAMILIES})
    return table


def document(table: dict[str, list[str]], *, offline: bool, today: dt.date) -> dict[str, Any]:
    if offline:
        import moto

        source = f"moto {moto.__version__}'s recorded EC2 instance type offerings per region (not a live AWS account)"
        generated_by = "python scripts/gpu_offerings.py --offline-moto"
    else:
        source = f"EC2 DescribeInstanceTypeOfferings in a live AWS account on {today.isoformat()}"
        generated_by = "python scripts/gpu_offerings.py"
    return {
        "generated_by": generated_by,
        "source": source,
        "api": API,
        "note": (
            "GPU instance types each region offers (LocationType=region; an Availability Zone may offer fewer). "
            "A region missing from 'regions' is one the source had no data for. Regenerate, do not edit by hand."
        ),
        "gpu_families": sorted(GPU_FAMILIES),
        "regions": dict(sorted(table.items())),
    }


def render(doc: dict[str, Any]) -> str:
    """Stable text: one region per line, so a regeneration diffs by region."""
    head = {k: v for k, v in doc.items() if k != "regions"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "regions": {')
    regions = list(doc["regions"].items())
    for i, (region, types) in enumerate(regions):
        comma = "," if i < len(regions) - 1 else ""
        lines.append(f"    {json.dumps(region)}: {json.dumps(types)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _moto() -> Iterator[None]:
    import os

    from moto import mock_aws

    # moto answers any credentials; dummy ones keep boto3 from looking for a real profile.
    # Its default AMIs are not needed here and loading them is most of the run time.
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with mock_aws():
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build(*, offline: bool, log: Callable[[str], None] = print, today: dt.date | None = None) -> str:
    import boto3

    today = today or dt.date.today()
    with _moto() if offline else contextlib.nullcontext():
        session = boto3.session.Session()
        table = gpu_table(lambda r: session.client("ec2", region_name=r), regions_to_query(), log)
    return render(document(table, offline=offline, today=today))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline-moto", action="store_true", help="read moto's recorded offerings instead of AWS")
    parser.add_argument("--check", action="store_true", help="compare with the committed table, write nothing")
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    try:
        text = build(offline=args.offline_moto, log=lambda m: print(m, file=sys.stderr))
    except NoCredentialsError:
        print("no AWS credentials: configure a profile, or use --offline-moto", file=sys.stderr)
        return 2
    if not json.loads(text)["regions"]:
        print("no region answered: the table is left as it was", file=sys.stderr)
        return 1
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} differs from a fresh table: regenerate it (see the top of this script)", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    # Write beside the table, then rename: an interrupted run never leaves half a file.
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(json.loads(text)['regions'])} regions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
