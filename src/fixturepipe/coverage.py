"""Which golden fixtures a verify run covers, and what it says about the ones it does not.

``--configfile extra.yaml`` replaces the fixture list, and deleting an entry from
config.yaml drops it: either way verify would PASS on a subset while golden
fixtures (``golden.sha256``) go unverified.  Verify fails on that unless the
run is declared partial (``partial: true`` in the config, or
``--config partial=true``), and then the summary line says so.  No numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fixturepipe import golden, paths


def uncovered(
    manifest: Mapping[str, str], configured: Iterable[str], kernels: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Golden fixtures (``kernel/fixture``) in ``manifest`` that ``configured`` leaves out.

    Returns (left out, of other kernels): with a kernel selection
    (``--config kernels=a,b``, itself a declared partial run) the golden
    fixtures of unselected kernels are only noted, not a failure.
    """
    selected = set(kernels)
    missing = sorted(
        {f"{k}/{f}" for k, f in golden.golden_fixtures(manifest)} - set(configured)
    )
    others = [key for key in missing if selected and key.split("/")[0] not in selected]
    return [key for key in missing if key not in others], others


def _listed(keys: list[str]) -> str:
    return ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def problem(missing: list[str], partial: bool) -> str | None:
    """The failure sentence for ``missing`` golden fixtures, or None (none, or partial run)."""
    if not missing or partial:
        return None
    return (
        f"{len(missing)} golden fixture(s) in {paths.GOLDEN_MANIFEST} are not in the effective "
        f"config, so this run did not verify them: {_listed(missing)}. Verify them all with the "
        "full config, or say the run is partial on purpose with `--config partial=true`."
    )


def summary_note(missing: list[str], partial: bool, others: list[str] = ()) -> str:
    """What the verify summary line adds: the partial flag and what went unverified."""
    note = ""
    if others:
        note = (f"; kernel selection: {len(others)} golden fixture(s) of other kernels not "
                f"verified: {_listed(list(others))}")
    if not partial:
        return note
    if not missing:
        return note or "; partial run (every golden fixture covered)"
    return f"; PARTIAL run: {len(missing)} golden fixture(s) not verified: {_listed(missing)}{note}"
