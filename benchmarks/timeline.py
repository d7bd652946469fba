"""Where the cores are busy: CPU seconds per process kind, sampled through one cold build.

    python benchmarks/timeline.py /tmp/bsc-bench/org-10000 [--step 5]

The organisation folder is one made by benchmarks/synth.py (it has its mkdocs.yml); its
map cache (.cache/) is set aside first, so the build is cold, and the site goes to a
temporary folder. Every `--step` seconds a line gives the seconds elapsed and the CPU
seconds used since the last line by the build process ("build"), by `dot` and by the
other processes (the loading helper, then the page process). A value near `--step` is a
busy core; two kinds near it, both cores. Short-lived `dot` processes are mostly missed
(they end between samples); the build's total CPU time is `ab.py`'s or `bench.py`'s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (its Trash)

TICKS = os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    """The process and its descendants."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += _family(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def _cpu(pid: int) -> tuple[str, float] | None:
    """A process's name and CPU seconds (user + system) so far."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            text = fh.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.find("(") + 1:text.rfind(")")]
    fields = text[text.rfind(")") + 2:].split()
    return name, (int(fields[11]) + int(fields[12])) / TICKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("org", type=Path, help="a folder made by benchmarks/synth.py")
    parser.add_argument("--step", type=float, default=5.0, help="seconds between samples (default 5)")
    args = parser.parse_args()
    trash = bench.Trash(args.org.resolve().parent)  # set aside, not removed: see bench.Trash
    trash.settle()
    trash.put(args.org / ".cache")
    site = tempfile.mkdtemp(prefix="bsc-timeline-")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    build = subprocess.Popen([str(mkdocs), "build", "-q", "--strict", "-d", site], cwd=args.org, env=env)
    seen: dict[int, float] = {}
    try:
        while build.poll() is None:
            time.sleep(args.step)
            used = {"build": 0.0, "dot": 0.0, "other": 0.0}
            for pid in _family(build.pid):
                now = _cpu(pid)
                if now is None:
                    continue
                name, seconds = now
                kind = "build" if pid == build.pid else "dot" if name == "dot" else "other"
                used[kind] += seconds - seen.get(pid, 0.0)
                seen[pid] = seconds
            print(f"{time.perf_counter() - start:7.1f} s  " + "  ".join(f"{k} {v:5.2f}" for k, v in used.items()),
                  flush=True)
    finally:
        trash.put(Path(site))  # removed with the cache, the removal noted for the next run's wait
        trash.empty()
    print(f"wall {time.perf_counter() - start:.1f} s, exit {build.returncode}")
    return build.returncode


if __name__ == "__main__":
    sys.exit(main())
