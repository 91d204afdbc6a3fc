/*
 * db_api_internal.h - what the device API's files share: its reply,
 * its session (db_api_session.c) and its routes (db_api.c).  Nothing
 * outside controlplane/db includes it.
 */
#ifndef ARGOS_DB_API_INTERNAL_H
#define ARGOS_DB_API_INTERNAL_H

#include "db_internal.h"

#define DB_API_STATEMENT_MS_STR "5000"  /* statement_timeout of the API's session */
#define DB_API_WAIT_MS 5000             /* a request waits this long for the session */

/** What a request gets back: status and a malloc'd JSON body. */
struct db_api_reply {
	int status;
	char *body;
	size_t len;
};

/** Take the API's session, waiting at most DB_API_WAIT_MS.  @return 0 or -1. */
int db_api_lock(struct cp_db *db);
void db_api_unlock(struct cp_db *db);

/**
 * Run one statement on the API's session (connecting it when needed),
 * with n text parameters.  first: the request's first statement, sent
 * again once on a session found lost (nothing of the request was done).
 * @return 0 with *res (PQclear it), or the HTTP status with out set:
 *         400 (bad value), 409 (duplicate), 503 (unreachable, lost,
 *         timed out), 500 (logged).  No secret is in the message.
 */
int db_api_query(struct cp_db *db, int first, const char *sql, int n, const char *const *params,
		 PGresult **res, struct db_api_reply *out);

/** db_api_query without parameters or result (BEGIN, COMMIT). */
int db_api_exec(struct cp_db *db, const char *sql, struct db_api_reply *out);

/** Roll back the session's transaction, if the session is still there. */
void db_api_rollback(struct cp_db *db);

/** Set out to {"error": text} (escaped) and status.  @return status. */
int db_api_error(struct db_api_reply *out, int status, const char *text);

/** Set out to a copy of the JSON text and status.  @return status. */
int db_api_text(struct db_api_reply *out, int status, const char *text);

#endif
