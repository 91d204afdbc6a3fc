/*
 * cp_assign.h - which worker core polls a device: load-based, sticky.
 *
 * The load of a core is (jobs queued + jobs in flight) / capacity,
 * sampled about once a second and averaged over the last window
 * seconds (--load-avg-window).  A device keeps the core it had, so
 * that its ARP entry and its counters stay warm, and moves only when
 * that core's average load exceeds the least loaded core's by more
 * than max_delta (--max-load-delta), as horus moves devices between
 * agents.  A device seen for the first time goes, round robin, to one
 * of the cores within max_delta of the least loaded.
 *
 * Pure control-plane code: no rings are read here, the caller passes
 * the numbers.  Not thread-safe; the main lcore owns it.
 */
#ifndef ARGOS_CP_ASSIGN_H
#define ARGOS_CP_ASSIGN_H

#include <stdint.h>

#define CP_ASSIGN_MAX_CORES 16
#define CP_ASSIGN_MAX_WINDOW 300
#define CP_ASSIGN_NONE 0xffu

struct cp_assign {
	unsigned n_cores;
	unsigned window;                 /* samples averaged */
	double max_delta;
	unsigned next;                   /* next sample slot */
	unsigned filled;                 /* samples held, <= window */
	unsigned rr;                     /* where new devices go next */
	double sample[CP_ASSIGN_MAX_WINDOW][CP_ASSIGN_MAX_CORES];
	double avg[CP_ASSIGN_MAX_CORES]; /* over the samples held */
	uint64_t moves;                  /* devices moved to another core */
};

/** Set a up for n_cores (1..16) cores, averaging window (1..300)
 *  samples.  @return 0, or -1 when an argument is out of range. */
int cp_assign_init(struct cp_assign *a, unsigned n_cores, unsigned window, double max_delta);

/** Add one sample: load[i] = (queued + in flight) / capacity of core i. */
void cp_assign_sample(struct cp_assign *a, const double *load);

/**
 * The core for a device whose current core is cur: cur, unless its
 * average load exceeds the least loaded core's by more than max_delta.
 * For a device not yet placed (CP_ASSIGN_NONE), the next core round
 * robin among those within max_delta of the least loaded.
 */
unsigned cp_assign_core(struct cp_assign *a, unsigned cur);

#endif
