/*
 * test_arp_cache.c - the neighbour table: ask once, learn the answer,
 * re-ask a dead next hop a bounded number of times, fail, forget the
 * failure later; refresh stale entries while still using them.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "arp_cache.h"
#include "check.h"

static struct arp_entry entries[64];
static uint32_t asked[16];
static int n_asked;

static void
ask(void *ctx, uint32_t ip)
{
	(void)ctx;
	if (n_asked < 16)
		asked[n_asked++] = ip;
}

int
main(void)
{
	const struct arp_params p = { .retrans = 1000, .probes = 3, .reachable = 30000,
				      .hold = 5000 };
	const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 };
	uint32_t a = inet_addr("198.18.0.11"), dead = inet_addr("198.18.0.99");
	struct arp_cache c;
	uint8_t mac[6];
	int want_ask;

	arp_cache_init(&c, entries, 64, &p);

	CHECK(arp_cache_resolve(&c, a, 0, mac, &want_ask) == ARP_PENDING && want_ask,
	      "an unknown next hop is pending, and the caller must send a request");
	CHECK(arp_cache_resolve(&c, a, 10, mac, &want_ask) == ARP_PENDING && !want_ask,
	      "asking again before retrans must not send a second request");
	CHECK(arp_cache_learn(&c, a, mac1, 20) == 1, "the answer to our request is learnt");
	CHECK(arp_cache_resolve(&c, a, 30, mac, &want_ask) == ARP_RESOLVED &&
	      memcmp(mac, mac1, 6) == 0, "a learnt next hop resolves to its MAC");

	CHECK(arp_cache_learn(&c, inet_addr("198.18.0.50"), mac1, 40) == 0,
	      "an unsolicited stranger must not fill the table");

	/* A dead next hop: asked probes times, then failed. */
	arp_cache_resolve(&c, dead, 0, mac, &want_ask);
	n_asked = 0;
	arp_cache_maintain(&c, 999, ask, NULL);
	CHECK(n_asked == 0, "no re-ask before retrans ticks");
	arp_cache_maintain(&c, 1000, ask, NULL);
	arp_cache_maintain(&c, 2000, ask, NULL);
	CHECK(n_asked == 2 && asked[0] == dead, "a silent next hop is re-asked (2 more, 3 in all), "
	      "got %d", n_asked);
	CHECK(arp_cache_maintain(&c, 3000, ask, NULL) == 1, "after 3 unanswered requests it fails");
	CHECK(arp_cache_resolve(&c, dead, 3001, mac, &want_ask) == ARP_UNREACHABLE && !want_ask,
	      "a failed next hop is unreachable, and not asked at every poll");
	arp_cache_maintain(&c, 8000, ask, NULL);
	CHECK(arp_cache_find(&c, dead) == NULL, "a failure is forgotten after hold ticks");
	CHECK(arp_cache_resolve(&c, dead, 8001, mac, &want_ask) == ARP_PENDING && want_ask,
	      "after the hold, a dead next hop is asked again");

	/* Refresh: a stale entry keeps working while it is re-asked. */
	n_asked = 0;
	arp_cache_maintain(&c, 30020, ask, NULL);
	CHECK(n_asked >= 1 && asked[0] == a, "an old entry is re-asked when it turns stale");
	CHECK(arp_cache_resolve(&c, a, 30021, mac, &want_ask) == ARP_RESOLVED,
	      "a stale entry still resolves while it is refreshed");
	arp_cache_learn(&c, a, mac1, 30500);
	CHECK(arp_cache_find(&c, a)->state == ARP_REACHABLE, "an answer makes it reachable again");
	arp_cache_maintain(&c, 60500, ask, NULL);
	arp_cache_maintain(&c, 61500, ask, NULL);
	arp_cache_maintain(&c, 62500, ask, NULL);
	arp_cache_maintain(&c, 63500, ask, NULL);
	CHECK(arp_cache_find(&c, a) == NULL, "a stale entry that stops answering is dropped");

	/* Full table: new next hops are refused, not overwritten. */
	arp_cache_init(&c, entries, 16, &p);
	for (uint32_t i = 1; i <= 12; i++)
		arp_cache_resolve(&c, htonl(0xc6120000u + i), 0, mac, &want_ask);
	CHECK(arp_cache_resolve(&c, htonl(0xc6120100u), 0, mac, &want_ask) == ARP_UNREACHABLE,
	      "a full table refuses a new next hop");
	for (uint32_t i = 1; i <= 12; i++)
		CHECK(arp_cache_find(&c, htonl(0xc6120000u + i)) != NULL,
		      "entry %u is still there after the table filled", i);

	return CHECK_DONE("arp_cache");
}
