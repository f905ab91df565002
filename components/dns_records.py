"""DnsAliases: Route 53 alias records pointing names of a zone at AWS endpoints.

An alias record answers with the target's current addresses, at the zone apex
too, where a CNAME is not allowed; one A and one AAAA record per name
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts


@dataclass
class AliasTarget:
    name: str  # the record's name, e.g. app.example.com
    dns_name: pulumi.Input[str]  # the target's DNS name (CloudFront, load balancer)
    zone_id: pulumi.Input[str]  # the target's own hosted zone id
    ipv6: bool = True  # CloudFront answers IPv6 when enabled; an ALB only when dual-stack


@dataclass
class DnsAliasesArgs:
    zone_id: pulumi.Input[str]
    targets: list[AliasTarget] = field(default_factory=list)


class DnsAliases(pulumi.ComponentResource):
    fqdns: pulumi.Output[list[str]]

    def __init__(self, name: str, args: DnsAliasesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:dns:DnsAliases", name, None, opts)
        self._name = name
        self._args = args
        self.records = [
            self._record(target, kind) for target in args.targets for kind in (("A", "AAAA") if target.ipv6 else ("A",))
        ]
        self.fqdns = pulumi.Output.all(*[r.fqdn for r in self.records])
        self.register_outputs({"fqdns": self.fqdns})

    def _record(self, target: AliasTarget, kind: str) -> aws.route53.Record:
        slug = target.name.replace(".", "-")
        return aws.route53.Record(
            f"{self._name}-{slug}-{kind.lower()}",
            zone_id=self._args.zone_id,
            name=target.name,
            type=kind,
            aliases=[
                aws.route53.RecordAliasArgs(name=target.dns_name, zone_id=target.zone_id, evaluate_target_health=False)
            ],
            opts=child_opts(self),
        )
