"""Benchmark: import N library items from a folder of Markdown files with the real CLI.

.venv/bin/python benchmarks/import_library.py --items 10000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import frontmatter

sys.path.insert(0, str(Path(__file__).parent))
from corpus import document  # noqa: E402


def write_folder(folder: Path, count: int) -> None:
    """Write ``count`` items in the export format."""
    rng = random.Random(2026)
    for n in range(count):
        doc = document(rng, n)
        meta = {k: v for k, v in doc.items() if k not in ("fields", "body")}
        meta.update(doc["fields"])
        kind_dir = folder / doc["kind"]
        kind_dir.mkdir(parents=True, exist_ok=True)
        (kind_dir / f"{doc['slug']}.md").write_text(
            frontmatter.dumps(frontmatter.Post(doc["body"], **meta)) + "\n"
        )


def main() -> None:
    """Generate, import, and report the time and peak memory."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    wisdom = str(Path(sys.executable).parent / "wisdom")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "WISDOM_INSTANCE_PATH": str(tmp / "instance")}
        env.pop("WISDOM_DATABASE_URL", None)
        write_folder(tmp / "library", args.items)
        subprocess.run([wisdom, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(
            [wisdom, "library", "import", str(tmp / "library")],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if done.returncode:
            sys.exit(done.stderr[-2000:])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(done.stdout.strip().splitlines()[-1])
        print(
            f"imported {args.items} items in {elapsed:.1f} s ({args.items / elapsed:.0f} items/s), peak memory {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
