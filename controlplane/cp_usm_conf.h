/*
 * cp_usm_conf.h - a device's SNMPv3 settings as the devices file and the
 * devices table give them (usm_conf.c): horus's column names, net-snmp's
 * protocol names.
 *
 *   snmpv3_security_level   noAuthNoPriv, authNoPriv, authPriv (any case;
 *                           horus writes NoAuthNoPriv, AuthNoPriv, AuthPriv)
 *   snmpv3_auth_user        the USM user, 1..32 bytes
 *   snmpv3_auth_proto       MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
 *   snmpv3_auth_passwd      8..128 bytes
 *   snmpv3_privacy_proto    DES, AES, AES-192, AES-256, AES-192-C, AES-256-C
 *   snmpv3_privacy_passwd   8..128 bytes
 *   snmpv3_context_name     0..32 bytes (default empty)
 *   snmpv3_context_engine_id  hex, 5..32 bytes (default: the agent's engine)
 *
 * Pure C: the loader, the database claim, the device API and the unit
 * tests share it.  Nothing here prints a passphrase: messages name the
 * column, never its value.
 */
#ifndef ARGOS_CP_USM_CONF_H
#define ARGOS_CP_USM_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "argos_usm.h"

#define CP_USM_PASS_MAX 128          /* bytes of a passphrase */

struct cp_usm_conf {
	uint8_t level;               /* enum argos_usm_level */
	uint8_t auth;                /* enum argos_usm_auth */
	uint8_t priv;                /* enum argos_usm_priv */
	uint8_t ctx_engine_len;      /* 0: the agent's engine */
	char user[ARGOS_USM_ID_MAX + 1];
	char ctx_name[ARGOS_USM_ID_MAX + 1];
	uint8_t ctx_engine[ARGOS_USM_ID_MAX];
	char auth_pass[CP_USM_PASS_MAX + 1];
	char priv_pass[CP_USM_PASS_MAX + 1];
};

/** The columns, in the order the parser numbers them (cp_usm_set_field). */
enum cp_usm_field {
	CP_USM_LEVEL, CP_USM_USER, CP_USM_AUTH_PROTO, CP_USM_AUTH_PASS, CP_USM_PRIV_PROTO,
	CP_USM_PRIV_PASS, CP_USM_CTX_NAME, CP_USM_CTX_ENGINE, CP_USM_FIELDS
};

/** The column name of each field ("snmpv3_auth_user"). */
extern const char *const cp_usm_columns[CP_USM_FIELDS];

/**
 * Set one field from its text.  An empty text leaves the default.
 * @return 0, or -1 with err saying what is wrong (never the value of a
 *         passphrase).
 */
int cp_usm_set_field(struct cp_usm_conf *c, enum cp_usm_field f, const char *v, char *err,
		     size_t errlen);

/**
 * Check that the fields make a usable v3 device: the level's protocols
 * and passphrases are there (a protocol given without its level is an
 * error too: a typo must not silently downgrade a device).
 * @return 0, or -1 with err saying what is missing.
 */
int cp_usm_check(const struct cp_usm_conf *c, char *err, size_t errlen);

/** The name of a level ("authPriv"). */
const char *cp_usm_level_name(uint8_t level);

#endif
