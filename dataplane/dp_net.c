/*
 * dp_net.c - the network plumbing of a dataplane core: Ethernet and
 * IPv4 framing, checksums, ARP, and answering pings to our own address.
 *
 * The probe modules build their payloads; this file puts the headers
 * around them and the frames on the wire.  Checksums are offloaded when
 * the port says it can (dp_lcore.tx_*_cksum) and computed here
 * otherwise.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_lcore.h"

#define DP_TTL 64

uint32_t
dp_next_hop(const struct dp_lcore *lc, uint32_t ip)
{
	const struct argos_net_conf *n = &lc->lane->net;

	if (((ip ^ n->ip) & n->netmask) == 0)
		return ip;
	return n->gateway;
}

/* Broadcast an ARP request for ip. */
static void
arp_ask(void *ctx, uint32_t ip)
{
	struct dp_lcore *lc = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL) {
		lc->st->mbuf_alloc_failed++;
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&lc->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&lc->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = lc->lane->net.ip;
	memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	arp->arp_data.arp_tip = ip;
	/* Pad to the 60-byte Ethernet minimum: some stacks drop runts. */
	m->data_len = m->pkt_len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;
	memset((uint8_t *)(arp + 1), 0, m->data_len - sizeof(*eth) - sizeof(*arp));
	lc->st->arp_requests++;
	dp_tx(lc, m);
}

enum arp_verdict
dp_resolve(struct dp_lcore *lc, uint32_t next_hop, struct rte_ether_addr *mac)
{
	int ask;
	enum arp_verdict v;

	if (next_hop == 0)
		return ARP_UNREACHABLE;
	v = arp_cache_resolve(&lc->arp, next_hop, lc->now_tick, mac->addr_bytes, &ask);
	if (ask)
		arp_ask(lc, next_hop);
	return v;
}

void
dp_arp_maintain(struct dp_lcore *lc)
{
	lc->st->arp_failed += arp_cache_maintain(&lc->arp, lc->now_tick, arp_ask, lc);
}

void
dp_arp_input(struct dp_lcore *lc, struct rte_mbuf *m, int from_peer)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	uint32_t our = lc->lane->net.ip;

	if (m->data_len < sizeof(*eth) + sizeof(*arp)) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		goto free;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		goto free;
	}
	if (arp_cache_learn(&lc->arp, arp->arp_data.arp_sip,
			    arp->arp_data.arp_sha.addr_bytes, lc->now_tick))
		lc->st->arp_replies++;
	if (from_peer)
		goto free;   /* the core that received it answers and counts it */
	if (lc->redirect != NULL && arp->arp_data.arp_tip == our)
		dp_arp_share(lc, m);

	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    arp->arp_data.arp_tip != our) {
		if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
			lc->st->drop[ARGOS_DROP_NOT_FOR_US]++;
		goto free;
	}

	/* Answer in place: swap the addresses, we are the sender now. */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	rte_ether_addr_copy(&lc->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = our;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&lc->mac, &eth->src_addr);
	m->ol_flags = 0;
	lc->st->arp_answered++;
	dp_tx(lc, m);
	return;
free:
	rte_pktmbuf_free(m);
}

int
dp_icmp_echo_answer(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	uint32_t icmp_len = rte_be_to_cpu_16(ip->total_length) - ihl;
	uint32_t sum;

	/* Only whole, single-segment requests: the checksum covers it all. */
	if (m->nb_segs != 1 || icmp_len < sizeof(*icmp) ||
	    sizeof(*eth) + ihl + icmp_len > m->data_len)
		return 0;

	/* Incremental update (RFC 1624) for the type change 8 -> 0. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (~rte_be_to_cpu_16(icmp->icmp_cksum) & 0xffff) + 0xf7ff;
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16(~sum & 0xffff);

	ip->dst_addr = ip->src_addr;
	ip->src_addr = lc->lane->net.ip;
	ip->time_to_live = DP_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&lc->mac, &eth->src_addr);
	m->ol_flags = 0;
	lc->st->icmp_echo_answered++;
	dp_tx(lc, m);
	return 1;
}

struct rte_mbuf *
dp_frame_alloc(struct dp_lcore *lc, const struct rte_ether_addr *dst_mac, uint32_t dst,
	       uint8_t proto, uint16_t l4_len, uint8_t **l4)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint16_t len = sizeof(*eth) + sizeof(*ip) + l4_len;

	if (m == NULL) {
		lc->st->mbuf_alloc_failed++;
		return NULL;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&lc->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + l4_len);
	ip->packet_id = rte_cpu_to_be_16(lc->ip_id++);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = DP_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = lc->lane->net.ip;
	ip->dst_addr = dst;

	m->data_len = m->pkt_len = len;
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	*l4 = (uint8_t *)(ip + 1);
	return m;
}

void
dp_send_udp(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->dgram_cksum = 0;
	if (lc->tx_ip_cksum) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (lc->tx_udp_cksum) {
		/* The NIC wants the pseudo-header sum as a seed. */
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
	dp_tx_stamped(lc, m, stamp);
}

void
dp_send_icmp(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip);

	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, len);
	if (lc->tx_ip_cksum) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	dp_tx_stamped(lc, m, stamp);
}

void
dp_tx(struct dp_lcore *lc, struct rte_mbuf *m)
{
	dp_tx_stamped(lc, m, NULL);
}

void
dp_tx_stamped(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp)
{
	if (lc->n_tx == DP_TX_MAX) {
		dp_tx_flush(lc);
		if (lc->n_tx == DP_TX_MAX) {
			/* The NIC is full and so is our backlog: this frame is
			 * lost; a request is retried by its timer. */
			lc->st->tx_dropped++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	lc->tx_stamp[lc->n_tx] = stamp != NULL ? *stamp : (struct dp_tx_stamp){ 0 };
	lc->tx[lc->n_tx++] = m;
}

/*
 * Hand n frames to the NIC in one call and stamp the ones it took (struct
 * dp_tx_stamp in dp_lcore.h) with when they left.  @return how many it
 * took.
 *
 * When that is depends on the port.  Most ports' rte_eth_tx_burst()
 * fills a ring and hands it over at its end (a PCI NIC's doorbell, a
 * memif ring's head): the frames leave when the call returns, however
 * long it took, and that is their stamp.  On net_af_packet, net_af_xdp
 * and net_tap (lc->tx_in_call) the call ends in a system call in which
 * the kernel sends the frames, one after the other, and over a veth also
 * carries each through the peer namespace (bridge, IP input, waking the
 * host that answers) before going on: on the testbed a one-frame call
 * lasted 8-260 us (median about 20).  A frame is on its way when its
 * turn in the call begins, and what the call does after that is the
 * path a wire would take, which a round trip includes.  So there the
 * call's time is shared out among its frames in order and each is
 * stamped at the start of its share, t0 + (t1 - t0) i / k: for one frame
 * per call, just before the call, as ping(8) stamps just before
 * sendmsg().  Stamped in the middle of its call instead, the host 1.2 ms
 * away read 51-88 us below ping's rtt_min in 4 rounds of 5
 * (tests/integration/rtt_matches_ping.sh), the others within 41 us.
 */
static uint16_t
tx_burst_stamped(struct dp_lcore *lc, struct rte_mbuf **m, const struct dp_tx_stamp *st,
		 uint16_t n)
{
	uint64_t t0, span;
	uint16_t k;

	t0 = rte_rdtsc();
	k = rte_eth_tx_burst(lc->lane->port, lc->lane->queue, m, n);
	span = rte_rdtsc() - t0;
	for (uint16_t i = 0; i < k; i++) {
		if (st[i].tsc == NULL || *st[i].gen != st[i].want)
			continue;
		*st[i].tsc = lc->tx_in_call ? t0 + span * i / k : t0 + span;
	}
	return k;
}

/*
 * Why keep what the NIC refused instead of freeing it: a round opens
 * with one request per due device, far more than a TX ring holds
 * (net_af_packet's default 512 frames, a memif client's 1024).  Frames
 * the ring refuses wait here for the next turn, and while any wait the
 * core starts no new job (take_jobs), so a burst is paced by the link
 * instead of lost and retried.  A frame is stamped by the call that
 * takes it, however long it waited.
 *
 * Why a few frames go one per call on a port that sends in the call:
 * then no frame's stamp depends on how long the kernel spent on the
 * frames before it, and a lightly loaded core can afford the calls.  A
 * busy core sends its frames in one call, their stamps spread over it.
 */
void
dp_tx_flush(struct dp_lcore *lc)
{
	uint16_t sent = 0;

	if (lc->n_tx == 0)
		return;
	if (lc->tx_in_call && lc->n_tx <= DP_TX_ONE_BY_ONE) {
		while (sent < lc->n_tx &&
		       tx_burst_stamped(lc, &lc->tx[sent], &lc->tx_stamp[sent], 1) == 1)
			sent++;
	} else {
		sent = tx_burst_stamped(lc, lc->tx, lc->tx_stamp, (uint16_t)lc->n_tx);
	}
	lc->st->tx_pkts += sent;
	lc->tx_full = sent < lc->n_tx;
	if (lc->tx_full) {
		memmove(lc->tx, lc->tx + sent, (lc->n_tx - sent) * sizeof(lc->tx[0]));
		memmove(lc->tx_stamp, lc->tx_stamp + sent, (lc->n_tx - sent) * sizeof(lc->tx_stamp[0]));
	}
	lc->n_tx -= sent;
}

void
dp_tx_discard(struct dp_lcore *lc)
{
	lc->st->tx_dropped += lc->n_tx;
	rte_pktmbuf_free_bulk(lc->tx, lc->n_tx);
	lc->n_tx = 0;
}
