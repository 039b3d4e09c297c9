"""Benchmark: seconds to generate one candidate's data for every dataset
(the data layer's budget is 2 s on the 2-core CPU), median of several candidates.

    .venv/bin/python tests/benchmarks/data_generation.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograde.datasets import DATASETS  # noqa: E402
from autograde.datasets.release import write_task_data  # noqa: E402
from autograde.datasets.variants import Variant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(args.repeat + 1):  # the first run warms imports and caches
            root = Path(scratch) / str(i)
            started = time.perf_counter()
            for name in DATASETS:
                write_task_data(
                    name, Variant("bench-cohort", f"candidate-{i}", "bench"), root / "release", root / "hidden"
                )
            times.append(time.perf_counter() - started)
        size = sum(p.stat().st_size for p in (Path(scratch) / "1" / "release").iterdir())
    print(
        f"one candidate's data, all datasets: median {statistics.median(times[1:]):.2f} s "
        f"(first, cold: {times[0]:.2f} s), release {size / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
