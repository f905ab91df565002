"""Monitoring: the seed's alerts and dashboard, as CloudWatch alarms and an SNS topic.

The seed's alerts were Prometheus expressions; here each becomes the CloudWatch
metric that measures the same thing for the API kind in use:

| seed alert             | ECS behind an ALB                       | Lambda                         |
|------------------------|-----------------------------------------|--------------------------------|
| service_down           | HealthyHostCount < 1                    | error rate >= 50 % (2 min)     |
| high_error_rate        | 5xx / requests > 5 % (5 min)            | errors / invocations > 5 %     |
| high_response_time     | TargetResponseTime p95 > 2 s (10 min)   | Duration p95 > 2 s             |
| ai_service_unavailable | Ollama RunningTaskCount < 1, or (cloud  | (same)                         |
|                        | AI) >= 50 % of the app's AI calls fail  |                                |
| ai_high_latency        | the app's AI inference time p95 > 30 s  | (same)                         |

Levels: `basic` = service down + error rate; `standard` = + latency, AI alarms
and the dashboard; `full` = + CPU/memory (ECS) or throttling (Lambda).

AI latency, and the health of a cloud AI provider, have no AWS metric: the API
publishes them with the CloudWatch embedded metric format, namespace `FARM/AI`,
dimension `Stage` (the stack name): `InferenceLatency` (milliseconds),
`Requests` and `Errors` (counts of AI calls). Without data the alarms stay OK.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .alarm_topic import AlarmTopic, AlarmTopicArgs
from .common import child_opts, merge_tags
from .naming import valid_dashboard_name

LEVELS = ("basic", "standard", "full")
AI_METRIC_NAMESPACE = "FARM/AI"
AI_METRIC_NAME = "InferenceLatency"
AI_REQUESTS_METRIC = "Requests"
AI_ERRORS_METRIC = "Errors"


@dataclass
class MonitoringArgs:
    level: str = "standard"
    alarm_email: str | None = None
    # An existing alarm topic (AlarmTopic.topic_arn); None creates one here,
    # subscribed by `alarm_email`.
    topic_arn: pulumi.Input[str] | None = None
    # ECS API: the ALB and target group metric dimensions, and the service.
    alb_arn_suffix: pulumi.Input[str] | None = None
    target_group_arn_suffix: pulumi.Input[str] | None = None
    cluster_name: pulumi.Input[str] | None = None
    api_service_name: pulumi.Input[str] | None = None
    # Lambda API: the function, instead of the four above.
    lambda_function_name: pulumi.Input[str] | None = None
    # Ollama on ECS (same cluster): enables "AI service unavailable".
    ollama_service_name: pulumi.Input[str] | None = None
    # The API uses an AI provider (cloud or Ollama): enables "AI latency".
    has_ai: bool = False
    ai_latency_threshold_ms: int = 30_000
    latency_threshold_seconds: float = 2.0
    error_rate_percent: float = 5.0
    tags: dict[str, str] = field(default_factory=dict)
    # The Pulumi stack the resources belong to (labels and physical names only).
    stack: str = field(kw_only=True)
    # The Pulumi project, for physical names that must be unique per account.
    project: str = field(kw_only=True)


@dataclass
class _Alarm:
    key: str
    description: str
    kwargs: dict[str, Any]


class Monitoring(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str] | None
    dashboard_url: pulumi.Output[str] | None
    alarm_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:monitoring:Monitoring", name, None, opts)
        self._name = name
        self._args = args
        self._kind = self._validate()
        self._region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        # The stage's topic when the builder shares one with other alarms; else our own.
        # Every alarm notifies the stage's topic: an action list holding None would
        # reach AWS as a null ARN.
        self.alarm_topic: AlarmTopic | None = None
        self._topic_arn: pulumi.Input[str]
        if args.topic_arn is not None:
            self._topic_arn = args.topic_arn
        else:
            self.alarm_topic = AlarmTopic(
                f"{name}-alarms",
                AlarmTopicArgs(alarm_email=args.alarm_email, tags=args.tags, stack=args.stack),
                child_opts(self),
            )
            self._topic_arn = self.alarm_topic.topic_arn
        self.alarms = {spec.key: self._create_alarm(spec) for spec in self._alarm_specs()}
        self.dashboard = self._create_dashboard() if args.level in ("standard", "full") else None

        self.topic_arn = pulumi.Output.from_input(self._topic_arn)
        self.alarm_names = pulumi.Output.all(*[a.name for a in self.alarms.values()])
        self.dashboard_name = self.dashboard.dashboard_name if self.dashboard else None
        self.dashboard_url = (
            pulumi.Output.all(self._region, self.dashboard.dashboard_name).apply(
                lambda v: f"https://{v[0]}.console.aws.amazon.com/cloudwatch/home?region={v[0]}#dashboards:name={v[1]}"
            )
            if self.dashboard
            else None
        )
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "dashboard_name": self.dashboard_name,
                "dashboard_url": self.dashboard_url,
                "alarm_names": self.alarm_names,
            }
        )

    def _validate(self) -> str:
        a = self._args
        if a.level not in LEVELS:
            raise UserError("unknown monitoring level", key="level", value=a.level, valid=list(LEVELS))
        ecs = [a.alb_arn_suffix, a.target_group_arn_suffix, a.cluster_name, a.api_service_name]
        if a.lambda_function_name is not None:
            if any(v is not None for v in ecs):
                raise ValueError("Monitoring: give either the ECS API's names or lambda_function_name, not both")
            return "lambda"
        if any(v is None for v in ecs):
            raise ValueError(
                "Monitoring: the ECS API needs alb_arn_suffix, target_group_arn_suffix, cluster_name and api_service_name"
            )
        if a.ollama_service_name is not None and a.cluster_name is None:
            raise ValueError("Monitoring: ollama_service_name needs cluster_name")
        return "ecs"

    def _tags(self, suffix: str) -> dict[str, str]:
        return merge_tags(self._args.tags, f"{self._name}-{suffix}")

    # ------------------------------------------------------------------ alarms

    def _alarm_specs(self) -> list[_Alarm]:
        a = self._args
        specs = self._ecs_alarms() if self._kind == "ecs" else self._lambda_alarms()
        wanted = {"basic": {"down", "errors"}, "standard": {"down", "errors", "latency"}}.get(a.level)
        specs = [s for s in specs if wanted is None or s.key in wanted]
        if a.level != "basic":
            specs += self._ai_alarms()
        return specs

    def _ecs_alarms(self) -> list[_Alarm]:
        a = self._args
        lb = {"LoadBalancer": a.alb_arn_suffix, "TargetGroup": a.target_group_arn_suffix}
        svc = {"ClusterName": a.cluster_name, "ServiceName": a.api_service_name}
        return [
            _Alarm("down", "API service down: no healthy task behind the load balancer", dict(
                namespace="AWS/ApplicationELB", metric_name="HealthyHostCount", dimensions=lb,
                statistic="Minimum", period=60, evaluation_periods=2, datapoints_to_alarm=2,
                threshold=1, comparison_operator="LessThanThreshold",
                # No data means no healthy target reported: that is down too.
                treat_missing_data="breaching",
            )),
            _Alarm("errors", f"API 5xx rate above {a.error_rate_percent} % for 5 minutes", dict(
                metric_queries=_rate_queries(
                    "100 * (FILL(t5xx, 0) + FILL(e5xx, 0)) / req",
                    {
                        "t5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb),
                        "e5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb),
                        "req": ("AWS/ApplicationELB", "RequestCount", lb),
                    },
                    "req",
                ),
                evaluation_periods=5, datapoints_to_alarm=5, threshold=a.error_rate_percent,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )),
            _Alarm("latency", f"API p95 response time above {a.latency_threshold_seconds} s for 10 minutes", dict(
                namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions=lb,
                extended_statistic="p95", period=60, evaluation_periods=10, datapoints_to_alarm=10,
                threshold=a.latency_threshold_seconds, comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
            )),
            _Alarm("cpu", "API tasks above 85 % CPU for 5 minutes", dict(
                namespace="AWS/ECS", metric_name="CPUUtilization", dimensions=svc, statistic="Average",
                period=60, evaluation_periods=5, datapoints_to_alarm=5, threshold=85,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )),
            _Alarm("memory", "API tasks above 85 % memory for 5 minutes", dict(
                namespace="AWS/ECS", metric_name="MemoryUtilization", dimensions=svc, statistic="Average",
                period=60, evaluation_periods=5, datapoints_to_alarm=5, threshold=85,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )),
        ]  # fmt: skip

    def _lambda_alarms(self) -> list[_Alarm]:
        a = self._args
        fn = {"FunctionName": a.lambda_function_name}
        metrics = {
            "err": ("AWS/Lambda", "Errors", fn),
            "inv": ("AWS/Lambda", "Invocations", fn),
        }
        return [
            _Alarm("down", "API function failing: at least half of the invocations error for 2 minutes", dict(
                metric_queries=_rate_queries("100 * FILL(err, 0) / inv", metrics, "inv"),
                evaluation_periods=2, datapoints_to_alarm=2, threshold=50,
                comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="notBreaching",
            )),
            _Alarm("errors", f"API function error rate above {a.error_rate_percent} % for 5 minutes", dict(
                metric_queries=_rate_queries("100 * FILL(err, 0) / inv", metrics, "inv"),
                evaluation_periods=5, datapoints_to_alarm=5, threshold=a.error_rate_percent,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )),
            _Alarm("latency", f"API function p95 duration above {a.latency_threshold_seconds} s for 10 minutes", dict(
                namespace="AWS/Lambda", metric_name="Duration", dimensions=fn, extended_statistic="p95",
                period=60, evaluation_periods=10, datapoints_to_alarm=10,
                threshold=a.latency_threshold_seconds * 1000, comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
            )),
            _Alarm("throttles", "API function throttled for 5 minutes", dict(
                namespace="AWS/Lambda", metric_name="Throttles", dimensions=fn, statistic="Sum",
                period=60, evaluation_periods=5, datapoints_to_alarm=5, threshold=0,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )),
        ]  # fmt: skip

    def _ai_alarms(self) -> list[_Alarm]:
        a = self._args
        specs: list[_Alarm] = []
        if a.ollama_service_name is not None:
            specs.append(_Alarm("ai-down", "AI service unavailable: no Ollama task running for 2 minutes", dict(
                namespace="ECS/ContainerInsights", metric_name="RunningTaskCount",
                dimensions={"ClusterName": a.cluster_name, "ServiceName": a.ollama_service_name},
                statistic="Minimum", period=60, evaluation_periods=2, datapoints_to_alarm=2, threshold=1,
                comparison_operator="LessThanThreshold", treat_missing_data="breaching",
            )))  # fmt: skip
        elif a.has_ai:
            # A cloud provider has no AWS metric of its own: the API counts its
            # AI calls and failures (embedded metric format, see module doc).
            stage = {"Stage": a.stack}
            calls = {
                "fail": (AI_METRIC_NAMESPACE, AI_ERRORS_METRIC, stage),
                "calls": (AI_METRIC_NAMESPACE, AI_REQUESTS_METRIC, stage),
            }
            specs.append(_Alarm("ai-down", "AI service unavailable: at least half of the AI calls fail for 2 minutes", dict(
                metric_queries=_rate_queries("100 * FILL(fail, 0) / calls", calls, "calls"),
                evaluation_periods=2, datapoints_to_alarm=2, threshold=50,
                comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="notBreaching",
            )))  # fmt: skip
        if a.has_ai or a.ollama_service_name is not None:
            specs.append(_Alarm("ai-latency", f"AI inference p95 above {a.ai_latency_threshold_ms} ms for 5 minutes", dict(
                namespace=AI_METRIC_NAMESPACE, metric_name=AI_METRIC_NAME,
                # No `unit`: an alarm filtered on a unit the app does not publish
                # (EMF without "Unit" stores "None") sits in INSUFFICIENT_DATA
                # forever; AWS recommends omitting it.
                dimensions={"Stage": a.stack}, extended_statistic="p95",
                period=60, evaluation_periods=5, datapoints_to_alarm=5, threshold=a.ai_latency_threshold_ms,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
            )))  # fmt: skip
        return specs

    def _create_alarm(self, spec: _Alarm) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{spec.key}",
            alarm_description=spec.description,
            alarm_actions=[self._topic_arn],
            ok_actions=[self._topic_arn],
            tags=self._tags(spec.key),
            opts=child_opts(self),
            **spec.kwargs,
        )

    # ------------------------------------------------------------------ dashboard

    def _create_dashboard(self) -> aws.cloudwatch.Dashboard:
        a = self._args
        dims = pulumi.Output.all(
            alb=a.alb_arn_suffix,
            tg=a.target_group_arn_suffix,
            cluster=a.cluster_name,
            service=a.api_service_name,
            fn=a.lambda_function_name,
            ollama=a.ollama_service_name,
        )
        alarm_arns = pulumi.Output.all(*[alarm.arn for alarm in self.alarms.values()])
        body = pulumi.Output.all(dims, alarm_arns, self._region).apply(
            lambda v: json.dumps(_dashboard_body(self._kind, v[0], v[1], v[2], a.stack, a.has_ai), sort_keys=True)
        )
        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=valid_dashboard_name(f"{a.project}-{a.stack}-{self._name}"),
            dashboard_body=body,
            opts=child_opts(self),
        )


def _rate_queries(
    expression: str, metrics: dict[str, tuple[str, str, dict[str, Any]]], denominator: str
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """A percentage alarm as metric math; minutes without traffic count as 0 %."""
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="rate",
            expression=f"IF({denominator} > 0, {expression}, 0)",
            label="percent",
            return_data=True,
        )
    ]
    for qid, (namespace, metric, dims) in metrics.items():
        queries.append(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=qid,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=namespace, metric_name=metric, dimensions=dims, period=60, stat="Sum"
                ),
            )
        )
    return queries


def _widget(title: str, metrics: list[list[Any]], region: str, *, stat: str = "Sum", y: int, x: int) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "metrics": metrics,
            "region": region,
            "stat": stat,
            "period": 60,
            "view": "timeSeries",
        },
    }


def _dashboard_body(
    kind: str, d: dict[str, Any], alarm_arns: list[str], region: str, stage: str, has_ai: bool
) -> dict[str, Any]:
    """The seed's dashboard: traffic, errors, latency, capacity, AI."""
    if kind == "ecs":
        lb = ["LoadBalancer", d["alb"], "TargetGroup", d["tg"]]
        svc = ["ClusterName", d["cluster"], "ServiceName", d["service"]]
        panels = [
            ("Requests and 5xx", [["AWS/ApplicationELB", "RequestCount", *lb], ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb]], "Sum"),
            ("Response time p95 (s)", [["AWS/ApplicationELB", "TargetResponseTime", *lb]], "p95"),
            ("Healthy tasks", [["AWS/ApplicationELB", "HealthyHostCount", *lb], ["AWS/ApplicationELB", "UnHealthyHostCount", *lb]], "Minimum"),
            ("API CPU and memory (%)", [["AWS/ECS", "CPUUtilization", *svc], ["AWS/ECS", "MemoryUtilization", *svc]], "Average"),
        ]  # fmt: skip
    else:
        fn = ["FunctionName", d["fn"]]
        panels = [
            ("Invocations and errors", [["AWS/Lambda", "Invocations", *fn], ["AWS/Lambda", "Errors", *fn]], "Sum"),
            ("Duration p95 (ms)", [["AWS/Lambda", "Duration", *fn]], "p95"),
            ("Throttles", [["AWS/Lambda", "Throttles", *fn]], "Sum"),
            ("Concurrent executions", [["AWS/Lambda", "ConcurrentExecutions", *fn]], "Maximum"),
        ]  # fmt: skip
    if d.get("ollama"):
        ollama = ["ClusterName", d["cluster"], "ServiceName", d["ollama"]]
        panels.append(("Ollama running tasks", [["ECS/ContainerInsights", "RunningTaskCount", *ollama]], "Minimum"))
    if has_ai or d.get("ollama"):
        panels.append(("AI inference p95 (ms)", [[AI_METRIC_NAMESPACE, AI_METRIC_NAME, "Stage", stage]], "p95"))
        calls = [[AI_METRIC_NAMESPACE, m, "Stage", stage] for m in (AI_REQUESTS_METRIC, AI_ERRORS_METRIC)]
        panels.append(("AI calls and failures", calls, "Sum"))
    widgets: list[dict[str, Any]] = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 3,
            "properties": {"title": "Alarms", "alarms": sorted(alarm_arns)},
        }
    ]
    for i, (title, metrics, stat) in enumerate(panels):
        widgets.append(_widget(title, metrics, region, stat=stat, x=(i % 2) * 12, y=3 + (i // 2) * 6))
    return {"widgets": widgets}
