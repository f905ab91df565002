"""`farm-deploy ai analyze|migrate|optimize`: the seed's AI commands over the analyzer's plans."""

from __future__ import annotations

import argparse
from typing import Any

from analysis.errors import UserError

HELP = "AI per stage: providers and cost (analyze), provider migration (migrate), model choice (optimize)"
DESCRIPTION = (
    "analyze: each stage's AI provider, fallback, models, hardware and AI cost. "
    "migrate: what moving to another provider (e.g. --to openai) changes and what to do. "
    "optimize: the model each stage runs, from the dated model table."
)

PROVIDERS = ("ollama", "openai", "huggingface")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("analyze", "migrate", "optimize"), help="what to show")
    parser.add_argument("app", nargs="?", metavar="APP", help="app repository (default: examples/farm-chat)")
    parser.add_argument("--stage", metavar="S", help="only this stage (dev, staging or prod)")
    parser.add_argument("--config-dir", metavar="DIR", help="folder with the Pulumi.<stage>.yaml files")
    parser.add_argument(
        "--from", dest="source", metavar="PROVIDER", help="migrate: provider used today (default: the development one)"
    )
    parser.add_argument(
        "--to", dest="target", metavar="PROVIDER", help="migrate: provider to move to (ollama, openai, huggingface)"
    )
    parser.add_argument("--platform", metavar="P", help="migrate: target platform (default: the recommended one)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _check_provider(value: str | None, flag: str) -> None:
    if value is not None and value not in PROVIDERS:
        raise UserError("unknown AI provider", key=flag, value=value, valid=list(PROVIDERS))


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from farm_deploy.commands.analyze import load

    _check_provider(args.source, "--from")
    _check_provider(args.target, "--to")
    if args.action == "migrate" and not args.target:
        raise UserError("migrate needs --to", key="--to", valid=list(PROVIDERS))
    if args.platform is not None:
        from analysis.platforms import get

        get(args.platform, key="--platform")
    # migrate needs no stage plans: a stage's forced choices must not stop it
    analysis, rec, plans = load(args, plan=args.action != "migrate")
    doc = {"analyze": _analyze, "migrate": _migrate, "optimize": _optimize}[args.action](args, analysis, rec, plans)
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(args.action, doc)
    return 0


def _analyze(args: argparse.Namespace, analysis: Any, rec: Any, plans: dict[str, Any]) -> dict[str, Any]:
    req = analysis.requirements
    stages = {}
    for stage, plan in plans.items():
        ai_items = [i.model_dump(mode="json") for i in plan.cost.items if i.component == "ai"] if plan.cost else []
        stages[stage] = {
            "ai": plan.components.ai,
            "fallback": plan.ai.fallback_provider,
            "models": [m.model_dump(mode="json") for m in plan.ai.models],
            "gpu_instance_type": plan.ai.gpu_instance_type,
            "instances": [plan.ai.min_instances, plan.ai.max_instances],
            "reasons": plan.reasons.get("ai", []),
            "migration": plan.ai.migration.model_dump(mode="json") if plan.ai.migration else None,
            "cost": {"items": ai_items, "total": round(sum(i["monthly"] for i in ai_items), 2)},
        }
    return {
        "providers": req.ai_providers,
        "unsupported_providers": req.unsupported_ai_providers,
        "routing": req.ai.routing,
        "stages": stages,
    }


def _migrate(args: argparse.Namespace, analysis: Any, rec: Any, plans: dict[str, Any]) -> dict[str, Any]:
    from analysis.ai_migration import development_provider, enabled_providers, migrate

    req = analysis.requirements
    providers = enabled_providers(req.ai, req.ai_providers)
    source = args.source or development_provider(req.ai, providers)
    if args.target not in providers:
        providers.append(args.target)
    platform = args.platform or rec.platform
    plan = migrate(req.ai, platform, providers=providers, wanted=args.target, stack=args.stage, source=source)
    out = plan.model_dump(mode="json")
    out["platform"] = platform
    return out


def _optimize(args: argparse.Namespace, analysis: Any, rec: Any, plans: dict[str, Any]) -> dict[str, Any]:
    from analysis.model_choice import MODEL_TABLE_DATE, MODELS

    return {
        "model_table_date": MODEL_TABLE_DATE,
        "table": [
            {
                "name": m.name,
                "provider": m.provider,
                "hardware": m.hardware,
                "memory_gb": m.memory_gb,
                "note": m.note,
                "source": m.source,
            }
            for m in MODELS
        ],
        "stages": {
            stage: {
                "ai": plan.components.ai,
                "models": [m.model_dump(mode="json") for m in plan.ai.models],
                "gpu_instance_type": plan.ai.gpu_instance_type,
                "keep_alive": plan.ai.keep_alive,
                "warnings": [w for w in plan.warnings if "model" in w],
            }
            for stage, plan in plans.items()
        },
    }


def _print(action: str, doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if action == "migrate":
        console.print(
            f"[bold]{doc['source_provider'] or '?'} -> {doc['provider']}[/] on {doc['platform']}"
            + (f", fallback {doc['fallback_provider']}" if doc["fallback_provider"] else "")
        )
        for w in doc["warnings"]:
            console.print(f"  [yellow]warning[/]: {w}")
        for a in doc["actions"]:
            console.print(f"  - {a}")
        return
    table = Table(show_edge=False)
    if action == "analyze":
        console.print("providers: " + (", ".join(doc["providers"]) or "none"))
        if doc["unsupported_providers"]:
            console.print("unsupported: " + ", ".join(doc["unsupported_providers"]))
        for col in ("stage", "ai", "fallback", "model", "hardware", "AI $/month"):
            table.add_column(col, justify="right" if col == "AI $/month" else "left")
        for stage, s in doc["stages"].items():
            model = s["models"][0] if s["models"] else None
            hardware = s["gpu_instance_type"] or (model["hardware"] if model else "-")
            table.add_row(
                stage,
                s["ai"],
                s["fallback"] or "-",
                model["name"] if model else "-",
                hardware,
                f"{s['cost']['total']:,.2f}",
            )
    else:
        console.print(f"model table of {doc['model_table_date']}")
        for col in ("stage", "ai", "model", "hardware", "memory GB", "why"):
            table.add_column(col)
        for stage, s in doc["stages"].items():
            for m in s["models"] or [{"name": "-", "hardware": "-", "memory_gb": None, "reason": ""}]:
                table.add_row(
                    stage,
                    s["ai"],
                    m["name"],
                    m["hardware"],
                    f"{m['memory_gb']:g}" if m["memory_gb"] else "-",
                    m["reason"],
                )
    console.print(table)
