/*
 * test_maxrep.c - the rule by which argos learns a device's GETBULK
 * max-repetitions (include/argos_maxrep.h): how it shrinks within a
 * poll, and how the control plane carries it from poll to poll.
 */
#include <stdio.h>

#include "argos_maxrep.h"
#include "check.h"

/* One poll of a device whose replies are lost above limit repetitions
 * (0: never), as the dataplane would report it: a poll that needs less
 * than limit ends as it began; otherwise it halves until it fits. */
static void
poll(struct argos_maxrep_memo *m, uint16_t cap, uint16_t limit)
{
	uint16_t rep = argos_maxrep_next(m, cap), failed = 0;

	while (limit && rep > limit) {
		failed = rep;
		rep = argos_maxrep_halve(rep);
	}
	argos_maxrep_learn(m, cap, rep, failed, 1);
}

int
main(void)
{
	struct argos_maxrep_memo m = { 0 };
	uint16_t v;
	int shrinks = 0;

	CHECK(argos_maxrep_halve(25) == 12 && argos_maxrep_halve(2) == 1 &&
	      argos_maxrep_halve(1) == 1 && argos_maxrep_halve(0) == 1,
	      "halving: 25 -> 12, 2 -> 1, never below 1");
	CHECK(argos_maxrep_fit(25, 25, 10000) == 3,
	      "25 varbinds in 10 kB: 3 fit a frame (got %u)", argos_maxrep_fit(25, 25, 10000));
	CHECK(argos_maxrep_fit(25, 5, 5000) == 1,
	      "5 varbinds of 1 kB (end of a table): 1 fits (got %u)", argos_maxrep_fit(25, 5, 5000));
	CHECK(argos_maxrep_fit(25, 25, 1500) == 23 && argos_maxrep_fit(25, 25, 1420) == 24,
	      "a reply just over a frame shrinks in proportion, by at least 1 (got %u, %u)",
	      argos_maxrep_fit(25, 25, 1500), argos_maxrep_fit(25, 25, 1420));
	CHECK(argos_maxrep_fit(1, 1, 9000) == 1 && argos_maxrep_fit(3, 0, 0) == 1,
	      "never below 1");

	CHECK(argos_maxrep_next(&m, 25) == 25, "a device starts at its configured maximum");
	m.cur = 40;
	CHECK(argos_maxrep_next(&m, 25) == 25, "a learnt value above a lowered maximum is cut");
	m.cur = 0;

	/* A path that loses replies above 6 repetitions. */
	poll(&m, 25, 6);
	CHECK(m.cur == 6 && m.ceiling == 12, "first poll: 25 -> 12 -> 6, ceiling 12 (got %u, %u)",
	      m.cur, m.ceiling);
	for (int i = 0; i < 200; i++) {
		uint16_t before = m.cur;

		poll(&m, 25, 6);
		shrinks += m.cur < before;
		CHECK(m.cur >= 3 && m.cur <= 7, "it stays between half the limit and one above "
		      "it, the probe (%u at poll %d)", m.cur, i + 2);
	}
	CHECK(shrinks <= 200 / ARGOS_MAXREP_FORGET_POLLS + 1,
	      "a settled device pays a shrink at most once per %d polls (%d in 200)",
	      ARGOS_MAXREP_FORGET_POLLS, shrinks);

	/* The path is fixed: the value grows back, slowly, to the maximum. */
	v = m.cur;
	for (int i = 0; i < ARGOS_MAXREP_GROW_POLLS - 1; i++)
		poll(&m, 25, 0);
	CHECK(m.cur <= v + 1 || m.ceiling == 0, "no growth before %d good polls",
	      ARGOS_MAXREP_GROW_POLLS);
	for (int i = 0; i < 2 * ARGOS_MAXREP_FORGET_POLLS + 40 * ARGOS_MAXREP_GROW_POLLS; i++)
		poll(&m, 25, 0);
	CHECK(m.cur == 25 && m.ceiling == 0, "back to the maximum once the ceiling is forgotten "
	      "(%u, ceiling %u)", m.cur, m.ceiling);

	/* Growth is a quarter per step: from 4 to 25 takes several steps. */
	m = (struct argos_maxrep_memo){ .cur = 4 };
	{
		int steps = 0;

		while (m.cur < 25 && steps < 1000) {
			poll(&m, 25, 0);
			steps++;
		}
		CHECK(steps >= 8 * ARGOS_MAXREP_GROW_POLLS && steps <= 12 * ARGOS_MAXREP_GROW_POLLS,
		      "4 -> 25 grows over 8 to 12 steps of %d polls (%d polls)",
		      ARGOS_MAXREP_GROW_POLLS, steps);
	}

	/* Failed polls teach nothing; a failure with a confirmed shrink does. */
	m = (struct argos_maxrep_memo){ .cur = 10 };
	for (int i = 0; i < 50; i++)
		argos_maxrep_learn(&m, 25, 10, 0, 0);
	CHECK(m.cur == 10, "polls that fail (device down) do not grow the value");
	argos_maxrep_learn(&m, 25, 3, 10, 0);
	CHECK(m.cur == 3 && m.ceiling == 10, "a shrink is learnt even from a poll that failed later");
	argos_maxrep_learn(&m, 25, 0, 0, 1);
	CHECK(m.cur == 3, "a DONE without GETBULK (max_rep 0) changes nothing... of cur (%u)",
	      m.cur);

	/* tooBig at max-repetitions 1 cannot shrink further. */
	m = (struct argos_maxrep_memo){ 0 };
	argos_maxrep_learn(&m, 1, 1, 0, 1);
	CHECK(argos_maxrep_next(&m, 1) == 1, "a maximum of 1 stays 1");
	return CHECK_DONE("maxrep_learning");
}
