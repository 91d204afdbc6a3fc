/*
 * test_assign.c - devices stay on their core, and move only when its
 * average load exceeds the least loaded core's by more than the delta.
 */
#include "check.h"
#include "cp_assign.h"

int
main(void)
{
	struct cp_assign a;
	double even[2] = { 0.3, 0.3 }, hot[2] = { 0.9, 0.1 }, close[2] = { 0.35, 0.3 };

	CHECK(cp_assign_init(&a, 0, 30, 0.1) == -1, "zero cores must be refused");
	CHECK(cp_assign_init(&a, 17, 30, 0.1) == -1, "more than 16 cores must be refused");
	CHECK(cp_assign_init(&a, 2, 0, 0.1) == -1, "an empty window must be refused");
	CHECK(cp_assign_init(&a, 2, 3, 0.1) == 0, "two cores, window 3, delta 0.1 must be accepted");

	cp_assign_sample(&a, even);
	CHECK(cp_assign_core(&a, CP_ASSIGN_NONE) == 0, "new devices on equal cores go round robin: 0 first");
	CHECK(cp_assign_core(&a, CP_ASSIGN_NONE) == 1, "new devices on equal cores go round robin: then 1");
	CHECK(cp_assign_core(&a, CP_ASSIGN_NONE) == 0, "new devices on equal cores go round robin: then 0");   /* ties go to the first */
	CHECK(cp_assign_core(&a, 1) == 1, "a device on core 1 of equal cores stays there");                /* a device sticks */

	cp_assign_sample(&a, close);
	CHECK(cp_assign_core(&a, 0) == 0, "a device moved although its core is within the delta");                /* 0.025 apart: stays */
	CHECK(a.moves == 0, "no device should have moved yet");

	/* One hot second is averaged with the quiet ones before it:
	 * (0.3 + 0.35 + 0.9) / 3 - (0.3 + 0.3 + 0.1) / 3 = 0.283 > 0.1. */
	cp_assign_sample(&a, hot);
	CHECK(cp_assign_core(&a, 0) == 1, "a device on a hot core did not move to the least loaded one");
	CHECK(a.moves == 1, "exactly one move should be counted");
	CHECK(cp_assign_core(&a, CP_ASSIGN_NONE) == 1, "a new device did not go to the least loaded core");
	CHECK(cp_assign_core(&a, CP_ASSIGN_NONE) == 1, "a second new device did not go to the least loaded core");   /* new devices: least loaded */

	/* The window forgets: three even samples later, nothing moves. */
	cp_assign_sample(&a, even);
	cp_assign_sample(&a, even);
	cp_assign_sample(&a, even);
	CHECK(cp_assign_core(&a, 0) == 0, "a device moved although its core is within the delta");
	CHECK(a.moves == 1, "exactly one move should be counted");
	return CHECK_DONE("assign");
}
