"""`farm-deploy rotate db-password --stack S`: a new database password, declared, then checked.

Rotating is a stack-config change, so the password stays in Pulumi's hands
(no drift between the state and Atlas): the command raises
`farm:dbPasswordVersion` in `Pulumi.S.yaml` (comments and order kept). The next
`pulumi up` then replaces the generated password (its keepers hold the version),
updates the Atlas user in place, writes a new Secrets Manager version and, since
the API's tasks read that secret at its version id, registers a new task
definition: ECS rolls the service with 100% minimum healthy, so old tasks serve
until new ones pass their health check.

`--check` (after `pulumi up`) reads the deployed stack: the secret's current
version carries the stack file's password version, and the API's running task
definition reads exactly that version and has finished rolling out.
"""

from __future__ import annotations

import argparse
import difflib
from typing import Any

from analysis.errors import UserError
from analysis.stack_config import NAMESPACE

ROTATE_SCHEMA_VERSION = 1
HELP = "rotate the database password: raise farm:dbPasswordVersion, then --check after `pulumi up`"
DESCRIPTION = (
    "rotate db-password --stack S raises farm:dbPasswordVersion in Pulumi.S.yaml (atomically, comments kept); "
    "the next `pulumi up --stack S` generates a new password, updates the Atlas user and the Secrets Manager "
    "secret, and rolls the API onto it without downtime. With --check, after `pulumi up`, it verifies the "
    "deployed stack: the secret's current version is the stack file's and the API runs a task definition that "
    "reads that version."
)
KEY = "dbPasswordVersion"
TAG = f"{NAMESPACE}:{KEY}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from farm_deploy.commands.verify import add_output_arguments

    parser.add_argument("what", choices=("db-password",), help="what to rotate")
    add_output_arguments(parser)
    parser.add_argument("--check", action="store_true", help="after `pulumi up`: check the deployed rotation")
    parser.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from farm_deploy.commands.common import dump_json
    from farm_deploy.commands.promote import resolve_project_dir
    from farm_deploy.stack_files import StackFile, parse_stack_name, stack_path

    project = resolve_project_dir(args.project_dir)
    name = parse_stack_name(args.stack, project)
    stack = StackFile.load(stack_path(project, name))
    current = _version(stack)
    if args.check:
        doc = check(args, stack.label, current)
        if args.json:
            dump_json(doc)
        else:
            _print_checks(doc)
        return 0 if doc["ok"] else 1

    new = current + 1
    updated = stack.set(f"{NAMESPACE}:{KEY}", new)
    diff = "".join(
        difflib.unified_diff(
            stack.text.splitlines(keepends=True), updated.text.splitlines(keepends=True), stack.label, stack.label
        )
    )
    if not args.dry_run:
        updated.write()
    nxt = f"pulumi up --stack {args.stack} && farm-deploy rotate db-password --stack {args.stack} --check"
    if args.json:
        dump_json(
            {
                "schema_version": ROTATE_SCHEMA_VERSION,
                "stack": args.stack,
                "file": stack.label,
                "from": current,
                "to": new,
                "dry_run": bool(args.dry_run),
                "written": not args.dry_run,
                "diff": diff,
                "next": nxt,
            }
        )
        return 0
    print(diff, end="")
    verb = "would raise" if args.dry_run else "raised"
    print(f"{verb} {TAG} from {current} to {new} in {stack.label}; next: {nxt}")
    return 0


def _version(stack: Any) -> int:
    value = stack.get(f"{NAMESPACE}:{KEY}", 1)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() or int(value) < 1:
        raise UserError("must be a whole number, at least 1", file=stack.label, key=TAG, value=value)
    return int(value)


# --------------------------------------------------------------------------- check


def check(args: argparse.Namespace, file: str, expected: int) -> dict[str, Any]:
    from farm_deploy import aws_ops
    from farm_deploy.commands.verify import read_outputs

    outputs = read_outputs(args)
    secret_arn = outputs.raw.get("dbSecretArn")
    if not secret_arn:
        raise UserError(
            "the stack's outputs have no `dbSecretArn`: it keeps no database password in Secrets Manager",
            file=outputs.source,
            key="dbSecretArn",
        )
    api = next((s for s in outputs.ecs_services if s.key == "api"), None)
    region = args.region or outputs.region
    checks: list[dict[str, Any]] = []
    try:
        sm = aws_ops.client("secretsmanager", region=region, endpoint_url=args.endpoint_url)
        secret = sm.describe_secret(SecretId=secret_arn)
        tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
        current = next(
            (v for v, stages in secret.get("VersionIdsToStages", {}).items() if "AWSCURRENT" in stages), None
        )
        deployed = tags.get(TAG)
        checks.append(
            {
                "name": "secret",
                "ok": deployed == str(expected) and current is not None,
                "detail": f"{TAG} {deployed or 'absent'} on the secret, {expected} in {file}; current version {current}",
            }
        )
        if api is None or outputs.ecs_cluster is None:
            checks.append({"name": "api", "ok": False, "detail": "the stack's outputs name no ECS API service"})
        else:
            checks.append(
                _api_check(aws_ops, region, args.endpoint_url, outputs.ecs_cluster, api, secret["ARN"], current)
            )
    except aws_ops.aws_error_types() as exc:
        raise UserError(f"could not read the rotation: {exc}", hint="check the AWS credentials and --region") from None
    return {
        "schema_version": ROTATE_SCHEMA_VERSION,
        "stack": args.stack,
        "version": expected,
        "ok": all(c["ok"] for c in checks),
        "checks": checks,
    }


def _api_check(
    aws_ops: Any, region: str | None, endpoint: str | None, cluster: str, api: Any, secret_arn: str, current: str | None
) -> dict[str, Any]:
    ecs = aws_ops.client("ecs", region=region, endpoint_url=endpoint)
    services = ecs.describe_services(cluster=cluster, services=[api.name]).get("services", [])
    if not services:
        return {"name": "api", "ok": False, "detail": f"no service {api.name} in {cluster}"}
    service = services[0]
    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    refs = [
        s["valueFrom"]
        for c in task.get("containerDefinitions", [])
        for s in c.get("secrets", [])
        if s["valueFrom"].startswith(secret_arn)
    ]
    reads = [r.rsplit(":", 1)[-1] for r in refs]
    rolling = [d for d in service.get("deployments", []) if d.get("status") != "PRIMARY"]
    primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), {})
    done = not rolling and primary.get("rolloutState", "COMPLETED") == "COMPLETED"
    ok = bool(reads) and current is not None and all(r == current for r in reads) and done
    detail = f"{service['taskDefinition'].rsplit('/', 1)[-1]} reads version {', '.join(reads) or 'none'}" + (
        "" if done else f"; {len(rolling)} older deployment(s) still running"
    )
    return {"name": "api", "ok": ok, "detail": detail}


def _print_checks(doc: dict[str, Any]) -> None:
    for c in doc["checks"]:
        print(f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    print(
        "rotation deployed" if doc["ok"] else "rotation not (yet) deployed: run `pulumi up`, or wait for the roll-out"
    )
