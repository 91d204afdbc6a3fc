/*
 * snmp_session.h - the SNMP probe's sessions, shared by the two files of
 * the module: probe_snmp.c (jobs, steps, requests, timers) and
 * snmp_reply.c (what a matched reply does to its session).  Private to
 * the dataplane.
 */
#ifndef ARGOS_SNMP_SESSION_H
#define ARGOS_SNMP_SESSION_H

#include <stdint.h>

#include <rte_ip.h>

#include "argos_maxrep.h"
#include "argos_usm.h"
#include "dp_lcore.h"
#include "snmp_codec.h"
#include "snmp_v3.h"

/*
 * The records one job can still write when it ends, whatever the reply
 * in hand: an error about every OID of the profile (each step that
 * cannot be encoded is reported and skipped), two more (the reply's own
 * verdict: malformed, walk-limit, a v1 noSuchName), v3's engine record
 * and the DONE record.
 */
#define SNMP_END_BYTES ((ARGOS_PROFILE_MAX_OIDS + 2) * DP_ERR_REC_MAX + \
			sizeof(struct argos_rec_usm) + DP_DONE_REC)

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

/* The largest varbind record must stay within DP_REC_MAX, and its value
 * length within the record's 16-bit val_len. */
_Static_assert(sizeof(struct argos_rec_varbind) + ARGOS_OID_MAX * sizeof(uint32_t) +
	       (SNMP_VALUE_MAX > ARGOS_OID_MAX * sizeof(uint32_t) ?
		SNMP_VALUE_MAX : ARGOS_OID_MAX * sizeof(uint32_t)) + 7 <= DP_REC_MAX,
	       "a varbind record can exceed DP_REC_MAX");
_Static_assert(SNMP_VALUE_MAX <= UINT16_MAX, "val_len cannot hold SNMP_VALUE_MAX");
/* oid_idx is a uint8_t; skip_mask holds a bit per profile OID. */
_Static_assert(ARGOS_PROFILE_MAX_OIDS <= 255 && ARGOS_PROFILE_MAX_OIDS % 32 == 0,
	       "oid_idx and skip_mask cannot index every profile OID");
/* A job that starts (admitted) can always write its end. */
_Static_assert(SNMP_END_BYTES <= DP_ADMIT_BATCHES * DP_BATCH_SURE,
	       "the admission reserve cannot hold one job's end");
/* The largest reply can be taken once the control plane has handed every
 * batch back (one may be open on the core): otherwise it would be
 * dropped for back-pressure and resent forever. */
_Static_assert(SNMP_REPLY_BYTES(SNMP_MSG_MAX) <=
	       (uint64_t)(ARGOS_LANE_BATCHES - 2) * DP_BATCH_SURE,
	       "a reply of SNMP_MSG_MAX bytes could never find room for its records");

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
	uint16_t flags;        /* enum argos_job_flag */
	uint8_t community_len; /* the community in use */
	uint8_t alt_len;       /* the other one, 0: none */
	uint8_t community[ARGOS_COMMUNITY_MAX];
	uint8_t alt[ARGOS_COMMUNITY_MAX];

	/* progress */
	uint8_t state;
	uint8_t step;
	uint8_t attempt;
	uint8_t bp_dropped;    /* a reply to this step was dropped for back-pressure */
	uint8_t oid_idx;       /* GET: first OID of the chunk; WALK: root */
	uint8_t answered;      /* a reply of this job was matched: the agent is up */
	uint8_t alt_used;      /* the job went on to its alternate community */
	uint8_t noted;         /* enum argos_err: why the step's last reply was dropped
	                          (ARGOS_ERR_NONE: none); reported instead of timeout */
	uint32_t skip_mask[ARGOS_PROFILE_MAX_OIDS / 32];   /* GETs v1 said noSuchName to */
	uint32_t reqid;
	uint32_t prev_reqid;   /* the step's request before a shrink, still taken; 0: none */
	uint32_t varbinds;
	uint32_t walk_varbinds;  /* of the current walk, for the loop guard */
	uint32_t errors;
	uint64_t start_tsc;
	uint32_t next_free;
	uint32_t addr_next;    /* next session in the same address bucket (snmp_addr.c) */
	uint64_t sent_tsc;     /* when the step's last attempt left; 0: not (yet) */
	uint32_t tx_gen;       /* bumped per attempt and at the end (dp_tx_stamp) */

	/* max-repetitions (argos_maxrep.h) */
	uint16_t max_rep;      /* of the request in flight and the next ones */
	uint16_t rep_learnt;   /* the last size known good, reported at the end */
	uint16_t rep_failed;   /* the smallest size known too large, 0: none */
	uint16_t rep_trying;   /* a size given up on after timeouts, known too large
	                          only once a smaller request is answered; 0: none */

	/* loop guard of walks that may go backwards (snmp_walk.c) */
	uint64_t loop_mark;    /* hash of the request at the last checkpoint */
	uint64_t req_mark;     /* hash of the request in flight */
	uint32_t loop_steps;   /* requests since the checkpoint */
	uint32_t loop_span;    /* requests between checkpoints (doubles) */

	struct snmp_v3_sess v3;    /* SNMPv3 only (snmp_v3.c) */
	struct argos_oid cursor;   /* walk position */
	struct snmp_req req;       /* the step's encoded request (v3: its scoped PDU) */
};

/* The sessions by agent address (snmp_addr.c): the drops that happen
 * before a reply's request-id is read are put down to the session
 * waiting on that address and port. */
struct snmp_addr_table {
	uint32_t *heads;           /* session index, UINT32_MAX: empty */
	uint32_t mask;
};

struct snmp_state {
	struct snmp_session *s;
	uint32_t n;
	uint32_t free_head;
	uint32_t busy;
	struct inflight_table inflight;
	struct snmp_addr_table by_addr;
	struct snmp_v3_core v3;
};

static inline int
skipped(const struct snmp_session *s, uint32_t i)
{
	return (s->skip_mask[i / 32] >> (i % 32)) & 1;
}

/*
 * The OIDs of the current GET step: up to SNMP_MAX_VARBINDS_PER_REQ
 * profile indexes from oid_idx on, skipping walks and the names v1
 * refused.  @return how many (0: no GET left).
 */
static inline uint32_t
get_chunk(const struct snmp_session *s, uint32_t idx[SNMP_MAX_VARBINDS_PER_REQ])
{
	const struct argos_profile *p = s->profile;
	uint32_t n = 0;

	for (uint32_t i = s->oid_idx; i < p->n_oids && n < SNMP_MAX_VARBINDS_PER_REQ; i++)
		if (argos_profile_is_get(p, i) && !skipped(s, i))
			idx[n++] = i;
	return n;
}

/** 1 when the session's walks use GETBULK: v2c or v3, bulk not disabled. */
static inline int
snmp_uses_bulk(const struct snmp_session *s)
{
	return s->version != SNMP_VERSION_1 && !(s->flags & ARGOS_JOB_GETNEXT);
}

/** The PDU of the session's walk steps. */
static inline uint8_t
snmp_walk_pdu(const struct snmp_session *s)
{
	return snmp_uses_bulk(s) ? SNMP_PDU_GETBULK : SNMP_PDU_GETNEXT;
}

/** End the job: its DONE record lets the control plane poll it again. */
void snmp_finish(struct dp_lcore *lc, uint32_t id, int ok);

/** Count and emit an error record of the session's job. */
void snmp_report(struct dp_lcore *lc, struct snmp_session *s, enum argos_err err,
		 const uint32_t *oid, uint32_t oid_len);

/** Encode and send the step's request; 0, or -1 when it cannot be built. */
int snmp_begin_step(struct dp_lcore *lc, uint32_t id, uint8_t pdu, const struct argos_oid *oids,
		    unsigned n);

/** Go on with the job's next step, or finish it. */
void snmp_next_step(struct dp_lcore *lc, uint32_t id);

/**
 * Encode the current step again (after its max-repetitions shrank or the
 * job went on to its alternate community) and send it with a fresh
 * request-id.  With keep_prev the id it replaces stays in flight, so a
 * late reply to it is still taken; otherwise it is forgotten.  The
 * attempt count and the noted drop reason are the caller's business.
 * @return 0, or -1 when the request cannot be encoded (nothing sent).
 */
int snmp_resend_as_new(struct dp_lcore *lc, uint32_t id, int keep_prev);

/** Put the step's request on the wire (v1/v2c: the same bytes, the same
 *  id at every attempt; v3: encrypted and authenticated anew). */
void snmp_transmit(struct dp_lcore *lc, uint32_t id);

/**
 * Send the step's request again (a retry, or a resend after a reply
 * dropped for back-pressure): v1/v2c the same bytes and request-id;
 * v3 a fresh msgID and request-id, the previous one kept in flight so
 * that a late reply to it is still taken.
 */
void snmp_retransmit(struct dp_lcore *lc, uint32_t id);

/**
 * A matched reply that passed its version's checks (community, or v3's
 * security): take it unless the core has no room for what it can make
 * (back-pressure: dropped, resent at the timeout), then hand it to the
 * GET or walk step.  payload is the datagram's UDP payload length.
 */
void snmp_take_reply(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r,
		     uint32_t payload);

/** Drop a reply that matched session s by request-id (msgID), counting
 *  why and noting it on the session for its timeout. */
void snmp_drop_matched(struct dp_lcore *lc, struct snmp_session *s, enum argos_drop why);

/** The job's end waits for room for its records: its timer fires again
 *  in a millisecond (back-pressure, dp_lcore.h). */
void snmp_defer_end(struct dp_lcore *lc, uint32_t id);

/** Forget the step's request-ids (answered: later replies are duplicates). */
void snmp_forget_reqids(struct snmp_state *st, struct snmp_session *s, int answered);

/** Emit one varbind of the session's job as a record (snmp_reply.c). */
void snmp_emit_varbind(struct dp_lcore *lc, struct snmp_session *s,
		       const struct snmp_varbind *vb);

/** The error of a reply's error-status (tooBig, noSuchName, genErr, ...). */
enum argos_err snmp_status_error(int32_t status);

/** The module's input callback: a UDP datagram to our source port. */
void snmp_input(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, const uint8_t *l4,
		uint32_t l4_len);

/**
 * The reply to a walk step (snmp_walk.c), matched and validated;
 * payload is its UDP payload's length.  Emits its varbinds, reports what
 * is wrong with it, and sends the walk's next request.
 * @return 1 when the walk of this root is over, 0 when it goes on.
 */
int snmp_got_walk(struct dp_lcore *lc, uint32_t id, const struct snmp_reply *r,
		  uint32_t payload);

/** Start the loop guard of a walk from its root (snmp_walk.c). */
void snmp_walk_begin(struct snmp_session *s);

/**
 * An attempt of the step in flight went unanswered (snmp_timeout.c):
 * resend, shrink max-repetitions, go on to the alternate community, or
 * end the job with the error that names what happened.
 */
void snmp_attempt_timed_out(struct dp_lcore *lc, uint32_t id);

/* --- sessions by agent address (snmp_addr.c) --- */

/** Size the table for n sessions.  @return 0, or -ENOMEM. */
int snmp_addr_init(struct snmp_state *st, uint32_t n);

/** Enter session id (its ip is set) / take it out. */
void snmp_addr_insert(struct snmp_state *st, uint32_t id);
void snmp_addr_remove(struct snmp_state *st, uint32_t id);

/**
 * A datagram from an agent was dropped before its request-id could name
 * a session (it does not parse, its fragments never all arrived, its
 * checksum is wrong, its request-id is unknown): note why on every
 * session waiting for a reply from ip (network order) and port (host
 * order; 0: any port, when the UDP header was never seen).  If such a
 * session's request then times out, it reports why instead of timeout.
 * Counts nothing (the caller counts the drop); O(sessions on that
 * address).
 */
void snmp_note_drop(struct dp_lcore *lc, uint32_t ip, uint16_t port, enum argos_err why);

#endif
