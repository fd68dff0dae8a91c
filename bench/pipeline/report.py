#!/usr/bin/python3
"""Reads the pipeline family's JSON lines; prints the tables, then one JSON object."""

import json
import sys


def seeds_summary(rows, seed_rows, how):
    """Two trials at once, one thread each, over every seed run: for each side the variant with the
    least total time over the seeds all its variants ran, then per seed and in total."""
    runs = [r for r in rows + seed_rows
            if r.get("mode") == "e2e" and r.get("jobs") == 2 and r.get("seed") is not None
            and (r.get("setting_threads") or 1) == 1]
    if not runs:
        return None
    variant = lambda r: how(r)
    chosen = {}
    for impl in ("htune", "optuna_pytorch"):
        by_variant = {}
        for r in runs:
            if r["impl"] == impl:
                by_variant.setdefault(variant(r), {})[r["seed"]] = r
        if not by_variant:
            return None
        common = set.intersection(*(set(v) for v in by_variant.values()))
        best = min(by_variant.items(), key=lambda kv: sum(kv[1][s]["seconds"] for s in common))
        chosen[impl] = (best[0], best[1])
    seeds = sorted(set(chosen["htune"][1]) & set(chosen["optuna_pytorch"][1]))
    if not seeds:
        return None
    h = [chosen["htune"][1][s] for s in seeds]
    o = [chosen["optuna_pytorch"][1][s] for s in seeds]
    print(f"over seeds {', '.join(map(str, seeds))}, two trials at once, one thread each "
          f"(htune: {chosen['htune'][0]}; Optuna + PyTorch: {chosen['optuna_pytorch'][0]}; each side's variant "
          f"with the least total time)")
    print(f"{'seed':>5}{'htune s':>9}{'Optuna s':>10}{'speedup':>9}{'val htune':>11}{'val Optuna':>11}"
          f"{'test htune':>11}{'test Optuna':>12}")
    for s, a, b in zip(seeds, h, o):
        print(f"{s:>5}{a['seconds']:>9.1f}{b['seconds']:>10.1f}{b['seconds'] / a['seconds']:>8.2f}x"
              f"{100 * a['best_validation']:>10.2f}%{100 * b['best_validation']:>10.2f}%"
              f"{100 * a['test']:>10.2f}%{100 * b['test']:>11.2f}%")
    mean = lambda rs, k: sum(r[k] for r in rs) / len(rs)
    total_h, total_o = sum(r["seconds"] for r in h), sum(r["seconds"] for r in o)
    out = {"seeds": seeds, "htune_variant": chosen["htune"][0], "optuna_variant": chosen["optuna_pytorch"][0],
           "htune_s": round(total_h, 2), "optuna_s": round(total_o, 2), "speedup": round(total_o / total_h, 2),
           "htune_val_mean": round(mean(h, "best_validation"), 4), "optuna_val_mean": round(mean(o, "best_validation"), 4),
           "htune_test_mean": round(mean(h, "test"), 4), "optuna_test_mean": round(mean(o, "test"), 4)}
    print(f"{'all':>5}{total_h:>9.1f}{total_o:>10.1f}{out['speedup']:>8.2f}x{100 * out['htune_val_mean']:>10.2f}%"
          f"{100 * out['optuna_val_mean']:>10.2f}%{100 * out['htune_test_mean']:>10.2f}%"
          f"{100 * out['optuna_test_mean']:>11.2f}%   (times summed, accuracies averaged)")
    return out


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
    seed_rows = ([json.loads(line) for line in open(sys.argv[2]) if line.startswith("{")]
                 if len(sys.argv) > 2 else [])
    by = lambda impl, mode: [r for r in rows if r.get("impl") == impl and r.get("mode") == mode]
    def setting(r):
        """(trials at once, threads per process) of the setting the run belonged to."""
        threads = r.get("setting_threads") or r.get("blas", r.get("torch_threads", 1))
        return (r.get("jobs", 1), threads)

    settings = []  # (jobs, threads) in the order run
    for r in rows:
        if r.get("mode") == "e2e" and setting(r) not in settings:
            settings.append(setting(r))

    def e2e(impl, key):
        # The fastest run of this implementation in this setting (Optuna + PyTorch with and without
        # flushing subnormals; htune with its threads on BLAS or on its own loops, split or not).
        runs = [r for r in by(impl, "e2e") if setting(r) == key]
        return min(runs, key=lambda r: r["seconds"]) if runs else None

    def how(r):
        if r["impl"] != "htune":
            return f"flush_denormals={r.get('flush_denormals', False)}"
        return (f"BLAS threads {r.get('blas')}, own threads {r.get('threads', 1)}"
                + (", split batches" if r.get("split_batch") else "")
                + (f", lag {r['lag']}" if r.get("lag") is not None else ""))

    for r in by("optuna_pytorch", "e2e") + by("htune", "e2e"):
        busy = ""
        if r["impl"] == "htune" and r.get("trial_seconds") and r.get("jobs", 1) > 1:
            busy = f" (trials ran {100 * r['trial_seconds'] / (r['jobs'] * r['seconds']):.0f}% of jobs x time)"
        print(f"{r['impl']:<15} {setting(r)[0]} job(s) x {setting(r)[1]} thread(s), {how(r)}: {r['seconds']:.1f} s{busy}")

    print(f"{'end to end':<18}{'jobs':>5}{'thr':>4}{'seconds':>9}{'best val':>10}{'test':>9}{'compl':>6}"
          f"{'pruned':>7}{'epochs':>7}{'s/epoch':>8}")
    per_setting = {}
    for key in settings:
        h, o = e2e("htune", key), e2e("optuna_pytorch", key)
        for name, r in (("htune", h), ("Optuna + PyTorch", o)):
            if r:
                per_epoch = r["seconds"] / r["epochs"] if r.get("epochs") else float("nan")
                print(f"{name:<18}{key[0]:>5}{key[1]:>4}{r['seconds']:>9.1f}{100 * r['best_validation']:>9.2f}%"
                      f"{100 * r['test']:>8.2f}%{r['complete']:>6}{r['pruned']:>7}{r.get('epochs', 0):>7}"
                      f"{per_epoch:>8.3f}")
        if h and o:
            per_setting[f"{key[0]}x{key[1]}"] = {
                "speedup": round(o["seconds"] / h["seconds"], 2),
                "speedup_per_epoch": round((o["seconds"] / o["epochs"]) / (h["seconds"] / h["epochs"]), 2)
                if h.get("epochs") and o.get("epochs") else None,
                "htune_best": h["best_validation"], "optuna_best": o["best_validation"],
                "htune_test": h["test"], "optuna_test": o["test"]}
            print(f"  speedup {per_setting[f'{key[0]}x{key[1]}']['speedup']:.2f}x, per epoch trained "
                  f"{per_setting[f'{key[0]}x{key[1]}']['speedup_per_epoch']}x")
    h = e2e("htune", (1, 1))
    o = e2e("optuna_pytorch", (1, 1))
    speedup = o["seconds"] / h["seconds"] if h and o else None
    hs = [r for r in by("htune", "e2e")]
    os_ = [r for r in by("optuna_pytorch", "e2e")]
    hb = min(hs, key=lambda r: r["seconds"]) if hs else None
    ob = min(os_, key=lambda r: r["seconds"]) if os_ else None
    speedup_best = ob["seconds"] / hb["seconds"] if hb and ob else None
    if speedup:
        print(f"speedup on one core each (Optuna + PyTorch time / htune time): {speedup:.2f}x")
    if speedup_best:
        print(f"speedup, each side in its fastest setting: {speedup_best:.2f}x (htune {hb['jobs']} job(s) "
              f"x {setting(hb)[1]} thread(s), {how(hb)}: {100 * hb['best_validation']:.2f}% val, "
              f"{100 * hb['test']:.2f}% test; "
              f"Optuna {ob['jobs']} x {setting(ob)[1]}: {100 * ob['best_validation']:.2f}% val, "
              f"{100 * ob['test']:.2f}% test)")
    print("goal: at least 3x faster at equal or better accuracy (within 0.5 points)")
    print()
    over_seeds = seeds_summary(rows, seed_rows, how)
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
        "speedup_best": speedup_best and round(speedup_best, 2),
        "best_htune_setting": hb and f"{hb['jobs']}x{setting(hb)[1]}, {how(hb)}",
        "best_htune_val": hb and hb["best_validation"], "best_htune_test": hb and hb["test"],
        "best_optuna_val": ob and ob["best_validation"], "best_optuna_test": ob and ob["test"],
        "settings": per_setting,
        "over_seeds": over_seeds,
        "htune_best": h and h["best_validation"], "optuna_best": o and o["best_validation"],
        "htune_test": h and h["test"], "optuna_test": o and o["test"],
        "callgrind_ratio": ratio and round(ratio, 4),
        "trial_time_ratio": trial and hand and round(trial / hand, 3),
        "switch_time_ratio": trial and switch and round(switch / trial, 3),
        "switch_callgrind_ratio": switch_cg and round(switch_cg, 4),
    }))


if __name__ == "__main__":
    main()
