/*
 * cp_xdp.h - tell argos's XDP steering program (bpf/) what argos owns,
 * when the port is net_af_xdp with that program loaded.
 */
#ifndef ARGOS_CP_XDP_H
#define ARGOS_CP_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "argos_lane.h"

/**
 * Write argos's address and UDP source-port range into the steering
 * program's configuration map.  Does nothing, and succeeds, when the
 * port is not net_af_xdp or runs without argos's program.
 * @return 0, or a negative errno; msg then says what to do.
 */
int cp_xdp_configure(const struct argos_port_info *port, uint32_t ip, uint16_t sport_lo,
		     uint16_t sport_hi, char *msg, size_t msglen);

#endif
