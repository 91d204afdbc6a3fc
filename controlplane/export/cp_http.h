/*
 * cp_http.h - argos's HTTP server (libmicrohttpd): /metrics and the
 * JSON device API hook, plus a small builder of Prometheus text.
 *
 * The main thread renders the metrics text about once a second (it is
 * the one that reads the per-core counters) and hands a copy to the
 * server with cp_http_set_metrics(); the server's own thread answers
 * every GET /metrics with the latest copy, so a scrape never waits for
 * the main thread.
 *
 *	char err[256];
 *	struct cp_http *h = cp_http_start("127.0.0.1:9117", err, sizeof err);
 *	struct cp_metrics m;  cp_metrics_init(&m);
 *	every second:
 *		cp_metrics_reset(&m);
 *		cp_metrics_help(&m, "argos_polls_total", "counter", "Polls ended.");
 *		cp_metrics_u64(&m, "argos_polls_total",
 *			       (struct cp_label[]){ { "core", "1" } }, 1, n);
 *		rw_metrics_render(rw, &m);
 *		cp_http_set_metrics(h, m.buf, m.len);
 *	at exit: cp_http_stop(h); cp_metrics_free(&m);
 *
 * The device API (/d/list, /d/create, /d/update, /d/delete, as in
 * horus) is served by whoever registers a handler; without one those
 * paths answer 404 with a JSON error.  Every other path is 404.
 */
#ifndef ARGOS_CP_HTTP_H
#define ARGOS_CP_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct cp_http;

/** A label of a metric sample. */
struct cp_label {
	const char *name;
	const char *value;
};

/** Prometheus text format 0.0.4 being built.  A failed allocation sets
 *  oom and leaves the text as it was; cp_metrics_reset() clears it. */
struct cp_metrics {
	char *buf;
	size_t len;
	size_t cap;
	int oom;
};

/**
 * The device API handler.  Called in the server's thread with the
 * method ("GET", "POST"...), the path ("/d/list"...) and the whole
 * request body (NUL-terminated, body_len bytes; empty for a GET).  It
 * sets *resp to a malloc'd JSON body of *resp_len bytes (the server
 * frees it) and *status to the HTTP status.  @return 0, or -1 for an
 * internal error (the server answers 500).
 */
typedef int (*cp_http_handler)(void *ctx, const char *method, const char *path,
			       const char *body, size_t body_len, char **resp, size_t *resp_len,
			       int *status);

/**
 * Listen on ADDR:PORT ("127.0.0.1:9117", "0.0.0.0:9117", ":9117" for
 * every address) and serve in a thread of the server's own.
 * @return the server, or NULL with err saying why: a malformed address,
 *         or one that cannot be bound (in use, not local).
 */
struct cp_http *cp_http_start(const char *addr, char *err, size_t errlen);

/** Replace the text served at /metrics (copied; thread-safe). */
void cp_http_set_metrics(struct cp_http *h, const char *text, size_t len);

/**
 * Serve /d/... with handler (NULL: 404 again).  Set it before traffic
 * is expected; the pointer swap is atomic, ctx must outlive the server.
 */
void cp_http_set_device_api(struct cp_http *h, cp_http_handler handler, void *ctx);

/** Stop serving and free everything.  h may be NULL. */
void cp_http_stop(struct cp_http *h);

/** An empty text. */
void cp_metrics_init(struct cp_metrics *m);

/** Empty the text, keeping its memory. */
void cp_metrics_reset(struct cp_metrics *m);

/** Free the text's memory. */
void cp_metrics_free(struct cp_metrics *m);

/** The # HELP and # TYPE lines of a family (type: counter, gauge...). */
void cp_metrics_help(struct cp_metrics *m, const char *name, const char *type, const char *help);

/** One sample line with a floating-point value (NaN and ±Inf spelled
 *  as Prometheus wants).  Label values are escaped. */
void cp_metrics_double(struct cp_metrics *m, const char *name, const struct cp_label *labels,
		       size_t n, double value);

/** One sample line with an exact integer value. */
void cp_metrics_u64(struct cp_metrics *m, const char *name, const struct cp_label *labels,
		    size_t n, uint64_t value);

#endif
