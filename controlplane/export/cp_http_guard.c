/*
 * cp_http_guard.c - per-request deadlines for the HTTP server
 * (cp_http_guard.h).
 *
 * Each open connection has an entry: its socket and its deadline.  A
 * thread of the guard looks at them four times a second and shuts the
 * socket (shutdown(2), not close) of every connection past its
 * deadline; libmicrohttpd then sees the end of the stream and closes
 * the connection itself, in its own thread, as for any client that
 * went away.
 *
 * Why this is safe: libmicrohttpd calls the CLOSED notification before
 * it closes the socket, and the entry leaves the list there, under the
 * same mutex the guard holds while it shuts sockets.  So a socket the
 * guard shuts is always still the connection's own, never a number
 * already reused by another file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "cp_http_guard.h"

#define GUARD_TICK_MS 250

struct entry {
	struct entry *prev, *next;
	int fd;
	int shut;
	uint64_t deadline_ms;
};

struct cp_http_guard {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;
	uint32_t request_ms;
	struct entry head;            /* list sentinel */
	uint64_t cut;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *
guard_main(void *arg)
{
	struct cp_http_guard *g = arg;
	struct timespec until;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		uint64_t now = mono_ms();

		for (struct entry *e = g->head.next; e != &g->head; e = e->next)
			if (!e->shut && e->deadline_ms <= now) {
				shutdown(e->fd, SHUT_RDWR);
				e->shut = 1;
				g->cut++;
			}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &until);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct cp_http_guard *
cp_http_guard_start(uint32_t request_ms)
{
	struct cp_http_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;

	if (g == NULL)
		return NULL;
	g->request_ms = request_ms;
	g->head.next = g->head.prev = &g->head;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	pthread_setname_np(g->thread, "argos-http-gd");
	return g;
}

void
cp_http_guard_stop(struct cp_http_guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	while (g->head.next != &g->head) {   /* none after MHD_stop_daemon; be sure */
		struct entry *e = g->head.next;

		g->head.next = e->next;
		free(e);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

void
cp_http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		     enum MHD_ConnectionNotificationCode toe)
{
	struct cp_http_guard *g = cls;
	struct entry *e = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (ci == NULL || (e = calloc(1, sizeof(*e))) == NULL)
			return;    /* unguarded: the idle timeout still holds */
		e->fd = ci->connect_fd;
		pthread_mutex_lock(&g->mu);
		e->deadline_ms = mono_ms() + g->request_ms;
		e->next = g->head.next;
		e->prev = &g->head;
		g->head.next->prev = e;
		g->head.next = e;
		pthread_mutex_unlock(&g->mu);
		*socket_context = e;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && e != NULL) {
		pthread_mutex_lock(&g->mu);
		e->prev->next = e->next;
		e->next->prev = e->prev;
		pthread_mutex_unlock(&g->mu);
		free(e);
		*socket_context = NULL;
	}
}

void
cp_http_guard_completed(struct cp_http_guard *g, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct entry *e = ci ? ci->socket_context : NULL;

	if (e == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	e->deadline_ms = mono_ms() + g->request_ms;
	pthread_mutex_unlock(&g->mu);
}

uint64_t
cp_http_guard_cut(struct cp_http_guard *g)
{
	uint64_t n;

	pthread_mutex_lock(&g->mu);
	n = g->cut;
	pthread_mutex_unlock(&g->mu);
	return n;
}
