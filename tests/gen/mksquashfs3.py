#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mksquashfs3.py: writes SquashFS 3.x and 2.x images from a directory tree, for mamori's tests.

THIS IS MAMORI'S OWN WRITER, NOT squashfs-tools 3.x. No Debian 12 tool writes SquashFS 3.x or
2.x, and the public images we found were git-LFS pointers, so the test fixtures come from this
script. It was written from docs/formats/squashfs.md ("SquashFS 3.x and 2.x"), itself learned
from the Linux 2.6.2x kernel headers and squashfs-tools' unsquash-2/3 readers. Its images are
checked by Debian's unsquashfs 4.5 (tests/cli/audit_squashfs3.sh), an independent reader.

  mksquashfs3.py SRC OUT [--version 3.1|3.0|2.1|2.0] [--be] [--comp zlib|lzma|lzma-vendor|none]
                 [--block-size N] [--check] [--no-export] [--no-fragments] [--pad N]
                 [--evil dotdot|slash|loop|inode-offset|dir-block]

--comp lzma writes lzma-alone blocks (13-byte header with the size), lzma-vendor the 5-byte
header variant (props, dictionary size, raw LZMA1 data); both as vendor 3.x images do. --check
sets the CHECK flag (a 0xff marker after each metadata block header). --evil writes a hostile
image for the must-fail tests: an entry named ".." or "a/b", a directory entry that points back
at the root (a loop), an entry whose inode offset is past its block, or a directory whose
listing block is not a metadata block start. Output is deterministic (fixed times).
"""
import argparse
import lzma
import os
import stat
import struct
import sys
import zlib

META = 8192
MTIME = 1136073600  # 2006-01-01, when 3.x was current
NOFRAG = 0xFFFFFFFF


class Bits:
    """A packed C bit-field structure: little-endian images fill each byte from its least
    significant bit and store a field's least significant bit first; big-endian images fill
    from the most significant bit and store a field's most significant bit first."""

    def __init__(self, be):
        self.be = be
        self.fields = []

    def put(self, value, width):
        assert 0 <= value < (1 << width), (value, width)
        self.fields.append((value, width))
        return self

    def bytes(self):
        total = sum(w for _, w in self.fields)
        assert total % 8 == 0, total
        out = bytearray(total // 8)
        pos = 0
        for v, w in self.fields:
            for i in range(w):
                k = pos + i
                if self.be:
                    if (v >> (w - 1 - i)) & 1:
                        out[k >> 3] |= 1 << (7 - (k & 7))
                elif (v >> i) & 1:
                    out[k >> 3] |= 1 << (k & 7)
            pos += w
        return bytes(out)


class Writer:
    def __init__(self, opt):
        self.o = opt
        self.v3 = opt.version.startswith("3")
        self.minor = int(opt.version[2])
        self.be = opt.be
        self.bs = opt.block_size
        self.sblen = 119 if self.v3 else 63
        self.img = bytearray(self.sblen)
        self.frag_buf = bytearray()
        self.frags = []  # (start, size word)
        self.uids, self.gids = [], []
        self.inode_refs = {}  # inode number -> ref (export table)

    # ---- compression and blocks ----
    def pack(self, fmt, *v):
        return struct.pack(("<", ">")[self.be] + fmt, *v)

    def compress(self, data):
        c = self.o.comp
        if c == "none":
            return None
        if c == "zlib":
            return zlib.compress(bytes(data), 9)
        filt = [{"id": lzma.FILTER_LZMA1, "dict_size": max(4096, self.bs), "lc": 3, "lp": 0,
                 "pb": 2}]
        if c == "lzma":  # lzma-alone; the size field is always little-endian
            z = lzma.compress(bytes(data), format=lzma.FORMAT_ALONE, filters=filt)
            return z[:5] + struct.pack("<Q", len(data)) + z[13:]
        raw = lzma.compress(bytes(data), format=lzma.FORMAT_RAW, filters=filt)
        return bytes([3 + 9 * 0 + 45 * 2]) + struct.pack("<I", max(4096, self.bs)) + raw

    def data_block(self, data):
        """Appends one data block; returns its size word."""
        if self.v3 and not any(data) and len(data) == self.bs:
            return 0  # sparse
        z = self.compress(data)
        if z is None or len(z) >= len(data):
            self.img += data
            return len(data) | (1 << 24)
        self.img += z
        return len(z)

    def flush_frag(self):
        if self.frag_buf:
            start = len(self.img)
            self.frags.append((start, self.data_block(bytes(self.frag_buf))))
            self.frag_buf = bytearray()

    # ---- metadata ----
    def meta(self):
        return Meta(self)

    # ---- ids ----
    def uid_idx(self, uid):
        if uid not in self.uids:
            self.uids.append(uid)
        assert len(self.uids) <= 256
        return self.uids.index(uid)

    def gid_idx(self, uid, gid):
        if gid == uid:
            return 255  # "same as the uid"
        if gid not in self.gids:
            self.gids.append(gid)
        assert len(self.gids) <= 255
        return self.gids.index(gid)


class Meta:
    """A metadata table: 8 KiB chunks, each compressed (or stored) behind a 16-bit header."""

    def __init__(self, w):
        self.w = w
        self.buf = bytearray()
        self.out = bytearray()
        self.starts = []  # compressed start of each block, relative to the table

    def pos(self):
        return len(self.out), len(self.buf)

    def ref(self):
        b, o = self.pos()
        return b << 16 | o

    def add(self, data):
        self.buf += data
        while len(self.buf) >= META:
            self.block(self.buf[:META])
            self.buf = self.buf[META:]

    def finish(self):
        if self.buf:
            self.block(self.buf)
            self.buf = bytearray()

    def block(self, chunk):
        self.starts.append(len(self.out))
        z = self.w.compress(chunk)
        if z is None or len(z) >= len(chunk):
            hdr, data = len(chunk) | 0x8000, bytes(chunk)
        else:
            hdr, data = len(z), z
        self.out += self.w.pack("H", hdr)
        if self.w.o.check:
            self.out += b"\xff"
        self.out += data

    def block_of(self, upos):
        """Compressed start of the block holding uncompressed position upos (flushed)."""
        return self.starts[upos // META]


class Node:
    def __init__(self, path, name, st):
        self.path, self.name, self.st = path, name, st
        self.children = []
        self.number = 0
        self.ref = None


def scan(path, name):
    st = os.lstat(path)
    n = Node(path, name, st)
    if stat.S_ISDIR(st.st_mode):
        for e in sorted(os.listdir(path), key=os.fsencode):
            n.children.append(scan(os.path.join(path, e), os.fsencode(e)))
    return n


def number(n, counter, seen):
    """Inode numbers in the order the inodes are written: children before their directory."""
    for c in n.children:
        number(c, counter, seen)
    key = (n.st.st_dev, n.st.st_ino)
    if not stat.S_ISDIR(n.st.st_mode) and key in seen:
        n.number = seen[key].number
        return
    seen[key] = n
    counter[0] += 1
    n.number = counter[0]


TYPES = {stat.S_IFDIR: 1, stat.S_IFREG: 2, stat.S_IFLNK: 3, stat.S_IFBLK: 4, stat.S_IFCHR: 5,
         stat.S_IFIFO: 6, stat.S_IFSOCK: 7}


def build(opt, loop_ref=None):
    w = Writer(opt)
    root = scan(opt.src, b"")
    counter = [0]
    number(root, counter, {})
    inodes = w.meta()
    dirs = w.meta()
    written = {}  # (dev, ino) of regular files -> ref

    def base(b, n, itype):
        st = n.st
        b.put(itype, 4).put(stat.S_IMODE(st.st_mode), 12)
        b.put(w.uid_idx(st.st_uid), 8).put(w.gid_idx(st.st_uid, st.st_gid), 8)
        if w.v3:
            b.put(MTIME, 32).put(n.number, 32)

    def file_data(n):
        data = open(n.path, "rb").read()
        start = len(w.img)
        nfull = len(data) // w.bs
        tail = len(data) % w.bs
        use_frag = tail and not opt.no_fragments
        sizes = []
        for i in range(nfull + (1 if tail and not use_frag else 0)):
            sizes.append(w.data_block(data[i * w.bs:(i + 1) * w.bs]))
        frag, foff = NOFRAG, 0
        if use_frag:
            if len(w.frag_buf) + tail > w.bs:
                w.flush_frag()
            frag, foff = len(w.frags), len(w.frag_buf)
            w.frag_buf += data[nfull * w.bs:]
        return start, frag, foff, len(data), sizes

    def write_inode(n, parent_number):
        st = n.st
        fmt = stat.S_IFMT(st.st_mode)
        b = Bits(w.be)
        if fmt == stat.S_IFDIR:
            return write_dir(n, parent_number)
        if fmt == stat.S_IFREG:
            key = (st.st_dev, st.st_ino)
            if key in written:
                return written[key]
            start, frag, foff, size, sizes = file_data(n)
            if w.v3 and st.st_nlink > 1:
                base(b, n, 9)
                b.put(st.st_nlink, 32).put(start, 64).put(frag, 32).put(foff, 32).put(size, 64)
            elif w.v3:
                base(b, n, 2)
                b.put(start, 64).put(frag, 32).put(foff, 32).put(size, 32)
            else:
                base(b, n, 2)
                b.put(MTIME, 32).put(start, 32).put(frag, 32).put(foff, 32).put(size, 32)
            for s in sizes:
                b.put(s, 32)
            ref = inodes.ref()
            inodes.add(b.bytes())
            written[key] = ref
            w.inode_refs[n.number] = ref
            return ref
        base(b, n, TYPES[fmt])
        if w.v3:
            b.put(st.st_nlink, 32)
        extra = b""
        if fmt == stat.S_IFLNK:
            extra = os.fsencode(os.readlink(n.path))
            b.put(len(extra), 16)
        elif fmt in (stat.S_IFBLK, stat.S_IFCHR):
            b.put((os.major(st.st_rdev) << 8 | os.minor(st.st_rdev)) & 0xFFFF, 16)
        ref = inodes.ref()
        inodes.add(b.bytes() + extra)
        w.inode_refs[n.number] = ref
        return ref

    def write_dir(n, parent_number):
        ents = []
        for c in n.children:
            ref = write_inode(c, n.number)
            ents.append((c.name, ref, TYPES[stat.S_IFMT(c.st.st_mode)], c.number))
        if opt.evil == "dotdot" and ents and n is root:
            ents[0] = (b"..",) + ents[0][1:]
        if opt.evil == "slash" and ents and n is root:
            ents[0] = (b"a/b",) + ents[0][1:]
        if opt.evil == "inode-offset" and ents and n is root:
            ents[0] = (ents[0][0], (ents[0][1] & ~0xFFFF) | 8191) + ents[0][2:]
        # the listing: runs of at most 256 entries sharing an inode block (and, in 3.x, an
        # inode number base within a signed 16-bit delta); as mksquashfs does, a run also ends
        # where an entry would cross into the next metadata block, so that a header starts
        # there for the long directory's index
        listing = bytearray()
        index = []  # (listing offset of a header, its first name)
        d0 = dirs.pos()
        upos_start = len(dirs.starts) * META + len(dirs.buf)  # uncompressed stream position
        esz = 5 if w.v3 else 3  # bytes of an entry before its name
        if opt.evil == "loop" and n is not root and ents:
            # its own run, so that the listing's size does not depend on the reference
            ents.append((b"zz-loop", loop_ref or 0, 1, root.number if loop_ref else 1, True))
        run = None  # [header offset, inode block, inode number base, count]
        for e in ents:
            name, ref, t, num = e[:4]
            end = upos_start + len(listing) + esz + len(name) - 1
            if (run is None or run[3] == 256 or run[1] != ref >> 16 or len(e) > 4 or
                    (w.v3 and not -32768 <= num - run[2] <= 32767) or
                    (upos_start + run[0]) // META != end // META):
                run = [len(listing), ref >> 16, num, 0]
                h = Bits(w.be).put(0, 8).put(ref >> 16, 32 if w.v3 else 24)
                if w.v3:
                    h.put(num, 32)
                listing += h.bytes()
                index.append((run[0], name))
            eb = Bits(w.be).put(ref & 0x1FFF, 13).put(t, 3).put(len(name) - 1, 8)
            if w.v3:
                eb.put((num - run[2]) & 0xFFFF, 16)
            listing += eb.bytes() + name
            run[3] += 1
            listing[run[0]] = run[3] - 1  # count - 1: the first byte in either bit order
        # where each run landed in the directory table decides the index entries
        dirs.add(bytes(listing))
        idx_entries = []
        last_blk = upos_start // META
        for hoff, name in index:
            blk = (upos_start + hoff) // META
            if blk != last_blk:
                # a flushed block's start, or where the block being filled will start
                start = dirs.starts[blk] if blk < len(dirs.starts) else len(dirs.out)
                idx_entries.append((hoff, start, name))
                last_blk = blk
        size = len(listing) + (3 if w.v3 else 0)
        dblk, doff = d0
        if opt.evil == "dir-block" and n is root:
            dblk += 1  # not a block start
        b = Bits(w.be)
        nlink = 2 + sum(1 for c in n.children if stat.S_ISDIR(c.st.st_mode))
        if opt.version == "2.0":
            idx_entries = []  # 2.0 had no directory index (it came with 2.1)
        long_dir = idx_entries or size >= (1 << 19)
        if long_dir and opt.version == "2.0":
            sys.exit("mksquashfs3.py: 2.0 has no long directories")
        if long_dir:
            base(b, n, 8)
            if w.v3:
                b.put(nlink, 32).put(size, 27).put(doff, 13).put(dblk, 32)
                b.put(len(idx_entries), 16).put(parent_number, 32)
            else:
                b.put(size, 27).put(doff, 13).put(MTIME, 32).put(dblk, 24).put(len(idx_entries), 16)
            tail = b""
            for hoff, start, name in idx_entries:
                ib = Bits(w.be)
                if w.v3:
                    ib.put(hoff, 32).put(start, 32)
                else:
                    ib.put(hoff, 27).put(start, 29)
                tail += ib.put(len(name) - 1, 8).bytes() + name
        else:
            base(b, n, 1)
            if w.v3:
                b.put(nlink, 32).put(size, 19).put(doff, 13).put(dblk, 32).put(parent_number, 32)
            else:
                b.put(size, 19).put(doff, 13).put(MTIME, 32).put(dblk, 24)
            tail = b""
        ref = inodes.ref()
        inodes.add(b.bytes() + tail)
        n.ref = ref
        w.inode_refs[n.number] = ref
        return ref

    root_ref = write_dir(root, counter[0] + 1)
    w.flush_frag()
    inodes.finish()
    dirs.finish()
    inode_start = len(w.img)
    w.img += inodes.out
    dir_start = len(w.img)
    w.img += dirs.out
    # fragment table: entries in metadata blocks, then a raw index of block offsets
    frag_start = None
    if w.frags:
        fm = w.meta()
        for start, size in w.frags:
            if w.v3:
                fm.add(w.pack("QII", start, size, 0))
            else:
                fm.add(w.pack("II", start, size))
        fm.finish()
        base_off = len(w.img)
        w.img += fm.out
        frag_start = len(w.img)
        for s in fm.starts:
            w.img += w.pack("Q" if w.v3 else "I", base_off + s)
    lookup_start = 0xFFFFFFFFFFFFFFFF
    export = w.v3 and w.minor >= 1 and not opt.no_export
    if export:
        lm = w.meta()
        for i in range(1, counter[0] + 1):
            lm.add(w.pack("Q", w.inode_refs[i]))
        lm.finish()
        base_off = len(w.img)
        w.img += lm.out
        lookup_start = len(w.img)
        for s in lm.starts:
            w.img += w.pack("Q", base_off + s)
    if frag_start is None:
        frag_start = len(w.img)  # an empty table: where the next one starts
    uid_start = len(w.img)
    for u in w.uids:
        w.img += w.pack("I", u)
    guid_start = len(w.img) if w.gids else 0
    for g in w.gids:
        w.img += w.pack("I", g)
    bytes_used = len(w.img)
    flags = 0
    if opt.comp == "none":
        flags |= 0x01 | 0x02 | 0x08
    if opt.check:
        flags |= 0x04
    if opt.no_fragments:
        flags |= 0x10
    if export:
        flags |= 0x80
    sb = Bits(w.be)
    sb.put(0x73717368, 32).put(counter[0], 32)
    if w.v3:
        sb.put(0, 32).put(0, 32).put(0, 32).put(0, 32).put(0, 32)
    else:
        sb.put(bytes_used, 32).put(uid_start, 32).put(guid_start, 32)
        sb.put(inode_start, 32).put(dir_start, 32)
    sb.put(int(opt.version[0]), 16).put(w.minor, 16).put(w.bs & 0xFFFF, 16)
    sb.put(w.bs.bit_length() - 1, 16).put(flags, 8).put(len(w.uids), 8).put(len(w.gids), 8)
    sb.put(MTIME, 32).put(root_ref, 64).put(w.bs, 32).put(len(w.frags), 32)
    sb.put(0 if w.v3 else frag_start, 32)
    if w.v3:
        for v in (bytes_used, uid_start, guid_start, inode_start, dir_start, frag_start,
                  lookup_start):
            sb.put(v, 64)
    w.img[0:w.sblen] = sb.bytes()
    if opt.pad:
        w.img += bytes(-len(w.img) % opt.pad)
    return bytes(w.img), root_ref


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--version", default="3.1", choices=["3.1", "3.0", "2.1", "2.0"])
    ap.add_argument("--be", action="store_true")
    ap.add_argument("--comp", default="zlib", choices=["zlib", "lzma", "lzma-vendor", "none"])
    ap.add_argument("--block-size", type=int, default=65536)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-fragments", action="store_true")
    ap.add_argument("--pad", type=int, default=4096)
    ap.add_argument("--evil", choices=["dotdot", "slash", "loop", "inode-offset", "dir-block"])
    opt = ap.parse_args()
    if opt.block_size & (opt.block_size - 1) or not 4096 <= opt.block_size <= 1 << 20:
        sys.exit("mksquashfs3.py: block size must be a power of two, 4 KiB..1 MiB")
    img, root_ref = build(opt)
    if opt.evil == "loop":
        # the loop entry points at the root, whose reference is known only at the end: build
        # again until it stops moving
        for _ in range(8):
            img, ref = build(opt, root_ref)
            if ref == root_ref:
                break
            root_ref = ref
        else:
            sys.exit("mksquashfs3.py: loop image did not settle")
    with open(opt.out, "wb") as f:
        f.write(img)


if __name__ == "__main__":
    main()
