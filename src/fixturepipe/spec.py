"""Kernel specs (``kernels/<name>.yaml``): load, validate, and evaluate over a fixture's sizes.

A kernel is data: its Metal body, an optional header, and this spec.  The spec
is the single place that says which inputs exist and how big they are, how to
launch the kernel, which generator/reference functions apply, and the default
tolerances; the pipeline core reads nothing kernel-specific from anywhere else.
This module imports no numpy so the Snakefile can use it at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fixturepipe import expr

DTYPES = ("float32", "float16", "int32", "uint32")
TOLERANCE_KEYS = ("max_abs", "max_rel", "rel_l2", "max_ulp", "max_ulp_elementwise")

_EXPR = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
_TENSOR = {
    "type": "object",
    "additionalProperties": False,
    "required": ["shape", "dtype"],
    "properties": {
        "shape": {"type": "array", "items": _EXPR, "minItems": 1},
        "dtype": {"enum": list(DTYPES)},
    },
}
TOLERANCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "max_abs": {"type": "number", "minimum": 0},
        "max_rel": {"type": "number", "minimum": 0},
        "rel_l2": {"type": "number", "minimum": 0},
        "max_ulp": {"type": "number", "minimum": 0},
        "max_ulp_elementwise": {"type": "integer", "minimum": 0},
        "require_finite": {"type": "boolean"},
    },
}
SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "name", "source", "sizes", "inputs", "outputs", "generators", "reference", "launch",
        "tolerance", "meta",
    ],
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "source": {"type": "string"},
        "header": {"type": "string"},
        "sizes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "constraints": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["check", "message"],
                "properties": {"check": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "inputs": {"type": "object", "minProperties": 1, "additionalProperties": _TENSOR},
        "outputs": {"type": "object", "minProperties": 1, "additionalProperties": _TENSOR},
        "generators": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "reference": {"type": "string"},
        "references": {"type": "array", "items": {"type": "string"}},
        "launch": {
            "type": "object",
            "additionalProperties": False,
            "required": ["grid", "threadgroup"],
            "properties": {
                "grid": {"type": "array", "items": _EXPR, "minItems": 3, "maxItems": 3},
                "threadgroup": {"type": "array", "items": _EXPR, "minItems": 3, "maxItems": 3},
                "template": {"type": "object", "additionalProperties": _EXPR},
                "timeout": {"type": "number", "exclusiveMinimum": 0},
            },
        },
        "tolerance": TOLERANCE_SCHEMA,
        "meta": {"type": "object"},
    },
}


class SpecError(ValueError):
    """A kernel spec file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Tensor:
    """One named input or output: shape expressions over sizes and a dtype name."""

    name: str
    shape: tuple[str | int, ...]
    dtype: str

    def shape_for(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The concrete shape for a fixture's sizes."""
        return tuple(int(expr.evaluate(dim, sizes)) for dim in self.shape)


@dataclass(frozen=True)
class KernelSpec:
    """A validated kernel spec; paths are absolute so scripts may run from anywhere."""

    name: str
    path: Path
    source_path: Path
    header_path: Path | None
    sizes: tuple[str, ...]
    constraints: tuple[tuple[str, str], ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    generators: tuple[str, ...]
    reference: str
    references: tuple[str, ...]
    grid: tuple[str | int, ...]
    threadgroup: tuple[str | int, ...]
    template: Mapping[str, str | int]
    timeout: float
    tolerance: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def constraint_failures(self, sizes: Mapping[str, int]) -> list[str]:
        """Messages of the spec constraints that ``sizes`` violates."""
        return [message for check, message in self.constraints if not expr.evaluate(check, sizes)]

    def launch_for(self, sizes: Mapping[str, int]) -> dict[str, Any]:
        """Grid, threadgroup and template for ``sizes`` (template dtypes stay names)."""
        template: dict[str, Any] = {}
        for key, value in self.template.items():
            template[key] = value if value in DTYPES else expr.evaluate(value, sizes)
        return {
            "grid": tuple(int(expr.evaluate(g, sizes)) for g in self.grid),
            "threadgroup": tuple(int(expr.evaluate(t, sizes)) for t in self.threadgroup),
            "template": template,
        }

    def code_files(self) -> list[Path]:
        """The Metal files that define the kernel (source, then header if any)."""
        return [self.source_path] + ([self.header_path] if self.header_path else [])


def load_spec(path: str | Path, *, validate: bool = True) -> KernelSpec:
    """Load and validate ``kernels/<name>.yaml``; raise :class:`SpecError` naming file and field.

    Rule scripts pass ``validate=False``: the Snakefile validated the same file
    while building the DAG, and skipping the jsonschema import saves ~0.1 s per job.
    """
    spec_path = Path(path).resolve()
    try:
        raw = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read kernel spec: {exc}") from exc
    if validate:
        import jsonschema

        try:
            jsonschema.validate(raw, SPEC_SCHEMA)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
            raise SpecError(f"{path}: field {where}: {exc.message}") from exc
    if raw["name"] != spec_path.stem:
        raise SpecError(f"{path}: field name: {raw['name']!r} must equal the file stem")
    base = spec_path.parent
    source = base / raw["source"]
    if not source.is_file():
        raise SpecError(f"{path}: field source: {source} does not exist")
    header: Path | None = None
    if "header" in raw:
        header = base / raw["header"]
        if not header.is_file():
            raise SpecError(f"{path}: field header: {header} does not exist")
    elif (base / f"{raw['name']}.header.metal").is_file():
        header = base / f"{raw['name']}.header.metal"
    sizes = tuple(raw["sizes"])
    spec = KernelSpec(
        name=raw["name"],
        path=spec_path,
        source_path=source,
        header_path=header,
        sizes=sizes,
        constraints=tuple((c["check"], c["message"]) for c in raw.get("constraints", [])),
        inputs=tuple(Tensor(n, tuple(t["shape"]), t["dtype"]) for n, t in raw["inputs"].items()),
        outputs=tuple(Tensor(n, tuple(t["shape"]), t["dtype"]) for n, t in raw["outputs"].items()),
        generators=tuple(raw["generators"]),
        reference=raw["reference"],
        references=tuple(raw.get("references", [raw["reference"]])),
        grid=tuple(raw["launch"]["grid"]),
        threadgroup=tuple(raw["launch"]["threadgroup"]),
        template=dict(raw["launch"].get("template", {})),
        timeout=float(raw["launch"].get("timeout", 60.0)),
        tolerance=dict(raw["tolerance"]),
        meta=dict(raw["meta"]),
    )
    if validate:
        _check_expressions(spec, path)
    return spec


def _check_expressions(spec: KernelSpec, path: str | Path) -> None:
    """Reject expressions that name something other than a declared size, before any fixture."""
    known = set(spec.sizes)
    fields: list[tuple[str, str | int]] = [("constraints", c) for c, _ in spec.constraints]
    fields += [(f"inputs/{t.name}/shape", d) for t in spec.inputs for d in t.shape]
    fields += [(f"outputs/{t.name}/shape", d) for t in spec.outputs for d in t.shape]
    fields += [("launch/grid", g) for g in spec.grid] + [
        ("launch/threadgroup", t) for t in spec.threadgroup
    ]
    fields += [(f"launch/template/{k}", v) for k, v in spec.template.items() if v not in DTYPES]
    for where, expression in fields:
        try:
            unknown = expr.names_in(expression) - known
        except SyntaxError as exc:
            raise SpecError(f"{path}: field {where}: cannot parse {expression!r}") from exc
        if unknown:
            raise SpecError(
                f"{path}: field {where}: {expression!r} names {', '.join(sorted(unknown))}, "
                f"which is not in sizes {list(spec.sizes)}"
            )
    if spec.reference not in spec.references:
        raise SpecError(f"{path}: field references: must include the default {spec.reference!r}")


def load_all(kernels_dir: str | Path) -> dict[str, KernelSpec]:
    """Every ``*.yaml`` spec under ``kernels_dir``, by kernel name, in sorted order."""
    return {p.stem: load_spec(p) for p in sorted(Path(kernels_dir).glob("*.yaml"))}
