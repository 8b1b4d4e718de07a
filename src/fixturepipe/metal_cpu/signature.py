"""MLX's generated kernel source, reproduced exactly.

`mx.fast.metal_kernel` wraps a kernel body in a signature it derives from the
inputs, outputs, template arguments and the builtin names found in the source
(mlx/backend/common/metal_kernel.cpp). The CPU executor compiles that same text,
so the names, types and address spaces a body sees are the ones it sees on a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mlx.core as mx

# Inputs with fewer elements go to the constant address space.
MAX_CONSTANT_ARRAY_SIZE = 8

# (attribute, type) in MLX's order; a parameter is added when the source names it.
METAL_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("dispatch_quadgroups_per_threadgroup", "uint"),
    ("dispatch_simdgroups_per_threadgroup", "uint"),
    ("dispatch_threads_per_threadgroup", "uint3"),
    ("grid_origin", "uint3"),
    ("grid_size", "uint3"),
    ("quadgroup_index_in_threadgroup", "uint"),
    ("quadgroups_per_threadgroup", "uint"),
    ("simdgroup_index_in_threadgroup", "uint"),
    ("simdgroups_per_threadgroup", "uint"),
    ("thread_execution_width", "uint"),
    ("thread_index_in_quadgroup", "uint"),
    ("thread_index_in_simdgroup", "uint"),
    ("thread_index_in_threadgroup", "uint"),
    ("thread_position_in_grid", "uint3"),
    ("thread_position_in_threadgroup", "uint3"),
    ("threadgroup_position_in_grid", "uint3"),
    ("threadgroups_per_grid", "uint3"),
    ("threads_per_grid", "uint3"),
    ("threads_per_simdgroup", "uint"),
    ("threads_per_threadgroup", "uint3"),
)

_TYPE_STRINGS = {
    mx.float32: "float",
    mx.float16: "float16_t",
    mx.bfloat16: "bfloat16_t",
    mx.float64: "double",
    mx.complex64: "complex64_t",
    mx.bool_: "bool",
    mx.int8: "int8_t",
    mx.int16: "int16_t",
    mx.int32: "int32_t",
    mx.int64: "int64_t",
    mx.uint8: "uint8_t",
    mx.uint16: "uint16_t",
    mx.uint32: "uint32_t",
    mx.uint64: "uint64_t",
}

TemplateArg = tuple[str, "bool | int | mx.Dtype"]


def type_string(dtype: mx.Dtype) -> str:
    """The Metal type name MLX writes for an MLX dtype (get_type_string)."""
    try:
        return _TYPE_STRINGS[dtype]
    except KeyError:
        raise ValueError(f"[metal_kernel] unsupported dtype {dtype}") from None


@dataclass(frozen=True)
class InputInfo:
    """What the signature needs to know about one input array."""

    dtype: mx.Dtype
    ndim: int
    size: int


@dataclass(frozen=True)
class Param:
    """One parameter of the generated kernel, in buffer order.

    kind: "input" | "shape" | "strides" | "ndim" | "output" | "attribute";
    index: the input or output number it belongs to (attributes: -1);
    by_ref: passed as a `&` reference (0-dim inputs and `_ndim`).
    """

    kind: str
    name: str
    ctype: str
    index: int
    by_ref: bool = False


@dataclass(frozen=True)
class ShapeInfo:
    """Which of `<name>_shape`, `_strides`, `_ndim` the source names."""

    shape: bool
    strides: bool
    ndim: bool


def shape_infos(source: str, input_names: Sequence[str]) -> list[ShapeInfo]:
    """MLX's substring test for `<name>_shape/_strides/_ndim` in the source."""
    return [
        ShapeInfo(f"{n}_shape" in source, f"{n}_strides" in source, f"{n}_ndim" in source)
        for n in input_names
    ]


def attributes_used(source: str) -> list[tuple[str, str]]:
    """Builtin attributes found by substring search of the source, in MLX's order."""
    return [(a, t) for a, t in METAL_ATTRIBUTES if a in source]


def template_definition(template: Sequence[TemplateArg]) -> str:
    """`<float, 3, 1>`: MLX's write_template (bools print as 1 / 0)."""
    parts = []
    for _, arg in template:
        if isinstance(arg, bool):
            parts.append("1" if arg else "0")
        elif isinstance(arg, int):
            parts.append(str(arg))
        else:
            parts.append(type_string(arg))
    return "<" + ", ".join(parts) + ">"


def _template_hash(template_def: str) -> str:
    out = []
    i = 0
    while i < len(template_def):
        c = template_def[i]
        if c in "<>":
            out.append("_")
        elif c == "," and i + 1 < len(template_def) and template_def[i + 1] == " ":
            out.append("_")
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)[:-1]


def kernel_name(
    name: str,
    inputs: Sequence[InputInfo],
    output_dtypes: Sequence[mx.Dtype],
    template: Sequence[TemplateArg],
) -> str:
    """`custom_kernel_<name>[_<template hash>]_<input types>_<output types>` as MLX names it."""
    out = "custom_kernel_" + name
    if template:
        out += "_" + _template_hash(template_definition(template))
    for info in inputs:
        out += "_" + type_string(info.dtype)
        if info.ndim == 0:
            out += "s"
        elif info.size < MAX_CONSTANT_ARRAY_SIZE:
            out += "c"
    for dtype in output_dtypes:
        out += "_" + type_string(dtype)
    return out


def parameters(
    input_names: Sequence[str],
    inputs: Sequence[InputInfo],
    output_names: Sequence[str],
    output_dtypes: Sequence[mx.Dtype],
    source: str,
    atomic_outputs: bool,
) -> list[Param]:
    """The kernel's parameters in MLX's buffer order, then its builtin attributes."""
    params: list[Param] = []
    infos = shape_infos(source, input_names)
    for i, (name, arr) in enumerate(zip(input_names, inputs, strict=True)):
        location = "constant" if arr.size < MAX_CONSTANT_ARRAY_SIZE else "device"
        ref = "&" if arr.ndim == 0 else "*"
        params.append(
            Param(
                "input", name, f"const {location} {type_string(arr.dtype)}{ref}", i, arr.ndim == 0
            )
        )
        if arr.ndim > 0:
            if infos[i].shape:
                params.append(Param("shape", f"{name}_shape", "const constant int*", i))
            if infos[i].strides:
                params.append(Param("strides", f"{name}_strides", "const constant int64_t*", i))
            if infos[i].ndim:
                params.append(Param("ndim", f"{name}_ndim", "const constant int&", i, True))
    for i, (name, dtype) in enumerate(zip(output_names, output_dtypes, strict=True)):
        t = type_string(dtype)
        params.append(
            Param("output", name, f"device atomic<{t}>*" if atomic_outputs else f"device {t}*", i)
        )
    params.extend(Param("attribute", a, t, -1) for a, t in attributes_used(source))
    return params


@dataclass(frozen=True)
class GeneratedKernel:
    """MLX's kernel text and where its parts start, for line mapping."""

    name: str
    text: str
    params: list[Param]
    template_def: str
    signature: str  # the text between the header and the body


def generate(
    name: str,
    input_names: Sequence[str],
    inputs: Sequence[InputInfo],
    output_names: Sequence[str],
    output_dtypes: Sequence[mx.Dtype],
    source: str,
    header: str = "",
    template: Sequence[TemplateArg] = (),
    atomic_outputs: bool = False,
) -> GeneratedKernel:
    """The full source MLX generates (what `verbose=True` prints), byte for byte."""
    kname = kernel_name(name, inputs, output_dtypes, template)
    params = parameters(input_names, inputs, output_names, output_dtypes, source, atomic_outputs)
    sig = ""
    if template:
        kinds = []
        for tname, arg in template:
            if isinstance(arg, bool):
                kinds.append(f"bool {tname}")
            elif isinstance(arg, int):
                kinds.append(f"int {tname}")
            else:
                kinds.append(f"typename {tname}")
        sig += "template <" + ", ".join(kinds) + ">\n"
    sig += f"[[kernel]] void {kname}(\n"
    buffers = [p for p in params if p.kind != "attribute"]
    attrs = [p for p in params if p.kind == "attribute"]
    n_in_out = len(inputs) + len(output_names)
    for index, p in enumerate(buffers):
        sig += f"  {p.ctype} {p.name} [[buffer({index})]]"
        if p.kind != "output" or index < n_in_out - 1 or attrs:
            sig += ",\n"
        else:
            sig += ") {\n"
    for i, p in enumerate(attrs):
        sig += f"  {p.ctype} {p.name} [[{p.name}]]"
        sig += ",\n" if i < len(attrs) - 1 else ") {\n"
    text = header + sig + source + "\n}\n"
    template_def = template_definition(template) if template else ""
    if template:
        full = kname + template_def
        text += f'\ntemplate [[host_name("{kname}")]] [[kernel]] decltype({full}) {full};\n'
    return GeneratedKernel(
        name=kname,
        text=text,
        params=params,
        template_def=template_def,
        signature=sig,
    )
