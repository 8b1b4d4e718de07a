"""Kernel specs (``kernels/<name>/spec.yaml``): load, validate, and evaluate over a fixture's sizes.

A kernel is one folder: its Metal body (and header), this spec, and its own
Python (``generators.py``, ``reference.py``; see
:mod:`fixturepipe.kernel_python`).  The spec is the single place that says
which inputs exist and how big they are, how to launch the kernel, which
generators (with their parameter schemas), references and oracle apply, and
the default tolerances; the pipeline core reads nothing kernel-specific from
anywhere else.  Everything a spec names is checked here, before any job, with
sentences naming the spec file and the field; the kernel's Python is read as
an AST, never imported.  This module imports no numpy so the Snakefile can use
it at parse time.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fixturepipe import expr

SPEC_FILE = "spec.yaml"
GENERATORS_FILE = "generators.py"
REFERENCE_FILE = "reference.py"
DTYPES = ("float32", "float16", "bfloat16", "int32", "uint32")
TOLERANCE_KEYS = ("max_abs", "max_rel", "rel_l2", "rel_rms", "max_ulp", "max_ulp_elementwise")

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
        "rel_rms": {"type": "number", "minimum": 0},
        "max_ulp": {"type": "number", "minimum": 0},
        "max_ulp_elementwise": {"type": "integer", "minimum": 0},
        "require_finite": {"type": "boolean"},
    },
}
SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "name", "source", "sizes", "inputs", "outputs", "generators", "reference", "oracle",
        "launch", "tolerance", "meta",
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
        "generators": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "not": {"const": "name"}},
                "additionalProperties": {"type": "object"},
            },
        },
        "reference": {"type": "string"},
        "references": {"type": "array", "items": {"type": "string"}},
        "oracle": {"type": "string"},
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


# A composite kernel (``stages:``) runs its stages' kernels in order; it has no Metal source,
# launch or float32 reference function of its own: its reference is the chain of its stages'
# default references (:mod:`fixturepipe.composite`).
_STAGE_REF = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$"}
COMPOSITE_SCHEMA: dict[str, Any] = {
    **SPEC_SCHEMA,
    "required": [
        "name", "sizes", "inputs", "outputs", "generators", "oracle", "stages",
        "composite_outputs", "tolerance", "meta",
    ],
    "properties": {
        **{k: v for k, v in SPEC_SCHEMA["properties"].items()
           if k not in ("source", "header", "reference", "references", "launch")},
        "stages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kernel", "inputs"],
                "properties": {
                    "kernel": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                    "inputs": {"type": "object", "additionalProperties": _STAGE_REF},
                },
            },
        },
        "composite_outputs": {"type": "object", "additionalProperties": _STAGE_REF},
    },
}
# The one "reference" a composite has: the chain of its stages' default float32 references.
CHAIN_REFERENCE = "stage_chain"


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
class Stage:
    """One stage of a composite: a kernel and where each of its inputs comes from.

    ``inputs`` maps the stage kernel's input names to a composite input name or to
    ``<earlier stage kernel>.<output>``.
    """

    kernel: str
    inputs: Mapping[str, str]

    def upstream(self) -> dict[str, tuple[str, str]]:
        """{stage input: (upstream stage kernel, its output)} of the inputs another stage makes."""
        return {
            name: tuple(source.split(".", 1))  # type: ignore[misc]
            for name, source in self.inputs.items()
            if "." in source
        }


@dataclass(frozen=True)
class KernelSpec:
    """A validated kernel spec; paths are absolute so scripts may run from anywhere."""

    name: str
    path: Path
    source_path: Path | None  # None for a composite (its code is its stages')
    header_path: Path | None
    sizes: tuple[str, ...]
    constraints: tuple[tuple[str, str], ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    generators: Mapping[str, Mapping[str, Any]]
    reference: str
    references: tuple[str, ...]
    oracle: str
    grid: tuple[str | int, ...]
    threadgroup: tuple[str | int, ...]
    template: Mapping[str, str | int]
    timeout: float
    tolerance: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    stage_specs: Mapping[str, KernelSpec] = field(default_factory=dict)
    composite_outputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_composite(self) -> bool:
        """Whether this kernel is a chain of other kernels' runs (``stages:``)."""
        return bool(self.stages)

    @property
    def folder(self) -> Path:
        """``kernels/<name>/``: everything that defines the kernel."""
        return self.path.parent

    @property
    def generators_path(self) -> Path:
        """The kernel's ``generators.py``."""
        return self.folder / GENERATORS_FILE

    @property
    def reference_path(self) -> Path:
        """The kernel's ``reference.py`` (float32 references and the float64 oracle)."""
        return self.folder / REFERENCE_FILE

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
        """The Metal files that define the kernel (source, then header if any); a composite's
        are its stages', in stage order."""
        if self.is_composite:
            return [p for s in self.stages for p in self.stage_specs[s.kernel].code_files()]
        assert self.source_path is not None
        return [self.source_path] + ([self.header_path] if self.header_path else [])

    def stage_sizes(self, stage: str, sizes: Mapping[str, int]) -> dict[str, int]:
        """The sizes of stage kernel ``stage``: the composite's sizes it names."""
        return {s: int(sizes[s]) for s in self.stage_specs[stage].sizes}

    def generator_schema(self, generator: str) -> dict[str, Any]:
        """JSON schema of a config ``generator:`` entry for ``generator`` (``name`` + params)."""
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {"name": {"const": generator}, **self.generators[generator]},
        }

    def generator_params(self, generator: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` with the schema's defaults filled in, as the generator receives them."""
        defaults = {
            key: prop["default"]
            for key, prop in self.generators[generator].items()
            if "default" in prop
        }
        return {**defaults, **given}


def load_spec(path: str | Path, *, validate: bool = True) -> KernelSpec:
    """Load ``kernels/<name>/spec.yaml``; raise :class:`SpecError` naming file and field.

    With ``validate`` (parse time) the spec is checked against its schema and
    everything it names is looked up: its Metal files, the functions of its
    Python files (read as an AST), its expressions and its generator schemas.
    Rule scripts pass ``validate=False``: the Snakefile validated the same file
    while building the DAG, and skipping the jsonschema import saves ~0.1 s per job.
    """
    spec_path = Path(path).resolve()
    try:
        raw = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read kernel spec: {exc}") from exc
    composite = isinstance(raw, dict) and "stages" in raw
    if validate:
        import jsonschema

        try:
            _raise_best_error(_spec_validator(composite), raw)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
            raise SpecError(f"{path}: field {where}: {exc.message}") from exc
    if raw["name"] != spec_path.parent.name:
        raise SpecError(
            f"{path}: field name: {raw['name']!r} must equal the kernel's folder name "
            f"{spec_path.parent.name!r}"
        )
    if composite:
        return _load_composite(raw, spec_path, path, validate)
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
    spec = _kernel_spec(
        raw,
        spec_path,
        source_path=source,
        header_path=header,
        constraints=tuple(_constraints(raw)),
        reference=raw["reference"],
        references=tuple(raw.get("references", [raw["reference"]])),
        grid=tuple(raw["launch"]["grid"]),
        threadgroup=tuple(raw["launch"]["threadgroup"]),
        template=dict(raw["launch"].get("template", {})),
        timeout=float(raw["launch"].get("timeout", 60.0)),
        meta=dict(raw["meta"]),
    )
    if validate:
        _check_names(spec, path)
    return spec


def _kernel_spec(raw: Mapping[str, Any], spec_path: Path, **kind: Any) -> KernelSpec:
    """A :class:`KernelSpec` from the fields a plain and a composite spec read the same way
    (name, sizes, tensors, generators, oracle, tolerance), plus ``kind``: the fields that
    differ (Metal and launch for a plain kernel; stages, the chained reference and the
    merged constraints for a composite), so the shared fields are read in one place."""
    return KernelSpec(
        name=raw["name"],
        path=spec_path,
        sizes=tuple(raw["sizes"]),
        inputs=_tensors(raw["inputs"]),
        outputs=_tensors(raw["outputs"]),
        generators={g: dict(props or {}) for g, props in raw["generators"].items()},
        oracle=raw["oracle"],
        tolerance=dict(raw["tolerance"]),
        **kind,
    )


def _tensors(raw: Mapping[str, Mapping[str, Any]]) -> tuple[Tensor, ...]:
    """A spec's ``inputs:`` or ``outputs:`` block as tensors, in file order."""
    return tuple(Tensor(n, tuple(t["shape"]), t["dtype"]) for n, t in raw.items())


def _constraints(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A spec's own ``constraints:`` as ``(check, message)`` pairs."""
    return [(c["check"], c["message"]) for c in raw.get("constraints", [])]


def _check_names(spec: KernelSpec, path: str | Path) -> None:
    """Everything a spec names exists and fits (parse time): its expressions, the functions
    of its Python, its default reference among ``references`` (always so for a composite,
    whose one reference is the chain) and its generator schemas."""
    _check_expressions(spec, path)
    _check_python(spec, path)
    if spec.reference not in spec.references:
        raise SpecError(
            f"{path}: field references: must include the default {spec.reference!r}"
        )
    _check_generator_schemas(spec, path)


def _load_composite(
    raw: Mapping[str, Any], spec_path: Path, path: str | Path, validate: bool
) -> KernelSpec:
    """A composite spec, with its stage kernels' specs loaded from the sibling folders.

    Each stage's constraints become the composite's (on the sizes the stage names), so a
    fixture the chain cannot run is a config error before any job.
    """
    stages = tuple(Stage(s["kernel"], dict(s["inputs"])) for s in raw["stages"])
    stage_specs: dict[str, KernelSpec] = {}
    for i, stage in enumerate(stages):
        where = f"{path}: field stages[{i}]/kernel"
        if stage.kernel in stage_specs:
            raise SpecError(f"{where}: {stage.kernel!r} appears twice; a kernel may be one "
                            "stage only (its run folder is named after it)")
        stage_path = spec_path.parent.parent / stage.kernel / SPEC_FILE
        if not stage_path.is_file():
            raise SpecError(f"{where}: no kernel folder {stage.kernel!r} ({stage_path} does "
                            "not exist)")
        stage_spec = load_spec(stage_path, validate=validate)
        if stage_spec.is_composite:
            raise SpecError(f"{where}: {stage.kernel!r} is itself a composite; stages must be "
                            "kernels with Metal source")
        stage_specs[stage.kernel] = stage_spec
    constraints = _constraints(raw)
    for stage in stages:
        constraints += [(check, f"{message} (stage {stage.kernel})")
                        for check, message in stage_specs[stage.kernel].constraints
                        if check not in {c for c, _ in constraints}]
    spec = _kernel_spec(
        raw,
        spec_path,
        source_path=None,
        header_path=None,
        constraints=tuple(constraints),
        reference=CHAIN_REFERENCE,
        references=(CHAIN_REFERENCE,),
        grid=(),
        threadgroup=(),
        template={},
        timeout=max(s.timeout for s in stage_specs.values()),
        meta={"reference_impl": "the chain of the stages' default float32 references, "
                                "each on the previous stages' references",
              **dict(raw["meta"])},
        stages=stages,
        stage_specs=stage_specs,
        composite_outputs=dict(raw["composite_outputs"]),
    )
    if validate:
        _check_wiring(spec, path)
        _check_names(spec, path)
    return spec


def _check_wiring(spec: KernelSpec, path: str | Path) -> None:
    """Every stage input and composite output names a tensor that exists, is made before it
    is read, and has the dtype and shape the reader declares; stage sizes are the
    composite's."""
    tensors = {t.name: t for t in spec.inputs}
    for i, stage in enumerate(spec.stages):
        stage_spec = spec.stage_specs[stage.kernel]
        where = f"{path}: field stages[{i}]"
        missing_sizes = [s for s in stage_spec.sizes if s not in spec.sizes]
        if missing_sizes:
            raise SpecError(f"{where}/kernel: {stage.kernel!r} needs sizes "
                            f"{', '.join(missing_sizes)}, which are not in sizes "
                            f"{list(spec.sizes)}")
        wanted = [t.name for t in stage_spec.inputs]
        if sorted(stage.inputs) != sorted(wanted):
            raise SpecError(f"{where}/inputs: must give exactly the inputs of {stage.kernel!r} "
                            f"({', '.join(wanted)}); it gives {', '.join(stage.inputs) or 'none'}")
        for t in stage_spec.inputs:
            _check_source(tensors, stage.inputs[t.name], t, f"{where}/inputs/{t.name}")
        tensors.update({f"{stage.kernel}.{t.name}": t for t in stage_spec.outputs})
    if sorted(spec.composite_outputs) != sorted(t.name for t in spec.outputs):
        raise SpecError(f"{path}: field composite_outputs: must name a stage output for each "
                        f"output ({', '.join(t.name for t in spec.outputs)})")
    for t in spec.outputs:
        source = spec.composite_outputs[t.name]
        if "." not in source:
            raise SpecError(f"{path}: field composite_outputs/{t.name}: {source!r} is not "
                            "`<stage kernel>.<output>`")
        _check_source(tensors, source, t, f"{path}: field composite_outputs/{t.name}")


def _check_source(tensors: Mapping[str, Tensor], source: str, reader: Tensor, where: str) -> None:
    if source not in tensors:
        made = ", ".join(tensors)
        raise SpecError(f"{where}: {source!r} is neither a composite input nor an output of an "
                        f"earlier stage (available: {made})")
    got = tensors[source]
    if got.dtype != reader.dtype or [str(d) for d in got.shape] != [str(d) for d in reader.shape]:
        raise SpecError(f"{where}: {source!r} is {got.dtype} {list(got.shape)}, but it is read "
                        f"as {reader.dtype} {list(reader.shape)}")


def _check_expressions(spec: KernelSpec, path: str | Path) -> None:
    """Reject expressions outside the language or naming something other than a size."""
    known = set(spec.sizes)
    fields: list[tuple[str, str | int]] = [
        (f"constraints[{i}]/check", c) for i, (c, _) in enumerate(spec.constraints)
    ]
    fields += [(f"inputs/{t.name}/shape", d) for t in spec.inputs for d in t.shape]
    fields += [(f"outputs/{t.name}/shape", d) for t in spec.outputs for d in t.shape]
    fields += [("launch/grid", g) for g in spec.grid] + [
        ("launch/threadgroup", t) for t in spec.threadgroup
    ]
    fields += [(f"launch/template/{k}", v) for k, v in spec.template.items() if v not in DTYPES]
    for where, expression in fields:
        try:
            unknown = expr.check(expression) - known
        except expr.ExpressionError as exc:
            raise SpecError(f"{path}: field {where}: {exc}") from exc
        if unknown:
            raise SpecError(
                f"{path}: field {where}: {expression!r} names {', '.join(sorted(unknown))}, "
                f"which is not in sizes {list(spec.sizes)}"
            )


# (file, spec field, parameters a function of that role takes)
_ROLES = (
    (GENERATORS_FILE, "generators", ("rng", "sizes", "params")),
    (REFERENCE_FILE, "reference", ("inputs", "sizes")),
    (REFERENCE_FILE, "references", ("inputs", "sizes")),
    (REFERENCE_FILE, "oracle", ("inputs", "sizes")),
)


def _check_python(spec: KernelSpec, path: str | Path) -> None:
    """Every function the spec names is a top-level ``def`` of its file, with the right arity."""
    named = {
        "generators": list(spec.generators),
        "reference": [spec.reference],
        "references": list(spec.references),
        "oracle": [spec.oracle],
    }
    for filename, field_name, params in _ROLES:
        if spec.is_composite and field_name in ("reference", "references"):
            continue  # the chain of the stages' references (fixturepipe.composite)
        file = spec.folder / filename
        try:
            functions = top_level_functions(file)
        except OSError:
            raise SpecError(
                f"{path}: field {field_name}: the kernel's {filename} does not exist; "
                f"write it beside spec.yaml ({file})"
            ) from None
        except SyntaxError as exc:
            raise SpecError(
                f"{file}:{exc.lineno}: cannot parse ({exc.msg}); spec field {field_name} "
                "names functions in it"
            ) from None
        for name in named[field_name]:
            if name not in functions:
                raise SpecError(
                    f"{path}: field {field_name}: {name!r} is not a function of {file.name} "
                    f"(it defines: {', '.join(sorted(functions)) or 'nothing'})"
                )
            if functions[name] != len(params):
                raise SpecError(
                    f"{path}: field {field_name}: {file.name}'s {name} takes "
                    f"{functions[name]} positional parameters; it must take "
                    f"({', '.join(params)})"
                )


def top_level_functions(file: Path) -> dict[str, int]:
    """``{name: positional parameter count}`` of the top-level ``def``s of a Python file."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    return {
        node.name: len(node.args.posonlyargs) + len(node.args.args)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def _check_generator_schemas(spec: KernelSpec, path: str | Path) -> None:
    """Each generator's parameter schema is valid JSON schema and its defaults satisfy it."""
    import jsonschema

    for generator, props in spec.generators.items():
        schema = spec.generator_schema(generator)
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path if p != "properties")
            raise SpecError(
                f"{path}: field generators/{generator}/{where}: not a valid JSON schema: "
                f"{exc.message}"
            ) from exc
        for key, prop in props.items():
            if "default" not in prop:
                continue
            try:
                # ``prop`` was checked with its generator's schema above.
                _raise_best_error(jsonschema.validators.validator_for(prop)(prop), prop["default"])
            except jsonschema.ValidationError as exc:
                raise SpecError(
                    f"{path}: field generators/{generator}/{key}/default: {exc.message}"
                ) from exc


@functools.cache
def _spec_validator(composite: bool = False) -> Any:
    """A validator of :data:`SPEC_SCHEMA` (or :data:`COMPOSITE_SCHEMA`), the schema itself
    checked once per process."""
    import jsonschema

    schema = COMPOSITE_SCHEMA if composite else SPEC_SCHEMA
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _raise_best_error(validator: Any, instance: Any) -> None:
    """What ``jsonschema.validate`` does, minus re-checking the schema: raise the error it would."""
    import jsonschema

    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def spec_paths(kernels_dir: str | Path) -> list[Path]:
    """``kernels/*/spec.yaml``, sorted: one folder per kernel."""
    return sorted(Path(kernels_dir).glob(f"*/{SPEC_FILE}"))


def load_all(kernels_dir: str | Path) -> dict[str, KernelSpec]:
    """Every kernel folder's spec under ``kernels_dir``, by kernel name, in sorted order."""
    return {p.parent.name: load_spec(p) for p in spec_paths(kernels_dir)}
