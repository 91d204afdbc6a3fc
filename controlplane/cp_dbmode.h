/*
 * cp_dbmode.h - the main lcore's side of DB mode (--dsn): claimed
 * devices become jobs, ended jobs become results for the database.
 *
 * The DB thread (controlplane/db) claims due devices; here each claim
 * gets a slot in the control plane's device table (a device keeps its
 * slot, and so its core, from one poll to the next), its profile gets a
 * place in the cores' profile table, and the job is scheduled at once.
 * When the job's DONE record comes back, its outcome goes to the DB
 * thread, which writes results in batches.
 */
#ifndef ARGOS_CP_DBMODE_H
#define ARGOS_CP_DBMODE_H

#include <stddef.h>
#include <stdint.h>

#include "argos_result.h"

struct cp_app;
struct cp_due;

/** Buckets of argos_db_lateness_seconds (le 0.001 ... 60, then +Inf). */
#define CP_DBMODE_LATE_N 13

/** Own mode: how late polls started, by how much (a histogram). */
struct cp_dbmode_late {
	uint64_t bucket[CP_DBMODE_LATE_N + 1];   /* the last: above 60 s */
	uint64_t count;
	double sum;                               /* seconds */
};

/** Device slots in DB mode: the most devices one appliance holds. */
#define CP_DB_SLOTS (1u << 20)

/**
 * Connect to the database named by app->cfg.db (checking its schema),
 * allocate the device slots into app->devs and start the DB thread.
 * @return 0, or -1 with msg saying what failed (the DSN redacted).
 */
int cp_dbmode_open(struct cp_app *app, char *msg, size_t len);

/**
 * Once per loop: report capacity, turn new claims into scheduled jobs,
 * act on events (deleted devices, changed profiles, HA).
 */
void cp_dbmode_tick(struct cp_app *app, uint64_t now_ms);

/** 1 when this appliance may start polls (HA: it holds the lock). */
int cp_dbmode_active(const struct cp_app *app);

/** An ERROR record of a job in progress: the first one is reported. */
void cp_dbmode_error(struct cp_app *app, const struct argos_rec_error *e);

/** A job ended: hand its outcome to the DB thread, free what it held. */
void cp_dbmode_done(struct cp_app *app, const struct argos_rec_done *d);

/**
 * send_due: may the heap entry e start a job now?  0: drop it (stale,
 * not ours, or put back for later).  1 in claim mode.
 */
int cp_dbmode_may_send(struct cp_app *app, const struct cp_due *e, uint64_t now_ms);

/** send_due: the job of e went to a core (own mode's bookkeeping). */
void cp_dbmode_sent(struct cp_app *app, uint32_t dev, uint8_t kind, uint64_t now_ms);

/** A v3 poll ended only to bring its keys (usm_table.c): the same poll
 *  starts again at once, as the same poll. */
void cp_dbmode_again(struct cp_app *app, uint32_t dev, uint64_t now_ms);

/** Own mode: the lateness histogram of one kind (zeros otherwise). */
void cp_dbmode_late(const struct cp_app *app, uint8_t kind, struct cp_dbmode_late *out);

/** Own mode: devices loaded now. */
uint64_t cp_dbmode_devices(const struct cp_app *app);

/** The tags of the device in slot, as *n "name\0value\0" pairs in a
 *  buffer of CP_DB_LABELS_MAX bytes. */
const char *cp_dbmode_labels(const struct cp_app *app, uint32_t slot, unsigned *n);

/** The database handle, for its counters and profiles. */
struct cp_db *cp_dbmode_db(const struct cp_app *app);

/** Write what is buffered, release the leases left, disconnect. */
void cp_dbmode_close(struct cp_app *app);

#endif
