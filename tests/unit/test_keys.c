/*
 * Contexts and master keys: what sre_ctx_create and sre_ctx_add_key refuse,
 * removing and choosing keys, make-before-break rekeying under two MKIs, a
 * caller's allocator, and key lifetimes: the soft and hard limit events fire
 * once each at their packet, and packets past the limit are refused on both
 * sides without touching any state.
 */
#include <stdlib.h>

#include "unit_util.h"

static const uint8_t mki_a[4] = {1, 2, 3, 4}; /* ut_mki0: seed 0's MKI */
static const uint8_t mki_b[4] = {0xb0, 0x0b, 0, 1};
static const uint8_t mki_c[4] = {0xc0, 0x0c, 0, 2};
static const uint8_t mki_d[4] = {0xd0, 0x0d, 0, 3};

static void count_free(void *p, void *arg);

/* ---- creating contexts ---- */

static int create(const struct sre_policy *pol, struct sre_ctx **ctx)
{
	*ctx = (struct sre_ctx *)(uintptr_t)1; /* must be reset on failure */
	int rc = sre_ctx_create(pol, NULL, ctx);
	if (rc != SRE_OK)
		UT_TRUE(*ctx == NULL);
	return rc;
}

static void test_ctx_create_refusals(void)
{
	struct sre_policy pol;
	struct sre_ctx *ctx;

	sre_policy_init(&pol, SRE_AES_CM_128_HMAC_SHA1_80, SRE_INBOUND);
	UT_ST(sre_ctx_create(NULL, NULL, &ctx), SRE_ERR_BAD_PARAM);
	UT_ST(sre_ctx_create(&pol, NULL, NULL), SRE_ERR_BAD_PARAM);

	static const uint64_t kdrs[] = {1, 2, 1u << 24, UINT64_MAX};
	for (unsigned i = 0; i < 4; i++) {
		sre_policy_init(&pol, SRE_AEAD_AES_128_GCM, SRE_OUTBOUND);
		pol.kdr = kdrs[i];
		UT_ST(create(&pol, &ctx), SRE_ERR_KDR_UNSUPPORTED);
	}
	for (unsigned len = 0; len <= 255; len++) {
		ut_where("mki_len %u", len);
		sre_policy_init(&pol, SRE_AES_CM_128_HMAC_SHA1_32, SRE_INBOUND);
		pol.mki_len = (uint8_t)len;
		int rc = create(&pol, &ctx);
		UT_ST(rc, len <= SRE_MAX_MKI_LEN ? SRE_OK : SRE_ERR_MKI_LENGTH);
		if (rc == SRE_OK)
			sre_ctx_destroy(ctx);
	}
	ut_where("suites and directions");
	static const int bad_suites[] = {SRE_SUITE_COUNT, SRE_SUITE_COUNT + 1,
					 -1, 1000};
	for (unsigned i = 0; i < 4; i++) {
		sre_policy_init(&pol, SRE_AES_CM_128_HMAC_SHA1_80, SRE_INBOUND);
		pol.suite = (enum sre_suite)bad_suites[i];
		UT_ST(create(&pol, &ctx), SRE_ERR_BAD_PARAM);
	}
	sre_policy_init(&pol, SRE_AES_CM_128_HMAC_SHA1_80, SRE_INBOUND);
	pol.direction = (enum sre_direction)2;
	UT_ST(create(&pol, &ctx), SRE_ERR_BAD_PARAM);

	ut_where("key limits");
	sre_policy_init(&pol, SRE_AES_CM_128_HMAC_SHA1_80, SRE_INBOUND);
	pol.rtp_key_limit = (UINT64_C(1) << 48) + 1;
	UT_ST(create(&pol, &ctx), SRE_ERR_BAD_PARAM);
	pol.rtp_key_limit = UINT64_C(1) << 48;
	pol.rtcp_key_limit = (UINT64_C(1) << 31) + 1;
	UT_ST(create(&pol, &ctx), SRE_ERR_BAD_PARAM);
	pol.rtcp_key_limit = UINT64_C(1) << 31;
	UT_ST(create(&pol, &ctx), SRE_OK);
	sre_ctx_destroy(ctx);

	ut_where("allocator without functions");
	struct sre_allocator half = {NULL, count_free, NULL};
	ctx = NULL;
	UT_ST(sre_ctx_create(&pol, &half, &ctx), SRE_ERR_BAD_PARAM);
	UT_TRUE(ctx == NULL);

	/* NULL is tolerated where it costs nothing */
	sre_ctx_destroy(NULL);
	UT_TRUE(sre_ctx_policy(NULL) == NULL);
	UT_EQ(sre_ctx_key_count(NULL), 0);
}

static void test_policy_defaults_and_copy(void)
{
	struct sre_policy pol;
	struct sre_ctx *ctx;

	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		for (int dir = 0; dir < 2; dir++) {
			ut_where("%s dir %d", sre_suite_name((enum sre_suite)s), dir);
			memset(&pol, 0x5a, sizeof(pol));
			sre_policy_init(&pol, (enum sre_suite)s,
					(enum sre_direction)dir);
			UT_EQ(pol.suite, s);
			UT_EQ(pol.direction, dir);
			UT_EQ(pol.mki_len, 0);
			UT_EQ(pol.rtcp_unencrypted, 0);
			UT_EQ(pol.replay_window, SRE_WINDOW_DEFAULT);
			UT_EQ(pol.kdr, 0);
			UT_EQ(pol.rtp_key_limit, 0);
			UT_EQ(pol.rtcp_key_limit, 0);
			UT_EQ(pol.soft_limit_margin, 0);
			UT_TRUE(pol.on_event == NULL);
			UT_TRUE(pol.event_arg == NULL);
			pol.mki_len = 3;
			UT_ST(create(&pol, &ctx), SRE_OK);
			/* the context keeps its own copy */
			pol.mki_len = 1;
			const struct sre_policy *p = sre_ctx_policy(ctx);
			UT_EQ(p->mki_len, 3);
			UT_EQ(p->suite, s);
			UT_EQ(p->direction, dir);
			UT_EQ(sre_ctx_key_count(ctx), 0);
			sre_ctx_destroy(ctx);
		}
	}
}

/* ---- adding keys ---- */

static int add_raw(struct sre_ctx *ctx, size_t key_len, size_t salt_len,
		   const uint8_t *mki)
{
	uint8_t key[64], salt[64];
	memset(key, 0x11, sizeof(key));
	memset(salt, 0x22, sizeof(salt));
	return sre_ctx_add_key(test_engine(), ctx, key, key_len, salt, salt_len,
			       mki);
}

static void test_add_key_refusals(void)
{
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		enum sre_suite suite = (enum sre_suite)s;
		size_t kl = sre_suite_master_key_len(suite);
		size_t sl = sre_suite_master_salt_len(suite);
		struct sre_policy pol;
		uint8_t key[32] = {0}, salt[14] = {0};

		ut_where("%s", sre_suite_name(suite));
		sre_policy_init(&pol, suite, SRE_INBOUND);
		pol.mki_len = 4;
		struct sre_ctx *ctx = ut_ctx_policy(&pol);

		size_t bad_keys[] = {0, kl - 1, kl + 1, kl == 16 ? 32 : 16, 64};
		for (unsigned i = 0; i < 5; i++)
			UT_ST(add_raw(ctx, bad_keys[i], sl, mki_a),
			      SRE_ERR_KEY_LENGTH);
		size_t bad_salts[] = {0, sl - 1, sl + 1, sl == 14 ? 12 : 14, 30};
		for (unsigned i = 0; i < 5; i++)
			UT_ST(add_raw(ctx, kl, bad_salts[i], mki_a),
			      SRE_ERR_SALT_LENGTH);
		UT_ST(sre_ctx_add_key(NULL, ctx, key, kl, salt, sl, mki_a),
		      SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_add_key(test_engine(), NULL, key, kl, salt, sl,
				      mki_a),
		      SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_add_key(test_engine(), ctx, NULL, kl, salt, sl,
				      mki_a),
		      SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_add_key(test_engine(), ctx, key, kl, NULL, sl,
				      mki_a),
		      SRE_ERR_BAD_PARAM);
		UT_ST(add_raw(ctx, kl, sl, NULL), SRE_ERR_BAD_PARAM);
		UT_EQ(sre_ctx_key_count(ctx), 0);

		UT_ST(add_raw(ctx, kl, sl, mki_a), SRE_OK);
		UT_ST(add_raw(ctx, kl, sl, mki_a), SRE_ERR_MKI_DUPLICATE);
		UT_ST(add_raw(ctx, kl, sl, mki_b), SRE_OK);
		UT_ST(add_raw(ctx, kl, sl, mki_c), SRE_OK);
		UT_ST(add_raw(ctx, kl, sl, mki_b), SRE_ERR_MKI_DUPLICATE);
		UT_ST(add_raw(ctx, kl, sl, mki_d), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), SRE_MAX_KEYS);
		uint8_t mki_e[4] = {0xe0, 0, 0, 0};
		UT_ST(add_raw(ctx, kl, sl, mki_e), SRE_ERR_TOO_MANY_KEYS);
		UT_EQ(sre_ctx_key_count(ctx), SRE_MAX_KEYS);
		/* a free slot takes a key again */
		UT_ST(sre_ctx_remove_key(ctx, mki_c), SRE_OK);
		UT_ST(add_raw(ctx, kl, sl, mki_e), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), SRE_MAX_KEYS);
		sre_ctx_destroy(ctx);

		/* without MKI a context holds one key */
		sre_policy_init(&pol, suite, SRE_OUTBOUND);
		ctx = ut_ctx_policy(&pol);
		UT_ST(add_raw(ctx, kl, sl, NULL), SRE_OK);
		UT_ST(add_raw(ctx, kl, sl, NULL), SRE_ERR_TOO_MANY_KEYS);
		UT_EQ(sre_ctx_key_count(ctx), 1);
		sre_ctx_destroy(ctx);
	}
}

/* Protects one RTP packet (next seq) and returns the MKI it carries. */
static void protect_mki(struct sre_stream *tx, uint16_t seq, uint8_t *mki_out)
{
	uint8_t buf[UT_BUF];
	const struct sre_policy *pol = sre_ctx_policy(tx->ctx);
	uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, seq, 0, 0, -1, 20);

	UT_ST(ut_protect(test_engine(), tx, SRE_RTP, buf, &len, UT_BUF), SRE_OK);
	struct ut_layout l = ut_layout(pol->suite, pol->mki_len, SRE_RTP, len);
	memcpy(mki_out, buf + l.mki_off, pol->mki_len);
}

static void test_remove_and_set_active_key(void)
{
	for (int gcm = 0; gcm < 2; gcm++) {
		enum sre_suite suite = gcm ? SRE_AEAD_AES_256_GCM
					   : SRE_AES_CM_128_HMAC_SHA1_80;
		struct sre_policy pol;
		struct sre_stream tx;
		struct sre_key_usage u;
		uint8_t got[4];
		uint16_t seq = 1;

		ut_where("%s", sre_suite_name(suite));
		sre_policy_init(&pol, suite, SRE_OUTBOUND);
		pol.mki_len = 4;
		struct sre_ctx *ctx = ut_ctx_policy(&pol);
		ut_stream(&tx, ctx, UT_SSRC);
		UT_ST(ut_add_key(test_engine(), ctx, 0, mki_a), SRE_OK);
		UT_ST(ut_add_key(test_engine(), ctx, 1, mki_b), SRE_OK);
		UT_ST(ut_add_key(test_engine(), ctx, 2, mki_c), SRE_OK);

		protect_mki(&tx, seq++, got); /* the first key added */
		UT_MEMEQ(got, mki_a, 4);
		UT_ST(sre_ctx_set_active_key(ctx, mki_c), SRE_OK);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_c, 4);
		UT_ST(sre_ctx_set_active_key(ctx, mki_d), SRE_ERR_UNKNOWN_MKI);
		UT_ST(sre_ctx_set_active_key(ctx, NULL), SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_set_active_key(NULL, mki_a), SRE_ERR_BAD_PARAM);
		protect_mki(&tx, seq++, got); /* refusals changed nothing */
		UT_MEMEQ(got, mki_c, 4);

		/* removing a key before the active one keeps the active one */
		UT_ST(sre_ctx_remove_key(ctx, mki_a), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 2);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_c, 4);
		UT_ST(sre_ctx_key_usage(ctx, mki_a, &u), SRE_ERR_UNKNOWN_MKI);
		UT_ST(sre_ctx_remove_key(ctx, mki_a), SRE_ERR_UNKNOWN_MKI);
		UT_ST(sre_ctx_remove_key(ctx, NULL), SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_remove_key(NULL, mki_b), SRE_ERR_BAD_PARAM);
		u = ut_usage(ctx, mki_c);
		UT_EQ(u.rtp_packets, 3);
		UT_EQ(ut_usage(ctx, mki_b).rtp_packets, 0);

		/* Removing the active key leaves none active: the sender does
		 * not silently switch to another key. */
		UT_ST(sre_ctx_remove_key(ctx, mki_c), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 1);
		uint8_t buf[UT_BUF];
		struct ut_snap snap;
		uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, seq, 0, 0,
							-1, 20);
		ut_snap(&snap, &tx);
		UT_ST(ut_protect(test_engine(), &tx, SRE_RTP, buf, &len, UT_BUF),
		      SRE_ERR_NO_KEY);
		UT_UNCHANGED(&snap, &tx);
		UT_ST(sre_ctx_set_active_key(ctx, mki_b), SRE_OK);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_b, 4);
		UT_ST(ut_add_key(test_engine(), ctx, 3, mki_d), SRE_OK);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_b, 4); /* adding does not switch */
		UT_ST(sre_ctx_set_active_key(ctx, mki_d), SRE_OK);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_d, 4);
		UT_EQ(ut_usage(ctx, mki_b).rtp_packets, 2);
		UT_EQ(ut_usage(ctx, mki_d).rtp_packets, 1);
		/* with none active, the next key added becomes active */
		UT_ST(sre_ctx_remove_key(ctx, mki_d), SRE_OK);
		UT_ST(ut_add_key(test_engine(), ctx, 4, mki_a), SRE_OK);
		protect_mki(&tx, seq++, got);
		UT_MEMEQ(got, mki_a, 4);
		UT_ST(sre_ctx_remove_key(ctx, mki_a), SRE_OK);
		UT_ST(sre_ctx_key_usage(ctx, mki_d, NULL), SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_key_usage(NULL, mki_d, &u), SRE_ERR_BAD_PARAM);
		UT_ST(sre_ctx_key_usage(ctx, NULL, &u), SRE_ERR_BAD_PARAM);

		/* down to no key at all */
		UT_ST(sre_ctx_remove_key(ctx, mki_b), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 0);
		len = (uint32_t)test_build_rtp(buf, UT_SSRC, seq, 0, 0, -1, 20);
		UT_ST(ut_protect(test_engine(), &tx, SRE_RTP, buf, &len, UT_BUF),
		      SRE_ERR_NO_KEY);
		ut_stream_fini(&tx);
		sre_ctx_destroy(ctx);

		/* without MKI: the one key is named by NULL */
		ctx = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
		UT_ST(sre_ctx_set_active_key(ctx, NULL), SRE_OK);
		UT_ST(sre_ctx_key_usage(ctx, NULL, &u), SRE_OK);
		UT_ST(sre_ctx_remove_key(ctx, NULL), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 0);
		UT_ST(sre_ctx_remove_key(ctx, NULL), SRE_ERR_UNKNOWN_MKI);
		UT_ST(ut_add_key(test_engine(), ctx, 4, NULL), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 1);
		sre_ctx_destroy(ctx);
	}
}

static void test_make_before_break(void)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_32,
						SRE_AES_256_CM_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM,
						SRE_NULL_HMAC_SHA1_80};
	for (unsigned si = 0; si < 4; si++) {
		enum { N = 90 };
		static uint8_t pkt[N][128], plain[N][128];
		uint32_t len[N], plen[N];
		bool under_b[N];
		struct sre_packet p[N];
		struct sre_stream tx, rx;
		uint64_t rng = 42 + si;
		unsigned na = 0, nb = 0;

		ut_where("%s", sre_suite_name(suites[si]));
		struct sre_ctx *out = ut_ctx(suites[si], SRE_OUTBOUND, 4, 0);
		struct sre_ctx *in = ut_ctx(suites[si], SRE_INBOUND, 4, 0);
		UT_ST(ut_add_key(test_engine(), out, 7, mki_b), SRE_OK);
		UT_ST(ut_add_key(test_engine(), in, 7, mki_b), SRE_OK);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);

		/* RTP and RTCP, switching keys at random while sending */
		for (unsigned i = 0; i < N; i++) {
			under_b[i] = ut_rand(&rng) & 1;
			UT_ST(sre_ctx_set_active_key(out, under_b[i] ? mki_b
								      : mki_a),
			      SRE_OK);
			enum sre_kind kind = i % 3 == 2 ? SRE_RTCP : SRE_RTP;
			plen[i] = kind == SRE_RTCP
				? (uint32_t)test_build_rtcp(plain[i], UT_SSRC, 3, i)
				: (uint32_t)test_build_rtp(plain[i], UT_SSRC,
							   (uint16_t)(100 + i), 0,
							   0, -1, 20);
			memcpy(pkt[i], plain[i], plen[i]);
			len[i] = plen[i];
			UT_ST(ut_protect(test_engine(), &tx, kind, pkt[i], &len[i],
					 sizeof(pkt[i])),
			      SRE_OK);
			struct ut_layout l = ut_layout(suites[si], 4, kind, len[i]);
			UT_MEMEQ(pkt[i] + l.mki_off, under_b[i] ? mki_b : mki_a, 4);
			p[i] = (struct sre_packet){.data = pkt[i], .len = len[i],
						   .room = sizeof(pkt[i]),
						   .stream = &rx,
						   .kind = (uint8_t)kind};
			if (under_b[i])
				nb++;
			else
				na++;
		}
		UT_TRUE(na > 10 && nb > 10);

		/* The receiver holds both keys: first a few alone, then the
		 * rest in one burst. */
		for (unsigned i = 0; i < 6; i++)
			UT_EQ(sre_unprotect_burst(test_engine(), &p[i], 1), 1);
		UT_EQ(sre_unprotect_burst(test_engine(), p + 6, N - 6), N - 6);
		uint64_t a_rtp = 0, a_rtcp = 0, b_rtp = 0, b_rtcp = 0;
		for (unsigned i = 0; i < N; i++) {
			UT_ST(p[i].status, SRE_OK);
			UT_EQ(p[i].len, plen[i]);
			UT_MEMEQ(pkt[i], plain[i], plen[i]);
			bool rtcp = i % 3 == 2;
			*(under_b[i] ? (rtcp ? &b_rtcp : &b_rtp)
				     : (rtcp ? &a_rtcp : &a_rtp)) += 1;
		}
		for (int side = 0; side < 2; side++) {
			struct sre_ctx *c = side ? in : out;
			UT_EQ(ut_usage(c, mki_a).rtp_packets, a_rtp);
			UT_EQ(ut_usage(c, mki_a).rtcp_packets, a_rtcp);
			UT_EQ(ut_usage(c, mki_b).rtp_packets, b_rtp);
			UT_EQ(ut_usage(c, mki_b).rtcp_packets, b_rtcp);
		}

		/* The keys really differ: key B's packet relabelled A fails. */
		uint8_t buf[UT_BUF];
		struct ut_snap snap;
		UT_ST(sre_ctx_set_active_key(out, mki_b), SRE_OK);
		for (int kind = 0; kind < 2; kind++) {
			uint32_t l2 = kind ? ut_rtcp_at(out, UT_SSRC, 500, 3, buf)
					   : ut_rtp_at(out, UT_SSRC, 300, 20, buf);
			struct ut_layout l = ut_layout(suites[si], 4,
						       (enum sre_kind)kind, l2);
			memcpy(buf + l.mki_off, mki_a, 4);
			ut_snap(&snap, &rx);
			UT_ST(ut_unprotect(test_engine(), &rx, (enum sre_kind)kind,
					   buf, &l2),
			      SRE_ERR_AUTH_FAIL);
			UT_UNCHANGED(&snap, &rx);
		}

		/* Break: the old key goes; its packets name an unknown MKI,
		 * the new key's still pass. */
		UT_ST(sre_ctx_remove_key(in, mki_a), SRE_OK);
		for (int kind = 0; kind < 2; kind++) {
			for (int b = 0; b < 2; b++) {
				UT_ST(sre_ctx_set_active_key(out, b ? mki_b : mki_a),
				      SRE_OK);
				uint32_t l2 = kind
					? ut_rtcp_at(out, UT_SSRC, 600 + (uint32_t)b, 3, buf)
					: ut_rtp_at(out, UT_SSRC, 400 + (uint64_t)b, 20,
						    buf);
				ut_snap(&snap, &rx);
				UT_ST(ut_unprotect(test_engine(), &rx,
						   (enum sre_kind)kind, buf, &l2),
				      b ? SRE_OK : SRE_ERR_UNKNOWN_MKI);
				if (!b)
					UT_UNCHANGED(&snap, &rx);
			}
		}
		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

/* ---- a caller's allocator ---- */

struct alloc_count {
	unsigned allocs, frees, fail_after;
	size_t bad_align;
};

static void *count_alloc(size_t size, size_t align, void *arg)
{
	struct alloc_count *c = arg;
	void *p;

	if (c->fail_after == 0)
		return NULL;
	c->fail_after--;
	if (align < 64)
		c->bad_align++;
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	c->allocs++;
	return p;
}

static void count_free(void *p, void *arg)
{
	struct alloc_count *c = arg;
	c->frees++;
	free(p);
}

static void test_caller_allocator(void)
{
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		struct alloc_count c = {0, 0, 1000, 0};
		struct sre_allocator a = {count_alloc, count_free, &c};
		struct sre_policy pol;
		struct sre_ctx *ctx;

		ut_where("%s", sre_suite_name((enum sre_suite)s));
		sre_policy_init(&pol, (enum sre_suite)s, SRE_INBOUND);
		pol.mki_len = 4;
		UT_ST(sre_ctx_create(&pol, &a, &ctx), SRE_OK);
		UT_EQ(c.allocs, 1);
		UT_ST(ut_add_key(test_engine(), ctx, 1, mki_a), SRE_OK);
		UT_ST(ut_add_key(test_engine(), ctx, 2, mki_b), SRE_OK);
		unsigned per_key = (c.allocs - 1) / 2;
		UT_TRUE(per_key >= 1);
		UT_ST(sre_ctx_remove_key(ctx, mki_a), SRE_OK);
		UT_EQ(c.frees, per_key);

		/* running out of memory leaves the context as it was */
		c.fail_after = 0;
		UT_ST(ut_add_key(test_engine(), ctx, 3, mki_c), SRE_ERR_NO_MEMORY);
		UT_EQ(sre_ctx_key_count(ctx), 1);
		c.fail_after = 1000;
		UT_ST(ut_add_key(test_engine(), ctx, 3, mki_c), SRE_OK);
		UT_EQ(sre_ctx_key_count(ctx), 2);
		sre_ctx_destroy(ctx);
		UT_EQ(c.allocs, c.frees);
		UT_EQ(c.bad_align, 0);

		c.fail_after = 0;
		ctx = (struct sre_ctx *)(uintptr_t)1;
		UT_ST(sre_ctx_create(&pol, &a, &ctx), SRE_ERR_NO_MEMORY);
		UT_TRUE(ctx == NULL);
	}
}

/* ---- key lifetime ---- */

struct event_rec {
	struct sre_ctx *ctx;
	uint8_t mki[4];
	int is_rtcp;
	enum sre_event event;
	unsigned at; /* the test's packet number when it fired */
};

struct event_log {
	struct event_rec rec[32];
	unsigned n;
	unsigned packet;
	uint8_t mki_len;
};

static void on_event(struct sre_ctx *ctx, const uint8_t *mki, int is_rtcp,
		     enum sre_event event, void *arg)
{
	struct event_log *log = arg;

	if (log->n >= 32)
		return;
	struct event_rec *r = &log->rec[log->n++];
	r->ctx = ctx;
	memset(r->mki, 0, 4);
	memcpy(r->mki, mki, log->mki_len);
	r->is_rtcp = is_rtcp;
	r->event = event;
	r->at = log->packet;
}

static struct sre_ctx *limited_ctx(enum sre_suite suite, enum sre_direction dir,
				   uint8_t mki_len, uint64_t limit,
				   uint64_t margin, struct event_log *log)
{
	struct sre_policy pol;

	sre_policy_init(&pol, suite, dir);
	pol.mki_len = mki_len;
	pol.rtp_key_limit = limit;
	pol.rtcp_key_limit = limit;
	pol.soft_limit_margin = margin;
	pol.on_event = on_event;
	pol.event_arg = log;
	memset(log, 0, sizeof(*log));
	log->mki_len = mki_len;
	struct sre_ctx *ctx = ut_ctx_policy(&pol);
	UT_ST(ut_add_key(test_engine(), ctx, 0, mki_len ? mki_a : NULL), SRE_OK);
	return ctx;
}

static void expect_event(const struct event_log *log, unsigned i,
			 const struct sre_ctx *ctx, const uint8_t *mki,
			 int is_rtcp, enum sre_event ev, unsigned at)
{
	if (!UT_TRUE(log->n > i))
		return;
	const struct event_rec *r = &log->rec[i];
	UT_TRUE(r->ctx == ctx);
	UT_MEMEQ(r->mki, mki, log->mki_len);
	UT_EQ(r->is_rtcp, is_rtcp);
	UT_EQ(r->event, ev);
	UT_EQ(r->at, at);
}

/* A packet of `kind` for the sender or the receiver side under test. */
static uint32_t make_packet(bool receiver, struct sre_ctx *free_out,
			    enum sre_kind kind, unsigned n, uint8_t *buf)
{
	if (receiver)
		return kind == SRE_RTCP ? ut_rtcp_at(free_out, UT_SSRC, n, 2, buf)
					: ut_rtp_at(free_out, UT_SSRC, n, 8, buf);
	return kind == SRE_RTCP
		       ? (uint32_t)test_build_rtcp(buf, UT_SSRC, 2, n)
		       : (uint32_t)test_build_rtp(buf, UT_SSRC, (uint16_t)n, 0, 0,
						  -1, 8);
}

/* One packet through the side under test; returns its status and checks
 * that a refused one changed nothing. */
static int one_packet(bool receiver, struct sre_stream *s, struct sre_ctx *peer,
		      enum sre_kind kind, unsigned n)
{
	uint8_t buf[UT_BUF];
	struct ut_snap snap;
	uint32_t len = make_packet(receiver, peer, kind, n, buf);

	ut_snap(&snap, s);
	int rc = receiver ? ut_unprotect(test_engine(), s, kind, buf, &len)
			  : ut_protect(test_engine(), s, kind, buf, &len, UT_BUF);
	if (rc != SRE_OK)
		UT_UNCHANGED(&snap, s);
	return rc;
}

static void test_key_limits_one_by_one(void)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM,
						SRE_NULL_HMAC_SHA1_80};
	for (unsigned si = 0; si < 3; si++) {
		for (int receiver = 0; receiver < 2; receiver++) {
			for (int kind = 0; kind < 2; kind++) {
				struct event_log log;
				struct sre_stream s;
				enum sre_suite suite = suites[si];
				const char *side = receiver ? "unprotect" : "protect";
				const char *kname = kind ? "rtcp" : "rtp";
				struct sre_ctx *ctx = limited_ctx(
					suite, receiver ? SRE_INBOUND : SRE_OUTBOUND,
					4, 100, 10, &log);
				/* the peer of a limited receiver is unlimited */
				struct sre_ctx *peer =
					ut_ctx(suite, SRE_OUTBOUND, 4, 0);
				ut_stream(&s, ctx, UT_SSRC);

				for (unsigned n = 1; n <= 103; n++) {
					ut_where("%s %s %s packet %u",
						 sre_suite_name(suite), side, kname, n);
					log.packet = n;
					UT_ST(one_packet(receiver, &s, peer,
							 (enum sre_kind)kind, n),
					      n <= 100 ? SRE_OK
						       : SRE_ERR_KEY_EXHAUSTED);
					struct sre_key_usage u = ut_usage(ctx, mki_a);
					UT_EQ(kind ? u.rtcp_packets : u.rtp_packets,
					      n <= 100 ? n : 100);
					UT_EQ(kind ? u.rtp_packets : u.rtcp_packets, 0);
					UT_EQ(log.n, n < 90 ? 0 : n < 100 ? 1 : 2);
				}
				expect_event(&log, 0, ctx, mki_a, kind,
					     SRE_EVENT_KEY_SOFT_LIMIT, 90);
				expect_event(&log, 1, ctx, mki_a, kind,
					     SRE_EVENT_KEY_HARD_LIMIT, 100);
				/* RFC 3711 §9.2: either limit ends the key for
				 * both kinds */
				ut_where("%s %s %s: other kind after the limit",
					 sre_suite_name(suite), side, kname);
				log.packet = 500;
				UT_ST(one_packet(receiver, &s, peer,
						 (enum sre_kind)!kind, 500),
				      SRE_ERR_KEY_EXHAUSTED);
				UT_EQ(log.n, 2);

				/* a new key starts from zero */
				UT_ST(ut_add_key(test_engine(), ctx, 0, mki_b),
				      SRE_OK);
				if (receiver)
					UT_ST(ut_add_key(test_engine(), peer, 0, mki_b),
					      SRE_OK);
				UT_ST(sre_ctx_set_active_key(receiver ? peer : ctx,
							     mki_b),
				      SRE_OK);
				for (unsigned n = 200; n < 292; n++) {
					ut_where("%s %s %s new key, packet %u",
						 sre_suite_name(suite), side, kname,
						 n);
					log.packet = n;
					UT_ST(one_packet(receiver, &s, peer,
							 (enum sre_kind)kind, n),
					      SRE_OK);
				}
				UT_ST(one_packet(receiver, &s, peer,
						 (enum sre_kind)!kind, 300),
				      SRE_OK);
				struct sre_key_usage ub = ut_usage(ctx, mki_b);
				UT_EQ(kind ? ub.rtcp_packets : ub.rtp_packets, 92);
				UT_EQ(kind ? ub.rtp_packets : ub.rtcp_packets, 1);
				UT_EQ(log.n, 3);
				expect_event(&log, 2, ctx, mki_b, kind,
					     SRE_EVENT_KEY_SOFT_LIMIT, 200 + 89);
				/* the old key stays spent */
				UT_ST(sre_ctx_set_active_key(receiver ? peer : ctx,
							     mki_a),
				      SRE_OK);
				UT_ST(one_packet(receiver, &s, peer,
						 (enum sre_kind)kind, 400),
				      SRE_ERR_KEY_EXHAUSTED);
				UT_EQ(log.n, 3);
				ut_stream_fini(&s);
				sre_ctx_destroy(ctx);
				sre_ctx_destroy(peer);
			}
		}
	}
}

static void test_key_limit_inside_a_burst(void)
{
	for (int receiver = 0; receiver < 2; receiver++) {
		for (int gcm = 0; gcm < 2; gcm++) {
			enum sre_suite suite = gcm ? SRE_AEAD_AES_256_GCM
						   : SRE_AES_256_CM_HMAC_SHA1_32;
			struct event_log log;
			struct sre_stream s;
			static uint8_t bufs[20][128];
			struct sre_packet p[20];

			ut_where("%s %s", sre_suite_name(suite),
				 receiver ? "unprotect" : "protect");
			struct sre_ctx *ctx = limited_ctx(
				suite, receiver ? SRE_INBOUND : SRE_OUTBOUND, 0,
				100, 10, &log);
			struct sre_ctx *peer = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
			ut_stream(&s, ctx, UT_SSRC);
			for (unsigned n = 1; n <= 85; n++) {
				uint8_t buf[UT_BUF];
				uint32_t len = make_packet(receiver, peer, SRE_RTP, n,
							   buf);
				UT_ST(receiver ? ut_unprotect(test_engine(), &s,
							      SRE_RTP, buf, &len)
					       : ut_protect(test_engine(), &s,
							    SRE_RTP, buf, &len,
							    UT_BUF),
				      SRE_OK);
			}
			UT_EQ(log.n, 0);
			/* 20 packets with 15 left: soft at the 5th, hard at the
			 * 15th, the last 5 refused */
			for (unsigned i = 0; i < 20; i++)
				p[i] = (struct sre_packet){
					.data = bufs[i],
					.len = make_packet(receiver, peer, SRE_RTP,
							   86 + i, bufs[i]),
					.room = sizeof(bufs[i]), .stream = &s,
					.kind = SRE_RTP};
			log.packet = 1000;
			unsigned ok = receiver
				? sre_unprotect_burst(test_engine(), p, 20)
				: sre_protect_burst(test_engine(), p, 20);
			UT_EQ(ok, 15);
			for (unsigned i = 0; i < 20; i++)
				UT_ST(p[i].status,
				      i < 15 ? SRE_OK : SRE_ERR_KEY_EXHAUSTED);
			UT_EQ(ut_usage(ctx, NULL).rtp_packets, 100);
			UT_EQ(log.n, 2);
			UT_EQ(log.rec[0].event, SRE_EVENT_KEY_SOFT_LIMIT);
			UT_EQ(log.rec[1].event, SRE_EVENT_KEY_HARD_LIMIT);
			UT_EQ(s.seq, 100);
			ut_stream_fini(&s);
			sre_ctx_destroy(ctx);
			sre_ctx_destroy(peer);
		}
	}
}

static void test_soft_margin_defaults_and_extremes(void)
{
	static const struct {
		uint64_t limit, margin;
		unsigned soft_at; /* packet of the soft event */
	} cases[] = {
		{100, 0, 1},        /* default margin 2^16 covers it all */
		{100, 99, 1},
		{100, 100, 1},
		{100, 1, 99},
		{70000, 0, 70000 - 65536},
		{5, 4, 1},
		{1, 0, 1},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct event_log log;
		struct sre_stream tx;
		uint8_t buf[UT_BUF];

		ut_where("limit %llu margin %llu",
			 (unsigned long long)cases[i].limit,
			 (unsigned long long)cases[i].margin);
		struct sre_ctx *ctx = limited_ctx(SRE_AES_CM_128_HMAC_SHA1_80,
						  SRE_OUTBOUND, 0, cases[i].limit,
						  cases[i].margin, &log);
		ut_stream(&tx, ctx, UT_SSRC);
		unsigned soft = 0, hard = 0;
		for (unsigned n = 1; n <= cases[i].limit + 1; n++) {
			log.packet = n;
			uint32_t len = (uint32_t)test_build_rtcp(buf, UT_SSRC, 1, n);
			int rc = ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len,
					    UT_BUF);
			if (n <= cases[i].limit ? !UT_ST(rc, SRE_OK)
						: !UT_ST(rc, SRE_ERR_KEY_EXHAUSTED))
				break;
		}
		for (unsigned k = 0; k < log.n; k++) {
			UT_EQ(log.rec[k].is_rtcp, 1);
			if (log.rec[k].event == SRE_EVENT_KEY_SOFT_LIMIT) {
				soft++;
				UT_EQ(log.rec[k].at, cases[i].soft_at);
			} else {
				hard++;
				UT_EQ(log.rec[k].at, cases[i].limit);
			}
		}
		UT_EQ(soft, 1);
		UT_EQ(hard, 1);
		ut_stream_fini(&tx);
		sre_ctx_destroy(ctx);
	}
}

/* A sender that rekeys from its callback: on the soft limit it adds key B,
 * on the hard limit it switches to B and drops A. */
struct rekey {
	struct event_log log;
	int add_rc, switch_rc, remove_rc;
};

static void rekey_on_event(struct sre_ctx *ctx, const uint8_t *mki,
			   int is_rtcp, enum sre_event event, void *arg)
{
	struct rekey *r = arg;

	on_event(ctx, mki, is_rtcp, event, &r->log);
	if (memcmp(mki, mki_a, 4) != 0)
		return;
	if (event == SRE_EVENT_KEY_SOFT_LIMIT) {
		r->add_rc = ut_add_key(test_engine(), ctx, 6, mki_b);
	} else {
		r->switch_rc = sre_ctx_set_active_key(ctx, mki_b);
		r->remove_rc = sre_ctx_remove_key(ctx, mki_a);
	}
}

static void test_event_callback_may_rekey(void)
{
	/* Events come after the chunk (128 packets) that crossed the limit:
	 * its packets past the limit are refused, the next chunk goes out
	 * under the new key, and nothing freed by the callback is touched
	 * again (ASan would tell). */
	for (int gcm = 0; gcm < 2; gcm++) {
		enum sre_suite suite = gcm ? SRE_AEAD_AES_128_GCM
					   : SRE_AES_CM_128_HMAC_SHA1_80;
		enum { N = 200 }; /* B, limited too, takes the last 72 */
		static uint8_t bufs[N][128];
		struct sre_packet p[N];
		struct sre_policy pol;
		struct sre_stream tx, rx;
		struct rekey r;

		ut_where("%s", sre_suite_name(suite));
		memset(&r, 0, sizeof(r));
		r.log.mki_len = 4;
		r.add_rc = r.switch_rc = r.remove_rc = -1;
		sre_policy_init(&pol, suite, SRE_OUTBOUND);
		pol.mki_len = 4;
		pol.rtp_key_limit = 100;
		pol.soft_limit_margin = 10;
		pol.on_event = rekey_on_event;
		pol.event_arg = &r;
		struct sre_ctx *out = ut_ctx_policy(&pol);
		UT_ST(ut_add_key(test_engine(), out, 0, mki_a), SRE_OK);
		struct sre_ctx *in = ut_ctx(suite, SRE_INBOUND, 4, 1024);
		UT_ST(ut_add_key(test_engine(), in, 6, mki_b), SRE_OK);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);

		for (unsigned i = 0; i < N; i++)
			p[i] = (struct sre_packet){
				.data = bufs[i],
				.len = (uint32_t)test_build_rtp(bufs[i], UT_SSRC,
								(uint16_t)i, 0, 0,
								-1, 20),
				.room = sizeof(bufs[i]), .stream = &tx,
				.kind = SRE_RTP};
		UT_EQ(sre_protect_burst(test_engine(), p, N), 100 + (N - 128));
		for (unsigned i = 0; i < N; i++) {
			ut_where("%s packet %u", sre_suite_name(suite), i);
			int want = i < 100 || i >= 128 ? SRE_OK
						       : SRE_ERR_KEY_EXHAUSTED;
			if (!UT_ST(p[i].status, want) || want != SRE_OK)
				continue;
			struct ut_layout l = ut_layout(suite, 4, SRE_RTP, p[i].len);
			UT_MEMEQ(bufs[i] + l.mki_off, i < 100 ? mki_a : mki_b, 4);
		}
		ut_where("%s", sre_suite_name(suite));
		UT_EQ(r.log.n, 2);
		UT_ST(r.add_rc, SRE_OK);
		UT_ST(r.switch_rc, SRE_OK);
		UT_ST(r.remove_rc, SRE_OK);
		UT_EQ(sre_ctx_key_count(out), 1);
		UT_EQ(ut_usage(out, mki_b).rtp_packets, N - 128);

		/* the receiver knows both keys and takes every packet sent */
		unsigned m = 0;
		for (unsigned i = 0; i < N; i++)
			if (p[i].status == SRE_OK) {
				p[m] = p[i];
				p[m++].stream = &rx;
			}
		UT_EQ(sre_unprotect_burst(test_engine(), p, m), m);
		UT_EQ(ut_usage(in, mki_a).rtp_packets, 100);
		UT_EQ(ut_usage(in, mki_b).rtp_packets, N - 128);
		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

static CU_TestInfo ctx_tests[] = {
	{"ctx_create_refusals", test_ctx_create_refusals},
	{"policy_defaults_and_copy", test_policy_defaults_and_copy},
	{"add_key_refusals", test_add_key_refusals},
	{"remove_and_set_active_key", test_remove_and_set_active_key},
	{"make_before_break", test_make_before_break},
	{"caller_allocator", test_caller_allocator},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo limit_tests[] = {
	{"key_limits_one_by_one", test_key_limits_one_by_one},
	{"key_limit_inside_a_burst", test_key_limit_inside_a_burst},
	{"soft_margin_defaults_and_extremes", test_soft_margin_defaults_and_extremes},
	{"event_callback_may_rekey", test_event_callback_may_rekey},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"contexts_and_keys", NULL, NULL, NULL, NULL, ctx_tests},
		{"key_lifetime", NULL, NULL, NULL, NULL, limit_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
