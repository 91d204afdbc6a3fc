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

#endif
