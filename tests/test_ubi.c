/* SPDX-License-Identifier: MIT */
/* UBI and UBIFS readers (lib/fw/ubi.c, lib/fw/ubifs.c). Images made by the real tools
 * (tests/gen/mkubi.sh: mkfs.ubifs with every compressor, ubinize with one and two volumes, NAND
 * and NOR geometry) are read back and compared file by file, byte for byte, with the tree they
 * were made from, also through mamori_unpack. Small images built here by hand carry the
 * must-fail cases: truncation, bad CRCs, huge reserved_pebs, duplicate LEBs, an index node
 * pointing at itself, dent loops, data past the file limit, hostile names.
 * `test_ubi --seeds DIR` writes the hand-built images to DIR/ubi and DIR/ubifs (the fuzz
 * seeds in fuzz/corpus/ were made so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "mamori/ubi.h"
#include "mamori/ubifs.h"
#include "mamori/unpack.h"

static char gendir[64]; /* output of tests/gen/mkubi.sh, "" when it failed */

static uint32_t
fcrc(const uint8_t *p, size_t n)
{
	return (uint32_t)~crc32(0L, p, (uInt)n);
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *p, uint32_t v)
{
	le16(p, v);
	le16(p + 2, v >> 16);
}

static void
le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static struct mamori_fstree *
tree(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;

	mamori_fs_limits_default(&l);
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		abort();
	return t;
}

static bool
load(const char *name, struct mamori_buf *b)
{
	char path[128];

	(void)snprintf(path, sizeof(path), "%s/%s", gendir, name);
	mamori_buf_init(b, (size_t)64 << 20);
	return mamori_read_file(path, b) == MAMORI_OK;
}

/* ---- hand-built UBIFS (4 KiB LEBs: the superblock fills LEB 0) ---- */

#define SLEB   4096u
#define SLEBS  64u
#define T_INO  0u
#define T_DATA 1u
#define T_DENT 2u
#define T_IDX  9u

struct ref {
	uint32_t lnum, offs, len;
	uint8_t key[8];
};

struct sfs {
	uint8_t p[SLEB * SLEBS];
	uint32_t lnum, offs; /* where the next node goes */
	uint64_t sq;
	struct ref leaves[1200];
	size_t nleaves;
	uint32_t fanout;
};

static void
refix(struct sfs *s, const struct ref *r)
{
	uint8_t *q = s->p + (size_t)r->lnum * SLEB + r->offs;

	le32(q + 4, fcrc(q + 8, r->len - 8));
}

static uint8_t *
ref_ptr(struct sfs *s, const struct ref *r)
{
	return s->p + (size_t)r->lnum * SLEB + r->offs;
}

/* Appends a node (body already holding everything after the common header). */
static struct ref
put_node(struct sfs *s, uint8_t type, const uint8_t *node, uint32_t len)
{
	struct ref r;
	uint8_t *q;

	if (s->offs + len > SLEB) {
		s->lnum++;
		s->offs = 0;
	}
	if (s->lnum >= SLEBS)
		abort();
	r.lnum = s->lnum;
	r.offs = s->offs;
	r.len = len;
	q = s->p + (size_t)r.lnum * SLEB + r.offs;
	memcpy(q, node, len);
	le32(q, MAMORI_UBIFS_MAGIC);
	le64(q + 8, ++s->sq);
	le32(q + 16, len);
	q[20] = type;
	q[21] = 0;
	q[22] = q[23] = 0;
	memcpy(r.key, q + 24, 8);
	refix(s, &r);
	s->offs += (len + 7) & ~7u;
	return r;
}

static void
key(uint8_t *k, uint32_t inum, uint32_t type, uint32_t x)
{
	le32(k, inum);
	le32(k + 4, type << 29 | (x & 0x1fffffffu));
}

static void
leaf(struct sfs *s, struct ref r)
{
	s->leaves[s->nleaves++] = r;
}

static struct ref
ino(struct sfs *s, uint32_t inum, uint32_t mode, uint64_t size, const void *data, uint32_t dlen)
{
	uint8_t n[160 + 4096];

	memset(n, 0, sizeof(n));
	key(n + 24, inum, T_INO, 0);
	le64(n + 48, size);
	le32(n + 92, 1);
	le32(n + 96, 0);
	le32(n + 100, 0);
	le32(n + 104, mode);
	le32(n + 112, dlen);
	if (dlen > 0)
		memcpy(n + 160, data, dlen);
	return put_node(s, T_INO, n, 160 + dlen);
}

static uint32_t name_hash = 100;

static struct ref
dent(struct sfs *s, uint32_t parent, const char *name, uint32_t inum, uint8_t type)
{
	uint8_t n[56 + 256];
	uint32_t nlen = (uint32_t)strlen(name);

	memset(n, 0, sizeof(n));
	key(n + 24, parent, T_DENT, name_hash++);
	le64(n + 40, inum);
	n[49] = type;
	le16(n + 50, nlen);
	memcpy(n + 56, name, nlen);
	return put_node(s, T_DENT, n, 56 + nlen + 1);
}

static struct ref
datan(struct sfs *s, uint32_t inum, uint32_t block, const uint8_t *data, uint32_t size,
    uint16_t compr, uint32_t clen)
{
	uint8_t n[48 + 4200];

	memset(n, 0, sizeof(n));
	key(n + 24, inum, T_DATA, block);
	le32(n + 40, size);
	le16(n + 44, compr);
	memcpy(n + 48, data, clen);
	return put_node(s, T_DATA, n, 48 + clen);
}

/* One index node of level lvl over refs[0..cnt). */
static struct ref
idx(struct sfs *s, uint16_t lvl, const struct ref *refs, size_t cnt)
{
	uint8_t n[28 + 64 * 20];

	memset(n, 0, sizeof(n));
	le16(n + 24, (uint32_t)cnt);
	le16(n + 26, lvl);
	for (size_t i = 0; i < cnt; i++) {
		uint8_t *b = n + 28 + i * 20;

		le32(b, refs[i].lnum);
		le32(b + 4, refs[i].offs);
		le32(b + 8, refs[i].len);
		memcpy(b + 12, refs[i].key, 8);
	}
	return put_node(s, T_IDX, n, (uint32_t)(28 + cnt * 20));
}

static void
sfs_init(struct sfs *s)
{
	memset(s->p, 0xff, sizeof(s->p));
	s->lnum = 3; /* after the superblock and the two master LEBs */
	s->offs = 0;
	s->sq = 0;
	s->nleaves = 0;
	s->fanout = 8;
}

/* Builds the index over the leaves, then the superblock and both master nodes; returns the
 * root and the image size. */
static struct ref
sfs_finish(struct sfs *s, size_t *len)
{
	struct ref level[1200], up[1200];
	size_t n = s->nleaves;
	uint16_t lvl = 0;
	uint8_t sb[4096], mst[512];

	memcpy(level, s->leaves, n * sizeof(level[0]));
	do {
		size_t m = 0;

		for (size_t i = 0; i < n; i += s->fanout)
			up[m++] = idx(s, lvl, level + i, n - i < s->fanout ? n - i : s->fanout);
		memcpy(level, up, m * sizeof(level[0]));
		n = m;
		lvl++;
	} while (n > 1);
	memset(sb, 0, sizeof(sb));
	le32(sb + 32, 8);           /* min_io_size */
	le32(sb + 36, SLEB);        /* leb_size */
	le32(sb + 40, s->lnum + 1); /* leb_cnt */
	le32(sb + 72, s->fanout);   /* fanout */
	le32(sb + 80, 4);           /* fmt_version */
	le16(sb + 84, 1);           /* default_compr */
	{
		uint32_t l = s->lnum, o = s->offs;

		s->lnum = 0;
		s->offs = 0;
		(void)put_node(s, 6, sb, sizeof(sb));
		for (uint32_t m = 1; m <= 2; m++) {
			memset(mst, 0, sizeof(mst));
			le32(mst + 48, level[0].lnum);
			le32(mst + 52, level[0].offs);
			le32(mst + 56, level[0].len);
			s->lnum = m;
			s->offs = 0;
			(void)put_node(s, 7, mst, sizeof(mst));
		}
		s->lnum = l;
		s->offs = o;
	}
	*len = (size_t)(s->lnum + 1) * SLEB;
	return level[0];
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";

/* The sample: /etc/passwd (two blocks: raw deflate, then stored), /bin/sh -> busybox, /dev/null
 * (char 1:3), /etc/empty; then whatever the caller adds before sfs_finish. */
static void
sample(struct sfs *s)
{
	static uint8_t blk[4096];
	uint8_t z[4200];
	z_stream zs;
	uint32_t dev = 1 << 8 | 3;

	sfs_init(s);
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)passwd[i % (sizeof(passwd) - 1)];
	leaf(s, ino(s, 1, 040755, 0, NULL, 0));
	leaf(s, ino(s, 64, 040755, 0, NULL, 0));
	leaf(s, dent(s, 1, "etc", 64, 1));
	leaf(s, ino(s, 65, 0100644, 4096 + 1000, NULL, 0));
	leaf(s, dent(s, 64, "passwd", 65, 0));
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, -11, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = blk;
	zs.avail_in = 4096;
	zs.next_out = z;
	zs.avail_out = sizeof(z);
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	leaf(s, datan(s, 65, 0, z, 4096, 2, (uint32_t)zs.total_out));
	(void)deflateEnd(&zs);
	leaf(s, datan(s, 65, 1, blk, 1000, 0, 1000));
	leaf(s, ino(s, 66, 040755, 0, NULL, 0));
	leaf(s, dent(s, 1, "bin", 66, 1));
	leaf(s, ino(s, 67, 0120777, 7, "busybox", 7));
	leaf(s, dent(s, 66, "sh", 67, 2));
	leaf(s, ino(s, 68, 040755, 0, NULL, 0));
	leaf(s, dent(s, 1, "dev", 68, 1));
	leaf(s, ino(s, 69, 020666, 0, &dev, 4));
	leaf(s, dent(s, 68, "null", 69, 4));
	leaf(s, ino(s, 70, 0100600, 0, NULL, 0));
	leaf(s, dent(s, 64, "empty", 70, 0));
}

static mamori_err
read_ubifs(const uint8_t *p, size_t n, struct mamori_fstree **out, struct mamori_diag *d)
{
	struct mamori_fstree *t = tree();
	size_t used = 0, cl = 99;
	mamori_err e;

	mamori_diag_clear(d);
	e = mamori_ubifs_read(p, n, t, &used, &cl, d);
	if (e == MAMORI_OK && (used > n || used == 0 || cl != 0))
		e = MAMORI_E_INVAL; /* the contract broken */
	if (out != NULL && e == MAMORI_OK)
		*out = t;
	else
		mamori_fstree_free(t);
	return e;
}

static struct sfs S; /* 256 KiB: not on the stack */

static void
ubifs_hand_sample(void)
{
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	const struct mamori_fs_node *nd;
	size_t len;

	sample(&S);
	(void)sfs_finish(&S, &len);
	CHECK(mamori_ubifs_probe(S.p, len));
	CHECK_OK(read_ubifs(S.p, len, &t, &d));
	if (t == NULL)
		return;
	nd = mamori_fstree_get(t, "/etc/passwd");
	CHECK(nd != NULL && nd->type == MAMORI_FS_REG && nd->size == 5096 && nd->mode == 0644);
	for (size_t i = 0; nd != NULL && i < nd->size; i++)
		if (nd->data[i] != (uint8_t)passwd[(i % 4096) % (sizeof(passwd) - 1)]) {
			CHECK(i == nd->size); /* the contents differ at i */
			break;
		}
	nd = mamori_fstree_get(t, "/bin/sh");
	CHECK(nd != NULL && nd->type == MAMORI_FS_LNK && strcmp(nd->link, "busybox") == 0);
	nd = mamori_fstree_get(t, "/dev/null");
	CHECK(nd != NULL && nd->type == MAMORI_FS_CHR && nd->mode == 0666);
	nd = mamori_fstree_get(t, "/etc/empty");
	CHECK(nd != NULL && nd->type == MAMORI_FS_REG && nd->size == 0 && nd->mode == 0600);
	CHECK(mamori_fstree_count(t) == 8);
	mamori_fstree_free(t);
}

/* The sample plus extra leaves made by fn; the read must fail with want and a message naming
 * the offset. */
static void
must_fail(void (*fn)(struct sfs *), void (*patch)(struct sfs *, struct ref), mamori_err want,
    const char *msg)
{
	struct mamori_diag d;
	struct ref root;
	size_t len;
	mamori_err e;

	sample(&S);
	if (fn != NULL)
		fn(&S);
	root = sfs_finish(&S, &len);
	if (patch != NULL)
		patch(&S, root);
	e = read_ubifs(S.p, len, NULL, &d);
	if (e != want || strstr(d.msg, msg) == NULL)
		fprintf(stderr, "test_ubi: want %s '%s', got %s '%s'\n", mamori_strerror(want), msg,
		    mamori_strerror(e), d.msg);
	CHECK(e == want);
	CHECK(strstr(d.msg, msg) != NULL);
	CHECK(d.off <= len);
}

static void
self_pointer(struct sfs *s, struct ref root)
{
	uint8_t *q = ref_ptr(s, &root);

	CHECK(q[26] > 0); /* the root is above level 0 */
	le32(q + 28 + 20, root.lnum);
	le32(q + 28 + 24, root.offs);
	refix(s, &root);
}

static void
shared_child(struct sfs *s, struct ref root)
{
	uint8_t *q = ref_ptr(s, &root);

	memcpy(q + 28 + 20, q + 28, 20); /* branch 1 = branch 0 */
	refix(s, &root);
}

static void
wrong_level(struct sfs *s, struct ref root)
{
	uint8_t *q = ref_ptr(s, &root);

	le16(q + 26, q[26] + 1u);
	refix(s, &root);
}

/* Found by fuzzing (fuzz/corpus/ubifs/crash-ref-offset): the error named an offset past the
 * input. */
static void
far_ref(struct sfs *s, struct ref root)
{
	uint8_t *q = ref_ptr(s, &root);

	le32(q + 28 + 4, 0x10188000u); /* the offset of branch 0 */
	refix(s, &root);
}

static void
bad_crc(struct sfs *s, struct ref root)
{
	(void)root;
	s->p[3 * SLEB + 200] ^= 1; /* inside the first nodes */
}

static void
no_master(struct sfs *s, struct ref root)
{
	(void)root;
	s->p[SLEB + 100] ^= 1;
	s->p[2 * SLEB + 100] ^= 1;
}

static void
key_mismatch(struct sfs *s, struct ref root)
{
	(void)root;
	/* the first leaf's key says inode 1, its branch now says inode 2 */
	for (uint32_t l = 3; l < SLEBS; l++)
		for (uint32_t o = 0; o + 48 <= SLEB; o += 8) {
			uint8_t *q = s->p + (size_t)l * SLEB + o;
			struct ref r;

			if (q[0] != 0x31 || q[20] != T_IDX || q[26] != 0)
				continue;
			r.lnum = l;
			r.offs = o;
			r.len = q[16] | (uint32_t)q[17] << 8;
			q[28 + 12] = 2;
			refix(s, &r);
			return;
		}
}

static void
dent_loop(struct sfs *s)
{
	leaf(s, ino(s, 80, 040755, 0, NULL, 0));
	leaf(s, dent(s, 64, "sub", 80, 1));
	leaf(s, dent(s, 80, "back", 64, 1)); /* /etc/sub/back is /etc again */
}

static void
root_loop(struct sfs *s)
{
	leaf(s, dent(s, 64, "up", 1, 1));
}

static void
beyond_limit(struct sfs *s)
{
	static const uint8_t x[8] = "xxxxxxxx";

	leaf(s, datan(s, 65, 65536, x, 8, 0, 8)); /* at 256 MiB */
}

static void
huge_file(struct sfs *s)
{
	leaf(s, ino(s, 90, 0100644, MAMORI_UBIFS_FILE_MAX + 1, NULL, 0));
	leaf(s, dent(s, 1, "huge", 90, 0));
}

static void
sparse_bomb(struct sfs *s)
{
	/* 256 MiB of holes from a few bytes: past 1000 times the image */
	leaf(s, ino(s, 90, 0100644, MAMORI_UBIFS_FILE_MAX, NULL, 0));
	leaf(s, dent(s, 1, "holes", 90, 0));
}

static void
dotdot(struct sfs *s)
{
	leaf(s, ino(s, 90, 0100644, 0, NULL, 0));
	leaf(s, dent(s, 64, "..", 90, 0));
}

static void
slash(struct sfs *s)
{
	leaf(s, ino(s, 90, 0100644, 0, NULL, 0));
	leaf(s, dent(s, 64, "../../x", 90, 0));
}

static void
no_inode(struct sfs *s)
{
	leaf(s, dent(s, 64, "ghost", 99, 0));
}

static void
type_mismatch(struct sfs *s)
{
	leaf(s, dent(s, 1, "passwd-as-dir", 65, 1));
}

static void
dup_name(struct sfs *s)
{
	leaf(s, ino(s, 90, 0100644, 0, NULL, 0));
	leaf(s, dent(s, 64, "passwd", 90, 0));
}

static void
bad_compr(struct sfs *s)
{
	static const uint8_t x[16] = "not compressed!";

	leaf(s, ino(s, 90, 0100644, 100, NULL, 0));
	leaf(s, dent(s, 1, "z", 90, 0));
	leaf(s, datan(s, 90, 0, x, 100, 1, 16)); /* LZO that is not */
}

static void
deep(struct sfs *s)
{
	/* 513 nested directories named "d" */
	for (uint32_t i = 0; i <= MAMORI_UBIFS_DEPTH_MAX; i++) {
		leaf(s, ino(s, 1000 + i, 040755, 0, NULL, 0));
		leaf(s, dent(s, i == 0 ? 1 : 1000 + i - 1, "d", 1000 + i, 1));
	}
}

static void
ubifs_must_fail(void)
{
	must_fail(NULL, self_pointer, MAMORI_E_MALFORMED, "points at itself");
	must_fail(NULL, shared_child, MAMORI_E_MALFORMED, "reached twice");
	must_fail(NULL, wrong_level, MAMORI_E_MALFORMED, "level");
	must_fail(NULL, far_ref, MAMORI_E_MALFORMED, "bad reference LEB");
	must_fail(NULL, bad_crc, MAMORI_E_MALFORMED, "CRC mismatch at offset");
	must_fail(NULL, no_master, MAMORI_E_MALFORMED, "no valid master node");
	must_fail(NULL, key_mismatch, MAMORI_E_MALFORMED, "key mismatch");
	must_fail(dent_loop, NULL, MAMORI_E_MALFORMED, "dent loop");
	must_fail(root_loop, NULL, MAMORI_E_MALFORMED, "dent loop");
	must_fail(beyond_limit, NULL, MAMORI_E_TOOBIG, "file limit");
	must_fail(huge_file, NULL, MAMORI_E_TOOBIG, "above the 256 MiB limit");
	must_fail(sparse_bomb, NULL, MAMORI_E_TOOBIG, "1000 times");
	must_fail(dotdot, NULL, MAMORI_E_MALFORMED, "not a file name");
	must_fail(slash, NULL, MAMORI_E_MALFORMED, "not a file name");
	must_fail(no_inode, NULL, MAMORI_E_MALFORMED, "not in the index");
	must_fail(type_mismatch, NULL, MAMORI_E_MALFORMED, "has type 1");
	must_fail(dup_name, NULL, MAMORI_E_MALFORMED, "two entries named 'passwd'");
	must_fail(bad_compr, NULL, MAMORI_E_MALFORMED, "data node at offset");
	must_fail(deep, NULL, MAMORI_E_TOOBIG, "nested deeper");
}

/* Every prefix and every single-byte change of the sample: no crash, and the short ones fail. */
static void
ubifs_truncated_and_flipped(void)
{
	struct mamori_diag d;
	size_t len, fails = 0;
	uint8_t *copy;

	sample(&S);
	(void)sfs_finish(&S, &len);
	copy = malloc(len);
	if (copy == NULL)
		abort();
	for (size_t cut = 0; cut < len; cut += 13) {
		memcpy(copy, S.p, cut);
		/* the index root sits in the last LEB: every cut before it must fail */
		if (read_ubifs(copy, cut, NULL, &d) != MAMORI_OK)
			fails++;
		else
			CHECK(cut >= len - SLEB);
	}
	CHECK(fails > 0);
	for (size_t i = 0; i < len; i += 7) {
		memcpy(copy, S.p, len);
		copy[i] ^= 0x5a;
		(void)read_ubifs(copy, len, NULL, &d);
	}
	free(copy);
}

/* ---- hand-built UBI (1 KiB PEBs, VID header at 64, data at 128) ---- */

#define UPEB  1024u
#define UVID  64u
#define UDATA 128u
#define ULEB  (UPEB - UDATA)

struct ubimg {
	uint8_t p[UPEB * 16];
	size_t npeb;
};

static void
ec(struct ubimg *u, size_t k, uint32_t seq)
{
	uint8_t *h = u->p + k * UPEB;

	memset(h, 0xff, UPEB);
	memset(h, 0, 64);
	be32(h, 0x55424923);
	h[4] = 1;
	be32(h + 16, UVID);
	be32(h + 20, UDATA);
	be32(h + 24, seq);
	be32(h + 60, fcrc(h, 60));
	if (k + 1 > u->npeb)
		u->npeb = k + 1;
}

static void
vid(struct ubimg *u, size_t k, uint8_t type, uint8_t copy, uint32_t vol, uint32_t lnum,
    const void *data, uint32_t len, uint32_t used, uint64_t sqnum)
{
	uint8_t *h = u->p + k * UPEB + UVID;

	ec(u, k, 77);
	memset(h, 0, 64);
	be32(h, 0x55424921);
	h[4] = 1;
	h[5] = type;
	h[6] = copy;
	be32(h + 8, vol);
	be32(h + 12, lnum);
	memcpy(u->p + k * UPEB + UDATA, data, len);
	if (type == 2 || copy) {
		be32(h + 20, len);
		be32(h + 32, fcrc(data, len));
	}
	be32(h + 24, used);
	be32(h + 40, (uint32_t)(sqnum >> 32));
	be32(h + 44, (uint32_t)sqnum);
	be32(h + 60, fcrc(h, 60));
}

static void
vrec(uint8_t *t, size_t i, uint32_t reserved, uint8_t type, const char *name)
{
	uint8_t *r = t + i * 172;

	memset(r, 0, 172);
	if (reserved > 0) {
		be32(r, reserved);
		be32(r + 4, 1);
		r[12] = type;
		r[14] = 0;
		r[15] = (uint8_t)strlen(name);
		memcpy(r + 16, name, strlen(name));
	}
	be32(r + 168, fcrc(r, 168));
}

/* Volume table in PEBs 0 and 1; "kernel" static (2 LEBs), "data" dynamic (4 reserved, LEBs
 * 0 and 2 mapped). */
static uint8_t kern[ULEB + 100], dyn0[ULEB], dyn2[ULEB];

static void
ubi_sample(struct ubimg *u)
{
	uint8_t t[ULEB];

	memset(u->p, 0xff, sizeof(u->p));
	u->npeb = 0;
	memset(t, 0, sizeof(t));
	vrec(t, 0, 2, 2, "kernel");
	vrec(t, 1, 4, 1, "data");
	for (size_t i = 2; i < ULEB / 172; i++)
		vrec(t, i, 0, 0, "");
	vid(u, 0, 1, 0, MAMORI_UBI_LAYOUT_ID, 0, t, ULEB, 0, 1);
	vid(u, 1, 1, 0, MAMORI_UBI_LAYOUT_ID, 1, t, ULEB, 0, 2);
	for (size_t i = 0; i < sizeof(kern); i++)
		kern[i] = (uint8_t)(i * 7);
	memset(dyn0, 'A', sizeof(dyn0));
	memset(dyn2, 'C', sizeof(dyn2));
	vid(u, 2, 2, 0, 0, 0, kern, ULEB, 2, 3);
	vid(u, 3, 1, 0, 1, 2, dyn2, ULEB, 0, 4); /* out of order on purpose */
	vid(u, 4, 2, 0, 0, 1, kern + ULEB, 100, 2, 5);
	vid(u, 5, 1, 0, 1, 0, dyn0, ULEB, 0, 6);
	ec(u, 6, 77); /* a free PEB */
}

struct got {
	unsigned n;
	char names[4][32];
	uint8_t *data[4];
	size_t len[4];
	unsigned ids[4];
};

static mamori_err
collect(void *ctx, const char *name, unsigned id, const uint8_t *data, size_t len,
    struct mamori_diag *d)
{
	struct got *g = ctx;

	(void)d;
	if (g->n >= 4)
		return MAMORI_E_TOOBIG;
	(void)snprintf(g->names[g->n], sizeof(g->names[0]), "%s", name);
	g->ids[g->n] = id;
	g->len[g->n] = len;
	g->data[g->n] = malloc(len + 1);
	if (g->data[g->n] == NULL)
		abort();
	if (len > 0)
		memcpy(g->data[g->n], data, len);
	g->n++;
	return MAMORI_OK;
}

static void
got_free(struct got *g)
{
	for (unsigned i = 0; i < g->n; i++)
		free(g->data[i]);
	memset(g, 0, sizeof(*g));
}

static mamori_err
read_ubi(const uint8_t *p, size_t n, struct got *g, size_t *used, struct mamori_diag *d)
{
	struct mamori_ubi_info info;
	size_t u = 0;
	mamori_err e;

	memset(g, 0, sizeof(*g));
	mamori_diag_clear(d);
	e = mamori_ubi_read(p, n, &u, &info, collect, g, d);
	if (e == MAMORI_OK && (u > n || u == 0))
		e = MAMORI_E_INVAL;
	if (used != NULL)
		*used = u;
	return e;
}

static struct ubimg U;

static void
ubi_hand_sample(void)
{
	struct mamori_diag d;
	struct got g;
	size_t used = 0;

	ubi_sample(&U);
	CHECK(mamori_ubi_probe(U.p, U.npeb * UPEB));
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, &used, &d));
	CHECK(used == 7 * UPEB);
	CHECK(g.n == 2);
	CHECK(g.ids[0] == 0 && strcmp(g.names[0], "kernel") == 0);
	CHECK(g.len[0] == sizeof(kern) && memcmp(g.data[0], kern, sizeof(kern)) == 0);
	CHECK(g.ids[1] == 1 && strcmp(g.names[1], "data") == 0 && g.len[1] == 3 * ULEB);
	if (g.len[1] == 3 * ULEB) {
		CHECK(memcmp(g.data[1], dyn0, ULEB) == 0);
		CHECK(g.data[1][ULEB] == 0xff && g.data[1][2 * ULEB - 1] == 0xff); /* unmapped */
		CHECK(memcmp(g.data[1] + 2 * ULEB, dyn2, ULEB) == 0);
	}
	got_free(&g);
	/* junk after the image is not part of it */
	memset(U.p + 7 * UPEB, 'J', UPEB);
	CHECK_OK(read_ubi(U.p, 8 * UPEB, &g, &used, &d));
	CHECK(used == 7 * UPEB);
	got_free(&g);
	/* another UBI image right after: a new image_seq ends this one */
	ec(&U, 7, 78);
	CHECK_OK(read_ubi(U.p, 8 * UPEB, &g, &used, &d));
	CHECK(used == 7 * UPEB);
	got_free(&g);
	/* vtbl copy 0 damaged: copy 1 is used */
	ubi_sample(&U);
	U.p[UDATA + 20] ^= 1;
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, NULL, &d));
	CHECK(g.n == 2);
	got_free(&g);
}

static void
ubi_fail(const struct ubimg *u, size_t n, mamori_err want, const char *msg, size_t off)
{
	struct mamori_diag d;
	struct got g;
	mamori_err e = read_ubi(u->p, n, &g, NULL, &d);

	if (e != want || strstr(d.msg, msg) == NULL || (off != SIZE_MAX && d.off != off))
		fprintf(stderr, "test_ubi: want %s '%s' @%zu, got %s '%s' @%zu\n",
		    mamori_strerror(want), msg, off, mamori_strerror(e), d.msg, d.off);
	CHECK(e == want);
	CHECK(strstr(d.msg, msg) != NULL);
	CHECK(off == SIZE_MAX || d.off == off);
	got_free(&g);
}

static void
ubi_must_fail(void)
{
	uint8_t t[ULEB];
	struct mamori_diag d;
	struct got g;

	/* truncated: a partial last PEB, and fewer bytes than a header */
	ubi_sample(&U);
	ubi_fail(&U, 7 * UPEB - 100, MAMORI_E_TRUNCATED, "cut short", 6 * UPEB);
	ubi_fail(&U, 40, MAMORI_E_TRUNCATED, "cannot hold", SIZE_MAX);
	ubi_fail(&U, 900, MAMORI_E_MALFORMED, "PEB size unknown", SIZE_MAX);
	/* the static volume's second LEB dropped */
	ubi_fail(&U, 4 * UPEB, MAMORI_E_TRUNCATED, "LEB 1 of 2 missing", SIZE_MAX);
	/* bad EC and VID CRCs */
	U.p[3 * UPEB + 9] ^= 1;
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "EC header CRC mismatch", 3 * UPEB);
	ubi_sample(&U);
	U.p[3 * UPEB + UVID + 13] ^= 1;
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "VID header CRC mismatch", 3 * UPEB + UVID);
	/* a volume table record with a huge reserved_pebs, in both copies */
	ubi_sample(&U);
	memcpy(t, U.p + UDATA, ULEB);
	be32(t + 172, 0x7fffffff);
	be32(t + 172 + 168, fcrc(t + 172, 168));
	vid(&U, 0, 1, 0, MAMORI_UBI_LAYOUT_ID, 0, t, ULEB, 0, 1);
	vid(&U, 1, 1, 0, MAMORI_UBI_LAYOUT_ID, 1, t, ULEB, 0, 2);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_TOOBIG, "reserves 2147483647 PEBs", UDATA + 172);
	/* both copies of the volume table damaged */
	ubi_sample(&U);
	U.p[UDATA + 20] ^= 1;
	U.p[UPEB + UDATA + 20] ^= 1;
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "record 0", UDATA);
	/* no volume table */
	ubi_sample(&U);
	ec(&U, 0, 77);
	ec(&U, 1, 77);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "no volume table", SIZE_MAX);
	/* duplicate LEBs with the same sqnum */
	ubi_sample(&U);
	vid(&U, 6, 1, 0, 1, 0, dyn2, ULEB, 0, 6);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "same sqnum", 6 * UPEB);
	/* a LEB of a volume the table does not list, one past reserved_pebs */
	ubi_sample(&U);
	vid(&U, 6, 1, 0, 3, 0, dyn2, ULEB, 0, 9);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "does not list", 6 * UPEB);
	ubi_sample(&U);
	vid(&U, 6, 1, 0, 1, 4, dyn2, ULEB, 0, 9);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "which has 4", 6 * UPEB);
	/* a dynamic LEB far past the PEBs the image has (the 0xff fill would amplify) */
	ubi_sample(&U);
	memcpy(t, U.p + UDATA, ULEB);
	vrec(t, 1, 60000, 1, "data");
	vid(&U, 0, 1, 0, MAMORI_UBI_LAYOUT_ID, 0, t, ULEB, 0, 1);
	vid(&U, 1, 1, 0, MAMORI_UBI_LAYOUT_ID, 1, t, ULEB, 0, 2);
	vid(&U, 6, 1, 0, 1, 50000, dyn2, ULEB, 0, 9);
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "only 7 PEBs", 6 * UPEB);
	/* static data CRC */
	ubi_sample(&U);
	U.p[4 * UPEB + UDATA] ^= 1;
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_MALFORMED, "data CRC mismatch", 4 * UPEB);
	/* another UBI version */
	ubi_sample(&U);
	U.p[5 * UPEB + 4] = 2;
	be32(U.p + 5 * UPEB + 60, fcrc(U.p + 5 * UPEB, 60));
	ubi_fail(&U, U.npeb * UPEB, MAMORI_E_UNSUPPORTED, "version 2", 5 * UPEB + 4);
	/* the callback's error stops the read */
	ubi_sample(&U);
	memset(&g, 0, sizeof(g));
	g.n = 4; /* collect() refuses */
	CHECK(mamori_ubi_read(U.p, U.npeb * UPEB, &(size_t){0}, NULL, collect, &g, &d) ==
	      MAMORI_E_TOOBIG);
}

static void
ubi_duplicates(void)
{
	struct mamori_diag d;
	struct got g;
	uint8_t newer[ULEB];

	memset(newer, 'N', sizeof(newer));
	/* a newer copy (higher sqnum) wins */
	ubi_sample(&U);
	vid(&U, 6, 1, 0, 1, 0, newer, ULEB, 0, 20);
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, NULL, &d));
	CHECK(g.n == 2 && g.len[1] == 3 * ULEB && g.data[1][0] == 'N');
	got_free(&g);
	/* an older one found after the newer one changes nothing */
	ubi_sample(&U);
	vid(&U, 6, 1, 0, 1, 0, newer, ULEB, 0, 1);
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, NULL, &d));
	CHECK(g.n == 2 && g.len[1] == 3 * ULEB && g.data[1][0] == 'A');
	got_free(&g);
	/* a wear-levelling copy with a good data CRC wins */
	ubi_sample(&U);
	vid(&U, 6, 1, 1, 1, 0, newer, ULEB, 0, 20);
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, NULL, &d));
	CHECK(g.n == 2 && g.data[1][0] == 'N');
	got_free(&g);
	/* an interrupted copy (bad data CRC) loses to the original */
	U.p[6 * UPEB + UDATA + 5] = 'X';
	CHECK_OK(read_ubi(U.p, U.npeb * UPEB, &g, NULL, &d));
	CHECK(g.n == 2 && g.data[1][0] == 'A');
	got_free(&g);
}

static void
ubi_prefixes_and_flips(void)
{
	static uint8_t copy[sizeof(U.p)];
	struct mamori_diag d;
	struct got g;
	size_t n;

	ubi_sample(&U);
	n = U.npeb * UPEB;
	for (size_t cut = 0; cut < n; cut += 11) {
		memcpy(copy, U.p, cut);
		CHECK(read_ubi(copy, cut, &g, NULL, &d) != MAMORI_OK || cut >= 5 * UPEB);
		got_free(&g);
	}
	for (size_t i = 0; i < n; i += 3) {
		memcpy(copy, U.p, n);
		copy[i] ^= 0x81;
		(void)read_ubi(copy, n, &g, NULL, &d);
		got_free(&g);
	}
}

/* A UBI image (8 KiB PEBs, data at 4 KiB: 4 KiB LEBs) with vol (LEB-sized chunks) as its
 * dynamic volume 0 "ubifs"; *n gets the size of the malloc'ed image. */
static uint8_t *
ubi_wrap(const uint8_t *vol, size_t len, size_t *n)
{
	size_t lebs = (len + SLEB - 1) / SLEB, pebs = 2 + lebs, psz = 2 * SLEB;
	uint8_t *p = malloc(pebs * psz), t[SLEB];

	if (p == NULL)
		abort();
	memset(p, 0xff, pebs * psz);
	memset(t, 0, sizeof(t));
	vrec(t, 0, (uint32_t)lebs, 1, "ubifs");
	for (size_t i = 1; i < SLEB / 172; i++)
		vrec(t, i, 0, 0, "");
	for (size_t k = 0; k < pebs; k++) {
		uint8_t *h = p + k * psz, *v = h + 64;
		const uint8_t *src = k < 2 ? t : vol + (k - 2) * SLEB;

		memset(h, 0, 128);
		be32(h, 0x55424923);
		h[4] = 1;
		be32(h + 16, 64);
		be32(h + 20, SLEB);
		be32(h + 60, fcrc(h, 60));
		be32(v, 0x55424921);
		v[4] = 1;
		v[5] = 1;
		be32(v + 8, k < 2 ? MAMORI_UBI_LAYOUT_ID : 0);
		be32(v + 12, (uint32_t)(k < 2 ? k : k - 2));
		be32(v + 44, (uint32_t)k);
		be32(v + 60, fcrc(v, 60));
		memcpy(h + SLEB, src, k < 2 || k - 2 < lebs - 1 ? SLEB : len - (lebs - 1) * SLEB);
	}
	*n = pebs * psz;
	return p;
}

static void
ubi_with_ubifs(void)
{
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	struct got g;
	size_t len, n;
	uint8_t *img;

	sample(&S);
	(void)sfs_finish(&S, &len);
	img = ubi_wrap(S.p, len, &n);
	CHECK_OK(read_ubi(img, n, &g, NULL, &d));
	CHECK(g.n == 1 && g.len[0] == len && memcmp(g.data[0], S.p, len) == 0);
	if (g.n == 1)
		CHECK_OK(read_ubifs(g.data[0], g.len[0], &t, &d));
	CHECK(t != NULL && mamori_fstree_get(t, "/etc/passwd") != NULL);
	mamori_fstree_free(t);
	got_free(&g);
	free(img);
}

/* ---- images from mkfs.ubifs and ubinize ---- */

static void
make_images(void)
{
	char cmd[256];

	(void)snprintf(gendir, sizeof(gendir), "/tmp/mamori-ubi-XXXXXX");
	if (mkdtemp(gendir) == NULL) {
		gendir[0] = '\0';
		return;
	}
	(void)snprintf(cmd, sizeof(cmd), "sh tests/gen/mkubi.sh '%s' >/dev/null 2>&1", gendir);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_ubi: tests/gen/mkubi.sh failed (mtd-utils missing?)\n");
		gendir[0] = '\0';
	}
}

/* The device nodes of tests/gen/mkubi.sh's device table. */
static bool
devices_ok(const struct mamori_fstree *t, const char *prefix)
{
	char a[64], b[64];
	const struct mamori_fs_node *c, *m;

	(void)snprintf(a, sizeof(a), "%s/dev/console", prefix);
	(void)snprintf(b, sizeof(b), "%s/dev/mtdblock0", prefix);
	c = mamori_fstree_get(t, a);
	m = mamori_fstree_get(t, b);
	return c != NULL && c->type == MAMORI_FS_CHR && c->mode == 0600 && m != NULL &&
	       m->type == MAMORI_FS_BLK && m->mode == 0640 && m->gid == 6;
}

/* Every node of the directory is in t under prefix with the same type, mode, owner, contents
 * and link target, and t holds nothing else but extra nodes. */
static bool
same_tree(const char *dir, const struct mamori_fstree *t, const char *prefix, size_t extra)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *src = NULL;
	struct mamori_diag d;
	size_t bad = 0, n;

	mamori_fs_limits_default(&l);
	if (mamori_fstree_from_dir(dir, &l, &src, &d) != MAMORI_OK)
		return false;
	n = mamori_fstree_count(src);
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *a = mamori_fstree_at(src, i), *b;
		char path[MAMORI_FS_PATH_MAX + 64];

		(void)snprintf(path, sizeof(path), "%s%s", prefix,
		    strcmp(a->path, "/") == 0 && prefix[0] ? "" : a->path);
		b = mamori_fstree_get(t, path);
		if (strcmp(a->path, "/") == 0) {
			CHECK(b != NULL && b->type == MAMORI_FS_DIR);
			continue;
		}
		if (b == NULL || b->type != a->type || b->size != a->size || b->uid != a->uid ||
		    b->gid != a->gid || b->mode != a->mode ||
		    (a->size > 0 && memcmp(a->data, b->data, (size_t)a->size) != 0) ||
		    (a->type == MAMORI_FS_LNK && strcmp(a->link, b->link) != 0)) {
			fprintf(stderr, "test_ubi: %s differs\n", path);
			bad++;
		}
	}
	mamori_fstree_free(src);
	if (prefix[0] == '\0' && mamori_fstree_count(t) != n + extra) {
		fprintf(
		    stderr, "test_ubi: %zu nodes, want %zu\n", mamori_fstree_count(t), n + extra);
		bad++;
	}
	return bad == 0;
}

static void
ubifs_from_mkfs(void)
{
	static const char *imgs[] = {
	    "ubifs-lzo.img", "ubifs-zlib.img", "ubifs-zstd.img", "ubifs-none.img", "ubifs-nor.img"};
	char root[128];

	CHECK(gendir[0] != '\0');
	if (gendir[0] == '\0')
		return;
	(void)snprintf(root, sizeof(root), "%s/root", gendir);
	for (size_t i = 0; i < sizeof(imgs) / sizeof(imgs[0]); i++) {
		struct mamori_buf b;
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;

		if (!load(imgs[i], &b)) {
			CHECK(strcmp(imgs[i], "ubifs-zstd.img") == 0); /* only zstd may be absent */
			continue;
		}
		CHECK(mamori_ubifs_probe(b.p, b.len));
		CHECK_OK(read_ubifs(b.p, b.len, &t, &d));
		if (t != NULL) {
			CHECK(same_tree(root, t, "", 2));
			CHECK(devices_ok(t, ""));
			mamori_fstree_free(t);
		} else {
			fprintf(stderr, "test_ubi: %s: %s\n", imgs[i], d.msg);
		}
		mamori_buf_free(&b);
	}
}

/* ubi-C.ubi holds ubifs-C.img as volume 0, byte for byte. */
static void
ubi_from_ubinize(void)
{
	static const char *c[] = {"lzo", "zlib", "zstd", "none", "nor"};

	if (gendir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char name[64];
		struct mamori_buf ubi, fs;
		struct mamori_diag d;
		struct got g;
		size_t used = 0;

		(void)snprintf(name, sizeof(name), "ubi-%s.ubi", c[i]);
		if (!load(name, &ubi))
			continue;
		(void)snprintf(name, sizeof(name), "ubifs-%s.img", c[i]);
		CHECK(load(name, &fs));
		CHECK(mamori_ubi_probe(ubi.p, ubi.len));
		CHECK_OK(read_ubi(ubi.p, ubi.len, &g, &used, &d));
		CHECK(used == ubi.len);
		CHECK(g.n == 1 && strcmp(g.names[0], "rootfs") == 0);
		CHECK(g.n == 1 && g.len[0] == fs.len && memcmp(g.data[0], fs.p, fs.len) == 0);
		got_free(&g);
		mamori_buf_free(&ubi);
		mamori_buf_free(&fs);
	}
}

static void
ubi_two_volumes(void)
{
	struct mamori_buf ubi, sq, ov;
	struct mamori_diag d;
	struct got g;

	if (gendir[0] == '\0')
		return;
	CHECK(load("ubi-two.ubi", &ubi) && load("root.sqfs", &sq) && load("overlay.ubifs", &ov));
	CHECK_OK(read_ubi(ubi.p, ubi.len, &g, NULL, &d));
	CHECK(g.n == 2);
	/* the static volume gives the SquashFS exactly, the dynamic one the UBIFS image */
	CHECK(strcmp(g.names[0], "rootfs") == 0 && g.len[0] == sq.len &&
	      memcmp(g.data[0], sq.p, sq.len) == 0);
	CHECK(strcmp(g.names[1], "rootfs_data") == 0 && g.len[1] == ov.len &&
	      memcmp(g.data[1], ov.p, ov.len) == 0);
	got_free(&g);
	mamori_buf_free(&ubi);
	mamori_buf_free(&sq);
	mamori_buf_free(&ov);
}

static mamori_err
unpack(const char *name, size_t junk, struct mamori_fstree **t, struct mamori_unpack_log *log)
{
	struct mamori_unpack_opts o;
	struct mamori_buf b, img;
	struct mamori_diag d;
	mamori_err e;

	*t = tree();
	mamori_unpack_log_init(log);
	if (!load(name, &b))
		return MAMORI_E_IO;
	mamori_buf_init(&img, (size_t)64 << 20);
	for (size_t i = 0; i < junk; i++)
		CHECK_OK(mamori_buf_putc(&img, (uint8_t)(i * 13 + 1)));
	CHECK_OK(mamori_buf_append(&img, b.p, b.len));
	mamori_buf_free(&b);
	mamori_unpack_opts_default(&o);
	e = mamori_unpack(img.p, img.len, &o, *t, log, &d);
	mamori_buf_free(&img);
	CHECK_OK(mamori_buf_putc(&log->text, 0));
	return e;
}

static void
unpack_ubi(void)
{
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	char root[128], ov[128];
	const char *text;

	if (gendir[0] == '\0')
		return;
	(void)snprintf(root, sizeof(root), "%s/root", gendir);
	(void)snprintf(ov, sizeof(ov), "%s/overlay", gendir);
	/* one UBIFS volume, 3 KiB into the image */
	CHECK_OK(unpack("ubi-lzo.ubi", 3072, &t, &log));
	text = (const char *)log.text.p;
	CHECK(strstr(text, "UBI @0xc00: PEB 128.0 KiB, LEB 124.0 KiB, 28 PEBs, 1 volume") != NULL);
	CHECK(strstr(text, "  volume 0 'rootfs': 3.1 MiB, UBIFS") != NULL);
	CHECK(strstr(text, "  ubifs @0xc00:") != NULL);
	CHECK(log.filesystems == 1 && log.errors == 0);
	CHECK(same_tree(root, t, "", 2));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* the OpenWrt layout: SquashFS in a static volume to "/", UBIFS overlay to /.fs1 */
	CHECK_OK(unpack("ubi-two.ubi", 0, &t, &log));
	text = (const char *)log.text.p;
	CHECK(strstr(text, "  volume 0 'rootfs': 1.1 MiB\n  squashfs @0x0") != NULL);
	CHECK(strstr(text, "  volume 1 'rootfs_data':") != NULL);
	CHECK(log.filesystems == 2 && log.errors == 0);
	CHECK(mamori_fstree_get(t, "/bin/busybox") != NULL);
	CHECK(same_tree(ov, t, "/.fs1", 0));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* a bare UBIFS image after some junk */
	CHECK_OK(unpack("ubifs-zstd.img", 1000, &t, &log));
	CHECK(strstr((const char *)log.text.p, "ubifs @0x3e8:") != NULL);
	CHECK(same_tree(root, t, "", 2));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
}

/* Truncated real images: a cut inside a PEB is TRUNCATED; a cut on a PEB boundary leaves
 * the UBIFS volume short, which its reader refuses. */
static void
real_truncated(void)
{
	struct mamori_buf b;
	struct mamori_diag d;
	struct got g;

	if (gendir[0] == '\0' || !load("ubi-zlib.ubi", &b))
		return;
	for (size_t k = 1; k < b.len / 131072; k += 3) {
		size_t cut = k * 131072;
		mamori_err e = read_ubi(b.p, cut + 5000, &g, NULL, &d);

		CHECK(e == MAMORI_E_TRUNCATED || (k == 1 && e == MAMORI_E_MALFORMED));
		got_free(&g);
		e = read_ubi(b.p, cut, &g, NULL, &d);
		if (k >= 2) {
			struct mamori_fstree *t = NULL;

			CHECK(e == MAMORI_OK && g.n == 1);
			if (g.n == 1)
				CHECK(read_ubifs(g.data[0], g.len[0], &t, &d) != MAMORI_OK);
			mamori_fstree_free(t);
		}
		got_free(&g);
	}
	mamori_buf_free(&b);
}

static void
remove_images(void)
{
	char cmd[128];

	if (gendir[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gendir);
	CHECK(system(cmd) == 0);
}

/* ---- fuzz seeds ---- */

static void
put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "test_ubi: cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* DIR/ubifs: the sample and a few broken ones; DIR/ubi: the UBI sample, and a UBI image whose
 * dynamic volume holds a small UBIFS. Byte 0 of every seed is the fuzz targets' mode byte. */
static int
write_seeds(const char *dir)
{
	static uint8_t buf[1 + sizeof(S.p)];
	char sub[400];
	size_t len;
	struct ref root;

	(void)snprintf(sub, sizeof(sub), "%s/ubifs", dir);
	(void)mkdir(sub, 0755);
	sample(&S);
	(void)sfs_finish(&S, &len);
	buf[0] = 0;
	memcpy(buf + 1, S.p, len);
	put(sub, "sample", buf, len + 1);
	buf[0] = 1; /* the harness fixes the CRCs */
	put(sub, "sample-fixcrc", buf, len + 1);
	sample(&S);
	dent_loop(&S);
	(void)sfs_finish(&S, &len);
	memcpy(buf + 1, S.p, len);
	put(sub, "dent-loop", buf, len + 1);
	sample(&S);
	root = sfs_finish(&S, &len);
	self_pointer(&S, root);
	memcpy(buf + 1, S.p, len);
	put(sub, "self-pointer", buf, len + 1);
	(void)snprintf(sub, sizeof(sub), "%s/ubi", dir);
	(void)mkdir(sub, 0755);
	ubi_sample(&U);
	buf[0] = 0;
	memcpy(buf + 1, U.p, U.npeb * UPEB);
	put(sub, "sample", buf, U.npeb * UPEB + 1);
	buf[0] = 1;
	put(sub, "sample-fixcrc", buf, U.npeb * UPEB + 1);
	ubi_sample(&U);
	vid(&U, 6, 1, 1, 1, 0, dyn2, ULEB, 0, 20);
	buf[0] = 0;
	memcpy(buf + 1, U.p, U.npeb * UPEB);
	put(sub, "copy", buf, U.npeb * UPEB + 1);
	{
		uint8_t *img, *w;
		size_t n;

		sample(&S);
		(void)sfs_finish(&S, &len);
		img = ubi_wrap(S.p, len, &n);
		w = malloc(n + 1);
		if (w == NULL)
			abort();
		w[0] = 2; /* read the volume as UBIFS */
		memcpy(w + 1, img, n);
		put(sub, "with-ubifs", w, n + 1);
		free(w);
		free(img);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(ubifs_hand_sample),
	    CHECK_CASE(ubifs_must_fail),
	    CHECK_CASE(ubifs_truncated_and_flipped),
	    CHECK_CASE(ubi_hand_sample),
	    CHECK_CASE(ubi_must_fail),
	    CHECK_CASE(ubi_duplicates),
	    CHECK_CASE(ubi_prefixes_and_flips),
	    CHECK_CASE(ubi_with_ubifs),
	    CHECK_CASE(make_images),
	    CHECK_CASE(ubifs_from_mkfs),
	    CHECK_CASE(ubi_from_ubinize),
	    CHECK_CASE(ubi_two_volumes),
	    CHECK_CASE(unpack_ubi),
	    CHECK_CASE(real_truncated),
	    CHECK_CASE(remove_images),
	};

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	return check_run("test_ubi", cases, sizeof(cases) / sizeof(cases[0]));
}
