"""Assembling the C++ translation unit of one kernel instantiation.

Layout: the runtime (Metal types and MLX's preamble), the translated header, MLX's
generated signature, the translated body, then the launcher and `mtl_invoke`,
which passes each buffer and builtin to the kernel in signature order. `#line`
directives make clang report header and body lines in their own .metal files.
"""

from __future__ import annotations

from .signature import GeneratedKernel, Param
from .translate import TranslatedText


def _quote(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element_type(p: Param) -> str:
    words = p.ctype.rstrip("*&").split()
    return " ".join(w for w in words if w not in ("device", "constant"))


def _argument(p: Param, buffer_index: int) -> str:
    if p.kind == "attribute":
        return f"t.{p.name}"
    etype = _element_type(p)
    if etype.startswith("atomic<"):
        etype = "metal::" + etype
    access = f"L.param<{etype}>({buffer_index})"
    return f"*{access}" if p.by_ref else access


def build_unit(
    gen: GeneratedKernel,
    header: TranslatedText | None,
    body: TranslatedText,
    source_path: str,
    header_path: str,
    math_mode: str = "safe",
) -> str:
    """The complete C++ source for `gen`, with `body` (and `header`) translated.

    math_mode "fast" defines __FAST_MATH__ before anything else, as the Metal compiler
    does for MLX's fast mode, so the kernel's own `#ifdef __FAST_MATH__` branches and the
    runtime's choice of fast math functions follow it; "relaxed" and "safe" compile the
    same code (the executor never reassociates; see docs/metal_cpu.md).
    """
    parts = ["#define __FAST_MATH__ 1\n"] if math_mode == "fast" else []
    if body.bool_vectors or (header is not None and header.bool_vectors):
        parts.append("#define MTL_BOOL_SWIZZLES 1\n")  # runtime/metal_bool_vectors.h
    parts.append('#include "metal_runtime.h"\n')
    if header is not None and header.text:
        parts += [f"#line 1 {_quote(header_path)}\n", header.text, "\n"]
    parts += [
        f"#line 1 {_quote(gen.name + ' (signature generated as MLX does)')}\n",
        gen.signature,
        f"#line 1 {_quote(source_path)}\n",
        body.text,
        "\n}\n",
    ]
    if gen.template_def:
        full = gen.name + gen.template_def
        parts.append(f"template decltype({full}) {full};\n")
    synchronises = body.synchronises or (header is not None and header.synchronises)
    args = []
    index = 0
    for p in gen.params:
        args.append(_argument(p, index))
        if p.kind != "attribute":
            index += 1
    call = f"::{gen.name}{gen.template_def}(\n      " + ",\n      ".join(args) + ")"
    parts += [
        '#line 1 "<metal_cpu launcher>"\n',
        f"#define MTL_KERNEL_NAME {_quote(gen.name)}\n",
        # Race mode always runs threads as fibers (barrier and simd epochs are tracked).
        f"#define MTL_USE_FIBERS (MTL_RACE || {1 if synchronises else 0})\n",
        '#include "launcher.h"\n',
        "namespace metal {\n",
        "static void mtl_invoke(const mtl_launch& L, const mtl_thread_info& t) {\n",
        "  (void)L;\n  (void)t;\n",
        f"  {call};\n",
        "}\n}  // namespace metal\n",
    ]
    return "".join(parts)
