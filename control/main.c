/*
 * srtpedge-control: the control process of SRTP Edge. Attaches to the
 * running srtpedge as a DPDK secondary process (same --file-prefix), then
 * serves the operator API, answers ICE-lite checks and installs sessions
 * through the command ring (server.c); or, with --bench-installs, measures
 * how fast sessions install (bench.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "bench.h"
#include "ctl_util.h"
#include "dpif.h"
#include "server.h"
#include "state.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-control [options]\n"
"\n"
"The control process of SRTP Edge: attaches to the running srtpedge (a DPDK\n"
"secondary process of its file prefix) and serves the operator API on a unix\n"
"socket (JSON, one request per line; srtpctl is its CLI): sessions created\n"
"from SDES a=crypto lines, deleted, listed, shown, re-keyed; counters. It\n"
"answers ICE-lite connectivity checks (STUN) on the sessions' ports with the\n"
"credentials given at create, and moves a leg's peer to the address of a\n"
"check that passed integrity. It runs DTLS-SRTP handshakes (RFC 5764) for\n"
"sessions created with \"dtls\" and installs the keys they give. It keeps the\n"
"sessions' ICE credentials and names\n"
"in a state file, and reconciles it with the dataplane when started again.\n"
"\n"
"options:\n"
"      --file-prefix P     srtpedge's DPDK file prefix (default srtpedge)\n"
"      --socket PATH       the API socket (default /run/srtpedge/control.sock;\n"
"                          mode 0660, its directory is created)\n"
"      --socket-group G    group of the socket (default: the process's)\n"
"      --state-dir DIR     where the state file lives (default /var/lib/srtpedge)\n"
"      --stun-rate N       STUN packets handled per second, all legs (20000;\n"
"                          0: no limit); beyond it dropped and counted\n"
"      --stun-leg-rate N   STUN packets handled per second and leg (100)\n"
"      --dtls-cert FILE    our DTLS certificate (PEM); with --dtls-key. Default:\n"
"                          an ECDSA P-256 key and a self-signed certificate\n"
"                          generated at start (a new fingerprint every start)\n"
"      --dtls-key FILE     its private key (PEM)\n"
"      --dtls-profiles L   SRTP profiles in order of preference, ':' or ','\n"
"                          separated (default SRTP_AEAD_AES_128_GCM:\n"
"                          SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80:\n"
"                          SRTP_AES128_CM_SHA1_32)\n"
"      --dtls-mtu N        largest DTLS datagram sent (256 to 4096; 1200)\n"
"      --dtls-timeout MS   a handshake that has not finished by then fails\n"
"                          (30000)\n"
"  -v, --verbose           log every refused request and every peer change\n"
"  -h, --help              this text\n"
"\n"
"benchmark (no API served; stop srtpedge-control first, one may attach):\n"
"      --bench-installs N  install N SDES sessions through the command ring as\n"
"                          fast as it takes them, then delete them; prints the\n"
"                          rates\n"
"      --bench-outside A   an address of srtpedge's outside port (required)\n"
"      --bench-inside A    an address of its inside port (required)\n"
"      --bench-inside-remote A:P  the inside peer (default: A of --bench-inside, port 9)\n"
"      --bench-port0 P     first local port (default 10000)\n"
"      --bench-id0 ID      first session id (default 900000 - N)\n"
"      --bench-keep        leave the sessions installed\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM, 1 when srtpedge exits or on a runtime\n"
"failure, 2 when it cannot start (no srtpedge running with that prefix, a\n"
"control protocol of another version, bad options, the socket taken).\n");
}

enum {
	OPT_PREFIX = 256, OPT_SOCKET, OPT_GROUP, OPT_STATE, OPT_STUN_RATE,
	OPT_STUN_LEG_RATE, OPT_BENCH, OPT_BENCH_OUT, OPT_BENCH_IN, OPT_BENCH_REMOTE,
	OPT_BENCH_PORT0, OPT_BENCH_ID0, OPT_BENCH_KEEP, OPT_DTLS_CERT, OPT_DTLS_KEY,
	OPT_DTLS_PROFILES, OPT_DTLS_MTU, OPT_DTLS_TIMEOUT,
};

/* attempts at attaching, each in a new process image */
#define ATTACH_TRIES 5

static bool parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static void on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"file-prefix", required_argument, NULL, OPT_PREFIX},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"socket-group", required_argument, NULL, OPT_GROUP},
		{"state-dir", required_argument, NULL, OPT_STATE},
		{"stun-rate", required_argument, NULL, OPT_STUN_RATE},
		{"stun-leg-rate", required_argument, NULL, OPT_STUN_LEG_RATE},
		{"bench-installs", required_argument, NULL, OPT_BENCH},
		{"bench-outside", required_argument, NULL, OPT_BENCH_OUT},
		{"bench-inside", required_argument, NULL, OPT_BENCH_IN},
		{"bench-inside-remote", required_argument, NULL, OPT_BENCH_REMOTE},
		{"bench-port0", required_argument, NULL, OPT_BENCH_PORT0},
		{"bench-id0", required_argument, NULL, OPT_BENCH_ID0},
		{"bench-keep", no_argument, NULL, OPT_BENCH_KEEP},
		{"dtls-cert", required_argument, NULL, OPT_DTLS_CERT},
		{"dtls-key", required_argument, NULL, OPT_DTLS_KEY},
		{"dtls-profiles", required_argument, NULL, OPT_DTLS_PROFILES},
		{"dtls-mtu", required_argument, NULL, OPT_DTLS_MTU},
		{"dtls-timeout", required_argument, NULL, OPT_DTLS_TIMEOUT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_opts o = {
		.prefix = "srtpedge",
		.socket_path = "/run/srtpedge/control.sock",
		.state_dir = "/var/lib/srtpedge",
		.stun_rate = 20000,
		.stun_leg_rate = 100,
	};
	struct bench_opts b = {.port0 = 10000};
	unsigned id0 = 0;
	bool id0_set = false;
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PREFIX: o.prefix = optarg; break;
		case OPT_SOCKET: o.socket_path = optarg; break;
		case OPT_GROUP: o.socket_group = optarg; break;
		case OPT_STATE: o.state_dir = optarg; break;
		case OPT_STUN_RATE:
		case OPT_STUN_LEG_RATE:
			if (!parse_uint(optarg, 10000000, c == OPT_STUN_RATE ? &o.stun_rate
										: &o.stun_leg_rate)) {
				fprintf(stderr, "srtpedge-control: --%s '%s': expected a whole "
					"number up to 10000000\n", c == OPT_STUN_RATE ? "stun-rate"
					: "stun-leg-rate", optarg);
				return 2;
			}
			break;
		case OPT_BENCH:
			if (!parse_uint(optarg, 999999, &b.n) || b.n == 0) {
				fprintf(stderr, "srtpedge-control: --bench-installs '%s': expected "
					"1 to 999999\n", optarg);
				return 2;
			}
			break;
		case OPT_BENCH_OUT: b.outside = optarg; break;
		case OPT_BENCH_IN: b.inside = optarg; break;
		case OPT_BENCH_REMOTE: b.inside_remote = optarg; break;
		case OPT_BENCH_PORT0:
			if (!parse_uint(optarg, 65535, &b.port0) || b.port0 == 0) {
				fprintf(stderr, "srtpedge-control: --bench-port0 '%s': expected "
					"1 to 65535\n", optarg);
				return 2;
			}
			break;
		case OPT_BENCH_ID0:
			if (!parse_uint(optarg, 999999, &id0) || id0 == 0) {
				fprintf(stderr, "srtpedge-control: --bench-id0 '%s': expected "
					"1 to 999999\n", optarg);
				return 2;
			}
			id0_set = true;
			break;
		case OPT_BENCH_KEEP: b.keep = true; break;
		case OPT_DTLS_CERT: o.dtls_cert = optarg; break;
		case OPT_DTLS_KEY: o.dtls_key = optarg; break;
		case OPT_DTLS_PROFILES: o.dtls_profiles = optarg; break;
		case OPT_DTLS_MTU:
			if (!parse_uint(optarg, 4096, &o.dtls_mtu) || o.dtls_mtu < 256) {
				fprintf(stderr, "srtpedge-control: --dtls-mtu '%s': expected 256 "
					"to 4096\n", optarg);
				return 2;
			}
			break;
		case OPT_DTLS_TIMEOUT:
			if (!parse_uint(optarg, 3600000, &o.dtls_timeout_ms) ||
			    o.dtls_timeout_ms == 0) {
				fprintf(stderr, "srtpedge-control: --dtls-timeout '%s': expected "
					"1 to 3600000 (milliseconds)\n", optarg);
				return 2;
			}
			break;
		case 'v': o.verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "srtpedge-control: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return 2;
	}
	if (strchr(o.prefix, '/') || o.prefix[0] == '\0') {
		fprintf(stderr, "srtpedge-control: --file-prefix '%s': not a file prefix\n",
			o.prefix);
		return 2;
	}
	if ((o.dtls_cert == NULL) != (o.dtls_key == NULL)) {
		fprintf(stderr, "srtpedge-control: --dtls-cert and --dtls-key go together\n");
		return 2;
	}
	if (o.socket_group && getgrnam(o.socket_group) == NULL) {
		fprintf(stderr, "srtpedge-control: --socket-group %s: no such group\n",
			o.socket_group);
		return 2;
	}
	char remote[80];
	if (b.n) {
		if (b.outside == NULL || b.inside == NULL) {
			fprintf(stderr, "srtpedge-control: --bench-installs needs "
				"--bench-outside and --bench-inside (addresses of srtpedge's "
				"ports)\n");
			return 2;
		}
		if (b.inside_remote == NULL) {
			snprintf(remote, sizeof(remote), strchr(b.inside, ':') ? "[%s]:9" : "%s:9",
				 b.inside);
			b.inside_remote = remote;
		}
		b.id0 = id0_set ? id0 : (b.n < 900000 ? 900000 - b.n : 1);
		b.prefix = o.prefix;
	}

	/* a clear word before DPDK's own when srtpedge is not there */
	char dir[200], cfg[256];
	ctl_dpdk_runtime_dir(o.prefix, dir, sizeof(dir));
	snprintf(cfg, sizeof(cfg), "%s/config", dir);
	if (access(cfg, F_OK) != 0 || rte_eal_primary_proc_alive(cfg) != 1) {
		fprintf(stderr, "srtpedge-control: no srtpedge is running with file prefix "
			"'%s' (%s is not held by a live process)\n", o.prefix, cfg);
		return 2;
	}

	/* one control process per srtpedge: the rings have one producer and
	 * one consumer each (the lock is the prefix's, released at exit) */
	char err[320];
	int lockfd = ctl_take_lock(o.prefix, err, sizeof(err));
	if (lockfd < 0) {
		fprintf(stderr, "srtpedge-control: %s\n", err);
		return 2;
	}

	cpu_set_t cpus;
	bool have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	char *eal[] = {
		argv[0], "--proc-type=secondary", "--file-prefix", (char *)o.prefix,
		"--no-pci", "-l", "0", "--log-level", "lib.eal:warning", "--no-telemetry",
		NULL,
	};
	int neal = (int)(sizeof(eal) / sizeof(*eal)) - 1;
	if (rte_eal_init(neal, eal) < 0) {
		/* A secondary maps the primary's memory at the primary's
		 * addresses; with address space layout randomisation something
		 * of ours may sit there (DPDK's "Cannot reserve ... at
		 * [address]"). A new process image has another layout. */
		int e = rte_errno;
		const char *t = getenv("SRTPEDGE_CONTROL_ATTACH_TRY");
		int tries = t ? atoi(t) : 0;
		if (tries < ATTACH_TRIES - 1) {
			char v[16];
			fprintf(stderr, "srtpedge-control: attaching to srtpedge failed (%s); "
				"trying again (%d of %d)\n", rte_strerror(e), tries + 2,
				ATTACH_TRIES);
			snprintf(v, sizeof(v), "%d", tries + 1);
			setenv("SRTPEDGE_CONTROL_ATTACH_TRY", v, 1);
			close(lockfd);
			execv("/proc/self/exe", argv);
		}
		fprintf(stderr, "srtpedge-control: cannot attach to srtpedge (file prefix "
			"'%s') as a DPDK secondary process: %s\n", o.prefix, rte_strerror(e));
		return 2;
	}
	unsetenv("SRTPEDGE_CONTROL_ATTACH_TRY");
	/* EAL pinned this thread to lcore 0's CPU: control runs on any CPU
	 * (every configured one; those it was given at start if the system
	 * refuses that) */
	cpu_set_t all;
	CPU_ZERO(&all);
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	for (long i = 0; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, &all);
	if (pthread_setaffinity_np(pthread_self(), sizeof(all), &all) != 0 && have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);

	int status;
	struct dpif d;
	if (dpif_attach(&d, err, sizeof(err)) != 0) {
		fprintf(stderr, "srtpedge-control: %s\n", err);
		rte_eal_cleanup();
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctl_json_wiping_alloc();

	if (b.n)
		status = ctl_bench(&d, &b);
	else
		status = ctl_serve(&d, &o);
	rte_eal_cleanup();
	close(lockfd);
	return status;
}
