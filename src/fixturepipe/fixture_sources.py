"""Where a fixture's inputs come from besides its generator: other fixtures, or a hand-made folder.

* **Chained** (``inputs: {x: {from: <kernel>/<fixture>, output: y}}``): input ``x`` is
  that fixture's float32 reference of output ``y`` (or, with ``input: y``, its input ``y``),
  read from the upstream's *generated* folder, so the chain is a Snakemake dependency and
  an edit upstream reruns everything below it.
* **Imported** (``import: {folder: <dir>, sha256: {<file>: <hex>}}``): inputs, references
  and meta are a hand script's files in the seed's naming (``<k>_input_<x>.bin``,
  ``<k>_<y>_ref.bin``, ``<k>_meta.json``), copied byte for byte after their sha256 is
  checked against the pins; sizes (and a ``tolerance``) may come from the meta file.

The checks run at Snakefile parse time (no numpy); :func:`load_chained` and
:func:`copy_imported` run inside the ``inputs``/``reference`` jobs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fixturepipe import expr, paths
from fixturepipe.manifest import sha256_file
from fixturepipe.spec import KernelSpec, Tensor

if TYPE_CHECKING:
    import numpy as np

    from fixturepipe.fixture import Fixture


def upstream_tensor(spec: KernelSpec, link: Mapping[str, str]) -> Tensor | None:
    """The upstream spec's output (``output:``) or input (``input:``) a chain link names."""
    kind, name = ("output", link["output"]) if "output" in link else ("input", link["input"])
    tensors = spec.outputs if kind == "output" else spec.inputs
    return next((t for t in tensors if t.name == name), None)


def upstream_file(spec: KernelSpec, link: Mapping[str, str]) -> str:
    """Path (relative to the project) of the generated file a chain link reads."""
    kernel, fixture = link["from"].split("/", 1)
    folder = paths.generated_dir(kernel, fixture)
    if "output" in link:
        return f"{folder}/{paths.reference_file(spec, link['output'])}"
    return f"{folder}/{paths.input_file(spec, link['input'])}"


def chain_problems(
    links: Mapping[str, tuple[str, Mapping[str, Mapping[str, str]]]],
    sizes: Mapping[str, Mapping[str, int]],
    specs: Mapping[str, KernelSpec],
) -> list[str]:
    """Every problem of the chains: ``links`` maps fixture key -> (where, its ``inputs:``).

    Unknown fixtures or tensors, shape or dtype mismatches, and cycles; each a sentence
    naming the fixture and the field.
    """
    problems = []
    for key, (where, chained) in links.items():
        spec = specs[key.split("/", 1)[0]]
        own = {t.name: t for t in spec.inputs}
        for name, link in chained.items():
            field = f"{where}, field inputs.{name}"
            if name not in own:
                problems.append(f"{field}: kernel {spec.name!r} has no input {name!r} (its "
                                f"inputs: {', '.join(own)}).")
                continue
            source = link["from"]
            if source not in sizes:
                problems.append(f"{field}.from: {source!r} is not a fixture of this config "
                                "(write <kernel>/<fixture> of a fixture listed in `fixtures`).")
                continue
            up_spec = specs[source.split("/", 1)[0]]
            tensor = upstream_tensor(up_spec, link)
            kind = "output" if "output" in link else "input"
            if tensor is None:
                names = [t.name for t in (up_spec.outputs if kind == "output" else up_spec.inputs)]
                problems.append(f"{field}.{kind}: kernel {up_spec.name!r} has no {kind} "
                                f"{link[kind]!r} (its {kind}s: {', '.join(names)}).")
                continue
            mine, theirs = own[name], tensor
            mine_shape, their_shape = _shape(mine, sizes[key]), _shape(theirs, sizes[source])
            if mine.dtype != theirs.dtype or mine_shape != their_shape:
                problems.append(
                    f"{field}: {source} {kind} {theirs.name!r} is {theirs.dtype} {their_shape}, "
                    f"but input {name!r} of this fixture is {mine.dtype} {mine_shape}; "
                    "make the sizes agree.")
    problems += _cycles({k: [link["from"] for link in c.values()] for k, (_, c) in links.items()})
    return problems


def _shape(tensor: Tensor, sizes: Mapping[str, int]) -> list[int] | str:
    try:
        return list(tensor.shape_for(sizes))
    except expr.ExpressionError as exc:
        return f"(unknown: {exc})"


def _cycles(edges: Mapping[str, Sequence[str]]) -> list[str]:
    """A sentence per cycle of fixtures chained to themselves."""
    found: list[str] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
                found.append(f"fixtures chain in a cycle: {' -> '.join(cycle)}; a fixture's "
                             "inputs cannot depend on its own reference.")
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in edges:
        if start not in state:
            visit(start, [start])
    return found


def imported_names(spec: KernelSpec) -> list[str]:
    """The files an imported folder must hold: the seed's names for this kernel."""
    return paths.fixture_files(spec)


def import_problems(
    block: Mapping[str, Any], spec: KernelSpec, root: Path, where: str
) -> tuple[list[str], dict[str, Any]]:
    """Check an ``import:`` block against its folder; return (problems, the folder's meta).

    Every file the kernel's fixture folder needs must exist in the folder and have the
    sha256 the config pins (a changed byte is named, with both hashes).
    """
    folder = root / block["folder"]
    if not folder.is_dir():
        return [f"{where}, field import.folder: {block['folder']} is not a folder "
                f"(relative to {root})."], {}
    problems = []
    pins = block.get("sha256", {})
    for name in imported_names(spec):
        file = folder / name
        if not file.is_file():
            problems.append(f"{where}, field import.folder: {block['folder']} has no {name} "
                            f"(kernel {spec.name!r} needs {', '.join(imported_names(spec))}).")
        elif name not in pins:
            problems.append(f"{where}, field import.sha256: no pin for {name}; add "
                            f"`{name}: {sha256_file(file)}` once you have checked the file.")
        elif sha256_file(file) != pins[name]:
            problems.append(f"{where}, field import.sha256.{name}: {block['folder']}/{name} "
                            f"has sha256 {sha256_file(file)}, but the config pins {pins[name]}.")
    extra = sorted(set(pins) - set(imported_names(spec)))
    if extra:
        problems.append(f"{where}, field import.sha256: {', '.join(extra)} is not a file of "
                        f"kernel {spec.name!r}'s fixtures ({', '.join(imported_names(spec))}).")
    meta: dict[str, Any] = {}
    meta_file = folder / paths.meta_file(spec)
    if meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{where}, field import.folder: {meta_file} is not JSON: {exc}.")
    return problems, meta


def imported_files(fixture: Fixture, spec: KernelSpec) -> dict[str, str]:
    """{file name: path} of an imported fixture's files (rule inputs, so an edit reruns)."""
    folder = fixture.imported["folder"]
    return {name: f"{folder}/{name}" for name in imported_names(spec)}


def copy_imported(fixture: Fixture, spec: KernelSpec, names: Sequence[str], target: Path) -> None:
    """Copy files of an imported fixture into ``target``, each checked against its pin."""
    from fixturepipe import atomic

    for name in names:
        source = Path(fixture.imported["folder"]) / name
        data = source.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != fixture.imported["sha256"][name]:
            raise ValueError(f"{source} has sha256 {actual}, but the config pins "
                             f"{fixture.imported['sha256'][name]} for fixture {fixture.key}")
        atomic.write_bytes(target / name, data)


def load_chained(
    fixture: Fixture, spec: KernelSpec, files: Mapping[str, str]
) -> dict[str, np.ndarray]:
    """The chained inputs of ``fixture``, read from ``files`` ({input: path})."""
    from fixturepipe import binio

    tensors = {t.name: t for t in spec.inputs}
    return {
        name: binio.read_array(path, tensors[name].shape_for(fixture.sizes), tensors[name].dtype)
        for name, path in files.items()
    }
