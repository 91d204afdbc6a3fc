/*
 * snmp_v3.c - SNMPv3 with the User-based Security Model in the SNMP
 * probe module (see snmp_v3.h for what changes in a poll).
 *
 * Sending: the step's scoped PDU is encoded once (snmp_v3_encode_step);
 * each send builds the header on the stack (its msgID, the engine's time
 * as the session reckons it, a new salt), encrypts the scoped PDU
 * straight into the frame, and writes the HMAC over the frame's payload
 * from the entry's prepared states.  Salts come from a per-core 64-bit
 * counter that starts at a random value, so none repeats under one key
 * (RFC 3826 3.1.2.1, RFC 3414 8.1.1.1).
 *
 * Receiving (snmp_v3_input), cheap checks first, each drop counted by
 * its USM name and noted on the session (its timeout then says why):
 *
 *   form (snmp_v3_parse) -> msgID in flight -> source address and port
 *   -> engine ID, user -> HMAC -> time window (RFC 3414 3.2.7: the
 *   engine's boots and time only move forward, and a message more than
 *   150 s behind them is a replay) -> decryption -> scoped PDU
 *   -> a Report is acted on; a response must be at the level asked
 *   for, with the request-id of its msgID, and goes on to
 *   snmp_take_reply like any v1/v2c reply.
 *
 * Reports end the job with the USM name of their counter, except two:
 * usmStatsNotInTimeWindows, when authenticated, resynchronizes the
 * engine clock from the Report and sends the request again once (an
 * agent restart: boots + 1); usmStatsUnknownEngineIDs ends the job with
 * ARGOS_USM_REC_NEED_KEYS, for the control plane to localize the keys
 * to the engine the Report names (the first poll, or an agent whose
 * engine changed) and send the job again.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "dp_lcore.h"
#include "snmp_session.h"
#include "snmp_v3_codec.h"

/* The usmStats and snmp*Contexts counters a Report names (RFC 3414 5,
 * RFC 3412 5), as 1.3.6.1.6.3.15.1.1.N.0 and 1.3.6.1.6.3.12.1.N.0. */
static const uint32_t usm_stats[] = { 1, 3, 6, 1, 6, 3, 15, 1, 1 };
static const uint32_t mpd_stats[] = { 1, 3, 6, 1, 6, 3, 12, 1 };

int
snmp_v3_init(struct snmp_state *st)
{
	struct snmp_v3_core *v = &st->v3;

	if (usm_ciphers_init(&v->ciphers) != 0)
		return -ENOMEM;
	v->plain = rte_malloc_socket("snmp_v3_plain", SNMP_V3_MAX_SIZE, RTE_CACHE_LINE_SIZE,
				     (int)rte_socket_id());
	if (v->plain == NULL)
		return -ENOMEM;
	v->salt = rte_rand();
	return 0;
}

void
snmp_v3_fini(struct snmp_state *st)
{
	usm_ciphers_free(&st->v3.ciphers);
}

void
snmp_v3_start(struct dp_lcore *lc, struct snmp_session *s, const struct argos_job *job)
{
	struct snmp_v3_sess *v = &s->v3;
	const struct argos_lane *lane = lc->lane;

	memset(v, 0, sizeof(*v));
	v->cred = job->v3.usm < lane->n_usm_creds ? &lane->usm_creds[job->v3.usm] : NULL;
	v->level = job->v3.level;
	v->job_flags = job->v3.flags;
	v->boots = job->v3.boots;
	v->time_at = job->v3.time;
	v->latest = job->v3.time;
	v->time_tsc = job->v3.time_tsc ? job->v3.time_tsc : lc->now_tsc;
	if (v->cred != NULL) {
		v->engine_len = v->cred->engine_len;
		memcpy(v->engine, v->cred->engine, v->cred->engine_len);
	}
}

/* The engine's snmpEngineTime now, as the session reckons it. */
static uint32_t
engine_time(const struct dp_lcore *lc, const struct snmp_v3_sess *v)
{
	uint64_t t = v->time_at + (lc->now_tsc - v->time_tsc) / lc->tsc_hz;

	return t > ARGOS_USM_BOOTS_MAX ? ARGOS_USM_BOOTS_MAX : (uint32_t)t;
}

int
snmp_v3_encode_step(const struct snmp_session *s, struct snmp_req *req, uint8_t pdu,
		    uint16_t max_rep, const struct argos_oid *oids, unsigned n)
{
	const struct argos_usm_cred *c = s->v3.cred;

	if (c == NULL)   /* discovery: no context, no varbind */
		return snmp_v3_encode_scoped(req, NULL, 0, NULL, 0, SNMP_PDU_GET, 0, NULL, 0);
	return snmp_v3_encode_scoped(req, c->ctx_engine, c->ctx_engine_len, c->ctx_name,
				     c->ctx_name_len, pdu, max_rep, oids, n);
}

void
snmp_v3_discover(struct dp_lcore *lc, uint32_t id)
{
	/* A GET with no varbind, from nobody to no engine: the agent's
	 * Report tells its engine ID, boots and time (RFC 3414 4). */
	if (snmp_begin_step(lc, id, SNMP_PDU_GET, NULL, 0) != 0) {
		/* cannot happen: the request is a few bytes; end as undiscovered */
		snmp_report(lc, &lc->snmp->s[id], ARGOS_ERR_UNKNOWN_ENGINE_ID, NULL, 0);
		snmp_finish(lc, id, 0);
	}
}

void
snmp_v3_send(struct dp_lcore *lc, struct snmp_session *s, const struct rte_ether_addr *mac,
	     const struct dp_tx_stamp *stamp)
{
	struct snmp_v3_core *k = &lc->snmp->v3;
	const struct argos_usm_cred *c = s->v3.cred;
	struct snmp_v3_out o = { .msg_id = s->reqid, .flags = SNMP_V3_FLAG_REPORTABLE };
	uint8_t hdr[SNMP_V3_HDR_MAX], salt[SNMP_V3_SALT_LEN];
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	size_t mac_off;
	uint8_t *l4, *payload;
	int hl, dl;

	snmp_patch_reqid(s->req.buf, s->req.reqid_off, s->reqid);   /* request-id = msgID */
	o.data_len = s->req.len;
	if (c != NULL) {
		uint64_t n = k->salt++;

		o.flags |= c->level;
		o.engine = c->engine;
		o.engine_len = c->engine_len;
		o.boots = s->v3.boots;
		o.time = engine_time(lc, &s->v3);
		o.user = c->user;
		o.user_len = c->user_len;
		o.mac_len = c->level & ARGOS_USM_AUTH ? c->mac_len : 0;
		if (c->level == ARGOS_USM_PRIV) {
			for (unsigned i = 0; i < SNMP_V3_SALT_LEN; i++)
				salt[i] = (uint8_t)(n >> (56 - 8 * i));
			o.salt = salt;
			if (c->priv == ARGOS_USM_PRIV_DES)
				o.data_len = (o.data_len + 7) & ~(size_t)7;
		}
	}
	hl = snmp_v3_encode_header(hdr, sizeof(hdr), &o, &mac_off);
	if (hl < 0)
		return;   /* cannot happen: the credential's fields were checked at load */
	m = dp_frame_alloc(lc, mac, s->ip, IPPROTO_UDP,
			   (uint16_t)(sizeof(*udp) + (size_t)hl + o.data_len), &l4);
	if (m == NULL)
		return;
	udp = (struct rte_udp_hdr *)l4;
	payload = (uint8_t *)(udp + 1);
	memcpy(payload, hdr, (size_t)hl);
	if (o.salt != NULL) {
		dl = usm_encrypt(&k->ciphers, c, o.boots, o.time, salt, s->req.buf, s->req.len,
				 payload + hl);
		if (dl < 0 || (size_t)dl != o.data_len) {
			rte_pktmbuf_free(m);
			return;
		}
	} else {
		memcpy(payload + hl, s->req.buf, s->req.len);
	}
	if (o.mac_len) {
		struct usm_hmac h;

		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, payload, (size_t)hl + o.data_len);
		usm_hmac_end(c, &h, payload + mac_off);
	}
	udp->src_port = rte_cpu_to_be_16(lc->snmp_sport);
	udp->dst_port = rte_cpu_to_be_16(s->port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + (size_t)hl + o.data_len));
	dp_send_udp(lc, m, stamp);
}

void
snmp_v3_end(struct dp_lcore *lc, struct snmp_session *s)
{
	const struct snmp_v3_sess *v = &s->v3;
	struct argos_rec_usm *r;

	r = dp_rec_alloc(lc, ARGOS_REC_USM, sizeof(*r), s->device);
	if (r == NULL)
		return;
	r->flags = v->need_keys ? ARGOS_USM_REC_NEED_KEYS : 0;
	r->engine_len = v->engine_len;
	memcpy(r->engine, v->engine, v->engine_len);
	r->boots = v->boots;
	r->time = v->time_at;
	r->time_tsc = v->time_tsc;
}

/* End the job at a Report: the error named, or the engine to localize
 * to (err NONE, need_keys set). */
static void
end_at_report(struct dp_lcore *lc, uint32_t id, enum argos_err err)
{
	struct snmp_session *s = &lc->snmp->s[id];

	lc->st->snmp_matched++;
	dp_rtt_count(lc, lc->now_tsc - s->sent_tsc);
	snmp_forget_reqids(lc->snmp, s, 1);
	tw_cancel(&lc->wheel, id);
	s->answered = 1;
	if (err != ARGOS_ERR_NONE)
		snmp_report(lc, s, err, NULL, 0);
	snmp_finish(lc, id, err == ARGOS_ERR_NONE);
}

/* The agent's engine as a Report or a discovery answer names it. */
static int
learn_engine(struct snmp_v3_sess *v, const struct snmp_v3_msg *m, uint64_t now)
{
	if (m->engine_len == 0 || m->engine_len > ARGOS_USM_ID_MAX)
		return -1;
	v->engine_len = (uint8_t)m->engine_len;
	memcpy(v->engine, m->engine, m->engine_len);
	v->boots = m->boots;
	v->time_at = m->time;
	v->latest = m->time;
	v->time_tsc = now;
	return 0;
}

/* The usmStats / snmp*Contexts counter the Report's first varbind names:
 * the error it means, or ARGOS_ERR_NONE for an OID that is none of them. */
static enum argos_err
report_error(const struct snmp_reply *r, uint32_t *which)
{
	struct snmp_vb_iter it;
	struct snmp_varbind vb;

	snmp_vb_iter_init(&it, r);
	if (snmp_vb_next(&it, &vb) != 1)
		return ARGOS_ERR_MALFORMED;
	*which = 0;
	if (vb.name.len == 11 && !memcmp(vb.name.sub, usm_stats, sizeof(usm_stats)) &&
	    vb.name.sub[10] == 0) {
		*which = vb.name.sub[9];
		switch (vb.name.sub[9]) {
		case 1:
			return ARGOS_ERR_UNSUPPORTED_SEC_LEVEL;
		case 2:
			return ARGOS_ERR_NOT_IN_TIME_WINDOW;
		case 3:
			return ARGOS_ERR_UNKNOWN_USER;
		case 4:
			return ARGOS_ERR_UNKNOWN_ENGINE_ID;
		case 5:
			return ARGOS_ERR_WRONG_DIGEST;
		case 6:
			return ARGOS_ERR_DECRYPTION_ERROR;
		}
	}
	if (vb.name.len == 10 && !memcmp(vb.name.sub, mpd_stats, sizeof(mpd_stats)) &&
	    (vb.name.sub[8] == 4 || vb.name.sub[8] == 5) && vb.name.sub[9] == 0)
		return ARGOS_ERR_UNKNOWN_CONTEXT;
	return ARGOS_ERR_AGENT_ERROR;
}

/* A Report to one of the session's requests; authentic when it passed
 * the HMAC (and so the engine, user and time checks). */
static void
got_report(struct dp_lcore *lc, uint32_t id, const struct snmp_v3_msg *m,
	   const struct snmp_reply *r, int authentic)
{
	struct snmp_session *s = &lc->snmp->s[id];
	struct snmp_v3_sess *v = &s->v3;
	uint32_t which = 0;
	enum argos_err err = report_error(r, &which);

	if (err == ARGOS_ERR_MALFORMED) {
		snmp_drop_matched(lc, s, ARGOS_DROP_MALFORMED);
		return;
	}
	if (snmp_v3_discovering(v)) {
		/* Whatever the counter, the Report names the engine. */
		if (learn_engine(v, m, lc->now_tsc) != 0) {
			snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_ENGINE_ID);
			return;
		}
		v->need_keys = 1;
		end_at_report(lc, id, ARGOS_ERR_NONE);
		return;
	}
	if (err == ARGOS_ERR_UNKNOWN_ENGINE_ID && !(v->job_flags & ARGOS_JOB_V3_REDISCOVERED) &&
	    (m->engine_len != v->engine_len || memcmp(m->engine, v->engine, v->engine_len))) {
		/* The agent's engine changed (a new snmpEngineID, another agent
		 * on the address): the keys must be localized to it. */
		if (learn_engine(v, m, lc->now_tsc) == 0) {
			v->need_keys = 1;
			end_at_report(lc, id, ARGOS_ERR_NONE);
			return;
		}
	}
	if (err == ARGOS_ERR_NOT_IN_TIME_WINDOW && authentic && !v->resynced) {
		/* The clock was updated from this Report (check_time): ask
		 * again once, with fresh ids, without using up a retry. */
		v->resynced = 1;
		lc->st->snmp_matched++;
		tw_cancel(&lc->wheel, id);
		if (snmp_resend_as_new(lc, id, 0) == 0)
			return;
	}
	end_at_report(lc, id, err);
}

/*
 * RFC 3414 3.2.7 b, the non-authoritative side: the engine's boots and
 * time only move forward, and an authentic message more than the window
 * behind them is refused.  @return 0 when m is in the time window.
 */
static int
check_time(const struct dp_lcore *lc, struct snmp_v3_sess *v, const struct snmp_v3_msg *m)
{
	uint32_t now;

	if (m->boots > v->boots || (m->boots == v->boots && m->time > v->latest)) {
		v->boots = m->boots;
		v->time_at = m->time;
		v->latest = m->time;
		v->time_tsc = lc->now_tsc;
	}
	now = engine_time(lc, v);
	if (v->boots == ARGOS_USM_BOOTS_MAX || m->boots < v->boots ||
	    (m->boots == v->boots && (uint64_t)m->time + SNMP_V3_TIME_WINDOW < now))
		return -1;
	return 0;
}

void
snmp_v3_input(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, uint16_t sport,
	      const uint8_t *payload, uint32_t plen)
{
	struct snmp_state *st = lc->snmp;
	struct snmp_session *s;
	const struct argos_usm_cred *c;
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	int64_t id;
	int authentic;

	if (snmp_v3_parse(payload, plen, &m) != 0) {
		lc->st->drop[ARGOS_DROP_MALFORMED]++;
		snmp_note_drop(lc, ip->src_addr, sport, ARGOS_ERR_MALFORMED);
		return;
	}
	id = inflight_lookup(&st->inflight, (uint32_t)m.msg_id);
	if (id < 0) {
		if (inflight_was_answered(&st->inflight, (uint32_t)m.msg_id)) {
			lc->st->drop[ARGOS_DROP_DUPLICATE]++;
		} else {
			lc->st->drop[ARGOS_DROP_UNKNOWN_REQUEST_ID]++;
			snmp_note_drop(lc, ip->src_addr, sport, ARGOS_ERR_UNKNOWN_REQUEST_ID);
		}
		return;
	}
	s = &st->s[id];
	if (ip->src_addr != s->ip && !(s->flags & ARGOS_JOB_ANY_SOURCE)) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_SOURCE);
		return;
	}
	if (sport != s->port) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_PORT);
		return;
	}
	if (s->version != SNMP_VERSION_3) {
		snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_VERSION);
		return;
	}
	c = s->v3.cred;
	authentic = (m.flags & SNMP_V3_FLAG_AUTH) != 0;
	if (authentic) {
		/* Only what we can check is authentic: a level the job did not
		 * ask for is refused before any key is used. */
		if (c == NULL || !(c->level & ARGOS_USM_AUTH) ||
		    ((m.flags & SNMP_V3_FLAG_PRIV) && c->level != ARGOS_USM_PRIV)) {
			snmp_drop_matched(lc, s, ARGOS_DROP_UNSUPPORTED_SEC_LEVEL);
			return;
		}
		if (m.engine_len != c->engine_len || memcmp(m.engine, c->engine, c->engine_len)) {
			snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_ENGINE_ID);
			return;
		}
		if (m.user_len != c->user_len || memcmp(m.user, c->user, c->user_len)) {
			snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_USER);
			return;
		}
		if (!usm_digest_ok(c, payload, plen, m.mac_off, m.mac, m.mac_len)) {
			snmp_drop_matched(lc, s, ARGOS_DROP_WRONG_DIGEST);
			return;
		}
		/* The clock moves only for an authentic message; a stale one is
		 * a replay.  Checked before the reply may end anything. */
		if (check_time(lc, &s->v3, &m) != 0) {
			snmp_drop_matched(lc, s, ARGOS_DROP_NOT_IN_TIME_WINDOW);
			return;
		}
	}
	if (m.flags & SNMP_V3_FLAG_PRIV) {
		int n = usm_decrypt(&st->v3.ciphers, c, m.boots, m.time, m.salt, m.salt_len,
				    m.data, m.data_len, st->v3.plain);

		if (n < 0 || snmp_v3_parse_scoped(st->v3.plain, (size_t)n,
						  c->priv == ARGOS_USM_PRIV_DES, &sc) != 0) {
			snmp_drop_matched(lc, s, ARGOS_DROP_DECRYPTION_ERROR);
			return;
		}
	} else if (snmp_v3_parse_scoped(m.data, m.data_len, 0, &sc) != 0) {
		snmp_drop_matched(lc, s, ARGOS_DROP_MALFORMED);
		return;
	}

	if (sc.r.pdu_type == SNMP_PDU_REPORT) {
		/* Reports come at noAuthNoPriv when the agent could not check
		 * us (unknown user or engine, wrong digest...); they are taken
		 * for their msgID, as net-snmp does. */
		if (!dp_results_room(lc, SNMP_END_BYTES)) {
			lc->st->drop[ARGOS_DROP_BACKPRESSURE]++;
			s->bp_dropped = 1;
			return;
		}
		got_report(lc, (uint32_t)id, &m, &sc.r, authentic);
		return;
	}
	if (sc.r.pdu_type != SNMP_PDU_RESPONSE) {
		snmp_drop_matched(lc, s, ARGOS_DROP_NOT_RESPONSE);
		return;
	}
	/* A response answers at the level it was asked (RFC 3412 7.2.12). */
	if (c == NULL || (m.flags & ARGOS_USM_PRIV) != c->level) {
		snmp_drop_matched(lc, s, ARGOS_DROP_UNSUPPORTED_SEC_LEVEL);
		return;
	}
	if (!authentic && (m.engine_len != c->engine_len ||
			   memcmp(m.engine, c->engine, c->engine_len))) {
		snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_ENGINE_ID);
		return;
	}
	if (!authentic && (m.user_len != c->user_len || memcmp(m.user, c->user, c->user_len))) {
		snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_USER);
		return;
	}
	if (sc.r.request_id != m.msg_id) {
		snmp_drop_matched(lc, s, ARGOS_DROP_UNKNOWN_REQUEST_ID);
		return;
	}
	snmp_take_reply(lc, (uint32_t)id, &sc.r, plen);
}
