"""Fargate's task sizes: the one table of valid CPU and memory combinations.

Pure data, no Pulumi import. The direction is one way: `analysis/stage_plan.py`
checks the operator's `farm:apiCpu`/`farm:apiMemory` with it, and
`components/api_service.py` imports it to refuse an invalid size before AWS
does; `analysis/` never imports `components/`.

Source: "Troubleshoot Amazon ECS task definition invalid CPU or memory errors",
https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html
(Linux; 8192 and 16384 CPU units need platform version 1.4.0 or later, which
is LATEST). No other CPU value (1536, for one) is accepted.
"""

from __future__ import annotations

GIB = 1024

# CPU units -> the memory sizes (MiB) Fargate accepts with them.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1 * GIB, 2 * GIB),
    512: tuple(range(1 * GIB, 4 * GIB + 1, GIB)),
    1024: tuple(range(2 * GIB, 8 * GIB + 1, GIB)),
    2048: tuple(range(4 * GIB, 16 * GIB + 1, GIB)),
    4096: tuple(range(8 * GIB, 30 * GIB + 1, GIB)),
    8192: tuple(range(16 * GIB, 60 * GIB + 1, 4 * GIB)),
    16384: tuple(range(32 * GIB, 120 * GIB + 1, 8 * GIB)),
}
CPU_UNITS: tuple[int, ...] = tuple(FARGATE_MEMORY)


def valid_size(cpu: int, memory: int) -> bool:
    return memory in FARGATE_MEMORY.get(cpu, ())


def memory_hint(cpu: int) -> str:
    """`2048 to 8192 MiB in steps of 1024`, for an error message."""
    sizes = FARGATE_MEMORY[cpu]
    return f"{sizes[0]} to {sizes[-1]} MiB in steps of {sizes[1] - sizes[0]}"
