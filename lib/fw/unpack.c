/* SPDX-License-Identifier: MIT */
/* Signature scan and recursive carving of firmware images (see include/mamori/unpack.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/archive.h"
#include "mamori/decomp.h"
#include "mamori/jffs2.h"
#include "mamori/squashfs.h"
#include "mamori/ubi.h"
#include "mamori/ubifs.h"
#include "mamori/unpack.h"

#define UIMAGE_MAGIC   0x27051956u
#define UIMAGE_HDR_LEN 64u
#define TRX_MAGIC      0x30524448u /* "HDR0" little-endian */
#define TRX_HDR_LEN    28u

struct scan {
	const struct mamori_unpack_opts *o;
	struct mamori_fstree *t;
	struct mamori_unpack_log *log;
	uint64_t blob_used;
	unsigned fs_index;
};

void
mamori_unpack_opts_default(struct mamori_unpack_opts *o)
{
	o->max_depth = MAMORI_UNPACK_DEPTH_MAX;
	o->blob_budget = (uint64_t)2 << 30;
	o->progress = NULL;
	o->progress_ctx = NULL;
}

void
mamori_unpack_log_init(struct mamori_unpack_log *l)
{
	memset(l, 0, sizeof(*l));
	mamori_buf_init(&l->text, (size_t)64 * 1024);
}

void
mamori_unpack_log_free(struct mamori_unpack_log *l)
{
	mamori_buf_free(&l->text);
}

static void say(struct scan *s, unsigned depth, const char *fmt, ...) MAMORI_PRINTF(3, 4);

static void
say(struct scan *s, unsigned depth, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (unsigned i = 0; i < depth; i++)
		if (mamori_buf_append(&s->log->text, "  ", 2) != MAMORI_OK)
			return;
	/* the log is capped; a full log only loses lines, never the unpacking */
	if (mamori_buf_append(&s->log->text, line, strlen(line)) == MAMORI_OK &&
	    mamori_buf_putc(&s->log->text, '\n') != MAMORI_OK)
		return;
}

static const char *
human(uint64_t n, char buf[32])
{
	if (n >= (uint64_t)1 << 20)
		(void)snprintf(buf, 32, "%.1f MiB", (double)n / (1 << 20));
	else if (n >= 1024)
		(void)snprintf(buf, 32, "%.1f KiB", (double)n / 1024);
	else
		(void)snprintf(buf, 32, "%llu B", (unsigned long long)n);
	return buf;
}

/* Copies every node of src into dst under prefix ("/.fs1"). */
static mamori_err
merge(struct mamori_fstree *dst, const struct mamori_fstree *src, const char *prefix,
    struct mamori_diag *d)
{
	size_t n = mamori_fstree_count(src);

	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(src, i);
		char path[MAMORI_FS_PATH_MAX + 16];
		int len = snprintf(path, sizeof(path), "%s%s", prefix, nd->path);
		bool clamped = false;
		mamori_err e;

		if (len < 0 || (size_t)len >= sizeof(path))
			return mamori_diag_set(
			    d, MAMORI_E_TOOBIG, 0, 0, "path too long: %.80s", nd->path);
		e = mamori_fstree_add(dst, path, (size_t)len, nd->type, nd->mode, nd->uid, nd->gid,
		    nd->data, (size_t)nd->size, nd->link, &clamped, d);
		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static mamori_err scan(struct scan *s, const uint8_t *p, size_t len, uint64_t base, unsigned depth,
    struct mamori_diag *d);

/* A SquashFS at p: the first goes to the root of the tree, later ones under /.fsN. */
static size_t
take_squashfs(struct scan *s, const uint8_t *p, size_t len, uint64_t at, unsigned depth,
    struct mamori_diag *d)
{
	struct mamori_diag sd;
	mamori_err e;
	/* called after mamori_squashfs_probe(): len holds this major version's superblock, whose
	 * bytes_used is a u64 at 40 (4.0) or 63 (3.x), or a u32 at 8 (2.x) */
	unsigned major = mamori_squashfs_version(p, len);
	bool be = memcmp(p, "sqsh", 4) == 0;
	const uint8_t *u = p + (major == 4 ? 40 : major == 3 ? 63 : 8);
	uint64_t used;
	char h[32];

	if (major == 2)
		used = be ? mamori_load_be32(u) : mamori_load_le32(u);
	else
		used = be ? (uint64_t)mamori_load_be32(u) << 32 | mamori_load_be32(u + 4)
		          : (uint64_t)mamori_load_le32(u + 4) << 32 | mamori_load_le32(u);
	mamori_diag_clear(&sd);
	s->log->containers++;
	mamori_fstree_set_origin(s->t, "squashfs");
	if (s->fs_index >= MAMORI_UNPACK_FS_MAX) {
		say(s, depth, "squashfs @0x%llx: skipped (more than %d file systems)",
		    (unsigned long long)at, MAMORI_UNPACK_FS_MAX);
		return 4;
	}
	if (s->fs_index == 0) {
		e = major == 4 ? mamori_squashfs_read(p, len, s->t, &sd)
		               : mamori_squashfs3_read(p, len, s->t, &sd);
	} else {
		struct mamori_fstree *tmp;
		struct mamori_fs_limits lim;
		char prefix[16];

		mamori_fs_limits_default(&lim);
		e = mamori_fstree_new(&lim, &tmp);
		if (e == MAMORI_OK) {
			e = major == 4 ? mamori_squashfs_read(p, len, tmp, &sd)
			               : mamori_squashfs3_read(p, len, tmp, &sd);
			(void)snprintf(prefix, sizeof(prefix), "/.fs%u", s->fs_index);
			if (e == MAMORI_OK)
				e = merge(s->t, tmp, prefix, &sd);
			mamori_fstree_free(tmp);
		}
	}
	if (e != MAMORI_OK) {
		s->log->errors++;
		say(s, depth, "squashfs @0x%llx: cannot read: %s", (unsigned long long)at,
		    sd.msg[0] ? sd.msg : mamori_strerror(e));
		if (e == MAMORI_E_TOOBIG && d != NULL)
			*d = sd; /* a limit: the user must hear about it */
		return e == MAMORI_E_TOOBIG ? len : 4;
	}
	if (s->fs_index == 0)
		say(s, depth, "squashfs @0x%llx: %s, into /", (unsigned long long)at,
		    human(used, h));
	else
		say(s, depth, "squashfs @0x%llx: %s, into /.fs%u", (unsigned long long)at,
		    human(used, h), s->fs_index);
	s->fs_index++;
	s->log->filesystems++;
	return used > 0 && used <= len ? (size_t)used : 4;
}

/* A reader of a file system or archive that fills a tree: the signature of mamori_cpio_read. */
typedef mamori_err (*fs_reader)(const uint8_t *p, size_t n, struct mamori_fstree *t,
    size_t *consumed, size_t *clamped, struct mamori_diag *d);

#define MEMBER_STREAM_MIN ((uint64_t)256 << 10) /* a compressed member worth opening */

/* A member whose first bytes are a container that holds a file system (an update package's
 * rootfs.squashfs, a tar in a cpio): opened one level deeper. Compressed streams only when
 * large, so that the thousands of small .gz files of a root file system are left alone. */
static bool
image_member(const struct mamori_fs_node *nd)
{
	const uint8_t *p = nd->data;
	uint64_t n = nd->size;

	if (nd->type != MAMORI_FS_REG || p == NULL || n < 64)
		return false;
	if (memcmp(p, "hsqs", 4) == 0 || memcmp(p, "sqsh", 4) == 0 || memcmp(p, "UBI#", 4) == 0 ||
	    memcmp(p, "07070", 5) == 0 || memcmp(p, "HDR0", 4) == 0 ||
	    memcmp(p, "\x31\x18\x10\x06", 4) == 0 || mamori_load_be32(p) == UIMAGE_MAGIC ||
	    (p[0] == 0x85 && p[1] == 0x19) || (p[0] == 0x19 && p[1] == 0x85) ||
	    (n >= MAMORI_TAR_BLOCK && memcmp(p + 257, "ustar", 5) == 0))
		return true;
	return n >= MEMBER_STREAM_MIN &&
	       ((p[0] == 0x1f && p[1] == 0x8b) ||
	           memcmp(p,
	               "\xfd"
	               "7zXZ",
	               5) == 0 ||
	           memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0 || memcmp(p, "BZh", 3) == 0);
}

static bool
has_image_member(const struct mamori_fstree *t)
{
	for (size_t i = 0; i < mamori_fstree_count(t); i++)
		if (image_member(mamori_fstree_at(t, i)))
			return true;
	return false;
}

static void
scan_members(struct scan *s, const struct mamori_fstree *t, const char *kind, unsigned depth,
    struct mamori_diag *d)
{
	char h[32];

	if (depth + 2 > s->o->max_depth)
		return;
	for (size_t i = 0; i < mamori_fstree_count(t); i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);

		if (!image_member(nd))
			continue;
		say(s, depth + 1, "%s member %s: %s", kind, nd->path, human(nd->size, h));
		(void)scan(s, nd->data, (size_t)nd->size, 0, depth + 2, d);
		if (d != NULL && d->msg[0] != '\0')
			return;
	}
}

/* A cpio or tar archive (or another file system read by a fs_reader) at p, read into a tree of
 * its own first: it counts as a file system (the first at "/", later ones under /.fsN) when it
 * holds a regular file or a directory. Members that are images are opened too; when the
 * archive is a package (no /etc, /bin, /sbin or /usr of its own) they are opened first, so that
 * the root file system it carries, not the package, is the one at "/". Returns the bytes to
 * skip, 0 when it was not one after all. */
static size_t
take_archive(struct scan *s, const char *kind, fs_reader reader, const uint8_t *p, size_t len,
    uint64_t at, unsigned depth, struct mamori_diag *d)
{
	struct mamori_fstree *tmp = NULL;
	struct mamori_fs_limits lim;
	struct mamori_diag sd;
	size_t used = 0, clamped = 0, files = 0;
	char prefix[16] = "", h[32];
	bool merging = false, package = false;
	mamori_err e;

	mamori_diag_clear(&sd);
	s->log->containers++;
	if (s->fs_index >= MAMORI_UNPACK_FS_MAX) {
		say(s, depth, "%s @0x%llx: skipped (more than %d file systems)", kind,
		    (unsigned long long)at, MAMORI_UNPACK_FS_MAX);
		return 0;
	}
	mamori_fs_limits_default(&lim);
	lim.input_bytes =
	    len; /* the expansion ratio is checked against what the reader was given */
	e = mamori_fstree_new(&lim, &tmp);
	if (e == MAMORI_OK)
		e = reader(p, len, tmp, &used, &clamped, &sd);
	if (e == MAMORI_OK) {
		for (size_t i = 0; i < mamori_fstree_count(tmp); i++) {
			const struct mamori_fs_node *nd = mamori_fstree_at(tmp, i);

			if (strcmp(nd->path, "/") != 0 &&
			    (nd->type == MAMORI_FS_REG || nd->type == MAMORI_FS_DIR))
				files++;
		}
		package = files > 0 && mamori_fstree_get(tmp, "/etc") == NULL &&
		          mamori_fstree_get(tmp, "/bin") == NULL &&
		          mamori_fstree_get(tmp, "/sbin") == NULL &&
		          mamori_fstree_get(tmp, "/usr") == NULL && has_image_member(tmp);
		if (package) {
			say(s, depth,
			    "%s @0x%llx: %s, %zu files and directories, a package: its "
			    "images first",
			    kind, (unsigned long long)at, human(used, h), files);
			scan_members(s, tmp, kind, depth, d);
			if (d != NULL && d->msg[0] != '\0') {
				mamori_fstree_free(tmp);
				return len;
			}
		}
		if (files > 0 && s->fs_index >= MAMORI_UNPACK_FS_MAX) {
			say(s, depth, "%s @0x%llx: not merged (more than %d file systems)", kind,
			    (unsigned long long)at, MAMORI_UNPACK_FS_MAX);
			mamori_fstree_free(tmp);
			return used;
		}
		if (files > 0) {
			if (s->fs_index > 0)
				(void)snprintf(prefix, sizeof(prefix), "/.fs%u", s->fs_index);
			mamori_fstree_set_origin(s->t, kind);
			merging = true;
			e = merge(s->t, tmp, prefix, &sd);
		}
	}
	if (e != MAMORI_OK) {
		mamori_fstree_free(tmp);
		s->log->errors++;
		say(s, depth, "%s @0x%llx: cannot read: %s", kind, (unsigned long long)at,
		    sd.msg[0] ? sd.msg : mamori_strerror(e));
		if (e == MAMORI_E_TOOBIG && merging && d != NULL) {
			*d = sd; /* a limit of the tree: the user must hear about it */
			return len;
		}
		return 0;
	}
	if (files == 0) {
		mamori_fstree_free(tmp);
		say(s, depth, "%s @0x%llx: %s, no files or directories: not a file system", kind,
		    (unsigned long long)at, human(used, h));
		return used > 0 ? used : 0;
	}
	say(s, depth, "%s @0x%llx: %s, %zu files and directories, into %s", kind,
	    (unsigned long long)at, human(used, h), files, prefix[0] ? prefix : "/");
	s->log->hostile_names += clamped;
	if (clamped > 0)
		say(s, depth + 1,
		    "%zu member name%s absolute or with '..': re-rooted (fs.hostile-name)", clamped,
		    clamped == 1 ? "" : "s");
	s->fs_index++;
	s->log->filesystems++;
	if (!package)
		scan_members(s, tmp, kind, depth, d);
	mamori_fstree_free(tmp);
	return used;
}

/* A compressed stream at p: decompressed within the budget, then scanned one level deeper. */
static size_t
take_stream(struct scan *s, enum mamori_comp c, const uint8_t *p, size_t len, uint64_t at,
    unsigned depth, unsigned *streams, struct mamori_diag *d)
{
	struct mamori_buf out;
	struct mamori_diag sd;
	size_t consumed = 0, cap;
	mamori_err e;
	char h[32], h2[32];

	if (depth + 1 > s->o->max_depth || *streams >= MAMORI_UNPACK_STREAMS_MAX)
		return 1;
	if (s->blob_used >= s->o->blob_budget)
		return 1;
	cap = MAMORI_UNPACK_BLOB_MAX;
	if (s->o->blob_budget - s->blob_used < cap)
		cap = (size_t)(s->o->blob_budget - s->blob_used);
	mamori_buf_init(&out, cap);
	mamori_diag_clear(&sd);
	e = mamori_decompress(c, p, len, cap, &out, &consumed, &sd);
	if (e != MAMORI_OK && !(e == MAMORI_E_TRUNCATED && out.len > 4096)) {
		mamori_buf_free(&out);
		if (e == MAMORI_E_TOOBIG) {
			s->log->errors++;
			say(s, depth, "%s stream @0x%llx: larger than %s: not unpacked",
			    mamori_comp_name(c), (unsigned long long)at, human(cap, h));
		}
		return 1; /* not a stream after all (most signature hits in data are not) */
	}
	(*streams)++;
	s->blob_used += out.len;
	s->log->containers++;
	say(s, depth, "%s stream @0x%llx: %s -> %s%s", mamori_comp_name(c), (unsigned long long)at,
	    human(consumed, h), human(out.len, h2), e == MAMORI_E_TRUNCATED ? " (truncated)" : "");
	e = scan(s, out.p, out.len, 0, depth + 1, d);
	mamori_buf_free(&out);
	(void)e;
	return consumed > 0 ? consumed : 1;
}

/* A UBI image being read: each volume holding a UBIFS goes into the tree, any other volume
 * (a SquashFS in a static volume, a kernel) is scanned one level deeper. */
struct ubi_scan {
	struct scan *s;
	struct mamori_ubi_info info;
	uint64_t at;
	unsigned depth;
	bool said;
	struct mamori_diag *d;
};

static void
ubi_say(struct ubi_scan *u)
{
	char h[32], h2[32];

	if (u->said)
		return;
	u->said = true;
	say(u->s, u->depth, "UBI @0x%llx: PEB %s, LEB %s, %zu PEBs, %u volume%s",
	    (unsigned long long)u->at, human(u->info.peb_size, h), human(u->info.leb_size, h2),
	    u->info.pebs, u->info.volumes, u->info.volumes == 1 ? "" : "s");
}

static mamori_err
ubi_volume(void *ctx, const char *name, unsigned vol_id, const uint8_t *data, size_t len,
    struct mamori_diag *d)
{
	struct ubi_scan *u = ctx;
	unsigned depth = u->depth + 1;
	bool ubifs = mamori_ubifs_probe(data, len);
	char h[32];

	(void)d;
	ubi_say(u);
	say(u->s, depth, "volume %u '%s': %s%s", vol_id, name, human(len, h),
	    ubifs ? ", UBIFS" : "");
	if (depth > u->s->o->max_depth)
		return MAMORI_OK;
	if (ubifs)
		(void)take_archive(u->s, "ubifs", mamori_ubifs_read, data, len, u->at, depth, u->d);
	else
		(void)scan(u->s, data, len, 0, depth, u->d);
	/* a limit was reached: stop, the caller reports it */
	return u->d != NULL && u->d->msg[0] != '\0' ? MAMORI_E_TOOBIG : MAMORI_OK;
}

static size_t
take_ubi(struct scan *s, const uint8_t *p, size_t len, uint64_t at, unsigned depth,
    struct mamori_diag *d)
{
	struct ubi_scan u = {s, {0, 0, 0, 0, 0, 0}, at, depth, false, d};
	struct mamori_diag sd;
	size_t used = 0;
	mamori_err e;

	mamori_diag_clear(&sd);
	s->log->containers++;
	e = mamori_ubi_read(p, len, &used, &u.info, ubi_volume, &u, &sd);
	if (d != NULL && d->msg[0] != '\0')
		return len; /* a limit of the tree, inside a volume */
	if (e != MAMORI_OK) {
		s->log->errors++;
		say(s, depth, "UBI @0x%llx: cannot read: %s", (unsigned long long)at,
		    sd.msg[0] ? sd.msg : mamori_strerror(e));
		/* the PEBs read belong to this image: rescanning them would find it again */
		return u.info.extent > 4 && u.info.extent <= len ? u.info.extent : 4;
	}
	ubi_say(&u); /* an image without volumes */
	return used > 0 ? used : 4;
}

static bool
lzma_alone_plausible(const uint8_t *p, size_t len)
{
	uint32_t dict;
	uint64_t size;

	if (len < 13 || p[0] > 224)
		return false;
	dict = mamori_load_le32(p + 1);
	size = (uint64_t)mamori_load_le32(p + 5) | (uint64_t)mamori_load_le32(p + 9) << 32;
	/* dictionary a power of two (or 2^n + 2^(n-1)) between 4 KiB and 256 MiB, size known and
	 * below the blob cap, or unknown (all ones) */
	if (dict < 4096 || dict > (1u << 28) || (dict & (dict - 1)) != 0)
		return false;
	return size == UINT64_MAX || (size > 0 && size <= MAMORI_UNPACK_BLOB_MAX);
}

static mamori_err
scan(struct scan *s, const uint8_t *p, size_t len, uint64_t base, unsigned depth,
    struct mamori_diag *d)
{
	unsigned streams = 0;
	size_t off = 0;

	while (off + 4 <= len) {
		const uint8_t *q = p + off;
		size_t left = len - off, step = 1;
		uint64_t at = base + off;

		/* tar: "ustar" at +257 of a 512-aligned header */
		if (off % MAMORI_TAR_BLOCK == 0 && left >= MAMORI_TAR_BLOCK &&
		    memcmp(q + 257, "ustar", 5) == 0 && mamori_tar_probe(q, left)) {
			size_t used =
			    take_archive(s, "tar", mamori_tar_read, q, left, at, depth, d);

			if (d != NULL && d->msg[0] != '\0')
				return MAMORI_E_TOOBIG;
			if (used > 0) {
				off += used > left ? left : used;
				continue;
			}
		}
		switch (q[0]) {
		case 'h':
		case 's':
			if ((memcmp(q, "hsqs", 4) == 0 || memcmp(q, "sqsh", 4) == 0) &&
			    mamori_squashfs_probe(q, left))
				step = take_squashfs(s, q, left, at, depth, d);
			break;
		case '0':
			if (left >= 6 && memcmp(q, "07070", 5) == 0 && mamori_cpio_probe(q, left)) {
				step = take_archive(
				    s, "cpio", mamori_cpio_read, q, left, at, depth, d);
				if (step == 0)
					step = 6;
			}
			break;
		case 0x85: /* JFFS2 node magic 0x1985, little- then big-endian */
		case 0x19:
			if (left >= MAMORI_JFFS2_HDR_LEN && q[1] == (q[0] == 0x85 ? 0x19 : 0x85) &&
			    mamori_jffs2_probe(q, left)) {
				step = take_archive(
				    s, "jffs2", mamori_jffs2_read, q, left, at, depth, d);
				/* a probed JFFS2 fails only at a limit (or past the file-system
				 * count): rescanning its nodes from each later one would be
				 * quadratic */
				if (step == 0)
					step = left;
			}
			break;
		case 0x31: /* UBIFS node magic 0x06101831 little-endian: a bare UBIFS image */
			if (left >= MAMORI_UBIFS_SB_LEN &&
			    mamori_load_le32(q) == MAMORI_UBIFS_MAGIC &&
			    mamori_ubifs_probe(q, left)) {
				step = take_archive(
				    s, "ubifs", mamori_ubifs_read, q, left, at, depth, d);
				if (step == 0)
					step = 4;
			}
			break;
		case 'U':
			if (left >= MAMORI_UBI_HDR_LEN && memcmp(q, "UBI#", 4) == 0 &&
			    mamori_ubi_probe(q, left))
				step = take_ubi(s, q, left, at, depth, d);
			break;
		case 0x27:
			if (left >= UIMAGE_HDR_LEN && mamori_load_be32(q) == UIMAGE_MAGIC) {
				char name[33];
				uint32_t size = mamori_load_be32(q + 12);
				uint8_t comp = q[31];

				memcpy(name, q + 32, 32);
				name[32] = '\0';
				for (char *c = name; *c; c++)
					if (*c < 0x20 || *c > 0x7e)
						*c = '?';
				s->log->containers++;
				say(s, depth, "uImage @0x%llx: '%s', %u bytes, compression %u",
				    (unsigned long long)at, name, size, comp);
				step = UIMAGE_HDR_LEN;
				/* compressed payloads (1 gzip, 2 bzip2, 3 lzma, 6 zstd) are opened
				 * by the stream signatures right after the header */
			}
			break;
		case 'H':
			if (left >= TRX_HDR_LEN && mamori_load_le32(q) == TRX_MAGIC) {
				s->log->containers++;
				say(s, depth, "TRX @0x%llx: %u bytes, partitions at +%u +%u +%u",
				    (unsigned long long)at, mamori_load_le32(q + 4),
				    mamori_load_le32(q + 16), mamori_load_le32(q + 20),
				    mamori_load_le32(q + 24));
				step = TRX_HDR_LEN;
			}
			break;
		case 0x1f:
			/* gzip: deflate method, reserved flag bits clear */
			if (left >= 18 && q[1] == 0x8b && q[2] == 8 && (q[3] & 0xe0) == 0)
				step = take_stream(
				    s, MAMORI_COMP_GZIP, q, left, at, depth, &streams, d);
			break;
		case 0xfd:
			if (left >= 12 && memcmp(q,
			                      "\xfd"
			                      "7zXZ\0",
			                      6) == 0)
				step =
				    take_stream(s, MAMORI_COMP_XZ, q, left, at, depth, &streams, d);
			break;
		case 0x5d:
			if (lzma_alone_plausible(q, left))
				step = take_stream(
				    s, MAMORI_COMP_LZMA_ALONE, q, left, at, depth, &streams, d);
			break;
		case 'B':
			if (left >= 10 && q[1] == 'Z' && q[2] == 'h' && q[3] >= '1' &&
			    q[3] <= '9' && memcmp(q + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0)
				step = take_stream(
				    s, MAMORI_COMP_BZIP2, q, left, at, depth, &streams, d);
			break;
		case 0x28:
			if (memcmp(q, "\x28\xb5\x2f\xfd", 4) == 0)
				step = take_stream(
				    s, MAMORI_COMP_ZSTD, q, left, at, depth, &streams, d);
			break;
		default:
			break;
		}
		if (d != NULL && d->msg[0] != '\0')
			return MAMORI_E_TOOBIG; /* a limit was reached: stop, the caller reports it
			                         */
		step = step > left ? left : step;
		off += step;
		if (depth == 0 && s->o->progress != NULL && (off >> 22) != ((off - step) >> 22))
			s->o->progress(s->o->progress_ctx, "unpacking", off, len); /* every 4 MiB */
	}
	return MAMORI_OK;
}

mamori_err
mamori_unpack(const uint8_t *img, size_t len, const struct mamori_unpack_opts *o,
    struct mamori_fstree *t, struct mamori_unpack_log *log, struct mamori_diag *d)
{
	struct scan s = {o, t, log, 0, 0};
	mamori_err e;

	mamori_diag_clear(d);
	e = scan(&s, img, len, 0, 0, d);
	if (e != MAMORI_OK)
		return e;
	if (log->filesystems == 0)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0,
		    "no Linux file system found (%u container%s recognised%s)", log->containers,
		    log->containers == 1 ? "" : "s", log->errors ? ", some could not be read" : "");
	return MAMORI_OK;
}
