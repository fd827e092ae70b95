/* SPDX-License-Identifier: MIT */
/* SquashFS 4.0 reader into struct mamori_fstree. Layout and limits: docs/formats/squashfs.md;
 * design notes: docs/internals/squashfs.md. Every offset, count and length below comes from the
 * image and is checked before it is used. */
#include <stdlib.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/decomp.h"
#include "mamori/squashfs.h"

#define SQ_MAGIC         0x73717368u /* "hsqs" read little-endian */
#define SQ_NONE64        UINT64_MAX  /* absent optional table */
#define SQ_NOFRAG        0xffffffffu
#define SQ_META_UNCOMP   0x8000u
#define SQ_DATA_UNCOMP   (1u << 24)
#define SQ_DATA_MASK     (SQ_DATA_UNCOMP - 1)
#define SQ_IDS_PER_BLK   2048u /* 8192 / 4 */
#define SQ_FRAGS_PER_BLK 512u  /* 8192 / 16 */
#define SQ_FCACHE        4u    /* fragment blocks kept decompressed */

struct sq_table {
	struct mamori_buf b; /* all blocks decompressed back to back */
	uint64_t *disk;      /* block start, relative to the table start */
	size_t *mem;         /* where that block begins in b */
	size_t n, cap;
	uint64_t base; /* image offset of the table */
};

struct sq_frag {
	uint64_t start;
	uint32_t size;
};

struct sq_inode {
	uint8_t type; /* enum mamori_fs_type */
	uint32_t mode, uid, gid, number;
	uint64_t size;      /* file bytes; directory listing bytes + 3 */
	uint32_t dir_block; /* directory: listing block, relative to the dir table */
	uint32_t dir_off;
	uint64_t start; /* file: first data block (image offset) */
	uint32_t frag, frag_off;
	const uint8_t *blist; /* file: block sizes, nblocks * 4 bytes inside the inode table */
	size_t nblocks;
	const uint8_t *target; /* symlink */
	size_t tlen;
	size_t off; /* image offset of the inode's metadata block, for errors */
};

struct sq {
	const uint8_t *img;
	size_t end; /* bytes_used: nothing is read at or past it */
	bool be;
	uint16_t comp;
	uint32_t inode_count, block_size, frag_count, id_count;
	uint64_t root, inode_start, dir_start, frag_start, id_start, export_start, xattr_start;
	struct sq_table itab, dtab;
	uint32_t *ids;
	struct sq_frag *frags;
	struct mamori_buf scratch;           /* one data block */
	struct mamori_buf fcache[SQ_FCACHE]; /* recently decompressed fragment blocks */
	uint32_t fcache_idx[SQ_FCACHE];
	unsigned fcache_next; /* the slot to replace next */
	uint8_t *visited;     /* bitmap of directory inode numbers walked */
	size_t entries;
	struct mamori_fstree *t;
	struct mamori_diag *d;
	char path[MAMORI_FS_PATH_MAX + 1];
	char link[MAMORI_FS_PATH_MAX + 1];
};

static uint16_t
ld16(const struct sq *s, const uint8_t *p)
{
	return s->be ? mamori_load_be16(p) : mamori_load_le16(p);
}

static uint32_t
ld32(const struct sq *s, const uint8_t *p)
{
	return s->be ? mamori_load_be32(p) : mamori_load_le32(p);
}

static uint64_t
ld64(const struct sq *s, const uint8_t *p)
{
	if (s->be)
		return (uint64_t)mamori_load_be32(p) << 32 | mamori_load_be32(p + 4);
	return (uint64_t)mamori_load_le32(p + 4) << 32 | mamori_load_le32(p);
}

static mamori_err
rd16(const struct sq *s, struct mamori_reader *r, uint16_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 2, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = ld16(s, sp.p);
	return MAMORI_OK;
}

static mamori_err
rd32(const struct sq *s, struct mamori_reader *r, uint32_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 4, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = ld32(s, sp.p);
	return MAMORI_OK;
}

static mamori_err
rd64(const struct sq *s, struct mamori_reader *r, uint64_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 8, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = ld64(s, sp.p);
	return MAMORI_OK;
}

/* Is [off, off + n) inside the image (before bytes_used)? Never computes off + n. */
static bool
in_image(const struct sq *s, uint64_t off, uint64_t n)
{
	return off <= s->end && n <= s->end - off;
}

/* Squashfs compression id -> decompressor. Id 2 (LZMA) is either an lzma-alone stream (13-byte
 * header with the uncompressed size) or the vendor variant (5-byte header, no size): a size
 * field larger than the block can hold means the bytes there are already compressed data. */
static enum mamori_comp
comp_for(const struct sq *s, const uint8_t *in, size_t inlen, size_t max_out)
{
	switch (s->comp) {
	case 1:
		return MAMORI_COMP_ZLIB;
	case 2:
		if (inlen >= 13 && mamori_load_le32(in + 9) == 0 &&
		    mamori_load_le32(in + 5) <= max_out)
			return MAMORI_COMP_LZMA_ALONE;
		return MAMORI_COMP_LZMA_VENDOR;
	case 3:
		return MAMORI_COMP_LZO;
	case 4:
		return MAMORI_COMP_XZ;
	case 5:
		return MAMORI_COMP_LZ4_BLOCK;
	default:
		return MAMORI_COMP_ZSTD;
	}
}

/* Decompresses one block (what names it for the message) into out, at most max_out bytes. */
static mamori_err
unpack(struct sq *s, const uint8_t *in, size_t inlen, size_t max_out, struct mamori_buf *out,
    size_t off, const char *what)
{
	struct mamori_diag ld;
	enum mamori_comp c = comp_for(s, in, inlen, max_out);
	mamori_err e;

	memset(&ld, 0, sizeof(ld));
	e = mamori_decompress(c, in, inlen, max_out, out, NULL, &ld);
	if (e == MAMORI_E_TOOBIG || e == MAMORI_E_TRUNCATED)
		e = MAMORI_E_MALFORMED; /* a block that does not fit its size is corrupt */
	if (e != MAMORI_OK)
		return mamori_diag_set(s->d, e, off, 0, "squashfs: %s %s block at %zu: %s",
		    mamori_comp_name(c), what, off, ld.msg);
	return MAMORI_OK;
}

/* One metadata block at image offset off, appended to out; *next is the offset after it. */
static mamori_err
meta_block(struct sq *s, uint64_t off, struct mamori_buf *out, uint64_t *next, const char *what)
{
	uint16_t h, n;
	size_t before = out->len;
	mamori_err e;

	if (!in_image(s, off, 2))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, s->end, 0,
		    "squashfs: %s metadata block at %llu is past the end (%zu)", what,
		    (unsigned long long)off, s->end);
	h = ld16(s, s->img + off);
	n = h & (uint16_t)~SQ_META_UNCOMP;
	if (n == 0 || n > MAMORI_SQFS_META_MAX)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu has length %u (1..%u)", what,
		    (unsigned long long)off, n, MAMORI_SQFS_META_MAX);
	if (!in_image(s, off + 2, n))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu (%u bytes) runs past the end", what,
		    (unsigned long long)off, n);
	if (h & SQ_META_UNCOMP) {
		e = mamori_buf_append(out, s->img + off + 2, n);
		if (e != MAMORI_OK)
			return mamori_diag_set(
			    s->d, e, (size_t)off, 0, "squashfs: %s table exceeds its limit", what);
	} else {
		e = unpack(s, s->img + off + 2, n, MAMORI_SQFS_META_MAX, out, (size_t)off, what);
		if (e != MAMORI_OK)
			return e;
	}
	if (out->len == before)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu is empty", what, (unsigned long long)off);
	*next = off + 2 + n;
	return MAMORI_OK;
}

/* Decompresses the metadata blocks in [start, end) into tab. */
static mamori_err
read_table(struct sq *s, struct sq_table *tab, uint64_t start, uint64_t end, const char *what)
{
	uint64_t off = start;
	size_t cap = (size_t)((end - start) / 3 + 1); /* a block is at least 3 bytes */
	mamori_err e;

	if (cap > MAMORI_SQFS_META_BLOCKS)
		cap = MAMORI_SQFS_META_BLOCKS;
	tab->base = start;
	tab->disk = malloc(cap * sizeof(*tab->disk));
	tab->mem = malloc(cap * sizeof(*tab->mem));
	if (tab->disk == NULL || tab->mem == NULL)
		return mamori_diag_set(s->d, MAMORI_E_NOMEM, (size_t)start, 0,
		    "squashfs: out of memory for the %s table", what);
	tab->cap = cap;
	while (off < end) {
		if (tab->n == tab->cap)
			return mamori_diag_set(s->d, MAMORI_E_TOOBIG, (size_t)off, 0,
			    "squashfs: %s table has more than %u metadata blocks", what,
			    MAMORI_SQFS_META_BLOCKS);
		tab->disk[tab->n] = off - start;
		tab->mem[tab->n] = tab->b.len;
		tab->n++;
		e = meta_block(s, off, &tab->b, &off, what);
		if (e != MAMORI_OK)
			return e;
		if (off > end)
			return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)end, 0,
			    "squashfs: %s table runs past its end at %llu", what,
			    (unsigned long long)end);
	}
	return MAMORI_OK;
}

/* Position in tab of (block relative to the table start, offset inside the block). */
static mamori_err
locate(struct sq *s, const struct sq_table *tab, uint64_t blk, uint32_t off, size_t *pos,
    const char *what)
{
	size_t lo = 0, hi = tab->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab->disk[mid] < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == tab->n || tab->disk[lo] != blk)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)tab->base, 0,
		    "squashfs: %s reference to block %llu is not a metadata block start", what,
		    (unsigned long long)blk);
	if (off >= MAMORI_SQFS_META_MAX || off > tab->b.len - tab->mem[lo])
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED,
		    (size_t)(tab->base + tab->disk[lo]), 0,
		    "squashfs: %s reference offset %u is out of range", what, off);
	*pos = tab->mem[lo] + off;
	return MAMORI_OK;
}

/* Image offset of the metadata block holding pos, for error messages. */
static size_t
disk_off(const struct sq_table *tab, size_t pos)
{
	size_t lo = 0, hi = tab->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab->mem[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return tab->n == 0 ? (size_t)tab->base : (size_t)(tab->base + tab->disk[lo]);
}

/* An index of nblk 64-bit block offsets at start, each block holding per entries of esz
 * bytes; count entries in all are copied to out. */
static mamori_err
read_index(struct sq *s, uint64_t start, uint32_t count, uint32_t per, size_t esz, uint8_t *out,
    const char *what)
{
	size_t nblk = ((size_t)count + per - 1) / per;
	struct mamori_buf b;
	mamori_err e = MAMORI_OK;
	uint64_t next;

	if (!in_image(s, start, (uint64_t)nblk * 8))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)start, 0,
		    "squashfs: %s index at %llu (%zu entries) runs past the end", what,
		    (unsigned long long)start, nblk);
	mamori_buf_init(&b, MAMORI_SQFS_META_MAX);
	for (size_t i = 0; i < nblk; i++) {
		size_t want = (count - i * per < per ? count - i * per : per) * esz;

		mamori_buf_reset(&b);
		e = meta_block(s, ld64(s, s->img + start + 8 * i), &b, &next, what);
		if (e != MAMORI_OK)
			break;
		if (b.len < want) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)start, 0,
			    "squashfs: %s block %zu holds %zu bytes, %zu needed", what, i, b.len,
			    want);
			break;
		}
		memcpy(out + i * per * esz, b.p, want);
	}
	mamori_buf_free(&b);
	return e;
}

static mamori_err
bad_inode(struct sq *s, size_t off, const char *why)
{
	return mamori_diag_set(
	    s->d, MAMORI_E_MALFORMED, off, 0, "squashfs: inode in block at %zu: %s", off, why);
}

static mamori_err
read_inode(struct sq *s, uint64_t ref, struct sq_inode *ino)
{
	struct mamori_reader r;
	struct mamori_span sp;
	uint16_t type, mode, uidx, gidx, u16;
	uint32_t mtime, u32, nlink, xattr;
	uint64_t u64, nblk;
	size_t pos = 0, off;
	mamori_err e;

	e = locate(s, &s->itab, ref >> 16, (uint32_t)(ref & 0xffff), &pos, "inode");
	if (e != MAMORI_OK)
		return e;
	off = disk_off(&s->itab, pos);
	memset(ino, 0, sizeof(*ino));
	ino->off = off;
	mamori_reader_init(&r, s->itab.b.p + pos, s->itab.b.len - pos);
	if (rd16(s, &r, &type) || rd16(s, &r, &mode) || rd16(s, &r, &uidx) || rd16(s, &r, &gidx) ||
	    rd32(s, &r, &mtime) || rd32(s, &r, &ino->number))
		return bad_inode(s, off, "header runs past the inode table");
	(void)mtime;
	if (uidx >= s->id_count || gidx >= s->id_count)
		return bad_inode(s, off, "uid/gid index past the id table");
	if (ino->number == 0 || ino->number > s->inode_count)
		return bad_inode(s, off, "inode number out of range");
	ino->mode = mode & 07777u;
	ino->uid = s->ids[uidx];
	ino->gid = s->ids[gidx];
	switch (type) {
	case 1: /* basic directory */
		ino->type = MAMORI_FS_DIR;
		if (rd32(s, &r, &ino->dir_block) || rd32(s, &r, &u32) || rd16(s, &r, &u16))
			goto trunc;
		ino->size = u16;
		if (rd16(s, &r, &u16) || rd32(s, &r, &u32))
			goto trunc;
		ino->dir_off = u16;
		break;
	case 8: /* extended directory; its index is not needed to list it */
		ino->type = MAMORI_FS_DIR;
		if (rd32(s, &r, &nlink) || rd32(s, &r, &u32))
			goto trunc;
		ino->size = u32;
		if (rd32(s, &r, &ino->dir_block) || rd32(s, &r, &u32) || rd16(s, &r, &u16) ||
		    rd16(s, &r, &u16) || rd32(s, &r, &xattr))
			goto trunc;
		ino->dir_off = u16;
		break;
	case 2: /* basic file */
	case 9: /* extended file */
		ino->type = MAMORI_FS_REG;
		if (type == 2) {
			if (rd32(s, &r, &u32))
				goto trunc;
			ino->start = u32;
			if (rd32(s, &r, &ino->frag) || rd32(s, &r, &ino->frag_off) ||
			    rd32(s, &r, &u32))
				goto trunc;
			ino->size = u32;
		} else {
			if (rd64(s, &r, &ino->start) || rd64(s, &r, &ino->size) ||
			    rd64(s, &r, &u64) || rd32(s, &r, &u32) || rd32(s, &r, &ino->frag) ||
			    rd32(s, &r, &ino->frag_off) || rd32(s, &r, &xattr))
				goto trunc;
		}
		nblk = ino->size / s->block_size;
		if (ino->frag == SQ_NOFRAG && ino->size % s->block_size != 0)
			nblk++;
		/* the size must be what the block list describes: more bytes than the inode
		 * table can list block sizes for is a lie */
		if (nblk > mamori_reader_left(&r) / 4)
			return mamori_diag_set(s->d, MAMORI_E_MALFORMED, off, 0,
			    "squashfs: file inode %u claims %llu bytes (%llu blocks) but only %zu "
			    "block sizes follow",
			    ino->number, (unsigned long long)ino->size, (unsigned long long)nblk,
			    mamori_reader_left(&r) / 4);
		if (ino->size > MAMORI_SQFS_FILE_MAX)
			return mamori_diag_set(s->d, MAMORI_E_TOOBIG, off, 0,
			    "squashfs: file inode %u is %llu bytes (limit %llu)", ino->number,
			    (unsigned long long)ino->size,
			    (unsigned long long)MAMORI_SQFS_FILE_MAX);
		if (ino->frag != SQ_NOFRAG && ino->frag >= s->frag_count)
			return bad_inode(s, off, "fragment index past the fragment table");
		if (mamori_read_span(&r, (size_t)nblk * 4, &sp) != MAMORI_OK)
			goto trunc;
		ino->blist = sp.p;
		ino->nblocks = (size_t)nblk;
		if (!in_image(s, ino->start, 0))
			return bad_inode(s, off, "first data block past the end of the image");
		break;
	case 3:  /* basic symlink */
	case 10: /* extended symlink */
		ino->type = MAMORI_FS_LNK;
		if (rd32(s, &r, &nlink) || rd32(s, &r, &u32))
			goto trunc;
		if (u32 == 0)
			return bad_inode(s, off, "empty symlink target");
		if (u32 > MAMORI_FS_PATH_MAX)
			return mamori_diag_set(s->d, MAMORI_E_TOOBIG, off, 0,
			    "squashfs: symlink target of %u bytes (limit %u)", u32,
			    MAMORI_FS_PATH_MAX);
		if (mamori_read_span(&r, u32, &sp) != MAMORI_OK)
			goto trunc;
		if (memchr(sp.p, 0, sp.len) != NULL)
			return bad_inode(s, off, "NUL byte in symlink target");
		ino->target = sp.p;
		ino->tlen = sp.len;
		break;
	case 4:
	case 5:
	case 11:
	case 12: /* block / char device: nlink, rdev (metadata only, never created) */
		ino->type = (type == 4 || type == 11) ? MAMORI_FS_BLK : MAMORI_FS_CHR;
		if (rd32(s, &r, &nlink) || rd32(s, &r, &u32))
			goto trunc;
		if (type > 8 && rd32(s, &r, &xattr))
			goto trunc;
		break;
	case 6:
	case 7:
	case 13:
	case 14: /* fifo / socket: nlink */
		ino->type = (type == 6 || type == 13) ? MAMORI_FS_FIFO : MAMORI_FS_SOCK;
		if (rd32(s, &r, &u32))
			goto trunc;
		if (type > 8 && rd32(s, &r, &xattr))
			goto trunc;
		break;
	default:
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, off, 0,
		    "squashfs: unknown inode type %u in block at %zu", type, off);
	}
	return MAMORI_OK;
trunc:
	return bad_inode(s, off, "inode runs past the end of the inode table");
}

/* Fragment block idx, decompressed, in *out. The tails of the files of one directory usually
 * share a fragment, but mksquashfs may interleave two, so a few are kept. */
static mamori_err
load_frag(struct sq *s, uint32_t idx, const struct mamori_buf **out)
{
	const struct sq_frag *f = &s->frags[idx];
	uint32_t n = f->size & SQ_DATA_MASK;
	struct mamori_buf *b;
	mamori_err e;

	for (unsigned i = 0; i < SQ_FCACHE; i++) {
		if (s->fcache_idx[i] == idx) {
			*out = &s->fcache[i];
			return MAMORI_OK;
		}
	}
	b = &s->fcache[s->fcache_next];
	s->fcache_idx[s->fcache_next] = SQ_NOFRAG;
	mamori_buf_reset(b);
	if ((f->size & ~(SQ_DATA_MASK | SQ_DATA_UNCOMP)) != 0 || n == 0 || n > s->block_size)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)s->frag_start, 0,
		    "squashfs: fragment %u has size field 0x%x", idx, f->size);
	if (!in_image(s, f->start, n))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)s->frag_start, 0,
		    "squashfs: fragment %u at %llu (%u bytes) runs past the end", idx,
		    (unsigned long long)f->start, n);
	if (f->size & SQ_DATA_UNCOMP)
		e = mamori_buf_append(b, s->img + f->start, n);
	else
		e = unpack(s, s->img + f->start, n, s->block_size, b, (size_t)f->start, "fragment");
	if (e != MAMORI_OK)
		return e;
	s->fcache_idx[s->fcache_next] = idx;
	s->fcache_next = (s->fcache_next + 1) % SQ_FCACHE;
	*out = b;
	return MAMORI_OK;
}

/* The contents of a regular file, malloc'ed (NULL when empty). */
static mamori_err
read_data(struct sq *s, const struct sq_inode *ino, uint8_t **out)
{
	size_t size = (size_t)ino->size, done = 0, tail;
	uint64_t pos = ino->start;
	uint8_t *data = NULL;
	mamori_err e = MAMORI_OK;

	if (size == 0) {
		*out = NULL;
		return MAMORI_OK;
	}
	data = malloc(size);
	if (data == NULL)
		return mamori_diag_set(s->d, MAMORI_E_NOMEM, ino->off, 0,
		    "squashfs: out of memory for a %zu-byte file", size);
	for (size_t i = 0; i < ino->nblocks; i++) {
		uint32_t bsz = ld32(s, ino->blist + 4 * i);
		uint32_t n = bsz & SQ_DATA_MASK;
		size_t want = size - done < s->block_size ? size - done : s->block_size;

		if (bsz == 0) { /* sparse: a block of zeros */
			memset(data + done, 0, want);
			done += want;
			continue;
		}
		if ((bsz & ~(SQ_DATA_MASK | SQ_DATA_UNCOMP)) != 0 || n > s->block_size || n == 0) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
			    "squashfs: file inode %u block %zu has size field 0x%x", ino->number, i,
			    bsz);
			goto out;
		}
		if (!in_image(s, pos, n)) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
			    "squashfs: file inode %u block %zu at %llu runs past the end",
			    ino->number, i, (unsigned long long)pos);
			goto out;
		}
		if (bsz & SQ_DATA_UNCOMP) {
			if (n != want) {
				e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)pos, 0,
				    "squashfs: stored block at %llu is %u bytes, %zu expected",
				    (unsigned long long)pos, n, want);
				goto out;
			}
			memcpy(data + done, s->img + pos, n);
		} else {
			mamori_buf_reset(&s->scratch);
			e = unpack(s, s->img + pos, n, want, &s->scratch, (size_t)pos, "data");
			if (e != MAMORI_OK)
				goto out;
			if (s->scratch.len != want) {
				e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)pos, 0,
				    "squashfs: data block at %llu holds %zu bytes, %zu expected",
				    (unsigned long long)pos, s->scratch.len, want);
				goto out;
			}
			memcpy(data + done, s->scratch.p, want);
		}
		done += want;
		pos += n;
	}
	tail = size - done;
	if (tail > 0) {
		/* nblocks was computed so that only a file with a fragment has a tail left */
		const struct mamori_buf *fb = NULL;

		e = load_frag(s, ino->frag, &fb);
		if (e != MAMORI_OK)
			goto out;
		if (ino->frag_off > fb->len || tail > fb->len - ino->frag_off) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
			    "squashfs: file inode %u tail (%zu bytes at %u) is outside fragment %u "
			    "(%zu bytes)",
			    ino->number, tail, ino->frag_off, ino->frag, fb->len);
			goto out;
		}
		memcpy(data + done, fb->p + ino->frag_off, tail);
	}
	*out = data;
	data = NULL;
out:
	free(data);
	return e;
}

static mamori_err
add_node(struct sq *s, const struct sq_inode *ino, size_t pathlen)
{
	uint8_t *data = NULL;
	bool clamped = false;
	mamori_err e;

	switch (ino->type) {
	case MAMORI_FS_REG:
		e = read_data(s, ino, &data);
		if (e != MAMORI_OK)
			return e;
		return mamori_fstree_add_owned(s->t, s->path, pathlen, MAMORI_FS_REG, ino->mode,
		    ino->uid, ino->gid, data, (size_t)ino->size, NULL, &clamped, s->d);
	case MAMORI_FS_LNK:
		memcpy(s->link, ino->target, ino->tlen);
		s->link[ino->tlen] = '\0';
		return mamori_fstree_add(s->t, s->path, pathlen, MAMORI_FS_LNK, ino->mode, ino->uid,
		    ino->gid, NULL, 0, s->link, &clamped, s->d);
	default:
		return mamori_fstree_add(s->t, s->path, pathlen, ino->type, ino->mode, ino->uid,
		    ino->gid, NULL, 0, NULL, &clamped, s->d);
	}
}

/* Entry names are single components: "", ".", "..", a '/' or a NUL byte are refused. */
static bool
name_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return false;
	return memchr(p, '/', n) == NULL && memchr(p, 0, n) == NULL;
}

static mamori_err
walk(struct sq *s, const struct sq_inode *dir, size_t pathlen, unsigned depth)
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
	e = locate(s, &s->dtab, dir->dir_block, dir->dir_off, &pos, "directory");
	if (e != MAMORI_OK)
		return e;
	doff = disk_off(&s->dtab, pos);
	if (listing > s->dtab.b.len - pos)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
		    "squashfs: directory inode %u listing (%zu bytes) runs past the directory table",
		    dir->number, listing);
	mamori_reader_init(&r, s->dtab.b.p + pos, listing);
	while (mamori_reader_left(&r) > 0) {
		uint32_t count, start, inum;

		if (rd32(s, &r, &count) || rd32(s, &r, &start) || rd32(s, &r, &inum))
			goto trunc;
		(void)inum;
		if (count >= MAMORI_SQFS_DIR_ENTRIES)
			return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
			    "squashfs: directory header with %llu entries (max %u)",
			    (unsigned long long)count + 1, MAMORI_SQFS_DIR_ENTRIES);
		for (uint32_t i = 0; i <= count; i++) {
			struct sq_inode ino;
			struct mamori_span name;
			uint16_t eoff, delta, type, nsize;
			size_t plen;

			if (rd16(s, &r, &eoff) || rd16(s, &r, &delta) || rd16(s, &r, &type) ||
			    rd16(s, &r, &nsize))
				goto trunc;
			if ((size_t)nsize + 1 > MAMORI_FS_NAME_MAX + 1u)
				return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
				    "squashfs: directory entry name of %u bytes (max %u)",
				    nsize + 1u, MAMORI_FS_NAME_MAX + 1u);
			if (mamori_read_span(&r, (size_t)nsize + 1, &name) != MAMORI_OK)
				goto trunc;
			if (!name_ok(name.p, name.len))
				return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
				    "squashfs: hostile entry name (\".\", \"..\", '/' or NUL) in "
				    "directory inode %u",
				    dir->number);
			if (++s->entries > MAMORI_SQFS_ENTRIES_MAX)
				return mamori_diag_set(s->d, MAMORI_E_TOOBIG, doff, 0,
				    "squashfs: more than %u directory entries",
				    MAMORI_SQFS_ENTRIES_MAX);
			plen = pathlen + 1 + name.len;
			if (plen > MAMORI_FS_PATH_MAX)
				return mamori_diag_set(s->d, MAMORI_E_TOOBIG, doff, 0,
				    "squashfs: path longer than %u bytes", MAMORI_FS_PATH_MAX);
			s->path[pathlen] = '/';
			memcpy(s->path + pathlen + 1, name.p, name.len);
			s->path[plen] = '\0';
			e = read_inode(s, (uint64_t)start << 16 | eoff, &ino);
			if (e != MAMORI_OK)
				return e;
			e = add_node(s, &ino, plen);
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

bool
mamori_squashfs_probe(const uint8_t *p, size_t len)
{
	if (p == NULL || len < MAMORI_SQFS_SUPER_LEN)
		return false;
	if (mamori_load_le32(p) == SQ_MAGIC)
		return mamori_load_le16(p + 28) == 4;
	if (mamori_load_be32(p) == SQ_MAGIC)
		return mamori_load_be16(p + 28) == 4;
	return false;
}

/* Superblock fields; checks that need nothing but the superblock. */
static mamori_err
read_super(struct sq *s, const uint8_t *img, size_t len)
{
	struct mamori_reader r;
	uint32_t magic, mtime;
	uint16_t block_log, flags, id_count, vmaj, vmin;
	uint64_t bytes_used;

	if (len < 4)
		return mamori_diag_set(
		    s->d, MAMORI_E_TRUNCATED, len, 0, "squashfs: %zu bytes, no superblock", len);
	if (mamori_load_le32(img) == SQ_MAGIC)
		s->be = false;
	else if (mamori_load_be32(img) == SQ_MAGIC)
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
	if (rd32(s, &r, &magic) || rd32(s, &r, &s->inode_count) || rd32(s, &r, &mtime) ||
	    rd32(s, &r, &s->block_size) || rd32(s, &r, &s->frag_count) || rd16(s, &r, &s->comp) ||
	    rd16(s, &r, &block_log) || rd16(s, &r, &flags) || rd16(s, &r, &id_count) ||
	    rd16(s, &r, &vmaj) || rd16(s, &r, &vmin) || rd64(s, &r, &s->root) ||
	    rd64(s, &r, &bytes_used) || rd64(s, &r, &s->id_start) || rd64(s, &r, &s->xattr_start) ||
	    rd64(s, &r, &s->inode_start) || rd64(s, &r, &s->dir_start) ||
	    rd64(s, &r, &s->frag_start) || rd64(s, &r, &s->export_start))
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
dir_end(const struct sq *s)
{
	uint64_t c[7], end = s->end;
	size_t n = 0;

	c[n++] = s->id_start;
	if (in_image(s, s->id_start, 8))
		c[n++] = ld64(s, s->img + s->id_start);
	if (s->frag_count > 0) {
		c[n++] = s->frag_start;
		if (in_image(s, s->frag_start, 8))
			c[n++] = ld64(s, s->img + s->frag_start);
	}
	if (s->export_start != SQ_NONE64) {
		c[n++] = s->export_start;
		if (in_image(s, s->export_start, 8))
			c[n++] = ld64(s, s->img + s->export_start);
	}
	if (s->xattr_start != SQ_NONE64)
		c[n++] = s->xattr_start;
	for (size_t i = 0; i < n; i++)
		if (c[i] >= s->dir_start && c[i] < end)
			end = c[i];
	return end;
}

mamori_err
mamori_squashfs_read(const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d)
{
	struct sq *s;
	struct sq_inode root;
	bool clamped = false;
	mamori_err e = MAMORI_E_INVAL;

	if ((img == NULL && len > 0) || t == NULL)
		return MAMORI_E_INVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
	s->img = img;
	s->t = t;
	s->d = d;
	for (unsigned i = 0; i < SQ_FCACHE; i++) {
		s->fcache_idx[i] = SQ_NOFRAG;
		mamori_buf_init(&s->fcache[i], MAMORI_SQFS_BLOCK_MAX);
	}
	mamori_buf_init(&s->itab.b, (size_t)MAMORI_SQFS_META_BLOCKS * MAMORI_SQFS_META_MAX);
	mamori_buf_init(&s->dtab.b, (size_t)MAMORI_SQFS_META_BLOCKS * MAMORI_SQFS_META_MAX);
	mamori_buf_init(&s->scratch, MAMORI_SQFS_BLOCK_MAX);
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
		e = read_index(s, s->id_start, s->id_count, SQ_IDS_PER_BLK, 4, raw, "id");
		for (size_t i = 0; e == MAMORI_OK && i < s->id_count; i++)
			s->ids[i] = ld32(s, raw + 4 * i);
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
		e = read_index(
		    s, s->frag_start, s->frag_count, SQ_FRAGS_PER_BLK, 16, raw, "fragment");
		for (size_t i = 0; e == MAMORI_OK && i < s->frag_count; i++) {
			s->frags[i].start = ld64(s, raw + 16 * i);
			s->frags[i].size = ld32(s, raw + 16 * i + 8);
		}
		free(raw);
		if (e != MAMORI_OK)
			goto out;
	}
	e = read_table(s, &s->itab, s->inode_start, s->dir_start, "inode");
	if (e != MAMORI_OK)
		goto out;
	/* the smallest inode (basic fifo/socket) is 20 bytes */
	if (s->inode_count > s->itab.b.len / 20) {
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, 4, 0,
		    "squashfs: %u inodes cannot fit in a %zu-byte inode table", s->inode_count,
		    s->itab.b.len);
		goto out;
	}
	e = read_table(s, &s->dtab, s->dir_start, dir_end(s), "directory");
	if (e != MAMORI_OK)
		goto out;
	e = read_inode(s, s->root, &root);
	if (e != MAMORI_OK)
		goto out;
	if (root.type != MAMORI_FS_DIR) {
		e = mamori_diag_set(
		    d, MAMORI_E_MALFORMED, root.off, 0, "squashfs: root inode is not a directory");
		goto out;
	}
	s->path[0] = '/';
	s->path[1] = '\0';
	e = mamori_fstree_add(t, s->path, 1, MAMORI_FS_DIR, root.mode, root.uid, root.gid, NULL, 0,
	    NULL, &clamped, d);
	if (e != MAMORI_OK)
		goto out;
	e = walk(s, &root, 0, 0);
out:
	mamori_buf_free(&s->itab.b);
	mamori_buf_free(&s->dtab.b);
	free(s->itab.disk);
	free(s->itab.mem);
	free(s->dtab.disk);
	free(s->dtab.mem);
	mamori_buf_free(&s->scratch);
	for (unsigned i = 0; i < SQ_FCACHE; i++)
		mamori_buf_free(&s->fcache[i]);
	free(s->ids);
	free(s->frags);
	free(s->visited);
	free(s);
	return e;
}
