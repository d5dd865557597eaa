/*
 * srtpedge's side of the control process's contract (ctl_proto.h): the
 * shared objects it creates, and the main lcore's handling of commands.
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stdint.h>

#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctl_proto.h"

struct dp_runtime;

struct dp_ctl {
	const struct rte_memzone *mz;
	struct dp_ctl_info *info;
	struct rte_mempool *msgs;
	struct rte_ring *cmd, *done, *exc, *send;
	uint64_t exc_checked_tsc;        /* last look at the control process */
	uint64_t commands;               /* answered */
};

/* Creates the shared objects (main lcore, before the workers start).
 * Returns 0, or -1 and logs why. */
int dp_ctl_create(struct dp_ctl *c, const struct dp_runtime *rt);
/* Frees them and every packet still on the rings. */
void dp_ctl_destroy(struct dp_ctl *c);
/* Main lcore: answers the commands waiting (at most a burst); once a
 * second, notices a control process that died and frees what it left on
 * the exception ring. Returns the number of commands answered. */
unsigned dp_ctl_poll(struct dp_ctl *c, struct dp_runtime *rt, uint64_t now);

#endif
