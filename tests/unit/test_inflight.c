/*
 * test_inflight.c - the in-flight request table: ids map to sessions,
 * removal keeps every other id findable, and a second reply to an
 * answered id is told apart from a stranger's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "inflight.h"

#define MAX 1000

static struct inflight_slot slots[4096];
static uint32_t recent[INFLIGHT_RECENT];

static uint32_t
rnd(void)
{
	static uint64_t x = 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 1) | 0x01000000u;
}

int
main(void)
{
	struct inflight_table t;
	uint32_t n_slots = inflight_slots_for(MAX);
	static uint32_t ids[MAX];

	CHECK(n_slots >= 2 * MAX && (n_slots & (n_slots - 1)) == 0,
	      "slots for %d entries should be a power of two >= %d, got %u", MAX, 2 * MAX, n_slots);
	inflight_init(&t, slots, n_slots, recent, INFLIGHT_RECENT);

	for (int i = 0; i < MAX; i++) {
		int rc;

		do {
			ids[i] = rnd();
			rc = inflight_insert(&t, ids[i], (uint32_t)i);
		} while (rc == -EEXIST);
		CHECK(rc == 0, "insert of id %u should succeed, got %d", ids[i], rc);
	}
	CHECK(inflight_insert(&t, ids[7], 99) == -EEXIST,
	      "an id already in flight must be refused so the caller draws another");
	CHECK(inflight_insert(&t, 0, 1) == -EINVAL, "id 0 marks empty slots and must be refused");

	for (int i = 0; i < MAX; i++)
		CHECK(inflight_lookup(&t, ids[i]) == i, "id %u should map to session %d", ids[i], i);
	{	/* an id nobody inserted: the first of a fixed run that is not in ids[] */
		uint32_t stranger = 0x7ffffff1u;

		for (int i = 0; i < MAX; i++)
			if (ids[i] == stranger) {
				stranger++;
				i = -1;   /* look again from the start */
			}
		CHECK(inflight_lookup(&t, stranger) == -1,
		      "lookup of id %u, never inserted, should find nothing, got %lld", stranger,
		      (long long)inflight_lookup(&t, stranger));
	}

	/* Remove every other one; the rest must stay findable
	 * (backward-shift deletion must not break probe runs). */
	for (int i = 0; i < MAX; i += 2)
		CHECK(inflight_remove(&t, ids[i], 1) == 0, "remove of id %u should succeed", ids[i]);
	for (int i = 0; i < MAX; i++) {
		int64_t want = (i % 2) ? i : -1;

		CHECK(inflight_lookup(&t, ids[i]) == want,
		      "after removals id %u should map to %lld, got %lld", ids[i],
		      (long long)want, (long long)inflight_lookup(&t, ids[i]));
	}
	CHECK(t.count == MAX / 2, "count should be %d, got %u", MAX / 2, t.count);
	CHECK(inflight_remove(&t, ids[0], 1) == -ENOENT,
	      "removing an id twice must say it is not there");

	/* Duplicates: an answered id is remembered, an expired one is not. */
	CHECK(inflight_was_answered(&t, ids[2]), "a removed, answered id counts as a duplicate");
	CHECK(inflight_remove(&t, ids[1], 0) == 0, "remove of a timed-out id");
	CHECK(!inflight_was_answered(&t, ids[1]) || (ids[1] & (INFLIGHT_RECENT - 1)) ==
	      (ids[2] & (INFLIGHT_RECENT - 1)), "a timed-out id is not a duplicate but an unknown id");
	CHECK(!inflight_was_answered(&t, 0x12345678u), "a never-seen id is unknown, not a duplicate");

	/* The table refuses to go past half full. */
	inflight_init(&t, slots, 16, recent, INFLIGHT_RECENT);
	for (uint32_t i = 1; i <= 8; i++)
		CHECK(inflight_insert(&t, 0x01000000u + i, i) == 0, "insert %u of 8 into 16 slots", i);
	CHECK(inflight_insert(&t, 0x01000100u, 9) == -ENOSPC,
	      "a ninth id in 16 slots must be refused with ENOSPC");

	return CHECK_DONE("inflight_table");
}
