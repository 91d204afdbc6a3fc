/*
 * db_api_session.c - the device API's own Postgres session: connected
 * on first use, bounded in time, and errors turned into HTTP statuses
 * and messages that hold no secret (db_api_internal.h).
 *
 * Why bounds: the API runs on the HTTP server's threads, and a
 * statement that waits (a lock held by a long transaction, a slow
 * disk) would hold a thread, and the session, for as long.  Every
 * statement ends within statement_timeout, a row lock is waited for at
 * most lock_timeout, and a request waits for the session at most
 * DB_API_WAIT_MS before it is told to come back (503).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_redact.h"
#include "db_api_internal.h"

static const char session_setup[] =
	"SET statement_timeout = " DB_API_STATEMENT_MS_STR ";"
	" SET lock_timeout = 2000;"
	" SET idle_in_transaction_session_timeout = 10000";

int
db_api_lock(struct cp_db *db)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DB_API_WAIT_MS / 1000;
	until.tv_nsec += (long)(DB_API_WAIT_MS % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	return pthread_mutex_timedlock(&db->api_lock, &until) == 0 ? 0 : -1;
}

void
db_api_unlock(struct cp_db *db)
{
	pthread_mutex_unlock(&db->api_lock);
}

/* (Re)connect when there is no session.  @return 0, or -1 (logged). */
static int
session(struct cp_db *db)
{
	char msg[768], app[96];
	PGresult *r;

	if (!db_conn_lost(db->api_conn))
		return 0;
	PQfinish(db->api_conn);
	snprintf(app, sizeof(app), "argos-api %s", db->o.appliance);
	db->api_conn = db_connect(db->o.dsn, app, msg, sizeof(msg));
	if (!db->api_conn) {
		db_log(db, "device API: %s", msg);   /* db_log scrubs and the DSN is redacted */
		return -1;
	}
	r = PQexec(db->api_conn, session_setup);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		db_log(db, "device API: cannot bound the session's statements: %s",
		       PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) ?
		       PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "no reason given");
		PQclear(r);
		PQfinish(db->api_conn);
		db->api_conn = NULL;
		return -1;
	}
	PQclear(r);
	return 0;
}

/* A failed statement as an HTTP status and a message without secrets. */
static int
failure(struct cp_db *db, PGresult *r, struct db_api_reply *out)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char msg[512], safe[512];

	if (db_conn_lost(db->api_conn) || (state && strncmp(state, "08", 2) == 0))
		return db_api_error(out, 503, "the database connection was lost: try again");
	snprintf(msg, sizeof(msg), "%s", primary ? primary : "no reason given");
	db_scrub(msg, db->secret);
	cp_redact(msg, safe, sizeof(safe));
	if (state && (!strcmp(state, "57014") || !strcmp(state, "55P03") ||
		      !strcmp(state, "40001") || !strcmp(state, "40P01") ||
		      !strcmp(state, "25P03")))
		return db_api_error(out, 503, "the database is busy (statement timed out or "
				    "waited for a lock): try again");
	if (state && !strcmp(state, "23505"))
		return db_api_error(out, 409, safe);
	if (state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)))
		return db_api_error(out, 400, safe);
	db_log(db, "device API: unexpected database error %s: %s", state ? state : "?", safe);
	return db_api_error(out, 500, "internal error (see argos's log)");
}

int
db_api_query(struct cp_db *db, int first, const char *sql, int n, const char *const *params,
	     PGresult **res, struct db_api_reply *out)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		PGresult *r;
		ExecStatusType st;

		if (session(db) != 0)
			return db_api_error(out, 503, "the database is unreachable (see argos's log)");
		r = PQexecParams(db->api_conn, sql, n, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			*res = r;
			return 0;
		}
		/* A session lost since the last request (Postgres restarted):
		 * the first statement of a request is safe to send again. */
		if (first && attempt == 0 && db_conn_lost(db->api_conn)) {
			PQclear(r);
			continue;
		}
		int status = failure(db, r, out);

		PQclear(r);
		return status;
	}
	return db_api_error(out, 503, "the database is unreachable (see argos's log)");
}

int
db_api_exec(struct cp_db *db, const char *sql, struct db_api_reply *out)
{
	PGresult *r = NULL;
	int st = db_api_query(db, 0, sql, 0, NULL, &r, out);

	PQclear(r);
	return st;
}

void
db_api_rollback(struct cp_db *db)
{
	if (!db_conn_lost(db->api_conn))
		PQclear(PQexec(db->api_conn, "ROLLBACK"));
}

int
db_api_error(struct db_api_reply *out, int status, const char *text)
{
	size_t n = strlen(text), used = 0;
	char *p = malloc(n * 6 + 16);

	free(out->body);
	out->body = NULL;
	out->len = 0;
	if (!p)
		return out->status = 500;
	used += (size_t)sprintf(p, "{\"error\":\"");
	for (const char *s = text; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			used += (size_t)sprintf(p + used, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			used += (size_t)sprintf(p + used, "\\u%04x", ch);
		else
			p[used++] = (char)ch;
	}
	used += (size_t)sprintf(p + used, "\"}");
	out->body = p;
	out->len = used;
	return out->status = status;
}

int
db_api_text(struct db_api_reply *out, int status, const char *text)
{
	free(out->body);
	out->body = strdup(text);
	if (!out->body) {
		out->len = 0;
		return out->status = 500;
	}
	out->len = strlen(text);
	return out->status = status;
}
