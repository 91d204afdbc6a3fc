/*
 * argos_maxrep.h - how argos learns a device's GETBULK max-repetitions.
 *
 * A device's snmp_max_repetitions is a ceiling, not a promise: an agent
 * may answer tooBig above some size, and a path may lose the IPv4
 * fragments of replies larger than its MTU (a firewall, an MTU hole).
 * So each device keeps a learnt value, between 1 and its configured
 * maximum, that its polls start from.  The rule has two halves:
 *
 * Within a poll (the dataplane core; it only ever shrinks):
 *   - a tooBig reply halves max-repetitions and asks again;
 *   - with --avoid-fragments, a reply that came in fragments sets it to
 *     what would have fit one frame (argos_maxrep_fit), for the next
 *     request;
 *   - a GETBULK of a device that already answered this poll, unanswered
 *     twice at the same size (or once, with no retry configured), is
 *     resent at half the size with a new request-id, without using up a
 *     retry: small requests answered while a large one is not mean its
 *     reply is lost on the way, not that the agent is down.  Such a
 *     shrink counts only once a smaller request is answered.
 * The DONE record carries the value the poll ended with and the
 * smallest size found too large (struct argos_rec_done).
 *
 * Between polls (the control plane, argos_maxrep_learn): a poll that
 * found a size too large sets the learnt value to what it ended with
 * and remembers that size as a ceiling; every ARGOS_MAXREP_GROW_POLLS
 * polls that end well without shrinking, the value grows by a quarter
 * (at least 1), never to the ceiling, never above the configured
 * maximum.  After ARGOS_MAXREP_FORGET_POLLS such polls the ceiling is
 * forgotten, so a path that was fixed is used fully again.  Slow growth
 * and the ceiling keep a device from paying a shrink (timeouts, for
 * lost fragments) at every poll.
 *
 * Pure functions: both planes and the unit tests include this.
 */
#ifndef ARGOS_MAXREP_H
#define ARGOS_MAXREP_H

#include <stdint.h>

#define ARGOS_MAXREP_GROW_POLLS 4     /* good polls between two growth steps */
#define ARGOS_MAXREP_FORGET_POLLS 64  /* good polls after which a ceiling goes */
/* What a reply may hold to fit one Ethernet frame: 1472 bytes of UDP
 * payload, less a margin for varbinds larger than the reply's mean. */
#define ARGOS_MAXREP_FIT_BYTES 1400

/** Half of cur, at least 1 (tooBig; a large request lost twice). */
static inline uint16_t
argos_maxrep_halve(uint16_t cur)
{
	return cur > 1 ? (uint16_t)(cur / 2) : 1;
}

/**
 * The max-repetitions whose reply would have fit one frame, given a
 * reply of n varbinds in payload bytes that came in fragments.  Always
 * below cur (the reply was too large), never below 1.
 */
static inline uint16_t
argos_maxrep_fit(uint16_t cur, uint32_t n, uint32_t payload)
{
	uint64_t fit = payload ? (uint64_t)n * ARGOS_MAXREP_FIT_BYTES / payload : 1;

	if (fit >= cur)
		fit = cur > 1 ? cur - 1u : 1;
	return fit < 1 ? 1 : (uint16_t)fit;
}

/** What the control plane remembers of one device between polls. */
struct argos_maxrep_memo {
	uint16_t cur;         /**< max-repetitions of the next poll; 0: not learnt yet */
	uint16_t ceiling;     /**< smallest size found too large; 0: none */
	uint16_t good;        /**< good polls since the last change of cur */
	uint16_t since_fail;  /**< good polls since ceiling was set */
};

/** The max-repetitions the device's next poll starts from. */
static inline uint16_t
argos_maxrep_next(const struct argos_maxrep_memo *m, uint16_t cap)
{
	if (cap == 0)
		cap = 1;
	return m->cur == 0 || m->cur > cap ? cap : m->cur;
}

/**
 * Learn from one SNMP poll's end: cap is the device's configured
 * snmp_max_repetitions, used and failed the DONE record's max_rep and
 * max_rep_failed, ok whether the poll ended well.
 */
static inline void
argos_maxrep_learn(struct argos_maxrep_memo *m, uint16_t cap, uint16_t used, uint16_t failed,
		   int ok)
{
	uint32_t next, limit;

	if (cap == 0)
		cap = 1;
	m->cur = argos_maxrep_next(m, cap);
	if (failed != 0 && used != 0) {
		m->cur = used < 1 ? 1 : used > cap ? cap : used;
		m->ceiling = failed;
		m->good = 0;
		m->since_fail = 0;
		return;
	}
	if (!ok)
		return;   /* a failed poll says nothing about sizes */
	if (m->ceiling && ++m->since_fail >= ARGOS_MAXREP_FORGET_POLLS) {
		m->ceiling = 0;
		m->since_fail = 0;
	}
	if (m->cur >= cap || ++m->good < ARGOS_MAXREP_GROW_POLLS)
		return;
	m->good = 0;
	next = m->cur + (m->cur / 4 > 1 ? m->cur / 4u : 1u);
	limit = m->ceiling ? m->ceiling - 1u : cap;
	if (limit > cap)
		limit = cap;
	if (next > limit)
		next = limit;
	if (next > m->cur)
		m->cur = (uint16_t)next;
}

#endif
