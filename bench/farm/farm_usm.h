/*
 * farm_usm.h - SNMPv3 with the User-based Security Model (RFC 3412,
 * RFC 3414, RFC 3826, RFC 7860) in argos-farm: every simulated device is
 * the authoritative engine of one fixed engine ID, with one user.
 *
 * What is made once, at start (farm_usm_init): the user's keys, from its
 * passphrases localized to the farm's engine ID with argos's own
 * controlplane/usm_keys.c, and the prepared HMAC states (and DES key
 * schedule) of dataplane/usm_crypto.c, in one read-only struct
 * argos_usm_cred shared by every lcore.  What each lcore owns
 * (farm_usm_lcore_init): its AES cipher contexts, a salt counter, a
 * buffer for the decrypted scoped PDU and the usmStats counters its
 * Reports carry.  Answering a request allocates nothing.
 *
 * Pure code on byte buffers (no DPDK): the fuzz target links it.
 */
#ifndef ARGOS_FARM_USM_H
#define ARGOS_FARM_USM_H

#include <stddef.h>
#include <stdint.h>

#include "argos_usm.h"
#include "farm_snmp.h"
#include "usm_crypto.h"

#define FARM_USM_PLAIN_MAX 2048      /* largest encrypted scoped PDU of a request */
/* snmpEngineID of the farm unless --v3-engine-id: RFC 3411's text format
 * (0x80, net-snmp's enterprise 8072, format 4) with "argos-farm". */
#define FARM_USM_ENGINE_DEFAULT "80001f88046172676f732d6661726d"

/** The usmStats counters (RFC 3414 5), numbered as their OIDs' arc. */
enum farm_usm_stat {
	FARM_USM_UNSUPPORTED_SEC_LEVELS = 1,
	FARM_USM_NOT_IN_TIME_WINDOWS = 2,
	FARM_USM_UNKNOWN_USER_NAMES = 3,
	FARM_USM_UNKNOWN_ENGINE_IDS = 4,
	FARM_USM_WRONG_DIGESTS = 5,
	FARM_USM_DECRYPTION_ERRORS = 6,
	FARM_USM_UNKNOWN_CONTEXTS = 7,   /* snmpUnknownContexts (RFC 3412 5) */
	FARM_USM_STATS
};

/** The farm's engine and its one user.  Read-only once the lcores run. */
struct farm_usm {
	struct argos_usm_cred cred;  /**< the user, the farm's engine, keys, prepared states */
	uint32_t boots;              /**< snmpEngineBoots */
	uint64_t start;              /**< Unix seconds at which snmpEngineTime was 0 */
	uint8_t enabled;             /**< 0: v3 requests are dropped as unsupported */
};

/** One lcore's own state. */
struct farm_usm_lcore {
	struct usm_ciphers ciphers;
	uint64_t salt;               /**< next msgPrivacyParameters, never repeated */
	uint32_t stats[FARM_USM_STATS];
	uint8_t plain[FARM_USM_PLAIN_MAX];
};

/**
 * Set the farm's engine and user from passphrases: Ku of each
 * passphrase, localized to engine (engine_len bytes, 5..32), the states
 * prepared.  cred's level, auth, priv, user and user_len are set by the
 * caller; the rest is filled here.  Allocates (OpenSSL), at start only.
 * @return 0, or -EINVAL (a protocol, engine or passphrase refused),
 *         -ENOMEM.
 */
int farm_usm_init(struct farm_usm *u, const uint8_t *engine, size_t engine_len,
		  const char *auth_pass, const char *priv_pass, uint32_t boots, uint64_t start);

/**
 * Make an lcore's cipher contexts and draw its first salt from seed.
 * @return 0, or -ENOMEM.
 */
int farm_usm_lcore_init(struct farm_usm_lcore *k, uint64_t seed);

/** Free them. */
void farm_usm_lcore_fini(struct farm_usm_lcore *k);

/** What farm_usm_answer() made of a request, beyond struct farm_snmp_out. */
enum farm_usm_verdict {
	FARM_USM_ANSWERED = 0,       /**< a Response at the request's level */
	FARM_USM_REPORTED,           /**< a Report, *stat names its counter */
};

/**
 * Answer one SNMPv3 request (a UDP payload of len bytes) to the device
 * dev (farm_dev()) at time t (Unix seconds): the checks of RFC 3414
 * 3.2 in its order (engine ID, user, security level, digest, time
 * window, decryption, then the context), each refusal a Report of its
 * usmStats counter when the request is reportable.  The message is
 * written into scratch (FARM_SNMP_SCRATCH bytes) and never exceeds the
 * smaller of ctx->max_msg and the request's msgMaxSize.
 *
 * @return FARM_USM_ANSWERED or FARM_USM_REPORTED with *out filled (and
 *         *stat: the counter, 0 for a Response); -EBADMSG for a
 *         malformed message (or a scoped PDU that is, once
 *         authenticated); -EACCES for a refused request that asked for
 *         no Report (*stat says why); -ENOTSUP for v3 while no user is
 *         configured, or a PDU the farm does not serve; -EMSGSIZE.
 */
int farm_usm_answer(const struct farm_usm *u, struct farm_usm_lcore *k,
		    const struct farm_snmp_ctx *ctx, const uint8_t *req, size_t len, uint64_t dev,
		    uint64_t t, uint8_t *scratch, struct farm_snmp_out *out, uint8_t *stat);

#endif
