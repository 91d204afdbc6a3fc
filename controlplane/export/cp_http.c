/*
 * cp_http.c - the HTTP server: /metrics, the health endpoints, private
 * routes behind a bearer token (cp_http.h).
 *
 * The listening socket is bound here, not by libmicrohttpd, so that a
 * busy or foreign address is reported with the kernel's own reason
 * ("Address already in use") instead of MHD's bare failure.  MHD runs a
 * pool of threads on epoll; the metrics text is swapped under a mutex
 * and copied into each response, so a scrape never sees a half written
 * text.
 *
 * A request is judged when its headers are in, before any body is read
 * (the order of the checks is the order of the statuses in argos(1)):
 * unknown path 404; public path with a method other than GET or HEAD
 * 405; private path without a token configured 404, without the right
 * bearer token 401; a body that is not application/json 415; a
 * Content-Length over CP_HTTP_BODY_MAX 413.  Only then is the body
 * received, and the route's handler called with all of it.
 *
 * An answer given before the body is read closes the connection with
 * the body unread, and the kernel then resets it: the client may lose
 * the answer.  So an oversized body is refused from its headers only
 * when the client waits for "100 Continue" (nothing sent yet) or
 * declares more than CP_HTTP_DISCARD_MAX; a smaller one is read and
 * dropped, then answered 413.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cp_http.h"
#include "cp_http_guard.h"
#include "cp_secret.h"

#define ROUTES_MAX 8
#define READY_STALE_MS 10000

/* Status codes counted for /metrics; the last slot counts the rest. */
static const unsigned counted[] = { 200, 201, 400, 401, 404, 405, 409, 413, 415, 500, 503, 0 };
#define N_COUNTED (sizeof(counted) / sizeof(counted[0]))

struct route {
	char prefix[32];
	cp_http_handler fn;
	void *ctx;
};

struct cp_http {
	struct MHD_Daemon *d;
	struct cp_http_guard *guard;
	const struct cp_http_conf *conf;
	int fd;
	pthread_mutex_t mu;
	char *text;                   /* /metrics, under mu */
	size_t len;
	uint64_t text_ms;             /* when it was set, mono ms */
	struct route routes[ROUTES_MAX];
	unsigned n_routes;            /* published with release */
	cp_http_ready_fn ready;
	void *ready_ctx;
	uint64_t responses[N_COUNTED]; /* atomics */
};

/* One request being received: its route, then its body. */
struct upload {
	const struct route *route;
	char *p;
	size_t len;
	int too_big;
	size_t dropped;   /* of a body over the bound */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static enum MHD_Result
reply(struct cp_http *h, struct MHD_Connection *c, unsigned status, const char *type, void *body,
      size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;
	size_t i = 0;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	while (counted[i] && counted[i] != status)
		i++;
	__atomic_add_fetch(&h->responses[i], 1, __ATOMIC_RELAXED);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	/* Nothing argos serves may be cached or framed by a browser. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"argos\"");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* {"error": "..."}: text is one of this file's constants (no escaping needed). */
static enum MHD_Result
error(struct cp_http *h, struct MHD_Connection *c, unsigned status, const char *text)
{
	size_t n = strlen(text) + 16;
	char *p = malloc(n);

	if (p == NULL)
		return MHD_NO;
	snprintf(p, n, "{\"error\":\"%s\"}", text);
	return reply(h, c, status, "application/json", p, strlen(p), MHD_RESPMEM_MUST_FREE);
}

/* The server's own counters, after the main thread's text. */
static void
own_metrics(struct cp_http *h, struct cp_metrics *m)
{
	char code[16];

	cp_metrics_help(m, "argos_http_responses_total", "counter",
			"Responses of argos's HTTP server, by status code (other: any code not listed).");
	for (size_t i = 0; i < N_COUNTED; i++) {
		if (counted[i])
			snprintf(code, sizeof(code), "%u", counted[i]);
		else
			snprintf(code, sizeof(code), "other");
		cp_metrics_u64(m, "argos_http_responses_total", &(struct cp_label){ "code", code }, 1,
			       __atomic_load_n(&h->responses[i], __ATOMIC_RELAXED));
	}
	cp_metrics_help(m, "argos_http_connections_cut_total", "counter",
			"Connections shut because a request was not received and answered within "
			"15 s (slow or stalled clients).");
	cp_metrics_u64(m, "argos_http_connections_cut_total", NULL, 0, cp_http_guard_cut(h->guard));
}

static enum MHD_Result
metrics(struct cp_http *h, struct MHD_Connection *c)
{
	struct cp_metrics m;

	cp_metrics_init(&m);
	pthread_mutex_lock(&h->mu);
	if (h->len) {
		m.buf = malloc(h->len + 4096);
		if (m.buf) {
			memcpy(m.buf, h->text, h->len);
			m.buf[h->len] = '\0';
			m.len = h->len;
			m.cap = h->len + 4096;
		}
	}
	pthread_mutex_unlock(&h->mu);
	own_metrics(h, &m);
	if (m.buf == NULL || m.oom) {
		cp_metrics_free(&m);
		return MHD_NO;
	}
	return reply(h, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", m.buf, m.len,
		     MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
health(struct cp_http *h, struct MHD_Connection *c, int ready)
{
	char why[160] = "", body[256];
	uint64_t set_ms;
	cp_http_ready_fn fn = __atomic_load_n(&h->ready, __ATOMIC_ACQUIRE);
	int ok = 1;

	if (ready) {
		pthread_mutex_lock(&h->mu);
		set_ms = h->text_ms;
		pthread_mutex_unlock(&h->mu);
		if (set_ms == 0 || mono_ms() - set_ms > READY_STALE_MS) {
			ok = 0;
			snprintf(why, sizeof(why), set_ms ? "the main loop is stalled" :
				 "argos is starting");
		} else if (fn && !fn(h->ready_ctx, why, sizeof(why))) {
			ok = 0;
		}
	}
	/* why is argos's own text: no quote or backslash in it. */
	snprintf(body, sizeof(body), ok ? "{\"status\":\"%s\"}" : "{\"status\":\"not ready\","
		 "\"reason\":\"%s\"}", ok ? (ready ? "ready" : "healthy") : why);
	return reply(h, c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
		     strdup(body), strlen(body), MHD_RESPMEM_MUST_FREE);
}

/* "Authorization: Bearer TOKEN" with the configured token. */
static int
authorized(struct cp_http *h, struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	const char *want = h->conf->api_token;

	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return 0;
	a += 7;
	while (*a == ' ')
		a++;
	return cp_secret_equal(a, strlen(a), want, strlen(want));
}

/* The body's declared type is JSON: "application/json", any parameters. */
static int
json_type(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");

	return t != NULL && strncasecmp(t, "application/json", n) == 0 &&
	       (t[n] == '\0' || t[n] == ';' || t[n] == ' ');
}

static const struct route *
find_route(struct cp_http *h, const char *url)
{
	unsigned n = __atomic_load_n(&h->n_routes, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (strncmp(url, h->routes[i].prefix, strlen(h->routes[i].prefix)) == 0)
			return &h->routes[i];
	return NULL;
}

/* Headers in: answer at once, or return 0 to receive the body. */
static int
judge(struct cp_http *h, struct MHD_Connection *c, const char *url, const char *method,
      const struct route **route, enum MHD_Result *rc)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	const char *cl, *te;

	if (!strcmp(url, "/metrics") || !strcmp(url, "/-/healthy") || !strcmp(url, "/-/ready")) {
		if (!get)
			*rc = error(h, c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
		else if (url[1] == 'm')
			*rc = metrics(h, c);
		else
			*rc = health(h, c, url[3] == 'r');
		return 1;
	}
	/* /d/ and /-/debug are private even where no route serves them (file
	 * mode has no /d/), so that their 404 comes after the token check
	 * and says what is missing; any other path is simply not found. */
	if ((*route = find_route(h, url)) == NULL && strncmp(url, "/d/", 3) != 0 &&
	    strcmp(url, "/-/debug") != 0) {
		*rc = error(h, c, MHD_HTTP_NOT_FOUND, "not found");
		return 1;
	}
	if (h->conf->api_token == NULL) {
		*rc = error(h, c, MHD_HTTP_NOT_FOUND, "the device API and /-/debug are off: start "
			    "argos with --api-token-file FILE to enable them (see argos(1))");
		return 1;
	}
	if (!authorized(h, c)) {
		*rc = error(h, c, MHD_HTTP_UNAUTHORIZED, "send Authorization: Bearer TOKEN, the "
			    "token of --api-token-file");
		return 1;
	}
	if (*route == NULL) {
		*rc = error(h, c, MHD_HTTP_NOT_FOUND, "the device API needs DB mode (--dsn)");
		return 1;
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (((cl && strcmp(cl, "0") != 0) || te) && !json_type(c)) {
		*rc = error(h, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "a body must be "
			    "Content-Type: application/json");
		return 1;
	}
	if (cl && strtoull(cl, NULL, 10) > CP_HTTP_BODY_MAX) {
		const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_EXPECT);

		if ((expect && strcasecmp(expect, "100-continue") == 0) ||
		    strtoull(cl, NULL, 10) > CP_HTTP_DISCARD_MAX) {
			*rc = error(h, c, MHD_HTTP_CONTENT_TOO_LARGE, "body over 64 KiB");
			return 1;
		}
	}
	return 0;
}

static enum MHD_Result
call_route(struct cp_http *h, struct MHD_Connection *c, const char *method, const char *url,
	   struct upload *u)
{
	struct cp_http_request req = {
		.method = method, .path = url, .body = u->p ? u->p : "", .body_len = u->len,
		.conn = c,
	};
	char *resp = NULL;
	size_t resp_len = 0;
	int status = 500;

	if (u->too_big)
		return error(h, c, MHD_HTTP_CONTENT_TOO_LARGE, "body over 64 KiB");
	if (u->route->fn(u->route->ctx, &req, &resp, &resp_len, &status) < 0 || resp == NULL) {
		free(resp);
		return error(h, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
	}
	return reply(h, c, (unsigned)status, "application/json", resp, resp_len,
		     MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct cp_http *h = cls;
	struct upload *u = *con_cls;
	const struct route *route = NULL;
	enum MHD_Result rc;

	(void)version;
	if (u == NULL) {   /* headers only, the first call */
		if (judge(h, c, url, method, &route, &rc))
			return rc;
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return MHD_NO;
		u->route = route;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size) {
		/* A chunked body has no Content-Length to refuse early: take
		 * it in up to the bound, then drop the rest and answer 413 -
		 * at its end, or once CP_HTTP_DISCARD_MAX has been dropped. */
		if (u->too_big || u->len + *data_size > CP_HTTP_BODY_MAX) {
			u->too_big = 1;
			u->dropped += *data_size;
			if (u->dropped > CP_HTTP_DISCARD_MAX) {
				*data_size = 0;
				return error(h, c, MHD_HTTP_CONTENT_TOO_LARGE, "body over 64 KiB");
			}
		} else {
			char *p = realloc(u->p, u->len + *data_size + 1);

			if (p == NULL)
				return MHD_NO;
			memcpy(p + u->len, data, *data_size);
			u->p = p;
			u->len += *data_size;
			u->p[u->len] = '\0';
		}
		*data_size = 0;
		return MHD_YES;
	}
	return call_route(h, c, method, url, u);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct cp_http *h = cls;
	struct upload *u = *con_cls;

	if (t == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		cp_http_guard_completed(h->guard, c);
	if (u) {
		free(u->p);
		free(u);
	}
	*con_cls = NULL;
}

const char *
cp_http_arg(const struct cp_http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* "A.B.C.D:PORT", ":PORT", "*:PORT", "localhost:PORT" or "[v6]:PORT". */
static int
parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sl)
{
	const char *colon = strrchr(addr, ':');
	char host[64];
	char *end;
	unsigned long port;
	size_t hl;

	if (colon == NULL || colon[1] == '\0')
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	hl = (size_t)(colon - addr);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*sl = sizeof(*s4);
	if (hl == 0 || strcmp(host, "*") == 0)
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	return 0;
}

struct cp_http *
cp_http_start(const struct cp_http_conf *conf, char *err, size_t errlen)
{
	const char *addr = conf->listen;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct cp_http *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	int one = 1;

	if (addr == NULL || parse_addr(addr, &ss, &sl) < 0) {
		snprintf(err, errlen, "'%s' is not an address to listen on: want A.B.C.D:PORT, "
			 ":PORT or [V6]:PORT", addr ? addr : "");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->conf = conf;
	pthread_mutex_init(&h->mu, NULL);
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, (struct sockaddr *)&ss, sl) < 0 || listen(h->fd, 256) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		goto err;
	}
	h->guard = cp_http_guard_start(CP_HTTP_REQUEST_S * 1000);
	if (h->guard == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server's guard thread");
		goto err;
	}
	if (conf->tls_cert)
		flags |= MHD_USE_TLS;
	/* Options that do not apply without TLS are left out by ending the
	 * list early: MHD refuses HTTPS options on a plain daemon. */
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
				MHD_OPTION_NOTIFY_CONNECTION, cp_http_guard_notify, h->guard,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)CP_HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)CP_HTTP_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CP_HTTP_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CP_HTTP_IDLE_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
				MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				conf->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
				conf->tls_cert,
				MHD_OPTION_HTTPS_MEM_KEY, conf->tls_key,
				MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
				MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server on %s (libmicrohttpd failed%s)",
			 addr, conf->tls_cert ? "; check --tls-cert and --tls-key" : "");
		goto err;
	}
	fprintf(stderr, "argos: --listen %s: %s /metrics, /-/healthy, /-/ready; %s\n", addr,
		conf->tls_cert ? "https (TLS)" : "http", conf->api_token ?
		"the device API and /-/debug answer clients with the --api-token-file token" :
		"the device API and /-/debug are off (give --api-token-file FILE to enable them)");
	return h;
err:
	cp_http_guard_stop(h->guard);
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->mu);
	free(h);
	return NULL;
}

void
cp_http_set_metrics(struct cp_http *h, const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (copy == NULL)
		return;   /* the previous text stays served */
	memcpy(copy, text, len);
	pthread_mutex_lock(&h->mu);
	free(h->text);
	h->text = copy;
	h->len = len;
	h->text_ms = mono_ms();
	pthread_mutex_unlock(&h->mu);
}

int
cp_http_route(struct cp_http *h, const char *prefix, cp_http_handler handler, void *ctx)
{
	struct route *r;

	if (h->n_routes == ROUTES_MAX || strlen(prefix) >= sizeof(r->prefix))
		return -ENOSPC;
	r = &h->routes[h->n_routes];
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
	r->fn = handler;
	r->ctx = ctx;
	__atomic_store_n(&h->n_routes, h->n_routes + 1, __ATOMIC_RELEASE);
	return 0;
}

void
cp_http_set_ready(struct cp_http *h, cp_http_ready_fn fn, void *ctx)
{
	h->ready_ctx = ctx;
	__atomic_store_n(&h->ready, fn, __ATOMIC_RELEASE);
}

void
cp_http_stop(struct cp_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	cp_http_guard_stop(h->guard);
	close(h->fd);
	free(h->text);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
