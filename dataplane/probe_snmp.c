/*
 * probe_snmp.c - the SNMP probe module: GETs of scalars and walks of
 * subtrees, v1 and v2c, one session per device job.
 *
 * A job runs as a sequence of steps, one request in flight at a time
 * (never more than one per device, to be gentle with agents):
 *
 *   1. GET of the profile's scalars (OIDs ending in .0), up to
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
 * attempt sent: which attempt it answers cannot be known.
 *
 * Replies are validated cheaply first (UDP port, SNMP header,
 * request-id, source, community) and dropped by reason; only a matched
 * reply has its varbinds decoded, and only when the core has room for
 * every record it can produce (back-pressure, dp_lcore.h).
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

#define ARP_RECHECK_MS 10
#define BACKPRESSURE_RETRY_MS 1   /* a job end with no room tries again */

/*
 * The records one job can still write when it ends, whatever the reply
 * in hand: an error about every OID of the profile (each step that
 * cannot be encoded is reported and skipped), two more (the reply's own
 * verdict: malformed, walk-limit, a v1 noSuchName) and the DONE record.
 */
#define SNMP_END_BYTES ((ARGOS_PROFILE_MAX_OIDS + 2) * DP_ERR_REC_MAX + DP_DONE_REC)

/*
 * The records a reply of payload bytes can make, at most: its varbinds'
 * plus SNMP_END_BYTES.  Why 10 bytes of records per byte of payload:
 *
 * A varbind of w bytes on the wire is SEQUENCE { name, value }, three
 * tag-length headers of at least 2 bytes each, so w >= 6 + c + v with c
 * the name's content bytes and v the value's.  Every arc takes at least
 * one content byte except the first byte, which holds two (net-snmp
 * reads an empty OID as 0.0), so the name has at most c + 2 arcs.  Its
 * record is 32 bytes, 4 per arc, then the value: v bytes for a string,
 * at most 4 (v + 2) for an OID, none for a number; padded to 8:
 *
 *     record <= 32 + 4 (c + 2) + 4 (v + 2) + 7 = 4 (c + v) + 55 <= 4 w + 31.
 *
 * An error record instead (exceptions of a GET, oid-not-increasing) is
 * smaller.  Over n varbinds of W bytes in all, with w >= 6 so n <= W / 6:
 * 4 W + 31 n <= 4 W + 5.2 W < 10 W, and W is below the payload.  The
 * smallest varbinds are the worst case (6 bytes on the wire, 40 of
 * record); a realistic reply (ifTable, 25 varbinds in ~900 bytes) makes
 * about 2.5 bytes per byte.  Over-asking costs nothing but a reply
 * dropped a little early when the control plane is already behind.
 */
#define SNMP_REPLY_BYTES(payload) (10u * (payload) + SNMP_END_BYTES)

/* The largest varbind record must stay within DP_REC_MAX. */
_Static_assert(sizeof(struct argos_rec_varbind) + ARGOS_OID_MAX * sizeof(uint32_t) +
	       (SNMP_VALUE_MAX > ARGOS_OID_MAX * sizeof(uint32_t) ?
		SNMP_VALUE_MAX : ARGOS_OID_MAX * sizeof(uint32_t)) + 7 <= DP_REC_MAX,
	       "a varbind record can exceed DP_REC_MAX");
/* A job that starts (admitted) can always write its end. */
_Static_assert(SNMP_END_BYTES <= DP_ADMIT_BATCHES * DP_BATCH_SURE,
	       "the admission reserve cannot hold one job's end");

enum snmp_sess_state {
	SS_FREE = 0,
	SS_ARP,       /* waiting for the next hop's address */
	SS_WAIT,      /* request in flight */
};

enum snmp_step {
	STEP_GET = 0,
	STEP_WALK,
};

struct snmp_session {
	/* the job */
	uint32_t device;
	uint32_t ip;
	uint16_t port;
	uint8_t version;
	uint8_t retries;
	uint32_t timeout_ms;
	const struct argos_profile *profile;
	uint8_t community_len;
	uint8_t community[ARGOS_COMMUNITY_MAX];

	/* progress */
	uint8_t state;
	uint8_t step;
	uint8_t attempt;
	uint8_t bp_dropped;    /* a reply to this step was dropped for back-pressure */
	uint8_t oid_idx;       /* GET: first scalar of the chunk; WALK: root */
	uint32_t skip_mask;    /* scalars that v1 said noSuchName to */
	uint16_t max_rep;
	uint32_t reqid;
	uint32_t varbinds;
	uint32_t walk_varbinds;  /* of the current walk, for the loop guard */
	uint32_t errors;
	uint64_t start_tsc;
	uint32_t next_free;
	uint64_t sent_tsc;     /* of the step's last attempt */

	struct argos_oid cursor;   /* walk position */
	struct snmp_req req;       /* the step's encoded request */
};

struct snmp_state {
	struct snmp_session *s;
	uint32_t n;
	uint32_t free_head;
	uint32_t busy;
	struct inflight_table inflight;
};

static inline int
is_scalar(const struct argos_oid *o)
{
	return o->len > 0 && o->sub[o->len - 1] == 0;
}

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
	st->s[id].state = SS_FREE;
	st->s[id].next_free = st->free_head;
	st->free_head = id;
	st->busy--;
}

/* End the job: its DONE record lets the control plane poll it again. */
static void
finish(struct dp_lcore *lc, uint32_t id, int ok)
{
	struct snmp_session *s = &lc->snmp->s[id];

	dp_emit_done(lc, s->device, ARGOS_JOB_SNMP, ok, s->varbinds, s->errors, s->start_tsc);
	session_free(lc, id);
}

static void
report(struct dp_lcore *lc, struct snmp_session *s, enum argos_err err,
       const uint32_t *oid, uint32_t oid_len)
{
	s->errors++;
	lc->st->snmp_errors++;
	dp_emit_error(lc, s->device, ARGOS_JOB_SNMP, err, oid, oid_len);
}

/* Put the step's request on the wire (first attempt or a resend; the
 * caller counts which). */
static void
transmit(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct rte_ether_addr mac;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint8_t *l4;

	dp_timer_arm_ms(lc, id, s->timeout_ms);
	s->sent_tsc = lc->now_tsc;

	/* A neighbour that vanished since the job started costs this
	 * attempt only: the timer retries, and ARP is asked again. */
	if (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac) != ARP_RESOLVED)
		return;
	m = dp_frame_alloc(lc, &mac, s->ip, IPPROTO_UDP, sizeof(*udp) + s->req.len, &l4);
	if (m == NULL)
		return;
	udp = (struct rte_udp_hdr *)l4;
	udp->src_port = rte_cpu_to_be_16(lc->snmp_sport);
	udp->dst_port = rte_cpu_to_be_16(s->port);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + s->req.len);
	memcpy(udp + 1, s->req.buf, s->req.len);
	snmp_patch_reqid((uint8_t *)(udp + 1), s->req.reqid_off, s->reqid);
	dp_send_udp(lc, m);
}

/*
 * Encode the current step and send its first attempt with a fresh
 * request-id.  @return 0, or -1 when the step cannot be encoded (an
 * error was reported and the caller moves on).
 */
static int
begin_step(struct dp_lcore *lc, uint32_t id, uint8_t pdu, const struct argos_oid *oids,
	   unsigned n)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s = &st->s[id];
	int rc;

	rc = snmp_encode_request(&s->req, s->version, s->community, s->community_len,
				 pdu, s->max_rep, oids, n);
	if (rc != 0) {
		report(lc, s, ARGOS_ERR_TOO_BIG, oids[0].sub, oids[0].len);
		return -1;
	}
	do {
		s->reqid = dp_reqid_make(SNMP_REQID_MIN + (uint32_t)rte_rand_max(
						 SNMP_REQID_MAX - SNMP_REQID_MIN + 1),
					 lc->lane->worker);
		rc = inflight_insert(&st->inflight, s->reqid, id);
	} while (rc == -EEXIST);
	s->attempt = 0;
	s->bp_dropped = 0;
	s->state = SS_WAIT;
	lc->st->snmp_requests++;
	transmit(lc, id);
	return 0;
}

/*
 * The scalars of the current GET step: up to SNMP_MAX_VARBINDS_PER_REQ
 * profile indexes from oid_idx on, skipping walks and the names v1
 * refused.  @return how many (0: no GET left).
 */
static uint32_t
get_chunk(const struct snmp_session *s, uint32_t idx[SNMP_MAX_VARBINDS_PER_REQ])
{
	const struct argos_profile *p = s->profile;
	uint32_t n = 0;

	for (uint32_t i = s->oid_idx; i < p->n_oids && n < SNMP_MAX_VARBINDS_PER_REQ; i++)
		if (is_scalar(&p->oids[i]) && !(s->skip_mask & (1u << i)))
			idx[n++] = i;
	return n;
}

/*
 * Start the next step from where the session stands: the next chunk of
 * scalars, else the next walk.  Finishes the job when nothing is left.
 */
static void
next_step(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	const struct argos_profile *p = s->profile;
	struct argos_oid chunk[SNMP_MAX_VARBINDS_PER_REQ];

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
		if (begin_step(lc, id, SNMP_PDU_GET, chunk, n) == 0)
			return;
		s->oid_idx = (uint8_t)(idx[n - 1] + 1);   /* unencodable: reported, skipped */
	}
	for (; s->oid_idx < p->n_oids; s->oid_idx++) {
		const struct argos_oid *root = &p->oids[s->oid_idx];
		uint8_t pdu = s->version == SNMP_VERSION_1 ? SNMP_PDU_GETNEXT : SNMP_PDU_GETBULK;

		if (is_scalar(root))
			continue;
		s->cursor = *root;
		s->walk_varbinds = 0;
		if (begin_step(lc, id, pdu, &s->cursor, 1) == 0)
			return;
	}
	finish(lc, id, 1);
}

/* Begin (or, after ARP, resume) the job's first request. */
static void
try_first_step(struct dp_lcore *lc, uint32_t id)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct rte_ether_addr mac;

	switch (dp_resolve(lc, dp_next_hop(lc, s->ip), &mac)) {
	case ARP_RESOLVED:
		next_step(lc, id);
		break;
	case ARP_PENDING:
		s->state = SS_ARP;
		dp_timer_arm_ms(lc, id, ARP_RECHECK_MS);
		break;
	case ARP_UNREACHABLE:
		report(lc, s, ARGOS_ERR_ARP_TIMEOUT, NULL, 0);
		finish(lc, id, 0);
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
	s->community_len = job->community_len;
	memcpy(s->community, job->community, job->community_len);
	s->max_rep = job->max_repetitions ? job->max_repetitions : 1;
	s->step = STEP_GET;
	s->oid_idx = 0;
	s->skip_mask = 0;
	s->varbinds = 0;
	s->errors = 0;
	s->start_tsc = lc->now_tsc;
	try_first_step(lc, id);
}

/* The ends of jobs wait for room: try again in a millisecond. */
static void
defer(struct dp_lcore *lc, uint32_t id)
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
			defer(lc, id);
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
		transmit(lc, id);
		return;
	}
	/*
	 * A retry resends the step's own bytes, same request-id, same
	 * cursor: a lost GETBULK neither restarts its walk nor halves
	 * max-repetitions (only a tooBig reply does that, got_walk).  So
	 * loss adds exactly one request per lost one: against argos-farm
	 * --loss 5 (1000 devices, 8 interfaces) first attempts were the same
	 * as in a clean run (41800) and retries (2234) equalled the SNMP
	 * requests the farm dropped; its drop_loss (2390) also counts the
	 * echo requests it dropped (156, argos's lost pings).
	 */
	if (s->attempt < s->retries) {
		s->attempt++;
		lc->st->snmp_retries++;
		transmit(lc, id);
		return;
	}
	/* Every attempt unanswered: the device is down for this poll.  The
	 * request stays in flight while the verdict waits for room, so a
	 * late reply is still taken. */
	if (!dp_results_room(lc, SNMP_END_BYTES)) {
		defer(lc, id);
		return;
	}
	lc->st->snmp_timeouts++;
	inflight_remove(&lc->snmp->inflight, s->reqid, 0);
	report(lc, s, ARGOS_ERR_TIMEOUT, NULL, 0);
	finish(lc, id, 0);
}

static void
emit_varbind(struct dp_lcore *lc, struct snmp_session *s, const struct snmp_varbind *vb)
{
	uint32_t val_len = 0, val_bytes = 0;
	struct argos_rec_varbind *r;

	switch (vb->type) {
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
	case SNMP_T_IPADDRESS:
		val_len = val_bytes = (uint32_t)vb->bytes_len;
		break;
	case SNMP_T_OID:
		val_len = vb->oid.len;
		val_bytes = vb->oid.len * sizeof(uint32_t);
		break;
	}
	r = dp_rec_alloc(lc, ARGOS_REC_VARBIND,
			 sizeof(*r) + vb->name.len * sizeof(uint32_t) + val_bytes, s->device);
	s->varbinds++;
	lc->st->snmp_varbinds++;
	if (r == NULL)
		return;
	r->type = vb->type;
	r->oid_len = (uint8_t)vb->name.len;
	r->val_len = (uint16_t)val_len;
	if (vb->type == SNMP_T_INTEGER)
		r->num.i = vb->i;
	else
		r->num.u = vb->u;
	memcpy(r->data, vb->name.sub, vb->name.len * sizeof(uint32_t));
	if (vb->type == SNMP_T_OID)
		memcpy(r->data + vb->name.len, vb->oid.sub, val_bytes);
	else if (val_bytes)
		memcpy(r->data + vb->name.len, vb->bytes, val_bytes);
}

static enum argos_err
status_error(int32_t status)
{
	switch (status) {
	case SNMP_ERR_TOOBIG:
		return ARGOS_ERR_TOO_BIG;
	case SNMP_ERR_NOSUCHNAME:
		return ARGOS_ERR_NO_SUCH_NAME;
	case SNMP_ERR_GENERR:
		return ARGOS_ERR_GEN_ERR;
	default:
		return ARGOS_ERR_AGENT_ERROR;
	}
}

/*
 * Check that a GET reply names the n OIDs asked for, in order, and
 * that every varbind decodes.  @return 0 when it does.
 */
static int
get_reply_matches(const struct snmp_reply *r, const struct argos_profile *p,
		  const uint32_t *idx, uint32_t n)
{
	struct snmp_varbind vb;
	struct snmp_vb_iter it;
	uint32_t k = 0;
	int rc;

	snmp_vb_iter_init(&it, r);
	while ((rc = snmp_vb_next(&it, &vb)) == 1) {
		const struct argos_oid *want = &p->oids[idx[k]];

		if (k == n || argos_oid_cmp(vb.name.sub, vb.name.len, want->sub, want->len) != 0)
			return -1;
		k++;
	}
	return rc == 0 && k == n ? 0 : -1;
}

/* The reply to a GET of scalars.  Moves oid_idx past the chunk. */
static void
got_get(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r)
{
	struct snmp_session *s = &lc->snmp->s[id];
	const struct argos_profile *p = s->profile;
	struct snmp_varbind vb;
	struct snmp_vb_iter it;
	uint32_t idx[SNMP_MAX_VARBINDS_PER_REQ];
	uint32_t n = get_chunk(s, idx);

	if (r->error_status == SNMP_ERR_NOSUCHNAME && s->version == SNMP_VERSION_1 &&
	    r->error_index >= 1 && (uint32_t)r->error_index <= n) {
		/* v1 fails the whole PDU for one bad name: report that name,
		 * and ask again for the others. */
		const struct argos_oid *bad = &p->oids[idx[r->error_index - 1]];

		report(lc, s, ARGOS_ERR_NO_SUCH_NAME, bad->sub, bad->len);
		s->skip_mask |= 1u << idx[r->error_index - 1];
		next_step(lc, id);
		return;
	}
	if (r->error_status != SNMP_ERR_NOERROR) {
		report(lc, s, status_error(r->error_status), p->oids[idx[0]].sub,
		       p->oids[idx[0]].len);
	} else if (get_reply_matches(r, p, idx, n) != 0) {
		/* RFC 3416 4.2.1: the reply names exactly what was asked, in
		 * order.  Anything else is not trusted, not even in part. */
		report(lc, s, ARGOS_ERR_MALFORMED, p->oids[idx[0]].sub, p->oids[idx[0]].len);
	} else {
		snmp_vb_iter_init(&it, r);
		while (snmp_vb_next(&it, &vb) == 1) {
			if (vb.type == SNMP_T_NOSUCHOBJECT)
				report(lc, s, ARGOS_ERR_NO_SUCH_OBJECT, vb.name.sub, vb.name.len);
			else if (vb.type == SNMP_T_NOSUCHINSTANCE || vb.type == SNMP_T_ENDOFMIBVIEW)
				report(lc, s, ARGOS_ERR_NO_SUCH_INSTANCE, vb.name.sub, vb.name.len);
			else
				emit_varbind(lc, s, &vb);
		}
	}
	s->oid_idx = (uint8_t)(n ? idx[n - 1] + 1 : p->n_oids);
	next_step(lc, id);
}

/*
 * The reply to a walk step.  @return 1 when the walk of this root is
 * over, 0 when it goes on from the new cursor.
 */
static int
got_walk(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r)
{
	struct snmp_session *s = &lc->snmp->s[id];
	const struct argos_oid *root = &s->profile->oids[s->oid_idx];
	struct snmp_varbind vb;
	struct snmp_vb_iter it;
	uint32_t n = 0;
	int rc;

	if (r->error_status == SNMP_ERR_NOSUCHNAME && s->version == SNMP_VERSION_1)
		return 1;   /* v1's way of saying endOfMibView */
	if (r->error_status == SNMP_ERR_TOOBIG && s->version == SNMP_VERSION_2C &&
	    s->max_rep > 1) {
		/* The answer did not fit the agent's buffer: ask for less. */
		s->max_rep /= 2;
		return begin_step(lc, id, SNMP_PDU_GETBULK, &s->cursor, 1) == 0 ? 0 : 1;
	}
	if (r->error_status != SNMP_ERR_NOERROR) {
		report(lc, s, status_error(r->error_status), root->sub, root->len);
		return 1;
	}

	snmp_vb_iter_init(&it, r);
	while ((rc = snmp_vb_next(&it, &vb)) == 1) {
		n++;
		if (vb.type == SNMP_T_ENDOFMIBVIEW || vb.type == SNMP_T_NOSUCHOBJECT ||
		    vb.type == SNMP_T_NOSUCHINSTANCE ||
		    !argos_oid_in_subtree(vb.name.sub, vb.name.len, root))
			return 1;
		if (argos_oid_cmp(vb.name.sub, vb.name.len, s->cursor.sub, s->cursor.len) <= 0) {
			/* A broken agent could walk us in circles forever. */
			report(lc, s, ARGOS_ERR_OID_NOT_INCREASING, vb.name.sub, vb.name.len);
			return 1;
		}
		if (++s->walk_varbinds > ARGOS_WALK_MAX_VARBINDS) {
			report(lc, s, ARGOS_ERR_WALK_LIMIT, root->sub, root->len);
			return 1;
		}
		emit_varbind(lc, s, &vb);
		/* Only the arcs in use: a full argos_oid is 516 bytes. */
		s->cursor.len = vb.name.len;
		memcpy(s->cursor.sub, vb.name.sub, vb.name.len * sizeof(uint32_t));
	}
	if (rc < 0 || n == 0) {
		/* An empty list is no answer: a walk ends with endOfMibView or
		 * a name outside the subtree, never with silence. */
		report(lc, s, ARGOS_ERR_MALFORMED, s->cursor.sub, s->cursor.len);
		return 1;
	}
	return begin_step(lc, id, s->version == SNMP_VERSION_1 ? SNMP_PDU_GETNEXT : SNMP_PDU_GETBULK,
			  &s->cursor, 1) == 0 ? 0 : 1;
}

static void
snmp_input(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, const uint8_t *l4, uint32_t l4_len)
{
	struct snmp_state *st = lc->snmp;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)l4;
	struct snmp_session *s;
	struct snmp_reply r;
	uint32_t udp_len;
	int64_t id;

	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (udp_len < sizeof(*udp) || udp_len > l4_len) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		return;
	}
	if (udp->dst_port != rte_cpu_to_be_16(lc->snmp_sport)) {
		lc->st->drop[ARGOS_DROP_WRONG_PORT]++;
		return;
	}
	if (snmp_parse_reply(l4 + sizeof(*udp), udp_len - sizeof(*udp), &r) != 0) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		return;
	}
	if (r.pdu_type != SNMP_PDU_RESPONSE) {
		lc->st->drop[ARGOS_DROP_NOT_RESPONSE]++;
		return;
	}
	id = inflight_lookup(&st->inflight, (uint32_t)r.request_id);
	if (id < 0) {
		if (inflight_was_answered(&st->inflight, (uint32_t)r.request_id))
			lc->st->drop[ARGOS_DROP_DUPLICATE]++;
		else
			lc->st->drop[ARGOS_DROP_UNKNOWN_REQUEST_ID]++;
		return;
	}
	s = &st->s[id];
	if (ip->src_addr != s->ip) {
		lc->st->drop[ARGOS_DROP_WRONG_SOURCE]++;
		return;
	}
	if (udp->src_port != rte_cpu_to_be_16(s->port)) {
		lc->st->drop[ARGOS_DROP_WRONG_PORT]++;
		return;
	}
	if (r.version != s->version) {
		lc->st->drop[ARGOS_DROP_WRONG_VERSION]++;
		return;
	}
	if (r.community_len != s->community_len ||
	    memcmp(r.community, s->community, s->community_len) != 0) {
		lc->st->drop[ARGOS_DROP_WRONG_COMMUNITY]++;
		return;
	}
	/* Last, so that only a reply we would take counts here, and before
	 * anything of the session is touched: the request stays in flight
	 * and its timer resends it, as if the reply had been lost. */
	if (!dp_results_room(lc, SNMP_REPLY_BYTES(udp_len - sizeof(*udp)))) {
		lc->st->drop[ARGOS_DROP_BACKPRESSURE]++;
		s->bp_dropped = 1;
		return;
	}

	lc->st->snmp_matched++;
	dp_rtt_count(lc, lc->now_tsc - s->sent_tsc);
	inflight_remove(&st->inflight, s->reqid, 1);
	tw_cancel(&lc->wheel, (uint32_t)id);
	if (s->step == STEP_GET) {
		got_get(lc, (uint32_t)id, &r);
		return;
	}
	if (got_walk(lc, (uint32_t)id, &r)) {
		s->oid_idx++;
		next_step(lc, (uint32_t)id);
	}
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
