/*
 * srtp-pcap gen: a capture of SRTP streams (and SRTCP, rtcp-mux) protected
 * by libsrtp, and optionally its plain twin: the same frames before
 * protection, which is what a correct decryption must give back. Payloads
 * come from a seeded generator, so every run with the same options writes
 * the same bytes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_pcap.h"

#define MAX_STREAMS 4096
#define MAX_CSRC 15
#define MAX_EXT_WORDS 1024
#define TS_BASE_SEC UINT64_C(1700000000) /* capture start, 2023-11-14 */
#define RTP_TICKS 160                    /* 20 ms at 8 kHz */
#define NTP_UNIX_OFFSET UINT64_C(2208988800)

struct gen {
	struct suite_info si;
	uint8_t key[MAX_KEY_BYTES];
	uint8_t mki[SRTP_MAX_MKI_LEN];
	size_t mki_len;
	uint64_t packets, seed;
	uint32_t payload_min, payload_max, roc0, rtcp_every;
	uint16_t seq0;
	uint8_t pt, csrc, nano;
	uint16_t ext_words;
	struct endpoint src, dst;
	uint8_t src_mac[6], dst_mac[6];
	uint16_t ip_id;
	bool plain_out;
	struct pcap_out out, plain;
	uint64_t n_rtp, n_rtcp;
};

struct stream {
	uint32_t ssrc, ts0;
	uint32_t csrc[MAX_CSRC];
	uint64_t rtp_sent, octets_sent;
	srtp_t srtp;
};

static void usage(FILE *to)
{
	fprintf(to,
"usage: srtp-pcap gen --out FILE --suite NAME --key BASE64 [options]\n"
"\n"
"Writes Ethernet/IPv4 (or IPv6)/UDP frames carrying SRTP, with SRTCP\n"
"interleaved on the same ports (rtcp-mux), protected by libsrtp with one\n"
"session per stream. Rounds of one RTP packet per stream, 20 ms apart.\n"
"\n"
"  --out FILE         the SRTP capture to write\n"
"  --suite NAME       AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,\n"
"                     AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32,\n"
"                     AEAD_AES_128_GCM, AEAD_AES_256_GCM, NULL_HMAC_SHA1_80\n"
"  --key BASE64       master key || master salt (RFC 4568 inline key)\n"
"  --plain-out FILE   also write the frames before protection: same headers,\n"
"                     UDP/IP lengths and checksums recomputed\n"
"  --ssrc N           SSRC of the next stream (repeatable; others derived\n"
"                     from --seed)\n"
"  --streams N        number of streams (default: number of --ssrc, or 1)\n"
"  --packets N        RTP packets per stream (default 1000)\n"
"  --payload N|MIN-MAX  RTP payload bytes, fixed or varying (default 160)\n"
"  --seq0 N           first sequence number (default 65000: crosses a wrap)\n"
"  --roc0 N           initial rollover counter (default 0)\n"
"  --rtcp-every N     one SRTCP packet per stream after every N RTP packets\n"
"                     of that stream (default 10; 0: no RTCP)\n"
"  --pt N             RTP payload type (default 96; 64..95 are refused,\n"
"                     they collide with RTCP under rtcp-mux)\n"
"  --csrc N           CSRCs per RTP header (0..15, default 0)\n"
"  --ext WORDS        RFC 8285 one-byte header extension of WORDS 32-bit\n"
"                     words (default 0: none)\n"
"  --mki HEX          MKI sent in every packet (libsrtp's *_mki calls)\n"
"  --src IP:PORT      source (default 192.0.2.1:5004, [2001:db8::1]:5004)\n"
"  --dst IP:PORT      destination (default 198.51.100.1:5006,\n"
"                     [2001:db8::2]:5006)\n"
"  --src-mac MAC      default 02:00:00:00:00:01\n"
"  --dst-mac MAC      default 02:00:00:00:00:02\n"
"  --ipv6             IPv6 default addresses (implied by IPv6 --src/--dst)\n"
"  --seed N           payload, SSRC and timestamp generator seed (default 1)\n"
"  --nano             write a nanosecond-resolution pcap (as DPDK does)\n"
"  -h, --help         this text\n");
}

/* splitmix64's finaliser: every packet's bytes derive from (seed, what). */
static uint64_t mix(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return (struct rng){mix(mix(mix(seed ^ a) ^ b) ^ c)};
}

static uint64_t rng_next(struct rng *r)
{
	r->s += UINT64_C(0x9e3779b97f4a7c15);
	return mix(r->s);
}

static void rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = rng_next(r);
		for (int i = 0; i < 8 && n > 0; i++, n--, v >>= 8)
			*p++ = (uint8_t)v;
	}
}

enum { WHAT_SSRC = 1, WHAT_TS, WHAT_CSRC, WHAT_RTP, WHAT_IPID };

static uint32_t build_rtp(uint8_t *p, const struct gen *g,
			  const struct stream *st, unsigned s, uint64_t r)
{
	struct rng rng = rng_for(g->seed, WHAT_RTP, s, r);
	uint32_t plen = g->payload_min;
	uint8_t *q = p;

	if (g->payload_max > g->payload_min)
		plen += (uint32_t)(rng_next(&rng) %
				   (g->payload_max - g->payload_min + 1));
	q[0] = (uint8_t)(0x80 | (g->ext_words ? 0x10 : 0) | g->csrc);
	q[1] = (uint8_t)((r == 0 ? 0x80 : 0) | g->pt); /* marker: talkspurt */
	put16(q + 2, (uint16_t)(g->seq0 + r));
	put32(q + 4, (uint32_t)(st->ts0 + r * RTP_TICKS));
	put32(q + 8, st->ssrc);
	q += 12;
	for (unsigned k = 0; k < g->csrc; k++, q += 4)
		put32(q, st->csrc[k]);
	if (g->ext_words) {
		/* Elements of 3 data bytes fill each word exactly, so the
		 * block is valid RFC 8285 with no padding. */
		put16(q, 0xbede);
		put16(q + 2, g->ext_words);
		q += 4;
		for (unsigned w = 0; w < g->ext_words; w++, q += 4) {
			q[0] = (uint8_t)(((w % 14) + 1) << 4 | 2);
			rng_fill(&rng, q + 1, 3);
		}
	}
	rng_fill(&rng, q, plen);
	return (uint32_t)(q - p) + plen;
}

/* A compound SR + SDES CNAME, the minimum RFC 3550 §6.1 asks of a sender. */
static uint32_t build_rtcp(uint8_t *p, const struct stream *st,
			   uint64_t t_us, uint32_t rtp_ts)
{
	char cname[32];
	int n = snprintf(cname, sizeof(cname), "%08x@srtp-pcap", st->ssrc);
	uint64_t ntp_sec = t_us / 1000000 + NTP_UNIX_OFFSET;
	uint64_t ntp_frac = ((t_us % 1000000) << 32) / 1000000;
	uint32_t items, sdes_len;
	uint8_t *q;

	p[0] = 0x80;
	p[1] = 200;
	put16(p + 2, 6);
	put32(p + 4, st->ssrc);
	put32(p + 8, (uint32_t)ntp_sec);
	put32(p + 12, (uint32_t)ntp_frac);
	put32(p + 16, rtp_ts);
	put32(p + 20, (uint32_t)st->rtp_sent);
	put32(p + 24, (uint32_t)st->octets_sent);

	q = p + 28;
	items = (2 + (uint32_t)n + 1 + 3) & ~3u; /* CNAME, END, pad to a word */
	sdes_len = 8 + items;
	q[0] = 0x81;
	q[1] = 202;
	put16(q + 2, (uint16_t)(sdes_len / 4 - 1));
	put32(q + 4, st->ssrc);
	memset(q + 8, 0, items);
	q[8] = 1;
	q[9] = (uint8_t)n;
	memcpy(q + 10, cname, (size_t)n);
	return 28 + sdes_len;
}

static void payload_spec(const char *arg, struct gen *g)
{
	const char *dash = strchr(arg, '-');
	char lo[32];

	if (dash == NULL) {
		g->payload_min = g->payload_max =
			(uint32_t)opt_num("--payload", arg, 0, FRAME_MAX);
		return;
	}
	if ((size_t)(dash - arg) >= sizeof(lo))
		usage_error("--payload wants N or MIN-MAX, got '%s'", arg);
	memcpy(lo, arg, (size_t)(dash - arg));
	lo[dash - arg] = '\0';
	g->payload_min = (uint32_t)opt_num("--payload", lo, 0, FRAME_MAX);
	g->payload_max = (uint32_t)opt_num("--payload", dash + 1, 0, FRAME_MAX);
	if (g->payload_max < g->payload_min)
		usage_error("--payload %s: MAX below MIN", arg);
}

static bool ssrc_taken(const struct stream *streams, unsigned n, uint32_t ssrc)
{
	for (unsigned t = 0; t < n; t++)
		if (streams[t].ssrc == ssrc)
			return true;
	return false;
}

static void session_open(struct stream *st, const struct gen *g)
{
	srtp_policy_t pol = g->si.policy;
	srtp_master_key_t mk = {
		.key = (unsigned char *)g->key,
		.mki_id = (unsigned char *)g->mki,
		.mki_size = (unsigned)g->mki_len,
	};
	srtp_master_key_t *keys[1] = {&mk};
	srtp_err_status_t rc;

	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = st->ssrc;
	if (g->mki_len) {
		/* libsrtp reads the MKI table only when no single key is set. */
		pol.keys = keys;
		pol.num_master_keys = 1;
	} else {
		pol.key = (unsigned char *)g->key;
	}
	rc = srtp_create(&st->srtp, &pol);
	if (rc != srtp_err_status_ok)
		die("srtp_create (SSRC 0x%08x): %s", st->ssrc,
		    srtp_status_name(rc));
	if (g->roc0 != 0) {
		rc = srtp_set_stream_roc(st->srtp, st->ssrc, g->roc0);
		if (rc != srtp_err_status_ok)
			die("srtp_set_stream_roc: %s", srtp_status_name(rc));
	}
}

/* One packet of stream s in round r: its plain frame to the plain twin,
 * its protected frame to the capture. */
static void emit(struct gen *g, struct stream *st, unsigned s, uint64_t r,
		 bool rtcp)
{
	static uint32_t buf32[BUF_BYTES / 4]; /* libsrtp wants 32-bit alignment */
	static uint8_t frame[BUF_BYTES];
	uint8_t *pkt = (uint8_t *)buf32;
	uint64_t t_us = r * 20000 + s * 10 + (rtcp ? 5 : 0);
	uint64_t sec = TS_BASE_SEC + t_us / 1000000;
	uint32_t frac = (uint32_t)(t_us % 1000000) * (g->nano ? 1000 : 1);
	uint32_t len, flen;
	srtp_err_status_t rc;
	struct frame_info fi;
	int plen;

	if (!rtcp) {
		len = build_rtp(pkt, g, st, s, r);
		st->rtp_sent++;
		st->octets_sent += len - 12 - 4u * g->csrc -
				   (g->ext_words ? 4 + 4u * g->ext_words : 0);
	} else {
		len = build_rtcp(pkt, st, TS_BASE_SEC * 1000000 + t_us,
				 (uint32_t)(st->ts0 + r * RTP_TICKS));
	}
	memset(&fi, 0, sizeof(fi));
	fi.ipver = g->src.family;
	fi.l3_off = 14;
	fi.payload_off = frame_headers(frame, g->src_mac, g->dst_mac, &g->src,
				       &g->dst, g->ip_id++);
	fi.l4_off = fi.payload_off - 8;
	if (g->plain_out) {
		memcpy(frame + fi.payload_off, pkt, len);
		flen = frame_finish(frame, &fi, len);
		pcap_out_write(&g->plain, sec, frac, frame, flen);
	}
	plen = (int)len;
	if (!rtcp)
		rc = srtp_protect_mki(st->srtp, pkt, &plen, g->mki_len > 0, 0);
	else
		rc = srtp_protect_rtcp_mki(st->srtp, pkt, &plen, g->mki_len > 0, 0);
	if (rc != srtp_err_status_ok)
		die("libsrtp protect (SSRC 0x%08x, %s of round %" PRIu64 "): %s",
		    st->ssrc, rtcp ? "RTCP" : "RTP", r, srtp_status_name(rc));
	memcpy(frame + fi.payload_off, pkt, (size_t)plen);
	flen = frame_finish(frame, &fi, (uint32_t)plen);
	pcap_out_write(&g->out, sec, frac, frame, flen);
	if (rtcp)
		g->n_rtcp++;
	else
		g->n_rtp++;
}

int cmd_gen(int argc, char **argv)
{
	enum {
		O_OUT = 256, O_SUITE, O_KEY, O_SSRC, O_STREAMS, O_PACKETS,
		O_PAYLOAD, O_SEQ0, O_ROC0, O_RTCP, O_SRC, O_DST, O_SRCMAC,
		O_DSTMAC, O_PLAIN, O_IPV6, O_CSRC, O_EXT, O_MKI, O_SEED, O_PT,
		O_NANO,
	};
	static const struct option opts[] = {
		{"out", required_argument, NULL, O_OUT},
		{"suite", required_argument, NULL, O_SUITE},
		{"key", required_argument, NULL, O_KEY},
		{"ssrc", required_argument, NULL, O_SSRC},
		{"streams", required_argument, NULL, O_STREAMS},
		{"packets", required_argument, NULL, O_PACKETS},
		{"payload", required_argument, NULL, O_PAYLOAD},
		{"seq0", required_argument, NULL, O_SEQ0},
		{"roc0", required_argument, NULL, O_ROC0},
		{"rtcp-every", required_argument, NULL, O_RTCP},
		{"src", required_argument, NULL, O_SRC},
		{"dst", required_argument, NULL, O_DST},
		{"src-mac", required_argument, NULL, O_SRCMAC},
		{"dst-mac", required_argument, NULL, O_DSTMAC},
		{"plain-out", required_argument, NULL, O_PLAIN},
		{"ipv6", no_argument, NULL, O_IPV6},
		{"csrc", required_argument, NULL, O_CSRC},
		{"ext", required_argument, NULL, O_EXT},
		{"mki", required_argument, NULL, O_MKI},
		{"seed", required_argument, NULL, O_SEED},
		{"pt", required_argument, NULL, O_PT},
		{"nano", no_argument, NULL, O_NANO},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *plain_out = NULL, *suite_arg = NULL;
	const char *key_arg = NULL, *src_arg = NULL, *dst_arg = NULL;
	uint32_t ssrcs[MAX_STREAMS];
	unsigned nssrc = 0, nstreams = 0;
	bool ipv6 = false;
	struct gen g;
	struct stream *streams;
	int c;

	memset(&g, 0, sizeof(g));
	g.packets = 1000;
	g.payload_min = g.payload_max = 160;
	g.seq0 = 65000;
	g.rtcp_every = 10;
	g.pt = 96;
	g.seed = 1;
	memcpy(g.src_mac, (uint8_t[6]){2, 0, 0, 0, 0, 1}, 6);
	memcpy(g.dst_mac, (uint8_t[6]){2, 0, 0, 0, 0, 2}, 6);

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_OUT: out = optarg; break;
		case O_PLAIN: plain_out = optarg; break;
		case O_SUITE: suite_arg = optarg; break;
		case O_KEY: key_arg = optarg; break;
		case O_SSRC:
			if (nssrc == MAX_STREAMS)
				usage_error("at most %d streams", MAX_STREAMS);
			ssrcs[nssrc++] = (uint32_t)opt_num("--ssrc", optarg, 0,
							   UINT32_MAX);
			break;
		case O_STREAMS:
			nstreams = (unsigned)opt_num("--streams", optarg, 1,
						     MAX_STREAMS);
			break;
		case O_PACKETS:
			g.packets = opt_num("--packets", optarg, 0, UINT32_MAX);
			break;
		case O_PAYLOAD: payload_spec(optarg, &g); break;
		case O_SEQ0:
			g.seq0 = (uint16_t)opt_num("--seq0", optarg, 0, 65535);
			break;
		case O_ROC0:
			g.roc0 = (uint32_t)opt_num("--roc0", optarg, 0, UINT32_MAX);
			break;
		case O_RTCP:
			g.rtcp_every = (uint32_t)opt_num("--rtcp-every", optarg, 0,
							 UINT32_MAX);
			break;
		case O_SRC: src_arg = optarg; break;
		case O_DST: dst_arg = optarg; break;
		case O_SRCMAC:
			if (!mac_parse(optarg, g.src_mac))
				usage_error("--src-mac wants a MAC like "
					    "02:00:00:00:00:01, got '%s'", optarg);
			break;
		case O_DSTMAC:
			if (!mac_parse(optarg, g.dst_mac))
				usage_error("--dst-mac wants a MAC like "
					    "02:00:00:00:00:02, got '%s'", optarg);
			break;
		case O_IPV6: ipv6 = true; break;
		case O_CSRC:
			g.csrc = (uint8_t)opt_num("--csrc", optarg, 0, MAX_CSRC);
			break;
		case O_EXT:
			g.ext_words = (uint16_t)opt_num("--ext", optarg, 0,
							MAX_EXT_WORDS);
			break;
		case O_MKI:
			g.mki_len = opt_hex("--mki", optarg, g.mki, sizeof(g.mki));
			break;
		case O_SEED: g.seed = opt_num("--seed", optarg, 0, UINT64_MAX); break;
		case O_PT:
			g.pt = (uint8_t)opt_num("--pt", optarg, 0, 127);
			if (g.pt >= 64 && g.pt <= 95)
				usage_error("--pt %u collides with RTCP packet types "
					    "(RFC 5761 §4)", g.pt);
			break;
		case O_NANO: g.nano = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: opt_bad(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (out == NULL || suite_arg == NULL || key_arg == NULL)
		usage_error("--out, --suite and --key are required");
	suite_info_init(&g.si, opt_suite(suite_arg));
	opt_key(key_arg, g.si.suite, g.key);

	if (src_arg != NULL || dst_arg != NULL) {
		if (src_arg != NULL && !endpoint_parse(src_arg, &g.src))
			usage_error("--src wants IP:PORT or [IPv6]:PORT, got '%s'",
				    src_arg);
		if (dst_arg != NULL && !endpoint_parse(dst_arg, &g.dst))
			usage_error("--dst wants IP:PORT or [IPv6]:PORT, got '%s'",
				    dst_arg);
		if ((src_arg != NULL && g.src.family == 6) ||
		    (dst_arg != NULL && g.dst.family == 6))
			ipv6 = true;
	}
	if (src_arg == NULL)
		endpoint_parse(ipv6 ? "[2001:db8::1]:5004" : "192.0.2.1:5004",
			       &g.src);
	if (dst_arg == NULL)
		endpoint_parse(ipv6 ? "[2001:db8::2]:5006" : "198.51.100.1:5006",
			       &g.dst);
	if (g.src.family != g.dst.family || (ipv6 && g.src.family != 6))
		usage_error("--src and --dst must both be IPv4 or both IPv6 "
			    "(--ipv6 wants IPv6 addresses)");

	if (nstreams == 0)
		nstreams = nssrc ? nssrc : 1;
	if (nstreams < nssrc)
		usage_error("--streams %u but %u --ssrc given", nstreams, nssrc);

	/* Worst frame: IPv6, every header part, the largest payload and the
	 * largest trailer (RTCP: index + MKI + 16-byte tag). */
	if (14 + 40 + 8 + 12 + 4u * g.csrc +
	    (g.ext_words ? 4 + 4u * g.ext_words : 0) + g.payload_max + 4 +
	    g.mki_len + 16 > FRAME_MAX)
		usage_error("packets would exceed %d bytes", FRAME_MAX);
	{
		uint64_t wraps = (g.seq0 + g.packets - (g.packets > 0)) >> 16;
		if (g.roc0 + wraps > UINT32_MAX)
			usage_error("--roc0 %u + %" PRIu64 " wraps overflows the ROC",
				    g.roc0, wraps);
	}

	streams = calloc(nstreams, sizeof(*streams));
	if (streams == NULL)
		die("out of memory");
	for (unsigned s = 0; s < nstreams; s++) {
		struct stream *st = &streams[s];
		struct rng rng = rng_for(g.seed, WHAT_TS, s, 0);
		if (s < nssrc) {
			st->ssrc = ssrcs[s];
		} else {
			struct rng rs = rng_for(g.seed, WHAT_SSRC, s, 0);
			st->ssrc = (uint32_t)rng_next(&rs);
		}
		for (unsigned tries = 1; ssrc_taken(streams, s, st->ssrc); tries++) {
			if (s < nssrc)
				usage_error("--ssrc 0x%08x given twice", st->ssrc);
			/* A derived SSRC met an earlier one: derive again. */
			struct rng rs = rng_for(g.seed, WHAT_SSRC, s, tries);
			st->ssrc = (uint32_t)rng_next(&rs);
		}
		st->ts0 = (uint32_t)rng_next(&rng);
		struct rng rcs = rng_for(g.seed, WHAT_CSRC, s, 0);
		for (unsigned k = 0; k < g.csrc; k++)
			st->csrc[k] = (uint32_t)rng_next(&rcs);
		session_open(st, &g);
	}

	pcap_out_open(&g.out, out, g.nano);
	g.plain_out = plain_out != NULL;
	if (g.plain_out)
		pcap_out_open(&g.plain, plain_out, g.nano);
	{
		struct rng ri = rng_for(g.seed, WHAT_IPID, 0, 0);
		g.ip_id = (uint16_t)rng_next(&ri);
	}

	for (uint64_t r = 0; r < g.packets; r++) {
		for (unsigned s = 0; s < nstreams; s++) {
			emit(&g, &streams[s], s, r, false);
			if (g.rtcp_every && (r + 1) % g.rtcp_every == 0)
				emit(&g, &streams[s], s, r, true);
		}
	}

	/* libsrtp's sender estimates its own index from the sequence number;
	 * had it missed a wrap (or the --roc0), receivers would disagree with
	 * the ROC these packets were meant to carry. */
	for (unsigned s = 0; s < nstreams && g.packets > 0; s++) {
		uint32_t roc = 0;
		uint32_t want = g.roc0 + (uint32_t)((g.seq0 + g.packets - 1) >> 16);
		srtp_get_stream_roc(streams[s].srtp, streams[s].ssrc, &roc);
		if (roc != want)
			die("libsrtp ended SSRC 0x%08x at ROC %u, expected %u",
			    streams[s].ssrc, roc, want);
	}

	pcap_out_close(&g.out);
	if (g.plain_out)
		pcap_out_close(&g.plain);
	for (unsigned s = 0; s < nstreams; s++)
		srtp_dealloc(streams[s].srtp);
	free(streams);
	printf("gen: %s: %" PRIu64 " packets (%" PRIu64 " SRTP, %" PRIu64
	       " SRTCP), %u stream%s, %s%s%s\n", out, g.n_rtp + g.n_rtcp, g.n_rtp,
	       g.n_rtcp, nstreams, nstreams == 1 ? "" : "s",
	       sre_suite_name(g.si.suite), plain_out ? "; plain: " : "",
	       plain_out ? plain_out : "");
	return EXIT_OK;
}
