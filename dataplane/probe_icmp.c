/*
 * probe_icmp.c - the ICMP echo probe module: ping_count probes per
 * device, spaced by ping_interval_ms, RTT from the TSC.
 *
 * A probe's RTT runs from when its frame left (stamped by dp_tx_flush()
 * when the NIC took it, not when it was built) to when its reply
 * arrived (lc->rx_tsc, stamped right after the RX burst that brought
 * it): docs/architecture.md, "Time".
 *
 * The echo id names the core and the session (dp_ids.h: the session
 * index and the worker, XORed with a random key drawn at start-up and
 * shared by the cores of the port, so that ids do not repeat across
 * restarts and any core can tell whose reply it holds), and the
 * sequence numbers of a job start at a random base.  A reply is
 * matched by id, source address and sequence, with no lookup; each
 * probe counts once, and any second reply to it is a duplicate.
 *
 * After the last probe the session waits timeout_ms for stragglers,
 * then reports min/avg/max RTT and loss.  It reports early when every
 * probe has been answered.  A reply never writes a record itself, so
 * none is dropped for back-pressure (dp_lcore.h); the report waits,
 * 1 ms at a time, until the core has room for it.
 */
#include <errno.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp_ids.h"
#include "dp_lcore.h"
#include "probe.h"

#define ICMP_PAYLOAD 56         /* ping(8)'s default, so MTU issues look alike */
#define ARP_RECHECK_MS 10
#define BACKPRESSURE_RETRY_MS 1   /* a job end with no room tries again */

/* What the end of a ping job writes: arp-timeout, PING, DONE. */
#define ICMP_END_BYTES (DP_ERR_REC_MAX + sizeof(struct argos_rec_ping) + DP_DONE_REC)

enum icmp_sess_state {
	IS_FREE = 0,
	IS_ARP,       /* waiting for the next hop's address */
	IS_RUN,       /* probes left to send */
	IS_LINGER,    /* all sent, waiting for the last replies */
};

struct icmp_session {
	uint32_t device;
	uint32_t ip;
	uint8_t state;
	uint8_t count;
	uint8_t sent;
	uint8_t received;
	uint16_t seq_base;
	uint16_t reserved;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t rx_mask;
	uint32_t next_free;
	uint32_t gen;          /* bumped when the job ends: its frames' stamps stop */
	uint64_t start_tsc;
	uint64_t rtt_min, rtt_max, rtt_sum;   /* TSC cycles */
	uint64_t tx_tsc[ARGOS_PING_MAX];      /* when probe n left; 0: not (yet) */
};

struct icmp_state {
	struct icmp_session *s;
	uint32_t n;
	uint32_t free_head;
	uint32_t busy;
	uint16_t id_key;
	double ns_per_cycle;
};

static int
icmp_init(struct dp_lcore *lc, uint32_t max_sessions)
{
	struct icmp_state *st;
	int socket = (int)rte_socket_id();

	/* The echo id is 16 bits, shared between session and worker. */
	if (max_sessions > dp_icmp_max_sessions(lc->worker_bits))
		max_sessions = dp_icmp_max_sessions(lc->worker_bits);
	st = rte_zmalloc_socket("icmp_state", sizeof(*st), RTE_CACHE_LINE_SIZE, socket);
	if (st == NULL)
		return -ENOMEM;
	st->s = rte_zmalloc_socket("icmp_sessions", sizeof(*st->s) * max_sessions,
				   RTE_CACHE_LINE_SIZE, socket);
	if (st->s == NULL)
		return -ENOMEM;
	st->n = max_sessions;
	for (uint32_t i = 0; i < max_sessions; i++)
		st->s[i].next_free = i + 1 < max_sessions ? i + 1 : UINT32_MAX;
	st->free_head = 0;
	st->id_key = lc->lane->icmp_id_key;
	st->ns_per_cycle = 1e9 / (double)lc->tsc_hz;
	lc->icmp = st;
	return 0;
}

static int
icmp_can_start(const struct dp_lcore *lc)
{
	return lc->icmp->free_head != UINT32_MAX;
}

static uint32_t
icmp_busy(const struct dp_lcore *lc)
{
	return lc->icmp->busy;
}

static inline uint32_t
timer_id(const struct dp_lcore *lc, uint32_t idx)
{
	return lc->icmp_timer_base + idx;
}

/* Report the job and free the session. */
static void
finish(struct dp_lcore *lc, uint32_t idx, int ok)
{
	struct icmp_state *st = lc->icmp;
	struct icmp_session *s = &st->s[idx];
	struct argos_rec_ping *r;

	lc->st->ping_lost += s->sent - s->received;
	r = dp_rec_alloc(lc, ARGOS_REC_PING, sizeof(*r), s->device);
	if (r != NULL) {
		r->sent = s->sent;
		r->received = s->received;
		if (s->received) {
			r->rtt_min_ns = (uint64_t)((double)s->rtt_min * st->ns_per_cycle);
			r->rtt_max_ns = (uint64_t)((double)s->rtt_max * st->ns_per_cycle);
			r->rtt_sum_ns = (uint64_t)((double)s->rtt_sum * st->ns_per_cycle);
		}
	}
	dp_emit_done(lc, s->device, ARGOS_JOB_PING, ok, 0, ok ? 0 : 1, s->start_tsc);

	tw_cancel(&lc->wheel, timer_id(lc, idx));
	s->gen++;   /* a probe still in the TX backlog stamps nothing now */
	s->state = IS_FREE;
	s->next_free = st->free_head;
	st->free_head = idx;
	st->busy--;
}

/* Send probe number s->sent, then wait for the next one or the end. */
static void
send_probe(struct dp_lcore *lc, uint32_t idx)
{
	struct icmp_state *st = lc->icmp;
	struct icmp_session *s = &st->s[idx];
	struct rte_ether_addr mac;
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *m;
	uint8_t *l4;
	uint8_t n = s->sent++;
	struct dp_tx_stamp stamp = { &s->tx_tsc[n], &s->gen, s->gen };

	if (s->sent < s->count) {
		dp_timer_arm_ms(lc, timer_id(lc, idx), s->interval_ms);
	} else {
		s->state = IS_LINGER;
		dp_timer_arm_ms(lc, timer_id(lc, idx), s->timeout_ms);
	}
	s->tx_tsc[n] = 0;   /* until the frame leaves */
	lc->st->ping_sent++;

	if (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac) != ARP_RESOLVED)
		return;   /* counted as lost: the neighbour went away */
	m = dp_frame_alloc(lc, &mac, s->ip, IPPROTO_ICMP, sizeof(*icmp) + ICMP_PAYLOAD, &l4);
	if (m == NULL)
		return;
	icmp = (struct rte_icmp_hdr *)l4;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(dp_icmp_id_make(idx, lc->lane->worker,
							    lc->worker_bits, st->id_key));
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)(s->seq_base + n));
	/* A recognisable pattern helps whoever reads a capture. */
	for (uint32_t i = 0; i < ICMP_PAYLOAD; i++)
		l4[sizeof(*icmp) + i] = (uint8_t)(0x10 + i);
	dp_send_icmp(lc, m, &stamp);
}

static void
try_first_probe(struct dp_lcore *lc, uint32_t idx)
{
	struct icmp_session *s = &lc->icmp->s[idx];
	struct rte_ether_addr mac;

	switch (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac)) {
	case ARP_RESOLVED:
		s->state = IS_RUN;
		send_probe(lc, idx);
		break;
	case ARP_PENDING:
		s->state = IS_ARP;
		dp_timer_arm_ms(lc, timer_id(lc, idx), ARP_RECHECK_MS);
		break;
	case ARP_UNREACHABLE:
		dp_emit_error(lc, s->device, ARGOS_JOB_PING, ARGOS_ERR_ARP_TIMEOUT, NULL, 0);
		finish(lc, idx, 0);
		break;
	}
}

static void
icmp_start(struct dp_lcore *lc, const struct argos_job *job)
{
	struct icmp_state *st = lc->icmp;
	uint32_t idx = st->free_head;
	struct icmp_session *s = &st->s[idx];

	st->free_head = s->next_free;
	st->busy++;
	s->device = job->device;
	s->ip = job->ip;
	s->count = job->ping_count == 0 ? 1 :
		   job->ping_count > ARGOS_PING_MAX ? ARGOS_PING_MAX : job->ping_count;
	s->sent = s->received = 0;
	s->seq_base = (uint16_t)rte_rand();
	s->interval_ms = job->ping_interval_ms;
	s->timeout_ms = job->timeout_ms ? job->timeout_ms : 1;
	s->rx_mask = 0;
	s->rtt_min = UINT64_MAX;
	s->rtt_max = s->rtt_sum = 0;
	s->start_tsc = lc->now_tsc;
	try_first_probe(lc, idx);
}

static void
icmp_timer(struct dp_lcore *lc, uint32_t id)
{
	uint32_t idx = id - lc->icmp_timer_base;
	struct icmp_session *s = &lc->icmp->s[idx];

	/* ARP may fail and LINGER ends the job: both need room. */
	if (s->state != IS_RUN && !dp_results_room(lc, ICMP_END_BYTES)) {
		lc->st->backpressure_deferred++;
		dp_timer_arm_ms(lc, id, BACKPRESSURE_RETRY_MS);
		return;
	}
	switch (s->state) {
	case IS_ARP:
		try_first_probe(lc, idx);
		break;
	case IS_RUN:
		send_probe(lc, idx);
		break;
	case IS_LINGER:
		finish(lc, idx, 1);
		break;
	}
}

static void
icmp_input(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, const uint8_t *l4, uint32_t l4_len)
{
	struct icmp_state *st = lc->icmp;
	const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)l4;
	struct icmp_session *s;
	uint32_t idx;
	uint16_t id, n;
	uint64_t rtt;

	if (l4_len < sizeof(*icmp)) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		return;
	}
	id = rte_be_to_cpu_16(icmp->icmp_ident);
	idx = dp_icmp_id_session(id, lc->worker_bits, st->id_key);
	if (dp_icmp_id_worker(id, lc->worker_bits, st->id_key) != lc->lane->worker ||
	    idx >= st->n || (s = &st->s[idx])->state < IS_RUN) {
		lc->st->drop[ARGOS_DROP_UNKNOWN_REQUEST_ID]++;
		return;
	}
	if (ip->src_addr != s->ip) {
		lc->st->drop[ARGOS_DROP_WRONG_SOURCE]++;
		return;
	}
	n = (uint16_t)(rte_be_to_cpu_16(icmp->icmp_seq_nb) - s->seq_base);
	/* A probe that never left (no next hop, no mbuf, TX full) has no
	 * stamp: nothing can answer it. */
	if (n >= s->sent || s->tx_tsc[n] == 0) {
		lc->st->drop[ARGOS_DROP_UNKNOWN_REQUEST_ID]++;
		return;
	}
	if (s->rx_mask & (1u << n)) {
		lc->st->drop[ARGOS_DROP_DUPLICATE]++;
		return;
	}
	s->rx_mask |= 1u << n;
	s->received++;
	lc->st->ping_matched++;
	rtt = lc->rx_tsc - s->tx_tsc[n];
	dp_rtt_count(lc, rtt);
	s->rtt_sum += rtt;
	if (rtt < s->rtt_min)
		s->rtt_min = rtt;
	if (rtt > s->rtt_max)
		s->rtt_max = rtt;
	if (s->received == s->count) {
		if (dp_results_room(lc, ICMP_END_BYTES)) {
			finish(lc, idx, 1);
		} else {
			/* Every probe is in (all were sent): the timer ends it. */
			lc->st->backpressure_deferred++;
			s->state = IS_LINGER;
			dp_timer_arm_ms(lc, timer_id(lc, idx), BACKPRESSURE_RETRY_MS);
		}
	}
}

const struct dp_probe dp_probe_icmp = {
	.name = "icmp",
	.job_kind = ARGOS_JOB_PING,
	.init = icmp_init,
	.can_start = icmp_can_start,
	.start = icmp_start,
	.input = icmp_input,
	.timer = icmp_timer,
	.busy = icmp_busy,
};
