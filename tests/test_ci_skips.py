"""tests/ci_skips.py: under CI=true a skipped test fails the run; elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A module skipped at import, as ``importorskip`` does for a package that is not installed.
MODULE_SKIP = """
import pytest
pytest.skip("not installed", allow_module_level=True)

def test_never_runs():
    pass
"""
TEST_SKIPS = """
import pytest

def test_passes():
    assert True

def test_skips_for_a_missing_tool():
    pytest.skip("tool not found")

@pytest.mark.may_skip
def test_platform_skip():
    pytest.skip("not supported on this filesystem")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False
"""


def run(tmp_path: Path, ci: str | None, *files: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO)
    if ci is not None:
        env["CI"] = ci
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    may_skip: platform skip\n")
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-p", "no:cacheprovider", "-rA", *files]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def write(tmp_path: Path) -> None:
    (tmp_path / "test_module_skip.py").write_text(MODULE_SKIP)
    (tmp_path / "test_skips.py").write_text(TEST_SKIPS)


def test_skips_pass_outside_ci(tmp_path: Path):
    write(tmp_path)
    out = run(tmp_path, None, "test_skips.py", "test_module_skip.py")
    assert out.returncode == 0, out.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in out.stdout


def test_a_skipped_test_fails_under_ci(tmp_path: Path):
    write(tmp_path)
    out = run(tmp_path, "true", "test_skips.py")
    assert out.returncode == 1, out.stdout
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed" in out.stdout  # the may_skip test stays a skip
    assert "FAILED test_skips.py::test_skips_for_a_missing_tool" in out.stdout
    assert "CI=true: a skipped test fails the run" in out.stdout and "tool not found" in out.stdout


def test_a_module_skipped_at_import_fails_under_ci(tmp_path: Path):
    write(tmp_path)
    out = run(tmp_path, "true", "test_module_skip.py", "test_skips.py")
    assert out.returncode != 0, out.stdout
    assert "ERROR test_module_skip.py" in out.stdout and "not installed" in out.stdout
