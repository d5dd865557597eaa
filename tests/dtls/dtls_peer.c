/*
 * dtls-peer: one engine association on a UDP socket, so that real DTLS-SRTP
 * peers (openssl s_client / s_server) can be run against it. Prints what a
 * test compares — our fingerprint, the bound port, the profile, the keys
 * and the RFC 5764 keying material rebuilt from them — or the named error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dtls_srtp.h"

static void usage(FILE *f)
{
	fputs("usage: dtls-peer --role client|server --remote-fp 'sha-256 XX:..'\n"
	      "                 [--connect IPV4:PORT] [--port N] [--profiles LIST]\n"
	      "                 [--mtu N] [--timeout-ms N] [--linger-ms N]\n"
	      "                 [--cert FILE --key FILE]\n"
	      "Server: binds 127.0.0.1:PORT (0: any free port), prints \"port N\" and\n"
	      "answers the first peer. Client: sends to --connect. Prints\n"
	      "\"fingerprint ...\", then \"profile\", \"suite\", \"tx\", \"rx\", \"keymat\"\n"
	      "and \"connected\", or \"error NAME: detail\". After --linger-ms it\n"
	      "sends close_notify and exits: 0 connected, 1 failed, 2 usage.\n", f);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02X", p[i]);
	printf("\n");
}

static void print_keys(struct dtls_assoc *a)
{
	struct dtls_srtp_keys k;
	uint8_t km[2 * (SRE_MAX_MASTER_KEY_LEN + SRE_MAX_MASTER_SALT_LEN)];
	const uint8_t *client, *server;
	size_t kl, sl;
	int rc = dtls_assoc_srtp_keys(a, &k);

	if (rc != DTLS_OK) {
		printf("error %s: keys\n", dtls_status_name(rc));
		return;
	}
	kl = k.key_len;
	sl = k.salt_len;
	client = k.role == DTLS_ROLE_CLIENT ? k.tx : k.rx;
	server = k.role == DTLS_ROLE_CLIENT ? k.rx : k.tx;
	memcpy(km, client, kl);
	memcpy(km + kl, server, kl);
	memcpy(km + 2 * kl, client + kl, sl);
	memcpy(km + 2 * kl + sl, server + kl, sl);
	printf("profile %s\n", dtls_profile_name(k.profile));
	printf("suite %s\n", sre_suite_name(k.suite));
	hex("tx", k.tx, kl + sl);
	hex("rx", k.rx, kl + sl);
	hex("keymat", km, 2 * (kl + sl));
	printf("connected\n");
	fflush(stdout);
	dtls_srtp_keys_wipe(&k);
	memset(km, 0, sizeof(km));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"remote-fp", required_argument, NULL, 'f'},
		{"connect", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"profiles", required_argument, NULL, 'P'},
		{"mtu", required_argument, NULL, 'm'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"linger-ms", required_argument, NULL, 'l'},
		{"cert", required_argument, NULL, 'C'},
		{"key", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dtls_ctx_config cfg;
	struct dtls_ctx *ctx = NULL;
	struct dtls_assoc *a = NULL;
	struct sockaddr_in local = {.sin_family = AF_INET}, peer = {0};
	bool have_peer = false, printed = false;
	const char *role_s = NULL, *fp = NULL, *connect_to = NULL;
	unsigned port = 0, timeout_ms = 10000, linger_ms = 300;
	enum dtls_role role;
	uint64_t connected_at = 0, end;
	int opt, fd, rc, status = 1;

	dtls_ctx_config_init(&cfg);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': role_s = optarg; break;
		case 'f': fp = optarg; break;
		case 'c': connect_to = optarg; break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'P': cfg.profiles = optarg; break;
		case 'm': cfg.mtu = (unsigned)atoi(optarg); break;
		case 't': timeout_ms = (unsigned)atoi(optarg); break;
		case 'l': linger_ms = (unsigned)atoi(optarg); break;
		case 'C': cfg.cert_file = optarg; break;
		case 'K': cfg.key_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (role_s == NULL || fp == NULL || optind != argc ||
	    (strcmp(role_s, "client") != 0 && strcmp(role_s, "server") != 0)) {
		usage(stderr);
		return 2;
	}
	role = strcmp(role_s, "client") == 0 ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
	if (role == DTLS_ROLE_CLIENT) {
		char host[64];
		const char *colon = connect_to ? strrchr(connect_to, ':') : NULL;

		if (colon == NULL || (size_t)(colon - connect_to) >= sizeof(host)) {
			fprintf(stderr, "dtls-peer: client needs --connect IPV4:PORT\n");
			return 2;
		}
		memcpy(host, connect_to, (size_t)(colon - connect_to));
		host[colon - connect_to] = '\0';
		peer.sin_family = AF_INET;
		peer.sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &peer.sin_addr) != 1) {
			fprintf(stderr, "dtls-peer: bad address '%s'\n", host);
			return 2;
		}
		have_peer = true;
	}
	cfg.handshake_timeout_ms = timeout_ms;

	rc = dtls_ctx_create(&cfg, &ctx);
	if (rc != DTLS_OK) {
		printf("error %s: context\n", dtls_status_name(rc));
		return 2;
	}
	rc = dtls_assoc_create(ctx, role, fp, &a);
	if (rc != DTLS_OK) {
		printf("error %s: association\n", dtls_status_name(rc));
		dtls_ctx_destroy(ctx);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	local.sin_port = htons((uint16_t)(role == DTLS_ROLE_SERVER ? port : 0));
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
		perror("dtls-peer: socket");
		return 2;
	}
	socklen_t sl = sizeof(local);
	getsockname(fd, (struct sockaddr *)&local, &sl);
	printf("fingerprint %s\n", dtls_ctx_fingerprint(ctx));
	if (role == DTLS_ROLE_SERVER)
		printf("port %u\n", ntohs(local.sin_port));
	fflush(stdout);

	dtls_assoc_start(a);
	end = now_ms() + timeout_ms + 2000;
	for (;;) {
		uint8_t buf[65536];
		size_t len;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t wait;
		enum dtls_state st;

		while (dtls_assoc_pull(a, buf, sizeof(buf), &len) == DTLS_OK && len) {
			if (have_peer)
				sendto(fd, buf, len, 0, (struct sockaddr *)&peer, sizeof(peer));
		}
		st = dtls_assoc_state(a);
		if (st == DTLS_STATE_FAILED || st == DTLS_STATE_CLOSED)
			break;
		if (st == DTLS_STATE_CONNECTED && !printed) {
			print_keys(a);
			printed = true;
			connected_at = now_ms();
		}
		if (printed && now_ms() - connected_at >= linger_ms) {
			dtls_assoc_close(a);
			continue; /* sends close_notify, then leaves */
		}
		if (now_ms() >= end) {
			printf("error driver_timeout: no result\n");
			break;
		}
		wait = dtls_assoc_next_timeout(a);
		if (wait < 0 || wait > 100)
			wait = 100;
		rc = poll(&pfd, 1, (int)wait);
		if (rc > 0) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&from, &fl);

			if (n < 0)
				continue;
			if (!have_peer) {
				peer = from; /* the first source is the peer */
				have_peer = true;
			}
			if (from.sin_port != peer.sin_port ||
			    from.sin_addr.s_addr != peer.sin_addr.s_addr)
				continue;
			dtls_assoc_feed(a, buf, (size_t)n, &from, sizeof(from));
		} else if (rc == 0) {
			dtls_assoc_handle_timeout(a);
		} else if (errno != EINTR) {
			perror("dtls-peer: poll");
			break;
		}
	}
	if (printed) {
		status = 0;
	} else if (dtls_assoc_state(a) == DTLS_STATE_FAILED ||
		   dtls_assoc_state(a) == DTLS_STATE_CLOSED) {
		printf("error %s: %s\n", dtls_status_name(dtls_assoc_error(a)),
		       dtls_assoc_detail(a));
	}
	struct dtls_assoc_stats stats;
	dtls_assoc_get_stats(a, &stats);
	printf("stats in %llu out %llu retransmits %llu dropped %llu\n",
	       (unsigned long long)stats.datagrams_in,
	       (unsigned long long)stats.datagrams_out,
	       (unsigned long long)stats.timer_retransmits,
	       (unsigned long long)stats.dropped);
	fflush(stdout);
	close(fd);
	dtls_assoc_destroy(a);
	dtls_ctx_destroy(ctx);
	return status;
}
