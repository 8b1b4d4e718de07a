"""Generic helpers for kernels' own Python (``kernels/<name>/*.py``); they know no kernel's names.

A kernel's generators and references import only numpy, ml_dtypes, the
standard library and this package.
"""
