"""`farm-deploy plan` runs the document checks: a misspelled key in a recorded plan fails it and is printed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from farm_deploy import offline_plan
from farm_deploy.aws_documents import check_resources
from farm_deploy.cli import main

ROOT = Path(__file__).resolve().parents[2]
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def _misspelled(monkeypatch) -> None:
    """The real plan of the dev stack, with `healthCheck` written `healthcheck` in the API's task definition."""
    real = offline_plan.run_plan

    def run_plan(project_dir, stack, **kwargs):
        plan = real(project_dir, stack, **kwargs)
        resources = []
        for r in plan.resources:
            if r.type == TASK and r.name.endswith("-api-task"):
                defs = json.loads(r.inputs["containerDefinitions"])
                defs[0]["healthcheck"] = defs[0].pop("healthCheck")
                r = dataclasses.replace(r, inputs={**r.inputs, "containerDefinitions": json.dumps(defs)})
            resources.append(r)
        plan.resources = resources
        plan.documents = check_resources(resources)
        return plan

    monkeypatch.setattr(offline_plan, "run_plan", run_plan)


def test_a_misspelled_container_key_fails_plan_and_is_named(monkeypatch, capsys):
    _misspelled(monkeypatch)
    assert main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["documents"] == [
        {
            "resource": "farm-dev-api-task",
            "type": TASK,
            "field": "containerDefinitions",
            "message": "[0]: unknown field `healthcheck` in ContainerDefinition (did you mean `healthCheck`?)",
        }
    ]
    assert doc["policy"]["mandatory"] == 0  # the documents alone fail it

    assert main(["plan", "--stack", "dev", "--project-dir", str(ROOT)]) == 1
    out = capsys.readouterr().out
    assert "documents: FAIL: 1 issue" in out and "did you mean `healthCheck`?" in out
    assert main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--fail-on", "never"]) == 0


def test_the_shipped_stack_passes_the_document_checks(capsys):
    assert main(["plan", "--stack", "dev", "--project-dir", str(ROOT)]) == 0
    assert "documents: pass" in capsys.readouterr().out
