/*
 * inflight.c - see inflight.h.
 */
#include <errno.h>

#include "inflight.h"

/* Fibonacci hashing: ids are random already, but a tester's or a
 * farm's ids may not be, and this costs one multiply. */
static inline uint32_t
home(const struct inflight_table *t, uint32_t reqid)
{
	return (uint32_t)((reqid * 2654435761u) & t->mask);
}

uint32_t
inflight_slots_for(uint32_t max_entries)
{
	uint32_t n = 16;

	while (n < 2 * max_entries)
		n <<= 1;
	return n;
}

void
inflight_init(struct inflight_table *t, struct inflight_slot *slots,
	      uint32_t n_slots, uint32_t *recent, uint32_t n_recent)
{
	t->slots = slots;
	t->mask = n_slots - 1;
	t->count = 0;
	t->recent = recent;
	t->recent_mask = n_recent - 1;
	for (uint32_t i = 0; i < n_slots; i++)
		slots[i] = (struct inflight_slot){ 0, 0 };
	for (uint32_t i = 0; i < n_recent; i++)
		recent[i] = 0;
}

int
inflight_insert(struct inflight_table *t, uint32_t reqid, uint32_t session)
{
	uint32_t i;

	if (reqid == 0)
		return -EINVAL;
	if (t->count >= (t->mask + 1) / 2)
		return -ENOSPC;
	for (i = home(t, reqid); t->slots[i].reqid != 0; i = (i + 1) & t->mask)
		if (t->slots[i].reqid == reqid)
			return -EEXIST;
	t->slots[i].reqid = reqid;
	t->slots[i].session = session;
	t->count++;
	return 0;
}

int64_t
inflight_lookup(const struct inflight_table *t, uint32_t reqid)
{
	if (reqid == 0)
		return -1;
	for (uint32_t i = home(t, reqid); t->slots[i].reqid != 0; i = (i + 1) & t->mask)
		if (t->slots[i].reqid == reqid)
			return t->slots[i].session;
	return -1;
}

int
inflight_remove(struct inflight_table *t, uint32_t reqid, int answered)
{
	uint32_t i, j;

	if (reqid == 0)
		return -ENOENT;
	for (i = home(t, reqid); t->slots[i].reqid != reqid; i = (i + 1) & t->mask)
		if (t->slots[i].reqid == 0)
			return -ENOENT;

	/*
	 * Backward-shift deletion: pull later members of the probe run
	 * into the hole when their home slot allows it, so lookups never
	 * need tombstones.
	 */
	for (j = (i + 1) & t->mask; t->slots[j].reqid != 0; j = (j + 1) & t->mask) {
		uint32_t h = home(t, t->slots[j].reqid);

		/* Move j to i unless h lies cyclically in (i, j]. */
		if (((j - h) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = (struct inflight_slot){ 0, 0 };
	t->count--;
	if (answered)
		t->recent[reqid & t->recent_mask] = reqid;
	return 0;
}
