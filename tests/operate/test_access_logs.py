"""`farm-deploy logs --access`: the latest CloudFront and load-balancer entries from the log bucket on moto_server.

The log files are minimal ones written here in each writer's documented format."""

from __future__ import annotations

import gzip
import json

from farm_deploy.access_logs import parse_alb, parse_cloudfront
from farm_deploy.cli import main
from tests.cli.contracts import assert_document

from .conftest import REGION, boto, write_outputs

BUCKET = "farm-prod-access-logs-bucket-0123abcd"
CLOUDFRONT = (
    "#Version: 1.0\n"
    "#Fields: timestamp c-ip cs-method cs-uri-stem sc-status time-taken x-edge-result-type cs(User-Agent)\n"
    "1764583200\t198.51.100.7\tPOST\t/api/chat\t200\t1.204\tMiss\tMozilla/5.0\n"
    "1764583260\t203.0.113.9\tGET\t/index.html\t200\t0.002\tHit\tcurl/8.5\n"
)
ALB = (
    "h2 2025-12-01T10:01:30.123456Z app/farm-prod-api-alb/0123 198.51.100.7:51234 10.0.1.5:8000 0.001 0.900 0.000 "
    '429 - 120 80 "POST https://api.example.com:443/api/ai/complete HTTP/2.0" "python-httpx/0.27" '
    "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1 "
    '"Root=1-abc" "api.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/x" 0 '
    '2025-12-01T10:01:29.200000Z "forward" "-" "-" "10.0.1.5:8000" "200" "-" "-"\n'
)


def test_parsers_read_each_writers_format() -> None:
    (first, second) = parse_cloudfront(CLOUDFRONT)
    assert first.to_dict() == {
        "source": "cloudfront",
        "time": "2025-12-01T10:00:00Z",
        "client": "198.51.100.7",
        "method": "POST",
        "path": "/api/chat",
        "status": "200",
    }
    assert second.path == "/index.html"
    (alb,) = parse_alb(ALB)
    assert (alb.time, alb.client, alb.method, alb.path, alb.status) == (
        "2025-12-01T10:01:30.123456Z",
        "198.51.100.7",
        "POST",
        "/api/ai/complete",
        "429",
    )


def test_latest_entries_from_both_writers(tmp_path, aws, capsys) -> None:
    s3 = boto("s3", aws)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(
        Bucket=BUCKET,
        Key="cloudfront/AWSLogs/123456789012/CloudFront/d1.log.gz",
        Body=gzip.compress(CLOUDFRONT.encode()),
    )
    s3.put_object(
        Bucket=BUCKET,
        Key="alb/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/12/01/x.log.gz",
        Body=gzip.compress(ALB.encode()),
    )
    outputs = write_outputs(
        tmp_path / "outputs.json", stage="prod", platform="aws", region=REGION, accessLogBucket=BUCKET
    )
    argv = ["logs", "--stack", "prod", "--access", "--outputs", str(outputs), "--endpoint-url", aws]
    assert main([*argv, "--lines", "2", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for doc in docs:
        assert_document("farm-deploy logs --stack STACK --access --json", doc)
    # the two most recent, oldest first
    assert [(d["source"], d["path"], d["status"]) for d in docs] == [
        ("cloudfront", "/index.html", "200"),
        ("alb", "/api/ai/complete", "429"),
    ]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2025-12-01T10:00:00Z [cloudfront] 198.51.100.7 POST /api/chat 200"
    assert len(lines) == 3


def test_a_stack_without_access_logs_is_one_clear_error(tmp_path, aws, capsys) -> None:
    outputs = write_outputs(tmp_path / "outputs.json", stage="dev", platform="vercel", region=REGION)
    assert main(["logs", "--stack", "dev", "--access", "--outputs", str(outputs), "--endpoint-url", aws]) == 2
    err = capsys.readouterr().err
    assert "accessLogBucket" in err and "Traceback" not in err
