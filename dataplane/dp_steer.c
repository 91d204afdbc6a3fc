/*
 * dp_steer.c - make several worker cores share one port: each reply
 * must reach the core that sent its request, whichever RX queue the
 * port put it on.
 *
 * Every core owns one RX/TX queue pair and sends with identifiers that
 * name it (dp_ids.h).  Two ways bring a reply home:
 *
 *   flow rules   at setup, one rte_flow rule per core and protocol
 *                queues its replies (UDP destination port base + w;
 *                ICMP echo replies whose id carries w).  Tried first,
 *                per protocol; rte_flow_validate() says if the port
 *                takes them (net_tap does for UDP, af_packet and memif
 *                do not).
 *   redirect     otherwise: the core that receives a reply owned by
 *                another passes the mbuf through the owner's ring,
 *                multi-producer (a CAS, not a lock), single-consumer.
 *                The owner reads its ring right after its RX burst and
 *                handles the frames as its own.
 *
 * The rings exist whenever there are several workers, flow rules or
 * not: a reply the rules do not catch (ICMP on most ports) still finds
 * its way, and ARP needs them.  ARP: each core keeps its own cache and
 * asks for its own next hops; the core that receives an ARP frame
 * addressed to us learns from it, answers it if it is a request, and
 * passes a copy to every other core, which only learns from it (a
 * cache learns only entries it asked for, so a copy costs a lookup).
 *
 * IPv4 fragments: only the first carries the UDP port, so a fragment
 * goes first to the core that reassembles its datagram (a hash of
 * source and IP id, dp_frag.c says why), and the whole datagram then to
 * its owner by port, through the same rings.
 *
 * Notes: when a reply's fragments time out, the core that held them
 * (by the hash above) knows the agent's address but rarely owns the
 * request, and the UDP port that would name the owner may be in a
 * fragment that never came.  It passes a small note frame (the address
 * and the reason) to every other core, which notes it on its sessions
 * waiting for that agent (snmp_note_drop), so the poll ends with
 * fragments-timeout whichever core owns it.
 *
 * With one worker there is nothing to steer: no rule, no ring.
 *
 * A passed frame carries the time it arrived (the receiving core's
 * lc->rx_tsc, in an mbuf dynamic field), so that its owner's RTT ends
 * when the reply came in, not when the owner got round to it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_icmp.h>
#include <rte_mbuf_dyn.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_ids.h"
#include "dp_lcore.h"
#include "snmp_session.h"

/* The mbuf field in which a passed frame carries its arrival TSC:
 * registered by dp_lanes_setup() before any worker runs, read-only
 * afterwards. */
static int rx_tsc_field = -1;

static inline uint64_t *
rx_tsc_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, rx_tsc_field, uint64_t *);
}

/* --- set-up ---------------------------------------------------------- */

/* One rule: frames matching pattern go to queue q.  @return the rule,
 * or NULL when the port will not take it. */
static struct rte_flow *
rule_to_queue(uint16_t port, const struct rte_flow_item *pattern, uint16_t q,
	      struct rte_flow_error *err)
{
	static const struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_action_queue queue = { .index = q };
	const struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};

	if (rte_flow_validate(port, &attr, pattern, actions, err) != 0)
		return NULL;
	return rte_flow_create(port, &attr, pattern, actions, err);
}

/* Queue each core's SNMP replies: IPv4 to us, UDP to its port. */
static int
rules_udp(struct argos_lane **lanes, unsigned n, struct rte_flow **made,
	  struct rte_flow_error *err)
{
	const struct argos_lane *l0 = lanes[0];
	struct rte_flow_item_ipv4 ip_spec = { .hdr.dst_addr = l0->net.ip };
	struct rte_flow_item_ipv4 ip_mask = { .hdr.dst_addr = RTE_BE32(0xffffffff) };
	struct rte_flow_item_udp udp_spec, udp_mask = { .hdr.dst_port = RTE_BE16(0xffff) };
	const struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};

	for (unsigned w = 0; w < n; w++) {
		memset(&udp_spec, 0, sizeof(udp_spec));
		udp_spec.hdr.dst_port = rte_cpu_to_be_16((uint16_t)(l0->net.snmp_sport + w));
		made[w] = rule_to_queue(l0->port, pattern, lanes[w]->queue, err);
		if (made[w] == NULL)
			return -1;
	}
	return 0;
}

/* Queue each core's echo replies by the worker bits of their id. */
static int
rules_icmp(struct argos_lane **lanes, unsigned n, uint16_t key, struct rte_flow **made,
	   struct rte_flow_error *err)
{
	const struct argos_lane *l0 = lanes[0];
	unsigned bits = dp_worker_bits(n);
	struct rte_flow_item_ipv4 ip_spec = { .hdr.dst_addr = l0->net.ip,
					      .hdr.next_proto_id = IPPROTO_ICMP };
	struct rte_flow_item_ipv4 ip_mask = { .hdr.dst_addr = RTE_BE32(0xffffffff),
					      .hdr.next_proto_id = 0xff };
	struct rte_flow_item_icmp icmp_spec, icmp_mask;
	const struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_ICMP, .spec = &icmp_spec, .mask = &icmp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};

	memset(&icmp_mask, 0, sizeof(icmp_mask));
	icmp_mask.hdr.icmp_type = 0xff;
	icmp_mask.hdr.icmp_ident = rte_cpu_to_be_16((uint16_t)((1u << bits) - 1));
	for (unsigned w = 0; w < n; w++) {
		memset(&icmp_spec, 0, sizeof(icmp_spec));
		icmp_spec.hdr.icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		icmp_spec.hdr.icmp_ident = rte_cpu_to_be_16(dp_icmp_id_make(0, w, bits, key) &
							    ((1u << bits) - 1));
		made[w] = rule_to_queue(l0->port, pattern, lanes[w]->queue, err);
		if (made[w] == NULL)
			return -1;
	}
	return 0;
}

/* Undo the rules of a protocol the port took only in part. */
static void
rules_undo(uint16_t port, struct rte_flow **made, unsigned n)
{
	struct rte_flow_error err;

	for (unsigned w = 0; w < n; w++)
		if (made[w] != NULL)
			rte_flow_destroy(port, made[w], &err);
}

int
dp_lanes_setup(struct argos_lane **lanes, unsigned n, char *msg, size_t msglen)
{
	struct rte_flow *made[ARGOS_MAX_WORKERS];
	struct rte_ring *rings[ARGOS_MAX_WORKERS] = { NULL };
	struct rte_flow_error err;
	uint16_t key = (uint16_t)rte_rand();
	uint8_t udp = ARGOS_STEER_NONE, icmp = ARGOS_STEER_NONE;
	const struct argos_lane *l0;

	if (n == 0 || n > ARGOS_MAX_WORKERS) {
		snprintf(msg, msglen, "%u worker lcores given: argos runs 1 to %u per port", n,
			 ARGOS_MAX_WORKERS);
		return -EINVAL;
	}
	l0 = lanes[0];
	if ((unsigned)l0->net.snmp_sport + n - 1 > UINT16_MAX) {
		snprintf(msg, msglen, "source port %u with %u workers passes 65535: worker w "
			 "sends from port %u + w; choose a lower source port", l0->net.snmp_sport,
			 n, l0->net.snmp_sport);
		return -EINVAL;
	}

	if (n > 1) {
		static const struct rte_mbuf_dynfield rx_tsc_desc = {
			.name = "argos_dynfield_rx_tsc",
			.size = sizeof(uint64_t),
			.align = __alignof__(uint64_t),
		};

		rx_tsc_field = rte_mbuf_dynfield_register(&rx_tsc_desc);
		if (rx_tsc_field < 0) {
			snprintf(msg, msglen, "cannot register the mbuf field that carries a "
				 "redirected frame's arrival time: %s", rte_strerror(rte_errno));
			return -ENOMEM;
		}
		for (unsigned w = 0; w < n; w++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "argos_redir_%u_%u", l0->port, w);
			rings[w] = rte_ring_create(name, DP_REDIRECT_RING, rte_socket_id(),
						   RING_F_SC_DEQ);
			if (rings[w] == NULL) {
				snprintf(msg, msglen, "cannot create the redirect ring of worker %u: "
					 "%s (too few hugepages? run scripts/hugepages)", w,
					 rte_strerror(rte_errno));
				goto err;
			}
		}
		memset(made, 0, sizeof(made));
		udp = rules_udp(lanes, n, made, &err) == 0 ? ARGOS_STEER_FLOW : ARGOS_STEER_REDIRECT;
		if (udp != ARGOS_STEER_FLOW)
			rules_undo(l0->port, made, n);
		memset(made, 0, sizeof(made));
		icmp = rules_icmp(lanes, n, key, made, &err) == 0 ? ARGOS_STEER_FLOW :
								     ARGOS_STEER_REDIRECT;
		if (icmp != ARGOS_STEER_FLOW)
			rules_undo(l0->port, made, n);
	}

	for (unsigned w = 0; w < n; w++) {
		lanes[w]->icmp_id_key = key;
		lanes[w]->steer_udp = udp;
		lanes[w]->steer_icmp = icmp;
		memcpy(lanes[w]->redirect, rings, sizeof(rings));
	}
	return 0;
err:
	for (unsigned w = 0; w < n; w++)
		rte_ring_free(rings[w]);
	return -ENOMEM;
}

/* --- on the cores ----------------------------------------------------- */

int
dp_reply_owner(const struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, const uint8_t *l4,
	       uint32_t l4_len)
{
	const struct argos_lane *lane = lc->lane;
	int owner = -1;

	if (ip->next_proto_id == IPPROTO_UDP && l4_len >= sizeof(struct rte_udp_hdr)) {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)l4;

		owner = dp_udp_owner(rte_be_to_cpu_16(udp->dst_port), lane->net.snmp_sport,
				     lane->n_workers);
	} else if (ip->next_proto_id == IPPROTO_ICMP && l4_len >= sizeof(struct rte_icmp_hdr) &&
		   l4[0] == RTE_IP_ICMP_ECHO_REPLY) {
		const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)l4;

		owner = (int)dp_icmp_id_worker(rte_be_to_cpu_16(icmp->icmp_ident),
					       lc->worker_bits, lane->icmp_id_key);
	}
	return owner < lane->n_workers ? owner : -1;
}

int
dp_redirect(struct dp_lcore *lc, unsigned owner, struct rte_mbuf *m)
{
	*rx_tsc_of(m) = lc->rx_tsc;
	if (rte_ring_mp_enqueue(lc->lane->redirect[owner], m) != 0) {
		lc->st->redirect_full++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	lc->st->redirected++;
	return 0;
}

void
dp_arp_share(struct dp_lcore *lc, const struct rte_mbuf *m)
{
	const struct argos_lane *lane = lc->lane;

	for (unsigned w = 0; w < lane->n_workers; w++) {
		struct rte_mbuf *c;

		if (w == lane->worker)
			continue;
		c = rte_pktmbuf_copy(m, lc->pool, 0, UINT32_MAX);
		if (c == NULL) {
			lc->st->mbuf_alloc_failed++;
			continue;
		}
		*rx_tsc_of(c) = lc->rx_tsc;
		if (rte_ring_mp_enqueue(lane->redirect[w], c) != 0) {
			lc->st->redirect_full++;
			rte_pktmbuf_free(c);
			continue;
		}
		lc->st->arp_shared++;
	}
}

uint64_t
dp_redirected_rx_tsc(struct rte_mbuf *m)
{
	return *rx_tsc_of(m);
}

/* What a note frame carries after its Ethernet header. */
struct dp_note {
	uint32_t ip;    /* the agent, network order */
	uint8_t why;    /* enum argos_err */
} __rte_packed;

void
dp_note_share(struct dp_lcore *lc, uint32_t ip, uint8_t why)
{
	const struct argos_lane *lane = lc->lane;

	if (lc->redirect == NULL)
		return;
	for (unsigned w = 0; w < lane->n_workers; w++) {
		struct rte_ether_hdr *eth;
		struct dp_note *note;
		struct rte_mbuf *m;

		if (w == lane->worker)
			continue;
		m = rte_pktmbuf_alloc(lc->pool);
		if (m == NULL) {
			lc->st->mbuf_alloc_failed++;
			continue;
		}
		eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*note));
		if (eth == NULL) {
			rte_pktmbuf_free(m);
			continue;
		}
		rte_ether_addr_copy(&lc->mac, &eth->dst_addr);
		rte_ether_addr_copy(&lc->mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(DP_NOTE_ETHERTYPE);
		note = (struct dp_note *)(eth + 1);
		note->ip = ip;
		note->why = why;
		dp_redirect(lc, w, m);
	}
}

void
dp_note_input(struct dp_lcore *lc, const struct rte_mbuf *m)
{
	const struct dp_note *note;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*note) || lc->snmp == NULL)
		return;
	note = rte_pktmbuf_mtod_offset(m, const struct dp_note *, sizeof(struct rte_ether_hdr));
	snmp_note_drop(lc, note->ip, 0, (enum argos_err)note->why);
}
