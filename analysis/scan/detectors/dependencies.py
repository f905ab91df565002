"""`dependency-file`: Python dependency declarations, wherever they are.

Reads `requirements*.txt` / `requirement*.txt` (`.txt`, `.in` or `.ini`), `pyproject.toml` (PEP 621 `[project]` and
Poetry) and `Pipfile`. The finding lists the normalised distribution names (parsed as PEP 508 requirements with
`packaging.requirements`), the `-r` files a requirements file includes (the assembly step follows them) and the
extras it asks for (`fastapi-users[beanie]` installs beanie).
"""

from __future__ import annotations

import re

from ...models import Finding
from ...wording import plural
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


_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)(?:\s+|=)(\S+)")


def _parsed(line: str) -> tuple[str, list[str]] | None:
    """(name, extras) by PEP 508 (packaging.requirements), None when the line is not a requirement."""
    from packaging.requirements import InvalidRequirement, Requirement

    spec = line.split(" #", 1)[0].strip()
    spec = re.split(r"\s--?[a-z]", spec, maxsplit=1)[0].strip()  # per-requirement options (--hash=...)
    if not spec or spec.startswith(("#", "-", ".", "/")):
        return None
    try:
        requirement = Requirement(spec)
    except InvalidRequirement:
        return None
    return normalise(requirement.name), sorted(normalise(e) for e in requirement.extras)


def scan_requirements(text: str) -> tuple[list[str], list[int]]:
    """(distribution names, numbers of the lines pip would reject); rejected lines give no name."""
    names, invalid, _, _ = scan_requirements_full(text)
    return names, invalid


def scan_requirements_full(text: str) -> tuple[list[str], list[int], list[str], list[str]]:
    """(names, rejected line numbers, `-r` includes, extras asked for): `fastapi-users[beanie]` asks for beanie."""
    names: list[str] = []
    invalid: list[int] = []
    includes: list[str] = []
    extras: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.rstrip().endswith("\\"):
            line = line.rstrip()[:-1]  # a continued line: its first part names the requirement
        include = _INCLUDE.match(line)
        if include:
            includes.append(include.group(1))
            continue
        if _invalid(line):
            invalid.append(number)
            continue
        parsed = _parsed(line)
        name = parsed[0] if parsed else _requirement_name(line)
        if name and name not in names:
            names.append(name)
        for extra in parsed[1] if parsed else []:
            if extra not in extras:
                extras.append(extra)
    return names, invalid, includes, extras


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
    return name.endswith((".txt", ".in", ".ini")) and name.startswith("requirement")


@register("dependency-file", name_prefixes=("requirement",), names=("pyproject.toml", "Pipfile"))
def detect(src: SourceFile) -> list[Finding]:
    import tomllib  # only repositories with Python dependency files pay for it

    extra: list[Finding] = []
    more: dict[str, str] = {}
    try:
        if src.name == "pyproject.toml":
            packages, fmt = parse_pyproject(src.text)
        elif src.name == "Pipfile":
            packages, fmt = parse_pipfile(src.text), "pipfile"
        elif _is_requirements_txt(src):
            packages, invalid, includes, extras = scan_requirements_full(src.text)
            fmt = "requirements"
            if includes:
                more["includes"] = ",".join(includes)
            if extras:
                more["extras"] = ",".join(extras)
            if invalid:
                extra.append(
                    Finding(
                        kind="dependency-file-invalid",
                        severity="warning",
                        message=f"{plural(len(invalid), 'line')} of {src.name} are not requirements pip can read "
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
            message=f"Python dependencies ({fmt}): {plural(len(packages), 'package')}",
            file=src.rel,
            line=1,
            detail={"format": fmt, "packages": ",".join(packages), **more},
        )
    ]
