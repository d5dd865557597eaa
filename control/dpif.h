/*
 * srtpedge-control's side of dataplane/ctl_proto.h: the shared objects
 * looked up in the running srtpedge (a DPDK secondary process of the same
 * file prefix), command messages out and answers back, exception packets
 * in and packets to send out.
 *
 * Mempools are used without the per-lcore cache: this process runs on
 * lcore 0 like the primary's main lcore, and two threads must never share a
 * cache. Nothing here blocks: a full ring or an empty pool is reported.
 */
#ifndef CTL_DPIF_H
#define CTL_DPIF_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctl_proto.h"

struct dpif {
	struct dp_ctl_info *info;   /* the primary's; control writes control_pid only */
	struct rte_mempool *msgs, *mbufs;
	struct rte_ring *cmd, *done, *exc, *send;
};

/* Looks the objects up (after rte_eal_init) and checks the version.
 * 0, or -1 with err filled. */
int dpif_attach(struct dpif *d, char *err, size_t errlen);

/* A zeroed message with version set, or NULL when the pool is empty. */
struct dp_ctl_msg *dpif_msg_get(struct dpif *d);
/* Wipes the message (keys) and returns it to the pool. */
void dpif_msg_put(struct dpif *d, struct dp_ctl_msg *m);
/* 0, or -1 when the command ring is full (the message stays the caller's). */
int dpif_cmd_enqueue(struct dpif *d, struct dp_ctl_msg *m);
unsigned dpif_done_dequeue(struct dpif *d, struct dp_ctl_msg **m, unsigned n);

unsigned dpif_exc_dequeue(struct dpif *d, struct rte_mbuf **m, unsigned n);
/* A reset mbuf of the primary's pool, or NULL when it is empty. */
struct rte_mbuf *dpif_mbuf_alloc(struct dpif *d);
/* Frees a (possibly chained) mbuf without the lcore cache. */
void dpif_mbuf_free(struct rte_mbuf *m);
/* 0, or -1 when the send ring is full (the mbuf stays the caller's). */
int dpif_send_enqueue(struct dpif *d, struct rte_mbuf *m);

/* Tells the primary whether control reads the exception ring (pid, or 0). */
void dpif_set_control_pid(struct dpif *d, int32_t pid);

#endif
