/*
 * argos_stats.h - per-core counters.
 *
 * Each dataplane core owns one struct and is its only writer; the
 * control plane reads it whenever it prints or exports statistics.
 * Nothing is locked: a reader may see a counter one packet old, never a
 * torn value (aligned 64-bit stores).
 */
#ifndef ARGOS_STATS_H
#define ARGOS_STATS_H

#include <stdint.h>

#include "argos_errors.h"

/*
 * Round-trip times, as a log-linear histogram of microseconds: four
 * buckets per power of two, so a percentile read from it is within 19%
 * of the truth, from 1 us up to about a minute.  A core adds one count
 * per matched reply (ICMP and SNMP); the control plane sums the cores.
 */
#define ARGOS_RTT_SUB 4
#define ARGOS_RTT_BUCKETS (25 * ARGOS_RTT_SUB)

/** The bucket of an RTT of us microseconds. */
static inline unsigned
argos_rtt_bucket(uint64_t us)
{
	unsigned msb, b;

	if (us < ARGOS_RTT_SUB)
		return (unsigned)us;
	msb = 63u - (unsigned)__builtin_clzll(us);           /* >= 2 */
	b = msb * ARGOS_RTT_SUB + (unsigned)((us >> (msb - 2)) & (ARGOS_RTT_SUB - 1));
	return b < ARGOS_RTT_BUCKETS ? b - ARGOS_RTT_SUB : ARGOS_RTT_BUCKETS - 1;
}

/** The smallest RTT, in microseconds, that falls in bucket b. */
static inline uint64_t
argos_rtt_bucket_low(unsigned b)
{
	unsigned msb;

	if (b < ARGOS_RTT_SUB)
		return b;
	b += ARGOS_RTT_SUB;
	msb = b / ARGOS_RTT_SUB;
	return ((uint64_t)ARGOS_RTT_SUB + (b % ARGOS_RTT_SUB)) << (msb - 2);
}

struct argos_core_stats {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t tx_dropped;          /**< frames lost: NIC ring and backlog full */
	uint64_t mbuf_alloc_failed;

	uint64_t jobs_started;
	uint64_t jobs_done;
	uint64_t inflight;            /**< gauge: jobs in progress */

	uint64_t snmp_requests;       /**< first attempts */
	uint64_t snmp_retries;
	uint64_t snmp_timeouts;       /**< steps that used up every retry */
	uint64_t snmp_matched;        /**< replies matched to a request */
	uint64_t snmp_varbinds;
	uint64_t snmp_errors;         /**< error records of SNMP jobs */
	uint64_t snmp_maxrep_shrinks; /**< GETBULK max-repetitions shrunk: tooBig, a reply
	                                   in fragments, a large request lost twice */
	uint64_t snmp_alt_community;  /**< jobs that went on to their alternate community */

	uint64_t ping_sent;
	uint64_t ping_matched;
	uint64_t ping_lost;

	uint64_t arp_requests;
	uint64_t arp_replies;         /**< replies and requests learnt from */
	uint64_t arp_answered;        /**< requests for our address answered */
	uint64_t arp_failed;          /**< next hops that never answered */
	uint64_t icmp_echo_answered;  /**< pings to our own address */

	uint64_t results_lost;        /**< no free batch: must stay 0 (an assertion:
	                                   back-pressure makes it impossible) */

	/* back-pressure: the control plane fell behind (dataplane/dp_results.c) */
	uint64_t backpressure_held;   /**< loop turns with jobs waiting that started
	                                   none: too few free result batches */
	uint64_t backpressure_deferred; /**< times a job's end (its DONE, ERROR or PING
	                                   records) was put off by 1 ms: no room */
	uint64_t backpressure_resent; /**< requests sent again because their reply
	                                   was dropped for back-pressure; they do not
	                                   use up one of the job's retries */

	uint64_t tx_held;             /**< loop turns with jobs waiting that started
	                                   none: the NIC's TX ring was full */

	/* several workers on one port (dataplane/dp_steer.c) */
	uint64_t redirected;          /**< replies this core received for another
	                                   core and passed to it */
	uint64_t redirect_full;       /**< frames dropped: the other core's redirect
	                                   ring was full (replies and ARP copies) */
	uint64_t arp_shared;          /**< copies of ARP frames for us passed to the
	                                   other cores, so every core learns */
	uint64_t drop[ARGOS_DROP_MAX];
	uint64_t rtt_hist[ARGOS_RTT_BUCKETS];   /**< matched replies by RTT */
} __attribute__((aligned(64)));

#endif
