"""What the machine gives right now: its load, and how much faster two CPU-bound processes
finish together than one after another (2.0 on two idle cores; 1.0 when other work takes
the second core). Benchmarks print it beside figures that need both cores. Also the CPU
time processes have used, to split a request's cost between the processes that serve it."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable
from pathlib import Path

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


# CPU time spent by processes, read from /proc (Linux): for splitting a request's cost
# between the web nodes, PostgreSQL and the benchmark's own clients.

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_process(pids: Iterable[int]) -> dict[int, float]:
    """User and system CPU seconds each process has used so far (gone ones left out)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return used


def cpu_since(before: dict[int, float], pids: Iterable[int]) -> float:
    """CPU seconds `pids` used since `before` was taken (a process started since counts all)."""
    now = cpu_by_process(pids)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def process_tree(root: int) -> list[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving connections to `database`."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            pids.append(int(cmdline.parent.name))
    return pids


def cpu_times() -> tuple[float, float]:
    """The whole machine's (busy, all) CPU seconds so far, summed over its cores."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / TICKS, sum(fields) / TICKS


def cores_busy(before: tuple[float, float], after: tuple[float, float]) -> float:
    """How many cores were busy on average between two `cpu_times()` readings."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * busy / total if total else 0.0
