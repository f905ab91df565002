"""`python-version`: the Python version pinned by `.python-version`, `runtime.txt` or `requires-python`."""

from __future__ import annotations

import re

from ...models import ApiFacts, Finding
from ..registry import register
from ..source import SourceFile

_VERSION = re.compile(r"(3\.\d{1,2})")
_REQUIRES = re.compile(r"""^\s*requires-python\s*=\s*["']([^"']+)["']""", re.M)
_PIPFILE = re.compile(r"""^\s*python_version\s*=\s*["'](3\.\d+)""", re.M)
# the version deployed when nothing pins one
_DEFAULT = tuple(int(p) for p in ApiFacts.model_fields["python_version"].default.split("."))


@register("python-version", names=(".python-version", "runtime.txt", "pyproject.toml", "Pipfile"), app_code_only=True)
def detect(src: SourceFile) -> list[Finding]:
    version = None
    how = ""
    if src.name in (".python-version", "runtime.txt"):
        match = _VERSION.search(src.text)
        version, how = (match.group(1), src.name) if match else (None, "")
    elif src.name == "Pipfile":
        match = _PIPFILE.search(src.text)
        version, how = (match.group(1), "Pipfile [requires]") if match else (None, "")
    else:
        match = _REQUIRES.search(src.text)
        if match:
            spec = match.group(1)
            exact = re.search(r"(?:==|~=)\s*(3\.\d+)", spec)
            upper = re.search(r"<\s*(3\.\d+)", spec)
            lower = re.search(r">=\s*(3\.\d+)", spec)
            if exact:
                version = exact.group(1)
            elif upper:
                major, minor = upper.group(1).split(".")
                version = f"{major}.{int(minor) - 1}"
            elif lower and tuple(int(p) for p in lower.group(1).split(".")) > _DEFAULT:
                # `>=3.13` excludes the default: the oldest version it allows (a lower bound the
                # default meets pins nothing)
                version = lower.group(1)
            how = f"requires-python {spec!r}"
    if version is None:
        return []
    return [
        Finding(
            kind="python-version",
            message=f"Python {version} ({how})",
            file=src.rel,
            line=1,
            detail={"version": version},
        )
    ]
