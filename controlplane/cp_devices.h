/*
 * devices.h - the devices the control plane polls, and the CSV file
 * they come from in DB-less mode (--devices FILE).
 *
 * The columns are named after horus's devices table.  Required: id,
 * hostname, ip_address, snmp_community, snmp_version.  Optional, with
 * their defaults: snmp_port (161), snmp_timeout (1, seconds, decimals
 * allowed), snmp_retries (2), snmp_max_repetitions (25),
 * polling_frequency (60 s, 0: never polled), ping_frequency (10 s, 0:
 * never pinged), snmp_alternate_community (none), snmp_exporter_module
 * (names of modules of --snmp-exporter-config, comma-separated; empty:
 * the built-in profile), snmp_exporter_auth (an auth of that file's
 * auths:; empty: the device's own community), and the leniencies
 * for agents that bend the rules, each off unless set (argos_job.h's
 * flags): snmp_disable_bulk, snmp_allow_other_source,
 * snmp_allow_nonincreasing_oids, snmp_walk_past_exceptions.  Each line
 * is parsed here, then meets the rules every device source shares
 * (device_check.h).  SNMPv3 (snmp_version 3) takes the snmpv3_* columns
 * of cp_usm_conf.h instead of a community.
 */
#ifndef ARGOS_CP_DEVICES_H
#define ARGOS_CP_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "argos_job.h"
#include "cp_usm_conf.h"

#define CP_ID_MAX 64
#define CP_HOSTNAME_MAX 256
#define CP_SX_NAME_MAX 128        /* a module or auth name */
#define CP_SX_LIST_MAX 512        /* the snmp_exporter_module field */
#define CP_SX_MODULES_MAX 8       /* modules of one device */

struct cp_device {
	char id[CP_ID_MAX];
	char hostname[CP_HOSTNAME_MAX];
	uint32_t ip;                 /* network order */
	char community[ARGOS_COMMUNITY_MAX + 1];
	char alt_community[ARGOS_COMMUNITY_MAX + 1];  /* "": none */
	uint16_t snmp_flags;         /* ARGOS_JOB_GETNEXT ... ARGOS_JOB_PAST_EXCEPTIONS */
	uint8_t snmp_version;        /* 0 = v1, 1 = v2c, 3 = v3 */
	uint16_t snmp_port;
	uint32_t snmp_timeout_ms;
	uint8_t snmp_retries;
	uint16_t snmp_max_repetitions;
	uint32_t polling_frequency;  /* seconds */
	uint32_t ping_frequency;     /* seconds, 0: no ping */
	uint32_t line;               /* where the file defined it */
	uint16_t profile;            /* index in the cores' profile table, 0: --oids/if-mib */
	uint16_t sx_set;             /* snmp_exporter module set (sx_app.c), 0: none */
	int64_t db_id;               /* DB mode: devices.id */
	struct cp_usm_conf usm;      /* snmp_version 3: the snmpv3_* columns */
	/* devices file: snmp_exporter_module and snmp_exporter_auth, NULL:
	 * none; freed (NULL) once cp_sx_bind_table() made them sx_set, so
	 * that a record is all values (a reload compares them bytewise). */
	char *sx_modules;
	char *sx_auth;
};

/**
 * Load a devices file.  On success *devs is a malloc'd array of *n
 * devices (at least one), in file order.
 * @return 0, or -1 with err holding "FILE:LINE: reason" (LINE 0 when
 *         the file cannot be read).  Nothing is returned on error.
 */
int cp_devices_load(const char *path, struct cp_device **devs, size_t *n,
		    char *err, size_t errlen);

/** Free a device list with the strings its devices hold. */
void cp_devices_free(struct cp_device *devs, size_t n);

/**
 * Check the syntax of an snmp_exporter_module field: comma-separated
 * module names, none empty, at most CP_SX_MODULES_MAX.  Whether the
 * modules exist is for the module file to say (sx_app.c).
 * @return 0, or -1 with why saying what is wrong.
 */
int cp_sx_modules_check(const char *list, char *why, size_t len);

/**
 * Make the synthetic device list of benchmark mode: one SNMPv2c device
 * per host address of cidr (the network and broadcast addresses are
 * left out below /31), named by its address, with community and the
 * file's defaults, and polling_frequency 0 (polled back to back).
 * @return 0, or -1 with err saying what is wrong with the flag.
 */
int cp_devices_cidr(const char *cidr, const char *community, struct cp_device **devs,
		    size_t *n, char *err, size_t errlen);

#endif
