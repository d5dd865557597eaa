/* `srtpedge-bench dataplane` (see bench_dataplane.c). */
#ifndef BENCH_DATAPLANE_H
#define BENCH_DATAPLANE_H

#include <stdio.h>

int bench_dataplane_main(int argc, char **argv);
void bench_dataplane_usage(FILE *f);

#endif
