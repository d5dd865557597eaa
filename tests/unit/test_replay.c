/*
 * Replay protection: SRTP windows of 64 (default), 128, 1000 and 32768
 * packets (the larger in caller memory), the fixed SRTCP window of 128,
 * duplicates inside one burst, and the window helpers of sre_internal.h
 * against a plain reference model (the set of indexes received).
 */
#include <stdlib.h>

#include "unit_util.h"

/* ---- reference model of a receiver ---- */

#define MODEL_BITS (1u << 26) /* indexes the model can hold */

struct model {
	uint64_t top;
	bool seen;
	uint32_t window;
	uint8_t *rcv; /* bitmap over [0, MODEL_BITS) */
};

static void model_init(struct model *m, uint32_t window)
{
	m->top = 0;
	m->seen = false;
	m->window = window;
	if (m->rcv == NULL) {
		m->rcv = malloc(MODEL_BITS / 8);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m->rcv);
	}
	memset(m->rcv, 0, MODEL_BITS / 8);
}

static void model_free(struct model *m)
{
	free(m->rcv);
	m->rcv = NULL;
}

static bool model_has(const struct model *m, uint64_t idx)
{
	return (m->rcv[idx >> 3] >> (idx & 7)) & 1;
}

/* What the replay check must say about idx. */
static int model_replay(const struct model *m, uint64_t idx)
{
	if (!m->seen || idx > m->top)
		return SRE_OK;
	if (m->top - idx >= m->window)
		return SRE_ERR_REPLAY_TOO_OLD;
	return model_has(m, idx) ? SRE_ERR_REPLAY_DUPLICATE : SRE_OK;
}

static void model_accept(struct model *m, uint64_t idx)
{
	m->rcv[idx >> 3] |= (uint8_t)(1u << (idx & 7));
	if (!m->seen || idx > m->top)
		m->top = idx;
	m->seen = true;
}

/* RFC 3711 Appendix A: the index a receiver at `top` gives `seq`. */
static uint64_t ref_index(uint64_t top, uint16_t seq)
{
	int64_t roc = (int64_t)(top >> 16);
	int s_l = (int)(top & 0xffff);
	int64_t v = roc;

	if (s_l < 32768) {
		if ((int)seq - s_l > 32768 && roc > 0)
			v = roc - 1;
	} else if (s_l - 32768 > (int)seq) {
		v = roc + 1;
	}
	return ((uint64_t)v << 16) | seq;
}

/* ---- a receiver driven packet by packet against the model ---- */

struct rig {
	enum sre_suite suite;
	struct sre_ctx *out, *in;
	struct sre_stream rx;
	struct model m;
};

static void rig_open(struct rig *r, enum sre_suite suite, uint32_t window)
{
	memset(r, 0, sizeof(*r));
	r->suite = suite;
	r->out = ut_ctx(suite, SRE_OUTBOUND, 0, window);
	r->in = ut_ctx(suite, SRE_INBOUND, 0, window);
	ut_stream(&r->rx, r->in, UT_SSRC);
	model_init(&r->m, window ? window : SRE_WINDOW_DEFAULT);
}

static void rig_close(struct rig *r)
{
	ut_stream_fini(&r->rx);
	sre_ctx_destroy(r->out);
	sre_ctx_destroy(r->in);
	model_free(&r->m);
}

/* Sends the genuine packet of SRTP index idx; the status must be the
 * model's: the replay verdict on the index the receiver will estimate, and
 * an authentication failure when that estimate is not the packet's index. */
static int rig_rtp(struct rig *r, uint64_t idx)
{
	uint8_t buf[UT_BUF];
	struct ut_snap snap;
	uint32_t len = ut_rtp_at(r->out, UT_SSRC, idx, 8, buf);
	uint64_t est = r->m.seen ? ref_index(r->m.top, (uint16_t)idx) : idx;
	int want = model_replay(&r->m, est);

	if (want == SRE_OK && est != idx)
		want = SRE_ERR_AUTH_FAIL;
	/* a first packet's ROC comes from signalling */
	if (!r->m.seen)
		UT_ST(sre_stream_set_roc(&r->rx, (uint32_t)(idx >> 16)), SRE_OK);
	ut_snap(&snap, &r->rx);
	int rc = ut_unprotect(test_engine(), &r->rx, SRE_RTP, buf, &len);
	UT_ST(rc, want);
	if (rc == SRE_OK) {
		UT_EQ(len, 12 + 8);
		model_accept(&r->m, idx);
	} else {
		UT_UNCHANGED(&snap, &r->rx);
	}
	UT_EQ(sre_stream_roc(&r->rx), r->m.top >> 16);
	UT_EQ(r->rx.seq, (uint16_t)r->m.top);
	return rc;
}

static int rig_rtcp(struct rig *r, uint32_t idx)
{
	uint8_t buf[UT_BUF];
	struct ut_snap snap;
	uint32_t len = ut_rtcp_at(r->out, UT_SSRC, idx, 2, buf);
	int want = model_replay(&r->m, idx);

	ut_snap(&snap, &r->rx);
	int rc = ut_unprotect(test_engine(), &r->rx, SRE_RTCP, buf, &len);
	UT_ST(rc, want);
	if (rc == SRE_OK) {
		UT_EQ(len, 8 + 8);
		model_accept(&r->m, idx);
	} else {
		UT_UNCHANGED(&snap, &r->rx);
	}
	UT_EQ(r->rx.rtcp_index, r->m.top);
	return rc;
}

/* ---- tests ---- */

static void test_default_window_is_64(void)
{
	struct rig r;

	rig_open(&r, SRE_AES_CM_128_HMAC_SHA1_80, 0);
	UT_EQ(sre_ctx_policy(r.in)->replay_window, 64);
	UT_EQ(sre_stream_window_bytes(r.in), 0);
	const uint64_t t = 1000;
	UT_ST(rig_rtp(&r, t), SRE_OK);
	UT_ST(rig_rtp(&r, t), SRE_ERR_REPLAY_DUPLICATE);
	UT_ST(rig_rtp(&r, t - 63), SRE_OK);      /* oldest in the window */
	UT_ST(rig_rtp(&r, t - 64), SRE_ERR_REPLAY_TOO_OLD);
	UT_ST(rig_rtp(&r, t - 63), SRE_ERR_REPLAY_DUPLICATE);
	UT_ST(rig_rtp(&r, t - 1), SRE_OK);
	UT_ST(rig_rtp(&r, t + 1), SRE_OK);
	/* the edge moved with the top */
	UT_ST(rig_rtp(&r, t - 63), SRE_ERR_REPLAY_TOO_OLD);
	UT_ST(rig_rtp(&r, t - 62), SRE_OK);
	UT_ST(rig_rtp(&r, t - 1), SRE_ERR_REPLAY_DUPLICATE);
	rig_close(&r);
}

static const uint32_t windows[] = {64, 128, 1000, 32768};
#define NWINDOWS (sizeof(windows) / sizeof(windows[0]))

static uint32_t ring_of(uint32_t w)
{
	uint32_t r = 128;
	while (r < w)
		r <<= 1;
	return r;
}

static void test_window_edge_each_size(void)
{
	for (unsigned wi = 0; wi < NWINDOWS; wi++) {
		for (int gcm = 0; gcm < 2; gcm++) {
			struct rig r;
			uint32_t w = windows[wi];
			/* s_l >= 32768 keeps top - 32767 within estimation */
			const uint64_t t = (3ull << 16) + 40000;

			ut_where("window %u %s", w, gcm ? "gcm" : "cm");
			rig_open(&r, gcm ? SRE_AEAD_AES_128_GCM
					 : SRE_AES_CM_128_HMAC_SHA1_80,
				 w);
			UT_EQ(sre_ctx_policy(r.in)->replay_window, w);
			UT_ST(rig_rtp(&r, t), SRE_OK);
			UT_ST(rig_rtp(&r, t - (w - 1)), SRE_OK);
			UT_ST(rig_rtp(&r, t - w), SRE_ERR_REPLAY_TOO_OLD);
			/* 2^15 + 1 back is beyond estimation: taken as the next
			 * ROC, it fails the tag instead */
			UT_ST(rig_rtp(&r, t - w - 1), w == 32768
							  ? SRE_ERR_AUTH_FAIL
							  : SRE_ERR_REPLAY_TOO_OLD);
			UT_ST(rig_rtp(&r, t - (w - 1)), SRE_ERR_REPLAY_DUPLICATE);
			UT_ST(rig_rtp(&r, t), SRE_ERR_REPLAY_DUPLICATE);
			UT_ST(rig_rtp(&r, t - w / 2), SRE_OK);
			UT_ST(rig_rtp(&r, t - w / 2), SRE_ERR_REPLAY_DUPLICATE);
			UT_ST(rig_rtp(&r, t - 1), SRE_OK);
			rig_close(&r);
		}
	}
}

/* Receives a pattern over the whole window, jumps forward by `jump` (in
 * steps the estimation can follow) and probes the new window: bits of the
 * old window must be gone exactly where the top passed over them. */
static void jump_and_probe(struct rig *r, uint64_t jump, uint64_t *rng)
{
	uint32_t w = r->m.window;
	uint64_t t = r->m.top;

	for (uint64_t k = 1; k < w; k += 1 + ut_rand(rng) % 3)
		rig_rtp(r, t - k);
	while (jump > 0) {
		uint64_t step = jump > 32767 ? 32767 : jump;
		t += step;
		jump -= step;
		UT_ST(rig_rtp(r, t), SRE_OK);
	}
	/* every index of the window, sampled for the largest one */
	uint64_t stride = w > 4096 ? 61 : 1;
	for (uint64_t k = 1; k < w; k += stride) {
		rig_rtp(r, t - k);
		UT_BAIL_IF_FAILING();
	}
	rig_rtp(r, t - (w - 1));
	rig_rtp(r, t - w);
	rig_rtp(r, t);
}

static void test_large_jumps_clear_old_bits(void)
{
	for (unsigned wi = 0; wi < NWINDOWS; wi++) {
		uint32_t w = windows[wi], ring = ring_of(w);
		uint64_t jumps[] = {1, 2, w / 2, w - 1, w, w + 1, ring - 1,
				    ring, ring + 1, ring + 63, 2 * ring + 5,
				    3 * ring + 64};
		struct rig r;
		uint64_t rng = 0x1234567 + wi;

		rig_open(&r, SRE_AES_CM_128_HMAC_SHA1_80, w);
		UT_ST(rig_rtp(&r, (5ull << 16) + 1234), SRE_OK);
		for (unsigned j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
			ut_where("window %u jump %llu", w,
				 (unsigned long long)jumps[j]);
			jump_and_probe(&r, jumps[j], &rng);
		}
		rig_close(&r);
	}
}

static void test_random_sequences_against_model(void)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_32,
						SRE_AEAD_AES_256_GCM};
	for (unsigned wi = 0; wi < NWINDOWS; wi++) {
		for (unsigned si = 0; si < 2; si++) {
			uint32_t w = windows[wi];
			struct rig r;
			uint64_t rng = 0xabcdef12345ull * (wi + 1) + si;
			uint64_t idx = 100 + ut_rand(&rng) % 65536;

			rig_open(&r, suites[si], w);
			for (unsigned n = 0; n < 6000; n++) {
				uint64_t top = r.m.seen ? r.m.top : idx;
				uint64_t x = ut_rand(&rng);
				int64_t d;
				switch (x % 10) {
				case 0: case 1: case 2: case 3: case 4:
					d = 1 + (int64_t)(x >> 8) % 3;
					break;
				case 5: case 6: /* reordered, old, or too old */
					d = -(int64_t)((x >> 8) % (w + w / 4 + 2));
					break;
				case 7: /* around a window's length ahead */
					d = (int64_t)w - 2 + (int64_t)(x >> 8) % 5;
					break;
				case 8: /* a loss */
					d = 1 + (int64_t)(x >> 8) % 32767;
					break;
				default: /* beyond what estimation can follow */
					d = ((x >> 8) & 1 ? 1 : -1) *
					    (32768 + (int64_t)(x >> 9) % 8000);
					break;
				}
				if ((int64_t)top + d < 1)
					d = 1;
				idx = (uint64_t)((int64_t)top + d);
				ut_where("%s window %u step %u index %llu top %llu",
					 sre_suite_name(suites[si]), w, n,
					 (unsigned long long)idx,
					 (unsigned long long)top);
				rig_rtp(&r, idx);
				UT_BAIL_IF_FAILING();
			}
			rig_close(&r);
		}
	}
}

static void test_window_memory(void)
{
	static const struct {
		uint32_t window;
		size_t bytes;
	} cases[] = {{64, 0}, {128, 0}, {129, 32}, {1000, 128}, {1024, 128},
		     {1025, 256}, {32768, 4096}};

	UT_EQ(sre_stream_window_bytes(NULL), 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sre_stream s;
		uint64_t mem[SRE_WINDOW_MAX / 64 + 1];
		uint8_t buf[UT_BUF];

		ut_where("window %u", cases[i].window);
		struct sre_ctx *out = ut_ctx(SRE_AES_CM_128_HMAC_SHA1_80,
					     SRE_OUTBOUND, 0, cases[i].window);
		struct sre_ctx *in = ut_ctx(SRE_AES_CM_128_HMAC_SHA1_80,
					    SRE_INBOUND, 0, cases[i].window);
		size_t n = sre_stream_window_bytes(in);
		UT_EQ(n, cases[i].bytes);
		UT_EQ(sre_stream_window_bytes(out), cases[i].bytes);
		memset(mem, 0xff, sizeof(mem));
		if (n == 0) {
			UT_ST(sre_stream_init(&s, in, UT_SSRC, mem),
			      SRE_ERR_BAD_PARAM);
			UT_ST(sre_stream_init(&s, in, UT_SSRC, NULL), SRE_OK);
		} else {
			UT_ST(sre_stream_init(&s, in, UT_SSRC, NULL),
			      SRE_ERR_BAD_PARAM);
			UT_ST(sre_stream_init(&s, out, UT_SSRC, NULL),
			      SRE_ERR_BAD_PARAM);
			UT_ST(sre_stream_init(&s, in, UT_SSRC, mem), SRE_OK);
			/* initialised, not trusted to be clear */
			for (size_t k = 0; k < n / 8; k++)
				UT_EQ(mem[k], 0);
			UT_EQ(mem[n / 8], UINT64_MAX); /* not one byte more */
		}
		/* the bits live in the caller's memory */
		uint64_t t = 5000;
		uint32_t len = ut_rtp_at(out, UT_SSRC, t, 8, buf);
		UT_ST(ut_unprotect(test_engine(), &s, SRE_RTP, buf, &len), SRE_OK);
		if (n > 0) {
			uint64_t pos = t & (n * 8 - 1);
			UT_EQ((mem[pos / 64] >> (pos % 64)) & 1, 1);
			UT_EQ(s.rtp_window.ext, mem);
		}
		len = ut_rtp_at(out, UT_SSRC, t, 8, buf);
		UT_ST(ut_unprotect(test_engine(), &s, SRE_RTP, buf, &len),
		      SRE_ERR_REPLAY_DUPLICATE);
		UT_ST(sre_stream_init(NULL, in, UT_SSRC, NULL), SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_init(&s, NULL, UT_SSRC, NULL), SRE_ERR_BAD_PARAM);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

static void test_window_size_limits(void)
{
	static const struct {
		uint32_t window;
		int status;
		uint32_t effective;
	} cases[] = {
		{0, SRE_OK, 64},         {1, SRE_ERR_WINDOW_SIZE, 0},
		{63, SRE_ERR_WINDOW_SIZE, 0}, {64, SRE_OK, 64},
		{65, SRE_OK, 65},        {128, SRE_OK, 128},
		{32767, SRE_OK, 32767},  {32768, SRE_OK, 32768},
		{32769, SRE_ERR_WINDOW_SIZE, 0},
		{UINT32_MAX, SRE_ERR_WINDOW_SIZE, 0},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int dir = 0; dir < 2; dir++) {
			struct sre_policy pol;
			struct sre_ctx *ctx = (struct sre_ctx *)&pol;

			ut_where("window %u dir %d", cases[i].window, dir);
			sre_policy_init(&pol, SRE_AEAD_AES_128_GCM,
					(enum sre_direction)dir);
			UT_EQ(pol.replay_window, SRE_WINDOW_DEFAULT);
			pol.replay_window = cases[i].window;
			UT_ST(sre_ctx_create(&pol, NULL, &ctx), cases[i].status);
			if (cases[i].status != SRE_OK) {
				UT_TRUE(ctx == NULL);
				continue;
			}
			UT_EQ(sre_ctx_policy(ctx)->replay_window,
			      cases[i].effective);
			sre_ctx_destroy(ctx);
		}
	}
}

static void test_odd_window_sizes_are_exact(void)
{
	/* The window is the policy's size, not the ring's power of two. */
	static const uint32_t sizes[] = {65, 100, 129, 1000, 20000};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rig r;
		const uint64_t t = 50000;

		ut_where("window %u", sizes[i]);
		rig_open(&r, SRE_AES_CM_128_HMAC_SHA1_80, sizes[i]);
		UT_ST(rig_rtp(&r, t), SRE_OK);
		UT_ST(rig_rtp(&r, t - sizes[i]), SRE_ERR_REPLAY_TOO_OLD);
		UT_ST(rig_rtp(&r, t - (sizes[i] - 1)), SRE_OK);
		rig_close(&r);
	}
}

static void test_srtcp_window_128(void)
{
	/* fixed at 128 whatever the SRTP window */
	static const uint32_t srtp_windows[] = {64, 1000, 32768};
	for (unsigned wi = 0; wi < 3; wi++) {
		for (int gcm = 0; gcm < 2; gcm++) {
			struct rig r;
			uint64_t rng = 99 + wi;

			ut_where("srtp window %u %s", srtp_windows[wi],
				 gcm ? "gcm" : "cm");
			rig_open(&r, gcm ? SRE_AEAD_AES_128_GCM
					 : SRE_AES_CM_128_HMAC_SHA1_80,
				 srtp_windows[wi]);
			r.m.window = SRE_RTCP_WINDOW;
			UT_ST(rig_rtcp(&r, 500), SRE_OK);
			UT_ST(rig_rtcp(&r, 500), SRE_ERR_REPLAY_DUPLICATE);
			UT_ST(rig_rtcp(&r, 500 - 127), SRE_OK);
			UT_ST(rig_rtcp(&r, 500 - 128), SRE_ERR_REPLAY_TOO_OLD);
			UT_ST(rig_rtcp(&r, 500 - 200), SRE_ERR_REPLAY_TOO_OLD);
			UT_ST(rig_rtcp(&r, 500 - 127), SRE_ERR_REPLAY_DUPLICATE);
			for (unsigned n = 0; n < 3000; n++) {
				uint64_t x = ut_rand(&rng);
				int64_t d = x % 4 == 0 ? -(int64_t)((x >> 8) % 160)
					  : x % 4 == 1 ? 120 + (int64_t)((x >> 8) % 20)
					  : x % 4 == 2 ? 200 + (int64_t)((x >> 8) % 300)
						       : 1 + (int64_t)((x >> 8) % 3);
				int64_t idx = (int64_t)r.m.top + d;
				if (idx < 0)
					idx = 0;
				rig_rtcp(&r, (uint32_t)idx);
				UT_BAIL_IF_FAILING();
			}
			/* the SRTP side saw nothing */
			UT_EQ(r.rx.flags & SRE_SF_RTP_SEEN, 0);
			rig_close(&r);
		}
	}
}

static void test_srtcp_highest_index(void)
{
	static const struct {
		uint32_t index;
		int status;
	} steps[] = {
		{SRE_SRTCP_INDEX_MAX - 3, SRE_OK},
		{SRE_SRTCP_INDEX_MAX, SRE_OK},
		{SRE_SRTCP_INDEX_MAX - 1, SRE_OK},
		{SRE_SRTCP_INDEX_MAX, SRE_ERR_REPLAY_DUPLICATE},
		{SRE_SRTCP_INDEX_MAX - 127, SRE_OK},
		{SRE_SRTCP_INDEX_MAX - 128, SRE_ERR_REPLAY_TOO_OLD},
		{0, SRE_ERR_REPLAY_TOO_OLD},
	};
	struct sre_ctx *out = ut_ctx(SRE_AEAD_AES_128_GCM, SRE_OUTBOUND, 0, 0);
	struct sre_ctx *in = ut_ctx(SRE_AEAD_AES_128_GCM, SRE_INBOUND, 0, 0);
	struct sre_stream rx;
	uint8_t buf[UT_BUF];

	ut_stream(&rx, in, UT_SSRC);
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ut_where("index %#x", steps[i].index);
		uint32_t len = ut_rtcp_at(out, UT_SSRC, steps[i].index, 2, buf);
		UT_ST(ut_unprotect(test_engine(), &rx, SRE_RTCP, buf, &len),
		      steps[i].status);
		UT_EQ(rx.rtcp_index, SRE_SRTCP_INDEX_MAX - (i == 0 ? 3 : 0));
	}
	ut_stream_fini(&rx);
	sre_ctx_destroy(out);
	sre_ctx_destroy(in);
}

static void test_duplicates_inside_one_burst(void)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM,
						SRE_NULL_HMAC_SHA1_80};
	for (unsigned si = 0; si < 3; si++) {
		for (int kind = 0; kind < 2; kind++) {
			for (int fresh = 0; fresh < 2; fresh++) {
				uint8_t a[UT_BUF], b[UT_BUF], bufs[6][UT_BUF];
				struct sre_packet p[6];
				struct rig r;
				uint32_t la, lb;

				ut_where("%s %s %s", sre_suite_name(suites[si]),
					 kind ? "rtcp" : "rtp",
					 fresh ? "first burst" : "later burst");
				rig_open(&r, suites[si], 0);
				if (kind == SRE_RTP) {
					if (!fresh)
						UT_ST(rig_rtp(&r, 700), SRE_OK);
					la = ut_rtp_at(r.out, UT_SSRC, 710, 8, a);
					lb = ut_rtp_at(r.out, UT_SSRC, 705, 8, b);
				} else {
					if (!fresh)
						UT_ST(rig_rtcp(&r, 70), SRE_OK);
					la = ut_rtcp_at(r.out, UT_SSRC, 80, 3, a);
					lb = ut_rtcp_at(r.out, UT_SSRC, 75, 3, b);
				}
				struct sre_key_usage u0 = ut_usage(r.in, NULL);
				/* a, a, b, a, b, b: each copy in its own buffer */
				const bool is_a[6] = {1, 1, 0, 1, 0, 0};
				static const int want[6] = {
					SRE_OK, SRE_ERR_REPLAY_DUPLICATE, SRE_OK,
					SRE_ERR_REPLAY_DUPLICATE,
					SRE_ERR_REPLAY_DUPLICATE,
					SRE_ERR_REPLAY_DUPLICATE};
				for (int i = 0; i < 6; i++) {
					memcpy(bufs[i], is_a[i] ? a : b,
					       is_a[i] ? la : lb);
					p[i] = (struct sre_packet){
						.data = bufs[i],
						.len = is_a[i] ? la : lb,
						.room = UT_BUF, .stream = &r.rx,
						.kind = (uint8_t)kind};
				}
				UT_EQ(sre_unprotect_burst(test_engine(), p, 6), 2);
				for (int i = 0; i < 6; i++)
					UT_ST(p[i].status, want[i]);
				struct sre_key_usage u1 = ut_usage(r.in, NULL);
				UT_EQ(u1.rtp_packets - u0.rtp_packets,
				      kind == SRE_RTP ? 2 : 0);
				UT_EQ(u1.rtcp_packets - u0.rtcp_packets,
				      kind == SRE_RTCP ? 2 : 0);
				if (kind == SRE_RTP)
					UT_EQ(r.rx.seq, 710);
				else
					UT_EQ(r.rx.rtcp_index, 80);
				rig_close(&r);
			}
		}
	}
}

/* ---- sre_window_check / sre_window_commit directly ---- */

static void test_window_helpers_against_model(void)
{
	static const struct {
		uint32_t ring, window;
	} cases[] = {{128, 64}, {128, 100}, {128, 128}, {256, 129},
		     {1024, 1000}, {1024, 1024}, {32768, 20000},
		     {32768, 32768}};
	static uint64_t bits[SRE_WINDOW_MAX / 64];
	struct model m = {0};

	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const uint32_t ring = cases[c].ring, w = cases[c].window;
		/* indexes far up the 48-bit space, not ring-aligned */
		const uint64_t base = (UINT64_C(1) << 47) + 37;
		uint64_t rng = 0xfeedull + c;

		model_init(&m, w);
		memset(bits, 0xa5, sizeof(bits)); /* commit must clear it */
		uint64_t idx = 1 + ut_rand(&rng) % 1000;
		for (unsigned n = 0; n < 40000; n++) {
			uint64_t x = ut_rand(&rng);
			if (m.seen) {
				int64_t d;
				switch (x % 8) {
				case 0: case 1: case 2:
					d = 1 + (int64_t)(x >> 8) % 4;
					break;
				case 3: case 4:
					d = -(int64_t)((x >> 8) % (w + 64));
					break;
				case 5:
					d = (int64_t)(x >> 8) % (2 * ring + 130);
					break;
				case 6:
					d = (int64_t)ring - 65 + (int64_t)(x >> 8) % 130;
					break;
				default:
					d = (int64_t)(x >> 8) % 4 == 0
						    ? 5 * (int64_t)ring + 3 : 0;
					break;
				}
				if ((int64_t)m.top + d < 0)
					d = -(int64_t)m.top;
				idx = (uint64_t)((int64_t)m.top + d);
			}
			if (idx >= MODEL_BITS - 8 * (uint64_t)SRE_WINDOW_MAX) {
				model_init(&m, w); /* start a fresh window */
				idx = 1;
			}
			ut_where("ring %u window %u step %u index %llu top %llu",
				 ring, w, n, (unsigned long long)idx,
				 (unsigned long long)m.top);
			int want = model_replay(&m, idx);
			if (m.seen)
				UT_ST(sre_window_check(bits, ring, w, base + m.top,
						       base + idx),
				      want);
			if (want == SRE_OK) {
				sre_window_commit(bits, ring, m.seen, base + m.top,
						  base + idx);
				model_accept(&m, idx);
			}
			UT_BAIL_IF_FAILING();
			/* now and then, the whole window and just past it */
			if (n % 997 == 0 && m.seen) {
				for (uint64_t k = 0; k <= w && k <= m.top; k++) {
					uint64_t j = m.top - k;
					if (!UT_ST(sre_window_check(bits, ring, w,
								    base + m.top,
								    base + j),
						   model_replay(&m, j)))
						break;
				}
				UT_ST(sre_window_check(bits, ring, w, base + m.top,
						       base + m.top + 1),
				      SRE_OK);
			}
		}
	}
	model_free(&m);
}

static void test_window_clear_range_against_bitwise(void)
{
	static const uint32_t rings[] = {128, 256, 1024, 32768};
	static uint64_t bits[SRE_WINDOW_MAX / 64], ref[SRE_WINDOW_MAX / 64];

	for (unsigned c = 0; c < 4; c++) {
		uint32_t ring = rings[c];
		uint64_t rng = 0x5eedull + c;

		for (unsigned n = 0; n < 3000; n++) {
			for (unsigned k = 0; k < ring / 64; k++)
				bits[k] = ref[k] = ut_rand(&rng);
			uint64_t from = ut_rand(&rng) >> 16;
			uint64_t x = ut_rand(&rng);
			uint64_t count = x % 4 == 0 ? ring
				       : x % 4 == 1 ? 64 - (from & 63) + (x >> 8) % 3
						    : (x >> 8) % ring;
			if (count > ring)
				count = ring;
			for (uint64_t k = 0; k < count; k++) {
				uint64_t pos = (from + k) & (ring - 1);
				ref[pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
			}
			sre_window_clear_range(bits, ring, from, count);
			ut_where("ring %u from %llu count %llu", ring,
				 (unsigned long long)from, (unsigned long long)count);
			if (!UT_MEMEQ(bits, ref, ring / 8))
				break;
		}
	}
}

static CU_TestInfo srtp_tests[] = {
	{"default_window_is_64", test_default_window_is_64},
	{"window_edge_each_size", test_window_edge_each_size},
	{"large_jumps_clear_old_bits", test_large_jumps_clear_old_bits},
	{"random_sequences_against_model", test_random_sequences_against_model},
	{"window_memory", test_window_memory},
	{"window_size_limits", test_window_size_limits},
	{"odd_window_sizes_are_exact", test_odd_window_sizes_are_exact},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo srtcp_and_burst_tests[] = {
	{"srtcp_window_128", test_srtcp_window_128},
	{"srtcp_highest_index", test_srtcp_highest_index},
	{"duplicates_inside_one_burst", test_duplicates_inside_one_burst},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo helper_tests[] = {
	{"window_helpers_against_model", test_window_helpers_against_model},
	{"window_clear_range_against_bitwise", test_window_clear_range_against_bitwise},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"srtp_window", NULL, NULL, NULL, NULL, srtp_tests},
		{"srtcp_window_and_bursts", NULL, NULL, NULL, NULL,
		 srtcp_and_burst_tests},
		{"window_helpers", NULL, NULL, NULL, NULL, helper_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
