/* SPDX-License-Identifier: MIT */
/* CPIO and tar readers (see include/mamori/archive.h and docs/formats/cpio-tar.md). */
#include <stdlib.h>
#include <string.h>

#include "mamori/archive.h"

#define CPIO_TRAILER "TRAILER!!!"

/* ---- shared ---- */

/* One remembered cpio hard-link member: its identity and its name (as stored). */
struct link {
	uint64_t dev, ino;
	char *name;
	bool has_data;
};

struct links {
	struct link *v;
	size_t n, cap;
};

static void
links_free(struct links *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

/* Adds one member; counts a clamped name. */
static mamori_err
add(struct mamori_fstree *t, const char *name, size_t namelen, uint8_t type, uint32_t mode,
    uint32_t uid, uint32_t gid, const uint8_t *data, size_t len, const char *link, size_t *clamped,
    size_t off, struct mamori_diag *d)
{
	bool cl = false;
	mamori_err e;

	e = mamori_fstree_add(
	    t, name, namelen, type, mode & 07777u, uid, gid, data, len, link, &cl, d);
	if (e != MAMORI_OK) {
		if (d != NULL)
			d->off = off;
		return e;
	}
	if (cl)
		(*clamped)++;
	return MAMORI_OK;
}

/* A copy of p[0..n) as a C string; NULL when it holds a NUL byte or memory ran out. */
static char *
cstr(const uint8_t *p, size_t n)
{
	char *s;

	if (memchr(p, '\0', n) != NULL)
		return NULL;
	s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- cpio ---- */

static bool
hexfield(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (size_t i = 0; i < 8; i++) {
		uint8_t c = p[i], x;

		if (c >= '0' && c <= '9')
			x = (uint8_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = (uint8_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = (uint8_t)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | x;
	}
	*out = v;
	return true;
}

/* w octal digits, exactly (odc fields have no terminator) */
static bool
octfield(const uint8_t *p, size_t w, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < w; i++) {
		if (p[i] < '0' || p[i] > '7')
			return false;
		v = v << 3 | (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static bool
cpio_magic(const uint8_t *p, size_t n)
{
	return n >= 6 && memcmp(p, "07070", 5) == 0 && (p[5] == '1' || p[5] == '2' || p[5] == '7');
}

/* odc field widths after the magic: dev ino mode uid gid nlink rdev mtime namesize filesize */
static const uint8_t odc_w[10] = {6, 6, 6, 6, 6, 6, 6, 11, 6, 11};

bool
mamori_cpio_probe(const uint8_t *p, size_t n)
{
	if (!cpio_magic(p, n))
		return false;
	if (p[5] == '7') {
		size_t o = 6;
		uint64_t v;

		if (n < MAMORI_CPIO_ODC_LEN)
			return false;
		for (size_t i = 0; i < 10; i++) {
			if (!octfield(p + o, odc_w[i], &v))
				return false;
			o += odc_w[i];
		}
		return true;
	}
	if (n < MAMORI_CPIO_NEWC_LEN)
		return false;
	for (size_t i = 0; i < 13; i++) {
		uint32_t v;

		if (!hexfield(p + 6 + 8 * i, &v))
			return false;
	}
	return true;
}

struct cpio_hdr {
	uint64_t dev, ino, mode, uid, gid, nlink, namesize, filesize;
	size_t hlen;
	bool pad; /* newc/crc: name and data padded to 4 */
};

static mamori_err
cpio_header(const uint8_t *p, size_t n, size_t off, struct cpio_hdr *h, struct mamori_diag *d)
{
	if (!cpio_magic(p + off, n - off)) {
		if (n - off < 6)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, off, 0,
			    "cpio: archive ends at offset %zu without a trailer", off);
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, off, 0, "cpio: no header magic at offset %zu", off);
	}
	if (p[off + 5] == '7') {
		uint64_t f[10];
		size_t o = off + 6;

		if (n - off < MAMORI_CPIO_ODC_LEN)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, off, 0,
			    "cpio: odc header at offset %zu cut short", off);
		for (size_t i = 0; i < 10; i++) {
			if (!octfield(p + o, odc_w[i], &f[i]))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, o, 0,
				    "cpio: non-octal header field at offset %zu", o);
			o += odc_w[i];
		}
		h->dev = f[0];
		h->ino = f[1];
		h->mode = f[2];
		h->uid = f[3];
		h->gid = f[4];
		h->nlink = f[5];
		h->namesize = f[8];
		h->filesize = f[9];
		h->hlen = MAMORI_CPIO_ODC_LEN;
		h->pad = false;
	} else {
		uint32_t f[13];

		if (n - off < MAMORI_CPIO_NEWC_LEN)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, off, 0,
			    "cpio: newc header at offset %zu cut short", off);
		for (size_t i = 0; i < 13; i++)
			if (!hexfield(p + off + 6 + 8 * i, &f[i]))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off + 6 + 8 * i, 0,
				    "cpio: non-hex header field at offset %zu", off + 6 + 8 * i);
		h->ino = f[0];
		h->mode = f[1];
		h->uid = f[2];
		h->gid = f[3];
		h->nlink = f[4];
		h->filesize = f[6];
		h->dev = (uint64_t)f[7] << 32 | f[8];
		h->namesize = f[11];
		h->hlen = MAMORI_CPIO_NEWC_LEN;
		h->pad = true;
	}
	return MAMORI_OK;
}

static size_t
pad4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

/* A regular member that is one of several hard links: data travels with one of them (newc: the
 * last, odc: each). Every name of the inode ends up with the data. */
static mamori_err
cpio_hardlink(struct mamori_fstree *t, struct links *ls, const struct cpio_hdr *h, const char *name,
    const uint8_t *data, size_t len, size_t *clamped, size_t off, struct mamori_diag *d)
{
	uint32_t mode = (uint32_t)h->mode, uid = (uint32_t)h->uid, gid = (uint32_t)h->gid;
	mamori_err e;

	if (len == 0) {
		/* data already seen under another name: copy it */
		for (size_t i = 0; i < ls->n; i++) {
			const struct mamori_fs_node *nd;

			if (ls->v[i].dev != h->dev || ls->v[i].ino != h->ino || !ls->v[i].has_data)
				continue;
			nd = mamori_fstree_get(t, ls->v[i].name);
			if (nd != NULL && nd->type == MAMORI_FS_REG) {
				data = nd->data;
				len = (size_t)nd->size;
			}
			break;
		}
	} else {
		/* the names seen before without data get it now */
		for (size_t i = 0; i < ls->n; i++) {
			size_t dummy = 0;

			if (ls->v[i].dev != h->dev || ls->v[i].ino != h->ino || ls->v[i].has_data)
				continue;
			e = add(t, ls->v[i].name, strlen(ls->v[i].name), MAMORI_FS_REG, mode, uid,
			    gid, data, len, NULL, &dummy, off, d);
			if (e != MAMORI_OK)
				return e;
			ls->v[i].has_data = true;
		}
	}
	e = add(
	    t, name, strlen(name), MAMORI_FS_REG, mode, uid, gid, data, len, NULL, clamped, off, d);
	if (e != MAMORI_OK)
		return e;
	if (ls->n == ls->cap) {
		size_t ncap = ls->cap ? ls->cap * 2 : 16;
		struct link *nv;

		if (ls->n >= MAMORI_ARCHIVE_LINKS)
			return mamori_diag_set(d, MAMORI_E_TOOBIG, off, 0,
			    "cpio: more than %u hard-linked members", MAMORI_ARCHIVE_LINKS);
		nv = realloc(ls->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return MAMORI_E_NOMEM;
		ls->v = nv;
		ls->cap = ncap;
	}
	ls->v[ls->n].name = strdup(name);
	if (ls->v[ls->n].name == NULL)
		return MAMORI_E_NOMEM;
	ls->v[ls->n].dev = h->dev;
	ls->v[ls->n].ino = h->ino;
	ls->v[ls->n].has_data = len > 0;
	ls->n++;
	return MAMORI_OK;
}

/* One member at off; *next is where the following one starts, *trailer set at the end. */
static mamori_err
cpio_member(const uint8_t *p, size_t n, size_t off, struct mamori_fstree *t, struct links *ls,
    size_t *clamped, size_t *next, bool *trailer, struct mamori_diag *d)
{
	struct cpio_hdr h;
	size_t name_at, data_at, end, nlen;
	const uint8_t *data;
	char *name = NULL, *link = NULL;
	uint8_t type;
	mamori_err e;

	memset(&h, 0, sizeof(h));
	e = cpio_header(p, n, off, &h, d);
	if (e != MAMORI_OK)
		return e;
	name_at = off + h.hlen;
	if (h.namesize < 1 || h.namesize > MAMORI_FS_PATH_MAX + 1)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
		    "cpio: name size %llu at offset %zu is outside 1..%d",
		    (unsigned long long)h.namesize, off, MAMORI_FS_PATH_MAX + 1);
	if (h.filesize > MAMORI_ARCHIVE_FILE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, off, 0,
		    "cpio: member at offset %zu claims %llu bytes, above the %llu MiB cap", off,
		    (unsigned long long)h.filesize,
		    (unsigned long long)(MAMORI_ARCHIVE_FILE_MAX >> 20));
	nlen = (size_t)h.namesize;
	data_at = name_at + nlen;
	if (h.pad)
		data_at = pad4(data_at - off) + off; /* offsets are relative to the header */
	if (data_at > n)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, name_at, 0,
		    "cpio: name at offset %zu cut short", name_at);
	if (p[name_at + nlen - 1] != '\0')
		return mamori_diag_set(d, MAMORI_E_MALFORMED, name_at, 0,
		    "cpio: name at offset %zu is not NUL-terminated", name_at);
	if (h.filesize > n - data_at)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, data_at, 0,
		    "cpio: %llu data bytes at offset %zu run past the end (%zu left)",
		    (unsigned long long)h.filesize, data_at, n - data_at);
	end = data_at + (size_t)h.filesize;
	if (h.pad) {
		end = pad4(end - off) + off;
		if (end > n)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, n, 0,
			    "cpio: padding of the member at offset %zu cut short", off);
	}
	data = p + data_at;
	nlen--;
	if (nlen == sizeof(CPIO_TRAILER) - 1 && memcmp(p + name_at, CPIO_TRAILER, nlen) == 0) {
		*trailer = true;
		*next = end;
		return MAMORI_OK;
	}
	name = cstr(p + name_at, nlen);
	if (name == NULL)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, name_at, 0,
		    "cpio: name at offset %zu holds a NUL byte", name_at);
	if (h.uid > UINT32_MAX || h.gid > UINT32_MAX || h.mode > UINT32_MAX) {
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
		    "cpio: mode, uid or gid at offset %zu out of range", off);
		goto out;
	}
	type = mamori_fs_type_of_mode((uint32_t)h.mode);
	if (type == 0) {
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
		    "cpio: unknown file type %06llo at offset %zu", (unsigned long long)h.mode,
		    off);
		goto out;
	}
	if (type == MAMORI_FS_LNK) {
		if (h.filesize == 0 || h.filesize > MAMORI_FS_PATH_MAX) {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, data_at, 0,
			    "cpio: symlink target of %llu bytes at offset %zu is outside 1..%d",
			    (unsigned long long)h.filesize, data_at, MAMORI_FS_PATH_MAX);
			goto out;
		}
		link = cstr(data, (size_t)h.filesize);
		if (link == NULL) {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, data_at, 0,
			    "cpio: symlink target at offset %zu holds a NUL byte", data_at);
			goto out;
		}
	}
	if (type == MAMORI_FS_REG && h.nlink > 1)
		e = cpio_hardlink(t, ls, &h, name, data, (size_t)h.filesize, clamped, off, d);
	else
		e = add(t, name, nlen, type, (uint32_t)h.mode, (uint32_t)h.uid, (uint32_t)h.gid,
		    type == MAMORI_FS_REG ? data : NULL,
		    type == MAMORI_FS_REG ? (size_t)h.filesize : 0, link, clamped, off, d);
	if (e == MAMORI_OK)
		*next = end;
out:
	free(name);
	free(link);
	return e;
}

mamori_err
mamori_cpio_read(const uint8_t *p, size_t n, struct mamori_fstree *t, size_t *consumed,
    size_t *clamped, struct mamori_diag *d)
{
	struct links ls = {NULL, 0, 0};
	size_t off = 0, cl = 0, done;
	mamori_err e = MAMORI_OK;

	if (!cpio_magic(p, n))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0, "cpio: no header magic at 0");
	for (;;) {
		bool trailer = false;
		size_t next = off;

		e = cpio_member(p, n, off, t, &ls, &cl, &next, &trailer, d);
		if (e != MAMORI_OK)
			goto out;
		off = next;
		if (!trailer)
			continue;
		/* the kernel accepts archives one after the other, with NUL padding between */
		done = off;
		while (off < n && p[off] == '\0')
			off++;
		if (!mamori_cpio_probe(p + off, n - off)) {
			off = done;
			break;
		}
		links_free(&ls);
		memset(&ls, 0, sizeof(ls));
	}
	*consumed = off;
	*clamped = cl;
out:
	links_free(&ls);
	return e;
}

/* ---- tar ---- */

/* A numeric field: octal digits between optional leading spaces and a NUL/space terminator,
 * or GNU base-256 (first byte 0x80, the rest big-endian). Empty fields are 0. */
static bool
tarnum(const uint8_t *p, size_t w, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p[0] == 0x80) {
		for (i = 1; i < w; i++) {
			if (v >> 56 != 0)
				return false;
			v = v << 8 | p[i];
		}
		*out = v;
		return true;
	}
	while (i < w && p[i] == ' ')
		i++;
	for (; i < w && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 61 != 0)
			return false;
		v = v << 3 | (uint64_t)(p[i] - '0');
	}
	for (; i < w; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	*out = v;
	return true;
}

static bool
tar_zero(const uint8_t *p)
{
	for (size_t i = 0; i < MAMORI_TAR_BLOCK; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static bool
tar_sum_ok(const uint8_t *p)
{
	uint64_t want, u = 0;
	int64_t s = 0;

	if (!tarnum(p + 148, 8, &want))
		return false;
	for (size_t i = 0; i < MAMORI_TAR_BLOCK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : p[i];

		u += c;
		s += (int8_t)c;
	}
	return want == u || (int64_t)want == s; /* some old tars summed signed chars */
}

bool
mamori_tar_probe(const uint8_t *p, size_t n)
{
	return n >= MAMORI_TAR_BLOCK && memcmp(p + 257, "ustar", 5) == 0 && tar_sum_ok(p);
}

/* The state carried from 'L', 'K' and 'x' members to the member they describe. */
struct tar_ext {
	char *path, *linkpath;
	uint64_t size;
	bool has_size;
};

static void
ext_free(struct tar_ext *x)
{
	free(x->path);
	free(x->linkpath);
	memset(x, 0, sizeof(*x));
}

/* The value of a string field (NUL-terminated or the full width) */
static size_t
fieldlen(const uint8_t *p, size_t w)
{
	const uint8_t *z = memchr(p, '\0', w);

	return z != NULL ? (size_t)(z - p) : w;
}

/* pax records "<len> <key>=<value>\n" in p[0..n) (at offset off of the archive). */
static mamori_err
pax_parse(
    const uint8_t *p, size_t n, size_t off, bool global, struct tar_ext *x, struct mamori_diag *d)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, j = i, k, eq;
		const uint8_t *key, *val;
		size_t klen, vlen;

		while (j < n && p[j] >= '0' && p[j] <= '9' && j - i < 6)
			len = len * 10 + (size_t)(p[j++] - '0');
		if (j == i || j >= n || p[j] != ' ' || len <= j - i + 1 || len > n - i ||
		    p[i + len - 1] != '\n')
			return mamori_diag_set(d, MAMORI_E_MALFORMED, off + i, 0,
			    "tar: bad pax record at offset %zu", off + i);
		k = j + 1;
		eq = k;
		while (eq < i + len - 1 && p[eq] != '=')
			eq++;
		if (eq == i + len - 1 || eq == k)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, off + i, 0,
			    "tar: pax record without key=value at offset %zu", off + i);
		key = p + k;
		klen = eq - k;
		val = p + eq + 1;
		vlen = i + len - 1 - (eq + 1);
		i += len;
		if (global)
			continue; /* validated; a global path/size would apply to every member */
		if (klen == 4 && memcmp(key, "path", 4) == 0) {
			if (vlen > MAMORI_FS_PATH_MAX)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "tar: pax path of %zu bytes is above %d", vlen,
				    MAMORI_FS_PATH_MAX);
			free(x->path);
			x->path = cstr(val, vlen);
			if (x->path == NULL)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "tar: pax path at offset %zu holds a NUL byte", off);
		} else if (klen == 8 && memcmp(key, "linkpath", 8) == 0) {
			if (vlen > MAMORI_FS_PATH_MAX)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "tar: pax linkpath of %zu bytes is above %d", vlen,
				    MAMORI_FS_PATH_MAX);
			free(x->linkpath);
			x->linkpath = cstr(val, vlen);
			if (x->linkpath == NULL)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "tar: pax linkpath at offset %zu holds a NUL byte", off);
		} else if (klen == 4 && memcmp(key, "size", 4) == 0) {
			uint64_t v = 0;

			if (vlen == 0 || vlen > 20)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "tar: bad pax size at offset %zu", off);
			for (size_t m = 0; m < vlen; m++) {
				if (val[m] < '0' || val[m] > '9' || v > UINT64_MAX / 10)
					return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
					    "tar: bad pax size at offset %zu", off);
				v = v * 10 + (uint64_t)(val[m] - '0');
			}
			x->size = v;
			x->has_size = true;
		}
	}
	return MAMORI_OK;
}

/* The name of the member at h: a pending long name, or prefix "/" name. */
static char *
tar_name(const uint8_t *h, char *pending)
{
	size_t nl = fieldlen(h, 100), pl = 0;
	char *s;

	if (pending != NULL)
		return strdup(pending);
	if (memcmp(h + 257, "ustar\0", 6) == 0) /* POSIX: prefix field (GNU keeps times there) */
		pl = fieldlen(h + 345, 155);
	s = malloc(pl + 1 + nl + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, h + 345, pl);
	if (pl > 0)
		s[pl++] = '/';
	memcpy(s + pl, h, nl);
	s[pl + nl] = '\0';
	return s;
}

static mamori_err
tar_member(const uint8_t *p, size_t n, size_t off, struct mamori_fstree *t, struct tar_ext *x,
    size_t *clamped, size_t *next, struct mamori_diag *d)
{
	const uint8_t *h = p + off;
	uint64_t mode, uid, gid, size, blocks;
	size_t data_at = off + MAMORI_TAR_BLOCK, dlen;
	char *name = NULL, *link = NULL;
	uint8_t tf = h[156], type = 0;
	mamori_err e = MAMORI_OK;

	if (memcmp(h + 257, "ustar", 5) != 0)
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, off + 257, 0, "tar: no ustar magic at offset %zu", off);
	if (!tar_sum_ok(h))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off + 148, 0,
		    "tar: bad header checksum at offset %zu", off);
	if (!tarnum(h + 100, 8, &mode) || !tarnum(h + 108, 8, &uid) || !tarnum(h + 116, 8, &gid) ||
	    !tarnum(h + 124, 12, &size))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off + 100, 0,
		    "tar: non-octal mode, uid, gid or size at offset %zu", off);
	if (uid > UINT32_MAX || gid > UINT32_MAX)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off + 108, 0,
		    "tar: uid or gid at offset %zu too big", off);
	if (x->has_size && tf != 'x' && tf != 'g' && tf != 'L' && tf != 'K')
		size = x->size;
	if (size > MAMORI_ARCHIVE_FILE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, off + 124, 0,
		    "tar: member at offset %zu claims %llu bytes, above the %llu MiB cap", off,
		    (unsigned long long)size, (unsigned long long)(MAMORI_ARCHIVE_FILE_MAX >> 20));
	/* no data blocks for links, devices, directories and FIFOs (POSIX ustar) */
	dlen = tf >= '1' && tf <= '6' ? 0 : (size_t)size;
	blocks = ((uint64_t)dlen + MAMORI_TAR_BLOCK - 1) / MAMORI_TAR_BLOCK;
	if (blocks > (n - data_at) / MAMORI_TAR_BLOCK)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, data_at, 0,
		    "tar: %zu data bytes at offset %zu run past the end (%zu left)", dlen, data_at,
		    n - data_at);
	*next = data_at + (size_t)blocks * MAMORI_TAR_BLOCK;
	switch (tf) {
	case 'L':
	case 'K': {
		char **dst = tf == 'L' ? &x->path : &x->linkpath;
		size_t l = fieldlen(p + data_at, dlen);

		if (dlen > MAMORI_TAR_PAX_MAX || l > MAMORI_FS_PATH_MAX)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
			    "tar: GNU long name at offset %zu above %d bytes", off,
			    MAMORI_FS_PATH_MAX);
		free(*dst);
		*dst = cstr(p + data_at, l);
		return *dst != NULL ? MAMORI_OK : MAMORI_E_NOMEM;
	}
	case 'x':
	case 'g':
		if (dlen > MAMORI_TAR_PAX_MAX)
			return mamori_diag_set(d, MAMORI_E_TOOBIG, off, 0,
			    "tar: pax header at offset %zu above %u bytes", off,
			    MAMORI_TAR_PAX_MAX);
		return pax_parse(p + data_at, dlen, data_at, tf == 'g', x, d);
	case '0':
	case '\0':
	case '7':
	case '1':
		type = MAMORI_FS_REG;
		break;
	case '2':
		type = MAMORI_FS_LNK;
		break;
	case '3':
		type = MAMORI_FS_CHR;
		break;
	case '4':
		type = MAMORI_FS_BLK;
		break;
	case '5':
		type = MAMORI_FS_DIR;
		break;
	case '6':
		type = MAMORI_FS_FIFO;
		break;
	default:
		ext_free(x); /* vendor types ('V', 'D', 'S', ...): data skipped, member ignored */
		return MAMORI_OK;
	}
	name = tar_name(h, x->path);
	if (name == NULL) {
		e = MAMORI_E_NOMEM;
		goto out;
	}
	if (tf == '1' || tf == '2') {
		size_t ll = fieldlen(h + 157, 100);

		link = x->linkpath != NULL ? strdup(x->linkpath) : cstr(h + 157, ll);
		if (link == NULL) {
			e = MAMORI_E_NOMEM;
			goto out;
		}
		if (link[0] == '\0') {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, off + 157, 0,
			    "tar: link member at offset %zu without a target", off);
			goto out;
		}
	}
	if (tf == '1') {
		/* a hard link: a copy of the target's data when the target is already there */
		const struct mamori_fs_node *nd = mamori_fstree_get(t, link);
		const uint8_t *data = NULL;
		size_t len = 0;

		if (nd != NULL && nd->type == MAMORI_FS_REG) {
			data = nd->data;
			len = (size_t)nd->size;
		}
		e = add(t, name, strlen(name), type, (uint32_t)mode, (uint32_t)uid, (uint32_t)gid,
		    data, len, NULL, clamped, off, d);
	} else {
		e = add(t, name, strlen(name), type, (uint32_t)mode, (uint32_t)uid, (uint32_t)gid,
		    type == MAMORI_FS_REG ? p + data_at : NULL, type == MAMORI_FS_REG ? dlen : 0,
		    type == MAMORI_FS_LNK ? link : NULL, clamped, off, d);
	}
	ext_free(x);
out:
	free(name);
	free(link);
	return e;
}

mamori_err
mamori_tar_read(const uint8_t *p, size_t n, struct mamori_fstree *t, size_t *consumed,
    size_t *clamped, struct mamori_diag *d)
{
	struct tar_ext x;
	size_t off = 0, cl = 0;
	mamori_err e = MAMORI_OK;

	memset(&x, 0, sizeof(x));
	if (!mamori_tar_probe(p, n))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0, "tar: no valid header at 0");
	for (;;) {
		size_t next = off;

		if (n - off < MAMORI_TAR_BLOCK) {
			if (n - off == 0 && x.path == NULL && x.linkpath == NULL && !x.has_size)
				break; /* ends on a member boundary without the zero blocks */
			e = mamori_diag_set(d, MAMORI_E_TRUNCATED, off, 0,
			    "tar: header at offset %zu cut short", off);
			goto out;
		}
		if (tar_zero(p + off)) {
			off += MAMORI_TAR_BLOCK;
			if (n - off >= MAMORI_TAR_BLOCK && tar_zero(p + off))
				off += MAMORI_TAR_BLOCK;
			break;
		}
		e = tar_member(p, n, off, t, &x, &cl, &next, d);
		if (e != MAMORI_OK)
			goto out;
		off = next;
	}
	*consumed = off;
	*clamped = cl;
out:
	ext_free(&x);
	return e;
}
