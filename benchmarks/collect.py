"""Put the tables the benchmarks wrote into README.md, between ``<!-- bench -->`` and ``<!-- /bench -->``.

``make bench`` runs every benchmark and then this script, so the README quotes exactly what the last
run printed (tests/test_readme.py checks that the block equals the files). Run alone:
``.venv/bin/python benchmarks/collect.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
SECTIONS = (  # (file, heading); a missing file (benchmark not run) is left out
    ("results.md", "Model fitting beside lavaan (`benchmarks/sem_vs_lavaan.py`)"),
    ("pls_results.md", "PLS-SEM beside the seminr Python port (`benchmarks/pls.py`)"),
    ("screening_results.md", "Reading, screening and scoring respondents (`benchmarks/screening.py`)"),
    ("report_results.md", "The worked study report (`benchmarks/report.py`)"),
    ("behaviour_results.md", "Event logs to behavioural stickiness (`benchmarks/behaviour.py`)"),
    ("power_results.md", "Monte Carlo power (`benchmarks/power.py`)"),
)
BLOCK = re.compile(r"<!-- bench -->\n.*?<!-- /bench -->", re.S)


def block() -> str:
    """The README block from the benchmark result files."""
    parts = []
    for name, heading in SECTIONS:
        path = HERE / name
        if path.exists():
            parts.append(f"**{heading}**\n\n{path.read_text(encoding='utf-8').strip()}\n")
    return "<!-- bench -->\n" + "\n".join(parts) + "<!-- /bench -->"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        print("README.md has no <!-- bench --> block", file=sys.stderr)
        return 1
    new = BLOCK.sub(lambda _: block(), text)
    if new != text:
        tmp = README.with_suffix(".md.tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(README)  # atomic: the README is never half written
    print("README.md benchmark tables " + ("updated." if new != text else "already up to date."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
