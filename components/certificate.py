"""Certificate: an ACM certificate validated through DNS records in a Route 53 zone.

ACM validates a DNS-validated certificate once a CNAME it names exists under
each name on it; the records stay, and ACM renews the certificate by itself
while they do (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
`arn` is the validated certificate's ARN: whoever uses it (a distribution, a
listener) waits until the certificate is issued.

The region is the provider's: CloudFront's certificate must be made in
us-east-1, a load balancer's in the load balancer's region
(https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html), so the
builder passes the matching provider in `opts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import child_opts, merge_tags


@dataclass
class CertificateArgs:
    domain_name: str
    zone_id: pulumi.Input[str]
    # Other names on the same certificate (each gets its own validation record).
    alternative_names: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


class Certificate(pulumi.ComponentResource):
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("farm:dns:Certificate", name, None, opts)
        self._name = name
        self._args = args
        names = [args.domain_name, *[n for n in args.alternative_names if n != args.domain_name]]

        self.certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain_name,
            subject_alternative_names=names[1:] or None,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            tags=merge_tags(args.tags, f"{name}-cert"),
            # A new certificate must be issued before the old one is let go.
            opts=child_opts(self, delete_before_replace=False),
        )
        self.records = [self._validation_record(i, n) for i, n in enumerate(names)]
        self.validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[r.fqdn for r in self.records],
            opts=child_opts(self),
        )
        self.arn = self.validation.certificate_arn
        self.register_outputs({"arn": self.arn})

    def _validation_record(self, index: int, domain: str) -> aws.route53.Record:
        # The names on the certificate are known now, so is the number of records;
        # what each record holds is ACM's answer, read per name.
        option = self.certificate.domain_validation_options.apply(
            lambda options: next(o for o in options if o.domain_name == domain)
        )
        return aws.route53.Record(
            f"{self._name}-validation-{index}",
            zone_id=self._args.zone_id,
            name=option.apply(lambda o: o.resource_record_name or ""),
            type=option.apply(lambda o: o.resource_record_type or "CNAME"),
            records=[option.apply(lambda o: o.resource_record_value or "")],
            ttl=300,
            # The same name can already hold this record from an earlier certificate.
            allow_overwrite=True,
            opts=child_opts(self),
        )
