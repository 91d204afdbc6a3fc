/*
 * dp_steer.c - make several worker cores share one port: each reply must
 * reach the core that sent its request.
 *
 * With one worker there is nothing to steer.
 */
#include <errno.h>
#include <stdio.h>

#include "argos_lane.h"

int
dp_lanes_setup(struct argos_lane **lanes, unsigned n, char *msg, size_t msglen)
{
	(void)lanes;
	if (n > 1) {
		snprintf(msg, msglen, "%u worker lcores given, but this build steers "
			 "replies for one only: give the EAL one worker lcore", n);
		return -ENOTSUP;
	}
	return 0;
}
