"""The top-level fields of every `--json` document, written out by hand.

The tests of each command compare what the command emits with these sets, and
`test_json_documents_table_matches` compares them with the table that
docs/reference/json.md is generated from: a field added to one and not the
others fails a test.
"""

from __future__ import annotations

from typing import Any

TOP_LEVEL: dict[str, set[str]] = {
    "farm-deploy cost diff --stack STACK --base REF --json": {
        "schema_version", "stack", "stage", "region", "base", "base_commit", "currency", "status", "base_cost",
        "head_cost", "change", "components", "items", "warnings",
    },
    "farm-deploy cost actual --stack STACK --json": {
        "schema_version", "stack", "stage", "period", "currency", "estimate", "actual", "error", "target",
        "components",
    },
    "farm-deploy analyze --json": {
        "schema_version", "app", "farm_config", "requirements", "findings", "recommendation", "stages", "cost",
        "warnings",
    },
    "farm-deploy plan --json": {
        "schema_version", "stack", "stage", "plan", "resources", "counts", "outputs", "cost", "policy",
        "missing_secrets", "documents", "warnings",
    },
    "farm-deploy env list --json": {"schema_version", "stack", "stage", "platform", "variables", "warnings"},
    "farm-deploy env validate --json": {"schema_version", "stack", "stage", "file", "valid", "errors", "warnings"},
    "farm-deploy ai analyze --json": {
        "schema_version", "action", "providers", "unsupported_providers", "routing", "stages", "warnings",
    },
    "farm-deploy ai migrate --json": {
        "schema_version", "action", "source_provider", "provider", "fallback_provider", "warnings", "actions",
        "platform",
    },
    "farm-deploy ai optimize --json": {"schema_version", "action", "model_table_date", "table", "stages", "warnings"},
    "farm-deploy policy list --json": {"schema_version", "rules"},
    "farm-deploy release build --json": {"schema_version", "commit", "app", "web", "image", "pinned"},
    "farm-deploy release check --stack STACK --json": {
        "schema_version", "stack", "file", "api_image", "web_version", "web_manifest", "ok",
    },
    "farm-deploy promote FROM TO --json": {
        "schema_version", "from", "to", "file", "dry_run", "written", "changes", "not_promoted", "diff", "notes",
        "next",
    },
    "farm-deploy rollback --stack STACK --json": {
        "schema_version", "stack", "file", "commit", "subject", "dry_run", "written", "changes", "diff", "notes",
        "next",
    },
    "farm-deploy verify --stack STACK --json": {"schema_version", "stack", "ok", "checks", "regions"},
    "farm-deploy status --stack STACK --json": {
        "schema_version", "stack", "ok", "outputs", "health", "ecs", "alarms", "errors", "regions",
    },
    "farm-deploy logs --stack STACK --json": {
        "schema_version", "region", "service", "stream", "timestamp", "message", "time",
    },
    "farm-deploy logs --stack STACK --access --json": {
        "schema_version", "source", "time", "client", "method", "path", "status",
    },
    "farm-deploy rotate db-password --stack STACK --json": {
        "schema_version", "stack", "file", "from", "to", "dry_run", "written", "diff", "next",
    },
    "farm-deploy rotate db-password --stack STACK --check --json": {"schema_version", "stack", "version", "ok", "checks"},
    "farm-deploy scan --stack STACK --json": {
        "schema_version", "stack", "stage", "checkov", "accepted_file", "converted", "skipped", "unknown_types",
        "findings", "stale", "summary",
    },
}  # fmt: skip


def assert_document(command: str, doc: Any) -> None:
    """`doc` is the documented object of `command`, at its documented version, with exactly its top-level fields."""
    from farm_deploy.json_documents import DOCUMENTS

    assert isinstance(doc, dict), f"{command}: a JSON object, not {type(doc).__name__}"
    assert doc["schema_version"] == next(d.version for d in DOCUMENTS if d.command == command)
    assert set(doc) == TOP_LEVEL[command]
