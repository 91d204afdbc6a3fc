/*
 * db_thread.c - the DB thread's loop: the only code that talks to
 * Postgres for the pollers.
 *
 *   (re)connect with capped backoff -> LISTEN, check schema, reload
 *   loop: notifications -> events, profile reloads, poll-now claims
 *         active changed? give back queued claims / old leases
 *         claim rounds (SNMP, ping) within the capacity reported
 *         write back buffered results (one statement per batch)
 *         unlocker, report pruning, heartbeat when due
 *         sleep in poll() on the session socket and the wake eventfd
 *   stop: give back queued claims, write every result, free leases.
 *
 * Results the database could not take stay in this thread's batch and
 * are written after the reconnect: nothing is lost while Postgres
 * restarts, and the reports' unique index makes a repeated batch
 * harmless.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_internal.h"

#define WRITE_FAILURES_MAX 5   /* a batch the database refuses this often is dropped */

struct loop {
	uint64_t next_claim[3];  /* by kind */
	uint64_t next_unlock, next_reports, next_heartbeat, next_flush;
	struct cp_db_result *batch;  /* taken from the queue, not yet written */
	size_t batch_n, batch_cap;
	int write_failures;
	int was_active;
	int freed_old_leases;
	int reload_profiles;
	uint32_t backoff;
	int said_down;
	uint64_t keep_wait_until;  /* after a reconnect: no claim before the main
	                              thread's polls in flight are known (0: none) */
};

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Sleep until a deadline, the session has input, or someone wakes us. */
static void
wait_for(struct cp_db *db, uint64_t until)
{
	uint64_t now = db_mono_ms();
	struct pollfd p[2] = { { db->wake_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	int timeout = until > now ? (int)min_u64(until - now, 1000) : 0;

	if (!db_conn_lost(db->conn))
		p[1].fd = PQsocket(db->conn);
	if (poll(p, p[1].fd >= 0 ? 2 : 1, timeout) > 0 && (p[0].revents & POLLIN)) {
		uint64_t v;

		if (read(db->wake_fd, &v, sizeof(v)) < 0) {
			/* spurious: the loop looks at everything anyway */
		}
	}
}

/* A fresh session: listen, check the schema, reload what we may have missed. */
static int
session_setup(struct cp_db *db, struct loop *l)
{
	char msg[512];
	PGresult *r = PQexec(db->conn, "LISTEN argos_devices; LISTEN argos_profiles;"
				       " LISTEN argos_poll_now");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	if (!ok)
		return -1;
	if (db_check_schema(db->conn, msg, sizeof(msg)) != 0) {
		db_log(db, "%s; waiting", msg);
		return -1;
	}
	l->reload_profiles = 1;
	return 0;
}

static void
reconnect(struct cp_db *db, struct loop *l)
{
	char msg[768], app[96];

	PQfinish(db->conn);
	snprintf(app, sizeof(app), "argos %s", db->o.appliance);
	db->conn = db_connect(db->o.dsn, app, msg, sizeof(msg));
	if (db->conn && session_setup(db, l) == 0) {
		db_log(db, "connected again to %s", db->dsn_safe);
		pthread_mutex_lock(&db->q_lock);
		db->st.reconnects++;
		db->st.connected = 1;
		pthread_mutex_unlock(&db->q_lock);
		db_push_event(db, CP_DB_EV_DEVICES_RESYNC, 0);
		if (db->o.mode == CP_DB_MODE_OWN) {
			/* Changes NOTIFY sent meanwhile are lost: read our buckets again. */
			db_own_resync(db);
			db_own_reconnected(db);
			l->said_down = 0;
			l->backoff = DB_BACKOFF_MIN_MS;
			return;
		}
		/* A claim committed just before the session died may never
		 * have reached us: ask which polls the main thread holds,
		 * and claim nothing until then (give_back_stale). */
		pthread_mutex_lock(&db->q_lock);
		db->keep_ready = 0;
		pthread_mutex_unlock(&db->q_lock);
		l->keep_wait_until = db_mono_ms() + DB_KEEP_WAIT_MS;
		db_push_event(db, CP_DB_EV_RECONNECTED, 0);
		l->said_down = 0;
		l->backoff = DB_BACKOFF_MIN_MS;
		return;
	}
	if (!l->said_down++)
		db_log(db, "%s; retrying with backoff up to %d ms", db->conn ? "session setup failed" : msg,
		       DB_BACKOFF_MAX_MS);
	PQfinish(db->conn);
	db->conn = NULL;
	wait_for(db, db_mono_ms() + l->backoff);
	l->backoff = l->backoff * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : l->backoff * 2;
}

static void
notifications(struct cp_db *db, struct loop *l)
{
	PGnotify *n;

	if (!PQconsumeInput(db->conn))
		return;
	while ((n = PQnotifies(db->conn)) != NULL) {
		const char *p = n->extra;
		char *end;
		long long id;

		if (strcmp(n->relname, "argos_profiles") == 0) {
			l->reload_profiles = 1;
		} else if (strcmp(n->relname, "argos_devices") == 0 &&
			   db->o.mode == CP_DB_MODE_OWN) {
			if (strncmp(p, "changed:", 8) == 0 || strncmp(p, "deleted:", 8) == 0)
				db_own_changed(db, atoll(p + 8));
			else
				db_own_resync(db);
		} else if (strcmp(n->relname, "argos_devices") == 0) {
			if (strncmp(p, "changed:", 8) == 0)
				db_push_event(db, CP_DB_EV_DEVICE_CHANGED, atoll(p + 8));
			else if (strncmp(p, "deleted:", 8) == 0)
				db_push_event(db, CP_DB_EV_DEVICE_DELETED, atoll(p + 8));
			else
				db_push_event(db, CP_DB_EV_DEVICES_RESYNC, 0);
		} else if (strcmp(n->relname, "argos_poll_now") == 0) {
			errno = 0;
			id = strtoll(p, &end, 10);
			if (errno || end == p || *end || id <= 0)
				db_log(db, "argos_poll_now '%.40s': want a device id", p);
			else if (db->o.mode == CP_DB_MODE_OWN)
				db_own_poll_now(db, id);   /* another appliance's device: theirs */
			else if (db->n_poll_now == DB_POLL_NOW_MAX)
				db_log(db, "argos_poll_now %lld: %d already pending, ignored", id,
				       DB_POLL_NOW_MAX);
			else
				db->poll_now[db->n_poll_now++] = id;
		}
		PQfreemem(n);
	}
	if (l->reload_profiles) {
		char msg[512];

		if (db_load_profiles(db, db->conn, msg, sizeof(msg)) == 0) {
			l->reload_profiles = 0;
			db_push_event(db, CP_DB_EV_PROFILES_CHANGED, 0);
		} else if (!db_conn_lost(db->conn)) {
			db_log(db, "%s", msg);
			l->reload_profiles = 0;
		}
	}
}

/*
 * After a reconnect, once the main thread said which polls it has in
 * flight: give back every other lease under this appliance's name,
 * except claims still queued for the main thread and outcomes not yet
 * written, then claim again.  Without an answer within DB_KEEP_WAIT_MS
 * (it cannot happen but for a stuck main thread), claim again anyway:
 * the leases then lapse as before.
 */
static void
give_back_stale(struct cp_db *db, struct loop *l)
{
	int64_t *keep[3] = { NULL };
	size_t n[3] = { 0 }, cap[3];
	int ready, gave;

	pthread_mutex_lock(&db->q_lock);
	ready = db->keep_ready;
	if (ready) {
		for (int k = CP_DB_SNMP; k <= CP_DB_PING; k++) {
			cap[k] = db->keep_n[k] + db->claims_n + db->results_n + l->batch_n;
			keep[k] = malloc((cap[k] ? cap[k] : 1) * sizeof(int64_t));
			if (keep[k] == NULL) {
				ready = -1;
				continue;
			}
			memcpy(keep[k], db->keep[k], db->keep_n[k] * sizeof(int64_t));
			n[k] = db->keep_n[k];
		}
		for (size_t i = 0; ready > 0 && i < db->claims_n; i++) {
			const struct cp_db_claim *c = &db->claims[db->claims_head + i];

			keep[c->kind][n[c->kind]++] = c->device_id;
		}
		for (size_t i = 0; ready > 0 && i < db->results_n; i++)
			keep[db->results[i].kind][n[db->results[i].kind]++] = db->results[i].device_id;
		for (size_t i = 0; ready > 0 && i < l->batch_n; i++)
			keep[l->batch[i].kind][n[l->batch[i].kind]++] = l->batch[i].device_id;
	}
	pthread_mutex_unlock(&db->q_lock);
	if (ready == 0 && db_mono_ms() < l->keep_wait_until)
		return;
	if (ready > 0) {
		gave = db_release_except(db, keep[CP_DB_SNMP], n[CP_DB_SNMP], keep[CP_DB_PING],
					 n[CP_DB_PING]);
		if (gave < 0 && db_conn_lost(db->conn))
			goto out;   /* lost again: asked again after the next reconnect */
		if (gave > 0)
			db_log(db, "after the reconnect: gave back %d leases no poll of this "
			       "appliance holds (claims whose reply the lost session never brought)",
			       gave);
	} else {
		db_log(db, "after the reconnect: %s; leases this appliance may hold without "
		       "polling lapse as before", ready < 0 ? "out of memory" :
		       "the main thread did not say which polls it holds");
	}
	l->keep_wait_until = 0;
out:
	free(keep[CP_DB_SNMP]);
	free(keep[CP_DB_PING]);
}

/* Give back the claims the main thread has not taken. */
static void
give_back_queued(struct cp_db *db)
{
	int64_t *s, *p;
	size_t ns, np;

	if (db_drain_claims(db, &s, &ns, &p, &np) > 0 && db_release(db, s, ns, p, np, 0) < 0)
		db_log(db, "could not give back %zu queued claims; their leases will expire",
		       ns + np);
	free(s);
	free(p);
}

/* Move the queued results into the batch; 0, or -1 out of memory. */
static int
take_results(struct cp_db *db, struct loop *l)
{
	int ret = 0;

	pthread_mutex_lock(&db->q_lock);
	if (l->batch_n == 0) {
		struct cp_db_result *t = l->batch;
		size_t cap = l->batch_cap;

		l->batch = db->results;
		l->batch_cap = db->results_cap;
		l->batch_n = db->results_n;
		db->results = t;
		db->results_cap = cap;
		db->results_n = 0;
	} else if (db->results_n) {
		size_t need = l->batch_n + db->results_n;

		if (need > l->batch_cap) {
			struct cp_db_result *p = realloc(l->batch, need * 2 * sizeof(*p));

			if (!p) {
				ret = -1;
				goto out;
			}
			l->batch = p;
			l->batch_cap = need * 2;
		}
		memcpy(l->batch + l->batch_n, db->results, db->results_n * sizeof(*l->batch));
		l->batch_n = need;
		db->results_n = 0;
	}
out:
	pthread_mutex_unlock(&db->q_lock);
	return ret;
}

/* Write the batch in statements of at most batch_max rows. */
static void
write_batch(struct cp_db *db, struct loop *l)
{
	size_t off = 0;

	take_results(db, l);
	while (off < l->batch_n && !db_conn_lost(db->conn)) {
		size_t n = l->batch_n - off < db->o.batch_max ? l->batch_n - off : db->o.batch_max;

		if ((db->o.mode == CP_DB_MODE_OWN ? db_write_reports(db, l->batch + off, n) :
		     db_write_back(db, l->batch + off, n)) == 0) {
			off += n;
			l->write_failures = 0;
			continue;
		}
		if (db_conn_lost(db->conn))
			break;
		/* Refused (a deadlock with an unlocker, say): retry, but not forever. */
		if (++l->write_failures < WRITE_FAILURES_MAX)
			break;
		db_log(db, "dropping %zu results the database refused %d times", n,
		       WRITE_FAILURES_MAX);
		off += n;
		l->write_failures = 0;
	}
	if (off)   /* batch is NULL until the first result */
		memmove(l->batch, l->batch + off, (l->batch_n - off) * sizeof(*l->batch));
	l->batch_n -= off;
	if (db->o.mode == CP_DB_MODE_OWN)
		db_write_states(db);
}

static void
claim_rounds(struct cp_db *db, struct loop *l, uint64_t now)
{
	static const uint8_t kinds[2] = { CP_DB_SNMP, CP_DB_PING };

	for (int i = 0; i < 2; i++) {
		uint8_t k = kinds[i];
		uint32_t freq = k == CP_DB_SNMP ? db->o.snmp_freq_ms : db->o.ping_freq_ms;
		uint32_t free_slots;
		size_t queued;
		int n;

		if (freq == 0 || now < l->next_claim[k])
			continue;
		pthread_mutex_lock(&db->q_lock);
		free_slots = k == CP_DB_SNMP ? db->snmp_free : db->ping_free;
		queued = db->queued[k];
		pthread_mutex_unlock(&db->q_lock);
		if (free_slots <= queued) {
			/* No room: look again soon, without a statement. */
			l->next_claim[k] = now + min_u64(freq, 100);
			continue;
		}
		n = db_claim(db, k, free_slots - (uint32_t)queued, NULL, 0);
		/* A round cut by the capacity may leave due devices: come back
		 * within a second instead of a whole period. */
		l->next_claim[k] = now + (n == (int)(free_slots - queued) ? min_u64(freq, 1000) : freq);
	}
	if (db->n_poll_now) {
		if (db_claim(db, CP_DB_SNMP, 0, db->poll_now, db->n_poll_now) >= 0 ||
		    !db_conn_lost(db->conn))
			db->n_poll_now = 0;
	}
}

static void
housekeeping(struct cp_db *db, struct loop *l, uint64_t now, int active)
{
	if (active && now >= l->next_unlock) {
		db_unlock_expired(db);
		l->next_unlock = now + db->o.unlock_freq_ms;
	}
	if (active && now >= l->next_reports) {
		db_flush_reports(db);
		l->next_reports = now + DB_REPORT_FLUSH_MS;
	}
	if (now >= l->next_heartbeat) {
		db_heartbeat(db);
		l->next_heartbeat = now + DB_HEARTBEAT_MS;
	}
}

/* Stopping: 1 when done (or out of time), 0 to come back after a reconnect. */
static int
finish(struct cp_db *db, struct loop *l)
{
	size_t left;

	if (db->o.mode == CP_DB_MODE_CLAIM)
		give_back_queued(db);
	write_batch(db, l);
	pthread_mutex_lock(&db->q_lock);
	left = l->batch_n + db->results_n + db->states_n;
	pthread_mutex_unlock(&db->q_lock);
	if (left == 0 && !db_conn_lost(db->conn)) {
		if (db->o.mode == CP_DB_MODE_OWN)
			return db_own_finish(db) || db_mono_ms() >= db->stop_deadline_ms;
		db_release(db, NULL, 0, NULL, 0, 1);
		return 1;
	}
	return db_mono_ms() >= db->stop_deadline_ms;
}

void *
db_thread_main(void *arg)
{
	struct cp_db *db = arg;
	struct loop l = { .backoff = DB_BACKOFF_MIN_MS, .reload_profiles = 0 };
	uint64_t now = db_mono_ms();

	l.next_claim[CP_DB_SNMP] = l.next_claim[CP_DB_PING] = UINT64_MAX;
	if (!db_conn_lost(db->conn) && session_setup(db, &l) != 0) {
		PQfinish(db->conn);   /* the loop connects again */
		db->conn = NULL;
	}
	pthread_mutex_lock(&db->q_lock);
	db->st.connected = !db_conn_lost(db->conn);   /* argos_db_connected, /-/ready */
	pthread_mutex_unlock(&db->q_lock);
	l.next_unlock = l.next_reports = l.next_heartbeat = now;
	l.next_flush = now + db->o.flush_ms;
	for (;;) {
		int active, full;

		now = db_mono_ms();
		if (db_conn_lost(db->conn)) {
			pthread_mutex_lock(&db->q_lock);
			db->st.connected = 0;
			pthread_mutex_unlock(&db->q_lock);
			if (atomic_load(&db->stopping) && now >= db->stop_deadline_ms)
				break;
			reconnect(db, &l);
			continue;
		}
		notifications(db, &l);
		active = atomic_load(&db->active);
		if (active != l.was_active) {
			if (!active && db->o.mode == CP_DB_MODE_CLAIM)
				give_back_queued(db);
			else if (!l.freed_old_leases)
				/* Leases under our name from a previous run: nobody polls them. */
				l.freed_old_leases = db_release(db, NULL, 0, NULL, 0, 1) >= 0;
			l.next_claim[CP_DB_SNMP] = db->o.snmp_freq_ms ? now : UINT64_MAX;
			l.next_claim[CP_DB_PING] = db->o.ping_freq_ms ? now : UINT64_MAX;
			l.was_active = active;
		}
		if (atomic_load(&db->stopping)) {
			if (finish(db, &l))
				break;
			continue;
		}
		if (l.keep_wait_until)
			give_back_stale(db, &l);
		if (db->o.mode == CP_DB_MODE_OWN)
			db_own_tick(db, now, active);
		else if (active && !l.keep_wait_until)
			claim_rounds(db, &l, now);
		pthread_mutex_lock(&db->q_lock);
		full = db->results_n >= db->o.batch_max || db->states_n > 0;
		pthread_mutex_unlock(&db->q_lock);
		if (full || now >= l.next_flush) {
			write_batch(db, &l);
			l.next_flush = now + db->o.flush_ms;
		}
		housekeeping(db, &l, now, active);
		wait_for(db, min_u64(min_u64(l.next_flush, l.next_heartbeat),
				     db->o.mode == CP_DB_MODE_OWN ? min_u64(db_own_next(db), now + 100) :
				     active ? min_u64(l.next_claim[CP_DB_SNMP],
						      l.next_claim[CP_DB_PING]) : UINT64_MAX));
	}
	pthread_mutex_lock(&db->q_lock);
	db->unwritten = l.batch_n + db->results_n;
	pthread_mutex_unlock(&db->q_lock);
	free(l.batch);
	PQfinish(db->conn);
	db->conn = NULL;
	return NULL;
}
