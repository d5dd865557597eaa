/*
 * `srtpedge-bench report RESULTS.jsonl [--out DIR]`: one Markdown file
 * (DIR/report.md) with PNG plots drawn by gnuplot (packets per second
 * against streams, payload size and workers; the dataplane's latency
 * percentiles), the comparison tables and every result row, and the
 * machine's facts. Every figure in it is read from RESULTS, which it names;
 * nothing is typed in by hand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_json.h"
#include "bench_scenario.h"

#define SMAX 48   /* series per plot */
#define PMAX 32   /* points per series */

struct series {
	char name[160];
	unsigned n;
	double x[PMAX], y[PMAX], lo[PMAX], hi[PMAX];
	bool unstable[PMAX];
};

struct plot {
	const char *file;        /* basename, without extension */
	const char *title, *xlabel, *ylabel;
	bool logx, logy;
	struct series s[SMAX];
	unsigned ns;
	unsigned rows;           /* result rows drawn */
};

static const char *S(const struct jrow *r, const char *k)
{
	const char *v = jrow_str(r, k);
	return v ? v : "-";
}

static bool is_result(const struct jrow *r)
{
	const char *row = jrow_str(r, "row");
	return row == NULL || strcmp(row, "result") == 0;
}

static bool measured(const struct jrow *r)
{
	return is_result(r) && !jrow_get(r, "skipped") && !jrow_get(r, "failed") &&
	       jrow_num(r, "pps", 0) > 0;
}

static const char *engine_of(const struct jrow *r)
{
	const char *e = jrow_str(r, "engine");
	return e ? e : S(r, "impl");
}

/* The plain runs: no loss or reordering injected, unprotect of RTP,
 * at the engine's own pace; the crypto engines from their own command
 * (the dataplane command's crypto/ and libsrtp2 rows are on packets hot
 * in cache, listed in the tables only). */
static bool plain_row(const struct jrow *r)
{
	const char *bench = S(r, "bench");
	if (!measured(r) || strcmp(S(r, "op"), "unprotect") || strcmp(S(r, "kind"), "rtp"))
		return false;
	/* (a scenario's RTCP share is measured in runs of its own: its rtp
	 * rows are plain RTP runs) */
	if (jrow_num(r, "loss_injected_percent", 0) || jrow_num(r, "reorder_injected_percent", 0))
		return false;
	if (strcmp(bench, "dataplane") == 0)
		return strcmp(engine_of(r), "dataplane") == 0;
	return strcmp(bench, "crypto") == 0 || strcmp(bench, "-") == 0;
}

static void add_point(struct plot *p, const char *name, double x, const struct jrow *r,
		      double y, double lo, double hi)
{
	struct series *s = NULL;
	for (unsigned i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].name, name) == 0)
			s = &p->s[i];
	if (s == NULL) {
		if (p->ns >= SMAX)
			return;
		s = &p->s[p->ns++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	for (unsigned i = 0; i < s->n; i++)
		if (s->x[i] == x)
			return; /* the first run of a point is the one drawn */
	if (s->n >= PMAX)
		return;
	unsigned i = s->n++;
	/* keep x sorted */
	while (i > 0 && s->x[i - 1] > x) {
		s->x[i] = s->x[i - 1], s->y[i] = s->y[i - 1];
		s->lo[i] = s->lo[i - 1], s->hi[i] = s->hi[i - 1];
		s->unstable[i] = s->unstable[i - 1];
		i--;
	}
	s->x[i] = x, s->y[i] = y, s->lo[i] = lo, s->hi[i] = hi;
	s->unstable[i] = jrow_true(r, "unstable");
	p->rows++;
}

/* Writes DIR/NAME.dat and DIR/NAME.gp and runs gnuplot: 0 when the PNG was
 * drawn. Series with a single point are left out of line plots unless
 * nothing else is there. */
static int draw(const char *dir, struct plot *p, bool points_only)
{
	char path[PATH_MAX];
	unsigned drawn = 0;

	if (snprintf(path, sizeof(path), "%s/%s.dat", dir, p->file) >= (int)sizeof(path))
		return -1;
	FILE *d = fopen(path, "w");
	if (d == NULL)
		return -1;
	fprintf(d, "# %s: x, median, min, max (blocks: series, in the order of the .gp)\n",
		p->title);
	bool used[SMAX] = {0};
	for (unsigned i = 0; i < p->ns; i++) {
		if (p->s[i].n < 2 && !points_only)
			continue;
		used[i] = true;
		fprintf(d, "# %s\n", p->s[i].name);
		for (unsigned k = 0; k < p->s[i].n; k++)
			fprintf(d, "%g %g %g %g\n", p->s[i].x[k], p->s[i].y[k], p->s[i].lo[k],
				p->s[i].hi[k]);
		fprintf(d, "\n\n");
		drawn++;
	}
	fclose(d);
	if (drawn == 0)
		return 1;
	if (snprintf(path, sizeof(path), "%s/%s.gp", dir, p->file) >= (int)sizeof(path))
		return -1;
	FILE *g = fopen(path, "w");
	if (g == NULL)
		return -1;
	fprintf(g, "set terminal pngcairo size 1000,600 font ',10' noenhanced\n"
		   "set output '%s/%s.png'\nset title '%s'\nset xlabel '%s'\nset ylabel '%s'\n"
		   "set grid\nset key outside right top\n%s%s",
		dir, p->file, p->title, p->xlabel, p->ylabel, p->logx ? "set logscale x\n" : "",
		p->logy ? "set logscale y\n" : "");
	fprintf(g, "plot ");
	unsigned idx = 0, k = 0;
	for (unsigned i = 0; i < p->ns; i++) {
		if (!used[i])
			continue;
		fprintf(g, "%s'%s/%s.dat' index %u using 1:2:3:4 with yerrorlines title '%s'",
			k ? ", \\\n     " : "", dir, p->file, idx, p->s[i].name);
		idx++, k++;
	}
	fprintf(g, "\n");
	fclose(g);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>&1", path);
	FILE *o = popen(cmd, "r");
	char line[512];
	while (o && fgets(line, sizeof(line), o))
		fprintf(stderr, "gnuplot: %s", line);
	int rc = o ? pclose(o) : -1;
	return rc == 0 ? 0 : -1;
}

static void fmt_mpps(char *buf, size_t len, const struct jrow *r)
{
	if (!r) {
		snprintf(buf, len, "-");
		return;
	}
	if (jrow_get(r, "skipped")) {
		snprintf(buf, len, "skipped");
		return;
	}
	if (jrow_get(r, "failed")) {
		snprintf(buf, len, "FAILED");
		return;
	}
	/* an unstable row shows its range first: no bare figure */
	if (jrow_true(r, "unstable"))
		snprintf(buf, len, "~ unstable [%.3g–%.3g] (median %.3g)",
			 jrow_num(r, "pps_min", 0) / 1e6, jrow_num(r, "pps_max", 0) / 1e6,
			 jrow_num(r, "pps", 0) / 1e6);
	else
		snprintf(buf, len, "%.3g [%.3g–%.3g]", jrow_num(r, "pps", 0) / 1e6,
			 jrow_num(r, "pps_min", 0) / 1e6, jrow_num(r, "pps_max", 0) / 1e6);
}

static void fmt_num(char *buf, size_t len, const struct jrow *r, const char *k,
		    const char *fmt, double scale)
{
	if (r && jrow_has_num(r, k))
		snprintf(buf, len, fmt, jrow_num(r, k, 0) * scale);
	else
		snprintf(buf, len, "-");
}

/* `median [min–max]` of field k (its range in k_min and k_max; pps's in
 * pps_min and pps_max), or the bare figure of a row that has no range. With
 * `flag`, a field whose own runs spread over the threshold in a row marked
 * unstable shows its range first, as fmt_mpps does: the row's spread is its
 * widest field's (perf/rtpengine.sh), and only that field is in doubt. */
static void fmt_range(char *buf, size_t len, const struct jrow *r, const char *k,
		      const char *fmt, bool flag)
{
	char kmin[48], kmax[48], a[32], b[32], m[32];
	snprintf(kmin, sizeof(kmin), "%s_min", k);
	snprintf(kmax, sizeof(kmax), "%s_max", k);
	fmt_num(m, sizeof(m), r, k, fmt, 1);
	if (!r || !jrow_has_num(r, k) || !jrow_has_num(r, kmin) || !jrow_has_num(r, kmax)) {
		snprintf(buf, len, "%s", m);
		return;
	}
	fmt_num(a, sizeof(a), r, kmin, fmt, 1);
	fmt_num(b, sizeof(b), r, kmax, fmt, 1);
	double med = jrow_num(r, k, 0);
	if (flag && jrow_true(r, "unstable") && med > 0 &&
	    (jrow_num(r, kmax, 0) - jrow_num(r, kmin, 0)) / med > BENCH_UNSTABLE_SPREAD)
		snprintf(buf, len, "~ unstable [%s–%s] (median %s)", a, b, m);
	else
		snprintf(buf, len, "%s [%s–%s]", m, a, b);
}

/* A comparison group: one scenario/suite/payload/streams/workers. */
struct group {
	const struct jrow *dp, *cr, *lib, *raw;
};

static bool same_point(const struct jrow *a, const struct jrow *b)
{
	return strcmp(S(a, "scenario"), S(b, "scenario")) == 0 &&
	       strcmp(S(a, "suite"), S(b, "suite")) == 0 &&
	       jrow_num(a, "payload", 0) == jrow_num(b, "payload", 0) &&
	       jrow_num(a, "streams", 0) == jrow_num(b, "streams", 0) &&
	       jrow_num(a, "workers", 1) == jrow_num(b, "workers", 1) &&
	       strcmp(S(a, "op"), S(b, "op")) == 0 && strcmp(S(a, "kind"), S(b, "kind")) == 0;
}

static void ratio(char *buf, size_t len, const struct jrow *a, const struct jrow *b,
		  const char *fmt, double scale)
{
	if (a && b && measured(a) && measured(b))
		snprintf(buf, len, fmt, scale * jrow_num(a, "pps", 0) / jrow_num(b, "pps", 0),
			 (jrow_true(a, "unstable") || jrow_true(b, "unstable")) ? " ~" : "");
	else
		snprintf(buf, len, "-");
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench report RESULTS.jsonl [--out DIR]\n"
"\n"
"Writes DIR/report.md (default: the directory of RESULTS) from the JSON lines\n"
"of `srtpedge-bench run --out` or `sweep --out`: the machine's facts, the\n"
"scenarios, the comparison tables (dataplane, crypto/, libsrtp2, raw\n"
"IPsec-MB; rtpengine when measured), PNG plots drawn by gnuplot (pps\n"
"against streams, payload and workers; latency percentiles) with their .dat\n"
"and .gp files, and every result row. Every figure comes from RESULTS.\n"
"\n"
"Exit status: 0; 1 when gnuplot failed or is missing (the report is still\n"
"written, without plots); 2 on bad usage or input.\n");
}

int bench_report_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *out = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *results = argv[optind];
	struct jrow *rows;
	int n = jrows_load(results, &rows);
	if (n < 0)
		return 2;
	char dir[PATH_MAX];
	if (out) {
		snprintf(dir, sizeof(dir), "%s", out);
	} else {
		snprintf(dir, sizeof(dir), "%s", results);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "srtpedge-bench report: %s: %s\n", dir, strerror(errno));
		free(rows);
		return 2;
	}
	const struct jrow *machine = NULL;
	unsigned nres = 0, nmeas = 0, nunst = 0, nskip = 0, nfail = 0;
	for (int i = 0; i < n; i++) {
		if (!machine && jrow_str(&rows[i], "row") &&
		    strcmp(jrow_str(&rows[i], "row"), "machine") == 0)
			machine = &rows[i];
		if (!is_result(&rows[i]))
			continue;
		nres++;
		nmeas += measured(&rows[i]);
		nunst += measured(&rows[i]) && jrow_true(&rows[i], "unstable");
		nskip += jrow_get(&rows[i], "skipped") != NULL;
		nfail += jrow_get(&rows[i], "failed") != NULL;
	}
	if (nres == 0) {
		fprintf(stderr, "srtpedge-bench report: %s: no result rows\n", results);
		free(rows);
		return 2;
	}

	/* ---- plots ---- */
	static struct plot plots[4];
	memset(plots, 0, sizeof(plots));
	plots[0] = (struct plot){.file = "pps-streams", .title = "Packets per second against streams (unprotect, RTP, 1 worker; median, bars min-max)",
				 .xlabel = "streams", .ylabel = "packets per second", .logx = true, .logy = true};
	plots[1] = (struct plot){.file = "pps-payload", .title = "Packets per second against payload size (unprotect, RTP, 1 worker; median, bars min-max)",
				 .xlabel = "payload bytes", .ylabel = "packets per second", .logy = true};
	plots[2] = (struct plot){.file = "pps-workers", .title = "Packets per second against workers (unprotect, RTP; median, bars min-max)",
				 .xlabel = "workers", .ylabel = "packets per second", .logy = true};
	plots[3] = (struct plot){.file = "latency", .title = "srtpedge dataplane latency, send to receipt (at the offered load of each row)",
				 .xlabel = "streams", .ylabel = "microseconds", .logx = true, .logy = true};
	for (int i = 0; i < n; i++) {
		const struct jrow *r = &rows[i];
		char name[160];
		if (!plain_row(r))
			continue;
		double y = jrow_num(r, "pps", 0), lo = jrow_num(r, "pps_min", y),
		       hi = jrow_num(r, "pps_max", y);
		double w = jrow_num(r, "workers", 1);
		if (w == 1) {
			snprintf(name, sizeof(name), "%s %s %.0fB", engine_of(r), S(r, "suite"),
				 jrow_num(r, "payload", 0));
			add_point(&plots[0], name, jrow_num(r, "streams", 0), r, y, lo, hi);
			snprintf(name, sizeof(name), "%s %s %.0f streams", engine_of(r), S(r, "suite"),
				 jrow_num(r, "streams", 0));
			add_point(&plots[1], name, jrow_num(r, "payload", 0), r, y, lo, hi);
		}
		snprintf(name, sizeof(name), "%s %s %.0fB %.0f streams", engine_of(r), S(r, "suite"),
			 jrow_num(r, "payload", 0), jrow_num(r, "streams", 0));
		add_point(&plots[2], name, w, r, y, lo, hi);
		if (strcmp(engine_of(r), "dataplane") == 0 && jrow_has_num(r, "latency_p50_us") &&
		    w == 1) {
			static const char *pk[] = {"latency_p50_us", "latency_p99_us", "latency_p999_us"};
			static const char *pn[] = {"p50", "p99", "p99.9"};
			for (int q = 0; q < 3; q++) {
				double v = jrow_num(r, pk[q], 0);
				snprintf(name, sizeof(name), "%s %s %.0fB", pn[q], S(r, "suite"),
					 jrow_num(r, "payload", 0));
				add_point(&plots[3], name, jrow_num(r, "streams", 0), r, v, v, v);
			}
		}
	}
	int plot_rc[4];
	bool gnuplot_failed = false;
	for (int i = 0; i < 4; i++) {
		plot_rc[i] = draw(dir, &plots[i], i == 3);
		gnuplot_failed |= plot_rc[i] < 0;
	}

	/* ---- the Markdown ---- */
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/report.md", dir) >= (int)sizeof(path)) {
		free(rows);
		return 2;
	}
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "srtpedge-bench report: %s: %s\n", path, strerror(errno));
		free(rows);
		return 2;
	}
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	fprintf(f, "# SRTP Edge: benchmark report\n\n");
	fprintf(f, "Every figure below is read from `%s` (%u result rows: %u measured, of which "
		   "%u unstable; %u skipped; %u failed), written by `%s` at commit `%s` on %s. "
		   "This page was made by `srtpedge-bench report %s` on %s. How to read it and "
		   "how to make it again: `perf/README.md`.\n\n",
		results, nres, nmeas, nunst, nskip, nfail,
		machine ? S(machine, "command") : "(no machine row)",
		machine ? S(machine, "commit") : "?", machine ? S(machine, "date") : "?",
		results, when);
	fprintf(f, "Figures are packets per second in millions (Mpps): the median of the "
		   "runs, then [min–max]. A row whose runs spread more than 25 %% of the "
		   "median is shown as `~ unstable [min–max]` instead of a figure: the machine "
		   "was busy; run it again before trusting it.\n\n");

	fprintf(f, "## Machine\n\n| fact | value |\n| --- | --- |\n");
	if (machine) {
		static const char *mk[][2] = {
			{"cpu", "CPU"}, {"cpu_flags", "CPU flags (crypto-relevant)"},
			{"ipsec_mb", "IPsec-MB version"}, {"ipsec_mb_arch", "IPsec-MB architecture in use"},
			{"dpdk", "DPDK"}, {"libsrtp", "libsrtp"}, {"kernel", "kernel"},
			{"pinning", "core pinning"}};
		for (size_t i = 0; i < sizeof(mk) / sizeof(*mk); i++)
			fprintf(f, "| %s | %s |\n", mk[i][1], S(machine, mk[i][0]));
		fprintf(f, "| CPUs online | %.0f |\n", jrow_num(machine, "cpus", 0));
		fprintf(f, "| TSC | %.3f GHz |\n", jrow_num(machine, "tsc_hz", 0) / 1e9);
		fprintf(f, "| memory | %.1f GiB |\n", jrow_num(machine, "mem_total_kb", 0) / 1048576);
		fprintf(f, "| hugepages | %.0f × %.0f kB reserved, %.0f free at the start; "
			   "hugetlbfs %s |\n",
			jrow_num(machine, "hugepages_total", 0), jrow_num(machine, "hugepage_kb", 0),
			jrow_num(machine, "hugepages_free", 0),
			jrow_true(machine, "hugetlbfs_mounted") ? "mounted" : "not mounted");
	} else {
		fprintf(f, "| (none) | %s has no machine row |\n", results);
	}

	fprintf(f, "\n## Scenarios\n\n| scenario | what | engines | packets per run (dataplane / crypto) | runs | "
		   "quick | time (s) | failures |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; i < n; i++) {
		const struct jrow *r = &rows[i];
		if (!jrow_str(r, "row") || strcmp(jrow_str(r, "row"), "scenario"))
			continue;
		bool only_rtpe = strcmp(S(r, "engines"), "rtpengine") == 0;
		char pk[32] = "-", rp[16] = "1";
		if (!only_rtpe) {
			snprintf(pk, sizeof(pk), "%.0f / %.0f", jrow_num(r, "packets", 0),
				 jrow_num(r, "crypto_packets", 0));
			snprintf(rp, sizeof(rp), "%.0f", jrow_num(r, "repeats", 0));
		}
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %.1f | %.0f |\n", S(r, "scenario"),
			S(r, "description"), S(r, "engines"), pk, rp,
			jrow_true(r, "quick") ? "yes" : "no", jrow_num(r, "elapsed_s", 0),
			jrow_num(r, "failures", 0));
	}

	/* comparison: dataplane vs crypto/ vs libsrtp2 vs the ceiling */
	fprintf(f, "\n## The appliance against the crypto limit and libsrtp2\n\n"
		   "Per scenario, suite, payload, streams and workers (unprotect unless said): "
		   "the srtpedge dataplane (receive, unprotect, rewrite, transmit over "
		   "net_memif), `crypto/` alone, Debian's libsrtp2 and IPsec-MB doing only the "
		   "cipher and MAC jobs (`ipsec-mb-raw`), each from the crypto command's own "
		   "run except the dataplane. `dp/raw` is the share of the crypto limit the "
		   "appliance reaches, `crypto/raw` the library's, `crypto/lib` the library "
		   "over libsrtp2. `~`: one side unstable.\n\n");
	fprintf(f, "| scenario | suite | op | kind | payload | streams | workers | dataplane Mpps | "
		   "crypto/ Mpps | libsrtp2 Mpps | raw Mpps | dp/raw | crypto/raw | crypto/lib |\n"
		   "| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- | ---: | "
		   "---: | ---: |\n");
	bool *done = calloc((size_t)n, sizeof(bool));
	for (int i = 0; i < n; i++) {
		const struct jrow *r = &rows[i];
		if (done[i] || !is_result(r) || strcmp(S(r, "bench"), "rtpengine") == 0)
			continue;
		/* the dataplane command's own crypto/ and libsrtp2 rows (packets
		 * hot in cache) are in the full tables, not here */
		if (strcmp(S(r, "bench"), "dataplane") == 0 && strcmp(engine_of(r), "dataplane"))
			continue;
		struct group g = {0};
		for (int j = i; j < n; j++) {
			const struct jrow *x = &rows[j];
			if (!is_result(x) || !same_point(r, x))
				continue;
			const char *e = engine_of(x), *b = S(x, "bench");
			bool from_crypto = strcmp(b, "dataplane") != 0;
			if (strcmp(e, "dataplane") == 0 && !g.dp)
				g.dp = x, done[j] = true;
			else if (strcmp(e, "crypto") == 0 && from_crypto && !g.cr)
				g.cr = x, done[j] = true;
			else if (strcmp(e, "libsrtp2") == 0 && from_crypto && !g.lib)
				g.lib = x, done[j] = true;
			else if (strcmp(e, "ipsec-mb-raw") == 0 && !g.raw)
				g.raw = x, done[j] = true;
		}
		if (!g.dp && !g.cr && !g.lib && !g.raw)
			continue;
		char a[4][80], q[3][32];
		fmt_mpps(a[0], sizeof(a[0]), g.dp);
		fmt_mpps(a[1], sizeof(a[1]), g.cr);
		fmt_mpps(a[2], sizeof(a[2]), g.lib);
		fmt_mpps(a[3], sizeof(a[3]), g.raw);
		ratio(q[0], sizeof(q[0]), g.dp, g.raw, "%.0f %%%s", 100);
		ratio(q[1], sizeof(q[1]), g.cr, g.raw, "%.0f %%%s", 100);
		ratio(q[2], sizeof(q[2]), g.cr, g.lib, "%.1f×%s", 1);
		fprintf(f, "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s |\n",
			S(r, "scenario"), S(r, "suite"), S(r, "op"), S(r, "kind"),
			jrow_num(r, "payload", 0), jrow_num(r, "streams", 0), jrow_num(r, "workers", 1),
			a[0], a[1], a[2], a[3], q[0], q[1], q[2]);
	}
	free(done);

	/* rtpengine */
	bool any_rtpengine = false;
	for (int i = 0; i < n; i++)
		any_rtpengine |= is_result(&rows[i]) && strcmp(S(&rows[i], "bench"), "rtpengine") == 0;
	if (any_rtpengine) {
		fprintf(f, "\n## On the same wire: srtpedge and rtpengine\n\n"
			   "Both fed the same SRTP load (perf/rtpengine.sh: srtp-load in a network "
			   "namespace, over veth pairs; rtpengine in userspace mode set up over its "
			   "ng protocol with SDES, SRTP in, RTP out). `received pps` is what came out "
			   "the other side over the sending time; `cpu s/Mpkt` is the relay's CPU "
			   "seconds (user + system of the whole process, from /proc/PID/stat) per "
			   "million packets received: for srtpedge that includes its poll-mode "
			   "worker spinning between packets. Each figure is the median of the "
			   "point's `runs`, each on sessions of its own, then [min–max]; where "
			   "the runs' received pps or CPU per packet spread more than 25 %% of "
			   "the median, that column shows `~ unstable` and its range instead of "
			   "a figure.\n\n"
			   "| engine | suite | payload | streams | offered pps | runs | received pps | "
			   "loss | cpu s/Mpkt | note |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | "
			   "---: | ---: | --- |\n");
		for (int i = 0; i < n; i++) {
			const struct jrow *r = &rows[i];
			if (!is_result(r) || strcmp(S(r, "bench"), "rtpengine"))
				continue;
			char off[32], runs[16], pps[128], loss[128], cpu[128];
			fmt_num(off, sizeof(off), r, "offered_pps", "%.0f", 1);
			if (jrow_str(r, "offered"))
				snprintf(off, sizeof(off), "%s", jrow_str(r, "offered"));
			fmt_num(runs, sizeof(runs), r, "runs", "%.0f", 1);
			fmt_range(pps, sizeof(pps), r, "pps", "%.0f", true);
			fmt_range(loss, sizeof(loss), r, "loss", "%.4f", false);
			fmt_range(cpu, sizeof(cpu), r, "cpu_s_per_mpkt", "%.2f", true);
			const char *note = jrow_str(r, "skipped") ? jrow_str(r, "skipped")
				       : jrow_str(r, "failed") ? jrow_str(r, "failed")
							       : jrow_str(r, "note") ? jrow_str(r, "note") : "";
			fprintf(f, "| %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s |\n",
				engine_of(r), S(r, "suite"), jrow_num(r, "payload", 0),
				jrow_num(r, "streams", 0), off, runs, pps, loss, cpu, note);
		}
	}

	/* plots */
	fprintf(f, "\n## Plots\n\n");
	static const char *what[4] = {
		"Result rows of `%s` with op unprotect, kind rtp, one worker, nothing injected "
		"(the crypto engines' rows from their own command); one line per engine, "
		"suite and payload with two stream counts or more.",
		"The same rows, one line per engine, suite and stream count with two payload "
		"sizes or more.",
		"The same rows at every worker count, one line per engine, suite, payload and "
		"stream count with two worker counts or more (the crypto engines: one process per "
		"worker, pinned, packets per second summed; the dataplane: srtpedge with that many "
		"workers, each fed on its own queue; workers beyond the machine's CPUs less one "
		"share CPUs with the generator).",
		"The dataplane rows' latency_p50_us, latency_p99_us and latency_p999_us (from "
		"send to receipt through srtpedge, paced at the row's latency_pps, a share of "
		"the rate its own runs measured: when that rate was measured high on a busy "
		"machine, the paced run queues in memif's rings and the latency is milliseconds; "
		"the tables give each row's offered rate)."};
	for (int i = 0; i < 4; i++) {
		fprintf(f, "### %s\n\n", plots[i].title);
		if (plot_rc[i] == 0)
			fprintf(f, "![%s](%s.png)\n\n", plots[i].file, plots[i].file);
		else if (plot_rc[i] == 1)
			fprintf(f, "(no series with enough points in this file)\n\n");
		else
			fprintf(f, "(gnuplot failed or is missing: the data is in `%s.dat`)\n\n",
				plots[i].file);
		fprintf(f, what[i], results);
		fprintf(f, " Data: `%s.dat`, script: `%s.gp`.\n\n", plots[i].file, plots[i].file);
	}

	/* every row */
	fprintf(f, "## Every result row\n\n"
		   "`bench` is the command that measured the row: `crypto` (one core, packets "
		   "in memory), `dataplane` (srtpedge over net_memif, with crypto/ and libsrtp2 "
		   "on the same packets hot in cache), `rtpengine` (perf/rtpengine.sh). "
		   "Latency is measured by the dataplane and rtpengine runs only. `cpu s/Mpkt`: CPU "
		   "seconds per million packets (crypto engines: the busy core's; dataplane: the "
		   "worker's busy share; rtpengine: its user + system time). `loss`: the share of "
		   "the packets sent that did not come out, or failed verification.\n\n");
	const char *cur = "";
	for (int i = 0; i < n; i++) {
		const struct jrow *r = &rows[i];
		if (!is_result(r))
			continue;
		if (strcmp(cur, S(r, "scenario"))) {
			cur = S(r, "scenario");
			fprintf(f, "\n### %s\n\n| bench | engine | suite | op | kind | payload | streams | "
				   "workers | Mpps median [min–max] | cycles/pkt | latency µs p50 / p99 / "
				   "p99.9 @ offered | cpu s/Mpkt | loss | note |\n| --- | --- | --- | --- | --- | ---: | "
				   "---: | ---: | --- | ---: | --- | ---: | ---: | --- |\n",
				cur);
		}
		char mp[80], cyc[32], lat[64] = "-", cpu[32], loss[32];
		fmt_mpps(mp, sizeof(mp), r);
		fmt_num(cyc, sizeof(cyc), r, "cycles_per_packet", "%.0f", 1);
		if (jrow_has_num(r, "latency_p50_us"))
			snprintf(lat, sizeof(lat), "%.1f / %.1f / %.1f @ %.2f Mpps",
				 jrow_num(r, "latency_p50_us", 0), jrow_num(r, "latency_p99_us", 0),
				 jrow_num(r, "latency_p999_us", 0), jrow_num(r, "latency_pps", 0) / 1e6);
		fmt_num(cpu, sizeof(cpu), r, "cpu_s_per_mpkt", "%.3f", 1);
		fmt_num(loss, sizeof(loss), r, "loss", "%.4f", 1);
		const char *note = jrow_str(r, "skipped") ? jrow_str(r, "skipped")
			       : jrow_str(r, "failed") ? jrow_str(r, "failed")
			       : jrow_str(r, "error") ? jrow_str(r, "error") : "";
		char extra[96] = "";
		if (jrow_num(r, "loss_injected_percent", 0) || jrow_num(r, "reorder_injected_percent", 0))
			snprintf(extra, sizeof(extra), "%.0f %% lost, %.0f %% reordered on the way in. ",
				 jrow_num(r, "loss_injected_percent", 0),
				 jrow_num(r, "reorder_injected_percent", 0));
		fprintf(f, "| %s | %s | %s | %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s | %s%s |\n",
			S(r, "bench"), engine_of(r), S(r, "suite"), S(r, "op"), S(r, "kind"),
			jrow_num(r, "payload", 0), jrow_num(r, "streams", 0), jrow_num(r, "workers", 1),
			mp, cyc, lat, cpu, loss, extra, note);
	}
	fclose(f);
	free(rows);
	fprintf(stderr, "srtpedge-bench report: wrote %s%s\n", path,
		gnuplot_failed ? " (some plots failed: is gnuplot installed?)" : "");
	return gnuplot_failed ? 1 : 0;
}
