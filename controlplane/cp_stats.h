/*
 * stats.h - testpmd-style statistics of the worker cores.
 */
#ifndef ARGOS_CP_STATS_H
#define ARGOS_CP_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "argos_lane.h"

struct cp_stats_view {
	struct argos_core_stats last;   /* at the previous print */
	uint64_t last_tsc;
};

/** Print one block per lane: rates since the last call, and totals. */
void cp_stats_print(FILE *f, struct argos_lane *const *lanes, unsigned n,
		    struct cp_stats_view *views, uint64_t now_tsc, uint64_t hz);

/** Print the exit summary: totals since start. */
void cp_stats_summary(FILE *f, struct argos_lane *const *lanes, unsigned n,
		      double seconds, uint64_t polls_ok, uint64_t polls_failed,
		      uint64_t pings_done, uint64_t ring_full);

#endif
