#!/usr/bin/python3
"""Reads the pipeline family's JSON lines; prints the tables, then one JSON object."""

import json
import sys


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
    by = lambda impl, mode: [r for r in rows if r.get("impl") == impl and r.get("mode") == mode]
    h = (by("htune", "e2e") or [None])[0]
    o = (by("optuna_pytorch", "e2e") or [None])[0]
    print(f"{'end to end':<22}{'seconds':>10}{'best val':>10}{'test':>10}{'complete':>10}{'pruned':>8}")
    for name, r in (("htune", h), ("Optuna + PyTorch", o)):
        if r:
            print(f"{name:<22}{r['seconds']:>10.1f}{100 * r['best_validation']:>9.2f}%{100 * r['test']:>9.2f}%"
                  f"{r['complete']:>10}{r['pruned']:>8}")
    speedup = o["seconds"] / h["seconds"] if h and o else None
    if speedup:
        print(f"speedup (Optuna + PyTorch time / htune time): {speedup:.2f}x  (goal: at least 3x at equal or better "
              f"accuracy, within 0.5 points)")
    print()
    trial = min((r["seconds"] for r in by("htune", "trial")), default=None)
    hand = min((r["seconds"] for r in by("hand", "hand")), default=None)
    if trial and hand:
        print(f"one trial, best of 3: tuner {trial:.3f} s, hand-written {hand:.3f} s, ratio {trial / hand:.3f}")
    switch = min((r["seconds"] for r in by("htune", "switch")), default=None)
    if trial and switch:
        print(f"one trial, best of 3: per-component dispatch (hp_switch) {switch:.3f} s, per-trial {trial:.3f} s, "
              f"ratio {switch / trial:.3f}")
    cg = {r["mode"]: r["instructions"] for r in rows if r.get("impl") == "callgrind"}
    ratio = cg["trial"] / cg["hand"] if "trial" in cg and "hand" in cg else None
    if ratio:
        print(f"callgrind instructions: tuner {cg['trial']:,}, hand-written {cg['hand']:,}, ratio {ratio:.4f} "
              f"(goal: at most 1.03)")
    switch_cg = cg["switch"] / cg["trial"] if "switch" in cg and "trial" in cg else None
    if switch_cg:
        print(f"callgrind instructions: hp_switch {cg['switch']:,} against per-trial dispatch, ratio {switch_cg:.4f}")
    print()
    print(json.dumps({
        "bench": "pipeline",
        "htune_s": h and round(h["seconds"], 2), "optuna_s": o and round(o["seconds"], 2),
        "speedup": speedup and round(speedup, 2),
        "htune_best": h and h["best_validation"], "optuna_best": o and o["best_validation"],
        "htune_test": h and h["test"], "optuna_test": o and o["test"],
        "callgrind_ratio": ratio and round(ratio, 4),
        "trial_time_ratio": trial and hand and round(trial / hand, 3),
        "switch_time_ratio": trial and switch and round(switch / trial, 3),
        "switch_callgrind_ratio": switch_cg and round(switch_cg, 4),
    }))


if __name__ == "__main__":
    main()
