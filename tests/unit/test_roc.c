/*
 * SRTP index estimation (RFC 3711 §3.3.1, Appendix A) on both sides: runs
 * across several wraps, heavy loss, reordering across a wrap, streams whose
 * first packets near 65535 were lost, late joiners told the ROC, the end of
 * the 48-bit index space, and forged packets that would move the ROC. The
 * expected ROC is counted by the test, never read back from the library.
 */
#include <stdlib.h>

#include "unit_util.h"

static const enum sre_suite suites[] = {
	SRE_AES_CM_128_HMAC_SHA1_80,
	SRE_AES_256_CM_HMAC_SHA1_32,
	SRE_AEAD_AES_128_GCM,
	SRE_NULL_HMAC_SHA1_80,
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

/* A sender and a receiver of one suite. */
struct link {
	enum sre_suite suite;
	struct sre_ctx *out, *in;
	struct sre_stream tx, rx;
};

static void link_open(struct link *l, enum sre_suite suite, uint32_t window)
{
	l->suite = suite;
	l->out = ut_ctx(suite, SRE_OUTBOUND, 0, window);
	l->in = ut_ctx(suite, SRE_INBOUND, 0, window);
	ut_stream(&l->tx, l->out, UT_SSRC);
	ut_stream(&l->rx, l->in, UT_SSRC);
}

static void link_close(struct link *l)
{
	ut_stream_fini(&l->tx);
	ut_stream_fini(&l->rx);
	sre_ctx_destroy(l->out);
	sre_ctx_destroy(l->in);
}

/* Protects seq on the link's sender; the sender's ROC afterwards must be
 * `want_roc`. Returns the protected length. */
static uint32_t send_seq(struct link *l, uint16_t seq, uint32_t want_roc,
			 uint8_t *buf)
{
	uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, seq, seq * 160u,
						0, -1, 12);
	UT_ST(ut_protect(test_engine(), &l->tx, SRE_RTP, buf, &len, UT_BUF),
	      SRE_OK);
	UT_EQ(sre_stream_roc(&l->tx), want_roc);
	return len;
}

/* Unprotects a copy of pkt on the receiver; checks the plaintext on OK. */
static int recv_pkt(struct link *l, const uint8_t *pkt, uint32_t len)
{
	uint8_t buf[UT_BUF], plain[UT_BUF];
	memcpy(buf, pkt, len);
	int rc = ut_unprotect(test_engine(), &l->rx, SRE_RTP, buf, &len);
	if (rc == SRE_OK) {
		uint16_t seq = sre_load_be16(buf + 2);
		size_t plen = test_build_rtp(plain, UT_SSRC, seq, seq * 160u, 0,
					     -1, 12);
		UT_EQ(len, plen);
		UT_MEMEQ(buf, plain, plen);
	}
	return rc;
}

/* RFC 3711 Appendix A, the reference the library is held to; nothing
 * precedes index 0. */
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

static void test_long_run_across_several_wraps(void)
{
	enum { BURST = 64 };
	const uint64_t first = 65000, count = 3 * 65536 + 3008; /* 64 * 3119 */

	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		static uint8_t bufs[BURST][64], plain[BURST][64];
		struct sre_packet pkts[BURST];
		bool ok = true;

		ut_where("%s", sre_suite_name(suites[si]));
		link_open(&l, suites[si], 0);
		for (uint64_t base = 0; base < count && ok; base += BURST) {
			uint64_t idx = first + base;
			for (unsigned i = 0; i < BURST; i++) {
				uint16_t seq = (uint16_t)(idx + i);
				pkts[i] = (struct sre_packet){
					.data = bufs[i],
					.len = (uint32_t)test_build_rtp(
						bufs[i], UT_SSRC, seq, 0, 0, -1, 8),
					.room = sizeof(bufs[i]),
					.stream = &l.tx,
					.kind = SRE_RTP,
				};
				memcpy(plain[i], bufs[i], pkts[i].len);
			}
			ok &= UT_EQ(sre_protect_burst(test_engine(), pkts, BURST),
				    BURST);
			ok &= UT_EQ(sre_stream_roc(&l.tx), (idx + BURST - 1) >> 16);
			for (unsigned i = 0; i < BURST; i++)
				pkts[i].stream = &l.rx;
			ok &= UT_EQ(sre_unprotect_burst(test_engine(), pkts, BURST),
				    BURST);
			ok &= UT_EQ(sre_stream_roc(&l.rx), (idx + BURST - 1) >> 16);
			ok &= UT_EQ(l.rx.seq, (uint16_t)(idx + BURST - 1));
			for (unsigned i = 0; i < BURST; i++)
				ok &= UT_EQ(pkts[i].len, 20) &&
				      UT_MEMEQ(bufs[i], plain[i], 20);
			UT_BAIL_IF_FAILING();
		}
		UT_EQ(sre_stream_roc(&l.rx), (first + count - 1) >> 16);
		UT_TRUE(sre_stream_roc(&l.rx) >= 3);
		link_close(&l);
	}
}

static void test_loss_of_up_to_30000_packets(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		uint8_t buf[UT_BUF];
		uint64_t rng = 0x9e3779b97f4a7c15ull + si;
		uint64_t idx = 1 + ut_rand(&rng) % 60000;

		link_open(&l, suites[si], 0);
		/* random gaps, then the largest gap estimation allows (2^15-1)
		 * from wherever that lands in either half of the seq space */
		for (unsigned n = 0; n < 400; n++) {
			ut_where("%s packet %u index %llu",
				 sre_suite_name(suites[si]), n,
				 (unsigned long long)idx);
			uint32_t len = send_seq(&l, (uint16_t)idx,
						(uint32_t)(idx >> 16), buf);
			UT_ST(recv_pkt(&l, buf, len), SRE_OK);
			UT_EQ(sre_stream_roc(&l.rx), idx >> 16);
			UT_EQ(l.rx.seq, (uint16_t)idx);
			idx += n < 300 ? 1 + ut_rand(&rng) % 30000 : 32767;
		}
		UT_TRUE(sre_stream_roc(&l.rx) > 100);
		link_close(&l);
	}
}

static void test_reordering_across_a_wrap(void)
{
	/* indexes relative to 65536: -6 is seq 65530 of ROC 0, 1 is seq 1 of
	 * ROC 1 */
	static const int order[] = {-6, -5, -4, -3, -2, 1, -1, 0, 2, 3, 5, 4,
				    9, 6, 8, 7};
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		static uint8_t pkt[16][UT_BUF];
		uint32_t len[16];
		uint8_t buf[UT_BUF];
		uint64_t top = 0;

		link_open(&l, suites[si], 0);
		for (int i = -6; i <= 9; i++) {
			uint64_t idx = (uint64_t)(65536 + i);
			ut_where("%s send index %llu", sre_suite_name(suites[si]),
				 (unsigned long long)idx);
			len[i + 6] = send_seq(&l, (uint16_t)idx,
					      (uint32_t)(idx >> 16), pkt[i + 6]);
		}
		for (unsigned k = 0; k < 16; k++) {
			uint64_t idx = (uint64_t)(65536 + order[k]);
			ut_where("%s deliver index %llu", sre_suite_name(suites[si]),
				 (unsigned long long)idx);
			UT_ST(recv_pkt(&l, pkt[order[k] + 6], len[order[k] + 6]),
			      SRE_OK);
			if (idx > top)
				top = idx;
			UT_EQ(sre_stream_roc(&l.rx), top >> 16);
			UT_EQ(l.rx.seq, (uint16_t)top);
		}
		/* every one of them, on either side of the wrap, is now a
		 * duplicate */
		for (unsigned k = 0; k < 16; k++) {
			struct ut_snap snap;
			ut_where("%s replay index %d", sre_suite_name(suites[si]),
				 65536 + order[k]);
			ut_snap(&snap, &l.rx);
			memcpy(buf, pkt[order[k] + 6], len[order[k] + 6]);
			UT_ST(recv_pkt(&l, buf, len[order[k] + 6]),
			      SRE_ERR_REPLAY_DUPLICATE);
			UT_UNCHANGED(&snap, &l.rx);
		}
		link_close(&l);
	}
}

static void test_first_packets_before_wrap_lost(void)
{
	/* The sender starts at 65500; the receiver's first packet is seq 5
	 * of ROC 1 (libsrtp issues 725/729). */
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		static uint8_t pkt[60][UT_BUF];
		uint32_t len[60];

		link_open(&l, suites[si], 0);
		for (unsigned i = 0; i < 60; i++) {
			uint64_t idx = 65500 + i;
			ut_where("%s send %llu", sre_suite_name(suites[si]),
				 (unsigned long long)idx);
			len[i] = send_seq(&l, (uint16_t)idx, (uint32_t)(idx >> 16),
					  pkt[i]);
		}
		/* index 65541 = seq 5 of ROC 1 is item 41 */
		ut_where("%s first seen: seq 5 of ROC 1", sre_suite_name(suites[si]));
		UT_ST(recv_pkt(&l, pkt[41], len[41]), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 1);
		UT_EQ(l.rx.seq, 5);
		UT_ST(recv_pkt(&l, pkt[42], len[42]), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 1);
		/* late ones from before the wrap, still inside the window */
		ut_where("%s late seq 65534 of ROC 0", sre_suite_name(suites[si]));
		UT_ST(recv_pkt(&l, pkt[34], len[34]), SRE_OK);
		UT_ST(recv_pkt(&l, pkt[0], len[0]), SRE_OK); /* 65500: 42 back */
		UT_EQ(sre_stream_roc(&l.rx), 1);
		UT_EQ(l.rx.seq, 6);
		UT_ST(recv_pkt(&l, pkt[34], len[34]), SRE_ERR_REPLAY_DUPLICATE);
		ut_where("%s continue after the late ones", sre_suite_name(suites[si]));
		for (unsigned i = 43; i < 60; i++)
			UT_ST(recv_pkt(&l, pkt[i], len[i]), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 1);
		UT_EQ(l.rx.seq, (uint16_t)(65500 + 59));
		link_close(&l);
	}
}

static void test_first_packet_two_rocs_ahead_is_refused(void)
{
	/* Only ROC and ROC+1 are tried for a first packet. */
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		uint8_t buf[UT_BUF];
		struct ut_snap snap;

		link_open(&l, suites[si], 0);
		ut_where("%s", sre_suite_name(suites[si]));
		uint32_t len = ut_rtp_at(l.out, UT_SSRC, (2ull << 16) | 5, 12, buf);
		ut_snap(&snap, &l.rx);
		UT_ST(recv_pkt(&l, buf, len), SRE_ERR_AUTH_FAIL);
		UT_UNCHANGED(&snap, &l.rx);
		/* nothing was learnt from it: told the ROC, the same packet
		 * goes through */
		UT_ST(sre_stream_set_roc(&l.rx, 2), SRE_OK);
		UT_ST(recv_pkt(&l, buf, len), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 2);
		link_close(&l);
	}
}

static void test_first_packet_65535_then_0(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		for (int burst = 0; burst < 2; burst++) {
			struct link l;
			static uint8_t pkt[3][UT_BUF];
			uint32_t len[3];

			link_open(&l, suites[si], 0);
			ut_where("%s %s", sre_suite_name(suites[si]),
				 burst ? "one burst" : "one by one");
			len[0] = send_seq(&l, 65535, 0, pkt[0]);
			len[1] = send_seq(&l, 0, 1, pkt[1]);
			len[2] = send_seq(&l, 1, 1, pkt[2]);
			if (!burst) {
				UT_ST(recv_pkt(&l, pkt[0], len[0]), SRE_OK);
				UT_EQ(sre_stream_roc(&l.rx), 0);
				UT_EQ(l.rx.seq, 65535);
				UT_ST(recv_pkt(&l, pkt[1], len[1]), SRE_OK);
				UT_EQ(sre_stream_roc(&l.rx), 1);
				UT_EQ(l.rx.seq, 0);
				UT_ST(recv_pkt(&l, pkt[2], len[2]), SRE_OK);
			} else {
				struct sre_packet p[3];
				for (int i = 0; i < 3; i++)
					p[i] = (struct sre_packet){
						.data = pkt[i], .len = len[i],
						.room = len[i], .stream = &l.rx,
						.kind = SRE_RTP};
				UT_EQ(sre_unprotect_burst(test_engine(), p, 3), 3);
				for (int i = 0; i < 3; i++)
					UT_ST(p[i].status, SRE_OK);
			}
			UT_EQ(sre_stream_roc(&l.rx), 1);
			UT_EQ(l.rx.seq, 1);
			link_close(&l);
		}
	}
}

static void test_late_joiner_told_roc(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		static uint8_t pkt[20][UT_BUF];
		uint32_t len[20];
		struct ut_snap snap;

		link_open(&l, suites[si], 0);
		ut_where("%s", sre_suite_name(suites[si]));
		/* a sender continuing a stream at ROC 7, across into ROC 8 */
		UT_ST(sre_stream_set_roc(&l.tx, 7), SRE_OK);
		for (unsigned i = 0; i < 20; i++) {
			uint64_t idx = (7ull << 16) + 65526 + i;
			len[i] = send_seq(&l, (uint16_t)idx, (uint32_t)(idx >> 16),
					  pkt[i]);
		}
		/* Not told, the receiver guesses ROC 0 (or 1 for a low seq):
		 * both fail and leave the stream as it was. */
		ut_snap(&snap, &l.rx);
		UT_ST(recv_pkt(&l, pkt[0], len[0]), SRE_ERR_AUTH_FAIL);
		UT_ST(recv_pkt(&l, pkt[15], len[15]), SRE_ERR_AUTH_FAIL);
		UT_UNCHANGED(&snap, &l.rx);
		UT_ST(sre_stream_set_roc(&l.rx, 7), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 7);
		for (unsigned i = 2; i < 20; i++) {
			ut_where("%s packet %u", sre_suite_name(suites[si]), i);
			UT_ST(recv_pkt(&l, pkt[i], len[i]), SRE_OK);
			UT_EQ(sre_stream_roc(&l.rx), i < 10 ? 7 : 8);
		}
		UT_ST(recv_pkt(&l, pkt[1], len[1]), SRE_OK); /* late, ROC 7 */
		UT_EQ(sre_stream_roc(&l.rx), 8);
		link_close(&l);
	}
}

static void test_set_roc_only_before_first_packet(void)
{
	struct link l;
	uint8_t buf[UT_BUF];
	struct sre_stream blank;

	link_open(&l, SRE_AES_CM_128_HMAC_SHA1_80, 0);
	UT_ST(sre_stream_set_roc(NULL, 1), SRE_ERR_BAD_PARAM);
	memset(&blank, 0, sizeof(blank));
	UT_ST(sre_stream_set_roc(&blank, 1), SRE_ERR_BAD_PARAM);
	UT_EQ(sre_stream_roc(NULL), 0);

	/* receiver: may be told again until it has seen a packet */
	UT_ST(sre_stream_set_roc(&l.rx, 3), SRE_OK);
	UT_ST(sre_stream_set_roc(&l.rx, 5), SRE_OK);
	UT_EQ(sre_stream_roc(&l.rx), 5);
	/* SRTCP carries no ROC: it does not fix the SRTP one */
	uint32_t len = ut_rtcp_at(l.out, UT_SSRC, 0, 2, buf);
	UT_ST(ut_unprotect(test_engine(), &l.rx, SRE_RTCP, buf, &len), SRE_OK);
	UT_ST(sre_stream_set_roc(&l.rx, 5), SRE_OK);
	/* a forged packet does not either */
	len = ut_rtp_at(l.out, UT_SSRC, (5ull << 16) | 10, 12, buf);
	buf[len - 1] ^= 1;
	UT_ST(recv_pkt(&l, buf, len), SRE_ERR_AUTH_FAIL);
	UT_ST(sre_stream_set_roc(&l.rx, 5), SRE_OK);
	buf[len - 1] ^= 1;
	UT_ST(recv_pkt(&l, buf, len), SRE_OK);
	UT_ST(sre_stream_set_roc(&l.rx, 9), SRE_ERR_BAD_PARAM);
	UT_ST(sre_stream_set_roc(&l.rx, 5), SRE_ERR_BAD_PARAM);
	UT_EQ(sre_stream_roc(&l.rx), 5);

	/* sender: the same once it has sent */
	UT_ST(sre_stream_set_roc(&l.tx, 2), SRE_OK);
	send_seq(&l, 100, 2, buf);
	UT_ST(sre_stream_set_roc(&l.tx, 3), SRE_ERR_BAD_PARAM);
	UT_EQ(sre_stream_roc(&l.tx), 2);
	link_close(&l);
}

static void test_forged_packet_never_moves_roc(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		uint8_t buf[UT_BUF], good[UT_BUF];
		struct ut_snap snap;
		uint64_t top = 65000;
		uint64_t rng = 77 + si;

		link_open(&l, suites[si], 1024);
		ut_where("%s", sre_suite_name(suites[si]));
		uint32_t len = ut_rtp_at(l.out, UT_SSRC, top, 12, buf);
		UT_ST(recv_pkt(&l, buf, len), SRE_OK);

		/* seq 100 would take the stream into ROC 1 */
		uint32_t glen = ut_rtp_at(l.out, UT_SSRC, 65536 + 100, 12, good);
		for (int what = 0; what < 3; what++) {
			memcpy(buf, good, glen);
			buf[what == 0 ? glen - 1 : what == 1 ? 12 : 4] ^= 0x20;
			ut_snap(&snap, &l.rx);
			UT_ST(recv_pkt(&l, buf, glen), SRE_ERR_AUTH_FAIL);
			UT_UNCHANGED(&snap, &l.rx);
			UT_EQ(sre_stream_roc(&l.rx), 0);
			UT_EQ(l.rx.seq, 65000);
		}
		UT_ST(recv_pkt(&l, good, glen), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), 1);
		top = 65536 + 100;

		/* Random garbage at seqs all over the space, from ROC 1 with
		 * s_l = 100: some estimate to ROC 0 (and are in the window or
		 * too old), the rest to ROC 1; none may move anything. */
		for (uint32_t seq = 0; seq < 65536; seq += 331) {
			uint64_t idx = ref_index(top, (uint16_t)seq);
			len = (uint32_t)test_build_rtp(buf, UT_SSRC, (uint16_t)seq,
						       0, 0, -1, 12);
			for (unsigned i = 12; i < 64; i++)
				buf[i] = (uint8_t)ut_rand(&rng);
			len = 12 + 12 + (uint32_t)sre_suite_tag_len(suites[si], 0);
			int want = idx <= top && top - idx >= 1024
					   ? SRE_ERR_REPLAY_TOO_OLD
				   : idx == top || idx == 65000
					   ? SRE_ERR_REPLAY_DUPLICATE
					   : SRE_ERR_AUTH_FAIL;
			ut_where("%s forged seq %u (index %llu)",
				 sre_suite_name(suites[si]), seq,
				 (unsigned long long)idx);
			ut_snap(&snap, &l.rx);
			UT_ST(recv_pkt(&l, buf, len), want);
			UT_UNCHANGED(&snap, &l.rx);
		}
		UT_EQ(sre_stream_roc(&l.rx), 1);
		UT_EQ(l.rx.seq, 100);
		link_close(&l);
	}
}

static void test_end_of_index_space(void)
{
	for (unsigned si = 0; si < NSUITES; si++) {
		struct link l;
		uint8_t buf[UT_BUF];
		struct ut_snap snap;

		link_open(&l, suites[si], 0);
		ut_where("%s", sre_suite_name(suites[si]));
		UT_ST(sre_stream_set_roc(&l.tx, UINT32_MAX), SRE_OK);
		UT_ST(sre_stream_set_roc(&l.rx, UINT32_MAX), SRE_OK);
		uint32_t len = send_seq(&l, 65534, UINT32_MAX, buf);
		UT_ST(recv_pkt(&l, buf, len), SRE_OK);
		len = send_seq(&l, 65535, UINT32_MAX, buf);
		UT_ST(recv_pkt(&l, buf, len), SRE_OK);
		UT_EQ(sre_stream_roc(&l.rx), UINT32_MAX);

		/* index 2^48 - 1 was the last: seq 0 would need ROC 2^32 */
		len = (uint32_t)test_build_rtp(buf, UT_SSRC, 0, 0, 0, -1, 12);
		ut_snap(&snap, &l.tx);
		UT_ST(ut_protect(test_engine(), &l.tx, SRE_RTP, buf, &len, UT_BUF),
		      SRE_ERR_KEY_EXHAUSTED);
		UT_UNCHANGED(&snap, &l.tx);
		/* a receiver meets such a packet only as a forgery: it claims
		 * an index that cannot be */
		len = ut_rtp_at(l.out, UT_SSRC, 0, 12, buf);
		ut_snap(&snap, &l.rx);
		UT_ST(recv_pkt(&l, buf, len), SRE_ERR_KEY_EXHAUSTED);
		UT_UNCHANGED(&snap, &l.rx);
		link_close(&l);
	}
}

static CU_TestInfo roc_tests[] = {
	{"long_run_across_several_wraps", test_long_run_across_several_wraps},
	{"loss_of_up_to_30000_packets", test_loss_of_up_to_30000_packets},
	{"reordering_across_a_wrap", test_reordering_across_a_wrap},
	{"first_packets_before_wrap_lost", test_first_packets_before_wrap_lost},
	{"first_packet_two_rocs_ahead_is_refused", test_first_packet_two_rocs_ahead_is_refused},
	{"first_packet_65535_then_0", test_first_packet_65535_then_0},
	{"late_joiner_told_roc", test_late_joiner_told_roc},
	{"set_roc_only_before_first_packet", test_set_roc_only_before_first_packet},
	{"forged_packet_never_moves_roc", test_forged_packet_never_moves_roc},
	{"end_of_index_space", test_end_of_index_space},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites_info[] = {
		{"roc", NULL, NULL, NULL, NULL, roc_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites_info);
}
