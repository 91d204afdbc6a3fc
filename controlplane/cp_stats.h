/*
 * stats.h - testpmd-style statistics of the worker cores.
 */
#ifndef ARGOS_CP_STATS_H
#define ARGOS_CP_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "argos_lane.h"

struct cp_stats_view {
	struct argos_core_stats last;   /* at the previous print */
	uint64_t last_tsc;
};

/** One counter of struct argos_core_stats: its offset, its name (a
 *  snake_case key) and what it counts. */
struct cp_core_counter {
	size_t off;
	const char *key;
	const char *help;
};

/** Every counter exported by /metrics and telemetry; ends with key NULL. */
extern const struct cp_core_counter cp_core_counters[];

/** The value of counter c in s. */
static inline uint64_t
cp_core_counter(const struct argos_core_stats *s, const struct cp_core_counter *c)
{
	return *(const uint64_t *)((const char *)s + c->off);
}

/** What the control plane counted over a run, for the summaries. */
struct cp_run_figures {
	double seconds;
	size_t devices;
	uint64_t polls_ok, polls_failed, pings_done, ring_full;
	int paced;                 /* --pace auto */
	double pace_rate_pps;      /* the paced rate at the end */
	uint64_t pace_backoffs;
};

/** Sum the counters of n lanes into t. */
void cp_stats_total(struct argos_lane *const *lanes, unsigned n, struct argos_core_stats *t);

/** The RTT, in microseconds, below which a share p (0..1) of the
 *  matched replies fell, read from the summed histogram; 0 when empty. */
uint64_t cp_stats_rtt_percentile(const struct argos_core_stats *t, double p);

/**
 * Write the run's figures as one JSON object to path (--summary-json):
 * icmp_probes_per_s, snmp_polls_per_s (complete polls of a device),
 * matched_ratio (replies matched / requests sent), tx_pps, rx_pps,
 * rtt_p50_us, rtt_p99_us, and the counts they come from.
 * @return 0, or -1 with errno set.
 */
int cp_stats_json(const char *path, struct argos_lane *const *lanes, unsigned n,
		  const struct cp_run_figures *r);

/** Print one block per lane: rates since the last call, and totals. */
void cp_stats_print(FILE *f, struct argos_lane *const *lanes, unsigned n,
		    struct cp_stats_view *views, uint64_t now_tsc, uint64_t hz);

/** Print the exit summary: totals since start. */
void cp_stats_summary(FILE *f, struct argos_lane *const *lanes, unsigned n,
		      double seconds, uint64_t polls_ok, uint64_t polls_failed,
		      uint64_t pings_done, uint64_t ring_full);

#endif
