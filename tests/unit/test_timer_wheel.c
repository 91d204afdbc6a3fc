/*
 * test_timer_wheel.c - timers fire on their tick, not before, also
 * beyond one turn of the wheel; cancel and re-arm work.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "timer_wheel.h"

static struct tw_node nodes[64];
static uint32_t slots[16];
static uint64_t fired_at[64];
static struct tw_wheel w;

static void
fire(void *ctx, uint32_t id)
{
	(void)ctx;
	fired_at[id] = w.now;
}

int
main(void)
{
	tw_init(&w, nodes, 64, slots, 16, 1000);

	tw_arm(&w, 1, 1005);
	tw_arm(&w, 2, 1005);
	tw_arm(&w, 3, 1100);      /* several turns of a 16-slot wheel */
	tw_arm(&w, 4, 1010);
	tw_arm(&w, 5, 900);       /* in the past: fires on the next tick */
	tw_cancel(&w, 4);
	tw_arm(&w, 6, 1020);
	tw_arm(&w, 6, 1030);      /* re-arm moves it */

	tw_advance(&w, 1004, fire, NULL);
	CHECK(fired_at[1] == 0 && fired_at[2] == 0, "timers for tick 1005 must not fire at 1004");
	CHECK(fired_at[5] == 1001, "a timer armed in the past fires on the next tick, got %llu",
	      (unsigned long long)fired_at[5]);
	tw_advance(&w, 1005, fire, NULL);
	CHECK(fired_at[1] == 1005 && fired_at[2] == 1005, "two timers in one slot both fire at 1005");
	tw_advance(&w, 1099, fire, NULL);
	CHECK(fired_at[3] == 0, "a timer 6 turns away must not fire when its slot comes round early");
	CHECK(fired_at[4] == 0, "a cancelled timer never fires");
	CHECK(fired_at[6] == 1030, "a re-armed timer fires at its new tick, got %llu",
	      (unsigned long long)fired_at[6]);
	tw_advance(&w, 1200, fire, NULL);
	CHECK(fired_at[3] == 1100, "a timer several turns away fires on its tick, got %llu",
	      (unsigned long long)fired_at[3]);
	CHECK(w.armed == 0, "nothing stays armed, %u do", w.armed);
	CHECK(!tw_armed(&w, 3), "a fired timer is disarmed");

	/* An empty wheel jumps to now at once. */
	tw_advance(&w, 1000000000ull, fire, NULL);
	CHECK(w.now == 1000000000ull, "an idle wheel catches up in one step");

	return CHECK_DONE("timer_wheel");
}
