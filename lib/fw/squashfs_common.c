/* SPDX-License-Identifier: MIT */
/* The half of the SquashFS readers that does not depend on the version: metadata blocks and
 * tables, references, decompression, file contents and fragments, names and tree nodes. See
 * squashfs_priv.h and docs/formats/squashfs.md. Every offset, count and length comes from the
 * image and is checked before it is used. */
#include <stdlib.h>
#include <string.h>

#include "mamori/decomp.h"
#include "squashfs_priv.h"

mamori_err
sqfs_rd16(const struct sqfs *s, struct mamori_reader *r, uint16_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 2, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = sqfs_ld16(s, sp.p);
	return MAMORI_OK;
}

mamori_err
sqfs_rd32(const struct sqfs *s, struct mamori_reader *r, uint32_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 4, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = sqfs_ld32(s, sp.p);
	return MAMORI_OK;
}

mamori_err
sqfs_rd64(const struct sqfs *s, struct mamori_reader *r, uint64_t *v)
{
	struct mamori_span sp;

	if (mamori_read_span(r, 8, &sp) != MAMORI_OK)
		return MAMORI_E_TRUNCATED;
	*v = sqfs_ld64(s, sp.p);
	return MAMORI_OK;
}

struct sqfs *
sqfs_new(const uint8_t *img, struct mamori_fstree *t, struct mamori_diag *d)
{
	struct sqfs *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->img = img;
	s->t = t;
	s->d = d;
	s->meta_hdr = 2;
	s->export_start = SQFS_NONE64;
	s->xattr_start = SQFS_NONE64;
	for (unsigned i = 0; i < SQFS_FCACHE; i++) {
		s->fcache_idx[i] = SQFS_NOFRAG;
		mamori_buf_init(&s->fcache[i], MAMORI_SQFS_BLOCK_MAX);
	}
	mamori_buf_init(&s->itab.b, (size_t)MAMORI_SQFS_META_BLOCKS * MAMORI_SQFS_META_MAX);
	mamori_buf_init(&s->dtab.b, (size_t)MAMORI_SQFS_META_BLOCKS * MAMORI_SQFS_META_MAX);
	mamori_buf_init(&s->scratch, MAMORI_SQFS_BLOCK_MAX);
	return s;
}

void
sqfs_free(struct sqfs *s)
{
	if (s == NULL)
		return;
	mamori_buf_free(&s->itab.b);
	mamori_buf_free(&s->dtab.b);
	free(s->itab.disk);
	free(s->itab.mem);
	free(s->dtab.disk);
	free(s->dtab.mem);
	mamori_buf_free(&s->scratch);
	for (unsigned i = 0; i < SQFS_FCACHE; i++)
		mamori_buf_free(&s->fcache[i]);
	free(s->ids);
	free(s->gids);
	free(s->frags);
	free(s->visited);
	free(s);
}

/* 4.0: compression id -> decompressor. Id 2 (LZMA) is either an lzma-alone stream (13-byte
 * header with the uncompressed size) or the vendor variant (5-byte header, no size): a size
 * field larger than the block can hold means the bytes there are already compressed data. */
static enum mamori_comp
comp_for(const struct sqfs *s, const uint8_t *in, size_t inlen, size_t max_out)
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

/* 3.x/2.x: the format the block's first bytes look like. A zlib header is CMF/FLG with
 * method 8 and a check multiple of 31 (an LZMA properties byte, at most 224 and in practice
 * 0x5d, never has method 8); an lzma-alone header has a size that fits the block, or all ones
 * (unknown); anything else is taken for the vendor 5-byte header. */
static enum mamori_comp
comp_guess(const uint8_t *in, size_t inlen, size_t max_out)
{
	uint64_t size;

	if (inlen >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
	    ((unsigned)in[0] << 8 | in[1]) % 31 == 0)
		return MAMORI_COMP_ZLIB;
	if (inlen >= 13) {
		size = (uint64_t)mamori_load_le32(in + 9) << 32 | mamori_load_le32(in + 5);
		if (size <= max_out || size == UINT64_MAX)
			return MAMORI_COMP_LZMA_ALONE;
	}
	return MAMORI_COMP_LZMA_VENDOR;
}

/* 3.x/2.x: the guess first, then the other two formats; the first that decodes (to exactly
 * `exact` bytes when exact != 0) wins. On failure *ld and the result are the guess's. */
static mamori_err
unpack_auto(const uint8_t *in, size_t inlen, size_t max_out, size_t exact, struct mamori_buf *out,
    enum mamori_comp *c, struct mamori_diag *ld)
{
	enum mamori_comp order[3] = {
	    MAMORI_COMP_ZLIB, MAMORI_COMP_LZMA_ALONE, MAMORI_COMP_LZMA_VENDOR};
	size_t before = out->len;
	mamori_err first = MAMORI_E_MALFORMED;

	*c = comp_guess(in, inlen, max_out);
	for (unsigned i = 0; i < 3; i++) { /* the guess goes first, the others keep their order */
		if (order[i] == *c) {
			for (unsigned j = i; j > 0; j--)
				order[j] = order[j - 1];
			order[0] = *c;
			break;
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		struct mamori_diag tmp;
		mamori_err e;

		memset(&tmp, 0, sizeof(tmp));
		out->len = before; /* drop what a failed attempt left */
		e = mamori_decompress(order[i], in, inlen, max_out, out, NULL, &tmp);
		if (e == MAMORI_OK && (exact == 0 || out->len - before == exact))
			return MAMORI_OK;
		if (e == MAMORI_OK)
			(void)mamori_diag_set(&tmp, MAMORI_E_MALFORMED, 0, 0,
			    "%zu bytes, %zu expected", out->len - before, exact);
		if (e == MAMORI_E_NOMEM) { /* a table's cap: no other format fits better */
			*c = order[i];
			*ld = tmp;
			return e;
		}
		if (i == 0) {
			first = e == MAMORI_OK ? MAMORI_E_MALFORMED : e;
			*ld = tmp;
		}
	}
	out->len = before;
	return first;
}

mamori_err
sqfs_unpack(struct sqfs *s, const uint8_t *in, size_t inlen, size_t max_out, size_t exact,
    struct mamori_buf *out, size_t off, const char *what)
{
	struct mamori_diag ld;
	enum mamori_comp c;
	mamori_err e;

	memset(&ld, 0, sizeof(ld));
	if (s->comp == SQFS_COMP_AUTO) {
		e = unpack_auto(in, inlen, max_out, exact, out, &c, &ld);
	} else {
		c = comp_for(s, in, inlen, max_out);
		e = mamori_decompress(c, in, inlen, max_out, out, NULL, &ld);
	}
	if (e == MAMORI_E_TOOBIG || e == MAMORI_E_TRUNCATED)
		e = MAMORI_E_MALFORMED; /* a block that does not fit its size is corrupt */
	if (e != MAMORI_OK)
		return mamori_diag_set(s->d, e, off, 0, "squashfs: %s %s block at %zu: %s",
		    mamori_comp_name(c), what, off, ld.msg);
	return MAMORI_OK;
}

mamori_err
sqfs_meta_block(
    struct sqfs *s, uint64_t off, struct mamori_buf *out, uint64_t *next, const char *what)
{
	uint16_t h, n;
	size_t before = out->len;
	const uint8_t *data;
	mamori_err e;

	if (!sqfs_in_image(s, off, s->meta_hdr))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, s->end, 0,
		    "squashfs: %s metadata block at %llu is past the end (%zu)", what,
		    (unsigned long long)off, s->end);
	h = sqfs_ld16(s, s->img + off);
	n = h & (uint16_t)~SQFS_META_UNCOMP;
	if (n == 0 || n > MAMORI_SQFS_META_MAX)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu has length %u (1..%u)", what,
		    (unsigned long long)off, n, MAMORI_SQFS_META_MAX);
	/* 3.x/2.x with the CHECK flag: a marker byte between the length word and the data */
	if (s->meta_hdr == 3 && s->img[off + 2] != SQFS_MARKER)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off + 2, 0,
		    "squashfs: %s metadata block marker at %llu is 0x%02x, not 0xff", what,
		    (unsigned long long)off + 2, s->img[off + 2]);
	if (!sqfs_in_image(s, off + s->meta_hdr, n))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu (%u bytes) runs past the end", what,
		    (unsigned long long)off, n);
	data = s->img + off + s->meta_hdr;
	if (h & SQFS_META_UNCOMP) {
		e = mamori_buf_append(out, data, n);
		if (e != MAMORI_OK)
			return mamori_diag_set(
			    s->d, e, (size_t)off, 0, "squashfs: %s table exceeds its limit", what);
	} else {
		e = sqfs_unpack(s, data, n, MAMORI_SQFS_META_MAX, 0, out, (size_t)off, what);
		if (e != MAMORI_OK)
			return e;
	}
	if (out->len == before)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "squashfs: %s metadata block at %llu is empty", what, (unsigned long long)off);
	*next = off + s->meta_hdr + n;
	return MAMORI_OK;
}

mamori_err
sqfs_read_table(
    struct sqfs *s, struct sqfs_table *tab, uint64_t start, uint64_t end, const char *what)
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
		e = sqfs_meta_block(s, off, &tab->b, &off, what);
		if (e != MAMORI_OK)
			return e;
		if (off > end)
			return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)end, 0,
			    "squashfs: %s table runs past its end at %llu", what,
			    (unsigned long long)end);
	}
	return MAMORI_OK;
}

mamori_err
sqfs_locate(struct sqfs *s, const struct sqfs_table *tab, uint64_t blk, uint32_t off, size_t *pos,
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

size_t
sqfs_disk_off(const struct sqfs_table *tab, size_t pos)
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

mamori_err
sqfs_read_index(struct sqfs *s, uint64_t start, uint32_t count, uint32_t per, size_t esz, size_t iw,
    uint8_t *out, const char *what)
{
	size_t nblk = ((size_t)count + per - 1) / per;
	struct mamori_buf b;
	mamori_err e = MAMORI_OK;
	uint64_t next;

	if (!sqfs_in_image(s, start, (uint64_t)nblk * iw))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)start, 0,
		    "squashfs: %s index at %llu (%zu entries) runs past the end", what,
		    (unsigned long long)start, nblk);
	mamori_buf_init(&b, MAMORI_SQFS_META_MAX);
	for (size_t i = 0; i < nblk; i++) {
		size_t want = (count - i * per < per ? count - i * per : per) * esz;
		const uint8_t *ip = s->img + start + iw * i;

		mamori_buf_reset(&b);
		e = sqfs_meta_block(
		    s, iw == 8 ? sqfs_ld64(s, ip) : sqfs_ld32(s, ip), &b, &next, what);
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

mamori_err
sqfs_bad_inode(struct sqfs *s, size_t off, const char *why)
{
	return mamori_diag_set(
	    s->d, MAMORI_E_MALFORMED, off, 0, "squashfs: inode in block at %zu: %s", off, why);
}

mamori_err
sqfs_file_blocks(struct sqfs *s, struct mamori_reader *r, struct sqfs_inode *ino)
{
	struct mamori_span sp;
	uint64_t nblk = ino->size / s->block_size;

	if (ino->frag == SQFS_NOFRAG && ino->size % s->block_size != 0)
		nblk++;
	/* the size must be what the block list describes: more bytes than the inode table can
	 * list block sizes for is a lie */
	if (nblk > mamori_reader_left(r) / 4)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
		    "squashfs: file inode %u claims %llu bytes (%llu blocks) but only %zu "
		    "block sizes follow",
		    ino->number, (unsigned long long)ino->size, (unsigned long long)nblk,
		    mamori_reader_left(r) / 4);
	if (ino->size > MAMORI_SQFS_FILE_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, ino->off, 0,
		    "squashfs: file inode %u is %llu bytes (limit %llu)", ino->number,
		    (unsigned long long)ino->size, (unsigned long long)MAMORI_SQFS_FILE_MAX);
	if (ino->frag != SQFS_NOFRAG && ino->frag >= s->frag_count)
		return sqfs_bad_inode(s, ino->off, "fragment index past the fragment table");
	if (mamori_read_span(r, (size_t)nblk * 4, &sp) != MAMORI_OK)
		return sqfs_bad_inode(s, ino->off, "inode runs past the end of the inode table");
	ino->blist = sp.p;
	ino->nblocks = (size_t)nblk;
	if (!sqfs_in_image(s, ino->start, 0))
		return sqfs_bad_inode(s, ino->off, "first data block past the end of the image");
	return MAMORI_OK;
}

mamori_err
sqfs_symlink(struct sqfs *s, struct mamori_reader *r, size_t n, struct sqfs_inode *ino)
{
	struct mamori_span sp;

	if (n == 0)
		return sqfs_bad_inode(s, ino->off, "empty symlink target");
	if (n > MAMORI_FS_PATH_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, ino->off, 0,
		    "squashfs: symlink target of %zu bytes (limit %u)", n, MAMORI_FS_PATH_MAX);
	if (mamori_read_span(r, n, &sp) != MAMORI_OK)
		return sqfs_bad_inode(s, ino->off, "inode runs past the end of the inode table");
	if (memchr(sp.p, 0, sp.len) != NULL)
		return sqfs_bad_inode(s, ino->off, "NUL byte in symlink target");
	ino->target = sp.p;
	ino->tlen = sp.len;
	return MAMORI_OK;
}

/* Fragment block idx, decompressed, in *out. The tails of the files of one directory usually
 * share a fragment, but mksquashfs may interleave two, so a few are kept. */
static mamori_err
load_frag(struct sqfs *s, uint32_t idx, const struct mamori_buf **out)
{
	const struct sqfs_frag *f = &s->frags[idx];
	uint32_t n = f->size & SQFS_DATA_MASK;
	struct mamori_buf *b;
	mamori_err e;

	for (unsigned i = 0; i < SQFS_FCACHE; i++) {
		if (s->fcache_idx[i] == idx) {
			*out = &s->fcache[i];
			return MAMORI_OK;
		}
	}
	b = &s->fcache[s->fcache_next];
	s->fcache_idx[s->fcache_next] = SQFS_NOFRAG;
	mamori_buf_reset(b);
	if ((f->size & ~(SQFS_DATA_MASK | SQFS_DATA_UNCOMP)) != 0 || n == 0 || n > s->block_size)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)s->frag_start, 0,
		    "squashfs: fragment %u has size field 0x%x", idx, f->size);
	if (!sqfs_in_image(s, f->start, n))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)s->frag_start, 0,
		    "squashfs: fragment %u at %llu (%u bytes) runs past the end", idx,
		    (unsigned long long)f->start, n);
	if (f->size & SQFS_DATA_UNCOMP)
		e = mamori_buf_append(b, s->img + f->start, n);
	else
		e = sqfs_unpack(
		    s, s->img + f->start, n, s->block_size, 0, b, (size_t)f->start, "fragment");
	if (e != MAMORI_OK)
		return e;
	s->fcache_idx[s->fcache_next] = idx;
	s->fcache_next = (s->fcache_next + 1) % SQFS_FCACHE;
	*out = b;
	return MAMORI_OK;
}

/* The contents of a regular file, malloc'ed (NULL when empty). */
static mamori_err
read_data(struct sqfs *s, const struct sqfs_inode *ino, uint8_t **out)
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
		uint32_t bsz = sqfs_ld32(s, ino->blist + 4 * i);
		uint32_t n = bsz & SQFS_DATA_MASK;
		size_t want = size - done < s->block_size ? size - done : s->block_size;

		if (bsz == 0) { /* sparse: a block of zeros */
			memset(data + done, 0, want);
			done += want;
			continue;
		}
		if ((bsz & ~(SQFS_DATA_MASK | SQFS_DATA_UNCOMP)) != 0 || n > s->block_size ||
		    n == 0) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
			    "squashfs: file inode %u block %zu has size field 0x%x", ino->number, i,
			    bsz);
			goto out;
		}
		if (!sqfs_in_image(s, pos, n)) {
			e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, ino->off, 0,
			    "squashfs: file inode %u block %zu at %llu runs past the end",
			    ino->number, i, (unsigned long long)pos);
			goto out;
		}
		if (bsz & SQFS_DATA_UNCOMP) {
			if (n != want) {
				e = mamori_diag_set(s->d, MAMORI_E_MALFORMED, (size_t)pos, 0,
				    "squashfs: stored block at %llu is %u bytes, %zu expected",
				    (unsigned long long)pos, n, want);
				goto out;
			}
			memcpy(data + done, s->img + pos, n);
		} else {
			mamori_buf_reset(&s->scratch);
			e = sqfs_unpack(
			    s, s->img + pos, n, want, want, &s->scratch, (size_t)pos, "data");
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

mamori_err
sqfs_add_node(struct sqfs *s, const struct sqfs_inode *ino, size_t pathlen)
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

mamori_err
sqfs_push_name(struct sqfs *s, const uint8_t *name, size_t n, size_t pathlen, size_t *plen,
    size_t doff, uint32_t dir)
{
	if (!name_ok(name, n))
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, doff, 0,
		    "squashfs: hostile entry name (\".\", \"..\", '/' or NUL) in directory inode %u",
		    dir);
	if (++s->entries > MAMORI_SQFS_ENTRIES_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, doff, 0,
		    "squashfs: more than %u directory entries", MAMORI_SQFS_ENTRIES_MAX);
	if (pathlen + 1 + n > MAMORI_FS_PATH_MAX)
		return mamori_diag_set(s->d, MAMORI_E_TOOBIG, doff, 0,
		    "squashfs: path longer than %u bytes", MAMORI_FS_PATH_MAX);
	s->path[pathlen] = '/';
	memcpy(s->path + pathlen + 1, name, n);
	*plen = pathlen + 1 + n;
	s->path[*plen] = '\0';
	return MAMORI_OK;
}

mamori_err
sqfs_walk_root(struct sqfs *s, size_t inode_min, uint64_t dir_end, bool visit_by_pos,
    sqfs_inode_fn read_inode, sqfs_walk_fn walk)
{
	struct sqfs_inode root;
	bool clamped = false;
	mamori_err e;

	e = sqfs_read_table(s, &s->itab, s->inode_start, s->dir_start, "inode");
	if (e != MAMORI_OK)
		return e;
	if (s->inode_count > s->itab.b.len / inode_min)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, 4, 0,
		    "squashfs: %u inodes cannot fit in a %zu-byte inode table", s->inode_count,
		    s->itab.b.len);
	if (visit_by_pos && (s->visited = calloc(s->itab.b.len / 8 + 1, 1)) == NULL)
		return mamori_diag_set(s->d, MAMORI_E_NOMEM, 0, 0, "squashfs: out of memory");
	e = sqfs_read_table(s, &s->dtab, s->dir_start, dir_end, "directory");
	if (e != MAMORI_OK)
		return e;
	if ((e = read_inode(s, s->root, &root)) != MAMORI_OK)
		return e;
	if (root.type != MAMORI_FS_DIR)
		return mamori_diag_set(s->d, MAMORI_E_MALFORMED, root.off, 0,
		    "squashfs: root inode is not a directory");
	s->path[0] = '/';
	s->path[1] = '\0';
	e = mamori_fstree_add(s->t, s->path, 1, MAMORI_FS_DIR, root.mode, root.uid, root.gid, NULL,
	    0, NULL, &clamped, s->d);
	if (e != MAMORI_OK)
		return e;
	return walk(s, &root, 0, 0);
}
