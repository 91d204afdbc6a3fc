/*
 * rw_send.c - the sender thread: batches in, snappy, POST, retries.
 *
 * One loop, at most 50 ms a turn: take the sealed batches from the main
 * thread (and seal the open one once its oldest sample waited flush_ms),
 * compress each and push it on the FIFO (rw_queue.c); give the FIFO's
 * head to every receiver that has not finished it and whose backoff has
 * passed; let curl work; note the answers; pop the head once every
 * receiver finished it.  Strict order is the point: a receiver sees the
 * batches one after the other, so the samples of a series arrive in
 * timestamp order even across an outage.  The price is that a receiver
 * that is down holds the others back once they finish the head.
 *
 * Answers: 2xx accepted; 5xx and 429 retried after a delay that starts
 * at min_backoff and doubles up to max_backoff, or after Retry-After
 * (seconds or an HTTP date) when the receiver sent one, capped at
 * max_retry_after; a network error (refused, timeout) is retried the
 * same way; any other status refuses the batch for good: it is counted
 * as failed and never sent again (remote-write 1.0: a 4xx will not
 * succeed on a retry).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rw_internal.h"

#define TURN_MS 50

int64_t
rw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
rw_retry_after_ms(const char *v, int64_t now_unix_ms)
{
	char *end;
	long long secs;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0')
		return -1;
	if (*v >= '0' && *v <= '9') {
		errno = 0;
		secs = strtoll(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (errno || *end != '\0' || secs > 86400LL * 365)
			return -1;
		return secs * 1000;
	}
	t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	return (int64_t)t * 1000 > now_unix_ms ? (int64_t)t * 1000 - now_unix_ms : 0;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct rw_url *u = arg;
	size_t len = size * n;

	if (len > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
		size_t v = len - 12 < sizeof(u->retry_after) - 1 ? len - 12 : sizeof(u->retry_after) - 1;

		memcpy(u->retry_after, buf + 12, v);
		u->retry_after[v] = '\0';
	}
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct rw_url *u = arg;
	size_t len = size * n, have = strlen(u->reply);

	if (have + 1 < sizeof(u->reply)) {
		size_t k = len < sizeof(u->reply) - 1 - have ? len : sizeof(u->reply) - 1 - have;

		memcpy(u->reply + have, buf, k);
		u->reply[have + k] = '\0';
	}
	return len;
}

/* The options both the start check and the POSTs use. */
static void
common_opts(struct rw *rw, CURL *e, const char *url)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)rw->conf.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(rw->conf.timeout_ms < 5000 ? rw->conf.timeout_ms : 5000));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "argos/0.1.0");
	if (rw->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, rw->ca_file);
	if (rw->secret && rw->bearer) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, rw->secret);
	} else if (rw->secret) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, rw->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, rw->secret);
	}
}

int
rw_send_init(struct rw *rw, char *err, size_t errlen)
{
	static const char *const hdrs[] = {
		"Content-Encoding: snappy",
		"Content-Type: application/x-protobuf",
		"X-Prometheus-Remote-Write-Version: 0.1.0",
		"Expect:",   /* no 100-continue round trip for big bodies */
	};

	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		struct curl_slist *l = curl_slist_append(rw->headers, hdrs[i]);

		if (l == NULL)
			goto nomem;
		rw->headers = l;
	}
	rw->multi = curl_multi_init();
	if (rw->multi == NULL)
		goto nomem;
	for (size_t i = 0; i < rw->conf.n_urls; i++) {
		struct rw_url *u = &rw->urls[i];

		u->easy = curl_easy_init();
		if (u->easy == NULL)
			goto nomem;
		common_opts(rw, u->easy, u->url);
		curl_easy_setopt(u->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, rw->headers);
		curl_easy_setopt(u->easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(u->easy, CURLOPT_HEADERDATA, u);
		curl_easy_setopt(u->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(u->easy, CURLOPT_WRITEDATA, u);
		curl_easy_setopt(u->easy, CURLOPT_PRIVATE, u);
		u->backoff_ms = rw->conf.min_backoff_ms;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory setting up curl");
	return -ENOMEM;
}

int
rw_send_check(struct rw *rw, char *err, size_t errlen)
{
	for (size_t i = 0; i < rw->conf.n_urls; i++) {
		CURL *e = curl_easy_init();
		CURLcode rc;

		if (e == NULL) {
			snprintf(err, errlen, "out of memory setting up curl");
			return -ENOMEM;
		}
		common_opts(rw, e, rw->urls[i].url);
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		rc = curl_easy_perform(e);
		curl_easy_cleanup(e);
		if (rc != CURLE_OK) {
			snprintf(err, errlen, "cannot reach the remote-write receiver %s: %s "
				 "(is it running, and is the URL right?)",
				 rw->urls[i].safe, curl_easy_strerror(rc));
			return rc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED :
			       rc == CURLE_COULDNT_RESOLVE_HOST ? -EHOSTUNREACH :
			       rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
		}
	}
	return 0;
}

/* Move the sealed batches (and the open one when due or told) from the
 * main thread into the FIFO, compressed. */
void
rw_send_intake(struct rw *rw, int seal_all)
{
	struct rw_raw *list, *r;
	int64_t now = rw_now_ms();
	uint64_t dropped = 0;

	pthread_mutex_lock(&rw->mu);
	if (rw->open_samples &&
	    (seal_all || rw->flush_now || now - rw->open_since_ms >= rw->conf.flush_ms) &&
	    (r = calloc(1, sizeof(*r))) != NULL) {
		r->body = rw->open;
		r->samples = rw->open_samples;
		memset(&rw->open, 0, sizeof(rw->open));
		rw->open_samples = 0;
		if (rw->hand_tail)
			rw->hand_tail->next = r;
		else
			rw->hand_head = r;
		rw->hand_tail = r;
	}
	rw->flush_now = 0;
	list = rw->hand_head;
	rw->hand_head = rw->hand_tail = NULL;
	rw->hand_bytes = 0;
	pthread_mutex_unlock(&rw->mu);

	while ((r = list) != NULL) {
		list = r->next;
		if (rw_compress(r->body.p, r->body.len, &rw->zbuf) < 0)
			dropped += r->samples;
		else
			rw_queue_push(&rw->q, rw->zbuf.p, rw->zbuf.len, r->samples, &dropped);
		rw_buf_free(&r->body);
		free(r);
	}
	pthread_mutex_lock(&rw->mu);
	rw->st.samples_dropped += dropped;
	rw->st.samples_pending -= dropped;
	rw->st.spill_bytes = rw_queue_spill_bytes(&rw->q);
	rw->st.spilled_batches = rw->q.spilled;
	pthread_mutex_unlock(&rw->mu);
}

static void
start_requests(struct rw *rw, int64_t now)
{
	struct rw_batch *b = rw->q.head;

	if (b == NULL)
		return;
	for (size_t i = 0; i < rw->conf.n_urls; i++) {
		struct rw_url *u = &rw->urls[i];
		int rc;

		if (u->sending || (b->done_mask & (1u << i)) || now < u->next_try_ms)
			continue;
		rc = rw_queue_load(&rw->q, b);
		if (rc < 0) {
			fprintf(stderr, "argos: remote-write: spilled batch %llu cannot be read back "
				"(%s); dropped\n", (unsigned long long)b->seq, strerror(-rc));
			b->done_mask = (1u << rw->conf.n_urls) - 1;
			b->refused = -1;
			return;
		}
		u->retry_after[0] = '\0';
		u->reply[0] = '\0';
		curl_easy_setopt(u->easy, CURLOPT_POSTFIELDS, b->data);
		curl_easy_setopt(u->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
		if (curl_multi_add_handle(rw->multi, u->easy) != CURLM_OK)
			continue;
		u->sending = b;
		b->pinned++;
	}
}

/* What one answer means for its receiver and batch. */
static void
answered(struct rw *rw, struct rw_url *u, CURLcode res, int64_t now)
{
	size_t i = (size_t)(u - rw->urls);
	struct rw_batch *b = u->sending;
	long code = 0;
	int64_t delay, ra;

	curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(rw->multi, u->easy);
	u->sending = NULL;
	b->pinned--;
	if (res == CURLE_OK && code >= 200 && code < 300) {
		if (u->failing)
			fprintf(stderr, "argos: remote-write: %s accepts again after %u failed "
				"attempts\n", u->safe, u->failing);
		u->failing = 0;
		u->backoff_ms = rw->conf.min_backoff_ms;
		b->done_mask |= 1u << i;
		return;
	}
	if (res == CURLE_OK && code != 429 && code < 500) {
		fprintf(stderr, "argos: remote-write: %s refused a batch of %u samples with "
			"HTTP %ld (%.200s); dropped, not retried\n", u->safe, b->samples, code,
			u->reply);
		b->done_mask |= 1u << i;
		b->refused = 1;
		return;
	}
	if (u->failing++ == 0) {
		if (res == CURLE_OK)
			fprintf(stderr, "argos: remote-write: %s answered HTTP %ld; retrying with "
				"backoff, batches are kept\n", u->safe, code);
		else
			fprintf(stderr, "argos: remote-write: %s: %s; retrying with backoff, "
				"batches are kept\n", u->safe, curl_easy_strerror(res));
	}
	delay = u->backoff_ms;
	u->backoff_ms = u->backoff_ms * 2 > rw->conf.max_backoff_ms ? rw->conf.max_backoff_ms :
							    u->backoff_ms * 2;
	ra = u->retry_after[0] ? rw_retry_after_ms(u->retry_after, unix_ms()) : -1;
	if (ra >= 0)
		delay = ra < rw->conf.max_retry_after_ms ? ra : rw->conf.max_retry_after_ms;
	u->next_try_ms = now + delay;
	pthread_mutex_lock(&rw->mu);
	rw->st.retries++;
	pthread_mutex_unlock(&rw->mu);
}

/* Pop the heads every receiver has finished. */
static void
pop_done(struct rw *rw)
{
	uint32_t all = (1u << rw->conf.n_urls) - 1;
	struct rw_batch *b;

	while ((b = rw->q.head) != NULL && (b->done_mask & all) == all && !b->pinned) {
		pthread_mutex_lock(&rw->mu);
		if (b->refused > 0)
			rw->st.samples_failed += b->samples;
		else if (b->refused < 0)
			rw->st.samples_dropped += b->samples;
		else {
			rw->st.samples_sent += b->samples;
			rw->st.batches_sent++;
			rw->st.bytes_sent += b->len;
		}
		rw->st.samples_pending -= b->samples;
		pthread_mutex_unlock(&rw->mu);
		rw_queue_pop(&rw->q);
	}
	pthread_mutex_lock(&rw->mu);
	rw->st.spill_bytes = rw_queue_spill_bytes(&rw->q);
	pthread_cond_broadcast(&rw->cv);
	pthread_mutex_unlock(&rw->mu);
}

void *
rw_send_main(void *arg)
{
	struct rw *rw = arg;

	for (;;) {
		int64_t now, wait = TURN_MS;
		int stop, running;
		CURLMsg *m;

		pthread_mutex_lock(&rw->mu);
		stop = rw->stop;
		pthread_mutex_unlock(&rw->mu);
		rw_send_intake(rw, stop);
		if (stop)
			break;
		now = rw_now_ms();
		start_requests(rw, now);
		curl_multi_perform(rw->multi, &running);
		while ((m = curl_multi_info_read(rw->multi, &running)) != NULL) {
			struct rw_url *u;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&u);
			answered(rw, u, m->data.result, rw_now_ms());
		}
		pop_done(rw);
		now = rw_now_ms();
		for (size_t i = 0; i < rw->conf.n_urls; i++)
			if (!rw->urls[i].sending && rw->q.head && rw->urls[i].next_try_ms > now &&
			    rw->urls[i].next_try_ms - now < wait)
				wait = rw->urls[i].next_try_ms - now;
		curl_multi_poll(rw->multi, NULL, 0, (int)(wait > 0 ? wait : 1), NULL);
	}
	for (size_t i = 0; i < rw->conf.n_urls; i++) {
		struct rw_url *u = &rw->urls[i];

		if (u->sending) {
			curl_multi_remove_handle(rw->multi, u->easy);
			u->sending->pinned--;
			u->sending = NULL;
		}
	}
	return NULL;
}

void
rw_send_free(struct rw *rw)
{
	for (size_t i = 0; i < RW_URLS_MAX; i++) {
		if (rw->urls[i].easy)
			curl_easy_cleanup(rw->urls[i].easy);
		rw->urls[i].easy = NULL;
	}
	if (rw->multi)
		curl_multi_cleanup(rw->multi);
	rw->multi = NULL;
	curl_slist_free_all(rw->headers);
	rw->headers = NULL;
	rw_buf_free(&rw->zbuf);
}
