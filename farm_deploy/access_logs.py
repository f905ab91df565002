"""The latest access-log entries from the stage's log bucket (`farm-deploy logs --access`).

Two writers, two formats:
- CloudFront standard logging v2, W3C output: tab-separated fields named by a
  `#Fields:` header (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html);
- the Application Load Balancer: space-separated, quoted request and agent, one
  gzip file per 5 minutes under `alb/AWSLogs/<account>/elasticloadbalancing/`
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
"""

from __future__ import annotations

import datetime as dt
import gzip
import shlex
from dataclasses import asdict, dataclass
from typing import Any

PREFIXES = {"cloudfront": "cloudfront/", "alb": "alb/"}


@dataclass(frozen=True)
class AccessEntry:
    source: str  # "cloudfront" | "alb"
    time: str  # ISO 8601 UTC
    client: str
    method: str
    path: str
    status: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def line(self) -> str:
        return f"{self.time} [{self.source}] {self.client} {self.method} {self.path} {self.status}"


def parse_cloudfront(text: str) -> list[AccessEntry]:
    fields: list[str] = []
    entries = []
    for raw in text.splitlines():
        if raw.startswith("#Fields:"):
            fields = raw.removeprefix("#Fields:").split()
            continue
        if not raw.strip() or raw.startswith("#") or not fields:
            continue
        row = dict(zip(fields, raw.split("\t"), strict=False))
        stamp = row.get("timestamp") or f"{row.get('date', '')}T{row.get('time', '')}Z"
        if stamp.replace(".", "", 1).isdigit():  # v2's `timestamp` field: epoch seconds (milliseconds after a dot)
            stamp = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries.append(
            AccessEntry(
                "cloudfront",
                stamp,
                row.get("c-ip", "-"),
                row.get("cs-method", "-"),
                row.get("cs-uri-stem", "-"),
                row.get("sc-status", "-"),
            )
        )
    return entries


def parse_alb(text: str) -> list[AccessEntry]:
    entries = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            parts = shlex.split(raw)
        except ValueError:
            continue
        if len(parts) < 13:
            continue
        request = parts[12].split(" ")
        method = request[0] if request else "-"
        url = request[1] if len(request) > 1 else "-"
        # "https://host:443/api/chat?x=1" -> "/api/chat?x=1"
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        # type time elb client:port target:port 3 timings elb_status target_status 2 sizes "request" ...
        entries.append(AccessEntry("alb", parts[1], parts[3].rsplit(":", 1)[0], method, path, parts[8]))
    return entries


def _text(body: bytes) -> str:
    if body[:2] == b"\x1f\x8b":  # gzip
        body = gzip.decompress(body)
    return body.decode("utf-8", errors="replace")


def latest(s3: Any, bucket: str, *, lines: int, files: int) -> list[AccessEntry]:
    """The `lines` most recent entries, oldest first, from the `files` newest log files of either writer."""
    objects: list[tuple[Any, str, str]] = []
    paginator = s3.get_paginator("list_objects_v2")
    for source, prefix in PREFIXES.items():
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                objects.append((obj["LastModified"], obj["Key"], source))
    objects.sort(reverse=True)
    entries: list[AccessEntry] = []
    for _modified, key, source in objects[:files]:
        text = _text(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        entries.extend(parse_cloudfront(text) if source == "cloudfront" else parse_alb(text))
    entries.sort(key=lambda e: e.time)
    return entries[-lines:]
