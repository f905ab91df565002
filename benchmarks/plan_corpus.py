"""Plan each real repository of the corpus with a default stack file, and say whether it ships its code.

    .venv/bin/python benchmarks/plan_corpus.py --corpus /path/to/checkouts [--stage dev] [--only NAME]

For every checkout in the corpus folder (see score_corpus.py for how to make it),
a project folder is made with this repository's Pulumi.yaml and a stack file
holding only what a newcomer would set:

    aws:region: us-east-1
    farm:appPath: <the checkout>
    farm:atlasOrgId: <a placeholder organisation>

and the whole program is planned offline (`farm-deploy plan`). A repository
counts as **shipped** when the plan succeeds with no mandatory policy violation
and no document issue, and deploys the repository's own code: the API built
from its source (ECS image, Lambda package or Vercel function) and, when it has
a front end, the front end built from its source. Prints one line per
repository (shipped, or why not) and the total.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.errors import UserError  # noqa: E402

STACK_FILE = """config:
  aws:region: us-east-1
  farm:appPath: {app}
  farm:atlasOrgId: "000000000000000000000000"
{extra}"""


def shipped(result: Any) -> list[str]:
    """Why the plan would not ship the repository's code; empty when it does."""
    plan = result.plan
    problems: list[str] = []
    types = {r.type for r in result.resources}
    api = plan.components.api
    if api == "ecs" and not (plan.release.build_api and "farm:build:ApiImage" in types):
        problems.append("the API image is not built from the repository")
    elif api == "lambda" and "farm:compute:ServerlessApi" not in types:
        problems.append("no Lambda package")
    elif api == "vercel" and "vercel:index/deployment:Deployment" not in types:
        problems.append("no Vercel deployment of the API")
    elif api == "none":
        problems.append("no API deployed")
    web = plan.components.web
    if web == "cloudfront" and not plan.release.build_web:
        problems.append("the front end is not built from the repository")
    elif web == "vercel" and "vercel:index/deployment:Deployment" not in types:
        problems.append("no Vercel deployment of the front end")
    mandatory = [v for v in (result.policy.violations if result.policy else []) if v.level == "mandatory"]
    if mandatory:
        problems.append(f"{len(mandatory)} mandatory policy violation(s), e.g. {mandatory[0].policy}")
    if result.documents:
        problems.append(f"{len(result.documents)} document issue(s), e.g. {result.documents[0].message}")
    return problems


def plan_one(checkout: Path, stage: str, work: Path) -> tuple[str, str]:
    from farm_deploy.offline_plan import run_plan

    project = work / checkout.name
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    extra = "" if stage == "dev" else f"  farm:stage: {stage}\n"
    (project / f"Pulumi.{stage}.yaml").write_text(STACK_FILE.format(app=checkout, extra=extra), encoding="utf-8")
    try:
        result = run_plan(project, stage)
    except UserError as exc:
        return "error", exc.render().splitlines()[0][:300]
    except Exception as exc:  # a crash is a finding of this benchmark, not a reason to stop it
        return "crash", f"{type(exc).__name__}: {exc}"[:300] + " | " + traceback.format_exc().splitlines()[-3][:200]
    problems = shipped(result)
    if problems:
        return "not shipped", "; ".join(problems)
    c = result.plan.components
    return "shipped", f"{result.plan.platform}: api={c.api} web={c.web} ai={c.ai} db={c.db}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, type=Path, help="folder of checkouts named owner+name")
    parser.add_argument("--stage", default="dev", choices=["dev", "staging", "prod"])
    parser.add_argument("--only", help="plan only the checkouts whose folder name contains this")
    args = parser.parse_args(argv)
    checkouts = sorted(p for p in args.corpus.iterdir() if p.is_dir() and (not args.only or args.only in p.name))
    if not checkouts:
        print(f"no checkouts in {args.corpus}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plan-corpus-") as tmp:
        for checkout in checkouts:
            verdict, detail = plan_one(checkout.resolve(), args.stage, Path(tmp))
            counts[verdict] = counts.get(verdict, 0) + 1
            print(f"{verdict:12} {checkout.name}: {detail}", flush=True)
    total = len(checkouts)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    print(
        f"\n{counts.get('shipped', 0)}/{total} repositories plan ({args.stage}, default stack file) to a "
        f"deployment that ships their code ({summary}; {time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
