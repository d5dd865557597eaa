/*
 * The session table (see session.h). Everything here runs on the main lcore
 * except the lookups, which workers do in bulk on the fast path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <openssl/evp.h>

#include "session.h"

#define SLAB_ALIGN 64

static size_t round64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

/* Window memory a stream needs beyond its own 64 bytes (windows > 128). */
static size_t window_bytes(uint32_t replay_window)
{
	size_t ring = 128;
	while (ring < replay_window)
		ring <<= 1;
	return replay_window <= 128 ? 0 : ring / 8;
}

static size_t slot_size(uint32_t ssrcs, uint32_t replay_window)
{
	/* 4 directions (2 legs x rx/tx) of `ssrcs` streams, each with its
	 * window memory when the window is larger than a stream holds */
	size_t per_stream = sizeof(struct sre_stream) + round64(window_bytes(replay_window));
	return round64(sizeof(struct dp_session)) + 4 * (size_t)ssrcs * per_stream;
}

size_t dp_session_table_memory(uint32_t max, uint32_t ssrcs)
{
	/* slab, the id hash (about 64 bytes an entry), the free stack, the
	 * defer queue, and the flow table, whose size is fixed */
	return (size_t)max * slot_size(ssrcs, 128) + (size_t)max * 64 +
	       (size_t)max * 2 * sizeof(uint32_t) + (size_t)max * sizeof(uint64_t) +
	       DP_FLOW_ENTRIES * sizeof(uint32_t);
}

static void *dp_alloc(size_t size, size_t align, void *arg)
{
	(void)arg;
	return rte_malloc("srtp_keys", size, (unsigned)align);
}

static void dp_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

static const struct sre_allocator hugepage_allocator = {dp_alloc, dp_free, NULL};

static void session_wipe(struct dp_session_table *t, struct dp_session *s)
{
	for (int l = 0; l < DP_SIDES; l++) {
		sre_ctx_destroy(s->leg[l].rx.ctx); /* wipes the keys */
		sre_ctx_destroy(s->leg[l].tx.ctx);
	}
	memset(s, 0, t->slot_size);
}

/* RCU has seen every worker quiescent since these slots were unlinked. */
static void slots_release(void *p, void *e, unsigned int n)
{
	struct dp_session_table *t = p;
	const uint64_t *slots = e;

	for (unsigned i = 0; i < n; i++) {
		uint32_t slot = (uint32_t)slots[i];
		session_wipe(t, dp_session_at(t, slot));
		t->free_slots[t->nfree++] = slot;
	}
}

struct dp_session_table *dp_session_table_create(uint32_t max, uint32_t ssrcs,
						 uint32_t replay_window,
						 unsigned workers,
						 const struct dp_port_addrs *ports)
{
	char name[RTE_HASH_NAMESIZE];
	struct dp_session_table *t;
	int socket = (int)rte_socket_id();

	/* the flow table's entries hold slot + 1 in 24 bits, the owner in 8 */
	if (max == 0 || max >= (1u << 24) || ssrcs == 0 || ssrcs > DP_MAX_SSRCS ||
	    workers == 0 || workers > 255)
		return NULL;
	t = rte_zmalloc("session_table", sizeof(*t), 64);
	if (t == NULL)
		return NULL;
	t->max_sessions = max;
	t->ssrcs = ssrcs;
	t->replay_window = replay_window;
	t->workers = workers;
	t->ports = ports;
	t->slot_size = slot_size(ssrcs, replay_window);
	t->stream_stride = (uint32_t)(sizeof(struct sre_stream) +
				      round64(window_bytes(replay_window)));
	t->slab = rte_zmalloc_socket("session_slab", (size_t)max * t->slot_size,
				     SLAB_ALIGN, socket);
	t->free_slots = rte_malloc("session_free", (size_t)max * sizeof(uint32_t), 0);
	if (t->slab == NULL || t->free_slots == NULL) {
		RTE_LOG(ERR, USER1, "sessions: cannot reserve %zu bytes of hugepage "
			"memory for %u sessions (raise hugepages or lower max_sessions)\n",
			(size_t)max * t->slot_size, max);
		goto fail;
	}
	for (uint32_t i = 0; i < max; i++)
		t->free_slots[i] = max - 1 - i;
	t->nfree = max;

	t->flows = rte_zmalloc_socket("session_flows", DP_FLOW_ENTRIES * sizeof(uint32_t),
				      RTE_CACHE_LINE_SIZE, socket);
	if (t->flows == NULL) {
		RTE_LOG(ERR, USER1, "sessions: cannot reserve the %zu MiB flow table\n",
			DP_FLOW_ENTRIES * sizeof(uint32_t) >> 20);
		goto fail;
	}
	struct rte_hash_parameters hp = {.socket_id = socket, .hash_func = rte_hash_crc};
	/* ids are looked up by the main lcore and telemetry only, never by a
	 * worker: a locking table, which (unlike a lock-free one without
	 * RCU) gives a deleted key's slot back */
	snprintf(name, sizeof(name), "ids_%p", (void *)t);
	hp.name = name;
	hp.entries = max < 64 ? 64 : max;
	hp.key_len = sizeof(uint32_t);
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->by_id = rte_hash_create(&hp);
	if (t->by_id == NULL) {
		RTE_LOG(ERR, USER1, "sessions: rte_hash_create: %s\n",
			rte_strerror(rte_errno));
		goto fail;
	}

	size_t qsz = rte_rcu_qsbr_get_memsize(workers);
	t->qsbr = rte_zmalloc("session_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (t->qsbr == NULL || rte_rcu_qsbr_init(t->qsbr, workers) != 0)
		goto fail;
	snprintf(name, sizeof(name), "slots_%p", (void *)t);
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.name = name,
		.size = max,
		.esize = sizeof(uint64_t),
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = max,
		.free_fn = slots_release,
		.p = t,
		.v = t->qsbr,
	};
	t->dq = rte_rcu_qsbr_dq_create(&dqp);
	if (t->dq == NULL)
		goto fail;
	if (sre_engine_create(SRE_ARCH_AUTO, &t->engine) != SRE_OK)
		goto fail;
	return t;
fail:
	dp_session_table_destroy(t);
	return NULL;
}

void dp_session_table_destroy(struct dp_session_table *t)
{
	if (t == NULL)
		return;
	if (t->slab) {
		for (uint32_t i = 0; i < t->max_sessions; i++) {
			struct dp_session *s = dp_session_at(t, i);
			if (s->live || s->leg[0].rx.ctx || s->leg[1].rx.ctx ||
			    s->leg[0].tx.ctx || s->leg[1].tx.ctx)
				session_wipe(t, s);
		}
	}
	if (t->dq)
		rte_rcu_qsbr_dq_delete(t->dq);
	rte_free(t->flows);
	rte_hash_free(t->by_id);
	rte_free(t->qsbr);
	rte_free(t->slab);
	rte_free(t->free_slots);
	sre_engine_destroy(t->engine);
	rte_free(t);
}

/* Where a leg's local address and port sit in the flow table; -1 when
 * the address is not the port's. */
static ssize_t flow_index_of(const struct dp_session_table *t, uint8_t side,
			     const struct dp_endpoint *ep)
{
	int idx = dp_port_addr_index(&t->ports[side], &ep->addr);
	if (idx < 0)
		return -1;
	return (ssize_t)dp_flow_index(side, ep->addr.family, (unsigned)idx, ep->port);
}

/* Builds one direction's context from its keys; plain RTP leaves it NULL. */
static int direction_init(struct dp_session_table *t, struct dp_direction *d,
			  const struct dp_srtp_keys *k, enum sre_direction dir,
			  uint8_t *streams, char *why, size_t whylen,
			  const char *what)
{
	d->streams = streams;
	d->stride = (uint32_t)(sizeof(struct sre_stream) +
			       round64(window_bytes(t->replay_window)));
	d->nssrc = 0;
	if (k->suite == DP_SUITE_NONE)
		return 0;
	struct sre_policy pol;
	sre_policy_init(&pol, (enum sre_suite)k->suite, dir);
	pol.mki_len = k->mki_len;
	pol.replay_window = t->replay_window;
	/* an SDES lifetime bounds the key's use on both kinds (RFC 4568
	 * §6.1); SRTCP's own limit is 2^31 */
	pol.rtp_key_limit = k->lifetime;
	pol.rtcp_key_limit = k->lifetime && k->lifetime < (UINT64_C(1) << 31)
				     ? k->lifetime : 0;
	int rc = sre_ctx_create(&pol, &hugepage_allocator, &d->ctx);
	for (unsigned i = 0; rc == SRE_OK && i < k->nkeys; i++)
		rc = sre_ctx_add_key(t->engine, d->ctx, k->keys[i].key,
				     sre_suite_master_key_len(pol.suite),
				     k->keys[i].salt,
				     sre_suite_master_salt_len(pol.suite),
				     k->mki_len ? k->keys[i].mki : NULL);
	if (rc == SRE_OK && dir == SRE_OUTBOUND && k->mki_len && k->nkeys > 1)
		rc = sre_ctx_set_active_key(d->ctx, k->keys[k->active].mki);
	if (rc != SRE_OK) {
		snprintf(why, whylen, "%s keys: %s", what, sre_status_str(rc));
		return -1;
	}
	return 0;
}

/* The key id operators see instead of a key: the first 4 bytes of
 * SHA-256 over master key || salt (one-way; tells keys apart). */
static uint32_t key_id_of(const uint8_t *key, size_t key_len, const uint8_t *salt,
			  size_t salt_len)
{
	uint8_t buf[64], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	memcpy(buf, key, key_len);
	memcpy(buf + key_len, salt, salt_len);
	int ok = EVP_Digest(buf, key_len + salt_len, md, &mdlen, EVP_sha256(), NULL);
	explicit_bzero(buf, sizeof(buf));
	if (!ok || mdlen < 4)
		return 0;
	uint32_t id = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 |
		      md[3];
	explicit_bzero(md, sizeof(md));
	return id;
}

static void keys_shown_fill(struct dp_ctl_dir_info *out, const struct dp_srtp_keys *k)
{
	memset(out, 0, sizeof(*out));
	out->suite = k->suite;
	if (k->suite == DP_SUITE_NONE)
		return;
	out->nkeys = k->nkeys;
	out->mki_len = k->mki_len;
	for (unsigned i = 0; i < k->nkeys && i < DP_MAX_KEYS; i++)
		out->key_id[i] = key_id_of(k->keys[i].key,
					   sre_suite_master_key_len((enum sre_suite)k->suite),
					   k->keys[i].salt,
					   sre_suite_master_salt_len((enum sre_suite)k->suite));
}

enum dp_add_result dp_session_add(struct dp_session_table *t,
				  const struct dp_session_spec *sp, char *why,
				  size_t whylen)
{
	ssize_t flow[DP_SIDES];
	void *data;

	if (rte_hash_lookup_data(t->by_id, &sp->id, &data) >= 0) {
		snprintf(why, whylen, "session id %u exists", sp->id);
		return DP_ADD_ID_EXISTS;
	}
	for (int l = 0; l < DP_SIDES; l++) {
		const char *side = l == DP_OUTSIDE ? "outside" : "inside";
		flow[l] = flow_index_of(t, (uint8_t)l, &sp->leg[l].local);
		if (flow[l] < 0) {
			snprintf(why, whylen, "the %s address is not the %s port's", side, side);
			return DP_ADD_NOT_OURS;
		}
		if (t->flows[flow[l]] != 0) {
			snprintf(why, whylen, "the %s address and port are in use", side);
			return DP_ADD_ADDR_IN_USE;
		}
	}
	if (t->nfree == 0) {
		snprintf(why, whylen, "all %u session slots are in use", t->max_sessions);
		return DP_ADD_FULL;
	}
	uint32_t slot = t->free_slots[--t->nfree];
	struct dp_session *s = dp_session_at(t, slot);
	size_t per_stream = sizeof(struct sre_stream) +
			    round64(window_bytes(t->replay_window));
	uint8_t *streams = (uint8_t *)s + round64(sizeof(*s));

	memset(s, 0, t->slot_size);
	s->id = sp->id;
	s->slot = slot;
	s->owner = (uint16_t)(sp->id % t->workers);
	snprintf(s->name, sizeof(s->name), "%s", sp->name);
	int rc = 0;
	for (int l = 0; l < DP_SIDES && rc == 0; l++) {
		struct dp_leg *leg = &s->leg[l];
		leg->local = sp->leg[l].local;
		leg->remote = sp->leg[l].remote;
		leg->latch = sp->leg[l].latch;
		leg->keys_pending = sp->leg[l].keys_pending;
		rc = direction_init(t, &leg->rx, &sp->leg[l].rx, SRE_INBOUND,
				    streams + (size_t)(2 * l) * t->ssrcs * per_stream,
				    why, whylen, l == DP_OUTSIDE ? "outside rx" : "inside rx");
		if (rc == 0)
			rc = direction_init(t, &leg->tx, &sp->leg[l].tx, SRE_OUTBOUND,
					    streams + (size_t)(2 * l + 1) * t->ssrcs * per_stream,
					    why, whylen,
					    l == DP_OUTSIDE ? "outside tx" : "inside tx");
		leg->protects = leg->tx.ctx != NULL;
		keys_shown_fill(&s->keys_shown[l][0], &sp->leg[l].rx);
		keys_shown_fill(&s->keys_shown[l][1], &sp->leg[l].tx);
	}
	if (rc != 0) {
		session_wipe(t, s);
		t->free_slots[t->nfree++] = slot;
		return DP_ADD_BAD_KEYS;
	}
	s->live = true;
	/* the session is complete before any worker can find it */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (rte_hash_add_key_data(t->by_id, &sp->id, (void *)(uintptr_t)slot) != 0) {
		s->live = false;
		session_wipe(t, s);
		t->free_slots[t->nfree++] = slot;
		snprintf(why, whylen, "session table full");
		return DP_ADD_FULL;
	}
	/* published last: a worker that finds the entry finds it whole */
	for (int l = 0; l < DP_SIDES; l++)
		__atomic_store_n(&t->flows[flow[l]], dp_flow_entry(slot, s->owner),
				 __ATOMIC_RELEASE);
	t->live++;
	return DP_ADD_OK;
}

struct dp_session *dp_session_find_id(const struct dp_session_table *t,
				      uint32_t id)
{
	void *data;
	if (rte_hash_lookup_data(t->by_id, &id, &data) < 0)
		return NULL;
	return dp_session_at(t, (uint32_t)(uintptr_t)data);
}

int dp_session_del(struct dp_session_table *t, uint32_t id)
{
	struct dp_session *s = dp_session_find_id(t, id);

	if (s == NULL)
		return -1;
	for (int l = 0; l < DP_SIDES; l++) {
		ssize_t f = flow_index_of(t, (uint8_t)l, &s->leg[l].local);
		if (f >= 0)
			__atomic_store_n(&t->flows[f], 0, __ATOMIC_RELEASE);
	}
	rte_hash_del_key(t->by_id, &id);
	s->live = false;
	t->live--;
	uint64_t e = s->slot;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &e) != 0) {
		/* the queue holds max_sessions entries: cannot be full */
		RTE_LOG(ERR, USER1, "sessions: defer queue refused slot %u\n", s->slot);
		return -1;
	}
	return 0;
}

void dp_session_reclaim(struct dp_session_table *t)
{
	rte_rcu_qsbr_dq_reclaim(t->dq, t->max_sessions, NULL, NULL, NULL);
}

void dp_session_synchronize(struct dp_session_table *t)
{
	rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
	dp_session_reclaim(t);
}
