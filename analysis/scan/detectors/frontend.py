"""`frontend`, `build-config`: the React front end (Vite, Create React App or Next.js).

React built by another bundler (Farm's `@farmfe/core`, Rsbuild, webpack, Parcel), and Vue on Vue
CLI (`@vue/cli-service`), is a front end of framework `unknown`, built by its `build` script into
`dist` (Vue CLI: `outputDir` of `vue.config.*`). So is plain JavaScript whose `build` script runs
one of those bundlers (`webpack --config webpack.prod.js`): static files in `dist`.

`package.json` gives the framework (from its dependencies), the build script
and the package manager (`packageManager` field; lock files are matched in the
assembly step). `vite.config.*` and `next.config.*` give the output folder
(`build.outDir`, `distDir`, `output: 'export'`).
"""

from __future__ import annotations

import json
import re

from ...models import Finding
from ..registry import register
from ..source import SourceFile

_OUT_DIR = re.compile(r"""\boutDir\s*:\s*["'`]([^"'`]+)["'`]""")
_DIST_DIR = re.compile(r"""\bdistDir\s*:\s*["'`]([^"'`]+)["'`]""")
_NEXT_EXPORT = re.compile(r"""\boutput\s*:\s*["'`]export["'`]""")
_NEXT_STANDALONE = re.compile(r"""\boutput\s*:\s*["'`]standalone["'`]""")
_BUILD_PATH = re.compile(r"""\bBUILD_PATH=(\S+)""")
_VUE_OUTPUT_DIR = re.compile(r"""\boutputDir\s*:\s*["'`]([^"'`]+)["'`]""")


# React bundlers other than Vite, CRA and Next.js (their default output folder is dist)
_BUNDLERS = {
    "@farmfe/core": "farm",
    "@farmfe/cli": "farm",
    "@rsbuild/core": "rsbuild",
    "webpack": "webpack",
    "parcel": "parcel",
    # Vue CLI builds into dist (https://cli.vuejs.org/config/#outputdir)
    "@vue/cli-service": "vue-cli",
}


# the bundler's command in the build script: `webpack --config ...`, `parcel build src/index.html`
_BUNDLER_COMMAND = re.compile(r"(?:^|[\s;&|(/])(?:webpack|parcel|rsbuild|farm)(?:\s|$)")


# a Node server bundled for itself is no front end
_NODE_SERVERS = frozenset({"express", "koa", "fastify", "@nestjs/core", "@hapi/hapi", "hono"})


def _bundles_static_files(data: dict, deps: dict[str, object]) -> bool:
    """A build script running a bundler it depends on: the package is a front end even without React
    (webpack's default output is dist: https://webpack.js.org/concepts/#output)."""
    scripts = data.get("scripts")
    build = scripts.get("build") if isinstance(scripts, dict) else None
    runtime = data.get("dependencies")
    return (
        isinstance(build, str)
        and bool(_BUNDLERS.keys() & deps.keys())
        and _BUNDLER_COMMAND.search(build) is not None
        and not (isinstance(runtime, dict) and _NODE_SERVERS & runtime.keys())
    )


def _has_build(data: dict) -> bool:
    scripts = data.get("scripts")
    return isinstance(scripts, dict) and bool(scripts.get("build"))


def _line_of_key(src: SourceFile, key: str) -> int:
    index = src.text.find(f'"{key}"')
    return src.line_of(index) if index >= 0 else 1


@register("frontend", names=("package.json",))
def detect_package_json(src: SourceFile) -> list[Finding]:
    try:
        data = json.loads(src.text)
    except json.JSONDecodeError as exc:
        return [
            Finding(
                kind="package-json-invalid",
                severity="warning",
                message=f"cannot read package.json: {exc.msg}",
                file=src.rel,
                line=exc.lineno,
            )
        ]
    if not isinstance(data, dict):
        return []
    deps: dict[str, object] = {}
    for section in ("dependencies", "devDependencies"):
        block = data.get(section)
        if isinstance(block, dict):
            deps.update(block)
    if "next" in deps:
        framework, marker = "nextjs", "next"
    elif "vite" in deps or any(str(k).startswith("@vitejs/") for k in deps):
        framework, marker = "vite", "vite" if "vite" in deps else next(k for k in deps if str(k).startswith("@vitejs/"))
    elif "react-scripts" in deps:
        framework, marker = "cra", "react-scripts"
    elif (
        ("react" in deps and (_BUNDLERS.keys() & deps.keys() or _has_build(data)))
        or "@vue/cli-service" in deps
        or _bundles_static_files(data, deps)
    ):
        # React built by another bundler (Farm, Rsbuild, webpack, Parcel), Vue on Vue CLI, plain JavaScript
        # bundled by one of them: `npm run build`, output in dist
        framework = "unknown"
        marker = next((b for b in _BUNDLERS if b in deps), "react-dom")
    else:
        manager = data.get("packageManager")
        if isinstance(manager, str) and manager:
            # a workspace root: its package manager applies to the apps below it
            return [
                Finding(
                    kind="package-manager",
                    message=f"package manager {manager} (packageManager in package.json)",
                    file=src.rel,
                    line=_line_of_key(src, "packageManager"),
                    detail={"package_manager": manager.split("@", 1)[0]},
                )
            ]
        return []
    scripts = data.get("scripts") if isinstance(data.get("scripts"), dict) else {}
    build = str(scripts.get("build", ""))
    detail = {
        "framework": framework,
        "has_build_script": "true" if build else "false",
        "build_script": build,
        "react": "true" if "react" in deps else "false",
    }
    manager = data.get("packageManager")
    if isinstance(manager, str) and manager:
        detail["package_manager"] = manager.split("@", 1)[0]
    if framework == "unknown":
        detail["bundler"] = _BUNDLERS.get(marker, "unknown")
    build_path = _BUILD_PATH.search(build)
    if framework == "cra" and build_path:
        detail["output_dir"] = build_path.group(1)
    return [
        Finding(
            kind="frontend",
            message=f"{detail.get('bundler', framework)} front end ({marker} in package.json)",
            file=src.rel,
            line=_line_of_key(src, marker),
            detail=detail,
        )
    ]


@register("build-config", name_prefixes=("vite.config.", "next.config.", "vue.config."))
def detect_build_config(src: SourceFile) -> list[Finding]:
    detail: dict[str, str] = {}
    if src.name.startswith("vue."):
        detail["tool"] = "vue-cli"
        match = _VUE_OUTPUT_DIR.search(src.text)
        if match:
            detail["output_dir"] = match.group(1).strip("./") or "dist"
        line = src.line_of(match.start()) if match else 1
        return [Finding(kind="build-config", message="vue-cli build config", file=src.rel, line=line, detail=detail)]
    if src.name.startswith("vite."):
        detail["tool"] = "vite"
        match = _OUT_DIR.search(src.text)
        if match:
            detail["output_dir"] = match.group(1).strip("./") or "dist"
    else:
        detail["tool"] = "nextjs"
        if _NEXT_EXPORT.search(src.text):
            detail["static_export"] = "true"
            detail["output_dir"] = "out"
        else:
            detail["static_export"] = "false"
            if _NEXT_STANDALONE.search(src.text):
                detail["standalone"] = "true"
        match = _DIST_DIR.search(src.text)
        if match:
            detail["dist_dir"] = match.group(1).strip("./")
    line = src.line_of(match.start()) if (match := _OUT_DIR.search(src.text) or _NEXT_EXPORT.search(src.text)) else 1
    return [
        Finding(kind="build-config", message=f"{detail['tool']} build config", file=src.rel, line=line, detail=detail)
    ]
