/* SPDX-License-Identifier: MIT */
/* Bundles over HTTP(S) with libcurl, as a pull reader for mamori_upd_verify: the transfer is
 * driven by curl_multi and paused whenever the buffer is full, so the verifier (and the slot
 * writer behind it) sets the pace and memory stays at one buffer. An interrupted transfer is
 * resumed with a Range request at the byte the verifier has reached. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/update.h"

#define FETCH_BUF       ((size_t)1 << 20) /* bytes buffered between libcurl and the reader */
#define FETCH_RETRIES   5u                /* resumptions of one download */
#define FETCH_SMALL_MAX 4096u             /* bytes of a pointer file (check) */

struct mamori_upd_fetch {
	CURLM *multi;
	CURL *easy;
	char url[MAMORI_UPD_URL_MAX];
	char ca[MAMORI_UPD_PATH_MAX]; /* CA certificates to trust instead of the system's, or "" */
	uint8_t *buf;
	size_t head, len; /* unread bytes: buf[head .. head+len) */
	bool paused, done;
	CURLcode result;
	uint64_t delivered; /* bytes handed to the reader */
	uint64_t received;  /* bytes of the current transfer, from its start offset */
	unsigned retries;
	long status;
	char err[CURL_ERROR_SIZE];
	char msg[MAMORI_DIAG_MSG_MAX]; /* why the download failed, for the caller */
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct mamori_upd_fetch *f = arg;
	size_t n = size * nmemb;

	if (f->head + f->len + n > FETCH_BUF) {
		if (f->head > 0) {
			memmove(f->buf, f->buf + f->head, f->len);
			f->head = 0;
		}
		if (f->len + n > FETCH_BUF) {
			f->paused = true;
			return CURL_WRITEFUNC_PAUSE; /* libcurl keeps the bytes and offers them
			                                again */
		}
	}
	memcpy(f->buf + f->head + f->len, p, n);
	f->len += n;
	f->received += n;
	return n;
}

static mamori_err
start(struct mamori_upd_fetch *f, struct mamori_diag *d)
{
	if (f->easy != NULL) {
		curl_multi_remove_handle(f->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	f->easy = curl_easy_init();
	if (f->easy == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "libcurl: no handle");
	f->done = false;
	f->paused = false;
	f->received = 0;
	f->err[0] = '\0';
	curl_easy_setopt(f->easy, CURLOPT_URL, f->url);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(f->easy, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(f->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(f->easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(f->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(f->easy, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a server that stalls (slow retrieval) is dropped: under 1 KiB/s for 60 s */
	curl_easy_setopt(f->easy, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(f->easy, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(f->easy, CURLOPT_USERAGENT, "mamori-update/1");
	curl_easy_setopt(f->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(f->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->ca[0] != '\0')
		curl_easy_setopt(f->easy, CURLOPT_CAINFO, f->ca);
	if (f->delivered + f->len > 0)
		curl_easy_setopt(
		    f->easy, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)(f->delivered + f->len));
	if (curl_multi_add_handle(f->multi, f->easy) != CURLM_OK)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "libcurl: cannot start");
	return MAMORI_OK;
}

mamori_err
mamori_upd_fetch_open(
    const char *url, const char *ca_file, struct mamori_upd_fetch **out, struct mamori_diag *d)
{
	struct mamori_upd_fetch *f;
	mamori_err e;

	*out = NULL;
	if (strlen(url) >= MAMORI_UPD_URL_MAX ||
	    (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "%.80s: an http:// or https:// URL of at most %u bytes", url,
		    MAMORI_UPD_URL_MAX - 1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libcurl could not start");
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MAMORI_E_NOMEM;
	f->buf = malloc(FETCH_BUF);
	f->multi = curl_multi_init();
	(void)snprintf(f->url, sizeof(f->url), "%s", url);
	if (ca_file != NULL && ca_file[0] != '\0')
		(void)snprintf(f->ca, sizeof(f->ca), "%s", ca_file);
	if (f->buf == NULL || f->multi == NULL) {
		mamori_upd_fetch_close(f);
		return MAMORI_E_NOMEM;
	}
	e = start(f, d);
	if (e != MAMORI_OK) {
		mamori_upd_fetch_close(f);
		return e;
	}
	*out = f;
	return MAMORI_OK;
}

void
mamori_upd_fetch_close(struct mamori_upd_fetch *f)
{
	if (f == NULL)
		return;
	if (f->easy != NULL) {
		curl_multi_remove_handle(f->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	free(f->buf);
	free(f);
}

/* Runs the transfer until there are unread bytes or it ended; a transfer that failed after
 * its bytes were taken is restarted at the next byte (Range). */
static mamori_err
pump(struct mamori_upd_fetch *f, struct mamori_diag *d)
{
	while (f->len == 0) {
		int running = 0, left = 0;
		CURLMsg *m;

		if (f->done) {
			if (f->result == CURLE_OK)
				return MAMORI_OK; /* the end */
			curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &f->status);
			/* an HTTP error is final; a broken connection is resumed where it stopped
			 */
			if (f->status >= 400 || f->retries == FETCH_RETRIES ||
			    f->result == CURLE_URL_MALFORMAT ||
			    f->result == CURLE_UNSUPPORTED_PROTOCOL ||
			    f->result == CURLE_RANGE_ERROR) {
				(void)snprintf(f->msg, sizeof(f->msg), "%.80s: %.70s", f->url,
				    f->err[0] ? f->err : curl_easy_strerror(f->result));
				return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s", f->msg);
			}
			f->retries++;
			mamori_err e = start(f, d);
			if (e != MAMORI_OK)
				return e;
		}
		if (f->paused) {
			f->paused = false;
			curl_easy_pause(f->easy, CURLPAUSE_CONT);
		}
		if (curl_multi_perform(f->multi, &running) != CURLM_OK)
			return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libcurl: transfer failed");
		while ((m = curl_multi_info_read(f->multi, &left)) != NULL)
			if (m->msg == CURLMSG_DONE) {
				f->done = true;
				f->result = m->data.result;
			}
		if (f->len == 0 && !f->done && running > 0 &&
		    curl_multi_poll(f->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libcurl: poll failed");
	}
	return MAMORI_OK;
}

const char *
mamori_upd_fetch_error(const struct mamori_upd_fetch *f)
{
	return f->msg;
}

mamori_err
mamori_upd_fetch_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	struct mamori_upd_fetch *f = ctx;
	struct mamori_diag d;

	*got = 0;
	while (*got < len) {
		size_t n;

		if (pump(f, &d) != MAMORI_OK)
			return MAMORI_E_IO;
		if (f->len == 0)
			break; /* the end of the transfer */
		n = f->len < len - *got ? f->len : len - *got;
		memcpy(buf + *got, f->buf + f->head, n);
		f->head += n;
		f->len -= n;
		*got += n;
		f->delivered += n;
		if (f->len == 0)
			f->head = 0;
	}
	return MAMORI_OK;
}

unsigned
mamori_upd_fetch_resumed(const struct mamori_upd_fetch *f)
{
	return f->retries;
}

mamori_err
mamori_upd_fetch_small(
    const char *url, const char *ca_file, char *out, size_t cap, struct mamori_diag *d)
{
	struct mamori_upd_fetch *f = NULL;
	size_t got = 0, extra = 0;
	uint8_t one;
	mamori_err e;

	if (cap == 0 || cap > FETCH_SMALL_MAX)
		return MAMORI_E_INVAL;
	e = mamori_upd_fetch_open(url, ca_file, &f, d);
	if (e != MAMORI_OK || f == NULL)
		return e != MAMORI_OK ? e : MAMORI_E_NOMEM;
	e = mamori_upd_fetch_read(f, (uint8_t *)out, cap - 1, &got);
	if (e == MAMORI_OK && got == cap - 1)
		e = mamori_upd_fetch_read(f, &one, 1, &extra);
	if (e != MAMORI_OK)
		e = mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "%s", f->msg[0] ? f->msg : "the transfer failed");
	else if (extra != 0)
		e = mamori_diag_set(
		    d, MAMORI_E_TOOBIG, cap - 1, 0, "%s: longer than %zu bytes", url, cap - 1);
	mamori_upd_fetch_close(f);
	if (e == MAMORI_OK)
		out[got] = '\0';
	return e;
}
