"""Benchmarks with targets: ``make bench`` / ``python -m bench.run [--quick] [--only NAME]``.

The contract for a bench module: a file ``bench/bench_<name>.py`` with
``main(quick: bool = False) -> list[bench.common.Result]`` (dicts with the same keys are
accepted too). ``bench.run`` finds every such module, runs it and prints one table.
Benchmarks make their own scratch databases and never touch the developer's data.
"""
