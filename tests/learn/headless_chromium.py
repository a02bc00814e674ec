"""Headless Chromium for the report's browser tests (skipped where it is not installed).

Imported by test modules as ``from headless_chromium import ...`` (pytest puts ``tests/learn``
on the path, as for ``tiny_budgets``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

#: Headless Chromium on a machine with no network: no first-run, sync, component or background
#: connections (each refused one can stall a start), no GPU; root needs --no-sandbox.
#: The profile (--user-data-dir) is a new empty folder per run.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_binary() -> str:
    """Return Debian's Chromium on the PATH, or skip the test."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("no `chromium` on PATH: install Debian's with `make browser` (as root)")
    return binary


def run_chromium(binary: str, page: Path, profile: Path, *args: str) -> str:
    """Open ``page`` in headless Chromium with a new empty profile; return its stdout."""
    profile.mkdir()
    done = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
