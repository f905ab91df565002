"""How much does evaluating the prod AWS stack cost on top of importing the SDKs?

Prints, from one run, the wall time to evaluate the full prod AWS stack under
the offline mock engine next to the time to merely import `pulumi` and the
provider SDK submodules that evaluation loaded. Each measurement runs in a
fresh interpreter (imports are cached per process), several times; medians are
compared. Target (issue 3): the program adds no more than 50 % on top of the
import.

The stack is `farm_deploy.program.run` for the prod stack file with the AWS
platform forced (ECS API, CloudFront site, GPU Ollama, full monitoring); when
the program cannot be evaluated yet, the components composed by hand, and the
output says which one was measured and why.

    .venv/bin/python benchmarks/bench_program.py [--repeat 5] [--source auto|program|hand] [--json] [--check]
        [--quick] [--write-readme]

`--quick` runs each side once (CI: checks that it runs and prints its figures,
asserts no timing). `--write-readme` rewrites this benchmark's section of
benchmarks/README.md with the figures, the date and the command.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_OVERHEAD = 0.50
README = ROOT / "benchmarks" / "README.md"
SECTION = "bench_program"
PROVIDER_PACKAGES = ("pulumi_aws", "pulumi_docker", "pulumi_random", "pulumi_mongodbatlas", "pulumiverse_vercel")
# The prod stack file, forced onto the full AWS shape this benchmark is about.
AWS_OVERRIDES = {
    "farm:platform": "aws",
    "farm:api": "ecs",
    "farm:web": "cloudfront",
    "farm:ai": "ollama-gpu",
    "farm:monitoring": "full",
    "farm:natPerAz": "true",
    "farm:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/bench",
}


# --------------------------------------------------------------------------- children


def _loaded_provider_modules() -> list[str]:
    """Provider SDK submodules the evaluation actually executed (`pulumi_aws.ec2`).

    pulumi_aws registers every submodule lazily: listed in sys.modules, but not
    run until first touched. Only the ones that were run count.
    """
    found = set()
    for name, module in list(sys.modules.items()):
        top, _, rest = name.partition(".")
        if top in PROVIDER_PACKAGES and type(module).__name__ != "_LazyModule":
            found.add(top if not rest else f"{top}.{rest.split('.')[0]}")
    return sorted(found)


def _program_config() -> tuple[dict[str, str], list[str]]:
    from ruamel.yaml import YAML

    from analysis.stack_config import SECRET_KEYS

    raw = YAML(typ="safe").load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items() if not isinstance(v, dict)}
    config.update(AWS_OVERRIDES)
    secret_keys = []
    for key in SECRET_KEYS:
        # farm:apiSecrets is a map of NAME: secret value, the others single values.
        value = json.dumps({"JWT_SECRET": "bench-placeholder"}) if key == "apiSecrets" else "bench-placeholder"
        config[f"farm:{key}"] = value
        secret_keys.append(f"farm:{key}")
    return config, secret_keys


def _hand_program(tmp: Path):
    """The AWS components wired as the builder does, for when the program is not ready."""
    import pulumi

    from components.api_service import ApiService, ApiServiceArgs
    from components.app_secrets import AppSecrets, AppSecretsArgs
    from components.cluster import Cluster, ClusterArgs
    from components.image import ApiImage, ApiImageArgs
    from components.monitoring import Monitoring, MonitoringArgs
    from components.network import Network, NetworkArgs

    site = tmp / "site"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><div id=root></div>")
    (site / "assets" / "app.0123abcd.js").write_text("console.log('bench')")
    tags = {"farm:stage": "prod", "farm:project": "farm-deploy"}

    def program() -> None:
        cfg = pulumi.Config("farm")
        net = Network("farm-prod-net", NetworkArgs(az_count=3, nat_per_az=True, protect=True, tags=tags))
        cluster = Cluster("farm-prod-ecs", ClusterArgs(vpc_id=net.vpc_id, tags=tags))
        secrets = AppSecrets(
            "farm-prod-secrets",
            AppSecretsArgs(values={"OPENAI_API_KEY": cfg.require_secret("openaiApiKey")}, tags=tags),
        )
        image = ApiImage(
            "farm-prod-api-image",
            ApiImageArgs(
                context_dir=str(ROOT / "examples" / "farm-chat" / "apps" / "api"),
                entrypoint="src.main:app",
                image_tag="2026.11.12-5be0c41",
                build_dir=str(tmp / "build"),
                protect=True,
                tags=tags,
            ),
        )
        api = ApiService(
            "farm-prod-api",
            ApiServiceArgs(
                image_ref=image.image_ref,
                vpc_id=net.vpc_id,
                public_subnet_ids=net.public_subnet_ids,
                private_subnet_ids=net.private_subnet_ids,
                cluster_arn=cluster.cluster_arn,
                cluster_name=cluster.cluster_name,
                environment={"AI_PROVIDER": "ollama"},
                secrets=secrets.arns,
                certificate_arn=AWS_OVERRIDES["farm:certificateArn"],
                min_count=2,
                max_count=6,
                deletion_protection=True,
                protect=True,
                tags=tags,
            ),
        )
        ollama_name = None
        try:
            from components.ollama_service import OllamaService, OllamaServiceArgs
        except ImportError:
            OllamaService = None  # noqa: N806
        if OllamaService is not None:
            ollama = OllamaService(
                "farm-prod-ollama",
                OllamaServiceArgs(
                    cluster_arn=cluster.cluster_arn,
                    cluster_name=cluster.cluster_name,
                    vpc_id=net.vpc_id,
                    private_subnet_ids=net.private_subnet_ids,
                    subnet_count=3,
                    api_security_group_id=api.security_group_id,
                    namespace_id=cluster.namespace_id,
                    namespace_name=cluster.namespace_name,
                    models=["llama3.1:8b"],
                    min_instances=1,
                    max_instances=2,
                    protect=True,
                    tags=tags,
                ),
            )
            ollama_name = ollama.service_name
        try:
            from components.static_site import StaticSite, StaticSiteArgs
        except ImportError:
            StaticSite = None  # noqa: N806
        if StaticSite is not None:
            StaticSite(
                "farm-prod-web",
                StaticSiteArgs(site_dir=str(site), api_origin_domain=api.alb_dns_name, protect=True, tags=tags),
            )
        Monitoring(
            "farm-prod-monitoring",
            MonitoringArgs(
                level="full",
                alarm_email="oncall@example.com",
                alb_arn_suffix=api.alb_arn_suffix,
                target_group_arn_suffix=api.target_group_arn_suffix,
                cluster_name=cluster.cluster_name,
                api_service_name=api.service_name,
                ollama_service_name=ollama_name,
                has_ai=True,
                tags=tags,
            ),
        )

    return program


def child_program(source: str) -> dict[str, object]:
    import tempfile

    start, cpu_start = time.perf_counter(), time.process_time()
    sys.path.insert(0, str(ROOT))
    from farm_deploy.offline.engine import run_offline

    with tempfile.TemporaryDirectory() as tmp:
        if source == "program":
            from farm_deploy import program

            config, secret_keys = _program_config()
            run = run_offline(lambda: program.run(ROOT), stack="prod", config=config, secret_keys=secret_keys)
        else:
            run = run_offline(
                _hand_program(Path(tmp)),
                stack="prod",
                config={"farm:openaiApiKey": "bench-placeholder"},
                secret_keys=["farm:openaiApiKey"],
            )
        elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "cpu_seconds": time.process_time() - cpu_start,
        "resources": len(run.resources),
        "modules": _loaded_provider_modules(),
    }


def child_import(modules: list[str]) -> dict[str, object]:
    import importlib

    start, cpu_start = time.perf_counter(), time.process_time()
    import pulumi  # noqa: F401

    for name in modules:
        # Any non-introspection attribute runs a lazily registered module.
        getattr(importlib.import_module(name), "_bench_touch", None)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "modules": len(modules),
    }


# --------------------------------------------------------------------------- parent


class ChildFailedError(Exception):
    pass


def _spawn(*args: str) -> dict[str, object]:
    # As an operator's machine runs it: with bytecode cached. This sandbox sets
    # PYTHONDONTWRITEBYTECODE, which would charge the program for recompiling
    # its own modules in every process while the SDKs' bytecode came with pip.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    if out.returncode != 0:
        lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
        raise ChildFailedError(lines[-1] if lines else f"exit status {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _first_program_run(source: str) -> tuple[str, str, dict[str, object]]:
    """One run of the stack; `auto` falls back to the hand-composed one when the program fails."""
    why = ""
    if source in ("auto", "program"):
        try:
            return "program", why, _spawn("--child", "program", "--source", "program")
        except ChildFailedError as exc:
            if source == "program":
                raise SystemExit(f"farm_deploy.program could not be evaluated: {exc}") from None
            why = str(exc)
    return "hand", why, _spawn("--child", "program", "--source", "hand")


def measure(source: str, repeat: int) -> dict[str, object]:
    used, why, first = _first_program_run(source)
    modules = first["modules"]
    programs, imports = [first], []
    # Interleaved, so that load from other processes hits both sides alike.
    for i in range(repeat):
        imports.append(_spawn("--child", "import", "--modules", json.dumps(modules)))
        if i + 1 < repeat:
            programs.append(_spawn("--child", "program", "--source", used))

    def median(runs: list[dict[str, object]], key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    wall = {"program": median(programs, "seconds"), "import": median(imports, "seconds")}
    cpu = {"program": median(programs, "cpu_seconds"), "import": median(imports, "cpu_seconds")}
    overhead = (wall["program"] - wall["import"]) / wall["import"]
    return {
        "source": used,
        "fallback_reason": why,
        "resources": first["resources"],
        "provider_modules": modules,
        "repeat": repeat,
        "import_seconds": round(wall["import"], 3),
        "program_seconds": round(wall["program"], 3),
        "overhead": round(overhead, 3),
        "import_cpu_seconds": round(cpu["import"], 3),
        "program_cpu_seconds": round(cpu["program"], 3),
        "cpu_overhead": round((cpu["program"] - cpu["import"]) / cpu["import"], 3),
        "target_overhead": TARGET_OVERHEAD,
        "within_target": overhead <= TARGET_OVERHEAD,
        "runs": {
            "program": [round(float(p["seconds"]), 3) for p in programs],
            "import": [round(float(i["seconds"]), 3) for i in imports],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per measurement (median wins)")
    parser.add_argument(
        "--source",
        choices=("auto", "program", "hand"),
        default="auto",
        help="the stack to evaluate: farm_deploy.program, the components wired by hand, or program if it runs",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--check", action="store_true", help="exit 1 when the overhead is above the target")
    parser.add_argument("--quick", action="store_true", help="one run of each side (CI): it runs and prints figures")
    parser.add_argument(
        "--write-readme", action="store_true", help="rewrite this benchmark's section of benchmarks/README.md"
    )
    parser.add_argument("--child", choices=("program", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--modules", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "program":
        print(json.dumps(child_program(args.source)))
        return 0
    if args.child == "import":
        print(json.dumps(child_import(json.loads(args.modules))))
        return 0

    result = measure(args.source, 1 if args.quick else max(1, args.repeat))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(report_lines(result)))
    if args.write_readme:
        command = "python benchmarks/bench_program.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_readme_section(README, SECTION, readme_section(result, command.strip()))
        print(f"wrote the {SECTION} section of {README.relative_to(ROOT)}")
    return 1 if args.check and not result["within_target"] else 0


def report_lines(r: dict[str, object]) -> list[str]:
    lines = []
    lines.append(f"stack evaluated: {r['source']} ({r['resources']} resources, prod, under the mocks)")
    if r["fallback_reason"]:
        lines.append(f"  (farm_deploy.program could not be evaluated: {r['fallback_reason']})")
    modules = r["provider_modules"]
    per_package: dict[str, int] = {}
    for m in modules:
        top = m.split(".")[0]
        per_package[top] = per_package.get(top, 0) + 1
    lines.append(
        f"provider SDK modules loaded: {len(modules)} ({', '.join(f'{p} {n}' for p, n in sorted(per_package.items()))})"
    )
    n = r["repeat"]
    lines.append(
        f"import pulumi + those modules : {r['import_seconds']:6.3f} s wall, {r['import_cpu_seconds']:6.3f} s CPU  (median of {n}: {r['runs']['import']})"
    )
    lines.append(
        f"evaluate the prod stack       : {r['program_seconds']:6.3f} s wall, {r['program_cpu_seconds']:6.3f} s CPU  (median of {n}: {r['runs']['program']})"
    )
    verdict = "within" if r["within_target"] else "ABOVE"
    lines.append(
        f"program on top of the import  : {r['overhead']:+.0%} wall, {r['cpu_overhead']:+.0%} CPU  ({verdict} the {TARGET_OVERHEAD:.0%} target)"
    )
    return lines


def readme_section(r: dict[str, object], command: str) -> str:
    """The figures as the README shows them: what was measured, when, and how."""
    today = datetime.date.today().isoformat()
    return "\n".join(
        [
            f"Measured {today} with `{command}` ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}):",
            "",
            "```",
            *report_lines(r),
            "```",
        ]
    )


def write_readme_section(path: Path, name: str, text: str) -> None:
    """Replace the text between the section's markers (appended when absent), atomically."""
    begin, end = f"<!-- {name}: begin (written by the script) -->", f"<!-- {name}: end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text}\n{end}"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end) :]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
