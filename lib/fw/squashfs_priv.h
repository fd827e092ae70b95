/* SPDX-License-Identifier: MIT */
/* Internals shared by the SquashFS readers: squashfs.c (4.0) and squashfs3.c (3.x, 2.x), with
 * the shared half in squashfs_common.c. Not installed, not stable. Layout:
 * docs/formats/squashfs.md. */
#ifndef MAMORI_SQUASHFS_PRIV_H
#define MAMORI_SQUASHFS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/squashfs.h"

#define SQFS_MAGIC       0x73717368u /* "hsqs" read little-endian */
#define SQFS_NONE64      UINT64_MAX  /* absent optional table */
#define SQFS_NOFRAG      0xffffffffu
#define SQFS_META_UNCOMP 0x8000u
#define SQFS_DATA_UNCOMP (1u << 24)
#define SQFS_DATA_MASK   (SQFS_DATA_UNCOMP - 1)
#define SQFS_FCACHE      4u    /* fragment blocks kept decompressed */
#define SQFS_COMP_AUTO   0     /* 3.x/2.x: zlib, lzma-alone or vendor LZMA, told apart per block */
#define SQFS_MARKER      0xffu /* 3.x/2.x check-data marker after a metadata block header */

struct sqfs_table {
	struct mamori_buf b; /* all blocks decompressed back to back */
	uint64_t *disk;      /* block start, relative to the table start */
	size_t *mem;         /* where that block begins in b */
	size_t n, cap;
	uint64_t base; /* image offset of the table */
};

struct sqfs_frag {
	uint64_t start;
	uint32_t size;
};

struct sqfs_inode {
	uint8_t type; /* enum mamori_fs_type */
	uint32_t mode, uid, gid, number;
	uint64_t size;      /* file bytes; directory listing bytes (+ 3 in 4.0 and 3.x) */
	uint32_t dir_block; /* directory: listing block, relative to the dir table */
	uint32_t dir_off;
	uint64_t start; /* file: first data block (image offset) */
	uint32_t frag, frag_off;
	const uint8_t *blist; /* file: block sizes, nblocks * 4 bytes inside the inode table */
	size_t nblocks;
	const uint8_t *target; /* symlink */
	size_t tlen;
	size_t off; /* image offset of the inode's metadata block, for errors */
	size_t pos; /* position in the decoded inode table */
};

/* The state of one read. The version-specific readers fill the superblock fields and the id
 * and fragment arrays; the helpers below do the rest. */
struct sqfs {
	const uint8_t *img;
	size_t end; /* bytes_used: nothing is read at or past it */
	bool be;
	uint16_t major, minor;
	uint16_t comp;    /* 4.0 compression id, or SQFS_COMP_AUTO */
	uint8_t meta_hdr; /* bytes before a metadata block's data: 2, or 3 with the marker */
	uint8_t flags;    /* 3.x/2.x superblock flags */
	uint32_t inode_count, block_size, frag_count;
	uint32_t id_count, gid_count; /* 4.0: ids; 3.x/2.x: uids and gids */
	uint64_t root, inode_start, dir_start, frag_start;
	uint64_t id_start;     /* 4.0 id table index; 3.x/2.x uid table */
	uint64_t gid_start;    /* 3.x/2.x gid table */
	uint64_t export_start; /* 4.0 export table; 3.1 lookup table (SQFS_NONE64 when absent) */
	uint64_t xattr_start;  /* 4.0 */
	struct sqfs_table itab, dtab;
	uint32_t *ids, *gids;
	struct sqfs_frag *frags;
	uint8_t *visited;  /* bitmap of directories walked (4.0: inode numbers; else positions) */
	uint32_t numbered; /* 2.x: inodes met so far, their numbers in messages */
	struct mamori_buf scratch;             /* one data block */
	struct mamori_buf fcache[SQFS_FCACHE]; /* recently decompressed fragment blocks */
	uint32_t fcache_idx[SQFS_FCACHE];
	unsigned fcache_next; /* the slot to replace next */
	size_t entries;       /* directory entries walked */
	struct mamori_fstree *t;
	struct mamori_diag *d;
	char path[MAMORI_FS_PATH_MAX + 1];
	char link[MAMORI_FS_PATH_MAX + 1];
};

static inline uint16_t
sqfs_ld16(const struct sqfs *s, const uint8_t *p)
{
	return s->be ? mamori_load_be16(p) : mamori_load_le16(p);
}

static inline uint32_t
sqfs_ld32(const struct sqfs *s, const uint8_t *p)
{
	return s->be ? mamori_load_be32(p) : mamori_load_le32(p);
}

static inline uint64_t
sqfs_ld64(const struct sqfs *s, const uint8_t *p)
{
	if (s->be)
		return (uint64_t)mamori_load_be32(p) << 32 | mamori_load_be32(p + 4);
	return (uint64_t)mamori_load_le32(p + 4) << 32 | mamori_load_le32(p);
}

/* Is [off, off + n) inside the image (before bytes_used)? Never computes off + n. */
static inline bool
sqfs_in_image(const struct sqfs *s, uint64_t off, uint64_t n)
{
	return off <= s->end && n <= s->end - off;
}

/* Reader helpers: MAMORI_E_TRUNCATED when fewer bytes are left. */
mamori_err sqfs_rd16(const struct sqfs *s, struct mamori_reader *r, uint16_t *v);
mamori_err sqfs_rd32(const struct sqfs *s, struct mamori_reader *r, uint32_t *v);
mamori_err sqfs_rd64(const struct sqfs *s, struct mamori_reader *r, uint64_t *v);

typedef mamori_err (*sqfs_inode_fn)(struct sqfs *s, uint64_t ref, struct sqfs_inode *ino);
typedef mamori_err (*sqfs_walk_fn)(
    struct sqfs *s, const struct sqfs_inode *dir, size_t pathlen, unsigned depth);

/* What every version does once its superblock, ids and fragments are read: the inode table
 * (refused when inode_count inodes of at least inode_min bytes cannot fit), the directory
 * table up to dir_end, then the root inode (read_inode) as "/" and the walk under it. With
 * visit_by_pos the walked-directory bitmap is sized by inode table positions (3.x/2.x, whose
 * directories are told apart by position); otherwise the caller has sized it. */
mamori_err sqfs_walk_root(struct sqfs *s, size_t inode_min, uint64_t dir_end, bool visit_by_pos,
    sqfs_inode_fn read_inode, sqfs_walk_fn walk);

/* Allocates s (zeroed, buffers capped) for img; NULL when out of memory. */
struct sqfs *sqfs_new(const uint8_t *img, struct mamori_fstree *t, struct mamori_diag *d);
/* Frees s and every array hung on it. */
void sqfs_free(struct sqfs *s);

/* Decompresses one block (what names it in messages) into out, at most max_out bytes. With
 * SQFS_COMP_AUTO the formats are tried in turn, and exact (when not 0) is the size a format
 * must produce to be taken. */
mamori_err sqfs_unpack(struct sqfs *s, const uint8_t *in, size_t inlen, size_t max_out,
    size_t exact, struct mamori_buf *out, size_t off, const char *what);
/* One metadata block at image offset off, appended to out; *next is the offset after it. */
mamori_err sqfs_meta_block(
    struct sqfs *s, uint64_t off, struct mamori_buf *out, uint64_t *next, const char *what);
/* Decompresses the metadata blocks in [start, end) into tab. */
mamori_err sqfs_read_table(
    struct sqfs *s, struct sqfs_table *tab, uint64_t start, uint64_t end, const char *what);
/* Position in tab of (block relative to the table start, offset inside the block). */
mamori_err sqfs_locate(struct sqfs *s, const struct sqfs_table *tab, uint64_t blk, uint32_t off,
    size_t *pos, const char *what);
/* Image offset of the metadata block holding pos, for error messages. */
size_t sqfs_disk_off(const struct sqfs_table *tab, size_t pos);
/* An index of ceil(count / per) block offsets (iw = 8 or 4 bytes each) at start, each block
 * holding per entries of esz bytes; count entries in all are copied to out. */
mamori_err sqfs_read_index(struct sqfs *s, uint64_t start, uint32_t count, uint32_t per, size_t esz,
    size_t iw, uint8_t *out, const char *what);
/* Checks a file inode's block count (from size and fragment) against what follows it in r,
 * and its size and fragment against the limits; sets blist and nblocks. */
mamori_err sqfs_file_blocks(struct sqfs *s, struct mamori_reader *r, struct sqfs_inode *ino);
/* Checks a symlink target of n bytes in r and points ino at it. */
mamori_err sqfs_symlink(struct sqfs *s, struct mamori_reader *r, size_t n, struct sqfs_inode *ino);
/* MALFORMED "inode in block at off: why". */
mamori_err sqfs_bad_inode(struct sqfs *s, size_t off, const char *why);
/* Adds ino at s->path[0..pathlen) to the tree (file contents read and decompressed). */
mamori_err sqfs_add_node(struct sqfs *s, const struct sqfs_inode *ino, size_t pathlen);
/* Appends "/" name to s->path at pathlen after the name and length checks; *plen is the new
 * length. MALFORMED for a hostile name, TOOBIG past the path or entry limits. */
mamori_err sqfs_push_name(struct sqfs *s, const uint8_t *name, size_t n, size_t pathlen,
    size_t *plen, size_t doff, uint32_t dir);

#endif
