#!/usr/bin/env bash
# Install what htune needs from Debian 12's packages, and only what is missing.
#
#   scripts/bootstrap.sh            build, test and example dependencies
#   scripts/bootstrap.sh --bench    the same, plus the benchmark peers (PyTorch, dlib, Optuna,
#                                   scikit-learn) and valgrind
#   scripts/bootstrap.sh --check    report what is missing and exit 1 if anything is; install nothing
#
# When everything is already there it only runs dpkg-query (no apt-get update, no install).
# It runs apt-get update once, and only when something must be installed. Noninteractive; as root
# it calls apt-get directly, otherwise through sudo when sudo exists.
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

bench=0
check_only=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --check) check_only=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

# Base set. libopenblas-dev (through libopenblas-pthread-dev) provides libblas.so, liblapack.so and
# cblas.h via Debian's alternatives, which is what libxtensor-blas-dev needs; no liblapack-dev.
# nlohmann-json3-dev backs the journal storage; python3-optuna lets the suite prove that Optuna reads
# htune's journals; libopenmpi-dev and openmpi-bin (mpirun) back the MPI executor and its test.
# libclang-rt-19-dev holds clang 19's sanitizer and libFuzzer runtimes (clang-19 does not bring it),
# which the fuzz stage of the test suite links; clang-format-19 checks the formatting (scripts/format.sh).
base=(
  cmake g++ make ccache pkg-config
  libxtensor-dev libxtensor-blas-dev libopenblas-dev
  doctest-dev zlib1g-dev nlohmann-json3-dev libopenmpi-dev openmpi-bin
  python3-optuna
  dataset-fashion-mnist
  clang-19 libclang-rt-19-dev clang-format-19
)
# Benchmark peers. Debian's dlib CMake config (and dlib-1.pc) link libpng.so, libz.so, libjpeg.so,
# libblas.so, liblapack.so and libsqlite3.so by absolute path; libdlib-dev depends on libpng-dev
# and libsqlite3-dev, the base set brings zlib1g-dev and libopenblas-dev, but nothing brings
# libjpeg.so (libjpeg-dev), so it is listed here. python3-torch runs with /usr/bin/python3.
bench_pkgs=(
  python3-torch python3-numpy
  libdlib-dev libjpeg-dev
  python3-sklearn
  valgrind
)

wanted=("${base[@]}")
if [[ $bench == 1 ]]; then
  wanted+=("${bench_pkgs[@]}")
fi

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} == 0 ]]; then
  echo "bootstrap: all ${#wanted[@]} packages present"
  exit 0
fi

echo "bootstrap: missing: ${missing[*]}"
if [[ $check_only == 1 ]]; then
  exit 1
fi

if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "bootstrap: not root and no sudo; install these yourself: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "bootstrap: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
echo "bootstrap: installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}"
echo "bootstrap: installed: ${missing[*]}"
