/*
 * The sending side: an SRTP index is never protected twice (keystream
 * reuse), SRTCP indexes count 0, 1, 2, ... and end at 2^31 - 1, and a
 * protected packet is laid out as RFC 3711 / RFC 7714 say (header in clear,
 * payload encrypted except under NULL, MKI and tag where they belong).
 */
#include <stdlib.h>

#include "unit_util.h"

static const enum sre_suite all_suites[] = {
	SRE_AES_CM_128_HMAC_SHA1_80, SRE_AES_CM_128_HMAC_SHA1_32,
	SRE_AES_256_CM_HMAC_SHA1_80, SRE_AES_256_CM_HMAC_SHA1_32,
	SRE_AEAD_AES_128_GCM,        SRE_AEAD_AES_256_GCM,
	SRE_NULL_HMAC_SHA1_80,
};
#define NSUITES (sizeof(all_suites) / sizeof(all_suites[0]))

static bool suite_encrypts(enum sre_suite s)
{
	return s != SRE_NULL_HMAC_SHA1_80;
}

/* Protects RTP seq on tx expecting `want`; on failure the stream, key
 * usage and buffer must be untouched. */
static void protect_seq(struct sre_stream *tx, uint16_t seq, int want)
{
	uint8_t buf[UT_BUF], orig[UT_BUF];
	struct ut_snap snap;
	uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, seq, 0, 0, -1, 30);
	uint32_t plen = len;

	memcpy(orig, buf, UT_BUF);
	ut_snap(&snap, tx);
	UT_ST(ut_protect(test_engine(), tx, SRE_RTP, buf, &len, UT_BUF), want);
	if (want != SRE_OK) {
		UT_EQ(len, plen);
		UT_MEMEQ(buf, orig, UT_BUF);
		UT_UNCHANGED(&snap, tx);
	}
}

static void test_same_sequence_number_twice_refused(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		for (uint32_t window = 64; window <= 4096; window *= 64) {
			struct sre_stream tx;
			struct sre_ctx *out = ut_ctx(all_suites[si], SRE_OUTBOUND,
						     0, window);

			ut_where("%s window %u", sre_suite_name(all_suites[si]),
				 window);
			ut_stream(&tx, out, UT_SSRC);
			protect_seq(&tx, 10, SRE_OK);
			protect_seq(&tx, 10, SRE_ERR_REPLAY_DUPLICATE);
			protect_seq(&tx, 12, SRE_OK);
			protect_seq(&tx, 11, SRE_OK); /* unused, so allowed */
			protect_seq(&tx, 11, SRE_ERR_REPLAY_DUPLICATE);
			protect_seq(&tx, 10, SRE_ERR_REPLAY_DUPLICATE);
			protect_seq(&tx, (uint16_t)(12 + window), SRE_OK);
			/* out of the window: its use cannot be ruled out */
			protect_seq(&tx, 12, SRE_ERR_REPLAY_TOO_OLD);
			protect_seq(&tx, 10, SRE_ERR_REPLAY_TOO_OLD);
			protect_seq(&tx, 13, SRE_OK); /* the window's oldest */
			UT_EQ(tx.seq, 12 + window);
			/* the same seq under the next ROC is a new index */
			for (uint32_t s = 12 + window + 30000; s < 65536 + 10;
			     s += 30000)
				protect_seq(&tx, (uint16_t)s, SRE_OK);
			protect_seq(&tx, 10, SRE_OK);
			UT_EQ(sre_stream_roc(&tx), 1);
			protect_seq(&tx, 10, SRE_ERR_REPLAY_DUPLICATE);
			ut_stream_fini(&tx);
			sre_ctx_destroy(out);
		}
	}
}

static void test_same_sequence_number_twice_in_one_burst(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		for (int fresh = 0; fresh < 2; fresh++) {
			uint8_t bufs[4][UT_BUF], orig[UT_BUF];
			struct sre_packet p[4];
			struct sre_stream tx;
			static const uint16_t seqs[4] = {30, 31, 30, 31};
			static const int want[4] = {SRE_OK, SRE_OK,
						    SRE_ERR_REPLAY_DUPLICATE,
						    SRE_ERR_REPLAY_DUPLICATE};
			struct sre_ctx *out = ut_ctx(all_suites[si], SRE_OUTBOUND,
						     0, 0);

			ut_where("%s %s", sre_suite_name(all_suites[si]),
				 fresh ? "first burst" : "later burst");
			ut_stream(&tx, out, UT_SSRC);
			if (!fresh)
				protect_seq(&tx, 20, SRE_OK);
			for (int i = 0; i < 4; i++)
				p[i] = (struct sre_packet){
					.data = bufs[i],
					.len = (uint32_t)test_build_rtp(
						bufs[i], UT_SSRC, seqs[i], 0, 0, -1,
						16),
					.room = UT_BUF, .stream = &tx,
					.kind = SRE_RTP};
			memcpy(orig, bufs[2], p[2].len);
			UT_EQ(sre_protect_burst(test_engine(), p, 4), 2);
			for (int i = 0; i < 4; i++)
				UT_ST(p[i].status, want[i]);
			UT_EQ(p[2].len, 12 + 16);
			UT_MEMEQ(bufs[2], orig, 12 + 16);
			UT_EQ(ut_usage(out, NULL).rtp_packets, fresh ? 2 : 3);
			ut_stream_fini(&tx);
			sre_ctx_destroy(out);
		}
	}
}

static void test_srtcp_index_counts_from_zero(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		for (int variant = 0; variant < 3; variant++) {
			/* 0: one by one; 1: one by one, E = 0; 2: one burst */
			enum sre_suite suite = all_suites[si];
			uint8_t mki_len = variant == 1 ? 0 : 4;
			struct sre_policy pol;
			struct sre_stream tx, rx;
			enum { N = 300 };
			static uint8_t bufs[N][128], plain[N][128];
			struct sre_packet p[N];

			ut_where("%s variant %d", sre_suite_name(suite), variant);
			sre_policy_init(&pol, suite, SRE_OUTBOUND);
			pol.mki_len = mki_len;
			pol.rtcp_unencrypted = variant == 1;
			struct sre_ctx *out = ut_ctx_policy(&pol);
			UT_ST(ut_add_key(test_engine(), out, 0,
					 mki_len ? ut_mki0 : NULL),
			      SRE_OK);
			struct sre_ctx *in = ut_ctx(suite, SRE_INBOUND, mki_len, 0);
			ut_stream(&tx, out, UT_SSRC);
			ut_stream(&rx, in, UT_SSRC);
			for (unsigned i = 0; i < N; i++) {
				p[i] = (struct sre_packet){
					.data = bufs[i],
					.len = (uint32_t)test_build_rtcp(bufs[i],
									 UT_SSRC,
									 i % 7, i),
					.room = sizeof(bufs[i]), .stream = &tx,
					.kind = SRE_RTCP};
				memcpy(plain[i], bufs[i], p[i].len);
			}
			if (variant == 2) {
				UT_EQ(sre_protect_burst(test_engine(), p, N), N);
			} else {
				for (unsigned i = 0; i < N; i++) {
					UT_EQ(sre_protect_burst(test_engine(), &p[i], 1),
					      1);
					UT_EQ(tx.rtcp_index, i);
				}
			}
			UT_EQ(tx.rtcp_index, N - 1);
			bool e = suite_encrypts(suite) && variant != 1;
			for (unsigned i = 0; i < N; i++) {
				struct ut_layout l = ut_layout(suite, mki_len,
							       SRE_RTCP, p[i].len);
				UT_EQ(l.body, 8 + 4 * (i % 7));
				UT_EQ(sre_load_be32(bufs[i] + l.idx_off),
				      (e ? SRE_SRTCP_E_BIT : 0) | i);
				p[i].stream = &rx;
			}
			UT_EQ(sre_unprotect_burst(test_engine(), p, N), N);
			for (unsigned i = 0; i < N; i++) {
				UT_EQ(p[i].len, 8 + 4 * (i % 7));
				UT_MEMEQ(bufs[i], plain[i], p[i].len);
			}
			UT_EQ(rx.rtcp_index, N - 1);
			UT_EQ(ut_usage(out, mki_len ? ut_mki0 : NULL).rtcp_packets, N);
			ut_stream_fini(&tx);
			ut_stream_fini(&rx);
			sre_ctx_destroy(out);
			sre_ctx_destroy(in);
		}
	}
}

static void test_srtcp_sender_stops_at_index_2_31_minus_1(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		enum sre_suite suite = all_suites[si];
		struct sre_stream tx, rx;
		uint8_t buf[UT_BUF], orig[UT_BUF];
		struct ut_snap snap;

		ut_where("%s", sre_suite_name(suite));
		struct sre_ctx *out = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
		struct sre_ctx *in = ut_ctx(suite, SRE_INBOUND, 0, 0);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);
		UT_ST(sre_stream_set_srtcp_index(&tx, SRE_SRTCP_INDEX_MAX - 1),
		      SRE_OK);
		for (uint32_t idx = SRE_SRTCP_INDEX_MAX - 1;
		     idx <= SRE_SRTCP_INDEX_MAX; idx++) {
			uint32_t len = (uint32_t)test_build_rtcp(buf, UT_SSRC, 4, idx);
			UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len,
					 UT_BUF),
			      SRE_OK);
			struct ut_layout l = ut_layout(suite, 0, SRE_RTCP, len);
			UT_EQ(sre_load_be32(buf + l.idx_off) & SRE_SRTCP_INDEX_MAX,
			      idx);
			UT_ST(ut_unprotect(test_engine(), &rx, SRE_RTCP, buf, &len),
			      SRE_OK);
		}
		UT_EQ(tx.rtcp_index, SRE_SRTCP_INDEX_MAX);
		for (int again = 0; again < 2; again++) {
			uint32_t len = (uint32_t)test_build_rtcp(buf, UT_SSRC, 4, 1);
			memcpy(orig, buf, UT_BUF);
			ut_snap(&snap, &tx);
			UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len,
					 UT_BUF),
			      SRE_ERR_KEY_EXHAUSTED);
			UT_EQ(len, 8 + 16);
			UT_MEMEQ(buf, orig, UT_BUF);
			UT_UNCHANGED(&snap, &tx);
		}
		UT_EQ(ut_usage(out, NULL).rtcp_packets, 2);
		/* SRTP of the same stream is not affected */
		protect_seq(&tx, 1, SRE_OK);
		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

static void test_set_srtcp_index(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		enum sre_suite suite = all_suites[si];
		struct sre_stream tx, rx, blank;
		uint8_t buf[UT_BUF];

		ut_where("%s", sre_suite_name(suite));
		struct sre_ctx *out = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
		struct sre_ctx *in = ut_ctx(suite, SRE_INBOUND, 0, 0);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);
		memset(&blank, 0, sizeof(blank));

		UT_ST(sre_stream_set_srtcp_index(NULL, 1), SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_set_srtcp_index(&blank, 1), SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_set_srtcp_index(&rx, 1), SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_set_srtcp_index(&tx, SRE_SRTCP_INDEX_MAX + 1),
		      SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_set_srtcp_index(&tx, UINT32_MAX),
		      SRE_ERR_BAD_PARAM);
		/* may be set again until SRTCP goes out; libsrtp's senders
		 * start at 1 */
		UT_ST(sre_stream_set_srtcp_index(&tx, 7), SRE_OK);
		UT_ST(sre_stream_set_srtcp_index(&tx, 1), SRE_OK);
		for (uint32_t want = 1; want <= 3; want++) {
			uint32_t len = (uint32_t)test_build_rtcp(buf, UT_SSRC, 2, want);
			UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len,
					 UT_BUF),
			      SRE_OK);
			struct ut_layout l = ut_layout(suite, 0, SRE_RTCP, len);
			UT_EQ(sre_load_be32(buf + l.idx_off) & SRE_SRTCP_INDEX_MAX,
			      want);
			UT_ST(ut_unprotect(test_engine(), &rx, SRE_RTCP, buf, &len),
			      SRE_OK);
		}
		/* once SRTCP went out the index is the stream's own */
		UT_ST(sre_stream_set_srtcp_index(&tx, 0), SRE_ERR_BAD_PARAM);
		UT_ST(sre_stream_set_srtcp_index(&tx, 100), SRE_ERR_BAD_PARAM);
		UT_EQ(tx.rtcp_index, 3);
		/* 0 is a new stream's own start */
		ut_stream_fini(&tx);
		ut_stream(&tx, out, UT_SSRC);
		UT_ST(sre_stream_set_srtcp_index(&tx, 0), SRE_OK);
		uint32_t len = (uint32_t)test_build_rtcp(buf, UT_SSRC, 2, 0);
		UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len, UT_BUF),
		      SRE_OK);
		struct ut_layout l = ut_layout(suite, 0, SRE_RTCP, len);
		UT_EQ(sre_load_be32(buf + l.idx_off) & SRE_SRTCP_INDEX_MAX, 0);
		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

static void test_protected_packet_layout(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		for (uint8_t mki_len = 0; mki_len <= 4; mki_len += 2) {
			enum sre_suite suite = all_suites[si];
			struct sre_ctx *out = ut_ctx(suite, SRE_OUTBOUND, mki_len, 0);
			struct sre_ctx *in = ut_ctx(suite, SRE_INBOUND, mki_len, 0);
			struct sre_stream tx, rx;

			ut_stream(&tx, out, UT_SSRC);
			ut_stream(&rx, in, UT_SSRC);
			for (int kind = 0; kind < 2; kind++) {
				uint8_t buf[UT_BUF], plain[UT_BUF];
				ut_where("%s mki_len %u %s", sre_suite_name(suite),
					 mki_len, kind ? "rtcp" : "rtp");
				/* RTP: 12 + 2 CSRC + extension of 2 words */
				uint32_t hdr = kind ? 8 : 12 + 8 + 12;
				uint32_t plen = kind
					? (uint32_t)test_build_rtcp(plain, UT_SSRC, 9, 3)
					: (uint32_t)test_build_rtp(plain, UT_SSRC, 77, 0,
								   2, 2, 45);
				uint32_t len = plen;
				memcpy(buf, plain, plen);
				UT_ST(ut_protect(test_engine(), &tx,
						 (enum sre_kind)kind, buf, &len,
						 UT_BUF),
				      SRE_OK);
				uint32_t trailer =
					(uint32_t)sre_suite_tag_len(suite, kind) +
					mki_len + (kind ? 4 : 0);
				UT_EQ(len, plen + trailer);
				struct ut_layout l = ut_layout(suite, mki_len,
							       (enum sre_kind)kind,
							       len);
				UT_EQ(l.body, plen);
				UT_MEMEQ(buf, plain, hdr); /* header in clear */
				if (suite_encrypts(suite))
					UT_TRUE(memcmp(buf + hdr, plain + hdr,
						       plen - hdr) != 0);
				else
					UT_MEMEQ(buf + hdr, plain + hdr, plen - hdr);
				if (mki_len)
					UT_MEMEQ(buf + l.mki_off, ut_mki0, mki_len);
				UT_ST(ut_unprotect(test_engine(), &rx,
						   (enum sre_kind)kind, buf, &len),
				      SRE_OK);
				UT_EQ(len, plen);
				UT_MEMEQ(buf, plain, plen);
			}
			ut_stream_fini(&tx);
			ut_stream_fini(&rx);
			sre_ctx_destroy(out);
			sre_ctx_destroy(in);
		}
	}
}

static void test_output_depends_on_ssrc_and_roc(void)
{
	/* Same key and seq: equal bytes for the same SSRC and ROC (the
	 * operation is deterministic), different ones when either differs,
	 * so neither a second SSRC nor the next ROC reuses the keystream. */
	for (unsigned si = 0; si < NSUITES; si++) {
		enum sre_suite suite = all_suites[si];
		struct sre_ctx *out = ut_ctx(suite, SRE_OUTBOUND, 0, 0);
		uint8_t a[UT_BUF], b[UT_BUF], c[UT_BUF], d[UT_BUF];

		ut_where("%s", sre_suite_name(suite));
		uint32_t la = ut_rtp_at(out, UT_SSRC, 500, 40, a);
		uint32_t lb = ut_rtp_at(out, UT_SSRC, 500, 40, b);
		uint32_t lc = ut_rtp_at(out, UT_SSRC, (1ull << 16) | 500, 40, c);
		uint32_t ld = ut_rtp_at(out, UT_SSRC ^ 1, 500, 40, d);
		UT_EQ(la, lb);
		UT_EQ(la, lc);
		UT_EQ(la, ld);
		UT_MEMEQ(a, b, la);
		struct ut_layout l = ut_layout(suite, 0, SRE_RTP, la);
		UT_TRUE(memcmp(a + l.tag_off, c + l.tag_off, l.tag_len) != 0);
		UT_TRUE(memcmp(a + l.tag_off, d + l.tag_off, l.tag_len) != 0);
		if (suite_encrypts(suite)) {
			UT_TRUE(memcmp(a + 12, c + 12, 40) != 0);
			UT_TRUE(memcmp(a + 12, d + 12, 40) != 0);
		}
		sre_ctx_destroy(out);
	}
}

static CU_TestInfo sender_tests[] = {
	{"same_sequence_number_twice_refused", test_same_sequence_number_twice_refused},
	{"same_sequence_number_twice_in_one_burst", test_same_sequence_number_twice_in_one_burst},
	{"srtcp_index_counts_from_zero", test_srtcp_index_counts_from_zero},
	{"srtcp_sender_stops_at_index_2_31_minus_1", test_srtcp_sender_stops_at_index_2_31_minus_1},
	{"set_srtcp_index", test_set_srtcp_index},
	{"protected_packet_layout", test_protected_packet_layout},
	{"output_depends_on_ssrc_and_roc", test_output_depends_on_ssrc_and_roc},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"sender", NULL, NULL, NULL, NULL, sender_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
