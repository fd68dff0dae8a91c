#!/usr/bin/python3
"""The pipeline benchmark's tuning job through Optuna driving PyTorch.

    /usr/bin/python3 bench/peers/pipeline_optuna.py ROWS TRIALS SEED [JOBS [DATA_DIR]]

The same job as bench_pipeline_htune e2e: TPE (Optuna's defaults) with the Hyperband pruner over
lr (log 1e-4..1e-1), hidden (32..256 step 32), dropout (0..0.5), optimizer (SGD with momentum 0.9,
Adam) and activation (ReLU, tanh); 784-hidden-10 with dropout, softmax cross-entropy, 8 epochs at
batch 64 on 80% of the first ROWS Fashion-MNIST training images, validation accuracy reported after
every epoch (the pruner's input); then the best config refit on all ROWS and scored on the 10000
test images. Pixels are scaled to [0, 1] as htune's IDX loader does. Threads: torch.set_num_threads
from OMP_NUM_THREADS (default 1); JOBS (default 1) is study.optimize's n_jobs (trials in threads).
The training loop is the fastest plain-PyTorch loop measured in bench/peers/mlp_pytorch.py (one
gather per epoch, contiguous slices per batch). Prints one JSON line.
"""

import json
import os
import sys
import time

import numpy as np
import optuna
import torch
from torch import nn

from mlp_pytorch import read_idx_gz  # the IDX reader of the mlp peer, beside this file

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
EPOCHS = 8
BATCH = 64


def load(data_dir, prefix):
    pixels, (n, rows, cols) = read_idx_gz(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 4)
    labels, _ = read_idx_gz(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 2)
    x = torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / np.float32(255.0))
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


def build(params):
    act = nn.ReLU() if params["activation"] == "relu" else nn.Tanh()
    return nn.Sequential(nn.Linear(784, params["hidden"]), act, nn.Dropout(params["dropout"]),
                         nn.Linear(params["hidden"], 10))


def make_optimizer(params, model):
    if params["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=params["lr"])


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = (model(x).argmax(dim=1) == y).sum().item()
    model.train()
    return correct / len(y)


def train(params, x, y, seed, on_epoch=None):
    torch.manual_seed(seed)
    model = build(params)
    opt = make_optimizer(params, model)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    n = len(y)
    for epoch in range(EPOCHS):
        perm = torch.randperm(n, generator=g)
        xs, ys = x[perm], y[perm]
        for i in range(0, n, BATCH):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[i:i + BATCH]), ys[i:i + BATCH])
            if not torch.isfinite(loss):
                raise RuntimeError("training diverged")
            loss.backward()
            opt.step()
        if on_epoch is not None:
            on_epoch(epoch, model)
    return model


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    data_dir = sys.argv[5] if len(sys.argv) > 5 else DEFAULT_DATA
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    # BENCH_FLUSH_DENORMALS=1: flush subnormals to zero, as htune's trainer does by default. The
    # mode is per thread, so each trial sets it on the thread that runs it (n_jobs > 1 runs trials
    # on a thread pool).
    flush = os.environ.get("BENCH_FLUSH_DENORMALS", "0") == "1"
    torch.set_flush_denormal(flush)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    x_all, y_all = load(data_dir, "train")
    x_test, y_test = load(data_dir, "t10k")
    x, y = x_all[:rows].contiguous(), y_all[:rows].contiguous()
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(rows))
    k = round(rows * 0.2)
    x_val, y_val = x[perm[:k]], y[perm[:k]]
    x_tr, y_tr = x[perm[k:]], y[perm[k:]]

    def objective(trial):
        torch.set_flush_denormal(flush)
        params = {
            "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
            "hidden": trial.suggest_int("hidden", 32, 256, step=32),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "optimizer": trial.suggest_categorical("optimizer", ["sgd", "adam"]),
            "activation": trial.suggest_categorical("activation", ["relu", "tanh"]),
        }
        last = {"acc": 0.0}

        def on_epoch(epoch, model):
            last["acc"] = accuracy(model, x_val, y_val)
            trial.report(last["acc"], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        train(params, x_tr, y_tr, seed * 1000 + trial.number, on_epoch)
        return last["acc"]

    start = time.perf_counter()
    # A fixed study name: Optuna's Hyperband puts a trial in a bracket by a hash of the study name
    # and the trial number, so an unnamed study (a random name) prunes differently on every run.
    study = optuna.create_study(study_name="pipeline", direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.HyperbandPruner())
    study.optimize(objective, n_trials=trials, n_jobs=jobs, catch=(RuntimeError,))
    best = study.best_trial
    model = train(best.params, x, y, seed)
    test = accuracy(model, x_test, y_test)
    seconds = time.perf_counter() - start
    states = [t.state for t in study.trials]
    print(json.dumps({
        "impl": "optuna_pytorch", "mode": "e2e", "rows": rows, "trials": len(study.trials), "seed": seed,
        "seconds": seconds, "best_validation": best.value, "test": test,
        "complete": states.count(optuna.trial.TrialState.COMPLETE),
        "pruned": states.count(optuna.trial.TrialState.PRUNED),
        "epochs": sum(len(t.intermediate_values) for t in study.trials), "jobs": jobs,
        "best_config": best.params, "torch_threads": torch.get_num_threads(), "flush_denormals": flush,
        "setting_threads": int(os.environ.get("BENCH_SETTING_THREADS", "0") or 0),
        "versions": {"optuna": optuna.__version__, "torch": torch.__version__},
    }))


if __name__ == "__main__":
    main()
