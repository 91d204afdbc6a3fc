/*
 * cp_pace.h - argos paces itself: the send rate of one link, found from
 * what comes back (--pace auto).
 *
 * The control plane feeds the controller the link's counters every
 * CP_PACE_TICK_MS; the controller answers with the rate, in packets per
 * second, that the --max-pps token bucket (main.c) then enforces.  The
 * controller is pure: no clock, no DPDK, no allocation, so that a unit
 * test drives it with synthetic signals (tests/unit/test_pace.c).
 */
#ifndef ARGOS_CP_PACE_H
#define ARGOS_CP_PACE_H

#include <stdint.h>

#define CP_PACE_TICK_MS 100        /* how often the controller decides */
#define CP_PACE_START_PPS 20000.0  /* the first rate, before slow start */
#define CP_PACE_FLOOR_PPS 100.0    /* never slower than this */
#define CP_PACE_NO_LIMIT 1e9       /* the ceiling without --max-pps */

/** Why the rate was cut (the index of cp_pace.backoff_by). */
enum cp_pace_reason {
	CP_PACE_OWN = 0,   /* argos's own drops: TX dropped, replies dropped for
			      back-pressure, no mbuf, a redirect ring full */
	CP_PACE_LOSS,      /* requests unanswered (retries, lost probes) above
			      the link's usual share */
	CP_PACE_DELAY,     /* the median RTT stood well above its floor: a queue
			      builds in front of the slower side */
	CP_PACE_TX_FULL,   /* the NIC's TX ring was full with jobs waiting */
	CP_PACE_REASONS
};

/** The link's counters, as totals since the start (they only grow),
 *  and the round trips matched in the last tick. */
struct cp_pace_signals {
	uint64_t sent;         /**< requests, retries and echo probes sent */
	uint64_t answered;     /**< replies matched to a request */
	uint64_t lost;         /**< requests retried and probes lost: no answer in time */
	uint64_t own_drops;    /**< tx_dropped + back-pressure drops + mbufs + redirects */
	uint64_t tx_held;      /**< loop turns TX was full with jobs waiting */
	uint64_t limited;      /**< jobs the token bucket held back */
	uint64_t rtt_samples;  /**< replies matched in this tick */
	uint64_t rtt_p50_us;   /**< their median RTT (0 with no sample) */
};

#define CP_PACE_HIST 10            /* seconds of floors kept (loss, RTT) */
#define CP_PACE_LAG_TICKS 64       /* the sent counter of the last ticks: a loss
				      is set against what was sent that long ago */

/** One link's controller.  Fields are read by /metrics; only
 *  cp_pace_tick() writes them. */
struct cp_pace {
	double rate;               /**< packets/s allowed now */
	double ceiling;            /**< --max-pps, or CP_PACE_NO_LIMIT */
	double ssthresh;           /**< below: slow start; above: additive */
	double w_max;              /**< the rate the last cut was made from */
	uint64_t probe_ticks;      /**< ticks of growth past w_max */
	unsigned delay_ticks;      /**< ticks in a row with a standing queue */
	uint32_t loss_hold_ms;     /**< a cut waits this long before a loss
				        signal may cut again: the timeout */
	uint64_t hold_until_ms;    /**< no cut for loss before this */
	uint64_t delay_hold_ms;    /**< no cut for delay or TX before this */
	uint64_t last_ms;          /**< the previous tick, 0: none yet */
	uint64_t start_ms;         /**< the first tick */
	struct cp_pace_signals last;
	uint64_t backoffs;         /**< cuts of the rate, all reasons */
	uint64_t backoff_by[CP_PACE_REASONS];
	/* floors: per second, the lowest loss share and median RTT seen */
	double loss_sec[CP_PACE_HIST];
	uint64_t rtt_sec[CP_PACE_HIST];
	uint64_t sec_sent, sec_lost, sec_rtt;   /* the second being gathered */
	uint64_t sent_at[CP_PACE_LAG_TICKS];     /* s.sent at each tick, a ring */
	uint64_t ans_sec[CP_PACE_HIST];          /* replies matched, per second */
	uint64_t ans_acc;
	unsigned ans_ticks, ans_i;
	uint64_t ticks;
	unsigned sec_ticks, sec_i;
};

/**
 * Start a controller for a link.  ceiling_pps is --max-pps (0: no
 * limit); loss_hold_ms is how late a loss shows (the longest reply
 * timeout).  The rate starts at CP_PACE_START_PPS, or the ceiling when
 * lower, and grows in slow start until the first signal.
 */
void cp_pace_init(struct cp_pace *p, uint32_t ceiling_pps, uint32_t loss_hold_ms);

/**
 * Decide the rate from the counters s read at now_ms.  Called every
 * CP_PACE_TICK_MS or so (the first call only records s).
 * @return the reason the rate was cut (enum cp_pace_reason), or -1 when
 *         it was not.
 */
int cp_pace_tick(struct cp_pace *p, const struct cp_pace_signals *s, uint64_t now_ms);

/**
 * The median of the samples added to an RTT histogram since prev
 * (argos_stats.h buckets, in microseconds).  *samples gets their count.
 * @return the median in microseconds, 0 when there is none.
 */
uint64_t cp_pace_rtt_p50(const uint64_t *now, const uint64_t *prev, unsigned buckets,
			 uint64_t *samples);

/** The name of a reason, for /metrics: "own", "loss", "delay", "tx_full". */
const char *cp_pace_reason_name(unsigned r);

#endif
