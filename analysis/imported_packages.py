"""The distributions an API's code imports, for an API that declares none.

With no requirements file, pyproject or Pipfile anywhere, the deployment would
install nothing and fail on its first import. The imports are the next best
evidence: every top-level module the API's Python files import that is neither
the standard library (`sys.stdlib_module_names`) nor one of the app's own
modules, mapped to the distribution that provides it where the names differ
(`bson` comes with pymongo, `jose` is python-jose). Unpinned: the plan warns and
asks for a requirements.txt.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# import name -> distribution, where they differ (PyPI project pages)
DISTRIBUTION = {
    "bson": "pymongo",
    "gridfs": "pymongo",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "dotenv": "python-dotenv",
    "decouple": "python-decouple",
    "multipart": "python-multipart",
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "cv2": "opencv-python-headless",
    "sklearn": "scikit-learn",
    "socketio": "python-socketio",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "magic": "python-magic",
    "email_validator": "email-validator",
    "pydantic_settings": "pydantic-settings",
    "googleapiclient": "google-api-python-client",
    "jwt_utils": "PyJWT",
    "slugify": "python-slugify",
    "telegram": "python-telegram-bot",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
}
# `google.generativeai` and friends: the namespace package is not a distribution
NAMESPACED = {
    "google.generativeai": "google-generativeai",
    "google.genai": "google-genai",
    "google.cloud.storage": "google-cloud-storage",
}
_SKIP_DIRS = {"node_modules", ".git", ".venv", "venv", "env", "__pycache__", "tests", "test", "site-packages"}
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.M)
MAX_FILES = 2000
MAX_FILE_BYTES = 1024 * 1024


def imported_distributions(api_dir: Path) -> list[str]:
    """Sorted distribution names the Python files under `api_dir` import, the app's own modules and the stdlib left out."""
    # The API's own folder is a package its modules may import absolutely (`from server.utils import x`).
    local: set[str] = {api_dir.name}
    imports: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(api_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        here = Path(folder)
        local.update(dirs)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            local.add(name[:-3])
            seen += 1
            if seen > MAX_FILES:
                break
            path = here / name
            # Regular files only (a FIFO named x.py would block the read forever), and not huge ones.
            try:
                if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for module, plain in _IMPORT.findall(text):
                names = [module] if module else [m.strip().split(" ", 1)[0] for m in plain.split(",")]
                imports.update(n for n in names if n)
    found: set[str] = set()
    for name in imports:
        top = name.split(".", 1)[0]
        if top in sys.stdlib_module_names or top in local or top == "__future__":
            continue
        dotted = next((d for prefix, d in NAMESPACED.items() if name == prefix or name.startswith(prefix + ".")), None)
        if dotted:
            found.add(dotted)
        elif top != "google":
            found.add(DISTRIBUTION.get(top, top.replace("_", "-")))
    return sorted(found, key=str.lower)
