"""Inside the Pulumi program: record what is declared, for the cost estimate and the cost tags.

`install(...)` registers a stack transformation before the builder declares
anything. It sees every resource as it is constructed (type, name, parent,
Python-named props) and

- keeps the few inputs the estimate reads (`analysis.cost_declared.PRICED_INPUTS`),
  so the stack output `estimatedMonthlyCost` is priced from the same declared
  resources as `farm-deploy plan`, and
- adds the cost-allocation tags `farm:stack`, `farm:stage` and `farm:component`
  to every AWS resource that takes tags (and to the instances and volumes a
  launch template starts).
  AWS Cost Explorer groups spend by these once they are activated as
  cost-allocation tags (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html).

Transformations run in the program's own process, so they work the same under
`pulumi up` and the offline engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from analysis.cost_declared import COUNT_KEYS, PRICED_INPUTS, camel, estimate_declared

COMPONENT_TAG = "farm:component"
LIST_TAGS = frozenset({"aws:autoscaling/group:Group"})
# S3 bills by bucket and allocates cost by the bucket's tags, not its objects'
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html); tagging each
# uploaded file would only add requests and its 10-tag limit.
UNTAGGED = frozenset({"aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"})


@dataclass
class DeclaredRecorder:
    prefix: str
    base_tags: dict[str, str] = field(default_factory=dict)  # farm:stack, farm:stage
    rows: list[dict[str, Any]] = field(default_factory=list)

    def component_of(self, name: str, parent: pulumi.Resource | None) -> str:
        node = parent
        while node is not None:
            token = getattr(node, "_farm_type", "")
            if token.startswith("farm:"):
                return str(getattr(node, "_farm_name", "")).removeprefix(self.prefix)
            node = getattr(node, "_farm_parent", None)
        return "stack"

    def transform(self, args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        # Remember each resource's token, name and parent: Resource objects do
        # not expose them before registration completes.
        args.resource._farm_type = args.type_  # type: ignore[attr-defined]
        args.resource._farm_name = args.name  # type: ignore[attr-defined]
        args.resource._farm_parent = args.opts.parent  # type: ignore[attr-defined]
        region = args.resource._farm_region = _region(args)  # type: ignore[attr-defined]
        parent = args.opts.parent
        parent_name = getattr(parent, "_farm_name", None) if parent is not None else None
        if args.type_.startswith("farm:"):
            self.rows.append({"type": args.type_, "name": args.name, "parent": parent_name, "inputs": {}})
        wanted = PRICED_INPUTS.get(args.type_)
        if wanted is not None:
            props = {camel(k): v for k, v in (args.props or {}).items()}
            kept: dict[str, Any] = {}
            for key in wanted:
                value = props.get(key)
                if value is None:
                    continue
                if key in COUNT_KEYS and isinstance(value, list | tuple):
                    value = ["?"] * len(value)
                elif key == "metricQueries" and isinstance(value, list | tuple):
                    # Only whether each query reads a metric is priced; its dimensions are often unknown in preview.
                    value = [{"metric": True} if _has_metric(q) else {} for q in value]
                kept[key] = value
            self.rows.append(
                {"type": args.type_, "name": args.name, "parent": parent_name, "inputs": kept, "region": region}
            )
        if args.type_ == "aws:ec2/launchTemplate:LaunchTemplate" and (args.props or {}).get("tag_specifications"):
            # The GPU hosts' hours are billed to the instances and volumes these tags land on.
            component = self.component_of(args.name, parent)
            props = dict(args.props)
            props["tag_specifications"] = pulumi.Output.from_input(_to_plain(props["tag_specifications"])).apply(
                lambda specs: [
                    {
                        "resource_type": s.get("resourceType"),
                        "tags": {**(s.get("tags") or {}), COMPONENT_TAG: component},
                    }
                    for s in specs
                ]
            )
            props["tags"] = _with_tag(props.get("tags"), self._tags(component))
            return pulumi.ResourceTransformationResult(props=props, opts=args.opts)
        # An auto scaling group's `tags` is a list of {key, value, propagateAtLaunch}, not a map.
        if args.type_.startswith("aws:") and args.type_ not in LIST_TAGS | UNTAGGED and "tags" in (args.props or {}):
            component = self.component_of(args.name, parent)
            props = dict(args.props)
            props["tags"] = _with_tag(props.get("tags"), self._tags(component))
            return pulumi.ResourceTransformationResult(props=props, opts=args.opts)
        return None

    def _tags(self, component: str) -> dict[str, str]:
        return {**self.base_tags, COMPONENT_TAG: component}

    def estimate(self, stage: str, region: str) -> pulumi.Output[float]:
        """The typical monthly estimate, once every recorded input is known."""
        rows = [
            {
                **row,
                "parent": row["parent"],
                "inputs": pulumi.Output.from_input(_to_plain(row["inputs"])),
            }
            for row in self.rows
        ]
        resolved = pulumi.Output.all(*[r["inputs"] for r in rows])

        def total(inputs: list[Any]) -> float:
            plain = [{**row, "inputs": value or {}} for row, value in zip(rows, inputs, strict=True)]
            return estimate_declared(plain, stage=stage, region=region, prefix=self.prefix).typical

        return resolved.apply(total)


def _region(args: pulumi.ResourceTransformationArgs) -> str | None:
    """The AWS region a resource lands in: its own or its component's explicit provider's.

    Children get their providers from their component when they register, after
    this runs, so the region is read up the parent chain.
    """
    if args.type_ == "pulumi:providers:aws":
        region = (args.props or {}).get("region")
        return region if isinstance(region, str) else None
    providers = args.opts.providers
    candidates = [args.opts.provider, *(providers.values() if isinstance(providers, dict) else providers or [])]
    for candidate in candidates:
        region = getattr(candidate, "_farm_region", None)
        if region:
            return region
    parent = args.opts.parent
    return getattr(parent, "_farm_region", None) if parent is not None else None


def _has_metric(query: Any) -> bool:
    if isinstance(query, dict):
        return bool(query.get("metric"))
    return getattr(query, "metric", None) is not None


def _with_tag(tags: Any, cost_tags: dict[str, str]) -> Any:
    if tags is None:
        return dict(cost_tags)
    return pulumi.Output.from_input(tags).apply(lambda t: {**cost_tags, **(t or {}), **cost_tags})


def _to_plain(value: Any) -> Any:
    """Input-type objects (`...Args` classes) as dicts with Pulumi's (camelCase) names."""
    from pulumi import _types

    if isinstance(value, dict):
        return {camel(str(k)): _to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    if _types.is_input_type(type(value)):
        return {k: _to_plain(v) for k, v in _types.input_type_to_dict(value).items()}
    return value


def install(prefix: str, stack: str, stage: str) -> DeclaredRecorder:
    recorder = DeclaredRecorder(prefix=prefix, base_tags={"farm:stack": stack, "farm:stage": stage})
    pulumi.runtime.register_stack_transformation(recorder.transform)
    return recorder
