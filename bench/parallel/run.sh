#!/usr/bin/env bash
# The parallel family, started by bench/run (which builds the runner first).
#   bench/run parallel [--trials 48] [--steps 250] [--journal-trials 500]
# 1. scale: trials of an MLP-shaped GEMM workload (250 steps: about 110-120 ms each on an idle 2-core machine) with 1 and 2 jobs, htune
#    (tune::study::optimize, run_options::jobs) then Optuna (study.optimize(n_jobs)), one runner at
#    a time, nothing else running;
# 2. journal: the storage's cost per trial (10 intermediate values each), htune's journal with and
#    without fdatasync and Optuna's JournalFileStorage, against each one's in-memory study;
# 3. bench/parallel/report.py: the tables, then one JSON line.
# BLAS threads are left as the environment sets them (OpenBLAS: all cores): htune sets 1 per trial
# when jobs > 1 by itself; Optuna users get what numpy's BLAS does.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${BENCH_ROOT:-$(cd "$here/../.." && pwd)}
build=${BENCH_BUILD_DIR:-$root/build-bench}
py=${BENCH_PYTHON:-/usr/bin/python3}

trials=48 steps=250 journal_trials=500
while [[ $# -gt 0 ]]; do
  case "$1" in
    --trials) trials=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --journal-trials) journal_trials=$2; shift 2 ;;
    *) echo "bench/parallel/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

htune=$(awk '$1 == "bench_parallel_htune" { print $2 }' "$build/bench/bench_parallel.targets")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
unset OPENBLAS_NUM_THREADS OMP_NUM_THREADS
start=$(date +%s)
echo "--- scale ($trials trials of $steps steps, jobs 1 and 2)"
if [[ -x "$htune" ]]; then
  "$htune" --mode scale --trials "$trials" --steps "$steps" --jobs 1,2 | tee -a "$out/all.jsonl"
else
  echo "htune runner not built"
fi
"$py" "$here/../peers/parallel_optuna.py" --mode scale --trials "$trials" --steps "$steps" --jobs 1,2 \
  | tee -a "$out/all.jsonl"
echo "--- journal ($journal_trials trials)"
if [[ -x "$htune" ]]; then
  "$htune" --mode journal --trials "$journal_trials" --dir "$out" | tee -a "$out/all.jsonl"
fi
"$py" "$here/../peers/parallel_optuna.py" --mode journal --trials "$journal_trials" --dir "$out" \
  | tee -a "$out/all.jsonl"
echo "family wall time: $(( $(date +%s) - start )) s"
echo
"$py" "$here/report.py" "$out/all.jsonl"
