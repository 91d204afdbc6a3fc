/*
 * cp_vdev.c - argos's defaults for the vdevs given to the EAL (see
 * cp_vdev.h).  Control plane, at start-up, before rte_eal_init().
 *
 * net_af_packet: its sockets join a fanout group with
 * PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles IPv4 fragments
 * before argos sees them and a reply larger than the MTU arrives as one
 * frame.  The PMD's default ring frame (framesz=2048) would cut it, and
 * argos would drop it as malformed.  So argos gives the vdev frames of
 * CP_AF_PACKET_FRAME bytes unless it names its own framesz or blocksz
 * (then the operator chose), and dataplane/dp_port.c sizes the mbufs to
 * the frames.  Replies up to about 32 KB then arrive whole; other ports
 * hand argos the fragments, which it reassembles (dataplane/dp_frag.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_vdev.h"

static int
is_af_packet(const char *v)
{
	return strncmp(v, "net_af_packet", 13) == 0 || strncmp(v, "eth_af_packet", 13) == 0;
}

/* v with argos's frame size added, or v itself when it needs none.
 * @return NULL when out of memory. */
static char *
with_frames(char *v)
{
	char *out;
	size_t n;

	if (!is_af_packet(v) || strstr(v, "framesz=") != NULL || strstr(v, "blocksz=") != NULL)
		return v;
	n = strlen(v) + 64;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s,framesz=%u,blocksz=%u", v, CP_AF_PACKET_FRAME,
			 CP_AF_PACKET_FRAME);
	return out;
}

int
cp_vdev_defaults(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--vdev") && i + 1 < argc) {
			i++;
			argv[i] = with_frames(argv[i]);
			if (argv[i] == NULL)
				return -ENOMEM;
		} else if (!strncmp(argv[i], "--vdev=", 7)) {
			char *v = with_frames(argv[i] + 7), *opt;

			if (v == NULL)
				return -ENOMEM;
			if (v == argv[i] + 7)
				continue;
			opt = malloc(strlen(v) + 8);
			if (opt == NULL)
				return -ENOMEM;
			sprintf(opt, "--vdev=%s", v);
			free(v);
			argv[i] = opt;
		}
	}
	return 0;
}
