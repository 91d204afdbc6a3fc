/*
 * cp_caps.h - what argos needs of its privileges, checked before the
 * EAL starts, so that a service run as its own user with too few
 * capabilities fails with a message that names the one missing, rather
 * than with DPDK's "did not probe" or "Cannot allocate memory".
 *
 * What each port needs was found by running argos as a non-root user
 * with setpriv (tests/integration/xdp/least_privilege.sh does it again
 * at every run, and docs/setup.md has the table):
 *
 *   net_af_packet   CAP_NET_RAW (the packet socket), CAP_NET_ADMIN (the
 *                   port start sets the interface's flags and address)
 *   net_af_xdp      those two, CAP_BPF (load the program, its maps),
 *                   CAP_PERFMON (the verifier accepts the program only
 *                   with it) and CAP_IPC_LOCK (the UMEM is locked
 *                   memory; a memlock limit of infinity does instead)
 *
 * CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON, as in the kernel.
 * Hugepages: without --in-memory (or --no-huge) the EAL creates its
 * hugepage files in a hugetlbfs mount, which must be writable.
 */
#ifndef ARGOS_CP_CAPS_H
#define ARGOS_CP_CAPS_H

#include <stddef.h>

/**
 * Check the privileges that the EAL arguments argv[1..argc-1] (up to
 * "--") will need.  Reads /proc/self/status, the memlock limit and
 * /proc/mounts; changes nothing.
 * @return 0 when all is there (or nothing is known to be needed), -1
 *         with msg naming what is missing and what to do.
 */
int cp_caps_precheck(int argc, char **argv, char *msg, size_t msglen);

#endif
