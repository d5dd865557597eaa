/*
 * srtpedge-control --bench-installs N: N SDES sessions installed through
 * the command ring as fast as it takes them (up to the ring's depth in
 * flight), then removed; prints installs and deletes per second.
 */
#ifndef CTL_BENCH_H
#define CTL_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dpif.h"

struct bench_opts {
	const char *prefix;
	unsigned n;
	const char *outside;        /* an address of srtpedge's outside port */
	const char *inside;         /* one of its inside port */
	const char *inside_remote;  /* the media server, ADDR:PORT */
	unsigned port0;             /* first local port */
	uint32_t id0;               /* first session id */
	bool keep;                  /* leave the sessions installed */
};

/* Returns the exit status (0: every install succeeded). */
int ctl_bench(struct dpif *d, const struct bench_opts *b);

#endif
