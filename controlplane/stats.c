/*
 * stats.c - testpmd-style statistics (see stats.h).
 *
 * Counters are read from each core's own struct without a lock: a
 * value may be one packet old, which a human reading pps never sees.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cp_stats.h"

/* The counters every core keeps, by the names /metrics (argos_core_KEY_total)
 * and DPDK telemetry give them.  One table, so the two never disagree. */
#define CORE_COUNTER(field, key, help) { offsetof(struct argos_core_stats, field), key, help }

const struct cp_core_counter cp_core_counters[] = {
	CORE_COUNTER(tx_pkts, "tx_packets", "Packets sent by the core."),
	CORE_COUNTER(rx_pkts, "rx_packets", "Packets received by the core."),
	CORE_COUNTER(tx_dropped, "tx_dropped",
		     "Frames lost: the NIC's TX ring and the core's backlog were full."),
	CORE_COUNTER(tx_held, "tx_held",
		     "Loop turns the core started no job: the NIC's TX ring was full."),
	CORE_COUNTER(jobs_done, "jobs_done", "Jobs (polls, pings) ended."),
	CORE_COUNTER(snmp_requests, "snmp_requests",
		     "SNMP requests sent, first attempts."),
	CORE_COUNTER(snmp_matched, "snmp_matched",
		     "SNMP replies matched to a request."),
	CORE_COUNTER(snmp_retries, "snmp_retries", "SNMP requests resent."),
	CORE_COUNTER(snmp_timeouts, "snmp_timeouts",
		     "SNMP steps that used up every retry."),
	CORE_COUNTER(snmp_varbinds, "snmp_varbinds", "Varbinds received."),
	CORE_COUNTER(snmp_maxrep_shrinks, "snmp_maxrep_shrinks",
		     "GETBULK max-repetitions shrunk: tooBig, a reply in fragments, "
		     "a large request lost while small ones were answered."),
	CORE_COUNTER(snmp_alt_community, "snmp_alt_community",
		     "SNMP jobs that went on to the device's alternate community."),
	CORE_COUNTER(ping_sent, "ping_sent", "ICMP echo requests sent."),
	CORE_COUNTER(ping_matched, "ping_matched",
		     "ICMP echo replies matched."),
	CORE_COUNTER(ping_lost, "ping_lost", "ICMP echo requests never answered."),
	CORE_COUNTER(mbuf_alloc_failed, "mbuf_alloc_failed",
		     "Frames not built: the mbuf pool was empty."),
	CORE_COUNTER(results_lost, "results_lost",
		     "Results lost: no free batch (must stay 0)."),
	CORE_COUNTER(backpressure_held, "backpressure_held",
		     "Loop turns the core started no job: too few free result batches."),
	CORE_COUNTER(backpressure_deferred, "backpressure_deferred",
		     "Job ends put off by 1 ms: no room for their records."),
	CORE_COUNTER(backpressure_resent, "backpressure_resent",
		     "Requests sent again: their reply was dropped for back-pressure."),
	CORE_COUNTER(redirected, "redirected",
		     "Replies passed to the core that owns them (software steering)."),
	CORE_COUNTER(redirect_full, "redirect_full",
		     "Replies dropped: the owner core's redirect ring was full."),
	CORE_COUNTER(frag_rx, "frag_received",
		     "IPv4 fragments to argos's address reassembled on the core."),
	CORE_COUNTER(frag_reassembled, "frag_reassembled",
		     "Datagrams completed from fragments."),
	CORE_COUNTER(frag_timeout, "frag_timed_out",
		     "Fragments dropped: their datagram was not complete within 1 s."),
	CORE_COUNTER(frag_table_full, "frag_table_full",
		     "Fragments dropped: the reassembly table held 256 datagrams."),
	CORE_COUNTER(frag_overlap, "frag_overlap",
		     "Fragments dropped with their datagram: overlapping or repeated."),
	CORE_COUNTER(frag_too_many, "frag_too_many",
		     "Fragments dropped with their datagram: more than 8 fragments."),
	CORE_COUNTER(frag_too_big, "frag_too_big",
		     "Fragments dropped: their datagram would pass 65535 bytes."),
	CORE_COUNTER(frag_steered, "frag_steered",
		     "Fragments passed to the core that reassembles their datagram."),
	CORE_COUNTER(backpressure_held, "backpressure_held",
		     "Loop turns the core started no job: too few free result batches."),
	CORE_COUNTER(backpressure_deferred, "backpressure_deferred",
		     "Job ends put off 1 ms for want of room for their records."),
	CORE_COUNTER(backpressure_resent, "backpressure_resent",
		     "Requests resent because their reply was dropped for back-pressure."),
	CORE_COUNTER(results_lost, "results_lost",
		     "Results lost for want of a free batch; must stay 0."),
	{ 0, NULL, NULL },
};


static void
snapshot(const struct argos_core_stats *src, struct argos_core_stats *dst)
{
	const volatile uint64_t *s = (const volatile uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;

	for (size_t i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		d[i] = s[i];
}

static void
frags(FILE *f, const struct argos_core_stats *s)
{
	fprintf(f, "  Fragments: %-13" PRIu64 " Reassembled: %-11" PRIu64 " Steered: %-9" PRIu64
		" Held: %" PRIu64 "\n", s->frag_rx, s->frag_reassembled, s->frag_steered,
		s->frag_held);
	fprintf(f, "  Fragments dropped: timed-out %" PRIu64 ", table-full %" PRIu64 ", overlap %"
		PRIu64 ", too-many %" PRIu64 ", too-big %" PRIu64 "\n", s->frag_timeout,
		s->frag_table_full, s->frag_overlap, s->frag_too_many, s->frag_too_big);
}

static void
drops(FILE *f, const struct argos_core_stats *s)
{
	fputs("  Dropped replies:", f);
	for (int i = 0; i < ARGOS_DROP_MAX; i++)
		fprintf(f, "%s %s %" PRIu64, i ? "," : "", argos_drop_names[i], s->drop[i]);
	fputc('\n', f);
}

void
cp_stats_print(FILE *f, struct argos_lane *const *lanes, unsigned n,
	       struct cp_stats_view *views, uint64_t now_tsc, uint64_t hz)
{
	for (unsigned w = 0; w < n; w++) {
		struct argos_core_stats s;
		struct cp_stats_view *v = &views[w];
		double dt = v->last_tsc ? (double)(now_tsc - v->last_tsc) / (double)hz : 0;

		snapshot(&lanes[w]->stats, &s);
		fprintf(f, "\n  ---------------- argos worker %u (port %u queue %u) ----------------\n",
			w, lanes[w]->port, lanes[w]->queue);
		fprintf(f, "  Tx-pps: %12.0f          Rx-pps: %12.0f\n",
			dt > 0 ? (double)(s.tx_pkts - v->last.tx_pkts) / dt : 0.0,
			dt > 0 ? (double)(s.rx_pkts - v->last.rx_pkts) / dt : 0.0);
		fprintf(f, "  TX-packets: %-12" PRIu64 " RX-packets: %-12" PRIu64
			" TX-dropped: %-9" PRIu64 " TX-held: %" PRIu64 "\n", s.tx_pkts, s.rx_pkts,
			s.tx_dropped, s.tx_held);
		fprintf(f, "  In-flight: %-13" PRIu64 " Jobs-done: %-13" PRIu64
			" Results-lost: %" PRIu64 "\n", s.inflight, s.jobs_done, s.results_lost);
		fprintf(f, "  SNMP requests: %-9" PRIu64 " Matched: %-15" PRIu64
			" Retries: %-9" PRIu64 " Timeouts: %" PRIu64 "\n",
			s.snmp_requests, s.snmp_matched, s.snmp_retries, s.snmp_timeouts);
		fprintf(f, "  Varbinds: %-14" PRIu64 " Errors: %" PRIu64 "\n",
			s.snmp_varbinds, s.snmp_errors);
		fprintf(f, "  Backpressure held: %-9" PRIu64 " Deferred: %-14" PRIu64
			" Resent: %" PRIu64 "\n", s.backpressure_held, s.backpressure_deferred,
			s.backpressure_resent);
		fprintf(f, "  Ping sent: %-13" PRIu64 " Matched: %-15" PRIu64 " Lost: %" PRIu64 "\n",
			s.ping_sent, s.ping_matched, s.ping_lost);
		fprintf(f, "  ARP requests: %-10" PRIu64 " Learnt: %-16" PRIu64
			" Answered: %-8" PRIu64 " Failed: %" PRIu64 "\n",
			s.arp_requests, s.arp_replies, s.arp_answered, s.arp_failed);
		if (n > 1)
			fprintf(f, "  Redirected: %-12" PRIu64 " Redirect-full: %-9" PRIu64
				" ARP-shared: %" PRIu64 "\n", s.redirected, s.redirect_full,
				s.arp_shared);
		frags(f, &s);
		drops(f, &s);
		fputs("  ------------------------------------------------------------------\n", f);
		v->last = s;
		v->last_tsc = now_tsc;
	}
	fflush(f);
}

void
cp_stats_total(struct argos_lane *const *lanes, unsigned n, struct argos_core_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned w = 0; w < n; w++) {
		struct argos_core_stats s;
		uint64_t *a = (uint64_t *)t, *b = (uint64_t *)&s;

		snapshot(&lanes[w]->stats, &s);
		for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
			a[i] += b[i];
	}
}

uint64_t
cp_stats_rtt_percentile(const struct argos_core_stats *t, double p)
{
	uint64_t total = 0, seen = 0, want;

	for (unsigned b = 0; b < ARGOS_RTT_BUCKETS; b++)
		total += t->rtt_hist[b];
	if (total == 0)
		return 0;
	want = (uint64_t)(p * (double)total + 0.5);
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < ARGOS_RTT_BUCKETS; b++) {
		seen += t->rtt_hist[b];
		if (seen >= want)    /* the bucket's middle: within half its width */
			return b + 1 < ARGOS_RTT_BUCKETS ?
			       (argos_rtt_bucket_low(b) + argos_rtt_bucket_low(b + 1)) / 2 :
			       argos_rtt_bucket_low(b);
	}
	return argos_rtt_bucket_low(ARGOS_RTT_BUCKETS - 1);
}

int
cp_stats_json(const char *path, struct argos_lane *const *lanes, unsigned n,
	      const struct cp_run_figures *r)
{
	struct argos_core_stats t;
	uint64_t asked, matched, drops = 0;
	double s = r->seconds > 0 ? r->seconds : 1e-9;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	cp_stats_total(lanes, n, &t);
	asked = t.snmp_requests + t.snmp_retries + t.ping_sent;
	matched = t.snmp_matched + t.ping_matched;
	for (int i = 0; i < ARGOS_DROP_MAX; i++)
		drops += t.drop[i];
	fprintf(f, "{\n"
		"  \"workers\": %u,\n  \"devices\": %zu,\n  \"seconds\": %.3f,\n"
		"  \"icmp_probes_per_s\": %.1f,\n  \"snmp_polls_per_s\": %.1f,\n"
		"  \"matched_ratio\": %.6f,\n  \"tx_pps\": %.1f,\n  \"rx_pps\": %.1f,\n"
		"  \"rtt_p50_us\": %" PRIu64 ",\n  \"rtt_p99_us\": %" PRIu64 ",\n"
		"  \"snmp_polls_ok\": %" PRIu64 ",\n  \"snmp_polls_failed\": %" PRIu64 ",\n"
		"  \"ping_jobs\": %" PRIu64 ",\n  \"ping_sent\": %" PRIu64 ",\n"
		"  \"ping_matched\": %" PRIu64 ",\n  \"snmp_requests\": %" PRIu64 ",\n"
		"  \"snmp_retries\": %" PRIu64 ",\n  \"snmp_matched\": %" PRIu64 ",\n"
		"  \"snmp_timeouts\": %" PRIu64 ",\n  \"snmp_varbinds\": %" PRIu64 ",\n"
		"  \"tx_packets\": %" PRIu64 ",\n  \"rx_packets\": %" PRIu64 ",\n"
		"  \"tx_dropped\": %" PRIu64 ",\n  \"tx_held\": %" PRIu64 ",\n  \"replies_dropped\": %" PRIu64 ",\n"
		"  \"job_ring_full\": %" PRIu64 ",\n  \"results_lost\": %" PRIu64 ",\n"
		"  \"backpressure_held\": %" PRIu64 ",\n  \"backpressure_deferred\": %" PRIu64 ",\n"
		"  \"backpressure_resent\": %" PRIu64 ",\n"
		"  \"replies_dropped_backpressure\": %" PRIu64 ",\n"
		"  \"replies_dropped_unknown_request_id\": %" PRIu64 ",\n"
		"  \"replies_dropped_duplicate\": %" PRIu64 ",\n"
		"  \"paced\": %s,\n  \"pace_rate_pps\": %.1f,\n  \"pace_backoffs\": %" PRIu64 "\n}\n",
		n, r->devices, r->seconds, (double)t.ping_sent / s, (double)r->polls_ok / s,
		asked ? (double)matched / (double)asked : 0.0, (double)t.tx_pkts / s,
		(double)t.rx_pkts / s, cp_stats_rtt_percentile(&t, 0.50),
		cp_stats_rtt_percentile(&t, 0.99), r->polls_ok, r->polls_failed, r->pings_done,
		t.ping_sent, t.ping_matched, t.snmp_requests, t.snmp_retries, t.snmp_matched,
		t.snmp_timeouts, t.snmp_varbinds, t.tx_pkts, t.rx_pkts, t.tx_dropped, t.tx_held, drops,
		r->ring_full, t.results_lost, t.backpressure_held, t.backpressure_deferred,
		t.backpressure_resent, t.drop[ARGOS_DROP_BACKPRESSURE],
		t.drop[ARGOS_DROP_UNKNOWN_REQUEST_ID], t.drop[ARGOS_DROP_DUPLICATE],
		r->paced ? "true" : "false", r->pace_rate_pps, r->pace_backoffs);
	return fclose(f) == 0 ? 0 : -1;
}

void
cp_stats_summary(FILE *f, struct argos_lane *const *lanes, unsigned n, double seconds,
		 uint64_t polls_ok, uint64_t polls_failed, uint64_t pings_done,
		 uint64_t ring_full)
{
	struct argos_core_stats t;

	cp_stats_total(lanes, n, &t);
	fprintf(f, "\n  ================ argos summary: %u worker(s), %.1f s ================\n",
		n, seconds);
	fprintf(f, "  SNMP polls: %" PRIu64 " ok, %" PRIu64 " failed; ping jobs: %" PRIu64
		"; job ring full: %" PRIu64 "\n", polls_ok, polls_failed, pings_done, ring_full);
	fprintf(f, "  TX-packets: %-12" PRIu64 " RX-packets: %-12" PRIu64 " TX-dropped: %-9" PRIu64
		" TX-held: %" PRIu64 "\n", t.tx_pkts, t.rx_pkts, t.tx_dropped, t.tx_held);
	fprintf(f, "  SNMP requests: %-9" PRIu64 " Matched: %-15" PRIu64 " Retries: %-9" PRIu64
		" Timeouts: %" PRIu64 "\n", t.snmp_requests, t.snmp_matched, t.snmp_retries,
		t.snmp_timeouts);
	fprintf(f, "  Varbinds: %-14" PRIu64 " Errors: %-16" PRIu64 " Results-lost: %" PRIu64 "\n",
		t.snmp_varbinds, t.snmp_errors, t.results_lost);
	fprintf(f, "  Backpressure held: %-9" PRIu64 " Deferred: %-14" PRIu64 " Resent: %" PRIu64
		"\n", t.backpressure_held, t.backpressure_deferred, t.backpressure_resent);
	fprintf(f, "  Ping sent: %-13" PRIu64 " Matched: %-15" PRIu64 " Lost: %" PRIu64 "\n",
		t.ping_sent, t.ping_matched, t.ping_lost);
	fprintf(f, "  ARP requests: %-10" PRIu64 " Learnt: %-16" PRIu64 " Answered: %-8" PRIu64
		" Failed: %" PRIu64 "\n", t.arp_requests, t.arp_replies, t.arp_answered,
		t.arp_failed);
	if (n > 1)
		fprintf(f, "  Redirected: %-12" PRIu64 " Redirect-full: %-9" PRIu64 " ARP-shared: %"
			PRIu64 "\n", t.redirected, t.redirect_full, t.arp_shared);
	frags(f, &t);
	drops(f, &t);
	fprintf(f, "  RTT p50: %" PRIu64 " us          RTT p99: %" PRIu64 " us\n",
		cp_stats_rtt_percentile(&t, 0.50), cp_stats_rtt_percentile(&t, 0.99));
	fputs("  ==================================================================\n", f);
	fflush(f);
}
