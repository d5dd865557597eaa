/*
 * srtpedge-bench shared pieces: TSC timing, run statistics, the machine
 * facts printed with every result, and the result record each benchmark
 * emits as a table row or a JSON line.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <x86intrin.h>

static inline uint64_t bench_tsc(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

/* TSC ticks per second, measured once against CLOCK_MONOTONIC. */
double bench_tsc_hz(void);

struct bench_stats {
	double median, min, max; /* of the per-run values */
	unsigned runs;
};
/* Median/min/max of n values (the array is sorted in place). */
struct bench_stats bench_stats_of(double *v, unsigned n);

struct bench_machine {
	char cpu[128];
	char flags[256];      /* the crypto-relevant CPU flags present */
	char ipsec_mb[32];
	char engine_arch[32];
	char libsrtp[64];
	unsigned cpus;
};
void bench_machine_read(struct bench_machine *m, const char *engine_arch);

/* One measured row. cycles are TSC cycles per packet. */
struct bench_result {
	const char *impl;     /* "srtpedge", "libsrtp2", "ipsec-mb-raw" */
	const char *suite;
	const char *op;       /* "protect" / "unprotect" */
	const char *kind;     /* "rtp" / "rtcp" */
	unsigned payload;
	unsigned streams;
	unsigned burst;
	unsigned packets;     /* per run */
	struct bench_stats cycles;
	double pps;           /* at the median */
	double pps_min, pps_max;
	double spread;        /* (max - min) / median of cycles */
	const char *skipped;  /* reason, or NULL */
	/* dataplane rows: packets from send to receipt through srtpedge at
	 * lat_pps offered (0 = not measured) */
	double lat_pps, lat_p50_ns, lat_p99_ns, lat_p999_ns;
	/* dataplane rows: the share of the run the workers were busy (0 = not
	 * measured) */
	double worker_busy;
	/* dataplane rows (0: not said): srtpedge's workers, the SRTCP share of
	 * the packets, the shares dropped and swapped before srtpedge */
	unsigned workers;
	double rtcp_share, loss_injected, reorder_injected;
};

/* "1,10,100" into out[0..cap); -1 when malformed, empty or too long. */
int bench_parse_list(const char *arg, unsigned *out, unsigned cap, unsigned *n);

void bench_print_json(FILE *f, const struct bench_result *r,
		      const struct bench_machine *m);

#endif
