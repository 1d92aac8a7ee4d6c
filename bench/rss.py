"""Peak resident memory (VmHWM, Linux) of a process and its descendants.

The benchmarks read it from the server's workers just before stopping them; bench/run.sh starts `congvu worker`
beside the benchmarks and reads its processes' peaks at the end:

    python3 bench/rss.py PID [--label worker] [--database postgres]   # prints each process's peak, records the largest
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _sep, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        pass
    return fields


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children(current)
    return out


def peak_kb(pid: int) -> int:
    """The process's peak resident set in KiB (0 when it is gone)."""
    value = _status(pid).get("VmHWM", "0 kB").split()[0]
    return int(value) if value.isdigit() else 0


def _name(pid: int) -> str:
    cmd = _cmdline(pid)
    if "granian" in cmd:
        return "granian"
    if " manage " in f" {cmd} ":
        return cmd.split(" manage ", 1)[1].split()[0]
    return _status(pid).get("Name", str(pid))


def tree_peaks(pid: int) -> list[dict]:
    """Every process of the tree under `pid` (itself included) with its peak RSS, largest first."""
    rows = [{"pid": p, "name": _name(p), "peak_kb": peak_kb(p)} for p in descendants(pid)]
    return sorted((r for r in rows if r["peak_kb"]), key=lambda r: -r["peak_kb"])


def main(argv: list[str] | None = None) -> int:
    import _common

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int)
    parser.add_argument("--label", default="worker")
    parser.add_argument("--database", default="")
    args = parser.parse_args(argv)
    rows = tree_peaks(args.pid)
    if not rows:
        print(f"process {args.pid} not found")
        return 1
    print(f"\n== peak RSS of {args.label} (pid {args.pid}) ==")
    for r in rows:
        print(f"{r['pid']:>8}  {r['name']:<28} {r['peak_kb'] / 1024:8.1f} MiB")
    # The supervisor is small; what is sized is its largest child.
    _common.record("rss", args.database, f"{args.label} peak RSS (largest process)", rows[0]["peak_kb"] / 1024, "MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
