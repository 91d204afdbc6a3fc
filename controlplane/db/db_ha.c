/*
 * db_ha.c - active/passive with --lock-id: the HA thread holds a session
 * advisory lock on its own connection (--lock-dsn), as horus does.
 *
 * The first appliance to take the lock is active; the others retry
 * every DB_LOCK_RETRY_MS.  While it holds the lock the HA thread sleeps
 * in poll() on the lock session's socket: a session killed by
 * pg_terminate_backend, a restarted server or a broken link makes the
 * socket readable, and the thread clears the active flag that very
 * moment, so the main thread (which reads the flag every loop) starts
 * no poll any more.  Postgres frees the lock when the holder's session
 * ends, so a waiting appliance takes over at its next try.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_internal.h"

static void
set_active(struct cp_db *db, int on, const char *why)
{
	if (atomic_exchange(&db->active, on) == on)
		return;
	db_log(db, "%s (lock %lld): %s", on ? "active" : "passive", (long long)db->o.lock_id, why);
	db_push_event(db, on ? CP_DB_EV_ACTIVE : CP_DB_EV_PASSIVE, db->o.lock_id);
	db_wake(db->wake_fd);
}

/* Sleep up to ms, or until stop wakes the thread.  1 when stopping. */
static int
nap(struct cp_db *db, int fd, uint32_t ms)
{
	struct pollfd p[2] = { { db->ha_wake_fd, POLLIN, 0 }, { fd, POLLIN, 0 } };

	poll(p, fd >= 0 ? 2 : 1, (int)ms);
	if (p[0].revents & POLLIN) {
		uint64_t v;

		if (read(db->ha_wake_fd, &v, sizeof(v)) < 0) {
			/* nothing to do: the flag below decides */
		}
	}
	return atomic_load(&db->stopping) || (fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)));
}

/* Try the lock once: 1 held, 0 held by another, -1 session lost. */
static int
try_lock(struct cp_db *db, PGconn *c)
{
	char id[24];
	const char *params[1] = { id };
	PGresult *r;
	int ret;

	snprintf(id, sizeof(id), "%lld", (long long)db->o.lock_id);
	r = PQexecParams(c, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params, NULL,
			 NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		ret = -1;
	else
		ret = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return ret;
}

void *
db_ha_main(void *arg)
{
	struct cp_db *db = arg;
	const char *dsn = db->o.lock_dsn ? db->o.lock_dsn : db->o.dsn;
	uint32_t backoff = DB_BACKOFF_MIN_MS;
	char app[96], msg[768];
	int said_down = 0;
	PGconn *c = NULL;

	snprintf(app, sizeof(app), "argos-lock %s", db->o.appliance);
	while (!atomic_load(&db->stopping)) {
		int got;

		if (!c) {
			c = db_connect(dsn, app, msg, sizeof(msg));
			if (!c) {
				if (!said_down++)
					db_log(db, "HA lock session: %s; retrying", msg);
				nap(db, -1, backoff);
				backoff = backoff * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : backoff * 2;
				continue;
			}
			said_down = 0;
			backoff = DB_BACKOFF_MIN_MS;
		}
		got = try_lock(db, c);
		if (got < 0) {
			set_active(db, 0, "the lock session failed");
			PQfinish(c);
			c = NULL;
			continue;
		}
		if (!got) {
			nap(db, -1, DB_LOCK_RETRY_MS);
			continue;
		}
		set_active(db, 1, "took the advisory lock");
		/* Hold it: wake only when the session's socket says something. */
		while (!atomic_load(&db->stopping)) {
			if (!nap(db, PQsocket(c), 1000) || atomic_load(&db->stopping))
				continue;
			if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
				set_active(db, 0, "lost the lock session: polling stops");
				PQfinish(c);
				c = NULL;
				break;
			}
			PQfreemem(PQnotifies(c));
		}
	}
	atomic_store(&db->active, 0);
	PQfinish(c);   /* ends the session: the lock is free for the next appliance */
	return NULL;
}
