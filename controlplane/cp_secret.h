/*
 * cp_secret.h - secrets come from files, never from the command line:
 * any local user can read a process's argv (ps, /proc/PID/cmdline), but
 * not a file of mode 0600 or 0640.
 *
 *	char err[256], *dsn = cp_secret_read("/etc/argos/dsn", "--dsn-file", err, sizeof(err));
 *	if (!dsn) { fprintf(stderr, "argos: %s\n", err); exit(1); }
 *	...
 *	cp_secret_free(dsn);
 *
 * Every flag that names a secret file (--dsn-file, --lock-dsn-file,
 * --rw-password-file, --rw-bearer-token-file, --api-token-file,
 * --tls-key) reads it here, so they share one set of rules.
 */
#ifndef ARGOS_CP_SECRET_H
#define ARGOS_CP_SECRET_H

#include <stddef.h>

/** A secret file is read up to this size; its first line is the secret. */
#define CP_SECRET_FILE_MAX 65536

/**
 * The first line of path, without its line end (LF or CRLF).  Refused,
 * with err naming flag and path but never the content: a file that
 * cannot be read, one that every user may read or write (mode o+r or
 * o+w: the message says "chmod o-rwx"), one larger than
 * CP_SECRET_FILE_MAX, and an empty first line.
 * @return a malloc'd string to give back with cp_secret_free(), or NULL.
 */
char *cp_secret_read(const char *path, const char *flag, char *err, size_t errlen);

/**
 * The whole of path (a PEM key, say), NUL-terminated, with the same
 * refusals as cp_secret_read() except that it may hold several lines.
 * @return a malloc'd buffer to give back with cp_secret_free(), or NULL.
 */
char *cp_secret_read_all(const char *path, const char *flag, char *err, size_t errlen);

/** Wipe and free a secret (NULL is a no-op). */
void cp_secret_free(char *s);

/**
 * Compare two secrets in time that depends only on the length of want,
 * not on where they differ (a bearer token check must not tell an
 * attacker how many leading bytes were right).
 * @return 1 when equal, else 0.
 */
int cp_secret_equal(const char *got, size_t got_len, const char *want, size_t want_len);

#endif
