#!/usr/bin/env python3
"""Summarises the parallel benchmark from the runners' JSON lines (bench/parallel/run.sh):
a scaling table, a journal-cost table, and as its last line one JSON object:

{"bench":"parallel","speedup_2":..,"speedup_2_vs_blas1":..,"optuna_speedup_2":..,
 "htune_over_optuna_2":..,"journal_ms_per_trial":..,"journal_nosync_ms_per_trial":..,
 "optuna_journal_ms_per_trial":..,"trials_per_s":{runner:{jobs:rate}}}

speedup_2 is htune's trials/s with 2 jobs over 1 job with the BLAS library's default threads (what
a user running one job gets); speedup_2_vs_blas1 the same over 1 job with 1 BLAS thread;
optuna_speedup_2 Optuna's n_jobs=2 over n_jobs=1; htune_over_optuna_2 htune's trials/s with 2 jobs
over Optuna's. The journal figures are the journal's cost per trial: ms per trial on the journal
minus ms per trial in memory, for each library.
"""

import json
import sys


def main():
    rows = []
    for name in sys.argv[1:] or ["-"]:
        f = sys.stdin if name == "-" else open(name)
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if "runner" in o:
                    rows.append(o)
    scale = [r for r in rows if "jobs" in r]
    storage = [r for r in rows if "storage" in r]

    print("scaling: trials of an MLP-shaped GEMM workload")
    print(f"{'runner':<8} {'jobs':>4} {'BLAS thr':>8} {'trials':>6} {'seconds':>8} {'trials/s':>9} {'ms/trial':>9}")
    for r in scale:
        blas = str(r.get("blas_threads", "env"))
        print(f"{r['runner']:<8} {r['jobs']:>4} {blas:>8} {r['trials']:>6} {r['seconds']:>8.2f} "
              f"{r['trials_per_s']:>9.2f} {r['trial_ms']:>9.1f}")

    def rate(runner, jobs, blas=None):
        for r in scale:
            if r["runner"] == runner and r["jobs"] == jobs and (blas is None or r.get("blas_threads") == blas):
                return r["trials_per_s"]
        return None

    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    h1 = [r for r in scale if r["runner"] == "htune" and r["jobs"] == 1]
    h1_default = h1[0]["trials_per_s"] if h1 else None           # first: the library's own threads
    h1_blas1 = rate("htune", 1, 1)
    h2 = rate("htune", 2)
    o1, o2 = rate("optuna", 1), rate("optuna", 2)

    print()
    print("storage: ms per trial (10 intermediate values each)")
    cost = {}
    for r in storage:
        cost[(r["runner"], r["storage"])] = r["ms_per_trial"]
        print(f"{r['runner']:<8} {r['storage']:<15} {r['ms_per_trial']:>9.3f}")

    def journal(runner, kind):
        a, b = cost.get((runner, kind)), cost.get((runner, "memory"))
        return round(a - b, 4) if a is not None and b is not None else None

    result = {
        "bench": "parallel",
        "speedup_2": ratio(h2, h1_default),
        "speedup_2_vs_blas1": ratio(h2, h1_blas1),
        "optuna_speedup_2": ratio(o2, o1),
        "htune_over_optuna_2": ratio(h2, o2),
        "journal_ms_per_trial": journal("htune", "journal"),
        "journal_nosync_ms_per_trial": journal("htune", "journal_nosync"),
        "optuna_journal_ms_per_trial": journal("optuna", "journal"),
        "trials_per_s": {},
    }
    for r in scale:
        key = str(r["jobs"]) + ("" if r["runner"] != "htune" or r["jobs"] != 1 else f"/blas{r.get('blas_threads')}")
        result["trials_per_s"].setdefault(r["runner"], {})[key] = round(r["trials_per_s"], 3)
    print()
    print(f"htune 2 jobs / 1 job: {result['speedup_2']}  (vs 1 job with 1 BLAS thread: "
          f"{result['speedup_2_vs_blas1']}); Optuna n_jobs=2 / 1: {result['optuna_speedup_2']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
