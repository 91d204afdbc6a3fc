/*
 * cp_http.c - the HTTP server: /metrics and the device API hook
 * (cp_http.h).
 *
 * The listening socket is bound here, not by libmicrohttpd, so that a
 * busy or foreign address is reported with the kernel's own reason
 * ("Address already in use") instead of MHD's bare failure.  MHD runs
 * one internal thread with poll(); the metrics text is swapped under a
 * mutex and copied into each response, so a scrape never sees a half
 * written text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cp_http.h"

#define BODY_MAX (1 << 20)

struct cp_http {
	struct MHD_Daemon *d;
	int fd;
	pthread_mutex_t mu;
	char *text;
	size_t len;
	cp_http_handler handler;
	void *ctx;
};

/* A request body being received. */
struct upload {
	char *p;
	size_t len;
	int too_big;
};

static const char not_found[] = "{\"error\":\"not found\"}";
static const char no_api[] = "{\"error\":\"the device API is not enabled (DB mode only)\"}";

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, void *body, size_t len,
      enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
metrics(struct cp_http *h, struct MHD_Connection *c)
{
	char *copy;
	size_t len;

	pthread_mutex_lock(&h->mu);
	len = h->len;
	copy = malloc(len ? len : 1);
	if (copy && len)
		memcpy(copy, h->text, len);
	pthread_mutex_unlock(&h->mu);
	if (copy == NULL)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", copy, len,
		     MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
device_api(struct cp_http *h, struct MHD_Connection *c, const char *method, const char *url,
	   struct upload *u)
{
	cp_http_handler fn = __atomic_load_n(&h->handler, __ATOMIC_ACQUIRE);
	char *resp = NULL;
	size_t resp_len = 0;
	int status = 500;

	if (fn == NULL)
		return reply(c, MHD_HTTP_NOT_FOUND, "application/json", (void *)no_api,
			     sizeof(no_api) - 1, MHD_RESPMEM_PERSISTENT);
	if (u->too_big)
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "application/json",
			     (void *)"{\"error\":\"body over 1 MiB\"}", 27, MHD_RESPMEM_PERSISTENT);
	if (fn(h->ctx, method, url, u->p ? u->p : "", u->len, &resp, &resp_len, &status) < 0 ||
	    resp == NULL) {
		free(resp);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json",
			     (void *)"{\"error\":\"internal error\"}", 26, MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, (unsigned)status, "application/json", resp, resp_len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct cp_http *h = cls;
	struct upload *u = *con_cls;

	(void)version;
	if (u == NULL) {   /* headers only, the first call */
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size) {
		if (u->len + *data_size > BODY_MAX) {
			u->too_big = 1;
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
	if (strcmp(url, "/metrics") == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
		return metrics(h, c);
	if (strncmp(url, "/d/", 3) == 0)
		return device_api(h, c, method, url, u);
	return reply(c, MHD_HTTP_NOT_FOUND, "application/json", (void *)not_found,
		     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (u) {
		free(u->p);
		free(u);
	}
	*con_cls = NULL;
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
cp_http_start(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct cp_http *h;
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
	pthread_mutex_init(&h->mu, NULL);
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, (struct sockaddr *)&ss, sl) < 0 || listen(h->fd, 64) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		goto err;
	}
	h->d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server on %s (libmicrohttpd failed)", addr);
		goto err;
	}
	return h;
err:
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
	pthread_mutex_unlock(&h->mu);
}

void
cp_http_set_device_api(struct cp_http *h, cp_http_handler handler, void *ctx)
{
	h->ctx = ctx;
	__atomic_store_n(&h->handler, handler, __ATOMIC_RELEASE);
}

void
cp_http_stop(struct cp_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	close(h->fd);
	free(h->text);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
