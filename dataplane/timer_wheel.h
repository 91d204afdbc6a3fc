/*
 * timer_wheel.h - a hashed timer wheel for the sessions of one core.
 *
 * Every session that waits for something (a reply, an ARP answer, the
 * next ping) has exactly one timer, named by the session's node id.
 * Arming is O(1), cancelling is O(1), and advancing the wheel by one
 * tick touches one slot.  Timers further out than one turn of the wheel
 * stay in their slot and are skipped until their turn comes.
 *
 * Pure C on caller-provided memory: no allocation, no DPDK, so the
 * unit tests drive it with a fake clock.  Single-threaded.
 */
#ifndef ARGOS_TIMER_WHEEL_H
#define ARGOS_TIMER_WHEEL_H

#include <stdint.h>

#define TW_NONE UINT32_MAX

struct tw_node {
	uint64_t expire;      /* tick at which the timer fires */
	uint32_t next;
	uint32_t prev;        /* TW_NONE when first in its slot */
	uint32_t slot;        /* TW_NONE when not armed */
};

struct tw_wheel {
	struct tw_node *nodes;
	uint32_t n_nodes;
	uint32_t *slots;      /* head node of each slot */
	uint32_t mask;        /* n_slots - 1 */
	uint64_t now;         /* last tick processed */
	uint32_t armed;
};

/**
 * Set the wheel up on nodes[n_nodes] and slots[n_slots] (a power of
 * two), starting at tick now.  Nothing is armed.
 */
void tw_init(struct tw_wheel *w, struct tw_node *nodes, uint32_t n_nodes,
	     uint32_t *slots, uint32_t n_slots, uint64_t now);

/** Arm (or re-arm) node id to fire at tick expire (at least now + 1). */
void tw_arm(struct tw_wheel *w, uint32_t id, uint64_t expire);

/** Disarm node id; a no-op when it is not armed. */
void tw_cancel(struct tw_wheel *w, uint32_t id);

static inline int
tw_armed(const struct tw_wheel *w, uint32_t id)
{
	return w->nodes[id].slot != TW_NONE;
}

typedef void (*tw_fire_fn)(void *ctx, uint32_t id);

/**
 * Advance to tick now, calling fire(ctx, id) for each timer that is
 * due, after disarming it (fire may re-arm it).
 * @return the number of timers fired.
 */
uint32_t tw_advance(struct tw_wheel *w, uint64_t now, tw_fire_fn fire, void *ctx);

#endif
