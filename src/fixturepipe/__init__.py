"""Golden fixtures for MLX Metal kernels: generation, execution, comparison, checksums."""
