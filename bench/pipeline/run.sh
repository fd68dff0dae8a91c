#!/usr/bin/env bash
# The pipeline family, started by bench/run (which builds the runner first).
#   bench/run pipeline [--rows 10000] [--trials 30] [--seed 1] [--cg-rows 2000] [--cg-epochs 2]
# 1. end to end: the same tuning job (bench_pipeline.cpp's e2e: TPE + Hyperband, 30 trials of 8
#    epochs on 80% of the first ROWS Fashion-MNIST images, best refit and tested) with htune, then
#    with Optuna driving PyTorch (bench/peers/pipeline_optuna.py); one BLAS/OpenMP thread each
#    (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)), so both do the same work on one core;
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

rows=10000 trials=30 seed=1 cg_rows=2000 cg_epochs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
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

echo "--- end to end: $trials trials, $rows images, seed $seed"
"$htune" e2e "$rows" "$trials" "$seed" | tee -a "$out/all.jsonl"
"$py" "$root/bench/peers/pipeline_optuna.py" "$rows" "$trials" "$seed" | tee -a "$out/all.jsonl"

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
"$py" "$here/report.py" "$out/all.jsonl"
