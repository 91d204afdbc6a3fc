/*
 * sx_uptime.h - restarts of an agent, told by its sysUpTime going
 * backwards, so that a counter's rate() across a restart can be left
 * out (argos_agent_resets_total, docs/snmp-exporter.md).
 */
#ifndef ARGOS_SX_UPTIME_H
#define ARGOS_SX_UPTIME_H

#include <stdint.h>

/* sysUpTime.0 (1.3.6.1.2.1.1.3.0) */
#define SX_SYSUPTIME_OID { 1, 3, 6, 1, 2, 1, 1, 3, 0 }
#define SX_SYSUPTIME_LEN 9

/** What argos last saw of one agent's sysUpTime. */
struct sx_uptime {
	uint32_t last;       /**< TimeTicks of the last sample */
	uint8_t seen;
	int64_t last_ms;     /**< Unix ms of the last sample */
	uint64_t resets;     /**< restarts seen since argos started */
	int64_t reset_ms;    /**< when the last one was seen, 0: never */
	int64_t key;         /**< whose samples these are (the caller's device key) */
};

/**
 * Take one sysUpTime sample (ticks, hundredths of a second) taken at
 * now_ms.  @return 1 when it shows a restart since the previous sample
 * (counted in u->resets), 0 otherwise (also for the first sample).
 */
int sx_uptime_take(struct sx_uptime *u, uint32_t ticks, int64_t now_ms);

#endif
