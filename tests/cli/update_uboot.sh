#!/bin/sh
# The U-Boot backend: a redundant U-Boot environment made by mkenvimage (u-boot-tools) in two
# files, read and written by mamori through libubootenv and checked with fw_printenv: the
# variables, the trial countdown, the fallback, other variables kept.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
command -v mkenvimage > /dev/null && command -v fw_printenv > /dev/null || { echo "SKIP: u-boot-tools or libubootenv-tool missing"; summary; exit; }
mkdir -p "$t/state" "$t/slots"
printf 'bootcmd=run mamori_boot\nbootdelay=1\n' > "$t/vars.txt"
mkenvimage -r -s 0x4000 -o "$t/env0" "$t/vars.txt"
cp "$t/env0" "$t/env1"
printf '%s 0x0 0x4000\n%s 0x0 0x4000\n' "$t/env0" "$t/env1" > "$t/fw_env.config"
"$MAMORI" update keygen -s "$t/k.key" -p "$t/k.pub" 2>/dev/null
head -c 2000000 /dev/urandom > "$t/img"
"$MAMORI" update sign -s "$t/k.key" --compatible acme --version 2 --counter 2 -o "$t/b.mup" rootfs="$t/img" 2>/dev/null
cat > "$t/c.conf" <<C
[update]
compatible = acme
state = $t/state
bootloader = uboot
uboot_config = $t/fw_env.config
max_tries = 1
key = $t/k.pub
[slot.rootfs]
type = file
a = $t/slots/a
b = $t/slots/b
C
"$MAMORI" update install -c "$t/c.conf" "$t/b.mup" 2>/dev/null
ok "install with the U-Boot backend" test $? -eq 0
fw_printenv -c "$t/fw_env.config" > "$t/env.txt"
ok "fw_printenv reads mamori's variables" sh -c "grep -qx 'mamori_active=b' '$t/env.txt' && grep -qx 'mamori_trial=1' '$t/env.txt' && grep -qx 'mamori_tries=1' '$t/env.txt'"
ok "other U-Boot variables are kept" grep -qx 'bootcmd=run mamori_boot' "$t/env.txt"
"$MAMORI" update boot -c "$t/c.conf" > /dev/null 2>&1
"$MAMORI" update boot -c "$t/c.conf" > /dev/null 2>&1
ok "no mark-good: fell back to a" sh -c "fw_printenv -c '$t/fw_env.config' mamori_active | grep -qx 'mamori_active=a'"
"$MAMORI" update install -c "$t/c.conf" "$t/b.mup" 2>/dev/null && "$MAMORI" update mark-good -c "$t/c.conf" > /dev/null 2>&1
ok "mark-good commits the new slot" sh -c "fw_printenv -c '$t/fw_env.config' mamori_good | grep -qx 'mamori_good=b'"
head -c 16384 /dev/zero > "$t/env0"; head -c 16384 /dev/zero > "$t/env1"
"$MAMORI" update status -c "$t/c.conf" 2> "$t/err"
ok "an unreadable environment: exit 3 with a reason" sh -c "test $? -eq 3 && grep -q 'U-Boot environment' '$t/err'"
summary
