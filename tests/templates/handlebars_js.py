"""The reference handlebars.js, run with the machine's Node.js, as a test oracle.

``tests/templates/node`` pins handlebars in ``package.json`` and its lock file.
The first use installs it with ``npm ci`` into a cache directory outside the
work tree (``$OPENSES_HANDLEBARS_DIR``, else the system temp directory, keyed by
the lock file's hash), so a fresh clone or CI machine needs only ``node`` and
``npm`` and a reachable npm registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

NODE_PROJECT = Path(__file__).parent / "node"
_FILES = ("package.json", "package-lock.json", "render.js")


class OracleUnavailableError(RuntimeError):
    pass


def _install_dir() -> Path:
    configured = os.environ.get("OPENSES_HANDLEBARS_DIR")
    if configured:
        return Path(configured)
    lock = (NODE_PROJECT / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"openses-handlebars-{digest}"


def ensure_installed() -> Path:
    """The directory holding render.js and node_modules/handlebars, installed if missing."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise OracleUnavailableError(
                f"{tool} is not installed; the template tests need Node.js"
            )
    target = _install_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        shutil.copyfile(NODE_PROJECT / name, target / name)
    if not (target / "node_modules" / "handlebars" / "package.json").exists():
        completed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if completed.returncode != 0:
            raise OracleUnavailableError(f"npm ci failed: {completed.stderr[-2000:]}")
    return target


def render_with_handlebars_js(cases: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Render ``[{"template", "data", "options"}]`` in one Node process.

    Each result is ``{"output": text}`` or ``{"error": message}``.
    """
    target = ensure_installed()
    completed = subprocess.run(
        ["node", str(target / "render.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise OracleUnavailableError(f"render.js failed: {completed.stderr[-2000:]}")
    results: list[dict[str, str]] = json.loads(completed.stdout)
    return results
