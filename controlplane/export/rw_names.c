/*
 * rw_names.c - which metric an OID is (rw_name_add() in rw.h).
 *
 * The built-in table follows snmp_exporter's if_mib module as its
 * generator writes it: sysUpTime, ifNumber, every column of ifTable and
 * ifXTable under its MIB name; ifDescr, ifName and ifAlias are lookups
 * (labels on every row of the same ifIndex, never samples of their
 * own); DisplayString objects of the system group are info samples
 * (sysName{sysName="core1"} 1); ifPhysAddress is a PhysAddress48 info
 * sample; sysObjectID and ifSpecific (OID values) are not exported.
 * ifType is a gauge (the generator's default; if_mib's EnumAsInfo
 * override needs the MIB's enum names, which argos does not carry).
 *
 * Lookup is by longest prefix, with a one-entry cache: a walk returns
 * one column after the other, so the name of the previous varbind is
 * almost always the name of this one.  The cache is only trusted for a
 * leaf (no longer prefix in the table could win).  A miss scans the
 * table, small enough (about 50 rows plus what a profile adds) that a
 * linear scan is cheaper than anything cleverer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "argos_types.h"
#include "rw_internal.h"

struct builtin {
	const char *oid;
	const char *name;
	enum rw_kind kind;
	const char *index;
};

#define SYS "1.3.6.1.2.1.1."
#define IFT "1.3.6.1.2.1.2.2.1."
#define IFX "1.3.6.1.2.1.31.1.1.1."

static const struct builtin if_mib[] = {
	{ SYS "1", "sysDescr", RW_STRING, NULL },
	{ SYS "2", "sysObjectID", RW_IGNORE, NULL },
	{ SYS "3", "sysUpTime", RW_GAUGE, NULL },
	{ SYS "4", "sysContact", RW_STRING, NULL },
	{ SYS "5", "sysName", RW_STRING, NULL },
	{ SYS "6", "sysLocation", RW_STRING, NULL },
	{ SYS "7", "sysServices", RW_GAUGE, NULL },
	{ SYS "8", "sysORLastChange", RW_GAUGE, NULL },
	{ SYS "9", "sysORTable", RW_IGNORE, NULL },
	{ "1.3.6.1.2.1.2.1", "ifNumber", RW_GAUGE, NULL },
	{ IFT "1", "ifIndex", RW_GAUGE, "ifIndex" },
	{ IFT "2", "ifDescr", RW_LOOKUP, "ifIndex" },
	{ IFT "3", "ifType", RW_GAUGE, "ifIndex" },
	{ IFT "4", "ifMtu", RW_GAUGE, "ifIndex" },
	{ IFT "5", "ifSpeed", RW_GAUGE, "ifIndex" },
	{ IFT "6", "ifPhysAddress", RW_PHYSADDR, "ifIndex" },
	{ IFT "7", "ifAdminStatus", RW_GAUGE, "ifIndex" },
	{ IFT "8", "ifOperStatus", RW_GAUGE, "ifIndex" },
	{ IFT "9", "ifLastChange", RW_GAUGE, "ifIndex" },
	{ IFT "10", "ifInOctets", RW_COUNTER, "ifIndex" },
	{ IFT "11", "ifInUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFT "12", "ifInNUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFT "13", "ifInDiscards", RW_COUNTER, "ifIndex" },
	{ IFT "14", "ifInErrors", RW_COUNTER, "ifIndex" },
	{ IFT "15", "ifInUnknownProtos", RW_COUNTER, "ifIndex" },
	{ IFT "16", "ifOutOctets", RW_COUNTER, "ifIndex" },
	{ IFT "17", "ifOutUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFT "18", "ifOutNUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFT "19", "ifOutDiscards", RW_COUNTER, "ifIndex" },
	{ IFT "20", "ifOutErrors", RW_COUNTER, "ifIndex" },
	{ IFT "21", "ifOutQLen", RW_GAUGE, "ifIndex" },
	{ IFT "22", "ifSpecific", RW_IGNORE, "ifIndex" },
	{ IFX "1", "ifName", RW_LOOKUP, "ifIndex" },
	{ IFX "2", "ifInMulticastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "3", "ifInBroadcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "4", "ifOutMulticastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "5", "ifOutBroadcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "6", "ifHCInOctets", RW_COUNTER, "ifIndex" },
	{ IFX "7", "ifHCInUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "8", "ifHCInMulticastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "9", "ifHCInBroadcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "10", "ifHCOutOctets", RW_COUNTER, "ifIndex" },
	{ IFX "11", "ifHCOutUcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "12", "ifHCOutMulticastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "13", "ifHCOutBroadcastPkts", RW_COUNTER, "ifIndex" },
	{ IFX "14", "ifLinkUpDownTrapEnable", RW_GAUGE, "ifIndex" },
	{ IFX "15", "ifHighSpeed", RW_GAUGE, "ifIndex" },
	{ IFX "16", "ifPromiscuousMode", RW_GAUGE, "ifIndex" },
	{ IFX "17", "ifConnectorPresent", RW_GAUGE, "ifIndex" },
	{ IFX "18", "ifAlias", RW_LOOKUP, "ifIndex" },
	{ IFX "19", "ifCounterDiscontinuityTime", RW_GAUGE, "ifIndex" },
};

void
rw_sanitize(char *s)
{
	if (*s >= '0' && *s <= '9')
		*s = '_';
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			*s = '_';
}

/*
 * After any change of the table: give every name its label_id (rows of
 * the same index label share it) and its encoded __name__ label, and
 * tell the devices' rows (rw_rows.c) that what they cached is void.
 */
static void
names_index(struct rw *rw)
{
	for (size_t i = 0; i < rw->n_names; i++) {
		struct rw_name *n = &rw->names[i];
		struct rw_lbl l = { "__name__", n->name, 8, (uint32_t)strlen(n->name) };

		n->label_id = (uint32_t)i;
		for (size_t k = 0; k < i; k++)
			if (strcmp(rw->names[k].index_label, n->index_label) == 0) {
				n->label_id = (uint32_t)k;
				break;
			}
		/* name < 64 bytes: every varint is one byte, 77 bytes at most */
		n->enc_len = (uint8_t)rw_label_field_put(n->enc, &l);
	}
	rw->names_gen++;
}

int
rw_name_add(struct rw *rw, const char *oid, const char *name, enum rw_kind kind,
	    const char *index_label)
{
	char err[256];

	return rw_name_add_ex(rw, oid, name, kind, index_label, NULL, err, sizeof(err));
}

int
rw_name_add_ex(struct rw *rw, const char *oid, const char *name, enum rw_kind kind,
	       const char *index_label, const struct rw_name_opts *opts, char *err,
	       size_t errlen)
{
	struct argos_oid o;
	struct rw_name *n = NULL, tmp;
	int rc;

	if (argos_oid_parse(oid, &o) < 0 || o.len > RW_PREFIX_MAX || name == NULL ||
	    name[0] == '\0' || strlen(name) >= RW_NAME_MAX || kind < RW_COUNTER ||
	    kind > RW_IGNORE || (index_label && strlen(index_label) >= RW_NAME_MAX)) {
		snprintf(err, errlen, "a bad OID, name or kind");
		return -EINVAL;
	}
	memset(&tmp, 0, sizeof(tmp));   /* the rules first: a bad one changes nothing */
	memcpy(tmp.oid, o.sub, o.len * sizeof(uint32_t));
	tmp.oid_len = o.len;
	rc = rw_horus_set(&tmp, opts, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rw->n_names; i++)
		if (rw->names[i].oid_len == o.len &&
		    memcmp(rw->names[i].oid, o.sub, o.len * sizeof(uint32_t)) == 0)
			n = &rw->names[i];
	if (n == NULL) {
		if (rw->n_names == rw->cap_names) {
			size_t cap = rw->cap_names ? rw->cap_names * 2 : 64;
			struct rw_name *p = realloc(rw->names, cap * sizeof(*p));

			if (p == NULL) {
				rw_horus_free(&tmp);
				return -ENOMEM;
			}
			rw->names = p;
			rw->cap_names = cap;
		}
		n = &rw->names[rw->n_names++];
		memset(n, 0, sizeof(*n));
	}
	rw_horus_free(n);
	*n = tmp;
	n->kind = (uint8_t)kind;
	strcpy(n->name, name);
	rw_sanitize(n->name);
	if (index_label && index_label[0]) {
		strcpy(n->index_label, index_label);
		rw_sanitize(n->index_label);
	}
	for (size_t i = 0; i < rw->n_names; i++) {
		struct rw_name *a = &rw->names[i];

		a->leaf = 1;
		for (size_t k = 0; k < rw->n_names && a->leaf; k++)
			if (k != i && rw->names[k].oid_len > a->oid_len &&
			    memcmp(rw->names[k].oid, a->oid, a->oid_len * sizeof(uint32_t)) == 0)
				a->leaf = 0;
	}
	names_index(rw);
	return 0;
}

int
rw_names_builtin(struct rw *rw)
{
	for (size_t i = 0; i < sizeof(if_mib) / sizeof(if_mib[0]); i++) {
		int rc = rw_name_add(rw, if_mib[i].oid, if_mib[i].name, if_mib[i].kind,
				     if_mib[i].index);

		if (rc < 0)
			return rc;
	}
	return 0;
}

const struct rw_name *
rw_names_find(struct rw *rw, const uint32_t *oid, uint32_t len, uint32_t *which)
{
	const struct rw_name *best = NULL;

	if (rw->last_name < rw->n_names) {
		const struct rw_name *n = &rw->names[rw->last_name];

		if (n->leaf && n->oid_len < len &&
		    memcmp(n->oid, oid, n->oid_len * sizeof(uint32_t)) == 0) {
			*which = rw->last_name;
			return n;
		}
	}

	for (size_t i = 0; i < rw->n_names; i++) {
		const struct rw_name *n = &rw->names[i];

		if (n->oid_len >= len || (best && n->oid_len <= best->oid_len))
			continue;
		if (memcmp(n->oid, oid, n->oid_len * sizeof(uint32_t)) == 0) {
			best = n;
			*which = (uint32_t)i;
		}
	}
	if (best)
		rw->last_name = *which;
	return best;
}
