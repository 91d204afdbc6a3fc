/*
 * cp_tsc.h - how fast the TSC really runs (cp_tsc.c).
 */
#ifndef ARGOS_CP_TSC_H
#define ARGOS_CP_TSC_H

#include <stdint.h>

/**
 * Measure the TSC's frequency against CLOCK_MONOTONIC_RAW over about
 * 100 ms (at start-up: it sleeps).
 * @return the frequency in Hz, or eal_hz when the measurement fails or
 *         strays more than 5% from it.
 */
uint64_t cp_tsc_hz(uint64_t eal_hz);

#endif
