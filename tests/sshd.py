"""A real OpenSSH server on a loopback port, for testing DVC's SSH remote.

Why a real ``sshd``: the SSH remote is the one network remote the project
tests, and the failure modes worth testing (host-key checks, key auth, SFTP
writes, a server that goes away) only exist with the real server. The helper
never touches ``~/.ssh``: DVC's SSH backend (asyncssh) reads its known hosts
from ``$HOME/.ssh/known_hosts``, so clients get a private ``HOME`` through
:meth:`SshServer.client_env` that trusts exactly this server's host key.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import system_packages

SSHD = Path("/usr/sbin/sshd")


@dataclass(frozen=True)
class SshServer:
    """Where the running server listens and what a client needs to log in."""

    host: str
    port: int
    user: str
    keyfile: Path
    home: Path
    storage: Path

    def url(self, subdir: str = "") -> str:
        """The ``ssh://`` URL of a folder under the server's storage dir."""
        path = self.storage / subdir if subdir else self.storage
        return f"ssh://{self.user}@{self.host}:{self.port}{path}"

    def client_env(self) -> dict[str, str]:
        """Environment for a DVC client: an empty ``HOME``, isolated from the user's."""
        return {**os.environ, "HOME": str(self.home)}


def ensure_sshd() -> None:
    """Fail the test, naming openssh-server, when ``sshd`` is missing."""
    system_packages.require("sshd")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fixturepipe-test", "-f", str(path)],
        check=True,
    )


def _wait_for_banner(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Block until the server greets with its SSH banner (or fail with its log)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on 127.0.0.1:{port} within 15 s: {log.read_text()}")


@contextmanager
def running_sshd(workdir: Path) -> Iterator[SshServer]:
    """Start ``sshd -D`` on a free loopback port with key auth only; stop it after."""
    ensure_sshd()
    # Privilege separation directory, normally created by the service unit.
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    host_key, user_key = workdir / "host_ed25519", workdir / "user_ed25519"
    _keygen(host_key)
    _keygen(user_key)
    authorized = workdir / "authorized_keys"
    shutil.copyfile(user_key.with_suffix(".pub"), authorized)
    storage = workdir / "storage"
    storage.mkdir()
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    home = workdir / "home"
    home.mkdir()
    log = workdir / "sshd.log"
    with log.open("wb") as log_fh:
        proc = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)], stdout=log_fh, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_banner(port, proc, log)
        yield SshServer("127.0.0.1", port, getpass.getuser(), user_key, home, storage)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """A module-wide sshd (starting one costs ~0.1 s, key generation included)."""
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server
