/*
 * cp_tsc.c - how fast the TSC really runs.
 *
 * Every time argos reports is a TSC difference divided by a frequency:
 * RTTs, timer ticks, the ts_ms of a result.  DPDK's EAL takes that
 * frequency from CPUID when the CPU names one, and a virtual machine
 * may name a rounded one: on the machines argos is tested on, EAL says
 * 2100 MHz while the TSC runs at 2096.04 MHz against the kernel's
 * clock.  That is 0.19%: a 40 ms RTT read as 39.92 ms and ts_ms drifted
 * 2.7 minutes a day.  So argos measures the frequency once at start,
 * the TSC against CLOCK_MONOTONIC_RAW (the kernel's own count of the
 * same oscillator, which NTP does not slew) over 100 ms.
 *
 * Why each end is read several times: a read of the clock between two
 * TSC reads is trusted to the gap between them, and a preemption can
 * open that gap wide; the tightest of a few tries is kept, which puts
 * each end within a microsecond and the frequency within ~20 ppm.
 */
#include <time.h>

#include <rte_cycles.h>

#include "cp_tsc.h"

#define MEASURE_NS 100000000L   /* 100 ms */
#define TRIES 16

/* One (TSC, clock) pair: the clock read between two TSC reads, taken
 * where they were closest.  @return 0, or -1 when the clock fails. */
static int
pair(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < TRIES; i++) {
		struct timespec ts;
		uint64_t a = rte_rdtsc(), b;

		if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0)
			return -1;
		b = rte_rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	return 0;
}

uint64_t
cp_tsc_hz(uint64_t eal_hz)
{
	struct timespec nap = { 0, MEASURE_NS };
	uint64_t t0, t1;
	int64_t n0, n1;
	double hz;

	if (pair(&t0, &n0) != 0)
		return eal_hz;
	nanosleep(&nap, NULL);
	if (pair(&t1, &n1) != 0 || n1 <= n0)
		return eal_hz;
	hz = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	if (hz < 0.95 * (double)eal_hz || hz > 1.05 * (double)eal_hz)
		return eal_hz;
	return (uint64_t)(hz + 0.5);
}
