/*
 * Counters as operators see them: sums over workers, the periodic line, the
 * closing summary, and DPDK telemetry commands (/srtpedge/...) that
 * dpdk-telemetry.py reads.
 */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <stdio.h>

#include "worker.h"

/* Sums every worker's counters into `sum`. */
void dp_stats_sum(const struct dp_runtime *rt, struct dp_worker_stats *sum);
/* One line of rates since `prev` (then copies the sum into prev). */
void dp_stats_print_rate(FILE *f, const struct dp_runtime *rt,
			 struct dp_worker_stats *prev, double seconds);
/* Packets in, out and dropped by reason. */
void dp_stats_print_summary(FILE *f, const struct dp_runtime *rt);
/* Registers /srtpedge/stats, /srtpedge/workers, /srtpedge/sessions and
 * /srtpedge/session,ID with DPDK telemetry. */
int dp_stats_telemetry_register(struct dp_runtime *rt);
/* While held, no telemetry command runs: around adding, removing and
 * reclaiming sessions. */
void dp_stats_telemetry_hold(void);
void dp_stats_telemetry_release(void);
/* Before the runtime is freed: commands answer with an error from now on. */
void dp_stats_telemetry_detach(void);

#endif
