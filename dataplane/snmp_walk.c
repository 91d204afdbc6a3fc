/*
 * snmp_walk.c - what a matched reply to a walk step does: its varbinds
 * are checked and emitted, the walk moves on from the last one or ends,
 * and max-repetitions shrinks when the reply says it was too large.
 *
 * By default a walk follows RFC 3416 and net-snmp's snmpwalk:
 *   - a reply may hold fewer varbinds than max-repetitions (RFC 3416
 *     4.2.3), or more (net-snmp and gosnmp take them too): every one is
 *     checked and the walk goes on from the last;
 *   - it ends at the first name outside the subtree, at endOfMibView,
 *     or at noSuchObject / noSuchInstance (which RFC 3416 allows only in
 *     GET replies: argos reads them as the end, as buggy agents mean
 *     them).  An exception followed in the same reply by more of the
 *     subtree ("a hole in the middle of a table") is reported as
 *     exception-in-walk: the rest of the table was not read;
 *   - a name not after the one the step asked from (the agent went
 *     backwards, or answered with the very OID it was asked from) ends
 *     the walk with oid-not-increasing, as snmpwalk's "OID not
 *     increasing".
 * Two leniencies are opted into per device (argos_job.flags):
 *   - ARGOS_JOB_PAST_EXCEPTIONS: exceptions are skipped, and a walk
 *     ends only when a reply brings nothing new inside the subtree;
 *   - ARGOS_JOB_NONINCREASING (snmp_exporter's allow_nonincreasing_oids):
 *     names may go backwards.  A walk that then cannot advance (a name
 *     equal to the one asked from, or to the one before it) or comes
 *     back to a request it already sent ends with walk-loop (Brent's
 *     cycle detection on the requests: one hash and two counters per
 *     session, so any cycle is found within twice its length plus the
 *     way into it; the values of a looping walk may come out more than
 *     once before that).
 */
#include <string.h>

#include "dp_lcore.h"
#include "snmp_codec.h"
#include "snmp_session.h"

/* 1 when sub is the root itself or inside its subtree: the root itself
 * is in, so that a reply naming it counts as not increasing (net-snmp). */
static int
in_walk(const uint32_t *sub, uint32_t len, const struct argos_oid *root)
{
	return len >= root->len && memcmp(sub, root->sub, root->len * sizeof(uint32_t)) == 0;
}

static int
is_exception(uint8_t type)
{
	return type == SNMP_T_ENDOFMIBVIEW || type == SNMP_T_NOSUCHOBJECT ||
	       type == SNMP_T_NOSUCHINSTANCE;
}

/* FNV-1a over a request: its cursor and max-repetitions (a request is
 * what the agent answers, and with another size comes another answer). */
static uint64_t
request_mark(const struct snmp_session *s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ s->max_rep;

	h *= 0x100000001b3ull;
	for (uint32_t i = 0; i < s->cursor.len; i++) {
		h ^= s->cursor.sub[i];
		h *= 0x100000001b3ull;
	}
	return h ^ s->cursor.len;
}

void
snmp_walk_begin(struct snmp_session *s)
{
	s->req_mark = request_mark(s);
	s->loop_mark = s->req_mark;
	s->loop_steps = 0;
	s->loop_span = 1;
}

/*
 * The loop guard, for walks that may go backwards: 1 when the walk's
 * next request (the session's cursor) was sent before.  Brent: the
 * checkpoint moves to the current request after 1, 2, 4, ... requests;
 * meeting it again means the walk is in a cycle (an agent answers the
 * same request the same way).
 */
static int
walk_loops(struct snmp_session *s)
{
	uint64_t h = request_mark(s);

	if (h == s->req_mark || h == s->loop_mark)
		return 1;
	s->req_mark = h;
	if (++s->loop_steps == s->loop_span) {
		s->loop_mark = h;
		s->loop_steps = 0;
		s->loop_span = s->loop_span < (1u << 30) ? s->loop_span * 2 : s->loop_span;
	}
	return 0;
}

/* 1 when a varbind after the iterator's position is a value inside the
 * walk's subtree: the exception just met was a hole, not the end. */
static int
subtree_goes_on(struct snmp_vb_iter it, const struct argos_oid *root)
{
	struct snmp_varbind vb;

	while (snmp_vb_next(&it, &vb) == 1)
		if (!is_exception(vb.type) && in_walk(vb.name.sub, vb.name.len, root))
			return 1;
	return 0;
}

static void
shrink(struct dp_lcore *lc, struct snmp_session *s, uint16_t to)
{
	s->rep_failed = s->max_rep;
	s->max_rep = to;
	s->rep_learnt = to;
	s->rep_trying = 0;
	lc->st->snmp_maxrep_shrinks++;
}

int
snmp_got_walk(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r, uint32_t payload)
{
	struct snmp_session *s = &lc->snmp->s[id];
	const struct argos_oid *root = &s->profile->oids[s->oid_idx];
	int lenient_exc = (s->flags & ARGOS_JOB_PAST_EXCEPTIONS) != 0;
	int backwards_ok = (s->flags & ARGOS_JOB_NONINCREASING) != 0;
	struct snmp_varbind vb;
	struct snmp_vb_iter it;
	uint32_t n = 0, taken = 0;
	int rc, cmp;

	if (r->error_status == SNMP_ERR_NOSUCHNAME && s->version == SNMP_VERSION_1)
		return 1;   /* v1's way of saying endOfMibView */
	if (r->error_status == SNMP_ERR_TOOBIG && snmp_uses_bulk(s) && s->max_rep > 1) {
		/* The answer did not fit the agent's buffer: ask for less. */
		shrink(lc, s, argos_maxrep_halve(s->max_rep));
		return snmp_begin_step(lc, id, SNMP_PDU_GETBULK, &s->cursor, 1) == 0 ? 0 : 1;
	}
	if (r->error_status != SNMP_ERR_NOERROR) {
		snmp_report(lc, s, snmp_status_error(r->error_status), root->sub, root->len);
		return 1;
	}

	snmp_vb_iter_init(&it, r);
	while ((rc = snmp_vb_next(&it, &vb)) == 1) {
		n++;
		if (is_exception(vb.type)) {
			if (lenient_exc)
				continue;
			if (subtree_goes_on(it, root))
				snmp_report(lc, s, ARGOS_ERR_EXCEPTION_IN_WALK, vb.name.sub,
					    vb.name.len);
			return 1;
		}
		if (!in_walk(vb.name.sub, vb.name.len, root))
			return 1;
		cmp = argos_oid_cmp(vb.name.sub, vb.name.len, s->cursor.sub, s->cursor.len);
		if (cmp < 0 && !backwards_ok) {
			/* A broken agent could walk us in circles forever. */
			snmp_report(lc, s, ARGOS_ERR_OID_NOT_INCREASING, vb.name.sub, vb.name.len);
			return 1;
		}
		if (cmp == 0) {
			/* The name asked from, or the one just before: the walk
			 * cannot advance. */
			snmp_report(lc, s, backwards_ok ? ARGOS_ERR_WALK_LOOP :
				    ARGOS_ERR_OID_NOT_INCREASING, vb.name.sub, vb.name.len);
			return 1;
		}
		if (++s->walk_varbinds > ARGOS_WALK_MAX_VARBINDS) {
			snmp_report(lc, s, ARGOS_ERR_WALK_LIMIT, root->sub, root->len);
			return 1;
		}
		snmp_emit_varbind(lc, s, &vb);
		taken++;
		/* Only the arcs in use: a full argos_oid is 516 bytes. */
		s->cursor.len = vb.name.len;
		memcpy(s->cursor.sub, vb.name.sub, vb.name.len * sizeof(uint32_t));
	}
	if (rc < 0 || n == 0) {
		/* An empty list is no answer: a walk ends with endOfMibView or
		 * a name outside the subtree, never with silence. */
		snmp_report(lc, s, ARGOS_ERR_MALFORMED, s->cursor.sub, s->cursor.len);
		return 1;
	}
	if (taken == 0)
		return 1;   /* lenient: nothing but exceptions, the end */
	if ((s->flags & ARGOS_JOB_AVOID_FRAGMENTS) && lc->rx_frags > 1 && snmp_uses_bulk(s) &&
	    s->max_rep > 1)
		shrink(lc, s, argos_maxrep_fit(s->max_rep, n, payload));
	if (backwards_ok && walk_loops(s)) {
		snmp_report(lc, s, ARGOS_ERR_WALK_LOOP, s->cursor.sub, s->cursor.len);
		return 1;
	}
	return snmp_begin_step(lc, id, snmp_walk_pdu(s), &s->cursor, 1) == 0 ? 0 : 1;
}
