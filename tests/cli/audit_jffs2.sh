#!/bin/sh
# `mamori audit firmware` on JFFS2 images made by mtd-utils (tests/gen/mkjffs2.sh: both byte
# orders, every compressor mkfs.jffs2 has, 64/128 KiB erase blocks, padding, no cleanmarkers,
# summaries) and on one carved out of a uImage: the planted default password and console
# shell are found in every one. tests/test_jffs2.c compares the files byte for byte.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if ! command -v mkfs.jffs2 > /dev/null 2>&1 && [ ! -x /usr/sbin/mkfs.jffs2 ]; then
  echo "SKIP: mkfs.jffs2 (mtd-utils) not installed"; summary; exit
fi
PATH=$PATH:/usr/sbin sh tests/gen/mkjffs2.sh "$t/g" > /dev/null 2>&1
ok "fixtures: mkjffs2.sh made the images" test -s "$t/g/list"
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
for img in $(cut -d' ' -f1 "$t/g/list") uimage.bin; do
  n=${img%.*}
  "$MAMORI" audit firmware "$t/g/$img" --format json -q > "$t/$n.json" 2> "$t/$n.err"
  ok "$n: exit 0" test $? -eq 0
  ok "$n: root's default password vizxv in /etc/shadow" j "$t/$n.json" "assert any(f['id']=='account.default-password' and f['path']=='/etc/shadow' and 'vizxv' in f['evidence'] for f in d['findings'])"
  ok "$n: ::respawn:/bin/sh on the console" j "$t/$n.json" "assert any(f['id']=='console.shell' and f['path']=='/etc/inittab' for f in d['findings'])"
  ok "$n: setuid BusyBox" j "$t/$n.json" "assert any(f['id']=='fs.setuid' and f['path']=='/bin/busybox' for f in d['findings'])"
done
ok "uimage: BusyBox version read from the carved file system" j "$t/uimage.json" "assert any(c['name'].lower()=='busybox' and c['version'] for c in d['components'])"
"$MAMORI" audit firmware "$t/g/uimage.bin" --format text > /dev/null 2> "$t/u.log"
ok "uimage: the unpack log names the JFFS2 at 0x1040" grep -q 'jffs2 @0x1040' "$t/u.log"

# a cut image (inside the data of big.bin, after /etc): the nodes before the cut are still
# read, the rest is dropped, no crash
head -c 1300000 "$t/g/be-zlib-128k.img" > "$t/cut.img"
"$MAMORI" audit firmware "$t/cut.img" --format json -q > "$t/cut.json"
ok "cut image: exit 0" test $? -eq 0
ok "cut image: /etc/shadow (before the cut) is still audited" j "$t/cut.json" "assert any(f['id']=='account.default-password' for f in d['findings'])"
# a JFFS2 whose only node is corrupt is no file system
dd if="$t/g/le-zlib-64k.img" of="$t/bad.img" bs=12 count=1 2> /dev/null
printf '\377' | dd of="$t/bad.img" bs=1 seek=9 conv=notrunc 2> /dev/null
"$MAMORI" audit firmware "$t/bad.img" --format json > /dev/null 2> "$t/bad.err"
ok "corrupt image: exit 3, no file system" sh -c "test $? -eq 3 && grep -q 'no Linux file system' '$t/bad.err'"
summary
