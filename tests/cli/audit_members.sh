#!/bin/sh
# Images stored as files inside archives (update packages): a squashfs in a tar, a gzip'd
# squashfs in a cpio, a tar of a root file system beside an image. Built here with mksquashfs,
# GNU tar, cpio and gzip from a small root with planted weaknesses.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
command -v mksquashfs > /dev/null || { echo "SKIP: mksquashfs missing"; summary; exit; }

r=$t/root
mkdir -p "$r/etc" "$r/bin"
cp /bin/busybox "$r/bin/busybox" 2>/dev/null || printf '\177ELF' > "$r/bin/busybox"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
# "admin" as MD5-crypt (openssl passwd -1 -salt mamori admin)
printf 'root:$1$mamori$ZiNBVMDvkObAmt3xxfIOu0:19000:0:99999:7:::\n' > "$r/etc/shadow"
printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sh\n' > "$r/etc/inittab"
mksquashfs "$r" "$t/rootfs.squashfs" -quiet -noappend -all-root -comp xz > /dev/null

# a package: a tar with a manifest and the image
mkdir -p "$t/pkg"
cp "$t/rootfs.squashfs" "$t/pkg/rootfs.squashfs"
printf 'version=1.2.3\n' > "$t/pkg/manifest.txt"
tar -C "$t/pkg" -cf "$t/update.tar" manifest.txt rootfs.squashfs
"$MAMORI" audit firmware "$t/update.tar" --format json -o "$t/tar.json" 2> "$t/tar.err"
ok "tar package: exit 0" test $? -eq 0
ok "tar package: the squashfs member is opened" grep -q "tar member /rootfs.squashfs" "$t/tar.err"
ok "tar package: its root file system at /" j "$t/tar.json" "assert any(f['id']=='account.default-password' and f['path']=='/etc/shadow' and 'admin' in f['evidence'] for f in d['findings'])"
ok "tar package: console shell from its inittab" j "$t/tar.json" "assert any(f['id']=='console.shell' and f['path']=='/etc/inittab' for f in d['findings'])"

# a cpio holding a gzip'd image (large enough to be opened: 256 KiB and more)
mkdir -p "$t/pkg2"
head -c 300000 /dev/urandom > "$t/pkg2/padding.bin"
cat "$t/rootfs.squashfs" "$t/pkg2/padding.bin" | gzip -c > "$t/pkg2/rootfs.img.gz"
(cd "$t/pkg2" && printf 'rootfs.img.gz\n' | cpio -o -H newc > "$t/update.cpio" 2>/dev/null)
"$MAMORI" audit firmware "$t/update.cpio" --format json -o "$t/cpio.json" 2> "$t/cpio.err"
ok "cpio package: gzip member opened, image inside found" j "$t/cpio.json" "assert any(f['id']=='account.default-password' and f['path']=='/etc/shadow' for f in d['findings'])"

# a root file system tar that also carries an image: the tar stays at /, the image under /.fs1
mkdir -p "$t/root2/etc" "$t/root2/boot"
printf 'root::0:0:root:/root:/bin/sh\n' > "$t/root2/etc/passwd"
cp "$t/rootfs.squashfs" "$t/root2/boot/recovery.squashfs"
tar -C "$t/root2" -cf "$t/rootfs.tar" .
"$MAMORI" audit firmware "$t/rootfs.tar" --format json -o "$t/root.json" 2> "$t/root.err"
ok "root tar: its own /etc/passwd at /" j "$t/root.json" "assert any(f['id']=='account.empty-password' and f['path']=='/etc/passwd' for f in d['findings'])"
ok "root tar: the recovery image under /.fs1" grep -q "into /.fs1" "$t/root.err"

# small .gz members (documentation) are not opened
mkdir -p "$t/root3/etc" "$t/root3/usr/share/doc"
printf 'root::0:0:root:/root:/bin/sh\n' > "$t/root3/etc/passwd"
head -c 4096 "$t/rootfs.squashfs" | gzip -c > "$t/root3/usr/share/doc/small.gz"
tar -C "$t/root3" -cf "$t/root3.tar" .
"$MAMORI" audit firmware "$t/root3.tar" --format json -o "$t/root3.json" 2> "$t/root3.err"
ok "small gzip members are left alone" sh -c "! grep -q 'member /usr/share/doc/small.gz' '$t/root3.err'"
summary
