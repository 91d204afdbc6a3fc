/*
 * farm.h - the pieces of argos-farm shared between its files: the
 * configuration (farm_config.c), the per-lcore context and counters
 * (farm_worker.c), and the statistics writers (farm_stats.c).
 *
 * argos-farm simulates many SNMP/ICMP devices behind one next hop on a
 * DPDK port; see docs/argos-farm.1.md.  Each lcore owns one RX/TX
 * queue pair and one struct farm_lcore; nothing is shared between
 * lcores but the read-only configuration and MIB.
 */
#ifndef ARGOS_FARM_H
#define ARGOS_FARM_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "farm_mib.h"
#include "farm_plog.h"
#include "farm_snmp.h"
#include "farm_usm.h"
#include "cp_usm_conf.h"

#define FARM_BURST 32
#define FARM_RX_BURSTS 16        /* RX bursts drained into the backlog per loop */
#define FARM_ANSWER_MAX 64       /* requests answered per loop */
#define FARM_TX_MAX 512          /* replies waiting for room in the TX ring */
/*
 * Requests received but not yet answered, per lcore.  Why so deep: a
 * poller of 32k devices has one request in flight per device and opens
 * a round with all of them at once.  The farm drains its RX ring into
 * this backlog far faster than it can answer, so the poller's TX ring
 * never fills while the farm catches up; the backlog itself stops
 * growing only when it or the mbuf pool is full, and then the requests
 * wait in the RX ring (backpressure), never dropped by the farm.
 */
#define FARM_BACKLOG 32768       /* a power of 2 */
#define FARM_FIFO_CAP 16384      /* delayed replies held per class and lcore */
#define FARM_COMMUNITY_MAX 255

/** Everything the command line sets.  Read-only once the lcores run. */
struct farm_config {
	uint32_t ip;                 /* the farm's own address, host order */
	uint8_t prefix_len;
	uint32_t dev_net, dev_mask;  /* --devices, host order */
	uint8_t dev_len;
	uint32_t n_if;
	char community[FARM_COMMUNITY_MAX + 1];
	size_t community_len;
	double loss_pct, dead_pct, dup_pct, slow_pct;
	uint64_t loss_thr, dup_thr;  /* per-request draws: r32 < thr, thr <= 2^32 */
	uint32_t dead_ppm, slow_ppm; /* per-device hashes: h % 10^6 < ppm */
	uint32_t delay_us, slow_delay_us;
	uint32_t stats_period;       /* seconds, 0: only at exit */
	const char *stats_json;      /* written at exit, NULL: not */
	uint32_t duration;           /* seconds, 0: until a signal */
	uint32_t idle_sleep_us;      /* sleep when idle, 0: never (busy poll) */
	uint32_t alias_bytes;        /* ifAlias length, 0: the short default */
	uint32_t max_reply;          /* largest SNMP message sent (UDP payload) */
	uint8_t drop_last_fragment;  /* never send a fragmented reply's last fragment */
	uint16_t port;               /* the ethdev port id (--port) */
	uint16_t udp_lo;             /* --ports A-B: A, the first device's UDP port */
	uint16_t n_ports;            /* B - A + 1, devices per address */
	const char *poll_log;        /* --poll-log FILE, NULL: no per-device log */
	uint32_t poll_gap_ms;        /* --poll-gap-ms: requests this close are one poll */
	uint32_t ping_gap_ms;        /* --ping-gap-ms: echo requests this close, one round */
	uint8_t has_v3;              /* --v3-user given */
	struct cp_usm_conf v3;       /* the user, its protocols and passphrases */
	uint8_t v3_engine[ARGOS_USM_ID_MAX];
	size_t v3_engine_len;
	uint32_t v3_boots;
};

/**
 * Parse the farm's options (what follows EAL's "--").
 * @return 0, 1 when --help was printed, -1 after printing what is wrong.
 */
int farm_config_parse(int argc, char **argv, struct farm_config *c);

/* Counters of one lcore; names in farm_ctr_names (farm_stats.c). */
enum farm_ctr {
	FC_RX, FC_TX, FC_TX_DROPPED,
	FC_REQ_ARP, FC_REQ_ICMP, FC_REQ_GET, FC_REQ_GETNEXT, FC_REQ_GETBULK,
	FC_REP_ARP, FC_REP_ICMP, FC_REP_SNMP, FC_REP_TOOBIG, FC_REP_VARBINDS,
	FC_REP_FRAGMENTS,
	FC_REQ_V3, FC_REP_REPORT,
	FC_DUPLICATES, FC_DELAYED, FC_LINK_FAULTS,
	FC_DROP_FIRST,
	FC_DROP_LOSS = FC_DROP_FIRST, FC_DROP_DEAD, FC_DROP_COMMUNITY, FC_DROP_MALFORMED,
	FC_DROP_UNSUPPORTED, FC_DROP_CHECKSUM, FC_DROP_NOT_FOR_US, FC_DROP_UNHANDLED,
	FC_DROP_QUEUE_FULL, FC_DROP_TOO_BIG, FC_DROP_PEER_GONE, FC_DROP_NO_MBUF,
	FC_DROP_LAST_FRAGMENT, FC_DROP_USM,
	FC_MAX
};

extern const char *const farm_ctr_names[FC_MAX];

/* A reply waiting for its time. */
struct farm_held {
	struct rte_mbuf *m;
	uint64_t due_tsc;
};

/* A FIFO of held replies: one delay per FIFO, so due times only grow. */
struct farm_fifo {
	struct farm_held *e;         /* FARM_FIFO_CAP entries, NULL: class unused */
	uint32_t head, tail;         /* free-running; tail - head = held */
	uint64_t delay_tsc;
};

/** One lcore's context, owned by that lcore alone. */
struct farm_lcore {
	uint64_t ctr[FC_MAX];        /* written by this lcore only */
	const struct farm_config *cfg;
	const struct farm_mib *mib;
	struct farm_snmp_ctx snmp;
	const struct farm_usm *usm;  /* read-only, shared; enabled 0: no v3 */
	struct farm_usm_lcore *usm_lc; /* this lcore's ciphers, salts, usmStats */
	struct farm_plog *plog;      /* --poll-log, shared by the lcores; NULL: none */
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	uint16_t port, queue;
	unsigned lcore;
	uint8_t is_main;
	volatile uint8_t ready;
	uint64_t rng;
	uint64_t hz;
	uint64_t base_tsc;           /* base_tsc is the instant base_unix_ns */
	uint64_t base_unix_ns;
	struct farm_fifo fifo[2];    /* 0: --delay-us, 1: --slow devices */
	struct rte_mbuf *tx[FARM_TX_MAX];
	uint32_t n_tx;
	struct rte_mbuf **backlog;   /* FARM_BACKLOG requests, received, not answered */
	uint32_t bl_head, bl_tail;   /* free-running; tail - head = waiting */
	uint64_t next_link_check;    /* TSC: when a stalled TX may look at the link */
	uint32_t tx_need;            /* TX slots one answer may take (fragments, twice) */
	uint16_t ip_id;              /* IPv4 id of fragmented replies */
	sigjmp_buf fault_jmp;        /* back into the loop after a burst faulted */
	uint8_t scratch[FARM_SNMP_SCRATCH];
} __rte_cache_aligned;

/* Replies larger than one frame go out as IPv4 fragments of this many
 * bytes of payload: a 1500-byte MTU, rounded down to 8 (RFC 791). */
#define FARM_MTU 1500
#define FARM_FRAG_DATA ((FARM_MTU - 20) & ~7u)

/** The frames a reply of msg bytes of SNMP message goes out in. */
static inline uint32_t
farm_reply_frames(uint32_t msg)
{
	uint32_t udp = msg + 8;

	return udp + 20 <= FARM_MTU ? 1 : (udp + FARM_FRAG_DATA - 1) / FARM_FRAG_DATA;
}

/** Set by the signal thread or --duration; every lcore loop checks it. */
extern volatile int farm_quit;

/**
 * The loop of one lcore: receive, answer, release held replies, send.
 * On the main lcore it also prints the periodic statistics and ends
 * the run after --duration.  Returns 0 when farm_quit is set.
 */
int farm_worker_main(void *arg);

/**
 * Install the SIGSEGV/SIGBUS guard of the PMD bursts (see farm_worker.c).
 * @return 0, or -errno when the handler cannot be installed.
 */
int farm_fault_guard_init(void);

/** Print testpmd-style statistics of all lcores (and the port). */
void farm_stats_print(FILE *f, struct farm_lcore *const *lc, unsigned n, uint16_t port,
		      double seconds, int final);

/**
 * Write the statistics as one JSON object to path.
 * @return 0, or -errno when the file cannot be written.
 */
int farm_stats_json(const char *path, struct farm_lcore *const *lc, unsigned n,
		    uint16_t port, double seconds);

/* The per-device choices of --dead and --slow (see the man page). */
#define FARM_SALT_DEAD (1ull << 40)
#define FARM_SALT_SLOW (2ull << 40)

static inline int
farm_device_is(uint32_t ip, uint64_t salt, uint32_t ppm)
{
	return ppm && farm_mix64((uint64_t)ip | salt) % 1000000 < ppm;
}

/** The lcore contexts, indexed by queue, for the main lcore's stats. */
extern struct farm_lcore *farm_lcores[RTE_MAX_LCORE];
extern unsigned farm_n_lcores;

#endif
