/*
 * srtp-pcap info: what a capture holds, per SSRC: RTP and RTCP counts,
 * first and highest sequence numbers, wraps, and (given the suite) the
 * SRTCP indexes and MKI in the clear trailer. Works on SRTP and plain RTP.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_pcap.h"

struct istream {
	uint32_t ssrc;
	uint64_t rtp, rtcp, wraps, late;
	uint16_t first_seq, high_seq;
	uint8_t pt;
	bool e_set, e_clear;          /* SRTCP E flags seen */
	uint32_t srtcp_first, srtcp_last;
	uint8_t mki[SRTP_MAX_MKI_LEN];
	bool mki_seen, mki_varies;
	struct endpoint src, dst;
};

static void usage(FILE *to)
{
	fprintf(to,
"usage: srtp-pcap info FILE [--suite NAME [--mki-len N]]\n"
"\n"
"Per SSRC, in order of first appearance: RTP and RTCP packets, first and\n"
"highest sequence number, wraps (the sequence number passing 65535),\n"
"late packets (at or below the highest seen), payload type and addresses.\n"
"With --suite the packets are taken as SRTP/SRTCP and the clear trailer is\n"
"read too: SRTCP index range, E flag, and the MKI with --mki-len.\n"
"\n"
"  --suite NAME     crypto suite of the capture (for the trailer layout)\n"
"  --mki-len N      bytes of MKI in every packet\n"
"  -h, --help       this text\n");
}

int cmd_info(int argc, char **argv)
{
	enum { O_SUITE = 256, O_MKILEN };
	static const struct option opts[] = {
		{"suite", required_argument, NULL, O_SUITE},
		{"mki-len", required_argument, NULL, O_MKILEN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct suite_info si;
	bool have_suite = false;
	size_t mki_len = 0;
	struct ssrc_map map;
	struct istream *st = NULL;
	size_t nst = 0, capst = 0;
	uint64_t n = 0, n_rtp = 0, n_rtcp = 0, n_other = 0;
	struct pcap_pkthdr *h;
	const u_char *f;
	const char *path;
	pcap_t *p;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_SUITE:
			suite_info_init(&si, opt_suite(optarg));
			have_suite = true;
			break;
		case O_MKILEN:
			mki_len = opt_num("--mki-len", optarg, 1, SRTP_MAX_MKI_LEN);
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: opt_bad(c, argv);
		}
	}
	if (argc - optind != 1)
		usage_error("info wants one capture");
	if (mki_len && !have_suite)
		usage_error("--mki-len needs --suite (to find the MKI)");
	path = argv[optind];
	p = pcap_in_open(path);
	ssrc_map_init(&map);

	while ((rc = pcap_next_ex(p, &h, &f)) == 1) {
		struct frame_info fi;
		const uint8_t *q;
		struct istream *s;
		uint32_t ssrc, i;
		bool rtcp;

		n++;
		if (!frame_parse(f, h->caplen, &fi) || fi.payload_len < 8 ||
		    f[fi.payload_off] >> 6 != 2 ||
		    (!is_rtcp(f + fi.payload_off) && fi.payload_len < 12)) {
			n_other++;
			continue;
		}
		q = f + fi.payload_off;
		rtcp = is_rtcp(q);
		ssrc = get32(q + (rtcp ? 4 : 8));
		i = ssrc_map_get(&map, ssrc);
		if (i == UINT32_MAX) {
			if (nst == capst) {
				capst = capst ? capst * 2 : 16;
				st = realloc(st, capst * sizeof(*st));
				if (st == NULL)
					die("out of memory");
			}
			memset(&st[nst], 0, sizeof(st[nst]));
			st[nst].ssrc = ssrc;
			st[nst].src = fi.src;
			st[nst].dst = fi.dst;
			i = (uint32_t)nst++;
			ssrc_map_put(&map, ssrc, i);
		}
		s = &st[i];
		if (rtcp) {
			s->rtcp++;
			n_rtcp++;
		} else {
			uint16_t seq = get16(q + 2);
			if (s->rtp == 0) {
				s->first_seq = s->high_seq = seq;
				s->pt = q[1] & 0x7f;
			} else if ((uint16_t)(seq - s->high_seq) != 0 &&
				   (uint16_t)(seq - s->high_seq) < 0x8000) {
				/* Ahead of the highest (RFC 3550 A.1's half-space
				 * rule): a smaller number means a wrap. */
				if (seq < s->high_seq)
					s->wraps++;
				s->high_seq = seq;
			} else {
				s->late++;
			}
			s->rtp++;
			n_rtp++;
		}
		if (have_suite) {
			unsigned tag = rtcp ? si.rtcp_tag : si.rtp_tag;
			unsigned after = si.aead ? 0 : tag; /* bytes after the MKI */
			unsigned need = (rtcp ? 8 + 4 : 12) + tag + (unsigned)mki_len;
			if (fi.payload_len < need)
				continue;
			const uint8_t *m = q + fi.payload_len - after - mki_len;
			if (mki_len) {
				if (!s->mki_seen)
					memcpy(s->mki, m, mki_len);
				else if (memcmp(s->mki, m, mki_len) != 0)
					s->mki_varies = true;
				s->mki_seen = true;
			}
			if (rtcp) {
				/* GCM: tag | index | MKI; CM: index | MKI | tag */
				uint32_t w = get32(m - 4);
				uint32_t idx = w & 0x7fffffff;
				if (!s->e_set && !s->e_clear)
					s->srtcp_first = idx;
				s->srtcp_last = idx;
				if (w >> 31)
					s->e_set = true;
				else
					s->e_clear = true;
			}
		}
	}
	if (rc == PCAP_ERROR)
		die("%s: %s", path, pcap_geterr(p));
	pcap_close(p);

	printf("%s: %" PRIu64 " packets: %" PRIu64 " RTP, %" PRIu64 " RTCP, %"
	       PRIu64 " other; %zu stream%s\n", path, n, n_rtp, n_rtcp, n_other,
	       nst, nst == 1 ? "" : "s");
	for (size_t k = 0; k < nst; k++) {
		struct istream *s = &st[k];
		char a[64], b[64];
		printf("ssrc 0x%08x  rtp %" PRIu64 "  rtcp %" PRIu64, s->ssrc,
		       s->rtp, s->rtcp);
		if (s->rtp)
			printf("  seq %u..%u  wraps %" PRIu64 "  late %" PRIu64
			       "  pt %u", s->first_seq, s->high_seq, s->wraps,
			       s->late, s->pt);
		printf("  %s > %s", endpoint_str(&s->src, a),
		       endpoint_str(&s->dst, b));
		if (have_suite && s->rtcp)
			printf("  srtcp-index %u..%u E=%s", s->srtcp_first,
			       s->srtcp_last, s->e_set && s->e_clear ? "mixed"
					      : s->e_set ? "1" : "0");
		if (s->mki_seen) {
			printf("  mki ");
			for (size_t j = 0; j < mki_len; j++)
				printf("%02x", s->mki[j]);
			if (s->mki_varies)
				printf(" (varies)");
		}
		putchar('\n');
	}
	free(st);
	ssrc_map_free(&map);
	return EXIT_OK;
}
