#!/bin/sh
# Runs the end-to-end scripts: tests/cli/*.sh (the mamori program on fixtures and shared data)
# and tests/net/*.sh (real tools in network namespaces; root only, skipped otherwise).
# Each script prints "N passed, N failed" last; a script that dies counts as one failure.
# Environment: MAMORI (the program), GENDIR (built generators).
set -u
p=0; f=0
for t in tests/cli/*.sh tests/net/*.sh; do
  [ -f "$t" ] || continue
  case $(basename "$t") in lib*) continue ;; esac
  out=$(sh "$t" 2>&1); rc=$?
  printf '%s\n' "$out" | sed "s|^|  $(basename "$t"): |"
  last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -z "$last" ]; then
    echo "  $(basename "$t"): died (exit $rc) without a summary"; f=$((f + 1)); continue
  fi
  set -- $last
  p=$((p + $1)); f=$((f + $3))
  [ $rc -eq 0 ] || [ "$3" -gt 0 ] || { echo "  $(basename "$t"): exit $rc"; f=$((f + 1)); }
done
echo "scripts: $p passed, $f failed"
[ $f -eq 0 ]
