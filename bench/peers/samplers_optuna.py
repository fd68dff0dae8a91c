#!/usr/bin/python3
"""The samplers benchmark's Optuna peer: TPE, random search and CMA-ES on the test problems of
include/htune/problems (Branin, Hartmann6, Rosenbrock d=5, shifted Ackley d=10).

    /usr/bin/python3 bench/peers/samplers_optuna.py --mode regret [--samplers tpe,random,cmaes]
        [--functions branin,hartmann6,rosenbrock5,ackley10] [--seeds 20] [--seed-base 0]
        [--trials 200] [--checkpoints 50,100,200] [--jobs 1]
    /usr/bin/python3 bench/peers/samplers_optuna.py --mode cost [--sizes 100,1000,5000] [--repeats K]
    /usr/bin/python3 bench/peers/samplers_optuna.py --mode check

Run it with Debian's /usr/bin/python3 (optuna 3.1, cmaes, numpy). Every line printed is one JSON
object (bench/samplers/report.py reads them):

regret  one line per (sampler, function, seed): optuna's TPESampler(seed=s), RandomSampler(seed=s)
        or CmaEsSampler(seed=s), all with default settings, run by study.optimize for --trials
        trials, each trial calling trial.suggest_float over the function's box:
          {"runner":"optuna_tpe","function":"branin","seed":3,"best":{"50":v,"100":v,"200":v},
           "seconds":t}
        best[N] is the lowest value among the first N trials, seconds the wall time of the study.
        --jobs J runs the (sampler, function, seed) tasks in J processes; results do not depend
        on J (each task has its own seeded sampler), lines come in task order.
cost    TPESampler's cost per trial at a given history size: for each N in --sizes a study gets N
        completed trials at uniform random points of rosenbrock5 through study.add_trials (not by
        running a sampler N times), then --repeats rounds of ask (5 float distributions), evaluate,
        tell are timed one by one; the median is reported (the first ask after add_trials may pay
        one-off costs). The trials told during the timing stay in the study, so round k sees N + k
        trials. Default repeats: 10 for N <= 1000, 3 above.
          {"runner":"optuna_tpe","cost_trials":1000,"ms_per_trial":x,"repeats":10,"ms_min":y}
check   each function's value at fixed points (centre, both corners, the optimum and three points
        u_kj = ((3k + 7j + 1) mod 11) / 11 of the unit box), for comparing with the C++ headers
        (bench_samplers_dlib --check prints the same points):
          {"runner":"optuna","check":"branin","x":[...],"value":v}

The functions are written with the math module in the same operation order as the C++ headers, so
both sides agree to the last bit or nearly (glibc's libm on both sides; the C++ compiler may fuse
multiply-adds).
"""

import argparse
import json
import logging
import math
import multiprocessing
import signal
import statistics
import sys
import time
import warnings

# --- the test problems (include/htune/problems/*.hpp) -----------------------------------------

PI = math.pi


def branin(x):
    b = 5.1 / (4.0 * PI * PI)
    c = 5.0 / PI
    r = 6.0
    s = 10.0
    t = 1.0 / (8.0 * PI)
    u = x[1] - b * x[0] * x[0] + c * x[0] - r
    return u * u + s * (1.0 - t) * math.cos(x[0]) + s


H6_ALPHA = (1.0, 1.2, 3.0, 3.2)
H6_A = ((10.0, 3.0, 17.0, 3.5, 1.7, 8.0),
        (0.05, 10.0, 17.0, 0.1, 8.0, 14.0),
        (3.0, 3.5, 1.7, 10.0, 17.0, 8.0),
        (17.0, 8.0, 0.05, 10.0, 0.1, 14.0))
H6_P = ((0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886),
        (0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991),
        (0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650),
        (0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381))


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            d = x[j] - H6_P[i][j]
            inner += H6_A[i][j] * d * d
        total += H6_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        valley = x[i + 1] - x[i] * x[i]
        offset = 1.0 - x[i]
        total += 100.0 * valley * valley + offset * offset
    return total


def ackley_shift(i):
    # include/htune/problems/ackley.hpp: s_i = e + pi (1 + (7 i) mod 5) / 2
    return math.e + PI * float(1 + (7 * i) % 5) / 2.0


def ackley(x):
    a, b, c = 20.0, 0.2, 2.0 * PI
    sum_squares = 0.0
    sum_cos = 0.0
    for i, xi in enumerate(x):
        z = xi - ackley_shift(i)
        sum_squares += z * z
        sum_cos += math.cos(c * z)
    d = float(len(x))
    return -a * math.exp(-b * math.sqrt(sum_squares / d)) - math.exp(sum_cos / d) + a + math.e


# name -> (function, lower bounds, upper bounds, optimum value, optimum point)
FUNCTIONS = {
    "branin": (branin, [-5.0, 0.0], [10.0, 15.0], 5.0 / (4.0 * PI), [-PI, 12.275]),
    "hartmann6": (hartmann6, [0.0] * 6, [1.0] * 6, -3.32236801141551,
                  [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]),
    "rosenbrock5": (rosenbrock, [-5.0] * 5, [10.0] * 5, 0.0, [1.0] * 5),
    "ackley10": (ackley, [-32.768] * 10, [32.768] * 10, 0.0, [ackley_shift(i) for i in range(10)]),
}


def check_points(name):
    """Fixed points for --mode check; bench/peers/samplers_dlib.cpp builds the same ones."""
    _, lo, hi, _, opt = FUNCTIONS[name]
    d = len(lo)
    points = [[lo[j] + 0.5 * (hi[j] - lo[j]) for j in range(d)], list(lo), list(hi), list(opt)]
    for k in range(3):
        points.append([lo[j] + ((3 * k + 7 * j + 1) % 11) / 11.0 * (hi[j] - lo[j]) for j in range(d)])
    return points


# --- optuna ------------------------------------------------------------------------------------

def import_optuna():
    warnings.filterwarnings("ignore")
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    optuna.logging.disable_default_handler()
    logging.getLogger("optuna").setLevel(logging.ERROR)
    return optuna


def make_sampler(optuna, kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    raise SystemExit(f"samplers_optuna.py: unknown sampler '{kind}' (tpe, random, cmaes)")


def run_regret_task(task):
    kind, name, seed, trials, checkpoints = task
    optuna = import_optuna()
    f, lo, hi, _, _ = FUNCTIONS[name]
    d = len(lo)

    def objective(trial):
        return f([trial.suggest_float(f"x{j}", lo[j], hi[j]) for j in range(d)])

    start = time.perf_counter()
    study = optuna.create_study(direction="minimize", sampler=make_sampler(optuna, kind, seed))
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - start
    values = [t.value for t in sorted(study.trials, key=lambda t: t.number)]
    best = {}
    running = math.inf
    for i, v in enumerate(values, start=1):
        running = min(running, v)
        if i in checkpoints:
            best[str(i)] = running
    return {"runner": f"optuna_{kind}", "function": name, "seed": seed, "best": best,
            "seconds": round(seconds, 4)}


def mode_regret(args):
    samplers = split_list(args.samplers)
    functions = split_list(args.functions)
    for name in functions:
        if name not in FUNCTIONS:
            raise SystemExit(f"samplers_optuna.py: unknown function '{name}' ({', '.join(FUNCTIONS)})")
    checkpoints = sorted({int(c) for c in split_list(args.checkpoints) if int(c) <= args.trials}
                         | {args.trials})
    tasks = [(kind, name, args.seed_base + s, args.trials, checkpoints)
             for name in functions for kind in samplers for s in range(args.seeds)]
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for line in pool.imap(run_regret_task, tasks):
                emit(line)
    else:
        for task in tasks:
            emit(run_regret_task(task))


def mode_cost(args):
    optuna = import_optuna()
    import numpy as np
    name = "rosenbrock5"
    f, lo, hi, _, _ = FUNCTIONS[name]
    d = len(lo)
    dists = {f"x{j}": optuna.distributions.FloatDistribution(lo[j], hi[j]) for j in range(d)}
    for n in [int(s) for s in split_list(args.sizes)]:
        repeats = args.repeats if args.repeats else (10 if n <= 1000 else 3)
        rng = np.random.default_rng(n)
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
        history = []
        for _ in range(n):
            params = {f"x{j}": float(rng.uniform(lo[j], hi[j])) for j in range(d)}
            history.append(optuna.trial.create_trial(
                params=params, distributions=dists, value=f([params[f"x{j}"] for j in range(d)])))
        study.add_trials(history)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            trial = study.ask(dists)
            x = [trial.params[f"x{j}"] for j in range(d)]
            study.tell(trial, f(x))
            times.append((time.perf_counter() - start) * 1e3)
        emit({"runner": "optuna_tpe", "cost_trials": n, "ms_per_trial": round(statistics.median(times), 4),
              "repeats": repeats, "ms_min": round(min(times), 4), "problem": name})


def mode_check(_args):
    for name, (f, _, _, _, _) in FUNCTIONS.items():
        for x in check_points(name):
            emit({"runner": "optuna", "check": name, "x": x, "value": f(x)})


def split_list(text):
    return [s.strip() for s in text.split(",") if s.strip()]


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the run quietly
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["regret", "cost", "check"], required=True)
    p.add_argument("--samplers", default="tpe,random,cmaes")
    p.add_argument("--functions", default=",".join(FUNCTIONS))
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--seed-base", type=int, default=0)
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--checkpoints", default="50,100,200")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--sizes", default="100,1000,5000")
    p.add_argument("--repeats", type=int, default=0, help="cost mode: 0 = 10 for N <= 1000, 3 above")
    args = p.parse_args()
    {"regret": mode_regret, "cost": mode_cost, "check": mode_check}[args.mode](args)


if __name__ == "__main__":
    main()
