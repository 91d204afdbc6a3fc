/*
 * pace.c - the send rate of one link, found from what comes back: slow
 * start, then AIMD, cut by four signals (cp_pace.h).
 *
 * Every tick (CP_PACE_TICK_MS) the control plane hands over the link's
 * counters.  The rate is cut when one of these says the link, a device
 * or argos itself cannot take more, and grows while none does and the
 * token bucket is what holds jobs back: in slow start (x1.25 a tick)
 * until the first cut; after a cut, back towards the rate it was cut
 * from (a fifth of the gap a tick, as CUBIC's concave part does), then
 * past it by 0.5% a tick, a gain that doubles each second up to slow
 * start's: gently near the rate that was too much, and a link that got
 * faster (or a cut made while the link came up) is found again in
 * seconds, not minutes.  The cuts:
 *
 *   own     argos dropped work of its own making (TX dropped, replies
 *           dropped for back-pressure, no mbuf, a redirect ring full): x0.7
 *   loss    more requests went unanswered than the link's usual share
 *           (the lowest share of the last CP_PACE_HIST seconds, so that
 *           devices that are down do not hold the rate at the floor): x0.7
 *   delay   the median RTT stood, two ticks in a row, more than
 *           max(4 x floor, 50 ms) above the floor of the last seconds: a
 *           queue is building, and loss follows a full queue: x0.85
 *   tx_full the NIC's TX ring was full with jobs waiting: x0.9
 *
 * Delay and tx_full count only after the link's first second and at a
 * new high rate (90% or more of the most replies a second of the last
 * seconds): a queue at a rate the link already answered in full is a
 * burst of the bucket or the noise of a shared host (the farm or a core
 * off its CPU for tens of milliseconds), not this rate's doing.
 *
 * Why delay: a loss shows only when its request times out, a second
 * or more after it was sent; by then a rate that grew too far has sent
 * a second of excess.  The RTT rises within a tick of the queue, so the
 * rate is cut before the queue overflows, and loss is the backstop.
 *
 * Why cut from the rate sent rather than the rate allowed: when the
 * offered load is below the rate (the bucket never held a job back),
 * the rate allowed says nothing about what the link took.  For the same
 * reason the rate grows only in ticks in which the bucket held jobs.
 *
 * After a cut, loss may not cut again for loss_hold_ms (the replies of
 * the requests sent before the cut are still timing out), the other
 * signals for three ticks.
 */
#include <stddef.h>

#include "argos_stats.h"
#include "cp_pace.h"

#define SLOW_START_GAIN 1.25     /* per tick: x9 a second */
#define PROBE_GAIN 0.005         /* per tick past the rate of the last cut, at first */
#define APPROACH_UNTIL 0.97      /* below this share of that rate: approach it */
#define APPROACH_SHARE 0.2       /* of the gap, per tick */
#define TICKS_PER_S (1000 / CP_PACE_TICK_MS)
#define AI_MIN_PPS 50.0
#define LOSS_TOLERANCE 0.0005    /* above the floor: half the 0.999 goal */
#define LOSS_MIN 3               /* unanswered requests in a tick before loss counts */
#define DELAY_MIN_SAMPLES 32     /* replies in a tick before its median counts */
#define DELAY_MIN_US 50000       /* queueing delay that counts, at least */
#define DELAY_FLOORS 4           /* and at least this many times the floor */
#define DELAY_TICKS 2            /* ticks in a row before delay counts */
#define SHORT_HOLD_TICKS 3
#define START_GRACE_MS 1000      /* no cut for delay or TX before: the link comes up */
#define NEW_HIGH 0.9             /* delay and TX count only at this share of the most
				    replies a second of the last seconds, or more */

static const double beta[CP_PACE_REASONS] = {
	[CP_PACE_OWN] = 0.7, [CP_PACE_LOSS] = 0.7, [CP_PACE_DELAY] = 0.85,
	[CP_PACE_TX_FULL] = 0.9,
};

/* The middle of RTT bucket b, in microseconds (argos_stats.h). */
static uint64_t
bucket_us(unsigned b)
{
	return b + 1 < ARGOS_RTT_BUCKETS ?
	       (argos_rtt_bucket_low(b) + argos_rtt_bucket_low(b + 1)) / 2 :
	       argos_rtt_bucket_low(b);
}

void
cp_pace_init(struct cp_pace *p, uint32_t ceiling_pps, uint32_t loss_hold_ms)
{
	*p = (struct cp_pace){ 0 };
	p->ceiling = ceiling_pps ? (double)ceiling_pps : CP_PACE_NO_LIMIT;
	p->rate = p->ceiling < CP_PACE_START_PPS ? p->ceiling : CP_PACE_START_PPS;
	p->ssthresh = p->ceiling;
	p->loss_hold_ms = loss_hold_ms;
	for (unsigned i = 0; i < CP_PACE_HIST; i++)
		p->loss_sec[i] = -1.0;      /* no figure yet */
	p->sec_rtt = UINT64_MAX;
}

uint64_t
cp_pace_rtt_p50(const uint64_t *now, const uint64_t *prev, unsigned buckets, uint64_t *samples)
{
	uint64_t total = 0, seen = 0;

	for (unsigned b = 0; b < buckets; b++)
		total += now[b] - prev[b];
	*samples = total;
	if (total == 0)
		return 0;
	for (unsigned b = 0; b < buckets; b++) {
		seen += now[b] - prev[b];
		if (2 * seen >= total)
			return bucket_us(b);
	}
	return bucket_us(buckets - 1);
}

const char *
cp_pace_reason_name(unsigned r)
{
	static const char *const names[CP_PACE_REASONS] = {
		[CP_PACE_OWN] = "own", [CP_PACE_LOSS] = "loss", [CP_PACE_DELAY] = "delay",
		[CP_PACE_TX_FULL] = "tx_full",
	};

	return r < CP_PACE_REASONS ? names[r] : "?";
}

/* The lowest loss share and median RTT of the seconds kept, the second
 * being gathered included. */
static void
floors(const struct cp_pace *p, double *loss, uint64_t *rtt)
{
	*loss = -1.0;       /* no second measured yet: no loss verdict */
	*rtt = p->sec_rtt;
	for (unsigned i = 0; i < CP_PACE_HIST; i++) {
		if (p->loss_sec[i] >= 0 && (*loss < 0 || p->loss_sec[i] < *loss))
			*loss = p->loss_sec[i];
		if (p->rtt_sec[i] != 0 && p->rtt_sec[i] < *rtt)
			*rtt = p->rtt_sec[i];
	}
	if (*rtt == UINT64_MAX)
		*rtt = 0;
}

/* Add a tick to the second being gathered; close it after a second. */
static void
gather(struct cp_pace *p, uint64_t sent, uint64_t lost, const struct cp_pace_signals *s,
       uint64_t now_ms)
{
	/* Until a loss could have shown (loss_hold_ms after the first
	 * tick), a second's share of loss says nothing. */
	if (now_ms < p->start_ms + p->loss_hold_ms) {
		sent = lost = 0;
		p->sec_ticks = 0;
	}
	p->sec_sent += sent;
	p->sec_lost += lost;
	if (s->rtt_samples >= DELAY_MIN_SAMPLES && s->rtt_p50_us < p->sec_rtt)
		p->sec_rtt = s->rtt_p50_us;
	if (++p->sec_ticks * CP_PACE_TICK_MS < 1000)
		return;
	/* Fewer than 100 requests tell no share apart from 0 and 1%. */
	p->loss_sec[p->sec_i] = p->sec_sent >= 100 ? (double)p->sec_lost / (double)p->sec_sent :
				-1.0;
	p->rtt_sec[p->sec_i] = p->sec_rtt == UINT64_MAX ? 0 : p->sec_rtt;
	p->sec_i = (p->sec_i + 1) % CP_PACE_HIST;
	p->sec_sent = p->sec_lost = 0;
	p->sec_rtt = UINT64_MAX;
	p->sec_ticks = 0;
}

/* Count the replies of a tick into the second being gathered. */
static void
answered(struct cp_pace *p, uint64_t n)
{
	p->ans_acc += n;
	if (++p->ans_ticks * CP_PACE_TICK_MS < 1000)
		return;
	p->ans_sec[p->ans_i] = p->ans_acc;
	p->ans_i = (p->ans_i + 1) % CP_PACE_HIST;
	p->ans_acc = 0;
	p->ans_ticks = 0;
}

/* The most replies of one second among the last CP_PACE_HIST. */
static double
best_answered(const struct cp_pace *p)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < CP_PACE_HIST; i++)
		if (p->ans_sec[i] > best)
			best = p->ans_sec[i];
	return (double)best;
}

/*
 * What was sent in the tick whose losses show now: loss_hold_ms ago.
 * Why: a request counts as lost only when it times out, so setting this
 * tick's losses against this tick's sends would read a share far too
 * low while the rate grows and far too high after a cut.
 */
static uint64_t
sent_then(struct cp_pace *p, uint64_t sent_now)
{
	uint64_t lag = p->loss_hold_ms / CP_PACE_TICK_MS, then;

	if (lag > CP_PACE_LAG_TICKS - 2)
		lag = CP_PACE_LAG_TICKS - 2;
	p->sent_at[p->ticks % CP_PACE_LAG_TICKS] = sent_now;
	p->ticks++;
	if (p->ticks < lag + 2)
		return 0;
	then = p->sent_at[(p->ticks - 1 - lag) % CP_PACE_LAG_TICKS];
	return then - p->sent_at[(p->ticks - 2 - lag) % CP_PACE_LAG_TICKS];
}

/* Count the ticks in a row whose median RTT stood above the floor by
 * max(DELAY_FLOORS x floor, DELAY_MIN_US).  Why so much and twice: on a
 * shared host the farm or argos's core may be off its CPU for tens of
 * milliseconds, a spike that is not a queue; a standing queue of 50 ms
 * is what fills the 8192-frame rings of af_packet at 150k packets/s. */
static void
delayed(struct cp_pace *p, const struct cp_pace_signals *s)
{
	double loss;
	uint64_t floor, margin;

	floors(p, &loss, &floor);
	margin = DELAY_FLOORS * floor > DELAY_MIN_US ? DELAY_FLOORS * floor : DELAY_MIN_US;
	if (s->rtt_samples < DELAY_MIN_SAMPLES || floor == 0)
		return;        /* no verdict: the count stands */
	p->delay_ticks = s->rtt_p50_us > floor + margin ? p->delay_ticks + 1 : 0;
}

/* Which signal, if any, says cut now. */
static int
verdict(const struct cp_pace *p, const struct cp_pace_signals *d,
	const struct cp_pace_signals *s, double tick_pps, uint64_t now_ms)
{
	double loss_floor;
	uint64_t rtt_floor;

	floors(p, &loss_floor, &rtt_floor);
	(void)s;
	if (now_ms >= p->delay_hold_ms && d->own_drops > 0)
		return CP_PACE_OWN;
	if (now_ms >= p->hold_until_ms && loss_floor >= 0 && d->lost >= LOSS_MIN &&
	    (double)d->lost > (double)d->sent * (loss_floor + LOSS_TOLERANCE))
		return CP_PACE_LOSS;
	if (now_ms < p->delay_hold_ms)
		return -1;
	/* A queue or a full TX ring while the link comes up (memif connects,
	 * ARP resolves), or at a rate the link already answered in full
	 * within the last seconds, is not this rate's doing: noise of a
	 * shared host, a burst of the bucket.  Loss and argos's own drops
	 * still cut there. */
	if (now_ms < p->start_ms + START_GRACE_MS || tick_pps < NEW_HIGH * best_answered(p))
		return -1;
	if (p->delay_ticks >= DELAY_TICKS)
		return CP_PACE_DELAY;
	if (d->tx_held > 0)
		return CP_PACE_TX_FULL;
	return -1;
}

int
cp_pace_tick(struct cp_pace *p, const struct cp_pace_signals *s, uint64_t now_ms)
{
	struct cp_pace_signals d;
	uint64_t dt, sent_tick = s->sent - p->last.sent;
	double step;
	int why;

	if (p->last_ms == 0 || now_ms <= p->last_ms) {
		if (p->last_ms == 0) {
			p->last = *s;
			p->last_ms = now_ms ? now_ms : 1;
			p->start_ms = p->last_ms;
		}
		return -1;
	}
	dt = now_ms - p->last_ms;
	d = (struct cp_pace_signals){
		.sent = s->sent - p->last.sent, .answered = s->answered - p->last.answered,
		.lost = s->lost - p->last.lost, .own_drops = s->own_drops - p->last.own_drops,
		.tx_held = s->tx_held - p->last.tx_held, .limited = s->limited - p->last.limited,
	};
	d.sent = sent_then(p, s->sent);
	delayed(p, s);
	why = verdict(p, &d, s, (double)sent_tick * 1000.0 / (double)dt, now_ms);
	answered(p, d.answered);
	gather(p, d.sent, d.lost, s, now_ms);
	p->last = *s;
	p->last_ms = now_ms;
	if (why >= 0) {
		double sent_pps = (double)sent_tick * 1000.0 / (double)dt;
		double answered_pps = (double)d.answered * 1000.0 / (double)dt;
		double from = sent_pps > 0 && sent_pps < p->rate ? sent_pps : p->rate;

		/* A loss shows a timeout late, and a queue two ticks late, when
		 * the rate has grown past the one at fault: what the link
		 * answered is the better guess of what it takes. */
		if ((why == CP_PACE_LOSS || why == CP_PACE_DELAY) && answered_pps > 0 &&
		    answered_pps < from)
			from = answered_pps;

		p->w_max = from;
		p->probe_ticks = 0;
		p->rate = beta[why] * from;
		if (p->rate < CP_PACE_FLOOR_PPS)
			p->rate = CP_PACE_FLOOR_PPS;
		p->ssthresh = p->rate;
		p->backoffs++;
		p->backoff_by[why]++;
		p->hold_until_ms = now_ms + p->loss_hold_ms;
		p->delay_hold_ms = now_ms + SHORT_HOLD_TICKS * CP_PACE_TICK_MS;
		p->delay_ticks = 0;
		return why;
	}
	if (d.limited == 0)
		return -1;          /* the offered load, not the rate, held the sends */
	if (p->rate < p->ssthresh) {
		p->rate *= SLOW_START_GAIN;
	} else if (p->rate < APPROACH_UNTIL * p->w_max) {
		/* back towards the rate of the last cut, a fifth of the way a tick */
		step = (p->w_max - p->rate) * APPROACH_SHARE;
		p->rate += step > AI_MIN_PPS ? step : AI_MIN_PPS;
	} else {
		/* past it, probe: 0.5% a tick, twice that each second */
		unsigned sec = (unsigned)(p->probe_ticks++ / TICKS_PER_S);
		double gain = PROBE_GAIN * (double)(1u << (sec < 8 ? sec : 8));

		step = p->rate * (gain < SLOW_START_GAIN - 1 ? gain : SLOW_START_GAIN - 1);
		p->rate += step > AI_MIN_PPS ? step : AI_MIN_PPS;
	}
	if (p->rate > p->ceiling)
		p->rate = p->ceiling;
	return -1;
}
