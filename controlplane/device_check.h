/*
 * device_check.h - the one set of rules a device must meet to be
 * polled, wherever it comes from: a line of the devices file
 * (devices.c), a device written through the JSON API (db_api.c), or a
 * database row claimed for a poll (db_claim.c; a row written by hand
 * in SQL is refused there and reported as "bad-device").
 *
 * The rules (docs/argos.1.md, DEVICES FILE):
 *   hostname                 1 to 255 bytes, no control character
 *   ip_address               a unicast IPv4 host: not 0.0.0.0/8 ("this
 *                            network"), 127.0.0.0/8 (loopback: argos
 *                            sends on its port, never to itself),
 *                            224.0.0.0/4 (multicast) or 240.0.0.0/4
 *                            (reserved, with 255.255.255.255)
 *   snmp_community           0 to ARGOS_COMMUNITY_LEN_MAX (63) bytes:
 *   snmp_alternate_community what a job record carries, refused and
 *                            never cut
 *   snmp_version             0 (v1), 1 (v2c), or 3 (v3) with usm set
 *                            and meeting cp_usm_check (the snmpv3_*
 *                            columns of the file or the table)
 *   snmp_port                1 to 65535
 *   snmp_timeout             10 ms to 60 s
 *   snmp_retries             0 to 10
 *   snmp_max_repetitions     1 to 1000
 *   polling_frequency,       0 to 604800 s (a week); 0: never (SNMP
 *   ping_frequency           polls, resp. pings, of that device)
 *
 * Messages name the field and never hold a community's text.
 */
#ifndef ARGOS_DEVICE_CHECK_H
#define ARGOS_DEVICE_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct cp_usm_conf;

/** A device as its source gave it, values not yet narrowed. */
struct cp_device_check {
	const char *hostname;
	uint32_t ip;                  /**< network byte order */
	const char *community;
	const char *alt_community;    /**< NULL or "": none */
	int64_t snmp_version;         /**< 0 = v1, 1 = v2c, 3 = v3, -1: the source's text was none */
	const struct cp_usm_conf *usm; /**< v3: the snmpv3_* columns; NULL: the source has none */
	int64_t snmp_port;
	int64_t snmp_timeout_ms;
	int64_t snmp_retries;
	int64_t snmp_max_repetitions;
	int64_t polling_frequency;    /**< seconds */
	int64_t ping_frequency;       /**< seconds */
};

/**
 * Check d against the rules above.
 * @return 0, or -1 with why ("FIELD: reason", NUL-terminated, cut to
 *         len) naming the first field that breaks a rule.
 */
int cp_device_check(const struct cp_device_check *d, char *why, size_t len);

/**
 * The address rule alone (ip in network byte order).
 * @return NULL when ip may be polled, else why not ("loopback", ...).
 */
const char *cp_device_ip_refused(uint32_t ip);

#endif
