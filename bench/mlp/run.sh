#!/usr/bin/env bash
# The mlp family, started by bench/run (which builds the runners first). Arguments go to
# run_mlp.py: --batches 64,256 --repeats 2 --impls htune,pytorch,dlib,gemm_floor --budget 540
# --json FILE.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "${BENCH_PYTHON:-/usr/bin/python3}" "$here/run_mlp.py" \
  --build-dir "${BENCH_BUILD_DIR:-$here/../../build-bench}" "$@"
