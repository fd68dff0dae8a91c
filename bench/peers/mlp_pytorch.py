#!/usr/bin/python3
"""The mlp benchmark's recipe through PyTorch: one epoch of 784-128-10 (ReLU), Adam lr 1e-3,
softmax cross-entropy, on the Fashion-MNIST training set with pixels scaled to [0,1].

    /usr/bin/python3 bench/peers/mlp_pytorch.py BATCH [DATA_DIR] [REPEATS] [--loop slice|index|dataloader]
                                                [--flush-denormals]

Run it with Debian's /usr/bin/python3 (python3-torch). Threads: torch.set_num_threads takes
OMP_NUM_THREADS (default 1); OpenBLAS reads OPENBLAS_NUM_THREADS itself when torch loads it.

The data is read from the IDX .gz files with gzip and numpy (no torchvision) into one float32
tensor. The timed region is the epoch: a seeded shuffle, then per batch forward, loss, backward and
the Adam step. Loops (--loop):
  slice       (default) gather the shuffled copy of X once per epoch, then batches are contiguous
              slices: the fastest plain-PyTorch loop measured on this benchmark;
  index       X[perm[i:i+B]] per batch (a gather per step);
  dataloader  torch.utils.data.DataLoader(TensorDataset, batch_size=B, shuffle=True, num_workers=0):
              the textbook loop (per-sample indexing and collate).
Measured here at batch 64, one thread: slice 1.67 s, index 2.02 s, dataloader 2.09 s per epoch.
--flush-denormals calls torch.set_flush_denormal(True) first (flush-to-zero, as htune's trainer
does by default); bench/run mlp tries PyTorch both ways and keeps the faster.
The epoch runs REPEATS times (default 1), each from a fresh model with the same seed; the fastest
is reported, with its process CPU time. When BENCH_DEADLINE (seconds) is set and an epoch runs past
it, the epoch stops there and its time is extrapolated from the samples done ("partial": true).
The last line printed is one JSON object (bench/README.md, runner protocol).
"""

import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx_gz(path, magic, header_ints):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    head = np.frombuffer(raw, dtype=">u4", count=header_ints)
    if int(head[0]) != magic:
        raise SystemExit(f"{path}: bad IDX magic {int(head[0]):#x}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * header_ints), [int(v) for v in head[1:]]


def load_fashion(data_dir):
    pixels, (n, rows, cols) = read_idx_gz(
        os.path.join(data_dir, "train-images-idx3-ubyte.gz"), 0x803, 4)
    labels, (n_labels,) = read_idx_gz(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), 0x801, 2)
    if n != n_labels:
        raise SystemExit("image and label counts differ")
    x = torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y


def make_model(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                           weight_decay=0.0)
    return model, opt


def epoch(x, y, batch, loop, seed, deadline):
    model, opt = make_model(seed)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    g = torch.Generator().manual_seed(seed + 1)
    total = torch.zeros((), dtype=torch.float64)
    steps = 0
    done = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    if loop == "dataloader":
        ds = torch.utils.data.TensorDataset(x, y)
        dl = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, generator=g,
                                         num_workers=0)
        for xb, yb in dl:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach()
            steps += 1
            done += xb.shape[0]
            if deadline and time.perf_counter() - t0 > deadline:
                break
    else:
        perm = torch.randperm(n, generator=g)
        if loop == "slice":
            xs, ys = x[perm], y[perm]
        for i in range(0, n, batch):
            if loop == "slice":
                xb, yb = xs[i:i + batch], ys[i:i + batch]
            else:
                idx = perm[i:i + batch]
                xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach()
            steps += 1
            done += xb.shape[0]
            if deadline and time.perf_counter() - t0 > deadline:
                break
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    scale = n / done  # 1 unless the deadline stopped the epoch
    return seconds * scale, cpu * scale, float(total) / steps, done


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flush = "--flush-denormals" in argv
    loop = "slice"
    for a in argv[1:]:
        if a.startswith("--loop="):
            loop = a.split("=", 1)[1]
    if "--loop" in argv:
        loop = argv[argv.index("--loop") + 1]
        args.remove(loop)
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    if loop not in ("slice", "index", "dataloader"):
        print(f"unknown loop '{loop}'", file=sys.stderr)
        return 2
    batch = int(args[0])
    data_dir = args[1] if len(args) > 1 else DEFAULT_DATA
    repeats = max(1, int(args[2])) if len(args) > 2 else 1

    omp = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    blas = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)
    torch.set_num_threads(omp)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    flushing = bool(torch.set_flush_denormal(True)) if flush else False
    deadline = float(os.environ.get("BENCH_DEADLINE", "0") or 0)

    x, y = load_fashion(data_dir)
    n = int(x.shape[0])
    times, cpus, losses = [], [], []
    done = n
    for r in range(repeats):
        s, c, l, done = epoch(x, y, batch, loop, seed=0, deadline=deadline)
        times.append(s)
        cpus.append(c)
        losses.append(l)
        if done < n:
            break
    best = min(range(len(times)), key=lambda i: times[i])
    print(json.dumps({
        "impl": "pytorch", "batch": batch, "omp": omp, "blas": blas,
        "seconds": round(times[best], 6), "samples": n,
        "sps": round(n / times[best], 1), "loss": round(losses[best], 6),
        "cpu_seconds": round(cpus[best], 6), "repeats": len(times),
        "all_seconds": [round(t, 6) for t in times], "partial": done < n, "samples_done": done,
        "loop": loop, "flush_denormals": flushing, "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
