/*
 * usm_conf.c - a device's SNMPv3 settings from text (see cp_usm_conf.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_usm_conf.h"

const char *const cp_usm_columns[CP_USM_FIELDS] = {
	[CP_USM_LEVEL] = "snmpv3_security_level",
	[CP_USM_USER] = "snmpv3_auth_user",
	[CP_USM_AUTH_PROTO] = "snmpv3_auth_proto",
	[CP_USM_AUTH_PASS] = "snmpv3_auth_passwd",
	[CP_USM_PRIV_PROTO] = "snmpv3_privacy_proto",
	[CP_USM_PRIV_PASS] = "snmpv3_privacy_passwd",
	[CP_USM_CTX_NAME] = "snmpv3_context_name",
	[CP_USM_CTX_ENGINE] = "snmpv3_context_engine_id",
};

const char *
cp_usm_level_name(uint8_t level)
{
	return level == ARGOS_USM_PRIV ? "authPriv" : level == ARGOS_USM_AUTH ? "authNoPriv" :
	       "noAuthNoPriv";
}

static int
bad(char *err, size_t errlen, const char *fmt, const char *a)
{
	snprintf(err, errlen, fmt, a);
	return -1;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
cp_usm_set_field(struct cp_usm_conf *c, enum cp_usm_field f, const char *v, char *err,
		 size_t errlen)
{
	const char *col = f < CP_USM_FIELDS ? cp_usm_columns[f] : "snmpv3_?";
	size_t n = strlen(v);

	if (n == 0)
		return 0;
	switch (f) {
	case CP_USM_LEVEL:
		if (!strcasecmp(v, "noAuthNoPriv"))
			c->level = ARGOS_USM_NOAUTH;
		else if (!strcasecmp(v, "authNoPriv"))
			c->level = ARGOS_USM_AUTH;
		else if (!strcasecmp(v, "authPriv"))
			c->level = ARGOS_USM_PRIV;
		else {
			snprintf(err, errlen, "%s: '%s' is not noAuthNoPriv, authNoPriv or authPriv",
				 col, v);
			return -1;
		}
		return 0;
	case CP_USM_USER:
	case CP_USM_CTX_NAME:
		if (n > ARGOS_USM_ID_MAX)
			return bad(err, errlen, "%s is longer than 32 bytes", col);
		memcpy(f == CP_USM_USER ? c->user : c->ctx_name, v, n + 1);
		return 0;
	case CP_USM_AUTH_PROTO:
		for (uint8_t a = ARGOS_USM_AUTH_MD5; a < ARGOS_USM_AUTH_MAX; a++)
			if (!strcasecmp(v, argos_usm_auth_name(a))) {
				c->auth = a;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not MD5, SHA, SHA-224, SHA-256, SHA-384 or "
			 "SHA-512", col, v);
		return -1;
	case CP_USM_PRIV_PROTO:
		for (uint8_t p = ARGOS_USM_PRIV_DES; p < ARGOS_USM_PRIV_MAX; p++)
			if (!strcasecmp(v, argos_usm_priv_name(p))) {
				c->priv = p;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not DES, AES, AES-192, AES-256, AES-192-C or "
			 "AES-256-C", col, v);
		return -1;
	case CP_USM_AUTH_PASS:
	case CP_USM_PRIV_PASS:
		/* Never the value in a message: it is a secret. */
		if (n < 8 || n > CP_USM_PASS_MAX)
			return bad(err, errlen, "%s must be 8 to 128 bytes long", col);
		memcpy(f == CP_USM_AUTH_PASS ? c->auth_pass : c->priv_pass, v, n + 1);
		return 0;
	case CP_USM_CTX_ENGINE: {
		size_t k = 0;

		if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
			v += 2, n -= 2;
		if (n % 2 || n / 2 < 5 || n / 2 > ARGOS_USM_ID_MAX)
			return bad(err, errlen, "%s: want 5 to 32 bytes in hex", col);
		for (; k < n / 2; k++) {
			int hi = hex_digit(v[2 * k]), lo = hex_digit(v[2 * k + 1]);

			if (hi < 0 || lo < 0)
				return bad(err, errlen, "%s: want 5 to 32 bytes in hex", col);
			c->ctx_engine[k] = (uint8_t)(hi << 4 | lo);
		}
		c->ctx_engine_len = (uint8_t)k;
		return 0;
	}
	default:
		return bad(err, errlen, "%s: unknown SNMPv3 field", col);
	}
}

int
cp_usm_check(const struct cp_usm_conf *c, char *err, size_t errlen)
{
	if (c->user[0] == '\0')
		return bad(err, errlen, "%s is empty: an SNMPv3 device needs its user",
			   cp_usm_columns[CP_USM_USER]);
	if (c->level & ARGOS_USM_AUTH) {
		if (c->auth == ARGOS_USM_AUTH_NONE)
			return bad(err, errlen, "%s is empty: the level has authentication",
				   cp_usm_columns[CP_USM_AUTH_PROTO]);
		if (c->auth_pass[0] == '\0')
			return bad(err, errlen, "%s is empty: the level has authentication",
				   cp_usm_columns[CP_USM_AUTH_PASS]);
	} else if (c->auth != ARGOS_USM_AUTH_NONE || c->auth_pass[0] != '\0') {
		return bad(err, errlen, "%s is noAuthNoPriv but an auth protocol or passphrase is "
			   "given: say authNoPriv or authPriv", cp_usm_columns[CP_USM_LEVEL]);
	}
	if (c->level == ARGOS_USM_PRIV) {
		if (c->priv == ARGOS_USM_PRIV_NONE)
			return bad(err, errlen, "%s is empty: the level has privacy",
				   cp_usm_columns[CP_USM_PRIV_PROTO]);
		if (c->priv_pass[0] == '\0')
			return bad(err, errlen, "%s is empty: the level has privacy",
				   cp_usm_columns[CP_USM_PRIV_PASS]);
	} else if (c->priv != ARGOS_USM_PRIV_NONE || c->priv_pass[0] != '\0') {
		snprintf(err, errlen, "%s is %s but a privacy protocol or passphrase is given: "
			 "say authPriv", cp_usm_columns[CP_USM_LEVEL], cp_usm_level_name(c->level));
		return -1;
	}
	return 0;
}
