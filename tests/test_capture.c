/* SPDX-License-Identifier: MIT */
/* Live capture. The cases that open a capture need root; they run in a forked child inside a
 * private network namespace (unshare(CLONE_NEWNET)), so only its own loopback is seen. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/capture.h"

#define N_PORTS   200
#define PER_PORT  10
#define N_DGRAMS  (N_PORTS * PER_PORT)
#define SRC_BASE  30000
#define DST_PORT  40000
#define N_WORKERS 2
/* How long run() may take to return once *stop is set (the API promises 100 ms; the rest is
 * slack for sanitizers and a loaded machine). */
#define STOP_SLACK_MS 400

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};

	nanosleep(&ts, NULL);
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/* Runs fn in a child inside a fresh network namespace with "lo" up; its CHECK failures (printed
 * by the child) make the child, and so this case, fail. */
static void
in_netns(void (*fn)(void))
{
	int st = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
			_exit(2);
		}
		if (lo_up() != 0) {
			fprintf(stderr, "cannot bring lo up: %s\n", strerror(errno));
			_exit(2);
		}
		check_failed_ = 0;
		fn();
		fflush(NULL);
		_exit(check_failed_ != 0 ? 1 : 0);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- argument checks (no privileges needed) ---- */

static void
bad_options(void)
{
	struct mamori_capture_opts o = {.iface = "lo", .threads = 1, .promisc = true};
	struct mamori_capture *c = NULL;
	struct mamori_diag d;

	o.threads = MAMORI_CAPTURE_MAX_THREADS + 1;
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	CHECK(strstr(d.msg, "threads") != NULL);
	o.threads = 1;
	o.iface = "an-interface-name-far-too-long";
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	CHECK(strstr(d.msg, "interface name") != NULL);
	o.iface = "";
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	o.iface = NULL;
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	o.iface = "lo";
	o.snaplen = -1;
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	o.snaplen = (int)MAMORI_CAP_SNAP_MAX + 1;
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	o.snaplen = 0;
	o.buffer_mb = 100000;
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	CHECK(c == NULL);
}

static void
unknown_user(void)
{
	struct mamori_diag d;

	CHECK(mamori_drop_privileges("mamori-no-such-user", &d) == MAMORI_E_NOTFOUND);
	CHECK(strcmp(d.msg, "no such user: mamori-no-such-user") == 0);
	CHECK(mamori_drop_privileges("", &d) == MAMORI_E_INVAL);
}

/* ---- root: live capture on a private loopback ---- */

struct seen {
	pthread_mutex_t mu;
	unsigned count[N_DGRAMS];
	int worker_of_port[N_PORTS];
	unsigned per_worker[N_WORKERS];
	unsigned total;
	unsigned foreign; /* packets that were not ours (must stay 0 thanks to the filter) */
	bool port_split;  /* one source port seen on two workers */
	bool bad_worker;
	bool bad_rec;
	volatile sig_atomic_t stop;
	uint64_t stop_ms;
};

static void
on_pkt(void *arg, unsigned worker, const struct mamori_cap_rec *rec)
{
	struct seen *s = arg;
	const uint8_t *p = rec->data;
	size_t ihl;
	uint16_t sport, dport;
	uint32_t seq;

	pthread_mutex_lock(&s->mu);
	s->total++;
	if (worker >= N_WORKERS) {
		s->bad_worker = true;
		goto out;
	}
	s->per_worker[worker]++;
	if (rec->linktype != 1 || rec->caplen != rec->wirelen || rec->ts_us == 0 || rec->off != 0)
		s->bad_rec = true;
	/* Ethernet (lo has an all-zero MAC header), IPv4, UDP, 4-byte sequence number. */
	if (rec->caplen < 14 + 20 + 8 + 4 || mamori_load_be16(p + 12) != 0x0800 ||
	    (p[14] >> 4) != 4 || p[14 + 9] != 17) {
		s->foreign++;
		goto out;
	}
	ihl = (size_t)(p[14] & 0x0f) * 4;
	if (ihl < 20 || rec->caplen < 14 + ihl + 8 + 4) {
		s->foreign++;
		goto out;
	}
	sport = mamori_load_be16(p + 14 + ihl);
	dport = mamori_load_be16(p + 14 + ihl + 2);
	seq = mamori_load_be32(p + 14 + ihl + 8);
	if (dport != DST_PORT || sport < SRC_BASE || sport >= SRC_BASE + N_PORTS ||
	    seq >= N_DGRAMS || seq % N_PORTS != (uint32_t)(sport - SRC_BASE)) {
		s->foreign++;
		goto out;
	}
	s->count[seq]++;
	if (s->worker_of_port[sport - SRC_BASE] < 0)
		s->worker_of_port[sport - SRC_BASE] = (int)worker;
	else if (s->worker_of_port[sport - SRC_BASE] != (int)worker)
		s->port_split = true;
out:
	pthread_mutex_unlock(&s->mu);
}

static unsigned
total_of(struct seen *s)
{
	unsigned t;

	pthread_mutex_lock(&s->mu);
	t = s->total;
	pthread_mutex_unlock(&s->mu);
	return t;
}

static void
request_stop(struct seen *s)
{
	s->stop_ms = now_ms();
	s->stop = 1;
}

/* Sends N_DGRAMS datagrams, seq k from source port SRC_BASE + k % N_PORTS, then waits for the
 * capture to see them all (or 10 s), lets duplicates show up for a while, and stops. */
static void *
sender(void *arg)
{
	struct seen *s = arg;
	struct sockaddr_in to, from;
	int fds[N_PORTS];
	uint64_t t0;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(DST_PORT);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (unsigned i = 0; i < N_PORTS; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		from = to;
		from.sin_port = htons((uint16_t)(SRC_BASE + i));
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&from, sizeof(from)) != 0)
			fprintf(stderr, "sender: socket/bind %u: %s\n", i, strerror(errno));
	}
	for (uint32_t k = 0; k < N_DGRAMS; k++) {
		uint8_t msg[4] = {
		    (uint8_t)(k >> 24), (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k};

		if (sendto(fds[k % N_PORTS], msg, sizeof(msg), 0, (struct sockaddr *)&to,
		        sizeof(to)) != (ssize_t)sizeof(msg))
			fprintf(stderr, "sender: sendto %u: %s\n", k, strerror(errno));
		if (k % 100 == 99)
			sleep_ms(1); /* keep the receiving socket's queue from overflowing */
	}
	t0 = now_ms();
	while (total_of(s) < N_DGRAMS && now_ms() - t0 < 10000)
		sleep_ms(10);
	sleep_ms(300);
	for (unsigned i = 0; i < N_PORTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	request_stop(s);
	return NULL;
}

static void
fanout_lo_body(void)
{
	struct mamori_capture_opts o = {.iface = "lo",
	    .threads = N_WORKERS,
	    .promisc = true,
	    .bpf = "udp and dst port 40000",
	    .buffer_mb = 4};
	struct mamori_capture_stats st;
	struct mamori_capture *c = NULL;
	struct mamori_diag d;
	static struct seen s;
	unsigned once = 0, more = 0, seen_by[N_WORKERS] = {0};
	uint64_t t_end;
	pthread_t tid;

	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.mu, NULL);
	for (unsigned i = 0; i < N_PORTS; i++)
		s.worker_of_port[i] = -1;
	CHECK_OK(mamori_capture_open(&o, &c, &d));
	if (c == NULL) {
		fprintf(stderr, "capture open: %s\n", d.msg);
		return;
	}
	CHECK(mamori_capture_threads(c) == N_WORKERS);
	CHECK(pthread_create(&tid, NULL, sender, &s) == 0);
	CHECK_OK(mamori_capture_run(c, on_pkt, &s, &s.stop, &d));
	t_end = now_ms();
	pthread_join(tid, NULL);
	CHECK(t_end - s.stop_ms < STOP_SLACK_MS);

	for (unsigned k = 0; k < N_DGRAMS; k++) {
		if (s.count[k] == 1)
			once++;
		else if (s.count[k] > 1)
			more++;
	}
	for (unsigned i = 0; i < N_PORTS; i++)
		if (s.worker_of_port[i] >= 0)
			seen_by[s.worker_of_port[i]]++;
	/* Loopback shows each datagram once to a packet socket, and the fan-out group hands it to
	 * exactly one of the workers. */
	CHECK(once == N_DGRAMS);
	CHECK(more == 0);
	CHECK(s.total == N_DGRAMS);
	CHECK(s.foreign == 0);
	CHECK(!s.bad_worker);
	CHECK(!s.bad_rec);
	/* Each flow (5-tuple) sticks to one worker, and 200 flows spread over both. */
	CHECK(!s.port_split);
	CHECK(seen_by[0] + seen_by[1] == N_PORTS);
	CHECK(seen_by[0] > 0 && seen_by[1] > 0);
	CHECK(s.per_worker[0] + s.per_worker[1] == N_DGRAMS);
	CHECK(s.per_worker[0] == seen_by[0] * PER_PORT);

	mamori_capture_get_stats(c, &st);
	CHECK(st.received == N_DGRAMS);
	CHECK(st.dropped == 0);
	CHECK(st.if_dropped == 0);
	if (check_failed_ != 0)
		fprintf(stderr,
		    "once %u, more %u, total %u, foreign %u, workers %u/%u, "
		    "received %llu, dropped %llu\n",
		    once, more, s.total, s.foreign, s.per_worker[0], s.per_worker[1],
		    (unsigned long long)st.received, (unsigned long long)st.dropped);
	mamori_capture_close(c);
}

static void
fanout_lo(void)
{
	in_netns(fanout_lo_body);
}

static void
count_nothing(void *arg, unsigned worker, const struct mamori_cap_rec *rec)
{
	(void)worker;
	(void)rec;
	(*(unsigned *)arg)++;
}

static void *
stop_later(void *arg)
{
	struct seen *s = arg;

	sleep_ms(150);
	request_stop(s);
	return NULL;
}

/* threads = 0 opens one handle per online CPU, and an idle capture still stops promptly. */
static void
default_threads_body(void)
{
	struct mamori_capture_opts o = {
	    .iface = "lo", .threads = 0, .promisc = false, .bpf = NULL, .buffer_mb = 1};
	struct mamori_capture *c = NULL;
	struct mamori_capture_stats st;
	struct mamori_diag d;
	static struct seen s;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = cpus > MAMORI_CAPTURE_MAX_THREADS ? MAMORI_CAPTURE_MAX_THREADS
	                : cpus < 1                        ? 1u
	                                                  : (unsigned)cpus;
	unsigned n = 0;
	uint64_t t_end;
	pthread_t tid;

	memset(&s, 0, sizeof(s));
	CHECK_OK(mamori_capture_open(&o, &c, &d));
	if (c == NULL) {
		fprintf(stderr, "capture open: %s\n", d.msg);
		return;
	}
	CHECK(mamori_capture_threads(c) == want);
	CHECK(pthread_create(&tid, NULL, stop_later, &s) == 0);
	CHECK_OK(mamori_capture_run(c, count_nothing, &n, &s.stop, &d));
	t_end = now_ms();
	pthread_join(tid, NULL);
	CHECK(t_end - s.stop_ms < STOP_SLACK_MS);
	CHECK(n == 0); /* nothing talks on a fresh namespace's loopback */
	mamori_capture_get_stats(c, &st);
	CHECK(st.received == 0 && st.dropped == 0);
	/* A stop flag already set: run returns at once. */
	s.stop = 1;
	CHECK_OK(mamori_capture_run(c, count_nothing, &n, &s.stop, &d));
	mamori_capture_close(c);
}

static void
default_threads(void)
{
	in_netns(default_threads_body);
}

static int
lo_set(bool up)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

static void *
lo_down_later(void *arg)
{
	struct seen *s = arg;

	sleep_ms(150);
	s->stop_ms = now_ms();
	CHECK(lo_set(false) == 0);
	return NULL;
}

/* The interface going down ends run() with an error naming it, instead of a silent hang. */
static void
iface_down_body(void)
{
	struct mamori_capture_opts o = {
	    .iface = "lo", .threads = 2, .promisc = true, .buffer_mb = 1};
	struct mamori_capture *c = NULL;
	struct mamori_diag d;
	static struct seen s;
	unsigned n = 0;
	uint64_t t_end;
	pthread_t tid;

	memset(&s, 0, sizeof(s));
	CHECK_OK(mamori_capture_open(&o, &c, &d));
	if (c == NULL)
		return;
	CHECK(pthread_create(&tid, NULL, lo_down_later, &s) == 0);
	CHECK(mamori_capture_run(c, count_nothing, &n, &s.stop, &d) == MAMORI_E_IO);
	t_end = now_ms();
	pthread_join(tid, NULL);
	CHECK(t_end - s.stop_ms < STOP_SLACK_MS);
	CHECK(strcmp(d.msg, "capture on lo: Network is down") == 0);
	mamori_capture_close(c);
}

static void
iface_down(void)
{
	in_netns(iface_down_body);
}

static void
open_errors_body(void)
{
	struct mamori_capture_opts o = {.iface = "mamori-nx0", .threads = 2, .promisc = true};
	struct mamori_capture *c = NULL;
	struct mamori_diag d;

	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_NOTFOUND);
	CHECK(strcmp(d.msg, "cannot open mamori-nx0: No such device") == 0);
	CHECK(c == NULL);
	o.iface = "lo";
	o.bpf = "udp and port ((";
	CHECK(mamori_capture_open(&o, &c, &d) == MAMORI_E_INVAL);
	CHECK(strncmp(d.msg, "bad capture filter \"udp and port ((\": ", 38) == 0);
	CHECK(c == NULL);
}

static void
open_errors(void)
{
	in_netns(open_errors_body);
}

static void
drop_privs_body(void)
{
	const struct passwd *pw = getpwnam("nobody");
	struct mamori_diag d;
	uid_t uid;
	gid_t gid;

	CHECK(pw != NULL);
	if (pw == NULL)
		return;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	CHECK(mamori_drop_privileges("root", &d) == MAMORI_E_PERM);
	CHECK(getuid() == 0);
	CHECK_OK(mamori_drop_privileges("nobody", &d));
	CHECK(getuid() == uid && geteuid() == uid);
	CHECK(getgid() == gid && getegid() == gid);
	CHECK(getgroups(0, NULL) == 0);
	CHECK(setuid(0) != 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) == 1);
	/* Once dropped, dropping again (which needs root) is refused. */
	CHECK(mamori_drop_privileges("nobody", &d) == MAMORI_E_PERM);
	CHECK(strncmp(d.msg, "setgroups: ", 11) == 0);
}

static void
drop_privs(void)
{
	in_netns(drop_privs_body);
}

int
main(void)
{
	static const struct check_case always[] = {
	    CHECK_CASE(bad_options),
	    CHECK_CASE(unknown_user),
	};
	static const struct check_case all[] = {
	    CHECK_CASE(bad_options),
	    CHECK_CASE(unknown_user),
	    CHECK_CASE(open_errors),
	    CHECK_CASE(default_threads),
	    CHECK_CASE(fanout_lo),
	    CHECK_CASE(iface_down),
	    CHECK_CASE(drop_privs),
	};

	if (geteuid() != 0) {
		printf("test_capture: not root: live-capture and privilege cases skipped\n");
		return check_run("test_capture", always, sizeof(always) / sizeof(always[0]));
	}
	return check_run("test_capture", all, sizeof(all) / sizeof(all[0]));
}
