#!/usr/bin/python3
"""Orchestrates `bench/run mlp`: one epoch of the 784-128-10 MLP (ReLU, Adam 1e-3, softmax
cross-entropy) on Fashion-MNIST through htune, PyTorch and dlib at batch 64 and 256, plus the
epoch's GEMMs alone through OpenBLAS (the floor), all in one run.

    /usr/bin/python3 bench/mlp/run_mlp.py [--build-dir build-bench] [--data DIR] [--batches 64,256]
        [--repeats 2] [--impls htune,pytorch,dlib,gemm_floor] [--budget 540] [--json FILE]

Every runner is a subprocess with OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set per thread setting;
its last stdout line is one JSON object (bench/README.md). Each implementation runs in every
thread setting that means something for it, each setting's epoch `--repeats` times (the fastest
is kept: the first may warm caches), and the best setting per implementation and batch is the
one compared. Output: a table per run, a summary with the ratios, and as the last line one JSON
object: {"bench":"mlp","htune_sps":...,"ratio_pytorch":...,...}; unsuffixed figures are batch 64.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"  # Debian's: the one that sees python3-torch
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
THREADS_ALL = [(1, 1), (1, 2), (2, 1), (2, 2)]
THREADS_BLAS_ONLY = [(1, 1), (1, 2)]  # no OpenMP in the program: OMP_NUM_THREADS changes nothing
# The floor's epoch takes well under a second and its 2-thread time swings most with machine load:
# it gets at least this many timed epochs, so the denominator of floor_ratio is not the noisy side.
FLOOR_REPEATS = 5

# Goals from the issue: htune >= 2x PyTorch at batch 64, >= 1.3x at 256, >= 2x dlib (batch 64),
# and htune's epoch within 1.3x of the GEMM floor (batch 64).
GOALS = {"ratio_pytorch": (">=", 2.0), "ratio_pytorch_256": (">=", 1.3),
         "ratio_dlib": (">=", 2.0), "floor_ratio": ("<=", 1.3)}


def read_manifest(build_dir):
    """target name -> executable path, from the manifest bench/CMakeLists.txt generates."""
    path = os.path.join(build_dir, "bench", "bench_mlp.targets")
    targets = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split(maxsplit=1)
                if len(parts) == 2:
                    targets[parts[0]] = parts[1].strip()
    return targets


def impl_specs(build_dir, data_dir, repeats):
    """Every implementation: how to launch it, its thread settings, its variants, or why not."""
    exe = read_manifest(build_dir)

    def native(target, what, extra_variants=None, threads=THREADS_ALL, source=None,
               min_repeats=1):
        path = exe.get(target)
        reps = max(repeats, min_repeats)
        spec = {"threads": threads, "variants": extra_variants or [None], "repeats": reps}
        if path and os.access(path, os.X_OK):
            spec["cmd"] = lambda b, v: [path, str(b), data_dir, str(reps)] + ([v] if v else [])
        elif source and not os.path.exists(os.path.join(ROOT, source)):
            spec["missing"] = "not built (no %s yet)" % source
        elif path:
            spec["missing"] = "build failed (see the build log)"
        else:
            spec["missing"] = "not built (%s not configured)" % what
        return spec

    torch_script = os.path.join(ROOT, "bench", "peers", "mlp_pytorch.py")
    torch_ok = subprocess.run([PYTHON, "-c", "import torch"], capture_output=True).returncode == 0
    # PyTorch as it comes and with torch.set_flush_denormal(True) (htune's trainer flushes
    # subnormals by default); the faster is kept, like its thread setting.
    pytorch = {"threads": THREADS_ALL, "variants": ["slice", "slice+flush"]}
    if torch_ok:
        pytorch["cmd"] = lambda b, v: ([PYTHON, torch_script, str(b), data_dir, str(repeats)] +
                                       (["--flush-denormals"] if v and "flush" in v else []))
    else:
        pytorch["missing"] = "not available (python3-torch for %s)" % PYTHON
    return {
        # htune's runner: the thread settings are tried like any peer's; with 2 own threads also
        # with each batch's rows split between them (train::split_batch, one BLAS thread).
        "htune": dict(native("bench_mlp_htune", "htune runner", ["whole", "split"],
                             source="bench/mlp/bench_mlp.cpp"),
                      skip=lambda omp, blas, v: v == "split" and (omp, blas) != (2, 1)),
        "pytorch": pytorch,
        # libdlib.so does not use OpenMP; its two loops are tried as variants.
        "dlib": native("bench_mlp_dlib", "dlib (libdlib-dev)", ["direct", "trainer"],
                       THREADS_BLAS_ONLY),
        # The floor of the same shapes ("whole" batches, BLAS threads tried), and the floor of a
        # trainer that splits each batch's rows between two threads ("split": half the rows each,
        # one BLAS thread each, no synchronisation), reported beside it as gemm_floor_split.
        "gemm_floor": dict(native("bench_mlp_gemm_floor", "gemm floor", ["whole", "split"],
                                  threads=THREADS_BLAS_ONLY, min_repeats=FLOOR_REPEATS),
                           skip=lambda omp, blas, v: v == "split" and blas != 1),
    }


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def run_one(cmd, omp, blas, timeout, deadline):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(omp)
    env["OPENBLAS_NUM_THREADS"] = str(blas)
    env.pop("MKL_NUM_THREADS", None)
    env.pop("BENCH_DEADLINE", None)
    if deadline:
        env["BENCH_DEADLINE"] = "%.3f" % deadline
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "stopped after %.0fs (too slow to be the best setting)" % timeout
    wall = time.monotonic() - t0
    rec = last_json_line(p.stdout)
    if p.returncode != 0 or rec is None:
        err = (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["no output"])[-1]
        return None, "exit %d: %s" % (p.returncode, err[:160])
    rec["wall"] = round(wall, 2)
    return rec, None


def measure(cmd, omp, blas, repeats, timeout, deadline):
    """Runs the runner until `repeats` timed epochs are in (runners that ignore the repeats
    argument time one epoch per process); keeps the fastest. A partial epoch (stopped at the
    deadline) ends the measurement."""
    best, runs, err = None, 0, None
    while runs < repeats:
        rec, err = run_one(cmd, omp, blas, timeout, deadline)
        if rec is None:
            break
        runs += max(1, int(rec.get("repeats") or 1))
        if best is None or rec["seconds"] < best["seconds"]:
            best = rec
        if rec.get("partial"):
            break
    return best, (None if best else err)


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def cpu_info():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return model, [f for f in ("avx2", "fma", "avx512f") if f in flags]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--batches", default="64,256")
    ap.add_argument("--repeats", type=int, default=2, help="timed epochs per setting (fastest kept)")
    ap.add_argument("--impls", default="htune,pytorch,dlib,gemm_floor")
    ap.add_argument("--budget", type=float, default=540.0,
                    help="seconds; settings not started by then are skipped (and reported)")
    ap.add_argument("--timeout", type=int, default=180,
                    help="seconds per runner process for the first setting of an implementation")
    ap.add_argument("--slow-factor", type=float, default=2.5,
                    help="a setting whose epoch runs this many times longer than the best one so "
                         "far is stopped early (BENCH_DEADLINE) and reported as an estimate")
    ap.add_argument("--json", help="also write the final JSON object to this file")
    args = ap.parse_args()

    batches = [int(b) for b in args.batches.split(",") if b]
    names = [n for n in args.impls.split(",") if n]
    specs = impl_specs(os.path.abspath(args.build_dir), args.data, args.repeats)
    for n in names:
        if n not in specs:
            sys.exit("unknown impl '%s' (known: %s)" % (n, ", ".join(specs)))
    for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(args.data, f)):
            sys.exit("missing %s in %s (package dataset-fashion-mnist)" % (f, args.data))

    start = time.monotonic()
    results = []   # every measured (impl, batch, omp, blas, variant)
    best_so_far = {}  # (impl, batch) -> fastest complete measurement
    best_variant = {}  # (impl, batch, variant) -> fastest complete measurement
    problems = []  # (impl, batch, setting, message)
    skipped = 0
    print("mlp: 784-128-10 ReLU, Adam 1e-3, softmax CE, 1 epoch of Fashion-MNIST train (60000),"
          " %d timed epoch(s) per setting, fastest kept" % args.repeats)
    try:
        load0 = os.getloadavg()[0]
    except OSError:
        load0 = None
    if load0 is not None and load0 > 0.5:
        print("warning: load average %.2f before the run: other work shares the cores, so the "
              "figures are noisy and multi-thread settings are penalised" % load0)
    header = "%-16s %5s %4s %4s %-8s %9s %10s %8s %5s %6s" % (
        "impl", "batch", "omp", "blas", "variant", "seconds", "samples/s", "loss", "cpu%", "wall")
    print(header)
    print("-" * len(header))
    sys.stdout.flush()
    # Interleave: for each batch and thread setting every implementation runs once, so a change
    # in machine load during the run touches all of them alike.
    for batch in batches:
        for omp, blas in THREADS_ALL:
            for name in names:
                spec = specs[name]
                if "missing" in spec or (omp, blas) not in spec["threads"]:
                    continue
                for variant in spec["variants"]:
                    if "skip" in spec and spec["skip"](omp, blas, variant):
                        continue
                    if time.monotonic() - start > args.budget:
                        skipped += 1
                        continue
                    # The split floor is a floor of its own, not a setting of the whole one.
                    key = (name + "_split" if name == "gemm_floor" and variant == "split" else name, batch)
                    fastest = best_so_far.get(key)
                    if fastest:
                        deadline = max(3.0, args.slow_factor * fastest["seconds"])
                        timeout = max(20.0, 3.0 * fastest["wall"])
                    else:
                        deadline, timeout = None, args.timeout
                    rec, err = measure(spec["cmd"](batch, variant), omp, blas,
                                       spec.get("repeats", args.repeats), timeout, deadline)
                    vname = variant or rec and rec.get("loop") or ""
                    if rec is None:
                        problems.append((name, batch, (omp, blas, variant), err))
                        print("%-16s %5d %4d %4d %-8s %s" % (name, batch, omp, blas, vname,
                                                             "FAILED: " + err))
                        continue
                    # The setting is what the process was given; what the runner says it used
                    # (e.g. a trainer that caps BLAS threads for small batches) is kept beside it.
                    rec["runner_threads"] = [rec.get("omp"), rec.get("blas")]
                    rec.update({"impl": name, "batch": batch, "omp": omp, "blas": blas,
                                "variant": vname})
                    results.append(rec)
                    partial = bool(rec.get("partial"))
                    if not partial and (fastest is None or rec["sps"] > fastest["sps"]):
                        best_so_far[key] = rec
                    vkey = (name, batch, vname)
                    if not partial and (vkey not in best_variant or rec["sps"] > best_variant[vkey]["sps"]):
                        best_variant[vkey] = rec
                    cpu = rec.get("cpu_seconds")
                    print("%-16s %5d %4d %4d %-8s %9s %10s %8s %5s %6.1f%s" % (
                        name, batch, omp, blas, vname,
                        ("~%.2f" if partial else "%.3f") % rec["seconds"],
                        ("~%.0f" if partial else "%.0f") % rec["sps"],
                        fmt(rec.get("loss"), "%.4f"),
                        fmt(100.0 * cpu / rec["seconds"] if cpu else None, "%.0f"), rec["wall"],
                        "  (stopped early: estimate)" if partial else ""))
                    sys.stdout.flush()

    best = best_so_far

    print()
    print("best setting per implementation (ratios: htune samples/s over the peer's; floor ratio:"
          " htune epoch time over the GEMM floor's, lower is better)")
    head2 = "%-16s %5s %-14s %10s %9s %12s" % ("impl", "batch", "omp/blas/var", "samples/s",
                                              "seconds", "htune ratio")
    print(head2)
    print("-" * len(head2))
    shown = list(names) + (["gemm_floor_split"] if "gemm_floor" in names else [])
    for batch in batches:
        h = best.get(("htune", batch))
        for name in shown:
            r = best.get((name, batch))
            if r is None:
                why = specs.get(name, {}).get("missing") or "no successful run"
                print("%-16s %5d %s" % (name, batch, name + ": " + why))
                continue
            setting = "%d/%d%s" % (r["omp"], r["blas"], "/" + r["variant"] if r["variant"] else "")
            if name == "htune":
                rel = "1"
            elif name == "gemm_floor":
                rel = "floor %s" % fmt(ratio(r["sps"], h["sps"]) if h else None, "%.2f")
            elif name == "gemm_floor_split":
                hs = best_variant.get(("htune", batch, "split"))
                rel = "split %s" % fmt(ratio(r["sps"], hs["sps"]) if hs else None, "%.2f")
            else:
                rel = fmt(ratio(h["sps"], r["sps"]) if h else None, "%.2fx")
            print("%-16s %5d %-14s %10.0f %9.3f %12s" % (name, batch, setting, r["sps"],
                                                        r["seconds"], rel))

    def sps(name, batch):
        r = best.get((name, batch))
        return r["sps"] if r else None

    out = {"bench": "mlp"}
    for batch in batches:
        sfx = "" if batch == 64 else "_%d" % batch
        h, pt, dl, fl, fs = (sps(n, batch) for n in ("htune", "pytorch", "dlib", "gemm_floor",
                                                      "gemm_floor_split"))
        hs = best_variant.get(("htune", batch, "split"))
        hs = hs["sps"] if hs else None
        out.update({
            "htune_sps" + sfx: h, "pytorch_sps" + sfx: pt, "dlib_sps" + sfx: dl,
            "floor_sps" + sfx: fl,
            "ratio_pytorch" + sfx: ratio(h, pt), "ratio_dlib" + sfx: ratio(h, dl),
            # epoch time ratio = floor samples/s over htune samples/s
            "floor_ratio" + sfx: ratio(fl, h),
            # htune with split batches against the GEMMs of split batches alone
            "htune_split_sps" + sfx: hs, "floor_split_sps" + sfx: fs,
            "floor_ratio_split" + sfx: ratio(fs, hs),
        })
    goals = {}
    for k, (op, target) in GOALS.items():
        v = out.get(k)
        goals[k] = None if v is None else (v >= target if op == ">=" else v <= target)
    out["goals"] = goals
    out["best"] = {"%s_%d" % k: {"omp": r["omp"], "blas": r["blas"], "variant": r["variant"],
                                 "seconds": r["seconds"], "loss": r.get("loss")}
                   for k, r in sorted(best.items())}
    out["missing"] = {n: specs[n]["missing"] for n in names if "missing" in specs[n]}
    out["failures"] = ["%s b%d omp%d blas%d %s: %s" % (n, b, s[0], s[1], s[2] or "", e)
                       for n, b, s, e in problems]
    out["skipped_over_budget"] = skipped
    out["runs"] = [{k: r.get(k) for k in ("impl", "batch", "omp", "blas", "variant", "sps",
                                          "seconds", "cpu_seconds", "loss", "partial",
                                          "runner_threads")}
                   for r in results]
    model, flags = cpu_info()
    out["cpu"] = model
    out["cpu_flags"] = flags
    out["env"] = {k: v for k, v in sorted(os.environ.items())
                  if re.match(r"^(OPENBLAS_|OMP_|MKL_|GOTO)", k)}
    try:
        out["loadavg_start"] = load0
        out["loadavg_end"] = os.getloadavg()[0]
    except OSError:
        pass
    out["elapsed_s"] = round(time.monotonic() - start, 1)
    if skipped:
        print("\nwarning: %d setting(s) skipped: the %ds budget ran out" % (skipped, args.budget))
    print("\nelapsed %.1fs" % out["elapsed_s"])
    line = json.dumps(out, separators=(",", ":"))
    if args.json:
        with open(args.json, "w") as f:
            f.write(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
