/*
 * snmp_reply.c - what a matched SNMP reply does to its session: the
 * varbinds of a GET of scalars or of a walk step become records, the
 * walk moves on or ends, an error-status becomes an error record.
 *
 * snmp_input() is the SNMP module's input callback (probe_snmp.c holds
 * the module): it validates a datagram cheaply, in order (UDP port,
 * SNMP header, request-id, source, community; a v3 message goes to
 * snmp_v3.c after the UDP port), drops it by reason, and
 * decodes the varbinds of a matched reply only when the core has room
 * for every record the reply can make (back-pressure, dp_lcore.h).
 * A reply to a walk step goes on to snmp_walk.c.
 *
 * A dropped reply that names a session (by its request-id, or else by
 * the agent's address and port, snmp_addr.c) is noted on it: when the
 * session's request then times out, the device reports why its replies
 * were dropped (wrong-community, malformed, ...) instead of timeout.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_ids.h"
#include "dp_lcore.h"
#include "snmp_codec.h"
#include "snmp_session.h"
#include "snmp_v3_codec.h"

void
snmp_emit_varbind(struct dp_lcore *lc, struct snmp_session *s, const struct snmp_varbind *vb)
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

enum argos_err
snmp_status_error(int32_t status)
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
		const struct argos_oid *want;

		/* A varbind more than was asked for: idx[] holds n names, so
		 * idx[n] must not even be read (it lies past the array when
		 * n is SNMP_MAX_VARBINDS_PER_REQ). */
		if (k == n)
			return -1;
		want = &p->oids[idx[k]];
		if (argos_oid_cmp(vb.name.sub, vb.name.len, want->sub, want->len) != 0)
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

		snmp_report(lc, s, ARGOS_ERR_NO_SUCH_NAME, bad->sub, bad->len);
		s->skip_mask[idx[r->error_index - 1] / 32] |= 1u << (idx[r->error_index - 1] % 32);
		snmp_next_step(lc, id);
		return;
	}
	if (r->error_status != SNMP_ERR_NOERROR) {
		snmp_report(lc, s, snmp_status_error(r->error_status), p->oids[idx[0]].sub,
		       p->oids[idx[0]].len);
	} else if (get_reply_matches(r, p, idx, n) != 0) {
		/* RFC 3416 4.2.1: the reply names exactly what was asked, in
		 * order.  Anything else is not trusted, not even in part. */
		snmp_report(lc, s, ARGOS_ERR_MALFORMED, p->oids[idx[0]].sub, p->oids[idx[0]].len);
	} else {
		snmp_vb_iter_init(&it, r);
		while (snmp_vb_next(&it, &vb) == 1) {
			if (vb.type == SNMP_T_NOSUCHOBJECT)
				snmp_report(lc, s, ARGOS_ERR_NO_SUCH_OBJECT, vb.name.sub, vb.name.len);
			else if (vb.type == SNMP_T_NOSUCHINSTANCE || vb.type == SNMP_T_ENDOFMIBVIEW)
				snmp_report(lc, s, ARGOS_ERR_NO_SUCH_INSTANCE, vb.name.sub, vb.name.len);
			else
				snmp_emit_varbind(lc, s, &vb);
		}
	}
	s->oid_idx = (uint8_t)(n ? idx[n - 1] + 1 : p->n_oids);
	snmp_next_step(lc, id);
}

void
snmp_drop_matched(struct dp_lcore *lc, struct snmp_session *s, enum argos_drop why)
{
	lc->st->drop[why]++;
	s->noted = (uint8_t)argos_drop_err(why);
}

/* A GETBULK of the session was answered: a size given up on after
 * timeouts was too large indeed, when the answer is to a smaller
 * request (argos_maxrep.h).  An answer to the earlier, larger request
 * (prev) says the opposite: it was only slow. */
static void
maxrep_answered(struct snmp_session *s, int prev)
{
	if (s->step != STEP_WALK || !snmp_uses_bulk(s) || s->rep_trying == 0)
		return;
	if (!prev) {
		s->rep_failed = s->rep_trying;
		s->rep_learnt = s->max_rep;
	}
	s->rep_trying = 0;
}

void
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
	if (snmp_msg_version(l4 + sizeof(*udp), udp_len - sizeof(*udp)) == SNMP_VERSION_3) {
		snmp_v3_input(lc, ip, rte_be_to_cpu_16(udp->src_port), l4 + sizeof(*udp),
			      udp_len - sizeof(*udp));
		return;
	}
	if (snmp_parse_reply(l4 + sizeof(*udp), udp_len - sizeof(*udp), &r) != 0) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		snmp_note_drop(lc, ip->src_addr, rte_be_to_cpu_16(udp->src_port),
			       ARGOS_ERR_MALFORMED);
		return;
	}
	if (r.pdu_type != SNMP_PDU_RESPONSE) {
		lc->st->drop[ARGOS_DROP_NOT_RESPONSE]++;
		snmp_note_drop(lc, ip->src_addr, rte_be_to_cpu_16(udp->src_port),
			       ARGOS_ERR_NOT_RESPONSE);
		return;
	}
	id = inflight_lookup(&st->inflight, (uint32_t)r.request_id);
	if (id < 0) {
		if (inflight_was_answered(&st->inflight, (uint32_t)r.request_id)) {
			lc->st->drop[ARGOS_DROP_DUPLICATE]++;
		} else {
			lc->st->drop[ARGOS_DROP_UNKNOWN_REQUEST_ID]++;
			snmp_note_drop(lc, ip->src_addr, rte_be_to_cpu_16(udp->src_port),
				       ARGOS_ERR_UNKNOWN_REQUEST_ID);
		}
		return;
	}
	s = &st->s[id];
	/* Agents behind VRRP or answering from a loopback reply from
	 * another address: taken only when the device opted in. */
	if (ip->src_addr != s->ip && !(s->flags & ARGOS_JOB_ANY_SOURCE)) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_SOURCE);
		return;
	}
	if (udp->src_port != rte_cpu_to_be_16(s->port)) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_PORT);
		return;
	}
	if (r.version != s->version) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_VERSION);
		return;
	}
	if (r.community_len != s->community_len ||
	    memcmp(r.community, s->community, s->community_len) != 0) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_COMMUNITY);
		return;
	}
	snmp_take_reply(lc, (uint32_t)id, &r, udp_len - sizeof(*udp));
}

void
snmp_take_reply(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r, uint32_t payload)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s = &st->s[id];
	int prev;

	/* Last, so that only a reply we would take counts here, and before
	 * anything of the session is touched: the request stays in flight
	 * and its timer resends it, as if the reply had been lost. */
	if (!dp_results_room(lc, SNMP_REPLY_BYTES(payload))) {
		lc->st->drop[ARGOS_DROP_BACKPRESSURE]++;
		s->bp_dropped = 1;
		return;
	}

	lc->st->snmp_matched++;
	prev = (uint32_t)r->request_id != s->reqid;
	/* Karn (dp_ids.h): only a reply to the request in flight, once its
	 * last attempt has left, times a round trip; one to the request
	 * before a shrink (prev) would be timed from the wrong departure. */
	if (!prev && s->sent_tsc != 0)
		dp_rtt_count(lc, lc->rx_tsc - s->sent_tsc);
	snmp_forget_reqids(st, s, 1);
	tw_cancel(&lc->wheel, id);
	s->answered = 1;
	maxrep_answered(s, prev);
	if (s->step == STEP_GET) {
		got_get(lc, id, r);
		return;
	}
	if (snmp_got_walk(lc, id, r, payload)) {
		s->oid_idx++;
		snmp_next_step(lc, id);
	}
}
