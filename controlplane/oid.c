/*
 * oid.c - dotted OIDs in and out (argos_types.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "argos_types.h"

int
argos_oid_parse(const char *s, struct argos_oid *o)
{
	const char *p = s;

	o->len = 0;
	if (*p == '.')
		p++;
	while (*p != '\0') {
		uint64_t v = 0;
		const char *start = p;

		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > UINT32_MAX)
				return -EINVAL;
			p++;
		}
		if (p == start || (*p != '.' && *p != '\0') || o->len == ARGOS_OID_MAX)
			return -EINVAL;
		o->sub[o->len++] = (uint32_t)v;
		if (*p == '.' && *++p == '\0')
			return -EINVAL;   /* a trailing dot */
	}
	return o->len >= 2 ? 0 : -EINVAL;
}

int
argos_oid_format(const uint32_t *sub, uint32_t len, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (uint32_t i = 0; i < len; i++) {
		int n = snprintf(buf + used, size - used, i ? ".%u" : "%u", sub[i]);

		if (n < 0 || (size_t)n >= size - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}
