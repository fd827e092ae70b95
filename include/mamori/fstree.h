/* SPDX-License-Identifier: MIT */
/* An in-memory file tree: what a firmware image unpacks into, or a real root file system
 * loaded for the same checks. Nothing is ever written to disk from an image: names are
 * normalised inside the tree's own root (absolute names, "..", "//" cannot leave it), symlinks
 * are recorded and only ever followed inside the tree, device nodes are metadata. Hard caps on
 * total bytes, file count and path length stop decompression bombs with a clear error. */
#ifndef MAMORI_FSTREE_H
#define MAMORI_FSTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

#define MAMORI_FS_PATH_MAX  4096                /* bytes in a normalised path */
#define MAMORI_FS_NAME_MAX  255                 /* bytes in one path component */
#define MAMORI_FS_LINK_HOPS 16                  /* symlinks followed in one lookup */
#define MAMORI_FS_FILES_DEF (1u << 20)          /* default file cap */
#define MAMORI_FS_BYTES_DEF ((uint64_t)4 << 30) /* default cap on all file bytes: 4 GiB */
#define MAMORI_FS_RATIO_DEF 1000u               /* default cap on expansion ratio */

enum mamori_fs_type {
	MAMORI_FS_REG = 1,
	MAMORI_FS_DIR,
	MAMORI_FS_LNK,
	MAMORI_FS_CHR,
	MAMORI_FS_BLK,
	MAMORI_FS_FIFO,
	MAMORI_FS_SOCK,
};

struct mamori_fs_limits {
	uint64_t max_bytes;   /* all file contents together */
	uint64_t max_files;   /* nodes */
	uint32_t max_ratio;   /* unpacked bytes per input byte (0 = no check) */
	uint64_t input_bytes; /* size of the image, for the ratio (0 = unknown) */
};

struct mamori_fs_node {
	char *path;    /* normalised, absolute inside the tree: "/etc/passwd"; "/" is the root */
	uint8_t type;  /* enum mamori_fs_type */
	uint32_t mode; /* permission bits and set-id bits (07777) */
	uint32_t uid, gid;
	uint64_t mtime;
	uint8_t *data; /* MAMORI_FS_REG: the contents (owned by the tree), NULL when empty */
	uint64_t size;
	char *link;      /* MAMORI_FS_LNK: the target as stored */
	uint32_t rdev;   /* device number of CHR/BLK (never created) */
	char origin[64]; /* the container it came from ("squashfs@0", "dir") */
};

struct mamori_fstree;

void mamori_fs_limits_default(struct mamori_fs_limits *l);
MAMORI_MUST_CHECK mamori_err mamori_fstree_new(
    const struct mamori_fs_limits *l, struct mamori_fstree **out);
void mamori_fstree_free(struct mamori_fstree *t);

/* Adds a node (parents are created as directories when missing). The path is normalised:
 * leading "/" optional, "." and empty components dropped, ".." removed lexically and never
 * above the root (*clamped is set when a ".." had to be dropped or the name was absolute, for a
 * finding about hostile names). For MAMORI_FS_REG, data is copied (len bytes). A node that
 * exists is replaced. MAMORI_E_TOOBIG past a limit (d says which), MAMORI_E_MALFORMED for a
 * NUL byte or an over-long name. */
MAMORI_MUST_CHECK mamori_err mamori_fstree_add(struct mamori_fstree *t, const char *path,
    size_t pathlen, uint8_t type, uint32_t mode, uint32_t uid, uint32_t gid, const uint8_t *data,
    size_t len, const char *link, bool *clamped, struct mamori_diag *d);
/* The same, taking ownership of data (malloc'ed; freed on error too). */
MAMORI_MUST_CHECK mamori_err mamori_fstree_add_owned(struct mamori_fstree *t, const char *path,
    size_t pathlen, uint8_t type, uint32_t mode, uint32_t uid, uint32_t gid, uint8_t *data,
    size_t len, const char *link, bool *clamped, struct mamori_diag *d);
/* Sets the origin label of the nodes added from now on. */
void mamori_fstree_set_origin(struct mamori_fstree *t, const char *origin);

/* The node at exactly this (normalised) path, or NULL. */
const struct mamori_fs_node *mamori_fstree_get(const struct mamori_fstree *t, const char *path);
/* The node at path with symlinks followed inside the tree (relative and absolute targets,
 * at most MAMORI_FS_LINK_HOPS), or NULL. */
const struct mamori_fs_node *mamori_fstree_resolve(const struct mamori_fstree *t, const char *path);
size_t mamori_fstree_count(const struct mamori_fstree *t);
/* Nodes in path order (stable for reports). */
const struct mamori_fs_node *mamori_fstree_at(const struct mamori_fstree *t, size_t i);
uint64_t mamori_fstree_bytes(const struct mamori_fstree *t);
/* The node type of a POSIX st_mode's S_IFMT bits (as cpio, tar and JFFS2 store them), 0 when
 * they name no type. */
uint8_t mamori_fs_type_of_mode(uint32_t mode);

/* Loads a real directory as a tree: lstat only, symlinks recorded not followed, files read with
 * O_NOFOLLOW within the limits. d names the path that failed. */
MAMORI_MUST_CHECK mamori_err mamori_fstree_from_dir(const char *dir,
    const struct mamori_fs_limits *l, struct mamori_fstree **out, struct mamori_diag *d);

#endif
