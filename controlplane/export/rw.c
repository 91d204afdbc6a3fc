/*
 * rw.c - the remote-write exporter's life: options, start, flush,
 * counters, close (rw.h).  The work is in rw_series.c (naming),
 * rw_queue.c (the FIFO and its spill) and rw_send.c (the sender thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_http.h"
#include "cp_redact.h"
#include "cp_secret.h"
#include "rw_internal.h"

void
rw_conf_defaults(struct rw_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->job = "snmp";
	c->max_samples = 2000;
	c->flush_ms = 1000;
	c->queue_bytes = 64ull << 20;
	c->spill_bytes = 1ull << 30;
	c->timeout_ms = 10000;
	c->min_backoff_ms = 100;
	c->max_backoff_ms = 5000;
	c->max_retry_after_ms = 60000;
	c->check_at_start = RW_CHECK_REFUSE;
}

/* Check one URL; on success set u->url and u->safe (no credentials). */
static int
check_url(struct rw_url *u, const char *url, char *err, size_t errlen)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, shown[512];
	int rc = -EINVAL;
	size_t n;

	if (h == NULL)
		return -ENOMEM;
	cp_redact(url, shown, sizeof(shown));
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		snprintf(err, errlen, "--remote-write '%s' is not a URL: want http://HOST:PORT/PATH "
			 "or https://HOST:PORT/PATH", shown);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "--remote-write '%s': the scheme must be http or https", shown);
		goto out;
	}
	curl_url_get(h, CURLUPART_PORT, &port, 0);
	curl_url_get(h, CURLUPART_PATH, &path, 0);
	n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + (path ? strlen(path) : 0) + 8;
	u->safe = malloc(n);
	u->url = strdup(url);
	if (u->safe == NULL || u->url == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(u->safe, n, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
		 path ? path : "");
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(h);
	return rc;
}

struct rw *
rw_open(const struct rw_conf *c, char *err, size_t errlen)
{
	struct rw *rw;
	pthread_condattr_t ca;

	if (c->n_urls == 0 || c->n_urls > RW_URLS_MAX) {
		snprintf(err, errlen, "give from 1 to %d --remote-write URLs", RW_URLS_MAX);
		return NULL;
	}
	if (c->max_samples == 0 || c->flush_ms == 0 || c->queue_bytes == 0 ||
	    c->timeout_ms == 0 || c->min_backoff_ms == 0 ||
	    c->max_backoff_ms < c->min_backoff_ms) {
		snprintf(err, errlen, "remote-write: max_samples, flush_ms, queue_bytes, timeout "
			 "and backoff must be above 0, and max_backoff at least min_backoff");
		return NULL;
	}
	if ((c->basic_user != NULL) != (c->password_file != NULL)) {
		snprintf(err, errlen, "remote-write basic auth needs both a user and a password file");
		return NULL;
	}
	if (c->basic_user && c->bearer_token_file) {
		snprintf(err, errlen, "remote-write: basic auth and a bearer token exclude each other");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return NULL;
	}
	rw = calloc(1, sizeof(*rw));
	if (rw == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rw->q.dir_fd = -1;
	rw->conf = *c;
	pthread_mutex_init(&rw->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rw->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (size_t i = 0; i < c->n_urls; i++)
		if (check_url(&rw->urls[i], c->urls[i], err, errlen) < 0)
			goto err;
	rw->job = strdup(c->job && c->job[0] ? c->job : "snmp");
	if (rw->job == NULL || (c->ca_file && (rw->ca_file = strdup(c->ca_file)) == NULL) ||
	    (c->basic_user && (rw->user = strdup(c->basic_user)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	if (c->password_file &&
	    (rw->secret = cp_secret_read(c->password_file, "--rw-password-file", err,
					 errlen)) == NULL)
		goto err;
	if (c->bearer_token_file) {
		rw->secret = cp_secret_read(c->bearer_token_file, "--rw-bearer-token-file", err,
					    errlen);
		if (rw->secret == NULL)
			goto err;
		rw->bearer = 1;
	}
	if (rw_names_builtin(rw) < 0) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	if (rw_queue_open(&rw->q, c->spill_dir, c->queue_bytes, c->spill_bytes, err, errlen) < 0)
		goto err;
	rw->st.samples_pending = rw->q.samples;
	rw->st.samples_dropped = rw->q.dropped_open;
	rw->st.spill_bytes = rw_queue_spill_bytes(&rw->q);
	if (rw->q.head)
		fprintf(stderr, "argos: remote-write: %llu samples from a previous run found in %s; "
			"they are sent first\n", (unsigned long long)rw->q.samples, c->spill_dir);
	if (rw_send_init(rw, err, errlen) < 0)
		goto err;
	return rw;
err:
	rw_close(rw);
	return NULL;
}

int
rw_start(struct rw *rw, char *err, size_t errlen)
{
	int rc;

	if (rw->conf.check_at_start != RW_CHECK_NONE && (rc = rw_send_check(rw, err, errlen)) < 0) {
		if (rw->conf.check_at_start == RW_CHECK_REFUSE)
			return rc;
		fprintf(stderr, "argos: remote-write: %s; starting anyway: batches are queued%s "
			"until it answers\n", err, rw->q.dir_fd >= 0 ? " and spilled" : "");
	}
	rc = pthread_create(&rw->thread, NULL, rw_send_main, rw);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the remote-write thread: %s", strerror(rc));
		return -rc;
	}
	pthread_setname_np(rw->thread, "argos-rw");
	rw->running = 1;
	return 0;
}

int
rw_flush(struct rw *rw, uint32_t timeout_ms)
{
	struct timespec ts;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&rw->mu);
	rw->flush_now = 1;
	pthread_mutex_unlock(&rw->mu);
	if (rw->multi)
		curl_multi_wakeup(rw->multi);
	pthread_mutex_lock(&rw->mu);
	while (rw->running && rw->st.samples_pending > 0)
		if (pthread_cond_timedwait(&rw->cv, &rw->mu, &ts) == ETIMEDOUT)
			break;
	if (rw->st.samples_pending > 0)
		rc = -ETIMEDOUT;
	else
		rc = rw->st.samples_failed + rw->st.samples_dropped > 0;
	pthread_mutex_unlock(&rw->mu);
	return rc;
}

void
rw_stats(struct rw *rw, struct rw_stats *s)
{
	pthread_mutex_lock(&rw->mu);
	*s = rw->st;
	pthread_mutex_unlock(&rw->mu);
	s->varbinds_unnamed = __atomic_load_n(&rw->st.varbinds_unnamed, __ATOMIC_RELAXED);
}

void
rw_metrics_render(struct rw *rw, struct cp_metrics *m)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} rows[] = {
#define ROW(n, t, f, h) { "argos_rw_" n, t, h, offsetof(struct rw_stats, f) }
		ROW("samples_sent_total", "counter", samples_sent,
		    "Samples accepted by every remote-write receiver."),
		ROW("samples_failed_total", "counter", samples_failed,
		    "Samples a receiver refused (4xx other than 429): dropped, not retried."),
		ROW("samples_dropped_total", "counter", samples_dropped,
		    "Oldest samples dropped because the queue and the spill were full."),
		ROW("samples_pending", "gauge", samples_pending,
		    "Samples waiting to be sent, in memory and on disk."),
		ROW("retries_total", "counter", retries,
		    "POSTs repeated after a 5xx, a 429 or a network error."),
		ROW("batches_sent_total", "counter", batches_sent, "Batches accepted."),
		ROW("bytes_sent_total", "counter", bytes_sent,
		    "Compressed bytes of the batches accepted."),
		ROW("spill_bytes", "gauge", spill_bytes, "Bytes in the spill directory now."),
		ROW("spilled_batches_total", "counter", spilled_batches,
		    "Batches written to the spill directory."),
		ROW("varbinds_unnamed_total", "counter", varbinds_unnamed,
		    "Varbinds with no metric name in the table: not exported."),
#undef ROW
	};
	struct rw_stats s;

	rw_stats(rw, &s);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cp_metrics_help(m, rows[i].name, rows[i].type, rows[i].help);
		cp_metrics_u64(m, rows[i].name, NULL, 0,
			       *(const uint64_t *)((const char *)&s + rows[i].off));
	}
}

int
rw_stop(struct rw *rw, struct rw_stop_figures *f)
{
	struct rw_stop_figures fig = { 0 };

	if (rw->stopped) {
		if (f != NULL)
			*f = fig;
		return 0;
	}
	if (rw->running) {
		pthread_mutex_lock(&rw->mu);
		rw->stop = 1;
		pthread_mutex_unlock(&rw->mu);
		curl_multi_wakeup(rw->multi);
		pthread_join(rw->thread, NULL);
		rw->running = 0;
	} else {
		rw_send_intake(rw, 1);
	}
	rw_queue_stop(&rw->q, &fig);
	rw->stopped = 1;
	pthread_mutex_lock(&rw->mu);
	rw->st.samples_dropped += fig.lost;
	rw->st.samples_pending = fig.spilled;
	pthread_mutex_unlock(&rw->mu);
	if (f != NULL)
		*f = fig;
	return fig.lost > 0;
}

void
rw_close(struct rw *rw)
{
	if (rw == NULL)
		return;
	rw_stop(rw, NULL);
	rw_send_free(rw);
	rw_series_free(rw);
	while (rw->hand_head) {
		struct rw_raw *r = rw->hand_head;

		rw->hand_head = r->next;
		rw_buf_free(&r->body);
		free(r);
	}
	rw_buf_free(&rw->open);
	for (size_t i = 0; i < RW_URLS_MAX; i++) {
		free(rw->urls[i].url);
		free(rw->urls[i].safe);
	}
	for (size_t i = 0; i < rw->n_names; i++)
		rw_horus_free(&rw->names[i]);
	free(rw->names);
	free(rw->job);
	free(rw->ca_file);
	free(rw->user);
	cp_secret_free(rw->secret);
	pthread_cond_destroy(&rw->cv);
	pthread_mutex_destroy(&rw->mu);
	free(rw);
	curl_global_cleanup();
}
