/*
 * cli.h - the checks every command line of argos's programs shares
 * (argos, argos-farm): a flag's value is checked at start, and a bad one
 * stops the program with a message that names the program, the flag and
 * what was expected.
 */
#ifndef ARGOS_CLI_H
#define ARGOS_CLI_H

/** Print "PROG: FLAG 'ARG': WHY" to stderr.  @return -1, for return. */
int cli_bad(const char *prog, const char *flag, const char *arg, const char *why);

/**
 * Parse s as a whole decimal number from min to max into *out.
 * @return 0, or -1 after saying on stderr what was wanted.
 */
int cli_number(const char *prog, const char *flag, const char *s, unsigned long min,
	       unsigned long max, unsigned long *out);

/**
 * The EAL's arguments: argv[0..eal_argc) with --huge-unlink added unless
 * they already say how hugepage files are kept (--huge-unlink,
 * --in-memory, --no-huge), then the rest of argv (from "--" on).
 * out must hold argc + 2 pointers; it ends with NULL.
 * @return the new argc.
 *
 * Why unlink: a DPDK process killed by SIGKILL (an OOM kill, kill -9,
 * an HA test) otherwise leaves its hugepage files behind, 512 MiB for
 * argos, until a process with the same --file-prefix starts again;
 * unlinked files return their pages to the kernel however the process
 * ends.  The cost: secondary processes (dpdk-proc-info, dpdk-pdump)
 * cannot attach; give --huge-unlink=never to keep the files.
 */
int cli_eal_argv(int argc, char **argv, int eal_argc, char **out);

#endif
