/*
 * dp_worker.c - the loop of a dataplane core.
 *
 * One screen, always in this order (DPDK's l3fwd):
 *
 *   read the TSC; receive a burst; classify each frame and hand it to
 *   ARP, to a probe module, or to the ping answerer, or pass it to the
 *   core that owns it; take the frames other cores passed to this one;
 *   advance the timer wheel (retries, timeouts, next pings); take new
 *   jobs from the ring while sessions are free; send what was queued;
 *   hand over results.
 *
 * Everything the loop touches was allocated by dp_worker_setup()
 * before it started.  In the loop: no allocation but mbufs from the
 * pool, no syscall, no lock, no log line.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "dp_ids.h"
#include "dp_lcore.h"
#include "probe.h"
#include "snmp_session.h"

#define RTE_LOGTYPE_ARGOS RTE_LOGTYPE_USER1

#define WHEEL_SLOTS 4096          /* 4 s of 1 ms ticks per turn */
#define ARP_ENTRIES 4096
#define ARP_MAINTAIN_MS 100
#define BATCH_MAX_AGE_US 1000     /* results wait at most 1 ms */
#define JOBS_PER_LOOP 64          /* new jobs taken per iteration */

/* The probe registry: one line per protocol. */
static const struct dp_probe *const dp_probes[] = {
	&dp_probe_snmp,
	&dp_probe_icmp,
};
#define N_PROBES RTE_DIM(dp_probes)

static const struct dp_probe *
probe_for_kind(uint8_t kind)
{
	for (unsigned i = 0; i < N_PROBES; i++)
		if (dp_probes[i]->job_kind == kind)
			return dp_probes[i];
	return NULL;
}

/* Route a fired timer to the module that owns the session. */
static void
timer_fire(void *ctx, uint32_t id)
{
	struct dp_lcore *lc = ctx;

	if (id < lc->icmp_timer_base)
		dp_probe_snmp.timer(lc, id);
	else
		dp_probe_icmp.timer(lc, id);
}

/*
 * Verify the IPv4 header (and the UDP checksum when present) unless the
 * port already did.  @return 0 when good.
 */
static int
checksums_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	uint64_t ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return -1;
	if (ipf != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(ip, ihl) != 0xffff)
		return -1;
	if (ip->next_proto_id == IPPROTO_UDP) {
		const struct rte_udp_hdr *udp = (const void *)((const uint8_t *)ip + ihl);

		if (l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			return -1;
		/* Summed over a datagram that includes its own correct
		 * checksum, the result folds to 0xffff. */
		if (l4f != RTE_MBUF_F_RX_L4_CKSUM_GOOD && udp->dgram_cksum != 0 &&
		    rte_ipv4_udptcp_cksum(ip, udp) != 0xffff)
			return -1;
	} else if (ip->next_proto_id == IPPROTO_ICMP) {
		uint32_t len = rte_be_to_cpu_16(ip->total_length) - ihl;

		if (rte_raw_cksum((const uint8_t *)ip + ihl, len) != 0xffff)
			return -1;
	}
	return 0;
}

/* One received frame, from the NIC or (from_peer) passed by the core
 * that received it.  Consumes m. */
static void
classify(struct dp_lcore *lc, struct rte_mbuf *m, int from_peer)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot, l4_len;
	const uint8_t *l4;

	lc->rx_frags = 1;   /* a whole datagram, unless reassembly says otherwise */
	/* Multi-segment frames are never SNMP replies argos asked for
	 * (1472 bytes at most): count them with the other strangers. */
	if (m->data_len < sizeof(*eth) || m->nb_segs != 1)
		goto strange;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		dp_arp_input(lc, m, from_peer);
		return;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &lc->mac))
		goto strange;

	ip = (struct rte_ipv4_hdr *)(eth + 1);
	if (m->data_len < sizeof(*eth) + sizeof(*ip))
		goto malformed;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    sizeof(*eth) + tot > m->data_len)
		goto malformed;
	if (ip->dst_addr != lc->lane->net.ip ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						    RTE_IPV4_HDR_OFFSET_MASK)))
		goto strange;
	l4 = (const uint8_t *)ip + ihl;
	l4_len = tot - ihl;
	/* Another core's reply goes to it before any work is spent on it:
	 * the owner verifies checksums and counts drops. */
	if (lc->redirect != NULL && !from_peer) {
		int owner = dp_reply_owner(lc, ip, l4, l4_len);

		if (owner >= 0 && owner != lc->lane->worker) {
			dp_redirect(lc, (unsigned)owner, m);
			return;
		}
	}
	if (checksums_ok(m, ip, ihl) != 0) {
		lc->st->drop[ARGOS_DROP_BAD_CHECKSUM]++;
		if (ip->next_proto_id == IPPROTO_UDP && l4_len >= sizeof(struct rte_udp_hdr))
			snmp_note_drop(lc, ip->src_addr, rte_be_to_cpu_16(
					       ((const struct rte_udp_hdr *)l4)->src_port),
				       ARGOS_ERR_BAD_CHECKSUM);
		goto free;
	}

	switch (ip->next_proto_id) {
	case IPPROTO_UDP:
		if (l4_len < sizeof(struct rte_udp_hdr))
			goto malformed;
		dp_probe_snmp.input(lc, ip, l4, l4_len);
		break;
	case IPPROTO_ICMP:
		if (l4_len < sizeof(struct rte_icmp_hdr))
			goto malformed;
		if (l4[0] == RTE_IP_ICMP_ECHO_REPLY) {
			dp_probe_icmp.input(lc, ip, l4, l4_len);
		} else if (l4[0] == RTE_IP_ICMP_ECHO_REQUEST) {
			if (dp_icmp_echo_answer(lc, m))
				return;
			goto malformed;
		} else {
			goto strange;   /* unreachables and the like: the timers decide */
		}
		break;
	default:
		goto strange;
	}
	goto free;

malformed:
	lc->st->drop[ARGOS_DROP_MALFORMED]++;
	goto free;
strange:
	lc->st->drop[ARGOS_DROP_NOT_FOR_US]++;
free:
	rte_pktmbuf_free(m);
}

/*
 * Take new jobs while the ring, the modules and the result batches
 * allow.  A job whose module has no free session is held (one job, in
 * the core's context) until one frees up; the rest wait in the ring,
 * where the control plane sees the backlog.
 *
 * Admission: no job starts while fewer than DP_ADMIT_BATCHES batches are
 * free (dp_lcore.h).  The reserve is for the jobs already in flight,
 * whose replies and ends still need room; a new job would only compete
 * with them.  A turn that held jobs back counts once in
 * backpressure_held.
 */
static void
take_jobs(struct dp_lcore *lc)
{
	struct argos_lane *lane = lc->lane;

	for (unsigned i = 0; i < JOBS_PER_LOOP; i++) {
		const struct dp_probe *p;

		/* Draining, a core starts the job it already took (the
		 * control plane counts it in flight) and takes no other. */
		if (!lc->held && (lane->drain || rte_ring_empty(lane->jobs)))
			return;
		if (!dp_results_admit(lc)) {
			lc->st->backpressure_held++;
			return;
		}
		if (lc->tx_full) {        /* the NIC refused frames: pace */
			lc->st->tx_held++;
			return;
		}
		if (!lc->held &&
		    rte_ring_sc_dequeue_elem(lane->jobs, &lc->held_job, sizeof(lc->held_job)) != 0)
			return;
		lc->held = 1;
		p = probe_for_kind(lc->held_job.kind);
		if (p != NULL && !p->can_start(lc))
			return;
		lc->held = 0;
		if (p == NULL)
			continue;   /* the control plane only sends known kinds */
		lc->st->jobs_started++;
		lc->st->inflight++;
		p->start(lc, &lc->held_job);
	}
}

/* After the loop: say how often the control plane held the core back,
 * when it did. */
static void
backpressure_report(const struct dp_lcore *lc)
{
	const struct argos_core_stats *st = lc->st;

	if (st->backpressure_held || st->backpressure_deferred ||
	    st->drop[ARGOS_DROP_BACKPRESSURE] || st->results_lost)
		RTE_LOG(NOTICE, ARGOS, "dataplane: worker %u: back-pressure: held %" PRIu64
			" turns, dropped %" PRIu64 " replies and resent %" PRIu64 " requests, "
			"put off job ends %" PRIu64 " times; results lost %" PRIu64 "\n",
			lc->lane->worker, st->backpressure_held, st->drop[ARGOS_DROP_BACKPRESSURE],
			st->backpressure_resent, st->backpressure_deferred, st->results_lost);
}

/*
 * After the loop, with several workers: free what peers passed too
 * late, and say how replies found their core.  "RTT samples" equals
 * "matched" when every matched reply was counted in the histogram.
 */
static void
worker_exit_report(struct dp_lcore *lc)
{
	const struct argos_core_stats *st = lc->st;
	struct rte_mbuf *m;
	uint64_t rtt = 0;

	while (rte_ring_sc_dequeue(lc->redirect, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	for (unsigned b = 0; b < ARGOS_RTT_BUCKETS; b++)
		rtt += st->rtt_hist[b];
	RTE_LOG(NOTICE, ARGOS, "dataplane: worker %u: redirected %" PRIu64 ", redirect-full %"
		PRIu64 ", arp-shared %" PRIu64 "; matched %" PRIu64 ", RTT samples %" PRIu64 "\n",
		lc->lane->worker, st->redirected, st->redirect_full, st->arp_shared,
		st->snmp_matched + st->ping_matched, rtt);
}

static int
dp_worker_setup(struct dp_lcore *lc, struct argos_lane *lane)
{
	struct arp_params ap;
	uint32_t n_timers;
	int socket = (int)rte_socket_id();
	int rc;

	memset(lc, 0, sizeof(*lc));
	lc->lane = lane;
	lc->st = &lane->stats;
	lc->tsc_hz = lane->tsc_hz;
	lc->tsc_per_tick = lane->tsc_hz / (1000000 / DP_TICK_US);
	lc->tsc_per_us = lane->tsc_hz / 1000000 ? lane->tsc_hz / 1000000 : 1;
	lc->snmp_sport = (uint16_t)(lane->net.snmp_sport + lane->worker);
	lc->worker_bits = (uint8_t)dp_worker_bits(lane->n_workers);
	lc->redirect = lane->n_workers > 1 ? lane->redirect[lane->worker] : NULL;
	lc->now_tsc = rte_rdtsc();
	lc->now_tick = lc->now_tsc / lc->tsc_per_tick;

	lc->pool = dp_port_pool(lane->port);
	if (lc->pool == NULL)
		return -ENOENT;
	memcpy(lc->mac.addr_bytes, lane->port_info.mac, RTE_ETHER_ADDR_LEN);
	lc->tx_ip_cksum = lane->port_info.tx_ip_cksum;
	lc->tx_udp_cksum = lane->port_info.tx_udp_cksum;
	lc->ip_id = (uint16_t)rte_rand();

	for (unsigned i = 0; i < N_PROBES; i++) {
		rc = dp_probes[i]->init(lc, lane->max_sessions);
		if (rc != 0)
			return rc;
	}
	lc->icmp_timer_base = lane->max_sessions;
	n_timers = lane->max_sessions * 2;
	lc->wheel.nodes = rte_zmalloc_socket("wheel_nodes", sizeof(struct tw_node) * n_timers,
					     RTE_CACHE_LINE_SIZE, socket);
	lc->wheel.slots = rte_zmalloc_socket("wheel_slots", sizeof(uint32_t) * WHEEL_SLOTS,
					     RTE_CACHE_LINE_SIZE, socket);
	lc->arp.e = rte_zmalloc_socket("arp", sizeof(struct arp_entry) * ARP_ENTRIES,
				       RTE_CACHE_LINE_SIZE, socket);
	if (lc->wheel.nodes == NULL || lc->wheel.slots == NULL || lc->arp.e == NULL)
		return -ENOMEM;
	tw_init(&lc->wheel, lc->wheel.nodes, n_timers, lc->wheel.slots, WHEEL_SLOTS,
		lc->now_tick);

	/* Linux-like neighbour timing, in 1 ms ticks: ask every second,
	 * three times; trust an answer for 30 s; remember a failure 5 s. */
	ap = (struct arp_params){ .retrans = 1000, .probes = 3, .reachable = 30000,
				  .hold = 5000 };
	arp_cache_init(&lc->arp, lc->arp.e, ARP_ENTRIES, &ap);
	return 0;
}

int
dp_worker_main(void *arg)
{
	struct argos_lane *lane = arg;
	struct dp_lcore *lc;
	struct rte_mbuf *rx[DP_BURST];
	uint64_t next_arp_tick, batch_age_tsc;
	int rc;

	lc = rte_zmalloc_socket("dp_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				(int)rte_socket_id());
	if (lc == NULL)
		return -ENOMEM;
	rc = dp_worker_setup(lc, lane);
	if (rc != 0) {
		RTE_LOG(ERR, ARGOS, "dataplane: worker %u on lcore %u: setup failed: %s\n",
			lane->worker, rte_lcore_id(), strerror(-rc));
		return rc;
	}
	batch_age_tsc = lane->tsc_hz / 1000000 * BATCH_MAX_AGE_US;
	next_arp_tick = lc->now_tick + ARP_MAINTAIN_MS;
	if (lane->n_workers > 1)
		RTE_LOG(NOTICE, ARGOS, "dataplane: worker %u on lcore %u: queue %u, UDP source "
			"port %u, replies from other queues by %s (SNMP) and %s (ICMP)\n",
			lane->worker, rte_lcore_id(), lane->queue, lc->snmp_sport,
			argos_steer_name(lane->steer_udp), argos_steer_name(lane->steer_icmp));
	lane->ready = 1;

	while (!lane->quit) {
		uint16_t n;

		lc->now_tsc = rte_rdtsc();
		lc->now_tick = lc->now_tsc / lc->tsc_per_tick;

		n = rte_eth_rx_burst(lane->port, lane->queue, rx, DP_BURST);
		lc->st->rx_pkts += n;
		for (uint16_t i = 0; i < n; i++) {
			if (i + 3 < n)
				rte_prefetch0(rte_pktmbuf_mtod(rx[i + 3], void *));
			classify(lc, rx[i], 0);
		}
		if (lc->redirect != NULL) {
			n = (uint16_t)rte_ring_sc_dequeue_burst(lc->redirect, (void **)rx, DP_BURST,
								NULL);
			for (uint16_t i = 0; i < n; i++)
				classify(lc, rx[i], 1);
		}

		if (lc->now_tick != lc->wheel.now)
			tw_advance(&lc->wheel, lc->now_tick, timer_fire, lc);
		if (lc->now_tick >= next_arp_tick) {
			dp_arp_maintain(lc);
			next_arp_tick = lc->now_tick + ARP_MAINTAIN_MS;
		}

		if (!lane->drain || lc->held)
			take_jobs(lc);

		dp_tx_flush(lc);
		if (lc->batch != NULL && lc->now_tsc - lc->batch_tsc >= batch_age_tsc)
			dp_results_flush(lc);

		lane->idle = lane->drain && !lc->held &&
			     dp_probe_snmp.busy(lc) == 0 && dp_probe_icmp.busy(lc) == 0 &&
			     lc->batch == NULL;
	}
	dp_tx_flush(lc);
	dp_tx_discard(lc);
	dp_results_flush(lc);
	backpressure_report(lc);
	if (lc->redirect != NULL)
		worker_exit_report(lc);
	return 0;
}
