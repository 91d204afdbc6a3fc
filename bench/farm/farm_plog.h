/*
 * farm_plog.h - argos-farm's poll log (--poll-log FILE): what each
 * simulated device saw of its pollers, counted by the farm itself, so
 * that a test or bench/scale can check a poller's schedule from the
 * requests that arrived rather than from the poller's own counters.
 *
 * One record per device (address x UDP port of --ports), allocated at
 * start; a request costs a division and a few loads and stores on its
 * device's record, nothing else.  The records are written out as text
 * at exit and on SIGUSR1 (farm_plog_write, from the signal thread).
 *
 * Definitions (the man page says the same):
 *   poll      an SNMP request from source S when the device's previous
 *             SNMP request came from another source, or more than
 *             --poll-gap-ms ago;
 *   overlap   an SNMP request from S2 when another source's request to
 *             the device is less than --poll-gap-ms old: two pollers at
 *             once;
 *   ping      an ICMP echo request more than --ping-gap-ms after the
 *             previous one to the address starts a ping round.  Pings
 *             belong to an address: they are counted on its first
 *             port's device.
 *
 * Times are milliseconds since the farm started (the TSC).  Inside the
 * records they are stored plus one, so that 0 means "never".
 *
 * Why no atomics: each lcore stores to the records of the devices whose
 * requests it receives, and a device's requests almost always come to
 * one queue.  When two lcores handle one device in the same instant a
 * count can be lost; with one lcore (what the benches run) the log is
 * exact.  The writer reads while the lcores store: a line may mix two
 * instants a few microseconds apart.
 */
#ifndef ARGOS_FARM_PLOG_H
#define ARGOS_FARM_PLOG_H

#include <stdint.h>

#define FARM_PLOG_SOURCES 4        /* distinct sources remembered per device */
#define FARM_PLOG_DEVICES_MAX (1u << 24)

/** What one device saw.  Times: ms since start, plus one; 0: never. */
struct farm_plog_dev {
	uint32_t first;              /* first request of any kind */
	uint32_t last_snmp;          /* last SNMP request */
	uint32_t last_src;           /* its source address (host order) */
	uint32_t poll_start;         /* the last poll's start */
	uint32_t mark_poll;          /* the first poll start at or after the mark */
	uint32_t polls, overlaps, max_poll_gap;
	uint32_t last_ping;          /* last echo request (to the address) */
	uint32_t ping_round;         /* the last ping round's start */
	uint32_t pings, echoes, max_ping_gap;
	uint32_t src[FARM_PLOG_SOURCES]; /* distinct sources, 0: free */
};

/** The log: one record per device, read-only geometry. */
struct farm_plog {
	struct farm_plog_dev *dev;   /* n_addr * n_ports records */
	uint32_t dev_net;            /* the first device address, host order */
	uint32_t n_addr;
	uint32_t n_ports;
	uint16_t udp_lo;
	uint32_t gap_ms;             /* --poll-gap-ms */
	uint32_t ping_gap_ms;        /* --ping-gap-ms */
	uint64_t t0;                 /* TSC at start */
	uint64_t tsc_per_ms;
	volatile uint32_t mark;      /* ms + 1 of the last SIGUSR1, 0: none */
};

/** The clock of the records: ms since start, plus one. */
static inline uint32_t
farm_plog_ms(const struct farm_plog *pl, uint64_t tsc)
{
	return (uint32_t)((tsc - pl->t0) / pl->tsc_per_ms) + 1;
}

/**
 * Count an SNMP request from src to the device at address index a
 * (ip - dev_net), port index k, received at TSC tsc.
 */
static inline void
farm_plog_snmp(struct farm_plog *pl, uint32_t a, uint32_t k, uint32_t src, uint64_t tsc)
{
	struct farm_plog_dev *d = &pl->dev[(uint64_t)a * pl->n_ports + k];
	uint32_t now = farm_plog_ms(pl, tsc);
	int other = src != d->last_src;

	if (d->first == 0)
		d->first = now;
	if (other || now - d->last_snmp > pl->gap_ms) {
		if (other && d->last_snmp && now - d->last_snmp < pl->gap_ms)
			d->overlaps++;
		if (d->poll_start && now - d->poll_start > d->max_poll_gap)
			d->max_poll_gap = now - d->poll_start;
		if (d->mark_poll < pl->mark)
			d->mark_poll = now;
		d->poll_start = now;
		d->polls++;
		for (int i = 0; i < FARM_PLOG_SOURCES; i++) {
			if (d->src[i] == src)
				break;
			if (d->src[i] == 0) {
				d->src[i] = src;
				break;
			}
		}
	}
	d->last_src = src;
	d->last_snmp = now;
}

/** Count an ICMP echo request to the address at index a, received at tsc. */
static inline void
farm_plog_ping(struct farm_plog *pl, uint32_t a, uint64_t tsc)
{
	struct farm_plog_dev *d = &pl->dev[(uint64_t)a * pl->n_ports];
	uint32_t now = farm_plog_ms(pl, tsc);

	if (d->first == 0)
		d->first = now;
	d->echoes++;
	if (d->last_ping == 0 || now - d->last_ping > pl->ping_gap_ms) {
		if (d->ping_round && now - d->ping_round > d->max_ping_gap)
			d->max_ping_gap = now - d->ping_round;
		d->ping_round = now;
		d->pings++;
	}
	d->last_ping = now;
}

/**
 * Make the log of n_addr addresses from dev_net, n_ports ports from
 * udp_lo each, zeroed; polls split at gap_ms, ping rounds at
 * ping_gap_ms.  The records are mapped at once and touched as
 * devices are first seen.
 * @return 0, -E2BIG past FARM_PLOG_DEVICES_MAX devices, -ENOMEM.
 */
int farm_plog_init(struct farm_plog *pl, uint32_t dev_net, uint32_t n_addr, uint32_t n_ports,
		   uint16_t udp_lo, uint32_t gap_ms, uint32_t ping_gap_ms, uint64_t t0,
		   uint64_t hz);

/**
 * Write every device that received anything to path (through path.tmp
 * and a rename, so that a reader never sees half a log).  With mark
 * set, the instant of the call first becomes the mark from which
 * mark_poll_ms counts (SIGUSR1 does this; SIGUSR2 and the exit write
 * leave the mark where it is).
 * @return 0, or -errno when the file cannot be written.
 */
int farm_plog_write(struct farm_plog *pl, const char *path, uint64_t tsc, int mark);

#endif
