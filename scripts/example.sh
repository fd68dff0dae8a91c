#!/usr/bin/env bash
# Installs what is missing, builds the main example and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHTUNE_BUILD_TESTS=OFF -DHTUNE_BUILD_BENCH=OFF >/dev/null
cmake --build build -j "$(nproc)" --target tune_fashion_mnist
build/examples/tune_fashion_mnist "$@"
