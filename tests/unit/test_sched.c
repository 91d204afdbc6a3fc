/*
 * test_sched.c - the due-time heap: entries come out earliest first,
 * and a filter (what a devices-file reload does to the schedule of
 * removed devices) keeps the others in order.
 */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "cp_sched.h"

static int
keep_odd(const struct cp_due *e, void *arg)
{
	(*(int *)arg)++;
	return e->device % 2 == 1;
}

int
main(void)
{
	struct cp_sched s;
	uint64_t last = 0;
	int calls = 0, sorted = 1;
	size_t removed;

	CHECK(cp_sched_init(&s, 200) == 0, "a heap of 200 entries must be allocated");
	for (uint32_t i = 0; i < 200; i++)   /* due times out of order */
		CHECK(cp_sched_push(&s, (i * 7919u) % 1000, i, 1) == 0, "push %u must fit", i);
	CHECK(cp_sched_push(&s, 5, 999, 1) == -ENOSPC, "a push beyond the capacity is refused");

	removed = cp_sched_filter(&s, keep_odd, &calls);
	CHECK(removed == 100 && s.n == 100 && calls == 200,
	      "the filter sees every entry once and removes the even devices (removed %zu)", removed);
	while (cp_sched_peek(&s) != NULL) {
		const struct cp_due *e = cp_sched_peek(&s);

		sorted &= e->at_ms >= last && e->device % 2 == 1;
		last = e->at_ms;
		cp_sched_pop(&s);
	}
	CHECK(sorted, "after the filter, the entries still come out earliest first");
	cp_sched_free(&s);
	return CHECK_DONE("sched");
}
