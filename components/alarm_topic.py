"""AlarmTopic: the SNS topic every alarm of a stage notifies, encrypted, with an optional e-mail.

Its own component so that alarms created before `Monitoring` (the API's
deployment-rollback alarms) can notify the same people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from analysis.errors import UserError

from .common import child_opts, merge_tags
from .iam import policy_document

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class AlarmTopicArgs:
    # Subscribed by e-mail (the recipient confirms from the message AWS sends).
    alarm_email: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # The Pulumi stack the resources belong to (labels and physical names only).
    stack: str = field(kw_only=True)


class AlarmTopic(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:monitoring:AlarmTopic", name, None, opts)
        self._name = name
        self._args = args
        if args.alarm_email is not None and not _EMAIL.match(args.alarm_email):
            raise UserError("not an e-mail address", key="alarm_email", value=args.alarm_email)

        self.key = self._create_key()
        self.topic = self._create_topic()
        self.subscription = self._create_subscription()

        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})

    def _tags(self, suffix: str) -> dict[str, str]:
        return merge_tags(self._args.tags, f"{self._name}-{suffix}")

    def _create_key(self) -> aws.kms.Key:
        # A customer-managed key, not aws/sns: CloudWatch can only publish to an
        # encrypted topic whose key policy lets it use the key, and the policy
        # of the AWS-managed key cannot be changed.
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        return aws.kms.Key(
            f"{self._name}-key",
            description="farm-deploy: encrypts the alarm notification topic",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.all(account, partition).apply(lambda v: key_policy(v[0], v[1])),
            tags=self._tags("key"),
            opts=child_opts(self),
        )

    def _create_topic(self) -> aws.sns.Topic:
        return aws.sns.Topic(
            f"{self._name}-topic",
            display_name=f"farm-deploy alarms ({self._args.stack})",
            kms_master_key_id=self.key.arn,
            tags=self._tags("topic"),
            opts=child_opts(self),
        )

    def _create_subscription(self) -> aws.sns.TopicSubscription | None:
        if self._args.alarm_email is None:
            return None
        return aws.sns.TopicSubscription(
            f"{self._name}-email",
            topic=self.topic.arn,
            protocol="email",
            endpoint=self._args.alarm_email,
            opts=child_opts(self),
        )


def key_policy(account: str, partition: str) -> str:
    return policy_document(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchPublishesAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    )
