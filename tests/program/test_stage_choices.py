"""farm:aiScaleToZero and farm:natInstance on any stage, and their bad combinations."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.load import analyze_app
from analysis.stack_config import parse_settings
from analysis.stage_plan import plan_stage

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "farm-chat"


@pytest.fixture(scope="module")
def app():
    return analyze_app(EXAMPLE)


def plan(app, stage: str, **keys: object):
    return plan_stage(app, parse_settings(keys, file=f"Pulumi.{stage}.yaml", stack=stage), stage)


def test_prod_can_scale_its_gpu_to_zero(app) -> None:
    default = plan(app, "prod")
    assert (default.ai.scale_to_zero, default.ai.min_instances) == (False, 1)
    assert not [v for v in default.env if v.name == "AI_REQUEST_METRIC_NAMESPACE"]
    chosen = plan(app, "prod", aiScaleToZero=True)
    assert (chosen.ai.scale_to_zero, chosen.ai.min_instances) == (True, 0)
    assert chosen.ai.request_metric_namespace == "farm-deploy/prod"
    (var,) = [v for v in chosen.env if v.name == "AI_REQUEST_METRIC_NAMESPACE"]
    assert var.value == "farm-deploy/prod"


def test_dev_can_keep_its_gpu_up(app) -> None:
    dev = plan(app, "dev", aiScaleToZero=False)
    assert dev.ai.scale_to_zero is False
    assert not any("desired count starts at 0" in r for r in dev.reasons.get("cost", []))


def test_scale_to_zero_without_gpu_ollama_is_a_warning(app) -> None:
    staging = plan(app, "staging", aiScaleToZero=True)  # staging routes AI to OpenAI
    assert staging.ai.scale_to_zero is False
    assert "farm:aiScaleToZero applies to GPU Ollama on AWS only; this stage runs openai on aws" in staging.warnings


def test_nat_choice_per_stage(app) -> None:
    assert plan(app, "dev").network.nat == "instance"
    assert plan(app, "staging").network.nat == "gateway"
    assert plan(app, "staging", natInstance=True).network.nat == "instance"
    assert plan(app, "dev", natInstance=False).network.nat == "gateway"
    with pytest.raises(UserError) as info:
        plan(app, "prod", natInstance=True)  # prod has a NAT per AZ
    assert info.value.key == "farm:natInstance"
    assert "drop farm:natPerAz or farm:natInstance" in (info.value.hint or "")
