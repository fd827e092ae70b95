/* SPDX-License-Identifier: MIT */
/* The in-memory file tree. Nodes live in one growable array; a keyed open-addressing hash maps
 * a normalised path to its index. Nothing is removed, so indices are stable (node pointers are
 * not: they are valid until the next add). The path-ordered view used by mamori_fstree_at() is
 * built lazily in a side array, rebuilt when nodes have been added since the last sort. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "mamori/buf.h"
#include "mamori/fstree.h"

#define FS_DIR_MODE  0755u
#define FS_DIR_DEPTH 256 /* directory nesting from_dir() descends (one fd per level) */
#define FS_HASH_MIN  64

struct fs_ref {
	const struct mamori_fs_node *node;
};

struct fs_order {
	struct fs_ref *v; /* sorted view; valid while n == tree's n */
	size_t n;
};

struct mamori_fstree {
	struct mamori_fs_limits lim;
	struct mamori_fs_node *nodes;
	size_t n, cap;
	size_t *hash; /* index + 1, 0 = empty; hcap is a power of two, load <= 1/2 */
	size_t hcap;
	uint64_t seed;
	uint64_t bytes;
	char origin[sizeof(((struct mamori_fs_node *)0)->origin)];
	/* separate allocation: at() takes a const tree yet sorts lazily */
	struct fs_order *order;
};

void
mamori_fs_limits_default(struct mamori_fs_limits *l)
{
	l->max_bytes = MAMORI_FS_BYTES_DEF;
	l->max_files = MAMORI_FS_FILES_DEF;
	l->max_ratio = MAMORI_FS_RATIO_DEF;
	l->input_bytes = 0;
}

/* FNV-1a over the bytes, started from a per-tree random seed, with a final avalanche so that
 * the low bits used for the bucket depend on every byte. */
static size_t
path_hash(uint64_t seed, const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h;
}

/* Lexical normalisation into out (MAMORI_FS_PATH_MAX + 1 bytes): always absolute, "/" for
 * the root, no ".", "..", or empty components. */
static mamori_err
normalise(
    const char *in, size_t inlen, char *out, size_t *outlen, bool *clamped, struct mamori_diag *d)
{
	size_t o = 0, i = 0;
	bool clamp = false;

	if (inlen > 0 && in[0] == '/')
		clamp = true; /* absolute names are re-rooted inside the tree */
	while (i < inlen) {
		size_t start, clen;

		while (i < inlen && in[i] == '/')
			i++;
		start = i;
		while (i < inlen && in[i] != '/') {
			if (in[i] == '\0') {
				(void)mamori_diag_set(d, MAMORI_E_MALFORMED, i, 0,
				    "NUL byte at offset %zu of a path", i);
				return MAMORI_E_MALFORMED;
			}
			i++;
		}
		clen = i - start;
		if (clen == 0 || (clen == 1 && in[start] == '.'))
			continue;
		if (clen > MAMORI_FS_NAME_MAX) {
			(void)mamori_diag_set(d, MAMORI_E_MALFORMED, start, 0,
			    "path component of %zu bytes at offset %zu is above %d", clen, start,
			    MAMORI_FS_NAME_MAX);
			return MAMORI_E_MALFORMED;
		}
		if (clen == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (o == 0) {
				clamp = true; /* ".." above the root: dropped */
				continue;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--; /* the '/' before the last component */
			continue;
		}
		/* '/' + component, and room for the NUL */
		if (clen + 1 > MAMORI_FS_PATH_MAX - o) {
			(void)mamori_diag_set(d, MAMORI_E_MALFORMED, start, 0,
			    "path longer than %d bytes", MAMORI_FS_PATH_MAX);
			return MAMORI_E_MALFORMED;
		}
		out[o++] = '/';
		memcpy(out + o, in + start, clen);
		o += clen;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	*outlen = o;
	if (clamped != NULL)
		*clamped = clamp;
	return MAMORI_OK;
}

static struct mamori_fs_node *
lookup(const struct mamori_fstree *t, const char *p, size_t len)
{
	size_t mask = t->hcap - 1;
	size_t h = path_hash(t->seed, p, len) & mask;

	while (t->hash[h] != 0) {
		struct mamori_fs_node *n = &t->nodes[t->hash[h] - 1];

		if (strncmp(n->path, p, len) == 0 && n->path[len] == '\0')
			return n;
		h = (h + 1) & mask;
	}
	return NULL;
}

static void
hash_insert(size_t *tab, size_t hcap, uint64_t seed, const char *p, size_t idx)
{
	size_t mask = hcap - 1;
	size_t h = path_hash(seed, p, strlen(p)) & mask;

	while (tab[h] != 0)
		h = (h + 1) & mask;
	tab[h] = idx + 1;
}

/* Room for one more node in the array and the hash. */
static mamori_err
reserve_node(struct mamori_fstree *t)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap > 0 ? t->cap * 2 : 16;
		struct mamori_fs_node *nn;

		if (ncap < t->cap || ncap > SIZE_MAX / sizeof(*nn))
			return MAMORI_E_NOMEM;
		nn = realloc(t->nodes, ncap * sizeof(*nn));
		if (nn == NULL)
			return MAMORI_E_NOMEM;
		memset(nn + t->cap, 0, (ncap - t->cap) * sizeof(*nn));
		t->nodes = nn;
		t->cap = ncap;
	}
	if ((t->n + 1) * 2 > t->hcap) {
		size_t nh = t->hcap * 2;
		size_t *tab;

		if (nh < t->hcap)
			return MAMORI_E_NOMEM;
		tab = calloc(nh, sizeof(*tab));
		if (tab == NULL)
			return MAMORI_E_NOMEM;
		for (size_t i = 0; i < t->n; i++)
			if (t->nodes[i].path != NULL) /* always set; for the analyzer */
				hash_insert(tab, nh, t->seed, t->nodes[i].path, i);
		free(t->hash);
		t->hash = tab;
		t->hcap = nh;
	}
	return MAMORI_OK;
}

static mamori_err
check_files(const struct mamori_fstree *t, const char *path, struct mamori_diag *d)
{
	/* the root is not counted */
	if (t->n > 0 && (uint64_t)(t->n - 1) >= t->lim.max_files)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "more than %llu files: a decompression bomb? (at %s)",
		    (unsigned long long)t->lim.max_files, path);
	return MAMORI_OK;
}

/* The byte caps for a tree that would hold `total` bytes of file contents. */
static mamori_err
check_bytes(const struct mamori_fstree *t, uint64_t total, const char *path, struct mamori_diag *d)
{
	uint64_t allowed;

	if (total > t->lim.max_bytes)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "unpacked size would exceed the %llu MiB cap: a decompression bomb? (at %s)",
		    (unsigned long long)(t->lim.max_bytes >> 20), path);
	if (t->lim.max_ratio != 0 && t->lim.input_bytes != 0) {
		if (__builtin_mul_overflow(
		        t->lim.input_bytes, (uint64_t)t->lim.max_ratio, &allowed))
			allowed = UINT64_MAX;
		if (total > allowed)
			return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
			    "expansion ratio above %u:1 of a %llu-byte image: a decompression "
			    "bomb? (at %s)",
			    t->lim.max_ratio, (unsigned long long)t->lim.input_bytes, path);
	}
	return MAMORI_OK;
}

/* Appends a fresh node for path (already normalised, not present). */
static mamori_err
new_node(struct mamori_fstree *t, const char *path, size_t len, struct mamori_fs_node **out,
    struct mamori_diag *d)
{
	struct mamori_fs_node *n;
	char *p;
	mamori_err e;

	e = check_files(t, path, d);
	if (e != MAMORI_OK)
		return e;
	e = reserve_node(t);
	if (e != MAMORI_OK)
		return e;
	p = malloc(len + 1);
	if (p == NULL)
		return MAMORI_E_NOMEM;
	memcpy(p, path, len);
	p[len] = '\0';
	n = &t->nodes[t->n];
	memset(n, 0, sizeof(*n));
	n->path = p;
	n->type = MAMORI_FS_DIR;
	n->mode = FS_DIR_MODE;
	memcpy(n->origin, t->origin, sizeof(n->origin));
	hash_insert(t->hash, t->hcap, t->seed, p, t->n);
	t->n++;
	*out = n;
	return MAMORI_OK;
}

/* Creates the missing parents of path (normalised, not the root) as directories. */
static mamori_err
make_parents(struct mamori_fstree *t, const char *path, size_t len, struct mamori_diag *d)
{
	struct mamori_fs_node *n;
	mamori_err e;

	for (size_t i = 1; i < len; i++) {
		if (path[i] != '/')
			continue;
		if (lookup(t, path, i) != NULL)
			continue;
		e = new_node(t, path, i, &n, d);
		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static mamori_err
tree_add(struct mamori_fstree *t, const char *path, size_t pathlen, uint8_t type, uint32_t mode,
    uint32_t uid, uint32_t gid, uint8_t **datap, size_t len, const char *link, bool *clamped,
    struct mamori_diag *d)
{
	char norm[MAMORI_FS_PATH_MAX + 1];
	struct mamori_fs_node *n;
	size_t nlen, linklen = 0;
	uint64_t total;
	char *lk = NULL;
	bool clamp = false;
	mamori_err e;

	if (type < MAMORI_FS_REG || type > MAMORI_FS_SOCK || (path == NULL && pathlen > 0))
		return MAMORI_E_INVAL;
	if (type == MAMORI_FS_REG && *datap == NULL && len > 0)
		return MAMORI_E_INVAL;
	if (type != MAMORI_FS_REG)
		len = 0;
	if (type == MAMORI_FS_LNK) {
		if (link == NULL)
			return MAMORI_E_INVAL;
		linklen = strnlen(link, MAMORI_FS_PATH_MAX + 1);
		if (linklen > MAMORI_FS_PATH_MAX)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
			    "symlink target longer than %d bytes", MAMORI_FS_PATH_MAX);
	}
	e = normalise(path != NULL ? path : "", pathlen, norm, &nlen, &clamp, d);
	if (e != MAMORI_OK)
		return e;
	if (nlen == 1 && type != MAMORI_FS_DIR)
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 0, "the root of the tree must be a directory");
	n = lookup(t, norm, nlen);
	if (__builtin_add_overflow(t->bytes - (n != NULL ? n->size : 0), (uint64_t)len, &total))
		total = UINT64_MAX;
	e = check_bytes(t, total, norm, d);
	if (e != MAMORI_OK)
		return e;
	if (type == MAMORI_FS_LNK) {
		lk = malloc(linklen + 1);
		if (lk == NULL)
			return MAMORI_E_NOMEM;
		memcpy(lk, link, linklen);
		lk[linklen] = '\0';
	}
	if (n == NULL) {
		e = make_parents(t, norm, nlen, d);
		if (e == MAMORI_OK)
			e = new_node(t, norm, nlen, &n, d);
		if (e != MAMORI_OK) {
			free(lk);
			return e;
		}
	}
	/* replace what was there (an implicit parent, or an earlier entry) */
	t->bytes -= n->size;
	free(n->data);
	free(n->link);
	n->type = type;
	n->mode = mode & 07777u;
	n->uid = uid;
	n->gid = gid;
	n->mtime = 0;
	n->rdev = 0;
	n->link = lk;
	n->size = len;
	n->data = NULL;
	if (type == MAMORI_FS_REG && len > 0) {
		n->data = *datap;
		*datap = NULL; /* the tree owns it now */
	}
	memcpy(n->origin, t->origin, sizeof(n->origin));
	t->bytes += len;
	if (clamped != NULL)
		*clamped = clamp;
	return MAMORI_OK;
}

mamori_err
mamori_fstree_add_owned(struct mamori_fstree *t, const char *path, size_t pathlen, uint8_t type,
    uint32_t mode, uint32_t uid, uint32_t gid, uint8_t *data, size_t len, const char *link,
    bool *clamped, struct mamori_diag *d)
{
	mamori_err e;

	if (t == NULL) {
		free(data);
		return MAMORI_E_INVAL;
	}
	e = tree_add(t, path, pathlen, type, mode, uid, gid, &data, len, link, clamped, d);
	free(data); /* NULL when the tree took it */
	return e;
}

mamori_err
mamori_fstree_add(struct mamori_fstree *t, const char *path, size_t pathlen, uint8_t type,
    uint32_t mode, uint32_t uid, uint32_t gid, const uint8_t *data, size_t len, const char *link,
    bool *clamped, struct mamori_diag *d)
{
	uint8_t *copy = NULL;
	mamori_err e;

	if (t == NULL || (data == NULL && len > 0))
		return MAMORI_E_INVAL;
	if (type == MAMORI_FS_REG && len > 0) {
		/* the caps first: never copy a bomb only to refuse it */
		if (len > t->lim.max_bytes)
			return check_bytes(t, (uint64_t)len, "(new file)", d);
		copy = malloc(len);
		if (copy == NULL)
			return MAMORI_E_NOMEM;
		memcpy(copy, data, len);
	}
	e = tree_add(t, path, pathlen, type, mode, uid, gid, &copy, len, link, clamped, d);
	free(copy);
	return e;
}

void
mamori_fstree_set_origin(struct mamori_fstree *t, const char *origin)
{
	if (t == NULL)
		return;
	(void)snprintf(t->origin, sizeof(t->origin), "%s", origin != NULL ? origin : "");
}

static uint64_t
random_seed(const void *salt)
{
	uint64_t s = 0;

	if (getentropy(&s, sizeof(s)) != 0) {
		/* no entropy source: still differs per process and per tree */
		s = (uint64_t)(uintptr_t)salt ^ (uint64_t)getpid() << 32 ^ 0x9e3779b97f4a7c15ull;
	}
	return s;
}

mamori_err
mamori_fstree_new(const struct mamori_fs_limits *l, struct mamori_fstree **out)
{
	struct mamori_fstree *t;
	struct mamori_fs_node *root;
	mamori_err e;

	if (out == NULL)
		return MAMORI_E_INVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return MAMORI_E_NOMEM;
	if (l != NULL)
		t->lim = *l;
	else
		mamori_fs_limits_default(&t->lim);
	t->cap = 16;
	t->nodes = calloc(t->cap, sizeof(*t->nodes));
	t->hcap = FS_HASH_MIN;
	t->hash = calloc(t->hcap, sizeof(*t->hash));
	t->order = calloc(1, sizeof(*t->order));
	if (t->nodes == NULL || t->hash == NULL || t->order == NULL) {
		mamori_fstree_free(t);
		return MAMORI_E_NOMEM;
	}
	t->seed = random_seed(t);
	/* the root exists from the start; it does not count against max_files */
	e = new_node(t, "/", 1, &root, NULL);
	if (e != MAMORI_OK) {
		mamori_fstree_free(t);
		return e;
	}
	*out = t;
	return MAMORI_OK;
}

void
mamori_fstree_free(struct mamori_fstree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].path);
		free(t->nodes[i].data);
		free(t->nodes[i].link);
	}
	free(t->nodes);
	free(t->hash);
	if (t->order != NULL)
		free(t->order->v);
	free(t->order);
	free(t);
}

const struct mamori_fs_node *
mamori_fstree_get(const struct mamori_fstree *t, const char *path)
{
	char norm[MAMORI_FS_PATH_MAX + 1];
	size_t nlen;

	if (t == NULL || path == NULL)
		return NULL;
	if (normalise(path, strlen(path), norm, &nlen, NULL, NULL) != MAMORI_OK)
		return NULL;
	return lookup(t, norm, nlen);
}

const struct mamori_fs_node *
mamori_fstree_resolve(const struct mamori_fstree *t, const char *path)
{
	/* work: the path still to resolve; its first `done` bytes are resolved (no links) */
	char work[MAMORI_FS_PATH_MAX + 1];
	char next[2 * MAMORI_FS_PATH_MAX + 3];
	size_t wlen, done = 0;
	unsigned hops = 0;

	if (t == NULL || path == NULL)
		return NULL;
	if (normalise(path, strlen(path), work, &wlen, NULL, NULL) != MAMORI_OK)
		return NULL;
	for (;;) {
		const struct mamori_fs_node *n;
		size_t end = done + 1, nlen, dirlen;

		if (wlen == 1)
			return lookup(t, "/", 1);
		while (end < wlen && work[end] != '/')
			end++;
		/* work[0..end) is the next prefix to look at */
		n = lookup(t, work, end);
		if (n == NULL)
			return NULL;
		if (n->type != MAMORI_FS_LNK) {
			if (end == wlen)
				return n;
			if (n->type != MAMORI_FS_DIR)
				return NULL;
			done = end;
			continue;
		}
		/* an empty target names nothing (ENOENT on Linux) */
		if (++hops > MAMORI_FS_LINK_HOPS || n->link == NULL || n->link[0] == '\0')
			return NULL;
		/* target, relative to the link's directory work[0..done) unless absolute,
		 * then the rest of the path */
		dirlen = n->link[0] == '/' ? 0 : done;
		if (dirlen + 1 + strlen(n->link) + (wlen - end) + 1 > sizeof(next))
			return NULL;
		memcpy(next, work, dirlen);
		next[dirlen] = '/';
		nlen = dirlen + 1;
		memcpy(next + nlen, n->link, strlen(n->link));
		nlen += strlen(n->link);
		memcpy(next + nlen, work + end, wlen - end);
		nlen += wlen - end;
		if (normalise(next, nlen, work, &wlen, NULL, NULL) != MAMORI_OK)
			return NULL;
		done = 0; /* the prefix before the link had no links; re-walking it is cheap */
	}
}

size_t
mamori_fstree_count(const struct mamori_fstree *t)
{
	return t != NULL ? t->n : 0;
}

uint64_t
mamori_fstree_bytes(const struct mamori_fstree *t)
{
	return t != NULL ? t->bytes : 0;
}

/* Path order with '/' below every other byte, so that a directory's entries follow it
 * directly ("/a", "/a/b", "/a-b"). */
static int
path_cmp(const void *a, const void *b)
{
	const unsigned char *p = (const unsigned char *)((const struct fs_ref *)a)->node->path;
	const unsigned char *q = (const unsigned char *)((const struct fs_ref *)b)->node->path;
	unsigned x, y;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	x = *p == '/' ? 1u : *p == '\0' ? 0u : *p + 1u;
	y = *q == '/' ? 1u : *q == '\0' ? 0u : *q + 1u;
	return (x > y) - (x < y);
}

const struct mamori_fs_node *
mamori_fstree_at(const struct mamori_fstree *t, size_t i)
{
	struct fs_order *o;

	if (t == NULL || i >= t->n)
		return NULL;
	o = t->order;
	if (o->n != t->n || o->v == NULL) {
		struct fs_ref *v = realloc(o->v, t->n * sizeof(*v));

		if (v == NULL)
			return NULL;
		for (size_t k = 0; k < t->n; k++)
			v[k].node = &t->nodes[k];
		qsort(v, t->n, sizeof(*v), path_cmp);
		o->v = v;
		o->n = t->n;
	}
	return o->v[i].node;
}

/* ---- loading a real directory ---- */

struct walk {
	struct mamori_fstree *t;
	struct mamori_diag *d;
	const char *root;
	char path[MAMORI_FS_PATH_MAX + 1]; /* "/name/..." below root, "" at the top */
	size_t plen;
};

static mamori_err
io_err(struct walk *w, const char *what)
{
	int err = errno;

	return mamori_diag_set(
	    w->d, MAMORI_E_IO, 0, 0, "%s %s%s: %s", what, w->root, w->path, strerror(err));
}

static uint32_t
encode_dev(dev_t dev)
{
	/* the Linux "new" 32-bit encoding that squashfs also stores */
	unsigned maj = major(dev), min = minor(dev);

	return (uint32_t)((min & 0xffu) | (maj & 0xfffu) << 8 | (min & ~0xffu) << 12);
}

static mamori_err
read_file_at(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	struct mamori_fstree *t = w->t;
	const char *rel = w->path;
	struct stat fst;
	uint8_t *data = NULL;
	size_t size, got = 0;
	uint64_t total;
	mamori_err e;
	int fd;

	/* O_NONBLOCK: if the name was swapped for a FIFO since lstat, do not hang on it */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return io_err(w, "cannot open");
	if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino ||
	    fst.st_dev != st->st_dev) {
		(void)close(fd);
		errno = ESTALE;
		return io_err(w, "file changed while reading");
	}
	if (fst.st_size < 0 || (uint64_t)fst.st_size > SIZE_MAX) {
		(void)close(fd);
		return mamori_diag_set(w->d, MAMORI_E_TOOBIG, 0, 0, "file too large: %s", rel);
	}
	/* the caps before the allocation: a huge file is refused, not read */
	if (__builtin_add_overflow(t->bytes, (uint64_t)fst.st_size, &total))
		total = UINT64_MAX;
	e = check_bytes(t, total, rel, w->d);
	if (e != MAMORI_OK) {
		(void)close(fd);
		return e;
	}
	size = (size_t)fst.st_size;
	if (size > 0) {
		data = malloc(size);
		if (data == NULL) {
			(void)close(fd);
			return MAMORI_E_NOMEM;
		}
	}
	while (got < size) {
		ssize_t r = read(fd, data + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = io_err(w, "cannot read");
			free(data);
			(void)close(fd);
			return e;
		}
		if (r == 0)
			break; /* shrank while reading: keep what is there */
		got += (size_t)r;
	}
	(void)close(fd);
	e = mamori_fstree_add_owned(t, w->path, w->plen, MAMORI_FS_REG, (uint32_t)st->st_mode,
	    (uint32_t)st->st_uid, (uint32_t)st->st_gid, data, got, NULL, NULL, w->d);
	return e;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names in a directory (without "." and ".."), sorted for a stable walk. */
static mamori_err
list_dir(struct walk *w, int dirfd, char ***namesp, size_t *np)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	mamori_err e = MAMORI_OK;
	DIR *dir;
	int fd;

	fd = dup(dirfd);
	if (fd < 0)
		return io_err(w, "cannot read directory");
	dir = fdopendir(fd);
	if (dir == NULL) {
		e = io_err(w, "cannot read directory");
		(void)close(fd);
		return e;
	}
	rewinddir(dir);
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno != 0)
				e = io_err(w, "cannot read directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nn = realloc(names, nc * sizeof(*nn));

			if (nn == NULL) {
				e = MAMORI_E_NOMEM;
				break;
			}
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			e = MAMORI_E_NOMEM;
			break;
		}
		n++;
	}
	(void)closedir(dir);
	if (e != MAMORI_OK) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return e;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*namesp = names;
	*np = n;
	return MAMORI_OK;
}

static mamori_err walk_dir(struct walk *w, int dirfd, unsigned depth);

static mamori_err
walk_entry(struct walk *w, int dirfd, const char *name, unsigned depth)
{
	struct mamori_fstree *t = w->t;
	char target[MAMORI_FS_PATH_MAX + 1];
	size_t nlen = strlen(name), saved = w->plen;
	struct stat st;
	uint8_t type;
	mamori_err e = MAMORI_OK;
	ssize_t r;
	int fd;

	if (nlen > MAMORI_FS_NAME_MAX || nlen + 1 > MAMORI_FS_PATH_MAX - w->plen)
		return mamori_diag_set(
		    w->d, MAMORI_E_MALFORMED, 0, 0, "name too long in %s", w->plen ? w->path : ".");
	w->path[w->plen] = '/';
	memcpy(w->path + w->plen + 1, name, nlen + 1);
	w->plen += nlen + 1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		e = io_err(w, "cannot lstat");
		goto out;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		e = read_file_at(w, dirfd, name, &st);
		break;
	case S_IFDIR:
		if (depth >= FS_DIR_DEPTH) {
			e = mamori_diag_set(w->d, MAMORI_E_TOOBIG, 0, 0,
			    "directories nested deeper than %d at %s", FS_DIR_DEPTH, w->path);
			break;
		}
		e = mamori_fstree_add(t, w->path, w->plen, MAMORI_FS_DIR, (uint32_t)st.st_mode,
		    (uint32_t)st.st_uid, (uint32_t)st.st_gid, NULL, 0, NULL, NULL, w->d);
		if (e != MAMORI_OK)
			break;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			e = io_err(w, "cannot open directory");
			break;
		}
		e = walk_dir(w, fd, depth + 1);
		(void)close(fd);
		break;
	case S_IFLNK:
		r = readlinkat(dirfd, name, target, sizeof(target));
		if (r < 0) {
			e = io_err(w, "cannot read link");
			break;
		}
		if ((size_t)r >= sizeof(target)) {
			e = mamori_diag_set(w->d, MAMORI_E_MALFORMED, 0, 0,
			    "symlink target longer than %d bytes at %s", MAMORI_FS_PATH_MAX,
			    w->path);
			break;
		}
		target[r] = '\0';
		e = mamori_fstree_add(t, w->path, w->plen, MAMORI_FS_LNK, (uint32_t)st.st_mode,
		    (uint32_t)st.st_uid, (uint32_t)st.st_gid, NULL, 0, target, NULL, w->d);
		break;
	default:
		type = S_ISCHR(st.st_mode)    ? MAMORI_FS_CHR
		       : S_ISBLK(st.st_mode)  ? MAMORI_FS_BLK
		       : S_ISFIFO(st.st_mode) ? MAMORI_FS_FIFO
		                              : MAMORI_FS_SOCK;
		e = mamori_fstree_add(t, w->path, w->plen, type, (uint32_t)st.st_mode,
		    (uint32_t)st.st_uid, (uint32_t)st.st_gid, NULL, 0, NULL, NULL, w->d);
		if (e == MAMORI_OK && (type == MAMORI_FS_CHR || type == MAMORI_FS_BLK)) {
			struct mamori_fs_node *n = lookup(t, w->path, w->plen);

			if (n != NULL)
				n->rdev = encode_dev(st.st_rdev);
		}
		break;
	}
	if (e == MAMORI_OK) {
		struct mamori_fs_node *n = lookup(t, w->path, w->plen);

		if (n != NULL)
			n->mtime = st.st_mtime < 0 ? 0 : (uint64_t)st.st_mtime;
	}
out:
	w->plen = saved;
	w->path[saved] = '\0';
	return e;
}

static mamori_err
walk_dir(struct walk *w, int dirfd, unsigned depth)
{
	char **names = NULL;
	size_t n = 0;
	mamori_err e;

	e = list_dir(w, dirfd, &names, &n);
	if (e != MAMORI_OK)
		return e;
	for (size_t i = 0; i < n && e == MAMORI_OK; i++)
		e = walk_entry(w, dirfd, names[i], depth);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

mamori_err
mamori_fstree_from_dir(const char *dir, const struct mamori_fs_limits *l,
    struct mamori_fstree **out, struct mamori_diag *d)
{
	struct mamori_fstree *t = NULL;
	struct walk *w = NULL;
	struct stat st;
	mamori_err e;
	int fd = -1;

	if (dir == NULL || out == NULL)
		return MAMORI_E_INVAL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		return mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot open directory %s: %s", dir, strerror(err));
	}
	e = mamori_fstree_new(l, &t);
	if (e != MAMORI_OK)
		goto out;
	mamori_fstree_set_origin(t, "dir");
	if (fstat(fd, &st) == 0) {
		/* the root takes the directory's own metadata */
		t->nodes[0].mode = (uint32_t)st.st_mode & 07777u;
		t->nodes[0].uid = (uint32_t)st.st_uid;
		t->nodes[0].gid = (uint32_t)st.st_gid;
		t->nodes[0].mtime = st.st_mtime < 0 ? 0 : (uint64_t)st.st_mtime;
		memcpy(t->nodes[0].origin, t->origin, sizeof(t->origin));
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		e = MAMORI_E_NOMEM;
		goto out;
	}
	w->t = t;
	w->d = d;
	w->root = dir;
	e = walk_dir(w, fd, 0);
	if (e == MAMORI_OK) {
		*out = t;
		t = NULL;
	}
out:
	free(w);
	mamori_fstree_free(t);
	(void)close(fd);
	return e;
}

uint8_t
mamori_fs_type_of_mode(uint32_t mode)
{
	switch (mode & 0170000u) {
	case 0100000u:
		return MAMORI_FS_REG;
	case 0040000u:
		return MAMORI_FS_DIR;
	case 0120000u:
		return MAMORI_FS_LNK;
	case 0020000u:
		return MAMORI_FS_CHR;
	case 0060000u:
		return MAMORI_FS_BLK;
	case 0010000u:
		return MAMORI_FS_FIFO;
	case 0140000u:
		return MAMORI_FS_SOCK;
	default:
		return 0;
	}
}
