/* srtpedge under test, fed over net_memif (see bench_dp_harness.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench_dp_harness.h"
#include "libsrtp_suite.h"

extern char **environ;

const struct rte_ether_addr dph_dp_mac[2] = {
	{{0x02, 0x5e, 0, 0, 0, 1}}, {{0x02, 0x5e, 0, 0, 0, 2}}};
const struct rte_ether_addr dph_gen_mac[2] = {
	{{0x02, 0x9e, 0, 0, 0, 1}}, {{0x02, 0x9e, 0, 0, 0, 2}}};

void dph_build_path(char *out, size_t cap, const char *rel)
{
	char self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);

	out[0] = '\0';
	if (sl <= 0)
		return;
	self[sl] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, cap, "%.*s/../%s", (int)(cap - strlen(rel) - 8), self, rel);
}

unsigned dph_srtpedge_mbufs(const struct dph_bench *b)
{
	/* memif's zero-copy client keeps mbufs in both rings of both ports
	 * for every queue pair; on top, what is in flight */
	return 4 * (1u << SRTPEDGE_MEMIF_RSIZE) * dph_workers(b) + 16383;
}

/* memif's zero-copy client shares srtpedge's memory with this process when
 * the link comes up, and EAL cannot add hugepages after that: srtpedge
 * reserves what its sessions will take at start. Per session about 1.8 KB
 * of table and, per SRTP leg, 2.3 KB of AES-CM or 5.1 KB of GCM keys
 * (perf/RESULTS-memory.md), rounded up; sessions beyond the sessions file
 * (made by srtpedge-bench control) are counted with GCM keys, which DTLS
 * negotiates first. Its mbufs, and room for the rest. */
unsigned dph_srtpedge_memory_mb(const struct dph_bench *b)
{
	uint64_t gcm = 2048 + 5376, file = 2048 + (sre_suite_master_salt_len(b->o->suite) == 12 /* GCM */ ? 5376 : 2560);
	uint64_t bytes = (uint64_t)dph_nfile(b) * file + (uint64_t)(b->nmax - dph_nfile(b)) * gcm +
			 (uint64_t)dph_srtpedge_mbufs(b) * 2560;
	return 160 + (unsigned)(bytes >> 20);
}

void dph_base64(const uint8_t *src, size_t len, char *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < len)
			v |= src[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
}

int dph_write_config(struct dph_bench *b)
{
	char path[128], a[32];
	unsigned naddr = (b->nmax + PORTS_PER_ADDR - 1) / PORTS_PER_ADDR;
	char key64[2][80];

	snprintf(path, sizeof(path), "%s/bench.ini", b->dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "; written by %s\n[dataplane]\nworkers = %u\nmax_sessions = %u\n"
		   "stats_interval = 0\nmbufs = %u\nsessions_file = %s/sessions.ini\n"
		   "eal = --single-file-segments -m %u\n",
		b->prog, dph_workers(b), b->nmax, dph_srtpedge_mbufs(b), b->dir,
		dph_srtpedge_memory_mb(b));
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 0 && dph_workers(b) >= (unsigned)ncpu) {
		/* more workers than CPUs besides this generator's (CPU 0):
		 * they take CPUs 1, 2, ... and then share them, 0 included */
		fprintf(f, "worker_cpus = ");
		for (unsigned w = 0; w < dph_workers(b); w++)
			fprintf(f, "%s%ld", w ? "," : "", (1 + (long)w) % ncpu);
		fprintf(f, "\n");
	}
	if (b->o->burst)
		fprintf(f, "burst = %u\n", b->o->burst);
	for (int side = 0; side < 2; side++) {
		const struct rte_ether_addr *m = &dph_dp_mac[side], *g = &dph_gen_mac[side];
		fprintf(f, "[%s]\nport = net_memif%d,role=client,zero-copy=yes,rsize=%d,socket=%s/%s.sock,"
			   "socket-abstract=no,mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
			side ? "inside" : "outside", side, SRTPEDGE_MEMIF_RSIZE, b->dir, side ? "in" : "out",
			m->addr_bytes[0], m->addr_bytes[1], m->addr_bytes[2],
			m->addr_bytes[3], m->addr_bytes[4], m->addr_bytes[5]);
		for (unsigned i = 0; i < naddr; i++) {
			dph_addr_str((side ? dph_local_in(i * PORTS_PER_ADDR) : dph_local_out(i * PORTS_PER_ADDR)),
				a, sizeof(a));
			fprintf(f, "ipv4 = %s/24\n", a);
		}
		const char *gw = side ? "10.0.0.254" : "192.0.2.254";
		fprintf(f, "gateway4 = %s\nneighbor = %s %02x:%02x:%02x:%02x:%02x:%02x\n", gw,
			gw, g->addr_bytes[0], g->addr_bytes[1], g->addr_bytes[2],
			g->addr_bytes[3], g->addr_bytes[4], g->addr_bytes[5]);
	}
	if (fclose(f) != 0)
		return -1;

	snprintf(path, sizeof(path), "%s/sessions.ini", b->dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	size_t klen = sre_suite_master_key_len(b->o->suite) +
		      sre_suite_master_salt_len(b->o->suite);
	for (unsigned s = 0; s < dph_nfile(b); s++) {
		char lo[32], li[32], po[32], pi[32];
		uint8_t tx[46];
		for (size_t i = 0; i < klen; i++)
			tx[i] = (uint8_t)rand();
		dph_base64(b->st[s].key, klen, key64[0]);
		dph_base64(tx, klen, key64[1]);
		dph_addr_str(dph_local_out(s), lo, sizeof(lo));
		dph_addr_str(dph_local_in(s), li, sizeof(li));
		dph_addr_str(dph_peer_out(s), po, sizeof(po));
		dph_addr_str(dph_peer_in(s), pi, sizeof(pi));
		fprintf(f, "[session b%u]\nid = %u\noutside.local = %s:%u\n"
			   "outside.remote = %s:%u\noutside.suite = %s\n"
			   "outside.rx_key = inline:%s\noutside.tx_key = inline:%s\n"
			   "inside.local = %s:%u\ninside.remote = %s:40000\n",
			s, s + 1, lo, dph_local_port(s), po, dph_peer_port(s),
			sre_suite_name(b->o->suite), key64[0], key64[1], li, dph_local_port(s),
			pi);
	}
	return fclose(f);
}

bool dph_log_has(const struct dph_bench *b, const char *what)
{
	char path[128], line[512];
	bool found = false;

	snprintf(path, sizeof(path), "%s/srtpedge.log", b->dir);
	FILE *f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return found;
}

void dph_log_print(const struct dph_bench *b, const char *prefix_filter)
{
	char path[128], line[512];

	snprintf(path, sizeof(path), "%s/srtpedge.log", b->dir);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (prefix_filter == NULL || strncmp(line, prefix_filter, strlen(prefix_filter)) == 0)
			fprintf(stderr, "    %s", line);
	if (f)
		fclose(f);
}

int dph_srtpedge_start(struct dph_bench *b)
{
	char cfg[128], logp[128];
	posix_spawn_file_actions_t fa;

	snprintf(cfg, sizeof(cfg), "%s/bench.ini", b->dir);
	snprintf(logp, sizeof(logp), "%s/srtpedge.log", b->dir);
	char exe[PATH_MAX], opt_c[] = "-c", opt_p[] = "--file-prefix";
	snprintf(exe, sizeof(exe), "%s", b->o->srtpedge);
	char *argv[] = {exe, opt_c, cfg, opt_p, b->prefix, NULL};
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawn(&b->pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot start %s: %s\n", b->prog, b->o->srtpedge, strerror(rc));
		b->pid = 0;
		return -1;
	}
	/* sessions are read and keyed before the worker starts */
	for (int i = 0; i < 6000; i++) {
		int status;
		if (dph_log_has(b, dph_workers(b) == 1 ? " worker on lcore " : " workers on lcores "))
			return 0;
		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			fprintf(stderr, "%s: srtpedge exited before it started:\n", b->prog);
			dph_log_print(b, NULL);
			b->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "%s: srtpedge did not start within 60 s\n", b->prog);
	return -1;
}

/* SIGTERM, then its closing summary; returns its exit status. */
int dph_process_stop(pid_t *pid, unsigned wait_ms)
{
	int status = 0;

	if (*pid <= 0)
		return -1;
	kill(*pid, SIGTERM);
	for (unsigned i = 0; i < wait_ms / 10; i++) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
	*pid = 0;
	return -1;
}

int dph_srtpedge_stop(struct dph_bench *b)
{
	return dph_process_stop(&b->pid, 10000);
}

/* SIGINT/SIGTERM: stop the run, then stop srtpedge and clean up */
volatile sig_atomic_t dph_stop;

void dph_on_stop_signal(int sig)
{
	(void)sig;
	dph_stop = 1;
}

/* ---- srtpedge's telemetry: how busy its worker was ---------------------- */

/* DPDK's telemetry socket of srtpedge's prefix (SOCK_SEQPACKET, one JSON
 * reply per request, a greeting first). */
int dph_tel_open(struct dph_bench *b)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char greeting[1024];

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/var/run/dpdk/%s/dpdk_telemetry.v2",
		 b->prefix);
	b->tel = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (b->tel < 0)
		return -1;
	if (connect(b->tel, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    recv(b->tel, greeting, sizeof(greeting), 0) <= 0) {
		fprintf(stderr, "%s: srtpedge's telemetry (%s): %s\n", b->prog, sun.sun_path,
			strerror(errno));
		close(b->tel);
		b->tel = -1;
		return -1;
	}
	return 0;
}

int dph_tel_busy_cycles(struct dph_bench *b, uint64_t *busy)
{
	char cmd[40], reply[8192];

	*busy = 0;
	for (unsigned w = 0; w < dph_workers(b); w++) {
		snprintf(cmd, sizeof(cmd), "/srtpedge/workers,%u", w);
		if (b->tel < 0 || send(b->tel, cmd, strlen(cmd), 0) < 0)
			return -1;
		ssize_t n = recv(b->tel, reply, sizeof(reply) - 1, 0);
		if (n <= 0)
			return -1;
		reply[n] = '\0';
		const char *p = strstr(reply, "\"busy_cycles\":");
		if (p == NULL)
			return -1;
		*busy += strtoull(p + strlen("\"busy_cycles\":"), NULL, 10);
	}
	return 0;
}

/* ---- this side: EAL, memif ports (servers) -------------------------------- */

int dph_ports_start(struct dph_bench *b)
{
	char prefix[80], vdev[2][256];
	snprintf(prefix, sizeof(prefix), "%s-gen", b->prefix);
	for (int side = 0; side < 2; side++) {
		const struct rte_ether_addr *g = &dph_gen_mac[side];
		snprintf(vdev[side], sizeof(vdev[side]),
			 "net_memif%d,role=server,socket=%s/%s.sock,socket-abstract=no,"
			 "mac=%02x:%02x:%02x:%02x:%02x:%02x", side, b->dir,
			 side ? "in" : "out", g->addr_bytes[0], g->addr_bytes[1],
			 g->addr_bytes[2], g->addr_bytes[3], g->addr_bytes[4],
			 g->addr_bytes[5]);
	}
	/* lcore 0: srtpedge's worker has lcore 1 to itself; its main lcore,
	 * also on 0, sleeps between its chores */
	char *eal[] = {"srtpedge-bench", "-l", "0", "--no-pci", "--in-memory",
		       "--file-prefix", prefix, "--log-level", "lib.eal:warning",
		       "--vdev", vdev[0], "--vdev", vdev[1], NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(*eal)) - 1, eal) < 0) {
		fprintf(stderr, "%s: DPDK EAL: %s\n", b->prog, rte_strerror(rte_errno));
		return -1;
	}
	b->pool = rte_pktmbuf_pool_create("bench", 16383, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (b->pool == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", b->prog, rte_strerror(rte_errno));
		return -1;
	}
	for (int side = 0; side < 2; side++) {
		char name[32];
		struct rte_eth_conf conf;
		snprintf(name, sizeof(name), "net_memif%d", side);
		if (rte_eth_dev_get_port_by_name(name, &b->port[side]) != 0) {
			fprintf(stderr, "%s: no port %s\n", b->prog, name);
			return -1;
		}
		memset(&conf, 0, sizeof(conf));
		uint16_t p = b->port[side];
		uint16_t nq = (uint16_t)dph_workers(b);
		int rc = rte_eth_dev_configure(p, nq, nq, &conf);
		for (uint16_t q = 0; rc == 0 && q < nq; q++)
			rc = rte_eth_rx_queue_setup(p, q, 1024, (unsigned)rte_socket_id(), NULL,
						    b->pool) ||
			     rte_eth_tx_queue_setup(p, q, 1024, (unsigned)rte_socket_id(), NULL);
		if (rc != 0 || rte_eth_dev_start(p) != 0) {
			fprintf(stderr, "%s: cannot start %s with %u queue pairs\n", b->prog, name,
				nq);
			return -1;
		}
	}
	return 0;
}

int dph_links_wait(struct dph_bench *b)
{
	for (int i = 0; i < 1000; i++) {
		struct rte_eth_link l[2];
		rte_eth_link_get_nowait(b->port[0], &l[0]);
		rte_eth_link_get_nowait(b->port[1], &l[1]);
		if (l[0].link_status && l[1].link_status)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "%s: the memif links to srtpedge did not come up\n", b->prog);
	return -1;
}

/* ---- packets ------------------------------------------------------------ */

void *dph_big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

/* The next `n` packets, round by round over streams [0, S): each the
 * Ethernet/IPv4/UDP frame the endpoint of its stream sends, its RTP
 * payload opening and closing with the packet's index. */
void dph_outside_headers(uint8_t *f, unsigned s, size_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(f + 34);

	eth->dst_addr = dph_dp_mac[0];
	eth->src_addr = dph_gen_mac[0];
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->time_to_live = 60;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(dph_peer_out(s));
	ip->dst_addr = rte_cpu_to_be_32(dph_local_out(s));
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + len));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(dph_peer_port(s));
	udp->dst_port = rte_cpu_to_be_16(dph_local_port(s));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
}

int dph_generate(struct dph_bench *b, unsigned s0, unsigned S, uint64_t base,
		 unsigned n)
{
	unsigned pay = b->o->payload;
	struct sre_packet pk[DPH_BURST];
	unsigned sess[DPH_BURST], np = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned s = s0 + i % S;
		uint8_t *f = b->frames + (size_t)i * b->stride;
		struct dph_stream *st = &b->st[s];
		uint8_t *rtp = f + HDR_LEN;
		uint64_t idx = base + i;
		uint32_t ssrc = rte_cpu_to_be_32(SSRC0 + s);
		/* a stream's share of SRTCP spread over its rounds, never
		 * its first packet (srtpedge learns SSRCs from either, the
		 * warm-up is RTP) */
		uint64_t round = idx / S;
		bool rtcp = round > 0 && (round * 7 + s) % 100 < b->o->rtcp_percent;

		sess[np] = s;
		if (rtcp) {
			/* APP: V=2, subtype 0, PT 204, length in words - 1,
			 * SSRC, name; the index where RTP has its payload */
			rtp[0] = 0x80;
			rtp[1] = 204;
			rtp[2] = (uint8_t)(((RTP_HDR + pay) / 4 - 1) >> 8);
			rtp[3] = (uint8_t)((RTP_HDR + pay) / 4 - 1);
			memcpy(rtp + 4, &ssrc, 4);
			memcpy(rtp + 8, "SRTE", 4);
		} else {
			uint32_t ts = rte_cpu_to_be_32(st->next_ts);
			rtp[0] = 0x80;
			rtp[1] = 0; /* PCMU */
			rtp[2] = (uint8_t)(st->next_seq >> 8);
			rtp[3] = (uint8_t)st->next_seq;
			memcpy(rtp + 4, &ts, 4);
			memcpy(rtp + 8, &ssrc, 4);
			st->next_seq++;
			st->next_ts += 160;
		}
		if (b->kind)
			b->kind[i] = rtcp ? SRE_RTCP : SRE_RTP;
		uint8_t *p = rtp + RTP_HDR;
		for (unsigned k = 0; k < pay; k++)
			p[k] = (uint8_t)(idx * 7 + k);
		if (pay >= 16) {
			memcpy(p, &idx, 8);
			memcpy(p + pay - 8, &idx, 8);
		}
		pk[np++] = (struct sre_packet){.data = rtp, .len = RTP_HDR + pay,
					       .room = (uint32_t)(b->stride - HDR_LEN),
					       .stream = &b->gen_st[s],
					       .kind = rtcp ? SRE_RTCP : SRE_RTP};
		if (np == DPH_BURST || i + 1 == n) {
			sre_protect_burst(b->engine, pk, np);
			for (unsigned k = 0; k < np; k++) {
				if (pk[k].status != SRE_OK) {
					fprintf(stderr, "%s: protect: %s\n", b->prog,
						sre_status_name(pk[k].status));
					return -1;
				}
				uint8_t *fr = pk[k].data - HDR_LEN;
				dph_outside_headers(fr, sess[k], pk[k].len);
				b->len[(fr - b->frames) / b->stride] = HDR_LEN + pk[k].len;
			}
			np = 0;
		}
	}
	return 0;
}

/* ---- set-up of streams and baselines ------------------------------------- */

int dph_streams_create(struct dph_bench *b)
{
	enum sre_suite suite = b->o->suite;
	size_t kl = sre_suite_master_key_len(suite), sl = sre_suite_master_salt_len(suite);

	b->st = calloc(b->nmax, sizeof(*b->st));
	b->gen_ctx = calloc(b->nmax, sizeof(*b->gen_ctx));
	b->alone_ctx = calloc(b->nmax, sizeof(*b->alone_ctx));
	if (posix_memalign((void **)&b->gen_st, 64, b->nmax * sizeof(*b->gen_st)) ||
	    posix_memalign((void **)&b->alone_st, 64, b->nmax * sizeof(*b->alone_st)) ||
	    !b->st || !b->gen_ctx || !b->alone_ctx)
		return -1;
	for (unsigned s = 0; s < b->nmax; s++) {
		struct sre_policy pol;
		for (size_t i = 0; i < kl + sl; i++)
			b->st[s].key[i] = (uint8_t)rand();
		b->st[s].next_seq = (uint16_t)(65000 + s);
		b->st[s].next_ts = (uint32_t)rand();
		for (int dir = 0; dir < 2; dir++) {
			struct sre_ctx **c = dir ? &b->gen_ctx[s] : &b->alone_ctx[s];
			sre_policy_init(&pol, suite, dir ? SRE_OUTBOUND : SRE_INBOUND);
			pol.replay_window = 128;
			if (sre_ctx_create(&pol, NULL, c) != SRE_OK ||
			    sre_ctx_add_key(b->engine, *c, b->st[s].key, kl, b->st[s].key + kl,
					    sl, NULL) != SRE_OK ||
			    sre_stream_init(dir ? &b->gen_st[s] : &b->alone_st[s], *c,
					    SSRC0 + s, NULL) != SRE_OK)
				return -1;
		}
	}
	b->nlib = b->nmax < b->o->libsrtp_max_streams ? b->nmax : b->o->libsrtp_max_streams;
	b->lib = calloc(b->nlib ? b->nlib : 1, sizeof(*b->lib));
	if (b->lib == NULL)
		return -1;
	for (unsigned s = 0; s < b->nlib; s++)
		if (libsrtp_session_create(&b->lib[s], suite, b->st[s].key, SSRC0 + s, false,
					   128) != 0)
			return -1;
	return 0;
}

void dph_streams_destroy(struct dph_bench *b)
{
	for (unsigned s = 0; b->gen_ctx && s < b->nmax; s++) {
		sre_ctx_destroy(b->gen_ctx[s]);
		if (b->alone_ctx)
			sre_ctx_destroy(b->alone_ctx[s]);
	}
	for (unsigned s = 0; b->lib && s < b->nlib; s++)
		srtp_dealloc(b->lib[s]);
	free(b->lib);
	free(b->gen_ctx);
	free(b->alone_ctx);
	free(b->gen_st);
	free(b->alone_st);
	if (b->st)
		explicit_bzero(b->st, b->nmax * sizeof(*b->st));
	free(b->st);
}
