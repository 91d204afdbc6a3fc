/*
 * farm_mib.c - the synthetic MIB (see farm_mib.h): the object table in
 * lexicographic order, exact and next lookups, and the varbind writer
 * with the value function.
 *
 * Why a flat table and not a tree: 49 objects, each a scalar or a
 * column with instances 1..n_if, so "the instance after X" is one scan
 * of the table with arithmetic on the last arc, and a GETBULK walks on
 * from a position with farm_mib_step() in O(1).
 */
#include <errno.h>
#include <string.h>

#include "argos_snmp.h"
#include "farm_mib.h"

enum farm_value_id {
	V_SYSDESCR, V_SYSOBJECTID, V_SYSUPTIME, V_SYSCONTACT, V_SYSNAME, V_SYSLOCATION,
	V_SYSSERVICES, V_IFNUMBER, V_IFINDEX, V_IFDESCR, V_IFSPEED, V_IFPHYSADDRESS,
	V_COUNTER, V_IFSPECIFIC, V_IFNAME, V_IFHIGHSPEED, V_IFALIAS, V_CONST,
};

#define SYS(n, t, v) { .prefix = { 1, 3, 6, 1, 2, 1, 1, n }, .plen = 8, .column = n, \
		       .type = t, .value = v }
#define IFNUM { .prefix = { 1, 3, 6, 1, 2, 1, 2, 1 }, .plen = 8, .column = 1, \
		.type = SNMP_T_INTEGER, .value = V_IFNUMBER }
#define IFT(c, t, v, k) { .prefix = { 1, 3, 6, 1, 2, 1, 2, 2, 1, c }, .plen = 10, \
			  .column = c, .table = 1, .type = t, .value = v, .kind = k }
#define IFX(c, t, v, k) { .prefix = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, c }, .plen = 11, \
			  .column = c, .table = 2, .type = t, .value = v, .kind = k }

/*
 * Constant values (V_CONST) are kept in .kind: ifType 6
 * (ethernetCsmacd), ifMtu 1500 (in consts[]), up(1) statuses, zero
 * TimeTicks and Gauge32, the IF-MIB TruthValues.
 */
#define C_ZERO 0
#define C_ONE 1
#define C_TWO 2
#define C_MTU 3
#define C_SIX 4

static const uint32_t consts[] = { 0, 1, 2, 1500, 6 };

static struct farm_obj objs[] = {
	SYS(1, SNMP_T_OCTETSTR, V_SYSDESCR),
	SYS(2, SNMP_T_OID, V_SYSOBJECTID),
	SYS(3, SNMP_T_TIMETICKS, V_SYSUPTIME),
	SYS(4, SNMP_T_OCTETSTR, V_SYSCONTACT),
	SYS(5, SNMP_T_OCTETSTR, V_SYSNAME),
	SYS(6, SNMP_T_OCTETSTR, V_SYSLOCATION),
	SYS(7, SNMP_T_INTEGER, V_SYSSERVICES),
	IFNUM,
	IFT(1, SNMP_T_INTEGER, V_IFINDEX, 0),
	IFT(2, SNMP_T_OCTETSTR, V_IFDESCR, 0),
	IFT(3, SNMP_T_INTEGER, V_CONST, C_SIX),
	IFT(4, SNMP_T_INTEGER, V_CONST, C_MTU),
	IFT(5, SNMP_T_GAUGE32, V_IFSPEED, 0),
	IFT(6, SNMP_T_OCTETSTR, V_IFPHYSADDRESS, 0),
	IFT(7, SNMP_T_INTEGER, V_CONST, C_ONE),          /* ifAdminStatus up */
	IFT(8, SNMP_T_INTEGER, V_CONST, C_ONE),          /* ifOperStatus up */
	IFT(9, SNMP_T_TIMETICKS, V_CONST, C_ZERO),       /* ifLastChange */
	IFT(10, SNMP_T_COUNTER32, V_COUNTER, 1),         /* ifInOctets */
	IFT(11, SNMP_T_COUNTER32, V_COUNTER, 2),         /* ifInUcastPkts */
	IFT(12, SNMP_T_COUNTER32, V_COUNTER, 3),         /* ifInNUcastPkts */
	IFT(13, SNMP_T_COUNTER32, V_COUNTER, 4),         /* ifInDiscards */
	IFT(14, SNMP_T_COUNTER32, V_COUNTER, 5),         /* ifInErrors */
	IFT(15, SNMP_T_COUNTER32, V_COUNTER, 6),         /* ifInUnknownProtos */
	IFT(16, SNMP_T_COUNTER32, V_COUNTER, 7),         /* ifOutOctets */
	IFT(17, SNMP_T_COUNTER32, V_COUNTER, 8),         /* ifOutUcastPkts */
	IFT(18, SNMP_T_COUNTER32, V_COUNTER, 9),         /* ifOutNUcastPkts */
	IFT(19, SNMP_T_COUNTER32, V_COUNTER, 10),        /* ifOutDiscards */
	IFT(20, SNMP_T_COUNTER32, V_COUNTER, 11),        /* ifOutErrors */
	IFT(21, SNMP_T_GAUGE32, V_CONST, C_ZERO),        /* ifOutQLen */
	IFT(22, SNMP_T_OID, V_IFSPECIFIC, 0),
	IFX(1, SNMP_T_OCTETSTR, V_IFNAME, 0),
	IFX(2, SNMP_T_COUNTER32, V_COUNTER, 12),         /* ifInMulticastPkts */
	IFX(3, SNMP_T_COUNTER32, V_COUNTER, 13),         /* ifInBroadcastPkts */
	IFX(4, SNMP_T_COUNTER32, V_COUNTER, 14),         /* ifOutMulticastPkts */
	IFX(5, SNMP_T_COUNTER32, V_COUNTER, 15),         /* ifOutBroadcastPkts */
	IFX(6, SNMP_T_COUNTER64, V_COUNTER, 1),          /* ifHCInOctets */
	IFX(7, SNMP_T_COUNTER64, V_COUNTER, 2),          /* ifHCInUcastPkts */
	IFX(8, SNMP_T_COUNTER64, V_COUNTER, 12),         /* ifHCInMulticastPkts */
	IFX(9, SNMP_T_COUNTER64, V_COUNTER, 13),         /* ifHCInBroadcastPkts */
	IFX(10, SNMP_T_COUNTER64, V_COUNTER, 7),         /* ifHCOutOctets */
	IFX(11, SNMP_T_COUNTER64, V_COUNTER, 8),         /* ifHCOutUcastPkts */
	IFX(12, SNMP_T_COUNTER64, V_COUNTER, 14),        /* ifHCOutMulticastPkts */
	IFX(13, SNMP_T_COUNTER64, V_COUNTER, 15),        /* ifHCOutBroadcastPkts */
	IFX(14, SNMP_T_INTEGER, V_CONST, C_ONE),         /* ifLinkUpDownTrapEnable */
	IFX(15, SNMP_T_GAUGE32, V_IFHIGHSPEED, 0),
	IFX(16, SNMP_T_INTEGER, V_CONST, C_TWO),         /* ifPromiscuousMode false */
	IFX(17, SNMP_T_INTEGER, V_CONST, C_ONE),         /* ifConnectorPresent true */
	IFX(18, SNMP_T_OCTETSTR, V_IFALIAS, 0),
	IFX(19, SNMP_T_TIMETICKS, V_CONST, C_ZERO),      /* ifCounterDiscontinuityTime */
};
#define N_OBJS (sizeof(objs) / sizeof(objs[0]))

/* NET-SNMP-TC::linux, what a Linux net-snmp agent reports. */
static const uint8_t sys_objectid_ber[] = { 0x2b, 6, 1, 4, 1, 0xbf, 0x08, 3, 2, 10 };
static const char sys_descr[] = "argos-farm simulated device";
static const char sys_contact[] = "noc@farm.invalid";
static const char sys_location[] = "argos-farm";

/* Per-kind rate ceilings (units per second), indexed by kind 1..15. */
static const uint32_t rate_max[16] = {
	0, 100000000, 100000, 1000, 10, 10, 10,
	100000000, 100000, 1000, 10, 10,
	1000, 1000, 1000, 1000,
};

/* The time origin of sysUpTime (2023-11-14T22:13:20Z). */
#define UPTIME_EPOCH 1700000000ull

uint64_t
farm_counter(uint64_t dev, uint32_t ifindex, uint32_t kind, uint64_t t)
{
	uint64_t h = farm_mix64(farm_dev_hash_key(dev) | (uint64_t)ifindex << 8 | kind);

	return (h >> 20) + t * (h % rate_max[kind & 15]);
}

/* BER of one sub-identifier, base 128, big-endian. @return bytes. */
static size_t
put_subid(uint8_t *p, uint32_t v)
{
	uint8_t tmp[5];
	size_t n = 0;

	do {
		tmp[n++] = v & 0x7f;
		v >>= 7;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0);
	return n;
}

int
farm_mib_init(struct farm_mib *mib, uint32_t n_if)
{
	if (n_if < 1 || n_if > FARM_IF_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < N_OBJS; i++) {
		struct farm_obj *o = &objs[i];
		size_t n = 0;

		o->enc[n++] = (uint8_t)(o->prefix[0] * 40 + o->prefix[1]);
		for (uint32_t a = 2; a < o->plen; a++)
			n += put_subid(&o->enc[n], o->prefix[a]);
		o->enc_len = (uint8_t)n;
		if (i > 0) {
			const struct farm_obj *p = &objs[i - 1];
			uint32_t k = 0;

			while (k < p->plen && k < o->plen && p->prefix[k] == o->prefix[k])
				k++;
			/* Strictly ordered, and no prefix is a prefix of another. */
			if (k == p->plen || k == o->plen || p->prefix[k] > o->prefix[k])
				return -EINVAL;
		}
	}
	mib->n_if = n_if;
	mib->alias_bytes = 0;
	mib->port_base = 161;
	mib->n_obj = N_OBJS;
	mib->obj = objs;
	return 0;
}

static inline int
hidden(const struct farm_obj *o, int v1)
{
	return v1 && o->type == SNMP_T_COUNTER64;
}

int
farm_mib_get(const struct farm_mib *mib, const uint32_t *oid, uint32_t len, int v1,
	     struct farm_pos *pos)
{
	for (uint32_t i = 0; i < mib->n_obj; i++) {
		const struct farm_obj *o = &mib->obj[i];
		uint32_t inst;

		if (len < o->plen || memcmp(oid, o->prefix, o->plen * sizeof(uint32_t)) != 0)
			continue;
		if (hidden(o, v1))
			return FARM_MIB_NOSUCHOBJECT;
		if (len != o->plen + 1U)
			return FARM_MIB_NOSUCHINST;
		inst = oid[o->plen];
		if (o->table ? (inst < 1 || inst > mib->n_if) : inst != 0)
			return FARM_MIB_NOSUCHINST;
		pos->obj = i;
		pos->inst = inst;
		return FARM_MIB_FOUND;
	}
	return FARM_MIB_NOSUCHOBJECT;
}

int
farm_mib_next(const struct farm_mib *mib, const uint32_t *oid, uint32_t len, int v1,
	      struct farm_pos *pos)
{
	for (uint32_t i = 0; i < mib->n_obj; i++) {
		const struct farm_obj *o = &mib->obj[i];
		uint32_t n = len < o->plen ? len : o->plen, k = 0;
		uint64_t next;

		if (hidden(o, v1))
			continue;
		while (k < n && oid[k] == o->prefix[k])
			k++;
		if (k < n && oid[k] > o->prefix[k])
			continue;               /* oid is past this object */
		if (k < n || len <= o->plen) {  /* oid is before its first instance */
			pos->obj = i;
			pos->inst = o->table ? 1 : 0;
			return 0;
		}
		/* oid = prefix.a[.rest]: the instances after it are a+1.. */
		if (!o->table)
			continue;
		next = (uint64_t)oid[o->plen] + 1;
		if (next <= mib->n_if) {
			pos->obj = i;
			pos->inst = (uint32_t)next;
			return 0;
		}
	}
	return -1;
}

int
farm_mib_step(const struct farm_mib *mib, int v1, struct farm_pos *pos)
{
	uint32_t i = pos->obj;

	if (mib->obj[i].table && pos->inst < mib->n_if) {
		pos->inst++;
		return 0;
	}
	for (i++; i < mib->n_obj; i++) {
		if (hidden(&mib->obj[i], v1))
			continue;
		pos->obj = i;
		pos->inst = mib->obj[i].table ? 1 : 0;
		return 0;
	}
	return -1;
}

/* Decimal digits of v appended at p. @return bytes. */
static size_t
put_dec(uint8_t *p, uint32_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static size_t
put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

/* "A.B.C.D" of a host-order address. @return bytes. */
static size_t
put_ip(uint8_t *p, uint32_t ip)
{
	size_t n = 0;

	for (int s = 24; s >= 0; s -= 8) {
		n += put_dec(p + n, (ip >> s) & 0xff);
		if (s)
			p[n++] = '.';
	}
	return n;
}

/*
 * An unsigned value's minimal BER content (a 0x00 pad when the top bit
 * is set) at p.  @return bytes, 1..9.
 */
static size_t
put_unsigned(uint8_t *p, uint64_t v)
{
	uint8_t tmp[9];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)v;
		v >>= 8;
	} while (v);
	if (tmp[n - 1] & 0x80)
		tmp[n++] = 0;
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* "A.B.C.D" of device dev, and ":PORT" after it unless its port index
 * is 0.  @return bytes (< 22). */
static size_t
put_dev(const struct farm_mib *mib, uint8_t *p, uint64_t dev)
{
	size_t n = put_ip(p, farm_dev_ip(dev));

	if (farm_dev_port_index(dev)) {
		p[n++] = ':';
		n += put_dec(p + n, mib->port_base + farm_dev_port_index(dev));
	}
	return n;
}

/* The short ifAlias, "port i of dev-A.B.C.D[:PORT]", at p.  @return bytes (< 40). */
static size_t
put_alias(const struct farm_mib *mib, uint8_t *p, uint32_t inst, uint64_t dev)
{
	size_t n = put_str(p, "port ");

	n += put_dec(p + n, inst);
	n += put_str(p + n, " of dev-");
	n += put_dev(mib, p + n, dev);
	return n;
}

/* A BER tag and definite length (< 65536) at p.  @return bytes. */
static size_t
put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
	p[0] = tag;
	if (len < 128) {
		p[1] = (uint8_t)len;
		return 2;
	}
	if (len < 256) {
		p[1] = 0x81;
		p[2] = (uint8_t)len;
		return 3;
	}
	p[1] = 0x82;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return 4;
}

static size_t
hdr_len(size_t len)
{
	return len < 128 ? 2 : len < 256 ? 3 : 4;
}

/*
 * The varbind of a long ifAlias (--alias-bytes): the short text and a
 * space, repeated to mib->alias_bytes bytes, written straight into out.
 * @return the bytes written, or 0 when they would exceed room.
 */
static size_t
alias_varbind(const struct farm_mib *mib, const struct farm_pos *pos, uint64_t dev,
	      uint8_t *out, size_t room)
{
	uint8_t name[64], text[48];
	size_t nlen = farm_mib_name(mib, pos, name), tlen, len = mib->alias_bytes;
	size_t clen = nlen + hdr_len(len) + len, n;

	if (hdr_len(clen) + clen > room)
		return 0;
	tlen = put_alias(mib, text, pos->inst, dev);
	text[tlen++] = ' ';
	n = put_hdr(out, 0x30, clen);
	memcpy(out + n, name, nlen);
	n += nlen;
	n += put_hdr(out + n, SNMP_T_OCTETSTR, len);
	/* The text once, then what is written copied after itself: a few
	 * memcpy calls instead of a division per byte. */
	memcpy(out + n, text, tlen < len ? tlen : len);
	for (size_t have = tlen < len ? tlen : len; have < len; have *= 2)
		memcpy(out + n + have, out + n, have < len - have ? have : len - have);
	return n + len;
}

/*
 * Write the value TLV of object o, instance inst, into p (at least 80
 * bytes of room: the longest value is sysName or ifAlias).
 * @return bytes written.
 */
static size_t
put_value(const struct farm_mib *mib, const struct farm_obj *o, uint32_t inst, uint64_t dev,
	  uint64_t t, uint8_t *p)
{
	uint32_t ip = farm_dev_ip(dev);
	uint8_t *c = p + 2;     /* every value's content is < 128 bytes */
	size_t n = 0;
	uint64_t u = 0;

	switch (o->value) {
	case V_SYSDESCR:
		n = put_str(c, sys_descr);
		break;
	case V_SYSOBJECTID:
		memcpy(c, sys_objectid_ber, sizeof(sys_objectid_ber));
		n = sizeof(sys_objectid_ber);
		break;
	case V_SYSUPTIME: {
		uint64_t h = farm_mix64(farm_dev_hash_key(dev));

		u = (uint32_t)((t + h % 86400 - UPTIME_EPOCH) * 100);
		n = put_unsigned(c, u);
		break;
	}
	case V_SYSCONTACT:
		n = put_str(c, sys_contact);
		break;
	case V_SYSNAME:
		n = put_str(c, "dev-");
		n += put_dev(mib, c + n, dev);
		break;
	case V_SYSLOCATION:
		n = put_str(c, sys_location);
		break;
	case V_SYSSERVICES:
		n = put_unsigned(c, 72);
		break;
	case V_IFNUMBER:
		n = put_unsigned(c, mib->n_if);
		break;
	case V_IFINDEX:
		n = put_unsigned(c, inst);
		break;
	case V_IFDESCR:
		n = put_str(c, "GigabitEthernet0/");
		n += put_dec(c + n, inst);
		break;
	case V_IFSPEED:
		n = put_unsigned(c, inst % 4 == 0 ? 4294967295u : 1000000000u);
		break;
	case V_IFHIGHSPEED:
		n = put_unsigned(c, inst % 4 == 0 ? 10000 : 1000);
		break;
	case V_IFPHYSADDRESS:
		/* Locally administered; the port index's low 6 bits above. */
		c[0] = (uint8_t)(0x02 | (farm_dev_port_index(dev) & 0x3f) << 2);
		c[1] = (uint8_t)(ip >> 16);
		c[2] = (uint8_t)(ip >> 8);
		c[3] = (uint8_t)ip;
		c[4] = (uint8_t)(inst >> 8);
		c[5] = (uint8_t)inst;
		n = 6;
		break;
	case V_COUNTER:
		u = farm_counter(dev, inst, o->kind, t);
		if (o->type == SNMP_T_COUNTER32)
			u = (uint32_t)u;
		n = put_unsigned(c, u);
		break;
	case V_IFSPECIFIC:
		c[0] = 0;               /* 0.0 */
		n = 1;
		break;
	case V_IFNAME:
		n = put_str(c, "Gi0/");
		n += put_dec(c + n, inst);
		break;
	case V_IFALIAS:
		n = put_alias(mib, c, inst, dev);
		break;
	case V_CONST:
	default:
		n = put_unsigned(c, consts[o->kind]);
		break;
	}
	p[0] = o->type;
	p[1] = (uint8_t)n;
	return n + 2;
}

size_t
farm_mib_name(const struct farm_mib *mib, const struct farm_pos *pos, uint8_t *out)
{
	const struct farm_obj *o = &mib->obj[pos->obj];
	size_t olen;

	memcpy(out + 2, o->enc, o->enc_len);
	olen = o->enc_len + put_subid(out + 2 + o->enc_len, pos->inst);
	out[0] = SNMP_T_OID;
	out[1] = (uint8_t)olen;
	return olen + 2;
}

size_t
farm_mib_varbind(const struct farm_mib *mib, const struct farm_pos *pos, uint64_t dev,
		 uint64_t t, uint8_t *out, size_t room)
{
	uint8_t buf[160];
	size_t nlen, clen, hlen;

	if (mib->alias_bytes && mib->obj[pos->obj].value == V_IFALIAS)
		return alias_varbind(mib, pos, dev, out, room);
	nlen = farm_mib_name(mib, pos, buf);
	clen = nlen + put_value(mib, &mib->obj[pos->obj], pos->inst, dev, t, buf + nlen);
	hlen = clen < 128 ? 2 : 3;
	if (hlen + clen > room)
		return 0;
	out[0] = 0x30;
	if (hlen == 2) {
		out[1] = (uint8_t)clen;
	} else {
		out[1] = 0x81;
		out[2] = (uint8_t)clen;
	}
	memcpy(out + hlen, buf, clen);
	return hlen + clen;
}
