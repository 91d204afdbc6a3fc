/*
 * snmp_addr.c - the SNMP sessions by agent address, so that a datagram
 * dropped before its request-id could be read still names the device
 * it failed (snmp_note_drop, snmp_session.h).
 *
 * Why: a device whose every reply is dropped (replies that do not parse,
 * fragments that never complete, a request-id the agent mangles) would
 * otherwise report timeout, as if the agent were down, when it is
 * answering.  Only the address and port can name its session then.
 *
 * A chained hash: one head per bucket, one link per session, both
 * allocated at init; insert is O(1), remove and lookup walk one chain
 * (sessions of one address, usually one).  Hashed on the address alone,
 * so a drop whose UDP port is unknown (a fragment) finds its sessions.
 */
#include <errno.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "snmp_session.h"

#define ADDR_NONE UINT32_MAX

static uint32_t
bucket(const struct snmp_addr_table *t, uint32_t ip)
{
	return (uint32_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

int
snmp_addr_init(struct snmp_state *st, uint32_t n)
{
	struct snmp_addr_table *t = &st->by_addr;
	uint32_t size = rte_align32pow2(n < 2 ? 2 : n);

	t->heads = rte_malloc_socket("snmp_by_addr", sizeof(*t->heads) * size,
				     RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (t->heads == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < size; i++)
		t->heads[i] = ADDR_NONE;
	t->mask = size - 1;
	return 0;
}

void
snmp_addr_insert(struct snmp_state *st, uint32_t id)
{
	uint32_t *head = &st->by_addr.heads[bucket(&st->by_addr, st->s[id].ip)];

	st->s[id].addr_next = *head;
	*head = id;
}

void
snmp_addr_remove(struct snmp_state *st, uint32_t id)
{
	uint32_t *link = &st->by_addr.heads[bucket(&st->by_addr, st->s[id].ip)];

	while (*link != ADDR_NONE) {
		if (*link == id) {
			*link = st->s[id].addr_next;
			return;
		}
		link = &st->s[*link].addr_next;
	}
}

void
snmp_note_drop(struct dp_lcore *lc, uint32_t ip, uint16_t port, enum argos_err why)
{
	struct snmp_state *st = lc->snmp;

	for (uint32_t i = st->by_addr.heads[bucket(&st->by_addr, ip)]; i != ADDR_NONE;
	     i = st->s[i].addr_next) {
		struct snmp_session *s = &st->s[i];

		if (s->ip == ip && s->state == SS_WAIT && (port == 0 || port == s->port))
			s->noted = (uint8_t)why;
	}
}
