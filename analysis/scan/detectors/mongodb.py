"""`mongodb-driver`, `mongodb-uri-env`, `mongodb-database`: how the API reaches MongoDB."""

from __future__ import annotations

import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

DRIVERS = ("motor", "pymongo", "beanie", "odmantic", "mongoengine")
_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+(motor|pymongo|beanie|odmantic|mongoengine)\b", re.M)
_ENV_READ = re.compile(
    r"""os\.(?:getenv|environ\.get)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*(?:,\s*["']([^"'\n]*)["'])?"""
    r"""|os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"""
    r"""|(?:config|env)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
)
# pydantic-settings fields: `mongodb_url: str = "..."` read from MONGODB_URL
_SETTINGS_FIELD = re.compile(
    r"""^[ \t]+([a-z_][a-z0-9_]*)[ \t]*:[ \t]*[A-Za-z_][\w\[\], |.]*(?:=[ \t]*(?:["']([^"'\n]*)["']|.*))?$""", re.M
)
_URI_NAME = re.compile(r"MONGO|DATABASE_UR[LI]|DB_UR[LI]|ATLAS", re.I)
_DB_NAME = re.compile(r"^(?:MONGO(?:DB)?_(?:DB|DATABASE|DB_NAME|DATABASE_NAME)|DB_NAME|DATABASE_NAME|DATABASE)$", re.I)


@register("mongodb", suffixes=(".py",), quick=("motor", "beanie", "odmantic", "mongo", "MONGO"))
def detect(src: SourceFile) -> list[Finding]:
    findings: list[Finding] = []
    text = src.text
    seen = set()
    for match in _IMPORT.finditer(text):
        driver = match.group(1)
        if driver in seen:
            continue
        seen.add(driver)
        findings.append(
            Finding(
                kind="mongodb-driver",
                message=f"MongoDB driver {driver}",
                file=src.rel,
                line=src.line_of(match.start(1)),
                detail={"driver": driver},
            )
        )
    env_hits: list[tuple[str, str | None, int]] = []
    for match in _ENV_READ.finditer(text):
        name = match.group(1) or match.group(3) or match.group(4)
        env_hits.append((name, match.group(2), src.line_of(match.start())))
    if "BaseSettings" in text:
        for match in _SETTINGS_FIELD.finditer(text):
            env_hits.append((match.group(1).upper(), match.group(2), src.line_of(match.start(1))))
    reported = set()
    for name, default, line in env_hits:
        if name in reported:
            continue
        if _URI_NAME.search(name) and not _DB_NAME.match(name):
            reported.add(name)
            findings.append(
                Finding(
                    kind="mongodb-uri-env",
                    message=f"MongoDB connection string read from {name}",
                    file=src.rel,
                    line=line,
                    detail={"env": name},
                )
            )
        elif _DB_NAME.match(name) and default:
            reported.add(name)
            findings.append(
                Finding(
                    kind="mongodb-database",
                    message=f"MongoDB database name from {name} (default {default!r})",
                    file=src.rel,
                    line=line,
                    detail={"env": name, "name": default},
                )
            )
    return findings
