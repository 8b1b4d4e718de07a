"""Provenance records (``*.provenance.json``): the only files with times, hosts and versions.

They sit beside checksummed artifacts but are never in a manifest, so
reruns on other machines keep identical checksums while we still know what
produced a result.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import socket
import sys
from typing import Any

PACKAGES = ("fixturepipe", "numpy", "mlx", "snakemake", "ziglang", "pyyaml", "jsonschema")


def versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape a result."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def record(**fields: Any) -> dict[str, Any]:
    """A provenance dict: caller's fields plus time, host, platform, python, versions, argv."""
    return {
        **fields,
        "created_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "versions": versions(),
        "argv": sys.argv,
    }
