/*
 * srtp-pcap decrypt: unprotects every SRTP and SRTCP packet of a capture
 * with libsrtp and writes the plain frames (headers kept, UDP/IP lengths and
 * checksums recomputed). Packets libsrtp refuses are counted by its status
 * and left out; frames that are not RTP/RTCP over UDP pass through.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_pcap.h"

#define STATUS_SLOTS 32 /* above libsrtp's largest status value (27) */
#define SHOW_REJECTS 10

struct dstream {
	uint32_t ssrc;
	srtp_t srtp;
};

struct dec {
	struct suite_info si;
	uint8_t key[MAX_KEY_BYTES];
	uint8_t mki[SRTP_MAX_MKI_LEN];
	size_t mki_len;
	bool mki_check;          /* --mki: the value is known, not just its size */
	uint32_t roc0;
	unsigned window;
	struct ssrc_map map;
	struct dstream *st;
	size_t nst, capst;
	uint64_t rejected[2][STATUS_SLOTS]; /* [is_rtcp][libsrtp status] */
	uint64_t shown;
};

static void usage(FILE *to)
{
	fprintf(to,
"usage: srtp-pcap decrypt --in FILE --out FILE --suite NAME --key BASE64\n"
"                         [options]\n"
"\n"
"Unprotects every SRTP and SRTCP packet of the capture with libsrtp (RTCP\n"
"told from RTP by its second byte, 192..223, RFC 5761) and writes the plain\n"
"frames with their headers, UDP/IP lengths and checksums recomputed. One\n"
"libsrtp session per SSRC, created at the SSRC's first packet. Packets\n"
"libsrtp rejects are counted by status and not written; other frames (not\n"
"UDP, not version 2) are copied unchanged.\n"
"\n"
"  --in FILE        capture to read (pcap, micro- or nanosecond)\n"
"  --out FILE       capture to write (microsecond pcap)\n"
"  --suite NAME     crypto suite (srtp-pcap gen --help lists them)\n"
"  --key BASE64     master key || master salt\n"
"  --mki-len N      every packet carries an N-byte MKI (any value)\n"
"  --mki HEX        every packet carries this MKI; others are bad_mki\n"
"  --roc0 N         ROC of each SSRC's first packet (default 0)\n"
"  --window N       SRTP replay window, 64..32767 (default: libsrtp's 128)\n"
"  --drop-other     do not copy frames that are not SRTP/SRTCP\n"
"  -h, --help       this text\n"
"\n"
"Exit status 0 when every SRTP/SRTCP packet was unprotected, 3 when some\n"
"were rejected (the output then lacks them), 1 on errors.\n");
}

static struct dstream *stream_get(struct dec *d, uint32_t ssrc)
{
	uint32_t i = ssrc_map_get(&d->map, ssrc);
	srtp_policy_t pol;
	srtp_err_status_t rc;
	struct dstream *s;

	if (i != UINT32_MAX)
		return &d->st[i];
	if (d->nst == d->capst) {
		d->capst = d->capst ? d->capst * 2 : 16;
		d->st = realloc(d->st, d->capst * sizeof(*d->st));
		if (d->st == NULL)
			die("out of memory");
	}
	s = &d->st[d->nst];
	s->ssrc = ssrc;
	pol = d->si.policy;
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = d->key;
	pol.window_size = d->window;
	rc = srtp_create(&s->srtp, &pol);
	if (rc != srtp_err_status_ok)
		die("srtp_create (SSRC 0x%08x): %s", ssrc, srtp_status_name(rc));
	/* libsrtp keeps it pending and takes it with the first packet, so it
	 * holds even when that packet's sequence number is above 2^15. */
	if (d->roc0 != 0) {
		rc = srtp_set_stream_roc(s->srtp, ssrc, d->roc0);
		if (rc != srtp_err_status_ok)
			die("srtp_set_stream_roc: %s", srtp_status_name(rc));
	}
	ssrc_map_put(&d->map, ssrc, (uint32_t)d->nst);
	return &d->st[d->nst++];
}

/* Checks and removes the MKI, so that libsrtp sees the packet as sent
 * without one. The MKI is outside what the tag covers (RFC 3711 §3.1, RFC
 * 7714 §9), so this changes nothing for authentication; it spares us
 * libsrtp 2.5's own MKI lookup, which reads SRTCP in the _32 suites at the
 * SRTP tag length and so misses every MKI there. */
static srtp_err_status_t strip_mki(const struct dec *d, uint8_t *p,
				   uint32_t *len, bool rtcp)
{
	unsigned tag = rtcp ? d->si.rtcp_tag : d->si.rtp_tag;
	/* AES-CM: ... MKI | tag; GCM: ... tag (| SRTCP index) | MKI. */
	unsigned after = d->si.aead ? 0 : tag;
	unsigned need = (rtcp ? 8 + 4 : 12) + tag + (unsigned)d->mki_len;
	uint8_t *m;

	if (*len < need)
		return srtp_err_status_parse_err;
	m = p + *len - after - d->mki_len;
	if (d->mki_check && memcmp(m, d->mki, d->mki_len) != 0)
		return srtp_err_status_bad_mki;
	memmove(m, m + d->mki_len, after);
	*len -= (uint32_t)d->mki_len;
	return srtp_err_status_ok;
}

/* Counts a refused packet and names the first few on stderr. */
static void reject(struct dec *d, uint64_t n, const uint8_t *p, bool rtcp,
		   srtp_err_status_t st)
{
	if (d->shown++ < SHOW_REJECTS) {
		fprintf(stderr, "%s: packet %" PRIu64 ": %s SSRC 0x%08x", prog, n,
			rtcp ? "SRTCP" : "SRTP", get32(p + (rtcp ? 4 : 8)));
		if (!rtcp)
			fprintf(stderr, " seq %u", get16(p + 2));
		fprintf(stderr, ": %s\n", srtp_status_name(st));
	}
	if ((unsigned)st >= STATUS_SLOTS)
		st = srtp_err_status_fail;
	d->rejected[rtcp][st]++;
}

int cmd_decrypt(int argc, char **argv)
{
	enum {
		O_IN = 256, O_OUT, O_SUITE, O_KEY, O_MKILEN, O_MKI, O_ROC0,
		O_WINDOW, O_DROP,
	};
	static const struct option opts[] = {
		{"in", required_argument, NULL, O_IN},
		{"out", required_argument, NULL, O_OUT},
		{"suite", required_argument, NULL, O_SUITE},
		{"key", required_argument, NULL, O_KEY},
		{"mki-len", required_argument, NULL, O_MKILEN},
		{"mki", required_argument, NULL, O_MKI},
		{"roc0", required_argument, NULL, O_ROC0},
		{"window", required_argument, NULL, O_WINDOW},
		{"drop-other", no_argument, NULL, O_DROP},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static uint32_t buf32[BUF_BYTES / 4]; /* libsrtp wants 32-bit alignment */
	static uint8_t frame[BUF_BYTES];
	static struct dec d;
	uint8_t *buf = (uint8_t *)buf32;
	const char *in = NULL, *out = NULL, *suite_arg = NULL, *key_arg = NULL;
	size_t mki_len_arg = 0;
	bool drop_other = false;
	uint64_t n_read = 0, ok[2] = {0, 0}, n_other = 0, n_rej = 0;
	struct pcap_out po;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pin;
	int c, rc;

	ssrc_map_init(&d.map);
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_IN: in = optarg; break;
		case O_OUT: out = optarg; break;
		case O_SUITE: suite_arg = optarg; break;
		case O_KEY: key_arg = optarg; break;
		case O_MKILEN:
			mki_len_arg = opt_num("--mki-len", optarg, 1,
					      SRTP_MAX_MKI_LEN);
			break;
		case O_MKI:
			d.mki_len = opt_hex("--mki", optarg, d.mki, sizeof(d.mki));
			d.mki_check = true;
			break;
		case O_ROC0:
			d.roc0 = (uint32_t)opt_num("--roc0", optarg, 0, UINT32_MAX);
			break;
		case O_WINDOW:
			d.window = (unsigned)opt_num("--window", optarg, 64, 32767);
			break;
		case O_DROP: drop_other = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: opt_bad(c, argv);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (in == NULL || out == NULL || suite_arg == NULL || key_arg == NULL)
		usage_error("--in, --out, --suite and --key are required");
	if (mki_len_arg != 0) {
		if (d.mki_check && mki_len_arg != d.mki_len)
			usage_error("--mki-len %zu but --mki has %zu bytes",
				    mki_len_arg, d.mki_len);
		d.mki_len = mki_len_arg;
	}
	suite_info_init(&d.si, opt_suite(suite_arg));
	opt_key(key_arg, d.si.suite, d.key);

	pin = pcap_in_open(in);
	pcap_out_open(&po, out, false);
	while ((rc = pcap_next_ex(pin, &h, &data)) == 1) {
		struct frame_info fi;
		struct dstream *s;
		srtp_err_status_t st = srtp_err_status_ok;
		uint32_t plen, flen;
		bool rtcp;
		int len;

		n_read++;
		if (h->caplen != h->len || h->caplen > FRAME_MAX ||
		    !frame_parse(data, h->caplen, &fi) || fi.payload_len < 8 ||
		    data[fi.payload_off] >> 6 != 2 ||
		    (!is_rtcp(data + fi.payload_off) && fi.payload_len < 12)) {
			n_other++;
			if (!drop_other)
				pcap_out_write(&po, (uint64_t)h->ts.tv_sec,
					       (uint32_t)h->ts.tv_usec, data,
					       h->caplen);
			continue;
		}
		plen = fi.payload_len;
		memcpy(buf, data + fi.payload_off, plen);
		rtcp = is_rtcp(buf);
		s = stream_get(&d, get32(buf + (rtcp ? 4 : 8)));
		if (d.mki_len)
			st = strip_mki(&d, buf, &plen, rtcp);
		len = (int)plen;
		if (st == srtp_err_status_ok)
			st = rtcp ? srtp_unprotect_rtcp(s->srtp, buf, &len)
				  : srtp_unprotect(s->srtp, buf, &len);
		if (st != srtp_err_status_ok) {
			reject(&d, n_read, buf, rtcp, st);
			n_rej++;
			continue;
		}
		memcpy(frame, data, fi.payload_off);
		memcpy(frame + fi.payload_off, buf, (size_t)len);
		flen = frame_finish(frame, &fi, (uint32_t)len);
		pcap_out_write(&po, (uint64_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec,
			       frame, flen);
		ok[rtcp]++;
	}
	if (rc == PCAP_ERROR)
		die("%s: %s", in, pcap_geterr(pin));
	pcap_close(pin);
	pcap_out_close(&po);

	printf("decrypt: %s: %" PRIu64 " packets: %" PRIu64 " SRTP + %" PRIu64
	       " SRTCP unprotected, %" PRIu64 " rejected, %" PRIu64
	       " other %s; %zu SSRC%s\n", in, n_read, ok[0], ok[1], n_rej, n_other,
	       drop_other ? "(dropped)" : "(copied)", d.nst,
	       d.nst == 1 ? "" : "s");
	if (n_rej) {
		printf("rejected:");
		for (int k = 0; k < 2; k++) {
			for (unsigned i = 0; i < STATUS_SLOTS; i++) {
				if (d.rejected[k][i] == 0)
					continue;
				printf(" %s %s %" PRIu64, k ? "SRTCP" : "SRTP",
				       srtp_status_name((srtp_err_status_t)i),
				       d.rejected[k][i]);
			}
		}
		printf("\n");
	}
	for (size_t i = 0; i < d.nst; i++)
		srtp_dealloc(d.st[i].srtp);
	free(d.st);
	ssrc_map_free(&d.map);
	return n_rej ? EXIT_REJECTED : EXIT_OK;
}
