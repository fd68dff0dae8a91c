#!/usr/bin/env bash
# Formats htune's C++ with clang-format 19 and the repository's .clang-format.
#   scripts/format.sh           rewrite every file that is not formatted
#   scripts/format.sh --check   change nothing; list the files that are not formatted, exit 1 if any
# The files: the tracked *.hpp and *.cpp under include/, tests/, examples/ and bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "format.sh: unknown option '$1' (--check)" >&2; exit 2 ;;
esac
formatter=$(command -v clang-format-19 || true)
if [ -z "$formatter" ]; then
  echo "format.sh: clang-format-19 is missing (scripts/bootstrap.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -- include tests examples bench | grep -E '\.(hpp|cpp)$')
if [ "$check" = 1 ]; then
  bad=()
  for f in "${files[@]}"; do
    "$formatter" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'not formatted (run scripts/format.sh): %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  "$formatter" -i "${files[@]}"
fi
