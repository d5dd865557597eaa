/*
 * The control process's way in: the shared objects of ctl_proto.h, and the
 * main lcore answering the commands that arrive on the command ring. The
 * workers never wait on any of this; the main lcore applies a command the
 * way a SIGHUP reload does (add, or remove and add after a grace period).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ctl.h"
#include "session.h"
#include "stats.h"
#include "worker.h"

int dp_ctl_create(struct dp_ctl *c, const struct dp_runtime *rt)
{
	int socket = (int)rte_socket_id();

	memset(c, 0, sizeof(*c));
	c->mz = rte_memzone_reserve(DP_CTL_INFO_ZONE, sizeof(struct dp_ctl_info), socket,
				    RTE_MEMZONE_SIZE_HINT_ONLY);
	c->msgs = rte_mempool_create(DP_CTL_MSG_POOL, DP_CTL_MSGS, sizeof(struct dp_ctl_msg),
				     0, 0, NULL, NULL, NULL, NULL, socket, 0);
	/* one writer each way for commands; exceptions come from every
	 * worker and are read by the control process, or freed by the main
	 * lcore when it has none (the two may overlap for a moment as one
	 * attaches: multi-consumer); sends go to worker 0 only */
	c->cmd = rte_ring_create(DP_CTL_CMD_RING, DP_CTL_CMD_SLOTS, socket,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	c->done = rte_ring_create(DP_CTL_DONE_RING, DP_CTL_CMD_SLOTS, socket,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	c->exc = rte_ring_create(DP_CTL_EXC_RING, DP_CTL_EXC_SLOTS, socket, 0);
	c->send = rte_ring_create(DP_CTL_SEND_RING, DP_CTL_SEND_SLOTS, socket,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (c->mz == NULL || c->msgs == NULL || c->cmd == NULL || c->done == NULL ||
	    c->exc == NULL || c->send == NULL) {
		fprintf(stderr, "srtpedge: cannot create the control process's rings and "
				"pools in hugepage memory: %s\n", rte_strerror(rte_errno));
		dp_ctl_destroy(c);
		return -1;
	}
	c->info = c->mz->addr;
	memset(c->info, 0, sizeof(*c->info));
	c->info->version = DP_CTL_VERSION;
	c->info->primary_pid = (int32_t)getpid();
	c->info->max_sessions = rt->cfg->max_sessions;
	c->info->ssrcs_per_direction = rt->cfg->ssrcs_per_direction;
	c->info->workers = rt->nworkers;
	for (int side = 0; side < DP_SIDES; side++)
		c->info->port_id[side] = rt->port[side].port_id;
	return 0;
}

static void ring_free_mbufs(struct rte_ring *r)
{
	void *m[32];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(r, m, 32, NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n);
}

static void ring_free_msgs(struct rte_ring *r, struct rte_mempool *pool)
{
	void *m;

	while (rte_ring_dequeue(r, &m) == 0) {
		explicit_bzero(m, sizeof(struct dp_ctl_msg));
		rte_mempool_put(pool, m);
	}
}

void dp_ctl_destroy(struct dp_ctl *c)
{
	if (c->exc) {
		ring_free_mbufs(c->exc);
		rte_ring_free(c->exc);
	}
	if (c->send) {
		ring_free_mbufs(c->send);
		rte_ring_free(c->send);
	}
	if (c->cmd && c->msgs)
		ring_free_msgs(c->cmd, c->msgs);
	if (c->done && c->msgs)
		ring_free_msgs(c->done, c->msgs);
	rte_ring_free(c->cmd);
	rte_ring_free(c->done);
	rte_mempool_free(c->msgs);
	if (c->mz)
		rte_memzone_free(c->mz);
	memset(c, 0, sizeof(*c));
}

static void answer(struct dp_ctl_msg *m, enum dp_ctl_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void answer(struct dp_ctl_msg *m, enum dp_ctl_status st, const char *fmt, ...)
{
	m->status = st;
	m->reason[0] = '\0';
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
		va_end(ap);
	}
}

static enum dp_ctl_status status_of(enum dp_add_result r)
{
	switch (r) {
	case DP_ADD_OK:
		return DP_CTL_OK;
	case DP_ADD_ID_EXISTS:
	case DP_ADD_ADDR_IN_USE:
		return DP_CTL_E_EXISTS;
	case DP_ADD_FULL:
		return DP_CTL_E_FULL;
	case DP_ADD_BAD_KEYS:
	case DP_ADD_NOT_OURS:
		break;
	}
	return DP_CTL_E_INVALID;
}

/* What the session file would have refused: the parts dp_session_add takes
 * on trust from the configuration reader. */
static bool spec_valid(const struct dp_runtime *rt, const struct dp_session_spec *sp,
		       char *why, size_t len)
{
	if (sp->id == 0) {
		snprintf(why, len, "id: 0 is not a session id");
		return false;
	}
	if (memchr(sp->name, '\0', sizeof(sp->name)) == NULL) {
		snprintf(why, len, "name: not terminated");
		return false;
	}
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_leg_spec *leg = &sp->leg[l];
		const char *side = l == DP_OUTSIDE ? "outside" : "inside";
		const struct dp_endpoint *eps[2] = {&leg->local, &leg->remote};
		for (int e = 0; e < 2; e++) {
			if (e == 1 && leg->latch)
				continue;
			if ((eps[e]->addr.family != AF_INET && eps[e]->addr.family != AF_INET6) ||
			    eps[e]->port == 0) {
				snprintf(why, len, "%s.%s: no address and port", side,
					 e ? "remote" : "local");
				return false;
			}
		}
		if (!dp_port_has_addr(&rt->port[l], &leg->local.addr)) {
			snprintf(why, len, "%s.local: not an address of the %s port", side,
				 side);
			return false;
		}
		const struct dp_srtp_keys *ks[2] = {&leg->rx, &leg->tx};
		for (int d = 0; d < 2; d++) {
			const struct dp_srtp_keys *k = ks[d];
			const char *dir = d ? "tx" : "rx";
			if (k->suite == DP_SUITE_NONE)
				continue;
			if (k->suite >= SRE_SUITE_COUNT) {
				snprintf(why, len, "%s.%s: suite %u unknown", side, dir, k->suite);
				return false;
			}
			if (k->nkeys < 1 || k->nkeys > DP_MAX_KEYS || k->mki_len > 4 ||
			    (k->nkeys > 1 && k->mki_len == 0) || k->active >= k->nkeys) {
				snprintf(why, len, "%s.%s: %u keys, MKI of %u bytes, active %u: "
					 "1 to %d keys, several only with an MKI of 1 to 4 bytes",
					 side, dir, k->nkeys, k->mki_len, k->active, DP_MAX_KEYS);
				return false;
			}
		}
		if (leg->keys_pending) {
			if (leg->rx.suite != DP_SUITE_NONE || leg->tx.suite != DP_SUITE_NONE) {
				snprintf(why, len, "%s: keys pending, yet keys given", side);
				return false;
			}
			continue;
		}
		if (leg->latch && leg->rx.suite == DP_SUITE_NONE) {
			snprintf(why, len, "%s.remote: latch needs SRTP (an unauthenticated "
				 "packet cannot prove who the peer is)", side);
			return false;
		}
		if (l == DP_OUTSIDE && (leg->rx.suite == DP_SUITE_NONE ||
					leg->tx.suite == DP_SUITE_NONE)) {
			snprintf(why, len, "outside: SRTP keys are required both ways (or "
				 "keys pending)");
			return false;
		}
		if ((leg->rx.suite == DP_SUITE_NONE) != (leg->tx.suite == DP_SUITE_NONE)) {
			snprintf(why, len, "%s: SRTP one way and plain the other", side);
			return false;
		}
	}
	return true;
}

/* A binary max-heap of ids, for LIST's page. */
static void heap_up(uint32_t *h, uint32_t i)
{
	while (i > 0 && h[(i - 1) / 2] < h[i]) {
		uint32_t p = (i - 1) / 2, t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static void heap_down(uint32_t *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, big = i;
		if (l < n && h[l] > h[big])
			big = l;
		if (r < n && h[r] > h[big])
			big = r;
		if (big == i)
			return;
		uint32_t t = h[big];
		h[big] = h[i];
		h[i] = t;
		i = big;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void info_of(const struct dp_session *s, struct dp_ctl_session_info *in)
{
	memset(in, 0, sizeof(*in));
	in->id = s->id;
	memcpy(in->name, s->name, sizeof(in->name));
	in->owner = s->owner;
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_leg *leg = &s->leg[l];
		struct dp_ctl_leg_info *li = &in->leg[l];
		li->local = leg->local;
		li->remote = leg->remote;
		li->latch = leg->latch;
		li->latched = leg->latched;
		li->pending = leg->keys_pending;
		li->rx = s->keys_shown[l][0];
		li->tx = s->keys_shown[l][1];
		li->rx.nssrc = (uint8_t)leg->rx.nssrc;
		li->tx.nssrc = (uint8_t)leg->tx.nssrc;
		/* written by the owner worker: a torn 64-bit read cannot
		 * happen on x86-64, a slightly old one may */
		li->rx_packets = s->traffic[l].rx_packets;
		li->rx_bytes = s->traffic[l].rx_bytes;
		li->tx_packets = s->traffic[l].tx_packets;
		li->tx_bytes = s->traffic[l].tx_bytes;
		li->auth_fail = s->refusals[l].auth_fail;
		li->replay = s->refusals[l].replay;
		li->other_drops = s->refusals[l].other_drops;
	}
}

static void apply(struct dp_ctl *c, struct dp_runtime *rt, struct dp_ctl_msg *m)
{
	struct dp_session_table *t = rt->sessions;
	char why[sizeof(m->reason)];

	if (m->version != DP_CTL_VERSION) {
		answer(m, DP_CTL_E_VERSION, "message version %u, srtpedge speaks %u",
		       m->version, DP_CTL_VERSION);
		return;
	}
	switch (m->op) {
	case DP_CTL_OP_ADD:
	case DP_CTL_OP_REPLACE: {
		struct dp_session_spec *sp = &m->u.spec;
		if (!spec_valid(rt, sp, why, sizeof(why))) {
			answer(m, DP_CTL_E_INVALID, "session %u: %s", sp->id, why);
			break;
		}
		if (m->op == DP_CTL_OP_REPLACE) {
			if (dp_session_del(t, sp->id) != 0) {
				answer(m, DP_CTL_E_NOT_FOUND, "session %u: no such session",
				       sp->id);
				break;
			}
			/* its slot and flow keys must be free again before the
			 * new session takes them */
			dp_session_synchronize(t);
		}
		enum dp_add_result r = dp_session_add(t, sp, why, sizeof(why));
		if (r != DP_ADD_OK)
			answer(m, status_of(r), "session %u: %s%s", sp->id, why,
			       m->op == DP_CTL_OP_REPLACE ? " (the old one is gone)" : "");
		else
			answer(m, DP_CTL_OK, NULL);
		break;
	}
	case DP_CTL_OP_DEL:
		if (dp_session_del(t, m->u.id) != 0)
			answer(m, DP_CTL_E_NOT_FOUND, "session %u: no such session", m->u.id);
		else
			answer(m, DP_CTL_OK, NULL);
		break;
	case DP_CTL_OP_GET: {
		const struct dp_session *s = dp_session_find_id(t, m->u.id);
		if (s == NULL) {
			answer(m, DP_CTL_E_NOT_FOUND, "session %u: no such session", m->u.id);
			break;
		}
		info_of(s, &m->u.info);
		answer(m, DP_CTL_OK, NULL);
		break;
	}
	case DP_CTL_OP_LIST: {
		/* one pass over the ids: a max-heap keeps the page's smallest
		 * ids above `after`, then they are sorted */
		uint32_t after = m->u.list.after, n = 0, *h = m->u.list.ids;
		const void *key;
		void *data;
		uint32_t iter = 0;
		while (rte_hash_iterate(t->by_id, &key, &data, &iter) >= 0) {
			uint32_t id = *(const uint32_t *)key;
			if (id <= after)
				continue;
			if (n < DP_CTL_LIST_MAX) {
				h[n++] = id;
				heap_up(h, n - 1);
			} else if (id < h[0]) {
				h[0] = id;
				heap_down(h, n, 0);
			}
		}
		qsort(h, n, sizeof(*h), cmp_u32);
		m->u.list.n = n;
		m->u.list.total = t->live;
		answer(m, DP_CTL_OK, NULL);
		break;
	}
	case DP_CTL_OP_SET_REMOTE: {
		struct dp_session *s = dp_session_find_id(t, m->u.remote.id);
		uint8_t side = m->u.remote.side;
		const struct dp_endpoint *ep = &m->u.remote.remote;
		if (s == NULL) {
			answer(m, DP_CTL_E_NOT_FOUND, "session %u: no such session",
			       m->u.remote.id);
			break;
		}
		if (side >= DP_SIDES || (ep->addr.family != AF_INET &&
					 ep->addr.family != AF_INET6) || ep->port == 0) {
			answer(m, DP_CTL_E_INVALID, "session %u: side %u, remote without "
			       "address or port", m->u.remote.id, side);
			break;
		}
		struct dp_leg *leg = &s->leg[side];
		if (__atomic_load_n(&leg->remote_gen_seen, __ATOMIC_ACQUIRE) != leg->remote_gen) {
			/* the owner has not taken the last one yet: one at a
			 * time, or it could copy half of each */
			answer(m, DP_CTL_E_BUSY, "session %u: the previous peer change is "
			       "still being applied; try again", m->u.remote.id);
			break;
		}
		s->remote_next[side] = *ep;
		__atomic_store_n(&leg->remote_gen, (uint8_t)(leg->remote_gen + 1),
				 __ATOMIC_RELEASE);
		answer(m, DP_CTL_OK, NULL);
		break;
	}
	default:
		answer(m, DP_CTL_E_OP, "operation %u unknown", m->op);
		break;
	}
	/* the keys of ADD/REPLACE are in the session's contexts now */
	if (m->op == DP_CTL_OP_ADD || m->op == DP_CTL_OP_REPLACE)
		for (int l = 0; l < DP_SIDES; l++) {
			explicit_bzero(&m->u.spec.leg[l].rx.keys, sizeof(m->u.spec.leg[l].rx.keys));
			explicit_bzero(&m->u.spec.leg[l].tx.keys, sizeof(m->u.spec.leg[l].tx.keys));
		}
	(void)c;
}

unsigned dp_ctl_poll(struct dp_ctl *c, struct dp_runtime *rt, uint64_t now)
{
	void *msgs[32];
	unsigned n = rte_ring_dequeue_burst(c->cmd, msgs, 32, NULL);

	if (n > 0) {
		dp_stats_telemetry_hold();
		for (unsigned i = 0; i < n; i++) {
			struct dp_ctl_msg *m = msgs[i];
			apply(c, rt, m);
			if (m->status == DP_CTL_OK && m->op != DP_CTL_OP_GET &&
			    m->op != DP_CTL_OP_LIST)
				__atomic_fetch_add(&c->info->generation, 1, __ATOMIC_RELEASE);
			m->generation = __atomic_load_n(&c->info->generation, __ATOMIC_ACQUIRE);
		}
		dp_stats_telemetry_release();
		c->commands += n;
		/* the done ring is as large as the command ring and control
		 * takes an answer before it sends more than it can hold: it
		 * cannot be full; should it be, the messages return to the
		 * pool rather than leak */
		unsigned k = rte_ring_enqueue_burst(c->done, msgs, n, NULL);
		for (unsigned i = k; i < n; i++) {
			explicit_bzero(msgs[i], sizeof(struct dp_ctl_msg));
			rte_mempool_put(c->msgs, msgs[i]);
		}
	}
	/* a control process that died without saying so (kill -9): stop
	 * handing it packets, and free those it will never read */
	if (now - c->exc_checked_tsc > rte_get_tsc_hz()) {
		int32_t pid = __atomic_load_n(&c->info->control_pid, __ATOMIC_ACQUIRE);
		if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
			__atomic_compare_exchange_n(&c->info->control_pid, &pid, 0, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
			fprintf(stderr, "srtpedge: control process %d is gone; STUN and DTLS "
					"are dropped until one attaches\n", (int)pid);
		}
		if (__atomic_load_n(&c->info->control_pid, __ATOMIC_ACQUIRE) == 0) {
			void *m[32];
			unsigned k;
			while ((k = rte_ring_dequeue_burst(c->exc, m, 32, NULL)) > 0) {
				__atomic_fetch_add(&c->info->exc_dropped, k, __ATOMIC_RELAXED);
				rte_pktmbuf_free_bulk((struct rte_mbuf **)m, k);
			}
		}
		c->exc_checked_tsc = now;
	}
	return n;
}
