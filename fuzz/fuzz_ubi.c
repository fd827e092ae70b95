/* SPDX-License-Identifier: MIT */
/* UBI reader; each volume's bytes are read through (so that ASan sees a bad length) and, with
 * mode bit 1, read as UBIFS when it probes as one. Byte 0 is the mode: with bit 0 set the
 * harness first recomputes the volume-table record CRCs, the data CRCs of static and copied
 * LEBs and the EC and VID header CRCs it finds, so that mutations get past the checksums. Seeds:
 * `build/release/tests/test_ubi --seeds fuzz/corpus`, and ubinize-tiny (a zero mode byte, then
 * tiny.ubi from tests/gen/mkubi.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "mamori/ubi.h"
#include "mamori/ubifs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
ubi_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)~crc32(0L, p, (uInt)n);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
fix_crcs(uint8_t *p, size_t n)
{
	uint32_t vid_off, data_off;

	if (n < 64 || mamori_load_be32(p) != 0x55424923u)
		return;
	vid_off = mamori_load_be32(p + 16);
	data_off = mamori_load_be32(p + 20);
	for (size_t o = 0; o <= n - 64; o += 4) {
		const uint8_t *v = p + o;
		size_t peb, at;

		if (mamori_load_be32(v) != 0x55424921u || o < vid_off)
			continue;
		peb = o - vid_off;
		if (data_off > n - peb)
			continue;
		at = peb + data_off;
		if (mamori_load_be32(v + 8) == MAMORI_UBI_LAYOUT_ID) {
			for (size_t r = at; r + MAMORI_UBI_VTBL_LEN <= n && r < at + 128 * 172;
			     r += 172)
				put_be32(p + r + 168, ubi_crc(p + r, 168));
		} else if (v[5] == 2 || v[6] == 1) {
			uint32_t ds = mamori_load_be32(v + 20);

			if (ds <= n - at)
				put_be32(p + o + 32, ubi_crc(p + at, ds));
		}
	}
	for (size_t o = 0; o <= n - 64; o += 4)
		if (mamori_load_be32(p + o) == 0x55424921u ||
		    mamori_load_be32(p + o) == 0x55424923u)
			put_be32(p + o + 60, ubi_crc(p + o, 60));
}

static mamori_err
volume(void *ctx, const char *name, unsigned vol_id, const uint8_t *data, size_t len,
    struct mamori_diag *d)
{
	unsigned mode = *(const unsigned *)ctx;
	volatile uint8_t sum = 0;

	(void)d;
	if (name == NULL || name[0] == '\0' || vol_id >= MAMORI_UBI_VOLS_MAX ||
	    len > MAMORI_UBI_VOL_MAX || (len > 0 && data == NULL))
		__builtin_trap();
	for (size_t i = 0; i < len; i += 64)
		sum = (uint8_t)(sum + data[i]);
	if (len > 0)
		sum = (uint8_t)(sum + data[len - 1]);
	if ((mode & 2) && mamori_ubifs_probe(data, len)) {
		struct mamori_fs_limits l;
		struct mamori_fstree *t = NULL;
		struct mamori_diag fd;
		size_t used = 0, clamped = 0;

		mamori_fs_limits_default(&l);
		l.max_bytes = (uint64_t)64 << 20;
		l.max_files = 10000;
		if (mamori_fstree_new(&l, &t) != MAMORI_OK)
			return MAMORI_OK;
		memset(&fd, 0, sizeof(fd));
		if (mamori_ubifs_read(data, len, t, &used, &clamped, &fd) == MAMORI_OK &&
		    used > len)
			__builtin_trap();
		mamori_fstree_free(t);
	}
	return MAMORI_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_ubi_info info;
	struct mamori_diag d;
	size_t used = 0, n;
	unsigned mode;
	uint8_t *buf;
	mamori_err e;

	if (size < 1)
		return 0;
	mode = data[0];
	n = size - 1;
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, n);
	if (mode & 1)
		fix_crcs(buf, n);
	memset(&d, 0, sizeof(d));
	(void)mamori_ubi_probe(buf, n);
	e = mamori_ubi_read(buf, n, &used, &info, volume, &mode, &d);
	if (e == MAMORI_OK) {
		if (used > n || used == 0 || info.peb_size < MAMORI_UBI_PEB_MIN ||
		    info.pebs * info.peb_size > n)
			__builtin_trap();
	} else if (d.off > n || d.msg[0] == '\0') {
		if (e != MAMORI_E_NOMEM)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
