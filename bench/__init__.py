"""Benchmarks for MVidarr; `make bench` runs `python -m bench.run`."""
