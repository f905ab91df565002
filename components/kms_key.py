"""KmsKey: the stage's customer managed key (`farm:kms customer`).

One symmetric key, rotated yearly by KMS, for the stage's Secrets Manager
secrets, the Ollama model cache (EFS) and the CloudWatch log groups. The key
policy is least privilege:

- the account administers the key, so that IAM policies decide who uses it
  (the key policy is the only way to grant that: without it the key becomes
  unmanageable, https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html);
- CloudWatch Logs may use it only for this account's log groups in this
  region (the encryption-context condition of
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html);
- nobody else: Secrets Manager and EFS use it on behalf of callers whose IAM
  policy allows it (the API's execution role: `kms:Decrypt` through Secrets
  Manager only).

The alarm topic keeps its own key (AlarmTopic), whose policy admits CloudWatch
alarms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags
from .iam import policy_document

USE_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass
class KmsKeyArgs:
    description: str
    deletion_window_days: int = 30
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def stage_key_policy(account: str, partition: str, region: str) -> str:
    return policy_document(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": USE_ACTIONS,
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"
                }
            },
        },
    )


class KmsKey(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: KmsKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:security:KmsKey", name, None, opts)
        if not 7 <= args.deletion_window_days <= 30:
            raise ValueError("KmsKey: the deletion window is 7 to 30 days")
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.all(account, partition, region).apply(lambda v: stage_key_policy(v[0], v[1], v[2])),
            tags=merge_tags(args.tags, f"{name}-key"),
            opts=child_opts(self, protect=args.protect),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{name}", target_key_id=self.key.key_id, opts=child_opts(self))
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"arn": self.arn, "key_id": self.key_id})
