/*
 * The main job's load generator (see demo.h). It plays both far ends of
 * every session: the SRTP endpoint beyond the outside port and the media
 * server beyond the inside port, each with its own crypto/ contexts, so
 * every packet the dataplane forwards is checked end to end.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "demo.h"

#define DEMO_RING 4096
#define DEMO_HDR (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		  sizeof(struct rte_udp_hdr))
#define DEMO_OUT_PORT0 20000   /* our outside ports: 20000 + i */
#define DEMO_IN_PORT0 20000    /* our inside ports */
#define DEMO_PEER_PORT0 30000  /* the endpoints' and media server's ports */

struct dp_demo_session {
	uint32_t id;
	struct dp_endpoint out_local, out_remote, in_local, in_remote;
	uint32_t ssrc_out, ssrc_in;
	uint16_t seq_out, seq_in;
	struct sre_ctx *tx;      /* the endpoint sends with the outside rx keys */
	struct sre_ctx *rx;      /* ... and receives with the outside tx keys */
	struct sre_stream tx_st, rx_st;
};

int dp_demo_create_ports(struct dp_demo *d, const struct dp_demo_cfg *cfg,
			 int socket)
{
	static const char *names[DP_SIDES] = {"ring_outside", "ring_inside"};
	char rn[32];

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	for (int s = 0; s < DP_SIDES; s++) {
		snprintf(rn, sizeof(rn), "demo_to_%d", s);
		d->to_port[s] = rte_ring_create(rn, DEMO_RING, socket,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "demo_from_%d", s);
		d->from_port[s] = rte_ring_create(rn, DEMO_RING, socket,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (d->to_port[s] == NULL || d->from_port[s] == NULL)
			return -1;
		int id = rte_eth_from_rings(names[s], &d->to_port[s], 1,
					    &d->from_port[s], 1, (unsigned)socket);
		if (id < 0)
			return -1;
		d->port_id[s] = (uint16_t)id;
	}
	return 0;
}

static void random_keys(struct dp_srtp_keys *k, uint8_t suite)
{
	k->suite = suite;
	k->nkeys = 1;
	for (unsigned i = 0; i < sizeof(k->keys[0].key); i += 8) {
		uint64_t r = rte_rand();
		memcpy(k->keys[0].key + i, &r, 8);
	}
	uint64_t r1 = rte_rand(), r2 = rte_rand();
	memcpy(k->keys[0].salt, &r1, 8);
	memcpy(k->keys[0].salt + 8, &r2, 6);
}

/* A context of the far end with the keys of one direction. */
static struct sre_ctx *far_ctx(struct sre_engine *e, const struct dp_srtp_keys *k,
			       enum sre_direction dir)
{
	struct sre_policy pol;
	struct sre_ctx *ctx;
	enum sre_suite suite = (enum sre_suite)k->suite;

	sre_policy_init(&pol, suite, dir);
	pol.replay_window = 128;
	if (sre_ctx_create(&pol, NULL, &ctx) != SRE_OK)
		return NULL;
	if (sre_ctx_add_key(e, ctx, k->keys[0].key, sre_suite_master_key_len(suite),
			    k->keys[0].salt, sre_suite_master_salt_len(suite),
			    NULL) != SRE_OK) {
		sre_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

static void ipv4_of(struct dp_endpoint *ep, uint32_t host_order_addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.family = AF_INET;
	uint32_t be = rte_cpu_to_be_32(host_order_addr);
	memcpy(ep->addr.bytes, &be, 4);
	ep->port = port;
}

int dp_demo_start(struct dp_demo *d, struct dp_runtime *rt)
{
	const struct dp_config *cfg = rt->cfg;
	uint32_t out_ip, in_ip;

	d->rt = rt;
	d->nsessions = d->cfg->sessions;
	if (cfg->port[DP_OUTSIDE].nipv4 == 0 || cfg->port[DP_INSIDE].nipv4 == 0) {
		fprintf(stderr, "srtpedge: the demo runs over IPv4: give both ports an ipv4\n");
		return -1;
	}
	if (d->nsessions > 65535 - DEMO_PEER_PORT0) {
		fprintf(stderr, "srtpedge: the demo holds at most %d sessions\n",
			65535 - DEMO_PEER_PORT0);
		return -1;
	}
	if (sre_engine_create(SRE_ARCH_AUTO, &d->engine) != SRE_OK)
		return -1;
	d->s = rte_zmalloc("demo_sessions", (size_t)d->nsessions * sizeof(*d->s), 64);
	if (d->s == NULL)
		return -1;
	memcpy(&out_ip, cfg->port[DP_OUTSIDE].ipv4[0].addr.bytes, 4);
	memcpy(&in_ip, cfg->port[DP_INSIDE].ipv4[0].addr.bytes, 4);
	out_ip = rte_be_to_cpu_32(out_ip);
	in_ip = rte_be_to_cpu_32(in_ip);

	for (uint32_t i = 0; i < d->nsessions; i++) {
		struct dp_demo_session *ds = &d->s[i];
		struct dp_session_spec sp;
		char why[128];

		memset(&sp, 0, sizeof(sp));
		sp.id = DP_DEMO_ID0 + i;
		snprintf(sp.name, sizeof(sp.name), "demo-%u", i);
		/* peers beyond the gateways: 198.18.x.y outside, 198.19.x.y inside */
		ipv4_of(&sp.leg[DP_OUTSIDE].local, out_ip, (uint16_t)(DEMO_OUT_PORT0 + i % 10000));
		ipv4_of(&sp.leg[DP_OUTSIDE].remote, 0xc6120000u + i, (uint16_t)(DEMO_PEER_PORT0 + i));
		ipv4_of(&sp.leg[DP_INSIDE].local, in_ip, (uint16_t)(DEMO_IN_PORT0 + i % 10000));
		ipv4_of(&sp.leg[DP_INSIDE].remote, 0xc6130000u + i, (uint16_t)(DEMO_PEER_PORT0 + i));
		/* more than 10,000 sessions share local ports across addresses
		 * they do not have: keep them apart by port instead */
		if (d->nsessions > 10000) {
			sp.leg[DP_OUTSIDE].local.port = (uint16_t)(1024 + i);
			sp.leg[DP_INSIDE].local.port = (uint16_t)(1024 + i);
		}
		random_keys(&sp.leg[DP_OUTSIDE].rx, d->cfg->suite);
		random_keys(&sp.leg[DP_OUTSIDE].tx, d->cfg->suite);
		sp.leg[DP_INSIDE].rx.suite = DP_SUITE_NONE;
		sp.leg[DP_INSIDE].tx.suite = DP_SUITE_NONE;
		if (dp_session_add(rt->sessions, &sp, why, sizeof(why)) != 0) {
			fprintf(stderr, "srtpedge: demo session %u: %s\n", i, why);
			return -1;
		}
		ds->id = sp.id;
		ds->out_local = sp.leg[DP_OUTSIDE].local;
		ds->out_remote = sp.leg[DP_OUTSIDE].remote;
		ds->in_local = sp.leg[DP_INSIDE].local;
		ds->in_remote = sp.leg[DP_INSIDE].remote;
		ds->ssrc_out = 0x10000000u + i;
		ds->ssrc_in = 0x20000000u + i;
		ds->seq_out = (uint16_t)rte_rand();
		ds->seq_in = (uint16_t)rte_rand();
		ds->tx = far_ctx(d->engine, &sp.leg[DP_OUTSIDE].rx, SRE_OUTBOUND);
		ds->rx = far_ctx(d->engine, &sp.leg[DP_OUTSIDE].tx, SRE_INBOUND);
		explicit_bzero(&sp, sizeof(sp));
		if (ds->tx == NULL || ds->rx == NULL ||
		    sre_stream_init(&ds->tx_st, ds->tx, ds->ssrc_out, NULL) != SRE_OK ||
		    sre_stream_init(&ds->rx_st, ds->rx, ds->ssrc_in, NULL) != SRE_OK)
			return -1;
	}
	d->last_tsc = rte_rdtsc();
	return 0;
}

static void fill_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc, uint32_t payload)
{
	p[0] = 0x80;
	p[1] = 0; /* PCMU */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	uint32_t ts = rte_cpu_to_be_32((uint32_t)seq * 160u);
	uint32_t ss = rte_cpu_to_be_32(ssrc);
	memcpy(p + 4, &ts, 4);
	memcpy(p + 8, &ss, 4);
	for (uint32_t j = 0; j < payload; j++)
		p[12 + j] = (uint8_t)(seq * 7u + j + ssrc);
}

static bool check_rtp(const uint8_t *p, uint32_t len, uint32_t ssrc, uint32_t payload)
{
	if (len != 12 + payload || (p[0] & 0xc0) != 0x80)
		return false;
	uint32_t ss;
	memcpy(&ss, p + 8, 4);
	if (rte_be_to_cpu_32(ss) != ssrc)
		return false;
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	for (uint32_t j = 0; j < payload; j++)
		if (p[12 + j] != (uint8_t)(seq * 7u + j + ssrc))
			return false;
	return true;
}

/* The generator sends as the gateway: the first static neighbour. */
static struct rte_ether_addr gateway_mac(const struct dp_config *cfg, int side)
{
	struct rte_ether_addr mac;
	const struct dp_port_cfg *p = &cfg->port[side];
	memset(&mac, 0, sizeof(mac));
	if (p->nneighbors)
		memcpy(&mac, p->neighbors[0].mac, sizeof(mac));
	return mac;
}

/* One packet of one session in one direction, maybe spoiled on purpose. */
static struct rte_mbuf *make_packet(struct dp_demo *d, struct dp_demo_session *ds,
				    int dir, int *spoil)
{
	struct dp_runtime *rt = d->rt;
	uint32_t payload = d->cfg->payload;
	struct rte_mbuf *m = rte_pktmbuf_alloc(rt->pool);
	if (m == NULL)
		return NULL;
	uint8_t *start = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DEMO_HDR + 12 + payload));
	if (start == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	uint8_t *rtp = start + DEMO_HDR;
	uint32_t len = 12 + payload;
	int side = dir == 0 ? DP_OUTSIDE : DP_INSIDE;

	if (dir == 0) {
		fill_rtp(rtp, ds->seq_out++, ds->ssrc_out, payload);
		struct sre_packet sp = {.data = rtp, .len = len,
					.room = len + rte_pktmbuf_tailroom(m),
					.stream = &ds->tx_st, .kind = SRE_RTP};
		if (sre_protect_burst(d->engine, &sp, 1) != 1) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		len = sp.len;
		*spoil = 0;
		if (d->cfg->bad_per_mille && rte_rand_max(1000) < d->cfg->bad_per_mille) {
			*spoil = 1 + (int)rte_rand_max(3);
			if (*spoil == 1)
				rtp[len - 1] ^= 0x55;   /* forged: the tag fails */
			else if (*spoil == 3)
				len = 5;                /* truncated: not even a header */
			/* 2: sent twice; the copy must be a replay */
		}
	} else {
		fill_rtp(rtp, ds->seq_in++, ds->ssrc_in, payload);
		*spoil = 0;
	}
	const struct dp_endpoint *from = dir == 0 ? &ds->out_remote : &ds->in_remote;
	const struct dp_endpoint *to = dir == 0 ? &ds->out_local : &ds->in_local;
	struct rte_ether_addr gw = gateway_mac(rt->cfg, side);
	dp_rewrite(m, DEMO_HDR, (uint16_t)len, from, to, &gw, &rt->port[side].mac,
		   64, false);
	return m;
}

/* Takes everything the ports sent: the generator stands for the networks
 * beyond them, and a network that stops reading would make the dataplane
 * drop (tx_full) what it forwarded correctly. */
static void check_output(struct dp_demo *d)
{
	struct rte_mbuf *m[64];

	for (int side = 0; side < DP_SIDES; side++) {
		unsigned n;
		while ((n = rte_ring_dequeue_burst(d->from_port[side], (void **)m, 64,
						   NULL)) > 0)
		for (unsigned i = 0; i < n; i++) {
			uint8_t *f = rte_pktmbuf_mtod(m[i], uint8_t *);
			uint32_t flen = rte_pktmbuf_data_len(m[i]);
			const struct rte_ether_hdr *eth = (const void *)f;
			/* what leaves inside came from outside: direction 0 */
			int dir = side == DP_INSIDE ? 0 : 1;
			if (flen < DEMO_HDR ||
			    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
				d->seen_other++;
				rte_pktmbuf_free(m[i]);
				continue;
			}
			const struct rte_udp_hdr *udp =
				(const void *)(f + sizeof(*eth) + sizeof(struct rte_ipv4_hdr));
			uint32_t k = (uint32_t)rte_be_to_cpu_16(udp->dst_port) - DEMO_PEER_PORT0;
			uint8_t *rtp = f + DEMO_HDR;
			uint32_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
			bool ok = k < d->nsessions && DEMO_HDR + len <= flen;
			if (ok && dir == 1) {
				struct sre_packet sp = {.data = rtp, .len = len, .room = len,
							.stream = &d->s[k].rx_st,
							.kind = SRE_RTP};
				ok = sre_unprotect_burst(d->engine, &sp, 1) == 1;
				len = sp.len;
			}
			if (ok)
				ok = check_rtp(rtp, len, dir == 0 ? d->s[k].ssrc_out
								  : d->s[k].ssrc_in,
					       d->cfg->payload);
			if (ok)
				d->received[dir]++;
			else
				d->mismatched[dir]++;
			rte_pktmbuf_free(m[i]);
		}
	}
}

void dp_demo_poll(struct dp_demo *d, uint64_t now)
{
	uint64_t hz = d->rt->tsc_hz;

	check_output(d);

	d->credit_milli += (now - d->last_tsc) * (uint64_t)d->cfg->pps * 1000 / hz;
	d->last_tsc = now;
	uint64_t want = d->credit_milli / 1000;
	if (want > 256)
		want = 256; /* a late poll does not flood the rings */
	d->credit_milli -= want * 1000;
	if (d->credit_milli > 256000)
		d->credit_milli = 0;

	/* up to 256 packets, each with a possible replayed copy, all on one
	 * side in the worst case */
	struct rte_mbuf *batch[DP_SIDES][2 * 256];
	/* what each packet is, counted once the port took it */
	enum { GOOD, FORGED, TRUNCATED, REPLAYED } what[DP_SIDES][2 * 256];
	unsigned nb[DP_SIDES] = {0, 0};
	for (uint64_t i = 0; i < want; i++) {
		struct dp_demo_session *ds = &d->s[d->next % d->nsessions];
		int dir = (int)(d->next / d->nsessions) & 1;
		int spoil = 0;
		int side = dir == 0 ? DP_OUTSIDE : DP_INSIDE;
		d->next++;
		struct rte_mbuf *m = make_packet(d, ds, dir, &spoil);
		if (m == NULL)
			break;
		what[side][nb[side]] = spoil == 1 ? FORGED : spoil == 3 ? TRUNCATED : GOOD;
		batch[side][nb[side]++] = m;
		if (spoil == 2) {
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, d->rt->pool, 0, UINT32_MAX);
			if (copy) {
				what[side][nb[side]] = REPLAYED;
				batch[side][nb[side]++] = copy;
			}
		}
	}
	for (int s = 0; s < DP_SIDES; s++) {
		unsigned done = rte_ring_enqueue_burst(d->to_port[s], (void **)batch[s],
						       nb[s], NULL);
		for (unsigned i = 0; i < done; i++) {
			switch (what[s][i]) {
			case GOOD: d->sent[s == DP_OUTSIDE ? 0 : 1]++; break;
			case FORGED: d->forged++; break;
			case TRUNCATED: d->truncated++; break;
			case REPLAYED: d->replayed++; break;
			}
		}
		/* a full ring is the dataplane falling behind: not offered,
		 * not counted as sent */
		d->not_offered += nb[s] - done;
		for (unsigned i = done; i < nb[s]; i++)
			rte_pktmbuf_free(batch[s][i]);
	}
	check_output(d);
}

void dp_demo_drain(struct dp_demo *d)
{
	uint64_t until = rte_rdtsc() + d->rt->tsc_hz / 5;
	while (rte_rdtsc() < until)
		check_output(d);
}

void dp_demo_print_summary(const struct dp_demo *d, FILE *f)
{
	fprintf(f, "srtpedge: demo: %u sessions, %s, %u-byte payloads\n", d->nsessions,
		sre_suite_name((enum sre_suite)d->cfg->suite), d->cfg->payload);
	fprintf(f, "srtpedge: demo: outside->inside: %" PRIu64 " SRTP packets sent, "
		   "%" PRIu64 " arrived inside as the RTP sent, %" PRIu64 " wrong\n",
		d->sent[0], d->received[0], d->mismatched[0]);
	fprintf(f, "srtpedge: demo: inside->outside: %" PRIu64 " RTP packets sent, "
		   "%" PRIu64 " arrived outside as SRTP that decrypts to them, %" PRIu64
		   " wrong\n", d->sent[1], d->received[1], d->mismatched[1]);
	fprintf(f, "srtpedge: demo: spoilt on purpose: %" PRIu64 " forged, %" PRIu64
		   " replayed, %" PRIu64 " truncated\n",
		d->forged, d->replayed, d->truncated);
	if (d->not_offered)
		fprintf(f, "srtpedge: demo: %" PRIu64 " packets not offered: the ports' "
			   "rings were full (the dataplane fell behind)\n", d->not_offered);
	fflush(f);
}

void dp_demo_stop(struct dp_demo *d)
{
	for (uint32_t i = 0; d->s && i < d->nsessions; i++) {
		sre_ctx_destroy(d->s[i].tx);
		sre_ctx_destroy(d->s[i].rx);
	}
	rte_free(d->s);
	d->s = NULL;
	sre_engine_destroy(d->engine);
	d->engine = NULL;
}
