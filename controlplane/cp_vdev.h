/*
 * cp_vdev.h - argos's defaults for the vdevs given to the EAL
 * (cp_vdev.c says why).
 */
#ifndef ARGOS_CP_VDEV_H
#define ARGOS_CP_VDEV_H

/** The ring frame argos gives net_af_packet: a reply the kernel
 *  reassembled must fit one (32,736 bytes of frame). */
#define CP_AF_PACKET_FRAME 32768u

/**
 * Before rte_eal_init(): give each net_af_packet vdev among the EAL
 * arguments (argv up to "--") framesz and blocksz of CP_AF_PACKET_FRAME
 * unless it sets either.  The changed arguments are replaced in argv
 * by copies that live as long as the process.
 * @return 0, or -ENOMEM.
 */
int cp_vdev_defaults(int argc, char **argv);

#endif
