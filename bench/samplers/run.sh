#!/usr/bin/env bash
# The samplers family, started by bench/run (which builds the runners first).
#   bench/run samplers [--seeds 20] [--trials 200] [--sizes 100,1000,5000] [--tpe-seeds 80] [--quick]
# 1. check: the problems' values in C++ (dlib runner) and Python (Optuna peer) at fixed points;
# 2. cost: ms per ask+tell at 100/1000/5000 trials for htune TPE and Optuna TPE, and htune GP at
#    100/200 trials, one runner at a time (nothing else running);
# 3. regret: every sampler on Branin, Hartmann6, Rosenbrock-5D, shifted Ackley-10D, 20 seeds;
#    htune in one process and the peers in another, side by side (regret does not depend on speed);
# 4. TPE against Optuna's TPE over more seeds: both run seeds --seeds .. --tpe-seeds - 1 as well (Optuna
#    in 2 processes), because 20 seeds do not separate two TPEs (their medians move 2-3x with the seeds);
#    --tpe-seeds 0 skips it;
# 5. bench/samplers/report.py: the tables, then one JSON line.
# --quick: 3 seeds, 60 trials, sizes 100,1000, no extra TPE seeds (a smoke run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${BENCH_ROOT:-$(cd "$here/../.." && pwd)}
build=${BENCH_BUILD_DIR:-$root/build-bench}
py=${BENCH_PYTHON:-/usr/bin/python3}

seeds=20 trials=200 sizes=100,1000,5000 checkpoints=50,100,200 tpe_seeds=80
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --tpe-seeds) tpe_seeds=$2; shift 2 ;;
    --quick) seeds=3 trials=60 sizes=100,1000 checkpoints=50 tpe_seeds=0; shift ;;
    *) echo "bench/samplers/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

runner() { awk -v t="$1" '$1 == t { print $2 }' "$build/bench/bench_samplers.targets"; }
htune=$(runner bench_samplers_htune)
dlib=$(runner bench_samplers_dlib)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1  # single-threaded, the same for every runner

have() { [[ -n "$1" && -x "$1" ]]; }
start=$(date +%s)
echo "--- check"
have "$dlib" && "$dlib" --mode check >>"$out/all.jsonl"
"$py" "$here/../peers/samplers_optuna.py" --mode check >>"$out/all.jsonl"

echo "--- cost (one runner at a time)"
if have "$htune"; then
  "$htune" --mode cost --samplers tpe --sizes "$sizes" | tee -a "$out/all.jsonl"
  "$htune" --mode cost --samplers gp --sizes 100,200 | tee -a "$out/all.jsonl"
else
  echo "htune runner not built"
fi
"$py" "$here/../peers/samplers_optuna.py" --mode cost --sizes "$sizes" | tee -a "$out/all.jsonl"

echo "--- regret ($seeds seeds, $trials trials; htune and the peers side by side)"
common=(--seeds "$seeds" --trials "$trials" --checkpoints "$checkpoints")
if have "$htune"; then
  "$htune" --mode regret "${common[@]}" >"$out/htune.jsonl" 2>"$out/htune.err" &
  hpid=$!
fi
{
  "$py" "$here/../peers/samplers_optuna.py" --mode regret "${common[@]}"
  if have "$dlib"; then "$dlib" --mode regret --seeds "$seeds" --evals "$trials" --checkpoints "$checkpoints"; fi
} >"$out/peers.jsonl" 2>"$out/peers.err"
if [[ -n "${hpid:-}" ]]; then wait "$hpid" || { echo "htune runner failed:"; cat "$out/htune.err"; }; fi
cat "$out/htune.jsonl" "$out/peers.jsonl" >>"$out/all.jsonl" 2>/dev/null || true

if (( tpe_seeds > seeds )); then
  more=(--seeds $(( tpe_seeds - seeds )) --seed-base "$seeds" --trials "$trials" --checkpoints "$checkpoints")
  echo "--- TPE over seeds $seeds..$(( tpe_seeds - 1 )) (htune, then Optuna in 2 processes)"
  {
    if have "$htune"; then "$htune" --mode regret --samplers tpe "${more[@]}"; fi
    "$py" "$here/../peers/samplers_optuna.py" --mode regret --samplers tpe --jobs 2 "${more[@]}"
  } 2>"$out/more.err" | sed 's/^{/{"set":"more_seeds",/' >>"$out/all.jsonl" || { echo "more seeds failed:"; cat "$out/more.err"; }
fi
echo "family wall time: $(( $(date +%s) - start )) s"
# The raw lines stay beside the runners, so that the report can be read again:
#   /usr/bin/python3 bench/samplers/report.py build-bench/bench/samplers_last.jsonl
cp "$out/all.jsonl" "${BENCH_BUILD_DIR:-$root/build-bench}/bench/samplers_last.jsonl" 2>/dev/null || true
echo
"$py" "$here/report.py" "$out/all.jsonl"
