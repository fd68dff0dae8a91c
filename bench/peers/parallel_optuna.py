#!/usr/bin/python3
"""The parallel benchmark's Optuna peer (Debian's python3-optuna 3.1 with numpy).

    /usr/bin/python3 bench/peers/parallel_optuna.py --mode scale [--trials 24] [--steps 150] [--jobs 1,2]
        The same MLP-shaped GEMM workload as bench/parallel/bench_parallel.cpp (batch 64:
        784 -> 128 -> 10, forward and backward, float32 numpy matmuls, `steps` steps), run by
        study.optimize(n_jobs=N) with TPESampler(seed=1, constant_liar=True). Optuna runs n_jobs
        in threads; numpy releases the GIL inside its BLAS calls. The BLAS thread count is left
        as the environment sets it, as an Optuna user gets it.
          {"runner":"optuna","jobs":N,"trials":T,"seconds":s,"trials_per_s":r,"trial_ms":m}
    /usr/bin/python3 bench/peers/parallel_optuna.py --mode journal [--trials 500] [--reports 10] [--dir D]
        Cost of JournalStorage per trial: trials that report `reports` intermediate values and
        return at once, with RandomSampler, in memory and on a JournalFileStorage (Optuna's
        journal always fsyncs: there is no option to skip it).
          {"runner":"optuna","storage":"memory|journal","trials":T,"ms_per_trial":x}
"""

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import optuna
from optuna.storages import JournalFileStorage, JournalStorage


def mlp_shaped_work(steps, lr):
    b, n_in, hidden, n_out = 64, 784, 128, 10
    i = np.arange(b * n_in, dtype=np.int64)
    x = (((i * 7919) % 255) / 255.0).astype(np.float32).reshape(b, n_in)
    i = np.arange(n_in * hidden, dtype=np.int64)
    w1 = ((((i * 104729) % 2001)) / 1000.0 - 1.0).astype(np.float32).reshape(n_in, hidden)
    i = np.arange(hidden * n_out, dtype=np.int64)
    w2 = ((((i * 15485863) % 2001)) / 1000.0 - 1.0).astype(np.float32).reshape(hidden, n_out)
    step = np.float32(lr * 1e-3)
    y = None
    for _ in range(steps):
        h = x @ w1
        np.maximum(h, 0, out=h)
        y = h @ w2
        dy = y * np.float32(1e-3)
        dw2 = h.T @ dy
        dh = dy @ w2.T
        dw1 = x.T @ dh
        w1 -= step * dw1
        w2 -= step * dw2
    return float(y.sum())


def scale(trials, steps, jobs_list):
    mlp_shaped_work(steps // 4 + 1, 0.01)
    for jobs in jobs_list:
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1, constant_liar=True))

        def objective(t):
            lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
            t.suggest_float("momentum", 0.0, 0.99)
            t.suggest_int("width", 64, 256, step=64)
            return mlp_shaped_work(steps, lr)

        start = time.perf_counter()
        study.optimize(objective, n_trials=trials, n_jobs=jobs)
        seconds = time.perf_counter() - start
        durations = [(t.datetime_complete - t.datetime_start).total_seconds() for t in study.trials]
        print(json.dumps({"runner": "optuna", "jobs": jobs, "trials": trials, "seconds": seconds,
                          "trials_per_s": trials / seconds,
                          "trial_ms": 1e3 * sum(durations) / len(durations)}), flush=True)


def journal_cost(trials, reports, directory):
    def objective(t):
        lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
        t.suggest_float("momentum", 0.0, 0.99)
        t.suggest_int("width", 64, 256, step=64)
        for i in range(reports):
            t.report(1.0 / (i + 1), i)
        return lr

    def timed(storage):
        study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=1))
        start = time.perf_counter()
        study.optimize(objective, n_trials=trials)
        return time.perf_counter() - start

    emit = lambda storage, s: print(json.dumps({"runner": "optuna", "storage": storage, "trials": trials,
                                                "ms_per_trial": 1e3 * s / trials}), flush=True)
    emit("memory", timed(None))
    path = os.path.join(directory, "optuna-journal.log")
    if os.path.exists(path):
        os.remove(path)
    emit("journal", timed(JournalStorage(JournalFileStorage(path))))
    os.remove(path)
    for extra in (path + ".lock",):
        if os.path.exists(extra):
            os.remove(extra)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="scale")
    p.add_argument("--trials", type=int, default=0)
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--jobs", default="1,2")
    p.add_argument("--reports", type=int, default=10)
    p.add_argument("--dir", default=tempfile.gettempdir())
    a = p.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    if a.mode == "scale":
        scale(a.trials or 24, a.steps, [int(j) for j in a.jobs.split(",")])
    elif a.mode == "journal":
        journal_cost(a.trials or 500, a.reports, a.dir)
    else:
        sys.exit("unknown mode " + a.mode)


if __name__ == "__main__":
    main()
