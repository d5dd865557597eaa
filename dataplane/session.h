/*
 * The session table: sessions in a preallocated hugepage slab, found by
 * (side, local address, local port) in an rte_hash that workers read
 * without locks; adds and deletes come from the main lcore and are
 * reclaimed through RCU (rte_rcu_qsbr) once every worker has passed a
 * quiescent state, keys wiped first. Each session is owned by one worker,
 * which alone writes its streams, latched peers and per-session counters.
 */
#ifndef DP_SESSION_H
#define DP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "config.h"
#include "ctl_proto.h"
#include "net.h"
#include "session_spec.h"
#include "srtp_edge.h"

/* SSRCs per direction of a leg: audio, video, their retransmissions and a
 * simulcast layer or two; the table of them fits the direction's line. */
#define DP_MAX_SSRCS 8
_Static_assert(DP_MAX_SSRCS == DP_CONFIG_MAX_SSRCS, "the configuration's limit");

/* The flow table: a packet's destination (side, family, which of our
 * addresses, UDP port) indexes it directly; a worker finds a session with
 * one load. An entry is 0, or the session's slot + 1 with its owner
 * worker in the top 8 bits (max_sessions <= 2^23, workers <= 64). Written
 * by the main lcore only; a removed session's slot stays readable until
 * RCU says no worker holds it. 2 x 2 x 16 x 65536 entries: 16 MiB. */
#define DP_FLOW_ENTRIES ((size_t)DP_SIDES * 2 * DP_MAX_PORT_ADDRS * 65536)

static inline size_t dp_flow_index(uint8_t side, uint8_t family, unsigned addr_idx,
				   uint16_t port)
{
	return ((((size_t)side * 2 + (family == AF_INET6)) * DP_MAX_PORT_ADDRS + addr_idx)
		<< 16) | port;
}

static inline uint32_t dp_flow_entry(uint32_t slot, uint16_t owner)
{
	return (uint32_t)owner << 24 | (slot + 1);
}

static inline uint32_t dp_flow_slot(uint32_t entry)
{
	return (entry & 0xffffff) - 1;
}

static inline uint16_t dp_flow_owner(uint32_t entry)
{
	return (uint16_t)(entry >> 24);
}

/* One direction of one leg: rx = what arrives on the leg (unprotected),
 * tx = what leaves on it (protected); ctx NULL = plain RTP. One cache line:
 * all a packet reads to find its stream. */
struct dp_direction {
	struct sre_ctx *ctx;
	uint8_t *streams;               /* the slot's streams, each followed by
					   its window memory when windows are
					   over 128 packets */
	uint32_t nssrc;                 /* slots in use */
	uint32_t stride;                /* bytes from one stream to the next */
	uint32_t ssrc[DP_MAX_SSRCS];
} __attribute__((aligned(64)));

static inline struct sre_stream *dp_dir_stream(const struct dp_direction *d,
					       uint32_t i)
{
	return (struct sre_stream *)(d->streams + (size_t)i * d->stride);
}

/* The window memory of stream i (NULL for windows of up to 128). */
static inline uint64_t *dp_dir_window(const struct dp_direction *d, uint32_t i)
{
	return d->stride > sizeof(struct sre_stream)
		       ? (uint64_t *)(d->streams + (size_t)i * d->stride +
				      sizeof(struct sre_stream))
		       : NULL;
}

/* Per-session counters of one leg, written by the owner worker only: what
 * every packet adds to, and (apart) what refusals add to. */
struct dp_leg_traffic {
	uint64_t rx_packets, rx_bytes;  /* arrived on this leg, accepted */
	uint64_t tx_packets, tx_bytes;  /* sent on this leg */
};

struct dp_leg_refusals {
	uint64_t auth_fail, replay, other_drops;
};

/* A session is laid out for the fast path: a packet crossing it reads four
 * lines (its arrival leg's first line and rx direction, its departure
 * leg's first line, the traffic counters), which the worker prefetches for
 * a whole burst once the lookup has found the sessions. */
struct dp_leg {
	/* first line: the peer, our address, the next hop */
	struct dp_endpoint remote;
	struct dp_endpoint local;
	uint8_t next_hop_mac[6];        /* resolved for remote (or the gateway) */
	bool latch;
	bool latched;                   /* remote learnt (when latch) */
	bool next_hop_known;
	bool protects;                  /* tx.ctx is set: what leaves is SRTP */
	/* a new peer from the control process (an ICE check that passed):
	 * the main lcore writes the session's remote_next, then bumps
	 * remote_gen; the owner worker copies it and sets remote_gen_seen */
	uint8_t remote_gen;
	uint8_t remote_gen_seen;
	bool keys_pending;              /* no keys yet (DTLS): no media either way */
	uint64_t hop_checked_tsc;       /* when next_hop_mac was last looked up */
	struct dp_direction rx, tx;
} __attribute__((aligned(64)));

struct dp_session {
	struct dp_leg leg[DP_SIDES];
	struct dp_leg_traffic traffic[DP_SIDES] __attribute__((aligned(64)));
	struct dp_leg_refusals refusals[DP_SIDES];
	/* cold: the owner travels in the flow hash's data (see dp_flow_data) */
	uint32_t id;
	uint32_t slot;
	uint16_t owner;                 /* worker index */
	bool live;
	char name[48];
	uint64_t solicit_tsc[DP_SIDES]; /* when we last asked for a leg's next hop */
	/* what the control process may show of the keys: suites, MKIs and
	 * key ids, per leg, rx then tx */
	struct dp_ctl_dir_info keys_shown[DP_SIDES][2];
	struct dp_endpoint remote_next[DP_SIDES];
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct dp_leg, rx) == 64 && sizeof(struct dp_leg) == 192,
	       "a leg's first line, then one line per direction");
_Static_assert(sizeof(struct dp_leg_traffic) * DP_SIDES == 64,
	       "both legs' traffic counters in one line");

struct dp_session_table {
	uint32_t *flows;                /* DP_FLOW_ENTRIES: see dp_flow_index */
	const struct dp_port_addrs *ports; /* [DP_SIDES]: whose addresses index it */
	struct rte_hash *by_id;         /* session id -> slot index */
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;     /* slots waiting for a grace period */
	uint8_t *slab;
	size_t slot_size;
	uint32_t max_sessions;
	uint32_t ssrcs;                 /* per direction */
	uint32_t stream_stride;
	uint32_t replay_window;
	unsigned workers;
	uint32_t *free_slots;           /* a stack, used by the main lcore only */
	uint32_t nfree;
	uint32_t live;
	struct sre_engine *engine;      /* key derivation on the main lcore */
};

static inline struct dp_session *dp_session_at(const struct dp_session_table *t,
					       uint32_t slot)
{
	return (struct dp_session *)(t->slab + (size_t)slot * t->slot_size);
}

/* Creates the table for `max` sessions (hugepage memory, rte_malloc) with
 * `workers` readers registered to its RCU variable; sessions' local
 * addresses are those of `ports` ([DP_SIDES], which must outlive it).
 * Returns NULL and logs why on failure. */
struct dp_session_table *dp_session_table_create(uint32_t max, uint32_t ssrcs,
						 uint32_t replay_window,
						 unsigned workers,
						 const struct dp_port_addrs *ports);
void dp_session_table_destroy(struct dp_session_table *t);
/* Bytes the table preallocates for `max` sessions. */
size_t dp_session_table_memory(uint32_t max, uint32_t ssrcs);

enum dp_add_result {
	DP_ADD_OK = 0,
	DP_ADD_ID_EXISTS,
	DP_ADD_ADDR_IN_USE,
	DP_ADD_FULL,
	DP_ADD_BAD_KEYS,
	DP_ADD_NOT_OURS,         /* a local address the port does not have */
};

/* Adds a session (main lcore). Returns DP_ADD_OK, or the reason with
 * `why` filled. */
enum dp_add_result dp_session_add(struct dp_session_table *t,
				  const struct dp_session_spec *sp, char *why,
				  size_t whylen);
/* Removes a session by id (main lcore); its memory is wiped and reused
 * after every worker has passed a quiescent state. */
int dp_session_del(struct dp_session_table *t, uint32_t id);
/* Frees what RCU has released (main lcore, call periodically). */
void dp_session_reclaim(struct dp_session_table *t);
/* Waits until every worker has passed a quiescent state, then reclaims:
 * every slot deleted before the call is free again (main lcore only). */
void dp_session_synchronize(struct dp_session_table *t);
struct dp_session *dp_session_find_id(const struct dp_session_table *t,
				      uint32_t id);


#endif
