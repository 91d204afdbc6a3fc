/*
 * cp_metrics.c - Prometheus text format 0.0.4, built line by line
 * (cp_http.h).
 *
 * Escaping as the format says: in HELP text a backslash and a newline;
 * in label values a backslash, a double quote and a newline.  Metric
 * and label names are the caller's constants and are written as given.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_http.h"

void
cp_metrics_init(struct cp_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void
cp_metrics_reset(struct cp_metrics *m)
{
	m->len = 0;
	m->oom = 0;
	if (m->buf)
		m->buf[0] = '\0';
}

void
cp_metrics_free(struct cp_metrics *m)
{
	free(m->buf);
	cp_metrics_init(m);
}

static int
room(struct cp_metrics *m, size_t n)
{
	size_t cap;
	char *p;

	if (m->cap - m->len > n)
		return 0;
	cap = m->cap ? m->cap : 4096;
	while (cap - m->len <= n)
		cap *= 2;
	p = realloc(m->buf, cap);
	if (p == NULL) {
		m->oom = 1;
		return -1;
	}
	m->buf = p;
	m->cap = cap;
	return 0;
}

static void
put(struct cp_metrics *m, const char *s, size_t n)
{
	if (room(m, n) < 0)
		return;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void
putf(struct cp_metrics *m, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(m, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text with the given characters backslash-escaped. */
static void
put_escaped(struct cp_metrics *m, const char *s, int quotes)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(m, "\\\\", 2);
		else if (*s == '\n')
			put(m, "\\n", 2);
		else if (*s == '"' && quotes)
			put(m, "\\\"", 2);
		else
			put(m, s, 1);
	}
}

void
cp_metrics_help(struct cp_metrics *m, const char *name, const char *type, const char *help)
{
	put(m, "# HELP ", 7);
	put(m, name, strlen(name));
	put(m, " ", 1);
	put_escaped(m, help, 0);
	put(m, "\n# TYPE ", 8);
	put(m, name, strlen(name));
	put(m, " ", 1);
	put(m, type, strlen(type));
	put(m, "\n", 1);
}

static void
head(struct cp_metrics *m, const char *name, const struct cp_label *l, size_t n)
{
	put(m, name, strlen(name));
	if (n == 0)
		return;
	put(m, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(m, ",", 1);
		put(m, l[i].name, strlen(l[i].name));
		put(m, "=\"", 2);
		put_escaped(m, l[i].value, 1);
		put(m, "\"", 1);
	}
	put(m, "}", 1);
}

void
cp_metrics_double(struct cp_metrics *m, const char *name, const struct cp_label *labels,
		  size_t n, double value)
{
	head(m, name, labels, n);
	if (isnan(value))
		put(m, " NaN\n", 5);
	else if (isinf(value))
		put(m, value > 0 ? " +Inf\n" : " -Inf\n", 6);
	else
		putf(m, " %.17g\n", value);
}

void
cp_metrics_u64(struct cp_metrics *m, const char *name, const struct cp_label *labels, size_t n,
	       uint64_t value)
{
	head(m, name, labels, n);
	putf(m, " %" PRIu64 "\n", value);
}
