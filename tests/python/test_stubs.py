"""The type stubs (`_core.pyi`) match the compiled module: names, classes and signatures."""

import subprocess
import sys


def test_core_stubs_match_the_extension_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "stream_viz._core"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_type_checks_against_its_stubs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", "stream_viz"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
