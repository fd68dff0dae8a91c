#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang 19 (ASan + UBSan) and runs each for a while from
# its seed corpus; fails on any crash, sanitizer report, leak, timeout or out-of-memory.
#   scripts/fuzz.sh [seconds per harness]       (default 60)
# Build tree: build-fuzz/. The repository's corpus (fuzz/corpus/<harness>/) is copied to a scratch
# working corpus, so a run never changes the repository; crash inputs and logs are kept in
# build-fuzz/fuzz-runs/<harness>/ (artifacts/ and fuzz.log). Environment: FUZZ_JOBS (build jobs,
# default: nproc), FUZZ_HARNESSES (default: "journal_reader csv_loader idx_loader").
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: scripts/fuzz.sh [seconds > 0]" >&2; exit 2; }
jobs=${FUZZ_JOBS:-$(nproc)}
harnesses=(${FUZZ_HARNESSES:-journal_reader csv_loader idx_loader})
build=build-fuzz

# Longest input per harness. Besides -rss_limit_mb, any single allocation of 64 MiB or more fails the
# run: no input this short needs that much (an IDX gzip file of 4 KiB holds at most 4 MiB of data), so
# such an allocation is a size taken on trust from the input.
declare -A max_len=([journal_reader]=16384 [csv_loader]=16384 [idx_loader]=4096)
malloc_limit_mb=64

echo "=== fuzz: configure and build ($build, clang++-19) ==="
start=$SECONDS
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE= -DHTUNE_BUILD_FUZZERS=ON \
      -DHTUNE_BUILD_TESTS=OFF -DHTUNE_BUILD_BENCH=OFF -DHTUNE_BUILD_EXAMPLES=OFF -DHTUNE_INSTALL=OFF \
      "${launcher[@]}" >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "htune_fuzz_$h"); done
cmake --build "$build" -j "$jobs" "${targets[@]}"
echo "=== fuzz: built in $((SECONDS - start)) s ==="

# One thread for OpenBLAS (linked through htune, unused here); leaks count as failures.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
summary=()
for h in "${harnesses[@]}"; do
  [[ -n ${max_len[$h]:-} ]] || { echo "unknown harness: $h" >&2; exit 2; }
  exe=$build/fuzz/htune_fuzz_$h
  runs=$build/fuzz-runs/$h
  rm -rf "$runs"
  mkdir -p "$runs/corpus" "$runs/artifacts"
  cp -r fuzz/corpus/"$h"/. "$runs/corpus/"
  echo "=== fuzz: $h for $seconds s ==="
  rc=0
  dict=()
  [[ -f fuzz/$h.dict ]] && dict=(-dict="fuzz/$h.dict")
  "$exe" "$runs/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=$malloc_limit_mb \
         -max_len="${max_len[$h]}" \
         "${dict[@]}" -print_final_stats=1 -artifact_prefix="$runs/artifacts/" >"$runs/fuzz.log" 2>&1 || rc=$?
  # Final stats: stat::number_of_executed_units, stat::average_exec_per_sec; coverage from the last status line.
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$runs/fuzz.log" | tail -n 1)
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$runs/fuzz.log" | tail -n 1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$runs/fuzz.log" | tail -n 1 || true)
  corpus=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$runs/fuzz.log" | tail -n 1 || true)
  crashes=$(find "$runs/artifacts" -type f | wc -l)
  if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
    failed=1
    status="FAILED (exit $rc, $crashes crash inputs in $runs/artifacts)"
    tail -n 60 "$runs/fuzz.log"
  else
    status=ok
  fi
  line="$h: ${execs:-?} execs, ${rate:-?} execs/s, ${cov:-cov: ?}, ${corpus:-corp: ?}, ${seconds} s: $status"
  echo "$line"
  summary+=("$line")
done

echo "=== fuzz: summary ==="
printf '%s\n' "${summary[@]}"
exit $failed
