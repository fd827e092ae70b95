/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_CAPFILE_H
#define MAMORI_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

/* Limits: a record or block over these is an error (with its byte offset), not an allocation. */
#define MAMORI_CAP_SNAP_MAX   (256u * 1024u)        /* captured bytes in one record */
#define MAMORI_CAP_BLOCK_MAX  (16u * 1024u * 1024u) /* one pcapng block */
#define MAMORI_CAP_IFACE_MAX  256                   /* pcapng interfaces in one section */
#define MAMORI_CAP_READ_CHUNK (1024u * 1024u)       /* bytes read from the file at a time */

/* One packet record. data stays valid until the next mamori_capfile_next() or close. */
struct mamori_cap_rec {
	uint64_t ts_us; /* microseconds since the epoch (nanosecond files are rounded down) */
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	int linktype; /* pcap LINKTYPE_* value (MAMORI_LINK_* in pkt.h) */
	uint64_t off; /* byte offset of the record header in the file */
};

/* Opaque reader of classic pcap (both byte orders, micro- and nanosecond magic) and pcapng
 * (SHB in both byte orders, several sections, IDB with if_tsresol, EPB, SPB, obsolete PB;
 * other blocks skipped). Files are read in chunks, never loaded whole; "-" is stdin. */
struct mamori_capfile;

/* Opens path and checks the file header. d gets "what and where" on error. */
MAMORI_MUST_CHECK mamori_err mamori_capfile_open(
    const char *path, struct mamori_capfile **out, struct mamori_diag *d);
/* The same over bytes in memory (borrowed; must outlive the reader). For tests and fuzzing. */
MAMORI_MUST_CHECK mamori_err mamori_capfile_open_mem(
    const uint8_t *p, size_t len, struct mamori_capfile **out, struct mamori_diag *d);
/* Next packet record. MAMORI_E_NOTFOUND at a clean end of file; MAMORI_E_TRUNCATED when the
 * file ends inside a record; MAMORI_E_MALFORMED / MAMORI_E_TOOBIG for a bad record (d names
 * the byte offset); MAMORI_E_IO on a read error. After an error the reader stays at the error. */
MAMORI_MUST_CHECK mamori_err mamori_capfile_next(
    struct mamori_capfile *c, struct mamori_cap_rec *rec, struct mamori_diag *d);
/* Up to max records at once, all valid together until the next call (a batch ends early rather
 * than move the buffer). *n >= 1 on MAMORI_OK. Errors as mamori_capfile_next(); an error after
 * the first record of a batch is returned by the next call. For prefetching pipelines. */
MAMORI_MUST_CHECK mamori_err mamori_capfile_next_batch(struct mamori_capfile *c,
    struct mamori_cap_rec *recs, size_t max, size_t *n, struct mamori_diag *d);
/* "pcap" or "pcapng". */
const char *mamori_capfile_format(const struct mamori_capfile *c);
/* Bytes consumed so far. */
uint64_t mamori_capfile_offset(const struct mamori_capfile *c);
void mamori_capfile_close(struct mamori_capfile *c);

#endif
