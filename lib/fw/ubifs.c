/* SPDX-License-Identifier: MIT */
/* UBIFS reader into struct mamori_fstree (see include/mamori/ubifs.h; byte layout and every
 * check: docs/formats/ubifs.md). The committed index is walked once, collecting inode, entry
 * and data nodes (pointers into the input, nothing copied); the tree is then rebuilt from the
 * root directory. Every LEB number, offset, length and count below comes from the image and
 * is checked before it is used. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/decomp.h"
#include "mamori/ubi.h"
#include "mamori/ubifs.h"

#define CH_LEN     24u  /* common header */
#define INO_LEN    160u /* inode node without its data */
#define DENT_LEN   56u  /* entry node without its name */
#define DATA_LEN   48u  /* data node without its data */
#define IDX_LEN    28u  /* index node without its branches */
#define MST_LEN    512u /* master node */
#define BRANCH_LEN 12u  /* lnum, offs, len */
#define KEY_LEN    8u   /* simple key format */
#define NLEN_MAX   255u
#define INO_DATA   4096u
#define ROOT_INO   1u
#define FMT_MAX    5u /* newest on-flash format version */
#define KEY_SHIFT  29
#define KEY_MASK   0x1fffffffu
#define FLG_AUTH   0x20u /* superblock: index branches carry hashes */
#define INO_CRYPT  0x40u /* inode: fscrypt-encrypted names or data */

enum node_type {
	T_INO = 0,
	T_DATA,
	T_DENT,
	T_XENT,
	T_TRUN,
	T_PAD,
	T_SB,
	T_MST,
	T_REF,
	T_IDX,
};

enum { COMPR_NONE = 0, COMPR_LZO, COMPR_ZLIB, COMPR_ZSTD };

struct ino {
	uint32_t inum, mode, uid, gid, flags, dlen;
	uint64_t size;
	const uint8_t *data; /* inode data: symlink target, device number */
	size_t off;          /* of the node */
	bool entered;        /* directory already walked */
};

struct dent {
	uint32_t parent, inum;
	uint8_t type;
	uint16_t nlen;
	const uint8_t *name;
	size_t off;
};

struct dnode {
	uint32_t inum, block, len;
	size_t off;
};

struct fs {
	const uint8_t *p;
	size_t n;
	uint32_t leb, lebs, min_io, fanout, hash_len;
	uint32_t top_leb; /* highest LEB used */
	struct ino *inos;
	size_t ninos, cinos;
	struct dent *dents;
	size_t ndents, cdents;
	struct dnode *data;
	size_t ndata, cdata;
	uint64_t *seen; /* visited node offsets + 1, open addressing */
	size_t nseen, cseen;
	struct mamori_buf scratch; /* one decompressed block */
	struct mamori_fstree *t;
	struct mamori_diag *d;
	uint64_t made; /* bytes of regular files added */
	char path[MAMORI_FS_PATH_MAX + 1];
	char link[MAMORI_FS_PATH_MAX + 1];
};

static uint64_t
ld64(const uint8_t *p)
{
	return (uint64_t)mamori_load_le32(p) | (uint64_t)mamori_load_le32(p + 4) << 32;
}

/* Checks the node of len bytes at byte offset pos (within the input): magic, length, CRC and
 * type. */
static mamori_err
check_node(struct fs *f, size_t pos, uint32_t len, unsigned type)
{
	const uint8_t *q = f->p + pos;

	if (mamori_load_le32(q) != MAMORI_UBIFS_MAGIC)
		return mamori_diag_set(
		    f->d, MAMORI_E_MALFORMED, pos, 0, "UBIFS: no node magic at offset %zu", pos);
	if (mamori_load_le32(q + 16) != len)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
		    "UBIFS: node at offset %zu is %u bytes, its reference says %u", pos,
		    mamori_load_le32(q + 16), len);
	if (mamori_ubi_crc32(q + 8, len - 8) != mamori_load_le32(q + 4))
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
		    "UBIFS: node CRC mismatch at offset %zu", pos);
	if (q[20] != type)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
		    "UBIFS: node at offset %zu has type %u where type %u was expected", pos, q[20],
		    type);
	return MAMORI_OK;
}

/* The node at (lnum, offs) of len bytes and the given type, named by the node at byte offset
 * from: *pos is its byte offset. */
static mamori_err
node_at(struct fs *f, size_t from, uint32_t lnum, uint32_t offs, uint32_t len, unsigned type,
    size_t *pos)
{
	uint64_t at;

	if (lnum >= f->lebs)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, from, 0,
		    "UBIFS: node at offset %zu refers to LEB %u:%u, beyond the %u LEBs of the file "
		    "system",
		    from, lnum, offs, f->lebs);
	/* nodes are 8-byte aligned and never cross a LEB boundary */
	if (offs % 8 != 0 || offs >= f->leb || len < CH_LEN || len > f->leb - offs)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, from, 0,
		    "UBIFS: node at offset %zu: bad reference LEB %u:%u, %u bytes (LEB size %u)",
		    from, lnum, offs, len, f->leb);
	at = (uint64_t)lnum * f->leb + offs;
	if (at > f->n || len > f->n - at)
		return mamori_diag_set(f->d, MAMORI_E_TRUNCATED, f->n, 0,
		    "UBIFS: node at LEB %u:%u (offset %llu) lies past the end of the %zu-byte "
		    "volume",
		    lnum, offs, (unsigned long long)at, f->n);
	*pos = (size_t)at;
	if (lnum > f->top_leb)
		f->top_leb = lnum;
	return check_node(f, *pos, len, type);
}

/* Records a visit of the node at pos; a second visit is an index loop or a shared subtree. */
static mamori_err
visit(struct fs *f, size_t pos, uint32_t lnum, uint32_t offs)
{
	uint64_t key = (uint64_t)pos + 1, h;

	if (f->nseen >= MAMORI_UBIFS_NODES_MAX)
		return mamori_diag_set(f->d, MAMORI_E_TOOBIG, pos, 0,
		    "UBIFS: more than %u index and leaf nodes", MAMORI_UBIFS_NODES_MAX);
	if (2 * (f->nseen + 1) > f->cseen) {
		size_t ncap = f->cseen ? f->cseen * 2 : 1024;
		uint64_t *ns = calloc(ncap, sizeof(*ns));

		if (ns == NULL)
			return mamori_diag_set(
			    f->d, MAMORI_E_NOMEM, pos, 0, "UBIFS: out of memory");
		for (size_t i = 0; i < f->cseen; i++) {
			if (f->seen[i] == 0)
				continue;
			h = f->seen[i] * 0x9e3779b97f4a7c15ull;
			for (size_t j = (size_t)(h >> 20) & (ncap - 1);; j = (j + 1) & (ncap - 1))
				if (ns[j] == 0) {
					ns[j] = f->seen[i];
					break;
				}
		}
		free(f->seen);
		f->seen = ns;
		f->cseen = ncap;
	}
	h = key * 0x9e3779b97f4a7c15ull;
	for (size_t j = (size_t)(h >> 20) & (f->cseen - 1);; j = (j + 1) & (f->cseen - 1)) {
		if (f->seen[j] == key)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
			    "UBIFS: node at LEB %u:%u (offset %zu) reached twice: index loop", lnum,
			    offs, pos);
		if (f->seen[j] == 0) {
			f->seen[j] = key;
			f->nseen++;
			return MAMORI_OK;
		}
	}
}

/* Room for one more element in a growable array. */
static mamori_err
room(struct fs *f, void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap, bytes;
	void *nv;

	if (n < *cap)
		return MAMORI_OK;
	ncap = *cap ? *cap * 2 : 256;
	if (!mamori_mul_size(ncap, elem, &bytes) || (nv = realloc(*v, bytes)) == NULL)
		return mamori_diag_set(f->d, MAMORI_E_NOMEM, 0, 0, "UBIFS: out of memory");
	*v = nv;
	*cap = ncap;
	return MAMORI_OK;
}

/* A leaf the index points at with key (8 bytes). */
static mamori_err
leaf(struct fs *f, size_t from, uint32_t lnum, uint32_t offs, uint32_t len, const uint8_t *key)
{
	unsigned type = mamori_load_le32(key + 4) >> KEY_SHIFT;
	const uint8_t *q;
	size_t pos = 0;
	mamori_err e;

	if (type > T_XENT)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, from, 0,
		    "UBIFS: index node at offset %zu: key of type %u for LEB %u:%u", from, type,
		    lnum, offs);
	e = node_at(f, from, lnum, offs, len, type, &pos);
	if (e == MAMORI_OK)
		e = visit(f, pos, lnum, offs);
	if (e != MAMORI_OK)
		return e;
	q = f->p + pos;
	if (len < CH_LEN + KEY_LEN || memcmp(q + CH_LEN, key, KEY_LEN) != 0)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
		    "UBIFS: key mismatch: the node at offset %zu is not the one its index branch "
		    "names",
		    pos);
	switch (type) {
	case T_INO: {
		struct ino *i;
		uint32_t dlen;

		if (len < INO_LEN)
			break;
		dlen = mamori_load_le32(q + 112);
		if (dlen > INO_DATA || len != INO_LEN + dlen)
			break;
		e = room(f, (void **)&f->inos, &f->cinos, f->ninos, sizeof(*f->inos));
		if (e != MAMORI_OK)
			return e;
		i = &f->inos[f->ninos++];
		memset(i, 0, sizeof(*i));
		i->inum = mamori_load_le32(key);
		i->size = ld64(q + 48);
		i->uid = mamori_load_le32(q + 96);
		i->gid = mamori_load_le32(q + 100);
		i->mode = mamori_load_le32(q + 104);
		i->flags = mamori_load_le32(q + 108);
		i->dlen = dlen;
		i->data = q + INO_LEN;
		i->off = pos;
		return MAMORI_OK;
	}
	case T_DATA: {
		struct dnode *dn;
		uint32_t size, block = mamori_load_le32(key + 4) & KEY_MASK;

		if (len < DATA_LEN)
			break;
		size = mamori_load_le32(q + 40);
		if (size > MAMORI_UBIFS_BLOCK)
			break;
		if ((uint64_t)block * MAMORI_UBIFS_BLOCK + size > MAMORI_UBIFS_FILE_MAX)
			return mamori_diag_set(f->d, MAMORI_E_TOOBIG, pos, 0,
			    "UBIFS: data node at offset %zu: block %u of inode %u ends past the "
			    "%llu MiB file limit",
			    pos, block, mamori_load_le32(key),
			    (unsigned long long)(MAMORI_UBIFS_FILE_MAX >> 20));
		e = room(f, (void **)&f->data, &f->cdata, f->ndata, sizeof(*f->data));
		if (e != MAMORI_OK)
			return e;
		dn = &f->data[f->ndata++];
		dn->inum = mamori_load_le32(key);
		dn->block = block;
		dn->len = len;
		dn->off = pos;
		return MAMORI_OK;
	}
	case T_DENT: {
		struct dent *de;
		uint16_t nlen;
		uint64_t inum;

		if (len < DENT_LEN)
			break;
		nlen = mamori_load_le16(q + 50);
		if (nlen == 0 || nlen > NLEN_MAX || len != DENT_LEN + nlen + 1u ||
		    q[DENT_LEN + nlen] != 0)
			break;
		inum = ld64(q + 40);
		if (inum > UINT32_MAX || q[49] > 6)
			break;
		e = room(f, (void **)&f->dents, &f->cdents, f->ndents, sizeof(*f->dents));
		if (e != MAMORI_OK)
			return e;
		de = &f->dents[f->ndents++];
		de->parent = mamori_load_le32(key);
		de->inum = (uint32_t)inum;
		de->type = q[49];
		de->nlen = nlen;
		de->name = q + DENT_LEN;
		de->off = pos;
		return MAMORI_OK;
	}
	default:
		return MAMORI_OK; /* extended attribute entry: not read */
	}
	return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
	    "UBIFS: %s node at offset %zu: inconsistent length %u",
	    type == T_INO    ? "inode"
	    : type == T_DATA ? "data"
	                     : "entry",
	    pos, len);
}

/* The index node at (lnum, offs), named by the node at from; level: what its parent expects
 * (-1 for the root). */
static mamori_err
walk_index(struct fs *f, size_t from, uint32_t lnum, uint32_t offs, uint32_t len, int level)
{
	const uint8_t *q;
	uint16_t cnt, lvl;
	size_t pos = 0, bsz = BRANCH_LEN + KEY_LEN + f->hash_len;
	mamori_err e;

	e = node_at(f, from, lnum, offs, len, T_IDX, &pos);
	if (e == MAMORI_OK)
		e = visit(f, pos, lnum, offs);
	if (e != MAMORI_OK)
		return e;
	q = f->p + pos;
	if (len < IDX_LEN)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
		    "UBIFS: index node at offset %zu is %u bytes", pos, len);
	cnt = mamori_load_le16(q + 24);
	lvl = mamori_load_le16(q + 26);
	if (level < 0 ? lvl > MAMORI_UBIFS_LEVELS_MAX : lvl != (unsigned)level)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos + 26, 0,
		    "UBIFS: index node at offset %zu has level %u (%s %d)", pos, lvl,
		    level < 0 ? "limit" : "its parent expects",
		    level < 0 ? (int)MAMORI_UBIFS_LEVELS_MAX : level);
	if (cnt == 0 || cnt > f->fanout || len != IDX_LEN + cnt * bsz)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos + 24, 0,
		    "UBIFS: index node at offset %zu: %u branches in %u bytes (fanout %u)", pos,
		    cnt, len, f->fanout);
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *br = q + IDX_LEN + i * bsz;
		uint32_t cl = mamori_load_le32(br), co = mamori_load_le32(br + 4);
		uint32_t clen = mamori_load_le32(br + 8);

		if (lvl > 0) {
			if (cl == lnum && co == offs)
				return mamori_diag_set(f->d, MAMORI_E_MALFORMED, pos, 0,
				    "UBIFS: index node at LEB %u:%u (offset %zu) points at itself",
				    lnum, offs, pos);
			e = walk_index(f, pos, cl, co, clen, lvl - 1);
		} else {
			e = leaf(f, pos, cl, co, clen, br + BRANCH_LEN);
		}
		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static mamori_err
read_super(struct fs *f)
{
	const uint8_t *q = f->p;
	uint32_t flags, fmt;
	mamori_err e;

	if (f->n < MAMORI_UBIFS_SB_LEN)
		return mamori_diag_set(f->d, MAMORI_E_TRUNCATED, f->n, 0,
		    "UBIFS: %zu bytes cannot hold the superblock node", f->n);
	e = check_node(f, 0, MAMORI_UBIFS_SB_LEN, T_SB);
	if (e != MAMORI_OK)
		return e;
	if (q[27] != 0)
		return mamori_diag_set(f->d, MAMORI_E_UNSUPPORTED, 27, 0,
		    "UBIFS: key format %u (only the simple format 0 is read)", q[27]);
	flags = mamori_load_le32(q + 28);
	f->min_io = mamori_load_le32(q + 32);
	f->leb = mamori_load_le32(q + 36);
	f->lebs = mamori_load_le32(q + 40);
	f->fanout = mamori_load_le32(q + 72);
	fmt = mamori_load_le32(q + 80);
	if (fmt == 0 || fmt > FMT_MAX)
		return mamori_diag_set(f->d, MAMORI_E_UNSUPPORTED, 80, 0,
		    "UBIFS: format version %u (1..%u are read)", fmt, FMT_MAX);
	if (f->leb < MAMORI_UBIFS_LEB_MIN || f->leb > MAMORI_UBIFS_LEB_MAX || f->leb % 8 != 0)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, 36, 0,
		    "UBIFS: LEB size %u (a multiple of 8 in %u..%u)", f->leb, MAMORI_UBIFS_LEB_MIN,
		    MAMORI_UBIFS_LEB_MAX);
	if (f->lebs < 3 || f->lebs > MAMORI_UBIFS_LEBS_MAX)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, 40, 0, "UBIFS: %u LEBs (3..%u)",
		    f->lebs, MAMORI_UBIFS_LEBS_MAX);
	if (f->min_io == 0 || f->min_io > f->leb)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, 32, 0,
		    "UBIFS: minimum I/O unit %u for a %u-byte LEB", f->min_io, f->leb);
	if (f->fanout < 3 || f->fanout > MAMORI_UBIFS_FANOUT_MAX)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, 72, 0,
		    "UBIFS: index fanout %u (3..%u)", f->fanout, MAMORI_UBIFS_FANOUT_MAX);
	if (flags & FLG_AUTH) {
		/* the kernel's enum hash_algo and each digest's length */
		static const uint8_t hash_lens[8] = {0, 16, 20, 0, 32, 48, 64, 28};
		uint16_t algo = mamori_load_le16(q + 256);

		if (algo >= sizeof(hash_lens) || hash_lens[algo] == 0)
			return mamori_diag_set(f->d, MAMORI_E_UNSUPPORTED, 256, 0,
			    "UBIFS: authenticated image with hash algorithm %u", algo);
		f->hash_len = hash_lens[algo];
	}
	return MAMORI_OK;
}

/* The valid master node with the highest sqnum in LEBs 1 and 2: root (lnum, offs, len), *at
 * its byte offset. */
static mamori_err
read_master(struct fs *f, uint32_t root[3], size_t *mpos)
{
	uint32_t step = (MST_LEN + f->min_io - 1) / f->min_io * f->min_io;
	uint64_t best = 0;
	bool found = false;

	for (uint32_t lnum = 1; lnum <= 2; lnum++) {
		for (uint32_t offs = 0; offs <= f->leb - MST_LEN; offs += step) {
			uint64_t at = (uint64_t)lnum * f->leb + offs;
			const uint8_t *q;

			if (at > f->n || f->n - at < MST_LEN)
				break;
			q = f->p + at;
			if (mamori_load_le32(q) != MAMORI_UBIFS_MAGIC)
				break; /* the first slot never written ends the LEB */
			if (mamori_load_le32(q + 16) != MST_LEN || q[20] != T_MST ||
			    mamori_ubi_crc32(q + 8, MST_LEN - 8) != mamori_load_le32(q + 4))
				continue;
			if (lnum > f->top_leb)
				f->top_leb = lnum;
			if (!found || ld64(q + 8) > best) {
				found = true;
				best = ld64(q + 8);
				root[0] = mamori_load_le32(q + 48);
				root[1] = mamori_load_le32(q + 52);
				root[2] = mamori_load_le32(q + 56);
				*mpos = (size_t)at;
			}
		}
	}
	if (!found)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, f->leb < f->n ? f->leb : f->n, 0,
		    "UBIFS: no valid master node in LEBs 1 and 2 (offset %u)", f->leb);
	return MAMORI_OK;
}

static int
ino_cmp(const void *a, const void *b)
{
	const struct ino *x = a, *y = b;

	return x->inum < y->inum ? -1 : x->inum > y->inum;
}

static int
dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;
	int c;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	c = memcmp(x->name, y->name, x->nlen < y->nlen ? x->nlen : y->nlen);
	if (c != 0)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

static int
data_cmp(const void *a, const void *b)
{
	const struct dnode *x = a, *y = b;

	if (x->inum != y->inum)
		return x->inum < y->inum ? -1 : 1;
	return x->block < y->block ? -1 : x->block > y->block;
}

/* Sorts the collected nodes; the same key twice is a corrupt index. */
static mamori_err
sort_nodes(struct fs *f)
{
	if (f->ninos > 1)
		qsort(f->inos, f->ninos, sizeof(*f->inos), ino_cmp);
	if (f->ndents > 1)
		qsort(f->dents, f->ndents, sizeof(*f->dents), dent_cmp);
	if (f->ndata > 1)
		qsort(f->data, f->ndata, sizeof(*f->data), data_cmp);
	for (size_t i = 1; i < f->ninos; i++)
		if (f->inos[i].inum == f->inos[i - 1].inum)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, f->inos[i].off, 0,
			    "UBIFS: inode %u appears twice (offsets %zu and %zu)", f->inos[i].inum,
			    f->inos[i - 1].off, f->inos[i].off);
	for (size_t i = 1; i < f->ndents; i++)
		if (dent_cmp(&f->dents[i], &f->dents[i - 1]) == 0)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, f->dents[i].off, 0,
			    "UBIFS: two entries named '%.*s' in directory inode %u (offsets %zu and "
			    "%zu)",
			    (int)(f->dents[i].nlen > 64 ? 64 : f->dents[i].nlen), f->dents[i].name,
			    f->dents[i].parent, f->dents[i - 1].off, f->dents[i].off);
	for (size_t i = 1; i < f->ndata; i++)
		if (data_cmp(&f->data[i], &f->data[i - 1]) == 0)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, f->data[i].off, 0,
			    "UBIFS: block %u of inode %u appears twice (offsets %zu and %zu)",
			    f->data[i].block, f->data[i].inum, f->data[i - 1].off, f->data[i].off);
	return MAMORI_OK;
}

static struct ino *
find_ino(struct fs *f, uint32_t inum)
{
	size_t lo = 0, hi = f->ninos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->inos[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->ninos && f->inos[lo].inum == inum ? &f->inos[lo] : NULL;
}

/* The first entry of directory inum (or the first entry past it). */
static size_t
first_dent(const struct fs *f, uint32_t inum)
{
	size_t lo = 0, hi = f->ndents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->dents[mid].parent < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
first_data(const struct fs *f, uint32_t inum)
{
	size_t lo = 0, hi = f->ndata;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->data[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Decompresses one data node into f->scratch (its size field's bytes). */
static mamori_err
read_block(struct fs *f, const struct dnode *dn)
{
	const uint8_t *q = f->p + dn->off;
	uint32_t size = mamori_load_le32(q + 40); /* <= MAMORI_UBIFS_BLOCK: leaf() */
	uint16_t compr = mamori_load_le16(q + 44);
	const uint8_t *in = q + DATA_LEN;
	size_t inlen = dn->len - DATA_LEN;
	struct mamori_diag sd;
	enum mamori_comp c;
	mamori_err e;

	mamori_buf_reset(&f->scratch);
	switch (compr) {
	case COMPR_NONE:
		if (inlen < size)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, dn->off, 0,
			    "UBIFS: data node at offset %zu holds %zu of its %u bytes", dn->off,
			    inlen, size);
		return mamori_buf_append(&f->scratch, in, size);
	case COMPR_LZO:
		c = MAMORI_COMP_LZO;
		break;
	case COMPR_ZLIB:
		c = MAMORI_COMP_DEFLATE;
		break;
	case COMPR_ZSTD:
		c = MAMORI_COMP_ZSTD;
		break;
	default:
		return mamori_diag_set(f->d, MAMORI_E_UNSUPPORTED, dn->off + 44, 0,
		    "UBIFS: data node at offset %zu: compression type %u", dn->off, compr);
	}
	mamori_diag_clear(&sd);
	e = mamori_decompress(c, in, inlen, MAMORI_UBIFS_BLOCK, &f->scratch, NULL, &sd);
	if (e != MAMORI_OK)
		return mamori_diag_set(f->d, e == MAMORI_E_NOMEM ? e : MAMORI_E_MALFORMED, dn->off,
		    0, "UBIFS: data node at offset %zu (inode %u, block %u): %s", dn->off, dn->inum,
		    dn->block, sd.msg[0] ? sd.msg : mamori_strerror(e));
	if (f->scratch.len != size)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, dn->off, 0,
		    "UBIFS: data node at offset %zu decompresses to %zu bytes, its header says %u",
		    dn->off, f->scratch.len, size);
	return MAMORI_OK;
}

/* The contents of regular file i: its data nodes in place, holes as zeros. */
static mamori_err
file_data(struct fs *f, const struct ino *i, uint8_t **out)
{
	uint8_t *buf;
	mamori_err e;

	*out = NULL;
	if (i->size > MAMORI_UBIFS_FILE_MAX)
		return mamori_diag_set(f->d, MAMORI_E_TOOBIG, i->off, 0,
		    "UBIFS: file %.200s (inode %u at offset %zu) claims %llu bytes, above the "
		    "%llu MiB limit",
		    f->path, i->inum, i->off, (unsigned long long)i->size,
		    (unsigned long long)(MAMORI_UBIFS_FILE_MAX >> 20));
	/* holes and hard links make bytes from nothing: bounded by the input's size */
	f->made += i->size;
	if (f->made / MAMORI_UBIFS_RATIO_MAX > f->n)
		return mamori_diag_set(f->d, MAMORI_E_TOOBIG, i->off, 0,
		    "UBIFS: files add up to more than %u times the %zu-byte volume (at %.200s)",
		    MAMORI_UBIFS_RATIO_MAX, f->n, f->path);
	if (i->size == 0)
		return MAMORI_OK;
	buf = calloc(1, (size_t)i->size);
	if (buf == NULL)
		return mamori_diag_set(f->d, MAMORI_E_NOMEM, i->off, 0, "UBIFS: out of memory");
	for (size_t k = first_data(f, i->inum); k < f->ndata && f->data[k].inum == i->inum; k++) {
		uint64_t start = (uint64_t)f->data[k].block * MAMORI_UBIFS_BLOCK;
		size_t take;

		if (start >= i->size)
			break; /* sorted by block: the rest lies past the end of the file too */
		e = read_block(f, &f->data[k]);
		if (e != MAMORI_OK) {
			free(buf);
			return e;
		}
		take = f->scratch.len;
		if (take > i->size - start)
			take = (size_t)(i->size - start);
		memcpy(buf + start, f->scratch.p, take);
	}
	*out = buf;
	return MAMORI_OK;
}

/* The file type a dent type stands for, and the mode bits it needs. */
static const struct {
	uint8_t fs;
	uint32_t ifmt;
} dtypes[7] = {
    {MAMORI_FS_REG, 0100000u},
    {MAMORI_FS_DIR, 0040000u},
    {MAMORI_FS_LNK, 0120000u},
    {MAMORI_FS_BLK, 0060000u},
    {MAMORI_FS_CHR, 0020000u},
    {MAMORI_FS_FIFO, 0010000u},
    {MAMORI_FS_SOCK, 0140000u},
};

static mamori_err walk_dir(struct fs *f, struct ino *dir, size_t plen, unsigned depth);

/* One entry of a directory whose path is f->path[0..plen). */
static mamori_err
entry(struct fs *f, const struct dent *de, size_t plen, unsigned depth)
{
	struct ino *c;
	size_t len = plen;
	uint8_t type = dtypes[de->type].fs; /* de->type <= 6: leaf() */
	uint32_t mode;
	bool clamped = false;
	mamori_err e;

	/* a single path component, as every UBIFS writes: anything else could climb out */
	if ((de->nlen == 1 && de->name[0] == '.') ||
	    (de->nlen == 2 && de->name[0] == '.' && de->name[1] == '.') ||
	    memchr(de->name, '/', de->nlen) != NULL || memchr(de->name, '\0', de->nlen) != NULL)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, de->off, 0,
		    "UBIFS: entry at offset %zu in %.200s is not a file name", de->off, f->path);
	c = find_ino(f, de->inum);
	if (c == NULL)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, de->off, 0,
		    "UBIFS: entry '%.*s' at offset %zu points at inode %u, which is not in the "
		    "index",
		    (int)(de->nlen > 64 ? 64 : de->nlen), de->name, de->off, de->inum);
	if ((c->mode & 0170000u) != dtypes[de->type].ifmt)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, de->off, 0,
		    "UBIFS: entry '%.*s' at offset %zu has type %u, its inode mode %06o",
		    (int)(de->nlen > 64 ? 64 : de->nlen), de->name, de->off, de->type, c->mode);
	if (plen > 1)
		f->path[len++] = '/'; /* plen <= MAMORI_FS_PATH_MAX: inside f->path */
	if (len >= MAMORI_FS_PATH_MAX || de->nlen > MAMORI_FS_PATH_MAX - len)
		return mamori_diag_set(f->d, MAMORI_E_MALFORMED, de->off, 0,
		    "UBIFS: path longer than %d bytes at offset %zu", MAMORI_FS_PATH_MAX, de->off);
	memcpy(f->path + len, de->name, de->nlen);
	len += de->nlen;
	f->path[len] = '\0';
	mode = c->mode & 07777u;
	switch (type) {
	case MAMORI_FS_DIR:
		if (c->entered)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, de->off, 0,
			    "UBIFS: dent loop: directory inode %u reached twice (at %.200s, entry at "
			    "offset %zu)",
			    c->inum, f->path, de->off);
		if (depth + 1 > MAMORI_UBIFS_DEPTH_MAX)
			return mamori_diag_set(f->d, MAMORI_E_TOOBIG, de->off, 0,
			    "UBIFS: directories nested deeper than %u", MAMORI_UBIFS_DEPTH_MAX);
		c->entered = true;
		e = mamori_fstree_add(
		    f->t, f->path, len, type, mode, c->uid, c->gid, NULL, 0, NULL, &clamped, f->d);
		if (e == MAMORI_OK)
			e = walk_dir(f, c, len, depth + 1);
		break;
	case MAMORI_FS_REG: {
		uint8_t *data;

		e = file_data(f, c, &data);
		if (e == MAMORI_OK)
			e = mamori_fstree_add_owned(f->t, f->path, len, type, mode, c->uid, c->gid,
			    data, (size_t)c->size, NULL, &clamped, f->d);
		break;
	}
	case MAMORI_FS_LNK:
		if (c->dlen == 0 || c->dlen > MAMORI_FS_PATH_MAX ||
		    memchr(c->data, '\0', c->dlen) != NULL)
			return mamori_diag_set(f->d, MAMORI_E_MALFORMED, c->off, 0,
			    "UBIFS: symlink inode %u at offset %zu: target of %u bytes", c->inum,
			    c->off, c->dlen);
		memcpy(f->link, c->data, c->dlen);
		f->link[c->dlen] = '\0';
		e = mamori_fstree_add(f->t, f->path, len, type, mode, c->uid, c->gid, NULL, 0,
		    f->link, &clamped, f->d);
		break;
	default: /* devices, FIFOs, sockets: metadata only */
		e = mamori_fstree_add(
		    f->t, f->path, len, type, mode, c->uid, c->gid, NULL, 0, NULL, &clamped, f->d);
		break;
	}
	if (e != MAMORI_OK && f->d != NULL && f->d->off == 0)
		f->d->off = de->off;
	f->path[plen] = '\0';
	return e;
}

static mamori_err
walk_dir(struct fs *f, struct ino *dir, size_t plen, unsigned depth)
{
	uint32_t inum = dir->inum;

	if (dir->flags & INO_CRYPT)
		return MAMORI_OK; /* encrypted names: not read */
	for (size_t k = first_dent(f, inum); k < f->ndents && f->dents[k].parent == inum; k++) {
		mamori_err e = entry(f, &f->dents[k], plen, depth);

		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

bool
mamori_ubifs_probe(const uint8_t *p, size_t n)
{
	return p != NULL && n >= MAMORI_UBIFS_SB_LEN && mamori_load_le32(p) == MAMORI_UBIFS_MAGIC &&
	       mamori_load_le32(p + 16) == MAMORI_UBIFS_SB_LEN && p[20] == T_SB &&
	       mamori_ubi_crc32(p + 8, MAMORI_UBIFS_SB_LEN - 8) == mamori_load_le32(p + 4);
}

mamori_err
mamori_ubifs_read(const uint8_t *p, size_t n, struct mamori_fstree *t, size_t *consumed,
    size_t *clamped, struct mamori_diag *d)
{
	struct fs *f;
	struct ino *root;
	uint32_t top[3] = {0, 0, 0};
	size_t mpos = 0;
	bool cl = false;
	mamori_err e;

	if ((p == NULL && n > 0) || t == NULL || consumed == NULL || clamped == NULL)
		return MAMORI_E_INVAL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "UBIFS: out of memory");
	f->p = p;
	f->n = n;
	f->t = t;
	f->d = d;
	mamori_buf_init(&f->scratch, MAMORI_UBIFS_BLOCK);
	e = read_super(f);
	if (e == MAMORI_OK)
		e = read_master(f, top, &mpos);
	if (e == MAMORI_OK)
		e = walk_index(f, mpos, top[0], top[1], top[2], -1);
	if (e == MAMORI_OK)
		e = sort_nodes(f);
	if (e != MAMORI_OK)
		goto out;
	root = find_ino(f, ROOT_INO);
	if (root == NULL || (root->mode & 0170000u) != 0040000u) {
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, root ? root->off : 0, 0,
		    "UBIFS: the root directory (inode 1) is %s",
		    root ? "not a directory" : "missing");
		goto out;
	}
	root->entered = true;
	f->path[0] = '/';
	f->path[1] = '\0';
	e = mamori_fstree_add(t, f->path, 1, MAMORI_FS_DIR, root->mode & 07777u, root->uid,
	    root->gid, NULL, 0, NULL, &cl, d);
	if (e == MAMORI_OK)
		e = walk_dir(f, root, 1, 0);
	if (e == MAMORI_OK) {
		uint64_t end = ((uint64_t)f->top_leb + 1) * f->leb;

		*consumed = end < n ? (size_t)end : n;
		*clamped = 0;
	}
out:
	free(f->inos);
	free(f->dents);
	free(f->data);
	free(f->seen);
	mamori_buf_free(&f->scratch);
	free(f);
	return e;
}
