/*
 * rw_bench.c - remote-write encode + compress throughput, one core.
 *
 * Feeds whole if-mib polls of a 48-interface device (records built as
 * include/argos_result.h lays them out) through rw_record(), exactly as
 * the main thread would, and compresses every sealed batch as the
 * sender thread would.  Three figures per sample:
 *   append    rw_record(): naming, lookups, labels, protobuf by hand
 *   compress  snappy of the sealed batches
 *   encode    the hand-rolled TimeSeries writer alone, against
 *             protobuf-c's generic packer on the same messages (peer)
 * and the bytes per sample before and after snappy.  Prints "key value"
 * lines; bench/rw-bench.sh writes them into docs/benchmarks.md.
 *
 *   rw_bench [POLLS]      (default 400)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "argos_job.h"
#include "remote.pb-c.h"
#include "rw_internal.h"
#include "rw_synth.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	unsigned polls = argc > 1 ? (unsigned)atoi(argv[1]) : 400;
	struct cp_clock clk = { .tsc0 = 0, .hz = 1000000000ull, .unix_ns0 = 1700000000000000000ll };
	struct rw_label tags[] = { { "site", "par1" }, { "role", "core" } };
	struct rw_device dev = { .instance = "core1.par1.example.net", .labels = tags, .n_labels = 2 };
	struct rw_conf c;
	struct rw *rw;
	char err[256];
	double t_append = 0, t_zip = 0, raw_bytes = 0, zip_bytes = 0, samples = 0;
	struct rw_buf z = { 0 }, keep = { 0 };
	uint32_t keep_samples = 0;

	rw_conf_defaults(&c);
	c.urls[0] = "http://127.0.0.1:9/api/v1/write";
	c.n_urls = 1;
	rw = rw_open(&c, err, sizeof(err));
	if (rw == NULL) {
		fprintf(stderr, "rw_bench: %s\n", err);
		return 1;
	}
	for (unsigned p = 0; p < polls; p++) {
		struct synth s = { 0 };
		uint64_t tsc = (uint64_t)p * 60000000000ull;
		double t0;

		synth_ifmib_poll(&s, 0, tsc, 48, 1ull << 40, "");
		t0 = now_ns();
		for (size_t off = 0; off < s.len;) {
			const struct argos_rec_hdr *h = (const void *)(s.buf + off);

			rw_record(rw, h, &dev, &clk);
			off += argos_rec_size(h);
		}
		t_append += now_ns() - t0;
		synth_free(&s);
		while (rw->hand_head) {
			struct rw_raw *r = rw->hand_head;

			rw->hand_head = r->next;
			t0 = now_ns();
			rw_compress(r->body.p, r->body.len, &z);
			t_zip += now_ns() - t0;
			raw_bytes += (double)r->body.len;
			zip_bytes += (double)z.len;
			samples += r->samples;
			if (keep.len == 0) {
				keep = r->body;
				keep_samples = r->samples;
			} else {
				rw_buf_free(&r->body);
			}
			free(r);
		}
		rw->hand_tail = NULL;
	}
	if (samples == 0 || keep.len == 0) {
		fprintf(stderr, "rw_bench: no batch was sealed\n");
		return 1;
	}

	/* Encoder against protobuf-c on the same messages. */
	Prometheus__WriteRequest *wr =
		prometheus__write_request__unpack(NULL, keep.len, keep.p);
	if (wr == NULL || wr->n_timeseries != keep_samples) {
		fprintf(stderr, "rw_bench: protobuf-c cannot decode our batch\n");
		return 1;
	}
	size_t packed_len = prometheus__write_request__get_packed_size(wr);
	uint8_t *packed = malloc(packed_len);
	unsigned reps = 200;
	double t0 = now_ns();

	for (unsigned r = 0; r < reps; r++)
		prometheus__write_request__pack(wr, packed);
	double t_pbc = (now_ns() - t0) / reps / keep_samples;

	struct rw_lbl l[64];
	struct rw_buf out = { 0 };

	t0 = now_ns();
	for (unsigned r = 0; r < reps; r++) {
		out.len = 0;
		for (size_t i = 0; i < wr->n_timeseries; i++) {
			Prometheus__TimeSeries *ts = wr->timeseries[i];

			for (size_t k = 0; k < ts->n_labels; k++)
				l[k] = (struct rw_lbl){ ts->labels[k]->name, ts->labels[k]->value,
							(uint32_t)strlen(ts->labels[k]->name),
							(uint32_t)strlen(ts->labels[k]->value) };
			rw_encode_series(&out, l, ts->n_labels, ts->samples[0]->value,
					 ts->samples[0]->timestamp);
		}
	}
	double t_hand = (now_ns() - t0) / reps / keep_samples;
	int same = out.len == packed_len && memcmp(out.p, packed, packed_len) == 0;

	double append_ns = t_append / samples, zip_ns = t_zip / samples;

	printf("samples %.0f\n", samples);
	printf("samples_per_poll %.0f\n", samples / polls);
	printf("append_ns_per_sample %.1f\n", append_ns);
	printf("compress_ns_per_sample %.1f\n", zip_ns);
	printf("append_compress_samples_per_s_per_core %.0f\n", 1e9 / (append_ns + zip_ns));
	printf("encode_hand_ns_per_sample %.1f\n", t_hand);
	printf("encode_protobuf_c_ns_per_sample %.1f\n", t_pbc);
	printf("encode_hand_samples_per_s_per_core %.0f\n", 1e9 / t_hand);
	printf("encode_protobuf_c_samples_per_s_per_core %.0f\n", 1e9 / t_pbc);
	printf("encode_speedup_vs_protobuf_c %.2f\n", t_pbc / t_hand);
	printf("hand_bytes_equal_protobuf_c %d\n", same);
	printf("raw_bytes_per_sample %.1f\n", raw_bytes / samples);
	printf("wire_bytes_per_sample %.1f\n", zip_bytes / samples);
	printf("batch_samples %u\n", keep_samples);
	prometheus__write_request__free_unpacked(wr, NULL);
	free(packed);
	rw_buf_free(&out);
	rw_buf_free(&keep);
	rw_buf_free(&z);
	rw_close(rw);
	return 0;
}
