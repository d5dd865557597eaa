/* The shared objects of ctl_proto.h, from the secondary's side (see dpif.h). */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memzone.h>

#include "dpif.h"

int dpif_attach(struct dpif *d, char *err, size_t errlen)
{
	const struct rte_memzone *mz;

	memset(d, 0, sizeof(*d));
	mz = rte_memzone_lookup(DP_CTL_INFO_ZONE);
	if (mz == NULL) {
		snprintf(err, errlen, "srtpedge publishes no control interface (memzone "
			 "%s not found): is it a version without one?", DP_CTL_INFO_ZONE);
		return -1;
	}
	d->info = mz->addr;
	uint32_t v = __atomic_load_n(&d->info->version, __ATOMIC_ACQUIRE);
	if (v != DP_CTL_VERSION) {
		snprintf(err, errlen, "srtpedge speaks control protocol version %u, "
			 "srtpedge-control version %u: run matching builds", v,
			 DP_CTL_VERSION);
		return -1;
	}
	struct { const char *name; struct rte_ring **r; } rings[] = {
		{DP_CTL_CMD_RING, &d->cmd}, {DP_CTL_DONE_RING, &d->done},
		{DP_CTL_EXC_RING, &d->exc}, {DP_CTL_SEND_RING, &d->send},
	};
	for (size_t i = 0; i < sizeof(rings) / sizeof(*rings); i++) {
		*rings[i].r = rte_ring_lookup(rings[i].name);
		if (*rings[i].r == NULL) {
			snprintf(err, errlen, "ring %s not found in srtpedge: %s",
				 rings[i].name, rte_strerror(rte_errno));
			return -1;
		}
	}
	d->msgs = rte_mempool_lookup(DP_CTL_MSG_POOL);
	d->mbufs = rte_mempool_lookup(DP_CTL_MBUF_POOL);
	if (d->msgs == NULL || d->mbufs == NULL) {
		snprintf(err, errlen, "mempool %s not found in srtpedge",
			 d->msgs == NULL ? DP_CTL_MSG_POOL : DP_CTL_MBUF_POOL);
		return -1;
	}
	if (d->msgs->elt_size < sizeof(struct dp_ctl_msg)) {
		snprintf(err, errlen, "mempool %s holds %u-byte messages, control's are "
			 "%zu: builds of another contract", DP_CTL_MSG_POOL,
			 d->msgs->elt_size, sizeof(struct dp_ctl_msg));
		return -1;
	}
	return 0;
}

struct dp_ctl_msg *dpif_msg_get(struct dpif *d)
{
	void *obj;
	if (rte_mempool_generic_get(d->msgs, &obj, 1, NULL) != 0)
		return NULL;
	struct dp_ctl_msg *m = obj;
	memset(m, 0, sizeof(*m));
	m->version = DP_CTL_VERSION;
	return m;
}

void dpif_msg_put(struct dpif *d, struct dp_ctl_msg *m)
{
	void *obj = m;
	explicit_bzero(m, sizeof(*m));
	rte_mempool_generic_put(d->msgs, &obj, 1, NULL);
}

int dpif_cmd_enqueue(struct dpif *d, struct dp_ctl_msg *m)
{
	return rte_ring_enqueue(d->cmd, m) == 0 ? 0 : -1;
}

unsigned dpif_done_dequeue(struct dpif *d, struct dp_ctl_msg **m, unsigned n)
{
	return rte_ring_dequeue_burst(d->done, (void **)m, n, NULL);
}

unsigned dpif_exc_dequeue(struct dpif *d, struct rte_mbuf **m, unsigned n)
{
	return rte_ring_dequeue_burst(d->exc, (void **)m, n, NULL);
}

struct rte_mbuf *dpif_mbuf_alloc(struct dpif *d)
{
	void *obj;
	if (rte_mempool_generic_get(d->mbufs, &obj, 1, NULL) != 0)
		return NULL;
	struct rte_mbuf *m = obj;
	rte_mbuf_refcnt_set(m, 1);
	rte_pktmbuf_reset(m);
	return m;
}

void dpif_mbuf_free(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		struct rte_mbuf *f = rte_pktmbuf_prefree_seg(m);
		if (f != NULL) {
			void *obj = f;
			rte_mempool_generic_put(f->pool, &obj, 1, NULL);
		}
		m = next;
	}
}

int dpif_send_enqueue(struct dpif *d, struct rte_mbuf *m)
{
	return rte_ring_enqueue(d->send, m) == 0 ? 0 : -1;
}

void dpif_set_control_pid(struct dpif *d, int32_t pid)
{
	__atomic_store_n(&d->info->control_pid, pid, __ATOMIC_RELEASE);
}
