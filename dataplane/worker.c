/*
 * The worker's poll loop. Each stage is a function over the whole burst:
 * classify (answering ARP/NS/echo in place), bulk session lookup, hand-off
 * of another worker's packets to their owner, RFC 7983 demux and source
 * checks, one unprotect burst, one protect burst for legs that re-key,
 * header rewrite, buffered transmit with a timed drain. No locks, no
 * allocation, no system call; every packet that does not leave is counted
 * by reason and freed.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "worker.h"

/* One received packet of a session, between the stages. */
struct dp_pkt {
	struct rte_mbuf *m;
	struct dp_session *s;
	struct sre_stream *st;      /* the stream it is unprotected or protected on */
	struct dp_endpoint src;     /* where it came from */
	uint16_t payload_off;       /* UDP payload, from the frame's start */
	uint16_t payload_len;
	uint8_t side;               /* where it arrived */
	uint8_t kind;               /* SRE_RTP / SRE_RTCP */
	int16_t tent;               /* tentative stream, or -1 */
};

/* A stream for an SSRC the session has not seen: it takes a slot only
 * once one of its packets authenticated. */
struct dp_tent {
	struct dp_direction *dir;
	uint32_t ssrc;
	bool ok;
	bool installed;
	struct sre_stream st;
};

static inline void drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_drop why)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

static inline bool endpoint_eq(const struct dp_endpoint *a,
			       const struct dp_endpoint *b)
{
	return a->port == b->port && a->addr.family == b->addr.family &&
	       memcmp(a->addr.bytes, b->addr.bytes,
		      a->addr.family == AF_INET ? 4 : 16) == 0;
}

/* m->port of a packet the control process gave us to send */
#define CONTROL_SEND_PORT (RTE_MBUF_PORT_INVALID - 1)

static inline void tx(struct dp_worker *w, uint8_t side, struct rte_mbuf *m)
{
	const struct dp_port_addrs *pa = &w->rt->port[side];
	w->stats.tx_packets[side]++;
	w->stats.tx_bytes[side] += rte_pktmbuf_pkt_len(m);
	rte_eth_tx_buffer(pa->port_id, w->queue, w->txb[side], m);
}

/* Packets the port did not take (its ring full): counted as tx_full, and
 * taken back out of what tx() counted as sent, so that out + dropped =
 * in (+ our own answers and solicitations). A forwarded packet still
 * carries the port it arrived on; an answer goes back where it came from;
 * the control process's packets are marked; a solicitation was made here
 * and has no receiving port. */
static void tx_unsent(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	const struct dp_tx_unsent *u = arg;
	struct dp_worker_stats *st = &u->w->stats;
	const struct dp_runtime *rt = u->w->rt;
	uint16_t here = rt->port[u->side].port_id, there = rt->port[!u->side].port_id;

	for (uint16_t i = 0; i < n; i++) {
		st->tx_packets[u->side]--;
		st->tx_bytes[u->side] -= rte_pktmbuf_pkt_len(pkts[i]);
		if (pkts[i]->port == there)
			st->forwarded[!u->side]--;
		else if (pkts[i]->port == here)
			st->answered--;
		else if (pkts[i]->port == CONTROL_SEND_PORT)
			st->from_control--;
		else
			st->solicits--;
	}
	st->drops[DP_DROP_TX_FULL] += n;
	rte_pktmbuf_free_bulk(pkts, n);
}

/* A new peer for the leg from the control process (see dp_leg.remote_gen):
 * the owner takes it before it reads the leg. */
static inline void leg_follow_remote(struct dp_session *s, uint8_t side)
{
	struct dp_leg *leg = &s->leg[side];
	uint8_t gen = __atomic_load_n(&leg->remote_gen, __ATOMIC_ACQUIRE);

	if (likely(gen == leg->remote_gen_seen))
		return;
	leg->remote = s->remote_next[side];
	leg->latched = true;
	leg->next_hop_known = false;
	__atomic_store_n(&leg->remote_gen_seen, gen, __ATOMIC_RELEASE);
}

/* The MAC of the next hop toward a leg's peer; asks for it when unknown
 * (at most ten times a second per leg). */
static bool leg_next_hop(struct dp_worker *w, struct dp_session *s,
			 uint8_t side, struct rte_ether_addr *mac, uint64_t now)
{
	struct dp_runtime *rt = w->rt;
	struct dp_leg *leg = &s->leg[side];
	const struct dp_port_addrs *pa = &rt->port[side];
	uint8_t hop[16];

	if (likely(leg->next_hop_known && now - leg->hop_checked_tsc < rt->tsc_hz)) {
		memcpy(mac, leg->next_hop_mac, 6);
		return true;
	}
	if (unlikely(rt->cfg->offline)) {
		/* a capture has no routes and no one to ask: a static
		 * neighbour for the peer, or zero MACs as loopback has */
		if (!dp_neigh_get(&rt->neigh, side, leg->remote.addr.family,
				  leg->remote.addr.bytes, mac))
			memset(mac, 0, sizeof(*mac));
		return true;
	}
	if (!dp_next_hop(pa, leg->remote.addr.family, leg->remote.addr.bytes, hop)) {
		w->stats.drops[DP_DROP_NO_ROUTE]++;
		return false;
	}
	if (dp_neigh_get(&rt->neigh, side, leg->remote.addr.family, hop, mac)) {
		memcpy(leg->next_hop_mac, mac, 6);
		leg->next_hop_known = true;
		leg->hop_checked_tsc = now;
		return true;
	}
	leg->next_hop_known = false;
	if (now - s->solicit_tsc[side] > rt->tsc_hz / 10) {
		struct rte_mbuf *q = rte_pktmbuf_alloc(rt->pool);
		s->solicit_tsc[side] = now;
		if (q != NULL) {
			dp_build_solicit(q, pa, leg->remote.addr.family, hop);
			w->stats.solicits++;
			tx(w, side, q);
		}
	}
	w->stats.drops[DP_DROP_NEIGHBOR]++;
	return false;
}

static struct sre_stream *dir_find(struct dp_direction *d, uint32_t ssrc)
{
	for (uint32_t i = 0; i < d->nssrc; i++)
		if (d->ssrc[i] == ssrc)
			return dp_dir_stream(d, i);
	return NULL;
}

static inline uint32_t packet_ssrc(const uint8_t *p, uint8_t kind)
{
	const uint8_t *q = p + (kind == SRE_RTCP ? 4 : 8);
	return ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
	       ((uint32_t)q[2] << 8) | q[3];
}

static inline uint32_t payload_room(const struct rte_mbuf *m, uint16_t off)
{
	return (uint32_t)(rte_pktmbuf_data_len(m) - off) + rte_pktmbuf_tailroom(m);
}

/* Sends what is ready: rewritten toward the other leg's peer. */
static void forward(struct dp_worker *w, struct dp_pkt *pk, unsigned n,
		    uint64_t now)
{
	struct dp_runtime *rt = w->rt;

	for (unsigned i = 0; i < n; i++) {
		struct dp_pkt *p = &pk[i];
		struct dp_session *s = p->s;
		uint8_t out = (uint8_t)(1 - p->side);
		struct dp_leg *leg = &s->leg[out];
		struct rte_ether_addr mac;

		leg_follow_remote(s, out);
		if (leg->latch && !leg->latched) {
			/* the peer has not spoken yet: nowhere to send */
			drop(w, p->m, DP_DROP_NO_ROUTE);
			continue;
		}
		if (!leg_next_hop(w, s, out, &mac, now)) {
			rte_pktmbuf_free(p->m);
			continue;
		}
		if (!dp_rewrite(p->m, p->payload_off, p->payload_len, &leg->local,
				&leg->remote, &rt->port[out].mac, &mac,
				rt->cfg->ttl, rt->csum_offload[out])) {
			drop(w, p->m, DP_DROP_NO_ROOM);
			continue;
		}
		s->traffic[out].tx_packets++;
		s->traffic[out].tx_bytes += p->payload_len;
		w->stats.forwarded[p->side]++;
		tx(w, out, p->m);
	}
}

/* An outbound SSRC the leg has no stream for yet: the stream is set up in
 * the next free slot and published only once one of its packets was
 * protected, so packets that fail cannot use slots up. */
struct dp_pend {
	struct dp_direction *dir;
	uint32_t ssrc;
	uint32_t slot;
	bool used;
};

/* Protects what leaves on a leg that carries SRTP; plain legs pass. */
static void protect_and_forward(struct dp_worker *w, struct dp_pkt *pk,
				unsigned n, uint64_t now)
{
	struct dp_session_table *t = w->rt->sessions;
	struct sre_packet sp[DP_BURST_MAX];
	struct dp_pkt prot[DP_BURST_MAX];
	int16_t pend_of[DP_BURST_MAX];
	struct dp_pend pend[DP_BURST_MAX];
	unsigned np = 0, nready = 0, npend = 0;

	/* pk[] is compacted in place to the packets that go on as they are;
	 * those to protect are copied out to prot[] */
	for (unsigned i = 0; i < n; i++) {
		struct dp_pkt *p = &pk[i];
		if (!p->s->leg[1 - p->side].protects) {
			pk[nready++] = *p;
			continue;
		}
		struct dp_direction *od = &p->s->leg[1 - p->side].tx;
		if (p->payload_len < (p->kind == SRE_RTCP ? 8 : 12)) {
			/* no SSRC to protect it under */
			drop(w, p->m, DP_DROP_MALFORMED);
			continue;
		}
		uint8_t *payload = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->payload_off);
		uint32_t ssrc = packet_ssrc(payload, p->kind);
		struct sre_stream *st = dir_find(od, ssrc);
		int16_t pidx = -1;
		if (st == NULL) {
			unsigned k, later = 0;
			for (k = 0; k < npend; k++) {
				if (pend[k].dir == od && pend[k].ssrc == ssrc)
					break;
				later += pend[k].dir == od;
			}
			if (k == npend) {
				uint32_t slot = od->nssrc + later;
				if (slot >= t->ssrcs ||
				    sre_stream_init(dp_dir_stream(od, slot), od->ctx, ssrc,
						    dp_dir_window(od, slot)) != SRE_OK) {
					drop(w, p->m, DP_DROP_SSRC_LIMIT);
					continue;
				}
				pend[npend++] = (struct dp_pend){.dir = od, .ssrc = ssrc,
								 .slot = slot};
			}
			st = dp_dir_stream(od, pend[k].slot);
			pidx = (int16_t)k;
		}
		sp[np] = (struct sre_packet){.data = payload, .len = p->payload_len,
					     .room = payload_room(p->m, p->payload_off),
					     .stream = st, .kind = p->kind};
		pend_of[np] = pidx;
		prot[np++] = *p;
	}
	if (np > 0)
		sre_protect_burst(w->engine, sp, np);
	for (unsigned j = 0; j < np; j++)
		if (sp[j].status == SRE_OK && pend_of[j] >= 0)
			pend[pend_of[j]].used = true;
	/* publish, in slot order, the new streams that protected something;
	 * one that did not leaves no hole: the next moves down into it */
	for (unsigned k = 0; k < npend; k++) {
		struct dp_direction *od = pend[k].dir;
		if (!pend[k].used)
			continue;
		uint32_t target = od->nssrc;
		if (target != pend[k].slot)
			sre_stream_copy(dp_dir_stream(od, target),
					dp_dir_stream(od, pend[k].slot),
					dp_dir_window(od, target));
		od->ssrc[target] = pend[k].ssrc;
		od->nssrc++;
	}
	for (unsigned j = 0; j < np; j++) {
		if (sp[j].status != SRE_OK) {
			w->stats.srtp[sp[j].status]++;
			prot[j].s->refusals[1 - prot[j].side].other_drops++;
			drop(w, prot[j].m, DP_DROP_SRTP);
			continue;
		}
		prot[j].payload_len = (uint16_t)sp[j].len;
		pk[nready++] = prot[j];
	}
	forward(w, pk, nready, now);
}

/* STUN and DTLS on a session's port go to the control process, with the
 * session and the addresses in front of the frame; at most exception_pps
 * a second per worker, so that a flood costs the fast path little and the
 * control process no more than it can take. Without a control process
 * they are dropped as before one existed. */
static void to_control(struct dp_worker *w, struct dp_pkt *p, uint8_t kind, uint64_t now)
{
	struct dp_runtime *rt = w->rt;

	if (__atomic_load_n(&rt->ctl_info->control_pid, __ATOMIC_RELAXED) == 0) {
		drop(w, p->m, kind == DP_CTL_PKT_STUN ? DP_DROP_STUN : DP_DROP_DTLS);
		return;
	}
	if (w->exc_tokens == 0) {
		uint64_t rate = rt->cfg->exception_pps, elapsed = now - w->exc_refill_tsc;
		if (elapsed > rt->tsc_hz)
			elapsed = rt->tsc_hz;
		uint64_t add = elapsed * rate / rt->tsc_hz, cap = rate / 10 + 1;
		if (add == 0) {
			drop(w, p->m, DP_DROP_CONTROL_RATE);
			return;
		}
		w->exc_tokens = add < cap ? add : cap;
		w->exc_refill_tsc = now;
	}
	w->exc_tokens--;
	struct dp_ctl_pkt_meta *meta =
		(struct dp_ctl_pkt_meta *)rte_pktmbuf_prepend(p->m, DP_CTL_META_LEN);
	if (meta == NULL) {
		drop(w, p->m, DP_DROP_NO_ROOM);
		return;
	}
	memset(meta, 0, DP_CTL_META_LEN);
	meta->session_id = p->s->id;
	meta->side = p->side;
	meta->kind = kind;
	meta->local = p->s->leg[p->side].local;
	meta->peer = p->src;
	if (rte_ring_mp_enqueue(rt->ctl_exc, p->m) != 0) {
		drop(w, p->m, DP_DROP_CONTROL_FULL);
		return;
	}
	w->stats.to_control++;
}

/* Worker 0: packets the control process wants sent (STUN answers, DTLS)
 * from a session's address on one side, to the leg's peer or to the
 * address given. */
static void control_sends(struct dp_worker *w, uint64_t now)
{
	struct dp_runtime *rt = w->rt;
	struct rte_mbuf *m[DP_CTL_HELD_MAX + 32];
	uint64_t until[DP_CTL_HELD_MAX + 32];
	unsigned n = w->nheld;

	/* the held ones first: they keep their order before the new ones */
	memcpy(m, w->held, n * sizeof(*m));
	memcpy(until, w->held_until, n * sizeof(*until));
	w->nheld = 0;
	unsigned k = rte_ring_dequeue_burst(rt->ctl_send, (void **)(m + n), 32, NULL);
	for (unsigned i = n; i < n + k; i++)
		until[i] = now + rt->tsc_hz / 50; /* 20 ms: a REPLACE's gap is far shorter */
	n += k;

	for (unsigned i = 0; i < n; i++) {
		if (rte_pktmbuf_data_len(m[i]) < DP_CTL_META_LEN || m[i]->nb_segs != 1) {
			drop(w, m[i], DP_DROP_CONTROL_SEND);
			continue;
		}
		struct dp_ctl_pkt_meta meta;
		memcpy(&meta, rte_pktmbuf_mtod(m[i], void *), sizeof(meta));
		int idx = meta.side < DP_SIDES
				  ? dp_port_addr_index(&rt->port[meta.side], &meta.local.addr) : -1;
		uint32_t e = idx < 0 ? 0
				     : __atomic_load_n(&rt->sessions->flows[dp_flow_index(
							       meta.side, meta.local.addr.family,
							       (unsigned)idx, meta.local.port)],
						       __ATOMIC_ACQUIRE);
		struct dp_session *s = e ? dp_session_at(rt->sessions, dp_flow_slot(e)) : NULL;
		if (s == NULL || s->id != meta.session_id) {
			if (idx >= 0 && now < until[i] && w->nheld < DP_CTL_HELD_MAX) {
				w->held[w->nheld] = m[i];
				w->held_until[w->nheld++] = until[i];
			} else {
				drop(w, m[i], DP_DROP_CONTROL_SEND);
			}
			continue;
		}
		struct dp_leg *leg = &s->leg[meta.side];
		const struct dp_endpoint *to = meta.peer.addr.family ? &meta.peer : &leg->remote;
		const struct dp_port_addrs *pa = &rt->port[meta.side];
		struct rte_ether_addr mac;
		uint8_t hop[16];
		/* the leg's peer may not be known yet (latching), and an ICE
		 * check may come from elsewhere: the neighbour table decides */
		if ((to == &leg->remote && leg->latch && !leg->latched) ||
		    !dp_next_hop(pa, to->addr.family, to->addr.bytes, hop) ||
		    !dp_neigh_get(&rt->neigh, meta.side, to->addr.family, hop, &mac)) {
			drop(w, m[i], DP_DROP_CONTROL_SEND);
			continue;
		}
		uint16_t len = (uint16_t)(rte_pktmbuf_data_len(m[i]) - DP_CTL_META_LEN);
		if (!dp_rewrite(m[i], DP_CTL_META_LEN, len, &leg->local, to, &pa->mac, &mac,
				rt->cfg->ttl, rt->csum_offload[meta.side])) {
			drop(w, m[i], DP_DROP_NO_ROOM);
			continue;
		}
		m[i]->port = CONTROL_SEND_PORT;
		w->stats.from_control++;
		tx(w, meta.side, m[i]);
	}
	(void)now;
}

static void count_srtp_drop(struct dp_worker *w, struct dp_pkt *p, uint8_t st)
{
	struct dp_leg_refusals *c = &p->s->refusals[p->side];

	w->stats.srtp[st]++;
	if (st == SRE_ERR_AUTH_FAIL)
		c->auth_fail++;
	else if (st == SRE_ERR_REPLAY_DUPLICATE || st == SRE_ERR_REPLAY_TOO_OLD)
		c->replay++;
	else
		c->other_drops++;
	drop(w, p->m, DP_DROP_SRTP);
}

/* Sessions found: demux, source checks, streams, unprotect. */
static void process_sessions(struct dp_worker *w, struct dp_pkt *pk, unsigned n,
			     uint64_t now)
{
	struct dp_session_table *t = w->rt->sessions;
	struct sre_packet up[DP_BURST_MAX];
	struct dp_pkt upk[DP_BURST_MAX];
	struct dp_tent tent[DP_BURST_MAX];
	unsigned nu = 0, nready = 0, ntent = 0;

	for (unsigned i = 0; i < n; i++) {
		struct dp_pkt *p = &pk[i];
		struct dp_leg *leg = &p->s->leg[p->side];
		uint8_t *payload = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->payload_off);

		leg_follow_remote(p->s, p->side);
		switch (dp_demux(payload, p->payload_len)) {
		case DP_DEMUX_RTP:
			p->kind = SRE_RTP;
			break;
		case DP_DEMUX_RTCP:
			p->kind = SRE_RTCP;
			break;
		case DP_DEMUX_STUN:
			to_control(w, p, DP_CTL_PKT_STUN, now);
			continue;
		case DP_DEMUX_DTLS:
			to_control(w, p, DP_CTL_PKT_DTLS, now);
			continue;
		default:
			drop(w, p->m, DP_DROP_NOT_RTP);
			continue;
		}
		/* no keys yet on either leg (DTLS running): nothing passes,
		 * least of all in clear */
		if (unlikely(leg->keys_pending || p->s->leg[1 - p->side].keys_pending)) {
			drop(w, p->m, DP_DROP_KEYS_PENDING);
			continue;
		}
		/* a latching leg takes its peer from authenticated packets
		 * only (below); any other must come from its peer */
		if (!leg->latch && !endpoint_eq(&p->src, &leg->remote)) {
			drop(w, p->m, DP_DROP_UNEXPECTED_SOURCE);
			continue;
		}
		struct dp_direction *d = &leg->rx;
		if (d->ctx == NULL) {
			/* plain RTP arriving: straight on, once it is intact
			 * (it leaves authenticated: damage must not) */
			if (unlikely(!dp_udp_checksum_ok(p->m, p->src.addr.family,
							 p->payload_off))) {
				drop(w, p->m, DP_DROP_BAD_CHECKSUM);
				continue;
			}
			p->s->traffic[p->side].rx_packets++;
			p->s->traffic[p->side].rx_bytes += p->payload_len;
			pk[nready++] = *p;
			continue;
		}
		if (p->payload_len < (p->kind == SRE_RTCP ? 8 : 12)) {
			drop(w, p->m, DP_DROP_MALFORMED);
			continue;
		}
		uint32_t ssrc = packet_ssrc(payload, p->kind);
		struct sre_stream *st = dir_find(d, ssrc);
		p->tent = -1;
		if (st == NULL) {
			unsigned k;
			for (k = 0; k < ntent; k++)
				if (tent[k].dir == d && tent[k].ssrc == ssrc)
					break;
			if (k == ntent) {
				uint64_t *win = w->tentative_windows
					? w->tentative_windows +
						  (size_t)k * (t->stream_stride / 8)
					: NULL;
				tent[k] = (struct dp_tent){.dir = d, .ssrc = ssrc};
				if (sre_stream_init(&tent[k].st, d->ctx, ssrc, win) != SRE_OK) {
					drop(w, p->m, DP_DROP_SSRC_LIMIT);
					continue;
				}
				ntent++;
			}
			st = &tent[k].st;
			p->tent = (int16_t)k;
		}
		p->st = st;
		up[nu] = (struct sre_packet){.data = payload, .len = p->payload_len,
					     .room = payload_room(p->m, p->payload_off),
					     .stream = st, .kind = p->kind};
		upk[nu++] = *p;
	}
	if (nu > 0)
		sre_unprotect_burst(w->engine, up, nu);

	/* New SSRCs that authenticated take a slot now; their packets go on
	 * only if they got one (a stream without a slot would lose its
	 * replay state with the burst). */
	for (unsigned k = 0; k < ntent; k++)
		tent[k].ok = false;
	for (unsigned j = 0; j < nu; j++)
		if (up[j].status == SRE_OK && upk[j].tent >= 0)
			tent[upk[j].tent].ok = true;
	for (unsigned k = 0; k < ntent; k++) {
		struct dp_direction *d = tent[k].dir;
		if (!tent[k].ok || d->nssrc >= t->ssrcs)
			continue;
		uint32_t slot = d->nssrc;
		if (sre_stream_copy(dp_dir_stream(d, slot), &tent[k].st,
				    dp_dir_window(d, slot)) != SRE_OK)
			continue;
		d->ssrc[slot] = tent[k].ssrc;
		d->nssrc++;
		tent[k].installed = true;
	}
	for (unsigned j = 0; j < nu; j++) {
		struct dp_pkt *p = &upk[j];
		if (up[j].status != SRE_OK) {
			count_srtp_drop(w, p, up[j].status);
			continue;
		}
		if (p->tent >= 0 && !tent[p->tent].installed) {
			drop(w, p->m, DP_DROP_SSRC_LIMIT);
			continue;
		}
		struct dp_leg *leg = &p->s->leg[p->side];
		if (leg->latch && (!leg->latched || !endpoint_eq(&p->src, &leg->remote))) {
			leg->remote = p->src;
			leg->latched = true;
			leg->next_hop_known = false;
			w->stats.latched++;
		}
		p->payload_len = (uint16_t)up[j].len;
		p->s->traffic[p->side].rx_packets++;
		p->s->traffic[p->side].rx_bytes += p->payload_len;
		pk[nready++] = *p;
	}
	protect_and_forward(w, pk, nready, now);
}

/* A burst received on `side`: classify, look sessions up, go on. */
static void process_burst(struct dp_worker *w, uint8_t side,
			  struct rte_mbuf **mbufs, unsigned n, uint64_t now)
{
	struct dp_runtime *rt = w->rt;
	struct dp_session_table *t = rt->sessions;
	struct dp_pkt pk[DP_BURST_MAX];
	const uint32_t *flow[DP_BURST_MAX];
	unsigned nk = 0;

	/* headers arrive from another core or the NIC: ask for all at once */
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(mbufs[i], void *));
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = mbufs[i];
		struct dp_udp_info u;
		enum dp_drop why = DP_DROP_MALFORMED;
		struct dp_learn learn;
		bool learnt;

		switch (dp_classify(m, &rt->port[side], &u, &why, &learn, &learnt)) {
		case DP_CLASS_UDP:
			break;
		case DP_CLASS_ANSWERED:
			w->stats.answered++;
			tx(w, side, m);
			goto learnt_check;
		case DP_CLASS_CONSUMED:
			rte_pktmbuf_free(m);
			goto learnt_check;
		default:
			drop(w, m, why);
			goto learnt_check;
		}
		pk[nk] = (struct dp_pkt){.m = m, .payload_off = u.payload_off,
					 .payload_len = u.payload_len, .side = side};
		pk[nk].src.addr.family = u.family;
		memcpy(pk[nk].src.addr.bytes, u.src_addr, u.family == AF_INET ? 4 : 16);
		pk[nk].src.port = rte_be_to_cpu_16(u.sport_be);
		flow[nk] = &t->flows[dp_flow_index(side, u.family, u.addr_idx,
						   rte_be_to_cpu_16(u.dport_be))];
		rte_prefetch0(flow[nk]);
		nk++;
		continue;
learnt_check:
		if (learnt)
			rte_ring_enqueue_elem(rt->learn, &learn, sizeof(learn));
	}

	unsigned ns = 0;
	for (unsigned i = 0; i < nk; i++) {
		struct dp_pkt *p = &pk[i];
		uint32_t e = __atomic_load_n(flow[i], __ATOMIC_ACQUIRE);
		if (e == 0) {
			drop(w, p->m, DP_DROP_NO_SESSION);
			continue;
		}
		/* a session deleted since the load stays readable until this
		 * worker's next quiescent state (RCU) */
		uint16_t owner = dp_flow_owner(e);
		if (owner != w->idx) {
			/* one writer per stream: its owner, which tells the side
			 * by the port (not every PMD sets it) */
			p->m->port = rt->port[side].port_id;
			if (rte_ring_enqueue(rt->handoff[owner], p->m) != 0)
				drop(w, p->m, DP_DROP_HANDOFF_FULL);
			else
				w->stats.handoffs++;
			continue;
		}
		p->s = dp_session_at(t, dp_flow_slot(e));
		pk[ns++] = *p;
	}
	/* the four session lines each packet will read, for the whole burst,
	 * while the first ones are worked on */
	for (unsigned i = 0; i < ns; i++) {
		const struct dp_session *s = pk[i].s;
		rte_prefetch0(&s->leg[pk[i].side]);
		rte_prefetch0(&s->leg[pk[i].side].rx);
		rte_prefetch0(&s->leg[1 - pk[i].side]);
		rte_prefetch0(s->traffic);
	}
	if (ns > 0)
		process_sessions(w, pk, ns, now);
}

/* Up to `burst` packets, asked for 32 at a time: what PMDs are tuned for
 * (vector paths take 32; memif's zero-copy receive starves its ring when
 * asked for more at once). */
static inline uint16_t rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs,
				uint32_t burst)
{
	uint16_t n = 0;

	while (n < burst) {
		uint16_t want = (uint16_t)(burst - n < 32 ? burst - n : 32);
		uint16_t got = rte_eth_rx_burst(port, queue, mbufs + n, want);
		n = (uint16_t)(n + got);
		if (got < want)
			break;
	}
	return n;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_runtime *rt = w->rt;
	struct rte_rcu_qsbr *qsbr = rt->sessions->qsbr;
	struct rte_mbuf *mbufs[DP_BURST_MAX];
	uint32_t burst = rt->cfg->burst;
	uint64_t last_drain = rte_rdtsc();

	rte_rcu_qsbr_thread_register(qsbr, w->idx);
	rte_rcu_qsbr_thread_online(qsbr, w->idx);
	while (!rt->quit) {
		uint64_t now = rte_rdtsc();
		unsigned got = 0;

		for (uint8_t side = 0; w->polls_rx && side < DP_SIDES; side++) {
			uint16_t n = rx_burst(rt->port[side].port_id, w->queue, mbufs, burst);
			if (n > 0) {
				w->stats.rx_packets[side] += n;
				for (uint16_t i = 0; i < n; i++)
					w->stats.rx_bytes[side] += rte_pktmbuf_pkt_len(mbufs[i]);
				process_burst(w, side, mbufs, n, now);
				got += n;
			}
		}
		/* packets other workers received for our sessions */
		unsigned h = rte_ring_dequeue_burst(rt->handoff[w->idx], (void **)mbufs,
						    burst, NULL);
		for (unsigned i = 0; i < h;) {
			/* keep the ring's order; each run of one side is a burst */
			uint16_t port = mbufs[i]->port;
			unsigned j = i;
			while (j < h && mbufs[j]->port == port)
				j++;
			uint8_t side = port == rt->port[DP_OUTSIDE].port_id ? DP_OUTSIDE
									   : DP_INSIDE;
			process_burst(w, side, mbufs + i, j - i, now);
			i = j;
		}
		got += h;
		if (w->idx == 0 && rt->ctl_send != NULL &&
		    (w->nheld > 0 || !rte_ring_empty(rt->ctl_send)))
			control_sends(w, now);
		if (now - last_drain > rt->drain_tsc) {
			rte_eth_tx_buffer_flush(rt->port[DP_OUTSIDE].port_id, w->queue,
						w->txb[DP_OUTSIDE]);
			rte_eth_tx_buffer_flush(rt->port[DP_INSIDE].port_id, w->queue,
						w->txb[DP_INSIDE]);
			last_drain = now;
		}
		if (got) {
			w->stats.busy_polls++;
			/* the worker's load: cycles of polls that found work */
			w->stats.busy_cycles += rte_rdtsc() - now;
		} else {
			w->stats.idle_polls++;
		}
		rte_rcu_qsbr_quiescent(qsbr, w->idx);
	}
	for (int side = 0; side < DP_SIDES; side++)
		rte_eth_tx_buffer_flush(rt->port[side].port_id, w->queue, w->txb[side]);
	for (unsigned i = 0; i < w->nheld; i++)
		drop(w, w->held[i], DP_DROP_CONTROL_SEND);
	w->nheld = 0;
	rte_rcu_qsbr_thread_offline(qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(qsbr, w->idx);
	return 0;
}

int dp_worker_init(struct dp_worker *w, struct dp_runtime *rt, unsigned idx,
		   unsigned lcore, uint16_t queue, bool polls_rx)
{
	memset(w, 0, sizeof(*w));
	w->idx = idx;
	w->lcore = lcore;
	w->queue = queue;
	w->polls_rx = polls_rx;
	w->rt = rt;
	if (sre_engine_create(SRE_ARCH_AUTO, &w->engine) != SRE_OK)
		return -1;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	for (int side = 0; side < DP_SIDES; side++) {
		w->txb[side] = rte_zmalloc_socket("tx_buffer",
						  RTE_ETH_TX_BUFFER_SIZE(DP_BURST_MAX),
						  0, socket);
		if (w->txb[side] == NULL ||
		    rte_eth_tx_buffer_init(w->txb[side], rt->cfg->burst) != 0)
			return -1;
		w->unsent[side].w = w;
		w->unsent[side].side = (uint8_t)side;
		rte_eth_tx_buffer_set_err_callback(w->txb[side], tx_unsent,
						   &w->unsent[side]);
	}
	if (rt->sessions->stream_stride > sizeof(struct sre_stream)) {
		w->tentative_windows = rte_zmalloc_socket(
			"tentative_windows",
			(size_t)DP_BURST_MAX * rt->sessions->stream_stride, 64, socket);
		if (w->tentative_windows == NULL)
			return -1;
	}
	return 0;
}

void dp_worker_fini(struct dp_worker *w)
{
	for (int side = 0; side < DP_SIDES; side++)
		rte_free(w->txb[side]);
	rte_free(w->tentative_windows);
	sre_engine_destroy(w->engine);
	memset(w, 0, sizeof(*w));
}
