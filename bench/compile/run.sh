#!/usr/bin/env bash
# The compile family, started by bench/run: what compiling a pipeline costs with g++ 12 -O2.
#   bench/run compile [--bodies "1 4 16 64 256"]
# 1. the main example, examples/tune_fashion_mnist.cpp (6 trial bodies);
# 2. bench/compile/pipeline.cpp with 1, 4, 16, 64 and 256 trial bodies (type choices of activation,
#    optimizer and initializer), then the same with those choices bound by hp_switch (one trial
#    body each: the alternatives dispatched inside the components);
# each compiled once to an object file (-std=c++20 -O2, as a user's Release build), timed with
# /usr/bin/time: wall seconds and peak resident memory of the compiler. Nothing else should run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${BENCH_ROOT:-$(cd "$here/../.." && pwd)}
bodies="1 4 16 64 256"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bodies) bodies=$2; shift 2 ;;
    *) echo "bench/compile/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cxx=${CXX:-g++}
flags=(-std=c++20 -O2 -I"$root/include")

# Prints "seconds mib" for one compilation.
measure() {
  /usr/bin/time -f "%e %M" -o "$out/time" "$cxx" "${flags[@]}" "$@" -c -o "$out/x.o"
  awk '{ printf "%.1f %.0f\n", $1, $2 / 1024 }' "$out/time"
}

echo "compiler: $($cxx --version | head -1); flags: ${flags[*]}"
printf '%-34s %8s %10s %10s\n' "translation unit" "bodies" "seconds" "peak MiB"
read -r main_s main_mib < <(measure "$root/examples/tune_fashion_mnist.cpp")
printf '%-34s %8s %10s %10s\n' "examples/tune_fashion_mnist.cpp" 6 "$main_s" "$main_mib"
json_bodies=""
for n in $bodies; do
  read -r s mib < <(measure -DBODIES="$n" "$here/pipeline.cpp")
  printf '%-34s %8s %10s %10s\n' "bench/compile/pipeline.cpp" "$n" "$s" "$mib"
  json_bodies+="${json_bodies:+,}\"$n\":{\"s\":$s,\"mib\":$mib}"
done
json_switch=""
for n in $bodies; do
  [[ $n == 1 ]] && continue
  read -r s mib < <(measure -DBODIES="$n" -DSWITCH "$here/pipeline.cpp")
  printf '%-34s %8s %10s %10s\n' "  same choices with hp_switch" "1 ($n)" "$s" "$mib"
  json_switch+="${json_switch:+,}\"$n\":{\"s\":$s,\"mib\":$mib}"
done
echo
echo "goal: the main example at most 60 s and 2048 MiB"
echo "{\"bench\":\"compile\",\"main_example_s\":$main_s,\"main_example_mib\":$main_mib,\"bodies\":{$json_bodies},\"switch\":{$json_switch}}"
