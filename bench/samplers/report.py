#!/usr/bin/env python3
"""Summarises the samplers benchmark: reads the JSON lines of every runner (htune's, optuna's,
dlib's) and prints a regret table, a cost table, a check of the function values, and as its last
line one JSON object.

    bench/samplers/report.py [FILE ...]        (no FILE, or "-": standard input)

Input lines (anything that is not a JSON object with "runner" is skipped, so logs can be mixed in):
  regret  {"runner":R,"function":F,"seed":s,"best":{"50":v,...},"seconds":t}
          with "set":"more_seeds": a run of the TPE comparison over more seeds (bench/samplers/run.sh
          --tpe-seeds), kept out of the main tables and of "regret"
  cost    {"runner":R,"cost_trials":N,"ms_per_trial":x,...}
  check   {"runner":R,"check":F,"x":[...],"value":v}

Regret is the simple regret best - optimum (optima: branin 5/(4 pi), hartmann6 -3.32236801141551,
rosenbrock5 0, ackley10 0), clamped at 0 (the listed Hartmann6 minimum is 5e-15 above the true one).
For each function and N, each runner gets the median and the interquartile range (q75 - q25,
linear interpolation as numpy's default) over its seeds. A runner that printed the same
(function, seed) twice keeps the last line. Check lines of different runners are matched by
function and order and their largest relative difference is shown.

Last line: {"bench":"samplers","tpe_ms_1000":..,"optuna_tpe_ms_1000":..,"gp_ms_200":..,
"regret":{F:{N:{R:median}}},"regret_iqr":{F:{N:{R:iqr}}},"regret_q25":..,"regret_q75":..,
"seeds":{F:{R:count}},"seconds":{F:{R:median wall seconds per run}},"cost":{R:{N:ms}},
"check_max_rel_diff":x}
tpe_ms_1000 is htune_tpe's ms_per_trial at 1000 trials, optuna_tpe_ms_1000 optuna_tpe's, gp_ms_200
htune_gp's at 200; null when absent.
With more_seeds lines, also "tpe_over_seeds":{"seeds":S,F:{N:{"htune_tpe":median,"optuna_tpe":median,
"p":p,"ci":[lo,hi],"blocks_won":k,"blocks":b}}}: htune_tpe against optuna_tpe over every seed both
have (the main run's and the more_seeds ones), and in how many blocks of 20 consecutive seeds
htune's median was at most Optuna's; goals.tpe_vs_optuna_tpe_over_seeds says whether every median was.
"""

import json
import random
import math
import sys
from collections import defaultdict

OPTIMA = {
    "branin": 5.0 / (4.0 * math.pi),  # 0.397887357729738, as problems::branin::optimum_value()
    "hartmann6": -3.32236801141551,
    "rosenbrock5": 0.0,
    "ackley10": 0.0,
}
FUNCTION_ORDER = ["branin", "hartmann6", "rosenbrock5", "ackley10"]
RUNNER_ORDER = ["htune_gp", "htune_tpe", "htune_tpe_optuna", "htune_cmaes", "htune_random", "htune_sobol",
                "optuna_tpe", "optuna_cmaes", "optuna_random", "dlib", "dlib_find_min_global"]


def ordered(names, order):
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def quantile(values, q):
    """Linear interpolation between order statistics (numpy's default)."""
    v = sorted(values)
    if not v:
        return math.nan
    pos = (len(v) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def read_lines(paths):
    streams = paths or ["-"]
    for path in streams:
        f = sys.stdin if path == "-" else open(path, encoding="utf-8")
        try:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict) and "runner" in obj:
                    yield obj
        finally:
            if f is not sys.stdin:
                f.close()


def fmt(x, width=10):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-".rjust(width)
    if x == 0:
        return "0".rjust(width)
    return f"{x:.3g}".rjust(width)


def main(argv):
    regret_runs = {}            # (function, runner, seed) -> line
    more_runs = {}              # the same, for the "more_seeds" lines
    cost = defaultdict(dict)    # runner -> trials -> ms
    checks = defaultdict(list)  # runner -> [(function, x, value)]
    duplicates = 0
    for obj in read_lines(argv[1:]):
        runner = obj["runner"]
        if "best" in obj and "function" in obj:
            key = (obj["function"], runner, obj.get("seed"))
            runs = more_runs if obj.get("set") == "more_seeds" else regret_runs
            duplicates += key in runs
            runs[key] = obj
        elif "cost_trials" in obj:
            cost[runner][int(obj["cost_trials"])] = float(obj["ms_per_trial"])
        elif "check" in obj:
            checks[runner].append((obj["check"], obj.get("x"), float(obj["value"])))
    if duplicates:
        print(f"report.py: {duplicates} repeated (runner, function, seed) lines; the last of each is used",
              file=sys.stderr)

    # regret[F][N][R] = [regrets over seeds]
    regret = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    seconds = defaultdict(lambda: defaultdict(list))
    unknown = set()
    for (function, runner, _seed), obj in regret_runs.items():
        if function not in OPTIMA:
            unknown.add(function)
            continue
        for n, v in obj["best"].items():
            if v is None:
                continue
            regret[function][int(n)][runner].append(max(0.0, float(v) - OPTIMA[function]))
        if "seconds" in obj:
            seconds[function][runner].append(float(obj["seconds"]))
    if unknown:
        print(f"report.py: unknown functions skipped: {', '.join(sorted(unknown))}", file=sys.stderr)

    summary = {"bench": "samplers"}
    medians, iqrs, q25s, q75s, seed_counts, median_seconds = {}, {}, {}, {}, {}, {}

    print("Simple regret (best - optimum) over seeds: median [q25, q75]")
    for function in ordered(regret, FUNCTION_ORDER):
        by_n = regret[function]
        runners = ordered({r for n in by_n for r in by_n[n]}, RUNNER_ORDER)
        counts = {r: max(len(by_n[n].get(r, [])) for n in by_n) for r in runners}
        seed_counts[function] = counts
        median_seconds[function] = {r: quantile(seconds[function][r], 0.5)
                                    for r in runners if seconds[function][r]}
        print(f"\n{function} (optimum {OPTIMA[function]!r})")
        header = f"  {'runner':<22}{'seeds':>6}"
        for n in sorted(by_n):
            header += f"  {('N=' + str(n)):>30}"
        header += f"{'s/run':>9}"
        print(header)
        for r in runners:
            row = f"  {r:<22}{counts[r]:>6}"
            for n in sorted(by_n):
                vals = by_n[n].get(r, [])
                if vals:
                    row += f"  {fmt(quantile(vals, 0.5))} [{fmt(quantile(vals, 0.25), 8)}, {fmt(quantile(vals, 0.75), 8)}]"
                else:
                    row += f"  {'-':>30}"
            s = median_seconds[function].get(r)
            row += f"{fmt(s, 9)}"
            print(row)
        medians[function], iqrs[function], q25s[function], q75s[function] = {}, {}, {}, {}
        for n in sorted(by_n):
            key = str(n)
            medians[function][key] = {r: quantile(v, 0.5) for r, v in ordered_items(by_n[n])}
            q25s[function][key] = {r: quantile(v, 0.25) for r, v in ordered_items(by_n[n])}
            q75s[function][key] = {r: quantile(v, 0.75) for r, v in ordered_items(by_n[n])}
            iqrs[function][key] = {r: quantile(v, 0.75) - quantile(v, 0.25) for r, v in ordered_items(by_n[n])}
    if not regret:
        print("  (no regret lines)")

    print("\nCost: ms per trial (ask + evaluate + tell) with N trials in the history")
    sizes = sorted({n for r in cost for n in cost[r]})
    if sizes:
        print(f"  {'runner':<22}" + "".join(f"{('N=' + str(n)):>12}" for n in sizes))
        for r in ordered(cost, RUNNER_ORDER):
            print(f"  {r:<22}" + "".join(fmt(cost[r].get(n), 12) for n in sizes))
    else:
        print("  (no cost lines)")

    worst = None
    if len(checks) >= 2:
        print("\nCheck: function values at the fixed points, largest relative difference to the first runner")
        runners = ordered(checks, RUNNER_ORDER)
        ref = checks[runners[0]]
        worst = 0.0
        for r in runners[1:]:
            other = checks[r]
            if len(other) != len(ref) or any(a[0] != b[0] for a, b in zip(ref, other)):
                print(f"  {r}: points differ from {runners[0]}'s ({len(other)} against {len(ref)})")
                worst = math.inf
                continue
            diff = max(abs(a[2] - b[2]) / max(abs(a[2]), 1e-300) if a[2] != b[2] else 0.0
                       for a, b in zip(ref, other))
            worst = max(worst, diff)
            print(f"  {r} vs {runners[0]}: {len(ref)} points, max relative difference {diff:.3g}")
        if worst > 1e-12:
            print("  WARNING: the runners do not evaluate the same functions")

    summary["tpe_ms_1000"] = cost.get("htune_tpe", {}).get(1000)
    summary["optuna_tpe_ms_1000"] = cost.get("optuna_tpe", {}).get(1000)
    summary["gp_ms_200"] = cost.get("htune_gp", {}).get(200)
    summary["regret"] = medians
    summary["regret_iqr"] = iqrs
    summary["regret_q25"] = q25s
    summary["regret_q75"] = q75s
    summary["seeds"] = seed_counts
    summary["seconds"] = median_seconds
    summary["cost"] = {r: {str(n): ms for n, ms in sorted(cost[r].items())} for r in ordered(cost, RUNNER_ORDER)}
    summary["check_max_rel_diff"] = worst if worst is None or math.isfinite(worst) else "mismatch"
    summary["goals"], summary["comparisons"] = goal_checks(regret, summary)
    if more_runs:
        summary["tpe_over_seeds"] = tpe_over_seeds(regret_runs, more_runs, summary["goals"])
    print()
    print(json.dumps(summary, separators=(",", ":")))


def mann_whitney_p(a, b):
    """Two-sided Mann-Whitney U p-value of two unpaired samples (None without scipy)."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        return None
    if not a or not b or (len(set(a)) == 1 and set(a) == set(b)):
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def bootstrap_median_difference(a, b, reps=2000, seed=7):
    """95% percentile-bootstrap interval of median(a) - median(b), each sample resampled alone."""
    rng = random.Random(seed)
    diffs = sorted(quantile([rng.choice(a) for _ in a], 0.5) - quantile([rng.choice(b) for _ in b], 0.5)
                   for _ in range(reps))
    return diffs[int(0.025 * reps)], diffs[int(0.975 * reps) - 1]


def goal_checks(regret, summary):
    """The issue's goals, each with the medians compared, a Mann-Whitney p-value and a bootstrap
    interval of the median difference, so that a win or a loss within noise reads as such."""
    comparisons = []  # (goal name, function, N, ours, peer)
    for function in ordered(regret, FUNCTION_ORDER):
        for n in (50, 100):
            for peer in ("optuna_tpe", "dlib"):
                comparisons.append(("gp_vs_" + peer, function, n, "htune_gp", peer))
        for n in (50, 100, 200):
            comparisons.append(("tpe_vs_optuna_tpe", function, n, "htune_tpe", "optuna_tpe"))
    results = {}
    met = defaultdict(lambda: True)
    print("\nGoals (median regret, lower is better; p: two-sided Mann-Whitney U over seeds; "
          "CI: 95% bootstrap interval of the median difference ours - peer)")
    for goal, function, n, ours, peer in comparisons:
        a = regret[function].get(n, {}).get(ours, [])
        b = regret[function].get(n, {}).get(peer, [])
        if not a or not b:
            continue
        ma, mb = quantile(a, 0.5), quantile(b, 0.5)
        ok = ma <= mb
        met[goal] &= ok
        p = mann_whitney_p(a, b)
        lo, hi = bootstrap_median_difference(a, b)
        verdict = "met" if ok else ("NOT met, within noise" if p is not None and p >= 0.05 else "NOT met")
        print(f"  {ours} vs {peer:<11} {function:<12} N={n:<4} {fmt(ma)} vs {fmt(mb)}  p={'-' if p is None else ('<0.001' if p < 0.001 else f'{p:.3f}')}"
              f"  CI [{lo:.3g}, {hi:.3g}]  {verdict}")
        results.setdefault(goal, {}).setdefault(function, {})[str(n)] = {
            "ours": ma, "peer": mb, "met": ok, "p": p, "ci": [lo, hi]}
    tpe = summary.get("tpe_ms_1000")
    optuna = summary.get("optuna_tpe_ms_1000")
    gp = summary.get("gp_ms_200")
    if tpe is not None and optuna is not None:
        met["tpe_cost"] = tpe <= optuna / 50 and tpe < 1.0
        print(f"  htune TPE ms per trial at 1000: {tpe:.3g} against Optuna's {optuna:.3g} "
              f"(goal: at most 1/50 and under 1 ms): {'met' if met['tpe_cost'] else 'NOT met'}")
    if gp is not None:
        met["gp_cost"] = gp < 50.0
        print(f"  htune GP ms per trial at 200: {gp:.3g} (goal: under 50 ms): {'met' if met['gp_cost'] else 'NOT met'}")
    return dict(met), results


def tpe_over_seeds(main_runs, more_runs, goals, ours="htune_tpe", peer="optuna_tpe", block=20):
    """htune_tpe against optuna_tpe over every seed both ran (main run and more_seeds lines)."""
    runs = {k: v for k, v in main_runs.items() if k[1] in (ours, peer)}
    runs.update(more_runs)
    by = defaultdict(dict)  # (function, runner) -> seed -> best dict
    for (function, runner, seed), obj in runs.items():
        if function in OPTIMA and runner in (ours, peer):
            by[(function, runner)][seed] = obj["best"]
    out, all_met, seed_count = {}, True, None
    print(f"\nTPE against Optuna's TPE over more seeds (median regret; blocks: {block} consecutive seeds "
          "where htune's median is at most Optuna's)")
    for function in ordered({f for f, _ in by}, FUNCTION_ORDER):
        a_runs, b_runs = by.get((function, ours), {}), by.get((function, peer), {})
        seeds = sorted(set(a_runs) & set(b_runs))
        if not seeds:
            continue
        seed_count = len(seeds) if seed_count is None else min(seed_count, len(seeds))
        blocks = [seeds[i:i + block] for i in range(0, len(seeds) - block + 1, block)]
        for n in sorted({int(n) for s in seeds for n in a_runs[s]}):
            key = str(n)
            def regret_of(runs_, s):
                return max(0.0, float(runs_[s][key]) - OPTIMA[function])

            both = [s for s in seeds if a_runs[s].get(key) is not None and b_runs[s].get(key) is not None]
            a = [regret_of(a_runs, s) for s in both]
            b = [regret_of(b_runs, s) for s in both]
            ma, mb = quantile(a, 0.5), quantile(b, 0.5)
            won = sum(quantile([regret_of(a_runs, s) for s in blk], 0.5)
                      <= quantile([regret_of(b_runs, s) for s in blk], 0.5) for blk in blocks)
            p = mann_whitney_p(a, b)
            lo, hi = bootstrap_median_difference(a, b)
            all_met &= ma <= mb
            p_text = '-' if p is None else ('<0.001' if p < 0.001 else f'{p:.3f}')
            print(f"  {function:<12} N={n:<4} seeds {len(a)}: {fmt(ma)} vs {fmt(mb)}  p={p_text}  "
                  f"CI [{lo:.3g}, {hi:.3g}]  blocks {won}/{len(blocks)}  {'met' if ma <= mb else 'NOT met'}")
            out.setdefault(function, {})[key] = {ours: ma, peer: mb, "p": p, "ci": [lo, hi],
                                                "blocks_won": won, "blocks": len(blocks)}
    out["seeds"] = seed_count
    goals["tpe_vs_optuna_tpe_over_seeds"] = all_met
    return out


def ordered_items(by_runner):
    return [(r, by_runner[r]) for r in ordered(by_runner, RUNNER_ORDER)]


if __name__ == "__main__":
    main(sys.argv)
