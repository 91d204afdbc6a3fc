/*
 * dp_lcore.h - the context of one dataplane core, and the services the
 * core gives its probe modules: time, timers, next-hop resolution,
 * frames to send, and result records.
 *
 * One struct per worker core, cache-aligned, owned by that core alone
 * (DPDK's lcore_conf): nothing in it is shared, so nothing is locked.
 * Everything here is allocated before the loop starts.
 */
#ifndef ARGOS_DP_LCORE_H
#define ARGOS_DP_LCORE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "argos_lane.h"
#include "arp_cache.h"
#include "inflight.h"
#include "timer_wheel.h"

#define DP_BURST 32
#define DP_TX_MAX 256            /* frames queued before a forced flush */
#define DP_TICK_US 1000          /* timer wheel resolution: 1 ms */

struct snmp_state;
struct icmp_state;

struct dp_lcore {
	struct argos_lane *lane;
	struct argos_core_stats *st;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	uint8_t tx_ip_cksum;         /* offloads the port was configured with */
	uint8_t tx_udp_cksum;

	uint64_t now_tsc;            /* read once per loop */
	uint8_t rx_frags;            /* fragments the datagram in hand came in: 1 (whole)
	                                unless reassembly made it of several; set per
	                                frame by classify() */
	uint64_t now_tick;           /* now_tsc in timer ticks */
	uint64_t tsc_per_tick;
	uint64_t tsc_per_us;         /* for the RTT histogram */
	uint64_t tsc_hz;

	uint16_t snmp_sport;         /* this core's UDP source port, host order */
	uint8_t worker_bits;         /* bits of an ICMP id that name the worker */
	struct rte_ring *redirect;   /* frames other cores passed to this one, or NULL */

	struct tw_wheel wheel;       /* timers of every session */
	struct arp_cache arp;
	uint16_t ip_id;              /* IPv4 identification of sent frames */

	struct rte_mbuf *tx[DP_TX_MAX];
	uint32_t n_tx;
	uint8_t tx_full;             /* the last flush left frames queued */

	struct argos_batch *batch;   /* results being filled; NULL if none */
	uint64_t batch_tsc;          /* when the first record went in */

	struct argos_job held_job;   /* taken from the ring, waiting for a session */
	uint8_t held;

	struct snmp_state *snmp;     /* the modules' own state */
	struct icmp_state *icmp;
	uint32_t icmp_timer_base;    /* timer ids: SNMP from 0, ICMP from here */
} __rte_cache_aligned;

/** Milliseconds to timer ticks, rounded up. */
static inline uint64_t
dp_ms_ticks(uint32_t ms)
{
	return ((uint64_t)ms * 1000 + DP_TICK_US - 1) / DP_TICK_US;
}

/** Count one matched reply in the RTT histogram; cycles is its RTT. */
static inline void
dp_rtt_count(struct dp_lcore *lc, uint64_t cycles)
{
	lc->st->rtt_hist[argos_rtt_bucket(cycles / lc->tsc_per_us)]++;
}

/** The mbuf pool dp_port_init() made for port, or NULL (dp_port.c). */
struct rte_mempool *dp_port_pool(uint16_t port);

/* --- next hops (dp_net.c) --- */

/**
 * Where a frame to ip goes: ip itself when on-link, else the gateway.
 * @return the next hop, or 0 when ip is off-link and there is no
 *         gateway.
 */
uint32_t dp_next_hop(const struct dp_lcore *lc, uint32_t ip);

/**
 * Resolve a next hop, sending an ARP request when it is unknown.
 * @return ARP_RESOLVED (mac filled), ARP_PENDING or ARP_UNREACHABLE.
 */
enum arp_verdict dp_resolve(struct dp_lcore *lc, uint32_t next_hop,
			    struct rte_ether_addr *mac);

/** Handle an ARP frame: learn answers, answer requests for us, and,
 *  unless another core passed it here (from_peer), share it with the
 *  other cores.  Consumes m. */
void dp_arp_input(struct dp_lcore *lc, struct rte_mbuf *m, int from_peer);

/** Re-ask, age and drop neighbours (a few times a second). */
void dp_arp_maintain(struct dp_lcore *lc);

/** Answer an ICMP echo request addressed to us, reusing m. @return 1
 *  when m was consumed. */
int dp_icmp_echo_answer(struct dp_lcore *lc, struct rte_mbuf *m);

/* --- several cores on one port (dp_steer.c) --- */

/**
 * The worker that owns a received reply: the one whose UDP port it is
 * addressed to, or whose id an echo reply carries.
 * @return the worker, or -1 when the frame names no worker of the
 *         port (the modules then count why they drop it).
 */
int dp_reply_owner(const struct dp_lcore *lc, const struct rte_ipv4_hdr *ip,
		   const uint8_t *l4, uint32_t l4_len);

/** Pass m to worker owner through its redirect ring (MP enqueue).
 *  Consumes m; a full ring drops it, counted in redirect_full. */
void dp_redirect(struct dp_lcore *lc, unsigned owner, struct rte_mbuf *m);

/** Pass a copy of an ARP frame for us to every other worker, so each
 *  cache learns the answers to its own questions.  Does not consume m. */
void dp_arp_share(struct dp_lcore *lc, const struct rte_mbuf *m);

/* --- frames (dp_net.c) --- */

/**
 * Allocate a frame with Ethernet and IPv4 headers filled for dst via
 * dst_mac, protocol proto, and l4_len bytes of room after the IPv4
 * header.  *l4 points at that room.
 * @return the mbuf, or NULL when the pool is empty (counted).
 */
struct rte_mbuf *dp_frame_alloc(struct dp_lcore *lc, const struct rte_ether_addr *dst_mac,
				uint32_t dst, uint8_t proto, uint16_t l4_len, uint8_t **l4);

/** Finish a UDP frame from dp_frame_alloc(): checksums, offloaded
 *  where the port can, then queue it for sending. */
void dp_send_udp(struct dp_lcore *lc, struct rte_mbuf *m);

/** Finish an ICMP frame: checksums in software, then queue it. */
void dp_send_icmp(struct dp_lcore *lc, struct rte_mbuf *m);

/** Queue a finished frame (flushes when the queue is full; drops it,
 *  counted, only when the NIC and the backlog are both full). */
void dp_tx(struct dp_lcore *lc, struct rte_mbuf *m);

/** Hand queued frames to the NIC; what it refuses stays queued. */
void dp_tx_flush(struct dp_lcore *lc);

/** At exit: free what the NIC never took, counted as dropped. */
void dp_tx_discard(struct dp_lcore *lc);

/* --- timers --- */

static inline void
dp_timer_arm_ms(struct dp_lcore *lc, uint32_t id, uint32_t ms)
{
	tw_arm(&lc->wheel, id, lc->now_tick + dp_ms_ticks(ms));
}

/* --- results (dp_results.c) --- */

/*
 * Back-pressure.  Batches come back from the control plane only as fast
 * as it writes results out; when it falls behind, the core must not
 * produce records it has no room for, because a lost DONE record leaves
 * a device polled forever (and --once waiting forever).  So every path
 * that writes records first asks dp_results_room() for a bound of what
 * it may write, and when the answer is no:
 *
 *   - take_jobs starts no job while fewer than DP_ADMIT_BATCHES free
 *     batches are left (backpressure_held);
 *   - a matched SNMP reply is dropped before it touches the session
 *     (drop reason "backpressure"): the request is resent at its timeout,
 *     without using up a retry (backpressure_resent);
 *   - a timer that ends a job fires again 1 ms later
 *     (backpressure_deferred).
 *
 * results_lost then stays 0 by construction; it is kept as an assertion.
 */

/** The largest record the core writes: a varbind with a 128-arc name and
 *  the longest value the codec accepts (probe_snmp.c checks this). */
#define DP_REC_MAX 4096
/** Bytes of records a fresh batch surely takes before it is handed over:
 *  it is flushed only when the next record (<= DP_REC_MAX) does not fit. */
#define DP_BATCH_SURE (ARGOS_BATCH_BYTES - 8 - DP_REC_MAX)
/** Free batches a core keeps in reserve for the jobs it has in flight:
 *  below this it starts no new job. */
#define DP_ADMIT_BATCHES 8
/** The largest error record (a 128-arc OID) and a DONE record. */
#define DP_ERR_REC_MAX RTE_ALIGN_CEIL(sizeof(struct argos_rec_error) + \
				       ARGOS_OID_MAX * sizeof(uint32_t), 8)
#define DP_DONE_REC sizeof(struct argos_rec_done)

/**
 * Whether records adding up to need bytes (each at most DP_REC_MAX) can
 * be written now without a batch the core does not hold: they fit in
 * the open batch, or the free ring holds enough batches for them.
 * Reads the free ring's count (two loads, no lock).
 */
int dp_results_room(const struct dp_lcore *lc, uint32_t need);

/** Whether a new job may start: at least DP_ADMIT_BATCHES free batches. */
int dp_results_admit(const struct dp_lcore *lc);

/**
 * Reserve size bytes (rounded up to 8) for a record in the current
 * batch, flushing it and taking an empty one when it is full.
 * @return the record, header zeroed except kind, size, device and tsc,
 *         or NULL when no empty batch is to be had or size is above
 *         DP_REC_MAX (counted in results_lost; callers asked
 *         dp_results_room() first, so this does not happen).
 */
void *dp_rec_alloc(struct dp_lcore *lc, uint16_t kind, uint32_t size, uint32_t device);

/** Hand the current batch over if it holds records. */
void dp_results_flush(struct dp_lcore *lc);

/** Emit an error record, with the OID concerned when oid_len > 0. */
void dp_emit_error(struct dp_lcore *lc, uint32_t device, uint8_t job_kind,
		   enum argos_err err, const uint32_t *oid, uint32_t oid_len);

/** Emit the end of a job.  @return the record, for the module's own
 *  fields (SNMP: what it learnt), or NULL when it could not be written
 *  (results_lost). */
struct argos_rec_done *dp_emit_done(struct dp_lcore *lc, uint32_t device, uint8_t job_kind,
				    int ok, uint32_t varbinds, uint32_t errors,
				    uint64_t start_tsc);

#endif
