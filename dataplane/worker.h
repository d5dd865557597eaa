/*
 * The worker: one struct per worker lcore, owned by it (l3fwd's lcore_conf),
 * and the runtime every worker and the main lcore share read-mostly.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "config.h"
#include "ctl_proto.h"
#include "net.h"
#include "session.h"
#include "srtp_edge.h"

#define DP_BURST_MAX 128

/* Counters of one worker; only it writes them. */
struct dp_worker_stats {
	uint64_t rx_packets[DP_SIDES], rx_bytes[DP_SIDES];
	uint64_t tx_packets[DP_SIDES], tx_bytes[DP_SIDES];
	uint64_t forwarded[DP_SIDES];      /* received on this side, sent on the other */
	uint64_t drops[DP_DROP_COUNT];
	uint64_t srtp[SRE_STATUS_COUNT];   /* crypto's reason for each DP_DROP_SRTP */
	uint64_t answered;                 /* ARP / NS / echo answers */
	uint64_t solicits;                 /* ARP requests / NS sent */
	uint64_t handoffs;                 /* packets passed to their owner */
	uint64_t latched;                  /* peers learnt or moved */
	uint64_t busy_polls, idle_polls;
	uint64_t busy_cycles;              /* TSC cycles of the busy polls */
	uint64_t to_control;               /* STUN/DTLS handed to the control process */
	uint64_t from_control;             /* its packets sent (worker 0) */
} __attribute__((aligned(64)));

struct dp_runtime;
struct dp_worker;

/* What a side's tx buffer calls back with for packets the port refused. */
struct dp_tx_unsent {
	struct dp_worker *w;
	uint8_t side;
};

#define DP_CTL_HELD_MAX 64

struct dp_worker {
	unsigned idx;
	unsigned lcore;
	uint16_t queue;                    /* rx/tx queue on both ports */
	bool polls_rx;                     /* the ports have a queue for it */
	struct dp_runtime *rt;
	struct sre_engine *engine;
	struct rte_eth_dev_tx_buffer *txb[DP_SIDES];
	struct dp_tx_unsent unsent[DP_SIDES];
	uint64_t *tentative_windows;       /* scratch windows (>128) */
	/* STUN/DTLS to the control process: a token bucket of
	 * exception_pps, at most a tenth of a second's worth at once */
	uint64_t exc_tokens, exc_refill_tsc;
	/* worker 0: packets from the control process whose session was not
	 * in the flow table, tried again until held_until: a REPLACE deletes
	 * and then adds, and the DTLS flight sent just before the keys are
	 * installed must not fall into that gap */
	struct rte_mbuf *held[DP_CTL_HELD_MAX];
	uint64_t held_until[DP_CTL_HELD_MAX];
	unsigned nheld;
	struct dp_worker_stats stats;
};

struct dp_runtime {
	const struct dp_config *cfg;
	struct dp_session_table *sessions;
	struct dp_neigh_table neigh;
	struct dp_port_addrs port[DP_SIDES];
	bool csum_offload[DP_SIDES];
	struct rte_mempool *pool;
	struct rte_ring *learn;            /* workers -> main: struct dp_learn */
	struct rte_ring *handoff[DP_MAX_WORKERS]; /* packets for worker i */
	struct dp_ctl_info *ctl_info;      /* shared with the control process */
	struct rte_ring *ctl_exc, *ctl_send;
	struct dp_worker *workers[DP_MAX_WORKERS];
	unsigned nworkers;
	uint64_t tsc_hz;
	uint64_t drain_tsc;                /* partial TX batches wait at most this */
	volatile bool quit;
};

int dp_worker_init(struct dp_worker *w, struct dp_runtime *rt, unsigned idx,
		   unsigned lcore, uint16_t queue, bool polls_rx);
void dp_worker_fini(struct dp_worker *w);
/* The lcore entry point: polls until rt->quit, then flushes. */
int dp_worker_main(void *arg);

#endif
