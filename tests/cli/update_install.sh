#!/bin/sh
# `mamori update install|status|mark-good|boot` on file slots: a signed bundle installs into
# the inactive slot byte for byte, refused bundles change nothing, the counter blocks a
# downgrade, an uncommitted trial falls back; then kill -9 at random points of installs
# (KILLS, default 200): the active slot and the boot state are unchanged every time, or the
# install had completed, and the next install succeeds.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# 200 kills in the release build; the ASan build (several times slower) runs 50
case $MAMORI in *asan*) KILLS=${KILLS:-50} ;; *) KILLS=${KILLS:-200} ;; esac
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

"$MAMORI" update keygen -s "$t/k.key" -p "$t/k.pub" 2>/dev/null
head -c 24000000 /dev/urandom > "$t/img2"
head -c 24000000 /dev/urandom > "$t/img3"
mkdir -p "$t/state" "$t/slots"
printf 'factory\n' > "$t/slots/rootfs.a"
cat > "$t/c.conf" <<C
[update]
compatible = acme-cam
state = $t/state
bootloader = file
max_tries = 2
key = $t/k.pub

[slot.rootfs]
type = file
a = $t/slots/rootfs.a
b = $t/slots/rootfs.b
C
S() { "$MAMORI" update sign -s "$t/k.key" --compatible acme-cam "$@" 2>/dev/null; }
S --version 2.0 --counter 2 -o "$t/v2.mup" rootfs="$t/img2"
S --version 3.0 --counter 3 -o "$t/v3.mup" rootfs="$t/img3"
S --version 3.1 --counter 3 -o "$t/v31.mup" rootfs="$t/img2"
"$MAMORI" update sign -s "$t/k.key" --compatible other --version 9 --counter 9 -o "$t/other.mup" rootfs="$t/img3" 2>/dev/null
cp "$t/v2.mup" "$t/bad.mup"
printf '\001' | dd of="$t/bad.mup" bs=1 seek=12000000 conv=notrunc 2>/dev/null

"$MAMORI" update status -c "$t/c.conf" --json > "$t/s0.json"
ok "factory state: slot a active, counter 0" j "$t/s0.json" "assert d['active']=='a' and d['counter']==0 and not d['trial']"
"$MAMORI" update install -c "$t/c.conf" "$t/bad.mup" 2> "$t/bad.err"
ok "flipped byte: install refused, exit 17" test $? -eq 17
ok "flipped byte: the block that failed never reached the slot" python3 -c "
import sys; s=open('$t/slots/rootfs.b','rb').read(); i=open('$t/img2','rb').read()
blk=(12000000-300)//1048576  # the flipped payload block (the header, manifest and signature come first)
assert len(s) <= blk*1048576, (len(s), blk)
assert s == i[:len(s)]"
"$MAMORI" update status -c "$t/c.conf" --json > "$t/s1.json"
ok "flipped byte: slot b invalid, still booting a" j "$t/s1.json" "assert d['active']=='a' and not d['trial'] and not d['slots']['b']['valid']"
"$MAMORI" update install -c "$t/c.conf" "$t/other.mup" 2>/dev/null
ok "wrong product: exit 12" test $? -eq 12
"$MAMORI" update install -c "$t/c.conf" "$t/v2.mup" 2>/dev/null
ok "v2 (counter 2): installed" test $? -eq 0
ok "v2: slot b equals the image" cmp -s "$t/img2" "$t/slots/rootfs.b"
ok "v2: slot a untouched" sh -c "printf 'factory\n' | cmp -s - '$t/slots/rootfs.a'"
"$MAMORI" update status -c "$t/c.conf" --json > "$t/s2.json"
ok "v2: b active on trial, a good, counter 2" j "$t/s2.json" "assert d['active']=='b' and d['good']=='a' and d['trial'] and d['tries_left']==2 and d['counter']==2 and d['slots']['b']['version']=='2.0'"
"$MAMORI" update install -c "$t/c.conf" "$t/v3.mup" 2>/dev/null
ok "install while on trial: refused (exit 3)" test $? -eq 3
for i in 1 2 3; do "$MAMORI" update boot -c "$t/c.conf" > /dev/null 2>&1; done
"$MAMORI" update status -c "$t/c.conf" --json > "$t/s3.json"
ok "never marked good: fell back to a after max_tries boots" j "$t/s3.json" "assert d['active']=='a' and not d['trial']"
"$MAMORI" update install -c "$t/c.conf" "$t/v2.mup" 2>/dev/null && "$MAMORI" update mark-good -c "$t/c.conf" > /dev/null
"$MAMORI" update install -c "$t/c.conf" "$t/v3.mup" 2>/dev/null && "$MAMORI" update mark-good -c "$t/c.conf" > /dev/null
"$MAMORI" update status -c "$t/c.conf" --json > "$t/s4.json"
ok "v3 (counter 3) installed and marked good" j "$t/s4.json" "assert d['counter']==3 and not d['trial'] and d['slots'][d['active']]['version']=='3.0'"
"$MAMORI" update install -c "$t/c.conf" "$t/v2.mup" 2> "$t/down.err"
ok "after counter 3, the counter-2 bundle is refused (exit 13)" test $? -eq 13
ok "downgrade message names both counters" grep -q "security counter 2 is below the stored 3" "$t/down.err"

# --- kill -9 at random points
interrupted=0; completed=0; broken=0; nextfail=0
bundle=$t/v31.mup; other=$t/v3.mup
for n in $(seq 1 "$KILLS"); do
  "$MAMORI" update status -c "$t/c.conf" --json > "$t/before.json" 2>/dev/null
  act=$(python3 -c "import json; print(json.load(open('$t/before.json'))['active'])")
  cp "$t/slots/rootfs.$act" "$t/active.copy"
  cp "$t/state/bootenv" "$t/bootenv.copy" 2>/dev/null || : > "$t/bootenv.copy"
  "$MAMORI" update install -c "$t/c.conf" "$bundle" > /dev/null 2>&1 &
  pid=$!
  # a random point: 0 to 59 ms into an install that takes about 40-80 ms
  sleep "0.0$(shuf -i 0-5 -n 1)$(shuf -i 0-9 -n 1)"
  if kill -9 "$pid" 2>/dev/null; then interrupted=$((interrupted + 1)); else completed=$((completed + 1)); fi
  wait "$pid" 2>/dev/null
  "$MAMORI" update status -c "$t/c.conf" --json > "$t/after.json" 2>/dev/null || broken=$((broken + 1))
  if cmp -s "$t/state/bootenv" "$t/bootenv.copy"; then
    # not committed: the active slot's bytes and the boot state are exactly as before
    cmp -s "$t/slots/rootfs.$act" "$t/active.copy" || broken=$((broken + 1))
  else
    # committed before the kill landed: the new slot is active, on trial, and complete
    python3 -c "import json; d=json.load(open('$t/after.json')); assert d['active']!='$act' and d['trial']" 2>/dev/null || broken=$((broken + 1))
    new=$(python3 -c "import json; print(json.load(open('$t/after.json'))['active'])")
    { cmp -s "$t/slots/rootfs.$new" "$t/img2" || cmp -s "$t/slots/rootfs.$new" "$t/img3"; } || broken=$((broken + 1))
    for b in 1 2 3; do "$MAMORI" update boot -c "$t/c.conf" > /dev/null 2>&1; done
  fi
  # the next install succeeds, and is committed so that the slots alternate
  "$MAMORI" update install -c "$t/c.conf" "$other" > /dev/null 2>&1 || nextfail=$((nextfail + 1))
  "$MAMORI" update mark-good -c "$t/c.conf" > /dev/null 2>&1
  tmp=$bundle; bundle=$other; other=$tmp
done
echo "kill -9: $KILLS runs, $interrupted interrupted, $completed had completed; $broken broken states, $nextfail failed next installs"
ok "kill -9 x$KILLS: active slot and boot state intact every time" test "$broken" -eq 0
ok "kill -9 x$KILLS: the next install always succeeds" test "$nextfail" -eq 0
ok "kill -9 x$KILLS: most kills interrupted an install" test "$interrupted" -gt $((KILLS / 2))
summary
