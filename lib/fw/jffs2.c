/* SPDX-License-Identifier: MIT */
/* JFFS2 reader (see include/mamori/jffs2.h and docs/formats/jffs2.md). One pass over the nodes
 * keeps the inode and dirent nodes whose CRCs hold; then the latest dirent per (parent, name)
 * and the latest inode node per inode are chosen, the tree is walked from the root, and each
 * file's data is rebuilt from its nodes in version order. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/decomp.h"
#include "mamori/jffs2.h"

#define NT_ACCURATE    0x2000u /* cleared on the flash to obsolete a node */
#define NT_DIRENT      0xe001u
#define NT_INODE       0xe002u
#define NT_CLEANMARKER 0x2003u
#define NT_PADDING     0x2004u
#define NT_SUMMARY     0x2006u
#define NT_XATTR       0xe008u
#define NT_XREF        0xe009u

#define COMPR_NONE  0x00u
#define COMPR_ZERO  0x01u
#define COMPR_RTIME 0x02u
#define COMPR_ZLIB  0x06u
#define COMPR_LZO   0x07u
#define COMPR_LZMA  0x15u /* OpenWrt's kernel patch */

/* OpenWrt's JFFS2 LZMA: raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary, no header. decomp.c takes
 * raw LZMA1 behind a 5-byte header (properties byte, le32 dictionary), built here. */
#define LZMA_HDR_LEN 5u
#define LZMA_DICT    (8u << 10)

#define ROOT_INO 1u
#define ERASED   0xffffffffu

/* One inode node that passed its checks. */
struct inode_rec {
	uint32_t ino, version, mode, isize, offset, csize, dsize;
	uint16_t uid, gid;
	uint8_t compr;
	size_t at; /* offset of the node in the input (also the tie-break: image order) */
};

/* One dirent node that passed its checks. */
struct dirent_rec {
	uint32_t pino, version, ino;
	uint8_t nsize;
	const uint8_t *name; /* into the input (also the tie-break: image order) */
	size_t at;
};

/* All nodes of one inode number: recs[first .. first + count), in version order. */
struct ino_ent {
	uint32_t ino;
	size_t first, count;
	uint32_t refs; /* live dirents naming it */
	bool placed;   /* in the tree under some name (directories: exactly one) */
	char *path;    /* regular file with refs > 1: where its data already is */
};

/* A directory being walked: its live dirents are live[cur .. end). */
struct frame {
	size_t cur, end;
	size_t plen; /* length of its path ("" for the root) */
};

struct rd {
	const uint8_t *p;
	size_t n;
	bool be;
	struct mamori_fstree *t;
	struct inode_rec *in;
	size_t nin, capin;
	struct dirent_rec *de;
	size_t nde, capde;
	struct ino_ent *ino;
	size_t nino;
	struct mamori_buf dbuf; /* one node's decompressed data */
	uint8_t *lzin;          /* LZMA header + one node's data */
	struct mamori_jffs2_info info;
	size_t clamped, end, first_bad, first_trunc;
	uint64_t total, work;
	char path[MAMORI_FS_PATH_MAX + 1];
};

enum verdict {
	V_GARBAGE,  /* not a node here */
	V_TRUNC,    /* a valid header whose node runs past the input */
	V_OBSOLETE, /* a valid header, ACCURATE clear */
	V_BAD,      /* a valid header, but the node fails its own checks */
	V_OK,
};

static uint16_t
ld16(bool be, const uint8_t *p)
{
	return be ? mamori_load_be16(p) : mamori_load_le16(p);
}

static uint32_t
ld32(bool be, const uint8_t *p)
{
	return be ? mamori_load_be32(p) : mamori_load_le32(p);
}

/* Linux crc32(0, p, n): zlib's CRC-32 without its pre- and post-inversion. n is at most
 * MAMORI_JFFS2_NODE_MAX, so one call. */
static uint32_t
jcrc(const uint8_t *p, size_t n)
{
	return (uint32_t)(crc32(0xffffffffu, p, (uInt)n) ^ 0xffffffffu);
}

static size_t
pad4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

static enum verdict
check_dirent(const uint8_t *q, uint32_t totlen, bool be)
{
	uint8_t nsize;

	if (totlen < MAMORI_JFFS2_DIRENT_LEN || jcrc(q, 32) != ld32(be, q + 32))
		return V_BAD;
	nsize = q[28];
	/* why: the name must lie inside the node the header CRC vouched for */
	if (nsize == 0 || MAMORI_JFFS2_DIRENT_LEN + (uint32_t)nsize > totlen)
		return V_BAD;
	if (jcrc(q + MAMORI_JFFS2_DIRENT_LEN, nsize) != ld32(be, q + 36))
		return V_BAD;
	if (ld32(be, q + 12) == 0 || memchr(q + MAMORI_JFFS2_DIRENT_LEN, '\0', nsize) != NULL)
		return V_BAD;
	return V_OK;
}

static enum verdict
check_inode(const uint8_t *q, uint32_t totlen, bool be)
{
	uint32_t csize, dsize;

	if (totlen < MAMORI_JFFS2_INODE_LEN || jcrc(q, 60) != ld32(be, q + 64))
		return V_BAD;
	csize = ld32(be, q + 48);
	dsize = ld32(be, q + 52);
	/* why: csize, dsize and isize come from the image; each is bounded before any use */
	if (csize > totlen - MAMORI_JFFS2_INODE_LEN || dsize > MAMORI_JFFS2_DSIZE_MAX ||
	    ld32(be, q + 28) > MAMORI_JFFS2_FILE_MAX || ld32(be, q + 12) == 0)
		return V_BAD;
	if (q[56] == COMPR_NONE && csize != dsize)
		return V_BAD;
	/* the data CRC is checked by the reader only: a probe must cost O(1) per offset */
	return V_OK;
}

/* What is at p[off..n): *type and *totlen are set for every verdict but V_GARBAGE. V_OK means
 * usable: the header and the node's own CRC hold, as the kernel checks at mount; an inode's
 * data CRC is left to the caller. At most 8 + 60 + 255 bytes are read. */
static enum verdict
check_node(const uint8_t *p, size_t n, size_t off, bool be, uint16_t *type, uint32_t *totlen)
{
	const uint8_t *q = p + off;
	uint8_t h[8];

	if (n - off < MAMORI_JFFS2_HDR_LEN || ld16(be, q) != MAMORI_JFFS2_MAGIC)
		return V_GARBAGE;
	memcpy(h, q, sizeof(h));
	h[be ? 2 : 3] |= NT_ACCURATE >> 8; /* the CRC is always over the type with ACCURATE */
	if (jcrc(h, sizeof(h)) != ld32(be, q + 8))
		return V_GARBAGE;
	*type = ld16(be, q + 2);
	*totlen = ld32(be, q + 4);
	if (*totlen < MAMORI_JFFS2_HDR_LEN || *totlen > MAMORI_JFFS2_NODE_MAX)
		return V_GARBAGE;
	if (*totlen > n - off)
		return V_TRUNC;
	if ((*type & NT_ACCURATE) == 0)
		return V_OBSOLETE;
	if (*type == NT_DIRENT)
		return check_dirent(q, *totlen, be);
	if (*type == NT_INODE)
		return check_inode(q, *totlen, be);
	return V_OK;
}

static bool
known_type(uint16_t type)
{
	switch (type) {
	case NT_DIRENT:
	case NT_INODE:
	case NT_CLEANMARKER:
	case NT_PADDING:
	case NT_SUMMARY:
	case NT_XATTR:
	case NT_XREF:
		return true;
	default:
		return false;
	}
}

/* Byte order from the magic at p (false when there is none). */
static bool
magic_order(const uint8_t *p, size_t n, bool *be)
{
	if (n < 2)
		return false;
	if (p[0] == 0x85 && p[1] == 0x19)
		*be = false;
	else if (p[0] == 0x19 && p[1] == 0x85)
		*be = true;
	else
		return false;
	return true;
}

bool
mamori_jffs2_probe(const uint8_t *p, size_t n)
{
	uint16_t type = 0;
	uint32_t totlen = 0;
	bool be = false;

	if (!magic_order(p, n, &be))
		return false;
	return check_node(p, n, 0, be, &type, &totlen) == V_OK && known_type(type);
}

/* ---- the scan ---- */

static mamori_err
room(struct rd *r, size_t off, struct mamori_diag *d)
{
	if (r->nin + r->nde >= MAMORI_JFFS2_NODES_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, off, 0,
		    "jffs2: more than %u inode and dirent nodes (at offset %zu)",
		    MAMORI_JFFS2_NODES_MAX, off);
	return MAMORI_OK;
}

static mamori_err
grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return MAMORI_OK;
	ncap = *cap ? *cap * 2 : 256;
	nv = realloc(*v, ncap * elem);
	if (nv == NULL)
		return MAMORI_E_NOMEM;
	*v = nv;
	*cap = ncap;
	return MAMORI_OK;
}

static bool
hostile_name(const uint8_t *name, size_t len)
{
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	return memchr(name, '/', len) != NULL;
}

static mamori_err
take_dirent(struct rd *r, size_t off, struct mamori_diag *d)
{
	const uint8_t *q = r->p + off;
	struct dirent_rec *x;
	mamori_err e;

	if (hostile_name(q + MAMORI_JFFS2_DIRENT_LEN, q[28])) {
		r->clamped++;
		return MAMORI_OK;
	}
	e = room(r, off, d);
	if (e == MAMORI_OK)
		e = grow((void **)&r->de, &r->capde, r->nde, sizeof(*r->de));
	if (e != MAMORI_OK)
		return e;
	x = &r->de[r->nde++];
	x->pino = ld32(r->be, q + 12);
	x->version = ld32(r->be, q + 16);
	x->ino = ld32(r->be, q + 20);
	x->nsize = q[28];
	x->name = q + MAMORI_JFFS2_DIRENT_LEN;
	x->at = off;
	return MAMORI_OK;
}

static mamori_err
take_inode(struct rd *r, size_t off, struct mamori_diag *d)
{
	const uint8_t *q = r->p + off;
	struct inode_rec *x;
	mamori_err e;

	e = room(r, off, d);
	if (e == MAMORI_OK)
		e = grow((void **)&r->in, &r->capin, r->nin, sizeof(*r->in));
	if (e != MAMORI_OK)
		return e;
	x = &r->in[r->nin++];
	x->ino = ld32(r->be, q + 12);
	x->version = ld32(r->be, q + 16);
	x->mode = ld32(r->be, q + 20);
	x->uid = ld16(r->be, q + 24);
	x->gid = ld16(r->be, q + 26);
	x->isize = ld32(r->be, q + 28);
	x->offset = ld32(r->be, q + 44);
	x->csize = ld32(r->be, q + 48);
	x->dsize = ld32(r->be, q + 52);
	x->compr = q[56];
	x->at = off;
	return MAMORI_OK;
}

static void
note(size_t *first, size_t off)
{
	if (*first == SIZE_MAX)
		*first = off;
}

static mamori_err
scan(struct rd *r, struct mamori_diag *d)
{
	size_t off = 0, garbage = 0;
	mamori_err e;

	while (r->n - off >= MAMORI_JFFS2_HDR_LEN) {
		uint16_t type = 0;
		uint32_t totlen = 0;
		enum verdict v;
		size_t next;

		if (mamori_load_le32(r->p + off) == ERASED) {
			off += 4;
			continue;
		}
		v = check_node(r->p, r->n, off, r->be, &type, &totlen);
		if (v == V_GARBAGE || v == V_TRUNC) {
			if (v == V_TRUNC) {
				r->info.truncated++;
				note(&r->first_trunc, off);
			}
			/* why: a long run without any node is the end of this file system (the
			 * next partition); erased space does not count */
			garbage += 4;
			if (garbage > MAMORI_JFFS2_GAP_MAX)
				break;
			off += 4;
			continue;
		}
		garbage = 0;
		r->info.nodes++;
		next = r->n - off < pad4(totlen) ? r->n : off + pad4(totlen);
		r->end = next;
		switch (v) {
		case V_OBSOLETE:
			r->info.obsolete++;
			break;
		case V_BAD:
			r->info.bad++;
			note(&r->first_bad, off);
			break;
		default:
			r->info.usable++;
			e = MAMORI_OK;
			if (type == NT_DIRENT) {
				e = take_dirent(r, off, d);
			} else if (type == NT_INODE) {
				const uint8_t *q = r->p + off;

				if (jcrc(q + MAMORI_JFFS2_INODE_LEN, ld32(r->be, q + 48)) ==
				    ld32(r->be, q + 60)) {
					e = take_inode(r, off, d);
				} else {
					r->info.bad++; /* data CRC */
					note(&r->first_bad, off);
				}
			}
			if (e != MAMORI_OK)
				return e;
			break;
		}
		off = next;
	}
	/* a header cut by the end of the input */
	if (r->n - off >= 2 && ld16(r->be, r->p + off) == MAMORI_JFFS2_MAGIC &&
	    r->n - off < MAMORI_JFFS2_HDR_LEN) {
		r->info.truncated++;
		note(&r->first_trunc, off);
	}
	return MAMORI_OK;
}

/* ---- choosing the latest versions ---- */

static int
cmp_inode(const void *a, const void *b)
{
	const struct inode_rec *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int
cmp_name(const struct dirent_rec *x, const struct dirent_rec *y)
{
	size_t k = x->nsize < y->nsize ? x->nsize : y->nsize;
	int c = memcmp(x->name, y->name, k);

	if (c != 0)
		return c;
	return x->nsize < y->nsize ? -1 : x->nsize > y->nsize;
}

static int
cmp_dirent(const void *a, const void *b)
{
	const struct dirent_rec *x = a, *y = b;
	int c;

	if (x->pino != y->pino)
		return x->pino < y->pino ? -1 : 1;
	c = cmp_name(x, y);
	if (c != 0)
		return c;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static struct ino_ent *
find_ino(const struct rd *r, uint32_t ino)
{
	size_t lo = 0, hi = r->nino;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->ino[mid].ino == ino)
			return &r->ino[mid];
		if (r->ino[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Groups the sorted inode nodes by inode number. */
static mamori_err
build_inodes(struct rd *r, struct mamori_diag *d)
{
	size_t k = 0;

	if (r->nin > 1)
		qsort(r->in, r->nin, sizeof(*r->in), cmp_inode);
	for (size_t i = 0; i < r->nin; i++)
		if (i == 0 || r->in[i].ino != r->in[i - 1].ino)
			k++;
	if (k > MAMORI_JFFS2_INODES_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "jffs2: more than %u inodes",
		    MAMORI_JFFS2_INODES_MAX);
	if (k == 0)
		return MAMORI_OK;
	r->ino = calloc(k, sizeof(*r->ino));
	if (r->ino == NULL)
		return MAMORI_E_NOMEM;
	for (size_t i = 0; i < r->nin; i++) {
		if (i == 0 || r->in[i].ino != r->in[i - 1].ino) {
			r->ino[r->nino].ino = r->in[i].ino;
			r->ino[r->nino].first = i;
			r->nino++;
		}
		r->ino[r->nino - 1].count++;
	}
	return MAMORI_OK;
}

/* Keeps the latest dirent of each (parent, name), drops deletions; the rest stays sorted by
 * (parent, name). Counts the live names of each inode. */
static void
build_dirents(struct rd *r)
{
	size_t k = 0;

	if (r->nde > 1)
		qsort(r->de, r->nde, sizeof(*r->de), cmp_dirent);
	for (size_t i = 0; i < r->nde; i++) {
		const struct dirent_rec *x = &r->de[i];
		struct ino_ent *ie;

		if (i + 1 < r->nde && r->de[i + 1].pino == x->pino &&
		    cmp_name(x, &r->de[i + 1]) == 0)
			continue; /* a later version of this name follows */
		if (x->ino == 0) {
			r->info.deleted++;
			continue;
		}
		ie = find_ino(r, x->ino);
		if (ie != NULL && ie->refs < UINT32_MAX)
			ie->refs++;
		r->de[k++] = *x;
	}
	r->nde = k;
}

/* The live dirents of directory pino: de[*lo .. *hi). */
static void
children(const struct rd *r, uint32_t pino, size_t *lo, size_t *hi)
{
	size_t a = 0, b = r->nde;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (r->de[mid].pino < pino)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = a;
	while (b < r->nde && r->de[b].pino == pino)
		b++;
	*hi = b;
}

/* ---- data ---- */

static mamori_err
rtime(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	size_t last[256] = {0};
	size_t o = 0, i = 0;

	while (o < outlen) {
		uint8_t value, repeat;
		size_t back;

		if (inlen - i < 2)
			return MAMORI_E_TRUNCATED;
		value = in[i++];
		repeat = in[i++];
		out[o++] = value;
		back = last[value];
		last[value] = o;
		/* why: the repeat count is from the image; the kernel would write past the page */
		if (repeat > outlen - o)
			return MAMORI_E_MALFORMED;
		for (size_t k = 0; k < repeat; k++)
			out[o++] = out[back++]; /* back < o: the source may overlap the output */
	}
	return MAMORI_OK;
}

static bool
zlib_header(const uint8_t *p, size_t n)
{
	return n >= 2 && (p[0] & 0x0f) == 8 && ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

/* Decodes one data node into r->dbuf (exactly dsize bytes). MAMORI_E_UNSUPPORTED for a
 * compressor not read, another error when the data does not decode. */
static mamori_err
decode(struct rd *r, const struct inode_rec *x)
{
	const uint8_t *src = r->p + x->at + MAMORI_JFFS2_INODE_LEN;
	enum mamori_comp c;
	mamori_err e;

	mamori_buf_reset(&r->dbuf);
	switch (x->compr) {
	case COMPR_NONE:
		return mamori_buf_append(&r->dbuf, src, x->dsize);
	case COMPR_ZERO:
		e = mamori_buf_reserve(&r->dbuf, x->dsize);
		if (e == MAMORI_OK) {
			if (x->dsize > 0)
				memset(r->dbuf.p, 0, x->dsize);
			r->dbuf.len = x->dsize;
		}
		return e;
	case COMPR_RTIME:
		e = mamori_buf_reserve(&r->dbuf, x->dsize);
		if (e == MAMORI_OK && x->dsize > 0)
			e = rtime(src, x->csize, r->dbuf.p, x->dsize);
		if (e == MAMORI_OK)
			r->dbuf.len = x->dsize;
		return e;
	case COMPR_ZLIB:
		c = zlib_header(src, x->csize) ? MAMORI_COMP_ZLIB : MAMORI_COMP_DEFLATE;
		e = mamori_decompress(c, src, x->csize, x->dsize, &r->dbuf, NULL, NULL);
		break;
	case COMPR_LZO:
		e = mamori_decompress(
		    MAMORI_COMP_LZO, src, x->csize, x->dsize, &r->dbuf, NULL, NULL);
		break;
	case COMPR_LZMA:
		if (r->lzin == NULL) {
			r->lzin = malloc(LZMA_HDR_LEN + MAMORI_JFFS2_NODE_MAX);
			if (r->lzin == NULL)
				return MAMORI_E_NOMEM;
			r->lzin[0] = 0; /* (pb * 5 + lp) * 9 + lc with all three 0 */
			for (unsigned i = 0; i < 4; i++)
				r->lzin[1 + i] = (uint8_t)(LZMA_DICT >> (8 * i));
		}
		if (x->csize > 0)
			memcpy(r->lzin + LZMA_HDR_LEN, src, x->csize);
		e = mamori_decompress(MAMORI_COMP_LZMA_VENDOR, r->lzin, LZMA_HDR_LEN + x->csize,
		    x->dsize, &r->dbuf, NULL, NULL);
		break;
	default:
		return MAMORI_E_UNSUPPORTED; /* rubin, dynrubin, copy, unknown */
	}
	if (e == MAMORI_OK && r->dbuf.len != x->dsize)
		e = MAMORI_E_MALFORMED;
	return e;
}

/* The contents of inode ie, rebuilt from its nodes in version order, size from the latest
 * node. *out is NULL for an empty file. Nodes that do not decode are counted and leave their
 * range as older versions wrote it. */
static mamori_err
assemble(struct rd *r, const struct ino_ent *ie, uint8_t **out, size_t *len, struct mamori_diag *d)
{
	const struct inode_rec *latest = &r->in[ie->first + ie->count - 1];
	size_t isize = latest->isize;
	uint8_t *buf = NULL;

	*out = NULL;
	*len = 0;
	if (isize == 0)
		return MAMORI_OK;
	buf = calloc(1, isize);
	if (buf == NULL)
		return MAMORI_E_NOMEM;
	for (size_t i = ie->first; i < ie->first + ie->count; i++) {
		const struct inode_rec *x = &r->in[i];
		size_t k;
		mamori_err e;

		if (x->dsize == 0 || x->offset >= isize)
			continue;
		r->work += x->dsize;
		if (r->work > MAMORI_JFFS2_WORK_MAX) {
			free(buf);
			return mamori_diag_set(d, MAMORI_E_TOOBIG, x->at, 0,
			    "jffs2: more than %llu MiB decompressed (at offset %zu): a decompression "
			    "bomb?",
			    (unsigned long long)(MAMORI_JFFS2_WORK_MAX >> 20), x->at);
		}
		e = decode(r, x);
		if (e == MAMORI_E_NOMEM) {
			free(buf);
			return e;
		}
		if (e != MAMORI_OK) {
			if (e == MAMORI_E_UNSUPPORTED)
				r->info.unsupported++;
			else
				r->info.bad++;
			continue;
		}
		k = isize - x->offset < x->dsize ? isize - x->offset : x->dsize;
		memcpy(buf + x->offset, r->dbuf.p, k);
	}
	*out = buf;
	*len = isize;
	return MAMORI_OK;
}

/* ---- the tree ---- */

static mamori_err
add(struct rd *r, const struct inode_rec *x, uint8_t type, uint8_t *data, size_t len,
    const char *link, struct mamori_diag *d)
{
	mamori_err e;

	e = mamori_fstree_add_owned(r->t, r->path, strlen(r->path), type, x->mode & 07777u, x->uid,
	    x->gid, data, len, link, NULL, d);
	if (e != MAMORI_OK) {
		if (d != NULL)
			d->off = x->at;
		return e;
	}
	r->info.entries++;
	return MAMORI_OK;
}

static mamori_err
add_file(struct rd *r, struct ino_ent *ie, const struct inode_rec *x, struct mamori_diag *d)
{
	const struct mamori_fs_node *prev;
	uint8_t *data = NULL;
	size_t len = 0;
	mamori_err e;

	if (r->total + x->isize > MAMORI_JFFS2_TOTAL_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, x->at, 0,
		    "jffs2: files larger than %llu MiB in all (at %s): a decompression bomb?",
		    (unsigned long long)(MAMORI_JFFS2_TOTAL_MAX >> 20), r->path);
	r->total += x->isize;
	prev = ie->path != NULL ? mamori_fstree_get(r->t, ie->path) : NULL;
	if (prev != NULL && prev->type == MAMORI_FS_REG) {
		/* another name of a hard-linked file: a copy of the data already in the tree */
		if (prev->size > 0) {
			data = malloc((size_t)prev->size);
			if (data == NULL)
				return MAMORI_E_NOMEM;
			memcpy(data, prev->data, (size_t)prev->size);
			len = (size_t)prev->size;
		}
		return add(r, x, MAMORI_FS_REG, data, len, NULL, d);
	}
	e = assemble(r, ie, &data, &len, d);
	if (e == MAMORI_OK)
		e = add(r, x, MAMORI_FS_REG, data, len, NULL, d);
	if (e == MAMORI_OK && ie->refs > 1 && ie->path == NULL) {
		ie->path = strdup(r->path);
		if (ie->path == NULL)
			e = MAMORI_E_NOMEM;
	}
	return e;
}

static mamori_err
add_link(struct rd *r, const struct ino_ent *ie, const struct inode_rec *x, struct mamori_diag *d)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *target;
	mamori_err e;

	/* why: the target length comes from the image */
	if (x->isize == 0 || x->isize > MAMORI_FS_PATH_MAX) {
		r->info.bad++;
		return MAMORI_OK;
	}
	e = assemble(r, ie, &data, &len, d);
	if (e != MAMORI_OK)
		return e;
	if (data == NULL || memchr(data, '\0', len) != NULL) {
		free(data);
		r->info.bad++;
		return MAMORI_OK;
	}
	target = malloc(len + 1);
	if (target == NULL) {
		free(data);
		return MAMORI_E_NOMEM;
	}
	memcpy(target, data, len);
	target[len] = '\0';
	free(data);
	e = add(r, x, MAMORI_FS_LNK, NULL, 0, target, d);
	free(target);
	return e;
}

/* Walks the directories depth-first from the root, in name order. Each directory is placed
 * the first time it is reached; any other dirent naming it (a hard-linked directory, a loop)
 * is dropped. */
static mamori_err
walk(struct rd *r, struct mamori_diag *d)
{
	struct frame *st;
	size_t sp = 0;
	mamori_err e = MAMORI_OK;

	st = calloc(MAMORI_JFFS2_DEPTH_MAX + 1, sizeof(*st));
	if (st == NULL)
		return MAMORI_E_NOMEM;
	children(r, ROOT_INO, &st[0].cur, &st[0].end);
	st[0].plen = 0;
	sp = 1;
	while (sp > 0) {
		struct frame *f = &st[sp - 1];
		const struct dirent_rec *de;
		const struct inode_rec *x;
		struct ino_ent *ie;
		uint8_t type;
		size_t plen;

		if (f->cur == f->end) {
			sp--;
			continue;
		}
		de = &r->de[f->cur++];
		/* why: the path is built in a fixed buffer; names are 1..255 bytes */
		if (f->plen + 1 + de->nsize > MAMORI_FS_PATH_MAX) {
			r->info.skipped++;
			continue;
		}
		plen = f->plen + 1 + de->nsize;
		r->path[f->plen] = '/';
		memcpy(r->path + f->plen + 1, de->name, de->nsize);
		r->path[plen] = '\0';
		if (de->ino == ROOT_INO) {
			r->info.loops++;
			continue;
		}
		ie = find_ino(r, de->ino);
		if (ie == NULL) {
			r->info.orphans++; /* a name for an inode with no node */
			continue;
		}
		x = &r->in[ie->first + ie->count - 1];
		type = mamori_fs_type_of_mode(x->mode);
		if (type == 0) {
			r->info.bad++;
			continue;
		}
		if (type == MAMORI_FS_DIR) {
			size_t lo, hi;

			if (ie->placed) {
				r->info.loops++;
				continue;
			}
			if (sp > MAMORI_JFFS2_DEPTH_MAX) {
				r->info.skipped++; /* with everything under it */
				continue;
			}
			ie->placed = true;
			e = add(r, x, MAMORI_FS_DIR, NULL, 0, NULL, d);
			if (e != MAMORI_OK)
				break;
			children(r, de->ino, &lo, &hi);
			st[sp].cur = lo;
			st[sp].end = hi;
			st[sp].plen = plen;
			sp++;
			continue;
		}
		ie->placed = true;
		if (type == MAMORI_FS_REG)
			e = add_file(r, ie, x, d);
		else if (type == MAMORI_FS_LNK)
			e = add_link(r, ie, x, d);
		else
			e = add(r, x, type, NULL, 0, NULL, d);
		if (e != MAMORI_OK)
			break;
	}
	free(st);
	return e;
}

static mamori_err
build(struct rd *r, struct mamori_diag *d)
{
	const struct ino_ent *root;
	mamori_err e;

	e = build_inodes(r, d);
	if (e != MAMORI_OK)
		return e;
	build_dirents(r);
	root = find_ino(r, ROOT_INO);
	if (root != NULL) {
		const struct inode_rec *x = &r->in[root->first + root->count - 1];

		if (mamori_fs_type_of_mode(x->mode) == MAMORI_FS_DIR) {
			r->path[0] = '/';
			r->path[1] = '\0';
			e = add(r, x, MAMORI_FS_DIR, NULL, 0, NULL, d);
			if (e != MAMORI_OK)
				return e;
		}
	}
	e = walk(r, d);
	if (e != MAMORI_OK)
		return e;
	for (size_t i = 0; i < r->nino; i++)
		if (!r->ino[i].placed && r->ino[i].ino != ROOT_INO)
			r->info.orphans++;
	return MAMORI_OK;
}

static void
rd_free(struct rd *r)
{
	for (size_t i = 0; i < r->nino; i++)
		free(r->ino[i].path);
	free(r->ino);
	free(r->in);
	free(r->de);
	free(r->lzin);
	mamori_buf_free(&r->dbuf);
}

mamori_err
mamori_jffs2_read_info(const uint8_t *p, size_t n, struct mamori_fstree *t, size_t *consumed,
    size_t *clamped, struct mamori_jffs2_info *info, struct mamori_diag *d)
{
	struct rd *r;
	mamori_err e;
	bool be = false;

	if (p == NULL || t == NULL || consumed == NULL || clamped == NULL)
		return MAMORI_E_INVAL;
	if (n < MAMORI_JFFS2_HDR_LEN)
		return mamori_diag_set(
		    d, MAMORI_E_TRUNCATED, 0, 0, "jffs2: %zu bytes, shorter than a node header", n);
	if (!magic_order(p, n, &be))
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 0, "jffs2: no node magic 0x1985 at offset 0");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MAMORI_E_NOMEM;
	r->p = p;
	r->n = n;
	r->be = be;
	r->t = t;
	r->info.big_endian = be;
	r->first_bad = SIZE_MAX;
	r->first_trunc = SIZE_MAX;
	mamori_buf_init(&r->dbuf, MAMORI_JFFS2_DSIZE_MAX);
	e = scan(r, d);
	if (e != MAMORI_OK)
		goto out;
	if (r->info.usable == 0) {
		bool cut = r->first_trunc != SIZE_MAX;
		size_t at = cut ? r->first_trunc : r->first_bad != SIZE_MAX ? r->first_bad : 0;

		e = mamori_diag_set(d, cut ? MAMORI_E_TRUNCATED : MAMORI_E_MALFORMED, at, 0,
		    "jffs2: no usable node (first problem at offset %zu; %zu nodes with a bad CRC or "
		    "field, %zu cut short by the end of the input, %zu obsolete)",
		    at, r->info.bad, r->info.truncated, r->info.obsolete);
		goto out;
	}
	e = build(r, d);
	if (e != MAMORI_OK)
		goto out;
	*consumed = r->end;
	*clamped = r->clamped;
	if (info != NULL)
		*info = r->info;
out:
	rd_free(r);
	free(r);
	return e;
}

mamori_err
mamori_jffs2_read(const uint8_t *p, size_t n, struct mamori_fstree *t, size_t *consumed,
    size_t *clamped, struct mamori_diag *d)
{
	return mamori_jffs2_read_info(p, n, t, consumed, clamped, NULL, d);
}
