"""Monitoring under the mocks: alarms per level and API kind, topic, subscription, dashboard."""

from __future__ import annotations

import json
import re

import pulumi
import pytest

from analysis.errors import UserError
from components.monitoring import AI_METRIC_NAME, AI_METRIC_NAMESPACE, Monitoring, MonitoringArgs
from farm_deploy.offline.engine import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:mon-alarms-topic"
ECS = dict(
    alb_arn_suffix="app/api-alb/1",
    target_group_arn_suffix="targetgroup/api-tg/2",
    cluster_name="farm",
    api_service_name="api-svc",
)


def run(stack: str = "prod", **kwargs):
    def program():
        mon = Monitoring("mon", MonitoringArgs(**kwargs, stack=stack, project="farm-deploy"))
        pulumi.export("topic_arn", mon.topic_arn)
        pulumi.export("alarm_names", mon.alarm_names)
        pulumi.export("dashboard_name", mon.dashboard_name)
        pulumi.export("dashboard_url", mon.dashboard_url)

    return run_offline(program, stack=stack)


def alarms(result) -> dict[str, dict]:
    return {r.name.removeprefix("mon-"): r.inputs for r in result.of_type(ALARM)}


@pytest.fixture(scope="module")
def basic():
    return run("dev", level="basic", **ECS)


@pytest.fixture(scope="module")
def full_ollama():
    return run(level="full", alarm_email="ops@example.com", ollama_service_name="ollama-svc", has_ai=True, **ECS)


def test_basic_is_service_down_and_error_rate_only_without_dashboard(basic):
    assert set(alarms(basic)) == {"down", "errors"}
    assert basic.of_type(DASHBOARD) == []
    # A None export is dropped: the stack shows no dashboard at all.
    assert "dashboard_name" not in basic.outputs and "dashboard_url" not in basic.outputs
    assert sorted(basic.outputs["alarm_names"]) == ["mon-down", "mon-errors"]


def test_no_email_no_subscription(basic, full_ollama):
    assert basic.of_type(SUBSCRIPTION) == []
    (sub,) = full_ollama.of_type(SUBSCRIPTION)
    assert sub.inputs == {"topic": TOPIC_ARN, "protocol": "email", "endpoint": "ops@example.com"}


def test_service_down_is_no_healthy_host(basic):
    down = alarms(basic)["down"]
    assert (down["namespace"], down["metricName"], down["statistic"]) == (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "Minimum",
    )
    assert down["dimensions"] == {"LoadBalancer": "app/api-alb/1", "TargetGroup": "targetgroup/api-tg/2"}
    assert (down["comparisonOperator"], down["threshold"]) == ("LessThanThreshold", 1)
    assert down["treatMissingData"] == "breaching"


def test_error_rate_is_5xx_over_requests(basic):
    errors = alarms(basic)["errors"]
    queries = {q["id"]: q for q in errors["metricQueries"]}
    assert queries["rate"]["expression"] == "IF(req > 0, 100 * (FILL(t5xx, 0) + FILL(e5xx, 0)) / req, 0)"
    assert queries["rate"]["returnData"] is True
    assert {k: q["metric"]["metricName"] for k, q in queries.items() if k != "rate"} == {
        "t5xx": "HTTPCode_Target_5XX_Count",
        "e5xx": "HTTPCode_ELB_5XX_Count",
        "req": "RequestCount",
    }
    assert (errors["threshold"], errors["evaluationPeriods"]) == (5, 5)


def test_every_alarm_notifies_the_topic(full_ollama):
    for name, alarm in alarms(full_ollama).items():
        assert alarm["alarmActions"] == [TOPIC_ARN], name
        assert alarm["okActions"] == [TOPIC_ARN], name


def test_standard_adds_latency_and_ai_alarms_and_a_dashboard():
    result = run(level="standard", ollama_service_name="ollama-svc", **ECS)
    assert set(alarms(result)) == {"down", "errors", "latency", "ai-down", "ai-latency"}
    assert len(result.of_type(DASHBOARD)) == 1
    latency = alarms(result)["latency"]
    assert (latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == (
        "TargetResponseTime",
        "p95",
        2,
    )


def test_full_adds_capacity_alarms(full_ollama):
    assert set(alarms(full_ollama)) == {"down", "errors", "latency", "cpu", "memory", "ai-down", "ai-latency"}
    assert alarms(full_ollama)["cpu"]["dimensions"] == {"ClusterName": "farm", "ServiceName": "api-svc"}


def test_ai_unavailable_watches_ollamas_running_tasks(full_ollama):
    ai = alarms(full_ollama)["ai-down"]
    assert (ai["namespace"], ai["metricName"]) == ("ECS/ContainerInsights", "RunningTaskCount")
    assert ai["dimensions"] == {"ClusterName": "farm", "ServiceName": "ollama-svc"}
    assert (ai["comparisonOperator"], ai["threshold"], ai["treatMissingData"]) == ("LessThanThreshold", 1, "breaching")


def test_ai_latency_reads_the_apps_metric_for_this_stage(full_ollama):
    latency = alarms(full_ollama)["ai-latency"]
    assert (latency["namespace"], latency["metricName"]) == (AI_METRIC_NAMESPACE, AI_METRIC_NAME)
    assert latency["dimensions"] == {"Stage": "prod"}
    assert (latency["extendedStatistic"], latency["threshold"]) == ("p95", 30000)
    # A unit filter the app's EMF does not match would leave the alarm without data.
    assert "unit" not in latency and "statistic" not in latency


def test_cloud_ai_unavailable_is_the_apps_ai_call_failure_rate():
    result = run(level="standard", has_ai=True, **ECS)
    found = alarms(result)
    assert "ai-latency" in found
    assert "RunningTaskCount" not in json.dumps(found)
    queries = {q["id"]: q for q in found["ai-down"]["metricQueries"]}
    assert queries["rate"]["expression"] == "IF(calls > 0, 100 * FILL(fail, 0) / calls, 0)"
    assert {
        k: (q["metric"]["namespace"], q["metric"]["metricName"], q["metric"]["dimensions"])
        for k, q in queries.items()
        if k != "rate"
    } == {
        "fail": ("FARM/AI", "Errors", {"Stage": "prod"}),
        "calls": ("FARM/AI", "Requests", {"Stage": "prod"}),
    }
    assert (found["ai-down"]["threshold"], found["ai-down"]["treatMissingData"]) == (50, "notBreaching")
    no_ai = run(level="standard", **ECS)
    assert not any(k.startswith("ai-") for k in alarms(no_ai))


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(full_ollama):
    topic = full_ollama.one("aws:sns/topic:Topic")
    key = full_ollama.one("aws:kms/key:Key")
    assert (
        topic.inputs["kmsMasterKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/5bd61fa2-d241-ce4f-a06f-420d04edae07"
    )
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    cw = statements["CloudWatchPublishesAlarms"]
    assert cw["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cw["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cw["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert statements["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_dashboard_name_drops_characters_cloudwatch_refuses():
    # Pulumi stack names may hold "." ; PutDashboard accepts only [A-Za-z0-9_-].
    result = run("release.2", level="standard", **ECS)
    name = result.one(DASHBOARD).inputs["dashboardName"]
    assert name == "farm-deploy-release-2-mon"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", name)


def test_dashboard_shows_the_alarms_and_the_services(full_ollama):
    dashboard = full_ollama.one(DASHBOARD).inputs
    assert dashboard["dashboardName"] == "farm-deploy-prod-mon"
    body = json.loads(dashboard["dashboardBody"])
    alarm_widget = body["widgets"][0]
    assert alarm_widget["type"] == "alarm"
    assert len(alarm_widget["properties"]["alarms"]) == 7
    metrics = [m for w in body["widgets"][1:] for m in w["properties"]["metrics"]]
    names = {m[1] for m in metrics}
    assert {
        "RequestCount",
        "TargetResponseTime",
        "HealthyHostCount",
        "CPUUtilization",
        "RunningTaskCount",
        AI_METRIC_NAME,
    } <= names
    assert full_ollama.outputs["dashboard_url"] == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=farm-deploy-prod-mon"
    )
    assert full_ollama.outputs["topic_arn"] == TOPIC_ARN


def test_lambda_api_uses_lambda_metrics_only():
    result = run(level="full", lambda_function_name="api-fn", has_ai=True)
    found = alarms(result)
    assert set(found) == {"down", "errors", "latency", "throttles", "ai-down", "ai-latency"}
    text = json.dumps([r.inputs for r in result.resources])
    assert "AWS/ApplicationELB" not in text and "AWS/ECS" not in text
    assert found["latency"]["dimensions"] == {"FunctionName": "api-fn"}
    assert (found["latency"]["metricName"], found["latency"]["threshold"]) == ("Duration", 2000)
    rate = {q["id"]: q for q in found["errors"]["metricQueries"]}["rate"]
    assert rate["expression"] == "IF(inv > 0, 100 * FILL(err, 0) / inv, 0)"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"level": "verbose"}, "level"), ({"level": "basic", "alarm_email": "not-an-email"}, "alarm_email")],
)
def test_bad_settings_are_user_errors(kwargs, key):
    with pytest.raises(UserError) as err:
        run(**kwargs, **ECS)
    assert err.value.key == key


def test_api_kind_must_be_unambiguous():
    with pytest.raises(ValueError, match="not both"):
        run(level="basic", lambda_function_name="fn", **ECS)
    with pytest.raises(ValueError, match="needs"):
        run(level="basic", alb_arn_suffix="app/x/1")


def test_a_shared_topic_replaces_the_own_one():
    shared = "arn:aws:sns:us-east-1:123456789012:stage-alarms-topic"
    result = run(level="standard", topic_arn=shared, alarm_email="ignored@example.com", **ECS)
    assert result.of_type("aws:sns/topic:Topic") == []
    assert result.of_type("aws:kms/key:Key") == []
    assert result.of_type(SUBSCRIPTION) == []
    assert result.of_type("farm:monitoring:AlarmTopic") == []
    assert all(inputs["alarmActions"] == [shared] for inputs in alarms(result).values())
    assert result.outputs["topic_arn"] == shared
