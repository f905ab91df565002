"""PreviewDatabase: a database user of its own on dev's Atlas cluster, for one database.

The user may read and write the preview's own database and nothing else: one
`readWrite` role and one `dbAdmin` role (so teardown can drop the database), both
naming that database, scoped to dev's cluster
(https://www.mongodb.com/docs/atlas/reference/api-resources-spec/v2/#tag/Database-Users,
https://www.mongodb.com/docs/manual/reference/built-in-roles/#database-user-roles).
The database itself appears on the first write: MongoDB creates databases
implicitly (https://www.mongodb.com/docs/manual/core/databases-and-collections/#create-a-database).
The connection string goes to Secrets Manager, as dev's does; teardown removes
the user, the secret (no recovery window) and, through the CI job, the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas
import pulumi_random as random

from analysis.errors import UserError

from .atlas_database import connection_string
from .common import child_opts, merge_tags

ROLES = ("readWrite", "dbAdmin")


@dataclass
class PreviewDatabaseArgs:
    # dev's, from the stack reference
    project_id: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    srv: pulumi.Input[str]  # the cluster's mongodb+srv:// address, no credentials
    dev_database_name: str
    # the preview's own
    database_name: str
    username: str
    tags: dict[str, str] = field(default_factory=dict)


class PreviewDatabase(pulumi.ComponentResource):
    connection_secret_arn: pulumi.Output[str]
    database_name: pulumi.Output[str]
    username: pulumi.Output[str]

    def __init__(self, name: str, args: PreviewDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:preview:PreviewDatabase", name, None, opts)
        self._name = name
        self._args = args
        if args.database_name == args.dev_database_name:
            raise UserError("a preview's database must not be dev's", key="database_name", value=args.database_name)
        if args.database_name in ("admin", "local", "config"):
            raise UserError("MongoDB reserves this database", key="database_name", value=args.database_name)
        self._tags = merge_tags(args.tags, name)

        self.password = random.RandomPassword(f"{name}-password", length=32, special=False, opts=child_opts(self))
        self.user = atlas.DatabaseUser(
            f"{name}-user",
            project_id=args.project_id,
            username=args.username,
            password=self.password.result,
            auth_database_name="admin",
            roles=[atlas.DatabaseUserRoleArgs(role_name=role, database_name=args.database_name) for role in ROLES],
            scopes=[atlas.DatabaseUserScopeArgs(name=args.cluster_name, type="CLUSTER")],
            labels=[atlas.DatabaseUserLabelArgs(key=k, value=v) for k, v in self._tags.items()],
            opts=child_opts(self),
        )
        uri = pulumi.Output.secret(
            pulumi.Output.all(args.srv, self.user.username, self.password.result).apply(
                lambda v: connection_string(v[0], v[1], v[2], args.database_name)
            )
        )
        self.secret = aws.secretsmanager.Secret(
            f"{name}-connection",
            name_prefix=f"{args.username}-mongodb-url-",
            description=f"MongoDB connection string of preview database {args.database_name}",
            # No recovery window: a closed pull request's secret goes at once.
            recovery_window_in_days=0,
            tags=self._tags,
            opts=child_opts(self),
        )
        version = aws.secretsmanager.SecretVersion(
            f"{name}-connection-value", secret_id=self.secret.id, secret_string=uri, opts=child_opts(self)
        )
        # The version's `secret_arn` is the secret's ARN, known only once the value is stored: readers of
        # it wait for the connection string, not just for an empty secret (secret-readers-wait-for-value).
        self.connection_secret_arn = version.secret_arn
        self.database_name = pulumi.Output.from_input(args.database_name)
        self.username = self.user.username
        self.register_outputs(
            {
                "connection_secret_arn": self.connection_secret_arn,
                "database_name": self.database_name,
                "username": self.username,
            }
        )
