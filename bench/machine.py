"""What the machine gives right now: its load, and how much faster two CPU-bound processes
finish together than one after another (2.0 on two idle cores; 1.0 when other work takes
the second core). Benchmarks print it beside figures that need both cores."""

from __future__ import annotations

import multiprocessing
import os
import time

SPIN = 8_000_000  # about 0.3 s of pure Python on this kind of machine


def _spin(count: int = SPIN) -> None:
    total = 0
    for number in range(count):
        total += number


def parallelism() -> float:
    """Two spins one after another, divided by two spins at once in two processes."""
    started = time.perf_counter()
    _spin()
    _spin()
    serial = time.perf_counter() - started
    processes = [multiprocessing.Process(target=_spin) for _ in range(2)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return serial / (time.perf_counter() - started)


def describe() -> str:
    return (
        f"load average {os.getloadavg()[0]:.1f}; two CPU-bound processes finish"
        f" {parallelism():.2f}x faster together than one after another"
    )
