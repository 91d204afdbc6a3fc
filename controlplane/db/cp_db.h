/*
 * cp_db.h - argos's Postgres control plane: the schema, the claims of
 * due devices, the write-back of results, LISTEN/NOTIFY and HA.
 *
 * One DB thread (a pthread of the control plane) does all the talking
 * to Postgres: it claims the due devices every --db-snmp-freq and
 * --db-ping-freq seconds, writes results back in batches, releases the
 * leases of dead appliances, LISTENs for changes and keeps an appliances
 * heartbeat.  An HA thread holds the --lock-id advisory lock.  The main
 * thread never blocks on Postgres: every call below marked "main
 * thread" only takes a mutex for a copy and returns.
 *
 * Typical use by controlplane/main.c:
 *
 *   cp_db_opts_init(&o);  cp_db_opts_set(&o, "dsn", url, msg, len); ...
 *   if (migrate) return cp_db_migrate(o.dsn, msg, len) ? 1 : 0;
 *   cp_db_open(&o, &db, msg, len);        exit 1 with msg on failure
 *   cp_db_start(db);
 *   loop:
 *       cp_db_capacity(db, snmp_free, ping_free);
 *       n = cp_db_take_claims(db, claims, max);   -> jobs
 *       cp_db_result(db, &r) for each job ended
 *       cp_db_take_events(db, ev, max)            -> profile reloads, ...
 *       if (!cp_db_active(db)) start no new job
 *   cp_db_stop(db, 5000);
 *
 * The schema, the claim order and the flags are documented in
 * docs/argos-db.md.
 */
#ifndef ARGOS_CP_DB_H
#define ARGOS_CP_DB_H

#include <stddef.h>
#include <stdint.h>

#include "argos_errors.h"
#include "argos_job.h"
#include "argos_types.h"
#include "cp_usm_conf.h"

#define CP_DB_HOSTNAME_MAX 256    /* devices.hostname is at most 255 bytes */
#define CP_DB_LABELS_MAX 416      /* devices.tags is at most 400 bytes of JSON */
#define CP_DB_SX_MODULES_MAX 512  /* devices.snmp_exporter_module (006) */
#define CP_DB_SX_AUTH_MAX 128     /* devices.snmp_exporter_auth (006) */
#define CP_DB_ERROR_TEXT_MAX 120  /* longer error texts are cut */
#define CP_DB_NAME_MAX 64         /* appliance and poller group names */
#define CP_DB_BUCKETS 1024        /* own mode: devices.id % 1024 is a device's bucket */

/** How the appliances of a poller group share the devices (--db-mode). */
enum cp_db_mode {
	CP_DB_MODE_OWN = 0,       /**< buckets owned under leases, polls scheduled in memory */
	CP_DB_MODE_CLAIM,         /**< a claim (a row update) per poll, as before 008 */
};

/** Own mode: where a bucket stands for this appliance (cp_db_buckets()). */
enum cp_db_bucket_state {
	CP_DB_B_NONE = 0,         /**< not ours: its devices are dropped as met */
	CP_DB_B_OWNED,            /**< ours, lease confirmed: poll */
	CP_DB_B_PAUSED,           /**< ours, but the lease was not renewed in time: start nothing */
	CP_DB_B_DROPPING,         /**< being given away: start nothing, let the jobs end */
};

/** Own mode: what a device record of cp_db_take_claims() asks. */
enum cp_db_op {
	CP_DB_OP_CLAIM = 0,       /**< claim mode: poll this device now */
	CP_DB_OP_UPSERT,          /**< own mode: the device as it is now (new or changed) */
	CP_DB_OP_REMOVE,          /**< deleted, deactivated or moved to another group */
	CP_DB_OP_POLL_NOW,        /**< argos_poll_now: make its next SNMP poll due now */
	CP_DB_OP_SYNC_BEGIN,      /**< bucket: every device follows as UPSERT, then... */
	CP_DB_OP_SYNC_END,        /**< ...the bucket's devices not sent since BEGIN are gone */
	CP_DB_OP_BUCKET_GONE,     /**< bucket: given away; drop its devices */
};

struct cp_db;

/** Which kind of poll a claim or a result is about. */
enum cp_db_kind {
	CP_DB_SNMP = 1,   /* same values as enum argos_job_kind */
	CP_DB_PING = 2,
};

/** How argos talks to its database; every field has a flag (cp_db_opts_set). */
struct cp_db_opts {
	const char *dsn;              /**< --dsn or --dsn-file: libpq URL or key=value string */
	char appliance[CP_DB_NAME_MAX];    /**< --appliance-name, default the hostname */
	char poller_group[CP_DB_NAME_MAX]; /**< --poller-group, default "default" */
	uint32_t snmp_freq_ms;        /**< --db-snmp-freq S (30): claim round; 0 = no SNMP */
	uint32_t ping_freq_ms;        /**< --db-ping-freq S (10): claim round; 0 = no ping */
	uint32_t unlock_freq_ms;      /**< --device-unlock-freq S (600): release expired leases */
	uint32_t lease_s;             /**< --lease S (300): how long a claim may stay unanswered */
	uint32_t down_retry_s;        /**< --down-retry S (0 = the polling frequency) */
	uint32_t error_flush_h;       /**< --error-flush-freq H (4): keep error reports; 0 = forever */
	uint32_t report_flush_h;      /**< --report-flush-freq H (3): keep unanswered reports */
	int64_t lock_id;              /**< --lock-id N (0 = no HA) */
	const char *lock_dsn;         /**< --lock-dsn URL, default the --dsn */
	uint32_t flush_ms;            /**< results are written at least this often (1000) */
	uint32_t batch_max;           /**< rows per write-back statement at most (20000) */
	uint32_t cores;               /**< reported in the appliances heartbeat */
	uint8_t mode;                 /**< --db-mode: enum cp_db_mode (own) */
	uint32_t own_lease_ms;        /**< --bucket-lease S (6): a bucket's lease */
	uint32_t write_lag_ms;        /**< --db-write-lag S (60): horus columns lag at most */
	/** Log sink, called from the DB and HA threads; NULL: stderr. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/** One due device, claimed for this appliance.  Copied, owns nothing. */
struct cp_db_claim {
	uint8_t op;                   /**< enum cp_db_op; own mode's fields below */
	uint16_t bucket;              /**< own mode: device_id % CP_DB_BUCKETS, or the op's */
	uint8_t taken_over;           /**< own mode: its bucket was a dead appliance's: the
	                                   table's last_polled_at may lag, poll it soon */
	uint32_t snmp_every_s;        /**< own mode: polling_frequency (0: never) */
	uint32_t ping_every_s;        /**< own mode: ping_frequency (0: never) */
	int64_t last_polled_ms;       /**< own mode: unix ms, 0: never */
	int64_t last_pinged_ms;
	int64_t device_id;
	int64_t claimed_at_ms;        /**< unix ms, the database's clock */
	uint32_t ip;                  /**< IPv4, network byte order */
	uint32_t timeout_ms;          /**< per SNMP attempt */
	int32_t profile_id;
	int32_t priority;
	uint16_t port;                /**< SNMP agent port, host order */
	uint16_t max_repetitions;     /**< snmp_max_repetitions: the ceiling */
	uint16_t learnt_max_repetitions; /**< snmp_learnt_max_repetitions; 0: NULL */
	uint16_t snmp_flags;          /**< ARGOS_JOB_GETNEXT (snmp_disable_bulk),
	                                   _ANY_SOURCE, _NONINCREASING, _PAST_EXCEPTIONS */
	uint8_t kind;                 /**< enum cp_db_kind */
	uint8_t snmp_version;         /**< 0 = v1, 1 = v2c, 3 = v3 (usm) */
	uint8_t retries;
	uint8_t alt_in_use;           /**< snmp_alternate_in_use */
	uint8_t n_labels;             /**< pairs in labels */
	char hostname[CP_DB_HOSTNAME_MAX];
	char community[ARGOS_COMMUNITY_MAX];
	char alt_community[ARGOS_COMMUNITY_MAX]; /**< "" when none */
	/** The device's tags as n_labels name/value pairs, each string
	 *  NUL-terminated, one after the other: "site\0par1\0rack\0b3\0". */
	char labels[CP_DB_LABELS_MAX];
	char sx_modules[CP_DB_SX_MODULES_MAX];   /**< snmp_exporter_module, "" when none */
	char sx_auth[CP_DB_SX_AUTH_MAX];         /**< snmp_exporter_auth, "" when none */
	/** snmp_version 3: the snmpv3_* columns (007), passphrases included;
	 *  the main thread derives the keys and wipes its copy. */
	struct cp_usm_conf usm;
	/** "": the row meets cp_device_check(); else why it does not (the
	 *  claim is then answered at once with ARGOS_ERR_BAD_DEVICE and
	 *  this text, never polled: a community is refused, never cut). */
	char refused[CP_DB_ERROR_TEXT_MAX];
};

/** Own mode: a device's horus columns, written in batches (cp_db_states). */
struct cp_db_state {
	int64_t device_id;
	int64_t polled_ms;            /**< unix ms the last poll started, 0: none since */
	int64_t pinged_ms;            /**< unix ms the last ping started, 0: none since */
	uint16_t max_repetitions;     /**< snmp_learnt_max_repetitions, 0: leave */
	int8_t alt_in_use;            /**< snmp_alternate_in_use: 0, 1, or -1 (leave) */
	uint8_t poll_ok;              /**< last_poll_ok */
};

/** How one claimed poll ended, as the main thread reports it. */
struct cp_db_result {
	int64_t device_id;
	int64_t requested_at_ms;      /**< unix ms when the poll started */
	uint32_t duration_ms;
	uint8_t kind;                 /**< enum cp_db_kind */
	uint8_t err;                  /**< enum argos_err, ARGOS_ERR_NONE when ok */
	char error_text[CP_DB_ERROR_TEXT_MAX]; /**< detail for reports, may be "" */
	/* SNMP: what the poll learnt, for the device's next one (0 / -1:
	 * leave the column as it is) */
	uint16_t max_repetitions;     /**< snmp_learnt_max_repetitions */
	int8_t alt_in_use;            /**< snmp_alternate_in_use: 0, 1, or -1 */
};

enum cp_db_event_kind {
	CP_DB_EV_DEVICE_CHANGED = 1,  /**< id: a device row was created or edited */
	CP_DB_EV_DEVICE_DELETED,      /**< id: a device row is gone */
	CP_DB_EV_DEVICES_RESYNC,      /**< many devices changed, or events were missed */
	CP_DB_EV_PROFILES_CHANGED,    /**< profiles reloaded: read them again */
	CP_DB_EV_ACTIVE,              /**< HA: this appliance holds the lock now */
	CP_DB_EV_PASSIVE,             /**< HA: lock lost or not held: start no poll */
	CP_DB_EV_RECONNECTED,         /**< the session was lost and is back: answer with
	                                   cp_db_keep_leases() (no claim starts before) */
};

struct cp_db_event {
	uint8_t kind;                 /**< enum cp_db_event_kind */
	int64_t id;
	int64_t at_ms;                /**< unix ms when the DB thread heard of it */
};

/** One metric of a profile, for the exporter: how to name what an OID holds. */
struct cp_db_metric {
	char name[64];                /**< e.g. ifHCInOctets */
	char measure[64];             /**< e.g. ifXTable */
	struct argos_oid oid;         /**< scalar instance (.0) or table column */
	uint8_t indexed;              /**< 1: varbinds under oid, one per row */
	uint8_t export_as_label;      /**< 1: a label of the measure's rows */
	char index_pattern[128];      /**< regex on the arcs after oid (or horus's, on the
					   whole OID); its groups joined by dots = index */
	char post_processors[128];    /**< horus's, comma-separated, "" when none */
};

/** Counters for /metrics; totals since cp_db_open unless said otherwise. */
struct cp_db_stats {
	uint64_t claim_rounds;
	uint64_t claimed_rows;
	uint64_t claim_round_us_last; /**< the last claim statement's round trip */
	uint64_t claim_round_us_sum;
	uint64_t writeback_statements;
	uint64_t written_rows;        /**< results written (devices updated) */
	uint64_t report_rows;         /**< error rows inserted into reports */
	uint64_t statements;          /**< every statement sent, of any kind */
	uint64_t reconnects;
	uint64_t released_leases;     /**< by the unlocker, any appliance's */
	uint64_t events;
	uint64_t events_dropped;      /**< event queue full: a resync was sent */
	uint64_t results_pending;     /**< now: buffered, not yet written */
	uint64_t claims_pending;      /**< now: claimed, not yet taken */
	uint64_t buckets_owned;       /**< own mode, now: buckets this appliance holds */
	uint64_t buckets_taken;       /**< own mode: buckets taken, and given away */
	uint64_t buckets_given;
	uint64_t devices_loaded;      /**< own mode: device rows read (loads and changes) */
	uint64_t state_rows;          /**< own mode: horus columns written (devices updated) */
	uint32_t connected;           /**< now: 1 when the DB thread has a session */
	uint32_t active;              /**< now: cp_db_active() */
};

/** Fill o with horus's defaults; dsn stays NULL (required). */
void cp_db_opts_init(struct cp_db_opts *o);

/**
 * Set one option by its flag name without dashes ("dsn", "lock-id",
 * "db-snmp-freq", ... as listed in cp_db_usage).  arg is kept, not
 * copied, for "dsn" and "lock-dsn": it must outlive the opts.
 * @return 0; -ENOENT when name is not a DB flag; -EINVAL when arg is
 *         bad, with msg saying why (a password never appears in it).
 *         A DSN may hold a password here: refusing one given in argv
 *         is the command line's job (argos's config.c).
 */
int cp_db_opts_set(struct cp_db_opts *o, const char *name, const char *arg,
		   char *msg, size_t len);

/** The DB flags' help text, one line each, for argos's usage. */
extern const char cp_db_usage[];

/**
 * Apply the embedded migrations the database lacks, each in its own
 * transaction, under an advisory lock, so two appliances migrating at
 * once are safe.  Blocking; run it before the DB thread exists.
 * @return 0 (up to date, also when nothing was to do); -1 with msg.
 */
int cp_db_migrate(const char *dsn, char *msg, size_t len);

/**
 * Connect, check that the schema version is the one this binary was
 * built with (naming --migrate when it is older), and load profiles.
 * Blocking, at start only.
 * @return 0 and *out; -1 with msg (bad DSN, unreachable, wrong schema).
 */
int cp_db_open(const struct cp_db_opts *o, struct cp_db **out, char *msg, size_t len);

/**
 * Start the DB thread (and the HA thread with --lock-id).  Claims flow
 * once the main thread reports capacity and, with HA, the lock is held.
 * @return 0, or -errno when a thread cannot start.
 */
int cp_db_start(struct cp_db *db);

/**
 * Stop: claim nothing more, write every buffered result (waiting up to
 * timeout_ms for the database), release this appliance's remaining
 * leases, close the sessions and free db.  Call after the last
 * cp_db_result.  NULL is a no-op.
 * @return 0, or -ETIMEDOUT when results could not all be written (the
 *         count is logged; those leases expire and are released).
 */
int cp_db_stop(struct cp_db *db, uint32_t timeout_ms);

/** Main thread: how many more SNMP and ping jobs the cores can take now. */
void cp_db_capacity(struct cp_db *db, uint32_t snmp_free, uint32_t ping_free);

/**
 * Main thread: move up to max claims into out, oldest first.  Returns 0
 * while the appliance is passive.  Each claim must end with exactly one
 * cp_db_result.
 */
size_t cp_db_take_claims(struct cp_db *db, struct cp_db_claim *out, size_t max);

/**
 * Main thread: hand one ended poll to the DB thread for write-back.
 * Never blocks on the database: results are buffered (bounded by the
 * claims outstanding) and written in batches.
 * @return 0; -EINVAL for a kind or err out of range.
 */
int cp_db_result(struct cp_db *db, const struct cp_db_result *r);

/** Main thread: move up to max pending events into out. */
size_t cp_db_take_events(struct cp_db *db, struct cp_db_event *out, size_t max);

/** Main thread, every loop: 1 when this appliance may poll.  One atomic load. */
int cp_db_active(const struct cp_db *db);

/**
 * The OIDs to poll for a profile (scalars end in .0 and are fetched
 * with GET, others walked), into out.  Any thread.
 * @return 0; -ENOENT for an unknown profile; -E2BIG when the profile
 *         has more than ARGOS_PROFILE_MAX_OIDS OIDs (logged at load).
 */
int cp_db_profile_oids(struct cp_db *db, int32_t profile_id, struct argos_profile *out);

/**
 * Copy up to max metric descriptions of a profile into out.  Any thread.
 * @return the number of metrics the profile has (may exceed max), or
 *         -ENOENT for an unknown profile.
 */
int cp_db_profile_metrics(struct cp_db *db, int32_t profile_id, struct cp_db_metric *out,
			  size_t max);

/** Copy the counters.  Any thread. */
void cp_db_get_stats(struct cp_db *db, struct cp_db_stats *out);

/**
 * The JSON device API, horus's (docs/argos-db.md, "Device API"):
 * GET /d/list[?id=N], POST /d/create (a JSON object of fields),
 * POST /d/update and /d/upsert (the fields and "id", or ?id=N),
 * POST|DELETE /d/delete (?id=N or {"id": N}).  A write is checked by
 * the devices file's rules (cp_device_check) in its transaction, and
 * answers the row as stored; no reply holds a community, a key or the
 * DSN.  Called from the HTTP threads; it uses its own session, with a
 * statement timeout, so it never waits on the DB thread.  query_id is
 * ?id= as the client gave it, or NULL; body need not end with a NUL.
 * *resp is malloc'd JSON (the caller frees it).
 * @return the HTTP status: 200, 201 (created), 400 (bad JSON, field or
 *         value, with the reason), 404 (no such device or path), 405,
 *         409 (duplicate), 500, 503 (database unreachable or busy).
 */
int cp_db_api(struct cp_db *db, const char *method, const char *path, const char *query_id,
	      const char *body, size_t len, char **resp, size_t *resp_len);

/**
 * After CP_DB_EV_RECONNECTED: the devices whose SNMP polls (pings) the
 * main thread still has in flight.  The DB thread then gives back every
 * other lease this appliance holds (a claim whose reply the lost
 * session never delivered, or a give-back it never sent), so that no
 * device waits for its lease to lapse, and claims again.  Copies the
 * ids.
 */
void cp_db_keep_leases(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
		       size_t n_ping);

/* --- own mode (--db-mode own) ---
 *
 * The appliances of a poller group share CP_DB_BUCKETS buckets
 * (devices.id % 1024) in the table device_buckets, each under a lease
 * the owner renews every second in one statement.  The DB thread takes
 * a fair share (the live appliances of the group by their heartbeat),
 * gives away what is above it, and streams the devices of its buckets
 * to the main thread as UPSERT records through cp_db_take_claims (then
 * every change NOTIFY brings).  The main thread schedules them itself,
 * reports errors with cp_db_result, and hands each device's horus
 * columns in bulk with cp_db_states when cp_db_flush_wanted says so. */

/** The bucket states (enum cp_db_bucket_state), CP_DB_BUCKETS bytes
 *  the DB thread writes and the main thread reads. */
const _Atomic uint8_t *cp_db_buckets(const struct cp_db *db);

/** Main thread: mono ms after which no job may start (the leases may
 *  have lapsed by then unless renewed); 0 before the first renewal. */
uint64_t cp_db_own_until(const struct cp_db *db);

/** Main thread: jobs of bucket b started (+1) or ended (-1). */
void cp_db_bucket_jobs(struct cp_db *db, unsigned b, int delta);

/** Main thread: 1 when the horus columns should be handed over now. */
int cp_db_flush_wanted(struct cp_db *db, uint64_t now_ms);

/** Main thread: hand n devices' columns; done 1 with the last chunk of a flush. */
int cp_db_states(struct cp_db *db, const struct cp_db_state *s, size_t n, int done);

#endif
