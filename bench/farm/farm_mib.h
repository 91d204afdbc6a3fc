/*
 * farm_mib.h - the synthetic MIB every simulated device of argos-farm
 * serves: the system group, ifNumber, ifTable and ifXTable with a
 * configurable number of interfaces.
 *
 * Pure code (no DPDK, no allocation, no syscall): the farm's cores,
 * its fuzz target and any test call it directly.  Values are a fixed
 * function of (device, ifIndex, column, time in seconds); the function
 * is written out in docs/argos-farm.1.md and re-implemented by
 * tests/integration/farm/farm_oracle.py.
 *
 * A device is an address and a UDP port (--ports A-B serves B-A+1
 * devices per address), named by a 64-bit key: the address (host
 * order) in the low 32 bits, the port's index in the range (port - A)
 * above them.  Index 0 is the device of the first (or only) port, and
 * its values are those of the address alone, as before --ports.
 */
#ifndef ARGOS_FARM_MIB_H
#define ARGOS_FARM_MIB_H

#include <stddef.h>
#include <stdint.h>

#define FARM_IF_MAX 4096          /* --interfaces upper bound */
#define FARM_ALIAS_MAX 8000       /* --alias-bytes upper bound */
#define FARM_PREFIX_MAX 11        /* longest object prefix, in arcs */
#define FARM_PORTS_MAX 2048       /* --ports: devices per address (11 bits of the hash) */

/* What a GET found (farm_mib_get). */
#define FARM_MIB_FOUND        0
#define FARM_MIB_NOSUCHOBJECT 1
#define FARM_MIB_NOSUCHINST   2

/** One object of the MIB: a scalar (instance 0) or a table column. */
struct farm_obj {
	uint32_t prefix[FARM_PREFIX_MAX];
	uint8_t plen;
	uint8_t column;           /* table: column number; scalar: sub-id */
	uint8_t table;            /* 0 scalar, 1 ifTable, 2 ifXTable */
	uint8_t type;             /* SNMP_T_* of the value */
	uint8_t value;            /* enum farm_value_id (farm_mib.c) */
	uint8_t kind;             /* counters: the kind fed to farm_counter() */
	uint8_t enc_len;          /* BER content bytes of the prefix */
	uint8_t enc[FARM_PREFIX_MAX + 4];
};

/** The MIB of one farm: its objects in lexicographic order. */
struct farm_mib {
	uint32_t n_if;            /* rows of ifTable and ifXTable */
	uint32_t alias_bytes;     /* ifAlias length (0: the short text); set
	                             after farm_mib_init(), at most FARM_ALIAS_MAX */
	uint16_t port_base;       /* the first port of --ports (A): sysName of
	                             port index k > 0 is dev-A.B.C.D:(A+k) */
	uint32_t n_obj;
	const struct farm_obj *obj;
};

/** The key of the device at address ip (host order), port index k. */
static inline uint64_t
farm_dev(uint32_t ip, uint32_t k)
{
	return (uint64_t)k << 32 | ip;
}

static inline uint32_t
farm_dev_ip(uint64_t dev)
{
	return (uint32_t)dev;
}

static inline uint32_t
farm_dev_port_index(uint64_t dev)
{
	return (uint32_t)(dev >> 32);
}

/** A position in the MIB: an object and an instance of it. */
struct farm_pos {
	uint32_t obj;
	uint32_t inst;            /* 0 for scalars, ifIndex for columns */
};

/**
 * Set mib up for n_if interfaces (1..FARM_IF_MAX).
 * @return 0, or -EINVAL for a bad n_if or an object table that is not
 *         in strict lexicographic order (a bug this check guards).
 */
int farm_mib_init(struct farm_mib *mib, uint32_t n_if);

/**
 * Find the instance named exactly by oid.  With v1 set, Counter64
 * objects are invisible (RFC 2576 4.1.2.1).
 * @return FARM_MIB_FOUND with *pos set, FARM_MIB_NOSUCHOBJECT or
 *         FARM_MIB_NOSUCHINST.
 */
int farm_mib_get(const struct farm_mib *mib, const uint32_t *oid, uint32_t len, int v1,
		 struct farm_pos *pos);

/**
 * Find the first instance lexicographically after oid.
 * @return 0 with *pos set, or -1 at the end of the MIB.
 */
int farm_mib_next(const struct farm_mib *mib, const uint32_t *oid, uint32_t len, int v1,
		  struct farm_pos *pos);

/**
 * Advance *pos to the instance after it, as farm_mib_next() of its name.
 * @return 0, or -1 at the end of the MIB (pos is then unchanged).
 */
int farm_mib_step(const struct farm_mib *mib, int v1, struct farm_pos *pos);

/**
 * Write the name of the instance at pos as an OBJECT IDENTIFIER TLV
 * into out (room for at least 64 bytes).  @return the bytes written.
 */
size_t farm_mib_name(const struct farm_mib *mib, const struct farm_pos *pos, uint8_t *out);

/**
 * Write the varbind at pos (SEQUENCE { name, value }) for device dev
 * (farm_dev()) at time t (seconds since the Unix epoch) into out.
 * @return the bytes written, or 0 when they would exceed room.
 */
size_t farm_mib_varbind(const struct farm_mib *mib, const struct farm_pos *pos,
			uint64_t dev, uint64_t t, uint8_t *out, size_t room);

/**
 * The value function's hash: splitmix64's finalizer of x.  Exposed for
 * the dead/slow device choice, which uses it too.
 */
static inline uint64_t
farm_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/**
 * Counter kind k of interface i of device dev (farm_dev()), at time t:
 * the base plus t times the rate, both drawn from one hash (the man
 * page gives the formula).  Counter32 objects report it modulo 2^32.
 */
uint64_t farm_counter(uint64_t dev, uint32_t ifindex, uint32_t kind, uint64_t t);

/* The device's bits of the value hash: the address above bit 32, the
 * port index in bits 21..31 (ifIndex <= 4096 and the kind take 0..20). */
static inline uint64_t
farm_dev_hash_key(uint64_t dev)
{
	return (uint64_t)farm_dev_ip(dev) << 32 | (uint64_t)farm_dev_port_index(dev) << 21;
}

#endif
