/*
 * Malformed and tampered SRTP/SRTCP, one defect at a time, on unprotect and
 * protect: each gets its exact status, leaves the stream (struct and external
 * window) and the key usage counters as they were, and the genuine packet it
 * was made from is accepted afterwards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit_util.h"

static const struct {
	enum sre_suite suite;
	uint8_t mki_len;
	uint32_t window; /* > 128 puts the window in caller memory */
} combos[] = {
	{SRE_AES_CM_128_HMAC_SHA1_80, 0, 64},
	{SRE_AES_CM_128_HMAC_SHA1_80, 4, 1024},
	{SRE_AES_CM_128_HMAC_SHA1_32, 0, 64},
	{SRE_AES_CM_128_HMAC_SHA1_32, 4, 1024},
	{SRE_AEAD_AES_128_GCM, 0, 64},
	{SRE_AEAD_AES_128_GCM, 4, 1024},
	{SRE_AEAD_AES_256_GCM, 0, 128},
	{SRE_AEAD_AES_256_GCM, 1, 32768},
	{SRE_NULL_HMAC_SHA1_80, 0, 64},
	{SRE_NULL_HMAC_SHA1_80, 4, 1024},
};
#define NCOMBOS (sizeof(combos) / sizeof(combos[0]))

/* One sender and one receiver of a suite, and the current genuine packet. */
struct fx {
	enum sre_suite suite;
	uint8_t mki_len;
	struct sre_ctx *out, *in;
	struct sre_stream tx, rx;
	uint16_t seq;                 /* next RTP sequence number */
	enum sre_kind kind;           /* of the current genuine packet */
	uint8_t plain[UT_BUF];
	uint32_t plain_len;
	uint8_t good[UT_BUF];
	uint32_t good_len;
	uint16_t good_seq;            /* RTP */
	uint32_t good_index;          /* SRTCP */
};

static struct fx fx;

static const uint8_t *fx_mki(const struct fx *f)
{
	return f->mki_len ? ut_mki0 : NULL;
}

static struct ut_layout fx_layout(const struct fx *f)
{
	return ut_layout(f->suite, f->mki_len, f->kind, f->good_len);
}

static void fx_label(const struct fx *f, const char *what)
{
	ut_where("%s mki_len %u %s: %s", sre_suite_name(f->suite), f->mki_len,
		 f->kind == SRE_RTCP ? "rtcp" : "rtp", what);
}

/* Protects the next genuine RTP packet of this shape into f->good. */
static void fx_rtp(struct fx *f, unsigned ncsrc, int ext_words, size_t payload)
{
	f->kind = SRE_RTP;
	f->good_seq = f->seq++;
	f->plain_len = (uint32_t)test_build_rtp(f->plain, UT_SSRC, f->good_seq,
						f->good_seq * 160u, ncsrc,
						ext_words, payload);
	memcpy(f->good, f->plain, f->plain_len);
	f->good_len = f->plain_len;
	fx_label(f, "protect genuine");
	UT_ST(ut_protect(test_engine(), &f->tx, SRE_RTP, f->good, &f->good_len,
			 UT_BUF),
	      SRE_OK);
}

static void fx_rtcp(struct fx *f, unsigned words)
{
	f->kind = SRE_RTCP;
	f->plain_len = (uint32_t)test_build_rtcp(f->plain, UT_SSRC, words,
						 f->seq++);
	memcpy(f->good, f->plain, f->plain_len);
	f->good_len = f->plain_len;
	fx_label(f, "protect genuine");
	UT_ST(ut_protect(test_engine(), &f->tx, SRE_RTCP, f->good, &f->good_len,
			 UT_BUF),
	      SRE_OK);
	struct ut_layout l = fx_layout(f);
	f->good_index = sre_load_be32(f->good + l.idx_off) & SRE_SRTCP_INDEX_MAX;
}

/* The genuine packet is accepted, decodes to its plaintext, moves the
 * stream to it and counts once against the key. */
static void fx_accept(struct fx *f)
{
	uint8_t buf[UT_BUF];
	uint32_t len = f->good_len;
	struct sre_key_usage before = ut_usage(f->in, fx_mki(f));

	fx_label(f, "genuine packet accepted");
	memcpy(buf, f->good, len);
	UT_ST(ut_unprotect(test_engine(), &f->rx, f->kind, buf, &len), SRE_OK);
	UT_EQ(len, f->plain_len);
	UT_MEMEQ(buf, f->plain, f->plain_len);
	struct sre_key_usage after = ut_usage(f->in, fx_mki(f));
	UT_EQ(after.rtp_packets - before.rtp_packets, f->kind == SRE_RTP);
	UT_EQ(after.rtcp_packets - before.rtcp_packets, f->kind == SRE_RTCP);
	if (f->kind == SRE_RTP)
		UT_EQ(f->rx.seq, f->good_seq);
	else
		UT_EQ(f->rx.rtcp_index, f->good_index);
}

/* `bad` is refused with `want` and changes nothing; then the genuine packet
 * still goes through. */
static void fx_reject(struct fx *f, const uint8_t *bad, uint32_t len, int want,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fx_reject(struct fx *f, const uint8_t *bad, uint32_t len, int want,
		      const char *fmt, ...)
{
	char what[160];
	uint8_t buf[UT_BUF];
	struct ut_snap snap;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fx_label(f, what);
	ut_snap(&snap, &f->rx);
	memcpy(buf, bad, len);
	UT_ST(ut_unprotect(test_engine(), &f->rx, f->kind, buf, &len), want);
	UT_UNCHANGED(&snap, &f->rx);
	fx_accept(f);
}

/* The genuine packet with one byte XORed. */
static void fx_flip(struct fx *f, uint32_t off, uint8_t mask, int want,
		    const char *what)
{
	uint8_t bad[UT_BUF];

	memcpy(bad, f->good, f->good_len);
	bad[off] ^= mask;
	fx_reject(f, bad, f->good_len, want, "%s (byte %u ^ %#x)", what, off,
		  mask);
}

static bool fx_open(struct fx *f, unsigned i)
{
	memset(f, 0, sizeof(*f));
	f->suite = combos[i].suite;
	f->mki_len = combos[i].mki_len;
	f->out = ut_ctx(f->suite, SRE_OUTBOUND, f->mki_len, combos[i].window);
	f->in = ut_ctx(f->suite, SRE_INBOUND, f->mki_len, combos[i].window);
	ut_stream(&f->tx, f->out, UT_SSRC);
	ut_stream(&f->rx, f->in, UT_SSRC);
	f->seq = 1000;
	/* An established stream: a bad packet meets the estimation and replay
	 * state of a stream that has seen both kinds. */
	fx_rtp(f, 0, -1, 20);
	fx_accept(f);
	fx_rtcp(f, 2);
	fx_accept(f);
	return true;
}

static void fx_close(struct fx *f)
{
	ut_stream_fini(&f->tx);
	ut_stream_fini(&f->rx);
	sre_ctx_destroy(f->out);
	sre_ctx_destroy(f->in);
	f->out = f->in = NULL;
}

#define FOR_EACH_COMBO(i)                                                   \
	for (unsigned i = 0; i < NCOMBOS && fx_open(&fx, i); fx_close(&fx), i++)

/* ---- SRTP unprotect ---- */

static void test_rtp_shorter_than_header_and_trailer(void)
{
	FOR_EACH_COMBO(i) {
		uint32_t min = 12 + (uint32_t)sre_suite_tag_len(fx.suite, 0) +
			       fx.mki_len;
		for (uint32_t len = 0; len < min; len++) {
			fx_rtp(&fx, 1, 0, 30);
			fx_reject(&fx, fx.good, len, SRE_ERR_TOO_SHORT,
				  "truncated to %u of %u", len, fx.good_len);
		}
		/* A header without payload is exactly the minimum. */
		fx_rtp(&fx, 0, -1, 0);
		fx_label(&fx, "header-only packet");
		UT_EQ(fx.good_len, min);
		fx_accept(&fx);
	}
}

static void test_rtp_version_not_2(void)
{
	FOR_EACH_COMBO(i) {
		for (uint8_t v = 0; v < 4; v++) {
			if (v == 2)
				continue;
			uint8_t bad[UT_BUF];
			fx_rtp(&fx, 0, -1, 16);
			memcpy(bad, fx.good, fx.good_len);
			bad[0] = (uint8_t)((bad[0] & 0x3f) | (v << 6));
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_BAD_VERSION,
				  "version %u", v);
		}
	}
}

static void test_rtp_csrc_count_past_end(void)
{
	FOR_EACH_COMBO(i) {
		/* body: 12 + 2 CSRC + 8 payload = 28 bytes */
		for (unsigned cc = 5; cc < 16; cc++) {
			fx_rtp(&fx, 2, -1, 8);
			uint8_t bad[UT_BUF];
			memcpy(bad, fx.good, fx.good_len);
			bad[0] = (uint8_t)((bad[0] & 0xf0) | cc);
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_CSRC_OVERRUN,
				  "CC %u", cc);
		}
		/* The bound is the end of the body, not of the packet: a CSRC
		 * list ending exactly there parses and only fails the tag. */
		for (unsigned cc = 3; cc <= 4; cc++) {
			fx_rtp(&fx, 2, -1, 8);
			uint8_t bad[UT_BUF];
			memcpy(bad, fx.good, fx.good_len);
			bad[0] = (uint8_t)((bad[0] & 0xf0) | cc);
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_AUTH_FAIL,
				  "CC %u within the body", cc);
		}
		/* CSRCs that run into the MKI/tag only. */
		fx_rtp(&fx, 2, -1, 0);
		fx_flip(&fx, 0, 0x02 ^ 0x03, SRE_ERR_CSRC_OVERRUN,
			"CC 3 into the trailer");
	}
}

static void test_rtp_extension_past_end(void)
{
	FOR_EACH_COMBO(i) {
		/* X set with no room for the extension header. */
		fx_rtp(&fx, 0, -1, 0);
		fx_flip(&fx, 0, 0x10, SRE_ERR_EXT_OVERRUN,
			"X without extension header");
		fx_rtp(&fx, 2, -1, 0);
		fx_flip(&fx, 0, 0x10, SRE_ERR_EXT_OVERRUN,
			"X after CSRCs, no extension header");
		fx_rtp(&fx, 0, -1, 3);
		fx_flip(&fx, 0, 0x10, SRE_ERR_EXT_OVERRUN,
			"X with 3 bytes after the header");

		/* body: 12 + 4 + 4 (one word) */
		uint16_t lens[] = {2, 3, 0x100, 0xffff};
		for (unsigned k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint8_t bad[UT_BUF];
			fx_rtp(&fx, 0, 1, 0);
			memcpy(bad, fx.good, fx.good_len);
			bad[14] = (uint8_t)(lens[k] >> 8);
			bad[15] = (uint8_t)lens[k];
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_EXT_OVERRUN,
				  "extension length %u", lens[k]);
		}
		/* With CSRCs before it. */
		fx_rtp(&fx, 3, 1, 0);
		fx_flip(&fx, 12 + 12 + 3, 0x03, SRE_ERR_EXT_OVERRUN,
			"extension length 2 after 3 CSRCs");
		/* Ending exactly at the end of the body parses. */
		fx_rtp(&fx, 0, 1, 4);
		fx_flip(&fx, 15, 0x03, SRE_ERR_AUTH_FAIL,
			"extension length 2 within the body");
	}
}

static void test_rtp_unknown_mki(void)
{
	FOR_EACH_COMBO(i) {
		if (fx.mki_len == 0)
			continue;
		for (uint32_t b = 0; b < fx.mki_len; b++) {
			fx_rtp(&fx, 0, -1, 24);
			struct ut_layout l = fx_layout(&fx);
			fx_flip(&fx, l.mki_off + b, 0x80, SRE_ERR_UNKNOWN_MKI,
				"MKI byte");
		}
	}
}

static void test_rtp_ssrc_mismatch(void)
{
	FOR_EACH_COMBO(i) {
		for (uint32_t b = 8; b < 12; b++) {
			fx_rtp(&fx, 0, -1, 24);
			fx_flip(&fx, b, 0x01, SRE_ERR_SSRC_MISMATCH, "SSRC");
		}
	}
}

static void test_rtp_every_tag_byte_altered(void)
{
	FOR_EACH_COMBO(i) {
		uint32_t tag = (uint32_t)sre_suite_tag_len(fx.suite, 0);
		for (uint32_t b = 0; b < tag; b++) {
			fx_rtp(&fx, 1, 2, 33);
			struct ut_layout l = fx_layout(&fx);
			fx_flip(&fx, l.tag_off + b, (uint8_t)(1u << (b % 8)),
				SRE_ERR_AUTH_FAIL, "tag byte");
		}
	}
}

static void test_rtp_header_and_payload_bytes_altered(void)
{
	/* Packet: 12 header, 2 CSRC (12..19), extension 20..27, payload. */
	static const struct {
		uint32_t off;
		uint8_t mask;
		const char *what;
	} cases[] = {
		{0, 0x20, "padding bit"},
		{1, 0x80, "marker"},
		{1, 0x01, "payload type"},
		{4, 0x01, "timestamp"},
		{7, 0x80, "timestamp"},
		{12, 0x01, "first CSRC"},
		{19, 0x40, "last CSRC"},
		{20, 0x01, "extension profile"},
		{27, 0x01, "extension data"},
		{28, 0x01, "first payload byte"},
		{40, 0x10, "middle payload byte"},
		{28 + 24, 0x80, "last payload byte"},
	};
	FOR_EACH_COMBO(i) {
		for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			fx_rtp(&fx, 2, 1, 25);
			UT_EQ(fx_layout(&fx).body, 28 + 25);
			fx_flip(&fx, cases[k].off, cases[k].mask,
				SRE_ERR_AUTH_FAIL, cases[k].what);
		}
		/* A sequence number ahead of the genuine one: a fresh index,
		 * so only the tag can tell. */
		uint8_t bad[UT_BUF];
		fx_rtp(&fx, 0, -1, 20);
		memcpy(bad, fx.good, fx.good_len);
		uint16_t seq = (uint16_t)(fx.good_seq + 300);
		bad[2] = (uint8_t)(seq >> 8);
		bad[3] = (uint8_t)seq;
		fx_reject(&fx, bad, fx.good_len, SRE_ERR_AUTH_FAIL,
			  "sequence number +300");
	}
}

static void test_rtp_tampered_first_packet_of_stream(void)
{
	/* A stream's first packet may be tried with ROC and ROC+1; neither
	 * try may leave a trace when the tag is bad. */
	FOR_EACH_COMBO(i) {
		uint32_t tag = (uint32_t)sre_suite_tag_len(fx.suite, 0);
		for (uint32_t b = 0; b < tag + 2; b++) {
			uint8_t bad[UT_BUF];
			fx_rtp(&fx, 0, -1, 24);
			struct ut_layout l = fx_layout(&fx);
			ut_stream_fini(&fx.rx);
			ut_stream(&fx.rx, fx.in, UT_SSRC);
			memcpy(bad, fx.good, fx.good_len);
			/* the tag, then a payload and a header byte */
			uint32_t off = b < tag ? l.tag_off + b
					       : (b == tag ? 12 : 5);
			bad[off] ^= 0x04;
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_AUTH_FAIL,
				  "first packet, byte %u altered", off);
			UT_EQ(sre_stream_roc(&fx.rx), 0);
		}
	}
}

static void test_rtp_null_and_uninitialised_stream(void)
{
	FOR_EACH_COMBO(i) {
		struct sre_stream blank;
		uint8_t buf[UT_BUF];
		uint32_t len;

		fx_rtp(&fx, 0, -1, 10);
		fx_label(&fx, "NULL stream");
		len = fx.good_len;
		memcpy(buf, fx.good, len);
		UT_ST(ut_unprotect(test_engine(), NULL, SRE_RTP, buf, &len),
		      SRE_ERR_NO_STREAM);
		UT_EQ(len, fx.good_len);
		fx_label(&fx, "stream never initialised");
		memset(&blank, 0, sizeof(blank));
		blank.ctx = fx.in;
		blank.ssrc = UT_SSRC;
		len = fx.good_len;
		memcpy(buf, fx.good, len);
		UT_ST(ut_unprotect(test_engine(), &blank, SRE_RTP, buf, &len),
		      SRE_ERR_NO_STREAM);
		fx_accept(&fx);
	}
}

static void test_unprotect_with_outbound_stream(void)
{
	FOR_EACH_COMBO(i) {
		for (int k = 0; k < 2; k++) {
			struct ut_snap snap;
			uint8_t buf[UT_BUF];

			if (k == 0)
				fx_rtp(&fx, 0, -1, 10);
			else
				fx_rtcp(&fx, 3);
			uint32_t len = fx.good_len;
			fx_label(&fx, "unprotect on the sender's stream");
			ut_snap(&snap, &fx.tx);
			memcpy(buf, fx.good, len);
			UT_ST(ut_unprotect(test_engine(), &fx.tx, fx.kind, buf,
					   &len),
			      SRE_ERR_WRONG_DIRECTION);
			UT_UNCHANGED(&snap, &fx.tx);
			fx_accept(&fx);
		}
	}
}

/* ---- SRTCP unprotect ---- */

static void test_rtcp_below_minimum(void)
{
	FOR_EACH_COMBO(i) {
		uint32_t min = 8 + 4 + (uint32_t)sre_suite_tag_len(fx.suite, 1) +
			       fx.mki_len;
		for (uint32_t len = 0; len < min; len++) {
			fx_rtcp(&fx, 6);
			fx_reject(&fx, fx.good, len, SRE_ERR_TOO_SHORT,
				  "truncated to %u of %u", len, fx.good_len);
		}
		fx_rtcp(&fx, 0);
		fx_label(&fx, "header-only SRTCP");
		UT_EQ(fx.good_len, min);
		fx_accept(&fx);
	}
}

static void test_rtcp_version_ssrc_mki(void)
{
	FOR_EACH_COMBO(i) {
		for (uint8_t v = 0; v < 4; v++) {
			if (v == 2)
				continue;
			uint8_t bad[UT_BUF];
			fx_rtcp(&fx, 4);
			memcpy(bad, fx.good, fx.good_len);
			bad[0] = (uint8_t)((bad[0] & 0x3f) | (v << 6));
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_BAD_VERSION,
				  "version %u", v);
		}
		for (uint32_t b = 4; b < 8; b++) {
			fx_rtcp(&fx, 4);
			fx_flip(&fx, b, 0x10, SRE_ERR_SSRC_MISMATCH, "SSRC");
		}
		for (uint32_t b = 0; b < fx.mki_len; b++) {
			fx_rtcp(&fx, 4);
			fx_flip(&fx, fx_layout(&fx).mki_off + b, 0xff,
				SRE_ERR_UNKNOWN_MKI, "MKI byte");
		}
	}
}

static void test_rtcp_every_tag_byte_altered(void)
{
	FOR_EACH_COMBO(i) {
		uint32_t tag = (uint32_t)sre_suite_tag_len(fx.suite, 1);
		for (uint32_t b = 0; b < tag; b++) {
			fx_rtcp(&fx, 5);
			fx_flip(&fx, fx_layout(&fx).tag_off + b,
				(uint8_t)(0x80u >> (b % 8)), SRE_ERR_AUTH_FAIL,
				"tag byte");
		}
	}
}

static void test_rtcp_header_and_payload_bytes_altered(void)
{
	static const struct {
		uint32_t off;
		uint8_t mask;
		const char *what;
	} cases[] = {
		{0, 0x01, "report count"},
		{0, 0x20, "padding bit"},
		{1, 0x01, "packet type"},
		{3, 0x01, "length"},
		{8, 0x01, "first payload byte"},
		{17, 0x08, "middle payload byte"},
		{8 + 4 * 5 - 1, 0x80, "last payload byte"},
	};
	FOR_EACH_COMBO(i) {
		for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			fx_rtcp(&fx, 5);
			fx_flip(&fx, cases[k].off, cases[k].mask,
				SRE_ERR_AUTH_FAIL, cases[k].what);
		}
	}
}

static void test_rtcp_e_and_index_altered(void)
{
	FOR_EACH_COMBO(i) {
		uint8_t bad[UT_BUF];
		uint32_t off;

		/* E says the payload is (not) encrypted; it is authenticated
		 * for every suite, NULL included. */
		fx_rtcp(&fx, 5);
		fx_flip(&fx, fx_layout(&fx).idx_off, 0x80, SRE_ERR_AUTH_FAIL,
			"E bit");
		/* Fresh (higher) indexes: only the tag can tell. */
		for (uint32_t b = 0; b < 4; b++) {
			fx_rtcp(&fx, 5);
			off = fx_layout(&fx).idx_off;
			memcpy(bad, fx.good, fx.good_len);
			uint32_t w = sre_load_be32(bad + off);
			uint32_t idx = (w & SRE_SRTCP_INDEX_MAX) +
				       (b == 3 ? 1000u : (0x10u << (8 * (3 - b))));
			sre_store_be32(bad + off, (w & SRE_SRTCP_E_BIT) |
							  (idx & SRE_SRTCP_INDEX_MAX));
			fx_reject(&fx, bad, fx.good_len, SRE_ERR_AUTH_FAIL,
				  "index byte %u raised to %u", b, idx);
		}
		/* An index already received is a replay before any crypto. */
		fx_rtcp(&fx, 5);
		off = fx_layout(&fx).idx_off;
		memcpy(bad, fx.good, fx.good_len);
		sre_store_be32(bad + off, sre_load_be32(bad + off) - 1);
		fx_reject(&fx, bad, fx.good_len, SRE_ERR_REPLAY_DUPLICATE,
			  "index lowered to one received");
	}
}

static void test_rtcp_null_stream(void)
{
	FOR_EACH_COMBO(i) {
		uint8_t buf[UT_BUF];
		fx_rtcp(&fx, 1);
		uint32_t len = fx.good_len;
		fx_label(&fx, "NULL stream");
		memcpy(buf, fx.good, len);
		UT_ST(ut_unprotect(test_engine(), NULL, SRE_RTCP, buf, &len),
		      SRE_ERR_NO_STREAM);
		fx_accept(&fx);
	}
}

static void test_rtcp_unencrypted_sender_e_flipped(void)
{
	/* rtcp_unencrypted sends E = 0; the receiver honours E, so setting
	 * it must fail authentication, not decrypt. */
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		struct sre_policy pol;
		struct sre_stream tx, rx;
		uint8_t plain[UT_BUF], buf[UT_BUF], bad[UT_BUF];

		ut_where("%s", sre_suite_name((enum sre_suite)s));
		sre_policy_init(&pol, (enum sre_suite)s, SRE_OUTBOUND);
		pol.rtcp_unencrypted = 1;
		struct sre_ctx *out = ut_ctx_policy(&pol);
		UT_ST(ut_add_key(test_engine(), out, 0, NULL), SRE_OK);
		struct sre_ctx *in = ut_ctx((enum sre_suite)s, SRE_INBOUND, 0, 0);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);

		uint32_t plen = (uint32_t)test_build_rtcp(plain, UT_SSRC, 4, 9);
		uint32_t len = plen;
		memcpy(buf, plain, len);
		UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len, UT_BUF),
		      SRE_OK);
		struct ut_layout l = ut_layout((enum sre_suite)s, 0, SRE_RTCP, len);
		UT_EQ(sre_load_be32(buf + l.idx_off), 0); /* E = 0, index 0 */
		UT_MEMEQ(buf, plain, plen);               /* payload in clear */

		struct ut_snap snap;
		uint32_t blen = len;
		memcpy(bad, buf, len);
		bad[l.idx_off] ^= 0x80;
		ut_snap(&snap, &rx);
		UT_ST(ut_unprotect(test_engine(), &rx, SRE_RTCP, bad, &blen),
		      SRE_ERR_AUTH_FAIL);
		UT_UNCHANGED(&snap, &rx);
		UT_ST(ut_unprotect(test_engine(), &rx, SRE_RTCP, buf, &len), SRE_OK);
		UT_EQ(len, plen);
		UT_MEMEQ(buf, plain, plen);

		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

/* ---- a context without keys ---- */

static void test_context_without_key(void)
{
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		for (int dir = 0; dir < 2; dir++) {
			struct sre_policy pol;
			struct sre_stream st;
			struct ut_snap snap;
			uint8_t buf[UT_BUF];

			ut_where("%s %s", sre_suite_name((enum sre_suite)s),
				 dir ? "outbound" : "inbound");
			sre_policy_init(&pol, (enum sre_suite)s,
					(enum sre_direction)dir);
			pol.mki_len = 2;
			struct sre_ctx *ctx = ut_ctx_policy(&pol);
			ut_stream(&st, ctx, UT_SSRC);
			for (int kind = 0; kind < 2; kind++) {
				/* big enough for any trailer on either side */
				uint32_t len = kind == SRE_RTCP
					? (uint32_t)test_build_rtcp(buf, UT_SSRC, 12, 1)
					: (uint32_t)test_build_rtp(buf, UT_SSRC, 7, 0, 0,
								   -1, 40);
				ut_snap(&snap, &st);
				int rc = dir ? ut_protect(test_engine(), &st,
							  (enum sre_kind)kind, buf,
							  &len, UT_BUF)
					     : ut_unprotect(test_engine(), &st,
							    (enum sre_kind)kind,
							    buf, &len);
				UT_ST(rc, SRE_ERR_NO_KEY);
				UT_UNCHANGED(&snap, &st);
			}
			/* A context whose only key was removed is keyless too. */
			uint8_t mki[2] = {9, 9};
			UT_ST(ut_add_key(test_engine(), ctx, 3, mki), SRE_OK);
			UT_ST(sre_ctx_remove_key(ctx, mki), SRE_OK);
			uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, 8, 0,
								0, -1, 40);
			int rc = dir ? ut_protect(test_engine(), &st, SRE_RTP, buf,
						  &len, UT_BUF)
				     : ut_unprotect(test_engine(), &st, SRE_RTP,
						    buf, &len);
			UT_ST(rc, SRE_ERR_NO_KEY);
			ut_stream_fini(&st);
			sre_ctx_destroy(ctx);
		}
	}
}

/* ---- protect ---- */

/* Protecting `pkt` with `room` fails with `want`, leaves the sender and the
 * whole buffer as they were; the genuine packet then protects (so the failed
 * one took no sequence number or SRTCP index) and is accepted. */
static void fx_protect_reject(struct fx *f, struct sre_stream *s,
			      enum sre_kind kind, const uint8_t *pkt,
			      uint32_t len, uint32_t room, int want,
			      const char *what)
{
	uint8_t buf[UT_BUF], orig[UT_BUF];
	struct ut_snap snap;

	f->kind = kind;
	fx_label(f, what);
	for (unsigned i = 0; i < UT_BUF; i++)
		orig[i] = (uint8_t)(i * 13 + 5);
	memcpy(orig, pkt, len);
	memcpy(buf, orig, UT_BUF);
	ut_snap(&snap, &f->tx);
	uint32_t l = len;
	UT_ST(ut_protect(test_engine(), s, kind, buf, &l, room), want);
	UT_EQ(l, len);
	UT_MEMEQ(buf, orig, room);
	UT_UNCHANGED(&snap, &f->tx);

	uint32_t next_index = (f->tx.flags & SRE_SF_RTCP_SEEN)
				      ? f->tx.rtcp_index + 1
				      : 0;
	if (kind == SRE_RTP)
		fx_rtp(f, 1, 1, 30);
	else
		fx_rtcp(f, 7);
	fx_label(f, what);
	if (kind == SRE_RTCP)
		UT_EQ(f->good_index, next_index);
	fx_accept(f);
}

static void test_protect_shorter_than_header(void)
{
	FOR_EACH_COMBO(i) {
		uint8_t pkt[UT_BUF];
		test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 0, -1, 0);
		for (uint32_t len = 0; len < 12; len++)
			fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, len + 64,
					  SRE_ERR_TOO_SHORT, "RTP below 12 bytes");
		test_build_rtcp(pkt, UT_SSRC, 0, 1);
		for (uint32_t len = 0; len < 8; len++)
			fx_protect_reject(&fx, &fx.tx, SRE_RTCP, pkt, len, len + 64,
					  SRE_ERR_TOO_SHORT, "RTCP below 8 bytes");
	}
}

static void test_protect_malformed_rtp_header(void)
{
	FOR_EACH_COMBO(i) {
		uint8_t pkt[UT_BUF];
		uint32_t len;

		len = (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 0, -1, 16);
		pkt[0] = 0x40;
		fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, UT_BUF,
				  SRE_ERR_BAD_VERSION, "RTP version 1");
		len = (uint32_t)test_build_rtcp(pkt, UT_SSRC, 3, 1);
		pkt[0] = 0xc0;
		fx_protect_reject(&fx, &fx.tx, SRE_RTCP, pkt, len, UT_BUF,
				  SRE_ERR_BAD_VERSION, "RTCP version 3");

		/* 2 CSRCs and 4 payload bytes: a CC of 3 still fits, 4+ not */
		len = (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 2, -1, 4);
		pkt[0] = (uint8_t)((pkt[0] & 0xf0) | 4);
		fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, UT_BUF,
				  SRE_ERR_CSRC_OVERRUN, "CC 4 past the end");
		pkt[0] = (uint8_t)((pkt[0] & 0xf0) | 15);
		fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, UT_BUF,
				  SRE_ERR_CSRC_OVERRUN, "CC 15 past the end");

		len = (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 1, -1, 0);
		pkt[0] |= 0x10;
		fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, UT_BUF,
				  SRE_ERR_EXT_OVERRUN, "X without extension header");
		len = (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 0, 2, 4);
		pkt[15] = 4; /* 16 bytes of extension, 12 there */
		fx_protect_reject(&fx, &fx.tx, SRE_RTP, pkt, len, UT_BUF,
				  SRE_ERR_EXT_OVERRUN, "extension length past end");
	}
}

static void test_protect_no_room_for_trailer(void)
{
	FOR_EACH_COMBO(i) {
		for (int kind = 0; kind < 2; kind++) {
			uint8_t pkt[UT_BUF];
			uint32_t len = kind == SRE_RTCP
				? (uint32_t)test_build_rtcp(pkt, UT_SSRC, 3, 1)
				: (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0,
							   0, -1, 21);
			uint32_t trailer =
				(uint32_t)sre_suite_tag_len(fx.suite, kind) +
				fx.mki_len + (kind == SRE_RTCP ? 4 : 0);
			for (uint32_t d = 1; d <= trailer; d++)
				fx_protect_reject(&fx, &fx.tx, (enum sre_kind)kind,
						  pkt, len, len + trailer - d,
						  SRE_ERR_NO_ROOM,
						  "room one trailer short");
			if (kind == SRE_RTP) {
				/* the seq was taken by the genuine packet */
				len = (uint32_t)test_build_rtp(pkt, UT_SSRC,
							       fx.seq, 0, 0, -1, 21);
			}
			/* exactly enough room */
			fx.kind = (enum sre_kind)kind;
			fx_label(&fx, "room exactly packet + trailer");
			uint32_t l = len;
			UT_ST(ut_protect(test_engine(), &fx.tx, (enum sre_kind)kind,
					 pkt, &l, len + trailer),
			      SRE_OK);
			UT_EQ(l, len + trailer);
			if (kind == SRE_RTP)
				fx.seq++;
			UT_ST(ut_unprotect(test_engine(), &fx.rx, (enum sre_kind)kind,
					   pkt, &l),
			      SRE_OK);
			UT_EQ(l, len);
		}
	}
}

static void test_protect_stream_problems(void)
{
	FOR_EACH_COMBO(i) {
		for (int kind = 0; kind < 2; kind++) {
			uint8_t pkt[UT_BUF];
			uint32_t len = kind == SRE_RTCP
				? (uint32_t)test_build_rtcp(pkt, UT_SSRC, 3, 1)
				: (uint32_t)test_build_rtp(pkt, UT_SSRC, fx.seq, 0,
							   0, -1, 21);
			fx_protect_reject(&fx, NULL, (enum sre_kind)kind, pkt, len,
					  UT_BUF, SRE_ERR_NO_STREAM, "NULL stream");
			if (kind == SRE_RTP)
				test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 0, -1, 21);
			fx_protect_reject(&fx, &fx.rx, (enum sre_kind)kind, pkt, len,
					  UT_BUF, SRE_ERR_WRONG_DIRECTION,
					  "protect on the receiver's stream");
			if (kind == SRE_RTP)
				test_build_rtp(pkt, UT_SSRC, fx.seq, 0, 0, -1, 21);
			sre_store_be32(pkt + (kind == SRE_RTCP ? 4 : 8),
				       UT_SSRC + 1);
			fx_protect_reject(&fx, &fx.tx, (enum sre_kind)kind, pkt, len,
					  UT_BUF, SRE_ERR_SSRC_MISMATCH,
					  "SSRC not the stream's");
		}
	}
}

static void test_protect_on_inbound_stream_leaves_it_alone(void)
{
	FOR_EACH_COMBO(i) {
		for (int kind = 0; kind < 2; kind++) {
			uint8_t pkt[UT_BUF], orig[UT_BUF];
			struct ut_snap snap;
			uint32_t len = kind == SRE_RTCP
				? (uint32_t)test_build_rtcp(pkt, UT_SSRC, 3, 1)
				: (uint32_t)test_build_rtp(pkt, UT_SSRC, 4242, 0, 0,
							   -1, 21);
			memcpy(orig, pkt, UT_BUF);
			fx.kind = (enum sre_kind)kind;
			fx_label(&fx, "protect with the inbound stream");
			ut_snap(&snap, &fx.rx);
			uint32_t l = len;
			UT_ST(ut_protect(test_engine(), &fx.rx, (enum sre_kind)kind,
					 pkt, &l, UT_BUF),
			      SRE_ERR_WRONG_DIRECTION);
			UT_EQ(l, len);
			UT_MEMEQ(pkt, orig, UT_BUF);
			UT_UNCHANGED(&snap, &fx.rx);
		}
	}
}

/* One packet whose kind or room the API does not allow: refused as a bad
 * parameter with buffer, stream and key usage untouched. */
static void fx_bad_param(struct fx *f, bool protect, uint8_t kind,
			 uint32_t room_short)
{
	struct sre_stream *s = protect ? &f->tx : &f->rx;
	uint8_t buf[UT_BUF], orig[UT_BUF];
	struct ut_snap snap;
	uint32_t len = protect ? f->plain_len : f->good_len;

	memcpy(buf, protect ? f->plain : f->good, UT_BUF);
	memcpy(orig, buf, UT_BUF);
	struct sre_packet p = {
		.data = buf, .len = len,
		.room = room_short == 0 ? UT_BUF
			: room_short > len ? 0 : len - room_short,
		.stream = s, .kind = kind};
	ut_snap(&snap, s);
	unsigned ok = protect ? sre_protect_burst(test_engine(), &p, 1)
			      : sre_unprotect_burst(test_engine(), &p, 1);
	UT_EQ(ok, 0);
	UT_ST(p.status, SRE_ERR_BAD_PARAM);
	UT_EQ(p.len, len);
	UT_MEMEQ(buf, orig, UT_BUF);
	UT_UNCHANGED(&snap, s);
}

static void test_bad_kind_and_len_past_room(void)
{
	static const struct {
		uint8_t kind;
		uint32_t room_short; /* room = len - this (0: plenty) */
	} cases[] = {{2, 0}, {255, 0}, {SRE_RTP, 1}, {SRE_RTCP, 1},
		     {SRE_RTP, 1000}};
	FOR_EACH_COMBO(i) {
		for (int protect = 0; protect < 2; protect++) {
			for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]);
			     k++) {
				if (cases[k].kind == SRE_RTCP)
					fx_rtcp(&fx, 4);
				else
					fx_rtp(&fx, 0, -1, 30);
				fx_label(&fx, protect ? "protect: kind or room"
						      : "unprotect: kind or room");
				fx_bad_param(&fx, protect, cases[k].kind,
					     cases[k].room_short);
				fx_accept(&fx);
			}
		}
	}
}

static void test_zeroed_stream(void)
{
	/* An all-zero slot of a caller's stream table: never initialised, no
	 * context. Nothing may be read through it. */
	FOR_EACH_COMBO(i) {
		struct sre_stream blank;
		uint8_t buf[UT_BUF];
		uint32_t len;

		memset(&blank, 0, sizeof(blank));
		for (int kind = 0; kind < 2; kind++) {
			if (kind == SRE_RTCP)
				fx_rtcp(&fx, 2);
			else
				fx_rtp(&fx, 0, -1, 10);
			fx_label(&fx, "zeroed stream");
			len = fx.good_len;
			memcpy(buf, fx.good, len);
			UT_ST(ut_unprotect(test_engine(), &blank, (enum sre_kind)kind,
					   buf, &len),
			      SRE_ERR_NO_STREAM);
			len = fx.plain_len;
			memcpy(buf, fx.plain, len);
			UT_ST(ut_protect(test_engine(), &blank, (enum sre_kind)kind,
					 buf, &len, UT_BUF),
			      SRE_ERR_NO_STREAM);
			fx_accept(&fx);
		}
	}
}

static CU_TestInfo unprotect_rtp_tests[] = {
	{"rtp_shorter_than_header_and_trailer", test_rtp_shorter_than_header_and_trailer},
	{"rtp_version_not_2", test_rtp_version_not_2},
	{"rtp_csrc_count_past_end", test_rtp_csrc_count_past_end},
	{"rtp_extension_past_end", test_rtp_extension_past_end},
	{"rtp_unknown_mki", test_rtp_unknown_mki},
	{"rtp_ssrc_mismatch", test_rtp_ssrc_mismatch},
	{"rtp_every_tag_byte_altered", test_rtp_every_tag_byte_altered},
	{"rtp_header_and_payload_bytes_altered", test_rtp_header_and_payload_bytes_altered},
	{"rtp_tampered_first_packet_of_stream", test_rtp_tampered_first_packet_of_stream},
	{"rtp_null_and_uninitialised_stream", test_rtp_null_and_uninitialised_stream},
	{"unprotect_with_outbound_stream", test_unprotect_with_outbound_stream},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo unprotect_rtcp_tests[] = {
	{"rtcp_below_minimum", test_rtcp_below_minimum},
	{"rtcp_version_ssrc_mki", test_rtcp_version_ssrc_mki},
	{"rtcp_every_tag_byte_altered", test_rtcp_every_tag_byte_altered},
	{"rtcp_header_and_payload_bytes_altered", test_rtcp_header_and_payload_bytes_altered},
	{"rtcp_e_and_index_altered", test_rtcp_e_and_index_altered},
	{"rtcp_null_stream", test_rtcp_null_stream},
	{"rtcp_unencrypted_sender_e_flipped", test_rtcp_unencrypted_sender_e_flipped},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo protect_tests[] = {
	{"context_without_key", test_context_without_key},
	{"protect_shorter_than_header", test_protect_shorter_than_header},
	{"protect_malformed_rtp_header", test_protect_malformed_rtp_header},
	{"protect_no_room_for_trailer", test_protect_no_room_for_trailer},
	{"protect_stream_problems", test_protect_stream_problems},
	{"protect_on_inbound_stream_leaves_it_alone", test_protect_on_inbound_stream_leaves_it_alone},
	{"bad_kind_and_len_past_room", test_bad_kind_and_len_past_room},
	/* last: a sanitizer build aborts the program where this fails */
	{"zeroed_stream", test_zeroed_stream},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"unprotect_rtp", NULL, NULL, NULL, NULL, unprotect_rtp_tests},
		{"unprotect_rtcp", NULL, NULL, NULL, NULL, unprotect_rtcp_tests},
		{"protect_and_keys", NULL, NULL, NULL, NULL, protect_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
