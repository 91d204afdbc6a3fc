/*
 * cp_api.h - argos's routes on the HTTP server besides /metrics and
 * the health endpoints (api.c): the JSON device API in DB mode (/d/),
 * horus's /-/debug, and what /-/ready asks of the appliance.
 */
#ifndef ARGOS_CP_API_H
#define ARGOS_CP_API_H

struct cp_app;

/**
 * Add argos's routes to app->http (started): /-/debug always, /d/ in
 * DB mode; both answer only with the --api-token-file token.  Set the
 * readiness test of /-/ready (DB mode: the database has a session).
 * @return 0, or -1 after saying why.
 */
int cp_api_attach(struct cp_app *app);

#endif
