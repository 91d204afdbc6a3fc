/*
 * cp_usm_table.h - the control plane's side of SNMPv3 (usm_table.c): the
 * cores' credential table, what argos knows of each v3 device's engine,
 * and the jobs and records that carry it (include/argos_usm.h).
 *
 *   make a job:  the device's engine unknown -> no entry (the core
 *                discovers it); known -> an entry with the keys
 *                localized to it (made now if need be), and the engine's
 *                boots and time as last heard
 *   a USM record: the engine, boots and time the job ended with;
 *                NEED_KEYS: its DONE is no poll, the job is sent again at
 *                once (and only once per poll) with keys for that engine
 *
 * Entries.  One per device whose engine is known, made on the main lcore
 * (Ku once per user and passphrase, kept per device; Kul once per user
 * and engine), written only while no job of its device is in flight,
 * so an entry a job names is never rewritten.  The table holds one
 * entry for every job that can be in flight at once (every worker's job
 * ring and sessions), so when it is full the entry of a device with no
 * job in flight is taken back (clock order); that device's keys are
 * localized again (a hash, microseconds) at its next poll.
 *
 * Everything here runs on the main lcore.
 */
#ifndef ARGOS_CP_USM_TABLE_H
#define ARGOS_CP_USM_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "argos_job.h"
#include "argos_result.h"

struct cp_app;
struct cp_device;

/** What the v3 side counted, for /metrics and the summary. */
struct cp_usm_stats {
	uint64_t discoveries;      /**< engines learnt (first polls, changed engines) */
	uint64_t localizations;    /**< entries made: keys localized to an engine */
	uint64_t ku_derivations;   /**< passphrases stretched to Ku (1 MB of hashing) */
	uint64_t evictions;        /**< entries taken back from devices not in flight */
	uint64_t key_failures;     /**< keys that could not be made (logged) */
	uint32_t entries;          /**< the table's size, 0 until v3 is used */
	uint32_t in_use;
};

/**
 * Set up per-device state for app->cap_devs slots, and the credential
 * table when v3 is in use now (DB mode, or a v3 device in the file).
 * Call after the devices are loaded and before the lanes are made.
 * @return 0, or -1 with msg saying why (no memory: too few hugepages).
 */
int cp_usm_open(struct cp_app *app, char *msg, size_t len);

/**
 * Make sure the credential table exists when devs (n devices, a reloaded
 * file) has a v3 device, allocating it and giving it to the cores.
 * @return 0, or -1 with msg saying why (the reload is then refused).
 */
int cp_usm_need(struct cp_app *app, const struct cp_device *devs, size_t n, char *msg,
		size_t len);

/** Set each lane's usm_creds and n_usm_creds (lanes made after open). */
void cp_usm_lanes(struct cp_app *app);

/** Free what open made. */
void cp_usm_close(struct cp_app *app);

/** Fill the v3 part of device idx's SNMP job (snmp_version 3). */
void cp_usm_job(const struct cp_app *app, uint32_t idx, struct argos_job *j);

/**
 * A result record: take what belongs to v3.  USM records are always
 * taken; a DONE that follows a NEED_KEYS record is taken too (counted
 * as an ended job, the device scheduled again at once).
 * @return 1 when the record was taken (the sinks must not see it).
 */
int cp_usm_record(struct cp_app *app, const struct argos_rec_hdr *h, uint64_t now);

/** The summary's SNMPv3 line (nothing when no v3 device was polled). */
void cp_usm_summary(const struct cp_app *app, FILE *f);

/** The counters. */
void cp_usm_get_stats(const struct cp_app *app, struct cp_usm_stats *out);

#endif
