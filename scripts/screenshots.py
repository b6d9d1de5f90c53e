"""Refresh docs/screenshots/*.png (console, approvals, dashboard, phone layouts) by running the
browser tests.

Usage: python scripts/screenshots.py   (needs Debian's chromium or QUITA_CHROMIUM)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = {**os.environ, "QUITA_SCREENSHOTS": "1", "QUITA_REQUIRE_SERVICES": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "tests/web/test_browser_console.py",
        "tests/web/test_browser.py",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        for path in sorted((ROOT / "docs" / "screenshots").glob("*.png")):
            print(path.relative_to(ROOT))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
