"""`farm-deploy plan`: evaluate the Pulumi program for a stack, offline.

Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to the
program, runs `farm_deploy.program.run` under the mock engine, and returns what
`pulumi preview` would create, with the plan, its cost and the policy report.
Secret config values in the stack file are ciphertext (`secure: v1:...`) that
only the Pulumi CLI can decrypt: offline they become placeholders, still
marked secret, and are masked wherever they would be printed.
"""

from __future__ import annotations

import contextlib
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import UserError
from analysis.models import StagePlan
from analysis.stack_config import NAMESPACE, SECRET_KEYS, parse_settings, split_namespace

MASK = "[secret]"
# Bumped only if a field of `plan --json` changes meaning or goes away (docs/reference/json.md).
# 2: `plan.release` pins the image by digest (`api_image`), `api_image_tag` is gone.
PLAN_SCHEMA_VERSION = 2
PLACEHOLDER = "offline-placeholder-secret"


@dataclass
class StackFile:
    path: Path
    config: dict[str, Any]  # full keys ("farm:appPath") -> value; secrets as {"secure": ...}


def load_stack_file(project_dir: Path, stack: str) -> StackFile:
    """The stack file as the Pulumi CLI would hand it to the program."""
    from farm_deploy import stack_files

    if not (project_dir / "Pulumi.yaml").is_file():
        raise UserError(
            "not a Pulumi project folder (no Pulumi.yaml)",
            file=str(project_dir),
            hint="run from the farm-deploy checkout or pass --project-dir",
        )
    loaded = stack_files.StackFile.load(stack_files.stack_path(project_dir, stack))
    return StackFile(path=loaded.path, config=stack_files.to_plain(dict(loaded.config)))


@dataclass
class OfflinePlan:
    stack: str
    plan: StagePlan
    resources: list[Any]  # RecordedResource
    outputs: dict[str, Any]
    secret_outputs: list[str]
    missing_secrets: list[str]
    policy: Any | None = None
    warnings: list[str] = field(default_factory=list)
    # The config the engine ran with (full keys): the default provider's region is `aws:region`.
    config: dict[str, str] = field(default_factory=dict)
    documents: list[Any] = field(default_factory=list)  # aws_documents.DocumentIssue
    cost: Any | None = None  # DeclaredCost: priced from `resources` (farm_deploy/cost.py)

    def provider_of(self, resource: Any) -> Any:
        """The resource's `ProviderInfo` (None for components and providers)."""
        from farm_deploy.offline.engine import provider_info

        return provider_info(resource, {r.urn: r for r in self.resources}, self.config)

    def resource_dicts(self) -> list[dict[str, Any]]:
        from farm_deploy.offline.engine import provider_info

        by_urn = {r.urn: r for r in self.resources}
        rows = []
        for r in self.resources:
            parent = by_urn.get(r.parent) if r.parent else None
            provider = provider_info(r, by_urn, self.config)
            rows.append(
                {
                    "type": r.type,
                    "name": r.name,
                    "parent": parent.name if parent else None,
                    "inputs": mask_paths(r.inputs, r.secret_paths),
                    "protect": r.protect,
                    "provider": provider.to_dict() if provider is not None else None,
                    "dependencies": sorted({by_urn[u].name for u in r.dependencies if u in by_urn}),
                }
            )
        return rows

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": PLAN_SCHEMA_VERSION,
            "stack": self.stack,
            "stage": self.plan.stage,
            "plan": self.plan.model_dump(mode="json"),
            "resources": self.resource_dicts(),
            "counts": self.counts(),
            "outputs": mask_paths(self.outputs, self.secret_outputs),
            "cost": self.cost.model_dump(mode="json") if self.cost is not None else None,
            "policy": self.policy.to_dict() if self.policy is not None else None,
            "missing_secrets": self.missing_secrets,
            "documents": [i.to_dict() for i in self.documents],
            # every warning, the plan's own included (they were only inside "plan" before)
            "warnings": list(dict.fromkeys([*self.plan.warnings, *self.warnings])),
        }


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def mask_paths(value: Any, paths: list[str]) -> Any:
    """A copy of `value` with the secret paths (as the recorder writes them) masked."""
    if not paths:
        return value
    if "." in paths:
        return MASK
    out = copy.deepcopy(value)
    for path in paths:
        tokens = [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PATH_TOKEN.finditer(path)]
        node = out
        for tok in tokens[:-1]:
            try:
                node = node[tok]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if node is not None and tokens:
            with contextlib.suppress(KeyError, IndexError, TypeError):
                node[tokens[-1]] = MASK
    return out


def run_plan(project_dir: Path, stack: str, *, strict_secrets: bool = False) -> OfflinePlan:
    from farm_deploy import program
    from farm_deploy.offline.engine import OfflineError, run_offline

    # Components resolve the app's folders from here; relative paths would
    # depend on the caller's working directory.
    project_dir = Path(project_dir).resolve()

    from farm_deploy.preview_offline import dev_outputs, preview_stack_file

    stack_file = preview_stack_file(project_dir, stack) or load_stack_file(project_dir, stack)
    farm, _ = split_namespace(stack_file.config)
    # Validate before starting the engine: a bad key is the stack file's fault.
    early = parse_settings(farm, file=str(stack_file.path), stack=stack)
    aws_region = stack_file.config.get("aws:region")
    if isinstance(aws_region, str):
        from analysis.aws_regions import check_region

        check_region(aws_region, file=str(stack_file.path), key="aws:region")
    # A preview's stack reference is answered with its dev stack's own offline outputs.
    referenced = dev_outputs(project_dir, stack, early, file=str(stack_file.path))

    config: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in stack_file.config.items():
        plain, had_secret = _placeholders(value)
        config[key] = plain if isinstance(plain, str) else _to_config_text(plain)
        if had_secret:
            secret_keys.append(key)
    missing: list[str] = []
    if not strict_secrets:
        for name in SECRET_KEYS:
            full = f"{NAMESPACE}:{name}"
            if full not in config and name != "apiSecrets":
                config[full] = PLACEHOLDER
                secret_keys.append(full)
                missing.append(full)

    result: dict[str, Any] = {}

    def body() -> None:
        result["program"] = program.run(project_dir)

    try:
        run = run_offline(
            body,
            project=_project_name(project_dir),
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            stack_outputs=referenced,
        )
    except OfflineError as exc:
        raise UserError(
            "the program cannot be evaluated offline: " + "; ".join(exc.errors), file=str(stack_file.path)
        ) from None
    plan: StagePlan = result["program"].plan
    used = {f"{NAMESPACE}:{v.source.split(':', 2)[2]}" for v in plan.env if v.secret and v.source.startswith("config:")}
    offline = OfflinePlan(
        stack=stack,
        plan=plan,
        resources=run.resources,
        outputs=run.outputs,
        secret_outputs=run.secret_outputs,
        missing_secrets=sorted(k for k in missing if k in used),
        config=run.config,
    )
    from farm_deploy.cost import declared_cost, freshness_warnings

    offline.cost = declared_cost(offline)
    offline.warnings.extend([*offline.cost.warnings, *freshness_warnings(offline.cost)])
    from farm_deploy.aws_documents import check_resources as check_documents

    offline.documents = check_documents(run.resources)
    try:
        from farm_deploy.policy_check import check_resources
    except ImportError:  # pragma: no cover - the policy pack is part of the repo
        check_resources = None
    if check_resources is not None:
        settings = parse_settings(farm, file=str(stack_file.path), stack=stack)
        offline.policy = check_resources(
            run.resources,
            plan.stage,
            settings.policy_waivers,
            file=str(stack_file.path),
            budget=settings.monthly_budget,
            region=plan.region,
        )
    return offline


def _placeholders(value: Any) -> tuple[Any, bool]:
    """`value` with every `{secure: ...}` (at any depth, as `--path` writes them) made a placeholder."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], hit = _placeholders(v)
            found = found or hit
        return out, found
    if isinstance(value, list):
        pairs = [_placeholders(v) for v in value]
        return [p for p, _ in pairs], any(h for _, h in pairs)
    return value, False


def _to_config_text(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _project_name(project_dir: Path) -> str:
    try:
        data = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
        return str(data.get("name") or "farm-deploy")
    except (OSError, yaml.YAMLError):
        return "farm-deploy"
