#!/usr/bin/env bash
# The pipeline family, started by bench/run (which builds the runner first).
#   bench/run pipeline [--rows 10000] [--trials 30] [--seed 1] [--more-seeds 2,3,4,5] [--cg-rows 2000]
#                      [--cg-epochs 2]
# 1. end to end: the same tuning job (bench_pipeline.cpp's e2e: TPE + Hyperband, 30 trials of 8
#    epochs on 80% of the first ROWS Fashion-MNIST images, best refit and tested) with htune, then
#    with Optuna driving PyTorch (bench/peers/pipeline_optuna.py), in three settings: one core
#    each (one trial at a time, one BLAS/torch thread), one trial at a time on two threads, and two
#    trials at once on one thread each; Optuna + PyTorch runs twice per setting, as it comes and
#    with torch.set_flush_denormal(True) (htune's trainer flushes subnormals), and htune's threads
#    go to BLAS, or to its own loops (train::threads), or to its own loops with each batch's rows
#    split between them (train::split_batch); with two trials at once htune also runs with
#    tuner_options::lag = 3 (less waiting between workers); each side's faster run counts;
#    then the two-trials-at-once setting again for each of --more-seeds (both sides, every variant);
# 2. zero overhead: one trial through the tuner against the same work written by hand over
#    xtensor-blas, and the same trial with its activation and optimizer switched per component
#    (hp_switch), natively (best of 3) and under callgrind (instructions of the trial only; the
#    runner built without -march=native and OpenBLAS held to its Haswell kernels, as valgrind
#    cannot run AVX-512 code);
# 3. report.py: the table, then one JSON line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${BENCH_ROOT:-$(cd "$here/../.." && pwd)}
build=${BENCH_BUILD_DIR:-$root/build-bench}
py=${BENCH_PYTHON:-/usr/bin/python3}

rows=10000 trials=30 seed=1 cg_rows=2000 cg_epochs=2 more_seeds="2 3 4 5"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --more-seeds) more_seeds=${2//,/ }; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --cg-rows) cg_rows=$2; shift 2 ;;
    --cg-epochs) cg_epochs=$2; shift 2 ;;
    *) echo "bench/pipeline/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

htune=$(awk '$1 == "bench_pipeline_htune" { print $2 }' "$build/bench/bench_pipeline.targets")
portable=$(awk '$1 == "bench_pipeline_htune_portable" { print $2 }' "$build/bench/bench_pipeline.targets")
[[ -x "$htune" ]] || { echo "bench/pipeline: htune runner not built" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
start=$(date +%s)

# Settings (trials at once, BLAS/OpenMP threads per process), each run by both sides in turn:
# one core each; one trial with two BLAS/torch threads; two trials at once (htune: jobs = 2, one
# BLAS thread per trial; Optuna: n_jobs = 2 threads, torch on one thread).
for setting in "1 1" "1 2" "2 1"; do
  read -r jobs threads <<<"$setting"
  echo "--- end to end: $trials trials, $rows images, seed $seed, $jobs trial(s) at once, $threads thread(s)"
  # htune's threads go to BLAS, or to its own loops with BLAS on one thread, without and with split
  # batches; the report keeps the fastest.
  BENCH_SETTING_THREADS=$threads OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads \
    "$htune" e2e "$rows" "$trials" "$seed" "$jobs" | tee -a "$out/all.jsonl"
  if [[ $jobs -gt 1 ]]; then
    # Parallel trials wait for each other (trial n waits for trials below n - lag, which keeps runs
    # reproducible); with trials of very different lengths (Hyperband) a lag of 3 keeps two
    # workers busy. The report shows both runs, with the accuracy each reached.
    BENCH_SETTING_THREADS=$threads BENCH_LAG=3 OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads \
      "$htune" e2e "$rows" "$trials" "$seed" "$jobs" | tee -a "$out/all.jsonl"
  fi
  if [[ $threads -gt 1 ]]; then
    for split in 0 1; do
      BENCH_SETTING_THREADS=$threads BENCH_HTUNE_THREADS=$threads BENCH_HTUNE_SPLIT=$split OPENBLAS_NUM_THREADS=1 \
        OMP_NUM_THREADS=1 "$htune" e2e "$rows" "$trials" "$seed" "$jobs" | tee -a "$out/all.jsonl"
    done
  fi
  # PyTorch as it comes, then flushing subnormals as htune's trainer does; the report keeps the faster.
  for flush in 0 1; do
    BENCH_SETTING_THREADS=$threads BENCH_FLUSH_DENORMALS=$flush OPENBLAS_NUM_THREADS=$threads \
      OMP_NUM_THREADS=$threads "$py" "$root/bench/peers/pipeline_optuna.py" "$rows" "$trials" "$seed" "$jobs" \
      | tee -a "$out/all.jsonl"
  done
done

# One seed is one trajectory of TPE and Hyperband: the time and the accuracy move with it. The
# setting where both sides are fastest (two trials at once, one thread each) runs again with more
# seeds, every variant of each side, so the report can compare them over seeds 1 and these.
touch "$out/seeds.jsonl"
for s in $more_seeds; do
  echo "--- end to end, seed $s: $trials trials, $rows images, 2 trial(s) at once, 1 thread(s)"
  for lag in "" 3; do
    BENCH_SETTING_THREADS=1 BENCH_LAG=$lag "$htune" e2e "$rows" "$trials" "$s" 2 | tee -a "$out/seeds.jsonl"
  done
  for flush in 0 1; do
    BENCH_SETTING_THREADS=1 BENCH_FLUSH_DENORMALS=$flush "$py" "$root/bench/peers/pipeline_optuna.py" "$rows" \
      "$trials" "$s" 2 | tee -a "$out/seeds.jsonl"
  done
done

echo "--- one trial: tuner against the hand-written loop ($rows images, 2 epochs, best of 3)"
for i in 1 2 3; do
  "$htune" trial "$rows" 2 | tee -a "$out/all.jsonl"
  "$htune" switch "$rows" 2 | tee -a "$out/all.jsonl"
  "$htune" hand "$rows" 2 | tee -a "$out/all.jsonl"
done

echo "--- callgrind: instructions of one trial ($cg_rows images, $cg_epochs epochs)"
if command -v valgrind >/dev/null && [[ -x "$portable" ]]; then
  for mode in trial switch hand; do
    OPENBLAS_CORETYPE=Haswell valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg.$mode" \
      "$portable" "$mode" "$cg_rows" "$cg_epochs" >"$out/cg.$mode.stdout" 2>"$out/cg.$mode.stderr"
    ir=$(awk '/^totals:/ { print $2; exit }' "$out/cg.$mode")
    echo "{\"impl\":\"callgrind\",\"mode\":\"$mode\",\"instructions\":$ir}" | tee -a "$out/all.jsonl"
  done
else
  echo "valgrind or the portable runner missing (scripts/bootstrap.sh --bench installs valgrind)"
fi
echo "family wall time: $(( $(date +%s) - start )) s"
echo
"$py" "$here/report.py" "$out/all.jsonl" "$out/seeds.jsonl"
