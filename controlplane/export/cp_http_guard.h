/*
 * cp_http_guard.h - a deadline per request that no client can push
 * back (cp_http_guard.c), for cp_http.c.
 *
 * libmicrohttpd's connection timeout is an idle timeout: every byte a
 * client sends starts it again, so a client that trickles one byte
 * every few seconds holds a connection, and a thread's attention, for
 * ever (slowloris).  The guard gives each connection a deadline when it
 * opens and again each time a request on it completes: a request must
 * arrive whole and be answered by then, or its connection is shut.
 */
#ifndef ARGOS_CP_HTTP_GUARD_H
#define ARGOS_CP_HTTP_GUARD_H

#include <stdint.h>

#include <microhttpd.h>

struct cp_http_guard;

/** Start the guard's thread: requests get request_ms each.  NULL on failure. */
struct cp_http_guard *cp_http_guard_start(uint32_t request_ms);

/** Stop the thread and free the guard (after MHD_stop_daemon).  NULL is a no-op. */
void cp_http_guard_stop(struct cp_http_guard *g);

/** MHD_OPTION_NOTIFY_CONNECTION's callback; cls is the guard. */
void cp_http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe);

/** A request on c completed: its connection's next request gets a fresh deadline. */
void cp_http_guard_completed(struct cp_http_guard *g, struct MHD_Connection *c);

/** Connections shut because a request missed its deadline, since start. */
uint64_t cp_http_guard_cut(struct cp_http_guard *g);

#endif
