"""A real network remote: DVC over SSH to OpenSSH's sshd, started on a loopback port.

Push the golden set from one clone, pull it into a fresh clone (empty cache),
and verify there with the real pipeline.
"""

from __future__ import annotations

from pathlib import Path

from dvc_clone import (
    DVC,
    SNAKEMAKE,
    fresh_clone,
    golden_files,
    manifest,
    restrict_fixtures,
    run,
    tool_env,
)
from sshd import SshServer, sshd_server

from fixturepipe import dvc_integrity

__all__ = ["sshd_server"]  # the fixture, imported so pytest finds it here


def add_ssh_remote(clone: Path, server: SshServer, env: dict[str, str], folder: str) -> None:
    """The remote as a user would add it (URL, hash check, key file), in a folder of its own."""
    run([DVC, "remote", "add", "--local", "ssh", server.url(folder)], clone, env)
    run([DVC, "remote", "modify", "--local", "ssh", "verify", "true"], clone, env)
    run([DVC, "remote", "modify", "--local", "ssh", "keyfile", str(server.keyfile)], clone, env)


def test_push_then_fresh_clone_pulls_and_verifies(sshd_server: SshServer, tmp_path: Path) -> None:
    env = tool_env(sshd_server.client_env())
    origin = fresh_clone(tmp_path / "origin")
    run([DVC, "pull"], origin, env)  # from the embedded remote
    add_ssh_remote(origin, sshd_server, env, "roundtrip")

    push = run([DVC, "push", "-r", "ssh"], origin, env)

    assert "files pushed" in push.stdout
    stored = [p for p in (sshd_server.storage / "roundtrip").rglob("*") if p.is_file()]
    # every distinct golden file (a chained input is a byte copy of its upstream file, and
    # the remote is content-addressed) + the .dir listing
    assert len(stored) == len(set(manifest(origin).values())) + 1

    clone = fresh_clone(tmp_path / "clone")
    add_ssh_remote(clone, sshd_server, env, "roundtrip")
    run([DVC, "pull", "-r", "ssh"], clone, env)

    assert golden_files(clone) == manifest(clone)
    assert dvc_integrity.check(clone) == []
    restrict_fixtures(clone, {"seed", "zeros"})
    verify = run([SNAKEMAKE, "-j2", "verify"], clone)
    assert "verify: PASS" in verify.stdout


def test_second_push_is_a_no_op(sshd_server: SshServer, tmp_path: Path) -> None:
    """Objects are content-addressed: pushing the same set again transfers nothing."""
    env = tool_env(sshd_server.client_env())
    origin = fresh_clone(tmp_path / "origin")
    run([DVC, "pull"], origin, env)
    add_ssh_remote(origin, sshd_server, env, "twice")
    run([DVC, "push", "-r", "ssh"], origin, env)

    again = run([DVC, "push", "-r", "ssh"], origin, env)

    assert "Everything is up to date." in again.stdout
