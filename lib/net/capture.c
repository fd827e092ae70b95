/* SPDX-License-Identifier: MIT */
/* Live capture over libpcap, one handle per worker thread, the handles' AF_PACKET sockets joined
 * into one hash fan-out group. The only file in mamori that includes <pcap.h>. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <pcap.h>

#include "mamori/capture.h"

/* Kernel block retire timeout (TPACKET_V3): a packet waits at most this long in the ring. */
#define CAPTURE_TIMEOUT_MS 50
/* poll() period of a worker: bounds how long a stop request goes unnoticed (< 100 ms). */
#define CAPTURE_POLL_MS 50
/* pcap_set_buffer_size() takes an int number of bytes. */
#define CAPTURE_BUFFER_MB_MAX 1024u
#define CAPTURE_ERR_MAX       160

struct worker {
	struct mamori_capture *c;
	pcap_t *h;
	unsigned idx;
	int linktype;
	pthread_t tid;
	bool started;
	_Atomic uint64_t delivered;
	mamori_err err;
	char msg[CAPTURE_ERR_MAX];
};

struct mamori_capture {
	char iface[IFNAMSIZ];
	unsigned n;
	unsigned fanout_id;
	/* set by run() for the workers */
	mamori_capture_fn fn;
	void *arg;
	volatile sig_atomic_t *stop;
	atomic_int failed; /* a worker hit an error: the others stop too */
	struct worker w[MAMORI_CAPTURE_MAX_THREADS];
};

/* pcap's DLT_* values equal the LINKTYPE_* values written in files, except for a few historic
 * ones; DLT_RAW is 12 (or 14) on most systems while files use LINKTYPE_RAW. */
#define LINKTYPE_RAW 101

static int
dlt_to_linktype(int dlt)
{
	if (dlt == DLT_RAW)
		return LINKTYPE_RAW;
	return dlt;
}

static unsigned
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	if (n > MAMORI_CAPTURE_MAX_THREADS)
		return MAMORI_CAPTURE_MAX_THREADS;
	return (unsigned)n;
}

static mamori_err
activate_error(pcap_t *h, int rc, const char *iface, struct mamori_diag *d)
{
	const char *why = pcap_geterr(h);

	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return mamori_diag_set(
		    d, MAMORI_E_NOTFOUND, 0, 0, "cannot open %s: No such device", iface);
	case PCAP_ERROR_PERM_DENIED:
		return mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		    "cannot open %s: %s (need root / CAP_NET_RAW?)", iface,
		    why[0] != '\0' ? why : "permission denied");
	case PCAP_ERROR_IFACE_NOT_UP:
		return mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot open %s: interface is down", iface);
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		    "cannot open %s: promiscuous mode not permitted (need root / CAP_NET_RAW?)",
		    iface);
	default:
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "cannot open %s: %s", iface,
		    why[0] != '\0' ? why : pcap_statustostr(rc));
	}
}

static mamori_err
open_handle(const struct mamori_capture_opts *o, unsigned buffer_mb, int snaplen, pcap_t **out,
    struct mamori_diag *d)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	mamori_err ret = MAMORI_E_IO;
	pcap_t *h;
	int rc;

	errbuf[0] = '\0';
	h = pcap_create(o->iface, errbuf);
	if (h == NULL)
		return mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot open %s: %s", o->iface, errbuf);
	if (pcap_set_snaplen(h, snaplen) != 0 || pcap_set_promisc(h, o->promisc ? 1 : 0) != 0 ||
	    pcap_set_timeout(h, CAPTURE_TIMEOUT_MS) != 0 ||
	    pcap_set_buffer_size(h, (int)(buffer_mb * 1024u * 1024u)) != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot configure %s: %s", o->iface, pcap_geterr(h));
		goto out;
	}
	rc = pcap_activate(h);
	if (rc < 0) {
		ret = activate_error(h, rc, o->iface, d);
		goto out;
	}
	/* rc > 0 is a warning (e.g. promiscuous mode not supported): the handle works. */
	if (o->bpf != NULL) {
		if (pcap_compile(h, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			ret = mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
			    "bad capture filter \"%s\": %s", o->bpf, pcap_geterr(h));
			goto out;
		}
		rc = pcap_setfilter(h, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			ret = mamori_diag_set(d, MAMORI_E_IO, 0, 0,
			    "cannot set capture filter on %s: %s", o->iface, pcap_geterr(h));
			goto out;
		}
	}
	/* The worker polls the descriptor itself so that it notices a stop request in time. */
	if (pcap_setnonblock(h, 1, errbuf) != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot set %s non-blocking: %s", o->iface, errbuf);
		goto out;
	}
	*out = h;
	h = NULL;
	ret = MAMORI_OK;
out:
	if (h != NULL)
		pcap_close(h);
	return ret;
}

/* Joins every handle's socket to one PACKET_FANOUT_HASH group. The first socket asks the kernel
 * for an unused group id (PACKET_FANOUT_FLAG_UNIQUEID, Linux 4.3+), so that two sensors never
 * share a group; on older kernels the id is derived from the pid. */
static mamori_err
join_fanout(struct mamori_capture *c, struct mamori_diag *d)
{
	const unsigned mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
	unsigned id = 0;
	int val;
	socklen_t len;

	for (unsigned i = 0; i < c->n; i++) {
		int fd = pcap_fileno(c->w[i].h);

		if (i == 0) {
			val = (int)((mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16);
			if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) == 0) {
				len = sizeof(val);
				if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, &len) != 0)
					return mamori_diag_set(d, MAMORI_E_IO, 0, 0,
					    "cannot read fan-out group on %s: %s", c->iface,
					    strerror(errno));
				id = (unsigned)val & 0xffffu;
				continue;
			}
			id = (unsigned)getpid() & 0xffffu;
		}
		val = (int)(id | (mode << 16));
		if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) != 0)
			return mamori_diag_set(d, MAMORI_E_IO, 0, 0,
			    "cannot join fan-out group %u on %s: %s", id, c->iface,
			    strerror(errno));
	}
	c->fanout_id = id;
	return MAMORI_OK;
}

mamori_err
mamori_capture_open(
    const struct mamori_capture_opts *o, struct mamori_capture **out, struct mamori_diag *d)
{
	struct mamori_capture *c = NULL;
	mamori_err ret = MAMORI_E_INVAL;
	unsigned n, buffer_mb;
	int snaplen;
	size_t ilen;

	if (o == NULL || out == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "capture: no options");
	if (o->iface == NULL || o->iface[0] == '\0')
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "capture: no interface given");
	ilen = strnlen(o->iface, IFNAMSIZ);
	if (ilen >= IFNAMSIZ)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "capture: interface name longer than %d characters", IFNAMSIZ - 1);
	if (o->threads > MAMORI_CAPTURE_MAX_THREADS)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "capture: %u threads, at most %d",
		    o->threads, MAMORI_CAPTURE_MAX_THREADS);
	n = o->threads != 0 ? o->threads : online_cpus();
	buffer_mb = o->buffer_mb != 0 ? o->buffer_mb : MAMORI_CAPTURE_BUFFER_MB;
	if (buffer_mb > CAPTURE_BUFFER_MB_MAX)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "capture: buffer of %u MB per thread, at most %u", buffer_mb,
		    CAPTURE_BUFFER_MB_MAX);
	snaplen = o->snaplen != 0 ? o->snaplen : MAMORI_CAPTURE_SNAPLEN;
	if (snaplen < 0 || (unsigned)snaplen > MAMORI_CAP_SNAP_MAX)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "capture: snaplen %d out of range 1..%u", snaplen, MAMORI_CAP_SNAP_MAX);

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "capture: out of memory");
	memcpy(c->iface, o->iface, ilen + 1);
	atomic_init(&c->failed, 0);
	for (unsigned i = 0; i < n; i++) {
		c->w[i].c = c;
		c->w[i].idx = i;
		atomic_init(&c->w[i].delivered, 0);
		ret = open_handle(o, buffer_mb, snaplen, &c->w[i].h, d);
		if (ret != MAMORI_OK)
			goto out;
		c->n = i + 1;
		c->w[i].linktype = dlt_to_linktype(pcap_datalink(c->w[i].h));
	}
	if (n > 1) {
		ret = join_fanout(c, d);
		if (ret != MAMORI_OK)
			goto out;
	}
	*out = c;
	c = NULL;
	ret = MAMORI_OK;
out:
	mamori_capture_close(c);
	return ret;
}

unsigned
mamori_capture_threads(const struct mamori_capture *c)
{
	return c->n;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *ph, const u_char *bytes)
{
	struct worker *w = (struct worker *)(void *)user;
	struct mamori_cap_rec rec;
	int64_t sec = (int64_t)ph->ts.tv_sec, usec = (int64_t)ph->ts.tv_usec;

	/* A clock before the epoch or a nonsense usec field is clamped rather than wrapped. */
	if (sec < 0)
		sec = 0;
	if (usec < 0 || usec > 999999)
		usec = 0;
	rec.ts_us = (uint64_t)sec * 1000000u + (uint64_t)usec;
	rec.data = bytes;
	rec.caplen = ph->caplen;
	rec.wirelen = ph->len;
	rec.linktype = w->linktype;
	rec.off = 0; /* live packets have no file offset */
	atomic_fetch_add_explicit(&w->delivered, 1, memory_order_relaxed);
	w->c->fn(w->c->arg, w->idx, &rec);
}

static void *
worker_main(void *p)
{
	struct worker *w = p;
	struct mamori_capture *c = w->c;
	struct pollfd pfd;

	pfd.fd = pcap_get_selectable_fd(w->h);
	pfd.events = POLLIN;
	while (*c->stop == 0 && atomic_load(&c->failed) == 0) {
		int rc;

		pfd.revents = 0;
		rc = poll(&pfd, 1, CAPTURE_POLL_MS);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			w->err = MAMORI_E_IO;
			(void)snprintf(w->msg, sizeof(w->msg), "capture on %s: poll: %s", c->iface,
			    strerror(errno));
			break;
		}
		if (rc == 0)
			continue;
		/* An error with nothing left to read: ENETDOWN when the interface goes down
		 * or away. Checked before pcap_dispatch(), which may consume SO_ERROR. */
		if ((pfd.revents & (POLLERR | POLLNVAL)) != 0 && (pfd.revents & POLLIN) == 0) {
			int soerr = 0;
			socklen_t len = sizeof(soerr);

			if (getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
				soerr = 0;
			w->err = MAMORI_E_IO;
			(void)snprintf(w->msg, sizeof(w->msg), "capture on %s: %s", c->iface,
			    soerr != 0 ? strerror(soerr) : "socket error");
			break;
		}
		rc = pcap_dispatch(w->h, -1, on_packet, (u_char *)(void *)w);
		if (rc < 0) {
			w->err = MAMORI_E_IO;
			(void)snprintf(w->msg, sizeof(w->msg), "capture on %s: %s", c->iface,
			    pcap_geterr(w->h));
			break;
		}
	}
	if (w->err != MAMORI_OK)
		atomic_store(&c->failed, 1);
	return NULL;
}

mamori_err
mamori_capture_run(struct mamori_capture *c, mamori_capture_fn fn, void *arg,
    volatile sig_atomic_t *stop, struct mamori_diag *d)
{
	mamori_err ret = MAMORI_OK;
	unsigned started = 0;
	int rc;

	if (c == NULL || fn == NULL || stop == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "capture: bad run arguments");
	c->fn = fn;
	c->arg = arg;
	c->stop = stop;
	atomic_store(&c->failed, 0);
	for (unsigned i = 0; i < c->n; i++) {
		c->w[i].err = MAMORI_OK;
		c->w[i].msg[0] = '\0';
	}
	for (unsigned i = 0; i < c->n; i++) {
		rc = pthread_create(&c->w[i].tid, NULL, worker_main, &c->w[i]);
		if (rc != 0) {
			ret = mamori_diag_set(d, MAMORI_E_IO, 0, 0,
			    "capture: cannot start worker %u: %s", i, strerror(rc));
			atomic_store(&c->failed, 1);
			break;
		}
		started++;
	}
	for (unsigned i = 0; i < started; i++)
		(void)pthread_join(c->w[i].tid, NULL);
	for (unsigned i = 0; i < started && ret == MAMORI_OK; i++) {
		if (c->w[i].err != MAMORI_OK)
			ret = mamori_diag_set(d, c->w[i].err, 0, 0, "%s", c->w[i].msg);
	}
	return ret;
}

void
mamori_capture_get_stats(struct mamori_capture *c, struct mamori_capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		st->received += atomic_load_explicit(&c->w[i].delivered, memory_order_relaxed);
		if (pcap_stats(c->w[i].h, &ps) == 0) {
			st->dropped += ps.ps_drop;
			st->if_dropped += ps.ps_ifdrop;
		}
	}
}

void
mamori_capture_close(struct mamori_capture *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n; i++)
		pcap_close(c->w[i].h);
	free(c);
}

/* Buffer for getpwnam_r(): grows on ERANGE up to this. */
#define PW_BUF_MAX ((size_t)1024 * 1024)

mamori_err
mamori_drop_privileges(const char *user, struct mamori_diag *d)
{
	struct passwd pw, *res = NULL;
	mamori_err ret = MAMORI_E_PERM;
	size_t blen = 4096;
	char *buf = NULL;
	uid_t uid;
	gid_t gid;
	int rc;

	if (user == NULL || user[0] == '\0')
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "no user to switch to");
	for (;;) {
		char *nb = realloc(buf, blen);

		if (nb == NULL) {
			ret = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "out of memory");
			goto out;
		}
		buf = nb;
		rc = getpwnam_r(user, &pw, buf, blen, &res);
		if (rc != ERANGE || blen >= PW_BUF_MAX)
			break;
		blen *= 2;
	}
	if (rc != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot look up user %s: %s", user, strerror(rc));
		goto out;
	}
	if (res == NULL) {
		ret = mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0, "no such user: %s", user);
		goto out;
	}
	uid = pw.pw_uid;
	gid = pw.pw_gid;
	if (uid == 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_PERM, 0, 0, "user %s has uid 0: that drops nothing", user);
		goto out;
	}
	/* Order matters: groups and gid while still root, uid last. */
	if (setgroups(0, NULL) != 0) {
		ret = mamori_diag_set(d, MAMORI_E_PERM, 0, 0, "setgroups: %s", strerror(errno));
		goto out;
	}
	if (setgid(gid) != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_PERM, 0, 0, "setgid(%u): %s", (unsigned)gid, strerror(errno));
		goto out;
	}
	if (setuid(uid) != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_PERM, 0, 0, "setuid(%u): %s", (unsigned)uid, strerror(errno));
		goto out;
	}
	/* Verify: real, effective (and so saved) ids changed and root cannot be regained. */
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
	    setuid(0) == 0 || seteuid(0) == 0 || (gid != 0 && setgid(0) == 0)) {
		ret = mamori_diag_set(
		    d, MAMORI_E_PERM, 0, 0, "privileges of %s were not dropped completely", user);
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
		ret = mamori_diag_set(
		    d, MAMORI_E_PERM, 0, 0, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		goto out;
	}
	ret = MAMORI_OK;
out:
	free(buf);
	return ret;
}
