/*
 * rw_unit.c - checks of the remote-write library and the HTTP server
 * that need no Prometheus: what is on the wire (decoded with protobuf-c
 * from remote.proto), batch bounds, the queue's bounds, Retry-After,
 * names added at run time, label hygiene, the text format, /metrics and
 * the device API hook.  Prints "ok:"/"FAIL:" lines and "N passed, N failed".
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <snappy-c.h>

#include "argos_job.h"
#include "argos_snmp.h"
#include "cp_http.h"
#include "remote.pb-c.h"
#include "rw_internal.h"
#include "rw_synth.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (cond) {                                                                  \
			passed++;                                                            \
			printf("ok: " __VA_ARGS__);                                          \
		} else {                                                                     \
			failed++;                                                            \
			printf("FAIL: " __VA_ARGS__);                                        \
		}                                                                            \
		printf("\n");                                                                \
	} while (0)

static const struct cp_clock clk = { .tsc0 = 0, .hz = 1000000000ull, .unix_ns0 = 0 };

static struct rw *
open_rw(uint32_t max_samples, const char *spill, uint64_t queue_bytes, uint64_t spill_bytes)
{
	struct rw_conf c;
	char err[256];
	struct rw *rw;

	rw_conf_defaults(&c);
	c.urls[0] = "http://127.0.0.1:9/api/v1/write";
	c.n_urls = 1;
	c.max_samples = max_samples;
	c.spill_dir = spill;
	if (queue_bytes)
		c.queue_bytes = queue_bytes;
	if (spill_bytes)
		c.spill_bytes = spill_bytes;
	rw = rw_open(&c, err, sizeof(err));
	if (rw == NULL) {
		printf("FAIL: rw_open: %s\n", err);
		exit(1);
	}
	return rw;
}

static void
feed(struct rw *rw, struct synth *s, const struct rw_device *dev)
{
	for (size_t off = 0; off < s->len;) {
		const struct argos_rec_hdr *h = (const void *)(s->buf + off);

		if (rw_record(rw, h, dev, &clk) < 0)
			printf("FAIL: rw_record refused a well-formed record of kind %u\n", h->kind);
		off += argos_rec_size(h);
	}
}

/* Decode one queued batch (the head) into a WriteRequest. */
static Prometheus__WriteRequest *
decode_head(struct rw *rw)
{
	struct rw_batch *b = rw->q.head;
	size_t n;
	char *raw;
	Prometheus__WriteRequest *wr;

	if (b == NULL || rw_queue_load(&rw->q, b) < 0 ||
	    snappy_uncompressed_length((const char *)b->data, b->len, &n) != SNAPPY_OK)
		return NULL;
	raw = malloc(n);
	if (snappy_uncompress((const char *)b->data, b->len, raw, &n) != SNAPPY_OK) {
		free(raw);
		return NULL;
	}
	wr = prometheus__write_request__unpack(NULL, n, (const uint8_t *)raw);
	free(raw);
	return wr;
}

static const char *
label(const Prometheus__TimeSeries *ts, const char *name)
{
	for (size_t i = 0; i < ts->n_labels; i++)
		if (strcmp(ts->labels[i]->name, name) == 0)
			return ts->labels[i]->value;
	return NULL;
}

static const Prometheus__TimeSeries *
find(const Prometheus__WriteRequest *wr, const char *name, const char *k, const char *v)
{
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		const Prometheus__TimeSeries *ts = wr->timeseries[i];
		const char *n = label(ts, "__name__"), *x = k ? label(ts, k) : NULL;

		if (n && strcmp(n, name) == 0 && (k == NULL || (x && strcmp(x, v) == 0)))
			return ts;
	}
	return NULL;
}

static int
valid_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void
test_wire(void)
{
	struct rw *rw = open_rw(100000, NULL, 0, 0);
	struct rw_label tags[] = { { "instance", "spoof" }, { "__bad", "x" }, { "zone", "z1" },
				   { "empty", "" } };
	struct rw_device dev = { "r1", tags, 4 };
	struct synth s = { 0 };
	uint32_t cisco[] = { 1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 3, 1, 3, 7 };
	uint32_t descr[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 9 };
	uint32_t inoct[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 9 };
	uint32_t unknown[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 0 };
	uint8_t bad_utf8[] = { 'a', 0xff, 'b' };
	Prometheus__WriteRequest *wr;
	int sorted = 1, names_ok = 1, one_sample = 1;

	CHECK(rw_name_add(rw, "1.3.6.1.4.1.9.9.13.1.3.1.3", "ciscoEnvMonTemperatureStatusValue",
			  RW_GAUGE, "ciscoEnvMonTemperatureStatusIndex") == 0,
	      "a name can be added at run time");
	CHECK(rw_name_add(rw, "1.3.x", "bad", RW_GAUGE, NULL) == -EINVAL,
	      "a malformed OID prefix is refused with -EINVAL");
	synth_ifmib_poll(&s, 3, 5000000000ull, 2, 1ull << 40, "");
	synth_num(&s, 3, 6000000000ull, cisco, 14, SNMP_T_GAUGE32, 42);
	synth_str(&s, 3, 6000000001ull, descr, 11, bad_utf8, 3);
	synth_num(&s, 3, 6000000002ull, inoct, 11, SNMP_T_COUNTER32, 7);
	synth_num(&s, 3, 6000000003ull, unknown, 9, SNMP_T_INTEGER, 1);
	synth_done(&s, 3, 7000000000ull, ARGOS_JOB_SNMP, 1, 100, 5000000000ull)->max_rep = 7;
	synth_ping(&s, 3, 8000000000ull, 3, 0, 0, 0, 0);
	feed(rw, &s, &dev);
	rw_send_intake(rw, 1);
	wr = decode_head(rw);
	CHECK(wr != NULL, "protobuf-c decodes the snappy body as a WriteRequest (remote.proto)");
	if (wr == NULL)
		goto out;
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		const Prometheus__TimeSeries *ts = wr->timeseries[i];

		one_sample &= ts->n_samples == 1;
		sorted &= ts->n_labels > 0 && strcmp(ts->labels[0]->name, "__name__") == 0;
		for (size_t k = 0; k < ts->n_labels; k++) {
			names_ok &= valid_name(ts->labels[k]->name) || k == 0;
			names_ok &= ts->labels[k]->value[0] != '\0';
			if (k > 1)
				sorted &= strcmp(ts->labels[k - 1]->name, ts->labels[k]->name) < 0;
		}
	}
	CHECK(sorted, "labels are sorted by name, __name__ first, no duplicates");
	CHECK(names_ok, "label names are valid and no label value is empty");
	CHECK(one_sample, "each TimeSeries has one sample");
	const Prometheus__TimeSeries *ts = find(wr, "ifHCInOctets", "ifIndex", "2");
	CHECK(ts && ts->samples[0]->value == (double)((1ull << 40) + 2000),
	      "ifHCInOctets of ifIndex 2 carries the Counter64 value");
	CHECK(ts && strcmp(label(ts, "ifName"), "eth2") == 0 && strcmp(label(ts, "ifAlias"), "uplink 2") == 0,
	      "ifName and ifAlias of the row label it");
	CHECK(ts && strcmp(label(ts, "instance"), "r1") == 0 && strcmp(label(ts, "zone"), "z1") == 0 &&
	      label(ts, "__bad") == NULL && label(ts, "empty") == NULL,
	      "a device tag cannot replace instance; __ tags and empty tags are dropped");
	CHECK(ts && ts->samples[0]->timestamp >= 5000 && ts->samples[0]->timestamp < 6000,
	      "the timestamp is the reply's arrival in ms (%lld)",
	      ts ? (long long)ts->samples[0]->timestamp : 0LL);
	ts = find(wr, "ciscoEnvMonTemperatureStatusValue", "ciscoEnvMonTemperatureStatusIndex", "7");
	CHECK(ts && ts->samples[0]->value == 42, "a run-time name is exported with its index label");
	ts = find(wr, "ifInOctets", "ifIndex", "9");
	CHECK(ts && strcmp(label(ts, "ifDescr"), "0x61FF62") == 0,
	      "a string that is not UTF-8 becomes 0x and hex (%s)", ts ? label(ts, "ifDescr") : "none");
	CHECK(find(wr, "sysUpTime", NULL, NULL) && find(wr, "argos_poll_up", NULL, NULL),
	      "sysUpTime and argos_poll_up are sent");
	int dur = 0;

	for (size_t i = 0; i < wr->n_timeseries; i++)
		dur |= strcmp(label(wr->timeseries[i], "__name__"), "argos_poll_duration_seconds") == 0 &&
		       fabs(wr->timeseries[i]->samples[0]->value - 2.0) < 1e-9;
	CHECK(dur, "argos_poll_duration_seconds is DONE's time less the job's start");
	ts = find(wr, "argos_poll_max_repetitions", NULL, NULL);
	CHECK(ts && ts->samples[0]->value == 7 && strcmp(label(ts, "instance"), "r1") == 0,
	      "argos_poll_max_repetitions carries the max-repetitions the poll ended with (%g)",
	      ts ? ts->samples[0]->value : -1.0);
	ts = find(wr, "ping_loss_ratio", NULL, NULL);
	CHECK(ts && ts->samples[0]->value == 1.0 && !find(wr, "ping_avg_duration_seconds", NULL, NULL),
	      "a ping with no reply is loss 1 and has no RTT series");
	struct rw_stats st;

	rw_stats(rw, &st);
	CHECK(st.varbinds_unnamed == 1, "a varbind with no name is counted, not sent");
	prometheus__write_request__free_unpacked(wr, NULL);
out:
	synth_free(&s);
	rw_close(rw);
}

static void
test_batch_bound(void)
{
	struct rw *rw = open_rw(50, NULL, 0, 0);
	struct rw_device dev = { "r1", NULL, 0 };
	struct synth s = { 0 };
	int ok = 1, n = 0;

	synth_ifmib_poll(&s, 0, 1000000000ull, 8, 0, "");
	feed(rw, &s, &dev);
	rw_send_intake(rw, 1);
	for (struct rw_batch *b = rw->q.head; b; b = b->next, n++)
		ok &= b->samples <= 50 && b->samples > 0;
	CHECK(ok && n > 5, "batches hold at most max_samples (50): %d batches", n);
	synth_free(&s);
	rw_close(rw);
}

static void
test_queue_bounds(const char *dir)
{
	struct rw_queue q;
	uint8_t data[1000] = { 1 };
	uint64_t dropped = 0;
	char err[256] = "";
	int files = 0;

	rw_queue_open(&q, NULL, 2500, 0, err, sizeof(err));
	for (int i = 0; i < 3; i++)
		rw_queue_push(&q, data, sizeof(data), 10 + (uint32_t)i, &dropped);
	CHECK(dropped == 10 && q.head && q.head->samples == 11,
	      "memory only: when the share is full the oldest batch is dropped and counted");
	rw_queue_close(&q);

	dropped = 0;
	CHECK(rw_queue_open(&q, dir, 1000, 2100, err, sizeof(err)) == 0, "a spill directory opens: %s",
	      err);
	for (int i = 0; i < 4; i++)
		rw_queue_push(&q, data, sizeof(data), 10 + (uint32_t)i, &dropped);
	for (struct rw_batch *b = q.head; b; b = b->next)
		files += b->on_disk;
	CHECK(q.head && !q.head->on_disk && files == 2 && dropped == 11,
	      "memory head, disk tail; the oldest file goes when the spill bound is hit");
	/* At close the bound holds too: 2 files (2048 bytes) and a
	 * 1000-byte batch in memory do not fit 2100 bytes, so the oldest
	 * (the memory head, 10 samples) goes and is counted as lost. */
	struct rw_stop_figures fig;

	rw_queue_stop(&q, &fig);
	CHECK(fig.pending == 35 && fig.spilled == 25 && fig.lost == 10,
	      "at close the spill bound holds: the oldest batch is lost (pending %llu, spilled %llu, "
	      "lost %llu)", (unsigned long long)fig.pending, (unsigned long long)fig.spilled,
	      (unsigned long long)fig.lost);
	CHECK(rw_queue_open(&q, dir, 1000, 1 << 20, err, sizeof(err)) == 0 && q.samples == 12 + 13 &&
	      q.head && q.head->samples == 12 && rw_queue_load(&q, q.head) == 0 &&
	      q.head->len == 1000 && q.head->data[0] == 1,
	      "after a restart the spilled batches come back in order");
	rw_queue_push(&q, data, sizeof(data), 14, &dropped);
	rw_queue_stop(&q, &fig);
	CHECK(fig.lost == 0 && fig.spilled == 12 + 13 + 14,
	      "with room, a batch in memory is spilled at close too");
	rw_queue_open(&q, dir, 1000, 1 << 20, err, sizeof(err));
	while (q.head)
		rw_queue_pop(&q);
	rw_queue_close(&q);
}

/* Write a file of n bytes into dir. */
static int
put_file(const char *dir, const char *name, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		fputc('x', f);
	return fclose(f);
}

static int
exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_spill_bad_files(const char *dir)
{
	struct rw_queue q;
	struct rw_stop_figures fig;
	uint8_t data[1000] = { 2 };
	uint64_t dropped = 0;
	char err[256] = "";

	/* Two damaged files, an old .bad and one found damaged at open. */
	put_file(dir, "rw-0000000000000001.batch.bad", 600);
	put_file(dir, "rw-0000000000000002.batch", 500);
	CHECK(rw_queue_open(&q, dir, 1000, 4000, err, sizeof(err)) == 0 && q.head == NULL &&
	      q.bad_bytes == 1100 && rw_queue_spill_bytes(&q) == 1100 &&
	      exists(dir, "rw-0000000000000002.batch.bad"),
	      ".bad files count against the spill bound (%llu bytes)",
	      (unsigned long long)rw_queue_spill_bytes(&q));
	for (int i = 0; i < 4; i++)
		rw_queue_push(&q, data, sizeof(data), 20 + (uint32_t)i, &dropped);
	/* memory: 1 batch; disk: 4000 - 1100 leaves 2 files of 1024, the
	 * third needs room: the oldest .bad goes, not a batch. */
	CHECK(dropped == 0 && !exists(dir, "rw-0000000000000001.batch.bad") &&
	      exists(dir, "rw-0000000000000002.batch.bad") && rw_queue_spill_bytes(&q) <= 4000,
	      "room is made by removing the oldest .bad file first, before any batch "
	      "(dropped %llu, spill %llu bytes)", (unsigned long long)dropped,
	      (unsigned long long)rw_queue_spill_bytes(&q));
	rw_queue_push(&q, data, sizeof(data), 30, &dropped);
	CHECK(!exists(dir, "rw-0000000000000002.batch.bad") && dropped == 21 &&
	      rw_queue_spill_bytes(&q) <= 4000,
	      "then the next .bad file, then the oldest batch file (dropped %llu)",
	      (unsigned long long)dropped);
	rw_queue_stop(&q, &fig);
	CHECK(fig.pending == 20 + 22 + 23 + 30 && fig.spilled == 22 + 23 + 30 && fig.lost == 20,
	      "at close, past the bound, the oldest samples are the ones lost (lost %llu)",
	      (unsigned long long)fig.lost);
	CHECK(rw_queue_open(&q, dir, 1000, 4000, err, sizeof(err)) == 0 &&
	      rw_queue_spill_bytes(&q) <= 4000 && q.samples == fig.spilled,
	      "after the restart the spill directory holds %llu bytes, within 4000",
	      (unsigned long long)rw_queue_spill_bytes(&q));
	rw_queue_close(&q);
	/* A bound lowered between runs is applied at open. */
	CHECK(rw_queue_open(&q, dir, 1000, 1100, err, sizeof(err)) == 0 &&
	      rw_queue_spill_bytes(&q) <= 1100 && q.dropped_open > 0,
	      "a smaller bound at open removes the oldest files (%llu samples)",
	      (unsigned long long)q.dropped_open);
	while (q.head)
		rw_queue_pop(&q);
	rw_queue_close(&q);
}

static void
test_retry_after(void)
{
	int64_t t = 1445412480000LL;   /* Wed, 21 Oct 2015 07:28:00 GMT */

	CHECK(rw_retry_after_ms("2", 0) == 2000 && rw_retry_after_ms(" 120\r\n", 0) == 120000,
	      "Retry-After in seconds");
	CHECK(rw_retry_after_ms(" Wed, 21 Oct 2015 07:28:05 GMT\r\n", t) == 5000,
	      "Retry-After as an HTTP date");
	CHECK(rw_retry_after_ms("soon", 0) < 0 && rw_retry_after_ms("", 0) < 0 &&
	      rw_retry_after_ms("-1", 0) < 0 && rw_retry_after_ms("5x", 0) < 0,
	      "a malformed Retry-After is ignored");
}

static void
test_open_errors(void)
{
	struct rw_conf c;
	char err[256] = "";

	rw_conf_defaults(&c);
	CHECK(rw_open(&c, err, sizeof(err)) == NULL, "no URL: refused (%s)", err);
	c.urls[0] = "ftp://127.0.0.1/x";
	c.n_urls = 1;
	CHECK(rw_open(&c, err, sizeof(err)) == NULL && strstr(err, "http or https"),
	      "an ftp URL: refused (%s)", err);
	c.urls[0] = "http://127.0.0.1:9/api/v1/write";
	c.basic_user = "u";
	c.password_file = "/nonexistent/pw";
	CHECK(rw_open(&c, err, sizeof(err)) == NULL && strstr(err, "/nonexistent/pw"),
	      "an unreadable password file: refused, naming the file (%s)", err);
}

static void
test_metrics_text(void)
{
	struct cp_metrics m;
	struct cp_label l[] = { { "core", "1" }, { "why", "a\"b\\c\nd" } };

	cp_metrics_init(&m);
	cp_metrics_help(&m, "argos_x_total", "counter", "X with a \\ and\na newline.");
	cp_metrics_u64(&m, "argos_x_total", l, 2, 18446744073709551615ull);
	cp_metrics_double(&m, "argos_y", NULL, 0, NAN);
	CHECK(strcmp(m.buf, "# HELP argos_x_total X with a \\\\ and\\na newline.\n"
			    "# TYPE argos_x_total counter\n"
			    "argos_x_total{core=\"1\",why=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
			    "argos_y NaN\n") == 0,
	      "text format 0.0.4: HELP, TYPE, escaped label values, exact integers, NaN");
	cp_metrics_free(&m);
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct rw_buf *b = arg;

	rw_buf_reserve(b, size * n + 1);
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* One request to 127.0.0.1:port: method (NULL: GET, or POST with a
 * body), body, its Content-Type and a bearer token (NULL: none). */
static long
req(int port, const char *method, const char *path, const char *post, const char *ctype,
    const char *token, struct rw_buf *body)
{
	char url[128], h1[128], h2[160];
	struct curl_slist *hl = NULL;
	CURL *e = curl_easy_init();
	long code = 0;

	body->len = 0;
	rw_buf_reserve(body, 1);
	body->p[0] = '\0';
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	if (post)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
	if (method)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (ctype) {
		snprintf(h1, sizeof(h1), "Content-Type: %s", ctype);
		hl = curl_slist_append(hl, h1);
	}
	if (token) {
		snprintf(h2, sizeof(h2), "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, h2);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	curl_slist_free_all(hl);
	return code;
}

static long
get(int port, const char *path, struct rw_buf *body)
{
	return req(port, NULL, path, NULL, NULL, NULL, body);
}

static int
echo_api(void *ctx, const struct cp_http_request *r, char **resp, size_t *resp_len, int *status)
{
	const char *id = cp_http_arg(r, "id");

	(*(int *)ctx)++;
	*resp = malloc(256);
	*resp_len = (size_t)snprintf(*resp, 256, "{\"m\":\"%s\",\"p\":\"%s\",\"n\":%zu,\"b\":\"%s\","
				     "\"id\":\"%s\"}", r->method, r->path, r->body_len, r->body,
				     id ? id : "(none)");
	*status = 200;
	return 0;
}

/*
 * The HTTP server in process: /metrics and the health endpoints for
 * anyone; private routes off without a token, then 401 without the
 * right one; a body that is not JSON 415 and one too large 413, before
 * the handler is called; ?id= reaches the handler.
 */
static void
test_http(void)
{
	static const char token[] = "0123456789abcdef-test-token";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), calls = 0;
	char addr[64], err[256] = "", *big;
	struct rw_buf body = { 0 };
	struct cp_http_conf conf = { 0 }, bad = { .listen = "nonsense" };
	struct cp_http *h, *h2;
	int port;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &al);
	port = ntohs(a.sin_port);
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	conf.listen = addr;
	h = cp_http_start(&conf, err, sizeof(err));
	CHECK(h != NULL, "the HTTP server listens on %s %s", addr, err);
	if (h == NULL)
		return;
	h2 = cp_http_start(&conf, err, sizeof(err));
	CHECK(h2 == NULL && strstr(err, "in use"), "a busy address is refused: %s", err);
	CHECK(cp_http_start(&bad, err, sizeof(err)) == NULL && strstr(err, "not an address"),
	      "a malformed address is refused: %s", err);
	CHECK(get(port, "/-/ready", &body) == 503, "/-/ready is 503 before the first metrics");
	cp_http_set_metrics(h, "argos_up 1\n", 11);
	CHECK(get(port, "/metrics", &body) == 200 && strncmp((char *)body.p, "argos_up 1\n", 11) == 0 &&
	      strstr((char *)body.p, "argos_http_responses_total{code=\"503\"} 1"),
	      "/metrics serves the latest text and the server's own counters (%s)", (char *)body.p);
	cp_http_set_metrics(h, "argos_up 2\n", 11);
	CHECK(get(port, "/metrics", &body) == 200 && strncmp((char *)body.p, "argos_up 2\n", 11) == 0,
	      "/metrics follows cp_http_set_metrics");
	CHECK(get(port, "/-/healthy", &body) == 200 && get(port, "/-/ready", &body) == 200,
	      "/-/healthy and /-/ready answer 200");
	CHECK(req(port, "PUT", "/metrics", NULL, NULL, NULL, &body) == 405, "PUT /metrics is 405");
	CHECK(get(port, "/d/list", &body) == 404 && strstr((char *)body.p, "--api-token-file"),
	      "without a token /d/list is 404 saying how to enable it");
	CHECK(get(port, "/other", &body) == 404, "an unknown path is 404");
	cp_http_stop(h);

	conf.api_token = strdup(token);
	h = cp_http_start(&conf, err, sizeof(err));
	CHECK(h != NULL, "the HTTP server starts again with a token: %s", err);
	if (h == NULL)
		return;
	cp_http_route(h, "/d/", echo_api, &calls);
	CHECK(get(port, "/d/list", &body) == 401, "no token: 401");
	CHECK(req(port, NULL, "/d/list", NULL, NULL, "0123456789abcdef-test-tokeN", &body) == 401,
	      "a wrong token: 401");
	CHECK(req(port, NULL, "/d/create", "hostname=x", "application/x-www-form-urlencoded", NULL,
		  &body) == 401, "a form POST without the token: 401");
	CHECK(req(port, NULL, "/d/create", "hostname=x", "application/x-www-form-urlencoded", token,
		  &body) == 415, "a form POST even with the token: 415");
	CHECK(req(port, NULL, "/d/create", "{}", "text/plain", token, &body) == 415,
	      "text/plain: 415");
	big = malloc(CP_HTTP_BODY_MAX + 2);
	memset(big, ' ', CP_HTTP_BODY_MAX + 1);
	big[CP_HTTP_BODY_MAX + 1] = '\0';
	CHECK(req(port, NULL, "/d/create", big, "application/json", token, &body) == 413,
	      "a body over 64 KiB: 413");
	free(big);
	CHECK(calls == 0, "no refused request reached the handler (%d did)", calls);
	CHECK(req(port, NULL, "/d/create", "{\"id\":\"x\"}", "application/json", token, &body) == 200 &&
	      strcmp((char *)body.p, "{\"m\":\"POST\",\"p\":\"/d/create\",\"n\":10,\"b\":\"{\"id\":\"x\"}\","
		     "\"id\":\"(none)\"}") == 0,
	      "the handler gets method, path and body (%s)", (char *)body.p);
	CHECK(req(port, "DELETE", "/d/delete?id=42", NULL, NULL, token, &body) == 200 &&
	      strstr((char *)body.p, "\"p\":\"/d/delete\"") && strstr((char *)body.p, "\"id\":\"42\""),
	      "?id= reaches the handler, the path comes without its query (%s)", (char *)body.p);
	cp_http_stop(h);
	free(conf.api_token);
	rw_buf_free(&body);
}

/*
 * The labels a row shares are encoded once and reused (rw_rows.c):
 * prove that a new ifName, a changed device tag and a renamed metric
 * all show in the very next poll, and the old labels do not linger.
 */
static void
test_labels_follow_changes(void)
{
	struct rw *rw = open_rw(100000, NULL, 0, 0);
	struct rw_label tags1[] = { { "zone", "z1" } }, tags2[] = { { "zone", "z2" } };
	struct rw_device dev1 = { "r1", tags1, 1 }, dev2 = { "r1", tags2, 1 };
	struct synth s = { 0 };
	Prometheus__WriteRequest *wr;
	const Prometheus__TimeSeries *ts;
	int stale = 0;

	synth_ifmib_poll(&s, 0, 1000000000ull, 4, 100, "");
	feed(rw, &s, &dev1);
	synth_free(&s);
	synth_ifmib_poll(&s, 0, 61000000000ull, 4, 200, "new-");
	feed(rw, &s, &dev2);
	synth_free(&s);
	rw_name_add(rw, "1.3.6.1.2.1.31.1.1.1.6", "ifHCInOctetsRenamed", RW_COUNTER, "ifIndex");
	synth_ifmib_poll(&s, 0, 121000000000ull, 4, 300, "new-");
	feed(rw, &s, &dev2);
	synth_free(&s);
	rw_send_intake(rw, 1);
	wr = decode_head(rw);
	CHECK(wr != NULL, "three polls decode as one WriteRequest");
	if (wr == NULL)
		goto out;
	ts = find(wr, "ifHCInOctets", "ifName", "eth2");
	CHECK(ts && strcmp(label(ts, "zone"), "z1") == 0 && ts->samples[0]->value == 100 + 2000,
	      "the first poll is labelled with its own ifName and tag");
	ts = find(wr, "ifHCInOctets", "ifName", "new-eth2");
	CHECK(ts && strcmp(label(ts, "zone"), "z2") == 0 && ts->samples[0]->value == 200 + 2000,
	      "a changed ifName and device tag label the next poll's samples");
	for (size_t i = 0; i < wr->n_timeseries; i++) {
		const char *n = label(wr->timeseries[i], "ifName"), *z = label(wr->timeseries[i], "zone");

		stale += n && z && ((strncmp(n, "new-", 4) == 0) != (strcmp(z, "z2") == 0));
	}
	CHECK(stale == 0, "no sample mixes an old ifName with a new tag or the reverse (%d do)", stale);
	ts = find(wr, "ifHCInOctetsRenamed", "ifName", "new-eth2");
	CHECK(ts && ts->samples[0]->value == 300 + 2000 && strcmp(label(ts, "ifIndex"), "2") == 0,
	      "a metric renamed between polls is sent under its new name with its row's labels");
	prometheus__write_request__free_unpacked(wr, NULL);
out:
	rw_close(rw);
}

/* horus's index_pattern and post_processors on names from the database. */
static void
test_horus_rules(void)
{
	struct rw *rw = open_rw(100000, NULL, 0, 0);
	struct rw_device dev = { "h1", NULL, 0 };
	struct synth s = { 0 };
	uint32_t a_ok[] = { 1, 3, 6, 1, 4, 1, 99, 1, 5, 7 }, a_no[] = { 1, 3, 6, 1, 4, 1, 99, 1, 6, 8 };
	uint32_t b[] = { 1, 3, 6, 1, 4, 1, 99, 2, 3, 4 }, c[] = { 1, 3, 6, 1, 4, 1, 99, 3, 0 };
	uint32_t d[] = { 1, 3, 6, 1, 4, 1, 99, 4, 0 }, e[] = { 1, 3, 6, 1, 4, 1, 99, 5, 0 };
	const uint8_t hex[] = { 0x01, 0x00 }, le[] = { 0x10, 0x27, 0, 0 };
	struct rw_name_opts horus = { ".1.3.6.1.4.1.99.1.(\\d+).7", NULL };
	struct rw_name_opts argos = { "^\\d+\\.(\\d+)$", NULL };
	struct rw_name_opts parse = { NULL, "parse-hex-be,div-10" };
	struct rw_name_opts str = { NULL, "to-string" };
	struct rw_name_opts lep = { NULL, "{parse-hex-le,mul-2}" };
	Prometheus__WriteRequest *wr;
	const Prometheus__TimeSeries *ts;
	char err[256];

	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.1", "hA", RW_GAUGE, "index", &horus, err,
			     sizeof(err)) == 0, "horus's index_pattern on the whole OID is taken");
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.2", "hB", RW_GAUGE, "index", &argos, err,
			     sizeof(err)) == 0, "argos's index_pattern on the arcs after the OID");
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.3", "hC", RW_GAUGE, NULL, &parse, err,
			     sizeof(err)) == 0, "post_processors parse-hex-be,div-10");
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.4", "hD", RW_STRING, NULL, &str, err,
			     sizeof(err)) == 0, "post_processors to-string");
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.5", "hE", RW_GAUGE, NULL, &lep, err,
			     sizeof(err)) == 0, "post_processors as Postgres prints a text[]");
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.6", "hF", RW_GAUGE, "index",
			     &(struct rw_name_opts){ "(", NULL }, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "index_pattern"), "a pattern that does not compile is refused: %s", err);
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.6", "hF", RW_GAUGE, "index",
			     &(struct rw_name_opts){ "^\\d+$", NULL }, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "no group"), "a pattern without a group is refused: %s", err);
	CHECK(rw_name_add_ex(rw, "1.3.6.1.4.1.99.6", "hF", RW_GAUGE, NULL,
			     &(struct rw_name_opts){ NULL, "div-0" }, err, sizeof(err)) == -EINVAL &&
	      rw_name_add_ex(rw, "1.3.6.1.4.1.99.6", "hF", RW_GAUGE, NULL,
			     &(struct rw_name_opts){ NULL, "frobnicate" }, err, sizeof(err)) == -EINVAL,
	      "div-0 and an unknown post processor are refused: %s", err);
	synth_num(&s, 4, 5000000000ull, a_ok, 10, SNMP_T_GAUGE32, 11);
	synth_num(&s, 4, 5000000001ull, a_no, 10, SNMP_T_GAUGE32, 12);
	synth_num(&s, 4, 5000000002ull, b, 10, SNMP_T_GAUGE32, 13);
	synth_str(&s, 4, 5000000003ull, c, 9, hex, 2);
	synth_str(&s, 4, 5000000004ull, d, 9, (const uint8_t *)"  abc \t", 7);
	synth_str(&s, 4, 5000000005ull, e, 9, le, 4);
	synth_done(&s, 4, 6000000000ull, ARGOS_JOB_SNMP, 1, 6, 5000000000ull);
	feed(rw, &s, &dev);
	rw_send_intake(rw, 1);
	wr = decode_head(rw);
	CHECK(wr != NULL, "the batch decodes");
	if (wr == NULL)
		goto out;
	ts = find(wr, "hA", "index", "5");
	CHECK(ts && ts->samples[0]->value == 11, "the horus pattern's group is the index");
	CHECK(find(wr, "hA", "index", "6") == NULL, "a varbind the pattern does not match is not sent");
	ts = find(wr, "hB", "index", "4");
	CHECK(ts && ts->samples[0]->value == 13, "argos's pattern picks the second arc");
	ts = find(wr, "hC", NULL, NULL);
	CHECK(ts && ts->samples[0]->value == 25.6, "0x0100 parsed big-endian, divided by 10: %g",
	      ts ? ts->samples[0]->value : -1);
	ts = find(wr, "hD", "hD", "abc");
	CHECK(ts != NULL, "to-string trims the text");
	ts = find(wr, "hE", NULL, NULL);
	CHECK(ts && ts->samples[0]->value == 20000, "10 27 00 00 little-endian is 10000, times 2");
	prometheus__write_request__free_unpacked(wr, NULL);
out:
	synth_free(&s);
	rw_close(rw);
}

int
main(void)
{
	char dir[] = "/tmp/rw_unit.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_wire();
	test_horus_rules();
	test_batch_bound();
	test_labels_follow_changes();
	test_queue_bounds(dir);
	test_spill_bad_files(dir);
	test_retry_after();
	test_open_errors();
	test_metrics_text();
	test_http();
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", dir);
	curl_global_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
