/*
 * cp_http.h - argos's HTTP server (libmicrohttpd): /metrics, the health
 * endpoints, and private routes (the JSON device API, /-/debug) behind
 * a bearer token, plus a small builder of Prometheus text.
 *
 * The main thread renders the metrics text about once a second (it is
 * the one that reads the per-core counters) and hands a copy to the
 * server with cp_http_set_metrics(); the server's threads answer every
 * GET /metrics with the latest copy, so a scrape never waits for the
 * main thread.
 *
 *	struct cp_http_conf conf = { .listen = "127.0.0.1:9117" };
 *	cp_http_conf_set(&conf, "api-token-file", "/etc/argos/api-token", msg, len);
 *	struct cp_http *h = cp_http_start(&conf, err, sizeof err);
 *	cp_http_route(h, "/d/", device_api, db);
 *	every second:
 *		cp_metrics_reset(&m);  ... render ...
 *		cp_http_set_metrics(h, m.buf, m.len);
 *	at exit: cp_http_stop(h); cp_http_conf_free(&conf);
 *
 * What answers what (docs/argos.1.md, "HTTP"):
 *   GET /metrics, /-/healthy, /-/ready      anyone; never a secret
 *   routes added with cp_http_route()       only with an API token
 *                                           (--api-token-file), and only
 *                                           to "Authorization: Bearer
 *                                           TOKEN": else 401; without a
 *                                           token configured, 404
 * A request with a body must say Content-Type: application/json (else
 * 415) and hold at most CP_HTTP_BODY_MAX bytes (else 413).
 *
 * Resilience: a pool of CP_HTTP_THREADS threads, at most
 * CP_HTTP_PER_IP connections from one address and CP_HTTP_CONNECTIONS
 * in all, an idle timeout, and a deadline per request that no trickle
 * of bytes extends (cp_http_guard.c).
 */
#ifndef ARGOS_CP_HTTP_H
#define ARGOS_CP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define CP_HTTP_BODY_MAX (64 * 1024)   /* a device is under 2 KiB of JSON */
/* An oversized body up to this is read and dropped before the 413, so
 * that the answer is not lost to a reset (cp_http.c). */
#define CP_HTTP_DISCARD_MAX (1024 * 1024)
#define CP_HTTP_THREADS 4
#define CP_HTTP_CONNECTIONS 256
#define CP_HTTP_PER_IP 16
#define CP_HTTP_IDLE_S 10              /* no byte for this long: closed */
#define CP_HTTP_REQUEST_S 15           /* a request must arrive and be answered within */
#define CP_HTTP_TOKEN_MIN 16           /* shortest API token accepted */

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

/** The server's flags: --listen, --api-token-file, --tls-cert, --tls-key. */
struct cp_http_conf {
	const char *listen;           /**< ADDR:PORT, NULL: no server */
	char *api_token;              /**< the token, NULL: private routes off */
	char *tls_cert;               /**< PEM text of the certificate (chain), NULL: plain HTTP */
	char *tls_key;                /**< PEM text of its key (a secret) */
	const char *tls_cert_path;    /**< for messages */
	const char *tls_key_path;
};

/** The flags' help text, one line each, for argos's usage. */
extern const char cp_http_usage[];

/**
 * Set one flag by its name without dashes: "listen", "api-token-file",
 * "tls-cert", "tls-key".  Files are read now (cp_secret_read rules: not
 * readable by every user).  @return 0; -ENOENT when name is not one of
 * these; -EINVAL with msg naming the flag and what is wrong.
 */
int cp_http_conf_set(struct cp_http_conf *c, const char *name, const char *arg, char *msg,
		     size_t len);

/**
 * Check the flags together, once all are set: TLS needs both files and
 * a certificate that the key matches; a token or TLS needs --listen.
 * @return 0, or -EINVAL with msg.
 */
int cp_http_conf_check(const struct cp_http_conf *c, char *msg, size_t len);

/** Wipe and free what cp_http_conf_set() read. */
void cp_http_conf_free(struct cp_http_conf *c);

/** One request to a route, as its handler sees it. */
struct cp_http_request {
	const char *method;           /**< "GET", "POST"... */
	const char *path;             /**< "/d/list": without the query string */
	const char *body;             /**< NUL-terminated; "" when there is none */
	size_t body_len;
	void *conn;                   /**< for cp_http_arg() */
};

/** A query argument of the request (?id=7 -> "7"), decoded; NULL when absent. */
const char *cp_http_arg(const struct cp_http_request *r, const char *name);

/**
 * A route's handler, called in one of the server's threads.  It sets
 * *resp to a malloc'd JSON body of *resp_len bytes (the server frees
 * it) and *status to the HTTP status.  @return 0, or -1 for an
 * internal error (the server answers 500).
 */
typedef int (*cp_http_handler)(void *ctx, const struct cp_http_request *req, char **resp,
			       size_t *resp_len, int *status);

/** Whether the appliance is ready (e.g. has its database); why when not. */
typedef int (*cp_http_ready_fn)(void *ctx, char *why, size_t len);

/**
 * Listen on conf->listen ("127.0.0.1:9117", "0.0.0.0:9117", ":9117",
 * "[::1]:9117"), with TLS when conf has a certificate, and serve in the
 * server's own threads.  conf must outlive the server.
 * @return the server, or NULL with err saying why: a malformed address,
 *         one that cannot be bound (in use, not local), TLS refused.
 */
struct cp_http *cp_http_start(const struct cp_http_conf *conf, char *err, size_t errlen);

/** Replace the text served at /metrics (copied; thread-safe). */
void cp_http_set_metrics(struct cp_http *h, const char *text, size_t len);

/**
 * Serve every path that starts with prefix ("/d/", "/-/debug") with
 * handler, as a private route (token only).  Call before traffic is
 * expected; at most 8 routes; ctx must outlive the server.
 * @return 0, or -ENOSPC.
 */
int cp_http_route(struct cp_http *h, const char *prefix, cp_http_handler handler, void *ctx);

/**
 * /-/ready answers 200 only while fn says ready and the metrics text was
 * set within the last 10 s (the main loop turns); else 503 with why.
 */
void cp_http_set_ready(struct cp_http *h, cp_http_ready_fn fn, void *ctx);

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
