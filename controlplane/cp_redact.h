/*
 * cp_redact.h - the one redactor: every message argos writes that may
 * hold a URL or a libpq connection string goes through cp_redact()
 * first, so that a password or a token never reaches a log, an error
 * or an API reply.
 *
 *	char safe[512];
 *	cp_redact(dsn, safe, sizeof(safe));
 *	fprintf(stderr, "argos: cannot connect to '%s'\n", safe);
 *
 * What is a secret: the password of a URL's userinfo
 * (scheme://user:SECRET@host), the value of a secret query parameter
 * (?password=SECRET&..., &token=SECRET) and the value of a secret key of
 * a libpq key=value string (password=SECRET, password = 'SEC RET',
 * sslpassword=...).  The secret keys are password, sslpassword, passwd,
 * pwd, pass, token, access_token, auth_token, bearer_token, api_key,
 * apikey, secret and client_secret, in any case.  Every occurrence is
 * replaced, wherever it is in the text (a whole message may be given),
 * and a key given twice is replaced twice.  User names, hosts and paths
 * stay: an operator needs them to read the message.
 */
#ifndef ARGOS_CP_REDACT_H
#define ARGOS_CP_REDACT_H

#include <stddef.h>

/**
 * Copy text into out (always NUL-terminated, cut to len bytes) with
 * every secret replaced by "***".  text NULL gives "(none)".
 * @return the number of secrets replaced.
 */
size_t cp_redact(const char *text, char *out, size_t len);

/** @return 1 when text holds a secret that cp_redact() would hide, else 0. */
int cp_redact_has_secret(const char *text);

#endif
