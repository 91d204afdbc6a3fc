/*
 * timer_wheel.c - see timer_wheel.h.
 */
#include "timer_wheel.h"

void
tw_init(struct tw_wheel *w, struct tw_node *nodes, uint32_t n_nodes,
	uint32_t *slots, uint32_t n_slots, uint64_t now)
{
	w->nodes = nodes;
	w->n_nodes = n_nodes;
	w->slots = slots;
	w->mask = n_slots - 1;
	w->now = now;
	w->armed = 0;
	for (uint32_t i = 0; i < n_slots; i++)
		slots[i] = TW_NONE;
	for (uint32_t i = 0; i < n_nodes; i++)
		nodes[i] = (struct tw_node){ .next = TW_NONE, .prev = TW_NONE,
					     .slot = TW_NONE };
}

void
tw_cancel(struct tw_wheel *w, uint32_t id)
{
	struct tw_node *n = &w->nodes[id];

	if (n->slot == TW_NONE)
		return;
	if (n->prev != TW_NONE)
		w->nodes[n->prev].next = n->next;
	else
		w->slots[n->slot] = n->next;
	if (n->next != TW_NONE)
		w->nodes[n->next].prev = n->prev;
	n->next = n->prev = n->slot = TW_NONE;
	w->armed--;
}

void
tw_arm(struct tw_wheel *w, uint32_t id, uint64_t expire)
{
	struct tw_node *n = &w->nodes[id];
	uint32_t slot;

	tw_cancel(w, id);
	/* A timer in the past fires on the next tick, never "a turn later". */
	if (expire <= w->now)
		expire = w->now + 1;
	slot = (uint32_t)(expire & w->mask);
	n->expire = expire;
	n->slot = slot;
	n->prev = TW_NONE;
	n->next = w->slots[slot];
	if (n->next != TW_NONE)
		w->nodes[n->next].prev = id;
	w->slots[slot] = id;
	w->armed++;
}

uint32_t
tw_advance(struct tw_wheel *w, uint64_t now, tw_fire_fn fire, void *ctx)
{
	uint32_t fired = 0;

	while (w->now < now) {
		uint32_t id;

		w->now++;
		id = w->slots[w->now & w->mask];
		while (id != TW_NONE) {
			uint32_t next = w->nodes[id].next;

			if (w->nodes[id].expire <= w->now) {
				tw_cancel(w, id);
				fire(ctx, id);
				fired++;
			}
			id = next;
		}
		if (w->armed == 0) {
			/* Nothing to find on the way: jump straight to now. */
			w->now = now;
		}
	}
	return fired;
}
