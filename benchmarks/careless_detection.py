"""Precision and recall of the default careless-responding rules on simulated data with known careless kinds.

Run: .venv/bin/python benchmarks/careless_detection.py [--n 2000] [--share 0.10] [--seed 1]
The rules are those of `stickiness clean` and the study config's defaults (attention check, speeders,
duplicate answer vectors, more than half the items missing) plus a longstring limit of 12.
"""

from __future__ import annotations

import argparse

import stickiness_research as sr

RULES = {"attention": True, "speeder": True, "duplicate": True, "missing_share": 0.5, "longstring": 12}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--share", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.simulate_responses(q, n=args.n, seed=args.seed, careless=args.share)
    flags = sr.quality_flags(data, q)
    kept, audit = sr.apply_exclusions(data, flags, RULES)
    excluded = ~data.index.isin(kept.index)
    careless = data["careless_type"] != ""
    tp = int((excluded & careless).sum())
    print(f"n = {args.n}, careless share = {args.share}, seed = {args.seed}, rules = {RULES}")
    print(f"excluded {int(excluded.sum())}: precision {tp / max(1, excluded.sum()):.3f}, "
          f"recall {tp / max(1, careless.sum()):.3f}, false-positive rate {(excluded & ~careless).mean() / (~careless).mean():.3f}")
    for kind in ("straightliner", "random", "alternating", "speeder"):
        mask = data["careless_type"] == kind
        print(f"  recall {kind:<13} {excluded[mask].mean():.3f}  (n = {int(mask.sum())})")
    print("exclusions by rule:", audit.groupby("rule")["respondent_id"].nunique().to_dict())


if __name__ == "__main__":
    main()
