/* SPDX-License-Identifier: MIT */
/* SquashFS 3.x and 2.x reader into struct mamori_fstree: superblock, bit-packed inodes and
 * directory listings, raw uid/gid tables, fragment indexes. The version-independent half is in
 * squashfs_common.c. Layout and limits: docs/formats/squashfs.md ("SquashFS 3.x and 2.x").
 * Every offset, count and length below comes from the image and is checked before use. */
#include <stdlib.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/squashfs.h"
#include "squashfs_priv.h"

#define SQ3_FLAG_CHECK  0x04u /* a 0xff marker byte after each metadata block header */
#define SQ3_FLAG_EXPORT 0x80u /* 3.1: the lookup (export) table exists */
#define SQ3_GUID_SAME   255u  /* gid index meaning "the same id as the uid" */
#define SQ3_TABLE_MIN   111u  /* 3.0's superblock may end here, before lookup_table_start */
#define SQ3_FRAGS_PER   512u  /* 8192 / 16-byte 3.x fragment entries */
#define SQ2_FRAGS_PER   1024u /* 8192 / 8-byte 2.x fragment entries */
#define SQ3_INODE_MIN   16u   /* fifo/socket: the smallest 3.x inode */
#define SQ2_INODE_MIN   4u

/* A w-bit field (w <= 64) at bit pos of a packed 3.x/2.x structure: little-endian images
 * number bits from the least significant bit of each byte and a field starts with its least
 * significant bit; big-endian images the other way round. The caller has checked that the
 * bytes exist. */
static uint64_t
bits(const struct sqfs *s, const uint8_t *p, size_t pos, unsigned w)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < w; i++) {
		size_t k = pos + i;

		if (s->be)
			v = v << 1 | (uint64_t)((p[k >> 3] >> (7 - (k & 7))) & 1u);
		else
			v |= (uint64_t)((p[k >> 3] >> (k & 7)) & 1u) << i;
	}
	return v;
}

/* Bytes of an inode of this type before its block list, symlink target or directory index;
 * 0 for a type the version does not have. */
static size_t
inode_len(unsigned major, unsigned type)
{
	static const uint8_t v3[16] = {0, 28, 32, 18, 18, 18, 16, 16, 31, 40};
	static const uint8_t v2[16] = {0, 15, 24, 6, 6, 6, 4, 4, 18};

	return major == 3 ? v3[type & 15] : v2[type & 15];
}

static mamori_err
read_inode(struct sqfs *s, uint64_t ref, struct sqfs_inode *ino)
{
	struct mamori_reader r;
	const uint8_t *p;
	size_t pos = 0, left, need;
	unsigned type, uidx, gidx;
	bool v3 = s->major == 3;
	mamori_err e;

	e = sqfs_locate(s, &s->itab, ref >> 16, (uint32_t)(ref & 0xffff), &pos, "inode");
	if (e != MAMORI_OK)
		return e;
	memset(ino, 0, sizeof(*ino));
	ino->off = sqfs_disk_off(&s->itab, pos);
	ino->pos = pos;
	p = s->itab.b.p + pos;
	left = s->itab.b.len - pos;
	if (left < (v3 ? SQ3_INODE_MIN : SQ2_INODE_MIN))
		return sqfs_bad_inode(s, ino->off, "header runs past the inode table");
	type = (unsigned)bits(s, p, 0, 4);
	ino->mode = (uint32_t)bits(s, p, 4, 12);
	uidx = (unsigned)bits(s, p, 16, 8);
	gidx = (unsigned)bits(s, p, 24, 8);
	if (uidx >= s->id_count)
		return sqfs_bad_inode(s, ino->off, "uid index past the uid table");
	if (gidx != SQ3_GUID_SAME && gidx >= s->gid_count)
		return sqfs_bad_inode(s, ino->off, "gid index past the gid table");
	ino->uid = s->ids[uidx];
	ino->gid = gidx == SQ3_GUID_SAME ? ino->uid : s->gids[gidx];
	if (v3) {
		ino->number = (uint32_t)bits(s, p, 64, 32);
		if (ino->number == 0 || ino->number > s->inode_count)
			return sqfs_bad_inode(s, ino->off, "inode number out of range");
	} else {
		ino->number = ++s->numbered; /* 2.x inodes carry no number */
	}
	need = inode_len(s->major, type);
	if (need == 0)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
		    "squashfs: unknown inode type %u in block at %zu", type, ino->off);
	if (left < need)
		return sqfs_bad_inode(s, ino->off, "inode runs past the end of the inode table");
	mamori_reader_init(&r, p + need, left - need);
	switch (type) {
	case 1: /* directory */
		ino->type = MAMORI_FS_DIR;
		ino->size = bits(s, p, v3 ? 128 : 32, 19);
		ino->dir_off = (uint32_t)bits(s, p, v3 ? 147 : 51, 13);
		ino->dir_block = (uint32_t)(v3 ? bits(s, p, 160, 32) : bits(s, p, 96, 24));
		break;
	case 8: /* long directory; its index is not needed to list it */
		ino->type = MAMORI_FS_DIR;
		ino->size = bits(s, p, v3 ? 128 : 32, 27);
		ino->dir_off = (uint32_t)bits(s, p, v3 ? 155 : 59, 13);
		ino->dir_block = (uint32_t)(v3 ? bits(s, p, 168, 32) : bits(s, p, 104, 24));
		break;
	case 2: /* file */
		ino->type = MAMORI_FS_REG;
		ino->start = v3 ? bits(s, p, 96, 64) : bits(s, p, 64, 32);
		ino->frag = (uint32_t)bits(s, p, v3 ? 160 : 96, 32);
		ino->frag_off = (uint32_t)bits(s, p, v3 ? 192 : 128, 32);
		ino->size = bits(s, p, v3 ? 224 : 160, 32);
		return sqfs_file_blocks(s, &r, ino);
	case 9: /* 3.x long file: nlink, 64-bit size */
		ino->type = MAMORI_FS_REG;
		ino->start = bits(s, p, 128, 64);
		ino->frag = (uint32_t)bits(s, p, 192, 32);
		ino->frag_off = (uint32_t)bits(s, p, 224, 32);
		ino->size = bits(s, p, 256, 64);
		return sqfs_file_blocks(s, &r, ino);
	case 3: /* symlink */
		ino->type = MAMORI_FS_LNK;
		return sqfs_symlink(s, &r, (size_t)bits(s, p, v3 ? 128 : 32, 16), ino);
	case 4: /* block / char device: rdev (metadata only, never created) */
	case 5:
		ino->type = type == 4 ? MAMORI_FS_BLK : MAMORI_FS_CHR;
		break;
	default: /* 6 fifo, 7 socket */
		ino->type = type == 6 ? MAMORI_FS_FIFO : MAMORI_FS_SOCK;
		break;
	}
	return MAMORI_OK;
}

static mamori_err
walk(struct sqfs *s, const struct sqfs_inode *dir, size_t pathlen, unsigned depth)
{
	const uint8_t *p;
	size_t pos = 0, listing, doff, i = 0;
	size_t hsz = s->major == 3 ? 9 : 4, esz = s->major == 3 ? 5 : 3;
	mamori_err e;

	if (depth > MAMORI_SQFS_DEPTH_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, dir->off, 0,
		    "squashfs: directories nested deeper than %u", MAMORI_SQFS_DEPTH_MAX);
	/* a directory is listed once: a second visit is a loop or a hard-linked directory. 2.x
	 * inodes have no number, so the inode's place in the inode table names it. */
	if (s->visited[dir->pos >> 3] & (1u << (dir->pos & 7)))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, dir->off, 0,
		    "squashfs: directory loop: directory inode %u reached twice", dir->number);
	s->visited[dir->pos >> 3] |= (uint8_t)(1u << (dir->pos & 7));
	if (s->major == 3 && dir->size < 3)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, dir->off, 0,
		    "squashfs: directory inode %u has size %llu (< 3)", dir->number,
		    (unsigned long long)dir->size);
	/* 3.x counts "." and ".." (3 bytes) in the size; 2.x does not */
	listing = (size_t)(s->major == 3 ? dir->size - 3 : dir->size);
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
	p = s->dtab.b.p + pos;
	while (i < listing) {
		uint32_t count, start;

		if (listing - i < hsz)
			goto trunc;
		/* the 8-bit count is entries - 1, so a run never exceeds 256 entries */
		count = (uint32_t)bits(s, p + i, 0, 8);
		start = (uint32_t)bits(s, p + i, 8, s->major == 3 ? 32 : 24);
		i += hsz;
		for (uint32_t k = 0; k <= count; k++) {
			struct sqfs_inode ino;
			uint32_t eoff;
			size_t nlen, plen;

			if (listing - i < esz)
				goto trunc;
			eoff = (uint32_t)bits(s, p + i, 0, 13);
			nlen = (size_t)bits(s, p + i, 16, 8) + 1; /* 1..256 by the field's width */
			i += esz;
			if (listing - i < nlen)
				goto trunc;
			e = sqfs_push_name(s, p + i, nlen, pathlen, &plen, doff, dir->number);
			if (e != MAMORI_OK)
				return e;
			i += nlen;
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

/* A raw table of n u32 ids at start (3.x/2.x uid and gid tables are not in metadata blocks). */
static mamori_err
read_ids(struct sqfs *s, uint64_t start, uint32_t n, uint32_t **out)
{
	uint32_t *ids = malloc((size_t)n * sizeof(*ids) + 1); /* + 1: never malloc(0) */

	if (ids == NULL)
		return mamori_diag_set(s->d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
	/* read_super checked that the n ids lie before bytes_used */
	for (uint32_t i = 0; i < n; i++)
		ids[i] = sqfs_ld32(s, s->img + start + 4 * (size_t)i);
	*out = ids;
	return MAMORI_OK;
}

static mamori_err
bad_super(struct sqfs *s, size_t off, const char *what, uint64_t v)
{
	return mamori_diag_set(s->d, MAMORI_E_MALFORMED, off, 0,
	    "squashfs: %s at %llu is out of order or past the end (%zu)", what,
	    (unsigned long long)v, s->end);
}

/* Superblock fields; checks that need nothing but the superblock. */
static mamori_err
read_super(struct sqfs *s, const uint8_t *img, size_t len)
{
	uint64_t bytes_used, tmin;
	uint16_t block_log;
	size_t slen;
	bool v3;

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
	if (len < MAMORI_SQFS2_SUPER_LEN)
		return mamori_diag_set(s->d, MAMORI_E_TRUNCATED, len, 0,
		    "squashfs: superblock needs %u bytes, image has %zu", MAMORI_SQFS2_SUPER_LEN,
		    len);
	s->major = sqfs_ld16(s, img + 28);
	s->minor = sqfs_ld16(s, img + 30);
	if ((s->major != 2 && s->major != 3) || s->minor > 1)
		return mamori_diag_set(s->d, MAMORI_E_UNSUPPORTED, 28, 0,
		    "squashfs: version %u.%u (2.0-2.1 and 3.0-3.1 are read here%s)", s->major,
		    s->minor, s->major == 4 ? "; 4.x by mamori_squashfs_read" : "");
	v3 = s->major == 3;
	slen = v3 ? MAMORI_SQFS3_SUPER_LEN : MAMORI_SQFS2_SUPER_LEN;
	if (len < slen)
		return mamori_diag_set(s->d, MAMORI_E_TRUNCATED, len, 0,
		    "squashfs: superblock needs %zu bytes, image has %zu", slen, len);
	s->inode_count = sqfs_ld32(s, img + 4);
	block_log = sqfs_ld16(s, img + 34);
	s->flags = img[36];
	s->id_count = img[37];  /* no_uids: 8 bits wide, so at most 255 */
	s->gid_count = img[38]; /* no_guids */
	s->root = sqfs_ld64(s, img + 43);
	s->block_size = sqfs_ld32(s, img + 51);
	s->frag_count = sqfs_ld32(s, img + 55);
	if (v3) {
		bytes_used = sqfs_ld64(s, img + 63);
		s->id_start = sqfs_ld64(s, img + 71);
		s->gid_start = sqfs_ld64(s, img + 79);
		s->inode_start = sqfs_ld64(s, img + 87);
		s->dir_start = sqfs_ld64(s, img + 95);
		s->frag_start = sqfs_ld64(s, img + 103);
		tmin = SQ3_TABLE_MIN;
		if (s->minor >= 1 && (s->flags & SQ3_FLAG_EXPORT)) {
			s->export_start = sqfs_ld64(s, img + 111);
			tmin =
			    MAMORI_SQFS3_SUPER_LEN; /* the field read must lie before bytes_used */
		}
	} else {
		bytes_used = sqfs_ld32(s, img + 8);
		s->id_start = sqfs_ld32(s, img + 12);
		s->gid_start = sqfs_ld32(s, img + 16);
		s->inode_start = sqfs_ld32(s, img + 20);
		s->dir_start = sqfs_ld32(s, img + 24);
		s->frag_start = sqfs_ld32(s, img + 59);
		tmin = MAMORI_SQFS2_SUPER_LEN;
	}
	s->comp = SQFS_COMP_AUTO;
	s->meta_hdr = (s->flags & SQ3_FLAG_CHECK) ? 3 : 2;
	if (block_log < 12 || block_log > 20 || s->block_size != (1u << block_log))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 34, 0,
		    "squashfs: block size %u / block_log %u (powers of two 4 KiB..1 MiB)",
		    s->block_size, block_log);
	if (s->inode_count == 0)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 4, 0, "squashfs: no inodes");
	if (s->inode_count > MAMORI_SQFS_INODES_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, 4, 0,
		    "squashfs: %u inodes (limit %u)", s->inode_count, MAMORI_SQFS_INODES_MAX);
	if (s->frag_count > MAMORI_SQFS_FRAGS_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, 55, 0,
		    "squashfs: %u fragments (limit %u)", s->frag_count, MAMORI_SQFS_FRAGS_MAX);
	/* every fragment holds the tail of at least one file */
	if (s->frag_count > s->inode_count)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 55, 0,
		    "squashfs: %u fragments for %u inodes", s->frag_count, s->inode_count);
	if (s->id_count == 0)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 37, 0, "squashfs: no uids");
	if (bytes_used > len)
		return mamori_diag_set(s->d, MAMORI_E_TRUNCATED, len, 0,
		    "squashfs: image is %zu bytes, superblock says %llu", len,
		    (unsigned long long)bytes_used);
	if (bytes_used < tmin)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, v3 ? 63 : 8, 0,
		    "squashfs: bytes_used %llu is smaller than the superblock",
		    (unsigned long long)bytes_used);
	s->end = (size_t)bytes_used;
	if (s->inode_start < tmin || s->inode_start >= s->dir_start || s->dir_start > s->end)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, v3 ? 87 : 20, 0,
		    "squashfs: inode table %llu / directory table %llu out of order or past the "
		    "end (%zu)",
		    (unsigned long long)s->inode_start, (unsigned long long)s->dir_start, s->end);
	if (s->id_start < s->dir_start || !sqfs_in_image(s, s->id_start, 4 * (uint64_t)s->id_count))
		return bad_super(s, v3 ? 71 : 12, "uid table", s->id_start);
	if (s->gid_count > 0 && (s->gid_start < s->dir_start ||
	                            !sqfs_in_image(s, s->gid_start, 4 * (uint64_t)s->gid_count)))
		return bad_super(s, v3 ? 79 : 16, "gid table", s->gid_start);
	if (s->frag_count > 0 && (s->frag_start < s->dir_start || s->frag_start >= s->end))
		return bad_super(s, v3 ? 103 : 59, "fragment table", s->frag_start);
	if (s->export_start != SQFS_NONE64 &&
	    (s->export_start < s->dir_start || s->export_start >= s->end))
		return bad_super(s, 111, "lookup table", s->export_start);
	if ((s->root >> 16) >= s->dir_start - s->inode_start)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 43, 0,
		    "squashfs: root inode reference past the inode table");
	return MAMORI_OK;
}

/* Where the directory table ends: the nearest table (or its first metadata block) after it. */
static uint64_t
dir_end(const struct sqfs *s)
{
	uint64_t c[6], end = s->end;
	size_t n = 0, iw = s->major == 3 ? 8 : 4;

	c[n++] = s->id_start;
	if (s->gid_count > 0)
		c[n++] = s->gid_start;
	if (s->frag_count > 0) {
		c[n++] = s->frag_start;
		if (sqfs_in_image(s, s->frag_start, iw))
			c[n++] = iw == 8 ? sqfs_ld64(s, s->img + s->frag_start)
			                 : sqfs_ld32(s, s->img + s->frag_start);
	}
	if (s->export_start != SQFS_NONE64) {
		c[n++] = s->export_start;
		if (sqfs_in_image(s, s->export_start, 8))
			c[n++] = sqfs_ld64(s, s->img + s->export_start);
	}
	for (size_t i = 0; i < n; i++)
		if (c[i] >= s->dir_start && c[i] < end)
			end = c[i];
	return end;
}

/* The fragment table: 3.x entries are start u64, size u32, unused u32 (512 per block, u64
 * index); 2.x entries are start u32, size u32 (1024 per block, u32 index). */
static mamori_err
read_frags(struct sqfs *s)
{
	bool v3 = s->major == 3;
	uint32_t per = v3 ? SQ3_FRAGS_PER : SQ2_FRAGS_PER;
	size_t esz = v3 ? 16 : 8, iw = v3 ? 8 : 4;
	size_t nblk = ((size_t)s->frag_count + per - 1) / per;
	uint8_t *raw;
	mamori_err e;

	/* the index must be in the image before anything is allocated for the entries */
	if (!sqfs_in_image(s, s->frag_start, (uint64_t)nblk * iw))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)s->frag_start, 0,
		    "squashfs: fragment index at %llu (%zu entries) runs past the end",
		    (unsigned long long)s->frag_start, nblk);
	raw = malloc((size_t)s->frag_count * esz);
	s->frags = malloc((size_t)s->frag_count * sizeof(*s->frags));
	if (raw == NULL || s->frags == NULL) {
		free(raw);
		return mamori_diag_set(s->d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
	}
	e = sqfs_read_index(s, s->frag_start, s->frag_count, per, esz, iw, raw, "fragment");
	for (size_t i = 0; e == MAMORI_OK && i < s->frag_count; i++) {
		const uint8_t *q = raw + esz * i;

		s->frags[i].start = v3 ? sqfs_ld64(s, q) : sqfs_ld32(s, q);
		s->frags[i].size = sqfs_ld32(s, q + (v3 ? 8 : 4));
	}
	free(raw);
	return e;
}

mamori_err
mamori_squashfs3_read(
    const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d)
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
	e = read_ids(s, s->id_start, s->id_count, &s->ids);
	if (e == MAMORI_OK)
		e = read_ids(s, s->gid_start, s->gid_count, &s->gids);
	if (e == MAMORI_OK && s->frag_count > 0)
		e = read_frags(s);
	if (e != MAMORI_OK)
		goto out;
	e = sqfs_walk_root(
	    s, s->major == 3 ? SQ3_INODE_MIN : SQ2_INODE_MIN, dir_end(s), true, read_inode, walk);
out:
	sqfs_free(s);
	return e;
}
