"""Generic helpers for kernels' own Python (``kernels/<name>/*.py``); they know no kernel's names.

A kernel's generators and references import only numpy, ml_dtypes, the
standard library and this package: what several kernels of
flash-linear-attention's layout need alike (chunk views and draw order in
:mod:`~fixturepipe.kernel_lib.chunks`, input distributions in
:mod:`~fixturepipe.kernel_lib.draws`, byte-deterministic bf16/exp/dot
arithmetic in :mod:`~fixturepipe.kernel_lib.numerics`).
"""
