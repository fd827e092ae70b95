#!/bin/sh
# Builds the UBI and UBIFS fixtures of tests/test_ubi.c and tests/cli/audit_ubi.sh with the real
# tools (mtd-utils' mkfs.ubifs and ubinize, squashfs-tools' mksquashfs), from a small root tree
# made here: BusyBox (busybox-static), an /etc/shadow whose root password is the Mirai default
# "xc3511", an inittab with a root shell on the console, symlinks, a hard link, a FIFO, device
# nodes (through a device table, no root needed), a 400 KiB file, a sparse file and an empty one.
#   sh tests/gen/mkubi.sh OUTDIR
# Writes in OUTDIR:
#   root/                  the source tree (what every image must give back byte for byte)
#   devtable               the device nodes mkfs.ubifs adds (not in root/)
#   ubifs-C.img            bare UBIFS, C = lzo zlib zstd none (zstd only when mkfs.ubifs has it)
#   ubi-C.ubi              ubifs-C.img in a dynamic volume "rootfs", 128 KiB PEBs, 2 KiB pages
#   ubi-nor.ubi            ubifs-lzo for 64 KiB NOR erase blocks (min I/O 1, LEB 65408)
#   ubi-two.ubi            OpenWrt layout: static volume "rootfs" (a SquashFS of root/), dynamic
#                          volume "rootfs_data" (UBIFS of overlay/), autoresize
#   overlay/               the tree of rootfs_data
#   tiny.ubi               3 KiB: 1 KiB PEBs, static "kernel" (20 bytes), empty dynamic "data"
#                          (the fuzz seed fuzz/corpus/ubi/ubinize-tiny is a 0 byte, then this)
# Nothing here is random: image_seq is fixed and the data comes from seeded generators.
set -eu
out=${1:?usage: mkubi.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
r=$out/root
rm -rf "$r" "$out/overlay"
mkdir -p "$r/bin" "$r/sbin" "$r/etc/init.d" "$r/usr/share/data" "$r/dev" "$r/tmp" "$r/a/b/c/d"

cp /bin/busybox "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
ln -s ../bin/busybox "$r/sbin/init"
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n' > "$r/etc/passwd"
hash=$(openssl passwd -1 -salt mamori xc3511)
printf 'root:%s:19000:0:99999:7:::\nadmin:*:19000:0:99999:7:::\n' "$hash" > "$r/etc/shadow"
chmod 600 "$r/etc/shadow"
printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sh\nttyS0::askfirst:/bin/sh\n' > "$r/etc/inittab"
printf '#!/bin/sh\nmount -a\n/usr/sbin/telnetd -l /bin/sh\n' > "$r/etc/init.d/rcS"
chmod 755 "$r/etc/init.d/rcS"
# 200 KiB of AES-CTR keystream (incompressible, the same on every run), then 200 KiB of text
openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 0 -nosalt \
	-in /dev/zero 2>/dev/null | head -c 204800 > "$r/usr/share/data/big.bin"
seq 1 40000 | head -c 204800 >> "$r/usr/share/data/big.bin"
# a hole of three blocks between two data blocks (mkfs.ubifs writes no node for zero blocks)
{ seq 1 1000 | head -c 4096; head -c 12288 /dev/zero; seq 1 1000 | head -c 5000; } \
	> "$r/usr/share/data/sparse.bin"
head -c 4096 "$r/usr/share/data/big.bin" > "$r/usr/share/data/block.bin"
: > "$r/etc/empty"
printf 'x' > "$r/a/b/c/d/deep"
ln "$r/etc/passwd" "$r/etc/passwd.link"
ln -s /usr/share/data/big.bin "$r/usr/share/abs-link"
long=$(printf '%0200d' 0 | tr 0 x)
ln -s "../$long/target" "$r/usr/share/long-link"
mkfifo "$r/tmp/fifo"
printf '/dev/console c 600 0 0 5 1 - - -\n/dev/mtdblock0 b 640 0 6 31 0 - - -\n' > "$out/devtable"

mkdir -p "$out/overlay/etc/config"
printf 'root:%s:19000:0:99999:7:::\n' "$hash" > "$out/overlay/etc/shadow"
printf "config dropbear\n\toption PasswordAuth 'on'\n" > "$out/overlay/etc/config/dropbear"

ubifs() { # compressor output [extra options]
	c=$1; o=$2; shift 2
	mkfs.ubifs -q -m 2048 -e 126976 -c 128 -x "$c" -D "$out/devtable" -r "$r" -o "$o" "$@"
}
ini() { # file section image id type name [flags]
	printf '[%s]\nmode=ubi\nimage=%s\nvol_id=%s\nvol_type=%s\nvol_name=%s\n' "$2" "$3" "$4" \
		"$5" "$6" >> "$1"
	[ $# -lt 7 ] || printf 'vol_flags=%s\n' "$7" >> "$1"
}
for c in lzo zlib zstd none; do
	if ! ubifs "$c" "$out/ubifs-$c.img" 2>/dev/null; then
		[ "$c" = zstd ] || { echo "mkubi: mkfs.ubifs -x $c failed" >&2; exit 1; }
		echo "mkubi: mkfs.ubifs has no zstd: skipped" >&2
		continue
	fi
	rm -f "$out/ubi-$c.ini"
	ini "$out/ubi-$c.ini" rootfs "$out/ubifs-$c.img" 0 dynamic rootfs autoresize
	ubinize -o "$out/ubi-$c.ubi" -p 128KiB -m 2048 -Q 1234567 "$out/ubi-$c.ini" >/dev/null
done
mkfs.ubifs -q -m 1 -e 65408 -c 128 -x lzo -D "$out/devtable" -r "$r" -o "$out/ubifs-nor.img"
rm -f "$out/ubi-nor.ini"
ini "$out/ubi-nor.ini" rootfs "$out/ubifs-nor.img" 0 dynamic rootfs
ubinize -o "$out/ubi-nor.ubi" -p 64KiB -m 1 -Q 7654321 "$out/ubi-nor.ini" >/dev/null

mksquashfs "$r" "$out/root.sqfs" -noappend -quiet -comp xz -all-root >/dev/null
mkfs.ubifs -q -m 2048 -e 126976 -c 64 -x zlib -r "$out/overlay" -o "$out/overlay.ubifs"
rm -f "$out/ubi-two.ini"
ini "$out/ubi-two.ini" rootfs "$out/root.sqfs" 0 static rootfs
ini "$out/ubi-two.ini" rootfs_data "$out/overlay.ubifs" 1 dynamic rootfs_data autoresize
ubinize -o "$out/ubi-two.ubi" -p 128KiB -m 2048 -Q 42 "$out/ubi-two.ini" >/dev/null

printf 'hello static volume\n' > "$out/kernel.bin"
rm -f "$out/tiny.ini"
ini "$out/tiny.ini" kernel "$out/kernel.bin" 0 static kernel
printf '[data]\nmode=ubi\nvol_id=1\nvol_type=dynamic\nvol_name=data\nvol_size=4KiB\n' \
	>> "$out/tiny.ini"
ubinize -o "$out/tiny.ubi" -p 1KiB -m 64 -Q 5 "$out/tiny.ini" >/dev/null
