/* `srtpedge-bench control`: SDES installs and DTLS-SRTP handshakes per second
 * of srtpedge-control while srtpedge forwards established sessions. */
#ifndef BENCH_CONTROL_H
#define BENCH_CONTROL_H

#include <stdio.h>

void bench_control_usage(FILE *f);
int bench_control_main(int argc, char **argv);

#endif
