/*
 * api.c - argos's private routes and readiness (cp_api.h).  The HTTP
 * server (controlplane/export/cp_http.c) has already checked the bearer
 * token, the content type and the size when a handler here runs.
 *
 * /-/debug is horus's: GET or POST /-/debug?level=N sets the log detail
 * (-d, 0 to 3) at run time and answers {"level": N}; without ?level= it
 * answers the current level.  The level is one byte that the main
 * thread reads with an atomic load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "cp_api.h"
#include "cp_app.h"
#include "cp_dbmode.h"
#include "cp_http.h"

static uint32_t dpdk_level;   /* the EAL's global log level below -d 3 */

/* A reply: {"level": level} when text is NULL, else {"error": text}. */
static int
reply(char **resp, size_t *resp_len, int *status, int code, const char *text, int level)
{
	*resp = malloc(96);
	if (*resp == NULL)
		return -1;
	if (text)
		*resp_len = (size_t)snprintf(*resp, 96, "{\"error\":\"%s\"}", text);
	else
		*resp_len = (size_t)snprintf(*resp, 96, "{\"level\":%d}", level);
	*status = code;
	return 0;
}

static int
debug_level(void *ctx, const struct cp_http_request *req, char **resp, size_t *resp_len,
	    int *status)
{
	struct cp_app *app = ctx;
	const char *arg = cp_http_arg(req, "level");
	uint8_t was = __atomic_load_n(&app->cfg.debug, __ATOMIC_RELAXED);

	if (strcmp(req->path, "/-/debug") != 0)
		return reply(resp, resp_len, status, 404, "not found", 0);
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		return reply(resp, resp_len, status, 405, "use GET or POST", 0);
	if (arg == NULL)
		return reply(resp, resp_len, status, 200, NULL, was);
	if (strlen(arg) != 1 || arg[0] < '0' || arg[0] > '3')
		return reply(resp, resp_len, status, 400, "?level= wants 0, 1, 2 or 3", 0);
	__atomic_store_n(&app->cfg.debug, (uint8_t)(arg[0] - '0'), __ATOMIC_RELAXED);
	rte_log_set_global_level(arg[0] == '3' ? RTE_LOG_DEBUG : dpdk_level);
	fprintf(stderr, "argos: /-/debug: log detail %c (was %u)\n", arg[0], (unsigned)was);
	return reply(resp, resp_len, status, 200, NULL, arg[0] - '0');
}

static int
device_api(void *ctx, const struct cp_http_request *req, char **resp, size_t *resp_len,
	   int *status)
{
	struct cp_app *app = ctx;

	*status = cp_db_api(cp_dbmode_db(app), req->method, req->path, cp_http_arg(req, "id"),
			    req->body, req->body_len, resp, resp_len);
	return *resp != NULL ? 0 : -1;
}

static int
db_ready(void *ctx, char *why, size_t len)
{
	struct cp_app *app = ctx;
	struct cp_db_stats st;

	cp_db_get_stats(cp_dbmode_db(app), &st);
	if (!st.connected)
		snprintf(why, len, "no database session");
	return st.connected != 0;
}

int
cp_api_attach(struct cp_app *app)
{
	dpdk_level = app->cfg.debug >= 3 ? RTE_LOG_NOTICE : rte_log_get_global_level();
	if (cp_http_route(app->http, "/-/debug", debug_level, app) != 0 ||
	    (app->dbm != NULL && cp_http_route(app->http, "/d/", device_api, app) != 0)) {
		fprintf(stderr, "argos: --listen: cannot add the API's routes\n");
		return -1;
	}
	if (app->dbm != NULL)
		cp_http_set_ready(app->http, db_ready, app);
	return 0;
}
