/*
 * srtp-pcap: the command (subcommand dispatch) and the helpers every
 * subcommand shares: messages, option parsing, keys, libsrtp suite facts.
 */
#include <ctype.h>
#include <getopt.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsrtp_suite.h"
#include "srtp_pcap.h"

const char *prog = "srtp-pcap";

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(%s --help for usage)\n", prog);
	exit(EXIT_USAGE);
}

void opt_bad(int c, char **argv)
{
	/* getopt's own message would name the subcommand alone ("gen:"). */
	if (c == ':')
		usage_error("%s needs a value", argv[optind - 1]);
	usage_error("unknown option '%s'", argv[optind - 1]);
}

uint64_t opt_num(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	/* strtoull takes "-1" as a huge number: refuse signs outright. */
	if (arg == NULL || !isdigit((unsigned char)arg[0]))
		goto bad;
	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	return v;
bad:
	usage_error("%s wants a number %" PRIu64 "..%" PRIu64 ", got '%s'",
		    opt, min, max, arg ? arg : "");
}

enum sre_suite opt_suite(const char *arg)
{
	enum sre_suite s;

	if (sre_suite_from_name(arg, &s) != SRE_OK) {
		fprintf(stderr, "%s: unknown suite '%s'; one of:", prog, arg);
		for (int i = 0; i < SRE_SUITE_COUNT; i++)
			fprintf(stderr, " %s", sre_suite_name((enum sre_suite)i));
		fputc('\n', stderr);
		exit(EXIT_USAGE);
	}
	return s;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard alphabet, '=' padding optional. Returns the byte count, or -1 on
 * a bad character, a dangling 6-bit group or more than cap bytes. */
static long base64_decode(const char *in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	const char *p = in;

	for (; *p && *p != '='; p++) {
		int v = b64_value((unsigned char)*p);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	while (*p == '=')
		p++;
	/* 6 leftover bits mean a lone character: not a whole byte. */
	if (*p != '\0' || bits >= 6)
		return -1;
	return (long)n;
}

size_t opt_key(const char *arg, enum sre_suite suite,
	       uint8_t key[MAX_KEY_BYTES])
{
	size_t want = sre_suite_master_key_len(suite) +
		      sre_suite_master_salt_len(suite);
	long n;

	if (strncmp(arg, "inline:", 7) == 0)
		arg += 7;
	n = base64_decode(arg, key, MAX_KEY_BYTES);
	if (n < 0)
		usage_error("--key is not base64 of at most %d bytes", MAX_KEY_BYTES);
	if ((size_t)n != want)
		usage_error("--key has %ld bytes; %s wants %zu (%zu-byte key || "
			    "%zu-byte salt)", n, sre_suite_name(suite), want,
			    sre_suite_master_key_len(suite),
			    sre_suite_master_salt_len(suite));
	return want;
}

size_t opt_hex(const char *opt, const char *arg, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	const char *p = arg;

	if (strncmp(p, "0x", 2) == 0 || strncmp(p, "0X", 2) == 0)
		p += 2;
	for (; *p; p++) {
		int c = (unsigned char)*p, v;
		if (c == ':' && hi < 0)
			continue;
		if (!isxdigit(c))
			goto bad;
		v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			goto bad;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0 || n == 0)
		goto bad;
	return n;
bad:
	usage_error("%s wants 1..%zu bytes in hex, got '%s'", opt, cap, arg);
}

void suite_info_init(struct suite_info *si, enum sre_suite suite)
{
	memset(si, 0, sizeof(*si));
	si->suite = suite;
	if (!libsrtp_policy_set_suite(&si->policy, suite))
		die("no libsrtp policy for suite %d", (int)suite);
	si->rtp_tag = (unsigned)si->policy.rtp.auth_tag_len;
	si->rtcp_tag = (unsigned)si->policy.rtcp.auth_tag_len;
	si->aead = si->policy.rtp.cipher_type == SRTP_AES_GCM_128 ||
		   si->policy.rtp.cipher_type == SRTP_AES_GCM_256;
}

const char *srtp_status_name(srtp_err_status_t status)
{
	switch (status) {
	case srtp_err_status_ok: return "ok";
	case srtp_err_status_fail: return "fail";
	case srtp_err_status_bad_param: return "bad_param";
	case srtp_err_status_alloc_fail: return "alloc_fail";
	case srtp_err_status_dealloc_fail: return "dealloc_fail";
	case srtp_err_status_init_fail: return "init_fail";
	case srtp_err_status_terminus: return "terminus";
	case srtp_err_status_auth_fail: return "auth_fail";
	case srtp_err_status_cipher_fail: return "cipher_fail";
	case srtp_err_status_replay_fail: return "replay_fail";
	case srtp_err_status_replay_old: return "replay_old";
	case srtp_err_status_algo_fail: return "algo_fail";
	case srtp_err_status_no_such_op: return "no_such_op";
	case srtp_err_status_no_ctx: return "no_ctx";
	case srtp_err_status_cant_check: return "cant_check";
	case srtp_err_status_key_expired: return "key_expired";
	case srtp_err_status_socket_err: return "socket_err";
	case srtp_err_status_signal_err: return "signal_err";
	case srtp_err_status_nonce_bad: return "nonce_bad";
	case srtp_err_status_read_fail: return "read_fail";
	case srtp_err_status_write_fail: return "write_fail";
	case srtp_err_status_parse_err: return "parse_err";
	case srtp_err_status_encode_err: return "encode_err";
	case srtp_err_status_semaphore_err: return "semaphore_err";
	case srtp_err_status_pfkey_err: return "pfkey_err";
	case srtp_err_status_bad_mki: return "bad_mki";
	case srtp_err_status_pkt_idx_old: return "pkt_idx_old";
	case srtp_err_status_pkt_idx_adv: return "pkt_idx_adv";
	}
	return "unknown";
}

/* ---- SSRC map: open addressing, grown at half full -------------------- */

static size_t ssrc_slot(uint32_t ssrc, size_t cap)
{
	/* Fibonacci hashing: SSRCs of a test may be consecutive numbers. */
	return (size_t)((ssrc * UINT32_C(2654435769)) & (cap - 1));
}

void ssrc_map_init(struct ssrc_map *m)
{
	memset(m, 0, sizeof(*m));
}

void ssrc_map_free(struct ssrc_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint32_t ssrc_map_get(const struct ssrc_map *m, uint32_t ssrc)
{
	if (m->cap == 0)
		return UINT32_MAX;
	for (size_t i = ssrc_slot(ssrc, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->vals[i] == UINT32_MAX)
			return UINT32_MAX;
		if (m->keys[i] == ssrc)
			return m->vals[i];
	}
}

static void ssrc_map_insert(struct ssrc_map *m, uint32_t ssrc, uint32_t val)
{
	size_t i = ssrc_slot(ssrc, m->cap);

	while (m->vals[i] != UINT32_MAX && m->keys[i] != ssrc)
		i = (i + 1) & (m->cap - 1);
	if (m->vals[i] == UINT32_MAX)
		m->used++;
	m->keys[i] = ssrc;
	m->vals[i] = val;
}

void ssrc_map_put(struct ssrc_map *m, uint32_t ssrc, uint32_t val)
{
	if ((m->used + 1) * 2 > m->cap) {
		struct ssrc_map old = *m;
		m->cap = old.cap ? old.cap * 2 : 64;
		m->keys = malloc(m->cap * sizeof(*m->keys));
		m->vals = malloc(m->cap * sizeof(*m->vals));
		if (m->keys == NULL || m->vals == NULL)
			die("out of memory");
		memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
		m->used = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.vals[i] != UINT32_MAX)
				ssrc_map_insert(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	ssrc_map_insert(m, ssrc, val);
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
"usage: srtp-pcap COMMAND [options]   (srtp-pcap COMMAND --help for each)\n"
"\n"
"pcap captures of SRTP made and read with libsrtp2 (%s), to test\n"
"the SRTP Edge dataplane's offline mode independently of its crypto.\n"
"\n"
"  gen      write a capture of SRTP/SRTCP streams (and its plain twin)\n"
"  decrypt  unprotect every SRTP/SRTCP packet of a capture\n"
"  compare  compare two captures packet by packet\n"
"  info     per-stream counts of a capture\n"
"\n"
"Exit status: 0 success, 1 failure or difference, 2 bad command line,\n"
"3 (decrypt) some packets were rejected by libsrtp.\n",
		srtp_get_version_string());
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"gen", cmd_gen},
		{"decrypt", cmd_decrypt},
		{"compare", cmd_compare},
		{"info", cmd_info},
	};
	static char name[64];

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		snprintf(name, sizeof(name), "srtp-pcap %s", cmds[i].name);
		prog = name;
		if (srtp_init() != srtp_err_status_ok)
			die("srtp_init failed");
		/* argv[1] stands as the program name for getopt. */
		int rc = cmds[i].fn(argc - 1, argv + 1);
		srtp_shutdown();
		return rc;
	}
	usage_error("unknown command '%s'", argv[1]);
}
