/*
 * arp_cache.c - see arp_cache.h.
 */
#include <string.h>

#include "arp_cache.h"

static inline uint32_t
home(const struct arp_cache *c, uint32_t ip)
{
	return (uint32_t)((ip * 2654435761u) >> 7) & c->mask;
}

void
arp_cache_init(struct arp_cache *c, struct arp_entry *entries, uint32_t n_entries,
	       const struct arp_params *p)
{
	c->e = entries;
	c->mask = n_entries - 1;
	c->count = 0;
	c->p = *p;
	memset(entries, 0, sizeof(*entries) * n_entries);
}

static struct arp_entry *
find(const struct arp_cache *c, uint32_t ip)
{
	for (uint32_t i = home(c, ip); c->e[i].ip != 0; i = (i + 1) & c->mask)
		if (c->e[i].ip == ip)
			return &c->e[i];
	return NULL;
}

const struct arp_entry *
arp_cache_find(const struct arp_cache *c, uint32_t ip)
{
	return ip ? find(c, ip) : NULL;
}

static void
drop(struct arp_cache *c, struct arp_entry *victim)
{
	uint32_t i = (uint32_t)(victim - c->e), j;

	for (j = (i + 1) & c->mask; c->e[j].ip != 0; j = (j + 1) & c->mask) {
		uint32_t h = home(c, c->e[j].ip);

		if (((j - h) & c->mask) >= ((j - i) & c->mask)) {
			c->e[i] = c->e[j];
			i = j;
		}
	}
	memset(&c->e[i], 0, sizeof(c->e[i]));
	c->count--;
}

enum arp_verdict
arp_cache_resolve(struct arp_cache *c, uint32_t ip, uint64_t now, uint8_t mac[6], int *ask)
{
	struct arp_entry *e = find(c, ip);
	uint32_t i;

	*ask = 0;
	if (e != NULL) {
		switch (e->state) {
		case ARP_REACHABLE:
		case ARP_STALE:
			memcpy(mac, e->mac, 6);
			return ARP_RESOLVED;
		case ARP_FAILED:
			return ARP_UNREACHABLE;
		default:
			return ARP_PENDING;
		}
	}
	/* Keep the table at most 3/4 full so probe runs stay short. */
	if (ip == 0 || c->count >= (c->mask + 1) / 4 * 3)
		return ARP_UNREACHABLE;
	for (i = home(c, ip); c->e[i].ip != 0; i = (i + 1) & c->mask)
		;
	c->e[i] = (struct arp_entry){ .ip = ip, .state = ARP_INCOMPLETE, .probes = 1,
				      .changed = now, .asked = now };
	c->count++;
	*ask = 1;
	return ARP_PENDING;
}

int
arp_cache_learn(struct arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	struct arp_entry *e = ip ? find(c, ip) : NULL;

	if (e == NULL)
		return 0;
	memcpy(e->mac, mac, 6);
	e->state = ARP_REACHABLE;
	e->probes = 0;
	e->changed = now;
	return 1;
}

uint32_t
arp_cache_maintain(struct arp_cache *c, uint64_t now, arp_ask_fn ask, void *ctx)
{
	uint32_t failed = 0;

	for (uint32_t i = 0; i <= c->mask; i++) {
		struct arp_entry *e = &c->e[i];

		if (e->ip == 0)
			continue;
		switch (e->state) {
		case ARP_REACHABLE:
			if (now - e->changed < c->p.reachable)
				break;
			e->state = ARP_STALE;
			e->changed = now;
			e->probes = 1;
			e->asked = now;
			ask(ctx, e->ip);
			break;
		case ARP_INCOMPLETE:
		case ARP_STALE:
			if (now - e->asked < c->p.retrans)
				break;
			if (e->probes < c->p.probes) {
				e->probes++;
				e->asked = now;
				ask(ctx, e->ip);
			} else if (e->state == ARP_INCOMPLETE) {
				e->state = ARP_FAILED;
				e->changed = now;
				failed++;
			} else {
				drop(c, e);
				i--;   /* a later entry may have moved here */
			}
			break;
		case ARP_FAILED:
			if (now - e->changed >= c->p.hold) {
				drop(c, e);
				i--;
			}
			break;
		}
	}
	return failed;
}
