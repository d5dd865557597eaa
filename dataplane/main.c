/*
 * srtpedge: the DPDK primary process. Reads and checks the configuration
 * before anything starts, brings EAL up with only the devices the
 * configuration names, sets the ports up with one queue pair per worker,
 * launches the workers and runs the main lcore's loop: statistics, the
 * neighbour table, RCU reclamation, sessions-file reloads (SIGHUP) and, in
 * the main job, the load generator. SIGINT/SIGTERM drain and stop it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include <pcap/pcap.h>

#include "config.h"
#include "ctl.h"
#include "demo.h"
#include "eal_files.h"
#include "port.h"
#include "session.h"
#include "stats.h"
#include "worker.h"

static volatile sig_atomic_t got_stop, got_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge [options] [-- EAL options]\n"
"\n"
"The SRTP Edge dataplane: terminates SRTP between an outside and an inside\n"
"port. Without --config it runs its embedded default, the main job: two\n"
"in-process ports, a generated load of SRTP sessions, live statistics and a\n"
"closing summary.\n"
"\n"
"options:\n"
"  -c, --config FILE     INI configuration (see configs/srtpedge.ini)\n"
"  -s, --set S.K=VALUE   override one setting, e.g. dataplane.workers=2 or\n"
"                        demo.duration=0 (repeatable)\n"
"      --sessions FILE   the sessions file ([session NAME] sections only);\n"
"                        replaces [dataplane] sessions_file\n"
"      --file-prefix P   DPDK file prefix (default srtpedge): runs with\n"
"                        different prefixes do not collide\n"
"      --check           check the configuration and exit\n"
"      --print-default   print the embedded default configuration and exit\n"
"  -h, --help            this text\n"
"\n"
"srtpedge passes --no-pci to DPDK unless the configuration names PCI ports,\n"
"which it then allow-lists with -a: DPDK never probes a NIC it was not given.\n"
"Signals: SIGINT/SIGTERM drain, print the final counters and exit; SIGHUP\n"
"rereads the sessions file and applies the difference by id: new sessions\n"
"are added, gone ones removed, changed ones replaced; sessions of the\n"
"configuration file are left alone, and a file with any problem is not\n"
"applied at all.\n"
"Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on bad usage or\n"
"configuration.\n");
}


/* Offline mode: the packets in a port's rx_pcap file (0 when it has none),
 * so that the run ends once DPDK has read them all. */
static int64_t pcap_input_packets(const char *device)
{
	const char *p = strstr(device, "rx_pcap=");
	char path[PATH_MAX], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int64_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen("rx_pcap=");
	size_t len = strcspn(p, ",");
	if (len >= sizeof(path))
		return -1;
	memcpy(path, p, len);
	path[len] = '\0';
	pcap_t *pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		fprintf(stderr, "srtpedge: offline input %s: %s\n", path, err);
		return -1;
	}
	while (pcap_next_ex(pc, &h, &data) == 1)
		n++;
	pcap_close(pc);
	return n;
}

/* SIGHUP: the sessions file again. Only its own sessions (cfg's after
 * nsessions_main) are touched: one gone or changed in any field is removed,
 * and a changed one added anew once a grace period has returned its slot,
 * so that a full table can still take it. A file with any problem is not
 * applied at all. cfg ends up describing what runs. */
static void reload_sessions(struct dp_runtime *rt, struct dp_config *cfg)
{
	struct dp_session_table *t = rt->sessions;
	const char *file = cfg->sessions_file;
	struct dp_config fresh = *cfg;
	unsigned main_n = cfg->nsessions_main;
	unsigned added = 0, removed = 0, changed = 0, failed = 0;

	fresh.sessions = NULL;
	fresh.nsessions = 0;
	if (main_n) {
		fresh.sessions = calloc(main_n, sizeof(*fresh.sessions));
		if (fresh.sessions == NULL) {
			fprintf(stderr, "srtpedge: sessions file %s: out of memory; "
					"not applied\n", file);
			return;
		}
		memcpy(fresh.sessions, cfg->sessions, main_n * sizeof(*fresh.sessions));
		fresh.nsessions = main_n;
	}
	if (dp_config_load_sessions(file, &fresh, stderr) != 0) {
		fprintf(stderr, "srtpedge: sessions file %s not applied; the sessions "
				"in use stay as they are\n", file);
		dp_config_free(&fresh);
		return;
	}
	const struct dp_session_spec *old = cfg->sessions ? cfg->sessions + main_n : NULL;
	unsigned nold = cfg->nsessions - main_n;
	struct dp_session_spec *neu = fresh.sessions ? fresh.sessions + main_n : NULL;
	unsigned nneu = fresh.nsessions - main_n;
	enum { FRESH_NEW, FRESH_SAME, FRESH_CHANGED } *state =
		calloc(nneu ? nneu : 1, sizeof(*state));
	if (state == NULL) {
		fprintf(stderr, "srtpedge: sessions file %s: out of memory; not applied\n",
			file);
		dp_config_free(&fresh);
		return;
	}

	dp_stats_telemetry_hold();
	for (unsigned o = 0; o < nold; o++) {
		bool same = false, present = false;
		for (unsigned n = 0; n < nneu && !present; n++) {
			if (neu[n].id != old[o].id)
				continue;
			present = true;
			same = memcmp(&neu[n], &old[o], sizeof(neu[n])) == 0;
			state[n] = same ? FRESH_SAME : FRESH_CHANGED;
		}
		if (same)
			continue;
		if (dp_session_del(t, old[o].id) == 0 && !present)
			removed++;
	}
	dp_session_synchronize(t);
	/* what runs from the file: kept ones, and new ones that were added */
	unsigned nrun = main_n;
	for (unsigned n = 0; n < nneu; n++) {
		char why[128];
		if (state[n] != FRESH_SAME) {
			if (dp_session_add(t, &neu[n], why, sizeof(why)) != 0) {
				fprintf(stderr, "srtpedge: %s: [session %s]: %s\n", file,
					neu[n].name, why);
				failed++;
				explicit_bzero(&neu[n], sizeof(neu[n]));
				continue;
			}
			if (state[n] == FRESH_NEW)
				added++;
			else
				changed++;
		}
		if (fresh.sessions + nrun != &neu[n])
			memcpy(&fresh.sessions[nrun], &neu[n], sizeof(neu[n]));
		nrun++;
	}
	dp_stats_telemetry_release();
	if (fresh.nsessions > nrun)
		explicit_bzero(fresh.sessions + nrun,
			       (fresh.nsessions - nrun) * sizeof(*fresh.sessions));
	fresh.nsessions = nrun;
	dp_config_free(cfg);
	cfg->sessions = fresh.sessions;
	cfg->nsessions = fresh.nsessions;
	free(state);
	fprintf(stderr, "srtpedge: sessions file %s: %u added, %u changed, %u removed, "
			"%u refused\n", file, added, changed, removed, failed);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, 0, 'c'},
		{"set", required_argument, 0, 's'},
		{"sessions", required_argument, 0, 'S'},
		{"file-prefix", required_argument, 0, 'P'},
		{"check", no_argument, 0, 'K'},
		{"print-default", no_argument, 0, 'D'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	const char *config_file = NULL;
	const char *prefix = "srtpedge";
	struct dp_override ov[DP_MAX_SET];
	unsigned nov = 0;
	bool check_only = false;
	int c;

	/* our options end at "--"; what follows is for EAL */
	int our_argc = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			our_argc = i;
			break;
		}
	while ((c = getopt_long(our_argc, argv, "c:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_file = optarg;
			break;
		case 's':
			if (nov >= DP_MAX_SET) {
				fprintf(stderr, "srtpedge: at most %d --set options\n", DP_MAX_SET);
				return 2;
			}
			if (dp_override_parse(optarg, &ov[nov], stderr) != 0)
				return 2;
			nov++;
			break;
		case 'S':
			/* the same as [dataplane] sessions_file, checked alike */
			if (nov >= DP_MAX_SET) {
				fprintf(stderr, "srtpedge: at most %d --set options\n", DP_MAX_SET);
				return 2;
			}
			memset(&ov[nov], 0, sizeof(ov[nov]));
			strcpy(ov[nov].section, "dataplane");
			strcpy(ov[nov].key, "sessions_file");
			if (strlen(optarg) >= sizeof(ov[nov].value)) {
				fprintf(stderr, "srtpedge: --sessions: path longer than %zu "
						"characters\n", sizeof(ov[nov].value) - 1);
				return 2;
			}
			strcpy(ov[nov].value, optarg);
			nov++;
			break;
		case 'P':
			prefix = optarg;
			break;
		case 'K':
			check_only = true;
			break;
		case 'D':
			fputs(dp_default_config, stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < our_argc) {
		fprintf(stderr, "srtpedge: unexpected argument '%s' (EAL options go after --)\n",
			argv[optind]);
		return 2;
	}

	static struct dp_config cfg;
	if (dp_config_load(config_file, ov, nov, &cfg, stderr) != 0)
		return 2;
	bool uses_ring = false;
	for (int s = 0; s < DP_SIDES; s++)
		uses_ring |= strcmp(cfg.port[s].device, "ring") == 0;
	if (uses_ring && !cfg.demo.enabled) {
		fprintf(stderr, "srtpedge: %s: 'port = ring' needs the [demo] generator "
				"to feed it\n", cfg.file);
		return 2;
	}
	if (check_only) {
		printf("srtpedge: %s: configuration is valid (%u static sessions)\n",
		       cfg.file, cfg.nsessions);
		return 0;
	}

	/* EAL, with only the devices the configuration names */
	struct dp_eal_args ea;
	struct dp_config eal_cfg = cfg;
	for (int s = 0; s < DP_SIDES; s++)
		if (strcmp(eal_cfg.port[s].device, "ring") == 0)
			eal_cfg.port[s].device[0] = '\0';
	if (dp_eal_args_build(&ea, argv[0], &eal_cfg, prefix,
			      argc - our_argc - (our_argc < argc),
			      argv + our_argc + (our_argc < argc)) != 0) {
		fprintf(stderr, "srtpedge: too many EAL arguments\n");
		return 2;
	}
	/* empty --vdev values were ring ports: take them out */
	for (int i = 0; i < ea.argc; i++) {
		if (strcmp(ea.argv[i], "--vdev") == 0 && i + 1 < ea.argc &&
		    ea.argv[i + 1][0] == '\0') {
			memmove(&ea.argv[i], &ea.argv[i + 2],
				(size_t)(ea.argc - i - 1) * sizeof(char *));
			ea.argc -= 2;
			i--;
		}
	}
	if (rte_eal_init(ea.argc, ea.argv) < 0) {
		fprintf(stderr, "srtpedge: DPDK EAL could not start: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	rte_pdump_init();

	int rc = 1;
	static struct dp_runtime rt;
	static struct dp_demo demo;
	struct dp_worker *workers = NULL;
	bool started[DP_SIDES] = {false, false};
	static struct dp_ctl ctl;
	rt.cfg = &cfg;
	rt.tsc_hz = rte_get_tsc_hz();
	rt.drain_tsc = rt.tsc_hz / 10000; /* 100 us */
	rt.nworkers = cfg.workers;
	int socket = (int)rte_socket_id();

	rt.pool = rte_pktmbuf_pool_create("mbufs", cfg.mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (rt.pool == NULL) {
		fprintf(stderr, "srtpedge: cannot create %u mbufs in hugepage memory: %s\n",
			cfg.mbufs, rte_strerror(rte_errno));
		goto out;
	}
	if (cfg.demo.enabled && dp_demo_create_ports(&demo, &cfg.demo, socket) != 0) {
		fprintf(stderr, "srtpedge: cannot create the demo's ring ports\n");
		goto out;
	}
	uint16_t queues = (uint16_t)cfg.workers;
	for (int s = 0; s < DP_SIDES; s++) {
		const char *name = s == DP_OUTSIDE ? "outside" : "inside";
		int id = strcmp(cfg.port[s].device, "ring") == 0
				 ? demo.port_id[s]
				 : dp_port_find(&cfg.port[s], name);
		if (id < 0)
			goto out;
		uint16_t maxq = dp_port_max_queues((uint16_t)id);
		if (maxq < queues) {
			fprintf(stderr, "srtpedge: %s port gives %u queue pairs for %u "
					"workers (net_af_packet: add qpairs=%u to its "
					"device string)\n", name, maxq, cfg.workers, cfg.workers);
			goto out;
		}
		struct rte_ether_addr mac;
		if (dp_port_setup((uint16_t)id, name, queues, rt.pool, &mac,
				  &rt.csum_offload[s]) != 0)
			goto out;
		started[s] = true;
		dp_port_addrs_init(&rt.port[s], &cfg.port[s], (uint16_t)id, (uint8_t)s, &mac);
		rt.port[s].any_mac = cfg.offline;
	}

	rt.sessions = dp_session_table_create(cfg.max_sessions, cfg.ssrcs_per_direction,
					      cfg.replay_window, cfg.workers, rt.port);
	if (rt.sessions == NULL)
		goto out;
	if (dp_neigh_init(&rt.neigh, 4096) != 0)
		goto out;
	for (int s = 0; s < DP_SIDES; s++) {
		for (unsigned i = 0; i < cfg.port[s].nneighbors; i++) {
			const struct dp_neighbor *nb = &cfg.port[s].neighbors[i];
			struct rte_ether_addr mac;
			memcpy(&mac, nb->mac, sizeof(mac));
			dp_neigh_set(&rt.neigh, (uint8_t)s, nb->ip.family, nb->ip.bytes,
				     &mac, true);
		}
	}
	rt.learn = rte_ring_create_elem("learn", sizeof(struct dp_learn), 1024, socket,
					RING_F_SC_DEQ);
	if (rt.learn == NULL)
		goto out;
	for (unsigned w = 0; w < cfg.workers; w++) {
		char name[32];
		snprintf(name, sizeof(name), "handoff_%u", w);
		rt.handoff[w] = rte_ring_create(name, 4096, socket, RING_F_SC_DEQ);
		if (rt.handoff[w] == NULL)
			goto out;
	}
	for (unsigned i = 0; i < cfg.nsessions; i++) {
		char why[128];
		if (dp_session_add(rt.sessions, &cfg.sessions[i], why, sizeof(why)) != 0) {
			fprintf(stderr, "srtpedge: [session %s]: %s\n", cfg.sessions[i].name, why);
			goto out;
		}
	}
	if (cfg.demo.enabled && dp_demo_start(&demo, &rt) != 0)
		goto out;
	/* the control process's rings: before the workers, which use them */
	if (dp_ctl_create(&ctl, &rt) != 0)
		goto out;
	rt.ctl_info = ctl.info;
	rt.ctl_exc = ctl.exc;
	rt.ctl_send = ctl.send;

	workers = rte_zmalloc("workers", cfg.workers * sizeof(*workers), 64);
	if (workers == NULL)
		goto out;
	for (unsigned w = 0; w < cfg.workers; w++) {
		if (dp_worker_init(&workers[w], &rt, w, cfg.worker_lcores[w], (uint16_t)w,
				   true) != 0) {
			fprintf(stderr, "srtpedge: worker %u: cannot set up\n", w);
			goto out;
		}
		rt.workers[w] = &workers[w];
	}
	if (dp_stats_telemetry_register(&rt) != 0)
		fprintf(stderr, "srtpedge: telemetry commands not available\n");
	printf("srtpedge: %s: %u worker%s on lcore%s", cfg.file, cfg.workers,
	       cfg.workers == 1 ? "" : "s", cfg.workers == 1 ? "" : "s");
	for (unsigned w = 0; w < cfg.workers; w++)
		printf(" %u", cfg.worker_lcores[w]);
	printf(", %u session%s, crypto %s\n", rt.sessions->live,
	       rt.sessions->live == 1 ? "" : "s",
	       sre_engine_arch_name(workers[0].engine));
	fflush(stdout);
	for (unsigned w = 0; w < cfg.workers; w++) {
		if (rte_eal_remote_launch(dp_worker_main, &workers[w],
					  cfg.worker_lcores[w]) != 0) {
			fprintf(stderr, "srtpedge: cannot launch worker on lcore %u\n",
				cfg.worker_lcores[w]);
			rt.quit = true;
			rte_eal_mp_wait_lcore();
			goto out;
		}
	}

	int64_t offline_input = 0;
	if (cfg.offline) {
		for (int s = 0; s < DP_SIDES; s++) {
			int64_t n = pcap_input_packets(cfg.port[s].device);
			if (n < 0)
				goto out;
			offline_input += n;
		}
		printf("srtpedge: offline: %" PRId64 " packets to read\n", offline_input);
	}
	uint64_t offline_done_tsc = 0;
	struct dp_worker_stats prev;
	memset(&prev, 0, sizeof(prev));
	uint64_t start = rte_rdtsc(), last_print = start;
	uint64_t stop_at = cfg.demo.enabled && cfg.demo.duration
				   ? start + cfg.demo.duration * rt.tsc_hz : 0;
	while (!got_stop) {
		uint64_t now = rte_rdtsc();
		struct dp_learn l[32];
		unsigned n = rte_ring_dequeue_burst_elem(rt.learn, l, sizeof(l[0]), 32, NULL);
		for (unsigned i = 0; i < n; i++)
			dp_neigh_learn(&rt.neigh, &l[i]);
		unsigned commands = dp_ctl_poll(&ctl, &rt, now);
		dp_stats_telemetry_hold();
		dp_session_reclaim(rt.sessions);
		dp_stats_telemetry_release();
		if (got_reload) {
			got_reload = 0;
			if (cfg.sessions_file[0])
				reload_sessions(&rt, &cfg);
			else
				fprintf(stderr, "srtpedge: SIGHUP: no sessions file to reread\n");
		}
		if (cfg.demo.enabled)
			dp_demo_poll(&demo, now);
		if (cfg.stats_interval && now - last_print >= cfg.stats_interval * rt.tsc_hz) {
			dp_stats_print_rate(stdout, &rt, &prev,
					    (double)(now - last_print) / (double)rt.tsc_hz);
			last_print = now;
		}
		if (stop_at && now >= stop_at)
			break;
		if (cfg.offline) {
			/* read it all, then give the workers 50 ms to finish and
			 * drain their transmit buffers */
			struct rte_eth_stats es;
			uint64_t in = 0;
			for (int s = 0; s < DP_SIDES; s++)
				if (rte_eth_stats_get(rt.port[s].port_id, &es) == 0)
					in += es.ipackets;
			if ((int64_t)in >= offline_input && offline_done_tsc == 0)
				offline_done_tsc = now;
			if (offline_done_tsc && now - offline_done_tsc > rt.tsc_hz / 20)
				break;
		}
		/* while commands come, take the next ones at once */
		if (!cfg.demo.enabled && commands == 0)
			rte_delay_us_sleep(1000);
	}
	if (cfg.demo.enabled)
		dp_demo_drain(&demo);
	rt.quit = true;
	rte_eal_mp_wait_lcore();
	if (cfg.demo.enabled)
		dp_demo_print_summary(&demo, stdout);
	dp_stats_print_summary(stdout, &rt);
	rc = 0;
out:
	rt.quit = true;
	dp_stats_telemetry_detach();
	for (unsigned w = 0; workers && w < cfg.workers; w++)
		if (workers[w].engine)
			dp_worker_fini(&workers[w]);
	rte_free(workers);
	if (cfg.demo.enabled)
		dp_demo_stop(&demo);
	for (int s = 0; s < DP_SIDES; s++) {
		if (started[s]) {
			rte_eth_dev_stop(rt.port[s].port_id);
			rte_eth_dev_close(rt.port[s].port_id);
		}
	}
	dp_ctl_destroy(&ctl);
	dp_session_table_destroy(rt.sessions);
	dp_neigh_free(&rt.neigh);
	for (unsigned w = 0; w < cfg.workers; w++)
		rte_ring_free(rt.handoff[w]);
	rte_ring_free(rt.learn);
	rte_mempool_free(rt.pool);
	dp_config_free(&cfg);
	rte_pdump_uninit();
	rte_eal_cleanup();
	dp_eal_remove_runtime_files(prefix);
	return rc;
}
