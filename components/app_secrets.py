"""AppSecrets: one Secrets Manager secret per secret environment variable.

Values come from Pulumi secret config and stay Pulumi secrets (encrypted in the
state, masked in previews); the API's task reads them at start through ECS
`secrets`, and only the ARNs leave this component.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags, replica_arn, secret_replicas

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class AppSecretsArgs:
    # Environment variable name -> secret value (e.g. config.require_secret(...)).
    values: dict[str, pulumi.Input[str]]
    # Days a deleted secret can still be restored (7-30); 0 deletes at once.
    recovery_window_days: int = 7
    # Customer managed key (farm:kms customer); None: Secrets Manager's AWS managed key.
    kms_key_id: pulumi.Input[str] | None = None
    # Other regions the API runs in -> the key of the replica there (None: AWS managed).
    # Secrets Manager keeps each replica's value in step with the primary.
    replica_regions: Mapping[str, pulumi.Input[str] | None] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    # The Pulumi stack the resources belong to (labels and physical names only).
    stack: str = field(kw_only=True)


def secret_slug(env_name: str) -> str:
    """Resource-name form of an env var name: `MONGODB_URL` -> `mongodb-url`."""
    return env_name.lower().replace("_", "-")


class AppSecrets(pulumi.ComponentResource):
    arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:security:AppSecrets", name, None, opts)
        self._name = name
        self._args = args
        self._validate()

        self.secrets: dict[str, aws.secretsmanager.Secret] = {}
        self.versions: dict[str, aws.secretsmanager.SecretVersion] = {}
        for env_name in sorted(args.values):
            self.secrets[env_name], self.versions[env_name] = self._create_secret(env_name, args.values[env_name])

        # Each ARN is read from the secret's version: whoever uses it (a task
        # definition, a function) then waits for the value, not only for the
        # empty secret (https://www.pulumi.com/docs/iac/concepts/inputs-outputs/#outputs-and-dependencies).
        self.arns = {env_name: self.versions[env_name].secret_arn for env_name in self.secrets}
        self.register_outputs({"arns": self.arns})

    def arns_in(self, region: str) -> dict[str, pulumi.Output[str]]:
        """The secrets' ARNs in `region`: the primary's, or a replica's (`replica_regions`)."""
        if region not in self._args.replica_regions:
            return dict(self.arns)
        return {name: replica_arn(arn, region) for name, arn in self.arns.items()}

    def _validate(self) -> None:
        window = self._args.recovery_window_days
        if window != 0 and not 7 <= window <= 30:
            raise UserError(
                "Secrets Manager recovery window must be 0 or between 7 and 30 days",
                key="secrets.recovery_window_days",
                value=window,
            )
        for env_name in self._args.values:
            if not _ENV_NAME.match(env_name):
                raise UserError(
                    "not a valid environment variable name for a secret",
                    key="secrets",
                    value=env_name,
                    hint="use letters, digits and underscores, not starting with a digit",
                )
        slugs = [secret_slug(n) for n in self._args.values]
        clashes = sorted({s for s in slugs if slugs.count(s) > 1})
        if clashes:
            raise UserError("two secret names differ only by case", key="secrets", value=clashes)

    def _create_secret(
        self, env_name: str, value: pulumi.Input[str]
    ) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
        child = f"{self._name}-{secret_slug(env_name)}"
        secret = aws.secretsmanager.Secret(
            child,
            description=f"farm-deploy: {env_name} for the API ({self._args.stack})",
            recovery_window_in_days=self._args.recovery_window_days,
            kms_key_id=self._args.kms_key_id,
            replicas=secret_replicas(self._args.replica_regions),
            tags=merge_tags(self._args.tags, child) | {"farm:env": env_name},
            opts=child_opts(self),
        )
        version = aws.secretsmanager.SecretVersion(
            f"{child}-value",
            secret_id=secret.id,
            # Whatever the caller passed (even plain text), it is a secret from here on.
            secret_string=pulumi.Output.secret(value),
            opts=child_opts(self),
        )
        return secret, version
