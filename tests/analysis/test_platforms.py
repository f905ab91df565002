"""Platform strategies: the facts each platform is scored on, validation issues
with stable ids, and the recommendation with alternatives."""

from __future__ import annotations

import pytest

from analysis.errors import UserError
from analysis.models import PLATFORMS, AIProviderConfig
from analysis.platforms import REGISTRY, get
from analysis.recommend import recommend, score_all
from tests.analysis.factories import crud_app, farm_chat, finding


def issues(platform: str, req) -> dict[str, bool]:
    return {i.id: i.blocking for i in REGISTRY[platform].validate(req)}


def test_registry_lists_every_platform_in_contract_order():
    assert tuple(REGISTRY) == PLATFORMS


def test_unknown_platform_is_a_user_error_listing_the_valid_ones():
    with pytest.raises(UserError) as err:
        get("heroku", file="Pulumi.dev.yaml", key="farm:platform")
    assert err.value.valid == list(PLATFORMS)
    assert err.value.key == "farm:platform"
    assert "heroku" in err.value.render()


@pytest.mark.parametrize(
    ("platform", "websockets", "gpu", "ollama", "body_mb"),
    [
        ("aws", True, True, True, None),
        ("aws-serverless", False, False, False, 6.0),
        ("vercel", False, False, False, 4.5),  # the seed claimed WebSockets: the platform wins
        ("railway", True, False, True, None),
        ("docker", True, True, True, None),
    ],
)
def test_platform_facts(platform, websockets, gpu, ollama, body_mb):
    caps = REGISTRY[platform].capabilities
    assert (caps.websockets, caps.gpu, caps.ollama, caps.max_body_mb) == (websockets, gpu, ollama, body_mb)


def test_only_docker_lacks_high_availability_among_container_hosts_with_gpu():
    assert REGISTRY["docker"].capabilities.high_availability is False
    assert REGISTRY["aws"].capabilities.high_availability is True


def test_farm_chat_fits_aws_and_not_the_serverless_platforms():
    req = farm_chat().requirements
    assert issues("aws", req) == {}
    assert issues("docker", req) == {}
    # WebSockets block both serverless platforms; Ollama does not, because OpenAI is configured
    assert issues("vercel", req) == {"vercel-ollama": False, "vercel-websockets": True, "vercel-upload-size": False}
    assert issues("aws-serverless", req) == {
        "aws-serverless-ollama": False,
        "aws-serverless-websockets": True,
        "aws-serverless-upload-size": False,
    }
    assert issues("railway", req) == {"railway-gpu": False}


def test_websocket_issue_says_where_the_route_was_seen():
    req = farm_chat().requirements
    text = next(i.text() for i in REGISTRY["vercel"].validate(req) if i.id == "vercel-websockets")
    assert "apps/api/src/routes/chat.py:41" in text
    assert "different programming model" in text


def test_ollama_without_a_cloud_provider_blocks_serverless_platforms():
    req = farm_chat(ai_providers=["ollama"], has_realtime=False).requirements
    req.ai.providers.pop("openai")
    assert issues("vercel", req)["vercel-ollama"] is True
    assert issues("aws-serverless", req)["aws-serverless-ollama"] is True
    assert "vercel-ollama" not in issues("aws", req)


@pytest.mark.parametrize(
    ("max_mb", "vercel_blocks", "lambda_blocks"),
    [(None, False, False), ("5", True, False), ("10", True, True), ("1", False, False)],
)
def test_declared_upload_size_decides_whether_body_limits_block(max_mb, vercel_blocks, lambda_blocks):
    detail = {"max_mb": max_mb} if max_mb else {}
    app = crud_app(
        has_file_storage=True, evidence={"has_file_storage": [finding("file-upload", "app/files.py", 9, **detail)]}
    )
    assert issues("vercel", app.requirements)["vercel-upload-size"] is vercel_blocks
    assert issues("aws-serverless", app.requirements)["aws-serverless-upload-size"] is lambda_blocks
    assert "aws-upload-size" not in issues("aws", app.requirements)


def test_local_disk_writes_warn_where_disk_is_ephemeral():
    req = crud_app(writes_local_disk=True).requirements
    assert issues("vercel", req) == {"vercel-local-disk": False}
    assert issues("aws-serverless", req) == {"aws-serverless-local-disk": False}
    assert issues("railway", req) == {}
    assert issues("aws", req) == {}


def test_railway_gpu_issue_disappears_when_farm_config_asks_for_cpu():
    app = farm_chat()
    app.requirements.ai.providers["ollama"] = AIProviderConfig(enabled=True, gpu=False)
    assert "railway-gpu" not in issues("railway", app.requirements)


def test_recommendation_for_farm_chat():
    rec = recommend(farm_chat().requirements)
    assert rec.platform == "aws"
    assert rec.reasoning[:2] == [
        "runs Ollama on GPU capacity",
        "holds WebSocket connections (seen at apps/api/src/routes/chat.py:41)",
    ]
    assert [a.platform for a in rec.alternatives] == ["railway", "docker", "aws-serverless", "vercel"]
    valid = {s.platform: s.valid for s in rec.scores}
    assert valid == {"aws": True, "railway": True, "docker": True, "aws-serverless": False, "vercel": False}
    assert 0.5 <= rec.confidence <= 0.95
    invalid_conf = [s.confidence for s in rec.scores if not s.valid]
    assert max(invalid_conf) <= 0.3


def test_alternatives_state_tradeoffs_against_the_winner():
    rec = recommend(farm_chat().requirements)
    railway = next(a for a in rec.alternatives if a.platform == "railway")
    assert "- no longer: runs Ollama on GPU capacity" in railway.tradeoffs
    assert "+ scales to zero when idle" in railway.tradeoffs
    assert any(t.startswith("! railway has no GPUs") for t in railway.tradeoffs)
    docker = next(a for a in rec.alternatives if a.platform == "docker")
    assert "- a single host: no high availability" in docker.tradeoffs


def test_plain_crud_app_goes_serverless_and_the_close_call_lowers_confidence():
    req = crud_app().requirements
    scores = score_all(req)
    assert [s.platform for s in scores[:2]] == ["vercel", "aws-serverless"]
    rec = recommend(req)
    assert rec.platform == "vercel"
    assert rec.confidence == pytest.approx(scores[0].confidence - 0.1)
    assert rec.reasoning[-1].startswith("close call with aws-serverless")
    aws_alt = next(a for a in rec.alternatives if a.platform == "aws")
    assert "- VPC, NAT and load balancer cost money even when idle" in aws_alt.tradeoffs


def test_nextjs_front_end_earns_vercel_points():
    plain = next(s for s in score_all(crud_app().requirements) if s.platform == "vercel")
    app = crud_app()
    app.requirements.web.framework = "nextjs"
    nextjs = next(s for s in score_all(app.requirements) if s.platform == "vercel")
    assert nextjs.score == plain.score + 10
    assert "Next.js runs natively" in nextjs.reasoning


def test_high_traffic_penalises_the_single_host():
    low = next(s for s in score_all(crud_app().requirements) if s.platform == "docker")
    high = next(s for s in score_all(crud_app(expected_traffic="high").requirements) if s.platform == "docker")
    assert "a single host: no high availability" in high.reasoning
    assert "a single host: no high availability" not in low.reasoning
    assert high.score < low.score or high.score == 0
