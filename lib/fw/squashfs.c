/* SPDX-License-Identifier: MIT */
/* SquashFS 4.0 reader into struct mamori_fstree: superblock, inodes and directory listings.
 * The version-independent half (tables, references, data, fragments, names) is in
 * squashfs_common.c. Layout and limits: docs/formats/squashfs.md; design notes:
 * docs/internals/squashfs.md. Every offset, count and length below comes from the image and is
 * checked before it is used. */
#include <stdlib.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/squashfs.h"
#include "squashfs_priv.h"

#define SQ_IDS_PER_BLK   2048u /* 8192 / 4 */
#define SQ_FRAGS_PER_BLK 512u  /* 8192 / 16 */

static mamori_err
read_inode(struct sqfs *s, uint64_t ref, struct sqfs_inode *ino)
{
	struct mamori_reader r;
	uint16_t type, mode, uidx, gidx, u16;
	uint32_t mtime, u32, nlink, xattr;
	uint64_t u64;
	size_t pos = 0, off;
	mamori_err e;

	e = sqfs_locate(s, &s->itab, ref >> 16, (uint32_t)(ref & 0xffff), &pos, "inode");
	if (e != MAMORI_OK)
		return e;
	off = sqfs_disk_off(&s->itab, pos);
	memset(ino, 0, sizeof(*ino));
	ino->off = off;
	ino->pos = pos;
	mamori_reader_init(&r, s->itab.b.p + pos, s->itab.b.len - pos);
	if (sqfs_rd16(s, &r, &type) || sqfs_rd16(s, &r, &mode) || sqfs_rd16(s, &r, &uidx) ||
	    sqfs_rd16(s, &r, &gidx) || sqfs_rd32(s, &r, &mtime) || sqfs_rd32(s, &r, &ino->number))
		return sqfs_bad_inode(s, off, "header runs past the inode table");
	(void)mtime;
	if (uidx >= s->id_count || gidx >= s->id_count)
		return sqfs_bad_inode(s, off, "uid/gid index past the id table");
	if (ino->number == 0 || ino->number > s->inode_count)
		return sqfs_bad_inode(s, off, "inode number out of range");
	ino->mode = mode & 07777u;
	ino->uid = s->ids[uidx];
	ino->gid = s->ids[gidx];
	switch (type) {
	case 1: /* basic directory */
		ino->type = MAMORI_FS_DIR;
		if (sqfs_rd32(s, &r, &ino->dir_block) || sqfs_rd32(s, &r, &u32) ||
		    sqfs_rd16(s, &r, &u16))
			goto trunc;
		ino->size = u16;
		if (sqfs_rd16(s, &r, &u16) || sqfs_rd32(s, &r, &u32))
			goto trunc;
		ino->dir_off = u16;
		break;
	case 8: /* extended directory; its index is not needed to list it */
		ino->type = MAMORI_FS_DIR;
		if (sqfs_rd32(s, &r, &nlink) || sqfs_rd32(s, &r, &u32))
			goto trunc;
		ino->size = u32;
		if (sqfs_rd32(s, &r, &ino->dir_block) || sqfs_rd32(s, &r, &u32) ||
		    sqfs_rd16(s, &r, &u16) || sqfs_rd16(s, &r, &u16) || sqfs_rd32(s, &r, &xattr))
			goto trunc;
		ino->dir_off = u16;
		break;
	case 2: /* basic file */
	case 9: /* extended file */
		ino->type = MAMORI_FS_REG;
		if (type == 2) {
			if (sqfs_rd32(s, &r, &u32))
				goto trunc;
			ino->start = u32;
			if (sqfs_rd32(s, &r, &ino->frag) || sqfs_rd32(s, &r, &ino->frag_off) ||
			    sqfs_rd32(s, &r, &u32))
				goto trunc;
			ino->size = u32;
		} else {
			if (sqfs_rd64(s, &r, &ino->start) || sqfs_rd64(s, &r, &ino->size) ||
			    sqfs_rd64(s, &r, &u64) || sqfs_rd32(s, &r, &u32) ||
			    sqfs_rd32(s, &r, &ino->frag) || sqfs_rd32(s, &r, &ino->frag_off) ||
			    sqfs_rd32(s, &r, &xattr))
				goto trunc;
		}
		e = sqfs_file_blocks(s, &r, ino);
		if (e != MAMORI_OK)
			return e;
		break;
	case 3:  /* basic symlink */
	case 10: /* extended symlink */
		ino->type = MAMORI_FS_LNK;
		if (sqfs_rd32(s, &r, &nlink) || sqfs_rd32(s, &r, &u32))
			goto trunc;
		e = sqfs_symlink(s, &r, u32, ino);
		if (e != MAMORI_OK)
			return e;
		break;
	case 4:
	case 5:
	case 11:
	case 12: /* block / char device: nlink, rdev (metadata only, never created) */
		ino->type = (type == 4 || type == 11) ? MAMORI_FS_BLK : MAMORI_FS_CHR;
		if (sqfs_rd32(s, &r, &nlink) || sqfs_rd32(s, &r, &u32))
			goto trunc;
		if (type > 8 && sqfs_rd32(s, &r, &xattr))
			goto trunc;
		break;
	case 6:
	case 7:
	case 13:
	case 14: /* fifo / socket: nlink */
		ino->type = (type == 6 || type == 13) ? MAMORI_FS_FIFO : MAMORI_FS_SOCK;
		if (sqfs_rd32(s, &r, &u32))
			goto trunc;
		if (type > 8 && sqfs_rd32(s, &r, &xattr))
			goto trunc;
		break;
	default:
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, off, 0,
		    "squashfs: unknown inode type %u in block at %zu", type, off);
	}
	return MAMORI_OK;
trunc:
	return sqfs_bad_inode(s, off, "inode runs past the end of the inode table");
}

/* Fragment block idx, decompressed, in *out. The tails of the files of one directory usually
 * share a fragment, but mksquashfs may interleave two, so a few are kept. */
static mamori_err
walk(struct sqfs *s, const struct sqfs_inode *dir, size_t pathlen, unsigned depth)
{
	struct mamori_reader r;
	size_t pos = 0, listing, doff;
	mamori_err e;

	if (depth > MAMORI_SQFS_DEPTH_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, dir->off, 0,
		    "squashfs: directories nested deeper than %u", MAMORI_SQFS_DEPTH_MAX);
	/* a directory is listed once: a second visit is a loop or a hard-linked directory */
	if (s->visited[dir->number >> 3] & (1u << (dir->number & 7)))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, dir->off, 0,
		    "squashfs: directory loop: directory inode %u reached twice", dir->number);
	s->visited[dir->number >> 3] |= (uint8_t)(1u << (dir->number & 7));
	if (dir->size < 3)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, dir->off, 0,
		    "squashfs: directory inode %u has size %llu (< 3)", dir->number,
		    (unsigned long long)dir->size);
	listing = (size_t)(dir->size - 3);
	if (listing == 0)
		return MAMORI_OK;
	e = sqfs_locate(s, &s->dtab, dir->dir_block, dir->dir_off, &pos, "directory");
	if (e != MAMORI_OK)
		return e;
	doff = sqfs_disk_off(&s->dtab, pos);
	if (listing > s->dtab.b.len - pos)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
		    "squashfs: directory inode %u listing (%zu bytes) runs past the directory table",
		    dir->number, listing);
	mamori_reader_init(&r, s->dtab.b.p + pos, listing);
	while (mamori_reader_left(&r) > 0) {
		uint32_t count, start, inum;

		if (sqfs_rd32(s, &r, &count) || sqfs_rd32(s, &r, &start) || sqfs_rd32(s, &r, &inum))
			goto trunc;
		(void)inum;
		if (count >= MAMORI_SQFS_DIR_ENTRIES)
			return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
			    "squashfs: directory header with %llu entries (max %u)",
			    (unsigned long long)count + 1, MAMORI_SQFS_DIR_ENTRIES);
		for (uint32_t i = 0; i <= count; i++) {
			struct sqfs_inode ino;
			struct mamori_span name;
			uint16_t eoff, delta, type, nsize;
			size_t plen;

			if (sqfs_rd16(s, &r, &eoff) || sqfs_rd16(s, &r, &delta) ||
			    sqfs_rd16(s, &r, &type) || sqfs_rd16(s, &r, &nsize))
				goto trunc;
			if ((size_t)nsize + 1 > MAMORI_FS_NAME_MAX + 1u)
				return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
				    "squashfs: directory entry name of %u bytes (max %u)",
				    nsize + 1u, MAMORI_FS_NAME_MAX + 1u);
			if (mamori_read_span(&r, (size_t)nsize + 1, &name) != MAMORI_OK)
				goto trunc;
			e = sqfs_push_name(s, name.p, name.len, pathlen, &plen, doff, dir->number);
			if (e != MAMORI_OK)
				return e;
			e = read_inode(s, (uint64_t)start << 16 | eoff, &ino);
			if (e != MAMORI_OK)
				return e;
			e = sqfs_add_node(s, &ino, plen);
			if (e != MAMORI_OK)
				return e;
			if (ino.type == MAMORI_FS_DIR) {
				e = walk(s, &ino, plen, depth + 1);
				if (e != MAMORI_OK)
					return e;
			}
		}
	}
	return MAMORI_OK;
trunc:
	return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
	    "squashfs: directory inode %u listing ends inside an entry", dir->number);
}

unsigned
mamori_squashfs_version(const uint8_t *p, size_t len)
{
	uint16_t major;

	if (p == NULL || len < MAMORI_SQFS2_SUPER_LEN)
		return 0;
	/* s_major is a u16 at 28 in every version's superblock */
	if (mamori_load_le32(p) == SQFS_MAGIC)
		major = mamori_load_le16(p + 28);
	else if (mamori_load_be32(p) == SQFS_MAGIC)
		major = mamori_load_be16(p + 28);
	else
		return 0;
	if ((major == 4 && len >= MAMORI_SQFS_SUPER_LEN) ||
	    (major == 3 && len >= MAMORI_SQFS3_SUPER_LEN) || major == 2)
		return major;
	return 0;
}

bool
mamori_squashfs_probe(const uint8_t *p, size_t len)
{
	return mamori_squashfs_version(p, len) != 0;
}

/* Superblock fields; checks that need nothing but the superblock. */
static mamori_err
read_super(struct sqfs *s, const uint8_t *img, size_t len)
{
	struct mamori_reader r;
	uint32_t magic, mtime;
	uint16_t block_log, flags, id_count, vmaj, vmin;
	uint64_t bytes_used;

	if (len < 4)
		return mamori_diag_set(
		    s->d, MAMORI_E_TRUNCATED, len, 0, "squashfs: %zu bytes, no superblock", len);
	if (mamori_load_le32(img) == SQFS_MAGIC)
		s->be = false;
	else if (mamori_load_be32(img) == SQFS_MAGIC)
		s->be = true;
	else
		return mamori_diag_set(
		    s->d, MAMORI_E_MALFORMED, 0, 0, "squashfs: no \"hsqs\"/\"sqsh\" magic");
	if (len < MAMORI_SQFS_SUPER_LEN)
		return mamori_diag_set(s->d, MAMORI_E_TRUNCATED, len, 0,
		    "squashfs: superblock needs %u bytes, image has %zu", MAMORI_SQFS_SUPER_LEN,
		    len);
	mamori_reader_init(&r, img, MAMORI_SQFS_SUPER_LEN);
	/* 96 bytes are there: none of these reads can fail */
	if (sqfs_rd32(s, &r, &magic) || sqfs_rd32(s, &r, &s->inode_count) ||
	    sqfs_rd32(s, &r, &mtime) || sqfs_rd32(s, &r, &s->block_size) ||
	    sqfs_rd32(s, &r, &s->frag_count) || sqfs_rd16(s, &r, &s->comp) ||
	    sqfs_rd16(s, &r, &block_log) || sqfs_rd16(s, &r, &flags) ||
	    sqfs_rd16(s, &r, &id_count) || sqfs_rd16(s, &r, &vmaj) || sqfs_rd16(s, &r, &vmin) ||
	    sqfs_rd64(s, &r, &s->root) || sqfs_rd64(s, &r, &bytes_used) ||
	    sqfs_rd64(s, &r, &s->id_start) || sqfs_rd64(s, &r, &s->xattr_start) ||
	    sqfs_rd64(s, &r, &s->inode_start) || sqfs_rd64(s, &r, &s->dir_start) ||
	    sqfs_rd64(s, &r, &s->frag_start) || sqfs_rd64(s, &r, &s->export_start))
		return MAMORI_E_INVAL;
	(void)flags;
	s->id_count = id_count;
	if (vmaj != 4)
		return mamori_diag_set(s->d, MAMORI_E_UNSUPPORTED, 28, 0,
		    "squashfs: version %u.%u (only 4.x is read)", vmaj, vmin);
	if (s->comp < 1 || s->comp > 6)
		return mamori_diag_set(s->d, MAMORI_E_UNSUPPORTED, 20, 0,
		    "squashfs: unknown compression id %u", s->comp);
	if (block_log < 12 || block_log > 20 || s->block_size != (1u << block_log))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 12, 0,
		    "squashfs: block size %u / block_log %u (powers of two 4 KiB..1 MiB)",
		    s->block_size, block_log);
	if (s->inode_count == 0)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 4, 0, "squashfs: no inodes");
	if (s->inode_count > MAMORI_SQFS_INODES_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, 4, 0,
		    "squashfs: %u inodes (limit %u)", s->inode_count, MAMORI_SQFS_INODES_MAX);
	if (s->frag_count > MAMORI_SQFS_FRAGS_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, 16, 0,
		    "squashfs: %u fragments (limit %u)", s->frag_count, MAMORI_SQFS_FRAGS_MAX);
	if (s->id_count == 0)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 26, 0, "squashfs: empty id table");
	if (bytes_used > len)
		return mamori_diag_set(s->d, MAMORI_E_TRUNCATED, len, 0,
		    "squashfs: image is %zu bytes, superblock says %llu", len,
		    (unsigned long long)bytes_used);
	if (bytes_used < MAMORI_SQFS_SUPER_LEN)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 40, 0,
		    "squashfs: bytes_used %llu is smaller than the superblock",
		    (unsigned long long)bytes_used);
	s->end = (size_t)bytes_used;
	if (s->inode_start < MAMORI_SQFS_SUPER_LEN || s->inode_start >= s->dir_start ||
	    s->dir_start > s->end)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 64, 0,
		    "squashfs: inode table %llu / directory table %llu out of order or past the "
		    "end (%zu)",
		    (unsigned long long)s->inode_start, (unsigned long long)s->dir_start, s->end);
	if (s->id_start < s->dir_start || s->id_start >= s->end)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 48, 0,
		    "squashfs: id table at %llu outside %llu..%zu", (unsigned long long)s->id_start,
		    (unsigned long long)s->dir_start, s->end);
	if (s->frag_count > 0 && (s->frag_start < s->dir_start || s->frag_start >= s->end))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 80, 0,
		    "squashfs: fragment table at %llu outside %llu..%zu",
		    (unsigned long long)s->frag_start, (unsigned long long)s->dir_start, s->end);
	if ((s->root >> 16) >= s->dir_start - s->inode_start)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 32, 0,
		    "squashfs: root inode reference past the inode table");
	return MAMORI_OK;
}

/* Where the directory table ends: the nearest table (or its first metadata block) after it. */
static uint64_t
dir_end(const struct sqfs *s)
{
	uint64_t c[7], end = s->end;
	size_t n = 0;

	c[n++] = s->id_start;
	if (sqfs_in_image(s, s->id_start, 8))
		c[n++] = sqfs_ld64(s, s->img + s->id_start);
	if (s->frag_count > 0) {
		c[n++] = s->frag_start;
		if (sqfs_in_image(s, s->frag_start, 8))
			c[n++] = sqfs_ld64(s, s->img + s->frag_start);
	}
	if (s->export_start != SQFS_NONE64) {
		c[n++] = s->export_start;
		if (sqfs_in_image(s, s->export_start, 8))
			c[n++] = sqfs_ld64(s, s->img + s->export_start);
	}
	if (s->xattr_start != SQFS_NONE64)
		c[n++] = s->xattr_start;
	for (size_t i = 0; i < n; i++)
		if (c[i] >= s->dir_start && c[i] < end)
			end = c[i];
	return end;
}

mamori_err
mamori_squashfs_read(const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d)
{
	struct sqfs *s;
	mamori_err e = MAMORI_E_INVAL;

	if ((img == NULL && len > 0) || t == NULL)
		return MAMORI_E_INVAL;
	s = sqfs_new(img, t, d);
	if (s == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
	if (img == NULL) {
		e = mamori_diag_set(d, MAMORI_E_TRUNCATED, 0, 0, "squashfs: empty image");
		goto out;
	}
	e = read_super(s, img, len);
	if (e != MAMORI_OK)
		goto out;
	s->ids = malloc((size_t)s->id_count * sizeof(*s->ids));
	s->visited = calloc((size_t)(s->inode_count >> 3) + 1, 1);
	if (s->ids == NULL || s->visited == NULL) {
		e = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
		goto out;
	}
	{
		uint8_t *raw = malloc((size_t)s->id_count * 4);

		if (raw == NULL) {
			e = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
			goto out;
		}
		e = sqfs_read_index(s, s->id_start, s->id_count, SQ_IDS_PER_BLK, 4, 8, raw, "id");
		for (size_t i = 0; e == MAMORI_OK && i < s->id_count; i++)
			s->ids[i] = sqfs_ld32(s, raw + 4 * i);
		free(raw);
		if (e != MAMORI_OK)
			goto out;
	}
	if (s->frag_count > 0) {
		uint8_t *raw = malloc((size_t)s->frag_count * 16);

		s->frags = malloc((size_t)s->frag_count * sizeof(*s->frags));
		if (raw == NULL || s->frags == NULL) {
			free(raw);
			e = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
			goto out;
		}
		e = sqfs_read_index(
		    s, s->frag_start, s->frag_count, SQ_FRAGS_PER_BLK, 16, 8, raw, "fragment");
		for (size_t i = 0; e == MAMORI_OK && i < s->frag_count; i++) {
			s->frags[i].start = sqfs_ld64(s, raw + 16 * i);
			s->frags[i].size = sqfs_ld32(s, raw + 16 * i + 8);
		}
		free(raw);
		if (e != MAMORI_OK)
			goto out;
	}
	e = sqfs_walk_root(s, 20, dir_end(s), false, read_inode, walk); /* basic fifo: 20 */
out:
	sqfs_free(s);
	return e;
}
