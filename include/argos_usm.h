/*
 * argos_usm.h - SNMPv3's User-based Security Model (RFC 3414, RFC 3826,
 * RFC 7860) as the two planes share it: the read-only credential table
 * the cores read, the part of a job that names an entry, and the record
 * a core writes back about the agent's engine.
 *
 * Why a table: a v3 poll needs far more than fits a 192-byte job (a user
 * name, an engine ID, a context, keys and their prepared hash states).
 * As with profiles, the control plane fills an entry before it sends the
 * first job that names it, and never rewrites an entry while a job may
 * use it: a changed credential or a new engine takes another entry.  The
 * ring's enqueue publishes the entry to the core.
 *
 * What the cores get is keys localized to one engine (RFC 3414 2.6),
 * never a passphrase: the control plane derives Ku from the passphrase
 * (1 MB of hashing, once per user and passphrase), localizes it to the
 * agent's engine ID (once per user and engine) and extends it for
 * AES-192/256 when the hash is too short, then calls argos_usm_prepare()
 * so that the core copies prepared states instead of keying anything.
 *
 * Engine discovery (RFC 3414 4): a job whose device's engine is not
 * known yet names no entry (ARGOS_USM_NONE).  The core sends the
 * discovery request, and the agent's Report gives its engine ID, boots
 * and time; the core writes them in an argos_rec_usm record with
 * ARGOS_USM_REC_NEED_KEYS and ends the job at once.  The control plane
 * then localizes the keys to that engine and sends the job again; it is
 * not counted as a poll.  Every v3 job ends with such a record (without
 * NEED_KEYS when the poll went on), so the control plane always knows
 * the engine's latest boots and time for the next job.
 */
#ifndef ARGOS_USM_H
#define ARGOS_USM_H

#include <stdint.h>

#include "argos_job.h"
#include "argos_result.h"

#define ARGOS_USM_ID_MAX 32          /* engine IDs (RFC 3411), user and context names */
#define ARGOS_USM_NONE UINT32_MAX    /* argos_job_v3.usm: no entry, discover first */
#define ARGOS_USM_PREP_BYTES 576     /* prepared states: dataplane/usm_crypto.h fills them */
#define ARGOS_USM_KEY_MAX 64         /* the longest localized key (SHA-512) */
#define ARGOS_USM_PRIV_KEY_MAX 32    /* AES-256; DES uses 16: key and pre-IV */
/* snmpEngineBoots and snmpEngineTime are 0..2^31-1 (RFC 3414 2.2.1). */
#define ARGOS_USM_BOOTS_MAX 2147483647u

/** Security levels, as in msgFlags (RFC 3412): auth 1, priv 2. */
enum argos_usm_level {
	ARGOS_USM_NOAUTH = 0,        /**< noAuthNoPriv */
	ARGOS_USM_AUTH = 1,          /**< authNoPriv */
	ARGOS_USM_PRIV = 3,          /**< authPriv */
};

/** Authentication protocols (net-snmp's names in argos_usm_auth_name). */
enum argos_usm_auth {
	ARGOS_USM_AUTH_NONE = 0,
	ARGOS_USM_AUTH_MD5,          /**< HMAC-MD5-96, RFC 3414 */
	ARGOS_USM_AUTH_SHA,          /**< HMAC-SHA-96, RFC 3414 */
	ARGOS_USM_AUTH_SHA224,       /**< HMAC-SHA-224-128, RFC 7860 */
	ARGOS_USM_AUTH_SHA256,       /**< HMAC-SHA-256-192 */
	ARGOS_USM_AUTH_SHA384,       /**< HMAC-SHA-384-256 */
	ARGOS_USM_AUTH_SHA512,       /**< HMAC-SHA-512-384 */
	ARGOS_USM_AUTH_MAX
};

/** Privacy protocols.  The _C variants extend a short key as Cisco does
 *  (draft-reeder-snmpv3-usm-3desede), the others as net-snmp does
 *  (draft-blumenthal-aes-usm-04); both only matter when the auth hash
 *  is shorter than the AES key. */
enum argos_usm_priv {
	ARGOS_USM_PRIV_NONE = 0,
	ARGOS_USM_PRIV_DES,          /**< CBC-DES, RFC 3414 8 */
	ARGOS_USM_PRIV_AES,          /**< CFB128-AES-128, RFC 3826 */
	ARGOS_USM_PRIV_AES192,
	ARGOS_USM_PRIV_AES256,
	ARGOS_USM_PRIV_AES192C,
	ARGOS_USM_PRIV_AES256C,
	ARGOS_USM_PRIV_MAX
};

/** One entry of the cores' credential table: a user at one engine, its
 *  context and its keys.  Read-only once a job names it. */
struct argos_usm_cred {
	uint8_t level;               /**< enum argos_usm_level */
	uint8_t auth;                /**< enum argos_usm_auth */
	uint8_t priv;                /**< enum argos_usm_priv */
	uint8_t user_len;
	uint8_t engine_len;          /**< the agent's snmpEngineID: msgAuthoritativeEngineID */
	uint8_t ctx_engine_len;      /**< contextEngineID (the engine's own unless set) */
	uint8_t ctx_name_len;
	uint8_t mac_len;             /**< msgAuthenticationParameters: 12, 16, 24, 32, 48 */
	uint8_t priv_key_len;        /**< 16 (DES: key, pre-IV), 16, 24, 32 */
	uint8_t reserved[7];
	uint8_t user[ARGOS_USM_ID_MAX];
	uint8_t engine[ARGOS_USM_ID_MAX];
	uint8_t ctx_engine[ARGOS_USM_ID_MAX];
	uint8_t ctx_name[ARGOS_USM_ID_MAX];
	uint8_t priv_key[ARGOS_USM_PRIV_KEY_MAX]; /**< localized, extended if need be */
	/** HMAC inner and outer states and the DES key schedule, made from
	 *  the keys by argos_usm_prepare(); opaque to the control plane. */
	uint8_t prep[ARGOS_USM_PREP_BYTES] __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/** What a v3 job learnt of the agent's engine (a record of kind
 *  ARGOS_REC_USM, written before its DONE). */
struct argos_rec_usm {
	struct argos_rec_hdr h;
	uint8_t flags;               /**< enum argos_usm_rec_flag */
	uint8_t engine_len;          /**< 0: the engine is not known */
	uint16_t reserved;
	uint32_t boots;
	uint32_t time;               /**< snmpEngineTime at time_tsc */
	uint32_t reserved2;
	uint64_t time_tsc;
	uint8_t engine[ARGOS_USM_ID_MAX];
};

enum argos_usm_rec_flag {
	/** The job ended to have keys localized to this (new) engine: the
	 *  control plane sends it again at once; its DONE is no poll. */
	ARGOS_USM_REC_NEED_KEYS = 1 << 0,
};

/**
 * Make the entry's prepared states (HMAC inner and outer digest states,
 * the DES key schedule) from its localized auth key (auth_key_len bytes,
 * the auth hash's length) and its priv_key.  Implemented by the
 * dataplane (dataplane/usm_crypto.c), which alone knows their layout;
 * called by the control plane on an entry no job names.
 * @return 0, or -EINVAL for a protocol out of range or a key of the
 *         wrong length.
 */
int argos_usm_prepare(struct argos_usm_cred *c, const uint8_t *auth_key,
		      unsigned auth_key_len);

/** Bytes of a localized auth key (the hash's output), 0 for NONE. */
static inline unsigned
argos_usm_key_len(uint8_t auth)
{
	static const uint8_t len[ARGOS_USM_AUTH_MAX] = { 0, 16, 20, 28, 32, 48, 64 };

	return auth < ARGOS_USM_AUTH_MAX ? len[auth] : 0;
}

/** Bytes of msgAuthenticationParameters (RFC 3414, RFC 7860). */
static inline unsigned
argos_usm_mac_len(uint8_t auth)
{
	static const uint8_t len[ARGOS_USM_AUTH_MAX] = { 0, 12, 12, 16, 24, 32, 48 };

	return auth < ARGOS_USM_AUTH_MAX ? len[auth] : 0;
}

/** Bytes of the privacy key a protocol uses (DES: key and pre-IV). */
static inline unsigned
argos_usm_priv_len(uint8_t priv)
{
	static const uint8_t len[ARGOS_USM_PRIV_MAX] = { 0, 16, 16, 24, 32, 24, 32 };

	return priv < ARGOS_USM_PRIV_MAX ? len[priv] : 0;
}

/** net-snmp's name of an auth protocol ("SHA-256"), NULL if unknown. */
static inline const char *
argos_usm_auth_name(uint8_t auth)
{
	static const char *const n[ARGOS_USM_AUTH_MAX] = {
		"", "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" };

	return auth < ARGOS_USM_AUTH_MAX ? n[auth] : NULL;
}

/** net-snmp's name of a privacy protocol ("AES-256-C"), NULL if unknown. */
static inline const char *
argos_usm_priv_name(uint8_t priv)
{
	static const char *const n[ARGOS_USM_PRIV_MAX] = {
		"", "DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C" };

	return priv < ARGOS_USM_PRIV_MAX ? n[priv] : NULL;
}

_Static_assert(sizeof(struct argos_usm_cred) % 64 == 0, "credential entries are cache lines");

#endif
