"""StagePlan per stage: defaults for the example app, farm.config routing, stack
overrides, and forced choices that cannot work."""

from __future__ import annotations

import json

import pytest

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.stack_config import StackSettings, parse_settings
from analysis.stage_plan import CONFLICT_IDS, plan_stage, plan_stages
from tests.analysis.factories import crud_app, farm_chat, finding


def settings(**raw) -> StackSettings:
    """Overrides exactly as an operator writes them in Pulumi.<stack>.yaml (camelCase keys)."""
    return parse_settings(raw, file="Pulumi.dev.yaml", stack="dev")


def plan(stage: str = "dev", app=None, **raw) -> StagePlan:
    return plan_stage(app or farm_chat(), settings(**raw), stage)


def conflict(stage: str = "dev", app=None, **raw) -> UserError:
    with pytest.raises(UserError) as err:
        plan(stage, app, **raw)
    return err.value


# --------------------------------------------------------------------------- defaults


def test_example_app_defaults_per_stage():
    plans = plan_stages(farm_chat())
    assert list(plans) == ["dev", "staging", "prod"]
    assert {s: p.platform for s, p in plans.items()} == {"dev": "aws", "staging": "aws", "prod": "aws"}
    comps = {s: p.components.model_dump() for s, p in plans.items()}
    assert comps["dev"] == {
        "web": "cloudfront",
        "api": "ecs",
        "ai": "ollama-gpu",
        "db": "m0",
        "network": True,
        "monitoring": "basic",
    }
    assert comps["staging"] == {
        "web": "cloudfront",
        "api": "ecs",
        "ai": "openai",
        "db": "flex",
        "network": True,
        "monitoring": "standard",
    }
    assert comps["prod"] == {
        "web": "cloudfront",
        "api": "ecs",
        "ai": "ollama-gpu",
        "db": "dedicated",
        "network": True,
        "monitoring": "full",
    }


def test_dev_is_cheap_and_scales_gpu_to_zero():
    dev = plan_stages(farm_chat())["dev"]
    assert (dev.ai.min_instances, dev.ai.max_instances, dev.ai.gpu_instance_type) == (0, 1, "g4dn.xlarge")
    assert [m.name for m in dev.ai.models] == ["llama3.1:8b"]
    assert dev.ai.fallback_provider == "openai"
    assert (dev.api.cpu, dev.api.memory, dev.api.min_count) == (256, 512, 1)
    assert (dev.network.az_count, dev.network.nat_per_az) == (2, False)
    assert dev.protect_stateful is False
    assert (dev.db.instance_size, dev.db.backup) == ("M0", False)
    assert "Ollama on EC2 GPU capacity (Fargate has no GPUs)" in dev.reasons["ai"]
    assert "farm.config ai.routing.development = ollama" in dev.reasons["ai"]


def test_staging_follows_routing_to_openai_with_a_migration_plan():
    staging = plan_stages(farm_chat())["staging"]
    assert staging.ai.provider == "openai"
    assert [m.name for m in staging.ai.models] == ["gpt-5-mini"]
    assert staging.ai.gpu_instance_type is None
    mig = staging.ai.migration
    assert (mig.source_provider, mig.provider) == ("ollama", "openai")
    assert "pulumi config set --secret farm:openaiApiKey <value> --stack staging" in mig.actions
    assert "migrated from ollama (development) to openai" in staging.reasons["ai"]
    assert staging.db.instance_size == "FLEX"
    assert "farm.config's openai model 'gpt-4o-mini' is outdated; the plan uses 'gpt-5-mini'" in staging.warnings


def test_prod_is_highly_available_and_protected():
    prod = plan_stages(farm_chat())["prod"]
    assert (prod.ai.min_instances, prod.ai.gpu_instance_type) == (1, "g5.xlarge")
    assert prod.api.min_count == 2
    assert (prod.network.nat_per_az, prod.network.az_count) == (True, 2)
    assert (prod.db.tier, prod.db.instance_size, prod.db.backup, prod.db.pitr, prod.db.termination_protection) == (
        "dedicated",
        "M10",
        True,
        True,
        True,
    )
    assert prod.protect_stateful is True
    assert prod.ai.keep_alive == "24h"


def test_enterprise_budget_prod_spreads_over_three_zones():
    prod = plan_stage(farm_chat(budget_tier="enterprise"), StackSettings(), "prod")
    assert prod.network.az_count == 3


def test_api_and_web_facts_flow_into_settings():
    dev = plan()
    assert (dev.api.root, dev.api.entrypoint, dev.api.dockerfile) == ("apps/api", "src.main:app", "apps/api/Dockerfile")
    assert (dev.web.root, dev.web.framework, dev.web.output_dir) == ("apps/web", "vite", "dist")
    assert (dev.db.uri_env, dev.db.database_name, dev.db.provider_region) == ("MONGODB_URL", "farm_chat", "US_EAST_1")


def test_without_routing_every_stage_runs_ollama():
    app = farm_chat()
    app.requirements.ai.routing.clear()
    plans = plan_stages(app)
    assert {s: p.components.ai for s, p in plans.items()} == {
        "dev": "ollama-gpu",
        "staging": "ollama-gpu",
        "prod": "ollama-gpu",
    }


def test_ollama_with_gpu_false_runs_on_cpu_with_a_small_model():
    app = farm_chat()
    app.requirements.ai.providers["ollama"].gpu = False
    dev = plan_stage(app, StackSettings(), "dev")
    assert dev.components.ai == "ollama-cpu"
    assert [m.name for m in dev.ai.models] == ["llama3.2:3b"]
    assert (dev.ai.cpu, dev.ai.memory) == (2048, 8192)
    assert "'llama3.1:8b' is too large for CPU inference; the plan uses 'llama3.2:3b'" in dev.warnings


def test_app_without_ai_or_front_end():
    app = crud_app(web=None)
    dev = plan_stage(app, settings(platform="aws"), "dev")
    assert (dev.components.ai, dev.components.web) == ("none", "none")
    assert dev.ai.models == []
    assert dev.reasons["ai"] == ["the app uses no AI provider"]


def test_plans_are_json_serialisable_and_round_trip():
    for p in plan_stages(farm_chat()).values():
        doc = json.loads(p.model_dump_json())
        assert StagePlan.model_validate(doc) == p


# --------------------------------------------------------------------------- overrides


def test_stack_overrides_win_over_defaults():
    p = plan(
        "prod",
        dbTier="flex",
        monitoring="standard",
        apiMinCount=3,
        apiMaxCount=9,
        apiCpu=2048,
        apiMemory=4096,
        gpuInstanceType="g4dn.xlarge",
        natPerAz=False,
        region="eu-west-1",
        alarmEmail="ops@example.com",
        domain="chat.example.com",
        apiImage="ecr.example.com/api@sha256:" + "1" * 64,
        hostedZone="example.com",
    )
    assert p.components.db == "flex"
    assert p.components.monitoring == "standard"
    assert (p.api.min_count, p.api.max_count, p.api.cpu, p.api.memory) == (3, 9, 2048, 4096)
    assert p.ai.gpu_instance_type == "g4dn.xlarge"
    assert p.network.nat_per_az is False
    assert (p.region, p.db.provider_region) == ("eu-west-1", "EU_WEST_1")
    assert (p.alarm_email, p.domain) == ("ops@example.com", "chat.example.com")
    assert p.release.api_image == "ecr.example.com/api@sha256:" + "1" * 64
    assert p.reasons["db"] == ["set by farm:dbTier"]
    assert not any("alarmEmail" in w for w in p.warnings)


def test_ai_override_beats_routing():
    p = plan("staging", ai="ollama-cpu")
    assert p.components.ai == "ollama-cpu"
    assert p.reasons["ai"][0] == "set by farm:ai"


def test_pinned_models_apply_only_to_their_provider():
    dev = plan("dev", models=["llama3.2:3b"])
    assert [(m.name, m.reason) for m in dev.ai.models] == [("llama3.2:3b", "pinned by farm:models")]
    staging = plan("staging", models=["llama3.2:3b"])
    assert [m.name for m in staging.ai.models] == ["gpt-5-mini"]
    assert any("pin not used here" in w for w in staging.warnings)


def test_api_override_moves_the_platform_when_needed():
    app = crud_app()
    p = plan("dev", app, api="lambda")
    assert (p.platform, p.components.api, p.reasons["platform"]) == (
        "aws-serverless",
        "lambda",
        ["farm:api lambda runs on aws-serverless"],
    )
    p = plan("dev", app, api="railway")
    assert (p.platform, p.components.api) == ("railway", "railway")
    p = plan("dev", farm_chat(has_realtime=False, has_file_storage=False), api="lambda")
    assert (p.platform, p.components.api) == ("aws", "lambda")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("platform", "heroku"),
        ("web", "netlify"),
        ("api", "k8s"),
        ("ai", "anthropic"),
        ("dbTier", "m30"),
        ("monitoring", "verbose"),
        ("gpuInstanceType", "p5.48xlarge"),
        ("acknowledge", ["lambda-sockets"]),
    ],
)
def test_unknown_values_name_the_key_and_the_valid_ones(key, value):
    err = conflict(**{key: value})
    assert err.key == f"farm:{key}"
    assert err.file == "Pulumi.dev.yaml"
    assert err.valid
    assert "farm:" + key in err.render()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"platform": "vercel", "api": "ecs"}, "farm:api"),
        ({"platform": "railway", "web": "cloudfront"}, "farm:web"),
        ({"platform": "docker", "api": "lambda"}, "farm:api"),
    ],
)
def test_contradictory_overrides(raw, key):
    err = conflict(app=crud_app(), **raw)
    assert "contradicts platform" in err.message
    assert err.key == key


def test_contradictions_cannot_be_acknowledged():
    err = conflict(app=crud_app(), platform="vercel", api="ecs", acknowledge=list(CONFLICT_IDS))
    assert "contradicts" in err.message


def test_min_greater_than_max_is_an_error():
    assert conflict(apiMinCount=5, apiMaxCount=2).key == "farm:apiMinCount"
    assert conflict(apiMinCount=5).key == "farm:apiMinCount"  # stage default max is 2 in dev


def test_fargate_sizes_are_checked():
    assert conflict(apiCpu=300).key == "farm:apiCpu"
    err = conflict(apiCpu=256, apiMemory=4096)
    assert err.key == "farm:apiMemory"
    assert err.valid == ["512", "1024", "2048"]


def test_open_database_access_is_refused_in_prod():
    err = conflict("prod", allowOpenDbAccess=True)
    assert err.key == "farm:allowOpenDbAccess"
    assert plan("dev", allowOpenDbAccess=True).db.allow_open_access is True


# --------------------------------------------------------------------------- conflicts


def test_lambda_for_a_websocket_app_is_a_named_conflict():
    err = conflict(api="lambda")
    assert err.message.startswith("conflict lambda-websockets:")
    assert "apps/api/src/routes/chat.py:41" in err.message
    assert err.key == "farm:api"
    assert "farm:acknowledge" in err.hint


def test_acknowledged_conflict_becomes_a_warning():
    p = plan(api="lambda", acknowledge=["lambda-websockets"])
    assert p.components.api == "lambda"
    assert p.acknowledged == ["lambda-websockets"]
    assert any(w.startswith("acknowledged conflict lambda-websockets") for w in p.warnings)


def test_vercel_platform_for_a_websocket_app_names_the_platform_key():
    err = conflict(platform="vercel")
    assert err.message.startswith("conflict vercel-websockets:")
    assert err.key == "farm:platform"


def test_ollama_gpu_on_vercel_is_a_conflict():
    err = conflict(platform="vercel", ai="ollama-gpu", acknowledge=["vercel-websockets"])
    assert err.message.startswith("conflict vercel-ollama:")
    assert err.key == "farm:ai"


def test_ollama_on_aws_serverless_is_a_conflict():
    err = conflict(app=crud_app(has_ai=True, ai_providers=["ollama"]), platform="aws-serverless", ai="ollama-cpu")
    assert err.message.startswith("conflict aws-serverless-ollama:")


def test_gpu_ollama_on_railway_is_a_conflict():
    err = conflict(platform="railway", ai="ollama-gpu")
    assert err.message.startswith("conflict railway-gpu:")
    assert plan(platform="railway", ai="ollama-cpu").components.ai == "ollama-cpu"


def test_large_uploads_on_lambda_conflict_small_ones_warn():
    big = crud_app(
        has_file_storage=True, evidence={"has_file_storage": [finding("file-upload", "app/up.py", 3, max_mb="20")]}
    )
    err = conflict(app=big, api="lambda")
    assert err.message.startswith("conflict lambda-upload-size:")
    small = crud_app(has_file_storage=True, evidence={"has_file_storage": [finding("file-upload", "app/up.py", 3)]})
    p = plan(app=small, api="lambda")
    assert any("presigned" in w for w in p.warnings)


def test_local_disk_on_fargate_warns_to_mount_efs():
    p = plan(app=farm_chat(writes_local_disk=True))
    assert any("do not survive on fargate" in w and "EFS" in w for w in p.warnings)


def test_forced_vercel_migrates_ollama_routing_to_openai():
    p = plan(platform="vercel", acknowledge=["vercel-websockets"])
    assert (p.components.web, p.components.api, p.components.ai, p.components.network) == (
        "vercel",
        "vercel",
        "openai",
        False,
    )
    assert "Ollama is not supported on vercel: migrating to a cloud provider" in p.warnings
    assert any("dbAccessCidrs" in w for w in p.warnings)


def test_docker_host_runs_mongodb_itself():
    p = plan(platform="docker")
    assert p.components.db == "none"
    assert p.reasons["db"] == ["MongoDB runs as a container on the host with a data volume"]
    assert any(v.name == "MONGODB_URL" and v.source == "output:mongodb.url" for v in p.env)


def test_unsupported_provider_in_routing_names_farm_config():
    app = farm_chat()
    app.requirements.ai.routing["staging"] = "anthropic"
    with pytest.raises(UserError) as err:
        plan_stage(app, StackSettings(), "staging")
    assert (err.value.file, err.value.key) == ("farm.config.ts", "ai.routing.staging")
    assert "openai" in err.value.valid


def test_conflict_ids_are_exactly_the_blocking_ones_that_can_arise():
    assert CONFLICT_IDS == (
        "aws-serverless-ollama",
        "docker-gpu",
        "lambda-upload-size",
        "lambda-websockets",
        "railway-gpu",
        "vercel-ollama",
        "vercel-upload-size",
        "vercel-websockets",
    )


def test_docker_host_gpu_flag():
    assert plan(platform="docker").components.ai == "ollama-gpu"
    assert any("NVIDIA container toolkit" in w for w in plan(platform="docker", ai="ollama-gpu").warnings)
    assert plan(platform="docker", dockerGpu=False).components.ai == "ollama-cpu"
    assert conflict(platform="docker", dockerGpu=False, ai="ollama-gpu").message.startswith("conflict docker-gpu:")


def test_api_cpu_alone_gets_a_matching_memory():
    p = plan("dev", apiCpu=2048)
    assert (p.api.cpu, p.api.memory) == (2048, 4096)


def test_unsupported_ai_provider_is_a_warning_not_a_plan():
    app = crud_app(has_ai=True, unsupported_ai_providers=["anthropic"])
    p = plan_stage(app, StackSettings(), "dev")
    assert p.components.ai == "none"
    assert (
        "unsupported AI provider(s) anthropic: not planned; their keys and endpoints are yours to provide" in p.warnings
    )


US_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/cloudfront"
EU_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/alb"


def test_load_balancer_certificate_follows_the_region():
    # us-east-1: one certificate serves CloudFront and the load balancer
    assert plan("prod", domain="app.example.com", certificateArn=US_CERT).api_certificate_arn == US_CERT
    # elsewhere the load balancer needs its own, in its region
    eu = plan("prod", region="eu-west-1", domain="app.example.com", certificateArn=US_CERT, apiCertificateArn=EU_CERT)
    assert (eu.certificate_arn, eu.api_certificate_arn) == (US_CERT, EU_CERT)
    with pytest.raises(UserError) as err:
        plan("prod", region="eu-west-1", domain="app.example.com", certificateArn=US_CERT)
    assert err.value.key == "farm:apiCertificateArn" and "eu-west-1" in err.value.message
    with pytest.raises(UserError) as err:
        plan("prod", region="eu-west-1", apiCertificateArn=US_CERT)
    assert err.value.key == "farm:apiCertificateArn" and "us-east-1" in err.value.message
    # no API on the load balancer, no load balancer certificate
    assert (
        plan(
            "prod",
            platform="aws-serverless",
            api="lambda",
            certificateArn=US_CERT,
            acknowledge=["lambda-websockets", "aws-serverless-ollama"],
        ).api_certificate_arn
        is None
    )


@pytest.mark.parametrize(
    ("cpu", "memory", "ok"),
    [
        (256, 2048, True),
        (256, 3072, False),
        (1024, 8192, True),
        (1024, 9216, False),
        (4096, 30720, True),
        (8192, 16384, True),
        (8192, 18432, False),  # 8 vCPU: 16 to 60 GB in 4 GB steps only
        (16384, 122880, True),
        (16384, 36864, False),  # 16 vCPU: 32 to 120 GB in 8 GB steps only
        (1536, 3072, False),  # not a Fargate CPU value at all
    ],
)
def test_fargate_sizes_match_the_aws_table(cpu: int, memory: int, ok: bool) -> None:
    """Literal rows of https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html"""
    from analysis.platforms.fargate import valid_size

    assert valid_size(cpu, memory) is ok


def test_planner_and_component_share_the_fargate_table() -> None:
    import components.api_service as api_service
    from analysis import stage_plan
    from analysis.platforms import fargate

    assert stage_plan.FARGATE_MEMORY is fargate.FARGATE_MEMORY is api_service.FARGATE_MEMORY
    p = plan("dev", apiCpu=8192)  # 8 vCPU alone: 16 GB, the nearest Fargate size to 2 GB per vCPU
    assert (p.api.cpu, p.api.memory) == (8192, 16384)
