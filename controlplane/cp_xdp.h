/*
 * cp_xdp.h - tell argos's XDP steering program (bpf/) what argos owns,
 * when the port is net_af_xdp with that program loaded.
 *
 * Order at start-up: cp_xdp_precheck() on the EAL arguments, before
 * rte_eal_init(); cp_xdp_set_agent_ports() once the devices are known;
 * cp_xdp_configure() once the port and lanes are up.
 */
#ifndef ARGOS_CP_XDP_H
#define ARGOS_CP_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "argos_lane.h"
#include "cp_devices.h"

/**
 * Check every net_af_xdp vdev in the EAL arguments that names an
 * xdp_prog=: the file must be readable, bpffs mounted at /sys/fs/bpf,
 * and the interface free of any XDP program (one left over from an
 * argos that was killed blocks net_af_xdp).  Reads argv only.
 * @return 0 when all is well or there is no such vdev, else -1 with
 *         msg saying what is wrong and what to do.
 */
int cp_xdp_precheck(int argc, char **argv, char *msg, size_t msglen);

/**
 * Take the SNMP agents' UDP ports from the devices argos polls: the
 * steering program passes replies from these source ports only.  Up to
 * 8 distinct ports are kept; with more, replies from any source port
 * are taken.  Without a call, the set is {161}.  Devices with port 0
 * (free slots of the table) are skipped.
 * @return 1 when the set changed, 0 when it is the same (a reload of
 *         the devices file configures the program again only then).
 */
int cp_xdp_set_agent_ports(const struct cp_device *devs, size_t n);

/**
 * Write argos's address and UDP source-port range into the steering
 * program's configuration map.  Does nothing, and succeeds, when the
 * port is not net_af_xdp or runs without argos's program.
 * @return 0, or a negative errno; msg then says what to do.
 */
int cp_xdp_configure(const struct argos_port_info *port, uint32_t ip, uint16_t sport_lo,
		     uint16_t sport_hi, char *msg, size_t msglen);

#endif
