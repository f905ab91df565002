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
AI_SCHEMA_VERSION = 1

_ACTIONS = {
    "analyze": (
        "each stage's AI provider, fallback, models, hardware and AI cost",
        "For each stage (dev, staging, prod): the AI provider and its fallback, the models, the GPU or CPU "
        "hardware and instance counts, why, and the AI part of the monthly cost.",
    ),
    "migrate": (
        "what moving to another AI provider (--to) changes and what to do",
        "What moving the app from one AI provider to another (e.g. --to openai) changes on a platform: "
        "warnings and the actions to take. Needs no stage plans.",
    ),
    "optimize": (
        "the model each stage runs, from the dated model table",
        "The model each stage runs and why, with the hardware and memory it needs, from the dated model table.",
    ),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.common import add_project_dir

    sub = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    for action, (help_text, description) in _ACTIONS.items():
        p = sub.add_parser(action, help=help_text, description=description)
        p.add_argument(
            "app", nargs="?", metavar="APP", help="app repository (default: examples/farm-chat of the checkout)"
        )
        p.add_argument("--stage", metavar="STAGE", help="only this analyzer stage (dev, staging or prod)")
        add_project_dir(p, old="--config-dir")
        if action == "migrate":
            p.add_argument(
                "--from", dest="source", metavar="PROVIDER", help="provider used today (default: the development one)"
            )
            p.add_argument(
                "--to",
                dest="target",
                metavar="PROVIDER",
                required=True,
                help="provider to move to: " + ", ".join(PROVIDERS),
            )
            p.add_argument("--platform", metavar="PLATFORM", help="target platform (default: the recommended one)")
        p.add_argument("--json", action="store_true", help="print the JSON document instead")


def _check_provider(value: str | None, flag: str) -> None:
    if value is not None and value not in PROVIDERS:
        raise UserError("unknown AI provider", key=flag, value=value, valid=list(PROVIDERS))


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.analyze import load
    from farm_deploy.commands.common import dump_json

    if args.action == "migrate":
        _check_provider(args.source, "--from")
        _check_provider(args.target, "--to")
        if args.platform is not None:
            from analysis.platforms import get

            get(args.platform, key="--platform")
    # migrate needs no stage plans: a stage's forced choices must not stop it
    analysis, rec, plans = load(args, plan=args.action != "migrate")
    doc = {"analyze": _analyze, "migrate": _migrate, "optimize": _optimize}[args.action](args, analysis, rec, plans)
    doc = {"schema_version": AI_SCHEMA_VERSION, "action": args.action, **doc}
    doc.setdefault("warnings", [f"{stage}: {w}" for stage, plan in plans.items() for w in plan.warnings])
    if args.json:
        dump_json(doc)
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
    from rich.markup import escape
    from rich.table import Table

    from farm_deploy.commands.common import console as make_console

    console = make_console()
    if action == "migrate":
        console.print(
            f"[bold]{doc['source_provider'] or '?'} -> {doc['provider']}[/] on {doc['platform']}"
            + (f", fallback {doc['fallback_provider']}" if doc["fallback_provider"] else "")
        )
        for w in doc["warnings"]:
            console.print(f"  [yellow]warning[/]: {escape(w)}")
        for a in doc["actions"]:
            console.print(f"  - {escape(a)}")
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
