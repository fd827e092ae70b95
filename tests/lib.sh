# Sourced by tests/cli/*.sh and tests/net/*.sh: tiny assertion helpers (signify regress style).
# ok NAME COMMAND...   passes when COMMAND exits 0;   summary  prints "N passed, N failed".
T_PASS=0; T_FAIL=0
MAMORI=${MAMORI:-build/release/mamori}
SHARED=${MAMORI_SHARED_DATA:-../shared/data}
ok() {
  _ok_name=$1; shift
  if "$@" >/dev/null 2>&1; then T_PASS=$((T_PASS + 1)); else T_FAIL=$((T_FAIL + 1)); echo "FAIL $_ok_name" >&2; fi
}
summary() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }
