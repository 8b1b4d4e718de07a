"""Child processes that never outlive their deadline: a compiler run, a kernel run.

Each child is started in its own session (``start_new_session=True``) so that on a
timeout, or on Ctrl-C, the whole process group is killed: a kernel spinning
forever, or zig's own children, are never left running. Used by the CPU
executor (compile, run) and by the Metal backend's child process.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import AnyStr


def communicate_or_kill(
    proc: subprocess.Popen[AnyStr], timeout: float
) -> tuple[AnyStr, AnyStr]:
    """``proc.communicate(timeout=timeout)``; on any exception (the timeout's
    :class:`subprocess.TimeoutExpired`, KeyboardInterrupt, ...) SIGKILL ``proc``'s process
    group, reap it, and re-raise. ``proc`` must have been started with
    ``start_new_session=True``."""
    try:
        return proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
