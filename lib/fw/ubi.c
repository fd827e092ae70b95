/* SPDX-License-Identifier: MIT */
/* UBI image reader (see include/mamori/ubi.h; byte layout and every check:
 * docs/formats/ubi.md). Every offset and count below comes from the image and is checked
 * before it is used. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/ubi.h"

#define EC_MAGIC       0x55424923u /* "UBI#" */
#define VID_MAGIC      0x55424921u /* "UBI!" */
#define UBI_VERSION    1u
#define VOL_DYNAMIC    1u
#define VOL_STATIC     2u
#define INTERNAL_START MAMORI_UBI_LAYOUT_ID /* internal volume ids start at the layout volume */
#define HDR_CRC_LEN    (MAMORI_UBI_HDR_LEN - 4u)
#define VTBL_CRC_LEN   (MAMORI_UBI_VTBL_LEN - 4u)

struct ec {
	uint32_t vid_off, data_off, image_seq;
};

/* One PEB that holds a LEB. */
struct peb {
	size_t off; /* of the PEB in the image */
	uint64_t sqnum;
	uint32_t vol_id, lnum, data_size, used_ebs, data_pad, data_crc;
	uint8_t vol_type, copy;
};

struct vol {
	uint32_t reserved, data_pad;
	uint8_t type;
	char name[MAMORI_UBI_NAME_MAX + 1];
};

struct ubi {
	const uint8_t *p;
	size_t n;
	size_t peb, leb, whole; /* PEB size, LEB size, whole PEBs in the image */
	size_t extent;          /* bytes of the image read so far */
	struct ec ec0;
	struct peb *v; /* every mapped PEB, then only the chosen one per LEB */
	size_t nv, cap;
	struct vol vols[MAMORI_UBI_VOLS_MAX];
	unsigned nvols;
	struct mamori_diag *d;
};

/* UBI's and UBIFS's CRC-32: zlib's polynomial, started at ~0, not inverted at the end. */
uint32_t
mamori_ubi_crc32(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n > 0) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;

		c = crc32(c, p, k);
		p += k;
		n -= k;
	}
	return (uint32_t)~c;
}

static bool
all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

/* The EC header at h (MAMORI_UBI_HDR_LEN bytes, at image offset off). */
static mamori_err
ec_parse(const uint8_t *h, size_t off, struct ec *ec, struct mamori_diag *d)
{
	uint32_t vid, data;

	if (mamori_load_be32(h) != EC_MAGIC)
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, off, 0, "UBI: no EC header magic at offset %zu", off);
	if (mamori_ubi_crc32(h, HDR_CRC_LEN) != mamori_load_be32(h + HDR_CRC_LEN))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
		    "UBI: EC header CRC mismatch at offset %zu", off);
	if (h[4] != UBI_VERSION)
		return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, off + 4, 0,
		    "UBI: version %u at offset %zu (only 1 is read)", h[4], off);
	vid = mamori_load_be32(h + 16);
	data = mamori_load_be32(h + 20);
	/* both headers come before the data, neither overlaps another */
	if (vid < MAMORI_UBI_HDR_LEN || data < 2 * MAMORI_UBI_HDR_LEN ||
	    vid > data - MAMORI_UBI_HDR_LEN || data >= MAMORI_UBI_PEB_MAX)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off + 16, 0,
		    "UBI: EC header at offset %zu: VID header at %u and data at %u do not fit", off,
		    vid, data);
	ec->vid_off = vid;
	ec->data_off = data;
	ec->image_seq = mamori_load_be32(h + 24);
	return MAMORI_OK;
}

/* Another PEB of the same image: the same offsets, and the same image_seq unless one is 0
 * (old ubinize wrote 0). */
static bool
same_image(const struct ec *a, const struct ec *b)
{
	return a->vid_off == b->vid_off && a->data_off == b->data_off &&
	       (a->image_seq == b->image_seq || a->image_seq == 0 || b->image_seq == 0);
}

bool
mamori_ubi_probe(const uint8_t *p, size_t n)
{
	struct ec ec;

	return p != NULL && n >= MAMORI_UBI_HDR_LEN && ec_parse(p, 0, &ec, NULL) == MAMORI_OK;
}

/* The PEB size: the first power-of-two distance above data_offset at which another EC header
 * of this image starts. */
static mamori_err
find_peb(struct ubi *u)
{
	for (size_t c = MAMORI_UBI_PEB_MIN; c <= MAMORI_UBI_PEB_MAX; c <<= 1) {
		struct ec ec = {0, 0, 0};

		if (c <= u->ec0.data_off)
			continue;
		if (c >= u->n || u->n - c < MAMORI_UBI_HDR_LEN)
			break;
		if (mamori_load_be32(u->p + c) == EC_MAGIC &&
		    ec_parse(u->p + c, c, &ec, NULL) == MAMORI_OK && same_image(&u->ec0, &ec)) {
			u->peb = c;
			u->leb = c - u->ec0.data_off;
			return MAMORI_OK;
		}
	}
	return mamori_diag_set(u->d, MAMORI_E_MALFORMED, 0, 0,
	    "UBI: no second erase-counter header within %zu MiB: PEB size unknown",
	    MAMORI_UBI_PEB_MAX >> 20);
}

static mamori_err
push(struct ubi *u, const struct peb *b)
{
	if (u->nv == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 64;
		struct peb *nv = realloc(u->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return mamori_diag_set(
			    u->d, MAMORI_E_NOMEM, b->off, 0, "UBI: out of memory");
		u->v = nv;
		u->cap = ncap;
	}
	u->v[u->nv++] = *b;
	return MAMORI_OK;
}

/* The VID header of the PEB at off; *have is false for a free PEB (no VID header). */
static mamori_err
vid_parse(struct ubi *u, size_t off, struct peb *b, bool *have)
{
	const uint8_t *h = u->p + off + u->ec0.vid_off;
	size_t at = off + u->ec0.vid_off;

	*have = false;
	if (all_ff(h, MAMORI_UBI_HDR_LEN))
		return MAMORI_OK;
	if (mamori_load_be32(h) != VID_MAGIC)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at, 0,
		    "UBI: PEB at offset %zu has no VID header (at offset %zu)", off, at);
	if (mamori_ubi_crc32(h, HDR_CRC_LEN) != mamori_load_be32(h + HDR_CRC_LEN))
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at, 0,
		    "UBI: VID header CRC mismatch at offset %zu", at);
	if (h[4] != UBI_VERSION)
		return mamori_diag_set(u->d, MAMORI_E_UNSUPPORTED, at + 4, 0,
		    "UBI: VID header version %u at offset %zu (only 1 is read)", h[4], at);
	memset(b, 0, sizeof(*b));
	b->off = off;
	b->vol_type = h[5];
	b->copy = h[6];
	b->vol_id = mamori_load_be32(h + 8);
	b->lnum = mamori_load_be32(h + 12);
	b->data_size = mamori_load_be32(h + 20);
	b->used_ebs = mamori_load_be32(h + 24);
	b->data_pad = mamori_load_be32(h + 28);
	b->data_crc = mamori_load_be32(h + 32);
	b->sqnum = (uint64_t)mamori_load_be32(h + 40) << 32 | mamori_load_be32(h + 44);
	if (b->vol_type != VOL_DYNAMIC && b->vol_type != VOL_STATIC)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 5, 0,
		    "UBI: VID header at offset %zu: volume type %u", at, b->vol_type);
	if (b->copy > 1)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 6, 0,
		    "UBI: VID header at offset %zu: copy flag %u", at, b->copy);
	if (b->vol_id >= MAMORI_UBI_VOLS_MAX && b->vol_id < INTERNAL_START)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 8, 0,
		    "UBI: VID header at offset %zu: volume id %u (user volumes are 0..%u)", at,
		    b->vol_id, MAMORI_UBI_VOLS_MAX - 1);
	/* the data must fit in what the LEB leaves after data_pad */
	if (b->data_pad >= u->leb || b->data_size > u->leb - b->data_pad)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 20, 0,
		    "UBI: VID header at offset %zu: %u data bytes and %u padding in a %zu-byte LEB",
		    at, b->data_size, b->data_pad, u->leb);
	*have = true;
	return MAMORI_OK;
}

/* Reads every whole PEB; *end: where the image ends. */
static mamori_err
scan_pebs(struct ubi *u, size_t *end)
{
	size_t off = 0;

	*end = 0;
	for (size_t k = 0;; k++) {
		const uint8_t *h;
		struct ec ec = {0, 0, 0};
		struct peb b;
		bool have;
		mamori_err e;

		off = k * u->peb; /* k * peb <= n: the loop stops before */
		u->extent = off;
		if (u->n - off < u->peb) {
			if (u->n - off >= 4 && mamori_load_be32(u->p + off) == EC_MAGIC) {
				u->extent = u->n;
				return mamori_diag_set(u->d, MAMORI_E_TRUNCATED, off, 0,
				    "UBI: PEB at offset %zu cut short (%zu of %zu bytes)", off,
				    u->n - off, u->peb);
			}
			break;
		}
		if (k >= MAMORI_UBI_PEBS_MAX)
			return mamori_diag_set(u->d, MAMORI_E_TOOBIG, off, 0,
			    "UBI: more than %u PEBs", MAMORI_UBI_PEBS_MAX);
		h = u->p + off;
		if (mamori_load_be32(h) != EC_MAGIC) {
			if (!all_ff(h, MAMORI_UBI_HDR_LEN))
				break;    /* not UBI any more: the image ends here */
			u->whole = k + 1; /* an erased PEB */
			*end = off + u->peb;
			continue;
		}
		e = ec_parse(h, off, &ec, u->d);
		if (e != MAMORI_OK) {
			u->extent = off + u->peb;
			return e;
		}
		if (!same_image(&u->ec0, &ec))
			break; /* another UBI image follows */
		u->whole = k + 1;
		*end = off + u->peb;
		e = vid_parse(u, off, &b, &have);
		u->extent = off + u->peb;
		if (e != MAMORI_OK)
			return e;
		if (!have)
			continue;
		if (b.vol_id >= INTERNAL_START && b.vol_id != MAMORI_UBI_LAYOUT_ID)
			continue; /* fastmap and future internal volumes: not needed */
		e = push(u, &b);
		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static int
peb_cmp(const void *a, const void *b)
{
	const struct peb *x = a, *y = b;

	if (x->vol_id != y->vol_id)
		return x->vol_id < y->vol_id ? -1 : 1;
	if (x->lnum != y->lnum)
		return x->lnum < y->lnum ? -1 : 1;
	if (x->sqnum != y->sqnum)
		return x->sqnum < y->sqnum ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static const uint8_t *
leb_data(const struct ubi *u, const struct peb *b)
{
	return u->p + b->off + u->ec0.data_off;
}

/* Keeps one PEB per (vol_id, lnum): the newer by sqnum, unless it is an interrupted copy. */
static mamori_err
dedupe(struct ubi *u)
{
	size_t w = 0;

	if (u->nv > 1)
		qsort(u->v, u->nv, sizeof(*u->v), peb_cmp);
	for (size_t i = 0; i < u->nv; i++) {
		struct peb *b = &u->v[i];

		if (w > 0 && u->v[w - 1].vol_id == b->vol_id && u->v[w - 1].lnum == b->lnum) {
			struct peb *old = &u->v[w - 1];

			if (old->sqnum == b->sqnum)
				return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
				    "UBI: two PEBs (offsets %zu and %zu) hold LEB %u of volume %u "
				    "with the same sqnum %llu",
				    old->off, b->off, b->lnum, b->vol_id,
				    (unsigned long long)b->sqnum);
			/* sorted by sqnum: b is the newer one */
			if (!b->copy ||
			    mamori_ubi_crc32(leb_data(u, b), b->data_size) == b->data_crc)
				*old = *b;
			continue;
		}
		u->v[w++] = *b;
	}
	u->nv = w;
	return MAMORI_OK;
}

/* One copy of the volume table, the LEB at b. */
static mamori_err
read_vtbl(struct ubi *u, const struct peb *b)
{
	const uint8_t *t = leb_data(u, b);
	size_t base = b->off + u->ec0.data_off;
	size_t nrec = u->leb / MAMORI_UBI_VTBL_LEN;

	if (nrec > MAMORI_UBI_VOLS_MAX)
		nrec = MAMORI_UBI_VOLS_MAX;
	memset(u->vols, 0, sizeof(u->vols));
	u->nvols = 0;
	for (size_t i = 0; i < nrec; i++) {
		const uint8_t *r = t + i * MAMORI_UBI_VTBL_LEN;
		size_t at = base + i * MAMORI_UBI_VTBL_LEN;
		struct vol *v = &u->vols[i];
		uint32_t reserved, align, pad;
		uint16_t nlen;

		if (mamori_ubi_crc32(r, VTBL_CRC_LEN) != mamori_load_be32(r + VTBL_CRC_LEN))
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at, 0,
			    "UBI: volume table record %zu at offset %zu: CRC mismatch", i, at);
		reserved = mamori_load_be32(r);
		if (reserved == 0) {
			for (size_t j = 0; j < VTBL_CRC_LEN; j++)
				if (r[j] != 0)
					return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at, 0,
					    "UBI: unused volume table record %zu at offset %zu is "
					    "not empty",
					    i, at);
			continue;
		}
		/* a count from the image sizes the volume: capped before anything uses it */
		if (reserved > MAMORI_UBI_PEBS_MAX)
			return mamori_diag_set(u->d, MAMORI_E_TOOBIG, at, 0,
			    "UBI: volume table record %zu at offset %zu reserves %u PEBs (limit %u)",
			    i, at, reserved, MAMORI_UBI_PEBS_MAX);
		align = mamori_load_be32(r + 4);
		pad = mamori_load_be32(r + 8);
		if (align == 0 || align > u->leb || pad != u->leb % align)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 4, 0,
			    "UBI: volume table record %zu at offset %zu: alignment %u and data_pad "
			    "%u do not match a %zu-byte LEB",
			    i, at, align, pad, u->leb);
		if (r[12] != VOL_DYNAMIC && r[12] != VOL_STATIC)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 12, 0,
			    "UBI: volume table record %zu at offset %zu: volume type %u", i, at,
			    r[12]);
		nlen = mamori_load_be16(r + 14);
		if (nlen == 0 || nlen > MAMORI_UBI_NAME_MAX || memchr(r + 16, 0, nlen) != NULL)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, at + 14, 0,
			    "UBI: volume table record %zu at offset %zu: bad name (%u bytes)", i,
			    at, nlen);
		v->reserved = reserved;
		v->data_pad = pad;
		v->type = r[12];
		memcpy(v->name, r + 16, nlen);
		v->name[nlen] = '\0';
		u->nvols++;
	}
	return MAMORI_OK;
}

/* The volume table from copy 0, or copy 1 when copy 0 is damaged. */
static mamori_err
volume_table(struct ubi *u)
{
	const struct peb *copy[2] = {NULL, NULL};
	struct mamori_diag d0;
	mamori_err e0 = MAMORI_E_NOTFOUND, e;

	for (size_t i = 0; i < u->nv; i++)
		if (u->v[i].vol_id == MAMORI_UBI_LAYOUT_ID && u->v[i].lnum < 2)
			copy[u->v[i].lnum] = &u->v[i];
	if (copy[0] == NULL && copy[1] == NULL)
		return mamori_diag_set(u->d, MAMORI_E_MALFORMED, 0, 0,
		    "UBI: no volume table (layout volume 0x%x) in the image", MAMORI_UBI_LAYOUT_ID);
	mamori_diag_clear(&d0);
	if (copy[0] != NULL) {
		e0 = read_vtbl(u, copy[0]);
		if (e0 == MAMORI_OK)
			return MAMORI_OK;
		if (u->d != NULL)
			d0 = *u->d;
	}
	if (copy[1] == NULL)
		return e0;
	e = read_vtbl(u, copy[1]);
	if (e == MAMORI_OK || e0 == MAMORI_E_NOTFOUND)
		return e;
	if (u->d != NULL)
		*u->d = d0; /* both damaged: report the first copy */
	return e0;
}

/* Every mapped LEB belongs to a listed volume of its type and padding. */
static mamori_err
check_map(struct ubi *u)
{
	for (size_t i = 0; i < u->nv; i++) {
		const struct peb *b = &u->v[i];
		const struct vol *v;

		if (b->vol_id == MAMORI_UBI_LAYOUT_ID)
			continue;
		v = &u->vols[b->vol_id]; /* vol_id < MAMORI_UBI_VOLS_MAX: vid_parse */
		if (v->reserved == 0)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
			    "UBI: PEB at offset %zu holds LEB %u of volume %u, which the volume "
			    "table does not list",
			    b->off, b->lnum, b->vol_id);
		if (b->vol_type != v->type || b->data_pad != v->data_pad)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
			    "UBI: PEB at offset %zu: type %u and data_pad %u of volume %u differ "
			    "from the volume table's %u and %u",
			    b->off, b->vol_type, b->data_pad, b->vol_id, v->type, v->data_pad);
		if (b->lnum >= v->reserved)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
			    "UBI: PEB at offset %zu holds LEB %u of volume %u, which has %u",
			    b->off, b->lnum, b->vol_id, v->reserved);
	}
	return MAMORI_OK;
}

/* The bytes of volume id (its chosen PEBs are u->v[first..last)) into a new buffer. */
static mamori_err
assemble(struct ubi *u, unsigned id, size_t first, size_t last, uint64_t *total, uint8_t **out,
    size_t *outlen)
{
	const struct vol *v = &u->vols[id];
	size_t usable = u->leb - v->data_pad, len = 0;
	uint8_t *buf;

	*out = NULL;
	*outlen = 0;
	if (first == last)
		return MAMORI_OK;
	if (v->type == VOL_DYNAMIC) {
		uint32_t top = u->v[last - 1].lnum; /* sorted: the highest mapped LEB */

		/* unmapped LEBs become 0xff: bounded by the PEBs the image really has */
		if (top >= u->whole)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, u->v[last - 1].off, 0,
			    "UBI: volume %u maps LEB %u, but the image has only %zu PEBs", id, top,
			    u->whole);
		if (!mamori_mul_size((size_t)top + 1, usable, &len))
			len = SIZE_MAX;
	} else {
		uint32_t used = u->v[first].used_ebs;

		if (used > v->reserved)
			return mamori_diag_set(u->d, MAMORI_E_MALFORMED, u->v[first].off, 0,
			    "UBI: static volume %u uses %u LEBs of %u reserved", id, used,
			    v->reserved);
		for (size_t i = first; i < last; i++) {
			const struct peb *b = &u->v[i];
			uint32_t want = (uint32_t)(i - first);

			if (b->used_ebs != used || b->lnum >= used)
				return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
				    "UBI: PEB at offset %zu: LEB %u of static volume %u, which "
				    "uses %u",
				    b->off, b->lnum, id, used);
			if (b->lnum != want)
				break;
			if (mamori_ubi_crc32(leb_data(u, b), b->data_size) != b->data_crc)
				return mamori_diag_set(u->d, MAMORI_E_MALFORMED, b->off, 0,
				    "UBI: data CRC mismatch in LEB %u of static volume %u (PEB at "
				    "offset %zu)",
				    b->lnum, id, b->off);
			len += b->data_size; /* <= used * LEB size: no overflow */
		}
		if (last - first != used) {
			size_t i = first;

			while (i < last && u->v[i].lnum == i - first)
				i++;
			return mamori_diag_set(u->d, MAMORI_E_TRUNCATED, u->n, 0,
			    "UBI: static volume %u '%s': LEB %zu of %u missing", id, v->name,
			    i - first, used);
		}
	}
	if (len > MAMORI_UBI_VOL_MAX)
		return mamori_diag_set(u->d, MAMORI_E_TOOBIG, u->v[first].off, 0,
		    "UBI: volume %u '%s' is larger than %zu MiB", id, v->name,
		    MAMORI_UBI_VOL_MAX >> 20);
	if (*total + len > MAMORI_UBI_TOTAL_MAX)
		return mamori_diag_set(u->d, MAMORI_E_TOOBIG, u->v[first].off, 0,
		    "UBI: the volumes add up to more than %llu MiB",
		    (unsigned long long)(MAMORI_UBI_TOTAL_MAX >> 20));
	if (len == 0)
		return MAMORI_OK;
	buf = malloc(len);
	if (buf == NULL)
		return mamori_diag_set(u->d, MAMORI_E_NOMEM, u->v[first].off, 0,
		    "UBI: out of memory for volume %u (%zu bytes)", id, len);
	if (v->type == VOL_DYNAMIC) {
		memset(buf, 0xff, len);
		for (size_t i = first; i < last; i++)
			memcpy(buf + (size_t)u->v[i].lnum * usable, leb_data(u, &u->v[i]), usable);
	} else {
		size_t o = 0;

		for (size_t i = first; i < last; i++) {
			memcpy(buf + o, leb_data(u, &u->v[i]), u->v[i].data_size);
			o += u->v[i].data_size;
		}
	}
	*total += len;
	*out = buf;
	*outlen = len;
	return MAMORI_OK;
}

mamori_err
mamori_ubi_read(const uint8_t *p, size_t n, size_t *consumed, struct mamori_ubi_info *info,
    mamori_ubi_volume_fn fn, void *ctx, struct mamori_diag *d)
{
	struct ubi *u;
	size_t end = 0, i = 0;
	uint64_t total = 0;
	mamori_err e;

	if ((p == NULL && n > 0) || consumed == NULL || fn == NULL)
		return MAMORI_E_INVAL;
	if (n < MAMORI_UBI_HDR_LEN)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, 0, 0,
		    "UBI: %zu bytes cannot hold an erase-counter header", n);
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "UBI: out of memory");
	u->p = p;
	u->n = n;
	u->d = d;
	e = ec_parse(p, 0, &u->ec0, d);
	if (e == MAMORI_OK)
		e = find_peb(u);
	if (e == MAMORI_OK)
		e = scan_pebs(u, &end);
	if (e == MAMORI_OK)
		e = dedupe(u);
	if (e == MAMORI_OK)
		e = volume_table(u);
	if (e == MAMORI_OK)
		e = check_map(u);
	if (info != NULL) {
		info->peb_size = u->peb;
		info->leb_size = u->leb;
		info->pebs = u->whole;
		info->volumes = u->nvols;
		info->image_seq = u->ec0.image_seq;
		info->extent = e == MAMORI_OK ? end : u->extent;
	}
	if (e != MAMORI_OK)
		goto out;
	for (unsigned id = 0; id < MAMORI_UBI_VOLS_MAX; id++) {
		size_t first;
		uint8_t *buf;
		size_t len;

		/* u->v is sorted by vol_id: this volume's LEBs follow the previous ones */
		while (i < u->nv && u->v[i].vol_id < id)
			i++;
		first = i;
		while (i < u->nv && u->v[i].vol_id == id)
			i++;
		if (u->vols[id].reserved == 0)
			continue;
		e = assemble(u, id, first, i, &total, &buf, &len);
		if (e != MAMORI_OK)
			goto out;
		e = fn(ctx, u->vols[id].name, id, buf, len, d);
		free(buf);
		if (e != MAMORI_OK)
			goto out;
	}
	*consumed = end;
out:
	free(u->v);
	free(u);
	return e;
}
