/*
 * rw_feed.c - drives the remote-write library the way argos's main
 * thread does, with synthetic result records (rw_synth.c), so the
 * integration tests can run it against a real Prometheus.
 *
 *   rw_feed --url URL [--url URL2] [--spill DIR] [--queue-bytes N]
 *           [--devices N] [--interfaces N] [--polls N] [--period-ms N]
 *           [--hc-base N] [--max-samples N] [--flush-ms N]
 *           [--flush-timeout-ms N] [--no-check] [--warn-check] [--tag NAME=VALUE]
 *           [--ping] [--job NAME] [--max-backoff-ms N] [--spill-bytes N]
 *
 * Each poll of each device is one whole if-mib walk with the current
 * time as its timestamps; devices are named dev<N>.  At the end it waits
 * for rw_flush(), prints the counters as "key value" lines, stops the
 * library (which spills what is pending) and prints what rw_stop() did
 * (stop_spilled, stop_lost).
 * Exit: 0 all delivered, 1 some refused or dropped, 2 still pending at
 * the flush timeout, 3 the library refused to start (the reason on
 * stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argos_job.h"
#include "rw.h"
#include "rw_synth.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rw_feed --url URL [options]; see the top of rw_feed.c\n");
	exit(3);
}

int
main(int argc, char **argv)
{
	struct rw_conf c;
	struct rw_label tags[8];
	size_t n_tags = 0;
	unsigned devices = 1, interfaces = 4, polls = 1, period_ms = 1000, flush_timeout = 20000;
	uint64_t hc_base = 1000;
	int ping = 0;
	char err[512];
	struct rw *rw;
	/* TSC in nanoseconds of CLOCK_REALTIME: the clock is the identity. */
	struct cp_clock clk = { .tsc0 = 0, .hz = 1000000000ull, .unix_ns0 = 0 };

	rw_conf_defaults(&c);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--no-check") == 0) {
			c.check_at_start = RW_CHECK_NONE;
			continue;
		}
		if (strcmp(a, "--warn-check") == 0) {
			c.check_at_start = RW_CHECK_WARN;
			continue;
		}
		if (strcmp(a, "--ping") == 0) {
			ping = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--url") == 0 && c.n_urls < RW_URLS_MAX)
			c.urls[c.n_urls++] = v;
		else if (strcmp(a, "--spill") == 0)
			c.spill_dir = v;
		else if (strcmp(a, "--queue-bytes") == 0)
			c.queue_bytes = strtoull(v, NULL, 10);
		else if (strcmp(a, "--spill-bytes") == 0)
			c.spill_bytes = strtoull(v, NULL, 10);
		else if (strcmp(a, "--devices") == 0)
			devices = (unsigned)atoi(v);
		else if (strcmp(a, "--interfaces") == 0)
			interfaces = (unsigned)atoi(v);
		else if (strcmp(a, "--polls") == 0)
			polls = (unsigned)atoi(v);
		else if (strcmp(a, "--period-ms") == 0)
			period_ms = (unsigned)atoi(v);
		else if (strcmp(a, "--hc-base") == 0)
			hc_base = strtoull(v, NULL, 10);
		else if (strcmp(a, "--max-samples") == 0)
			c.max_samples = (uint32_t)atoi(v);
		else if (strcmp(a, "--flush-ms") == 0)
			c.flush_ms = (uint32_t)atoi(v);
		else if (strcmp(a, "--max-backoff-ms") == 0)
			c.max_backoff_ms = (uint32_t)atoi(v);
		else if (strcmp(a, "--flush-timeout-ms") == 0)
			flush_timeout = (unsigned)atoi(v);
		else if (strcmp(a, "--job") == 0)
			c.job = v;
		else if (strcmp(a, "--bearer-token-file") == 0)
			c.bearer_token_file = v;
		else if (strcmp(a, "--tag") == 0 && n_tags < 8 && strchr(v, '=')) {
			char *eq = strchr(v, '=');

			*eq = '\0';
			tags[n_tags++] = (struct rw_label){ v, eq + 1 };
		} else
			usage();
	}
	rw = rw_open(&c, err, sizeof(err));
	if (rw == NULL) {
		fprintf(stderr, "rw_feed: %s\n", err);
		return 3;
	}
	if (rw_start(rw, err, sizeof(err)) < 0) {
		fprintf(stderr, "rw_feed: %s\n", err);
		rw_close(rw);
		return 3;
	}
	fprintf(stderr, "rw_feed: started\n");
	for (unsigned p = 0; p < polls; p++) {
		uint64_t t0 = now_ns();

		for (unsigned d = 0; d < devices; d++) {
			struct synth s = { 0 };
			char name[32];
			struct rw_device dev = { name, tags, n_tags };

			snprintf(name, sizeof(name), "dev%u", d);
			synth_ifmib_poll(&s, d, now_ns(), interfaces, hc_base, "");
			if (ping)
				synth_ping(&s, d, now_ns(), 3, 2, 1000000, 3000000, 2000000);
			for (size_t off = 0; off < s.len;) {
				const struct argos_rec_hdr *h = (const void *)(s.buf + off);

				if (rw_record(rw, h, &dev, &clk) < 0) {
					fprintf(stderr, "rw_feed: rw_record refused a record\n");
					return 3;
				}
				off += h->size;
			}
			synth_free(&s);
		}
		if (p + 1 < polls) {
			uint64_t spent = (now_ns() - t0) / 1000000;

			if (spent < period_ms)
				usleep((useconds_t)(period_ms - spent) * 1000);
		}
	}
	int rc = rw_flush(rw, flush_timeout);
	struct rw_stats st;

	rw_stats(rw, &st);
	printf("flush %d\n", rc);
	printf("samples_sent %llu\n", (unsigned long long)st.samples_sent);
	printf("samples_failed %llu\n", (unsigned long long)st.samples_failed);
	printf("samples_dropped %llu\n", (unsigned long long)st.samples_dropped);
	printf("samples_pending %llu\n", (unsigned long long)st.samples_pending);
	printf("retries %llu\n", (unsigned long long)st.retries);
	printf("batches_sent %llu\n", (unsigned long long)st.batches_sent);
	printf("bytes_sent %llu\n", (unsigned long long)st.bytes_sent);
	printf("spill_bytes %llu\n", (unsigned long long)st.spill_bytes);
	printf("spilled_batches %llu\n", (unsigned long long)st.spilled_batches);
	struct rw_stop_figures fig;

	rw_stop(rw, &fig);
	printf("stop_spilled %llu\n", (unsigned long long)fig.spilled);
	printf("stop_lost %llu\n", (unsigned long long)fig.lost);
	rw_close(rw);
	return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}
