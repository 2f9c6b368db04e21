"""Benchmarks of tungsten-sim (not part of the installed package; run `python -m bench.run`)."""
