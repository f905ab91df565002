"""Small helpers every component uses: child options and tags."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi


def child_opts(parent: pulumi.Resource, *, protect: bool = False, **kwargs: object) -> pulumi.ResourceOptions:
    """Options for a component's child: always parented, protected when asked.

    `protect` is for stateful children in prod; `retain_on_delete` goes with it
    so that removing the stack from code never deletes data behind the user's back.
    """
    if protect:
        kwargs.setdefault("retain_on_delete", True)
    return pulumi.ResourceOptions(parent=parent, protect=protect, **kwargs)  # type: ignore[arg-type]


def merge_tags(tags: Mapping[str, str] | None, name: str) -> dict[str, str]:
    """The component's tags plus a default `Name` (an explicit one wins)."""
    merged = {"Name": name}
    merged.update(tags or {})
    return merged
