/*
 * srtpedge under test, fed over net_memif: the pieces `srtpedge-bench
 * dataplane` and `srtpedge-bench control` share. This process writes a
 * configuration and sessions file, starts srtpedge (its binary), and becomes
 * a second DPDK process serving the two memif sockets srtpedge's outside and
 * inside ports connect to; it generates the SRTP the endpoints of the
 * sessions send and reads srtpedge's telemetry.
 *
 * Session s (0-based): srtpedge's outside and inside address and port, the
 * endpoint beyond the outside gateway and the media server beyond the
 * inside one are functions of s (dph_local_out(s), ...), so any process can
 * work out where a session's packets go.
 */
#ifndef BENCH_DP_HARNESS_H
#define BENCH_DP_HARNESS_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rte_ether.h>
#include <srtp2/srtp.h>

#include "srtp_edge.h"

#define DPH_BURST 32
#define PORTS_PER_ADDR 50000u   /* local ports 10000..59999 per address */
#define MAX_ADDRS 16            /* srtpedge's addresses per side */
#define HDR_LEN (14 + 20 + 8)   /* Ethernet, IPv4, UDP */
#define RTP_HDR 12
#define SSRC0 0x5e000000u
/* room after a packet's payload for what protect appends: a tag of up to
 * 16 bytes, the SRTCP index (4) and an MKI (up to 4) */
#define DPH_TRAILER_ROOM 32

static inline void dph_addr_str(uint32_t host_order, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", host_order >> 24, (host_order >> 16) & 255,
		 (host_order >> 8) & 255, host_order & 255);
}

/* Stream s: srtpedge's outside and inside address and port, the endpoint
 * beyond the outside gateway and the media server beyond the inside one. */
static inline uint32_t dph_local_out(unsigned s) { return 0xc0000201u + s / PORTS_PER_ADDR; }
static inline uint32_t dph_local_in(unsigned s) { return 0x0a000001u + s / PORTS_PER_ADDR; }
static inline uint16_t dph_local_port(unsigned s) { return (uint16_t)(10000 + s % PORTS_PER_ADDR); }
static inline uint32_t dph_peer_out(unsigned s) { return 0xc6120000u + (s & 0x1ffff); }
static inline uint16_t dph_peer_port(unsigned s) { return (uint16_t)(30000 + (s >> 17)); }
static inline uint32_t dph_peer_in(unsigned s) { return 0x0a800000u + s; }

/* memif rings of 4096 slots (rsize=12, set by the client) absorb the
 * moments this process is descheduled; srtpedge's zero-copy client keeps
 * its own mbufs in all its rings, so it gets more than those hold
 * (dph_srtpedge_mbufs). */
#define SRTPEDGE_MEMIF_RSIZE 12
/* packets sent and not yet back: the inside ring less two bursts */
#define MAX_IN_FLIGHT ((1u << SRTPEDGE_MEMIF_RSIZE) - 2 * DPH_BURST)

struct dph_opts {
	unsigned streams[8], nstreams;
	enum sre_suite suite;
	unsigned payload;
	unsigned packets;          /* per run, rounded up to whole rounds */
	unsigned repeats;
	unsigned libsrtp_max_streams;
	unsigned libsrtp_packets;
	unsigned latency_packets;
	unsigned latency_load;     /* percent of the measured rate */
	unsigned burst;            /* srtpedge's receive burst; 0: its default */
	unsigned workers;          /* srtpedge's workers (0: 1), a queue pair each */
	unsigned rtcp_percent;     /* SRTCP share of the generated packets */
	unsigned loss_percent;     /* of a run's packets never sent */
	unsigned reorder_percent;  /* of a run's packets sent after their stream's next */
	char srtpedge[PATH_MAX];
	bool json, quick;
};

/* One stream as the far end and the baselines see it. */
struct dph_stream {
	uint8_t key[46];           /* master key || salt */
	uint16_t next_seq;
	uint32_t next_ts;
};

struct dph_bench {
	const char *prog;          /* for messages: "srtpedge-bench dataplane" */
	const struct dph_opts *o;
	unsigned nmax;             /* sessions srtpedge is configured for */
	unsigned nfile;            /* sessions in its sessions file (0: nmax) */
	struct dph_stream *st;
	struct sre_engine *engine;
	struct sre_ctx **gen_ctx, **alone_ctx;
	struct sre_stream *gen_st, *alone_st;
	srtp_t *lib;               /* NULL above --libsrtp-max-streams */
	unsigned nlib;
	size_t stride;             /* bytes per frame in `frames` */
	uint8_t *frames, *work;    /* a run's packets; the baselines' copy */
	uint32_t *len;
	uint8_t *kind;             /* per frame SRE_RTP or SRE_RTCP (NULL: all RTP) */
	uint32_t *orig;            /* per frame: the packet index it was generated as */
	unsigned *qlist;           /* per worker queue: its frames in order (cap each) */
	size_t cap;                /* frames `frames` holds */
	uint8_t *seen;             /* per packet of the run: received already */
	uint64_t *sent_tsc;        /* during latency runs: when each packet left */
	uint64_t *sent_tsc_mem;
	double *lat;
	struct rte_mempool *pool;
	uint16_t port[2];          /* memif ports: 0 to srtpedge's outside, 1 inside */
	pid_t pid;                 /* srtpedge */
	char dir[64];              /* its configuration, sockets and log */
	char prefix[64];
	int tel;                   /* srtpedge's telemetry socket, or -1 */
};



extern const struct rte_ether_addr dph_dp_mac[2], dph_gen_mac[2];
/* set by SIGINT/SIGTERM (dph_on_stop_signal): stop, clean up, exit */
extern volatile sig_atomic_t dph_stop;
void dph_on_stop_signal(int sig);

static inline unsigned dph_workers(const struct dph_bench *b)
{
	return b->o->workers ? b->o->workers : 1;
}

/* The worker that owns session s: srtpedge gives session id s + 1 to
 * worker id % workers; the bench sends its packets on that queue. */
static inline uint16_t dph_queue_of(const struct dph_bench *b, unsigned s)
{
	return (uint16_t)((s + 1) % dph_workers(b));
}

static inline unsigned dph_nfile(const struct dph_bench *b)
{
	return b->nfile ? b->nfile : b->nmax;
}

/* A program of the same build: `rel` (e.g. "dataplane/srtpedge") from the
 * build directory this executable is in; "" when that is unknown. */
void dph_build_path(char *out, size_t cap, const char *rel);
/* `len` bytes as base64 into out (4 * ceil(len / 3) + 1 bytes). */
void dph_base64(const uint8_t *src, size_t len, char *out);
/* mbufs srtpedge gets: its rings' and what is in flight. */
unsigned dph_srtpedge_mbufs(const struct dph_bench *b);
/* Hugepage MB srtpedge reserves for nmax sessions, its mbufs and the rest. */
unsigned dph_srtpedge_memory_mb(const struct dph_bench *b);
/* bench.ini (max_sessions nmax, addresses for nmax sessions) and
 * sessions.ini (sessions [0, nfile), keys b->st[s].key) in b->dir. */
int dph_write_config(struct dph_bench *b);
bool dph_log_has(const struct dph_bench *b, const char *what);
/* srtpedge's log lines starting with prefix_filter (NULL: all), to stderr */
void dph_log_print(const struct dph_bench *b, const char *prefix_filter);
/* Starts srtpedge and waits until its worker runs; 0 or -1 (said why). */
int dph_srtpedge_start(struct dph_bench *b);
/* SIGTERM, then up to wait_ms for it to exit (else SIGKILL); returns its
 * exit status (128 + signal), or -1 when it had to be killed. */
int dph_process_stop(pid_t *pid, unsigned wait_ms);
/* SIGTERM, then its closing summary; returns its exit status. */
int dph_srtpedge_stop(struct dph_bench *b);
int dph_tel_open(struct dph_bench *b);
/* The workers' TSC cycles spent on polls that found packets, summed. */
int dph_tel_busy_cycles(struct dph_bench *b, uint64_t *busy);
/* This process's EAL (lcore 0, --no-pci, --in-memory) and memif servers,
 * a queue pair per srtpedge worker. */
int dph_ports_start(struct dph_bench *b);
int dph_links_wait(struct dph_bench *b);
/* Anonymous memory, transparent huge pages asked for. */
void *dph_big_alloc(size_t size);
/* Ethernet, IPv4 and UDP headers at f of what the endpoint of session s
 * sends to srtpedge's outside port, for `len` bytes of UDP payload. */
void dph_outside_headers(uint8_t *f, unsigned s, size_t len);
/* `n` packets, round by round over streams [s0, s0 + S), into frames
 * [0, n): each the Ethernet/IPv4/UDP frame the endpoint of its stream
 * sends next, its RTP payload opening and closing with the packet's index
 * (base + its frame). With o->rtcp_percent, that share of the packets after
 * each stream's first is SRTCP instead: an RTCP APP packet (PT 204) of the
 * same length carrying the index at the same offsets (the payload must be a
 * multiple of 4 bytes), its kind in b->kind. */
int dph_generate(struct dph_bench *b, unsigned s0, unsigned S, uint64_t base,
		 unsigned n);
/* Keys and sender state of streams [0, nmax), crypto/'s contexts for both
 * directions, libsrtp2's sessions up to o->libsrtp_max_streams. */
int dph_streams_create(struct dph_bench *b);
void dph_streams_destroy(struct dph_bench *b);

#endif
