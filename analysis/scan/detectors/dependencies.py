"""`dependency-file`: Python dependency declarations, wherever they are.

Reads `requirements*.txt` / `requirement*.txt` (`.txt` or `.in`), `pyproject.toml` (PEP 621 `[project]` and Poetry) and
`Pipfile`. The finding lists the normalised distribution names.
"""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str | None:
    spec = spec.split(" #", 1)[0].strip()
    if not spec or spec.startswith("#"):
        return None
    if spec.startswith(("-r", "-c", "--", "-i", "-f")) and not spec.startswith(("-e", "--editable")):
        return None
    egg = _EGG.search(spec)
    if egg:
        return normalise(egg.group(1))
    if spec.startswith(("-e", "--editable")):
        return None
    if "://" in spec.split("@", 1)[0] or spec.startswith((".", "/")):
        return None
    match = _NAME.match(spec)
    return normalise(match.group(1)) if match else None


# one requirement: name[extras] version-specifiers, or name @ url; markers and options cut off before
_VALID_SPEC = re.compile(
    r"""^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*"""
    r"""(?:\(?\s*(?:(?:===|==|>=|<=|!=|~=|>|<)\s*[\w.*+!-]+\s*,?\s*)*\)?|@\s*\S+)\s*$"""
)


def _invalid(line: str) -> bool:
    """A line pip would reject: several requirements run together, or words that are not one."""
    spec = line.split(" #", 1)[0].split(";", 1)[0]
    spec = re.split(r"\s--?[a-z]", spec, maxsplit=1)[0].strip()
    if not spec or spec.startswith(("#", "-", ".", "/")) or "://" in spec.split("@", 1)[0]:
        return False
    return not _VALID_SPEC.match(spec)


def parse_requirements(text: str) -> list[str]:
    return scan_requirements(text)[0]


def scan_requirements(text: str) -> tuple[list[str], list[int]]:
    """(distribution names, numbers of the lines pip would reject); rejected lines give no name."""
    names: list[str] = []
    invalid: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.rstrip().endswith("\\"):
            line = line.rstrip()[:-1]  # a continued line: its first part names the requirement
        if _invalid(line):
            invalid.append(number)
            continue
        name = _requirement_name(line)
        if name and name not in names:
            names.append(name)
    return names, invalid


def parse_pyproject(text: str) -> tuple[list[str], str]:
    import tomllib

    data = tomllib.loads(text)
    names: list[str] = []
    project = data.get("project") or {}
    for spec in project.get("dependencies") or []:
        name = _requirement_name(str(spec))
        if name and name not in names:
            names.append(name)
    poetry = (data.get("tool") or {}).get("poetry") or {}
    for name in poetry.get("dependencies") or {}:
        if name.lower() != "python" and normalise(name) not in names:
            names.append(normalise(name))
    fmt = "pep621" if project.get("dependencies") else "poetry" if poetry.get("dependencies") else "pyproject"
    return names, fmt


def parse_pipfile(text: str) -> list[str]:
    import tomllib

    data = tomllib.loads(text)
    return [normalise(n) for n in (data.get("packages") or {})]


def _is_requirements_txt(src: SourceFile) -> bool:
    name = src.name.lower()
    return name.endswith((".txt", ".in")) and name.startswith("requirement")


@register("dependency-file", name_prefixes=("requirement",), names=("pyproject.toml", "Pipfile"))
def detect(src: SourceFile) -> list[Finding]:
    import tomllib  # only repositories with Python dependency files pay for it

    extra: list[Finding] = []
    try:
        if src.name == "pyproject.toml":
            packages, fmt = parse_pyproject(src.text)
        elif src.name == "Pipfile":
            packages, fmt = parse_pipfile(src.text), "pipfile"
        elif _is_requirements_txt(src):
            packages, invalid = scan_requirements(src.text)
            fmt = "requirements"
            if invalid:
                extra.append(
                    Finding(
                        kind="dependency-file-invalid",
                        severity="warning",
                        message=f"{len(invalid)} line(s) of {src.name} are not requirements pip can read "
                        "(one requirement per line): pip install -r will fail",
                        file=src.rel,
                        line=invalid[0],
                        detail={"lines": ",".join(map(str, invalid[:20]))},
                    )
                )
        else:
            return []
    except tomllib.TOMLDecodeError as exc:
        return [
            Finding(
                kind="dependency-file-invalid",
                severity="warning",
                message=f"cannot read {src.name}: {exc}",
                file=src.rel,
                line=getattr(exc, "lineno", None),
            )
        ]
    if not packages and fmt == "pyproject":
        return []
    return extra + [
        Finding(
            kind="dependency-file",
            message=f"Python dependencies ({fmt}): {len(packages)} package(s)",
            file=src.rel,
            line=1,
            detail={"format": fmt, "packages": ",".join(packages)},
        )
    ]
