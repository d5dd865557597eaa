/*
 * srtp-pcap compare: two captures packet by packet, in order: the same
 * number of packets with the same UDP payloads and, unless --payload-only,
 * the same addresses and ports. Ends with "N passed, N failed".
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_pcap.h"

struct cmp {
	const char *a, *b;
	bool payload_only, checksums;
	uint64_t max_diffs, shown;
};

static void usage(FILE *to)
{
	fprintf(to,
"usage: srtp-pcap compare A.pcap B.pcap [options]\n"
"\n"
"Compares two captures packet by packet: the same number of packets, the\n"
"same UDP payloads, and (without --payload-only) the same IP version,\n"
"addresses and ports. MAC addresses, IP IDs and timestamps are not\n"
"compared. Frames that are not UDP are compared whole. Micro- and\n"
"nanosecond pcap files (DPDK's net_pcap writes the latter) both read.\n"
"Prints the first differences and \"N passed, N failed\" (packets).\n"
"\n"
"  --payload-only   compare UDP payloads only\n"
"  --checksums      also require valid IPv4 header and UDP checksums in\n"
"                   both captures (a zero UDP checksum passes on IPv4)\n"
"  --max-diffs N    differences to print (default 10; 0: none)\n"
"  -h, --help       this text\n"
"\n"
"Exit status 0 when every packet matches, 1 otherwise.\n");
}

/* What the packet is, to name it in a difference: "SRTP 0x1234abcd seq 7". */
static const char *describe(const uint8_t *f, const struct frame_info *fi,
			    char *buf, size_t cap)
{
	const uint8_t *p = f + fi->payload_off;

	if (fi->payload_len >= 8 && p[0] >> 6 == 2 && is_rtcp(p))
		snprintf(buf, cap, "RTCP SSRC 0x%08x", get32(p + 4));
	else if (fi->payload_len >= 12 && p[0] >> 6 == 2)
		snprintf(buf, cap, "RTP SSRC 0x%08x seq %u", get32(p + 8),
			 get16(p + 2));
	else
		snprintf(buf, cap, "UDP");
	return buf;
}

__attribute__((format(printf, 3, 4)))
static void diff(struct cmp *c, uint64_t n, const char *fmt, ...)
{
	va_list ap;

	if (c->shown++ >= c->max_diffs)
		return;
	printf("packet %" PRIu64 ": ", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static bool same_endpoint(const struct endpoint *x, const struct endpoint *y)
{
	return x->family == y->family && x->port == y->port &&
	       memcmp(x->ip, y->ip, x->family == 4 ? 4 : 16) == 0;
}

static bool check_sums(struct cmp *c, uint64_t n, const char *which,
		       const uint8_t *f, const struct frame_info *fi)
{
	bool ok = true;

	if (!frame_ip_csum_ok(f, fi)) {
		diff(c, n, "bad IPv4 header checksum in %s", which);
		ok = false;
	}
	if (!frame_udp_csum_ok(f, fi)) {
		diff(c, n, "bad UDP checksum in %s", which);
		ok = false;
	}
	return ok;
}

/* One packet of each; true when they match. */
static bool compare_one(struct cmp *c, uint64_t n, const uint8_t *fa,
			uint32_t la, const uint8_t *fb, uint32_t lb)
{
	struct frame_info ia, ib;
	bool ua = frame_parse(fa, la, &ia), ub = frame_parse(fb, lb, &ib);
	char da[64], db[64], what[64];
	bool ok = true;
	size_t at;

	if (!ua && !ub) {
		if (la == lb && memcmp(fa, fb, la) == 0)
			return true;
		at = first_diff(fa, fb, la < lb ? la : lb);
		diff(c, n, "non-UDP frames differ at byte %zu (lengths %u, %u)",
		     at, la, lb);
		return false;
	}
	if (!ua || !ub) {
		diff(c, n, "UDP in %s only", ua ? "A" : "B");
		return false;
	}
	describe(fa, &ia, what, sizeof(what));
	if (!c->payload_only) {
		if (!same_endpoint(&ia.src, &ib.src)) {
			diff(c, n, "%s: source %s vs %s", what,
			     endpoint_str(&ia.src, da), endpoint_str(&ib.src, db));
			ok = false;
		}
		if (!same_endpoint(&ia.dst, &ib.dst)) {
			diff(c, n, "%s: destination %s vs %s", what,
			     endpoint_str(&ia.dst, da), endpoint_str(&ib.dst, db));
			ok = false;
		}
	}
	if (ia.payload_len != ib.payload_len) {
		at = first_diff(fa + ia.payload_off, fb + ib.payload_off,
				ia.payload_len < ib.payload_len ? ia.payload_len
								: ib.payload_len);
		diff(c, n, "%s: payload of %u vs %u bytes (first difference at "
		     "byte %zu)", what, ia.payload_len, ib.payload_len, at);
		ok = false;
	} else if (memcmp(fa + ia.payload_off, fb + ib.payload_off,
			  ia.payload_len) != 0) {
		at = first_diff(fa + ia.payload_off, fb + ib.payload_off,
				ia.payload_len);
		diff(c, n, "%s: payloads (%u bytes) differ from byte %zu: "
		     "0x%02x vs 0x%02x", what, ia.payload_len, at,
		     fa[ia.payload_off + at], fb[ib.payload_off + at]);
		ok = false;
	}
	if (c->checksums) {
		ok = check_sums(c, n, "A", fa, &ia) && ok;
		ok = check_sums(c, n, "B", fb, &ib) && ok;
	}
	return ok;
}

int cmd_compare(int argc, char **argv)
{
	enum { O_PAYLOAD = 256, O_SUMS, O_MAX };
	static const struct option opts[] = {
		{"payload-only", no_argument, NULL, O_PAYLOAD},
		{"checksums", no_argument, NULL, O_SUMS},
		{"max-diffs", required_argument, NULL, O_MAX},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cmp c = {.max_diffs = 10};
	uint64_t n = 0, passed = 0, failed = 0, na = 0, nb = 0;
	pcap_t *pa, *pb;
	int ca, cb, o;

	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case O_PAYLOAD: c.payload_only = true; break;
		case O_SUMS: c.checksums = true; break;
		case O_MAX:
			c.max_diffs = opt_num("--max-diffs", optarg, 0, UINT64_MAX);
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: opt_bad(o, argv);
		}
	}
	if (argc - optind != 2)
		usage_error("compare wants two captures");
	c.a = argv[optind];
	c.b = argv[optind + 1];
	pa = pcap_in_open(c.a);
	pb = pcap_in_open(c.b);

	for (;;) {
		struct pcap_pkthdr *ha, *hb;
		const u_char *fa, *fb;

		ca = pcap_next_ex(pa, &ha, &fa);
		cb = pcap_next_ex(pb, &hb, &fb);
		if (ca == PCAP_ERROR)
			die("%s: %s", c.a, pcap_geterr(pa));
		if (cb == PCAP_ERROR)
			die("%s: %s", c.b, pcap_geterr(pb));
		if (ca != 1 && cb != 1)
			break;
		n++;
		na += ca == 1;
		nb += cb == 1;
		if (ca != 1 || cb != 1) {
			diff(&c, n, "only in %s", ca == 1 ? c.a : c.b);
			failed++;
		} else if (compare_one(&c, n, fa, ha->caplen, fb, hb->caplen)) {
			passed++;
		} else {
			failed++;
		}
	}
	pcap_close(pa);
	pcap_close(pb);
	if (c.shown > c.max_diffs)
		printf("(%" PRIu64 " more differences not shown)\n",
		       c.shown - c.max_diffs);
	if (na != nb)
		printf("%s has %" PRIu64 " packets, %s has %" PRIu64 "\n", c.a, na,
		       c.b, nb);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", passed, failed);
	return failed ? EXIT_FAIL : EXIT_OK;
}
