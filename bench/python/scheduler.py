"""dask's threaded scheduler on the graph shapes of the `scheduler` workload.

usage: scheduler.py tree|chain N
Prints one JSON record per run (design.md section 5)."""
import json
import os
import platform
import sys
import time

try:
    import dask
    from dask.threaded import get
except ImportError as e:  # reported as skipped by the harness, never faked
    print(json.dumps({"skipped": f"dask is not installed ({e}); apt-get install python3-dask"}))
    sys.exit(0)


def inc(x):
    return x + 1


def total(xs):
    return sum(xs)


def tree(n):
    dsk = {}
    level = []
    for i in range(n):
        dsk[f"leaf-{i}"] = (inc, i)
        level.append(f"leaf-{i}")
    depth = 0
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 10):
            k = f"sum-{depth}-{i // 10}"
            dsk[k] = (total, level[i:i + 10])
            nxt.append(k)
        level = nxt
        depth += 1
    return dsk, level[0]


def chain(n):
    dsk = {"c-0": (inc, 0)}
    for i in range(1, n):
        dsk[f"c-{i}"] = (inc, f"c-{i - 1}")
    return dsk, f"c-{n - 1}"


def main():
    shape, n = sys.argv[1], int(sys.argv[2])
    sys.setrecursionlimit(max(10000, 4 * n))
    dsk, root = tree(n) if shape == "tree" else chain(n)
    threads = os.cpu_count()
    t0 = time.perf_counter()
    result = get(dsk, root, num_workers=threads)
    dt = time.perf_counter() - t0
    expected = n * (n + 1) // 2 if shape == "tree" else n
    assert result == expected, (result, expected)
    print(json.dumps({
        "workload": "scheduler", "engine": "dask", "variant": "threaded",
        "params": {"shape": shape, "tasks": len(dsk)},
        "seconds": {"total": dt}, "tasksPerSecond": len(dsk) / dt, "threads": threads,
        "versions": {"python": platform.python_version(), "dask": dask.__version__},
    }))


main()
