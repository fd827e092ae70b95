/* SPDX-License-Identifier: MIT */
/* mamori sensor: glue between capture (files or live), the sensor library, and output. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "mamori/block.h"
#include "mamori/capfile.h"
#include "mamori/capture.h"
#include "mamori/sensor.h"

static const char sensor_usage[] =
    "usage: mamori sensor -r FILE... | -i IFACE  [options]\n"
    "\n"
    "Watches network traffic for every stage of the Mirai kill chain (scan, bruteforce,\n"
    "infection, download, exploit, report, c2, ddos) and writes one alert per line in\n"
    "Suricata's EVE JSON format, aggregated per source, target and window.\n"
    "\n"
    "input:\n"
    "  -r, --read FILE...      pcap or pcapng files (\"-\" = standard input); link types Ethernet,\n"
    "                          raw IPv4/IPv6, Linux cooked (SLL, SLL2), BSD loopback\n"
    "  -i, --interface IFACE   capture live (root or CAP_NET_RAW), promiscuous, with one\n"
    "                          worker thread per core fed by AF_PACKET fan-out\n"
    "      --threads N         live worker threads (default: number of CPUs)\n"
    "      --bpf FILTER        live capture filter (tcpdump syntax)\n"
    "      --user USER         drop to USER after opening the capture\n"
    "      --duration SECONDS  stop a live capture after this long (default: until SIGINT)\n"
    "configuration:\n"
    "  -c, --config FILE       sensor configuration (docs/formats/sensor-config.md)\n"
    "      --home-net CIDRS    the networks to protect, e.g. 192.168.0.0/16,fd00::/8\n"
    "                          (default any: every host gets a kill-chain timeline)\n"
    "      --set KEY=VALUE     override one configuration key (repeatable)\n"
    "output:\n"
    "  -o, --output FILE       append alerts to FILE instead of writing standard output\n"
    "      --format eve|text   EVE JSON lines (default) or one readable line per alert\n"
    "      --summary           at the end, the per-device kill-chain timeline and statistics\n"
    "                          (JSON lines with --format eve, a table with --format text)\n"
    "  -q, --quiet             no statistics line on standard error\n"
    "IPS:\n"
    "      --block             add the sources of high-severity alerts to the nftables set\n"
    "                          inet mamori block4/block6 (created if needed)\n"
    "      --dry-run           with --block: only print what would be blocked\n"
    "      --block-timeout S   how long a block lasts (default 3600 s; 0 = until removed)\n"
    "\n"
    "examples:\n"
    "  mamori sensor -r capture.pcap --format text --summary\n"
    "  mamori sensor -i eth1 --home-net 192.168.1.0/24 --block -o /var/log/mamori.json\n"
    "  tcpdump -i eth0 -w - | mamori sensor -r -\n"
    "\n"
    "Exit codes: 0 done; 2 usage error; 3 an input could not be read (the others are still\n"
    "read; the error names the file and byte offset) or the capture failed.\n";

struct out_ctx {
	FILE *f;
	bool text;
	struct mamori_block *blk;
	bool block_dry;
	uint64_t written;
	bool failed;
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
on_alert(void *arg, const struct mamori_alert *a)
{
	struct out_ctx *o = arg;
	struct mamori_buf b;

	mamori_buf_init(&b, (size_t)64 * 1024);
	if ((o->text ? mamori_alert_text(a, &b) : mamori_alert_eve(a, &b)) == MAMORI_OK &&
	    fwrite(b.p, 1, b.len, o->f) == b.len)
		o->written++;
	else
		o->failed = true;
	mamori_buf_free(&b);
	if (o->text || o->f != stdout)
		(void)fflush(o->f);
}

static void
on_block(void *arg, const struct mamori_ip *src, const struct mamori_alert *a)
{
	struct out_ctx *o = arg;
	struct mamori_buf log;
	struct mamori_diag d;
	char ip[MAMORI_IP_STRLEN];
	mamori_err e;

	mamori_ip_str(src, ip);
	mamori_buf_init(&log, 4096);
	e = mamori_block_add(o->blk, src, &log, &d);
	if (e != MAMORI_OK)
		cli_diag(ip, e, &d);
	else if (log.len > 0)
		fprintf(stderr, "mamori: %s %s (%s): %.*s",
		    o->block_dry ? "would block" : "blocked", ip, a->signature, (int)log.len,
		    (const char *)log.p);
	mamori_buf_free(&log);
}

static int
read_files(struct mamori_sensor *s, char **files, int nfiles)
{
	int rc = EXIT_OK;

	for (int i = 0; i < nfiles; i++) {
		struct mamori_capfile *cf;
		struct mamori_cap_rec recs[MAMORI_SENSOR_BATCH];
		struct mamori_diag d;
		size_t n;
		mamori_err e;

		mamori_diag_clear(&d);
		e = mamori_capfile_open(files[i], &cf, &d);
		if (e != MAMORI_OK) {
			cli_diag(files[i], e, &d);
			rc = EXIT_RUNTIME;
			continue;
		}
		while ((e = mamori_capfile_next_batch(cf, recs, MAMORI_SENSOR_BATCH, &n, &d)) ==
		       MAMORI_OK)
			mamori_sensor_packets(s, 0, recs, n);
		if (e != MAMORI_E_NOTFOUND) {
			cli_diag(files[i], e, &d);
			cli_err("%s: skipping the rest of this file", files[i]);
			rc = EXIT_RUNTIME;
		}
		mamori_capfile_close(cf);
	}
	return rc;
}

struct live_ctx {
	struct mamori_sensor *s;
};

static void
on_packet(void *arg, unsigned worker, const struct mamori_cap_rec *rec)
{
	struct live_ctx *l = arg;

	mamori_sensor_packet(l->s, worker, rec);
}

static void *
ticker(void *arg)
{
	struct mamori_sensor *s = arg;

	while (!stop_flag) {
		struct timespec ts;

		(void)clock_gettime(CLOCK_REALTIME, &ts);
		mamori_sensor_tick(
		    s, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
		for (int i = 0; i < 10 && !stop_flag; i++)
			(void)usleep(100000);
	}
	return NULL;
}

int
cmd_sensor(int argc, char **argv)
{
	enum {
		O_HOME = 256,
		O_FORMAT,
		O_SUMMARY,
		O_BLOCK,
		O_DRY,
		O_THREADS,
		O_USER,
		O_DURATION,
		O_SET,
		O_BPF,
		O_BTIMEOUT
	};
	static const struct option opts[] = {
	    {"read", no_argument, NULL, 'r'},
	    {"interface", required_argument, NULL, 'i'},
	    {"config", required_argument, NULL, 'c'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"home-net", required_argument, NULL, O_HOME},
	    {"format", required_argument, NULL, O_FORMAT},
	    {"summary", no_argument, NULL, O_SUMMARY},
	    {"block", no_argument, NULL, O_BLOCK},
	    {"dry-run", no_argument, NULL, O_DRY},
	    {"block-timeout", required_argument, NULL, O_BTIMEOUT},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"user", required_argument, NULL, O_USER},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"set", required_argument, NULL, O_SET},
	    {"bpf", required_argument, NULL, O_BPF},
	    {NULL, 0, NULL, 0},
	};
	struct mamori_sensor_config cfg;
	struct mamori_sensor *s = NULL;
	struct mamori_capture *cap = NULL;
	struct mamori_diag d;
	struct out_ctx o = {stdout, false, NULL, false, 0, false};
	const char *iface = NULL, *conf = NULL, *outpath = NULL, *home = NULL, *user = NULL;
	const char *bpf = NULL;
	char *sets[32];
	int nsets = 0, ch, rc = EXIT_OK;
	bool read_mode = false, summary = false, block = false, dry = false, quiet = false;
	unsigned threads = 0, duration = 0, btimeout = 3600;
	mamori_err e;

	mamori_diag_clear(&d);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "ri:c:o:qh", opts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case 'r':
			read_mode = true;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(sensor_usage, stdout);
			return EXIT_OK;
		case O_HOME:
			home = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0) {
				o.text = true;
			} else if (strcmp(optarg, "eve") != 0 && strcmp(optarg, "json") != 0) {
				cli_err("--format: '%s' is not eve or text", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_SUMMARY:
			summary = true;
			break;
		case O_BLOCK:
			block = true;
			break;
		case O_DRY:
			dry = true;
			break;
		case O_THREADS:
		case O_DURATION:
		case O_BTIMEOUT: {
			unsigned long v = strtoul(optarg, &end, 10);

			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' ||
			    (ch == O_THREADS && (v == 0 || v > MAMORI_CAPTURE_MAX_THREADS)) ||
			    (ch == O_DURATION && (v == 0 || v > 31536000)) ||
			    (ch == O_BTIMEOUT && v > MAMORI_BLOCK_TIMEOUT_MAX)) {
				cli_err("%s: '%s' is out of range", argv[optind - 1], optarg);
				return EXIT_USAGE;
			}
			if (ch == O_THREADS)
				threads = (unsigned)v;
			else if (ch == O_DURATION)
				duration = (unsigned)v;
			else
				btimeout = (unsigned)v;
			break;
		}
		case O_USER:
			user = optarg;
			break;
		case O_SET:
			if (nsets >= (int)(sizeof(sets) / sizeof(sets[0]))) {
				cli_err("--set: at most 32");
				return EXIT_USAGE;
			}
			sets[nsets++] = optarg;
			break;
		case O_BPF:
			bpf = optarg;
			break;
		default:
			fputs(sensor_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (read_mode == (iface != NULL)) {
		cli_err("give either -r FILE... or -i IFACE");
		fputs(sensor_usage, stderr);
		return EXIT_USAGE;
	}
	if (read_mode && optind >= argc) {
		cli_err("-r needs at least one file (\"-\" for standard input)");
		return EXIT_USAGE;
	}
	if (!read_mode && optind < argc) {
		cli_err("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (block && !dry && user != NULL) {
		/* the kernel checks CAP_NET_ADMIN on every nftables request: after the drop to
		 * USER no address could be added */
		cli_err("--block needs root for every addition: it cannot be combined with --user "
		        "(use --dry-run, or run without --user)");
		return EXIT_USAGE;
	}
	if (dry && !block) {
		cli_err("--dry-run goes with --block");
		return EXIT_USAGE;
	}
	cli_quiet = quiet;
	mamori_sensor_config_default(&cfg);
	if (getenv("MAMORI_DATA_DIR") != NULL && mamori_sensor_config_set(&cfg, "data_dir",
	                                             getenv("MAMORI_DATA_DIR"), &d) != MAMORI_OK) {
		cli_diag("MAMORI_DATA_DIR", MAMORI_E_INVAL, &d);
		return EXIT_USAGE;
	}
	if (conf != NULL) {
		e = mamori_sensor_config_load(&cfg, conf, &d);
		if (e != MAMORI_OK) {
			if (d.line > 0)
				cli_err("%s:%zu (byte %zu): %s", conf, d.line, d.off, d.msg);
			else
				cli_diag(conf, e, &d);
			return EXIT_USAGE;
		}
	}
	if (home != NULL && mamori_sensor_config_set(&cfg, "home_net", home, &d) != MAMORI_OK) {
		cli_diag("--home-net", MAMORI_E_MALFORMED, &d);
		return EXIT_USAGE;
	}
	for (int i = 0; i < nsets; i++) {
		char key[64];
		const char *eq = sets[i] != NULL ? strchr(sets[i], '=') : NULL;

		if (eq == NULL || (size_t)(eq - sets[i]) >= sizeof(key) || eq == sets[i]) {
			cli_err("--set: expected KEY=VALUE, got '%s'", sets[i]);
			return EXIT_USAGE;
		}
		memcpy(key, sets[i], (size_t)(eq - sets[i]));
		key[eq - sets[i]] = '\0';
		if (mamori_sensor_config_set(&cfg, key, eq + 1, &d) != MAMORI_OK) {
			cli_diag("--set", MAMORI_E_MALFORMED, &d);
			return EXIT_USAGE;
		}
	}
	if (iface != NULL) {
		struct mamori_capture_opts co = {
		    iface, threads, true, bpf, MAMORI_CAPTURE_BUFFER_MB, MAMORI_CAPTURE_SNAPLEN};

		e = mamori_capture_open(&co, &cap, &d);
		if (e != MAMORI_OK) {
			cli_diag(iface, e, &d);
			return EXIT_RUNTIME;
		}
		cfg.workers = mamori_capture_threads(cap);
	}
	if (block) {
		struct mamori_block_opts bo = {dry, btimeout, NULL};

		e = mamori_block_open(&bo, &o.blk, &d);
		if (e != MAMORI_OK) {
			cli_diag("--block", e, &d);
			rc = EXIT_RUNTIME;
			goto out;
		}
		o.block_dry = dry;
	}
	if (outpath != NULL) {
		o.f = fopen(outpath, "a");
		if (o.f == NULL) {
			cli_err("%s: cannot open for writing: %s", outpath, strerror(errno));
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	e = mamori_sensor_new(&cfg, on_alert, &o, &s, &d);
	if (e != MAMORI_OK) {
		cli_diag("sensor", e, &d);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (block)
		mamori_sensor_set_block(s, on_block, &o);
	/* last: the capture, the IPS, the output and the data files are open or loaded */
	if (user != NULL) {
		e = mamori_drop_privileges(user, &d);
		if (e != MAMORI_OK) {
			cli_diag("--user", e, &d);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (read_mode) {
		rc = read_files(s, argv + optind, argc - optind);
	} else {
		struct live_ctx l = {s};
		struct sigaction sa;
		pthread_t tk;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGALRM, &sa, NULL);
		if (duration > 0)
			(void)alarm(duration);
		if (!quiet)
			cli_err("capturing on %s with %u worker thread(s); Ctrl-C to stop", iface,
			    cfg.workers);
		if (pthread_create(&tk, NULL, ticker, s) != 0) {
			cli_err("cannot start the timer thread");
			rc = EXIT_RUNTIME;
			goto out;
		}
		e = mamori_capture_run(cap, on_packet, &l, &stop_flag, &d);
		stop_flag = 1;
		(void)pthread_join(tk, NULL);
		if (e != MAMORI_OK) {
			cli_diag(iface, e, &d);
			rc = EXIT_RUNTIME;
		}
	}
	mamori_sensor_finish(s);
	{
		struct mamori_sensor_stats st;
		struct mamori_buf b;

		mamori_sensor_get_stats(s, &st);
		mamori_buf_init(&b, (size_t)16 * 1024 * 1024);
		if (summary) {
			if (mamori_sensor_timeline(s, !o.text, &b) == MAMORI_OK &&
			    mamori_sensor_stats_format(&st, !o.text, &b) == MAMORI_OK)
				(void)fwrite(b.p, 1, b.len, o.f);
			else
				cli_err("summary: out of memory");
			b.len = 0;
		}
		if (!quiet && mamori_sensor_stats_format(&st, false, &b) == MAMORI_OK) {
			if (cap != NULL) {
				struct mamori_capture_stats cs;

				mamori_capture_get_stats(cap, &cs);
				fprintf(stderr,
				    "mamori: capture: %" PRIu64 " received, %" PRIu64
				    " dropped by the kernel\n",
				    cs.received, cs.dropped);
			}
			fprintf(stderr, "mamori: %.*s", (int)b.len, (const char *)b.p);
		}
		mamori_buf_free(&b);
	}
	if (fflush(o.f) != 0 || o.failed) {
		cli_err("%s: write error", outpath ? outpath : "standard output");
		rc = EXIT_RUNTIME;
	}
out:
	mamori_sensor_free(s);
	mamori_capture_close(cap);
	mamori_block_close(o.blk);
	if (o.f != stdout && o.f != NULL)
		(void)fclose(o.f);
	return rc;
}
