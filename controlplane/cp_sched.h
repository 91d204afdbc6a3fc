/*
 * sched.h - when each device is due, in DB-less mode: a binary
 * min-heap of (due time, device, job kind).
 *
 * Each device has at most one SNMP and one ping entry.  The caller pops
 * what is due, sends it, and pushes the device back with its next due
 * time once the job has ended, so a device never has two jobs of a kind
 * in flight.
 */
#ifndef ARGOS_CP_SCHED_H
#define ARGOS_CP_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct cp_due {
	uint64_t at_ms;
	uint32_t device;
	uint8_t kind;
};

struct cp_sched {
	struct cp_due *h;
	size_t n;
	size_t cap;
};

/** @return 0, or -ENOMEM. */
int cp_sched_init(struct cp_sched *s, size_t cap);
void cp_sched_free(struct cp_sched *s);

/** Add an entry.  @return 0, or -ENOSPC when full. */
int cp_sched_push(struct cp_sched *s, uint64_t at_ms, uint32_t device, uint8_t kind);

/** The earliest entry, or NULL when empty. */
static inline const struct cp_due *
cp_sched_peek(const struct cp_sched *s)
{
	return s->n ? &s->h[0] : NULL;
}

/** Remove the earliest entry. */
void cp_sched_pop(struct cp_sched *s);

/**
 * Keep only the entries for which keep(entry, arg) returns non-zero,
 * then restore the heap order.  O(n); for rare bulk changes such as a
 * reload of the devices file, not for the polling loop.
 * @return the entries removed.
 */
size_t cp_sched_filter(struct cp_sched *s, int (*keep)(const struct cp_due *e, void *arg),
		       void *arg);

#endif
