/*
 * snmp_timeout.c - what argos does when an SNMP request goes unanswered.
 *
 * In this order, at each attempt's timeout (snmp_attempt_timed_out):
 *
 *   1. A GETBULK of a device that already answered in this poll, lost at
 *      the same size twice (once when it has no retry), is sent again at
 *      half the size, with a new request-id, without using up a retry:
 *      the agent is up, so a large reply is being lost on the way (its
 *      fragments dropped by a firewall or an MTU hole).  Random loss
 *      rarely takes the same request twice.  The shrink counts for the
 *      device's learnt max-repetitions only once a smaller request is
 *      answered (argos_maxrep.h).
 *   2. The last attempt of a GETBULK of a device that has not answered
 *      yet asks for one repetition: a device that only loses large
 *      replies is then told apart from a dead one, at no extra request.
 *   3. A retry, while the device's retries last: the same bytes, the
 *      same request-id, so a late reply to any attempt is taken.
 *   4. The job's first request unanswered with its first community, and
 *      the job has an alternate (horus's snmp_alternate_community): the
 *      same request with the alternate, with a full set of attempts.
 *      The DONE record says when the alternate answered; the control
 *      plane then tries it first at the next poll.
 *   5. The end of the job, with the error that names what happened: the
 *      reason the step's replies were dropped when some were (wrong
 *      community, wrong source, malformed, ...), else timeout.
 *
 * A shrunk request keeps the previous request-id in flight (a slow agent
 * may still answer the larger one); a request sent with the alternate
 * community drops it (its reply would carry the other community).
 */
#include <string.h>

#include <rte_common.h>

#include "dp_lcore.h"
#include "snmp_session.h"

/* 1 when a lost request of this session may be sent again smaller. */
static int
may_shrink(const struct snmp_session *s)
{
	return s->step == STEP_WALK && snmp_uses_bulk(s) && s->max_rep > 1;
}

/* Resend the walk's request at new_rep repetitions (steps 1 and 2). */
static int
shrink_and_resend(struct dp_lcore *lc, uint32_t id, uint16_t new_rep)
{
	struct snmp_session *s = &lc->snmp->s[id];
	uint16_t old = s->max_rep;

	s->max_rep = new_rep;
	if (snmp_resend_as_new(lc, id, 1) != 0) {
		s->max_rep = old;
		return -1;
	}
	s->rep_trying = old;
	lc->st->snmp_maxrep_shrinks++;
	return 0;
}

/* Step 4: go on to the alternate community.  @return 1 when it did. */
static int
switch_community(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	uint8_t tmp[ARGOS_COMMUNITY_MAX];
	uint8_t len = s->community_len;

	if (s->alt_len == 0 || s->answered || s->alt_used)
		return 0;
	memcpy(tmp, s->community, len);
	memcpy(s->community, s->alt, s->alt_len);
	s->community_len = s->alt_len;
	memcpy(s->alt, tmp, len);
	s->alt_len = len;
	s->alt_used = 1;
	/* Step 2 may have cut the request to one repetition; nothing was
	 * learnt while nothing answered. */
	s->max_rep = s->rep_learnt;
	s->rep_trying = 0;
	s->attempt = 0;
	if (s->prev_reqid != 0) {   /* its reply would carry the other community */
		inflight_remove(&lc->snmp->inflight, s->prev_reqid, 0);
		s->prev_reqid = 0;
	}
	if (snmp_resend_as_new(lc, id, 0) != 0)
		return 0;
	lc->st->snmp_alt_community++;
	return 1;
}

void
snmp_attempt_timed_out(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];

	if (may_shrink(s)) {
		if (s->answered && (s->attempt >= 1 || s->retries == 0)) {
			if (shrink_and_resend(lc, id, argos_maxrep_halve(s->max_rep)) == 0) {
				s->attempt = 0;
				return;
			}
		} else if (!s->answered && s->retries > 0 && s->attempt + 1 == s->retries) {
			s->attempt++;
			lc->st->snmp_retries++;
			if (shrink_and_resend(lc, id, 1) == 0)
				return;
			snmp_transmit(lc, id);
			return;
		}
	}
	/*
	 * A plain retry resends the step's own bytes, same request-id, same
	 * cursor: a lost GETBULK neither restarts its walk nor, once, halves
	 * max-repetitions.  So loss adds exactly one request per lost one:
	 * against argos-farm --loss 5 (1000 devices, 8 interfaces) first
	 * attempts were the same as in a clean run (41800) and retries
	 * (2234) equalled the SNMP requests the farm dropped; its drop_loss
	 * (2390) also counts the echo requests it dropped (156, argos's lost
	 * pings).
	 */
	if (s->attempt < s->retries) {
		s->attempt++;
		lc->st->snmp_retries++;
		snmp_transmit(lc, id);
		return;
	}
	if (switch_community(lc, id))
		return;
	/* Every attempt unanswered: the device is down for this poll.  The
	 * request stays in flight while the verdict waits for room, so a
	 * late reply is still taken. */
	if (!dp_results_room(lc, SNMP_END_BYTES)) {
		snmp_defer_end(lc, id);
		return;
	}
	lc->st->snmp_timeouts++;
	snmp_forget_reqids(lc->snmp, s, 0);
	snmp_report(lc, s, s->noted != ARGOS_ERR_NONE ? (enum argos_err)s->noted :
		    ARGOS_ERR_TIMEOUT, NULL, 0);
	snmp_finish(lc, id, 0);
}
