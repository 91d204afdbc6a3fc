/*
 * farm_worker.c - the loop of one argos-farm lcore.
 *
 * One screen, always in this order (DPDK's l3fwd):
 *
 *   read the TSC; receive a burst; answer each frame in place (ARP for
 *   the farm's address, ICMP echo and SNMP for every device); release
 *   the held replies that are due; send.
 *
 * A reply is the request's own mbuf, rewritten: addresses and ports
 * swapped, the SNMP response copied over the request.  Only --duplicate
 * takes a second mbuf from the pool.  Checksums are computed in
 * software with DPDK's helpers: the vdevs the farm runs on (af_packet,
 * af_xdp, memif) offer no offload.
 *
 * In the loop: no allocation but mbufs, no syscall, no lock.  The main
 * lcore leaves the loop's fast path once per --stats-period to print.
 * The one exception is opt-in: --idle-sleep-us lets an idle farm sleep,
 * so that on a 2-core testbed it leaves its CPU to the poller it tests.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "farm.h"

#define SNMP_PORT 161
#define TX_RETRIES 4
#define IDLE_POLLS 64             /* empty polls in a row before sleeping */
#define HDRS_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		  sizeof(struct rte_udp_hdr))

volatile int farm_quit;

/* xorshift64*: the per-lcore draw for --loss and --duplicate. */
static inline uint32_t
draw(struct farm_lcore *lc)
{
	lc->rng ^= lc->rng >> 12;
	lc->rng ^= lc->rng << 25;
	lc->rng ^= lc->rng >> 27;
	return (uint32_t)((lc->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Seconds since the Unix epoch at TSC value tsc. */
static inline uint64_t
unix_seconds(const struct farm_lcore *lc, uint64_t tsc)
{
	uint64_t d = tsc - lc->base_tsc;
	uint64_t ns = lc->base_unix_ns + d / lc->hz * 1000000000ull +
		      d % lc->hz * 1000000000ull / lc->hz;

	return ns / 1000000000ull;
}

static void
tx_flush(struct farm_lcore *lc)
{
	uint32_t sent = 0;

	for (int i = 0; i < TX_RETRIES && sent < lc->n_tx; i++)
		sent += rte_eth_tx_burst(lc->port, lc->queue, lc->tx + sent,
					 (uint16_t)(lc->n_tx - sent));
	lc->ctr[FC_TX] += sent;
	if (sent < lc->n_tx) {
		lc->ctr[FC_TX_DROPPED] += lc->n_tx - sent;
		rte_pktmbuf_free_bulk(lc->tx + sent, lc->n_tx - sent);
	}
	lc->n_tx = 0;
}

static inline void
tx_queue(struct farm_lcore *lc, struct rte_mbuf *m)
{
	if (lc->n_tx == FARM_TX_MAX)
		tx_flush(lc);
	lc->tx[lc->n_tx++] = m;
}

static inline void
hold(struct farm_lcore *lc, struct farm_fifo *f, struct rte_mbuf *m, uint64_t now)
{
	if (f->tail - f->head == FARM_FIFO_CAP) {
		lc->ctr[FC_DROP_QUEUE_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	f->e[f->tail % FARM_FIFO_CAP] = (struct farm_held){ m, now + f->delay_tsc };
	f->tail++;
	lc->ctr[FC_DELAYED]++;
}

/* Send now or hold the finished reply m of device ip; --duplicate here. */
static void
dispatch(struct farm_lcore *lc, struct rte_mbuf *m, uint32_t ip, uint64_t now)
{
	const struct farm_config *c = lc->cfg;
	struct rte_mbuf *copy = NULL;
	struct farm_fifo *f = NULL;

	if (c->dup_thr && draw(lc) < c->dup_thr) {
		copy = rte_pktmbuf_copy(m, lc->pool, 0, UINT32_MAX);
		if (copy != NULL)
			lc->ctr[FC_DUPLICATES]++;
	}
	if (lc->fifo[1].e && farm_device_is(ip, FARM_SALT_SLOW, c->slow_ppm))
		f = &lc->fifo[1];
	else if (lc->fifo[0].e)
		f = &lc->fifo[0];
	if (f == NULL) {
		tx_queue(lc, m);
		if (copy)
			tx_queue(lc, copy);
		return;
	}
	hold(lc, f, m, now);
	if (copy)
		hold(lc, f, copy, now);
}

static void
release_due(struct farm_lcore *lc, uint64_t now)
{
	for (int k = 0; k < 2; k++) {
		struct farm_fifo *f = &lc->fifo[k];

		while (f->head != f->tail && f->e[f->head % FARM_FIFO_CAP].due_tsc <= now) {
			tx_queue(lc, f->e[f->head % FARM_FIFO_CAP].m);
			f->head++;
		}
	}
}

/* ARP: answer requests for the farm's own address, in place. */
static void
arp_input(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t me = rte_cpu_to_be_32(lc->cfg->ip);

	if (m->data_len < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    a->arp_data.arp_tip != me) {
		lc->ctr[FC_DROP_NOT_FOR_US]++;
		rte_pktmbuf_free(m);
		return;
	}
	lc->ctr[FC_REQ_ARP]++;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = lc->mac;
	a->arp_data.arp_sip = me;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = lc->mac;
	lc->ctr[FC_REP_ARP]++;
	tx_queue(lc, m);
}

/* Turn the IPv4 header into the reply's: addresses swapped, no options. */
static void
ip_reply(struct farm_lcore *lc, struct rte_ether_hdr *eth, struct rte_ipv4_hdr *ip,
	 uint16_t l4_len)
{
	uint32_t src = ip->src_addr;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = lc->mac;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = src;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* ICMP echo request at l4 (len bytes, checksum checked) to device dev. */
static void
icmp_input(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	   struct rte_ipv4_hdr *ip, uint8_t *l4, uint16_t len, uint32_t dev, uint64_t now)
{
	struct rte_icmp_hdr *icmp;

	if (len < sizeof(*icmp) || l4[0] != RTE_IP_ICMP_ECHO_REQUEST || l4[1] != 0) {
		lc->ctr[FC_DROP_UNHANDLED]++;
		goto free;
	}
	if (rte_raw_cksum(l4, len) != 0xffff) {
		lc->ctr[FC_DROP_CHECKSUM]++;
		goto free;
	}
	lc->ctr[FC_REQ_ICMP]++;
	if (lc->cfg->loss_thr && draw(lc) < lc->cfg->loss_thr) {
		lc->ctr[FC_DROP_LOSS]++;
		goto free;
	}
	/* Options go: move the ICMP message up behind a 20-byte header. */
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	if ((uint8_t *)icmp != l4)
		memmove(icmp, l4, len);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, len);
	ip_reply(lc, eth, ip, len);
	m->data_len = m->pkt_len = (uint32_t)(sizeof(*eth) + sizeof(*ip) + len);
	lc->ctr[FC_REP_ICMP]++;
	dispatch(lc, m, dev, now);
	return;
free:
	rte_pktmbuf_free(m);
}

/* UDP datagram at l4 (len bytes) to device dev. */
static void
udp_input(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	  struct rte_ipv4_hdr *ip, uint8_t *l4, uint16_t len, uint32_t dev, uint64_t now)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4;
	struct farm_snmp_out out;
	uint16_t sport, ulen;
	int rc;

	if (len < sizeof(*udp) || udp->dst_port != rte_cpu_to_be_16(SNMP_PORT)) {
		lc->ctr[FC_DROP_UNHANDLED]++;
		goto free;
	}
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > len) {
		lc->ctr[FC_DROP_MALFORMED]++;
		goto free;
	}
	if (udp->dgram_cksum != 0 && rte_ipv4_udptcp_cksum(ip, udp) != 0xffff) {
		lc->ctr[FC_DROP_CHECKSUM]++;
		goto free;
	}
	rc = farm_snmp_answer(&lc->snmp, (uint8_t *)(udp + 1), ulen - sizeof(*udp), dev,
			      unix_seconds(lc, now), lc->scratch, &out);
	switch (out.pdu_type) {
	case FARM_PDU_GET:
		lc->ctr[FC_REQ_GET]++;
		break;
	case FARM_PDU_GETNEXT:
		lc->ctr[FC_REQ_GETNEXT]++;
		break;
	case FARM_PDU_GETBULK:
		lc->ctr[FC_REQ_GETBULK]++;
		break;
	default:
		break;
	}
	if (rc != 0) {
		lc->ctr[rc == -EACCES ? FC_DROP_COMMUNITY : rc == -ENOTSUP ? FC_DROP_UNSUPPORTED :
			rc == -EMSGSIZE ? FC_DROP_TOO_BIG : FC_DROP_MALFORMED]++;
		goto free;
	}
	if (lc->cfg->loss_thr && draw(lc) < lc->cfg->loss_thr) {
		lc->ctr[FC_DROP_LOSS]++;
		goto free;
	}
	if (m->buf_len < m->data_off + HDRS_LEN + out.len) {
		lc->ctr[FC_DROP_TOO_BIG]++;
		goto free;
	}
	sport = udp->src_port;
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(SNMP_PORT);
	udp->dst_port = sport;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + out.len));
	memcpy(udp + 1, lc->scratch + out.off, out.len);
	ip_reply(lc, eth, ip, (uint16_t)(sizeof(*udp) + out.len));
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->data_len = m->pkt_len = (uint32_t)(HDRS_LEN + out.len);
	lc->ctr[FC_REP_SNMP]++;
	lc->ctr[FC_REP_VARBINDS] += out.n_varbinds;
	lc->ctr[FC_REP_TOOBIG] += out.error_status == FARM_ERR_TOOBIG;
	dispatch(lc, m, dev, now);
	return;
free:
	rte_pktmbuf_free(m);
}

/* One received frame.  Consumes m. */
static void
classify(struct farm_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	const struct farm_config *c = lc->cfg;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot, dst;
	uint8_t *l4;

	if (m->data_len < sizeof(*eth) || m->nb_segs != 1)
		goto unhandled;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(lc, m, eth);
		return;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		goto unhandled;
	if (!rte_is_same_ether_addr(&eth->dst_addr, &lc->mac))
		goto not_for_us;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	if (m->data_len < sizeof(*eth) + sizeof(*ip))
		goto malformed;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    sizeof(*eth) + tot > m->data_len)
		goto malformed;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						   RTE_IPV4_HDR_OFFSET_MASK))
		goto unhandled;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (dst != c->ip && (dst & c->dev_mask) != c->dev_net)
		goto not_for_us;
	if (rte_raw_cksum(ip, ihl) != 0xffff) {
		lc->ctr[FC_DROP_CHECKSUM]++;
		goto free;
	}
	if (farm_device_is(dst, FARM_SALT_DEAD, c->dead_ppm) && dst != c->ip) {
		lc->ctr[FC_DROP_DEAD]++;
		goto free;
	}
	l4 = (uint8_t *)ip + ihl;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		icmp_input(lc, m, eth, ip, l4, (uint16_t)(tot - ihl), dst, now);
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP && (dst & c->dev_mask) == c->dev_net) {
		udp_input(lc, m, eth, ip, l4, (uint16_t)(tot - ihl), dst, now);
		return;
	}
unhandled:
	lc->ctr[FC_DROP_UNHANDLED]++;
	goto free;
not_for_us:
	lc->ctr[FC_DROP_NOT_FOR_US]++;
	goto free;
malformed:
	lc->ctr[FC_DROP_MALFORMED]++;
free:
	rte_pktmbuf_free(m);
}

int
farm_worker_main(void *arg)
{
	struct farm_lcore *lc = arg;
	const struct farm_config *c = lc->cfg;
	struct rte_mbuf *rx[FARM_BURST];
	uint64_t start = rte_rdtsc(), next_stats = UINT64_MAX, end = UINT64_MAX;
	uint32_t idle = 0;

	if (lc->is_main && c->stats_period)
		next_stats = start + c->stats_period * lc->hz;
	if (lc->is_main && c->duration)
		end = start + c->duration * lc->hz;
	lc->ready = 1;

	while (!farm_quit) {
		uint64_t now = rte_rdtsc();
		uint16_t n;

		n = rte_eth_rx_burst(lc->port, lc->queue, rx, FARM_BURST);
		lc->ctr[FC_RX] += n;
		for (uint16_t i = 0; i < n; i++) {
			if (i + 3 < n)
				rte_prefetch0(rte_pktmbuf_mtod(rx[i + 3], void *));
			classify(lc, rx[i], now);
		}
		release_due(lc, now);
		if (lc->n_tx)
			tx_flush(lc);

		if (unlikely(now >= next_stats)) {
			farm_stats_print(stdout, farm_lcores, farm_n_lcores, c->port,
					 (double)(now - start) / lc->hz, 0);
			next_stats += c->stats_period * lc->hz;
		}
		if (unlikely(now >= end))
			farm_quit = 1;
		idle = n ? 0 : idle + 1;
		if (unlikely(idle >= IDLE_POLLS && c->idle_sleep_us &&
			     lc->fifo[0].head == lc->fifo[0].tail &&
			     lc->fifo[1].head == lc->fifo[1].tail))
			rte_delay_us_sleep(c->idle_sleep_us);
	}
	/* Held replies are not sent at exit: the run is over. */
	for (int k = 0; k < 2; k++)
		for (struct farm_fifo *f = &lc->fifo[k]; f->head != f->tail; f->head++)
			rte_pktmbuf_free(f->e[f->head % FARM_FIFO_CAP].m);
	return 0;
}
