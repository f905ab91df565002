"""Print each shipped stack's monthly estimate from its declared resources (the figures in docs/cost.md).

python scripts/cost_figures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from farm_deploy.offline_plan import run_plan
    from farm_deploy.stack_files import available_stacks

    print("| stack | idle | typical | prices |")
    print("|---|---:|---:|---|")
    for stack in available_stacks(ROOT):
        cost = run_plan(ROOT, stack).cost
        print(f"| {stack} | {cost.idle:,.2f} | {cost.typical:,.2f} | {cost.region}, {cost.price_table_date} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
