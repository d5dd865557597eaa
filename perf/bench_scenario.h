/*
 * `srtpedge-bench run`, `sweep`, `compare` and `report`: the harness
 * around the measuring commands (crypto, dataplane) — scenario files,
 * result rows, regressions and the report.
 */
#ifndef BENCH_SCENARIO_H
#define BENCH_SCENARIO_H

#include <stdio.h>

int bench_run_main(int argc, char **argv);
int bench_sweep_main(int argc, char **argv);
int bench_compare_main(int argc, char **argv);
int bench_report_main(int argc, char **argv);

/* A row whose runs spread more than this (max - min over the median) is
 * marked unstable instead of being given as a bare figure. */
#define BENCH_UNSTABLE_SPREAD 0.25

#endif
