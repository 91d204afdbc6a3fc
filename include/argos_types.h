/*
 * argos_types.h - small value types shared by both planes.
 *
 * An OID is kept as host-order 32-bit sub-identifiers, the form both
 * the SNMP codec and the JSON writer want.  128 sub-identifiers is the
 * SMI limit (RFC 2578 section 3.5), so every legal OID fits.
 */
#ifndef ARGOS_TYPES_H
#define ARGOS_TYPES_H

#include <stdint.h>
#include <stddef.h>

#define ARGOS_OID_MAX 128

/** An object identifier: len sub-identifiers, host order. */
struct argos_oid {
	uint32_t len;
	uint32_t sub[ARGOS_OID_MAX];
};

/**
 * Parse a dotted OID ("1.3.6.1.2.1.1" or ".1.3.6.1.2.1.1") into o.
 * @return 0, or -EINVAL when s is empty, has an empty or non-numeric
 *         arc, an arc above 2^32-1, fewer than 2 or more than
 *         ARGOS_OID_MAX arcs.
 */
int argos_oid_parse(const char *s, struct argos_oid *o);

/**
 * Write o dotted, without a leading dot, into buf (NUL-terminated).
 * @return the length written, or -ENOSPC when buf is too small.
 */
int argos_oid_format(const uint32_t *sub, uint32_t len, char *buf, size_t size);

/** memcmp-like lexicographic OID order: <0, 0 or >0. */
static inline int
argos_oid_cmp(const uint32_t *a, uint32_t alen, const uint32_t *b, uint32_t blen)
{
	uint32_t n = alen < blen ? alen : blen;

	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

/** 1 when sub lies strictly inside the subtree rooted at root. */
static inline int
argos_oid_in_subtree(const uint32_t *sub, uint32_t len, const struct argos_oid *root)
{
	if (len <= root->len)
		return 0;
	for (uint32_t i = 0; i < root->len; i++)
		if (sub[i] != root->sub[i])
			return 0;
	return 1;
}

#endif
