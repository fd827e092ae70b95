#!/bin/sh
# Rebuilds the seed corpus of fuzz/fuzz_squashfs3.c (fuzz/corpus/squashfs3/) with
# tests/gen/mksquashfs3.py, our own SquashFS 3.x/2.x writer (not squashfs-tools 3.x), from a
# tiny tree: two 4 KiB blocks and a fragment tail, a sparse block, a symlink, a fifo, a subdir.
# Run from the repository root: sh tests/gen/mk-squashfs3-seeds.sh
set -eu
out=fuzz/corpus/squashfs3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/r/d" "$out"
printf 'tiny\n' > "$t/r/d/tiny"
python3 -c "import sys; open(sys.argv[1], 'wb').write(b'small squashfs ' * 600)" "$t/r/d/blocks.txt"
python3 -c "import sys; open(sys.argv[1], 'wb').write(bytes(4096) + b'tail')" "$t/r/sparse"
ln -s ../d/tiny "$t/r/d/up"
mkfifo "$t/r/fifo"
g() { name=$1; shift; python3 tests/gen/mksquashfs3.py "$t/r" "$out/$name.sqfs" --pad 0 --block-size 4096 "$@"; }
g v31-le-zlib
g v31-be-zlib --be
g v30-be-check --version 3.0 --be --check
g v31-le-none --comp none
g v31-le-lzma --comp lzma
g v31-be-lzma-vendor --comp lzma-vendor --be
g v30-le-nofrag --version 3.0 --no-fragments
g v21-le-zlib --version 2.1
g v21-be-check --version 2.1 --be --check
g v20-be-none --version 2.0 --be --comp none
g v31-le-loop --evil loop
g v21-be-dotdot --version 2.1 --be --evil dotdot
head -c 118 "$out/v31-le-zlib.sqfs" > "$out/v31-short-super.sqfs"
