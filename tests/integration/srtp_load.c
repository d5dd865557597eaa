/*
 * srtp-load: the SRTP endpoints of many sessions at once, for the
 * integration tests. Reads a plan (one session a line: srtpedge's outside
 * port, suite, master key || salt in hex, SSRC), protects RTP packets with
 * libsrtp2 (one srtp_t per session, as a fair peer gives every stream),
 * all of them before the first is sent, and sends them from one ordinary
 * UDP socket, round after round (one packet per session a round), paced to
 * a packet rate. Payloads follow a pattern the receiver checks: byte k of
 * the payload of the packet with sequence number q of SSRC s is
 * (s * 31 + q * 7 + k) mod 256.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "libsrtp_suite.h"

struct plan_entry {
	uint16_t port;
	uint32_t ssrc;
	enum sre_suite suite;
	uint8_t key[64];
};

/* libsrtp2 as Debian builds it (on NSS) slows down with every key alive at
 * once: with 10,000 sessions each srtp_create and srtp_protect costs
 * milliseconds. The packets are therefore protected ahead of sending, this
 * many sessions at a time, each session freed when its packets are done. */
#define CHUNK 500

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtp-load --plan FILE --bind ADDR:PORT --to ADDR [options]\n"
"\n"
"Sends SRTP for every session of the plan from one UDP socket bound to\n"
"ADDR:PORT, to ADDR at each session's port, one packet per session a round.\n"
"Plan lines: 'PORT SUITE HEXKEY SSRC' (key = master key || salt).\n"
"\n"
"  --rounds N    packets per session (default 3)\n"
"  --pps N       packets per second, all sessions (default 5000)\n"
"  --payload N   RTP payload bytes (default 160)\n"
"  --seq0 N      first sequence number (default 1000)\n"
"  -h, --help    this text\n"
"\n"
"Prints 'srtp-load: sent N packets'; exit 1 on any error.\n");
}

static int parse_endpoint(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len, int want_port)
{
	char buf[128];
	const char *host = s, *port = NULL;

	memset(ss, 0, sizeof(*ss));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL)
			return -1;
		*close = '\0';
		host = buf + 1;
		if (close[1] == ':')
			port = close + 2;
	} else {
		char *colon = strrchr(buf, ':');
		host = buf;
		if (colon && strchr(buf, ':') == colon) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (want_port && port == NULL)
		return -1;
	unsigned long p = port ? strtoul(port, NULL, 10) : 0;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the plan; returns the number of sessions or -1. */
static long read_plan(const char *file, struct plan_entry **out)
{
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		perror(file);
		return -1;
	}
	size_t cap = 1024, n = 0;
	struct plan_entry *pl = malloc(cap * sizeof(*pl));
	char line[512], suite_name[64], hex[200];
	unsigned port;
	unsigned long ssrc;
	while (pl && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%u %63s %199s %lu", &port, suite_name, hex, &ssrc) != 4 ||
		    port == 0 || port > 65535 || ssrc > UINT32_MAX) {
			fprintf(stderr, "srtp-load: %s: bad line: %s", file, line);
			goto fail;
		}
		enum sre_suite suite;
		if (sre_suite_from_name(suite_name, &suite) != SRE_OK) {
			fprintf(stderr, "srtp-load: unknown suite %s\n", suite_name);
			goto fail;
		}
		size_t klen = strlen(hex) / 2;
		if (strlen(hex) % 2 || klen > sizeof(pl->key) ||
		    klen != sre_suite_master_key_len(suite) + sre_suite_master_salt_len(suite)) {
			fprintf(stderr, "srtp-load: key of the wrong length: %s", line);
			goto fail;
		}
		if (n == cap) {
			struct plan_entry *grown = realloc(pl, 2 * cap * sizeof(*pl));
			if (grown == NULL)
				break;
			pl = grown;
			cap *= 2;
		}
		for (size_t i = 0; i < klen; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "srtp-load: bad hex key: %s", line);
				goto fail;
			}
			pl[n].key[i] = (uint8_t)(hi << 4 | lo);
		}
		pl[n].port = (uint16_t)port;
		pl[n].ssrc = (uint32_t)ssrc;
		pl[n].suite = suite;
		n++;
	}
	fclose(f);
	if (pl == NULL || n == 0) {
		fprintf(stderr, "srtp-load: %s: no sessions (or out of memory)\n", file);
		free(pl);
		return -1;
	}
	*out = pl;
	return (long)n;
fail:
	fclose(f);
	free(pl);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"plan", required_argument, 0, 'p'},
		{"bind", required_argument, 0, 'b'},
		{"to", required_argument, 0, 't'},
		{"rounds", required_argument, 0, 'r'},
		{"pps", required_argument, 0, 'R'},
		{"payload", required_argument, 0, 'l'},
		{"seq0", required_argument, 0, 's'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const char *plan_file = NULL, *bind_s = NULL, *to_s = NULL;
	unsigned long rounds = 3, pps = 5000, payload = 160, seq0 = 1000;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': plan_file = optarg; break;
		case 'b': bind_s = optarg; break;
		case 't': to_s = optarg; break;
		case 'r': rounds = strtoul(optarg, NULL, 10); break;
		case 'R': pps = strtoul(optarg, NULL, 10); break;
		case 'l': payload = strtoul(optarg, NULL, 10); break;
		case 's': seq0 = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!plan_file || !bind_s || !to_s || optind != argc || pps == 0 ||
	    rounds == 0 || rounds > 1000 || payload > 1200 || seq0 > 65535) {
		usage(stderr);
		return 2;
	}
	struct sockaddr_storage src, dst;
	socklen_t srclen, dstlen;
	if (parse_endpoint(bind_s, &src, &srclen, 1) != 0 ||
	    parse_endpoint(to_s, &dst, &dstlen, 0) != 0 ||
	    src.ss_family != dst.ss_family) {
		fprintf(stderr, "srtp-load: bad --bind or --to\n");
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp-load: srtp_init failed\n");
		return 1;
	}
	struct plan_entry *pl;
	long nl = read_plan(plan_file, &pl);
	if (nl < 0)
		return 1;
	size_t n = (size_t)nl;

	/* every packet, protected: round r of session i at r * n + i */
	size_t slot = 12 + payload + SRTP_MAX_TRAILER_LEN;
	unsigned long total = rounds * n;
	uint8_t *pkts = malloc(total * slot);
	uint16_t *lens = malloc(total * sizeof(*lens));
	if (pkts == NULL || lens == NULL) {
		fprintf(stderr, "srtp-load: out of memory for %lu packets\n", total);
		return 1;
	}
	double tp = now_s();
	for (size_t base = 0; base < n; base += CHUNK) {
		size_t end = base + CHUNK < n ? base + CHUNK : n;
		srtp_t srtp[CHUNK];
		for (size_t i = base; i < end; i++) {
			int rc = libsrtp_session_create(&srtp[i - base], pl[i].suite, pl[i].key,
							pl[i].ssrc, true, 0);
			if (rc != 0) {
				fprintf(stderr, "srtp-load: srtp_create: error %d\n", rc);
				return 1;
			}
		}
		for (size_t i = base; i < end; i++) {
			for (unsigned long r = 0; r < rounds; r++) {
				uint8_t *pkt = pkts + (r * n + i) * slot;
				uint16_t seq = (uint16_t)(seq0 + r);
				uint32_t s = pl[i].ssrc, ts_rtp = 160u * (uint32_t)r;
				pkt[0] = 0x80;
				pkt[1] = 0; /* PCMU */
				pkt[2] = (uint8_t)(seq >> 8);
				pkt[3] = (uint8_t)seq;
				pkt[4] = (uint8_t)(ts_rtp >> 24);
				pkt[5] = (uint8_t)(ts_rtp >> 16);
				pkt[6] = (uint8_t)(ts_rtp >> 8);
				pkt[7] = (uint8_t)ts_rtp;
				pkt[8] = (uint8_t)(s >> 24);
				pkt[9] = (uint8_t)(s >> 16);
				pkt[10] = (uint8_t)(s >> 8);
				pkt[11] = (uint8_t)s;
				for (unsigned long k = 0; k < payload; k++)
					pkt[12 + k] = (uint8_t)(s * 31u + seq * 7u + k);
				int len = (int)(12 + payload);
				srtp_err_status_t st = srtp_protect(srtp[i - base], pkt, &len);
				if (st != srtp_err_status_ok) {
					fprintf(stderr, "srtp-load: srtp_protect: error %d\n", st);
					return 1;
				}
				lens[r * n + i] = (uint16_t)len;
			}
		}
		for (size_t i = base; i < end; i++)
			srtp_dealloc(srtp[i - base]);
	}
	fprintf(stderr, "srtp-load: %lu packets protected in %.2f s\n", total, now_s() - tp);

	int fd = socket(src.ss_family, SOCK_DGRAM, 0);
	int one = 1, big = 8 << 20;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&src, srclen) != 0) {
		perror("srtp-load: socket/bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));

	unsigned long sent = 0;
	double t0 = now_s();
	for (unsigned long j = 0; j < total; j++) {
		size_t i = j % n;
		/* pace: packet j is due at t0 + j / pps */
		double wait = t0 + (double)j / (double)pps - now_s();
		if (wait > 0.0005) {
			struct timespec ts = {(time_t)wait,
					      (long)((wait - (double)(time_t)wait) * 1e9)};
			nanosleep(&ts, NULL);
		}
		if (dst.ss_family == AF_INET)
			((struct sockaddr_in *)&dst)->sin_port = htons(pl[i].port);
		else
			((struct sockaddr_in6 *)&dst)->sin6_port = htons(pl[i].port);
		for (;;) {
			if (sendto(fd, pkts + j * slot, lens[j], 0, (struct sockaddr *)&dst,
				   dstlen) == (ssize_t)lens[j])
				break;
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("srtp-load: sendto");
				return 1;
			}
			usleep(100);
		}
		sent++;
	}
	double dt = now_s() - t0;
	printf("srtp-load: sent %lu packets (%lu rounds x %zu sessions) in %.2f s\n",
	       sent, rounds, n, dt);
	explicit_bzero(pl, n * sizeof(*pl));
	free(pl);
	free(pkts);
	free(lens);
	close(fd);
	return sent == total ? 0 : 1;
}
