#!/bin/sh
# The GRUB backend: mamori's boot variables in a grubenv made and read by the real
# grub-editenv, other variables kept, the trial counted down and the fallback taken.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
command -v grub-editenv > /dev/null || { echo "SKIP: grub-editenv missing"; summary; exit; }
mkdir -p "$t/state" "$t/slots" "$t/boot"
"$MAMORI" update keygen -s "$t/k.key" -p "$t/k.pub" 2>/dev/null
head -c 2000000 /dev/urandom > "$t/img"
"$MAMORI" update sign -s "$t/k.key" --compatible acme --version 2 --counter 2 -o "$t/b.mup" rootfs="$t/img" 2>/dev/null
grub-editenv "$t/boot/grubenv" create
grub-editenv "$t/boot/grubenv" set saved_entry=debian
cat > "$t/c.conf" <<C
[update]
compatible = acme
state = $t/state
bootloader = grub
grubenv = $t/boot/grubenv
max_tries = 2
key = $t/k.pub
[slot.rootfs]
type = file
a = $t/slots/a
b = $t/slots/b
C
"$MAMORI" update install -c "$t/c.conf" "$t/b.mup" 2>/dev/null
ok "install with the grub backend" test $? -eq 0
grub-editenv "$t/boot/grubenv" list > "$t/env1"
ok "grub-editenv reads mamori's variables" sh -c "grep -qx 'mamori_active=b' '$t/env1' && grep -qx 'mamori_trial=1' '$t/env1' && grep -qx 'mamori_tries=2' '$t/env1'"
ok "other GRUB variables are kept" grep -qx 'saved_entry=debian' "$t/env1"
ok "the block stays 1024 bytes" test "$(wc -c < "$t/boot/grubenv")" -eq 1024
grub-editenv "$t/boot/grubenv" set next_entry=rescue
for i in 1 2 3; do "$MAMORI" update boot -c "$t/c.conf" > /dev/null 2>&1; done
grub-editenv "$t/boot/grubenv" list > "$t/env2"
ok "no mark-good: fell back to a" sh -c "grep -qx 'mamori_active=a' '$t/env2' && grep -qx 'mamori_trial=0' '$t/env2'"
ok "a variable set by grub-editenv in between is kept" grep -qx 'next_entry=rescue' "$t/env2"
printf 'garbage' > "$t/boot/grubenv"
"$MAMORI" update status -c "$t/c.conf" 2> "$t/err"
ok "a damaged grubenv: exit 3 with a reason" sh -c "test $? -eq 3 && grep -q 'not a GRUB environment block' '$t/err'"
summary
