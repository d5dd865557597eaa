/*
 * `srtpedge-bench compare OLD.json NEW.json [--threshold PCT]`: matches the
 * result rows of two runs (JSON lines from `run`, `sweep`, or the crypto
 * and dataplane commands' --json) by what they measured — scenario, bench,
 * engine, suite, op, kind, payload, streams, workers, offered rate — and
 * prints the change of packets per second per row. Exit 1 when a row got
 * slower than the threshold, 2 on bad input.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_json.h"
#include "bench_scenario.h"

static const char *key_str[] = {"scenario", "bench", "engine", "suite", "op", "kind"};
static const char *key_num[] = {"payload", "streams", "workers", "offered_pps"};

static const char *engine_of(const struct jrow *r)
{
	const char *e = jrow_str(r, "engine");
	return e ? e : jrow_str(r, "impl");
}

static void row_key(const struct jrow *r, char *buf, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < sizeof(key_str) / sizeof(*key_str); i++) {
		const char *v = i == 2 ? engine_of(r) : jrow_str(r, key_str[i]);
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "/" : "", v ? v : "-");
	}
	for (size_t i = 0; i < sizeof(key_num) / sizeof(*key_num) && o < len; i++) {
		const char *n = key_num[i];
		if (strcmp(n, "workers") == 0)
			o += (size_t)snprintf(buf + o, len - o, "/w%.0f", jrow_num(r, n, 1));
		else if (strcmp(n, "offered_pps") == 0) {
			if (jrow_has_num(r, n))
				o += (size_t)snprintf(buf + o, len - o, "/@%.0f", jrow_num(r, n, 0));
		} else
			o += (size_t)snprintf(buf + o, len - o, "/%.0f", jrow_num(r, n, 0));
	}
}

static bool is_result(const struct jrow *r)
{
	const char *row = jrow_str(r, "row");
	return row == NULL || strcmp(row, "result") == 0;
}

static bool is_measured(const struct jrow *r)
{
	return !jrow_get(r, "skipped") && !jrow_get(r, "failed");
}

/* Loads a file and checks its result rows; -1 on bad input. */
static int load(const char *path, struct jrow **rows, unsigned *nresults)
{
	int n = jrows_load(path, rows);
	if (n < 0)
		return -1;
	*nresults = 0;
	for (int i = 0; i < n; i++) {
		const struct jrow *r = &(*rows)[i];
		if (!is_result(r))
			continue;
		if (!engine_of(r) || !jrow_str(r, "suite") || !jrow_has_num(r, "streams") ||
		    !jrow_has_num(r, "payload")) {
			fprintf(stderr, "srtpedge-bench compare: %s: row %d lacks engine/impl, "
					"suite, payload or streams\n", path, i + 1);
			return -1;
		}
		if (is_measured(r) && (!jrow_has_num(r, "pps") || !(jrow_num(r, "pps", 0) > 0))) {
			fprintf(stderr, "srtpedge-bench compare: %s: row %d has no positive pps "
					"(and is not marked skipped or failed)\n", path, i + 1);
			return -1;
		}
		(*nresults)++;
	}
	if (*nresults == 0) {
		fprintf(stderr, "srtpedge-bench compare: %s: no result rows\n", path);
		return -1;
	}
	return n;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench compare OLD.json NEW.json [--threshold PCT]\n"
"\n"
"Matches the result rows of two runs (JSON lines of run, sweep, crypto or\n"
"dataplane) by scenario/bench/engine/suite/op/kind/payload/streams/workers\n"
"(and offered rate) and prints, per row, packets per second before and\n"
"after and the change. A row slower by more than PCT %% (default 10) is a\n"
"regression. '~' marks a row whose runs spread over 25 %% on either side\n"
"(judge it after a rerun). Rows only in one file are listed, not judged.\n"
"\n"
"Exit status: 0 no regression, 1 a row got slower than the threshold,\n"
"2 bad usage or input (unreadable file, a line that is not a JSON object,\n"
"a result row without its key fields or figures, no result rows).\n");
}

int bench_compare_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"threshold", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	double threshold = 10;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ht:", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 't':
			threshold = strtod(optarg, &end);
			if (*optarg == 0 || *end != 0 || !(threshold >= 0) || threshold >= 100) {
				fprintf(stderr, "srtpedge-bench compare: bad threshold '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 2) {
		usage(stderr);
		return 2;
	}
	struct jrow *old = NULL, *new = NULL;
	unsigned nro, nrn;
	int no = load(argv[optind], &old, &nro);
	int nn = no < 0 ? -1 : load(argv[optind + 1], &new, &nrn);
	if (no < 0 || nn < 0) {
		free(old);
		free(new);
		return 2;
	}
	bool *used = calloc((size_t)no, sizeof(bool));
	unsigned slower = 0, faster = 0, same = 0, added = 0, gone = 0, unjudged = 0;
	char key[512], k2[512];

	printf("%-80s %12s %12s %8s  %s\n", "scenario/bench/engine/suite/op/kind/payload/streams/workers",
	       "old pps", "new pps", "change", "verdict");
	for (int i = 0; i < nn; i++) {
		const struct jrow *r = &new[i];
		if (!is_result(r))
			continue;
		row_key(r, key, sizeof(key));
		int j;
		for (j = 0; j < no; j++) {
			if (used[j] || !is_result(&old[j]))
				continue;
			row_key(&old[j], k2, sizeof(k2));
			if (strcmp(key, k2) == 0)
				break;
		}
		if (j == no) {
			printf("%-80s %12s %12s %8s  new\n", key, "-",
			       is_measured(r) ? "" : "-", "");
			added++;
			continue;
		}
		used[j] = true;
		const struct jrow *o = &old[j];
		if (!is_measured(r) || !is_measured(o)) {
			printf("%-80s %12s %12s %8s  not judged (%s)\n", key,
			       is_measured(o) ? "" : "-", is_measured(r) ? "" : "-", "",
			       !is_measured(o) ? "old row skipped/failed" : "new row skipped/failed");
			unjudged++;
			continue;
		}
		double a = jrow_num(o, "pps", 0), b = jrow_num(r, "pps", 0);
		double pct = 100.0 * (b - a) / a;
		bool unstable = jrow_num(o, "spread", 0) > BENCH_UNSTABLE_SPREAD ||
				jrow_num(r, "spread", 0) > BENCH_UNSTABLE_SPREAD;
		const char *verdict = "same";
		if (pct < -threshold) {
			verdict = "SLOWER";
			slower++;
		} else if (pct > threshold) {
			verdict = "faster";
			faster++;
		} else {
			same++;
		}
		printf("%-80s %12.0f %12.0f %+7.1f%%  %s%s\n", key, a, b, pct, verdict,
		       unstable ? " ~" : "");
	}
	for (int j = 0; j < no; j++) {
		if (used[j] || !is_result(&old[j]))
			continue;
		row_key(&old[j], key, sizeof(key));
		printf("%-80s %12s %12s %8s  gone\n", key, "", "-", "");
		gone++;
	}
	printf("\n%u slower than -%.1f %%, %u faster, %u within, %u new, %u gone, "
	       "%u not judged\n", slower, threshold, faster, same, added, gone, unjudged);
	free(used);
	free(old);
	free(new);
	return slower ? 1 : 0;
}
