/*
 * inflight.h - the in-flight request table of one core: SNMP
 * request-id -> session.
 *
 * Request-ids are random 31-bit values (never a counter, so a spoofer
 * cannot guess them), which makes them their own hash.  The table is
 * open addressing with linear probing and backward-shift deletion, kept
 * at most half full, on memory given at init.
 *
 * Beside it sits a small direct-mapped memory of request-ids that were
 * recently answered.  A reply whose id is not in flight but is found
 * there is a duplicate; otherwise its id is unknown.  The memory can
 * forget (a later id may take the slot), so a very old duplicate is
 * counted as an unknown id: both are dropped either way.
 *
 * Pure C, single-threaded, no allocation.
 */
#ifndef ARGOS_INFLIGHT_H
#define ARGOS_INFLIGHT_H

#include <stdint.h>

struct inflight_slot {
	uint32_t reqid;       /* 0: empty */
	uint32_t session;
};

struct inflight_table {
	struct inflight_slot *slots;
	uint32_t mask;        /* n_slots - 1 */
	uint32_t count;
	uint32_t *recent;     /* recently answered request-ids */
	uint32_t recent_mask;
};

/** The number of slots (a power of two) for up to max_entries ids. */
uint32_t inflight_slots_for(uint32_t max_entries);
#define INFLIGHT_RECENT 4096

/** Set up on slots[n_slots] (power of two) and recent[n_recent] (power
 *  of two).  Empty. */
void inflight_init(struct inflight_table *t, struct inflight_slot *slots,
		   uint32_t n_slots, uint32_t *recent, uint32_t n_recent);

/**
 * Insert reqid (non-zero) -> session.
 * @return 0, -EEXIST when reqid is already in flight (the caller draws
 *         another), -ENOSPC when the table is half full.
 */
int inflight_insert(struct inflight_table *t, uint32_t reqid, uint32_t session);

/** @return the session of reqid, or -1 when it is not in flight. */
int64_t inflight_lookup(const struct inflight_table *t, uint32_t reqid);

/**
 * Remove reqid.  When answered is set, remember it as answered, so that
 * a second reply with the same id counts as a duplicate.
 * @return 0, or -ENOENT.
 */
int inflight_remove(struct inflight_table *t, uint32_t reqid, int answered);

/** 1 when reqid was answered recently. */
static inline int
inflight_was_answered(const struct inflight_table *t, uint32_t reqid)
{
	return reqid != 0 && t->recent[reqid & t->recent_mask] == reqid;
}

#endif
