#!/bin/sh
# `mamori audit firmware` on UBI and UBIFS images made with the real tools (tests/gen/mkubi.sh:
# mkfs.ubifs with every compressor it has, ubinize with NAND and NOR geometry, the OpenWrt
# layout of a SquashFS in a static volume and a UBIFS overlay). The planted default password,
# the console shell and BusyBox are found in each; broken images fail with a message. The
# byte-for-byte comparison with the source tree is in tests/test_ubi.c.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if [ ! -x /usr/sbin/mkfs.ubifs ] && ! command -v mkfs.ubifs >/dev/null 2>&1; then
  echo "SKIP: mtd-utils not installed"; summary; exit
fi
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
sh tests/gen/mkubi.sh "$t/g" > "$t/gen.log" 2>&1
ok "mkubi.sh builds the images" test -s "$t/g/ubi-two.ubi"
G=$t/g

for img in ubi-lzo.ubi ubi-zlib.ubi ubi-zstd.ubi ubi-none.ubi ubi-nor.ubi \
           ubifs-lzo.img ubifs-zlib.img ubifs-zstd.img ubifs-none.img; do
  [ -f "$G/$img" ] || { echo "note: $img not built (no zstd in mkfs.ubifs?)"; continue; }
  "$MAMORI" audit firmware "$G/$img" --format json > "$t/r.json" 2> "$t/r.err"
  ok "$img: exit 0" test $? -eq 0
  ok "$img: root's default password xc3511 in /etc/shadow" j "$t/r.json" "assert any(f['id']=='account.default-password' and 'xc3511' in f['evidence'] and f['path']=='/etc/shadow' for f in d['findings'])"
  ok "$img: ::respawn:/bin/sh on the console" j "$t/r.json" "assert any(f['id']=='console.shell' and f['path']=='/etc/inittab' and 'respawn' in f['evidence'] for f in d['findings'])"
  ok "$img: BusyBox found as a component" j "$t/r.json" "assert any(c['name']=='busybox' and c['path']=='/bin/busybox' for c in d['components'])"
  case $img in
    ubi-*) ok "$img: the log names the UBI image and its volume" sh -c "grep -q '^UBI @0x0: PEB' '$t/r.err' && grep -q \"volume 0 'rootfs'.*UBIFS\" '$t/r.err'" ;;
    *) ok "$img: the log names the UBIFS" grep -q '^ubifs @0x0: ' "$t/r.err" ;;
  esac
done

# the OpenWrt layout: SquashFS in the static volume "rootfs" to /, the UBIFS overlay to /.fs1
"$MAMORI" audit firmware "$G/ubi-two.ubi" --format json > "$t/two.json" 2> "$t/two.err"
ok "two volumes: exit 0" test $? -eq 0
ok "two volumes: the SquashFS of the static volume is read into /" grep -q "^  squashfs @0x0: .*into /$" "$t/two.err"
ok "two volumes: the UBIFS of rootfs_data goes under /.fs1" grep -q "^  ubifs @0x0: .*into /.fs1" "$t/two.err"
ok "two volumes: the default password found" j "$t/two.json" "assert any(f['id']=='account.default-password' and 'xc3511' in f['evidence'] for f in d['findings'])"

# inside a larger image, after a header: found at its offset
{ head -c 65536 /dev/zero; cat "$G/ubi-nor.ubi"; printf 'trailer'; } > "$t/fw.bin"
"$MAMORI" audit firmware "$t/fw.bin" --format json > "$t/fw.json" 2> "$t/fw.err"
ok "embedded UBI: found at 0x10000" grep -q '^UBI @0x10000: PEB 64.0 KiB' "$t/fw.err"
ok "embedded UBI: audited" j "$t/fw.json" "assert any(f['id']=='account.default-password' for f in d['findings'])"

# broken images: a message, no file system, exit 3
head -c 1000000 "$G/ubi-lzo.ubi" > "$t/cut.ubi"
"$MAMORI" audit firmware "$t/cut.ubi" --format json > /dev/null 2> "$t/cut.err"
ok "truncated UBI: exit 3" test $? -eq 3
ok "truncated UBI: says where it was cut" grep -q "cut short" "$t/cut.err"
python3 - "$G/ubifs-lzo.img" "$t/bad.img" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
root = int.from_bytes(d[126976 + 48:126976 + 52], 'little') * 126976 + int.from_bytes(d[126976 + 52:126976 + 56], 'little')
d[root + 40] ^= 1  # inside the index root: its CRC no longer matches
open(sys.argv[2], 'wb').write(d)
EOF
"$MAMORI" audit firmware "$t/bad.img" --format json > /dev/null 2> "$t/bad.err"
ok "UBIFS with a bad index CRC: exit 3" test $? -eq 3
ok "UBIFS with a bad index CRC: names the offset" grep -q "CRC mismatch at offset" "$t/bad.err"
summary
