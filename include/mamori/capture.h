/* SPDX-License-Identifier: MIT */
/* Live capture: one libpcap handle per worker thread, joined into one AF_PACKET fan-out group
 * (PACKET_FANOUT_HASH, defragmenting) so that the two directions of a flow reach the same
 * worker. Only lib/net/capture.c includes <pcap.h>. */
#ifndef MAMORI_CAPTURE_H
#define MAMORI_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/capfile.h"
#include "mamori/err.h"

#define MAMORI_CAPTURE_MAX_THREADS 64
#define MAMORI_CAPTURE_SNAPLEN     65535
#define MAMORI_CAPTURE_BUFFER_MB   64 /* default kernel ring per handle */

struct mamori_capture_opts {
	const char *iface;
	unsigned threads; /* 1..MAMORI_CAPTURE_MAX_THREADS; 0 = number of online CPUs */
	bool promisc;     /* promiscuous mode (default on) */
	const char *bpf;  /* optional capture filter, NULL for none */
	unsigned buffer_mb;
	int snaplen;
};

struct mamori_capture_stats {
	uint64_t received; /* packets delivered to the workers */
	uint64_t dropped;  /* dropped by the kernel (ring full), summed over handles */
	uint64_t if_dropped;
};

/* Called from worker thread `worker` (0..threads-1) for every packet. */
typedef void (*mamori_capture_fn)(void *arg, unsigned worker, const struct mamori_cap_rec *rec);

struct mamori_capture;

/* Opens and activates every handle (needs CAP_NET_RAW), so privileges can be dropped after. */
MAMORI_MUST_CHECK mamori_err mamori_capture_open(
    const struct mamori_capture_opts *o, struct mamori_capture **out, struct mamori_diag *d);
unsigned mamori_capture_threads(const struct mamori_capture *c);
/* Runs one thread per handle until *stop becomes non-zero (checked at least every 100 ms) or a
 * handle fails; then joins them. */
MAMORI_MUST_CHECK mamori_err mamori_capture_run(struct mamori_capture *c, mamori_capture_fn fn,
    void *arg, volatile sig_atomic_t *stop, struct mamori_diag *d);
void mamori_capture_get_stats(struct mamori_capture *c, struct mamori_capture_stats *st);
void mamori_capture_close(struct mamori_capture *c);

/* Switches to user (and its primary group, clearing supplementary groups) and forbids gaining
 * privileges again. MAMORI_E_PERM if not possible; MAMORI_E_NOTFOUND if no such user. */
MAMORI_MUST_CHECK mamori_err mamori_drop_privileges(const char *user, struct mamori_diag *d);

#endif
