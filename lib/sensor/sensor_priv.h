/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of lib/sensor/. Not installed, not stable. */
#ifndef MAMORI_SENSOR_PRIV_H
#define MAMORI_SENSOR_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/pkt.h"
#include "mamori/proto.h"
#include "mamori/sensor.h"

/* ---- ktab: a fixed-capacity hash table of fixed-size entries ---------------------------
 * Entries are [struct ktab_hdr][key][value]; chains are 32-bit indices; when full, the oldest
 * of a few entries sampled by a clock hand is evicted (a bounded-cost approximation of LRU),
 * so memory never grows past what the cap allows, whatever the traffic. The hash is keyed
 * with a random seed so that an attacker cannot aim many keys at one chain. */
#define KTAB_NIL UINT32_MAX
#define KTAB_SAMPLE 8

struct ktab_hdr {
	uint32_t next;
	uint32_t last;   /* seconds (packet time) of the last use */
	uint32_t tag;    /* upper hash bits, never 0; 0 = slot free */
	uint32_t bucket; /* the chain it is on: eviction needs no re-hash */
};

/* A chain head carries the tag of its first entry, so most lookups of an absent key (a new
 * flow) touch no entry at all. */
struct ktab_head {
	uint32_t idx;
	uint32_t tag;
};

typedef void (*ktab_evict_fn)(void *arg, void *val, bool expired);

struct ktab {
	uint8_t *ents;
	struct ktab_head *bucket;
	uint32_t mask; /* buckets - 1 */
	uint32_t cap, used;
	uint32_t free_head;
	uint32_t hwm;   /* slots below it have been used at least once */
	uint32_t hand;  /* eviction clock hand */
	uint32_t sweep; /* expiry sweep position */
	size_t ksize, vsize, esize;
	uint64_t seed;
	ktab_evict_fn on_evict;
	void *arg;
};

mamori_err ktab_init(struct ktab *t, uint32_t cap, size_t ksize, size_t vsize, ktab_evict_fn fn,
    void *arg);
void ktab_free(struct ktab *t);
/* Finds key; when absent and create is set, inserts it (evicting if full) with a zeroed value;
 * *created tells which. Returns the value, or NULL (absent and !create). */
void *ktab_get(struct ktab *t, const void *key, uint32_t now, bool create, bool *created,
    bool *evicted);
/* The same with the hash already computed by ktab_hash() (for prefetching pipelines). */
void *ktab_get_h(struct ktab *t, const void *key, uint32_t b, uint32_t tag, uint32_t now,
    bool create, bool *created, bool *evicted);
void ktab_hash(const struct ktab *t, const void *key, uint32_t *b, uint32_t *tag);
void ktab_prefetch_head(const struct ktab *t, uint32_t b);
/* Prefetches the first entry of chain b (call after the head is in cache). */
void ktab_prefetch_ent(const struct ktab *t, uint32_t b);
void ktab_del(struct ktab *t, const void *key);
/* Deletes the entry whose value is val (as returned by ktab_get). */
void ktab_del_val(struct ktab *t, void *val);
/* Expires entries idle for longer than timeout(val) seconds; looks at most at budget slots. */
size_t ktab_expire(struct ktab *t, uint32_t now, uint32_t (*timeout)(const void *val, void *arg),
    void *arg, uint32_t budget);
/* Visits every used entry (for the end of a run). */
void ktab_each(struct ktab *t, void (*fn)(void *arg, void *key, void *val), void *arg);
uint64_t mamori_hash(const void *p, size_t n, uint64_t seed);

/* ---- signatures ----------------------------------------------------------------------- */
enum sig_id {
	SIG_SCAN_MIRAI = 0,
	SIG_SCAN_FANOUT,
	SIG_BRUTE_TELNET,
	SIG_BRUTE_DEFAULT_OK,
	SIG_BRUTE_SSH,
	SIG_INF_SHELL,
	SIG_INF_BUSYBOX,
	SIG_INF_DROPPER,
	SIG_INF_EXEC,
	SIG_DL_BOTNAME,
	SIG_DL_ELF,
	SIG_DL_TFTP,
	SIG_EXPLOIT, /* the rule supplies sid and message */
	SIG_REPORT,
	SIG_C2_MIRAI,
	SIG_C2_RESOLVER,
	SIG_DDOS_SYN,
	SIG_DDOS_ACK,
	SIG_DDOS_STOMP,
	SIG_DDOS_UDP,
	SIG_DDOS_UDP_PLAIN,
	SIG_DDOS_VSE,
	SIG_DDOS_DNS,
	SIG_DDOS_GREIP,
	SIG_DDOS_GREETH,
	SIG_DDOS_HTTP,
	SIG_DDOS_ICMP,
	SIG_COUNT
};

struct sig {
	uint32_t sid;
	enum mamori_stage stage;
	unsigned severity;
	const char *msg;
	const char *category;
	const char *items_key;
};

extern const struct sig mamori_sigs[SIG_COUNT];

/* One detector hit, before aggregation. */
struct event {
	enum sig_id sig;
	uint32_t sid;        /* 0: the signature's own */
	const char *msg;     /* NULL: the signature's own */
	unsigned severity;   /* 0: the signature's own */
	uint32_t threshold;  /* emitted only when count reaches it (0/1: always) */
	bool has_src, has_dst;
	struct mamori_ip src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint64_t flow_id;
	uint64_t ts_us;
	uint32_t add;       /* count increment */
	const char *item;   /* a JSON value for the evidence list, or NULL */
	const char *extra;  /* JSON members (no braces) replacing the alert's extra, or NULL */
	const struct mamori_ip *item_ip; /* rendered as the item "ip:port" only if kept */
	uint16_t item_port;
	const struct mamori_ip *target_for_distinct; /* counted into distinct_dst */
	const struct mamori_ip *source_for_distinct; /* counted into distinct_src */
	uint64_t distinct_src_hint; /* a detector's own estimate, if larger */
	bool timeline_src_only; /* the destination is not a device (scan targets: own entries) */
};

/* ---- credential dictionary and exploit rules ------------------------------------------ */
struct creds;
mamori_err creds_load(struct creds **out, const struct mamori_sensor_config *c,
    struct mamori_diag *d);
bool creds_has(const struct creds *cr, const char *user, const char *pass);
size_t creds_count(const struct creds *cr);
void creds_free(struct creds *cr);

#define RULES_MAX       1024
#define RULE_CONDS_MAX  4
#define RULE_PAT_MAX    128
#define RULE_MSG_MAX    128
#define RULE_REF_MAX    128

enum rule_field { RF_URI, RF_BODY, RF_HEADERS, RF_ANY };

struct rule {
	uint32_t sid;
	unsigned severity;
	char msg[RULE_MSG_MAX];
	char ref[RULE_REF_MAX];
	size_t nconds;
	struct {
		enum rule_field field;
		char pat[RULE_PAT_MAX]; /* lower-cased */
		size_t len;
	} cond[RULE_CONDS_MAX];
};

struct rules {
	struct rule *v;
	size_t n;
};

mamori_err mamori_rules_parse(struct rules *r, const uint8_t *p, size_t len,
    struct mamori_diag *d);
void mamori_rules_free(struct rules *r);
/* First rule whose every condition matches (uri percent-decoded and lower-cased by caller). */
const struct rule *mamori_rules_match(const struct rules *r, const char *uri, size_t urilen,
    const char *head, size_t headlen, const char *body, size_t bodylen);

/* ---- TCP streams ---------------------------------------------------------------------- */
enum app_kind { APP_UNKNOWN = 0, APP_NONE, APP_TELNET, APP_HTTP, APP_REPORT, APP_C2 };

struct stream_dir {
	uint32_t next_seq;
	bool seq_init;
	bool gap;
	uint32_t ooo_len;
	uint8_t *ooo; /* held out-of-order segments: [seq(4) len(2) bytes]... */
	uint32_t ooo_cap;
	uint64_t bytes;
	struct mamori_buf head; /* first bytes kept for HTTP / report / C&C parsing */
	uint64_t skip;          /* body bytes still to skip (HTTP Content-Length) */
};

struct stream {
	struct stream_dir d[2]; /* 0: client -> server, 1: server -> client */
	uint8_t app;
	uint8_t http_reqs;     /* requests parsed on this connection */
	bool http_resp_done;
	bool c2_reported;
	bool report_done;
	uint32_t c2_keepalives;
	uint32_t c2_hdr_len;
	struct mamori_telnet *telnet;
	struct worker *w; /* for telnet callbacks */
	struct flow *flow;
};

/* ---- flows ----------------------------------------------------------------------------- */
struct flow_key {
	struct mamori_ip a, b; /* a: the lower address (canonical order) */
	uint16_t ap, bp;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow {
	uint64_t id;
	uint32_t first;
	uint32_t pkts[2]; /* 0: from the initiator */
	uint8_t init_is_a; /* the initiator is key.a */
	uint8_t flags;     /* FLOW_* */
	uint8_t tcp_flags_seen[2];
	struct stream *st;
};

/* The key a flow value is stored under (ktab lays the key right before the value). */
static inline const struct flow_key *
flow_key_of(const struct flow *f)
{
	return (const struct flow_key *)(const void *)((const uint8_t *)f - sizeof(struct flow_key));
}

#define FLOW_HANDSHAKE 0x01 /* SYN seen from the initiator */
#define FLOW_CLOSED    0x02
#define FLOW_NOINSPECT 0x04 /* payload not worth following */
#define FLOW_SSH_COUNTED 0x08
#define FLOW_MIDSTREAM 0x10 /* first packet was not a SYN */
#define FLOW_RESP_LIVE 0x20 /* the responder sent something other than a reset */

/* ---- hosts ------------------------------------------------------------------------------ */
enum ddos_vec {
	V_SYN = 0, V_ACK, V_STOMP, V_UDP, V_UDP_PLAIN, V_VSE, V_DNS, V_GREIP, V_GREETH, V_HTTP,
	V_ICMP, V_COUNT
};

#define HOST_BITMAP_BYTES 64 /* 512-bit linear-counting sketch */

struct host {
	/* scan, as a source: distinct destinations on scan ports in the current window, in a
	 * linear-counting sketch whose zero bits are counted as they are set */
	uint32_t scan_start;
	uint16_t scan_zeros;
	bool scan_alerted;
	uint8_t scan_bits[HOST_BITMAP_BYTES];
	/* DNS floods, as a source: queries under one parent domain */
	uint32_t dns_sec;
	uint32_t dns_cnt;
	uint64_t dns_parent; /* hash of the parent domain counted */
	uint8_t dns_bits[HOST_BITMAP_BYTES];
	bool dns_alerted;
};

/* Flood rates per target and vector: a two-way set-associative table of one-second buckets.
 * No allocation per target and one cache line per packet; a flood keeps its slot since a
 * slot is only taken over from a target that was quiet in the last second. */
#define FLOOD_SLOTS (1u << 15)

struct flood_slot {
	struct mamori_ip target;
	struct mamori_ip src; /* the first source seen this second */
	uint32_t sec;
	uint32_t cnt;      /* packets in second `sec` */
	uint32_t prev;     /* packets in the second before */
	uint32_t reported; /* of cnt, already in an alert */
	uint16_t dport;
	uint8_t proto;
	uint8_t vec;
	uint8_t used;
	uint8_t multi;        /* several sources this second */
	uint8_t alerted;      /* the rate crossed the threshold this second */
	uint8_t prev_alerted; /* ... and in the second before: its packets are all reported */
	uint8_t mirai_shape;  /* the packet that crossed the threshold had Mirai's SYN shape */
	uint8_t srcbits[32];  /* distinct sources this second (256-bit linear counting) */
};

#define FLOOD_OPEN_MAX 256

/* First of the two slots for (target, vector). The vectors of one target sit side by side,
 * so the batch stage can prefetch them from the target alone. */
static inline uint32_t
flood_index(const struct mamori_ip *target, unsigned vec)
{
	return (uint32_t)(mamori_hash(target->b, 16, 0xa54ff53a5f1d36f1ull) + (uint64_t)2u * vec) &
	    (FLOOD_SLOTS - 1) & ~1u;
} /* slots in an alerted second, closed by the per-second sweep */

/* Scanned addresses not yet in the timeline (home_net "any"): direct-mapped, so a host that is
 * only ever scanned costs no timeline entry; its scan is added when it goes through another
 * stage as a target. */
#define SCANNED_SLOTS (1u << 16)

struct scanned {
	struct mamori_ip dst, src;
	uint64_t first_us, last_us;
};

static inline uint32_t
scanned_index(const struct mamori_ip *dst)
{
	return (uint32_t)mamori_hash(dst->b, 16, 0x3c6ef372fe94f82bull) & (SCANNED_SLOTS - 1);
}

struct worker {
	struct mamori_sensor *s;
	unsigned idx;
	struct ktab flows;
	struct ktab hosts;
	uint32_t streams_used;
	uint32_t now; /* seconds of the current packet */
	uint32_t last_sweep;
	uint64_t next_flow_id;
	uint32_t rate_div; /* thresholds divided by the number of workers */
	uint16_t scan_zeros_thr; /* a sketch with this many zero bits or fewer is a scan */
	struct flood_slot *flood;
	uint32_t flood_open[FLOOD_OPEN_MAX];
	uint32_t nflood_open;
	struct mamori_sensor_stats st;
	/* current packet context for callbacks */
	const struct mamori_pkt *pkt;
	struct flow *cur_flow;
	bool cur_from_init;
};

struct agg; /* alert aggregation table, alert.c */
struct timeline;

struct mamori_sensor {
	struct mamori_sensor_config cfg;
	mamori_alert_fn on_alert;
	void *alert_arg;
	mamori_block_fn on_block;
	void *block_arg;
	struct worker *w;
	unsigned nw;
	pthread_mutex_t lock; /* shared: aggregation, timeline, IPS (taken only when nw > 1) */
	struct agg *agg;
	struct timeline *tl;
	struct creds *creds;
	struct rules rules;
	struct mamori_sensor_stats shared; /* alerts emitted, drops */
	uint64_t last_tick_us;
	struct scanned *scanned; /* SCANNED_SLOTS, shared (under the lock) */
};

void sensor_lock(struct mamori_sensor *s);
void sensor_unlock(struct mamori_sensor *s);

/* alert.c */
mamori_err agg_new(struct agg **out, uint32_t cap, uint64_t seed);
void agg_free(struct agg *a);
/* Records an event (caller holds the lock). */
void agg_event(struct mamori_sensor *s, const struct event *ev);
void agg_flush(struct mamori_sensor *s, uint64_t now_us, bool all);

/* timeline.c */
mamori_err timeline_new(struct timeline **out, uint32_t cap);
void timeline_free(struct timeline *t);
void timeline_add(struct timeline *t, const struct mamori_ip *host, enum mamori_stage st,
    bool as_source, uint64_t ts_us, const struct mamori_ip *peer);
mamori_err timeline_render(struct timeline *t, bool json, struct mamori_buf *out);
/* Whether host went through stage in that role (caller holds the lock). */
bool timeline_has(struct timeline *t, const struct mamori_ip *host, enum mamori_stage st,
    bool as_source);

/* detect.c: called by engine.c */
void detect_packet(struct worker *w, const struct mamori_pkt *p, struct flow *f, bool from_init);
void detect_stream(struct worker *w, struct flow *f, struct stream *st, int dir,
    const uint8_t *p, size_t n);
void detect_stream_end(struct worker *w, struct flow *f, struct stream *st);
/* End of input: reports what floods added in their last second. */
void detect_finish(struct worker *w);
/* Once per second of packet time: closes the flood seconds that have ended. */
void detect_second(struct worker *w);
/* n bytes of direction dir were not captured (snaplen, or a gap that did not fill). */
void detect_stream_gap(struct worker *w, struct flow *f, struct stream *st, int dir, size_t n);
void emit(struct worker *w, struct event *ev);

/* stream.c */
/* Feeds a TCP segment of flow f (dir 0 = from the client) into in-order delivery. */
void stream_segment(struct worker *w, struct flow *f, struct stream *st, int dir,
    const struct mamori_pkt *p);
struct stream *stream_new(struct worker *w, struct flow *f);
void stream_free(struct worker *w, struct stream *st);

#endif
