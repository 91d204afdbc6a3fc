/*
 * db_main.c - the life of a cp_db handle: open (connect, check the
 * schema, load profiles), start the threads, stop (write everything,
 * free the leases, close).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cp_redact.h"
#include "db_internal.h"

static void
db_free(struct cp_db *db)
{
	if (db->wake_fd >= 0)
		close(db->wake_fd);
	if (db->ha_wake_fd >= 0)
		close(db->ha_wake_fd);
	PQfinish(db->conn);
	PQfinish(db->api_conn);
	db_free_profiles(db->profiles, db->n_profiles);
	free(db->claims);
	free(db->results);
	free(db->keep[CP_DB_SNMP]);
	free(db->keep[CP_DB_PING]);
	free(db->states);
	free(db->own);
	pthread_mutex_destroy(&db->q_lock);
	pthread_mutex_destroy(&db->api_lock);
	pthread_rwlock_destroy(&db->prof_lock);
	free(db);
}

int
cp_db_open(const struct cp_db_opts *o, struct cp_db **out, char *msg, size_t len)
{
	struct cp_db *db;
	char app[96];

	*out = NULL;
	if (!o->dsn || !*o->dsn) {
		snprintf(msg, len, "--dsn URL is required (postgresql://user@host/db)");
		return -1;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	db->o = *o;
	db->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	db->ha_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&db->q_lock, NULL);
	pthread_mutex_init(&db->api_lock, NULL);
	pthread_rwlock_init(&db->prof_lock, NULL);
	db_secrets_of(o->dsn, db->secret);
	cp_redact(o->dsn, db->dsn_safe, sizeof(db->dsn_safe));
	if (db->wake_fd < 0 || db->ha_wake_fd < 0) {
		snprintf(msg, len, "eventfd: %s", strerror(errno));
		goto err;
	}
	snprintf(app, sizeof(app), "argos %s", o->appliance);
	db->conn = db_connect(o->dsn, app, msg, len);
	if (!db->conn || db_check_schema(db->conn, msg, len) != 0 ||
	    db_load_profiles(db, db->conn, msg, len) != 0)
		goto err;
	atomic_store(&db->active, o->lock_id == 0);
	*out = db;
	return 0;
err:
	db_scrub(msg, db->secret);
	db_free(db);
	return -1;
}

int
cp_db_start(struct cp_db *db)
{
	int ret = pthread_create(&db->thread, NULL, db_thread_main, db);

	if (ret)
		return -ret;
	db->thread_started = 1;
	pthread_setname_np(db->thread, "argos-db");
	if (db->o.lock_id) {
		ret = pthread_create(&db->ha_thread, NULL, db_ha_main, db);
		if (ret)
			return -ret;
		db->ha_started = 1;
		pthread_setname_np(db->ha_thread, "argos-db-ha");
	}
	return 0;
}

int
cp_db_stop(struct cp_db *db, uint32_t timeout_ms)
{
	size_t unwritten;

	if (!db)
		return 0;
	db->stop_deadline_ms = db_mono_ms() + timeout_ms;
	atomic_store(&db->stopping, 1);
	db_wake(db->wake_fd);
	db_wake(db->ha_wake_fd);
	if (db->thread_started)
		pthread_join(db->thread, NULL);
	/* The lock goes last: our results are written before a peer takes over. */
	if (db->ha_started)
		pthread_join(db->ha_thread, NULL);
	unwritten = db->thread_started ? db->unwritten : 0;
	if (unwritten)
		db_log(db, "stopped with %zu results not written: their leases will expire",
		       unwritten);
	db_free(db);
	return unwritten ? -ETIMEDOUT : 0;
}
