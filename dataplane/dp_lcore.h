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
#include "dp_frag.h"
#include "inflight.h"
#include "timer_wheel.h"

#define DP_BURST 32
#define DP_TX_MAX 256            /* frames queued before a forced flush */
#define DP_TX_ONE_BY_ONE 8       /* on a port that sends in the call, this
				  * many queued frames or fewer go one per
				  * tx_burst, each with a stamp of its own */
#define DP_TICK_US 1000          /* timer wheel resolution: 1 ms */
/*
 * Frames one core may have waiting for another (dp_steer.c).  A peer
 * passes at most a burst of replies per loop of its own; 2048 is many
 * loops of every peer at full rate, so a full ring means the owner has
 * stalled.
 */
#define DP_REDIRECT_RING 2048

struct snmp_state;
struct icmp_state;

/**
 * Where to write the time a frame really left, and whether its sender
 * still wants it.  When rte_eth_tx_burst() takes the frame (at once, or
 * turns later from the backlog), dp_tx_flush() writes that TSC to *tsc,
 * but only while *gen still equals want.  A sender bumps its generation
 * whenever it lets go of the frames it sent (a new attempt, the end of
 * its job), so a frame that waited in the backlog never stamps a
 * session that no longer owns it.  Sessions are allocated before the
 * loop and never freed while it runs, so the pointers stay valid.
 */
struct dp_tx_stamp {
	uint64_t *tsc;
	const uint32_t *gen;
	uint32_t want;
};

struct dp_lcore {
	struct argos_lane *lane;
	struct argos_core_stats *st;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	uint8_t tx_ip_cksum;         /* offloads the port was configured with */
	uint8_t tx_udp_cksum;
	uint8_t tx_in_call;          /* tx_burst sends in a system call (dp_net.c) */

	uint64_t now_tsc;            /* read once per loop: timers, records */
	/* When the frame being handled arrived, set before each frame is
	 * handled: the TSC read right after the RX burst that brought it, or
	 * the one the receiving core wrote into a frame it passed here.  RTTs
	 * end here; a datagram made of several frames takes its last one's. */
	uint64_t rx_tsc;
	uint16_t rx_frags;           /* fragments the datagram in hand came in: 1 when
	                                whole, more when reassembly made it (set by
	                                classify() before any module sees it) */
	uint64_t now_tick;           /* now_tsc in timer ticks */
	uint64_t tsc_per_tick;
	uint64_t tsc_per_us;         /* for the RTT histogram */
	uint64_t tsc_hz;

	uint16_t snmp_sport;         /* this core's UDP source port, host order */
	uint8_t worker_bits;         /* bits of an ICMP id that name the worker */
	struct rte_ring *redirect;   /* frames other cores passed to this one, or NULL */

	struct dp_frag frag;         /* IPv4 reassembly (dp_frag.c) */
	struct tw_wheel wheel;       /* timers of every session */
	struct arp_cache arp;
	uint16_t ip_id;              /* IPv4 identification of sent frames */

	struct rte_mbuf *tx[DP_TX_MAX];
	struct dp_tx_stamp tx_stamp[DP_TX_MAX];   /* of tx[i]; tsc NULL: nobody asks */
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

/** Pass m to worker owner through its redirect ring (MP enqueue), with
 *  its arrival time (lc->rx_tsc).  Consumes m; a full ring drops it,
 *  counted in redirect_full.  @return 0 when passed, -ENOBUFS when
 *  dropped. */
int dp_redirect(struct dp_lcore *lc, unsigned owner, struct rte_mbuf *m);

/** The arrival TSC that the core which received m wrote into it
 *  (dp_redirect(), dp_arp_share()). */
uint64_t dp_redirected_rx_tsc(struct rte_mbuf *m);

/** Pass a copy of an ARP frame for us to every other worker, so each
 *  cache learns the answers to its own questions.  Does not consume m. */
void dp_arp_share(struct dp_lcore *lc, const struct rte_mbuf *m);

/**
 * Tell every other worker that the datagrams an agent (ip, network
 * order) sent us were dropped for why (enum argos_err), so that the
 * core that owns its session, whichever it is, can name the drop
 * (snmp_note_drop).  Used when a reply's fragments time out on the
 * core that reassembles them, which owns the request only by chance.
 * One small frame per peer, from the pool; nothing when there are no
 * peers.  Counted with the frames passed (redirected, redirect_full).
 */
void dp_note_share(struct dp_lcore *lc, uint32_t ip, uint8_t why);

/** A note frame another core passed (ether type DP_NOTE_ETHERTYPE):
 *  note it on this core's sessions.  Does not consume m. */
void dp_note_input(struct dp_lcore *lc, const struct rte_mbuf *m);

/* A core's note to its peers travels as an Ethernet frame of this
 * type (IEEE 802 "local experimental"), only through the redirect
 * rings: one from the NIC is dropped as not for us. */
#define DP_NOTE_ETHERTYPE 0x88b5

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
 *  where the port can, then queue it for sending.  stamp (or NULL) says
 *  where the time it leaves goes (struct dp_tx_stamp). */
void dp_send_udp(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp);

/** Finish an ICMP frame: checksums in software, then queue it; stamp
 *  as for dp_send_udp(). */
void dp_send_icmp(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp);

/** Queue a finished frame (flushes when the queue is full; drops it,
 *  counted, only when the NIC and the backlog are both full). */
void dp_tx(struct dp_lcore *lc, struct rte_mbuf *m);

/** dp_tx(), and when the frame leaves, its time goes where stamp says
 *  (NULL: nowhere).  A frame dropped here is never stamped. */
void dp_tx_stamped(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_tx_stamp *stamp);

/** Hand queued frames to the NIC; what it refuses stays queued.  The
 *  frames it takes get their stamps (struct dp_tx_stamp). */
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
 *  the longest value the codec accepts, a string that fills a 65,535-byte
 *  datagram (snmp_session.h proves it fits). */
#define DP_REC_MAX ARGOS_REC_MAX
/** Bytes of records a fresh batch surely takes before it is handed over:
 *  it is flushed only when the next record (<= DP_REC_MAX) does not fit,
 *  so a batch is left with less than DP_REC_MAX free bytes (64,504). */
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
