/*
 * arp_cache.h - the neighbour table of one core: next-hop IPv4 ->
 * Ethernet address, with the life cycle of RFC 1122 section 2.3.2.1
 * kept simple.
 *
 *   INCOMPLETE  asked, no answer yet; re-asked every retrans ticks, up
 *               to probes times, then FAILED
 *   REACHABLE   answered within reachable ticks
 *   STALE       older than that: still used, and re-asked (unicast
 *               would do, broadcast is simpler and always works); it
 *               turns REACHABLE on an answer and is dropped after
 *               probes unanswered requests
 *   FAILED      never answered; lookups fail until it is dropped
 *               after hold ticks, so a dead next hop is not asked at
 *               every poll, and is asked again later
 *
 * Time is in caller ticks (the dataplane uses milliseconds).  The table
 * is open addressing on memory given at init, with backward-shift
 * deletion.  Pure C, single-threaded, no allocation, no packets: the
 * caller sends what arp_cache_maintain() asks for.
 */
#ifndef ARGOS_ARP_CACHE_H
#define ARGOS_ARP_CACHE_H

#include <stdint.h>

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE,
	ARP_REACHABLE,
	ARP_STALE,
	ARP_FAILED,
};

struct arp_entry {
	uint32_t ip;          /* network order; 0 when free */
	uint8_t state;
	uint8_t probes;       /* requests sent in the current state */
	uint8_t mac[6];
	uint64_t changed;     /* tick of the last state change or answer */
	uint64_t asked;       /* tick of the last request */
};

struct arp_params {
	uint64_t retrans;     /* ticks between requests */
	uint32_t probes;      /* requests before giving up */
	uint64_t reachable;   /* ticks an answer stays fresh */
	uint64_t hold;        /* ticks a failure is remembered */
};

struct arp_cache {
	struct arp_entry *e;
	uint32_t mask;
	uint32_t count;
	struct arp_params p;
};

enum arp_verdict {
	ARP_RESOLVED = 0,     /* mac is filled */
	ARP_PENDING,          /* ask again later */
	ARP_UNREACHABLE,      /* the next hop did not answer */
};

void arp_cache_init(struct arp_cache *c, struct arp_entry *entries,
		    uint32_t n_entries, const struct arp_params *p);

/**
 * Resolve ip at tick now.  An unknown ip gets an INCOMPLETE entry and
 * *ask is set: the caller sends a request now.
 * @return ARP_RESOLVED with mac filled, ARP_PENDING, or ARP_UNREACHABLE
 *         (also when the table is full: counted by the caller).
 */
enum arp_verdict arp_cache_resolve(struct arp_cache *c, uint32_t ip, uint64_t now,
				   uint8_t mac[6], int *ask);

/**
 * Learn ip is at mac, from a reply or from a request addressed to us.
 * Only entries we asked for, or already have, are updated (an
 * unsolicited stranger does not fill the table).
 * @return 1 when an entry was updated, 0 otherwise.
 */
int arp_cache_learn(struct arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now);

typedef void (*arp_ask_fn)(void *ctx, uint32_t ip);

/**
 * Age the table at tick now: re-ask INCOMPLETE and STALE entries when
 * due (calling ask), turn the unanswered ones FAILED or drop them, and
 * drop FAILED ones after hold.  Scans the whole table: call it a few
 * times a second, not per packet.
 * @return the number of entries that turned FAILED.
 */
uint32_t arp_cache_maintain(struct arp_cache *c, uint64_t now, arp_ask_fn ask, void *ctx);

/** The entry of ip, or NULL (for tests and statistics). */
const struct arp_entry *arp_cache_find(const struct arp_cache *c, uint32_t ip);

#endif
