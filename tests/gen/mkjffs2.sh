#!/bin/sh
# Builds the JFFS2 fixtures of tests/test_jffs2.c and tests/cli/audit_jffs2.sh with the real
# tools (mtd-utils' mkfs.jffs2 and sumtool), from a small root tree made here: BusyBox
# (busybox-static, 2 MB: many erase blocks), an /etc/shadow whose root password is the
# dictionary default "vizxv", an inittab with a root shell on the console, symlinks, a hard
# link, device nodes and a FIFO (through a device table, no root needed), an incompressible
# file, a file of zeros, an empty one and a deep directory.
#   sh tests/gen/mkjffs2.sh OUTDIR          the images below
#   sh tests/gen/mkjffs2.sh --seeds OUTDIR  tiny images for fuzz/corpus/jffs2
# Writes in OUTDIR:
#   root/        the source tree (what every image must give back byte for byte)
#   devtable     the device nodes mkfs.jffs2 adds (not in root/)
#   list         one line per image: file name, then the mkfs.jffs2 options used
#   *.img        the images: both byte orders, every compressor mkfs.jffs2 has (zlib, rtime,
#                lzo; -m none, priority and size), 64 and 128 KiB erase blocks, -p, -n, an
#                8 KiB page, and sumtool's erase-block summaries
#   uimage.bin   4 KiB of junk, then le-zlib-64k.img behind a legacy U-Boot header (carving)
# Nothing here is random: the data comes from seeded generators, times are faked (-f).
set -eu
seeds=0
if [ "${1:-}" = --seeds ]; then seeds=1; shift; fi
out=${1:?usage: mkjffs2.sh [--seeds] OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
r=$out/root
rm -rf "$r"
mkdir -p "$r"

if [ $seeds -eq 1 ]; then
	# small enough for a fuzzer: a few hundred bytes each
	mkdir -p "$r/etc" "$r/bin"
	printf 'root:$1$x$y:0:0:::\n' > "$r/etc/shadow"
	printf '::respawn:/bin/sh\n' > "$r/etc/inittab"
	ln "$r/etc/inittab" "$r/etc/inittab.link"
	ln -s ../etc/inittab "$r/bin/sh"
	seq 1 300 > "$r/etc/numbers"
	printf '/dev d 755 0 0 - - - - -\n/dev/console c 600 0 0 5 1 - - -\n' > "$out/devtable"
	o="-f -q -D $out/devtable -r $r"
	# shellcheck disable=SC2086 # $o is a list of options
	{
		mkfs.jffs2 $o -l -o "$out/le-zlib.img"
		mkfs.jffs2 $o -b -n -o "$out/be-zlib-nocm.img"
		mkfs.jffs2 $o -l -x zlib -o "$out/le-rtime.img"
		mkfs.jffs2 $o -b -X lzo -x zlib -x rtime -o "$out/be-lzo.img"
		mkfs.jffs2 $o -l -m none -n -o "$out/le-none.img"
	}
	rm -rf "$r" "$out/devtable"
	exit 0
fi

mkdir -p "$r/bin" "$r/sbin" "$r/etc/init.d" "$r/usr/share/data" "$r/dev" "$r/tmp" "$r/a/b/c/d"
cp /bin/busybox "$r/bin/busybox"
chmod 4755 "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
ln -s ../bin/busybox "$r/sbin/init"
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n' > "$r/etc/passwd"
hash=$(openssl passwd -1 -salt jffs2 vizxv)
printf 'root:%s:19000:0:99999:7:::\nadmin:*:19000:0:99999:7:::\n' "$hash" > "$r/etc/shadow"
chmod 600 "$r/etc/shadow"
printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sh\n' > "$r/etc/inittab"
printf '#!/bin/sh\nmount -a\n/usr/sbin/telnetd -l /bin/sh\n' > "$r/etc/init.d/rcS"
chmod 755 "$r/etc/init.d/rcS"
# 150 KiB of AES-CTR keystream (incompressible: stored as "none" nodes), 150 KiB of text
openssl enc -aes-128-ctr -K 0f0e0d0c0b0a09080706050403020100 -iv 0 -nosalt \
	-in /dev/zero 2>/dev/null | head -c 153600 > "$r/usr/share/data/big.bin"
seq 1 40000 | head -c 153600 >> "$r/usr/share/data/big.bin"
head -c 20000 /dev/zero > "$r/usr/share/data/zeros.bin"
: > "$r/etc/empty"
printf 'x' > "$r/a/b/c/d/deep"
ln "$r/etc/passwd" "$r/etc/passwd.link"
ln -s /usr/share/data/big.bin "$r/usr/share/abs-link"
printf '/dev/console c 600 0 0 5 1 - - -\n/dev/mtdblock0 b 640 0 6 31 0 - - -\n/tmp/fifo p 644 0 0 - - - - -\n' \
	> "$out/devtable"

: > "$out/list"
mk() { # name, then mkfs.jffs2 options
	n=$1
	shift
	mkfs.jffs2 -f -D "$out/devtable" -r "$r" -o "$out/$n.img" "$@"
	echo "$n.img $*" >> "$out/list"
}
mk le-zlib-64k -l -e 64KiB
mk be-zlib-128k -b -e 128KiB
mk le-rtime -l -x zlib
mk be-rtime -b -x zlib
mk le-lzo -l -X lzo -x zlib -x rtime
mk be-lzo -b -X lzo -x zlib -x rtime
mk le-none -l -m none
mk be-none -b -m none -e 128KiB
mk le-size -l -m size -X lzo
mk be-priority-lzo -b -X lzo
mk le-pad-nocm -l -p -n -e 128KiB
mk be-pad -b -p -e 64KiB
mk le-page8k -l -s 8192 -e 128KiB
sumtool -i "$out/le-zlib-64k.img" -o "$out/le-sum.img" -e 64KiB -l
echo "le-sum.img sumtool -e 64KiB -l (of le-zlib-64k.img)" >> "$out/list"
sumtool -i "$out/be-zlib-128k.img" -o "$out/be-sum.img" -e 128KiB -b -p
echo "be-sum.img sumtool -e 128KiB -b -p (of be-zlib-128k.img)" >> "$out/list"

# a legacy uImage header (64 bytes, big-endian, CRC-32 of the header and of the data) around
# one image, after 4 KiB of junk, so that the unpacker has to carve it at 0x1040
python3 - "$out/le-zlib-64k.img" "$out/uimage.bin" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
# os Linux (5), arch MIPS (5), type filesystem (7), compression none (0)
hdr = struct.pack('>IIIIIIIBBBB32s', 0x27051956, 0, 0, len(data), 0, 0,
                  zlib.crc32(data), 5, 5, 7, 0, b'mamori jffs2 rootfs')
hdr = hdr[:4] + struct.pack('>I', zlib.crc32(hdr)) + hdr[8:]
junk = bytes((i * 37 + 11) & 0xff for i in range(4096))
open(sys.argv[2], 'wb').write(junk + hdr + data)
EOF
