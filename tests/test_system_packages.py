"""tests/system_packages.py: a test that needs a program that is not there says how to get it."""

from __future__ import annotations

from pathlib import Path

import pytest
import system_packages
from system_packages import NEEDS, Need


def test_a_missing_package_fails_the_test_with_its_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    present = tmp_path / "present"
    present.touch()
    absent = tmp_path / "absent"
    monkeypatch.setitem(NEEDS, "demo", Need(("demo-a", "demo-b"), (str(present), str(absent)),
                                            "a demonstration"))
    assert "demo" in system_packages.missing()
    with pytest.raises(pytest.fail.Exception) as failed:
        system_packages.require("demo")
    message = str(failed.value)
    assert f"{absent} is missing" in message
    assert "sudo apt-get install --no-install-recommends demo-a demo-b" in message
    assert "(a demonstration)" in message


def test_an_installed_package_passes_and_is_not_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    present = tmp_path / "present"
    present.touch()
    monkeypatch.setitem(NEEDS, "demo", Need(("demo-a",), (str(present),), "a demonstration"))
    system_packages.require("demo")
    assert "demo" not in system_packages.missing()


def test_a_bare_command_name_is_looked_up_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program installed another way (a Chromium not from Debian) counts as installed."""
    monkeypatch.setitem(NEEDS, "on_path", Need(("demo",), ("sh",), "a demonstration"))
    monkeypatch.setitem(NEEDS, "nowhere", Need(("demo",), ("no-such-command-xyz",), "a demo"))
    assert "on_path" not in system_packages.missing()
    assert "nowhere" in system_packages.missing()
