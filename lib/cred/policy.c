/* SPDX-License-Identifier: MIT */
/* Password policy after NIST SP 800-63B 5.1.1.2: passwords are Unicode NFKC-normalised
 * (libunistring), checked against the shipped blocklists (data/cred/NAME.txt, data/cred/README.md),
 * the user name and the device's words, and refused when repetitive or sequential. There are no
 * composition rules. A verdict's why never quotes the password, the user name or a device word. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "mamori/cred.h"

#ifndef MAMORI_DATADIR
#define MAMORI_DATADIR "/usr/share/mamori"
#endif

#define BL_LISTS_MAX   16u                /* list files in a blocklist directory */
#define BL_ENTRIES_MAX ((size_t)1 << 20)  /* passwords of all lists together */
#define BL_FILE_MAX    ((size_t)16 << 20) /* bytes of one list file */
#define BL_KEYS_MAX    ((size_t)64 << 20) /* bytes of all folded passwords together */
#define BL_NAME_MAX    64u                /* bytes of a list's file name */
#define BL_DESC_MAX    96u                /* bytes of a list's description */
#define BL_PATH_MAX    4096u              /* bytes of DIR/NAME */
/* Case folding after NFKC grows a string at most 3 times ("ΐ": 2 bytes, 6 folded). */
#define KEY_MAX  (4u * MAMORI_CRED_PASSWORD_MAX)
#define WORD_MIN 3u /* a user name or device word this long counts anywhere in a password */
#define BASE_MIN 3u /* characters a blocklisted word needs to count with things added */
#define UNIT_MAX 4u /* longest unit of a "short pattern repeated" */

struct bl_list {
	char name[BL_NAME_MAX + 1];
	char desc[BL_DESC_MAX + 1]; /* the first "# " line of the file; "" when none */
	size_t n;                   /* passwords read from the file */
};

struct bl_entry {
	const uint8_t *p; /* into keys, set once every list is read */
	size_t off;       /* of the key in keys */
	size_t len;
	size_t list;
	size_t rank; /* entries of the list: a password in several lists goes to the smallest */
};

struct mamori_cred_blocklist {
	struct bl_list lists[BL_LISTS_MAX];
	size_t n_lists;
	uint8_t *keys; /* the folded passwords back to back, each NUL-terminated */
	struct bl_entry *e;
	size_t n, cap;
};

/* ---- normalisation ---- */

/* NFKC (fold false) or NFKC case folding (fold true) of s[0..n) into buf[0..cap), NUL-terminated.
 * The result goes straight into buf when it fits, so no copy of the password is left on the
 * heap; when it does not, libunistring's allocation is wiped and freed: MAMORI_E_TOOBIG. */
static mamori_err
uni_into(bool fold, const uint8_t *s, size_t n, uint8_t *buf, size_t cap, size_t *outlen)
{
	size_t rlen = cap - 1;
	uint8_t *r;

	if (n == 0) {
		buf[0] = '\0';
		*outlen = 0;
		return MAMORI_OK;
	}
	errno = 0;
	if (fold)
		r = u8_casefold(s, n, "", UNINORM_NFKC, buf, &rlen);
	else
		r = u8_normalize(UNINORM_NFKC, s, n, buf, &rlen);
	if (r == NULL)
		return errno == ENOMEM ? MAMORI_E_NOMEM : MAMORI_E_MALFORMED;
	if (r != buf) {
		mamori_wipe(r, rlen);
		free(r);
		mamori_wipe(buf, cap);
		return MAMORI_E_TOOBIG;
	}
	buf[rlen] = '\0';
	*outlen = rlen;
	return MAMORI_OK;
}

mamori_err
mamori_cred_normalize(const char *pw, size_t len, char out[MAMORI_CRED_PASSWORD_MAX + 1],
    size_t *outlen, size_t *chars)
{
	uint8_t tmp[MAMORI_CRED_PASSWORD_MAX + 1];
	const uint8_t *s = (const uint8_t *)pw;
	size_t n = 0;
	mamori_err e;

	if ((pw == NULL && len > 0) || out == NULL)
		return MAMORI_E_INVAL;
	/* the length comes from outside: refuse before looking at the bytes */
	if (len > MAMORI_CRED_PASSWORD_MAX)
		return MAMORI_E_TOOBIG;
	if (len > 0 && u8_check(s, len) != NULL)
		return MAMORI_E_MALFORMED;
	e = uni_into(false, s, len, tmp, sizeof(tmp), &n);
	if (e == MAMORI_OK) {
		memcpy(out, tmp, n + 1);
		if (outlen != NULL)
			*outlen = n;
		if (chars != NULL)
			*chars = u8_mbsnlen(tmp, n);
	}
	mamori_wipe(tmp, sizeof(tmp));
	return e;
}

/* The lookup key of a password: NFKC, case-folded (with NFKC again). */
static mamori_err
make_key(const char *pw, size_t len, uint8_t key[KEY_MAX + 1], size_t *klen)
{
	char norm[MAMORI_CRED_PASSWORD_MAX + 1];
	size_t n = 0;
	mamori_err e;

	e = mamori_cred_normalize(pw, len, norm, &n, NULL);
	if (e == MAMORI_OK)
		e = uni_into(true, (const uint8_t *)norm, n, key, KEY_MAX + 1, klen);
	mamori_wipe(norm, sizeof(norm));
	return e;
}

/* ---- the blocklists ---- */

static int
keycmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
entry_cmp(const void *x, const void *y)
{
	const struct bl_entry *a = x, *b = y;
	int c = keycmp(a->p, a->len, b->p, b->len);

	if (c != 0)
		return c;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->list < b->list ? -1 : a->list > b->list;
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

static bool
has_control(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, s + i, n - i);

		/* C0, DEL and C1 */
		if (uc < 0x20 || (uc >= 0x7f && uc <= 0x9f))
			return true;
		i += (size_t)k;
	}
	return false;
}

static const char *
list_desc(const struct bl_list *l)
{
	return l->desc[0] != '\0' ? l->desc : l->name;
}

static const struct bl_list *
bl_lookup(const struct mamori_cred_blocklist *bl, const uint8_t *k, size_t n)
{
	size_t lo = 0, hi = bl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = keycmp(bl->e[mid].p, bl->e[mid].len, k, n);

		if (c == 0)
			return &bl->lists[bl->e[mid].list];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A "# " header line: the first one is the list's description, shown to people. */
static mamori_err
take_desc(struct bl_list *l, const uint8_t *s, size_t n, const char *path, size_t off, size_t line,
    struct mamori_diag *d)
{
	if (l->desc[0] != '\0' || n == 0)
		return MAMORI_OK;
	/* the description goes into a bounded message: cap it here */
	if (n > BL_DESC_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, off, line,
		    "%s:%zu: description longer than %u bytes", path, line, BL_DESC_MAX);
	if (u8_check(s, n) != NULL || has_control(s, n))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off, line,
		    "%s:%zu: description is not printable UTF-8", path, line);
	memcpy(l->desc, s, n);
	l->desc[n] = '\0';
	return MAMORI_OK;
}

static mamori_err
add_entry(struct mamori_cred_blocklist *bl, struct mamori_buf *keys, const uint8_t *k, size_t klen)
{
	mamori_err e;
	size_t off = keys->len;

	/* a count bound over all lists, so a directory of huge files cannot exhaust memory */
	if (bl->n == BL_ENTRIES_MAX)
		return MAMORI_E_TOOBIG;
	if (bl->n == bl->cap) {
		size_t cap = bl->cap ? 2 * bl->cap : 4096, bytes;
		struct bl_entry *ne;

		if (cap > BL_ENTRIES_MAX)
			cap = BL_ENTRIES_MAX;
		if (!mamori_mul_size(cap, sizeof(*ne), &bytes))
			return MAMORI_E_NOMEM;
		ne = realloc(bl->e, bytes);
		if (ne == NULL)
			return MAMORI_E_NOMEM;
		bl->e = ne;
		bl->cap = cap;
	}
	e = mamori_buf_append(keys, k, klen);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(keys, 0);
	if (e != MAMORI_OK) {
		keys->len = off;
		return e;
	}
	bl->e[bl->n].p = NULL;
	bl->e[bl->n].off = off;
	bl->e[bl->n].len = klen;
	bl->e[bl->n].list = bl->n_lists;
	bl->e[bl->n].rank = 0;
	bl->n++;
	return MAMORI_OK;
}

/* Reads dir/name into the next list: "# " header lines, then one password per line (LF, a CR
 * before it is dropped; empty lines skipped); each password is normalised and folded. */
static mamori_err
load_list(struct mamori_cred_blocklist *bl, struct mamori_buf *keys, const char *dir,
    const char *name, struct mamori_diag *d)
{
	char path[BL_PATH_MAX];
	uint8_t key[KEY_MAX + 1];
	struct bl_list *l = &bl->lists[bl->n_lists];
	struct mamori_buf f;
	size_t off = 0, line = 0, first = bl->n;
	bool header = true;
	mamori_err e;
	int pl;

	pl = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pl < 0 || (size_t)pl >= sizeof(path))
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "%s: path longer than %u bytes",
		    name, BL_PATH_MAX - 1);
	memcpy(l->name, name, strlen(name) + 1);
	mamori_buf_init(&f, BL_FILE_MAX);
	e = mamori_read_file(path, &f);
	if (e == MAMORI_E_TOOBIG) {
		e = mamori_diag_set(
		    d, e, BL_FILE_MAX, 0, "%s: larger than %zu bytes", path, BL_FILE_MAX);
		goto out;
	}
	if (e != MAMORI_OK) {
		e = mamori_diag_set(d, e, 0, 0, "%s: %s", path,
		    e == MAMORI_E_IO ? strerror(errno) : mamori_strerror(e));
		goto out;
	}
	while (off < f.len) {
		const uint8_t *s = f.p + off;
		const uint8_t *nl = memchr(s, '\n', f.len - off);
		size_t n = nl != NULL ? (size_t)(nl - s) : f.len - off;
		size_t next = off + n + (nl != NULL);
		size_t klen = 0;

		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (header && n > 0 && s[0] == '#' && (n == 1 || s[1] == ' ')) {
			e = take_desc(
			    l, s + (n > 1 ? 2 : 1), n > 1 ? n - 2 : 0, path, off, line, d);
			if (e != MAMORI_OK)
				goto out;
			off = next;
			continue;
		}
		header = false;
		if (n == 0) { /* no empty passwords: the length check refuses them anyway */
			off = next;
			continue;
		}
		e = make_key((const char *)s, n, key, &klen);
		if (e == MAMORI_E_TOOBIG) {
			e = mamori_diag_set(d, e, off, line,
			    "%s:%zu: longer than a password (%u bytes)", path, line,
			    MAMORI_CRED_PASSWORD_MAX);
			goto out;
		}
		if (e != MAMORI_OK) {
			e = mamori_diag_set(d, e, off, line, "%s:%zu: %s", path, line,
			    e == MAMORI_E_MALFORMED ? "not valid UTF-8" : mamori_strerror(e));
			goto out;
		}
		e = add_entry(bl, keys, key, klen);
		if (e != MAMORI_OK) {
			e = mamori_diag_set(d, e, off, line,
			    "%s:%zu: the lists hold more than %zu passwords or %zu bytes", path,
			    line, BL_ENTRIES_MAX, BL_KEYS_MAX);
			goto out;
		}
		off = next;
	}
	l->n = bl->n - first;
	for (size_t i = first; i < bl->n; i++)
		bl->e[i].rank = l->n;
	bl->n_lists++;
	e = MAMORI_OK;
out:
	mamori_wipe(key, sizeof(key));
	mamori_buf_free(&f);
	return e;
}

/* Whether a directory entry is a list: NAME.txt, not hidden, not a licence or read-me. */
static bool
is_list(const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || name[0] == '.' || strcmp(name + n - 4, ".txt") != 0)
		return false;
	return strncmp(name, "LICENSE", 7) != 0 && strncmp(name, "README", 6) != 0;
}

mamori_err
mamori_cred_blocklist_load(
    const char *dir, struct mamori_cred_blocklist **out, struct mamori_diag *d)
{
	char names[BL_LISTS_MAX][BL_NAME_MAX + 1];
	struct mamori_cred_blocklist *bl = NULL;
	struct mamori_buf keys;
	size_t n_names = 0, j = 0;
	mamori_err e = MAMORI_E_IO;
	DIR *dp;

	if (out == NULL)
		return MAMORI_E_INVAL;
	if (dir == NULL)
		dir = MAMORI_DATADIR "/cred";
	mamori_buf_init(&keys, BL_KEYS_MAX);
	dp = opendir(dir);
	if (dp == NULL)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", dir, strerror(errno));
	for (;;) {
		struct dirent *de;
		size_t n;

		errno = 0;
		de = readdir(dp);
		if (de == NULL)
			break;
		if (!is_list(de->d_name))
			continue;
		n = strlen(de->d_name);
		if (n > BL_NAME_MAX) {
			e = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
			    "%s/%s: file name longer than %u bytes", dir, de->d_name, BL_NAME_MAX);
			(void)closedir(dp);
			return e;
		}
		if (n_names == BL_LISTS_MAX) {
			(void)closedir(dp);
			return mamori_diag_set(
			    d, MAMORI_E_TOOBIG, 0, 0, "%s: more than %u lists", dir, BL_LISTS_MAX);
		}
		memcpy(names[n_names++], de->d_name, n + 1);
	}
	if (errno != 0) {
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", dir, strerror(errno));
		(void)closedir(dp);
		return e;
	}
	(void)closedir(dp);
	if (n_names == 0)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0, "%s: no *.txt lists", dir);
	qsort(names, n_names, sizeof(names[0]), name_cmp);

	bl = calloc(1, sizeof(*bl));
	if (bl == NULL)
		return MAMORI_E_NOMEM;
	for (size_t i = 0; i < n_names; i++) {
		e = load_list(bl, &keys, dir, names[i], d);
		if (e != MAMORI_OK)
			goto out;
	}
	bl->keys = mamori_buf_take(&keys, &(size_t){0});
	for (size_t i = 0; i < bl->n; i++)
		bl->e[i].p = bl->keys + bl->e[i].off;
	if (bl->n > 0)
		qsort(bl->e, bl->n, sizeof(bl->e[0]), entry_cmp);
	/* a password in several lists stays once, with the smallest (most specific) list */
	for (size_t i = 0; i < bl->n; i++) {
		if (j > 0 &&
		    keycmp(bl->e[j - 1].p, bl->e[j - 1].len, bl->e[i].p, bl->e[i].len) == 0)
			continue;
		bl->e[j++] = bl->e[i];
	}
	bl->n = j;
	*out = bl;
	bl = NULL;
	e = MAMORI_OK;
out:
	mamori_buf_free(&keys);
	mamori_cred_blocklist_free(bl);
	return e;
}

const char *
mamori_cred_blocklist_find(const struct mamori_cred_blocklist *bl, const char *pw, size_t len)
{
	uint8_t key[KEY_MAX + 1];
	const struct bl_list *l = NULL;
	size_t klen = 0;

	if (bl == NULL || (pw == NULL && len > 0))
		return NULL;
	if (make_key(pw, len, key, &klen) == MAMORI_OK)
		l = bl_lookup(bl, key, klen);
	mamori_wipe(key, sizeof(key));
	return l != NULL ? list_desc(l) : NULL;
}

size_t
mamori_cred_blocklist_size(const struct mamori_cred_blocklist *bl)
{
	return bl != NULL ? bl->n : 0;
}

void
mamori_cred_blocklist_free(struct mamori_cred_blocklist *bl)
{
	if (bl == NULL)
		return;
	free(bl->keys);
	free(bl->e);
	free(bl);
}

/* ---- the policy ---- */

static bool
is_filler(uint8_t c)
{
	/* ASCII digits, punctuation and space: what people add around a word */
	return (c >= 0x20 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) ||
	       (c >= 0x7b && c <= 0x7e) || (c >= '0' && c <= '9');
}

/* The "bases" of key: key[lo..hi) for every hi from the start of its trailing run of fillers
 * up to its end, with lo 0 and, when key starts with fillers, lo after them. A base never
 * starts or ends inside its own filler run, and holds at least one other character. fn says
 * whether a base counts; the first that does ends the walk. */
static bool
any_base(const uint8_t *key, size_t klen,
    bool (*fn)(const uint8_t *b, size_t n, const void *ctx, const void **hit), const void *ctx,
    const void **hit)
{
	size_t tail = klen, head = 0;

	while (tail > 0 && is_filler(key[tail - 1]))
		tail--;
	while (head < tail && is_filler(key[head]))
		head++;
	if (tail == 0)
		return false;
	for (size_t hi = tail; hi <= klen; hi++) {
		if (hi != klen && fn(key, hi, ctx, hit))
			return true;
		if (head > 0 && fn(key + head, hi - head, ctx, hit))
			return true;
	}
	return false;
}

static bool
base_listed(const uint8_t *b, size_t n, const void *ctx, const void **hit)
{
	const struct bl_list *l;

	if (u8_mbsnlen(b, n) < BASE_MIN)
		return false;
	l = bl_lookup(ctx, b, n);
	*hit = l;
	return l != NULL;
}

struct word {
	uint8_t k[KEY_MAX + 1]; /* folded */
	size_t n;
};

static bool
base_is_word(const uint8_t *b, size_t n, const void *ctx, const void **hit)
{
	const struct word *w = ctx;

	(void)hit;
	return n == w->n && memcmp(b, w->k, n) == 0;
}

/* s without ASCII punctuation and spaces (the skeleton of "CAM-200" is "cam200"). */
static size_t
skeleton(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 0x80 || !is_filler(s[i]) || (s[i] >= '0' && s[i] <= '9'))
			out[m++] = s[i];
	}
	return m;
}

/* s reversed code point by code point. */
static void
reverse(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t i = 0;

	while (i < n) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, s + i, n - i);

		memcpy(out + n - i - (size_t)k, s + i, (size_t)k);
		i += (size_t)k;
	}
}

static bool
contains(const uint8_t *h, size_t hn, const uint8_t *w, size_t wn)
{
	if (wn == 0 || wn > hn)
		return false;
	for (size_t i = 0; i + wn <= hn; i++) {
		if (h[i] == w[0] && memcmp(h + i, w, wn) == 0)
			return true;
	}
	return false;
}

/* Whether the password (key, folded) is built from word (a user name or a device word): it
 * equals the word with fillers around it, or, for words of WORD_MIN or more characters, holds
 * it anywhere (as it is, reversed, or without its punctuation). */
static bool
built_from(
    const char *word, const uint8_t *key, size_t klen, const uint8_t *kskel, size_t kskel_len)
{
	struct word w;
	uint8_t tmp[KEY_MAX + 1];
	size_t wlen, m;

	if (word == NULL)
		return false;
	/* a word longer than a password cannot be part of one */
	wlen = strnlen(word, MAMORI_CRED_PASSWORD_MAX + 1);
	if (wlen == 0 || wlen > MAMORI_CRED_PASSWORD_MAX)
		return false;
	if (make_key(word, wlen, w.k, &w.n) != MAMORI_OK || w.n == 0)
		return false;
	if (w.n == klen && memcmp(w.k, key, klen) == 0)
		return true;
	if (any_base(key, klen, base_is_word, &w, &(const void *){NULL}))
		return true;
	if (u8_mbsnlen(w.k, w.n) < WORD_MIN)
		return false;
	if (contains(key, klen, w.k, w.n))
		return true;
	reverse(w.k, w.n, tmp);
	if (contains(key, klen, tmp, w.n))
		return true;
	m = skeleton(w.k, w.n, tmp);
	return m >= WORD_MIN && contains(kskel, kskel_len, tmp, m);
}

/* ---- repetition and sequences ---- */

static const char *const rows[] = {
    "`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", /* US */
    "azertyuiop", "qsdfghjklm", "wxcvbn",                           /* AZERTY */
    "qwertzuiop", "yxcvbnm",                                        /* QWERTZ */
};

#define REL_SAME 0x1u
#define REL_UP   0x2u
#define REL_DOWN 0x4u
#define REL_ROW  0x8u /* then two bits per keyboard row: right, left */
#define REL_ALL  0xffffffffu

static unsigned
relation(ucs4_t a, ucs4_t b)
{
	unsigned r = 0;

	if (a == b)
		return REL_SAME;
	if ((a >= '0' && a <= '9' && b >= '0' && b <= '9') ||
	    (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z')) {
		if (b == a + 1)
			r |= REL_UP;
		if (a == b + 1)
			r |= REL_DOWN;
	}
	if (a < 0x80 && b < 0x80 && a != 0 && b != 0) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			const char *pa = strchr(rows[i], (int)a), *pb = strchr(rows[i], (int)b);

			if (pa == NULL || pb == NULL)
				continue;
			if (pb == pa + 1)
				r |= REL_ROW << (2 * i);
			if (pa == pb + 1)
				r |= REL_ROW << (2 * i + 1);
		}
	}
	return r;
}

enum rep { REP_NONE, REP_ONE, REP_SEQ, REP_PATTERN, REP_TWO_RUNS };

/* How key (folded) repeats itself: one character, one run (counting up or down in digits or
 * letters, or along a keyboard row), a unit of up to UNIT_MAX characters repeated, or two
 * such runs ("aaaa1111", "1234abcd"). */
static enum rep
repetition(const uint8_t *key, size_t klen)
{
	ucs4_t cp[KEY_MAX];
	size_t n = 0, i = 0, runs = 1;
	unsigned mask = REL_ALL;
	enum rep r = REP_NONE;

	while (i < klen) {
		int k = u8_mbtouc(&cp[n], key + i, klen - i);

		i += (size_t)k;
		n++;
	}
	if (n < 2)
		goto out;
	for (i = 1; i < n; i++) {
		unsigned m = mask & relation(cp[i - 1], cp[i]);

		if (m == 0) {
			runs++;
			mask = REL_ALL;
		} else {
			mask = m;
		}
	}
	if (runs == 1) {
		r = mask == REL_SAME ? REP_ONE : REP_SEQ;
		goto out;
	}
	for (size_t u = 2; u <= UNIT_MAX && 2 * u <= n; u++) {
		for (i = u; i < n && cp[i] == cp[i - u]; i++)
			;
		if (i == n) {
			r = REP_PATTERN;
			goto out;
		}
	}
	if (runs == 2)
		r = REP_TWO_RUNS;
out:
	mamori_wipe(cp, n * sizeof(cp[0]));
	return r;
}

static void verdict(struct mamori_cred_pw_verdict *v, enum mamori_cred_pw_problem p,
    const char *fmt, ...) MAMORI_PRINTF(3, 4);

/* Writes why, cutting a message that does not fit at a character boundary. */
static void
verdict(struct mamori_cred_pw_verdict *v, enum mamori_cred_pw_problem p, const char *fmt, ...)
{
	va_list ap;
	int n;

	v->problem = p;
	va_start(ap, fmt);
	n = vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	if (n < 0) {
		v->why[0] = '\0';
	} else if ((size_t)n >= sizeof(v->why)) {
		size_t e = sizeof(v->why) - 1;

		while (e > 0 && ((uint8_t)v->why[e] & 0xc0) == 0x80)
			e--;
		v->why[e] = '\0';
	}
}

/* "it is a factory login ... (mirai.txt)", or "it is in the list x.txt" without a description. */
static void
listed(struct mamori_cred_pw_verdict *v, const char *pre, const struct bl_list *l, const char *post)
{
	if (l->desc[0] != '\0')
		verdict(v, MAMORI_CRED_PW_BLOCKLISTED, "%s%s%s (%s)", pre, l->desc, post, l->name);
	else
		verdict(v, MAMORI_CRED_PW_BLOCKLISTED, "%sin the list %s%s", pre, l->name, post);
}

/* Whether key (folded) is a unit repeated ("adminadmin") and the unit, of BASE_MIN or more
 * characters, is in a list. Only the smallest unit is tried: "aaaaaaaa" is "a" repeated. */
static const struct bl_list *
repeated_listed(const struct mamori_cred_blocklist *bl, const uint8_t *key, size_t klen)
{
	for (size_t u = 1; 2 * u <= klen; u++) {
		size_t i;

		if (klen % u != 0 || u8_check(key, u) != NULL)
			continue;
		for (i = u; i < klen && key[i] == key[i - u]; i++)
			;
		if (i < klen)
			continue;
		return u8_mbsnlen(key, u) >= BASE_MIN ? bl_lookup(bl, key, u) : NULL;
	}
	return NULL;
}

void
mamori_cred_policy_check(const struct mamori_cred_policy *p, const char *user, const char *pw,
    size_t len, struct mamori_cred_pw_verdict *v)
{
	char norm[MAMORI_CRED_PASSWORD_MAX + 1];
	uint8_t key[KEY_MAX + 1], kskel[KEY_MAX + 1];
	const struct mamori_cred_blocklist *bl = p != NULL ? p->blocklist : NULL;
	const struct bl_list *l;
	const void *hit = NULL;
	size_t nlen = 0, chars = 0, klen = 0, kskel_len, min;
	enum rep rep;
	mamori_err e;

	if (v == NULL)
		return;
	/* fail closed: every path below that does not refuse must say OK explicitly */
	verdict(v, MAMORI_CRED_PW_NOT_UTF8, "it could not be checked");
	if (pw == NULL && len > 0)
		goto out;
	if (pw == NULL)
		pw = "";
	if (len > 0 && u8_check((const uint8_t *)pw, len) != NULL) {
		verdict(v, MAMORI_CRED_PW_NOT_UTF8, "it is not valid UTF-8 text");
		goto out;
	}
	if (has_control((const uint8_t *)pw, len)) {
		verdict(v, MAMORI_CRED_PW_CONTROL, "it contains a control character");
		goto out;
	}
	/* the length from outside: the scans above are linear and allocate nothing, and nothing
	 * past them looks at more than MAMORI_CRED_PASSWORD_MAX bytes */
	if (len > MAMORI_CRED_PASSWORD_MAX) {
		verdict(v, MAMORI_CRED_PW_TOO_LONG, "it is longer than %u bytes",
		    MAMORI_CRED_PASSWORD_MAX);
		goto out;
	}
	e = mamori_cred_normalize(pw, len, norm, &nlen, &chars);
	if (e == MAMORI_E_TOOBIG) {
		verdict(v, MAMORI_CRED_PW_TOO_LONG, "it is longer than %u bytes once normalised",
		    MAMORI_CRED_PASSWORD_MAX);
		goto out;
	}
	if (e != MAMORI_OK)
		goto out;
	/* NFKC maps no printable character to a control one; checked again all the same */
	if (has_control((const uint8_t *)norm, nlen)) {
		verdict(v, MAMORI_CRED_PW_CONTROL, "it contains a control character");
		goto out;
	}
	if (uni_into(true, (const uint8_t *)norm, nlen, key, sizeof(key), &klen) != MAMORI_OK)
		goto out;

	/* before the length, so that "xc3511" is named as Mirai's rather than as short */
	if (bl != NULL) {
		l = bl_lookup(bl, key, klen);
		if (l != NULL) {
			listed(v, "it is ", l, "");
			goto out;
		}
		if (any_base(key, klen, base_listed, bl, &hit)) {
			listed(v, "without the digits or symbols at its ends, it is ", hit, "");
			goto out;
		}
		l = repeated_listed(bl, key, klen);
		if (l != NULL) {
			listed(v, "it is ", l, ", repeated");
			goto out;
		}
	}
	min = p != NULL && p->min_length > 0 ? p->min_length : MAMORI_CRED_PASSWORD_MIN;
	if (chars < min) {
		verdict(v, MAMORI_CRED_PW_TOO_SHORT,
		    "it has %zu character%s; at least %zu %s required", chars,
		    chars == 1 ? "" : "s", min, min == 1 ? "is" : "are");
		goto out;
	}
	kskel_len = skeleton(key, klen, kskel);
	if (built_from(user, key, klen, kskel, kskel_len)) {
		verdict(v, MAMORI_CRED_PW_USER_NAME, "it is built from the user name");
		goto out;
	}
	if (p != NULL) {
		size_t nw = p->n_words < MAMORI_CRED_WORDS_MAX ? p->n_words : MAMORI_CRED_WORDS_MAX;

		for (size_t i = 0; i < nw; i++) {
			if (built_from(p->words[i], key, klen, kskel, kskel_len)) {
				verdict(v, MAMORI_CRED_PW_DEVICE_WORD,
				    "it is built from a device word (vendor, model or serial number)");
				goto out;
			}
		}
	}
	rep = repetition(key, klen);
	if (rep != REP_NONE) {
		verdict(v, MAMORI_CRED_PW_REPETITIVE, "%s",
		    rep == REP_ONE       ? "it is one character repeated"
		    : rep == REP_SEQ     ? "it is a sequence of consecutive characters or keys"
		    : rep == REP_PATTERN ? "it is a short pattern repeated"
		                         : "it is two runs of repeated or consecutive characters");
		goto out;
	}
	v->problem = MAMORI_CRED_PW_OK;
	v->why[0] = '\0';
out:
	mamori_wipe(norm, sizeof(norm));
	mamori_wipe(key, sizeof(key));
	mamori_wipe(kskel, sizeof(kskel));
}
