/*
 * `srtpedge-bench dataplane`: srtpedge itself, one worker, receiving SRTP,
 * unprotecting it and forwarding plain RTP, measured against crypto/ alone
 * and libsrtp2 alone on the same packets in the same run.
 *
 * This process starts srtpedge (its binary, with a generated configuration
 * and sessions file) and becomes a second DPDK process joined to srtpedge's
 * two ports by net_memif: it sends pre-protected SRTP into the outside port
 * and receives the forwarded RTP from the inside port. memif copies every
 * packet into and out of shared memory on both sides, so srtpedge's worker
 * pays a real receive and transmit cost per packet; a NIC would cost it less.
 *
 * Every stream is a session of its own (one SSRC, its own master key);
 * packet k of a run belongs to stream k mod S, so consecutive packets touch
 * different streams as on a loaded edge. Each run sends packets no receiver
 * has seen; the payload carries the packet's index, so every forwarded
 * packet is checked (decrypted right, not duplicated) and its latency read.
 * The same packets are then unprotected by crypto/ alone (bursts over
 * streams found by index, packets hot in cache: the most favourable case for
 * the baseline) and, up to --libsrtp-max-streams, by libsrtp2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <srtp2/srtp.h>

#include "bench.h"
#include "bench_dataplane.h"
#include "bench_dp_harness.h"
#include "eal_files.h"
#include "libsrtp_suite.h"
#include "srtp_edge.h"

#define PROG "srtpedge-bench dataplane"
#define BURST DPH_BURST
#define CHUNK 2048              /* packets per cache-hot chunk of the baselines */
#define MAX_WORKERS 16

/* ---- the three measurements ---------------------------------------------- */

/* crypto/ alone: unprotect in bursts, stream by index, CHUNK packets at a
 * time copied (untimed) into a buffer that stays in cache. Returns TSC
 * ticks; counts packets that fail or decrypt wrong. */
static uint64_t time_crypto(struct dph_bench *b, unsigned S, unsigned n, unsigned *bad)
{
	uint64_t total = 0;
	struct sre_packet pk[BURST];
	unsigned pay = b->o->payload;

	for (unsigned c0 = 0; c0 < n; c0 += CHUNK) {
		unsigned cn = n - c0 < CHUNK ? n - c0 : CHUNK;
		memcpy(b->work, b->frames + (size_t)c0 * b->stride, (size_t)cn * b->stride);
		uint64_t t0 = bench_tsc();
		for (unsigned i = 0; i < cn; i += BURST) {
			unsigned k = cn - i < BURST ? cn - i : BURST;
			for (unsigned j = 0; j < k; j++) {
				unsigned idx = c0 + i + j;
				pk[j] = (struct sre_packet){
					.data = b->work + (size_t)(i + j) * b->stride + HDR_LEN,
					.len = b->len[idx] - HDR_LEN,
					.room = (uint32_t)(b->stride - HDR_LEN),
					.stream = &b->alone_st[b->orig[idx] % S],
					.kind = b->kind[idx]};
			}
			sre_unprotect_burst(b->engine, pk, k);
			for (unsigned j = 0; j < k; j++)
				*bad += pk[j].status != SRE_OK;
		}
		total += bench_tsc() - t0;
		for (unsigned j = 0; j < cn && pay >= 16; j++) {
			uint64_t idx;
			memcpy(&idx, b->work + (size_t)j * b->stride + HDR_LEN + RTP_HDR, 8);
			*bad += idx != b->orig[c0 + j];
		}
	}
	return total;
}

/* libsrtp2 alone, one srtp_t per stream: timed on the first `timed` of a
 * run's `n` packets. The rest are unprotected too, untimed, only when
 * skipping them would leave its streams a sequence gap its ROC estimate
 * cannot bridge (few streams, long runs): with Debian's NSS build that is
 * slow. */
static uint64_t time_libsrtp(struct dph_bench *b, unsigned S, unsigned timed, unsigned n,
			     unsigned *bad)
{
	uint64_t total = 0;

	/* timed: the first `timed` packets, in order. The rest only keep each
	 * stream in step for the next run: libsrtp's index guess takes a jump
	 * of up to 2^15, so every 8192nd packet of a stream and its last one
	 * are enough (Debian's libsrtp2 does some 0.1 Mpps). */
	for (unsigned c0 = 0, cn; c0 < n && !dph_stop; c0 += cn) {
		cn = n - c0 < CHUNK ? n - c0 : CHUNK;
		if (c0 < timed && timed - c0 < cn)
			cn = timed - c0;
		bool timing = c0 < timed;
		memcpy(b->work, b->frames + (size_t)c0 * b->stride, (size_t)cn * b->stride);
		uint64_t t0 = bench_tsc();
		for (unsigned j = 0; j < cn; j++) {
			unsigned idx = c0 + j;
			if (!timing && (idx / S - timed / S) % 8192 != 0 && idx < n - S)
				continue;
			int len = (int)(b->len[idx] - HDR_LEN);
			srtp_t lib = b->lib[b->orig[idx] % S];
			uint8_t *d = b->work + (size_t)j * b->stride + HDR_LEN;
			*bad += (b->kind[idx] == SRE_RTCP ? srtp_unprotect_rtcp(lib, d, &len)
							  : srtp_unprotect(lib, d, &len)) !=
				srtp_err_status_ok;
		}
		if (timing)
			total += bench_tsc() - t0;
	}
	return total;
}

struct dp_run {
	uint64_t t_start;          /* first send */
	uint64_t t_first, t_last;  /* first and last receipt */
	unsigned received, bad, lost;
	bool stalled;              /* nothing went in or came out for 2 s */
};


/* Sends frames [0, m) (generated as packets [0, n): some may have been
 * dropped or swapped, see inject()) into srtpedge's outside port, each on
 * the queue of the worker that owns its session, as fast as srtpedge takes
 * them or paced at `pps` in all, and receives what it forwards on every
 * queue of the inside port: each must carry a packet index not seen
 * before, its payload intact. */
static void run_dataplane(struct dph_bench *b, unsigned S, unsigned n, unsigned m,
			  double pps, struct dp_run *r)
{
	struct rte_mbuf *tx[BURST], *rx[BURST];
	double hz = bench_tsc_hz();
	unsigned W = dph_workers(b), pay = b->o->payload, sent = 0, turn = 0;
	unsigned qsent[MAX_WORKERS] = {0}, qgot[MAX_WORKERS] = {0}, qcur[MAX_WORKERS] = {0};
	uint64_t t0 = bench_tsc(), last_progress = t0;
	double per_pkt = pps > 0 ? hz / pps : 0;

	/* each queue's frames, in order */
	unsigned qn[MAX_WORKERS] = {0};
	for (unsigned j = 0; j < m; j++) {
		uint16_t q = dph_queue_of(b, b->orig[j] % S);
		b->qlist[(size_t)q * b->cap + qn[q]++] = j;
	}
	memset(r, 0, sizeof(*r));
	memset(b->seen, 0, n);
	r->t_start = t0;
	while (r->received + r->bad < m && !dph_stop) {
		uint64_t now = bench_tsc();
		unsigned due = m;
		if (per_pkt > 0) {
			uint64_t d = (uint64_t)((double)(now - t0) / per_pkt) + 1;
			due = d < m ? (unsigned)d : m;
		}
		/* the queue that goes first turns, so that a paced run
		 * offers every worker its share all along */
		for (unsigned qi = 0; qi < W && sent < due; qi++) {
			unsigned q = (qi + turn) % W;
			unsigned want = qn[q] - qcur[q];
			if (want > BURST)
				want = BURST;
			if (want > due - sent)
				want = due - sent;
			/* never more in flight than the ring back from srtpedge
			 * holds: while this process is descheduled srtpedge goes
			 * on, and what it forwards must find room (in flight is
			 * also what srtpedge may still hold when this stops) */
			unsigned in_flight = qsent[q] - qgot[q];
			if (in_flight + want > MAX_IN_FLIGHT)
				want = in_flight < MAX_IN_FLIGHT ? MAX_IN_FLIGHT - in_flight : 0;
			if (want == 0 || rte_pktmbuf_alloc_bulk(b->pool, tx, want) != 0)
				continue;
			const unsigned *list = &b->qlist[(size_t)q * b->cap + qcur[q]];
			for (unsigned j = 0; j < want; j++) {
				unsigned f = list[j];
				char *d = rte_pktmbuf_append(tx[j], (uint16_t)b->len[f]);
				memcpy(d, b->frames + (size_t)f * b->stride, b->len[f]);
			}
			uint64_t tq = bench_tsc();
			unsigned k = rte_eth_tx_burst(b->port[0], q, tx, (uint16_t)want);
			if (b->sent_tsc)
				for (unsigned j = 0; j < k; j++)
					b->sent_tsc[b->orig[list[j]]] = tq;
			if (k < want) /* the ring to srtpedge is full: later */
				rte_pktmbuf_free_bulk(tx + k, want - k);
			if (k > 0)
				last_progress = tq;
			qcur[q] += k;
			qsent[q] += k;
			sent += k;
		}
		turn++;
		/* drain first: a full ring back from srtpedge makes it drop */
		for (unsigned q = 0; q < W; q++) {
			unsigned got;
			for (int k = 0; k < 8 && (got = rte_eth_rx_burst(b->port[1], q, rx, BURST));
			     k++) {
				uint64_t t = bench_tsc();
				if (r->received == 0)
					r->t_first = t;
				r->t_last = t;
				last_progress = t;
				qgot[q] += got;
				for (unsigned j = 0; j < got; j++) {
					const uint8_t *p = rte_pktmbuf_mtod(rx[j], const uint8_t *) +
							   HDR_LEN + RTP_HDR;
					uint64_t i1 = UINT64_MAX, i2 = 0;
					if (pay >= 16 &&
					    rte_pktmbuf_data_len(rx[j]) == HDR_LEN + RTP_HDR + pay) {
						memcpy(&i1, p, 8);
						memcpy(&i2, p + pay - 8, 8);
					}
					if (i1 != i2 || i1 >= n || b->seen[i1]) {
						r->bad++;
						continue;
					}
					b->seen[i1] = 1;
					r->received++;
					if (b->sent_tsc)
						b->lat[r->received - 1] = (double)(t - b->sent_tsc[i1]);
				}
				rte_pktmbuf_free_bulk(rx, got);
			}
		}
		uint64_t quiet = bench_tsc() - last_progress;
		if (sent == m && quiet > (uint64_t)hz)
			break; /* a second without anything: the rest is lost */
		if (quiet > 2 * (uint64_t)hz) {
			r->stalled = true; /* srtpedge takes nothing and sends nothing */
			break;
		}
	}
	/* stragglers of an earlier run count as wrong, not as negative loss */
	r->lost = r->received + r->bad < m ? m - r->received - r->bad : 0;
}

/* The injected impairments of one run's n frames: reorder_percent % of
 * them swapped with their stream's next packet (S frames later, each frame
 * swapped at most once; *swapped counts the swaps), then loss_percent %
 * dropped. Returns the frames left; b->orig[j] is the packet index frame j
 * was generated as. */
static unsigned inject(struct dph_bench *b, unsigned S, unsigned n, bool impair,
		       uint64_t *swapped)
{
	const struct dph_opts *o = b->o;
	uint8_t tmp[2048];
	unsigned m = 0;

	for (unsigned j = 0; j < n; j++)
		b->orig[j] = j;
	if (!impair)
		return n;
	for (unsigned j = 0; o->reorder_percent && j + S < n; j++) {
		if (b->orig[j] != j || (unsigned)rand() % 100 >= o->reorder_percent)
			continue;
		unsigned k = j + S;
		uint8_t *x = b->frames + (size_t)j * b->stride, *y = b->frames + (size_t)k * b->stride;
		memcpy(tmp, x, b->stride);
		memcpy(x, y, b->stride);
		memcpy(y, tmp, b->stride);
		uint32_t l = b->len[j];
		b->len[j] = b->len[k];
		b->len[k] = l;
		uint8_t kd = b->kind[j];
		b->kind[j] = b->kind[k];
		b->kind[k] = kd;
		b->orig[j] = k;
		b->orig[k] = j;
		if (swapped)
			++*swapped;
	}
	for (unsigned j = 0; j < n; j++) {
		if (o->loss_percent && (unsigned)rand() % 100 < o->loss_percent)
			continue;
		if (m != j) {
			memcpy(b->frames + (size_t)m * b->stride, b->frames + (size_t)j * b->stride,
			       b->stride);
			b->len[m] = b->len[j];
			b->kind[m] = b->kind[j];
			b->orig[m] = b->orig[j];
		}
		m++;
	}
	return m;
}

/* ---- one stream count ---------------------------------------------------- */

static double lat_pct(double *v, unsigned n, double pct)
{
	if (n == 0)
		return 0;
	unsigned i = (unsigned)(pct / 100.0 * (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return (a > c) - (a < c);
}

static void result_init(struct bench_result *r, const char *impl, const struct dph_opts *o,
			unsigned S, unsigned burst, unsigned packets)
{
	memset(r, 0, sizeof(*r));
	r->impl = impl;
	r->suite = sre_suite_name(o->suite);
	r->op = "unprotect";
	r->kind = "rtp";
	r->payload = o->payload;
	r->streams = S;
	r->burst = burst;
	r->packets = packets;
}

static void result_fill(struct bench_result *r, double *cycles, unsigned runs)
{
	double hz = bench_tsc_hz();
	r->cycles = bench_stats_of(cycles, runs);
	r->pps = hz / r->cycles.median;
	r->pps_min = hz / r->cycles.max;
	r->pps_max = hz / r->cycles.min;
	r->spread = (r->cycles.max - r->cycles.min) / r->cycles.median;
}

static void fmt_mpps(char *buf, size_t len, const struct bench_result *r)
{
	if (r->skipped)
		snprintf(buf, len, "skipped");
	else
		/* three significant digits: libsrtp2 runs near 0.1 Mpps */
		snprintf(buf, len, "%.3g [%.3g-%.3g]%s", r->pps / 1e6, r->pps_min / 1e6,
			 r->pps_max / 1e6, r->spread > 0.25 ? " ~" : "");
}

static int run_streams(struct dph_bench *b, unsigned S, const struct bench_machine *m)
{
	const struct dph_opts *o = b->o;
	unsigned rounds = (o->packets + S - 1) / S;
	unsigned n = rounds * S;
	double dp[64], cr[64], lb[64], busy[64];
	bool busy_known = true;
	unsigned lib_n;
	int failures = 0;
	struct dp_run r;

	if (n > b->cap)
		n = (unsigned)(b->cap / S) * S;
	lib_n = o->libsrtp_packets < n ? o->libsrtp_packets : n;
	/* warm-up: every stream's first packet makes srtpedge learn its SSRC */
	if (dph_generate(b, 0, S, 0, S) != 0)
		return 1;
	inject(b, S, S, false, NULL);
	run_dataplane(b, S, S, S, 0, &r);
	unsigned bad = 0;
	time_crypto(b, S, S, &bad);
	if (S <= b->nlib)
		time_libsrtp(b, S, S, S, &bad);
	if (r.received != S || bad) {
		fprintf(stderr, "%s: %u streams: warm-up: %u of %u forwarded, %u wrong, "
				"%u lost%s; baselines: %u failed\n", PROG, S, r.received, S,
			r.bad, r.lost, r.stalled ? " (srtpedge stopped taking packets)" : "",
			bad);
		return 1;
	}

	uint64_t generated = 0, dropped = 0, swapped = 0, rtcp = 0;
	for (unsigned rep = 0; rep < o->repeats; rep++) {
		if (dph_generate(b, 0, S, 0, n) != 0)
			return 1;
		unsigned m = inject(b, S, n, true, &swapped);
		generated += n;
		dropped += n - m;
		for (unsigned j = 0; j < m; j++)
			rtcp += b->kind[j] == SRE_RTCP;
		uint64_t busy0 = 0, busy1 = 0;
		busy_known = busy_known && dph_tel_busy_cycles(b, &busy0) == 0;
		run_dataplane(b, S, n, m, 0, &r);
		busy_known = busy_known && dph_tel_busy_cycles(b, &busy1) == 0;
		/* the workers' busy share: their busy cycles over W times the
		 * run's length */
		busy[rep] = r.t_last > r.t_start
				    ? (double)(busy1 - busy0) /
					      ((double)(r.t_last - r.t_start) * dph_workers(b))
				    : 0;
		if (r.received != m) {
			fprintf(stderr, "%s: %u streams: %u of %u packets forwarded "
					"(%u wrong, %u lost)%s\n", PROG, S, r.received, m, r.bad,
				r.lost, r.stalled ? "; srtpedge stopped taking packets" : "");
			failures++;
			if (r.stalled || dph_stop)
				return failures;
		}
		dp[rep] = r.received > 1 ? (double)(r.t_last - r.t_first) / (r.received - 1) : 0;
		bad = 0;
		cr[rep] = (double)time_crypto(b, S, m, &bad) / m;
		if (S <= b->nlib)
			lb[rep] = (double)time_libsrtp(b, S, lib_n < m ? lib_n : m, m, &bad) /
				  (lib_n < m ? lib_n : m);
		if (bad) {
			fprintf(stderr, "%s: %u streams: the baselines failed %u packets\n",
				PROG, S, bad);
			failures++;
		}
	}

	struct bench_result res[3];
	result_init(&res[0], "srtpedge-dataplane", o, S, BURST, n);
	result_init(&res[1], "srtpedge", o, S, BURST, n);
	result_init(&res[2], "libsrtp2", o, S, 1, lib_n);
	result_fill(&res[0], dp, o->repeats);
	for (int i = 0; i < 3; i++) {
		/* what the runs carried, as generated: the same for all three */
		res[i].workers = i == 0 ? dph_workers(b) : 1;
		res[i].rtcp_share = generated > dropped ? (double)rtcp / (generated - dropped) : 0;
		res[i].loss_injected = generated ? (double)dropped / generated : 0;
		res[i].reorder_injected = generated ? (double)swapped / generated : 0;
		if (o->rtcp_percent)
			res[i].kind = "rtp+rtcp";
	}
	if (busy_known) {
		qsort(busy, o->repeats, sizeof(double), cmp_double);
		res[0].worker_busy = busy[o->repeats / 2];
	}
	result_fill(&res[1], cr, o->repeats);
	if (S <= b->nlib)
		result_fill(&res[2], lb, o->repeats);
	else
		res[2].skipped = "libsrtp2 sessions not created above --libsrtp-max-streams";

	/* latency: a fresh run offered at latency_load % of the rate just
	 * measured, paced */
	unsigned ln = o->latency_packets < b->cap ? o->latency_packets : (unsigned)b->cap;
	if (ln > 0) {
		if (dph_generate(b, 0, S, 0, ln) != 0)
			return 1;
		unsigned lm = inject(b, S, ln, true, NULL);
		double pps = res[0].pps * o->latency_load / 100.0;
		b->sent_tsc = b->sent_tsc_mem;
		run_dataplane(b, S, ln, lm, pps, &r);
		b->sent_tsc = NULL;
		if (r.received != lm) {
			fprintf(stderr, "%s: %u streams: latency run: %u of %u forwarded "
					"(%u wrong, %u lost)\n", PROG, S, r.received, lm, r.bad,
				r.lost);
			failures++;
		}
		bad = 0;
		/* keep the baselines' streams in step */
		time_crypto(b, S, lm, &bad);
		if (S <= b->nlib)
			time_libsrtp(b, S, 0, lm, &bad);
		double hz = bench_tsc_hz();
		qsort(b->lat, r.received, sizeof(double), cmp_double);
		res[0].lat_pps = pps;
		res[0].lat_p50_ns = lat_pct(b->lat, r.received, 50) * 1e9 / hz;
		res[0].lat_p99_ns = lat_pct(b->lat, r.received, 99) * 1e9 / hz;
		res[0].lat_p999_ns = lat_pct(b->lat, r.received, 99.9) * 1e9 / hz;
	}

	if (o->json) {
		/* the baselines run on one core whatever srtpedge has: with
		 * more workers their rows would repeat the one-worker run's */
		for (int i = 0; i < (dph_workers(b) > 1 ? 1 : 3); i++)
			bench_print_json(stdout, &res[i], m);
	} else {
		char c[3][48], lat[64] = "-";
		for (int i = 0; i < 3; i++)
			fmt_mpps(c[i], sizeof(c[i]), &res[i]);
		if (res[0].lat_pps > 0)
			snprintf(lat, sizeof(lat), "%.1f / %.1f / %.1f @ %.2f Mpps",
				 res[0].lat_p50_ns / 1e3, res[0].lat_p99_ns / 1e3,
				 res[0].lat_p999_ns / 1e3, res[0].lat_pps / 1e6);
		char ratio[16] = "-", busy_pct[16] = "-";
		snprintf(ratio, sizeof(ratio), "%.0f%%", 100.0 * res[0].pps / res[1].pps);
		if (res[0].worker_busy > 0)
			snprintf(busy_pct, sizeof(busy_pct), "%.0f%%", 100.0 * res[0].worker_busy);
		printf("%8u | %-22s %5s | %-22s %6s | %-22s | %s\n", S, c[0], busy_pct, c[1],
		       ratio, c[2], lat);
	}
	fflush(stdout);
	return failures;
}

/* ---- command line -------------------------------------------------------- */

void bench_dataplane_usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench dataplane [options]\n"
"\n"
"Runs srtpedge (one worker on lcore 1 unless --workers) with one session per\n"
"stream and feeds it SRTP over net_memif from this process, a second DPDK\n"
"process on lcore 0: srtpedge receives, unprotects, rewrites and forwards\n"
"plain RTP, which comes back here and is checked packet by packet. The same\n"
"packets are unprotected by crypto/ alone (\"srtpedge\") and libsrtp2 alone\n"
"in the same run. Reports\n"
"packets per second (median [min-max] of the runs), the dataplane's share of\n"
"crypto/ alone, and the latency from send to receipt (p50 / p99 / p99.9, in\n"
"microseconds) at a paced fraction of the measured rate. Needs root and\n"
"hugepages (scripts/setup.sh); never touches a PCI device.\n"
"\n"
"options:\n"
"  --streams N,N,...      stream counts (default 1,10000,100000)\n"
"  --suite NAME           default AES_CM_128_HMAC_SHA1_80\n"
"  --payload BYTES        RTP payload (default 160, 16..1200)\n"
"  --packets N            per run (default 2000000)\n"
"  --repeats N            runs per stream count (default 5)\n"
"  --latency-packets N    packets of the latency run (default 200000; 0: none)\n"
"  --latency-load PCT     its offered rate, %% of the measured (default 50)\n"
"  --libsrtp-max-streams N  (default 10000)\n"
"  --libsrtp-packets N    per run (default 20000; Debian's\n"
"                         libsrtp2 slows down as its NSS backend ages)\n"
"  --burst N              srtpedge's receive burst (default: its own, 32)\n"
"  --workers N            srtpedge's workers (default 1, at most 16), a memif\n"
"                         queue pair each; a session's packets go to the queue\n"
"                         of the worker that owns it (more workers than CPUs\n"
"                         share them, this generator's included)\n"
"  --rtcp-percent P       that share of each stream's packets (after its first)\n"
"                         is SRTCP (an RTCP APP packet of the same length;\n"
"                         the payload must be a multiple of 4)\n"
"  --loss P               P %% of each run's packets are never sent (0..50)\n"
"  --reorder P            P %% are sent after their stream's next packet (0..50)\n"
"  --srtpedge PATH        the srtpedge binary (default: the build's)\n"
"  --quick                1 and 1000 streams, small runs: a smoke test\n"
"  --json                 one JSON object per line\n"
"  -h, --help\n"
"\n"
"Exit status: 0, 1 when a packet was lost or wrong, 2 on bad usage or set-up.\n");
}

static int parse_opts(int argc, char **argv, struct dph_opts *o)
{
	static const struct option longopts[] = {
		{"streams", required_argument, 0, 'n'},
		{"suite", required_argument, 0, 's'},
		{"payload", required_argument, 0, 'p'},
		{"packets", required_argument, 0, 'P'},
		{"repeats", required_argument, 0, 'r'},
		{"latency-packets", required_argument, 0, 'l'},
		{"latency-load", required_argument, 0, 'L'},
		{"libsrtp-max-streams", required_argument, 0, 'M'},
		{"libsrtp-packets", required_argument, 0, 'B'},
		{"burst", required_argument, 0, 'b'},
		{"workers", required_argument, 0, 'w'},
		{"rtcp-percent", required_argument, 0, 'c'},
		{"loss", required_argument, 0, 'x'},
		{"reorder", required_argument, 0, 'y'},
		{"srtpedge", required_argument, 0, 'e'},
		{"quick", no_argument, 0, 'q'},
		{"json", no_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int c;
	bool streams_given = false;

	memset(o, 0, sizeof(*o));
	o->streams[0] = 1;
	o->streams[1] = 10000;
	o->streams[2] = 100000;
	o->nstreams = 3;
	o->suite = SRE_AES_CM_128_HMAC_SHA1_80;
	o->payload = 160;
	o->packets = 2000000;
	o->repeats = 5;
	o->latency_packets = 200000;
	o->latency_load = 50;
	o->libsrtp_max_streams = 10000;
	o->libsrtp_packets = 20000;
	dph_build_path(o->srtpedge, sizeof(o->srtpedge), "dataplane/srtpedge");
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		unsigned v, nv;
		int bad = 0;
		switch (c) {
		case 'n':
			bad = bench_parse_list(optarg, o->streams, 8, &o->nstreams);
			for (unsigned i = 0; !bad && i < o->nstreams; i++)
				bad = o->streams[i] == 0 ||
				      o->streams[i] > PORTS_PER_ADDR * MAX_ADDRS;
			streams_given = true;
			break;
		case 's':
			bad = sre_suite_from_name(optarg, &o->suite) != SRE_OK;
			break;
		case 'e':
			snprintf(o->srtpedge, sizeof(o->srtpedge), "%s", optarg);
			break;
		case 'q':
			o->quick = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			bench_dataplane_usage(stdout);
			exit(0);
		case 'p': case 'P': case 'r': case 'l': case 'L': case 'M': case 'B': case 'b':
		case 'w': case 'c': case 'x': case 'y':
			bad = bench_parse_list(optarg, &v, 1, &nv);
			if (bad)
				break;
			if (c == 'p') { bad = v < 16 || v > 1200; o->payload = v; }
			if (c == 'P') { bad = v < 1000; o->packets = v; }
			if (c == 'r') { bad = v == 0 || v > 64; o->repeats = v; }
			if (c == 'l') o->latency_packets = v;
			if (c == 'L') { bad = v == 0 || v > 100; o->latency_load = v; }
			if (c == 'M') o->libsrtp_max_streams = v;
			if (c == 'B') { bad = v == 0; o->libsrtp_packets = v; }
			if (c == 'b') { bad = v == 0 || v > 128; o->burst = v; }
			if (c == 'w') { bad = v == 0 || v > MAX_WORKERS; o->workers = v; }
			if (c == 'c') { bad = v > 100; o->rtcp_percent = v; }
			if (c == 'x') { bad = v > 50; o->loss_percent = v; }
			if (c == 'y') { bad = v > 50; o->reorder_percent = v; }
			break;
		default:
			bench_dataplane_usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "%s: bad value '%s' for %s\n", PROG, optarg,
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		return -1;
	}
	if (o->quick) {
		if (!streams_given) {
			o->streams[0] = 1;
			o->streams[1] = 1000;
			o->nstreams = 2;
		}
		o->packets = 20000;
		o->repeats = 1;
		o->latency_packets = 5000;
		o->libsrtp_packets = 5000;
	}
	if (o->rtcp_percent && o->payload % 4) {
		fprintf(stderr, "%s: --rtcp-percent needs a payload that is a multiple of 4 "
				"bytes (RTCP packets are whole 32-bit words)\n", PROG);
		return -1;
	}
	if (access(o->srtpedge, X_OK) != 0) {
		fprintf(stderr, "%s: %s: %s (--srtpedge PATH)\n", PROG, o->srtpedge,
			strerror(errno));
		return -1;
	}
	return 0;
}

int bench_dataplane_main(int argc, char **argv)
{
	struct dph_opts o;
	struct dph_bench b;
	struct bench_machine m;
	int failures = 0, rc = 2;
	bool eal_up = false;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	/* the table line by line, also into a pipe or a log */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dph_on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&b, 0, sizeof(b));
	b.prog = PROG;
	b.o = &o;
	b.tel = -1;
	for (unsigned i = 0; i < o.nstreams; i++)
		if (o.streams[i] > b.nmax)
			b.nmax = o.streams[i];
	snprintf(b.dir, sizeof(b.dir), "/tmp/srtpedge-bench.XXXXXX");
	if (mkdtemp(b.dir) == NULL) {
		fprintf(stderr, "%s: mkdtemp: %s\n", PROG, strerror(errno));
		return 2;
	}
	snprintf(b.prefix, sizeof(b.prefix), "srtpedge-bench-%d", (int)getpid());
	srand((unsigned)time(NULL));
	if (srtp_init() != srtp_err_status_ok || sre_engine_create(SRE_ARCH_AUTO, &b.engine) != SRE_OK) {
		fprintf(stderr, "%s: crypto set-up failed\n", PROG);
		goto out;
	}
	if (dph_streams_create(&b) != 0) {
		fprintf(stderr, "%s: cannot create %u streams\n", PROG, b.nmax);
		goto out;
	}
	if (dph_write_config(&b) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, b.dir, strerror(errno));
		goto out;
	}
	/* the frames of one run, their copy for the baselines */
	unsigned maxn = o.packets + b.nmax;
	if (o.latency_packets > maxn)
		maxn = o.latency_packets;
	b.stride = (HDR_LEN + RTP_HDR + o.payload + DPH_TRAILER_ROOM + 63) & ~(size_t)63;
	b.cap = maxn;
	b.frames = dph_big_alloc(b.cap * b.stride);
	b.work = dph_big_alloc(CHUNK * b.stride);
	b.len = calloc(b.cap, sizeof(*b.len));
	b.seen = calloc(b.cap, 1);
	b.sent_tsc_mem = calloc(b.cap, sizeof(uint64_t));
	b.lat = calloc(b.cap, sizeof(double));
	b.kind = calloc(b.cap, 1);
	b.orig = calloc(b.cap, sizeof(*b.orig));
	b.qlist = calloc(b.cap * dph_workers(&b), sizeof(*b.qlist));
	if (!b.frames || !b.work || !b.len || !b.seen || !b.sent_tsc_mem || !b.lat || !b.kind ||
	    !b.orig || !b.qlist) {
		fprintf(stderr, "%s: out of memory for %zu packets\n", PROG, b.cap);
		goto out;
	}
	/* memif: this side serves the sockets srtpedge connects to */
	if (dph_ports_start(&b) != 0)
		goto out;
	eal_up = true;
	if (dph_srtpedge_start(&b) != 0 || dph_links_wait(&b) != 0)
		goto out;
	if (dph_tel_open(&b) != 0)
		fprintf(stderr, "%s: the worker's busy share will not be shown\n", PROG);
	bench_machine_read(&m, sre_engine_arch_name(b.engine));
	if (!o.json) {
		printf("srtpedge-bench dataplane: %s, %u-byte payloads, one srtpedge worker "
		       "fed over net_memif; %s, IPsec-MB %s (%s)\n",
		       sre_suite_name(o.suite), o.payload, m.cpu, m.ipsec_mb, m.engine_arch);
		printf("Mpps: median [min-max] of %u run(s); busy: the share of the run srtpedge's "
		       "worker spent on polls that found packets (below 100%%: this generator, "
		       "not the worker, set the pace); dp/cr: the dataplane's share of crypto/ "
		       "alone; latency p50 / p99 / p99.9 in us at the offered rate\n",
		       o.repeats);
		printf("%8s | %-22s %5s | %-22s %6s | %-22s | %s\n", "streams",
		       "srtpedge-dataplane", "busy", "crypto/ alone", "dp/cr", "libsrtp2 alone",
		       "latency");
	}
	for (unsigned i = 0; i < o.nstreams && !dph_stop; i++)
		failures += run_streams(&b, o.streams[i], &m);
	if (dph_stop) {
		fprintf(stderr, "%s: interrupted\n", PROG);
		failures++;
	}
	rc = failures ? 1 : 0;
out:
	if (b.tel >= 0)
		close(b.tel);
	if (b.pid > 0) {
		int st = dph_srtpedge_stop(&b);
		if (st != 0) {
			fprintf(stderr, "%s: srtpedge exited with status %d\n", PROG, st);
			rc = rc ? rc : 1;
		}
		if (rc != 0 || !o.json) {
			/* its own count of what it received, sent and dropped */
			dph_log_print(&b, "srtpedge: packets");
			dph_log_print(&b, "srtpedge: worker");
			dph_log_print(&b, "srtpedge: dropped");
			dph_log_print(&b, "srtpedge:   ");
		}
	}
	if (eal_up) {
		for (int side = 0; side < 2; side++) {
			rte_eth_dev_stop(b.port[side]);
			rte_eth_dev_close(b.port[side]);
		}
		rte_eal_cleanup();
		char prefix[80];
		snprintf(prefix, sizeof(prefix), "%s-gen", b.prefix);
		dp_eal_remove_runtime_files(prefix);
	}
	dph_streams_destroy(&b);
	if (b.engine)
		sre_engine_destroy(b.engine);
	if (b.frames)
		munmap(b.frames, b.cap * b.stride);
	if (b.work)
		munmap(b.work, CHUNK * b.stride);
	free(b.len);
	free(b.seen);
	free(b.sent_tsc_mem);
	free(b.lat);
	free(b.kind);
	free(b.orig);
	free(b.qlist);
	char path[160];
	static const char *files[] = {"bench.ini", "sessions.ini", "srtpedge.log"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/%s", b.dir, files[i]);
		unlink(path);
	}
	rmdir(b.dir);
	return rc;
}
