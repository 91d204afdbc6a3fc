/*
 * sched.c - the due-time heap (see sched.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "cp_sched.h"

int
cp_sched_init(struct cp_sched *s, size_t cap)
{
	s->h = calloc(cap ? cap : 1, sizeof(*s->h));
	s->n = 0;
	s->cap = cap;
	return s->h ? 0 : -ENOMEM;
}

void
cp_sched_free(struct cp_sched *s)
{
	free(s->h);
	s->h = NULL;
	s->n = s->cap = 0;
}

int
cp_sched_push(struct cp_sched *s, uint64_t at_ms, uint32_t device, uint8_t kind)
{
	size_t i;

	if (s->n == s->cap)
		return -ENOSPC;
	i = s->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (s->h[parent].at_ms <= at_ms)
			break;
		s->h[i] = s->h[parent];
		i = parent;
	}
	s->h[i] = (struct cp_due){ .at_ms = at_ms, .device = device, .kind = kind };
	return 0;
}

/* Put e at h[i] or below it, where the heap order of s->n entries
 * wants it (h[i]'s old content is overwritten). */
static void
sift_down(struct cp_sched *s, size_t i, struct cp_due e)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->h[c + 1].at_ms < s->h[c].at_ms)
			c++;
		if (e.at_ms <= s->h[c].at_ms)
			break;
		s->h[i] = s->h[c];
		i = c;
	}
	s->h[i] = e;
}

void
cp_sched_pop(struct cp_sched *s)
{
	if (s->n == 0)
		return;
	s->n--;
	sift_down(s, 0, s->h[s->n]);
}

size_t
cp_sched_filter(struct cp_sched *s, int (*keep)(const struct cp_due *e, void *arg), void *arg)
{
	size_t kept = 0, removed;

	for (size_t i = 0; i < s->n; i++)
		if (keep(&s->h[i], arg))
			s->h[kept++] = s->h[i];
	removed = s->n - kept;
	s->n = kept;
	/* Floyd's heap construction: sift every parent down, last first. */
	for (size_t i = kept / 2; i-- > 0;)
		sift_down(s, i, s->h[i]);
	return removed;
}
