/*
 * `srtpedge-bench run SCENARIO` and `srtpedge-bench sweep`: scenario files
 * (perf/scenarios/NAME.ini) turned into runs of the measuring commands —
 * `srtpedge-bench crypto` (crypto/, libsrtp2, raw IPsec-MB) and
 * `srtpedge-bench dataplane` (srtpedge over net_memif) — each started as a
 * child process of this one (the dataplane command is a DPDK process, and
 * a process initialises DPDK once), its JSON rows read back and completed
 * with the harness's fields: scenario, engine, workers, latency
 * percentiles in microseconds, CPU seconds per million packets, loss and
 * whether the runs were stable. Nothing is estimated: a feature the
 * engines cannot measure gives a row that says so (`skipped`).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_version.h>

#include "bench.h"
#include "bench_json.h"
#include "bench_scenario.h"
#include "srtp_edge.h"

#ifndef BENCH_SCENARIO_DIR
#define BENCH_SCENARIO_DIR "perf/scenarios"
#endif
#ifndef BENCH_PERF_DIR
#define BENCH_PERF_DIR "perf"
#endif

enum engine { E_DATAPLANE, E_CRYPTO, E_LIBSRTP, E_RAW, E_RAW_PF, E_RTPENGINE, E_COUNT };
static const char *engine_names[E_COUNT] = {"dataplane", "crypto", "libsrtp2",
					    "ipsec-mb-raw", "ipsec-mb-raw-prefetch",
					    "rtpengine"};
/* the crypto command's --impls name of each crypto engine */
static const char *engine_impl[E_COUNT] = {NULL, "srtpedge", "libsrtp2", "ipsec-mb-raw",
					   "ipsec-mb-raw-prefetch", NULL};

#define LMAX 8
struct scenario {
	char name[64];
	char path[PATH_MAX];
	char description[256];
	unsigned engines;                /* bit per enum engine */
	unsigned suites;                 /* bit per enum sre_suite */
	unsigned payloads[LMAX], npayloads;
	unsigned streams[LMAX], nstreams;
	unsigned workers[LMAX], nworkers;
	unsigned ops;                    /* bit 0 protect, bit 1 unprotect */
	unsigned rates[LMAX], nrates;    /* offered pps for rtpengine; 0 = as fast as taken */
	unsigned latency_load;
	unsigned packets, repeats;
	unsigned crypto_packets;         /* per run of the crypto command */
	unsigned rtcp_percent, loss_percent, reorder_percent;
	unsigned libsrtp_max_streams;
	unsigned duration;               /* seconds per offered rate (rtpengine) */
};

struct harness {
	char self[PATH_MAX];             /* this program */
	char srtpedge[PATH_MAX];         /* for the dataplane command, or "" */
	char tmp[64];                    /* children's output */
	FILE *out;                       /* --out: JSON lines */
	bool json, quick;
	unsigned ncpu;
	unsigned rows, measured, unstable, skipped, failed;
};

static volatile sig_atomic_t stop_requested;
static pid_t children[64];
static unsigned nchildren;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	for (unsigned i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], SIGTERM);
}

/* ---- scenario files --------------------------------------------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* "a, b,c" without spaces */
static void squeeze(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			*o++ = *s;
	*o = '\0';
}

static int parse_names_mask(char *v, const char *const *names, unsigned count,
			    unsigned *mask)
{
	char *save = NULL;
	*mask = 0;
	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned i;
		for (i = 0; i < count; i++)
			if (names[i] && strcmp(t, names[i]) == 0)
				break;
		if (i == count)
			return -1;
		*mask |= 1u << i;
	}
	return *mask ? 0 : -1;
}

static int set_key(struct scenario *sc, const char *key, char *v, char *err, size_t errlen)
{
	unsigned one, n;
	int bad = 0;

	if (strcmp(key, "description") == 0) {
		snprintf(sc->description, sizeof(sc->description), "%s", v);
		return 0;
	}
	squeeze(v);
	if (strcmp(key, "engines") == 0) {
		bad = parse_names_mask(v, engine_names, E_COUNT, &sc->engines);
	} else if (strcmp(key, "suites") == 0 || strcmp(key, "suite") == 0) {
		const char *names[SRE_SUITE_COUNT];
		for (unsigned i = 0; i < SRE_SUITE_COUNT; i++)
			names[i] = sre_suite_name((enum sre_suite)i);
		if (strcmp(v, "all") == 0)
			sc->suites = (1u << SRE_SUITE_COUNT) - 1;
		else
			bad = parse_names_mask(v, names, SRE_SUITE_COUNT, &sc->suites);
	} else if (strcmp(key, "payloads") == 0 || strcmp(key, "payload") == 0) {
		bad = bench_parse_list(v, sc->payloads, LMAX, &sc->npayloads);
		for (unsigned i = 0; !bad && i < sc->npayloads; i++)
			bad = sc->payloads[i] < 16 || sc->payloads[i] > 1200;
	} else if (strcmp(key, "streams") == 0) {
		bad = bench_parse_list(v, sc->streams, LMAX, &sc->nstreams);
		for (unsigned i = 0; !bad && i < sc->nstreams; i++)
			bad = sc->streams[i] == 0 || sc->streams[i] > 1000000;
	} else if (strcmp(key, "workers") == 0) {
		bad = bench_parse_list(v, sc->workers, LMAX, &sc->nworkers);
		for (unsigned i = 0; !bad && i < sc->nworkers; i++)
			bad = sc->workers[i] == 0 || sc->workers[i] > 64;
	} else if (strcmp(key, "ops") == 0 || strcmp(key, "op") == 0) {
		static const char *ops[] = {"protect", "unprotect"};
		bad = parse_names_mask(v, ops, 2, &sc->ops);
	} else if (strcmp(key, "rate") == 0 || strcmp(key, "rates") == 0) {
		/* packets per second, or max (as fast as taken) */
		char *save = NULL;
		sc->nrates = 0;
		for (char *t = strtok_r(v, ",", &save); t && !bad; t = strtok_r(NULL, ",", &save)) {
			unsigned r = 0, m;
			if (sc->nrates >= LMAX)
				bad = 1;
			else if (strcmp(t, "max") != 0)
				bad = bench_parse_list(t, &r, 1, &m) || r == 0;
			if (!bad)
				sc->rates[sc->nrates++] = r;
		}
		bad = bad || sc->nrates == 0;
	} else {
		bad = bench_parse_list(v, &one, 1, &n);
		if (bad) {
		} else if (strcmp(key, "latency_load") == 0) {
			bad = one == 0 || one > 100;
			sc->latency_load = one;
		} else if (strcmp(key, "packets") == 0) {
			bad = one < 1000 || one > 1000000;
			sc->packets = one;
		} else if (strcmp(key, "crypto_packets") == 0) {
			bad = one < 1000 || one > 1000000;
			sc->crypto_packets = one;
		} else if (strcmp(key, "repeats") == 0) {
			bad = one == 0 || one > 64;
			sc->repeats = one;
		} else if (strcmp(key, "rtcp_percent") == 0) {
			bad = one > 100;
			sc->rtcp_percent = one;
		} else if (strcmp(key, "loss_percent") == 0) {
			bad = one > 50;
			sc->loss_percent = one;
		} else if (strcmp(key, "reorder_percent") == 0) {
			bad = one > 50;
			sc->reorder_percent = one;
		} else if (strcmp(key, "libsrtp_max_streams") == 0) {
			sc->libsrtp_max_streams = one;
		} else if (strcmp(key, "duration") == 0) {
			bad = one == 0 || one > 60;
			sc->duration = one;
		} else {
			snprintf(err, errlen, "unknown key '%s'", key);
			return -1;
		}
	}
	if (bad)
		snprintf(err, errlen, "bad value '%s' for '%s'", v, key);
	return bad ? -1 : 0;
}

/* The [scenario] section, then with `quick` the [quick] section over it. */
static int scenario_load(const char *path, bool quick, struct scenario *sc)
{
	char line[512], section[32] = "", err[160];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	memset(sc, 0, sizeof(*sc));
	if (f == NULL) {
		fprintf(stderr, "srtpedge-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(sc->path, sizeof(sc->path), "%s", path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(sc->name, sizeof(sc->name), "%.*s", (int)strcspn(base, "."), base);
	sc->engines = (1u << E_DATAPLANE) | (1u << E_CRYPTO) | (1u << E_LIBSRTP) | (1u << E_RAW);
	sc->suites = 1u << SRE_AES_CM_128_HMAC_SHA1_80;
	sc->payloads[0] = 160, sc->npayloads = 1;
	sc->streams[0] = 1, sc->nstreams = 1;
	sc->workers[0] = 1, sc->nworkers = 1;
	sc->ops = 2;
	sc->nrates = 1;
	sc->latency_load = 50;
	sc->packets = 100000;
	sc->crypto_packets = 32768;
	sc->repeats = 5;
	sc->libsrtp_max_streams = 10000;
	sc->duration = 3;
	bool seen_scenario = false;

	/* pass 0: [scenario] into sc; pass 1: [quick] on top, into sc when
	 * quick, else into a scratch copy, so that its keys are checked too */
	struct scenario scratch;
	for (int pass = 0; pass < 2; pass++) {
		struct scenario *into = pass == 0 || quick ? sc : &scratch;
		if (pass == 1 && !quick)
			scratch = *sc;
		rewind(f);
		lineno = 0;
		section[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			lineno++;
			line[strcspn(line, ";#")] = '\0';
			char *s = trim(line);
			if (*s == '\0')
				continue;
			if (*s == '[') {
				char *e = strchr(s, ']');
				if (e == NULL || e[1] != '\0') {
					snprintf(err, sizeof(err), "bad section line");
					goto bad;
				}
				*e = '\0';
				snprintf(section, sizeof(section), "%s", s + 1);
				if (strcmp(section, "scenario") && strcmp(section, "quick")) {
					snprintf(err, sizeof(err), "unknown section [%s]", section);
					goto bad;
				}
				seen_scenario |= strcmp(section, "scenario") == 0;
				continue;
			}
			char *eq = strchr(s, '=');
			if (eq == NULL || section[0] == '\0') {
				snprintf(err, sizeof(err), "expected KEY = VALUE in a section");
				goto bad;
			}
			*eq = '\0';
			if (strcmp(section, pass == 0 ? "scenario" : "quick") != 0)
				continue;
			if (set_key(into, trim(s), trim(eq + 1), err, sizeof(err)) != 0)
				goto bad;
		}
	}
	fclose(f);
	if (!seen_scenario) {
		fprintf(stderr, "srtpedge-bench: %s: no [scenario] section\n", path);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "srtpedge-bench: %s:%u: %s\n", path, lineno, err);
	fclose(f);
	return -1;
}

/* ---- children ---------------------------------------------------------- */

/* Starts this program with `argv` (argv[0] is replaced), pinned to `cpu`
 * (-1: not pinned), stdout and stderr into files. */
static pid_t spawn(struct harness *h, char **argv, int cpu, const char *outp,
		   const char *errp)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		if (cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		argv[0] = h->self;
		execv(h->self, argv);
		_exit(127);
	}
	if (nchildren < sizeof(children) / sizeof(*children))
		children[nchildren++] = pid;
	return pid;
}

static double now_s(void);

static int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	for (unsigned i = 0; i < nchildren; i++)
		if (children[i] == pid)
			children[i] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last non-empty line of a file that is not EAL noise, for reasons. */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");
	snprintf(buf, len, "no output");
	while (f && fgets(line, sizeof(line), f)) {
		char *s = trim(line);
		if (*s && strncmp(s, "EAL:", 4) && strncmp(s, "TELEMETRY", 9) &&
		    strncmp(s, "rte_pmd_memif", 13) && strncmp(s, "srtpedge:", 9))
			snprintf(buf, len, "%s", s);
	}
	if (f)
		fclose(f);
}

static void copy_log(const struct harness *h, const char *path, const char *what)
{
	char line[512];
	FILE *f = fopen(path, "r");
	(void)h;
	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "  [%s] %s", what, line);
	if (f)
		fclose(f);
}

/* ---- rows --------------------------------------------------------------- */

static void row_begin(struct jrow *r, const struct scenario *sc, const char *bench,
		      const char *engine)
{
	memset(r, 0, sizeof(*r));
	jrow_set_str(r, "row", "result");
	jrow_set_str(r, "scenario", sc->name);
	jrow_set_str(r, "bench", bench);
	jrow_set_str(r, "engine", engine);
}

/* Appends the measured row `src` (a crypto or dataplane JSON line). */
static void row_take(struct jrow *r, const struct jrow *src)
{
	for (unsigned i = 0; i < src->n; i++)
		if (r->n < JROW_MAX && !jrow_get(r, src->f[i].key))
			r->f[r->n++] = src->f[i];
}

static void row_common(struct jrow *r, const struct scenario *sc, unsigned workers,
		       unsigned offered)
{
	jrow_set_num(r, "workers", workers);
	if (offered)
		jrow_set_num(r, "offered_pps", offered);
	else
		jrow_set_str(r, "offered", "max");
	jrow_set_num(r, "rtcp_percent", sc->rtcp_percent);
	jrow_set_num(r, "loss_injected_percent", sc->loss_percent);
	jrow_set_num(r, "reorder_injected_percent", sc->reorder_percent);
}

static void emit(struct harness *h, struct jrow *r)
{
	bool skipped = jrow_get(r, "skipped") != NULL, failed = jrow_get(r, "failed") != NULL;

	if (!skipped && !failed && jrow_has_num(r, "spread")) {
		bool u = jrow_num(r, "spread", 0) > BENCH_UNSTABLE_SPREAD;
		jrow_set_bool(r, "unstable", u);
		h->unstable += u;
	}
	h->rows++;
	h->skipped += skipped;
	h->failed += failed;
	h->measured += !skipped && !failed;
	if (h->out)
		jrow_print(h->out, r);
	if (h->json) {
		jrow_print(stdout, r);
		return;
	}
	char fig[64], lat[48] = "-";
	const char *s;
	if ((s = jrow_str(r, "skipped")) || (s = jrow_str(r, "failed")))
		snprintf(fig, sizeof(fig), "%s", skipped ? "skipped" : "FAILED");
	else
		snprintf(fig, sizeof(fig), "%.3f [%.3f-%.3f]%s",
			 jrow_num(r, "pps", 0) / 1e6, jrow_num(r, "pps_min", 0) / 1e6,
			 jrow_num(r, "pps_max", 0) / 1e6, jrow_true(r, "unstable") ? " ~" : "");
	if (jrow_has_num(r, "latency_p50_us"))
		snprintf(lat, sizeof(lat), "%.1f/%.1f/%.1f", jrow_num(r, "latency_p50_us", 0),
			 jrow_num(r, "latency_p99_us", 0), jrow_num(r, "latency_p999_us", 0));
	char cpu[16] = "-", loss[16] = "-";
	if (jrow_has_num(r, "cpu_s_per_mpkt"))
		snprintf(cpu, sizeof(cpu), "%.3f", jrow_num(r, "cpu_s_per_mpkt", 0));
	if (jrow_has_num(r, "loss"))
		snprintf(loss, sizeof(loss), "%.4f", jrow_num(r, "loss", 0));
	const char *suite = jrow_str(r, "suite"), *eng = jrow_str(r, "engine"),
		   *bench = jrow_str(r, "bench");
	char ename[48];
	if (eng && bench && strcmp(eng, bench) && strcmp(bench, "crypto"))
		snprintf(ename, sizeof(ename), "%s@%s", eng, bench);
	else
		snprintf(ename, sizeof(ename), "%s", eng ? eng : "-");
	printf("%-18s %-21s %-24s %-9s %-4s %5.0f %7.0f %2.0f | %-26s %-20s %8s %7s%s%s\n",
	       jrow_str(r, "scenario"), ename, suite ? suite : "-",
	       jrow_str(r, "op") ? jrow_str(r, "op") : "-",
	       jrow_str(r, "kind") ? jrow_str(r, "kind") : "-", jrow_num(r, "payload", 0),
	       jrow_num(r, "streams", 0), jrow_num(r, "workers", 0), fig, lat, cpu, loss,
	       s ? "  " : "", s ? s : "");
	fflush(stdout);
}

static void table_header(const struct harness *h)
{
	if (h->json)
		return;
	printf("%-18s %-21s %-24s %-9s %-4s %5s %7s %2s | %-26s %-20s %8s %7s\n", "scenario",
	       "engine", "suite", "op", "kind", "pay", "streams", "w", "Mpps median [min-max]",
	       "lat us p50/p99/p99.9", "cpu s/Mp", "loss");
}

static void emit_skip(struct harness *h, const struct scenario *sc, const char *bench,
		      const char *engine, const char *suite, const char *op, const char *kind,
		      unsigned payload, unsigned streams, unsigned workers, const char *why,
		      bool failed)
{
	struct jrow r;
	row_begin(&r, sc, bench, engine);
	jrow_set_str(&r, "suite", suite);
	jrow_set_str(&r, "op", op);
	jrow_set_str(&r, "kind", kind);
	jrow_set_num(&r, "payload", payload);
	jrow_set_num(&r, "streams", streams);
	row_common(&r, sc, workers, 0);
	jrow_set_str(&r, failed ? "failed" : "skipped", why);
	emit(h, &r);
}

/* Reads the JSON rows a child printed. */
static int read_rows(const char *path, struct jrow **rows)
{
	struct stat st;
	if (stat(path, &st) != 0 || st.st_size == 0) {
		*rows = NULL;
		return 0;
	}
	return jrows_load(path, rows);
}

static void list_str(char *buf, size_t len, const unsigned *v, unsigned n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "," : "", v[i]);
}

/* ---- the crypto engines --------------------------------------------------- */

static void crypto_fields(struct jrow *r, const struct scenario *sc, unsigned workers,
			  int rc)
{
	double pps = jrow_num(r, "pps", 0);
	row_common(r, sc, workers, 0);
	/* per-packet latency is not what these engines measure: a packet of
	 * the crypto command waits for its burst, nothing more */
	jrow_set_null(r, "latency_p50_us");
	jrow_set_null(r, "latency_p99_us");
	jrow_set_null(r, "latency_p999_us");
	/* each worker's core is busy for the whole timed run */
	if (pps > 0)
		jrow_set_num(r, "cpu_s_per_mpkt", workers * 1e6 / pps);
	/* exit 0: every packet of every run verified, none lost */
	if (rc == 0)
		jrow_set_num(r, "loss", 0);
	else {
		jrow_set_null(r, "loss");
		jrow_set_str(r, "error", "packets failed verification (see the run's log)");
	}
}

static const char *crypto_engine_of(const char *impl)
{
	for (unsigned e = 0; e < E_COUNT; e++)
		if (engine_impl[e] && impl && strcmp(engine_impl[e], impl) == 0)
			return engine_names[e];
	return impl ? impl : "?";
}

static void crypto_args(const struct scenario *sc, char args[][96], char **argv,
			unsigned *argc, unsigned suite_mask, const char *streams,
			unsigned impl_mask)
{
	unsigned a = 0, k = 0;
	char suites[512] = "", impls[160] = "";
	size_t o = 0;

	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++)
		if (suite_mask & (1u << s))
			o += (size_t)snprintf(suites + o, sizeof(suites) - o, "%s%s", o ? "," : "",
					      sre_suite_name((enum sre_suite)s));
	o = 0;
	for (unsigned e = 0; e < E_COUNT; e++)
		if ((impl_mask & (1u << e)) && engine_impl[e])
			o += (size_t)snprintf(impls + o, sizeof(impls) - o, "%s%s", o ? "," : "",
					      engine_impl[e]);
	argv[a++] = NULL; /* argv[0], set by spawn */
#define ARG(...) (snprintf(args[k], 96, __VA_ARGS__), argv[a++] = args[k++])
	ARG("crypto");
	ARG("--json");
	ARG("--suites");
	argv[a++] = strdup(suites);
	ARG("--payloads");
	list_str(args[k], 96, sc->payloads, sc->npayloads);
	argv[a++] = args[k++];
	ARG("--streams");
	ARG("%s", streams);
	ARG("--ops");
	ARG("%s", sc->ops == 3 ? "protect,unprotect" : sc->ops == 1 ? "protect" : "unprotect");
	ARG("--kinds");
	ARG("%s", sc->rtcp_percent == 0 ? "rtp" : sc->rtcp_percent == 100 ? "rtcp" : "rtp,rtcp");
	ARG("--impls");
	argv[a++] = strdup(impls);
	ARG("--packets");
	ARG("%u", sc->crypto_packets);
	ARG("--libsrtp-packets");
	ARG("%u", sc->crypto_packets < 8192 ? sc->crypto_packets : 8192);
	ARG("--libsrtp-max-streams");
	ARG("%u", sc->libsrtp_max_streams);
	ARG("--repeats");
	ARG("%u", sc->repeats);
	if (sc->loss_percent) {
		ARG("--loss");
		ARG("%u", sc->loss_percent);
	}
	if (sc->reorder_percent) {
		ARG("--reorder");
		ARG("%u", sc->reorder_percent);
	}
#undef ARG
	argv[a] = NULL;
	*argc = a;
}

static void free_dup_args(char **argv, unsigned argc, char args[][96])
{
	for (unsigned i = 1; i < argc; i++) {
		bool own = true;
		for (unsigned k = 0; k < 40; k++)
			if (argv[i] == args[k])
				own = false;
		if (own)
			free(argv[i]);
	}
}

static int run_crypto(struct harness *h, const struct scenario *sc, unsigned workers)
{
	unsigned impls = sc->engines & ((1u << E_CRYPTO) | (1u << E_LIBSRTP) | (1u << E_RAW) |
					(1u << E_RAW_PF));
	char args[40][96];
	char *argv[64];
	unsigned argc;
	int failures = 0;

	if (impls == 0 || stop_requested)
		return 0;
	if (workers > h->ncpu) {
		for (unsigned s = 0; s < SRE_SUITE_COUNT; s++)
			for (unsigned e = 0; e < E_COUNT; e++)
				for (unsigned i = 0; (sc->suites & (1u << s)) && (impls & (1u << e)) &&
						     i < sc->nstreams; i++) {
					char why[128];
					snprintf(why, sizeof(why),
						 "%u workers need %u CPUs; this machine has %u online",
						 workers, workers, h->ncpu);
					emit_skip(h, sc, "crypto", engine_names[e],
						  sre_suite_name((enum sre_suite)s), "unprotect", "rtp",
						  sc->payloads[0], sc->streams[i], workers, why, false);
				}
		return 0;
	}
	if (workers == 1) {
		char streams[96], outp[128], errp[128];
		list_str(streams, sizeof(streams), sc->streams, sc->nstreams);
		crypto_args(sc, args, argv, &argc, sc->suites, streams, impls);
		snprintf(outp, sizeof(outp), "%s/crypto.out", h->tmp);
		snprintf(errp, sizeof(errp), "%s/crypto.err", h->tmp);
		/* the last CPU: the dataplane's worker lcore, idle meanwhile */
		double t0 = now_s();
		pid_t pid = spawn(h, argv, (int)h->ncpu - 1, outp, errp);
		int rc = pid > 0 ? reap(pid) : 127;
		free_dup_args(argv, argc, args);
		fprintf(stderr, "srtpedge-bench: %s: crypto command: %.1f s (exit %d)\n", sc->name,
			now_s() - t0, rc);
		struct jrow *rows;
		int n = read_rows(outp, &rows);
		if (rc != 0)
			copy_log(h, errp, "crypto");
		if (n <= 0) {
			char why[256];
			last_line(errp, why, sizeof(why));
			emit_skip(h, sc, "crypto", "crypto", "-", "-", "-", sc->payloads[0],
				  sc->streams[0], 1, why, true);
			free(rows);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct jrow r;
			row_begin(&r, sc, "crypto", crypto_engine_of(jrow_str(&rows[i], "impl")));
			row_take(&r, &rows[i]);
			if (!jrow_get(&r, "skipped"))
				crypto_fields(&r, sc, 1, rc);
			else
				row_common(&r, sc, 1, 0);
			emit(h, &r);
		}
		free(rows);
		return rc != 0;
	}

	/* W workers: W crypto processes at once, one per CPU, each with its
	 * share of the streams; the packets per second add up. */
	for (unsigned si = 0; si < sc->nstreams && !stop_requested; si++) {
		unsigned S = sc->streams[si];
		pid_t pid[64];
		int rc[64];
		struct jrow *rows[64];
		int n[64] = {0};
		char streams[32];
		if (S < workers) {
			emit_skip(h, sc, "crypto", "crypto", "-", "unprotect", "rtp",
				  sc->payloads[0], S, workers,
				  "fewer streams than workers: a stream has one writer", false);
			continue;
		}
		snprintf(streams, sizeof(streams), "%u", S / workers);
		for (unsigned w = 0; w < workers; w++) {
			char outp[128], errp[128];
			crypto_args(sc, args, argv, &argc, sc->suites, streams, impls);
			snprintf(outp, sizeof(outp), "%s/crypto%u.out", h->tmp, w);
			snprintf(errp, sizeof(errp), "%s/crypto%u.err", h->tmp, w);
			pid[w] = spawn(h, argv, (int)w, outp, errp);
			free_dup_args(argv, argc, args);
		}
		for (unsigned w = 0; w < workers; w++) {
			char outp[128];
			rc[w] = pid[w] > 0 ? reap(pid[w]) : 127;
			snprintf(outp, sizeof(outp), "%s/crypto%u.out", h->tmp, w);
			n[w] = read_rows(outp, &rows[w]);
		}
		bool ok = true;
		for (unsigned w = 0; w < workers; w++)
			ok = ok && n[w] > 0 && n[w] == n[0];
		if (!ok) {
			char errp[128], why[256];
			snprintf(errp, sizeof(errp), "%s/crypto0.err", h->tmp);
			last_line(errp, why, sizeof(why));
			emit_skip(h, sc, "crypto", "crypto", "-", "-", "-", sc->payloads[0], S,
				  workers, why, true);
			failures++;
		}
		for (int i = 0; ok && i < n[0]; i++) {
			struct jrow r;
			double pps = 0, mn = 0, mx = 0, cyc = 0;
			bool skipped = false;
			int worst = 0;
			for (unsigned w = 0; w < workers; w++) {
				const struct jrow *x = &rows[w][i];
				skipped = skipped || jrow_get(x, "skipped");
				pps += jrow_num(x, "pps", 0);
				mn += jrow_num(x, "pps_min", 0);
				mx += jrow_num(x, "pps_max", 0);
				cyc += jrow_num(x, "cycles_per_packet", 0) / workers;
				worst = rc[w] ? rc[w] : worst;
			}
			row_begin(&r, sc, "crypto", crypto_engine_of(jrow_str(&rows[0][i], "impl")));
			row_take(&r, &rows[0][i]);
			jrow_set_num(&r, "streams", S / workers * workers);
			if (skipped) {
				row_common(&r, sc, workers, 0);
			} else {
				jrow_set_num(&r, "pps", pps);
				jrow_set_num(&r, "pps_min", mn);
				jrow_set_num(&r, "pps_max", mx);
				/* per worker: each core's cycles per packet */
				jrow_set_num(&r, "cycles_per_packet", cyc);
				jrow_del(&r, "cycles_min");
				jrow_del(&r, "cycles_max");
				jrow_set_num(&r, "spread", pps > 0 ? (mx - mn) / pps : 0);
				jrow_set_str(&r, "workers_how",
					     "one crypto process per worker, each pinned to its CPU "
					     "with streams/workers streams, run at once; pps summed");
				crypto_fields(&r, sc, workers, worst);
			}
			emit(h, &r);
		}
		for (unsigned w = 0; w < workers; w++)
			free(rows[w]);
	}
	return failures;
}

/* ---- the dataplane ------------------------------------------------------- */

struct dp_loss {
	unsigned streams, got, sent;
};

/* "srtpedge-bench dataplane: S streams: R of N packets forwarded" */
static unsigned read_dp_losses(const char *errp, struct dp_loss *l, unsigned cap)
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen(errp, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned s, got, sent;
		const char *p = strstr(line, "dataplane: ");
		if (p && sscanf(p, "dataplane: %u streams: %u of %u packets forwarded", &s, &got,
				&sent) == 3 && n < cap)
			l[n++] = (struct dp_loss){s, got, sent};
	}
	if (f)
		fclose(f);
	return n;
}

static bool dp_has_streams(const struct jrow *rows, int n, unsigned S)
{
	for (int i = 0; i < n; i++)
		if (jrow_num(&rows[i], "streams", 0) == S)
			return true;
	return false;
}

static int run_dataplane_one(struct harness *h, const struct scenario *sc,
			     enum sre_suite suite, unsigned payload, unsigned workers)
{
	const char *sname = sre_suite_name(suite);
	const char *kind = sc->rtcp_percent ? "rtp+rtcp" : "rtp";
	unsigned remaining[LMAX], nremaining = 0;
	int failures = 0;

	for (unsigned i = 0; i < sc->nstreams; i++) {
		if (sc->streams[i] > 200000)
			emit_skip(h, sc, "dataplane", "dataplane", sname, "unprotect", kind, payload,
				  sc->streams[i], workers,
				  "over 200,000 sessions srtpedge's table and keys outgrow the "
				  "1 GiB of hugepages scripts/setup.sh reserves",
				  false);
		else
			remaining[nremaining++] = sc->streams[i];
	}
	if (nremaining == 0)
		return 0;
	for (int attempt = 0; attempt < 2 && nremaining > 0 && !stop_requested; attempt++) {
		char args[32][96], *argv[40], outp[128], errp[128];
		unsigned a = 1, k = 0;
#define ARG(...) (snprintf(args[k], 96, __VA_ARGS__), argv[a++] = args[k++])
		ARG("dataplane");
		ARG("--json");
		ARG("--suite");
		ARG("%s", sname);
		ARG("--payload");
		ARG("%u", payload);
		ARG("--streams");
		list_str(args[k], 96, remaining, nremaining);
		argv[a++] = args[k++];
		ARG("--packets");
		ARG("%u", sc->packets);
		ARG("--repeats");
		ARG("%u", sc->repeats);
		ARG("--latency-load");
		ARG("%u", sc->latency_load);
		ARG("--latency-packets");
		ARG("%u", sc->packets / 2 > 1000 ? sc->packets / 2 : 1000);
		/* libsrtp2 is measured by the crypto command (next to the
		 * ceiling, on fresh sessions): in the dataplane command it
		 * would run on an NSS backend aged by millions of packets,
		 * at a few thousand packets per second */
		ARG("--libsrtp-max-streams");
		ARG("0");
		ARG("--workers");
		ARG("%u", workers);
		if (sc->rtcp_percent) {
			ARG("--rtcp-percent");
			ARG("%u", sc->rtcp_percent);
		}
		if (sc->loss_percent) {
			ARG("--loss");
			ARG("%u", sc->loss_percent);
		}
		if (sc->reorder_percent) {
			ARG("--reorder");
			ARG("%u", sc->reorder_percent);
		}
		if (h->srtpedge[0]) {
			ARG("--srtpedge");
			argv[a++] = h->srtpedge;
		}
#undef ARG
		argv[a] = NULL;
		snprintf(outp, sizeof(outp), "%s/dataplane.out", h->tmp);
		snprintf(errp, sizeof(errp), "%s/dataplane.err", h->tmp);
		double t0 = now_s();
		pid_t pid = spawn(h, argv, -1, outp, errp);
		int rc = pid > 0 ? reap(pid) : 127;
		fprintf(stderr, "srtpedge-bench: %s: dataplane command, %s payload %u: %.1f s "
				"(exit %d)\n", sc->name, sname, payload, now_s() - t0, rc);
		struct jrow *rows;
		int n = read_rows(outp, &rows);
		struct dp_loss loss[LMAX];
		unsigned nloss = read_dp_losses(errp, loss, LMAX);
		unsigned left[LMAX], nleft = 0;
		if (rc != 0)
			copy_log(h, errp, "dataplane");
		for (unsigned t = 0; t < nremaining; t++) {
			unsigned S = remaining[t];
			if (n < 0 || !dp_has_streams(rows, n, S)) {
				left[nleft++] = S;
				continue;
			}
			/* the runs' packets, lost or wrong ones counted */
			double lost = 0, sent = 0;
			for (unsigned j = 0; j < nloss; j++)
				if (loss[j].streams == S) {
					lost += loss[j].sent - loss[j].got;
					sent += loss[j].sent;
				}
			for (int i = 0; i < n; i++) {
				if (jrow_num(&rows[i], "streams", 0) != S)
					continue;
				const char *impl = jrow_str(&rows[i], "impl");
				bool dp = impl && strcmp(impl, "srtpedge-dataplane") == 0;
				if (impl && strcmp(impl, "libsrtp2") == 0 && jrow_get(&rows[i], "skipped"))
					continue; /* not asked for: see above */
				struct jrow r;
				row_begin(&r, sc, "dataplane",
					  dp ? "dataplane" : crypto_engine_of(impl));
				row_take(&r, &rows[i]);
				/* the baselines run on one core whatever srtpedge has */
				row_common(&r, sc, dp ? workers : 1, 0);
				if (attempt)
					jrow_set_num(&r, "attempts", attempt + 1);
				if (jrow_get(&r, "skipped")) {
					emit(h, &r);
					continue;
				}
				double pps = jrow_num(&r, "pps", 0);
				if (dp && jrow_has_num(&r, "latency_p50_ns")) {
					jrow_set_num(&r, "latency_p50_us",
						     jrow_num(&r, "latency_p50_ns", 0) / 1e3);
					jrow_set_num(&r, "latency_p99_us",
						     jrow_num(&r, "latency_p99_ns", 0) / 1e3);
					jrow_set_num(&r, "latency_p999_us",
						     jrow_num(&r, "latency_p999_ns", 0) / 1e3);
				} else {
					jrow_set_null(&r, "latency_p50_us");
					jrow_set_null(&r, "latency_p99_us");
					jrow_set_null(&r, "latency_p999_us");
				}
				/* the workers' busy share of their cores per packet
				 * (a poll-mode worker holds its core all the time;
				 * this is the part the packets took; worker_busy is
				 * the workers' mean) */
				double busy = dp ? jrow_num(&r, "worker_busy", 1) * workers : 1;
				if (pps > 0)
					jrow_set_num(&r, "cpu_s_per_mpkt", busy * 1e6 / pps);
				if (dp)
					jrow_set_num(&r, "loss", sent > 0 ? lost / sent : 0);
				else /* the baselines verify every packet */
					jrow_set_num(&r, "loss", 0);
				emit(h, &r);
			}
		}
		free(rows);
		if (nleft && attempt == 0) {
			fprintf(stderr, "srtpedge-bench: %s: dataplane %s payload %u: no result for "
					"%u stream count(s) (exit %d); trying once more\n",
				sc->name, sname, payload, nleft, rc);
			sleep(2);
		} else if (nleft) {
			char why[256];
			last_line(errp, why, sizeof(why));
			for (unsigned t = 0; t < nleft; t++)
				emit_skip(h, sc, "dataplane", "dataplane", sname, "unprotect", kind,
					  payload, left[t], workers, why, true);
			failures++;
		}
		memcpy(remaining, left, nleft * sizeof(*remaining));
		nremaining = nleft;
	}
	return failures;
}

static int run_dataplane(struct harness *h, const struct scenario *sc, unsigned workers)
{
	int failures = 0;

	for (unsigned s = 0; s < SRE_SUITE_COUNT && !stop_requested; s++) {
		if (!(sc->suites & (1u << s)))
			continue;
		const char *sname = sre_suite_name((enum sre_suite)s);
		for (unsigned p = 0; p < sc->npayloads && !stop_requested; p++) {
			const char *why = NULL;
			if (!(sc->ops & 2))
				why = "the dataplane benchmark measures the outside->inside "
				      "direction only (unprotect)";
			else if (sc->rtcp_percent == 100)
				why = "the dataplane benchmark sends each stream's first packet as "
				      "SRTP (srtpedge learns the SSRC from it): it mixes SRTCP up "
				      "to 99 %";
			else if (sc->rtcp_percent && sc->payloads[p] % 4)
				why = "an SRTCP mix needs a payload that is a multiple of 4 bytes";
			if (why) {
				for (unsigned i = 0; i < sc->nstreams; i++)
					emit_skip(h, sc, "dataplane", "dataplane", sname, "unprotect",
						  sc->rtcp_percent ? "rtp+rtcp" : "rtp",
						  sc->payloads[p], sc->streams[i], workers, why, false);
				continue;
			}
			failures += run_dataplane_one(h, sc, (enum sre_suite)s, sc->payloads[p],
						      workers);
		}
	}
	return failures;
}

/* ---- rtpengine (perf/rtpengine.sh) ---------------------------------------- */

static int run_rtpengine(struct harness *h, const struct scenario *sc)
{
	char script[PATH_MAX], outp[128], errp[128];
	int failures = 0;

	snprintf(script, sizeof(script), "%s/rtpengine.sh", BENCH_PERF_DIR);
	for (unsigned s = 0; s < SRE_SUITE_COUNT && !stop_requested; s++) {
		if (!(sc->suites & (1u << s)))
			continue;
		const char *sname = sre_suite_name((enum sre_suite)s);
		for (unsigned p = 0; p < sc->npayloads; p++) {
			char rates[96], streams[96], payload[16], dur[16], reps[16];
			size_t ro = 0;
			for (unsigned i = 0; i < sc->nrates && ro < sizeof(rates); i++)
				ro += (size_t)(sc->rates[i]
					  ? snprintf(rates + ro, sizeof(rates) - ro, "%s%u", i ? "," : "",
						     sc->rates[i])
					  : snprintf(rates + ro, sizeof(rates) - ro, "%smax", i ? "," : ""));
			list_str(streams, sizeof(streams), sc->streams, sc->nstreams);
			snprintf(payload, sizeof(payload), "%u", sc->payloads[p]);
			snprintf(dur, sizeof(dur), "%u", sc->duration);
			snprintf(reps, sizeof(reps), "%u", sc->repeats);
			snprintf(outp, sizeof(outp), "%s/rtpengine.out", h->tmp);
			snprintf(errp, sizeof(errp), "%s/rtpengine.err", h->tmp);
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0) {
				int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
				int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
				if (o < 0 || e < 0)
					_exit(127);
				dup2(o, 1);
				dup2(e, 2);
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				setenv("SRTPEDGE_BENCH", h->self, 1);
				if (h->srtpedge[0])
					setenv("SRTPEDGE_BIN", h->srtpedge, 1);
				execl("/bin/bash", "bash", script, "--json", "--suite", sname,
				      "--payload", payload, "--streams", streams, "--rates", rates,
				      "--duration", dur, "--repeats", reps, (char *)NULL);
				_exit(127);
			}
			if (pid > 0 && nchildren < sizeof(children) / sizeof(*children))
				children[nchildren++] = pid;
			int rc = pid > 0 ? reap(pid) : 127;
			struct jrow *rows;
			int n = read_rows(outp, &rows);
			if (rc != 0)
				copy_log(h, errp, "rtpengine");
			for (int i = 0; i < n; i++) {
				struct jrow r;
				const char *impl = jrow_str(&rows[i], "impl");
				row_begin(&r, sc, "rtpengine", impl ? impl : "rtpengine");
				row_take(&r, &rows[i]);
				jrow_set_num(&r, "workers", 1);
				jrow_set_num(&r, "rtcp_percent", sc->rtcp_percent);
				/* a run that got nothing out: the script says which */
				failures += jrow_get(&r, "failed") != NULL;
				emit(h, &r);
			}
			if (n <= 0) {
				char why[256];
				last_line(errp, why, sizeof(why));
				bool skip = rc == 3;
				emit_skip(h, sc, "rtpengine", "rtpengine", sname, "unprotect", "rtp",
					  sc->payloads[p], sc->streams[0], 1, why, !skip);
				failures += !skip;
			}
			free(rows);
		}
	}
	return failures;
}

/* ---- machine facts -------------------------------------------------------- */

static void machine_row(struct jrow *r, const char *command)
{
	struct bench_machine m;
	struct sre_engine *e = NULL;
	struct utsname u;
	char line[256], buf[256];

	sre_engine_create(SRE_ARCH_AUTO, &e);
	bench_machine_read(&m, e ? sre_engine_arch_name(e) : "unknown");
	if (e)
		sre_engine_destroy(e);
	memset(r, 0, sizeof(*r));
	jrow_set_str(r, "row", "machine");
	jrow_set_str(r, "cpu", m.cpu);
	jrow_set_str(r, "cpu_flags", m.flags);
	jrow_set_num(r, "cpus", m.cpus);
	jrow_set_str(r, "ipsec_mb", m.ipsec_mb);
	jrow_set_str(r, "ipsec_mb_arch", m.engine_arch);
	jrow_set_str(r, "libsrtp", m.libsrtp);
	jrow_set_str(r, "dpdk", rte_version());
	jrow_set_num(r, "tsc_hz", bench_tsc_hz());
	if (uname(&u) == 0) {
		snprintf(buf, sizeof(buf), "%s %s", u.sysname, u.release);
		jrow_set_str(r, "kernel", buf);
	}
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long v;
		if (sscanf(line, "HugePages_Total: %lu", &v) == 1)
			jrow_set_num(r, "hugepages_total", (double)v);
		else if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			jrow_set_num(r, "hugepages_free", (double)v);
		else if (sscanf(line, "Hugepagesize: %lu", &v) == 1)
			jrow_set_num(r, "hugepage_kb", (double)v);
		else if (sscanf(line, "MemTotal: %lu", &v) == 1)
			jrow_set_num(r, "mem_total_kb", (double)v);
	}
	if (f)
		fclose(f);
	bool mounted = false;
	f = fopen("/proc/mounts", "r");
	while (f && fgets(line, sizeof(line), f))
		mounted = mounted || strstr(line, " hugetlbfs ") != NULL;
	if (f)
		fclose(f);
	jrow_set_bool(r, "hugetlbfs_mounted", mounted);
	snprintf(buf, sizeof(buf),
		 "crypto engines: one process pinned to CPU %u (W workers: CPUs 0..W-1); "
		 "dataplane: srtpedge main lcore 0, W workers on lcores 1..W (on CPUs 1, 2, ... "
		 "and round again from CPU 0 past the last CPU), generator lcore 0; "
		 "rtpengine: not pinned",
		 m.cpus ? m.cpus - 1 : 0);
	jrow_set_str(r, "pinning", buf);
	buf[0] = '\0';
	f = popen("git rev-parse --short HEAD 2>/dev/null", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		pclose(f);
	}
	jrow_set_str(r, "commit", buf[0] ? buf : "unknown");
	time_t now = time(NULL);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	jrow_set_str(r, "date", buf);
	jrow_set_str(r, "command", command);
}

/* ---- run / sweep ---------------------------------------------------------- */

static void scenario_row(struct harness *h, const struct scenario *sc, double secs,
			 int failures)
{
	struct jrow r;
	char buf[320];
	size_t o = 0;

	memset(&r, 0, sizeof(r));
	jrow_set_str(&r, "row", "scenario");
	jrow_set_str(&r, "scenario", sc->name);
	jrow_set_str(&r, "description", sc->description);
	for (unsigned e = 0; e < E_COUNT; e++)
		if (sc->engines & (1u << e))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? "," : "",
					      engine_names[e]);
	jrow_set_str(&r, "engines", buf);
	jrow_set_num(&r, "packets", sc->packets);
	jrow_set_num(&r, "crypto_packets", sc->crypto_packets);
	jrow_set_num(&r, "repeats", sc->repeats);
	jrow_set_bool(&r, "quick", h->quick);
	jrow_set_num(&r, "elapsed_s", secs);
	jrow_set_num(&r, "failures", failures);
	if (h->out)
		jrow_print(h->out, &r);
	if (h->json)
		jrow_print(stdout, &r);
	else
		printf("-- %s: %.1f s%s\n", sc->name, secs, failures ? ", with failures" : "");
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_scenario(struct harness *h, const struct scenario *sc)
{
	double t0 = now_s();
	int failures = 0;

	fprintf(stderr, "srtpedge-bench: scenario %s (%s)\n", sc->name, sc->path);
	for (unsigned w = 0; w < sc->nworkers && !stop_requested; w++) {
		if (sc->engines & (1u << E_DATAPLANE))
			failures += run_dataplane(h, sc, sc->workers[w]);
		if (!stop_requested)
			failures += run_crypto(h, sc, sc->workers[w]);
	}
	if ((sc->engines & (1u << E_RTPENGINE)) && !stop_requested)
		failures += run_rtpengine(h, sc);
	scenario_row(h, sc, now_s() - t0, failures);
	return failures;
}

static int harness_init(struct harness *h, bool json, bool quick, const char *out,
			const char *srtpedge)
{
	memset(h, 0, sizeof(*h));
	h->json = json;
	h->quick = quick;
	h->ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	ssize_t n = readlink("/proc/self/exe", h->self, sizeof(h->self) - 1);
	if (n <= 0) {
		fprintf(stderr, "srtpedge-bench: cannot find its own binary\n");
		return -1;
	}
	h->self[n] = '\0';
	if (srtpedge)
		snprintf(h->srtpedge, sizeof(h->srtpedge), "%s", srtpedge);
	snprintf(h->tmp, sizeof(h->tmp), "/tmp/srtpedge-run.XXXXXX");
	if (mkdtemp(h->tmp) == NULL) {
		fprintf(stderr, "srtpedge-bench: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	if (out) {
		h->out = fopen(out, "w");
		if (h->out == NULL) {
			fprintf(stderr, "srtpedge-bench: %s: %s\n", out, strerror(errno));
			return -1;
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

static void harness_done(struct harness *h)
{
	char cmd[128];
	if (h->out)
		fclose(h->out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->tmp);
	if (strncmp(h->tmp, "/tmp/srtpedge-run.", 18) == 0 && system(cmd) != 0)
		fprintf(stderr, "srtpedge-bench: could not remove %s\n", h->tmp);
}

static void command_line(char *buf, size_t len, int argc, char **argv)
{
	size_t o = (size_t)snprintf(buf, len, "srtpedge-bench");
	for (int i = 0; i < argc && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " %s", argv[i]);
}

static void run_usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench run SCENARIO.ini [--quick] [--json] [--out FILE]\n"
"                          [--srtpedge PATH]\n"
"\n"
"Runs one scenario file (perf/scenarios/NAME.ini; perf/README.md describes the\n"
"keys): the crypto engines through `srtpedge-bench crypto`, the dataplane\n"
"through `srtpedge-bench dataplane`, rtpengine through perf/rtpengine.sh, each\n"
"as a child process. Prints a table, or JSON lines with --json; --out FILE\n"
"writes the JSON lines (a machine row, the result rows, a scenario row) to\n"
"FILE as well. --quick applies the file's [quick] section.\n"
"\n"
"Exit status: 0, 1 when a run failed (its row says `failed`), 2 on bad usage\n"
"or a bad scenario file.\n");
}

static int parse_common(int argc, char **argv, bool *json, bool *quick, const char **out,
			const char **srtpedge, const char **dir, void (*usage)(FILE *))
{
	static const struct option longopts[] = {
		{"quick", no_argument, 0, 'q'},  {"json", no_argument, 0, 'j'},
		{"out", required_argument, 0, 'o'}, {"srtpedge", required_argument, 0, 'e'},
		{"scenarios", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': *quick = true; break;
		case 'j': *json = true; break;
		case 'o': *out = optarg; break;
		case 'e': *srtpedge = optarg; break;
		case 'd':
			if (dir == NULL) {
				usage(stderr);
				return 2;
			}
			*dir = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

int bench_run_main(int argc, char **argv)
{
	bool json = false, quick = false;
	const char *out = NULL, *srtpedge = NULL;
	struct harness h;
	struct scenario sc;
	char cmd[1024];

	int rc = parse_common(argc, argv, &json, &quick, &out, &srtpedge, NULL, run_usage);
	if (rc >= 0)
		return rc;
	if (optind != argc - 1) {
		run_usage(stderr);
		return 2;
	}
	if (scenario_load(argv[optind], quick, &sc) != 0)
		return 2;
	if (harness_init(&h, json, quick, out, srtpedge) != 0)
		return 2;
	command_line(cmd, sizeof(cmd), argc, argv);
	struct jrow m;
	machine_row(&m, cmd);
	if (h.out)
		jrow_print(h.out, &m);
	if (json)
		jrow_print(stdout, &m);
	table_header(&h);
	int failures = run_scenario(&h, &sc);
	fprintf(stderr, "srtpedge-bench run: %u rows: %u measured (%u unstable), %u skipped, "
			"%u failed\n", h.rows, h.measured, h.unstable, h.skipped, h.failed);
	harness_done(&h);
	return stop_requested ? 1 : failures ? 1 : 0;
}

static void sweep_usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench sweep [--quick] [--out DIR] [--scenarios DIR] [--json]\n"
"                            [--srtpedge PATH]\n"
"\n"
"Runs every scenario file of the standard set (default " BENCH_SCENARIO_DIR "),\n"
"in name order, one after the other. With --out DIR: DIR/results.jsonl (the\n"
"machine row, every result row, a row per scenario), then the report\n"
"(`srtpedge-bench report DIR/results.jsonl --out DIR`: DIR/report.md and its\n"
"plots). --quick applies each file's [quick] section (the CI smoke run).\n"
"\n"
"Exit status: 0, 1 when a run failed, 2 on bad usage or a bad scenario file.\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int bench_sweep_main(int argc, char **argv)
{
	bool json = false, quick = false;
	const char *out = NULL, *srtpedge = NULL, *dir = BENCH_SCENARIO_DIR;
	struct harness h;
	char cmd[1024], results[PATH_MAX];
	char *names[128];
	unsigned n = 0;

	int rc = parse_common(argc, argv, &json, &quick, &out, &srtpedge, &dir, sweep_usage);
	if (rc >= 0)
		return rc;
	if (optind != argc) {
		sweep_usage(stderr);
		return 2;
	}
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "srtpedge-bench sweep: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n < 128) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".ini") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	if (n == 0) {
		fprintf(stderr, "srtpedge-bench sweep: no *.ini in %s\n", dir);
		return 2;
	}
	struct scenario *sc = calloc(n, sizeof(*sc));
	for (unsigned i = 0; i < n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (scenario_load(path, quick, &sc[i]) != 0)
			return 2;
	}
	if (out) {
		if (mkdir(out, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "srtpedge-bench sweep: %s: %s\n", out, strerror(errno));
			return 2;
		}
		snprintf(results, sizeof(results), "%s/results.jsonl", out);
	}
	if (harness_init(&h, json, quick, out ? results : NULL, srtpedge) != 0)
		return 2;
	command_line(cmd, sizeof(cmd), argc, argv);
	struct jrow m;
	machine_row(&m, cmd);
	if (h.out)
		jrow_print(h.out, &m);
	if (json)
		jrow_print(stdout, &m);
	table_header(&h);
	double t0 = now_s();
	int failures = 0;
	for (unsigned i = 0; i < n && !stop_requested; i++)
		failures += run_scenario(&h, &sc[i]);
	double secs = now_s() - t0;
	fprintf(stderr, "srtpedge-bench sweep: %u scenarios in %.1f s; %u rows: %u measured "
			"(%u unstable), %u skipped, %u failed\n", n, secs, h.rows, h.measured,
		h.unstable, h.skipped, h.failed);
	harness_done(&h);
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(sc);
	if (out && !stop_requested) {
		char *rargv[] = {"report", results, "--out", (char *)out, NULL};
		fprintf(stderr, "srtpedge-bench sweep: writing the report into %s\n", out);
		if (bench_report_main(4, rargv) != 0)
			failures++;
	}
	return stop_requested ? 1 : failures ? 1 : 0;
}
