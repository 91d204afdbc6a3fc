/*
 * test_pace.c - the pacing controller (controlplane/pace.c), fed
 * synthetic signals: a simulated link that answers up to its capacity
 * and loses (or queues) the rest, with replies that time out a second
 * later.  Deterministic: no clock, no randomness.
 */
#include <math.h>
#include <string.h>

#include "argos_stats.h"
#include "check.h"
#include "cp_pace.h"

#define TICK CP_PACE_TICK_MS

/* A link of cap packets/s: what is sent beyond it is lost; the losses
 * show as lost one second (10 ticks) later.  dead is the share of
 * requests that go to devices that never answer.  With queue set, the
 * excess first fills a queue whose delay shows in the RTT at once. */
struct link {
	double cap, dead;
	int queue;
	double backlog;                /* packets queued */
	uint64_t lost_later[10];       /* losses, by tick they show */
	unsigned t;
	struct cp_pace_signals s;
};

/* One tick: the bucket lets min(rate, offered) through. */
static int
step(struct cp_pace *p, struct link *l, double offered_pps, uint64_t now)
{
	double want = offered_pps * TICK / 1000.0, allowed = p->rate * TICK / 1000.0;
	double send = want < allowed ? want : allowed, through = l->cap * TICK / 1000.0;
	double live = send * (1 - l->dead), ok, lost;

	if (want > allowed)
		l->s.limited += 10;
	if (l->queue) {
		l->backlog += live;
		ok = l->backlog < through ? l->backlog : through;
		l->backlog -= ok;
		lost = l->backlog > 2 * through ? l->backlog - 2 * through : 0;   /* queue full */
		l->backlog -= lost;
		l->s.rtt_samples = (uint64_t)ok;
		l->s.rtt_p50_us = 200 + (uint64_t)(l->backlog / l->cap * 1e6);
	} else {
		ok = live < through ? live : through;
		lost = live - ok;
		l->s.rtt_samples = (uint64_t)ok;
		l->s.rtt_p50_us = 200;
	}
	l->s.sent += (uint64_t)send;
	l->s.answered += (uint64_t)ok;
	l->lost_later[l->t % 10] = (uint64_t)(lost + send * l->dead);
	l->t++;
	l->s.lost += l->lost_later[l->t % 10];   /* what was lost 10 ticks ago shows now */
	l->lost_later[l->t % 10] = 0;
	return cp_pace_tick(p, &l->s, now);
}

/* Run ticks; returns the share of live requests answered after the first
 * warm ticks, and sets *mean to the mean rate allowed over them. */
static double
run(struct cp_pace *p, struct link *l, double offered, unsigned ticks, unsigned warm,
    uint64_t *now, double *mean)
{
	uint64_t sent0 = 0, ok0 = 0;
	double sum = 0;

	for (unsigned i = 0; i < ticks; i++) {
		if (i == warm)
			sent0 = l->s.sent, ok0 = l->s.answered;
		step(p, l, offered, *now += TICK);
		if (i >= warm)
			sum += p->rate;
	}
	*mean = sum / (ticks - warm);
	return (double)(l->s.answered - ok0) / ((double)(l->s.sent - sent0) * (1 - l->dead));
}

static void
test_slow_start_then_holds_the_capacity(void)
{
	struct cp_pace p;
	struct link l = { .cap = 100000 };
	uint64_t now = 1000;
	double mean, ratio;

	cp_pace_init(&p, 0, 1000);
	CHECK(p.rate == CP_PACE_START_PPS, "the rate starts at %.0f, not %.0f", CP_PACE_START_PPS,
	      p.rate);
	cp_pace_tick(&p, &l.s, now);
	for (int i = 0; i < 5; i++)
		step(&p, &l, 1e6, now += TICK);
	CHECK(p.rate > 45000 && p.backoffs == 0,
	      "slow start grows the rate x1.25 a tick while nothing is lost: %.0f after 5 ticks, "
	      "%llu cuts", p.rate, (unsigned long long)p.backoffs);
	ratio = run(&p, &l, 1e6, 600, 200, &now, &mean);
	CHECK(p.backoffs >= 1 && p.backoff_by[CP_PACE_LOSS] >= 1,
	      "an offered load of 10x the link's capacity is cut for loss (%llu cuts)",
	      (unsigned long long)p.backoffs);
	CHECK(mean > 70000 && mean < 110000,
	      "the rate settles near the link's capacity of 100k/s: mean %.0f", mean);
	/* Loss alone shows a timeout (10 ticks) late: each probe past the
	 * capacity costs a second of its excess.  The delay test below is
	 * the one held to 0.999. */
	CHECK(ratio > 0.98, "at 10x offered load, %.4f of the requests are answered once settled "
	      "(a link that drops without queueing: the AIMD sawtooth)", ratio);
}

static void
test_delay_cuts_before_loss(void)
{
	struct cp_pace p;
	struct link l = { .cap = 100000, .queue = 1 };
	uint64_t now = 1000;
	double mean, ratio;

	cp_pace_init(&p, 0, 1000);
	cp_pace_tick(&p, &l.s, now);
	ratio = run(&p, &l, 1e6, 600, 50, &now, &mean);
	CHECK(p.backoff_by[CP_PACE_DELAY] >= 1,
	      "a queue that builds in front of the link cuts the rate for delay (%llu cuts)",
	      (unsigned long long)p.backoff_by[CP_PACE_DELAY]);
	CHECK(ratio >= 0.999, "with a queue in front of the link, %.5f of the requests are "
	      "answered (goal 0.999)", ratio);
	CHECK(mean > 60000, "and the rate stays near the capacity of 100k/s: mean %.0f", mean);
}

static void
test_a_faster_link_is_found_again(void)
{
	struct cp_pace p;
	struct link l = { .cap = 50000, .queue = 1 };
	uint64_t now = 1000;
	double mean;

	cp_pace_init(&p, 0, 1000);
	cp_pace_tick(&p, &l.s, now);
	run(&p, &l, 1e6, 300, 0, &now, &mean);
	CHECK(p.rate < 80000, "on a link of 50k/s the rate stays near it: %.0f", p.rate);
	l.cap = 500000;
	run(&p, &l, 1e6, 80, 0, &now, &mean);
	CHECK(p.rate > 300000, "when the link takes 500k/s, the rate finds it within 8 s: %.0f "
	      "(%llu cuts)", p.rate, (unsigned long long)p.backoffs);
}

static void
test_dead_devices_do_not_hold_the_rate_down(void)
{
	struct cp_pace p;
	struct link l = { .cap = 1e6, .dead = 0.05 };
	uint64_t now = 1000;
	double mean;

	cp_pace_init(&p, 0, 1000);
	cp_pace_tick(&p, &l.s, now);
	run(&p, &l, 200000, 400, 300, &now, &mean);
	CHECK(mean >= 150000, "5%% of the devices never answer, the link takes 1M/s: the rate "
	      "reaches the offered 200k/s (mean %.0f, %llu cuts for loss)", mean,
	      (unsigned long long)p.backoff_by[CP_PACE_LOSS]);
}

static void
test_ceiling_and_idle_load(void)
{
	struct cp_pace p;
	struct link l = { .cap = 1e6 };
	uint64_t now = 1000;
	double mean;

	cp_pace_init(&p, 5000, 1000);
	CHECK(p.rate == 5000, "--max-pps 5000 below the start rate starts there: %.0f", p.rate);
	cp_pace_tick(&p, &l.s, now);
	run(&p, &l, 1e6, 100, 0, &now, &mean);
	CHECK(p.rate <= 5000, "--max-pps stays the upper bound: %.0f", p.rate);

	cp_pace_init(&p, 0, 1000);
	memset(&l, 0, sizeof(l));
	l.cap = 1e6;
	cp_pace_tick(&p, &l.s, now);
	run(&p, &l, 1000, 100, 0, &now, &mean);
	CHECK(p.rate == CP_PACE_START_PPS, "an offered load below the rate does not grow it: "
	      "%.0f", p.rate);
}

static void
test_own_drops_and_tx_full_cut_at_once(void)
{
	struct cp_pace p;
	struct cp_pace_signals s = { 0 };
	uint64_t now = 1000;
	int why;

	cp_pace_init(&p, 0, 1000);
	cp_pace_tick(&p, &s, now);
	s.sent += 5000, s.answered += 5000, s.own_drops += 1, s.limited += 1;
	why = cp_pace_tick(&p, &s, now += TICK);
	CHECK(why == CP_PACE_OWN && fabs(p.rate - 0.7 * 20000) < 1,
	      "a reply dropped for back-pressure cuts the rate x0.7 from the rate: %d, %.0f",
	      why, p.rate);
	s.sent += 1400, s.answered += 1400, s.tx_held += 5;
	why = cp_pace_tick(&p, &s, now += TICK);
	CHECK(why == -1, "a second cut waits %d ticks (%d)", 3, why);
	now += 1000;     /* past the hold, and past the start's grace for TX */
	s.sent += 1000, s.answered += 1000, s.tx_held += 5;
	why = cp_pace_tick(&p, &s, now);
	CHECK(why == CP_PACE_TX_FULL && p.backoffs == 2,
	      "a full TX ring cuts the rate after the hold: reason %d, %llu cuts", why,
	      (unsigned long long)p.backoffs);
	CHECK(fabs(p.rate - 0.9 * 1000) < 1,
	      "a cut starts from the rate sent when it is below the rate allowed: %.0f", p.rate);
	CHECK(!strcmp(cp_pace_reason_name(CP_PACE_DELAY), "delay"),
	      "the reasons have names for /metrics");
}

static void
test_rtt_median_of_a_tick(void)
{
	uint64_t prev[ARGOS_RTT_BUCKETS] = { 0 }, now[ARGOS_RTT_BUCKETS] = { 0 }, n, p50;

	now[argos_rtt_bucket(100)] = 10;
	now[argos_rtt_bucket(5000)] = 30;
	prev[argos_rtt_bucket(5000)] = 10;
	p50 = cp_pace_rtt_p50(now, prev, ARGOS_RTT_BUCKETS, &n);
	CHECK(n == 30, "the tick's samples are the histogram's growth: %llu", (unsigned long long)n);
	CHECK(p50 >= 4000 && p50 <= 6000, "the tick's median RTT comes from its own samples: %llu us",
	      (unsigned long long)p50);
	memcpy(prev, now, sizeof(now));
	CHECK(cp_pace_rtt_p50(now, prev, ARGOS_RTT_BUCKETS, &n) == 0 && n == 0,
	      "a tick without a reply has no median");
}

int
main(void)
{
	test_slow_start_then_holds_the_capacity();
	test_delay_cuts_before_loss();
	test_dead_devices_do_not_hold_the_rate_down();
	test_a_faster_link_is_found_again();
	test_ceiling_and_idle_load();
	test_own_drops_and_tx_full_cut_at_once();
	test_rtt_median_of_a_tick();
	return CHECK_DONE("pace");
}
