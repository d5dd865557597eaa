/*
 * Bursts that mix suites, contexts, streams, SRTP and SRTCP, and good and bad
 * packets: every packet's status, length and bytes must be what the same
 * packet gets when processed alone (one call per packet, same order) by a
 * twin receiver or sender, the return value must count the OK packets, and
 * both twins must end in the same state. Sizes run past the internal chunk
 * of 128 packets.
 */
#include <stdlib.h>

#include "unit_util.h"

static const struct assoc_def {
	enum sre_suite suite;
	uint8_t mki_len;
	uint32_t window;
	unsigned nstreams;
} defs[] = {
	{SRE_AES_CM_128_HMAC_SHA1_80, 0, 64, 3},
	{SRE_AES_CM_128_HMAC_SHA1_32, 2, 128, 2},
	{SRE_AES_256_CM_HMAC_SHA1_80, 4, 1000, 2},
	{SRE_AES_256_CM_HMAC_SHA1_32, 0, 64, 1},
	{SRE_AEAD_AES_128_GCM, 0, 64, 3},
	{SRE_AEAD_AES_256_GCM, 4, 2048, 2},
	{SRE_NULL_HMAC_SHA1_80, 1, 64, 2},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))
#define MAXSTREAMS 3
#define PKT_CAP 160

static const uint8_t mki_second[4] = {0x99, 0x98, 0x97, 0x96};

static uint32_t ssrc_of(unsigned a, unsigned s)
{
	return 0x1000u * (a + 1) + s;
}

/* One side of every association: contexts and streams. */
struct world {
	struct sre_ctx *ctx[NDEFS];
	struct sre_stream st[NDEFS][MAXSTREAMS];
};

static void world_open(struct world *w, enum sre_direction dir)
{
	for (unsigned a = 0; a < NDEFS; a++) {
		w->ctx[a] = ut_ctx(defs[a].suite, dir, defs[a].mki_len,
				   defs[a].window);
		if (defs[a].mki_len)
			UT_ST(ut_add_key(test_engine(), w->ctx[a], 9, mki_second),
			      SRE_OK);
		for (unsigned s = 0; s < defs[a].nstreams; s++)
			ut_stream(&w->st[a][s], w->ctx[a], ssrc_of(a, s));
	}
}

static void world_close(struct world *w)
{
	for (unsigned a = 0; a < NDEFS; a++) {
		for (unsigned s = 0; s < defs[a].nstreams; s++)
			ut_stream_fini(&w->st[a][s]);
		sre_ctx_destroy(w->ctx[a]);
	}
}

/* Twins hold the same state (their ctx and window pointers differ). */
static bool same_stream(const struct sre_stream *x, const struct sre_stream *y)
{
	bool ok = UT_EQ(x->ssrc, y->ssrc) && UT_EQ(x->roc, y->roc) &&
		  UT_EQ(x->seq, y->seq) && UT_EQ(x->flags, y->flags) &&
		  UT_EQ(x->rtcp_index, y->rtcp_index) &&
		  UT_MEMEQ(x->rtcp_window, y->rtcp_window,
			   sizeof(x->rtcp_window));
	size_t n = sre_stream_window_bytes(x->ctx);
	if (n > 0)
		ok &= UT_MEMEQ(x->rtp_window.ext, y->rtp_window.ext, n);
	else
		ok &= UT_MEMEQ(x->rtp_window.bits, y->rtp_window.bits,
			       sizeof(x->rtp_window.bits));
	return ok;
}

static bool same_world(const struct world *x, const struct world *y)
{
	bool ok = true;
	for (unsigned a = 0; a < NDEFS; a++) {
		for (unsigned s = 0; s < defs[a].nstreams; s++)
			ok &= same_stream(&x->st[a][s], &y->st[a][s]);
		for (int k = 0; k < 2; k++) {
			const uint8_t *mki = defs[a].mki_len == 0 ? NULL
					     : k == 0		  ? ut_mki0
								  : mki_second;
			if (k == 1 && mki == NULL)
				break;
			struct sre_key_usage ux = ut_usage(x->ctx[a], mki);
			struct sre_key_usage uy = ut_usage(y->ctx[a], mki);
			ok &= UT_EQ(ux.rtp_packets, uy.rtp_packets) &&
			      UT_EQ(ux.rtcp_packets, uy.rtcp_packets);
		}
	}
	return ok;
}

/* ---- unprotect ---- */

enum target { T_STREAM, T_NULL, T_OUTBOUND };

struct gen {
	uint8_t data[PKT_CAP];
	uint32_t len;
	uint8_t plain[PKT_CAP];
	uint32_t plain_len;
	unsigned assoc, stream;
	enum target target;
	enum sre_kind kind;
	int intent; /* status the defect must give, or -1 */
};

struct history {
	struct gen g[256];
	unsigned n;
};

static void gen_genuine(struct world *tx, unsigned a, unsigned s,
			enum sre_kind kind, uint64_t *rng, struct gen *g)
{
	struct sre_stream *st = &tx->st[a][s];

	if (defs[a].mki_len)
		UT_ST(sre_ctx_set_active_key(tx->ctx[a],
					     ut_rand(rng) & 1 ? mki_second
							      : ut_mki0),
		      SRE_OK);
	memset(g, 0, sizeof(*g));
	g->assoc = a;
	g->stream = s;
	g->kind = kind;
	g->target = T_STREAM;
	g->intent = -1;
	if (kind == SRE_RTP) {
		/* mostly the next seq, sometimes a small gap */
		uint16_t seq = (st->flags & SRE_SF_RTP_SEEN)
				       ? (uint16_t)(st->seq + 1 +
						    (ut_rand(rng) % 8 == 0 ? 3 : 0))
				       : (uint16_t)(ut_rand(rng) % 65536);
		g->plain_len = (uint32_t)test_build_rtp(
			g->plain, st->ssrc, seq, seq * 90u,
			(unsigned)(ut_rand(rng) % 3), ut_rand(rng) % 4 == 0 ? 1 : -1,
			ut_rand(rng) % 60);
	} else {
		g->plain_len = (uint32_t)test_build_rtcp(
			g->plain, st->ssrc, (unsigned)(ut_rand(rng) % 8),
			(uint32_t)ut_rand(rng));
	}
	memcpy(g->data, g->plain, g->plain_len);
	g->len = g->plain_len;
	UT_ST(ut_protect(test_engine(), st, kind, g->data, &g->len, PKT_CAP),
	      SRE_OK);
}

/* The next packet of a mixed burst: genuine, or genuine with one defect. */
static void gen_packet(struct world *tx, struct history *h, uint64_t *rng,
		       struct gen *g)
{
	unsigned a = (unsigned)(ut_rand(rng) % NDEFS);
	unsigned s = (unsigned)(ut_rand(rng) % defs[a].nstreams);
	enum sre_kind kind = ut_rand(rng) % 4 == 0 ? SRE_RTCP : SRE_RTP;
	unsigned r = (unsigned)(ut_rand(rng) % 100);

	if (r >= 60 && r < 70 && h->n > 0) {
		/* a packet sent before, again */
		*g = h->g[ut_rand(rng) % (h->n < 256 ? h->n : 256)];
		return;
	}
	gen_genuine(tx, a, s, kind, rng, g);
	h->g[h->n++ % 256] = *g;
	struct ut_layout l = ut_layout(defs[a].suite, defs[a].mki_len, kind,
				       g->len);
	if (r < 60)
		return;
	if (r < 76) {
		/* a flipped bit in the tag or the body; no intent: a copy of
		 * the genuine packet reordered before it makes it a replay,
		 * and header bits may make it malformed */
		uint32_t off = r < 72 ? l.tag_off + (uint32_t)(ut_rand(rng) % l.tag_len)
				      : (uint32_t)(ut_rand(rng) % l.body);
		g->data[off] ^= (uint8_t)(1u << (ut_rand(rng) % 8));
		return;
	}
	if (r < 80) {
		uint32_t min = (kind == SRE_RTCP ? 8 + 4 : 12) + l.tag_len +
			       l.mki_len;
		g->len = (uint32_t)(ut_rand(rng) % min);
		g->intent = SRE_ERR_TOO_SHORT;
		return;
	}
	if (r < 83) {
		g->data[0] ^= 0xc0; /* version 1 */
		g->intent = SRE_ERR_BAD_VERSION;
		return;
	}
	if (r < 87 && defs[a].nstreams > 1) {
		g->stream = (s + 1) % defs[a].nstreams;
		g->intent = SRE_ERR_SSRC_MISMATCH;
		return;
	}
	if (r < 90 && defs[a].mki_len > 0) {
		g->data[l.mki_off] ^= 0x80;
		g->intent = SRE_ERR_UNKNOWN_MKI;
		return;
	}
	if (r < 93) {
		g->target = T_NULL;
		g->intent = SRE_ERR_NO_STREAM;
		return;
	}
	if (r < 96) {
		g->target = T_OUTBOUND;
		g->intent = SRE_ERR_WRONG_DIRECTION;
		return;
	}
	/* a forged payload and tag behind a valid header */
	uint32_t hdr = kind == SRE_RTCP ? 8 : 12;
	g->data[0] &= kind == SRE_RTCP ? 0xe0 : 0xc0; /* no CSRC, no X */
	for (uint32_t i = hdr; i < g->len; i++)
		if (i < l.mki_off || i >= l.mki_off + l.mki_len)
			g->data[i] = (uint8_t)ut_rand(rng);
	if (kind == SRE_RTCP)
		g->data[l.idx_off] |= 0x40; /* an index far ahead */
}

static struct sre_stream *target_of(struct world *rx, struct world *tx,
				    const struct gen *g)
{
	switch (g->target) {
	case T_NULL:
		return NULL;
	case T_OUTBOUND:
		return &tx->st[g->assoc][g->stream];
	default:
		return &rx->st[g->assoc][g->stream];
	}
}

enum { MAXN = 1500 };

/* Runs gens[0, n) through twin b one packet per call and through twin a as
 * one burst, and holds a to b (and OK packets to their plaintext). */
static void unprotect_both(struct world *tx, struct world *rx_a,
			   struct world *rx_b, struct gen *gens, unsigned n,
			   unsigned *seen)
{
	static uint8_t abuf[MAXN][PKT_CAP], bbuf[MAXN][PKT_CAP];
	static struct sre_packet pa[MAXN];
	static uint8_t bst[MAXN];
	static uint32_t blen[MAXN];
	unsigned want_ok = 0;

	for (unsigned i = 0; i < n; i++) {
		struct sre_packet pb = {.data = bbuf[i], .len = gens[i].len,
					.room = PKT_CAP,
					.stream = target_of(rx_b, tx, &gens[i]),
					.kind = gens[i].kind};
		memcpy(bbuf[i], gens[i].data, PKT_CAP);
		UT_EQ(sre_unprotect_burst(test_engine(), &pb, 1),
		      pb.status == SRE_OK);
		bst[i] = pb.status;
		blen[i] = pb.len;
		want_ok += pb.status == SRE_OK;
		seen[pb.status]++;
		if (gens[i].intent >= 0)
			UT_ST(pb.status, gens[i].intent);
	}
	for (unsigned i = 0; i < n; i++) {
		memcpy(abuf[i], gens[i].data, PKT_CAP);
		pa[i] = (struct sre_packet){.data = abuf[i], .len = gens[i].len,
					    .room = PKT_CAP,
					    .stream = target_of(rx_a, tx, &gens[i]),
					    .kind = gens[i].kind,
					    .status = 0xee};
	}
	UT_EQ(sre_unprotect_burst(test_engine(), pa, n), want_ok);
	for (unsigned i = 0; i < n; i++) {
		ut_where("burst of %u, packet %u (assoc %u stream %u %s)", n, i,
			 gens[i].assoc, gens[i].stream,
			 gens[i].kind == SRE_RTCP ? "rtcp" : "rtp");
		if (!UT_ST(pa[i].status, bst[i]) || bst[i] != SRE_OK)
			continue;
		UT_EQ(pa[i].len, blen[i]);
		UT_EQ(pa[i].len, gens[i].plain_len);
		UT_MEMEQ(abuf[i], gens[i].plain, gens[i].plain_len);
		UT_MEMEQ(bbuf[i], gens[i].plain, gens[i].plain_len);
	}
	ut_where("burst of %u: state of the twins", n);
	same_world(rx_a, rx_b);
}

static void test_mixed_unprotect_bursts_match_one_by_one(void)
{
	static const unsigned sizes[] = {1, 2, 7, 64, 127, 128, 129, 200,
					 255, 256, 257, 300, 1000, 1500};
	static struct gen gens[MAXN];
	static struct history hist;
	struct world tx, rx_a, rx_b;
	uint64_t rng = 0x5a5a5a5a12345ull;
	unsigned seen[256] = {0};

	world_open(&tx, SRE_OUTBOUND);
	world_open(&rx_a, SRE_INBOUND);
	world_open(&rx_b, SRE_INBOUND);
	hist.n = 0;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			unsigned n = sizes[si];
			for (unsigned i = 0; i < n; i++)
				gen_packet(&tx, &hist, &rng, &gens[i]);
			/* some local reordering */
			for (unsigned i = 0; i + 2 < n; i++) {
				if (ut_rand(&rng) % 5 == 0) {
					struct gen t = gens[i];
					gens[i] = gens[i + 2];
					gens[i + 2] = t;
				}
			}
			unprotect_both(&tx, &rx_a, &rx_b, gens, n, seen);
			UT_BAIL_IF_FAILING();
		}
	}
	/* the mix really had all of these */
	static const int kinds[] = {
		SRE_OK, SRE_ERR_TOO_SHORT, SRE_ERR_BAD_VERSION,
		SRE_ERR_NO_STREAM, SRE_ERR_WRONG_DIRECTION, SRE_ERR_SSRC_MISMATCH,
		SRE_ERR_UNKNOWN_MKI, SRE_ERR_AUTH_FAIL, SRE_ERR_REPLAY_DUPLICATE,
	};
	ut_where("status mix");
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		UT_TRUE(seen[kinds[k]] >= 10);
	world_close(&tx);
	world_close(&rx_a);
	world_close(&rx_b);
}

/* Genuine packets of one stream at the given SRTP indexes, delivered in
 * that order: the first `pre` alone to both twins, the rest one per call to
 * twin b and as one burst to twin a; all must be accepted. */
static void check_sequence(enum sre_suite suite, uint32_t told_roc,
			   const uint64_t *idx, unsigned pre, unsigned n,
			   const char *what)
{
	struct sre_ctx *out = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
	struct sre_ctx *in_a = ut_ctx(suite, SRE_INBOUND, 0, 0);
	struct sre_ctx *in_b = ut_ctx(suite, SRE_INBOUND, 0, 0);
	struct sre_stream a, b;
	static uint8_t pkt[8][UT_BUF];
	uint32_t len[8];
	struct sre_packet p[8];

	ut_where("%s: %s", sre_suite_name(suite), what);
	ut_stream(&a, in_a, UT_SSRC);
	ut_stream(&b, in_b, UT_SSRC);
	UT_ST(sre_stream_set_roc(&a, told_roc), SRE_OK);
	UT_ST(sre_stream_set_roc(&b, told_roc), SRE_OK);
	for (unsigned i = 0; i < n; i++)
		len[i] = ut_rtp_at(out, UT_SSRC, idx[i], 10, pkt[i]);
	for (unsigned i = 0; i < n; i++) {
		uint8_t buf[UT_BUF];
		uint32_t l = len[i];
		memcpy(buf, pkt[i], l);
		UT_ST(ut_unprotect(test_engine(), &b, SRE_RTP, buf, &l), SRE_OK);
		if (i < pre) {
			l = len[i];
			memcpy(buf, pkt[i], l);
			UT_ST(ut_unprotect(test_engine(), &a, SRE_RTP, buf, &l),
			      SRE_OK);
		}
		p[i] = (struct sre_packet){.data = pkt[i], .len = len[i],
					   .room = len[i], .stream = &a,
					   .kind = SRE_RTP};
	}
	UT_EQ(sre_unprotect_burst(test_engine(), p + pre, n - pre), n - pre);
	for (unsigned i = pre; i < n; i++)
		UT_ST(p[i].status, SRE_OK);
	UT_EQ(a.roc, b.roc);
	UT_EQ(a.seq, b.seq);
	ut_stream_fini(&a);
	ut_stream_fini(&b);
	sre_ctx_destroy(out);
	sre_ctx_destroy(in_a);
	sre_ctx_destroy(in_b);
}

static void test_burst_estimates_each_packet_after_the_previous(void)
{
	/* Each packet's index is estimated from the packets before it, also
	 * those earlier in the same burst. */
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM};
	for (unsigned si = 0; si < 2; si++) {
		/* the largest gap estimation allows, then on from there */
		const uint64_t gap[] = {65536, 65536 + 32760, 65536 + 32770,
					65536 + 32771};
		check_sequence(suites[si], 1, gap, 1, 4,
			       "a 32760-packet gap, then +10 in the same burst");
		/* a receiver told ROC 1 whose first burst also holds a late
		 * packet from before the wrap */
		const uint64_t wrap[] = {(1 << 16) | 2, 65535, (1 << 16) | 3};
		check_sequence(suites[si], 1, wrap, 0, 3,
			       "first burst after set_roc(1) with seq 65535 of ROC 0");
		/* the same with nothing told: ROC 0 then 1 */
		const uint64_t plain[] = {65534, 65536, 65535, 65537};
		check_sequence(suites[si], 0, plain, 0, 4,
			       "first burst across the first wrap");
		/* a packet that goes stale is settled at its turn, before
		 * the packets after it: 2:10 is estimated after 1:64000 */
		const uint64_t order[] = {(1 << 16) | 100, (1 << 16) | 32000,
					  (1 << 16) | 64000, (2 << 16) | 10};
		check_sequence(suites[si], 1, order, 1, 4,
			       "a stale packet redone before the next one");
		/* a late joiner's first burst, wrapping */
		const uint64_t late[] = {(7ull << 16) | 65534, (8ull << 16) | 1,
					 (7ull << 16) | 65535, 8ull << 16};
		check_sequence(suites[si], 7, late, 0, 4,
			       "first burst after set_roc(7) across a wrap");
	}
}

static void test_tampered_copy_after_its_genuine_packet(void)
{
	/* Alone, the copy meets an index already received: a replay, before
	 * any tag is checked. In a burst it must be the same. */
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM,
						SRE_NULL_HMAC_SHA1_80};
	for (unsigned si = 0; si < 3; si++) {
		for (int kind = 0; kind < 2; kind++) {
			struct sre_ctx *out = ut_ctx(suites[si], SRE_OUTBOUND, 0, 0);
			struct sre_ctx *in = ut_ctx(suites[si], SRE_INBOUND, 0, 0);
			struct sre_stream rx;
			uint8_t good[UT_BUF], bufs[3][UT_BUF];
			struct sre_packet p[3];

			ut_where("%s %s", sre_suite_name(suites[si]),
				 kind ? "rtcp" : "rtp");
			ut_stream(&rx, in, UT_SSRC);
			uint32_t len = kind ? ut_rtcp_at(out, UT_SSRC, 9, 3, good)
					    : ut_rtp_at(out, UT_SSRC, 9, 20, good);
			/* prime: a stream that has seen packets */
			uint32_t l0 = kind ? ut_rtcp_at(out, UT_SSRC, 8, 3, bufs[0])
					   : ut_rtp_at(out, UT_SSRC, 8, 20, bufs[0]);
			UT_ST(ut_unprotect(test_engine(), &rx, (enum sre_kind)kind,
					   bufs[0], &l0),
			      SRE_OK);
			struct ut_layout l = ut_layout(suites[si], 0,
						       (enum sre_kind)kind, len);
			for (int i = 0; i < 3; i++) {
				memcpy(bufs[i], good, len);
				p[i] = (struct sre_packet){.data = bufs[i], .len = len,
							   .room = UT_BUF,
							   .stream = &rx,
							   .kind = (uint8_t)kind};
			}
			bufs[1][l.tag_off] ^= 1; /* tag */
			bufs[2][len - l.tag_len - 1 - (kind ? 4 : 0)] ^= 1; /* body */
			UT_EQ(sre_unprotect_burst(test_engine(), p, 3), 1);
			UT_ST(p[0].status, SRE_OK);
			UT_ST(p[1].status, SRE_ERR_REPLAY_DUPLICATE);
			UT_ST(p[2].status, SRE_ERR_REPLAY_DUPLICATE);
			ut_stream_fini(&rx);
			sre_ctx_destroy(out);
			sre_ctx_destroy(in);
		}
	}
}

/* ---- protect ---- */

struct pgen {
	uint8_t data[PKT_CAP];
	uint32_t len, room;
	unsigned assoc, stream;
	enum target target; /* T_OUTBOUND here means: an inbound stream */
	enum sre_kind kind;
	int intent;
};

static void pgen_packet(struct world *tx, uint16_t next_seq[][MAXSTREAMS],
			unsigned sent[][MAXSTREAMS], uint64_t *rng,
			struct pgen *g)
{
	unsigned a = (unsigned)(ut_rand(rng) % NDEFS);
	unsigned s = (unsigned)(ut_rand(rng) % defs[a].nstreams);
	enum sre_kind kind = ut_rand(rng) % 4 == 0 ? SRE_RTCP : SRE_RTP;
	unsigned r = (unsigned)(ut_rand(rng) % 100);
	uint32_t ssrc = tx->st[a][s].ssrc;

	memset(g, 0, sizeof(*g));
	g->assoc = a;
	g->stream = s;
	g->kind = kind;
	g->target = T_STREAM;
	g->intent = -1;
	g->room = PKT_CAP;
	if (kind == SRE_RTP) {
		uint16_t seq = next_seq[a][s]++;
		if (r >= 70 && r < 76 && sent[a][s] < 2)
			r = 0; /* nothing to repeat yet */
		if (r < 70)
			sent[a][s]++;
		if (r >= 70 && r < 76) {
			seq -= 1 + (uint16_t)(ut_rand(rng) % 2); /* used */
			next_seq[a][s]--;
			g->intent = SRE_ERR_REPLAY_DUPLICATE;
		}
		g->len = (uint32_t)test_build_rtp(g->data, ssrc, seq, 0,
						  (unsigned)(ut_rand(rng) % 2), -1,
						  ut_rand(rng) % 50);
	} else {
		g->len = (uint32_t)test_build_rtcp(g->data, ssrc,
						   (unsigned)(ut_rand(rng) % 6), r);
	}
	if (r < 76)
		return;
	/* every defect below keeps the packet's seq unused */
	if (kind == SRE_RTP)
		next_seq[a][s]--;
	uint32_t trailer = (uint32_t)sre_suite_tag_len(defs[a].suite, kind) +
			   defs[a].mki_len + (kind == SRE_RTCP ? 4 : 0);
	if (r < 80) {
		g->len = (uint32_t)(ut_rand(rng) % (kind == SRE_RTCP ? 8 : 12));
		g->intent = SRE_ERR_TOO_SHORT;
	} else if (r < 85) {
		g->room = g->len + trailer - 1 - (uint32_t)(ut_rand(rng) % trailer);
		g->intent = SRE_ERR_NO_ROOM;
	} else if (r < 88) {
		g->data[0] ^= 0x40; /* version 3 */
		g->intent = SRE_ERR_BAD_VERSION;
	} else if (r < 91 && defs[a].nstreams > 1) {
		g->stream = (s + 1) % defs[a].nstreams;
		g->intent = SRE_ERR_SSRC_MISMATCH;
	} else if (r < 94) {
		g->target = T_NULL;
		g->intent = SRE_ERR_NO_STREAM;
	} else if (r < 97) {
		g->target = T_OUTBOUND;
		g->intent = SRE_ERR_WRONG_DIRECTION;
	} else if (kind == SRE_RTP) {
		g->data[0] |= 0x0f; /* 15 CSRCs */
		g->len = 12 + 8;
		g->intent = SRE_ERR_CSRC_OVERRUN;
	} else {
		g->target = T_NULL;
		g->intent = SRE_ERR_NO_STREAM;
	}
}

static struct sre_stream *ptarget_of(struct world *tx, struct world *rx,
				     const struct pgen *g)
{
	switch (g->target) {
	case T_NULL:
		return NULL;
	case T_OUTBOUND:
		return &rx->st[g->assoc][g->stream];
	default:
		return &tx->st[g->assoc][g->stream];
	}
}

static void test_mixed_protect_bursts_match_one_by_one(void)
{
	static const unsigned sizes[] = {1, 3, 100, 128, 129, 256, 400, 1024};
	static struct pgen gens[MAXN];
	static uint8_t abuf[MAXN][PKT_CAP], bbuf[MAXN][PKT_CAP];
	static struct sre_packet pa[MAXN], pr[MAXN];
	static uint8_t bst[MAXN];
	static uint32_t blen[MAXN];
	static uint16_t next_seq[NDEFS][MAXSTREAMS];
	static unsigned sent[NDEFS][MAXSTREAMS];
	struct world tx_a, tx_b, rx;
	uint64_t rng = 0xc0ffee;
	unsigned seen[256] = {0};

	world_open(&tx_a, SRE_OUTBOUND);
	world_open(&tx_b, SRE_OUTBOUND);
	world_open(&rx, SRE_INBOUND);
	for (unsigned a = 0; a < NDEFS; a++)
		for (unsigned s = 0; s < MAXSTREAMS; s++)
			next_seq[a][s] = (uint16_t)(65000 + 37 * a + s);
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			unsigned n = sizes[si], want_ok = 0;

			for (unsigned a = 0; a < NDEFS; a++) {
				if (!defs[a].mki_len)
					continue;
				const uint8_t *mki = ut_rand(&rng) & 1 ? mki_second
									: ut_mki0;
				UT_ST(sre_ctx_set_active_key(tx_a.ctx[a], mki), SRE_OK);
				UT_ST(sre_ctx_set_active_key(tx_b.ctx[a], mki), SRE_OK);
			}
			for (unsigned i = 0; i < n; i++)
				pgen_packet(&tx_a, next_seq, sent, &rng, &gens[i]);
			for (unsigned i = 0; i < n; i++) {
				memcpy(bbuf[i], gens[i].data, PKT_CAP);
				struct sre_packet pb = {
					.data = bbuf[i], .len = gens[i].len,
					.room = gens[i].room,
					.stream = ptarget_of(&tx_b, &rx, &gens[i]),
					.kind = gens[i].kind};
				UT_EQ(sre_protect_burst(test_engine(), &pb, 1),
				      pb.status == SRE_OK);
				bst[i] = pb.status;
				blen[i] = pb.len;
				want_ok += pb.status == SRE_OK;
				seen[pb.status]++;
				if (gens[i].intent >= 0)
					UT_ST(pb.status, gens[i].intent);
			}
			for (unsigned i = 0; i < n; i++) {
				memcpy(abuf[i], gens[i].data, PKT_CAP);
				pa[i] = (struct sre_packet){
					.data = abuf[i], .len = gens[i].len,
					.room = gens[i].room,
					.stream = ptarget_of(&tx_a, &rx, &gens[i]),
					.kind = gens[i].kind, .status = 0xee};
			}
			UT_EQ(sre_protect_burst(test_engine(), pa, n), want_ok);
			unsigned nr = 0;
			for (unsigned i = 0; i < n; i++) {
				ut_where("protect burst of %u, packet %u", n, i);
				UT_ST(pa[i].status, bst[i]);
				UT_EQ(pa[i].len, blen[i]);
				/* deterministic output, untouched on failure */
				UT_MEMEQ(abuf[i], bbuf[i], PKT_CAP);
				if (bst[i] == SRE_OK)
					pr[nr++] = (struct sre_packet){
						.data = abuf[i], .len = pa[i].len,
						.room = PKT_CAP,
						.stream = &rx.st[gens[i].assoc]
								[gens[i].stream],
						.kind = gens[i].kind};
			}
			ut_where("protect burst of %u: twins", n);
			same_world(&tx_a, &tx_b);
			/* and a receiver takes all of it */
			UT_EQ(sre_unprotect_burst(test_engine(), pr, nr), nr);
		}
	}
	static const int kinds[] = {
		SRE_OK, SRE_ERR_TOO_SHORT, SRE_ERR_NO_ROOM, SRE_ERR_BAD_VERSION,
		SRE_ERR_SSRC_MISMATCH, SRE_ERR_NO_STREAM, SRE_ERR_WRONG_DIRECTION,
		SRE_ERR_REPLAY_DUPLICATE, SRE_ERR_CSRC_OVERRUN,
	};
	ut_where("status mix");
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		UT_TRUE(seen[kinds[k]] >= 10);
	world_close(&tx_a);
	world_close(&tx_b);
	world_close(&rx);
}

static void test_empty_burst(void)
{
	struct sre_packet p = {.status = 0xee};

	UT_EQ(sre_unprotect_burst(test_engine(), NULL, 0), 0);
	UT_EQ(sre_protect_burst(test_engine(), NULL, 0), 0);
	UT_EQ(sre_unprotect_burst(test_engine(), &p, 0), 0);
	UT_EQ(p.status, 0xee);
	UT_EQ(sre_protect_burst(test_engine(), NULL, 5), 0);
}

static CU_TestInfo burst_tests[] = {
	{"mixed_unprotect_bursts_match_one_by_one", test_mixed_unprotect_bursts_match_one_by_one},
	{"burst_estimates_each_packet_after_the_previous", test_burst_estimates_each_packet_after_the_previous},
	{"tampered_copy_after_its_genuine_packet", test_tampered_copy_after_its_genuine_packet},
	{"mixed_protect_bursts_match_one_by_one", test_mixed_protect_bursts_match_one_by_one},
	{"empty_burst", test_empty_burst},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"bursts", NULL, NULL, NULL, NULL, burst_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
