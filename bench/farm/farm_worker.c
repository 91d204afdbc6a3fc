/*
 * farm_worker.c - the loop of one argos-farm lcore.
 *
 * One screen, always in this order (DPDK's l3fwd):
 *
 *   read the TSC; drain the RX ring into the backlog; answer a bounded
 *   number of waiting requests in place (ARP for the farm's and the
 *   devices' addresses, ICMP echo for every address and SNMP for every
 *   device, an address and a UDP port of --ports; each counted in the
 *   --poll-log records, farm_plog.h); release the held replies that
 *   are due; send.
 *
 * Nothing the farm received is dropped for want of room.  RX comes
 * first and is cheap (a copy on memif and af_packet), so the poller's
 * TX ring empties even while answering lags; a request is answered only
 * when its reply, and a duplicate, fit in the TX array; a reply the TX
 * ring refuses stays there and goes out on a later loop.  When the
 * backlog (or the mbuf pool) is full, frames wait in the RX ring: the
 * link, not the farm, pushes back.  Only a link that went down (the
 * poller left) discards what waits, counted as peer_gone.
 *
 * A reply is the request's own mbuf, rewritten: addresses and ports
 * swapped, the SNMP response copied over the request.  Only --duplicate
 * and the fragments of a reply larger than one frame (--max-reply) take
 * more mbufs from the pool.  Checksums are computed in
 * software with DPDK's helpers: the vdevs the farm runs on (af_packet,
 * af_xdp, memif) offer no offload.
 *
 * The PMD bursts run under a fault guard.  Why: DPDK 22.11's memif PMD
 * unmaps the peer's rings from its control thread when the peer leaves,
 * while this lcore may be inside a burst on them, and nothing in its API
 * fences the two; the farm then died of SIGSEGV each time a poller
 * exited at the wrong instant.  A fault inside a burst jumps back to the
 * top of the loop, which counts it (link_faults) and discards what
 * waited for the departed peer; a fault anywhere else kills the farm as
 * before.
 *
 * In the loop: no allocation but mbufs, no syscall, no lock.  The main
 * lcore leaves the loop's fast path once per --stats-period to print.
 * The one exception is opt-in: --idle-sleep-us lets an idle farm sleep,
 * so that on a 2-core testbed it leaves its CPU to the poller it tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
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
#include "snmp_v3_codec.h"

#define BL_MASK (FARM_BACKLOG - 1)
#define IDLE_POLLS 64             /* empty polls in a row before sleeping */
#define HDRS_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		  sizeof(struct rte_udp_hdr))

volatile int farm_quit;

/* The lcore of this thread while it is inside a PMD burst, else NULL. */
static __thread struct farm_lcore *volatile in_burst;

static void
on_fault(int sig, siginfo_t *si, void *uctx)
{
	struct farm_lcore *lc = in_burst;

	(void)si;
	(void)uctx;
	if (lc == NULL) {
		/* Not ours: the default action, when the instruction faults again. */
		signal(sig, SIG_DFL);
		return;
	}
	in_burst = NULL;
	siglongjmp(lc->fault_jmp, 1);
}

int
farm_fault_guard_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0)
		return -errno;
	return 0;
}

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

/* Discard every request and reply waiting on lc: the link is down. */
static void
discard_waiting(struct farm_lcore *lc)
{
	lc->ctr[FC_DROP_PEER_GONE] += lc->n_tx + (lc->bl_tail - lc->bl_head);
	rte_pktmbuf_free_bulk(lc->tx, lc->n_tx);
	lc->n_tx = 0;
	for (; lc->bl_head != lc->bl_tail; lc->bl_head++)
		rte_pktmbuf_free(lc->backlog[lc->bl_head & BL_MASK]);
}

/*
 * Offer the waiting replies to the TX ring once; what it refuses stays
 * in lc->tx, in order.  Why no retry loop: the ring drains only as the
 * peer reads, which takes longer than a few spins; the next loop tries
 * again.  A TX that moves nothing looks at the link every 10 ms: a
 * memif whose client left stays refused forever.
 */
static void
tx_flush(struct farm_lcore *lc, uint64_t now)
{
	struct rte_eth_link link;
	uint16_t sent;

	in_burst = lc;
	sent = rte_eth_tx_burst(lc->port, lc->queue, lc->tx, (uint16_t)lc->n_tx);
	in_burst = NULL;
	lc->ctr[FC_TX] += sent;
	if (sent == lc->n_tx) {
		lc->n_tx = 0;
		return;
	}
	if (sent) {
		memmove(lc->tx, lc->tx + sent, (lc->n_tx - sent) * sizeof(lc->tx[0]));
		lc->n_tx -= sent;
		return;
	}
	if (now < lc->next_link_check)
		return;
	lc->next_link_check = now + lc->hz / 100;
	if (rte_eth_link_get_nowait(lc->port, &link) == 0 &&
	    link.link_status == RTE_ETH_LINK_DOWN)
		discard_waiting(lc);
}

/* Queue reply m; the caller made sure that lc->tx has room. */
static inline void
tx_queue(struct farm_lcore *lc, struct rte_mbuf *m)
{
	if (unlikely(lc->n_tx == FARM_TX_MAX)) {
		lc->ctr[FC_TX_DROPPED]++;
		rte_pktmbuf_free(m);
		return;
	}
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

		while (f->head != f->tail && lc->n_tx < FARM_TX_MAX &&
		       f->e[f->head % FARM_FIFO_CAP].due_tsc <= now) {
			tx_queue(lc, f->e[f->head % FARM_FIFO_CAP].m);
			f->head++;
		}
	}
}

/*
 * ARP: answer requests for the farm's own address and for every device
 * address, in place.  Why the devices too: a poller whose own subnet
 * overlaps --devices (argos on 198.19.254.3/24 polling 198.19.128.0/17)
 * asks for those devices directly, as it would on a real network.
 * Probes and announcements (sender 0.0.0.0 or sender = target) are
 * another host defending its own address: never answered.
 */
static void
arp_input(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth)
{
	const struct farm_config *c = lc->cfg;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t tip, sip, me;

	if (m->data_len < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		goto not_for_us;
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	if (tip != c->ip && ((tip & c->dev_mask) != c->dev_net ||
			     farm_device_is(tip, FARM_SALT_DEAD, c->dead_ppm)))
		goto not_for_us;
	if (sip == 0 || sip == tip)
		goto not_for_us;
	lc->ctr[FC_REQ_ARP]++;
	me = a->arp_data.arp_tip;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = lc->mac;
	a->arp_data.arp_sip = me;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = lc->mac;
	lc->ctr[FC_REP_ARP]++;
	tx_queue(lc, m);
	return;
not_for_us:
	lc->ctr[FC_DROP_NOT_FOR_US]++;
	rte_pktmbuf_free(m);
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
	if (lc->plog && (dev & lc->cfg->dev_mask) == lc->cfg->dev_net)   /* not the farm's own */
		farm_plog_ping(lc->plog, dev - lc->cfg->dev_net, now);
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

/*
 * A reply larger than one frame (--max-reply): the datagram is built in
 * the scratch buffer (the UDP header just in front of the message),
 * checksummed whole, and sent as IPv4 fragments of FARM_FRAG_DATA bytes,
 * the first in the request's mbuf, the others in fresh ones, each
 * dispatched (held, duplicated) on its own.  Why not DPDK's
 * rte_ipv4_fragment_packet(): it wants the datagram in mbufs and a pool
 * of indirect ones; a copy out of the scratch buffer is all a simulated
 * agent needs.  A fragment that finds the pool empty is lost with the
 * rest of its datagram (no_mbuf), as on a real link.  With
 * --drop-last-fragment the last is never sent (drop_last_fragment): the
 * poller's reassembly holds the others until they time out.
 */
static void
udp_reply_fragments(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth,
		    struct rte_ipv4_hdr *ip, uint16_t sport, uint16_t dport,
		    const struct farm_snmp_out *out, uint32_t dev, uint64_t now)
{
	uint8_t *dgram = lc->scratch + out->off - sizeof(struct rte_udp_hdr);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)dgram;
	uint32_t len = (uint32_t)(sizeof(*udp) + out->len), n = farm_reply_frames((uint32_t)out->len);
	struct rte_ether_hdr eth_tpl;
	struct rte_ipv4_hdr ip_tpl;

	udp->src_port = dport;
	udp->dst_port = sport;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)len);
	udp->dgram_cksum = 0;
	ip_reply(lc, eth, ip, (uint16_t)len);     /* the whole datagram's length, for the sum */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	ip->packet_id = rte_cpu_to_be_16(++lc->ip_id);
	eth_tpl = *eth;
	ip_tpl = *ip;
	if (lc->cfg->drop_last_fragment) {
		n--;   /* n >= 2 here: the reply passed one frame */
		lc->ctr[FC_DROP_LAST_FRAGMENT]++;
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t off = k * FARM_FRAG_DATA, part = RTE_MIN(FARM_FRAG_DATA, len - off);
		struct rte_mbuf *f = k == 0 ? m : rte_pktmbuf_alloc(lc->pool);
		struct rte_ether_hdr *e;
		struct rte_ipv4_hdr *h;

		if (f == NULL) {
			lc->ctr[FC_DROP_NO_MBUF]++;
			return;
		}
		e = rte_pktmbuf_mtod(f, struct rte_ether_hdr *);
		h = (struct rte_ipv4_hdr *)(e + 1);
		*e = eth_tpl;
		*h = ip_tpl;
		h->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*h) + part));
		h->fragment_offset = rte_cpu_to_be_16((uint16_t)((off / 8) |
								 (off + part < len ? RTE_IPV4_HDR_MF_FLAG : 0)));
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		memcpy(h + 1, dgram + off, part);
		f->data_len = (uint16_t)(sizeof(*e) + sizeof(*h) + part);
		f->pkt_len = f->data_len;
		lc->ctr[FC_REP_FRAGMENTS]++;
		dispatch(lc, f, dev, now);
	}
}

/*
 * UDP datagram at l4 (len bytes) to address dev.  Its destination port
 * picks the device: port A of --ports A-B is index 0 (farm_dev()).
 */
static void
udp_input(struct farm_lcore *lc, struct rte_mbuf *m, struct rte_ether_hdr *eth,
	  struct rte_ipv4_hdr *ip, uint8_t *l4, uint16_t len, uint32_t dev, uint64_t now)
{
	const struct farm_config *c = lc->cfg;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4;
	struct farm_snmp_out out;
	uint16_t sport, dport, ulen;
	uint32_t k;
	uint64_t key;
	int rc, is_request = 0;

	if (len < sizeof(*udp)) {
		lc->ctr[FC_DROP_UNHANDLED]++;
		goto free;
	}
	dport = udp->dst_port;
	k = (uint32_t)(uint16_t)(rte_be_to_cpu_16(dport) - c->udp_lo);
	if (k >= c->n_ports) {
		lc->ctr[FC_DROP_UNHANDLED]++;
		goto free;
	}
	key = farm_dev(dev, k);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > len) {
		lc->ctr[FC_DROP_MALFORMED]++;
		goto free;
	}
	if (udp->dgram_cksum != 0 && rte_ipv4_udptcp_cksum(ip, udp) != 0xffff) {
		lc->ctr[FC_DROP_CHECKSUM]++;
		goto free;
	}
	if (snmp_msg_version((uint8_t *)(udp + 1), ulen - sizeof(*udp)) == 3) {
		uint8_t stat;

		lc->ctr[FC_REQ_V3]++;
		rc = farm_usm_answer(lc->usm, lc->usm_lc, &lc->snmp, (uint8_t *)(udp + 1),
				     ulen - sizeof(*udp), key, unix_seconds(lc, now), lc->scratch,
				     &out, &stat);
		if (rc == FARM_USM_REPORTED)
			lc->ctr[FC_REP_REPORT]++;
		if (rc > 0)
			rc = 0;
		else if (rc == -EACCES)
			rc = -EPERM;   /* refused by the USM, no Report asked: drop_usm */
	} else {
		rc = farm_snmp_answer(&lc->snmp, (uint8_t *)(udp + 1), ulen - sizeof(*udp), key,
				      unix_seconds(lc, now), lc->scratch, &out);
	}
	switch (out.pdu_type) {
	case FARM_PDU_GET:
		lc->ctr[FC_REQ_GET]++;
		is_request = 1;
		break;
	case FARM_PDU_GETNEXT:
		lc->ctr[FC_REQ_GETNEXT]++;
		is_request = 1;
		break;
	case FARM_PDU_GETBULK:
		lc->ctr[FC_REQ_GETBULK]++;
		is_request = 1;
		break;
	default:
		break;
	}
	if (lc->plog && is_request)
		farm_plog_snmp(lc->plog, dev - c->dev_net, k, rte_be_to_cpu_32(ip->src_addr), now);
	if (rc != 0) {
		lc->ctr[rc == -EACCES ? FC_DROP_COMMUNITY : rc == -ENOTSUP ? FC_DROP_UNSUPPORTED :
			rc == -EMSGSIZE ? FC_DROP_TOO_BIG : rc == -EPERM ? FC_DROP_USM :
			FC_DROP_MALFORMED]++;
		goto free;
	}
	if (lc->cfg->loss_thr && draw(lc) < lc->cfg->loss_thr) {
		lc->ctr[FC_DROP_LOSS]++;
		goto free;
	}
	sport = udp->src_port;
	if (farm_reply_frames((uint32_t)out.len) > 1) {
		udp_reply_fragments(lc, m, eth, ip, sport, dport, &out, dev, now);
		lc->ctr[FC_REP_SNMP]++;
		lc->ctr[FC_REP_VARBINDS] += out.n_varbinds;
		return;
	}
	if (m->buf_len < m->data_off + HDRS_LEN + out.len) {
		lc->ctr[FC_DROP_TOO_BIG]++;
		goto free;
	}
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = dport;
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

/* Move what the RX ring holds into the backlog, while it has room. */
static uint32_t
rx_drain(struct farm_lcore *lc)
{
	struct rte_mbuf *rx[FARM_BURST];
	uint32_t got = 0;

	for (int b = 0; b < FARM_RX_BURSTS; b++) {
		uint16_t n;

		if (FARM_BACKLOG - (lc->bl_tail - lc->bl_head) < FARM_BURST)
			break;
		in_burst = lc;
		n = rte_eth_rx_burst(lc->port, lc->queue, rx, FARM_BURST);
		in_burst = NULL;
		for (uint16_t i = 0; i < n; i++)
			lc->backlog[lc->bl_tail++ & BL_MASK] = rx[i];
		got += n;
		if (n < FARM_BURST)
			break;
	}
	lc->ctr[FC_RX] += got;
	return got;
}

/* Answer waiting requests while their replies (and a duplicate), in as
 * many fragments as the largest reply takes, fit. */
static void
answer(struct farm_lcore *lc, uint64_t now)
{
	for (int k = 0; k < FARM_ANSWER_MAX && lc->bl_head != lc->bl_tail &&
			lc->n_tx + lc->tx_need <= FARM_TX_MAX; k++) {
		if (lc->bl_tail - lc->bl_head > 3)
			rte_prefetch0(rte_pktmbuf_mtod(lc->backlog[(lc->bl_head + 3) & BL_MASK],
						       void *));
		classify(lc, lc->backlog[lc->bl_head++ & BL_MASK], now);
	}
}

int
farm_worker_main(void *arg)
{
	struct farm_lcore *lc = arg;
	const struct farm_config *c = lc->cfg;
	const uint64_t start = rte_rdtsc();
	volatile uint64_t next_stats = UINT64_MAX, end = UINT64_MAX;
	volatile uint32_t idle = 0;

	if (lc->is_main && c->stats_period)
		next_stats = start + c->stats_period * lc->hz;
	if (lc->is_main && c->duration)
		end = start + c->duration * lc->hz;
	if (sigsetjmp(lc->fault_jmp, 0)) {
		/* A burst faulted on rings the PMD unmapped: the peer is gone. */
		lc->ctr[FC_LINK_FAULTS]++;
		discard_waiting(lc);
	}
	lc->ready = 1;

	while (!farm_quit) {
		uint64_t now = rte_rdtsc();
		uint32_t n;

		n = rx_drain(lc);
		answer(lc, now);
		release_due(lc, now);
		if (lc->n_tx)
			tx_flush(lc, now);

		if (unlikely(now >= next_stats)) {
			farm_stats_print(stdout, farm_lcores, farm_n_lcores, c->port,
					 (double)(now - start) / lc->hz, 0);
			next_stats += c->stats_period * lc->hz;
		}
		if (unlikely(now >= end))
			farm_quit = 1;
		idle = n ? 0 : idle + 1;
		if (unlikely(idle >= IDLE_POLLS && c->idle_sleep_us && lc->n_tx == 0 &&
			     lc->bl_head == lc->bl_tail &&
			     lc->fifo[0].head == lc->fifo[0].tail &&
			     lc->fifo[1].head == lc->fifo[1].tail))
			rte_delay_us_sleep(c->idle_sleep_us);
	}
	/* Waiting and held replies are not sent at exit: the run is over. */
	rte_pktmbuf_free_bulk(lc->tx, lc->n_tx);
	lc->n_tx = 0;
	for (; lc->bl_head != lc->bl_tail; lc->bl_head++)
		rte_pktmbuf_free(lc->backlog[lc->bl_head & BL_MASK]);
	for (int k = 0; k < 2; k++)
		for (struct farm_fifo *f = &lc->fifo[k]; f->head != f->tail; f->head++)
			rte_pktmbuf_free(f->e[f->head % FARM_FIFO_CAP].m);
	return 0;
}
