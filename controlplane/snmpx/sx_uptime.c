/*
 * sx_uptime.c - an agent's restarts, seen in its sysUpTime (sx_uptime.h).
 *
 * Between two polls sysUpTime should grow by the time that passed
 * (hundredths of a second).  When it is less than that, by more than a
 * tolerance for clock drift and the time the replies took, the agent
 * restarted, even when its new uptime already passed the old one (a
 * restart early in a long poll interval): its counters started again
 * from zero, and a rate() across the two polls would be wrong.
 *
 * TimeTicks wrap at 2^32 (497 days): a value that went down by about
 * 2^32 less the elapsed time is that wrap, not a restart.
 */
#include "sx_uptime.h"

#define TICKS_WRAP (1ull << 32)

/* Slack of a comparison: 2 s, and 5% of the time between the samples
 * (an agent's clock, the poll's own length). */
static uint64_t
slack(uint64_t elapsed)
{
	return 200 + elapsed / 20;
}

int
sx_uptime_take(struct sx_uptime *u, uint32_t ticks, int64_t now_ms)
{
	uint64_t elapsed, expected;
	int reset = 0;

	if (!u->seen) {
		u->seen = 1;
		u->last = ticks;
		u->last_ms = now_ms;
		return 0;
	}
	elapsed = now_ms > u->last_ms ? (uint64_t)(now_ms - u->last_ms) / 10 : 0;
	expected = (uint64_t)u->last + elapsed;
	if (expected >= TICKS_WRAP && ticks < u->last) {
		/* the counter may have wrapped: compare with what it wrapped to */
		uint64_t w = expected - TICKS_WRAP;

		reset = (uint64_t)ticks + slack(elapsed) < w;
	} else {
		reset = (uint64_t)ticks + slack(elapsed) < expected;
	}
	if (reset) {
		u->resets++;
		u->reset_ms = now_ms;
	}
	u->last = ticks;
	u->last_ms = now_ms;
	return reset;
}
