/*
 * cp_xdp.c - configure argos's XDP steering program (bpf/argos_xdp.c).
 *
 * Not written yet: without the program there is nothing to configure.
 */
#include "cp_xdp.h"

int
cp_xdp_configure(const struct argos_port_info *port, uint32_t ip, uint16_t sport_lo,
		 uint16_t sport_hi, char *msg, size_t msglen)
{
	(void)port; (void)ip; (void)sport_lo; (void)sport_hi; (void)msg; (void)msglen;
	return 0;
}
