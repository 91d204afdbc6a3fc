/*
 * snmp_v3.h - SNMPv3 in the SNMP probe module (snmp_v3.c): the
 * security layer under the module's steps, walks and retries, which
 * are the same for every version.  Private to the dataplane.
 *
 * What v3 changes in a poll:
 *   - its first request may be an engine discovery (no credential entry
 *     yet): the Report ends the job with the engine for the control
 *     plane, which localizes the keys and sends the job again;
 *   - each send is encoded, encrypted and authenticated anew (its own
 *     msgID, engine time and salt), and each retry has a fresh msgID and
 *     request-id (the same value: the msgID is what a Report echoes);
 *   - a reply is checked in this order before its varbinds are read:
 *     form, msgID, source, engine ID, user, digest, time window,
 *     decryption, scoped PDU; Reports end the job with USM's error name,
 *     except notInTimeWindow (resynchronize, retry once) and
 *     unknownEngineID (rediscover).
 */
#ifndef ARGOS_SNMP_V3_H
#define ARGOS_SNMP_V3_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "argos_usm.h"
#include "usm_crypto.h"

struct dp_lcore;
struct snmp_session;
struct snmp_state;
struct snmp_req;
struct argos_job;
struct argos_oid;

#define SNMP_V3_TIME_WINDOW 150    /* seconds, RFC 3414 2.2.3 */

/** What a session knows of its agent's engine, and how its v3 job goes. */
struct snmp_v3_sess {
	const struct argos_usm_cred *cred;  /**< NULL: discovering the engine */
	uint32_t boots;            /**< snmpEngineBoots, our notion */
	uint32_t time_at;          /**< snmpEngineTime at time_tsc */
	uint32_t latest;           /**< latestReceivedEngineTime (RFC 3414 3.2.7) */
	uint64_t time_tsc;
	uint8_t level;             /**< enum argos_usm_level the job asks for */
	uint8_t job_flags;         /**< enum argos_job_v3_flag */
	uint8_t resynced;          /**< the one retry after notInTimeWindow was used */
	uint8_t need_keys;         /**< the job ends for the control plane to localize */
	uint8_t engine_len;        /**< the engine the job talks to, or discovered */
	uint8_t engine[ARGOS_USM_ID_MAX];
};

/** A core's v3 state: cipher contexts, salts, the decryption buffer. */
struct snmp_v3_core {
	struct usm_ciphers ciphers;
	uint64_t salt;             /* next msgPrivacyParameters (random start) */
	uint8_t *plain;            /* SNMP_V3_MAX_SIZE bytes: decrypted scoped PDUs */
};

/** At the module's init: the core's contexts and buffer.  @return 0 or -ENOMEM. */
int snmp_v3_init(struct snmp_state *st);

/** A v3 job starts on session s. */
/** Free what snmp_v3_init() took outside the hugepages (OpenSSL's
 *  cipher contexts): when the core's loop has ended. */
void snmp_v3_fini(struct snmp_state *st);

void snmp_v3_start(struct dp_lcore *lc, struct snmp_session *s, const struct argos_job *job);

/** 1 when the session's next step is the engine discovery. */
static inline int
snmp_v3_discovering(const struct snmp_v3_sess *v)
{
	return v->cred == NULL;
}

/** Begin the discovery request (empty engine, user and PDU). */
void snmp_v3_discover(struct dp_lcore *lc, uint32_t id);

/**
 * Encode a step's scoped PDU (the session's context) into req.
 * @return 0, or a negative errno as snmp_encode_request.
 */
int snmp_v3_encode_step(const struct snmp_session *s, struct snmp_req *req, uint8_t pdu,
			uint16_t max_rep, const struct argos_oid *oids, unsigned n);

struct dp_tx_stamp;

/** Put the step's request on the wire as a v3 message via mac (a new
 *  salt and the engine time now); stamp says where the time it leaves
 *  goes, as for dp_send_udp(). */
void snmp_v3_send(struct dp_lcore *lc, struct snmp_session *s,
		  const struct rte_ether_addr *mac, const struct dp_tx_stamp *stamp);

/** The v3 datagram payload (plen bytes) from ip, UDP source port sport
 *  (host order): check it, then take it or drop it, counted. */
void snmp_v3_input(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip, uint16_t sport,
		   const uint8_t *payload, uint32_t plen);

/** At a v3 job's end, before its DONE: the engine record. */
void snmp_v3_end(struct dp_lcore *lc, struct snmp_session *s);

#endif
