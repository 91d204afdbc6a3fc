/*
 * db_internal.h - what the files of controlplane/db share: the cp_db
 * handle, the embedded migrations and the helpers each file offers the
 * others.  Nothing outside controlplane/db includes it.
 *
 * Threads and what they own:
 *   main thread  cp_db_capacity/take_claims/result/take_events/active
 *   DB thread    conn (claims, write-back, LISTEN, unlocker, heartbeat)
 *   HA thread    the --lock-id session, and the active flag
 *   HTTP thread  api_conn, under api_lock
 * q_lock guards the queues and the stats between them; prof_lock the
 * profile table (written by the DB thread on a reload).
 */
#ifndef ARGOS_DB_INTERNAL_H
#define ARGOS_DB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "cp_db.h"

#define DB_EVENTS_MAX 4096          /* then one RESYNC stands for the rest */
#define DB_POLL_NOW_MAX 1024        /* pending argos_poll_now ids */
#define DB_RESULTS_MAX (4u << 20)   /* results buffered at most */
#define DB_BACKOFF_MIN_MS 100       /* reconnect backoff doubles up to... */
#define DB_BACKOFF_MAX_MS 5000      /* ...this cap */
#define DB_KEEP_WAIT_MS 5000        /* after a reconnect, for the polls in flight */
#define DB_LOCK_RETRY_MS 1000       /* a passive instance tries the lock this often */
#define DB_HEARTBEAT_MS 10000
#define DB_REPORT_FLUSH_MS 300000   /* reports are pruned every 5 minutes */

/** One embedded migration (generated from migrations/ by embed_sql.py). */
struct cp_db_migration {
	unsigned version;
	const char *name;
	const char *sql;
};

extern const struct cp_db_migration cp_db_migrations[];
extern const unsigned cp_db_n_migrations;

/** A loaded profile: the OIDs the cores poll and the metrics behind them. */
struct db_profile {
	int32_t id;
	int too_many;                  /* more than ARGOS_PROFILE_MAX_OIDS OIDs */
	struct argos_profile oids;
	struct cp_db_metric *metrics;
	size_t n_metrics;
};

struct cp_db {
	struct cp_db_opts o;
	char dsn_safe[512];            /* redacted, for messages */
	char secret[2][256];           /* the password as written and as parsed */

	PGconn *conn;                  /* DB thread's session */
	pthread_t thread, ha_thread;
	int thread_started, ha_started;
	int wake_fd;                   /* eventfd: main/stop -> DB thread */
	int ha_wake_fd;                /* eventfd: stop -> HA thread */
	atomic_int stopping;
	atomic_int active;             /* HA lock held (1 without HA) */
	uint32_t stop_timeout_ms;

	pthread_mutex_t q_lock;
	struct cp_db_claim *claims;    /* FIFO: [claims_head, claims_head + claims_n) */
	size_t claims_head, claims_n, claims_cap;
	struct cp_db_result *results;  /* filled by the main thread */
	size_t results_n, results_cap;
	uint32_t snmp_free, ping_free; /* last capacity the main thread reported */
	uint64_t outstanding;          /* taken claims without a result */
	size_t queued[3];              /* claims_n by kind (enum cp_db_kind) */
	uint64_t stop_deadline_ms;     /* mono ms: cp_db_stop gives up then */
	size_t unwritten;              /* results the DB thread could not write */
	struct cp_db_event events[DB_EVENTS_MAX];
	size_t ev_head, ev_n;
	struct cp_db_stats st;

	/* cp_db_keep_leases(): the main thread's polls in flight after a
	 * reconnect (keep_ready set when they are here) */
	int64_t *keep[3];
	size_t keep_n[3];
	int keep_ready;

	int64_t poll_now[DB_POLL_NOW_MAX]; /* DB thread only */
	size_t n_poll_now;

	pthread_rwlock_t prof_lock;
	struct db_profile *profiles;
	size_t n_profiles;

	pthread_mutex_t api_lock;
	PGconn *api_conn;

	/* own mode: the buckets (DB thread writes, main thread reads), the
	 * jobs in flight per bucket (main thread writes), the hand-over of
	 * the horus columns (under q_lock) */
	_Atomic uint8_t buckets[CP_DB_BUCKETS];
	atomic_int bucket_jobs[CP_DB_BUCKETS];
	struct cp_db_state *states;
	size_t states_n, states_cap;
	uint64_t flush_asked, flush_serving, flush_done;   /* sequence numbers */
	uint64_t next_flush_ms;                            /* main thread's clock */
	_Atomic uint64_t own_until;   /* mono ms: no job starts from then on, until renewed */
	struct db_own *own;                                /* DB thread only */
};

/* db_conn.c */
uint64_t db_now_ms(void);
uint64_t db_mono_ms(void);
void db_log(struct cp_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void db_secrets_of(const char *dsn, char secret[2][256]);
void db_scrub(char *msg, char secret[2][256]);
PGconn *db_connect(const char *dsn, const char *app, char *msg, size_t len);
int db_conn_lost(PGconn *c);

/* The snmpv3_* columns (migration 007) in cp_usm_field order, as a
 * select list of table alias d. */
#define DB_USM_COLS " d.snmpv3_security_level, d.snmpv3_auth_user, d.snmpv3_auth_proto," \
	" d.snmpv3_auth_passwd, d.snmpv3_privacy_proto, d.snmpv3_privacy_passwd," \
	" d.snmpv3_context_name, d.snmpv3_context_engine_id"
/* A device row as db_row_to_claim() reads it (table alias d); own mode
 * adds DB_OWN_COLS after it. */
#define DB_DEVICE_COLS " d.id, host(d.ip_address), d.hostname, d.snmp_version," \
	" d.snmp_community, d.snmp_alternate_community, d.snmp_port, d.snmp_timeout," \
	" d.snmp_retries, d.snmp_max_repetitions, d.snmp_disable_bulk, d.profile_id," \
	" d.priority, d.labels, (extract(epoch FROM now()) * 1000)::bigint," \
	" d.snmp_allow_other_source, d.snmp_allow_nonincreasing_oids," \
	" d.snmp_walk_past_exceptions, d.snmp_learnt_max_repetitions," \
	" d.snmp_alternate_in_use, d.snmp_exporter_module, d.snmp_exporter_auth," DB_USM_COLS
#define DB_OWN_COL 30      /* the first of DB_OWN_COLS */
#define DB_OWN_COLS ", d.polling_frequency, d.ping_frequency," \
	" (extract(epoch FROM d.last_polled_at) * 1000)::bigint," \
	" (extract(epoch FROM d.last_pinged_at) * 1000)::bigint, d.poller_group, d.active"
/* snmp_version's text as cp_device_check wants it: 0, 1, 3, or -1. */
int db_snmp_version(const char *v);
/* Row row's DB_USM_COLS, from column col on, into c.  @return 0, or -1
 * with why naming the column (never a passphrase). */
int db_usm_row(const PGresult *r, int row, int col, struct cp_usm_conf *c, char *why, size_t len);
int db_check_schema(PGconn *c, char *msg, size_t len);

/* db_queue.c */
void db_push_event(struct cp_db *db, uint8_t kind, int64_t id);
void db_push_claims(struct cp_db *db, const struct cp_db_claim *c, size_t n);
size_t db_drain_claims(struct cp_db *db, int64_t **snmp_ids, size_t *n_snmp, int64_t **ping_ids,
		       size_t *n_ping);
void db_wake(int fd);

/* db_profiles.c */
int db_load_profiles(struct cp_db *db, PGconn *c, char *msg, size_t len);
void db_free_profiles(struct db_profile *p, size_t n);

/* db_claim.c: the statements of the DB thread */
PGresult *db_run(struct cp_db *db, const char *what, const char *sql, int n,
		 const char *const *params);
void db_row_to_claim(PGresult *r, int i, uint8_t kind, struct cp_db_claim *c);
int db_write_reports(struct cp_db *db, const struct cp_db_result *r, size_t n);
int db_write_state_rows(struct cp_db *db, const struct cp_db_state *st, size_t n);
int db_claim(struct cp_db *db, uint8_t kind, uint32_t limit, const int64_t *ids, size_t n_ids);
int db_write_back(struct cp_db *db, const struct cp_db_result *r, size_t n);
int db_release_except(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
		      size_t n_ping);
int db_release(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
	       size_t n_ping, int all_mine);
int db_unlock_expired(struct cp_db *db);
int db_flush_reports(struct cp_db *db);
int db_heartbeat(struct cp_db *db);

/* db_own.c: own mode's side of the DB thread */
void db_own_tick(struct cp_db *db, uint64_t now, int active);
void db_own_changed(struct cp_db *db, int64_t id);   /* NOTIFY changed:/deleted: */
void db_own_resync(struct cp_db *db);
void db_own_reconnected(struct cp_db *db);
int db_own_poll_now(struct cp_db *db, int64_t id);
int db_own_finish(struct cp_db *db);                /* at stop: 1 when done */
uint64_t db_own_next(const struct cp_db *db);       /* when db_own_tick wants to run */
void db_write_states(struct cp_db *db);

/* db_ha.c */
void *db_ha_main(void *arg);

/* db_thread.c */
void *db_thread_main(void *arg);

#endif
