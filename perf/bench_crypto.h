/*
 * `srtpedge-bench crypto`: entry point and usage.
 */
#ifndef BENCH_CRYPTO_H
#define BENCH_CRYPTO_H

#include <stdio.h>

int bench_crypto_main(int argc, char **argv);
void bench_crypto_usage(FILE *f);

#endif
