/* SPDX-License-Identifier: MIT */
/* mamori_decompress(): every format round-trips data compressed here with the same libraries'
 * encoders; truncated, corrupt and trailing-garbage inputs; bombs stop at the cap; the vendor
 * LZMA of the TRENDnet squashfs (shared data) decodes. */
#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/decomp.h"

#define DATA_LEN ((size_t)200000)
#define BOMB_LEN ((size_t)64 << 20)
#define BOMB_CAP ((size_t)1 << 20)
#define BUF_BIG  ((size_t)1 << 30)

static const enum mamori_comp all_formats[] = {
    MAMORI_COMP_ZLIB,
    MAMORI_COMP_GZIP,
    MAMORI_COMP_DEFLATE,
    MAMORI_COMP_XZ,
    MAMORI_COMP_LZMA_ALONE,
    MAMORI_COMP_LZMA_VENDOR,
    MAMORI_COMP_BZIP2,
    MAMORI_COMP_ZSTD,
    MAMORI_COMP_LZ4,
    MAMORI_COMP_LZ4_BLOCK,
    MAMORI_COMP_LZO,
};
#define NFORMATS (sizeof(all_formats) / sizeof(all_formats[0]))

/* Compressible but not trivial: words from a small table, chosen by an LCG. */
static uint8_t *
make_data(size_t len)
{
	static const char *words[] = {"root", "admin", "telnetd", "/bin/busybox", "password",
	    "\x00\x01\x02", "0123456789", "\n", " ", "Alphanetworks", "\xff\xfe"};
	uint8_t *p = malloc(len);
	uint32_t x = 12345;
	size_t i = 0;

	if (p == NULL)
		abort();
	while (i < len) {
		const char *w;
		size_t wl;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % (sizeof(words) / sizeof(words[0]))];
		wl = strlen(w) ? strlen(w) : 1;
		if ((x >> 8) % 7 == 0) {
			p[i++] = (uint8_t)(x >> 24);
			continue;
		}
		for (size_t j = 0; j < wl && i < len; j++)
			p[i++] = (uint8_t)w[j];
	}
	return p;
}

static size_t
lzma_encode(lzma_stream *ls, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	lzma_ret r;

	ls->next_in = in;
	ls->avail_in = len;
	ls->next_out = out;
	ls->avail_out = cap;
	r = lzma_code(ls, LZMA_FINISH);
	if (r != LZMA_STREAM_END)
		abort();
	lzma_end(ls);
	return cap - ls->avail_out;
}

/* Compresses with the format's own encoder; returns a malloc'ed buffer. */
static uint8_t *
compress_with(enum mamori_comp c, const uint8_t *in, size_t len, size_t *outlen)
{
	size_t cap = len + len / 8 + 65536;
	uint8_t *out = malloc(cap);
	lzma_stream ls = LZMA_STREAM_INIT;
	size_t n = 0;

	if (out == NULL)
		abort();
	switch (c) {
	case MAMORI_COMP_ZLIB: {
		uLongf dl = (uLongf)cap;

		if (compress2(out, &dl, in, (uLong)len, 6) != Z_OK)
			abort();
		n = dl;
		break;
	}
	case MAMORI_COMP_GZIP:
	case MAMORI_COMP_DEFLATE: {
		z_stream zs;

		memset(&zs, 0, sizeof(zs));
		if (deflateInit2(&zs, 6, Z_DEFLATED, c == MAMORI_COMP_GZIP ? 31 : -15, 8,
		        Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		zs.next_in = (Bytef *)(uintptr_t)in;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
			abort();
		n = zs.total_out;
		deflateEnd(&zs);
		break;
	}
	case MAMORI_COMP_XZ:
		if (lzma_easy_encoder(&ls, 0, LZMA_CHECK_CRC64) != LZMA_OK)
			abort();
		n = lzma_encode(&ls, in, len, out, cap);
		break;
	case MAMORI_COMP_LZMA_ALONE:
	case MAMORI_COMP_LZMA_VENDOR: {
		lzma_options_lzma opt;
		lzma_filter f[2];

		if (lzma_lzma_preset(&opt, 0))
			abort();
		opt.dict_size = 1u << 20;
		if (c == MAMORI_COMP_LZMA_ALONE) {
			if (lzma_alone_encoder(&ls, &opt) != LZMA_OK)
				abort();
			n = lzma_encode(&ls, in, len, out, cap);
			break;
		}
		/* the TRENDnet layout: lc1 lp2 pb2 = 0x6d, then the le32 dictionary size */
		opt.lc = 1;
		opt.lp = 2;
		opt.pb = 2;
		f[0].id = LZMA_FILTER_LZMA1;
		f[0].options = &opt;
		f[1].id = LZMA_VLI_UNKNOWN;
		f[1].options = NULL;
		if (lzma_raw_encoder(&ls, f) != LZMA_OK)
			abort();
		out[0] = 0x6d;
		out[1] = 0;
		out[2] = 0;
		out[3] = 0x10;
		out[4] = 0;
		n = 5 + lzma_encode(&ls, in, len, out + 5, cap - 5);
		break;
	}
	case MAMORI_COMP_BZIP2: {
		unsigned dl = (unsigned)cap;

		if (BZ2_bzBuffToBuffCompress(
		        (char *)out, &dl, (char *)(uintptr_t)in, (unsigned)len, 9, 0, 0) != BZ_OK)
			abort();
		n = dl;
		break;
	}
	case MAMORI_COMP_ZSTD: {
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		/* with a checksum, so that corruption is always detected */
		if (cc == NULL || ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)))
			abort();
		n = ZSTD_compress2(cc, out, cap, in, len);
		if (ZSTD_isError(n))
			abort();
		ZSTD_freeCCtx(cc);
		break;
	}
	case MAMORI_COMP_LZ4: {
		LZ4F_preferences_t prefs;

		memset(&prefs, 0, sizeof(prefs));
		prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
		if (LZ4F_compressFrameBound(len, &prefs) > cap)
			abort();
		n = LZ4F_compressFrame(out, cap, in, len, &prefs);
		if (LZ4F_isError(n))
			abort();
		break;
	}
	case MAMORI_COMP_LZ4_BLOCK: {
		int r = LZ4_compress_default((const char *)in, (char *)out, (int)len, (int)cap);

		if (r <= 0)
			abort();
		n = (size_t)r;
		break;
	}
	case MAMORI_COMP_LZO: {
		static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
		lzo_uint dl = cap;

		if (lzo_init() != LZO_E_OK || lzo1x_1_compress(in, len, out, &dl, wrk) != LZO_E_OK)
			abort();
		n = dl;
		break;
	}
	}
	*outlen = n;
	return out;
}

/* Formats whose end is marked in the stream, so that trailing bytes are not consumed. */
static bool
self_delimiting(enum mamori_comp c)
{
	return c != MAMORI_COMP_LZ4_BLOCK && c != MAMORI_COMP_LZO;
}

static void
roundtrip_all(void)
{
	uint8_t *data = make_data(DATA_LEN);

	for (size_t i = 0; i < NFORMATS; i++) {
		enum mamori_comp c = all_formats[i];
		size_t clen, used = 0;
		uint8_t *z = compress_with(c, data, DATA_LEN, &clen);
		struct mamori_buf b;
		struct mamori_diag d;

		CHECK(clen < DATA_LEN);
		/* appended after what the buffer holds, exact cap */
		mamori_buf_init(&b, BUF_BIG);
		CHECK_OK(mamori_buf_append(&b, "head", 4));
		if (mamori_decompress(c, z, clen, DATA_LEN, &b, &used, &d) != MAMORI_OK) {
			fprintf(stderr, "%s: %s\n", mamori_comp_name(c), d.msg);
			CHECK(0);
		}
		CHECK(b.len == DATA_LEN + 4);
		CHECK(b.len == DATA_LEN + 4 && memcmp(b.p, "head", 4) == 0 &&
		      memcmp(b.p + 4, data, DATA_LEN) == 0);
		CHECK(used == clen);
		/* never allocated beyond the cap */
		CHECK(b.cap <= DATA_LEN + 4);
		mamori_buf_reset(&b);
		/* a cap one byte short is a bomb (vendor LZMA: the cap is where it stops) */
		used = 7;
		if (c == MAMORI_COMP_LZMA_VENDOR) {
			CHECK_OK(mamori_decompress(c, z, clen, DATA_LEN - 1, &b, &used, &d));
			CHECK(b.len == DATA_LEN - 1 && memcmp(b.p, data, DATA_LEN - 1) == 0);
		} else {
			CHECK(mamori_decompress(c, z, clen, DATA_LEN - 1, &b, &used, &d) ==
			      MAMORI_E_TOOBIG);
			CHECK(b.len == 0 && used == 7);
			CHECK(strstr(d.msg, "cap") != NULL);
		}
		mamori_buf_reset(&b);
		/* a generous cap, and a NULL consumed */
		CHECK_OK(mamori_decompress(c, z, clen, 10 * DATA_LEN, &b, NULL, NULL));
		CHECK(b.len == DATA_LEN && memcmp(b.p, data, DATA_LEN) == 0);
		mamori_buf_free(&b);
		/* the buffer's own max binds too */
		mamori_buf_init(&b, DATA_LEN / 2);
		CHECK(mamori_decompress(c, z, clen, DATA_LEN, &b, NULL, &d) == MAMORI_E_TOOBIG);
		CHECK(b.len == 0);
		mamori_buf_free(&b);
		free(z);
	}
	free(data);
}

static void
trailing_garbage(void)
{
	static const uint8_t junk[] = "JUNK-after-the-stream\x00\x01\x02\x03";
	uint8_t *data = make_data(DATA_LEN);

	for (size_t i = 0; i < NFORMATS; i++) {
		enum mamori_comp c = all_formats[i];
		size_t clen, used = 0;
		uint8_t *z = compress_with(c, data, DATA_LEN, &clen);
		uint8_t *zz = malloc(clen + sizeof(junk));
		struct mamori_buf b;
		struct mamori_diag d;

		if (!self_delimiting(c) || zz == NULL) {
			free(z);
			free(zz);
			continue;
		}
		memcpy(zz, z, clen);
		memcpy(zz + clen, junk, sizeof(junk));
		mamori_buf_init(&b, BUF_BIG);
		if (mamori_decompress(c, zz, clen + sizeof(junk), 2 * DATA_LEN, &b, &used, &d) !=
		    MAMORI_OK) {
			fprintf(stderr, "%s: %s\n", mamori_comp_name(c), d.msg);
			CHECK(0);
		}
		CHECK(used == clen);
		CHECK(b.len == DATA_LEN && memcmp(b.p, data, DATA_LEN) == 0);
		mamori_buf_free(&b);
		free(z);
		free(zz);
	}
	free(data);
}

static void
truncation(void)
{
	uint8_t *data = make_data(DATA_LEN);

	for (size_t i = 0; i < NFORMATS; i++) {
		enum mamori_comp c = all_formats[i];
		size_t clen;
		uint8_t *z = compress_with(c, data, DATA_LEN, &clen);
		size_t cuts[] = {0, 1, 3, 5, 12, clen / 3, clen / 2, clen - 5, clen - 1};

		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
			struct mamori_buf b;
			struct mamori_diag d;
			size_t used = 99;
			mamori_err e;

			mamori_buf_init(&b, BUF_BIG);
			e = mamori_decompress(c, z, cuts[k], DATA_LEN, &b, &used, &d);
			if (c == MAMORI_COMP_LZMA_VENDOR && cuts[k] >= 5) {
				/* no size field: the output simply ends early, and is a prefix */
				CHECK(e == MAMORI_OK);
				/* only the end marker may be cut without losing data */
				CHECK(b.len < DATA_LEN || cuts[k] + 8 >= clen);
				/* the last few symbols may be decoded from the range coder's
				 * lookahead; everything before them matches */
				if (b.len > 16)
					CHECK(memcmp(b.p, data, b.len - 16) == 0);
			} else {
				if (e == MAMORI_OK)
					fprintf(stderr, "%s cut at %zu decoded\n",
					    mamori_comp_name(c), cuts[k]);
				CHECK(e == MAMORI_E_TRUNCATED || e == MAMORI_E_MALFORMED);
				CHECK(b.len == 0 && used == 99);
				CHECK(d.msg[0] != '\0');
			}
			mamori_buf_free(&b);
		}
		free(z);
	}
	free(data);
}

static void
corruption(void)
{
	uint8_t *data = make_data(DATA_LEN);

	for (size_t i = 0; i < NFORMATS; i++) {
		enum mamori_comp c = all_formats[i];
		size_t clen;
		uint8_t *z = compress_with(c, data, DATA_LEN, &clen);
		/* past the header fields that do not change the output (gzip mtime, a larger
		 * LZMA dictionary) */
		size_t spots[] = {0, 16, 24, clen / 4, clen / 2, clen - 8, clen - 2};

		for (size_t k = 0; k < sizeof(spots) / sizeof(spots[0]); k++) {
			struct mamori_buf b;
			struct mamori_diag d;
			mamori_err e;
			uint8_t save = z[spots[k]];

			z[spots[k]] ^= 0x55;
			mamori_buf_init(&b, BUF_BIG);
			e = mamori_decompress(c, z, clen, 2 * DATA_LEN, &b, NULL, &d);
			/* formats with a checksum or a header must fail; the rest must at least
			 * not give back the original */
			CHECK(e != MAMORI_OK ||
			      (b.len != DATA_LEN || memcmp(b.p, data, DATA_LEN) != 0));
			if (e != MAMORI_OK)
				CHECK(b.len == 0 && d.msg[0] != '\0');
			if (c == MAMORI_COMP_XZ || c == MAMORI_COMP_GZIP || c == MAMORI_COMP_ZLIB ||
			    c == MAMORI_COMP_BZIP2 || c == MAMORI_COMP_ZSTD || c == MAMORI_COMP_LZ4)
				CHECK(e != MAMORI_OK);
			mamori_buf_free(&b);
			z[spots[k]] = save;
		}
		free(z);
	}
	free(data);
}

static void
diag_messages(void)
{
	uint8_t *data = make_data(DATA_LEN);
	size_t clen;
	uint8_t *z = compress_with(MAMORI_COMP_XZ, data, DATA_LEN, &clen);
	struct mamori_buf b;
	struct mamori_diag d;

	z[clen / 2] ^= 0xff;
	mamori_buf_init(&b, BUF_BIG);
	CHECK(mamori_decompress(MAMORI_COMP_XZ, z, clen, DATA_LEN, &b, NULL, &d) ==
	      MAMORI_E_MALFORMED);
	CHECK(strncmp(d.msg, "xz: corrupt data at input byte ", 31) == 0);
	CHECK(d.off > 12 && d.off <= clen);
	/* not an xz stream at all */
	CHECK(mamori_decompress(MAMORI_COMP_XZ, data, 100, DATA_LEN, &b, NULL, &d) ==
	      MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "xz:") == d.msg);
	CHECK(mamori_decompress(MAMORI_COMP_GZIP, z, 1, DATA_LEN, &b, NULL, &d) ==
	      MAMORI_E_TRUNCATED);
	CHECK(strcmp(d.msg, "gzip: input ends early at byte 1") == 0);
	CHECK(mamori_decompress((enum mamori_comp)99, z, clen, DATA_LEN, &b, NULL, &d) ==
	      MAMORI_E_INVAL);
	CHECK(strcmp(mamori_comp_name(MAMORI_COMP_LZ4_BLOCK), "lz4-block") == 0);
	CHECK(strcmp(mamori_comp_name((enum mamori_comp)0), "unknown") == 0);
	CHECK(b.len == 0);
	mamori_buf_free(&b);
	free(z);
	free(data);
}

static void
bombs(void)
{
	uint8_t *zeros = calloc(1, BOMB_LEN);

	if (zeros == NULL)
		abort();
	for (size_t i = 0; i < NFORMATS; i++) {
		enum mamori_comp c = all_formats[i];
		size_t clen, used = 5;
		uint8_t *z = compress_with(c, zeros, BOMB_LEN, &clen);
		struct mamori_buf b;
		struct mamori_diag d;
		clock_t t0 = clock();
		mamori_err e;

		CHECK(clen < BOMB_LEN / 100);
		mamori_buf_init(&b, SIZE_MAX);
		e = mamori_decompress(c, z, clen, BOMB_CAP, &b, &used, &d);
		if (c == MAMORI_COMP_LZMA_VENDOR) {
			CHECK(e == MAMORI_OK && b.len == BOMB_CAP);
		} else {
			CHECK(e == MAMORI_E_TOOBIG);
			CHECK(b.len == 0 && used == 5);
			CHECK(strstr(d.msg, "decompression bomb") != NULL);
		}
		/* the output allocation never went past the cap */
		CHECK(b.cap <= BOMB_CAP);
		/* stopped at the cap, not after inflating 64 MiB */
		CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
		mamori_buf_free(&b);
		free(z);
	}
	free(zeros);
}

static void
gzip_members(void)
{
	uint8_t *data = make_data(DATA_LEN);
	size_t l1, l2, used = 0;
	uint8_t *m1 = compress_with(MAMORI_COMP_GZIP, data, 1000, &l1);
	uint8_t *m2 = compress_with(MAMORI_COMP_GZIP, data + 1000, 3000, &l2);
	uint8_t *cat = malloc(l1 + l2 + 2);
	struct mamori_buf b;

	if (cat == NULL)
		abort();
	memcpy(cat, m1, l1);
	memcpy(cat + l1, m2, l2);
	mamori_buf_init(&b, BUF_BIG);
	CHECK_OK(mamori_decompress(MAMORI_COMP_GZIP, cat, l1 + l2, DATA_LEN, &b, &used, NULL));
	CHECK(used == l1 + l2 && b.len == 4000 && memcmp(b.p, data, 4000) == 0);
	/* both members count against the cap */
	mamori_buf_reset(&b);
	CHECK(mamori_decompress(MAMORI_COMP_GZIP, cat, l1 + l2, 3999, &b, &used, NULL) ==
	      MAMORI_E_TOOBIG);
	/* a second member cut short: the first one stands, consumed stops after it */
	mamori_buf_reset(&b);
	CHECK_OK(mamori_decompress(MAMORI_COMP_GZIP, cat, l1 + l2 / 2, DATA_LEN, &b, &used, NULL));
	CHECK(used == l1 && b.len == 1000 && memcmp(b.p, data, 1000) == 0);
	/* a lone gzip magic after the member */
	cat[l1] = 0x1f;
	cat[l1 + 1] = 0x8b;
	mamori_buf_reset(&b);
	CHECK_OK(mamori_decompress(MAMORI_COMP_GZIP, cat, l1 + 2, DATA_LEN, &b, &used, NULL));
	CHECK(used == l1 && b.len == 1000);
	mamori_buf_free(&b);
	free(cat);
	free(m1);
	free(m2);
	free(data);
}

static void
lzma_headers(void)
{
	uint8_t *data = make_data(DATA_LEN);
	size_t clen;
	uint8_t *z = compress_with(MAMORI_COMP_LZMA_ALONE, data, DATA_LEN, &clen);
	struct mamori_buf b;
	struct mamori_diag d;
	uint8_t hdr[5] = {225, 0, 0, 1, 0};
	size_t used = 0;

	mamori_buf_init(&b, BUF_BIG);
	/* .lzma written by liblzma has an unknown size (all ones) and an end marker */
	for (size_t i = 5; i < 13; i++)
		CHECK(z[i] == 0xff);
	/* the same stream with its size stated */
	for (size_t i = 0; i < 8; i++)
		z[5 + i] = (uint8_t)((uint64_t)DATA_LEN >> (8 * i));
	CHECK_OK(mamori_decompress(MAMORI_COMP_LZMA_ALONE, z, clen, DATA_LEN, &b, &used, &d));
	CHECK(b.len == DATA_LEN && memcmp(b.p, data, DATA_LEN) == 0);
	/* a stated size above the cap is caught */
	mamori_buf_reset(&b);
	CHECK(mamori_decompress(MAMORI_COMP_LZMA_ALONE, z, clen, DATA_LEN - 10, &b, &used, &d) ==
	      MAMORI_E_TOOBIG);
	/* a 4 GiB dictionary in the header is refused, not allocated */
	z[1] = z[2] = z[3] = z[4] = 0xff;
	mamori_buf_reset(&b);
	CHECK(mamori_decompress(MAMORI_COMP_LZMA_ALONE, z, clen, DATA_LEN, &b, &used, &d) !=
	      MAMORI_OK);
	free(z);

	/* vendor header: properties above 224, lc + lp above 4, too short */
	CHECK(mamori_decompress(MAMORI_COMP_LZMA_VENDOR, hdr, 5, 100, &b, &used, &d) ==
	      MAMORI_E_MALFORMED);
	hdr[0] = 4 + 9 * 1; /* lc4 lp1 */
	CHECK(mamori_decompress(MAMORI_COMP_LZMA_VENDOR, hdr, 5, 100, &b, &used, &d) ==
	      MAMORI_E_UNSUPPORTED);
	CHECK(mamori_decompress(MAMORI_COMP_LZMA_VENDOR, hdr, 4, 100, &b, &used, &d) ==
	      MAMORI_E_TRUNCATED);
	/* vendor with a 4 GiB dictionary: clamped to the cap, still decodes */
	z = compress_with(MAMORI_COMP_LZMA_VENDOR, data, DATA_LEN, &clen);
	z[1] = z[2] = z[3] = z[4] = 0xff;
	mamori_buf_reset(&b);
	CHECK_OK(mamori_decompress(MAMORI_COMP_LZMA_VENDOR, z, clen, DATA_LEN, &b, &used, &d));
	CHECK(b.len == DATA_LEN && memcmp(b.p, data, DATA_LEN) == 0);
	free(z);
	mamori_buf_free(&b);
	free(data);
}

/* The TRENDnet squashfs: its inode table starts with a metadata block (le16 length, then
 * vendor LZMA) that holds 8 KiB of inodes. */
static void
trendnet_metadata(void)
{
	char path[512];
	struct mamori_buf img, b;
	struct mamori_diag d;
	uint64_t itab;
	uint16_t mlen;
	size_t used = 0;

	(void)snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_buf_init(&img, (size_t)16 << 20);
	CHECK_OK(mamori_read_file(path, &img));
	if (img.len < 96) {
		CHECK(0);
		mamori_buf_free(&img);
		return;
	}
	CHECK(memcmp(img.p, "hsqs", 4) == 0);
	CHECK(mamori_load_le16(img.p + 20) == 2); /* LZMA */
	itab = (uint64_t)mamori_load_le32(img.p + 68) << 32 | mamori_load_le32(img.p + 64);
	CHECK(itab + 2 < img.len);
	if (itab + 2 >= img.len) {
		mamori_buf_free(&img);
		return;
	}
	mlen = mamori_load_le16(img.p + itab);
	CHECK((mlen & 0x8000) == 0); /* compressed */
	CHECK(itab + 2 + mlen <= img.len);
	CHECK(img.p[itab + 2] == 0x6d); /* lc1 lp2 pb2 */
	mamori_buf_init(&b, BUF_BIG);
	if (mamori_decompress(MAMORI_COMP_LZMA_VENDOR, img.p + itab + 2, mlen, 8192, &b, &used,
	        &d) != MAMORI_OK) {
		fprintf(stderr, "trendnet: %s\n", d.msg);
		CHECK(0);
	}
	CHECK(b.len == 8192);
	CHECK(used <= mlen && used + 8 >= mlen);
	if (b.len >= 16) {
		uint16_t type = mamori_load_le16(b.p);
		uint16_t uid_idx = mamori_load_le16(b.p + 4);

		/* the first inode: a basic type (1..7) and an id index inside the id table */
		CHECK(type >= 1 && type <= 14);
		CHECK(uid_idx < mamori_load_le16(img.p + 26));
	}
	/* the stock squashfs layout (8-byte size after the header) would not decode */
	mamori_buf_free(&b);
	mamori_buf_free(&img);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(roundtrip_all),
	    CHECK_CASE(trailing_garbage),
	    CHECK_CASE(truncation),
	    CHECK_CASE(corruption),
	    CHECK_CASE(diag_messages),
	    CHECK_CASE(bombs),
	    CHECK_CASE(gzip_members),
	    CHECK_CASE(lzma_headers),
	    CHECK_CASE(trendnet_metadata),
	};

	return check_run("test_decomp", cases, sizeof(cases) / sizeof(cases[0]));
}
