#!/usr/bin/env bash
# Builds and runs the whole test suite: the formatting check (clang-format 19 over include/, tests/,
# examples/ and bench/), g++ 12, clang 19, an ASan+UBSan build (g++), a ThreadSanitizer build, and
# 60 s of libFuzzer on each file reader (clang 19).
#   scripts/test.sh [format|gcc|clang|asan|tsan|fuzz ...]   (default: all six)
# scripts/format.sh rewrites the files the check would refuse.
# The ThreadSanitizer build covers the areas with threads and processes (tune, storage, threads); the
# ASan+UBSan build covers everything. FUZZ_SECONDS sets the fuzzing time per harness.
# Build trees go to build-test-<config>/; ccache keeps rebuilds quick.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
jobs=$(nproc)
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(format gcc clang asan tsan fuzz)
# ccache keys on paths relative to the checkout, so a clone in another folder (CI's) reuses the
# objects of an earlier run of the same sources.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

run_config() {
  local name=$1; shift
  local dir=build-test-$name
  echo "=== $name: configure, build, test ==="
  local start=$SECONDS
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHTUNE_BUILD_BENCH=OFF "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
  echo "=== $name: done in $((SECONDS - start)) s ==="
}

for config in "${configs[@]}"; do
  case $config in
    format) echo "=== format: clang-format-19 --dry-run -Werror ==="
            scripts/format.sh --check ;;
    gcc)   run_config gcc -DCMAKE_CXX_COMPILER=g++ ;;
    clang) run_config clang -DCMAKE_CXX_COMPILER=clang++-19 ;;
    asan)  run_config asan -DCMAKE_CXX_COMPILER=g++ -DHTUNE_SANITIZE=address,undefined \
                           -DHTUNE_TEST_CONSUMERS=OFF -DHTUNE_TEST_HEADERS=OFF -DHTUNE_BUILD_EXAMPLES=OFF \
                           -DHTUNE_TEST_COMPILE_FAIL=OFF ;;
    tsan)  run_config tsan -DCMAKE_CXX_COMPILER=g++ -DHTUNE_SANITIZE=thread "-DHTUNE_TEST_AREAS=tune;storage;threads" \
                           -DHTUNE_TEST_CONSUMERS=OFF -DHTUNE_TEST_HEADERS=OFF -DHTUNE_BUILD_EXAMPLES=OFF \
                           -DHTUNE_TEST_COMPILE_FAIL=OFF ;;
    fuzz)  FUZZ_JOBS=$jobs scripts/fuzz.sh "${FUZZ_SECONDS:-60}" ;;
    *) echo "unknown configuration: $config (format, gcc, clang, asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
done
