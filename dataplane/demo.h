/*
 * The main job's load generator: two in-process ring ports (rte_eth_from_rings)
 * that the main lcore feeds with SRTP on the outside and plain RTP on the
 * inside for many sessions, mixing in forged, replayed and truncated
 * packets, and whose output it checks: what leaves inside must be the
 * plaintext sent, what leaves outside must decrypt to it.
 */
#ifndef DP_DEMO_H
#define DP_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "worker.h"

struct dp_demo_session;

struct dp_demo {
	struct dp_runtime *rt;
	const struct dp_demo_cfg *cfg;
	struct rte_ring *to_port[DP_SIDES];    /* what the port receives */
	struct rte_ring *from_port[DP_SIDES];  /* what the port sends */
	uint16_t port_id[DP_SIDES];
	struct sre_engine *engine;
	struct dp_demo_session *s;
	uint32_t nsessions;
	uint32_t next;                         /* round robin */
	uint64_t last_tsc, credit_milli;
	/* [direction]: 0 outside->inside, 1 inside->outside */
	uint64_t sent[2], received[2], mismatched[2];
	uint64_t forged, replayed, truncated;
	uint64_t not_offered;    /* made, but the port's ring was full */
	uint64_t seen_other;                   /* frames the generator did not expect */
};

/* Creates the ring ports before the ports are set up; `ring` devices of
 * the configuration are these. */
int dp_demo_create_ports(struct dp_demo *d, const struct dp_demo_cfg *cfg,
			 int socket);
/* Installs the demo's sessions (after ports and the session table). */
int dp_demo_start(struct dp_demo *d, struct dp_runtime *rt);
/* Offers packets at the configured rate and checks what came back; called
 * from the main lcore's loop. */
void dp_demo_poll(struct dp_demo *d, uint64_t now);
/* Takes what is still in flight (after generation stopped). */
void dp_demo_drain(struct dp_demo *d);
void dp_demo_print_summary(const struct dp_demo *d, FILE *f);
void dp_demo_stop(struct dp_demo *d);

#endif
