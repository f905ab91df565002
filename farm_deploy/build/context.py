"""What every target's builder shares: the stage's context, its env resolver, the outputs.

`Context` carries the plan and the stack's identity (project, stack, the name
prefix every resource starts with); `BuiltStage` is what the program exports.
Plain variables are resolved by `analysis/platforms/env.py` (shared with the
Compose layout); secrets (`config:farm:<key>`) by `secret_env` here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from analysis.errors import UserError
from analysis.models import EnvVar, StagePlan
from analysis.platforms.env import plain_env
from analysis.stack_config import NAMESPACE, StackSettings
from components.naming import stack_slug

SecretReader = Callable[[str], pulumi.Output[str]]
OptionalSecretReader = Callable[[str], "pulumi.Output[str] | None"]

# `EnvVar.source` of a value read from stack config (`config:farm:<key>`).
CONFIG_SOURCE = "config:" + NAMESPACE + ":"


@dataclass
class BuiltStage:
    """What the program exports (README, "Stack outputs"); names are a contract."""

    plan: StagePlan
    region: str
    web_url: pulumi.Input[str] | None = None
    api_url: pulumi.Input[str] | None = None
    ecs: dict[str, Any] | None = None
    log_groups: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    alarm_names: pulumi.Input[list[str]] | None = None
    dashboard_url: pulumi.Input[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def health_urls(self) -> dict[str, pulumi.Input[str]]:
        urls: dict[str, pulumi.Input[str]] = {}
        if self.web_url is not None:
            urls["web"] = self.web_url
        if self.api_url is not None:
            base = pulumi.Output.from_input(self.api_url).apply(lambda u: u.rstrip("/"))
            urls["api"] = base.apply(lambda u: u + "/api/health")
            if self.plan.components.db != "none":
                urls["database"] = base.apply(lambda u: u + "/api/health/database")
            if self.plan.components.ai != "none":
                urls["ai"] = base.apply(lambda u: u + "/api/ai/health")
        return urls

    def outputs(self) -> dict[str, Any]:
        plan = self.plan
        out: dict[str, Any] = {
            "stage": plan.stage,
            "platform": plan.platform,
            "region": self.region,
            "plan": {
                "components": plan.components.model_dump(),
                "warnings": plan.warnings,
                "release": plan.release.model_dump(),
            },
            "estimatedMonthlyCost": round(plan.cost.total, 2) if plan.cost else None,
            "healthUrls": self.health_urls(),
        }
        if self.web_url is not None:
            out["webUrl"] = self.web_url
        if self.api_url is not None:
            out["apiUrl"] = self.api_url
        if self.ecs:
            out["ecs"] = self.ecs
        if self.log_groups:
            out["logGroups"] = self.log_groups
        if self.alarm_names is not None:
            out["alarmNames"] = self.alarm_names
        if self.dashboard_url is not None:
            out["dashboardUrl"] = self.dashboard_url
        out.update(self.extra)
        return out


def _no_optional_secret(_key: str) -> pulumi.Output[str] | None:
    return None


@dataclass
class Context:
    plan: StagePlan
    app_dir: Path
    project_dir: Path
    settings: StackSettings
    secret: SecretReader
    project: str
    stack: str
    # A secret the stack may leave unset (farm:railwayToken): None when it does.
    optional_secret: OptionalSecretReader = _no_optional_secret
    # package -> the explicit provider every component of that package is given
    # (the AWS builder sets "aws": one provider in the stage's region).
    providers: dict[str, pulumi.ProviderResource] = field(default_factory=dict)
    # The AWS provider pinned to us-east-1, created on first use (build/aws.py).
    us_east_1: Any = None
    # A stage in several regions: region -> its AWS provider (the primary's is providers["aws"]).
    region_providers: dict[str, pulumi.ProviderResource] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"farm-{self.slug}"

    @property
    def slug(self) -> str:
        """The stack name as AWS, Atlas and Vercel names accept it (components/naming.py)."""
        return stack_slug(self.stack)

    @property
    def vercel_project_name(self) -> str:
        return f"{self.project}-{self.slug}"

    @property
    def protect(self) -> bool:
        return self.plan.protect_stateful

    @property
    def stack_file(self) -> str:
        return str(self.project_dir / f"Pulumi.{self.stack}.yaml")

    def opts(self, region: str | None = None) -> pulumi.ResourceOptions | None:
        """Options for a top-level component: the stage's providers, which its children inherit.

        With `region` (a stage in several regions), the AWS provider is that region's.
        """
        providers = dict(self.providers)
        if region is not None and region in self.region_providers:
            providers["aws"] = self.region_providers[region]
        return pulumi.ResourceOptions(providers=list(providers.values())) if providers else None

    def name(self, region: str, part: str) -> str:
        """A component's name in `region`: the primary region keeps the single-region names
        (a stage that adds a region keeps its resources), the others carry their region."""
        return f"{self.prefix}-{part}" if region == self.plan.region else f"{self.prefix}-{region}-{part}"

    @contextlib.contextmanager
    def stack_keys(self, keys: Mapping[str, str]) -> Iterator[None]:
        """Translate a component's error about one of its arguments into the stack key behind it.

        Components name their arguments (`key="cpu"`, hints with `` `cpu` ``);
        the person who can fix it edits `farm:apiCpu` in the stack file, so the
        error names that key and that file.
        """
        try:
            yield
        except UserError as exc:
            if exc.key is not None and exc.key in keys:
                exc.key = keys[exc.key]
                exc.file = exc.file or self.stack_file
            if exc.hint:
                for arg, key in keys.items():
                    exc.hint = exc.hint.replace(f"`{arg}`", key)
            raise

    def tags(self) -> dict[str, str]:
        return {
            "farm:project": self.project,
            "farm:stack": self.stack,
            "farm:stage": self.plan.stage,
            "managed-by": "pulumi",
        }

    def secret_values(self, target: str) -> dict[str, pulumi.Input[str]]:
        """Env name -> Pulumi secret read from stack config, for the plan's config-sourced secrets."""
        values: dict[str, pulumi.Input[str]] = {}
        for var in self.plan.env:
            if var.target == target and var.secret and var.source.startswith(CONFIG_SOURCE):
                values[var.name] = self.secret(var.source[len(CONFIG_SOURCE) :])
        return values

    def plain_env(self, target: str, outputs: Mapping[str, pulumi.Input[str]]) -> dict[str, pulumi.Input[str]]:
        """Non-secret env vars: literal values, and deploy-time values from other components."""
        return plain_env(self.plan.env, target, outputs=outputs)


# --------------------------------------------------------------------------- env resolution


def secret_env(
    env: Sequence[EnvVar],
    target: str,
    provided: Mapping[str, pulumi.Input[str]] | None,
    *,
    read: OptionalSecretReader,
    skip: Sequence[str] = (),
) -> dict[str, pulumi.Input[str]]:
    """Values for the plan's secret variables of `target`, as Pulumi secrets.

    Taken from `provided` first, else read (`read`) from the stack config the
    plan names (`source: "config:farm:openaiApiKey"`). A required secret the
    stack does not set is a user error naming the key. Variables the component
    computes itself (`skip`) and values only known from other resources are
    left to the caller.
    """
    provided = dict(provided or {})
    values: dict[str, pulumi.Input[str]] = {}
    for var in env:
        if not var.secret or var.target != target or var.name in skip:
            continue
        if var.name in provided:
            values[var.name] = pulumi.Output.secret(provided[var.name])
            continue
        kind, _, ref = var.source.partition(":")
        if kind != "config":
            continue
        _namespace, _, key = ref.partition(":")
        secret = read(key)
        if secret is None:
            if not var.rule.required:
                continue
            raise UserError(
                f"secret {var.name} for the {target} is not set",
                key=ref,
                hint=f"pulumi config set --secret {ref} <value>",
            )
        values[var.name] = secret
    return values


def config_secret(key: str) -> pulumi.Output[str] | None:
    """A `farm:` secret from the stack config, None when the stack does not set it."""
    return pulumi.Config(NAMESPACE).get_secret(key)
