"""The program itself: every taggable AWS resource carries its cost-allocation tags, and the stack output
`estimatedMonthlyCost` is the plan's typical estimate from the declared resources."""

from __future__ import annotations

from pathlib import Path

from farm_deploy.offline_plan import run_plan

ROOT = Path(__file__).resolve().parents[2]


def test_cost_allocation_tags_and_the_stack_output() -> None:
    dev = run_plan(ROOT, "dev")
    tagged = [r for r in dev.resources if r.type.startswith("aws:") and isinstance(r.inputs.get("tags"), dict)]
    assert len(tagged) > 50
    for r in tagged:
        tags = r.inputs["tags"]
        assert (tags.get("farm:stack"), tags.get("farm:stage")) == ("dev", "dev"), r.name
        assert tags.get("farm:component"), r.name
    by_name = {r.name: r for r in dev.resources}
    assert by_name["farm-dev-api-service"].inputs["tags"]["farm:component"] == "api"
    assert by_name["farm-dev-net-nat-instance"].inputs["tags"]["farm:component"] == "net"
    # the GPU hosts and their volumes are tagged through the launch template
    specs = by_name["farm-dev-ollama-lt"].inputs["tagSpecifications"]
    assert {s["resourceType"] for s in specs} == {"instance", "volume"}
    assert all(s["tags"]["farm:component"] == "ollama" for s in specs)
    # dev as shipped: the GPU scales to zero and a NAT instance replaces the gateway (docs/cost.md)
    assert (dev.cost.idle, dev.cost.typical) == (35.33, 58.47)
    assert dev.outputs["estimatedMonthlyCost"] == 58.47
