"""Benchmarks behind the server model (docs/server-model.md): `python -m tests.bench`."""
