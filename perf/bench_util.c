/*
 * srtpedge-bench shared pieces: TSC calibration, statistics, machine facts
 * and JSON output (see bench.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include "bench.h"
#include "srtp_edge.h"

double bench_tsc_hz(void)
{
	static double hz;
	struct timespec a, b;

	if (hz > 0)
		return hz;
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	uint64_t t0 = bench_tsc();
	do {
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) <
		 200000000L);
	uint64_t t1 = bench_tsc();
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 +
		    (double)(b.tv_nsec - a.tv_nsec);
	hz = (double)(t1 - t0) * 1e9 / ns;
	return hz;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct bench_stats bench_stats_of(double *v, unsigned n)
{
	struct bench_stats s = {0, 0, 0, n};

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

void bench_machine_read(struct bench_machine *m, const char *engine_arch)
{
	static const char *wanted[] = {"aes", "avx2", "avx512f", "vaes",
				       "vpclmulqdq", "sha_ni", "gfni"};
	char line[8192];

	memset(m, 0, sizeof(*m));
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0 && m->cpu[0] == 'u') {
			char *c = strchr(line, ':');
			if (c) {
				c += 2;
				c[strcspn(c, "\n")] = 0;
				snprintf(m->cpu, sizeof(m->cpu), "%s", c);
			}
		} else if (strncmp(line, "flags", 5) == 0 && !m->flags[0]) {
			for (size_t i = 0; i < sizeof(wanted) / sizeof(*wanted); i++) {
				char pat[32];
				snprintf(pat, sizeof(pat), " %s ", wanted[i]);
				line[strcspn(line, "\n")] = ' ';
				if (strstr(line, pat)) {
					size_t l = strlen(m->flags);
					snprintf(m->flags + l, sizeof(m->flags) - l,
						 "%s%s", l ? " " : "", wanted[i]);
				}
			}
		}
	}
	if (f)
		fclose(f);
	snprintf(m->ipsec_mb, sizeof(m->ipsec_mb), "%s", sre_ipsec_mb_version());
	snprintf(m->engine_arch, sizeof(m->engine_arch), "%s", engine_arch);
	snprintf(m->libsrtp, sizeof(m->libsrtp), "%s", srtp_get_version_string());
	m->cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}

void bench_print_json(FILE *f, const struct bench_result *r,
		      const struct bench_machine *m)
{
	fprintf(f,
		"{\"impl\":\"%s\",\"suite\":\"%s\",\"op\":\"%s\",\"kind\":\"%s\","
		"\"payload\":%u,\"streams\":%u,\"burst\":%u,\"packets\":%u,",
		r->impl, r->suite, r->op, r->kind, r->payload, r->streams,
		r->burst, r->packets);
	if (r->skipped) {
		fprintf(f, "\"skipped\":\"%s\",", r->skipped);
	} else {
		fprintf(f,
			"\"pps\":%.0f,\"pps_min\":%.0f,\"pps_max\":%.0f,"
			"\"cycles_per_packet\":%.1f,\"cycles_min\":%.1f,"
			"\"cycles_max\":%.1f,\"runs\":%u,\"spread\":%.3f,",
			r->pps, r->pps_min, r->pps_max, r->cycles.median,
			r->cycles.min, r->cycles.max, r->cycles.runs, r->spread);
		if (r->lat_pps > 0)
			fprintf(f, "\"latency_pps\":%.0f,\"latency_p50_ns\":%.0f,"
				   "\"latency_p99_ns\":%.0f,\"latency_p999_ns\":%.0f,",
				r->lat_pps, r->lat_p50_ns, r->lat_p99_ns, r->lat_p999_ns);
		if (r->worker_busy > 0)
			fprintf(f, "\"worker_busy\":%.3f,", r->worker_busy);
		if (r->workers > 0)
			fprintf(f, "\"workers\":%u,\"rtcp_share\":%.4f,\"loss_injected\":%.4f,"
				   "\"reorder_injected\":%.4f,", r->workers, r->rtcp_share,
				r->loss_injected, r->reorder_injected);
	}
	fprintf(f,
		"\"cpu\":\"%s\",\"ipsec_mb\":\"%s\",\"ipsec_mb_arch\":\"%s\","
		"\"tsc_hz\":%.0f}\n",
		m->cpu, m->ipsec_mb, m->engine_arch, bench_tsc_hz());
	fflush(f);
}

int bench_parse_list(const char *arg, unsigned *out, unsigned cap, unsigned *n)
{
	char *copy = strdup(arg), *save = NULL;
	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(t, &end, 10);
		if (*t == 0 || *end != 0 || errno || v > 10000000 || *n >= cap) {
			free(copy);
			return -1;
		}
		out[(*n)++] = (unsigned)v;
	}
	free(copy);
	return *n > 0 ? 0 : -1;
}
