/*
 * probe_snmp.c - the SNMP probe module: GETs of scalars and walks of
 * subtrees, v1, v2c and v3, one session per device job.
 *
 * SNMPv3 (snmp_v3.c) is a layer under the same steps: its engine
 * discovery is a step of its own, and its sends and input go through
 * the USM; a v3 retry carries a fresh msgID and request-id.
 *
 * A job runs as a sequence of steps, one request in flight at a time
 * (never more than one per device, to be gentle with agents):
 *
 *   1. GET of the profile's instances (argos_profile_is_get: flagged,
 *      or by default the OIDs ending in .0), up to
 *      SNMP_MAX_VARBINDS_PER_REQ per request;
 *   2. a walk of each other OID: GETBULK (v2c) or GETNEXT (v1) from
 *      the last OID received, until the reply leaves the subtree or
 *      says endOfMibView (v1: noSuchName).
 *
 * Each step's request is encoded once into the session; every attempt
 * resends the same bytes with the same request-id, so a late reply to
 * an earlier attempt is as good as a reply to the last one.  Then the
 * id is forgotten, and any further reply with it is a duplicate.  The
 * id and the UDP source port also name the core that sent the request
 * (dp_ids.h).  A matched reply's round-trip time counts from the last
 * attempt sent: which attempt it answers cannot be known.  A step is
 * encoded anew only when its max-repetitions shrinks or the job goes on
 * to its alternate community (snmp_timeout.c).
 *
 * What a reply does is in snmp_reply.c (validation, GETs) and
 * snmp_walk.c (walks); what an unanswered attempt does is in
 * snmp_timeout.c; the session shared by these files is in
 * snmp_session.h.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "dp_ids.h"
#include "dp_lcore.h"
#include "probe.h"
#include "snmp_codec.h"
#include "snmp_session.h"

#define ARP_RECHECK_MS 10
#define BACKPRESSURE_RETRY_MS 1   /* a job end with no room tries again */

static int
snmp_init(struct dp_lcore *lc, uint32_t max_sessions)
{
	struct snmp_state *st;
	uint32_t n_slots = inflight_slots_for(max_sessions);
	int socket = (int)rte_socket_id();

	st = rte_zmalloc_socket("snmp_state", sizeof(*st), RTE_CACHE_LINE_SIZE, socket);
	if (st == NULL)
		return -ENOMEM;
	st->s = rte_zmalloc_socket("snmp_sessions", sizeof(*st->s) * max_sessions,
				   RTE_CACHE_LINE_SIZE, socket);
	st->inflight.slots = rte_zmalloc_socket("snmp_inflight",
						sizeof(struct inflight_slot) * n_slots,
						RTE_CACHE_LINE_SIZE, socket);
	st->inflight.recent = rte_zmalloc_socket("snmp_recent",
						 sizeof(uint32_t) * INFLIGHT_RECENT,
						 RTE_CACHE_LINE_SIZE, socket);
	if (st->s == NULL || st->inflight.slots == NULL || st->inflight.recent == NULL)
		return -ENOMEM;
	inflight_init(&st->inflight, st->inflight.slots, n_slots,
		      st->inflight.recent, INFLIGHT_RECENT);
	if (snmp_addr_init(st, max_sessions) != 0 || snmp_v3_init(st) != 0)
		return -ENOMEM;
	st->n = max_sessions;
	for (uint32_t i = 0; i < max_sessions; i++)
		st->s[i].next_free = i + 1 < max_sessions ? i + 1 : UINT32_MAX;
	st->free_head = 0;
	lc->snmp = st;
	return 0;
}

static int
snmp_can_start(const struct dp_lcore *lc)
{
	return lc->snmp->free_head != UINT32_MAX;
}

static uint32_t
snmp_busy(const struct dp_lcore *lc)
{
	return lc->snmp->busy;
}

static void
session_free(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_state *st = lc->snmp;

	tw_cancel(&lc->wheel, id);
	st->s[id].tx_gen++;   /* a request still in the TX backlog stamps nothing now */
	snmp_addr_remove(st, id);
	st->s[id].state = SS_FREE;
	st->s[id].next_free = st->free_head;
	st->free_head = id;
	st->busy--;
}

void
snmp_finish(struct dp_lcore *lc, uint32_t id, int ok)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct argos_rec_done *d;

	if (s->version == SNMP_VERSION_3)
		snmp_v3_end(lc, s);
	d = dp_emit_done(lc, s->device, ARGOS_JOB_SNMP, ok, s->varbinds, s->errors,
			 s->start_tsc);
	if (d != NULL && snmp_uses_bulk(s)) {
		d->max_rep = s->rep_learnt;
		d->max_rep_failed = s->rep_failed;
	}
	if (d != NULL)
		d->alt_answered = s->alt_used && s->answered;
	session_free(lc, id);
}

void
snmp_report(struct dp_lcore *lc, struct snmp_session *s, enum argos_err err,
	    const uint32_t *oid, uint32_t oid_len)
{
	s->errors++;
	lc->st->snmp_errors++;
	dp_emit_error(lc, s->device, ARGOS_JOB_SNMP, err, oid, oid_len);
}

/* Put the step's request on the wire (first attempt or a resend; the
 * caller counts which). */
void
snmp_transmit(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct rte_ether_addr mac;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint8_t *l4;
	/* Only this attempt's frame may stamp (Karn, dp_ids.h). */
	struct dp_tx_stamp stamp = { &s->sent_tsc, &s->tx_gen, ++s->tx_gen };

	dp_timer_arm_ms(lc, id, s->timeout_ms);
	s->sent_tsc = 0;   /* until the frame leaves */

	/* A neighbour that vanished since the job started costs this
	 * attempt only: the timer retries, and ARP is asked again. */
	if (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac) != ARP_RESOLVED)
		return;
	if (s->version == SNMP_VERSION_3) {
		snmp_v3_send(lc, s, &mac, &stamp);
		return;
	}
	m = dp_frame_alloc(lc, &mac, s->ip, IPPROTO_UDP, sizeof(*udp) + s->req.len, &l4);
	if (m == NULL)
		return;
	udp = (struct rte_udp_hdr *)l4;
	udp->src_port = rte_cpu_to_be_16(lc->snmp_sport);
	udp->dst_port = rte_cpu_to_be_16(s->port);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + s->req.len);
	memcpy(udp + 1, s->req.buf, s->req.len);
	snmp_patch_reqid((uint8_t *)(udp + 1), s->req.reqid_off, s->reqid);
	dp_send_udp(lc, m, &stamp);
}

/* A fresh random request-id for the step, in flight for session id. */
static void
new_reqid(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];

	do {
		s->reqid = dp_reqid_make(SNMP_REQID_MIN + (uint32_t)rte_rand_max(
						 SNMP_REQID_MAX - SNMP_REQID_MIN + 1),
					 lc->lane->worker);
	} while (inflight_insert(&lc->snmp->inflight, s->reqid, id) == -EEXIST);
}

void
snmp_retransmit(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s = &st->s[id];

	if (s->version == SNMP_VERSION_3) {
		/* Never the same msgID twice; a late reply to the one before
		 * is still taken (the id before that is forgotten). */
		if (s->prev_reqid != 0)
			inflight_remove(&st->inflight, s->prev_reqid, 0);
		s->prev_reqid = s->reqid;
		new_reqid(lc, id);
	}
	snmp_transmit(lc, id);
}

/* Encode a request of the session's version into req. */
static int
encode_step(const struct snmp_session *s, struct snmp_req *req, uint8_t pdu,
	    const struct argos_oid *oids, unsigned n)
{
	if (s->version == SNMP_VERSION_3)
		return snmp_v3_encode_step(s, req, pdu, s->max_rep, oids, n);
	return snmp_encode_request(req, s->version, s->community, s->community_len, pdu,
				   s->max_rep, oids, n);
}

/*
 * Encode the current step and send its first attempt with a fresh
 * request-id.  @return 0, or -1 when the step cannot be encoded (an
 * error was reported and the caller moves on).
 */
int
snmp_begin_step(struct dp_lcore *lc, uint32_t id, uint8_t pdu, const struct argos_oid *oids,
		unsigned n)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s = &st->s[id];
	int rc;

	rc = encode_step(s, &s->req, pdu, oids, n);
	if (rc != 0) {
		snmp_report(lc, s, ARGOS_ERR_TOO_BIG, n ? oids[0].sub : NULL, n ? oids[0].len : 0);
		return -1;
	}
	new_reqid(lc, id);
	s->attempt = 0;
	s->bp_dropped = 0;
	s->noted = ARGOS_ERR_NONE;
	s->state = SS_WAIT;
	lc->st->snmp_requests++;
	snmp_transmit(lc, id);
	return 0;
}

void
snmp_forget_reqids(struct snmp_state *st, struct snmp_session *s, int answered)
{
	inflight_remove(&st->inflight, s->reqid, answered);
	if (s->prev_reqid != 0)
		inflight_remove(&st->inflight, s->prev_reqid, answered);
	s->prev_reqid = 0;
}

int
snmp_resend_as_new(struct dp_lcore *lc, uint32_t id, int keep_prev)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s = &st->s[id];
	struct argos_oid chunk[SNMP_MAX_VARBINDS_PER_REQ];
	const struct argos_oid *oids = &s->cursor;
	uint8_t pdu = snmp_walk_pdu(s);
	struct snmp_req req;
	unsigned n = 1;

	if (s->step == STEP_GET) {
		uint32_t idx[SNMP_MAX_VARBINDS_PER_REQ];

		n = get_chunk(s, idx);
		for (uint32_t k = 0; k < n; k++)
			chunk[k] = s->profile->oids[idx[k]];
		oids = chunk;
		pdu = SNMP_PDU_GET;
	}
	/* Into a copy: a request that cannot be built leaves the step's
	 * own bytes intact for its retries. */
	if ((n == 0 && !snmp_v3_discovering(&s->v3)) || encode_step(s, &req, pdu, oids, n) != 0)
		return -1;
	s->req = req;
	if (keep_prev) {
		if (s->prev_reqid != 0)
			inflight_remove(&st->inflight, s->prev_reqid, 0);
		s->prev_reqid = s->reqid;
	} else {
		inflight_remove(&st->inflight, s->reqid, 0);
	}
	new_reqid(lc, id);
	s->bp_dropped = 0;
	lc->st->snmp_requests++;
	snmp_transmit(lc, id);
	return 0;
}

/*
 * Start the next step from where the session stands: the next chunk of
 * scalars, else the next walk.  Finishes the job when nothing is left.
 */
void
snmp_next_step(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	const struct argos_profile *p = s->profile;
	struct argos_oid chunk[SNMP_MAX_VARBINDS_PER_REQ];

	if (s->version == SNMP_VERSION_3 && snmp_v3_discovering(&s->v3)) {
		snmp_v3_discover(lc, id);
		return;
	}
	while (s->step == STEP_GET) {
		uint32_t idx[SNMP_MAX_VARBINDS_PER_REQ];
		uint32_t n = get_chunk(s, idx);

		if (n == 0) {
			s->step = STEP_WALK;
			s->oid_idx = 0;
			break;
		}
		for (uint32_t k = 0; k < n; k++)
			chunk[k] = p->oids[idx[k]];
		if (snmp_begin_step(lc, id, SNMP_PDU_GET, chunk, n) == 0)
			return;
		s->oid_idx = (uint8_t)(idx[n - 1] + 1);   /* unencodable: reported, skipped */
	}
	for (; s->oid_idx < p->n_oids; s->oid_idx++) {
		const struct argos_oid *root = &p->oids[s->oid_idx];

		if (argos_profile_is_get(p, s->oid_idx))
			continue;
		s->cursor = *root;
		s->walk_varbinds = 0;
		snmp_walk_begin(s);
		if (snmp_begin_step(lc, id, snmp_walk_pdu(s), &s->cursor, 1) == 0)
			return;
	}
	snmp_finish(lc, id, 1);
}

/* Begin (or, after ARP, resume) the job's first request. */
static void
try_first_step(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct rte_ether_addr mac;

	switch (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac)) {
	case ARP_RESOLVED:
		snmp_next_step(lc, id);
		break;
	case ARP_PENDING:
		s->state = SS_ARP;
		dp_timer_arm_ms(lc, id, ARP_RECHECK_MS);
		break;
	case ARP_UNREACHABLE:
		snmp_report(lc, s, ARGOS_ERR_ARP_TIMEOUT, NULL, 0);
		snmp_finish(lc, id, 0);
		break;
	}
}

static void
snmp_start(struct dp_lcore *lc, const struct argos_job *job)
{
	struct snmp_state *st = lc->snmp;
	uint32_t id = st->free_head;
	struct snmp_session *s = &st->s[id];

	st->free_head = s->next_free;
	st->busy++;
	s->device = job->device;
	s->ip = job->ip;
	s->port = job->port;
	s->version = job->snmp_version;
	s->retries = job->retries;
	s->timeout_ms = job->timeout_ms ? job->timeout_ms : 1;
	s->profile = &lc->lane->profiles[job->profile < lc->lane->n_profiles ? job->profile : 0];
	s->flags = job->flags;
	s->community_len = job->community_len;
	memcpy(s->community, job->community, job->community_len);
	s->alt_len = job->alt_community_len;
	memcpy(s->alt, job->alt_community, job->alt_community_len);
	s->max_rep = job->max_repetitions ? job->max_repetitions : 1;
	s->rep_learnt = s->max_rep;
	s->rep_failed = 0;
	s->rep_trying = 0;
	s->prev_reqid = 0;
	s->answered = 0;
	s->alt_used = 0;
	s->noted = ARGOS_ERR_NONE;
	s->step = STEP_GET;
	s->oid_idx = 0;
	memset(s->skip_mask, 0, sizeof(s->skip_mask));
	s->varbinds = 0;
	s->errors = 0;
	s->start_tsc = lc->now_tsc;
	if (s->version == SNMP_VERSION_3)
		snmp_v3_start(lc, s, job);
	snmp_addr_insert(st, id);
	try_first_step(lc, id);
}

void
snmp_defer_end(struct dp_lcore *lc, uint32_t id)
{
	lc->st->backpressure_deferred++;
	dp_timer_arm_ms(lc, id, BACKPRESSURE_RETRY_MS);
}

static void
snmp_timer(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];

	if (s->state == SS_ARP) {
		/* Resolved, the job may end at once (nothing encodable);
		 * failed, it ends with arp-timeout. */
		if (!dp_results_room(lc, SNMP_END_BYTES))
			snmp_defer_end(lc, id);
		else
			try_first_step(lc, id);
		return;
	}
	if (s->bp_dropped) {
		/* The agent did answer: we had no room.  Ask again without
		 * using up a retry, or a slow control plane would turn live
		 * devices into timeouts. */
		s->bp_dropped = 0;
		lc->st->backpressure_resent++;
		snmp_retransmit(lc, id);
		return;
	}
	snmp_attempt_timed_out(lc, id);
}

const struct dp_probe dp_probe_snmp = {
	.name = "snmp",
	.job_kind = ARGOS_JOB_SNMP,
	.init = snmp_init,
	.can_start = snmp_can_start,
	.start = snmp_start,
	.input = snmp_input,
	.timer = snmp_timer,
	.busy = snmp_busy,
};
