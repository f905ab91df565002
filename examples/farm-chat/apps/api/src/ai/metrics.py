"""The AIRequests metric, as CloudWatch embedded metric format (EMF) lines on stdout.

On ECS the awslogs driver sends stdout to CloudWatch Logs with PutLogEvents,
which extracts EMF metrics without an agent or extra permissions
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_PutLogEvents.html,
format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
The deployment's alarm on this metric wakes the GPU Ollama service from zero.
"""

import json
import sys
import time

METRIC = "AIRequests"
DIMENSIONS = {"Service": "api"}


def emf_line(namespace: str, now_ms: int | None = None) -> str:
    return json.dumps(
        {
            "_aws": {
                "Timestamp": now_ms if now_ms is not None else int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [list(DIMENSIONS)],
                        "Metrics": [{"Name": METRIC, "Unit": "Count"}],
                    }
                ],
            },
            **DIMENSIONS,
            METRIC: 1,
        },
        separators=(",", ":"),
    )


def record_ai_request(namespace: str | None) -> None:
    if namespace:
        print(emf_line(namespace), file=sys.stdout, flush=True)
