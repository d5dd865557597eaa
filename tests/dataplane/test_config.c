/*
 * srtpedge's configuration (dataplane/config.c), without EAL: the embedded
 * default, a complete file with every field checked, each syntax, value and
 * session error on its own with its whole message (file, line or [section]
 * key, what is wrong), --set overrides, sessions files, and that freed key
 * material was wiped first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test_common.h"

/* ---- key material: base64 of bytes seed, seed+1, ... (key, then salt) ---- */

#define K_10 "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"           /* 30 */
#define K_40 "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xd"           /* 30 */
#define K_70 "cHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yN"           /* 30 */
#define K_80 "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5yd"           /* 30 */
#define K_90 "kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6yt"           /* 30 */
#define K_B0 "sLGys7S1tre4ubq7vL2+v8DBwsPExcbHyMnKy8zN"           /* 30 */
#define K256_A0 "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr/AwcLDxMXGx8jJysvMzQ=="
#define K256_D0 "0NHS09TV1tfY2drb3N3e3+Dh4uPk5ebn6Onq6+zt7u/w8fLz9PX29/j5+vv8/Q=="
#define KGCM_20 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ow=="              /* 28 */
#define KGCM_30 "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKSw=="              /* 28 */
#define KGCM256_50 "UFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ens="

/* ---- configuration pieces ---- */

#define OUTSIDE_SEC "[outside]\nport = net_af_packet0,iface=x\n" \
		    "ipv4 = 192.0.2.1/24\nipv6 = 2001:db8::1/64\n"  /* 4 lines */
#define INSIDE_SEC "[inside]\nport = 0000:3b:00.0\nipv4 = 10.0.0.1/24\n" /* 3 */
#define PORTS OUTSIDE_SEC INSIDE_SEC

/* The lines of a session that is right for PORTS, to be left out or
 * replaced one at a time. */
#define S_OL "outside.local = 192.0.2.1:4000\n"
#define S_OR "outside.remote = 203.0.113.9:5004\n"
#define S_OS "outside.suite = AES_CM_128_HMAC_SHA1_80\n"
#define S_OK "outside.rx_key = inline:" K_10 "\noutside.tx_key = inline:" K_40 "\n"
#define S_IL "inside.local = 10.0.0.1:4000\n"
#define S_IR "inside.remote = 10.0.0.9:6000\n"
#define S_ALL S_OL S_OR S_OS S_OK S_IL S_IR

/* ---- checks that say what they saw ---- */

#define CHECK_STR(got, want) \
	CHECK(strcmp((got), (want)) == 0, "%s = \"%s\", want \"%s\"", #got, (got), (want))
#define CHECK_HAS(got, sub) \
	CHECK(strstr((got), (sub)) != NULL, "output \"%s\" lacks \"%s\"", (got), (sub))
#define CHECK_LACKS(got, sub) \
	CHECK(strstr((got), (sub)) == NULL, "output \"%s\" has \"%s\"", (got), (sub))

static bool addr_is(const struct dp_addr *a, const char *text)
{
	struct dp_addr want;

	memset(&want, 0, sizeof(want));
	if (inet_pton(AF_INET, text, want.bytes) == 1)
		want.family = AF_INET;
	else if (inet_pton(AF_INET6, text, want.bytes) == 1)
		want.family = AF_INET6;
	return want.family != 0 && memcmp(a, &want, sizeof(want)) == 0;
}

#define CHECK_ADDR(a, text) CHECK(addr_is(&(a), (text)), "%s is not %s", #a, (text))
#define CHECK_EP(ep, text, p) \
	do { CHECK_ADDR((ep).addr, (text)); CHECK_U((ep).port, (p)); } while (0)
#define CHECK_PREFIX(pf, text, len) \
	do { CHECK_ADDR((pf).addr, (text)); CHECK_U((pf).plen, (len)); } while (0)

static bool mac_is(const uint8_t *mac, const char *text)
{
	unsigned b[6];

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if ((unsigned)mac[i] != b[i])
			return false;
	return true;
}

/* keys[j] holds the seed pattern: key bytes seed.., then salt bytes, and
 * zeroes after them. */
static bool key_is(const struct dp_srtp_keys *k, unsigned j, unsigned seed,
		   size_t klen, size_t slen)
{
	for (size_t i = 0; i < sizeof(k->keys[j].key); i++)
		if (k->keys[j].key[i] != (i < klen ? (uint8_t)(seed + i) : 0))
			return false;
	for (size_t i = 0; i < sizeof(k->keys[j].salt); i++)
		if (k->keys[j].salt[i] != (i < slen ? (uint8_t)(seed + klen + i) : 0))
			return false;
	return true;
}

#define CHECK_KEY(k, j, seed, klen, slen) \
	CHECK(key_is(&(k), (j), (seed), (klen), (slen)), \
	      "%s.keys[%u] is not the 0x%02x pattern", #k, (unsigned)(j), (unsigned)(seed))
#define CHECK_MKI(k, j, b0, b1, b2, b3) \
	CHECK(memcmp((k).keys[j].mki, (uint8_t[]){b0, b1, b2, b3}, 4) == 0, \
	      "%s.keys[%u].mki", #k, (unsigned)(j))

/* ---- what freed memory still held (linked with --wrap=free,realloc) ---- */

void __real_free(void *p);
void __wrap_free(void *p);
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static const void *watch_block;   /* a block expected to be zero when freed */
static size_t watch_len;
static unsigned watch_freed, watch_dirty;
static const void *watch_bytes;   /* no freed or reallocated block may hold these */
static size_t watch_bytes_len;
static unsigned bytes_freed, bytes_reallocated;

static bool holds(const void *p, const void *what, size_t n)
{
	return p != NULL && what != NULL && memmem(p, malloc_usable_size((void *)p), what, n) != NULL;
}

void __wrap_free(void *p)
{
	if (p != NULL && p == watch_block) {
		const uint8_t *b = p;
		watch_freed++;
		for (size_t i = 0; i < watch_len; i++)
			watch_dirty += b[i] != 0;
	}
	if (holds(p, watch_bytes, watch_bytes_len))
		bytes_freed++;
	__real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
	/* realloc may move the block and free the old one as it is */
	if (holds(p, watch_bytes, watch_bytes_len))
		bytes_reallocated++;
	return __real_realloc(p, n);
}

static void watch_reset(void)
{
	watch_block = NULL;
	watch_len = 0;
	watch_freed = watch_dirty = 0;
	watch_bytes = NULL;
	watch_bytes_len = 0;
	bytes_freed = bytes_reallocated = 0;
}

/* snprintf that fails the test rather than cut the text */
static void __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	int n = vsnprintf(buf, cap, f, ap);
	va_end(ap);
	CU_ASSERT_FATAL(n >= 0 && (size_t)n < cap);
}

/* ---- files and captured messages ---- */

static char tmpdir[PATH_MAX];

static void path_of(char *path, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
	CU_ASSERT_FATAL(n > 0 && n < PATH_MAX);
}

static void write_file(char *path, const char *name, const char *text)
{
	path_of(path, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	CU_ASSERT_FATAL(fclose(f) == 0);
}

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o->f);
	return o->f;
}

static const char *out_text(struct out *o)
{
	fflush(o->f);
	return o->buf ? o->buf : "";
}

static void out_close(struct out *o)
{
	fclose(o->f);
	free(o->buf);
}

/* Writes `text` as tmpdir/NAME and loads it; messages go to *o. */
static int load_text(const char *name, const char *text, const struct dp_override *ov,
		     unsigned nov, struct dp_config *cfg, char *path, struct out *o)
{
	write_file(path, name, text);
	return dp_config_load(path, ov, nov, cfg, out_open(o));
}

/* What dp_config_load prints for `problems` (one a line: "[section] key: ..."
 * or "LINE: ..."), each after "srtpedge: FILE", and the closing count when
 * `counted` (value problems have it, syntax problems do not). */
static char *expected(const char *path, const char *problems, bool counted)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned n = 0;

	for (const char *p = problems; *p;) {
		size_t l = strcspn(p, "\n");
		fprintf(f, "srtpedge: %s%s%.*s\n", path,
			isdigit((unsigned char)*p) ? ":" : ": ", (int)l, p);
		n++;
		p += l + (p[l] == '\n');
	}
	if (counted)
		fprintf(f, "srtpedge: %u problem%s in the configuration; nothing was started\n",
			n, n == 1 ? "" : "s");
	fclose(f);
	return buf;
}

struct bad_case {
	const char *name;
	const char *text;
	const char *problems;
};

/* Each case must fail with exactly its problems and leave no sessions. */
static void run_bad_cases(const struct bad_case *c, size_t n, bool counted)
{
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct dp_config cfg;
		struct out o;
		int rc = load_text(c[i].name, c[i].text, NULL, 0, &cfg, path, &o);
		char *want = expected(path, c[i].problems, counted);
		CHECK(rc == -1, "%s: loaded (rc %d)", c[i].name, rc);
		CHECK(strcmp(out_text(&o), want) == 0, "%s: printed\n%swanted\n%s",
		      c[i].name, out_text(&o), want);
		CHECK(cfg.sessions == NULL && cfg.nsessions == 0,
		      "%s: sessions left after a failed load", c[i].name);
		if (rc == 0)
			dp_config_free(&cfg);
		free(want);
		out_close(&o);
	}
}

/* Loads text that must be valid; a failure shows the messages. */
static void load_ok(const char *name, const char *text, const struct dp_override *ov,
		    unsigned nov, struct dp_config *cfg)
{
	char path[PATH_MAX];
	struct out o;
	int rc = load_text(name, text, ov, nov, cfg, path, &o);

	CHECK(rc == 0, "%s: rc %d:\n%s", name, rc, out_text(&o));
	CHECK(o.len == 0, "%s: printed \"%s\" for a valid configuration", name, out_text(&o));
	out_close(&o);
	CU_ASSERT_FATAL(rc == 0);
}

/* ---- the embedded default ---- */

static void test_default_is_demo_ini(void)
{
	FILE *f = fopen(DEMO_INI, "r");
	char text[8192];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	CHECK(n > 0 && strcmp(text, dp_default_config) == 0,
	      "dp_default_config differs from %s", DEMO_INI);
}

static void check_demo_values(const struct dp_config *cfg)
{
	CHECK_U(cfg->workers, 1);
	CHECK_U(cfg->main_lcore, 0);
	CHECK_U(cfg->worker_lcores[0], 1);
	CHECK_U(cfg->max_sessions, 4096);
	CHECK_U(cfg->stats_interval, 1);
	/* not in demo.ini: the built-in defaults */
	CHECK_U(cfg->ssrcs_per_direction, 4);
	CHECK_U(cfg->exception_pps, 20000);
	CHECK(!cfg->has_worker_cpus, "worker CPUs without worker_cpus");
	CHECK_U(cfg->replay_window, 128);
	CHECK_U(cfg->burst, 32);
	CHECK_U(cfg->mbufs, 16383);
	CHECK_U(cfg->ttl, 64);
	CHECK_STR(cfg->sessions_file, "");
	CHECK_STR(cfg->eal_extra, "");
	CHECK(!cfg->offline, "offline");

	const struct dp_port_cfg *o = &cfg->port[DP_OUTSIDE], *i = &cfg->port[DP_INSIDE];
	CHECK_STR(o->device, "ring");
	CHECK(!o->is_pci && o->nipv4 == 1 && o->nipv6 == 0, "outside flags");
	CHECK_PREFIX(o->ipv4[0], "192.0.2.1", 24);
	CHECK(o->has_gateway4 && !o->has_gateway6, "outside gateways");
	CHECK_ADDR(o->gateway4, "192.0.2.254");
	CHECK_U(o->nneighbors, 1);
	CHECK_ADDR(o->neighbors[0].ip, "192.0.2.254");
	CHECK(mac_is(o->neighbors[0].mac, "02:00:00:00:fe:01"), "outside neighbour MAC");

	CHECK_STR(i->device, "ring");
	CHECK(!i->is_pci && i->nipv4 == 1 && i->nipv6 == 0, "inside flags");
	CHECK_PREFIX(i->ipv4[0], "10.0.0.1", 24);
	CHECK(i->has_gateway4 && !i->has_gateway6, "inside gateways");
	CHECK_ADDR(i->gateway4, "10.0.0.254");
	CHECK_U(i->nneighbors, 1);
	CHECK_ADDR(i->neighbors[0].ip, "10.0.0.254");
	CHECK(mac_is(i->neighbors[0].mac, "02:00:00:00:fe:02"), "inside neighbour MAC");

	CHECK(cfg->demo.enabled, "demo enabled");
	CHECK_U(cfg->demo.sessions, 1000);
	CHECK_U(cfg->demo.suite, SRE_AES_CM_128_HMAC_SHA1_80);
	CHECK_U(cfg->demo.payload, 160);
	CHECK_U(cfg->demo.pps, 200000);
	CHECK_U(cfg->demo.duration, 10);
	CHECK_U(cfg->demo.bad_per_mille, 10);
	CHECK_U(cfg->nsessions, 0);
	CHECK(cfg->sessions == NULL, "sessions");
}

static void test_default_loads(void)
{
	struct dp_config cfg;
	struct out o;

	int rc = dp_config_load(NULL, NULL, 0, &cfg, out_open(&o));
	CHECK(rc == 0, "embedded default: rc %d: %s", rc, out_text(&o));
	CHECK_U(o.len, 0);
	out_close(&o);
	CU_ASSERT_FATAL(rc == 0);
	CHECK_STR(cfg.file, "(embedded default)");
	check_demo_values(&cfg);
	dp_config_free(&cfg);

	/* the same text read as a file gives the same configuration */
	struct dp_config from_file;
	rc = dp_config_load(DEMO_INI, NULL, 0, &from_file, out_open(&o));
	out_close(&o);
	CU_ASSERT_FATAL(rc == 0);
	CHECK_STR(from_file.file, DEMO_INI);
	check_demo_values(&from_file);
	dp_config_free(&from_file);
}

static void test_default_with_override(void)
{
	struct dp_config cfg;
	struct dp_override ov[2];
	struct out o;

	CU_ASSERT_FATAL(dp_override_parse("demo.duration=0", &ov[0], stderr) == 0);
	CU_ASSERT_FATAL(dp_override_parse("dataplane.workers=2", &ov[1], stderr) == 0);
	int rc = dp_config_load(NULL, ov, 2, &cfg, out_open(&o));
	CHECK(rc == 0, "rc %d: %s", rc, out_text(&o));
	out_close(&o);
	CU_ASSERT_FATAL(rc == 0);
	CHECK_U(cfg.demo.duration, 0);
	CHECK_U(cfg.demo.sessions, 1000);
	CHECK_U(cfg.workers, 2);
	CHECK_U(cfg.worker_lcores[0], 1);
	CHECK_U(cfg.worker_lcores[1], 2);
	dp_config_free(&cfg);
}

/* ---- a complete configuration ---- */

static const char complete_ini[] =
	"; every section and key srtpedge knows, with two sessions\n"
	"[dataplane]\n"
	"workers = 3\n"
	"main_lcore = 2\n"
	"worker_lcores = 4-5,7\n"
	"worker_cpus = 1,1,3\n"
	"max_sessions = 100\n"
	"ssrcs_per_direction = 8\n"
	"replay_window = 1024\n"
	"burst = 64\n"
	"mbufs = 32767\n"
	"ttl = 32\n"
	"exception_pps = 5000\n"
	"stats_interval = 0\n"
	"eal = --log-level=lib.eal:debug --in-memory\n"
	"offline = no\n"
	"\n"
	"[outside]\n"
	"port = net_af_packet0,iface=x\n"
	"ipv4 = 198.51.100.10/24\n"
	"ipv6 = 2001:db8:1::10/64\n"
	"gateway4 = 198.51.100.1\n"
	"gateway6 = 2001:db8:1::1\n"
	"neighbor = 198.51.100.1 02:00:00:00:01:01\n"
	"neighbor = 2001:db8:1::1 02:00:00:00:01:06\n"
	"  neighbor   =   198.51.100.20   0a:1b:2c:3d:4e:5f  \n"
	"\n"
	"[inside]\n"
	"port = 0000:3b:00.0\n"
	"ipv4 = 10.1.0.10/16\n"
	"ipv6 = fd00::10/48\n"
	"gateway4 = 10.1.0.1\n"
	"\n"
	"[session alice]\n"
	"id = 7\n"
	"outside.local = 198.51.100.10:40000\n"
	"outside.remote = 203.0.113.5:5004\n"
	"outside.suite = AES_CM_128_HMAC_SHA1_80\n"
	"outside.rx_key = inline:" K_10 "\n"
	"outside.tx_key = inline:" K_40 "|2^20|1:4\n"
	"outside.tx_key = inline:" K_70 "|2^31|2:4\n"
	"outside.tx_key = inline:" K_80 "|3:4\n"
	"inside.local = 10.1.0.10:40000\n"
	"inside.remote = 10.1.5.5:6000\n"
	"inside.suite = none\n"
	"\n"
	"[session bob]\nid = 2\n"
	"outside.local = [2001:db8:1::10]:40002\n"
	"outside.remote = latch\n"
	"outside.suite = AEAD_AES_128_GCM\n"
	"outside.rx_key = inline:" KGCM_20 "|2^40\n"
	"outside.tx_key = inline:" KGCM_30 "\n"
	"inside.local = 10.1.0.10:40002\n"
	"inside.remote = 10.1.5.6:6002\n"
	"inside.suite = AES_256_CM_HMAC_SHA1_80\n"
	"inside.rx_key = inline:" K256_A0 "|1:1\n"
	"inside.tx_key = inline:" K256_D0 "|2:1\n";

static void test_complete(void)
{
	struct dp_config cfg;
	char path[PATH_MAX];

	load_ok("complete.ini", complete_ini, NULL, 0, &cfg);
	path_of(path, "complete.ini");
	CHECK_STR(cfg.file, path);

	CHECK_U(cfg.workers, 3);
	CHECK_U(cfg.main_lcore, 2);
	CHECK_U(cfg.worker_lcores[0], 4);
	CHECK(cfg.has_worker_cpus, "worker_cpus not taken");
	CHECK_U(cfg.worker_cpus[0], 1);
	CHECK_U(cfg.worker_cpus[1], 1);
	CHECK_U(cfg.worker_cpus[2], 3);
	CHECK_U(cfg.worker_lcores[1], 5);
	CHECK_U(cfg.worker_lcores[2], 7);
	CHECK_U(cfg.max_sessions, 100);
	CHECK_U(cfg.ssrcs_per_direction, 8);
	CHECK_U(cfg.replay_window, 1024);
	CHECK_U(cfg.burst, 64);
	CHECK_U(cfg.mbufs, 32767);
	CHECK_U(cfg.ttl, 32);
	CHECK_U(cfg.exception_pps, 5000);
	CHECK_U(cfg.stats_interval, 0);
	CHECK_STR(cfg.eal_extra, "--log-level=lib.eal:debug --in-memory");
	CHECK_STR(cfg.sessions_file, "");
	CHECK(!cfg.offline, "offline");
	CHECK(!cfg.demo.enabled, "no [demo]: no generator");

	const struct dp_port_cfg *o = &cfg.port[DP_OUTSIDE];
	CHECK_STR(o->device, "net_af_packet0,iface=x");
	CHECK(!o->is_pci, "a vdev is not PCI");
	CHECK(o->nipv4 == 1 && o->nipv6 == 1, "outside has both families");
	CHECK_PREFIX(o->ipv4[0], "198.51.100.10", 24);
	CHECK_PREFIX(o->ipv6[0], "2001:db8:1::10", 64);
	CHECK(o->has_gateway4 && o->has_gateway6, "outside gateways");
	CHECK_ADDR(o->gateway4, "198.51.100.1");
	CHECK_ADDR(o->gateway6, "2001:db8:1::1");
	CHECK_U(o->nneighbors, 3);
	CHECK_ADDR(o->neighbors[0].ip, "198.51.100.1");
	CHECK(mac_is(o->neighbors[0].mac, "02:00:00:00:01:01"), "neighbour 0 MAC");
	CHECK_ADDR(o->neighbors[1].ip, "2001:db8:1::1");
	CHECK(mac_is(o->neighbors[1].mac, "02:00:00:00:01:06"), "neighbour 1 MAC");
	CHECK_ADDR(o->neighbors[2].ip, "198.51.100.20");
	CHECK(mac_is(o->neighbors[2].mac, "0a:1b:2c:3d:4e:5f"), "neighbour 2 MAC");

	const struct dp_port_cfg *in = &cfg.port[DP_INSIDE];
	CHECK_STR(in->device, "0000:3b:00.0");
	CHECK(in->is_pci, "0000:3b:00.0 is PCI");
	CHECK(in->nipv4 == 1 && in->nipv6 == 1, "inside has both families");
	CHECK_PREFIX(in->ipv4[0], "10.1.0.10", 16);
	CHECK_PREFIX(in->ipv6[0], "fd00::10", 48);
	CHECK(in->has_gateway4 && !in->has_gateway6, "inside gateways");
	CHECK_ADDR(in->gateway4, "10.1.0.1");
	CHECK_U(in->nneighbors, 0);

	CU_ASSERT_FATAL(cfg.nsessions == 2 && cfg.sessions != NULL);
	const struct dp_session_spec *a = &cfg.sessions[0], *b = &cfg.sessions[1];

	CHECK_STR(a->name, "alice");
	CHECK_U(a->id, 7);
	const struct dp_leg_spec *ao = &a->leg[DP_OUTSIDE], *ai = &a->leg[DP_INSIDE];
	CHECK_EP(ao->local, "198.51.100.10", 40000);
	CHECK_EP(ao->remote, "203.0.113.5", 5004);
	CHECK(!ao->latch, "alice outside latch");
	CHECK_U(ao->rx.suite, SRE_AES_CM_128_HMAC_SHA1_80);
	CHECK_U(ao->rx.nkeys, 1);
	CHECK_U(ao->rx.mki_len, 0);
	CHECK_U(ao->rx.lifetime, 0);
	CHECK_KEY(ao->rx, 0, 0x10, 16, 14);
	CHECK_U(ao->tx.suite, SRE_AES_CM_128_HMAC_SHA1_80);
	CHECK_U(ao->tx.nkeys, 3);
	CHECK_U(ao->tx.mki_len, 4);
	CHECK_U(ao->tx.active, 0);
	CHECK_U(ao->tx.lifetime, 1u << 20); /* the shortest given */
	CHECK_KEY(ao->tx, 0, 0x40, 16, 14);
	CHECK_KEY(ao->tx, 1, 0x70, 16, 14);
	CHECK_KEY(ao->tx, 2, 0x80, 16, 14);
	CHECK_MKI(ao->tx, 0, 0, 0, 0, 1);
	CHECK_MKI(ao->tx, 1, 0, 0, 0, 2);
	CHECK_MKI(ao->tx, 2, 0, 0, 0, 3);
	CHECK_EP(ai->local, "10.1.0.10", 40000);
	CHECK_EP(ai->remote, "10.1.5.5", 6000);
	CHECK(!ai->latch, "alice inside latch");
	CHECK_U(ai->rx.suite, DP_SUITE_NONE);
	CHECK_U(ai->tx.suite, DP_SUITE_NONE);
	CHECK_U(ai->rx.nkeys, 0);
	CHECK_U(ai->tx.nkeys, 0);

	CHECK_STR(b->name, "bob");
	CHECK_U(b->id, 2); /* its place among the sessions */
	const struct dp_leg_spec *bo = &b->leg[DP_OUTSIDE], *bi = &b->leg[DP_INSIDE];
	CHECK_EP(bo->local, "2001:db8:1::10", 40002);
	CHECK(bo->latch, "bob outside latches");
	CHECK_U(bo->remote.addr.family, AF_INET6);
	CHECK_U(bo->remote.port, 0);
	CHECK_U(bo->rx.suite, SRE_AEAD_AES_128_GCM);
	CHECK_U(bo->rx.nkeys, 1);
	CHECK_U(bo->rx.lifetime, 1ull << 40);
	CHECK_KEY(bo->rx, 0, 0x20, 16, 12);
	CHECK_U(bo->tx.suite, SRE_AEAD_AES_128_GCM);
	CHECK_U(bo->tx.nkeys, 1);
	CHECK_U(bo->tx.lifetime, 0);
	CHECK_KEY(bo->tx, 0, 0x30, 16, 12);
	CHECK_EP(bi->local, "10.1.0.10", 40002);
	CHECK_EP(bi->remote, "10.1.5.6", 6002);
	CHECK(!bi->latch, "bob inside latch");
	CHECK_U(bi->rx.suite, SRE_AES_256_CM_HMAC_SHA1_80);
	CHECK_U(bi->rx.nkeys, 1);
	CHECK_U(bi->rx.mki_len, 1);
	CHECK_KEY(bi->rx, 0, 0xa0, 32, 14);
	CHECK_MKI(bi->rx, 0, 1, 0, 0, 0);
	CHECK_U(bi->tx.suite, SRE_AES_256_CM_HMAC_SHA1_80);
	CHECK_U(bi->tx.mki_len, 1);
	CHECK_KEY(bi->tx, 0, 0xd0, 32, 14);
	CHECK_MKI(bi->tx, 0, 2, 0, 0, 0);

	dp_config_free(&cfg);
	CHECK(cfg.sessions == NULL && cfg.nsessions == 0, "freed");
}

/* Forms the two parsers (ours and rte_cfgfile) must read alike. */
static void test_accepted_forms(void)
{
	struct dp_config cfg;

	/* a trailing ';' comment, CRLF ends, a 3-part PCI address, no ipv4 */
	load_ok("forms.ini",
		"[dataplane]\r\n"
		"workers = 2 ; two workers\r\n"
		"[outside]\r\n"
		"port = 3b:00.1\r\n"
		"ipv6 = 2001:db8::1/128\r\n"
		"[inside]\r\n"
		"port = ring\r\n"
		"ipv4 = 10.0.0.1/32\r\n"
		"[demo]\r\n",
		NULL, 0, &cfg);
	CHECK_U(cfg.workers, 2);
	CHECK(cfg.port[DP_OUTSIDE].is_pci, "3b:00.1 is PCI");
	CHECK(cfg.port[DP_OUTSIDE].nipv4 == 0 && cfg.port[DP_OUTSIDE].nipv6 == 1, "v6 only");
	CHECK_U(cfg.port[DP_OUTSIDE].ipv6[0].plen, 128);
	CHECK_U(cfg.port[DP_INSIDE].ipv4[0].plen, 32);
	CHECK(cfg.demo.enabled, "an empty [demo] still enables the generator");
	dp_config_free(&cfg);

	/* the longest key and value rte_cfgfile keeps whole */
	char text[1024], v[256];
	memset(v, 'v', 255);
	v[255] = '\0';
	fmt(text, sizeof(text), "[dataplane]\neal=%s\n" PORTS, v);
	load_ok("longest_value.ini", text, NULL, 0, &cfg);
	CHECK_STR(cfg.eal_extra, v);
	dp_config_free(&cfg);

	/* every suite by name, the outside leg on IPv6 both ends */
	static const char *const suites[] = {
		"AES_CM_128_HMAC_SHA1_32", "NULL_HMAC_SHA1_80",
		"AES_256_CM_HMAC_SHA1_32", "AEAD_AES_256_GCM",
	};
	static const char *const keys[] = {K_10, K_10, K256_A0, KGCM256_50};
	static const enum sre_suite ids[] = {
		SRE_AES_CM_128_HMAC_SHA1_32, SRE_NULL_HMAC_SHA1_80,
		SRE_AES_256_CM_HMAC_SHA1_32, SRE_AEAD_AES_256_GCM,
	};
	for (size_t i = 0; i < 4; i++) {
		fmt(text, sizeof(text), PORTS "[session s]\nid = 1\n"
			 "outside.local = [2001:db8::1]:4000\n"
			 "outside.remote = [2001:db8::99]:5000\n"
			 "outside.suite = %s\n"
			 "outside.rx_key = inline:%s\n"
			 "outside.tx_key = inline:%s\n" S_IL S_IR,
			 suites[i], keys[i], keys[i]);
		load_ok("suites.ini", text, NULL, 0, &cfg);
		CHECK_U(cfg.sessions[0].leg[DP_OUTSIDE].tx.suite, ids[i]);
		CHECK_EP(cfg.sessions[0].leg[DP_OUTSIDE].remote, "2001:db8::99", 5000);
		dp_config_free(&cfg);
	}
}

/* ---- syntax: every problem with its line, nothing read after them ---- */

static void test_syntax_errors(void)
{
	static const struct bad_case cases[] = {
		{"no_equals.ini", "[dataplane]\nworkers 2\n" PORTS,
		 "2: expected 'key = value' or '[section]'"},
		{"hash_comment.ini", "# the ports\n" PORTS,
		 "1: comments start with ';'"},
		{"outside_section.ini", "workers = 2\n" PORTS,
		 "1: 'workers' is outside any section"},
		{"unterminated.ini", "[dataplane\nworkers = 2\n" PORTS,
		 "1: a section is '[name]' alone on its line\n"
		 "2: 'workers' is outside any section"},
		{"after_bracket.ini", PORTS "[demo] sessions\n",
		 "8: a section is '[name]' alone on its line"},
		{"empty_value.ini", "[dataplane]\nworkers =\n" PORTS,
		 "2: workers has no value"},
		{"no_key.ini", "[dataplane]\n = 2\n" PORTS,
		 "2: missing key before '='"},
		{"dup_section.ini", PORTS "[outside]\nport = ring\n",
		 "8: section [outside] appears twice"},
		{"dup_session.ini", PORTS "[session a]\nid = 1\n" S_ALL "[session a]\nid = 1\n" S_ALL,
		 "17: section [session a] appears twice"},
		{"dup_key.ini", "[dataplane]\nworkers = 2\nttl = 9\nworkers = 3\n" PORTS,
		 "4: workers is set twice in this section"},
		{"dup_session_key.ini", PORTS "[session a]\nid = 1\n" S_ALL S_OS,
		 "17: outside.suite is set twice in this section"},
		{"unknown_section.ini", "[dataplan]\nworkers = 2\n" PORTS,
		 "1: unknown section [dataplan] (known: [dataplane], [outside], "
		 "[inside], [demo], [session NAME])"},
		{"session_no_name.ini", PORTS "[session]\n" S_ALL,
		 "8: unknown section [session] (known: [dataplane], [outside], "
		 "[inside], [demo], [session NAME])"},
		{"typo_dataplane.ini", "[dataplane]\nwrokers = 2\n" PORTS,
		 "2: unknown key 'wrokers' in this section"},
		{"typo_outside.ini", "[outside]\nport = net_af_packet0,iface=x\n"
		 "ipv4 = 192.0.2.1/24\ngatway4 = 192.0.2.254\n" INSIDE_SEC,
		 "4: unknown key 'gatway4' in this section"},
		{"typo_inside.ini", OUTSIDE_SEC "[inside]\nport = 0000:3b:00.0\n"
		 "ipv4 = 10.0.0.1/24\nneighbour = 10.0.0.9 02:00:00:00:00:09\n",
		 "8: unknown key 'neighbour' in this section"},
		{"typo_demo.ini", PORTS "[demo]\nsesions = 10\n",
		 "9: unknown key 'sesions' in this section"},
		{"typo_session.ini", PORTS "[session a]\nid = 1\n" S_ALL "outside.rxkey = inline:" K_70 "\n",
		 "17: unknown key 'outside.rxkey' in this section"},
		{"session_key_no_leg.ini", PORTS "[session a]\nid = 1\nlocal = 192.0.2.1:4000\n",
		 "10: unknown key 'local' in this section"},
		{"demo_key_in_dataplane.ini", "[dataplane]\npps = 5\n" PORTS,
		 "2: unknown key 'pps' in this section"},
		{"several.ini", "# one\n[dataplane]\nworkers = 1\nworkers = 2\nbogus\n"
		 "[nowhere]\nkey = x\n" PORTS,
		 "1: comments start with ';'\n"
		 "4: workers is set twice in this section\n"
		 "5: expected 'key = value' or '[section]'\n"
		 "6: unknown section [nowhere] (known: [dataplane], [outside], "
		 "[inside], [demo], [session NAME])"},
	};
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), false);
}

static void test_syntax_lengths(void)
{
	char text[2048], big[1200];
	struct bad_case c;

	/* a value of 256 characters (rte_cfgfile would cut it to 255) */
	memset(big, 'v', 256);
	big[256] = '\0';
	fmt(text, sizeof(text), "[dataplane]\neal = %s\n" PORTS, big);
	c = (struct bad_case){"long_value.ini", text,
		"2: eal: key or value too long (at most 63 and 255 characters)"};
	run_bad_cases(&c, 1, false);

	/* a key of 64 */
	memset(big, 'k', 64);
	big[64] = '\0';
	char want[256];
	fmt(text, sizeof(text), PORTS "[demo]\n%s = 1\n", big);
	fmt(want, sizeof(want),
		 "9: %s: key or value too long (at most 63 and 255 characters)", big);
	c = (struct bad_case){"long_key.ini", text, want};
	run_bad_cases(&c, 1, false);

	/* a section name of 64 */
	memset(big, 'n', 56);
	big[56] = '\0';
	fmt(text, sizeof(text), PORTS "[session %s]\nid = 100\n" S_ALL, big);
	c = (struct bad_case){"long_section.ini", text,
		"8: section name longer than 63 characters"};
	run_bad_cases(&c, 1, false);

	/* a line longer than the syntax pass reads; the next line keeps its
	 * number */
	memset(big, 'v', 1100);
	big[1100] = '\0';
	fmt(text, sizeof(text), "[dataplane]\neal = %s\n# x\n" PORTS, big);
	c = (struct bad_case){"long_line.ini", text,
		"2: line longer than 322 characters\n3: comments start with ';'"};
	run_bad_cases(&c, 1, false);

	/* rte_cfgfile's own limit holds for comments too: 322 characters
	 * load, 323 are refused with their line number */
	struct dp_config cfg;
	memset(big, '-', 321);
	big[321] = '\0';
	fmt(text, sizeof(text), ";%s\n" PORTS, big);
	load_ok("comment_322.ini", text, NULL, 0, &cfg);
	dp_config_free(&cfg);
	fmt(text, sizeof(text), PORTS ";-%s\n", big);
	c = (struct bad_case){"comment_323.ini", text, "8: line longer than 322 characters"};
	run_bad_cases(&c, 1, false);
}

/* ---- values: each problem on its own, naming [section] key ---- */

static void test_value_errors(void)
{
#define DP(body) "[dataplane]\n" body PORTS
	static const struct bad_case cases[] = {
		{"workers0.ini", DP("workers = 0\n"), "[dataplane] workers: '0': expected 1 to 64"},
		{"workers65.ini", DP("workers = 65\n"), "[dataplane] workers: '65': expected 1 to 64"},
		{"workers_two.ini", DP("workers = two\n"),
		 "[dataplane] workers: 'two': expected 1 to 64"},
		{"workers_neg.ini", DP("workers = -1\n"),
		 "[dataplane] workers: '-1': expected 1 to 64"},
		{"workers_junk.ini", DP("workers = 2x\n"),
		 "[dataplane] workers: '2x': expected 1 to 64"},
		{"workers_huge.ini", DP("workers = 18446744073709551617\n"),
		 "[dataplane] workers: '18446744073709551617': expected 1 to 64"},
		{"lcores_count.ini", DP("main_lcore = 5\nworkers = 2\nworker_lcores = 6\n"),
		 "[dataplane] worker_lcores: lists 1 lcores for 2 workers"},
		{"lcores_count_more.ini", DP("worker_lcores = 1-3\n"),
		 "[dataplane] worker_lcores: lists 3 lcores for 1 workers"},
		{"lcores_main.ini", DP("main_lcore = 3\nworkers = 2\nworker_lcores = 2,3\n"),
		 "[dataplane] worker_lcores: lcore 3 is also the main lcore"},
		{"lcores_main_default.ini", DP("worker_lcores = 0\n"),
		 "[dataplane] worker_lcores: lcore 0 is also the main lcore"},
		{"lcores_syntax.ini", DP("worker_lcores = 3-1\n"),
		 "[dataplane] worker_lcores: '3-1': expected a list like '1', '1,3' or '1-3'"},
		{"lcores_big.ini", DP("worker_lcores = 1024\n"),
		 "[dataplane] worker_lcores: '1024': expected a list like '1', '1,3' or '1-3'"},
		{"main_lcore.ini", DP("main_lcore = 1024\n"),
		 "[dataplane] main_lcore: '1024': expected an lcore number"},
		{"window63.ini", DP("replay_window = 63\n"),
		 "[dataplane] replay_window: '63': expected a whole number from 64 to 32768"},
		{"window32769.ini", DP("replay_window = 32769\n"),
		 "[dataplane] replay_window: '32769': expected a whole number from 64 to 32768"},
		{"burst0.ini", DP("burst = 0\n"),
		 "[dataplane] burst: '0': expected a whole number from 1 to 128"},
		{"burst129.ini", DP("burst = 129\n"),
		 "[dataplane] burst: '129': expected a whole number from 1 to 128"},
		{"ttl0.ini", DP("ttl = 0\n"), "[dataplane] ttl: '0': expected 1 to 255"},
		{"ttl256.ini", DP("ttl = 256\n"), "[dataplane] ttl: '256': expected 1 to 255"},
		{"cpus.ini", DP("workers = 2\nworker_cpus = 1\n"),
		 "[dataplane] worker_cpus: lists 1 CPUs for 2 workers"},
		{"cpusx.ini", DP("worker_cpus = one\n"),
		 "[dataplane] worker_cpus: 'one': expected a list like '1', '1,1' or '2-3'"},
		{"exc0.ini", DP("exception_pps = 0\n"),
		 "[dataplane] exception_pps: '0': expected a whole number from 1 to 10000000"},
		{"stats.ini", DP("stats_interval = 86401\n"),
		 "[dataplane] stats_interval: '86401': expected a whole number from 0 to 86400"},
		{"max_sessions.ini", DP("max_sessions = 0\n"),
		 "[dataplane] max_sessions: '0': expected a whole number from 1 to 8388608"},
		{"ssrcs.ini", DP("ssrcs_per_direction = 9\n"),
		 "[dataplane] ssrcs_per_direction: '9': expected a whole number from 1 to 8"},
		{"mbufs.ini", DP("mbufs = 1022\n"),
		 "[dataplane] mbufs: '1022': expected a whole number from 1023 to 4194304"},
		{"offline.ini", DP("offline = maybe\n"),
		 "[dataplane] offline: 'maybe': expected yes or no"},
		{"several_values.ini", DP("workers = 0\nburst = 0\nttl = 0\n"),
		 "[dataplane] workers: '0': expected 1 to 64\n"
		 "[dataplane] burst: '0': expected a whole number from 1 to 128\n"
		 "[dataplane] ttl: '0': expected 1 to 255"},

		{"no_prefix.ini", "[outside]\nport = ring\nipv4 = 192.0.2.1\n" INSIDE_SEC "[demo]\n",
		 "[outside] ipv4: '192.0.2.1': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24"},
		{"prefix33.ini", "[outside]\nport = ring\nipv4 = 192.0.2.1/33\n" INSIDE_SEC "[demo]\n",
		 "[outside] ipv4: '192.0.2.1/33': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24"},
		{"prefix0.ini", "[outside]\nport = ring\nipv4 = 192.0.2.1/0\n" INSIDE_SEC "[demo]\n",
		 "[outside] ipv4: '192.0.2.1/0': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24"},
		{"v6_in_ipv4.ini", OUTSIDE_SEC "[inside]\nport = ring\nipv4 = 2001:db8::1/64\n[demo]\n",
		 "[inside] ipv4: '2001:db8::1/64': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24"},
		{"v4_in_ipv6.ini", OUTSIDE_SEC "[inside]\nport = ring\nipv6 = 10.0.0.1/24\n[demo]\n",
		 "[inside] ipv6: '10.0.0.1/24': expected an IPv6 address with its prefix "
		 "length, like 2001:db8::1/64"},
		{"prefix129.ini", OUTSIDE_SEC "[inside]\nport = ring\nipv6 = fd00::1/129\n[demo]\n",
		 "[inside] ipv6: 'fd00::1/129': expected an IPv6 address with its prefix "
		 "length, like 2001:db8::1/64"},
		{"gateway4.ini", OUTSIDE_SEC INSIDE_SEC "gateway4 = 10.0.0.300\n",
		 "[inside] gateway4: '10.0.0.300': expected an IPv4 address"},
		{"gateway4_v6.ini", OUTSIDE_SEC INSIDE_SEC "gateway4 = fd00::1\n",
		 "[inside] gateway4: 'fd00::1': expected an IPv4 address"},
		{"gateway6_v4.ini", OUTSIDE_SEC "gateway6 = 192.0.2.254\n" INSIDE_SEC,
		 "[outside] gateway6: '192.0.2.254': expected an IPv6 address"},
		{"neighbor_no_mac.ini", OUTSIDE_SEC "neighbor = 192.0.2.7\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2.7': expected 'ADDRESS MAC', like "
		 "'192.0.2.7 02:00:00:00:00:07'"},
		{"neighbor_bad_mac.ini", OUTSIDE_SEC "neighbor = 192.0.2.7 02:00:00:00:00:0g\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2.7 02:00:00:00:00:0g': expected 'ADDRESS MAC', "
		 "like '192.0.2.7 02:00:00:00:00:07'"},
		{"neighbor_short_mac.ini", OUTSIDE_SEC "neighbor = 192.0.2.7 02:00:00:00:07\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2.7 02:00:00:00:07': expected 'ADDRESS MAC', "
		 "like '192.0.2.7 02:00:00:00:00:07'"},
		{"neighbor_long_mac.ini", OUTSIDE_SEC "neighbor = 192.0.2.7 02:00:00:00:00:07:08\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2.7 02:00:00:00:00:07:08': expected 'ADDRESS MAC', "
		 "like '192.0.2.7 02:00:00:00:00:07'"},
		{"neighbor_extra.ini", OUTSIDE_SEC "neighbor = 192.0.2.7 02:00:00:00:00:07 x\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2.7 02:00:00:00:00:07 x': expected 'ADDRESS MAC', "
		 "like '192.0.2.7 02:00:00:00:00:07'"},
		{"neighbor_bad_ip.ini", OUTSIDE_SEC "neighbor = 192.0.2 02:00:00:00:00:07\n" INSIDE_SEC,
		 "[outside] neighbor: '192.0.2 02:00:00:00:00:07': expected 'ADDRESS MAC', "
		 "like '192.0.2.7 02:00:00:00:00:07'"},
		{"no_outside.ini", INSIDE_SEC,
		 "[outside]: missing: every configuration names an outside and an inside port"},
		{"no_inside.ini", OUTSIDE_SEC,
		 "[inside]: missing: every configuration names an outside and an inside port"},
		{"empty.ini", "",
		 "[outside]: missing: every configuration names an outside and an inside port\n"
		 "[inside]: missing: every configuration names an outside and an inside port"},
		{"no_port.ini", OUTSIDE_SEC "[inside]\nipv4 = 10.0.0.1/24\n",
		 "[inside] port: missing: a PCI address (0000:3b:00.0) or a DPDK virtual "
		 "device (net_af_packet0,iface=eth1)"},
		{"port_eth0.ini", "[outside]\nport = eth0\nipv4 = 192.0.2.1/24\n" INSIDE_SEC,
		 "[outside] port: 'eth0' is neither a PCI address, a net_* virtual device "
		 "nor 'ring' (the demo's)"},
		{"port_pci_typo.ini", "[outside]\nport = 0000:3b:00\nipv4 = 192.0.2.1/24\n" INSIDE_SEC,
		 "[outside] port: '0000:3b:00' is neither a PCI address, a net_* virtual "
		 "device nor 'ring' (the demo's)"},
		{"no_address.ini", OUTSIDE_SEC "[inside]\nport = 0000:3b:00.0\ngateway4 = 10.0.0.254\n",
		 "[inside]: needs an ipv4 or an ipv6 address"},
		{"demo_sessions.ini", PORTS "[demo]\nsessions = 0\n",
		 "[demo] sessions: '0': expected a whole number from 1 to 35535"},
		{"demo_payload.ini", PORTS "[demo]\npayload = 1401\n",
		 "[demo] payload: '1401': expected a whole number from 0 to 1400"},
		{"demo_suite.ini", PORTS "[demo]\nsuite = AES\n",
		 "[demo] suite: 'AES' is not a suite (e.g. AES_CM_128_HMAC_SHA1_80, "
		 "AEAD_AES_128_GCM)"},
		{"demo_over_max.ini", "[dataplane]\nmax_sessions = 999\n" PORTS "[demo]\n",
		 "[dataplane] max_sessions: 999 is fewer than the 1000 sessions configured"},
	};
#undef DP
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);
}

static void test_neighbor_limit(void)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "%s", OUTSIDE_SEC);

	for (int i = 0; i < DP_MAX_NEIGHBORS + 1; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "neighbor = 192.0.2.%d 02:00:00:00:00:%02x\n", 10 + i, i);
	snprintf(text + n, sizeof(text) - (size_t)n, "%s", INSIDE_SEC);
	struct bad_case c = {"neighbors33.ini", text,
			     "[outside] neighbor: at most 32 static neighbours"};
	run_bad_cases(&c, 1, true);

	/* 32 are fine */
	struct dp_config cfg;
	char *last = strstr(text, "neighbor = 192.0.2.42");
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	memmove(last, INSIDE_SEC, sizeof(INSIDE_SEC));
	load_ok("neighbors32.ini", text, NULL, 0, &cfg);
	CHECK_U(cfg.port[DP_OUTSIDE].nneighbors, 32);
	CHECK_ADDR(cfg.port[DP_OUTSIDE].neighbors[31].ip, "192.0.2.41");
	CHECK(mac_is(cfg.port[DP_OUTSIDE].neighbors[31].mac, "02:00:00:00:00:1f"), "MAC 31");
	dp_config_free(&cfg);
}

/* ---- several addresses per side ---- */

#define MULTI_PORTS "[outside]\nport = ring\n" \
	"ipv4 = 192.0.2.1/24\n" \
	"ipv6 = 2001:db8::1/64\n" \
	"ipv4 = 198.51.100.1/25\n" \
	"neighbor = 192.0.2.254 02:00:00:00:00:fe\n" \
	"ipv4 = 192.0.2.2/24\n" \
	"ipv6 = 2001:db8:5::1/48\n" \
	"[inside]\nport = ring\n" \
	"ipv6 = fd00::1/64\n" \
	"ipv4 = 10.0.0.1/24\n" \
	"ipv4 = 10.0.1.1/24\n"

static void test_several_addresses(void)
{
	struct dp_config cfg;

	/* each family in the file's order, interleaved with other keys; a
	 * session on a later address of each side, on IPv4 and IPv6 */
	load_ok("multi.ini", MULTI_PORTS
		"[session a]\nid = 1\n"
		"outside.local = 198.51.100.1:4000\n" S_OR S_OS S_OK
		"inside.local = 10.0.1.1:4000\n" S_IR
		"[session b]\nid = 2\n"
		"outside.local = [2001:db8:5::1]:4000\noutside.remote = latch\n" S_OS S_OK
		"inside.local = 10.0.0.1:4000\n" S_IR
		"[session c]\nid = 3\n"
		"outside.local = 192.0.2.2:4000\n" S_OR S_OS S_OK
		"inside.local = [fd00::1]:4000\ninside.remote = [fd00::9]:6000\n",
		NULL, 0, &cfg);
	const struct dp_port_cfg *o = &cfg.port[DP_OUTSIDE], *in = &cfg.port[DP_INSIDE];
	CHECK_U(o->nipv4, 3);
	CHECK_PREFIX(o->ipv4[0], "192.0.2.1", 24);
	CHECK_PREFIX(o->ipv4[1], "198.51.100.1", 25);
	CHECK_PREFIX(o->ipv4[2], "192.0.2.2", 24);
	CHECK_U(o->nipv6, 2);
	CHECK_PREFIX(o->ipv6[0], "2001:db8::1", 64);
	CHECK_PREFIX(o->ipv6[1], "2001:db8:5::1", 48);
	CHECK_U(o->nneighbors, 1);
	CHECK_U(in->nipv4, 2);
	CHECK_PREFIX(in->ipv4[0], "10.0.0.1", 24);
	CHECK_PREFIX(in->ipv4[1], "10.0.1.1", 24);
	CHECK_U(in->nipv6, 1);
	CHECK_PREFIX(in->ipv6[0], "fd00::1", 64);
	CU_ASSERT_FATAL(cfg.nsessions == 3);
	CHECK_EP(cfg.sessions[0].leg[DP_OUTSIDE].local, "198.51.100.1", 4000);
	CHECK_EP(cfg.sessions[0].leg[DP_INSIDE].local, "10.0.1.1", 4000);
	CHECK_EP(cfg.sessions[1].leg[DP_OUTSIDE].local, "2001:db8:5::1", 4000);
	CHECK_EP(cfg.sessions[2].leg[DP_INSIDE].local, "fd00::1", 4000);
	dp_config_free(&cfg);

	/* the same port on two addresses is two sessions' worth; a sessions
	 * file may use any address too */
	char spath[PATH_MAX];
	struct out o_;
	load_ok("multi_same_port.ini", MULTI_PORTS
		"[session a]\nid = 1\n" S_OL S_OR S_OS S_OK S_IL S_IR
		"[session b]\nid = 2\noutside.local = 192.0.2.2:4000\n" S_OR S_OS S_OK
		"inside.local = 10.0.1.1:4000\n" S_IR, NULL, 0, &cfg);
	write_file(spath, "multi.sessions",
		   "[session c]\nid = 3\noutside.local = 198.51.100.1:4000\n" S_OR S_OS S_OK
		   "inside.local = 10.0.1.1:4002\n" S_IR);
	int rc = dp_config_load_sessions(spath, &cfg, out_open(&o_));
	CHECK(rc == 0, "rc %d: %s", rc, out_text(&o_));
	out_close(&o_);
	CHECK_U(cfg.nsessions, 3);
	dp_config_free(&cfg);

	/* DP_MAX_PORT_ADDRS of each family on each side */
	char text[4096];
	int n = snprintf(text, sizeof(text), "[outside]\nport = ring\n");
	for (int i = 0; i < DP_MAX_PORT_ADDRS; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "ipv4 = 192.0.2.%d/24\nipv6 = 2001:db8::%x/64\n", 1 + i, 1 + i);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "[inside]\nport = ring\n");
	for (int i = 0; i < DP_MAX_PORT_ADDRS; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "ipv4 = 10.0.%d.1/24\nipv6 = fd00:%x::1/64\n", i, i);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(text));
	load_ok("multi_max.ini", text, NULL, 0, &cfg);
	CHECK_U(cfg.port[DP_OUTSIDE].nipv4, DP_MAX_PORT_ADDRS);
	CHECK_U(cfg.port[DP_OUTSIDE].nipv6, DP_MAX_PORT_ADDRS);
	CHECK_U(cfg.port[DP_INSIDE].nipv4, DP_MAX_PORT_ADDRS);
	CHECK_U(cfg.port[DP_INSIDE].nipv6, DP_MAX_PORT_ADDRS);
	CHECK_PREFIX(cfg.port[DP_OUTSIDE].ipv4[DP_MAX_PORT_ADDRS - 1], "192.0.2.16", 24);
	CHECK_PREFIX(cfg.port[DP_INSIDE].ipv6[DP_MAX_PORT_ADDRS - 1], "fd00:f::1", 64);
	dp_config_free(&cfg);

	/* --set replaces the first address, the primary, and keeps the others */
	struct dp_override ov;
	CU_ASSERT_FATAL(dp_override_parse("outside.ipv4=192.0.2.9/26", &ov, stderr) == 0);
	load_ok("multi_set.ini", MULTI_PORTS, &ov, 1, &cfg);
	CHECK_U(cfg.port[DP_OUTSIDE].nipv4, 3);
	CHECK_PREFIX(cfg.port[DP_OUTSIDE].ipv4[0], "192.0.2.9", 26);
	CHECK_PREFIX(cfg.port[DP_OUTSIDE].ipv4[1], "198.51.100.1", 25);
	dp_config_free(&cfg);
}

static void test_address_errors(void)
{
#define OUT(body) "[outside]\nport = ring\nipv4 = 192.0.2.1/24\n" body INSIDE_SEC
#define IN(body) OUTSIDE_SEC "[inside]\nport = ring\nipv4 = 10.0.0.1/24\n" body
	static const struct bad_case cases[] = {
		{"addr_dup4.ini", OUT("ipv4 = 192.0.2.1/24\n"),
		 "[outside] ipv4: '192.0.2.1/24': 192.0.2.1 is listed twice"},
		{"addr_dup4_plen.ini", OUT("ipv4 = 198.51.100.1/24\nipv4 = 192.0.2.1/25\n"),
		 "[outside] ipv4: '192.0.2.1/25': 192.0.2.1 is listed twice"},
		{"addr_dup6_spelling.ini", IN("ipv6 = fd00::1/64\nipv6 = FD00:0:0::0:1/48\n"),
		 "[inside] ipv6: 'FD00:0:0::0:1/48': fd00::1 is listed twice"},
		{"addr_both_sides4.ini", IN("ipv4 = 192.0.2.1/24\n"),
		 "[inside] ipv4: '192.0.2.1/24': 192.0.2.1 is an address of the outside port too"},
		{"addr_both_sides6.ini", IN("ipv6 = 2001:db8::1/128\n"),
		 "[inside] ipv6: '2001:db8::1/128': 2001:db8::1 is an address of the outside "
		 "port too"},
		{"addr_second_bad.ini", OUT("ipv4 = 192.0.2.300/24\nipv4 = 192.0.2.2\n"),
		 "[outside] ipv4: '192.0.2.300/24': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24\n"
		 "[outside] ipv4: '192.0.2.2': expected an IPv4 address with its prefix "
		 "length, like 192.0.2.1/24"},
		{"addr_second_family.ini", IN("ipv6 = fd00::1/64\nipv6 = 10.0.0.2/24\n"),
		 "[inside] ipv6: '10.0.0.2/24': expected an IPv6 address with its prefix "
		 "length, like 2001:db8::1/64"},
		{"addr_several.ini",
		 "[outside]\nport = ring\nipv4 = 192.0.2.1/24\nipv4 = 10.0.0.1/8\n"
		 "ipv4 = 192.0.2.1/24\n"
		 "[inside]\nport = ring\nipv4 = 10.0.0.2/24\nipv4 = 10.0.0.1/24\n"
		 "ipv4 = 10.0.0.2/24\n",
		 "[outside] ipv4: '192.0.2.1/24': 192.0.2.1 is listed twice\n"
		 "[inside] ipv4: '10.0.0.1/24': 10.0.0.1 is an address of the outside port too\n"
		 "[inside] ipv4: '10.0.0.2/24': 10.0.0.2 is listed twice"},
		{"addr_session_unknown.ini",
		 "[outside]\nport = ring\nipv4 = 192.0.2.1/24\nipv4 = 192.0.2.2/24\n" INSIDE_SEC
		 "[session s]\nid = 1\noutside.local = 192.0.2.3:4000\n" S_OR S_OS S_OK S_IL S_IR,
		 "[session s] outside.local: 192.0.2.3 is not an address of the outside port"},
		{"addr_session_other_side.ini",
		 "[outside]\nport = ring\nipv4 = 192.0.2.1/24\nipv4 = 192.0.2.2/24\n" INSIDE_SEC
		 "[session s]\nid = 1\n" S_OL S_OR S_OS S_OK "inside.local = 192.0.2.2:4000\n" S_IR,
		 "[session s] inside.local: 192.0.2.2 is not an address of the inside port"},
		{"addr_session_same.ini",
		 "[outside]\nport = ring\nipv4 = 192.0.2.1/24\nipv4 = 192.0.2.2/24\n" INSIDE_SEC
		 "[session a]\nid = 1\noutside.local = 192.0.2.2:4000\n" S_OR S_OS S_OK S_IL S_IR
		 "[session b]\nid = 2\noutside.local = 192.0.2.2:4000\n" S_OR S_OS S_OK
		 "inside.local = 10.0.0.1:4002\n" S_IR,
		 "[session b] outside.local: session a uses this address and port already"},
	};
#undef OUT
#undef IN
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);
}

static void test_address_limit(void)
{
	char text[4096];
	int n;

	/* one more than DP_MAX_PORT_ADDRS of a family is refused once */
	for (int v6 = 0; v6 < 2; v6++) {
		n = snprintf(text, sizeof(text), "%s", OUTSIDE_SEC "[inside]\nport = ring\n");
		for (int i = 0; i < DP_MAX_PORT_ADDRS + 2; i++)
			n += snprintf(text + n, sizeof(text) - (size_t)n,
				      v6 ? "ipv6 = fd00::%x/64\n" : "ipv4 = 10.0.0.%d/24\n",
				      1 + i);
		CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(text));
		struct bad_case c = {v6 ? "addrs6_17.ini" : "addrs4_17.ini", text,
				     v6 ? "[inside] ipv6: at most 16 IPv6 addresses per port"
					: "[inside] ipv4: at most 16 IPv4 addresses per port"};
		run_bad_cases(&c, 1, true);
	}
}

/* ---- sessions ---- */

static void test_session_errors(void)
{
#define SESS(body) PORTS "[session s]\nid = 1\n" body
	static const struct bad_case cases[] = {
		{"s_no_olocal.ini", SESS("outside.remote = latch\n" S_OS S_OK S_IL S_IR),
		 "[session s] outside.local: missing: our ADDRESS:PORT on the outside side"},
		{"s_no_oremote.ini", SESS(S_OL S_OS S_OK S_IL S_IR),
		 "[session s] outside.remote: missing: the peer's ADDRESS:PORT, or 'latch'"},
		{"s_no_osuite.ini", SESS(S_OL S_OR S_IL S_IR),
		 "[session s] outside.suite: missing: the outside leg carries SRTP"},
		{"s_osuite_none.ini", SESS(S_OL S_OR "outside.suite = none\n" S_IL S_IR),
		 "[session s] outside.suite: 'none': the outside leg carries SRTP"},
		{"s_no_ilocal.ini", SESS(S_OL S_OR S_OS S_OK S_IR),
		 "[session s] inside.local: missing: our ADDRESS:PORT on the inside side"},
		{"s_no_iremote.ini", SESS(S_OL S_OR S_OS S_OK S_IL),
		 "[session s] inside.remote: missing: the peer's ADDRESS:PORT, or 'latch'"},
		{"s_unknown_suite.ini",
		 SESS(S_OL S_OR "outside.suite = AES_CM_128_HMAC_SHA1_81\n" S_IL S_IR),
		 "[session s] outside.suite: 'AES_CM_128_HMAC_SHA1_81' is not a suite (or "
		 "'none' for plain RTP)"},
		{"s_lower_suite.ini",
		 SESS(S_OL S_OR S_OS S_OK S_IL S_IR "inside.suite = aead_aes_128_gcm\n"),
		 "[session s] inside.suite: 'aead_aes_128_gcm' is not a suite (or 'none' "
		 "for plain RTP)"},
		{"s_family.ini", SESS(S_OL "outside.remote = [2001:db8::9]:5000\n" S_OS S_OK S_IL S_IR),
		 "[session s] outside.remote: '[2001:db8::9]:5000' is not of the local "
		 "address's family"},
		{"s_v6_no_brackets.ini",
		 SESS("outside.local = 2001:db8::1:4000\noutside.remote = latch\n" S_OS S_OK
		      S_IL S_IR),
		 "[session s] outside.local: '2001:db8::1:4000': expected ADDRESS:PORT "
		 "(IPv6: [ADDRESS]:PORT)"},
		{"s_no_port.ini",
		 SESS("outside.local = 192.0.2.1\noutside.remote = latch\n" S_OS S_OK S_IL S_IR),
		 "[session s] outside.local: '192.0.2.1': expected ADDRESS:PORT (IPv6: "
		 "[ADDRESS]:PORT)"},
		{"s_port0.ini", SESS(S_OL S_OR S_OS S_OK S_IL "inside.remote = 10.0.0.9:0\n"),
		 "[session s] inside.remote: '10.0.0.9:0': expected ADDRESS:PORT or 'latch'"},
		{"s_port65536.ini", SESS(S_OL S_OR S_OS S_OK S_IL "inside.remote = 10.0.0.9:65536\n"),
		 "[session s] inside.remote: '10.0.0.9:65536': expected ADDRESS:PORT or 'latch'"},
		{"s_no_keys.ini", SESS(S_OL S_OR S_OS S_IL S_IR),
		 "[session s] outside.rx_key: missing: the leg has suite AES_CM_128_HMAC_SHA1_80\n"
		 "[session s] outside.tx_key: missing: the leg has suite AES_CM_128_HMAC_SHA1_80"},
		{"s_no_mkis.ini",
		 SESS(S_OL S_OR S_OS S_OK "outside.tx_key = inline:" K_70 "\n" S_IL S_IR),
		 "[session s] outside.tx_key: several keys need MKIs to be told apart"},
		{"s_mki_lengths.ini",
		 SESS(S_OL S_OR S_OS "outside.rx_key = inline:" K_10 "|1:2\n"
		      "outside.rx_key = inline:" K_70 "|2:4\n"
		      "outside.tx_key = inline:" K_40 "\n" S_IL S_IR),
		 "[session s] outside.rx_key: every key of a direction needs an MKI of the "
		 "same length"},
		{"s_five_keys.ini",
		 SESS(S_OL S_OR S_OS "outside.rx_key = inline:" K_10 "\n"
		      "outside.tx_key = inline:" K_40 "|1:1\n"
		      "outside.tx_key = inline:" K_70 "|2:1\n"
		      "outside.tx_key = inline:" K_80 "|3:1\n"
		      "outside.tx_key = inline:" K_90 "|4:1\n"
		      "outside.tx_key = inline:" K_B0 "|5:1\n" S_IL S_IR),
		 "[session s] outside.tx_key: at most 4 keys per direction"},
		{"s_keys_without_suite.ini",
		 SESS(S_ALL "inside.rx_key = inline:" K_70 "\n"),
		 "[session s] inside.rx_key: keys given for a leg without a suite"},
		{"s_keys_suite_none.ini",
		 SESS(S_ALL "inside.suite = none\ninside.tx_key = inline:" K_70 "\n"),
		 "[session s] inside.tx_key: keys given for a leg without a suite"},
		{"s_local_not_ours.ini",
		 SESS("outside.local = 192.0.2.99:4000\n" S_OR S_OS S_OK S_IL S_IR),
		 "[session s] outside.local: 192.0.2.99 is not an address of the outside port"},
		{"s_local_v6_not_ours.ini",
		 SESS("outside.local = [2001:db8::2]:4000\noutside.remote = latch\n" S_OS S_OK
		      S_IL S_IR),
		 "[session s] outside.local: 2001:db8::2 is not an address of the outside port"},
		{"s_local_other_side.ini",
		 SESS(S_OL S_OR S_OS S_OK "inside.local = 192.0.2.1:4000\n" S_IR),
		 "[session s] inside.local: 192.0.2.1 is not an address of the inside port"},
		{"s_id0.ini", PORTS "[session s]\nid = 0\n" S_ALL,
		 "[session s] id: '0': expected a number from 1 to 999999 (larger ids are "
		 "the demo generator's)"},
		{"s_id_max.ini", PORTS "[session s]\nid = 4294967295\n" S_ALL,
		 "[session s] id: '4294967295': expected a number from 1 to 999999 (larger "
		 "ids are the demo generator's)"},
		{"s_same_local.ini",
		 PORTS "[session a]\nid = 1\n" S_ALL "[session b]\nid = 2\n" S_OL S_OR S_OS S_OK
		 "inside.local = 10.0.0.1:4002\n" S_IR,
		 "[session b] outside.local: session a uses this address and port already"},
		{"s_same_inside.ini",
		 PORTS "[session a]\nid = 1\n" S_ALL "[session b]\nid = 2\noutside.local = 192.0.2.1:4002\n"
		 S_OR S_OS S_OK S_IL S_IR,
		 "[session b] inside.local: session a uses this address and port already"},
		{"s_same_id.ini",
		 PORTS "[session a]\nid = 5\n" S_ALL "[session b]\nid = 5\n"
		 "outside.local = 192.0.2.1:4002\n" S_OR S_OS S_OK
		 "inside.local = 10.0.0.1:4002\n" S_IR,
		 "[session b] id: 5 is the id of session a too"},
		{"s_id_default_taken.ini",
		 PORTS "[session a]\nid = 1\n" S_ALL "[session b]\nid = 1\n"
		 "outside.local = 192.0.2.1:4002\n" S_OR S_OS S_OK
		 "inside.local = 10.0.0.1:4002\n" S_IR,
		 "[session b] id: 1 is the id of session a too"},
		{"s_over_max.ini",
		 "[dataplane]\nmax_sessions = 1\n" PORTS "[session a]\nid = 1\n" S_ALL
		 "[session b]\nid = 2\noutside.local = 192.0.2.1:4002\n" S_OR S_OS S_OK
		 "inside.local = 10.0.0.1:4002\n" S_IR,
		 "[dataplane] max_sessions: 1 is fewer than the 2 sessions configured"},
		{"s_over_max_demo.ini",
		 "[dataplane]\nmax_sessions = 1000\n" PORTS "[demo]\n[session a]\nid = 1\n" S_ALL,
		 "[dataplane] max_sessions: 1000 is fewer than the 1001 sessions configured"},
		{"s_long_name.ini",
		 PORTS "[session aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nid = 101\n" S_ALL,
		 "[session aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]: session name "
		 "longer than 47 characters"},
	};
#undef SESS
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);
}

/* The SDES parser's own words reach the user, naming [session] key. */
static void test_session_key_messages(void)
{
	static const struct {
		const char *name, *text, *line;
	} cases[] = {
		{"k_gcm_len.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR "outside.suite = AEAD_AES_128_GCM\n"
		 "outside.rx_key = inline:" K_10 "\noutside.tx_key = inline:" KGCM_20 "\n" S_IL S_IR,
		 ": [session s] outside.rx_key: base64 decodes to 30 bytes, AEAD_AES_128_GCM "
		 "needs 28 (16-byte key + 12-byte salt)\n"},
		{"k_256_len.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR "outside.suite = AES_256_CM_HMAC_SHA1_80\n"
		 "outside.rx_key = inline:" K256_A0 "\noutside.tx_key = inline:" KGCM256_50 "\n"
		 S_IL S_IR,
		 ": [session s] outside.tx_key: base64 decodes to 44 bytes, "
		 "AES_256_CM_HMAC_SHA1_80 needs 46 (32-byte key + 14-byte salt)\n"},
		{"k_128_len.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS "outside.rx_key = inline:" K256_A0 "\n"
		 "outside.tx_key = inline:" K_40 "\n" S_IL S_IR,
		 ": [session s] outside.rx_key: base64 decodes to 46 bytes, "
		 "AES_CM_128_HMAC_SHA1_80 needs 30 (16-byte key + 14-byte salt)\n"},
		{"k_no_inline.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS "outside.rx_key = " K_10 "\n"
		 "outside.tx_key = inline:" K_40 "\n" S_IL S_IR,
		 ": [session s] outside.rx_key: "},
		{"k_mki_len.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS S_OK S_IL S_IR
		 "inside.suite = AES_CM_128_HMAC_SHA1_32\n"
		 "inside.rx_key = inline:" K_70 "|1:5\ninside.tx_key = inline:" K_80 "\n",
		 ": [session s] inside.rx_key: MKI length 5 bytes: SRTP Edge supports MKIs "
		 "of 1 to 4 bytes (RFC 4568 allows up to 128)\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char path[PATH_MAX], want[512];
		struct dp_config cfg;
		struct out o;
		int rc = load_text(cases[i].name, cases[i].text, NULL, 0, &cfg, path, &o);
		CHECK(rc == -1, "%s: loaded", cases[i].name);
		fmt(want, sizeof(want), "srtpedge: %s%s", path, cases[i].line);
		CHECK(strstr(out_text(&o), want) != NULL, "%s: printed\n%swanted a line\n%s",
		      cases[i].name, out_text(&o), want);
		/* a message may tell the key's length, never its text */
		CHECK_LACKS(out_text(&o), "EBESExQV");
		CHECK_LACKS(out_text(&o), "oKGio6Sl");
		CHECK_LACKS(out_text(&o), "UFFSU1RV");
		CHECK_LACKS(out_text(&o), "cHFyc3R1");
		out_close(&o);
	}
}

/* offline = yes wants net_pcap ports and an input capture. */
static void test_offline(void)
{
	struct dp_config cfg;
	char path[PATH_MAX];
	struct out o;

	load_ok("offline.ini", "[dataplane]\noffline = true\n"
		"[outside]\nport = net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap\n"
		"ipv4 = 192.0.2.1/24\n"
		"[inside]\nport = net_pcap1,tx_pcap=/tmp/in2.pcap\nipv4 = 10.0.0.1/24\n",
		NULL, 0, &cfg);
	CHECK(cfg.offline, "offline = true");
	CHECK_STR(cfg.port[DP_OUTSIDE].device, "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
	dp_config_free(&cfg);

	int rc = load_text("offline_bad.ini", "[dataplane]\noffline = 1\n" PORTS, NULL, 0, &cfg,
			   path, &o);
	CHECK(rc == -1, "offline with an af_packet and a PCI port loaded");
	CHECK_HAS(out_text(&o), ": [outside] port: offline mode ");
	CHECK_HAS(out_text(&o), ": [inside] port: offline mode ");
	CHECK_HAS(out_text(&o), ": [dataplane] offline: ");
	out_close(&o);
}

/* ---- --set ---- */

static void test_override_parse(void)
{
	struct dp_override ov;
	struct out o;
	char arg[512];

	CU_ASSERT_FATAL(dp_override_parse("dataplane.workers=2", &ov, out_open(&o)) == 0);
	CHECK_STR(ov.section, "dataplane");
	CHECK_STR(ov.key, "workers");
	CHECK_STR(ov.value, "2");
	/* the section holds a space, the value '=', ':' and '.' */
	CU_ASSERT_FATAL(dp_override_parse("session a b.outside.local=[2001:db8::1]:4000",
					  &ov, o.f) == 0);
	CHECK_STR(ov.section, "session a b");
	CHECK_STR(ov.key, "outside.local");
	CHECK_STR(ov.value, "[2001:db8::1]:4000");
	CU_ASSERT_FATAL(dp_override_parse("dataplane.eal=--log-level=lib.eal:8", &ov, o.f) == 0);
	CHECK_STR(ov.key, "eal");
	CHECK_STR(ov.value, "--log-level=lib.eal:8");
	/* the longest of each part */
	fmt(arg, sizeof(arg), "%063d.%063d=%0255d", 1, 2, 3);
	CU_ASSERT_FATAL(dp_override_parse(arg, &ov, o.f) == 0);
	CHECK_U(strlen(ov.section), 63);
	CHECK_U(strlen(ov.key), 63);
	CHECK_U(strlen(ov.value), 255);
	CHECK_STR(out_text(&o), "");
	out_close(&o);

	char longs[3][512];
	fmt(longs[0], sizeof(longs[0]), "%064d.k=v", 1);
	fmt(longs[1], sizeof(longs[1]), "s.%064d=v", 1);
	fmt(longs[2], sizeof(longs[2]), "s.k=%0256d", 1);
	const char *bad[] = {
		"workers=2", "dataplane.workers", ".workers=2", "dataplane.=2",
		"dataplane.workers=", "a=b.c", "", "=", ".=", longs[0], longs[1], longs[2],
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char want[1024];
		memset(&ov, 0x55, sizeof(ov));
		int rc = dp_override_parse(bad[i], &ov, out_open(&o));
		CHECK(rc == -1, "'%s' accepted", bad[i]);
		fmt(want, sizeof(want), "srtpedge: --set '%s': expected SECTION.KEY=VALUE, "
			 "like dataplane.workers=2\n", bad[i]);
		CHECK(strcmp(out_text(&o), want) == 0, "'%s': printed \"%s\"", bad[i], out_text(&o));
		CHECK(ov.section[0] == '\0' && ov.key[0] == '\0' && ov.value[0] == '\0',
		      "'%s': override not cleared", bad[i]);
		out_close(&o);
	}
}

static void parse_all(struct dp_override *ov, const char *const *args, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_FATAL(dp_override_parse(args[i], &ov[i], stderr) == 0);
}

static void test_override_apply(void)
{
	struct dp_override ov[8];
	struct dp_config cfg;

	/* an existing key, a missing key of an existing section, a section the
	 * file lacks; the last of two overrides wins */
	static const char *const a1[] = {
		"dataplane.workers=3", "dataplane.ttl=9", "demo.pps=1000",
		"outside.ipv4=192.0.2.77/25", "dataplane.workers=4",
	};
	parse_all(ov, a1, 5);
	load_ok("ov1.ini", "[dataplane]\nworkers = 2\n" PORTS, ov, 5, &cfg);
	CHECK_U(cfg.workers, 4);
	CHECK_U(cfg.ttl, 9);
	CHECK(cfg.demo.enabled, "[demo] added by --set");
	CHECK_U(cfg.demo.pps, 1000);
	CHECK_U(cfg.demo.sessions, 1000);
	CHECK_U(cfg.port[DP_OUTSIDE].nipv4, 1);
	CHECK_PREFIX(cfg.port[DP_OUTSIDE].ipv4[0], "192.0.2.77", 25);
	dp_config_free(&cfg);

	/* a whole session made by --set */
	static const char *const a2[] = {
		"session x.outside.local=[2001:db8::1]:4000",
		"session x.outside.remote=latch",
		"session x.outside.suite=AEAD_AES_128_GCM",
		"session x.outside.rx_key=inline:" KGCM_20,
		"session x.outside.tx_key=inline:" KGCM_30 "|1:2",
		"session x.inside.local=10.0.0.1:5000",
		"session x.inside.remote=10.0.0.5:5002",
		"session x.id=42",
	};
	parse_all(ov, a2, 8);
	load_ok("ov2.ini", PORTS, ov, 8, &cfg);
	CU_ASSERT_FATAL(cfg.nsessions == 1);
	CHECK_STR(cfg.sessions[0].name, "x");
	CHECK_U(cfg.sessions[0].id, 42);
	CHECK_EP(cfg.sessions[0].leg[DP_OUTSIDE].local, "2001:db8::1", 4000);
	CHECK(cfg.sessions[0].leg[DP_OUTSIDE].latch, "latch");
	CHECK_KEY(cfg.sessions[0].leg[DP_OUTSIDE].rx, 0, 0x20, 16, 12);
	CHECK_KEY(cfg.sessions[0].leg[DP_OUTSIDE].tx, 0, 0x30, 16, 12);
	CHECK_U(cfg.sessions[0].leg[DP_OUTSIDE].tx.mki_len, 2);
	CHECK_MKI(cfg.sessions[0].leg[DP_OUTSIDE].tx, 0, 0, 1, 0, 0);
	CHECK_EP(cfg.sessions[0].leg[DP_INSIDE].remote, "10.0.0.5", 5002);
	CHECK_U(cfg.sessions[0].leg[DP_INSIDE].rx.suite, DP_SUITE_NONE);
	dp_config_free(&cfg);

	/* one key of a session that does not exist: what it still needs */
	char path[PATH_MAX];
	struct out o;
	parse_all(ov, (const char *const[]){"session y.outside.local=192.0.2.1:4000"}, 1);
	int rc = load_text("ov3.ini", PORTS, ov, 1, &cfg, path, &o);
	char *want = expected(path,
		"[session y] id: missing: a number from 1 to 999999 that names the session in "
		"telemetry and on reloads\n"
		"[session y] outside.remote: missing: the peer's ADDRESS:PORT, or 'latch'\n"
		"[session y] outside.suite: missing: the outside leg carries SRTP\n"
		"[session y] inside.local: missing: our ADDRESS:PORT on the inside side\n"
		"[session y] inside.remote: missing: the peer's ADDRESS:PORT, or 'latch'", true);
	CHECK(rc == -1, "a partial session loaded");
	CHECK(strcmp(out_text(&o), want) == 0, "printed\n%swanted\n%s", out_text(&o), want);
	free(want);
	out_close(&o);

	/* a bad value given by --set is reported like one in the file */
	parse_all(ov, (const char *const[]){"dataplane.burst=500"}, 1);
	rc = load_text("ov4.ini", PORTS, ov, 1, &cfg, path, &o);
	want = expected(path, "[dataplane] burst: '500': expected a whole number from 1 to 128",
			true);
	CHECK(rc == -1, "burst 500 loaded");
	CHECK(strcmp(out_text(&o), want) == 0, "printed\n%swanted\n%s", out_text(&o), want);
	free(want);
	out_close(&o);
}

static void test_override_unknown(void)
{
	static const struct {
		const char *arg, *want;
	} cases[] = {
		{"dataplane.wrokers=2", "srtpedge: --set dataplane.wrokers: no such setting\n"},
		{"dataplan.workers=2", "srtpedge: --set dataplan.workers: no such setting\n"},
		{"outside.neighbour=x", "srtpedge: --set outside.neighbour: no such setting\n"},
		{"demo.sessions_=1", "srtpedge: --set demo.sessions_: no such setting\n"},
		{"session x.outside.key=1", "srtpedge: --set session x.outside.key: no such setting\n"},
		{"session .id=1", "srtpedge: --set session .id: no such setting\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct dp_override ov;
		struct dp_config cfg;
		char path[PATH_MAX], want[512];
		struct out o;
		CU_ASSERT_FATAL(dp_override_parse(cases[i].arg, &ov, stderr) == 0);
		int rc = load_text("ov_unknown.ini", PORTS, &ov, 1, &cfg, path, &o);
		fmt(want, sizeof(want), "%ssrtpedge: 1 problem in the configuration; "
			 "nothing was started\n", cases[i].want);
		CHECK(rc == -1, "--set %s accepted", cases[i].arg);
		CHECK(strcmp(out_text(&o), want) == 0, "--set %s: printed\n%swanted\n%s",
		      cases[i].arg, out_text(&o), want);
		out_close(&o);
	}
}

/* ---- sessions files ---- */

#define SESSION_B "[session b]\nid = 2\noutside.local = 192.0.2.1:4002\n" S_OR S_OS S_OK \
		  "inside.local = 10.0.0.1:4002\n" S_IR
#define SESSION_C "[session c]\nid = 30\noutside.local = [2001:db8::1]:4004\n" \
		  "outside.remote = latch\n" S_OS \
		  "outside.rx_key = inline:" K_90 "\noutside.tx_key = inline:" K_B0 "\n" \
		  "inside.local = 10.0.0.1:4004\n" S_IR

static void test_sessions_file(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX];
	struct out o;

	load_ok("sf_main.ini", PORTS "[session a]\nid = 1\n" S_ALL, NULL, 0, &cfg);
	write_file(spath, "sf_ok.sessions", "; the file's own sessions\n" SESSION_B SESSION_C);
	int rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
	CHECK(rc == 0, "rc %d: %s", rc, out_text(&o));
	CHECK_U(o.len, 0);
	out_close(&o);
	CU_ASSERT_FATAL(cfg.nsessions == 3);
	CHECK_STR(cfg.sessions[0].name, "a");
	CHECK_U(cfg.sessions[0].id, 1);
	CHECK_KEY(cfg.sessions[0].leg[DP_OUTSIDE].rx, 0, 0x10, 16, 14);
	CHECK_STR(cfg.sessions[1].name, "b");
	CHECK_EP(cfg.sessions[1].leg[DP_OUTSIDE].local, "192.0.2.1", 4002);
	CHECK_STR(cfg.sessions[2].name, "c");
	CHECK_U(cfg.sessions[2].id, 30);
	CHECK(cfg.sessions[2].leg[DP_OUTSIDE].latch, "c latches");
	CHECK_KEY(cfg.sessions[2].leg[DP_OUTSIDE].tx, 0, 0xb0, 16, 14);
	dp_config_free(&cfg);

	/* SIGHUP's way: the main file's sessions, then the sessions file */
	load_ok("sf_main.ini", PORTS "[session a]\nid = 1\n" S_ALL, NULL, 0, &cfg);
	rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
	out_close(&o);
	CHECK(rc == 0 && cfg.nsessions == 3 && cfg.nsessions_main == 1,
	      "reload: rc %d, %u sessions, %u of the main file", rc, cfg.nsessions,
	      cfg.nsessions_main);
	dp_config_free(&cfg);
}

static void test_sessions_file_errors(void)
{
	static const struct {
		const char *name, *text, *problems;
	} cases[] = {
		{"sf_dataplane.sessions", SESSION_B "[dataplane]\nworkers = 2\n",
		 ": a sessions file holds only [session NAME] sections"},
		{"sf_outside.sessions", "[outside]\nport = ring\n" SESSION_B,
		 ": a sessions file holds only [session NAME] sections"},
		{"sf_syntax.sessions", SESSION_B "outside.rxkey = x\n",
		 ":10: unknown key 'outside.rxkey' in this section"},
		{"sf_hash.sessions", "# sessions\n" SESSION_B,
		 ":1: comments start with ';'"},
		{"sf_value.sessions",
		 "[session b]\nid = 2\noutside.local = 192.0.2.1:4002\n" S_OR
		 "outside.suite = AES_CM_128\n" S_IL S_IR,
		 ": [session b] outside.suite: 'AES_CM_128' is not a suite (or 'none' for "
		 "plain RTP)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct dp_config cfg;
		char spath[PATH_MAX], want[1024];
		struct out o;
		load_ok("sf_errs_main.ini", PORTS, NULL, 0, &cfg);
		write_file(spath, cases[i].name, cases[i].text);
		int rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
		fmt(want, sizeof(want), "srtpedge: %s%s\n", spath, cases[i].problems);
		CHECK(rc == -1, "%s: loaded", cases[i].name);
		CHECK(strcmp(out_text(&o), want) == 0, "%s: printed\n%swanted\n%s",
		      cases[i].name, out_text(&o), want);
		out_close(&o);
		dp_config_free(&cfg);
	}

	struct dp_config cfg;
	char want[1024], spath[PATH_MAX];
	struct out o;
	memset(&cfg, 0, sizeof(cfg));
	path_of(spath, "no-such.sessions");
	CHECK(dp_config_load_sessions(spath, &cfg, out_open(&o)) == -1, "missing file loaded");
	fmt(want, sizeof(want), "srtpedge: sessions file %s: cannot open: No such "
		 "file or directory\n", spath);
	CHECK(strcmp(out_text(&o), want) == 0, "printed\n%swanted\n%s", out_text(&o), want);
	out_close(&o);
}

static void test_sessions_file_key(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX], cpath[PATH_MAX], text[4096];
	struct out o;

	write_file(spath, "sk.sessions", SESSION_B SESSION_C);
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS
		 "[session a]\nid = 1\n" S_ALL, spath);
	load_ok("sk.ini", text, NULL, 0, &cfg);
	CHECK_STR(cfg.sessions_file, spath);
	CU_ASSERT_FATAL(cfg.nsessions == 3);
	CHECK_STR(cfg.sessions[0].name, "a");
	CHECK_STR(cfg.sessions[1].name, "b");
	CHECK_STR(cfg.sessions[2].name, "c");
	CHECK_U(cfg.sessions[2].id, 30);
	dp_config_free(&cfg);

	/* the file's sessions are checked against the ports and the others */
	write_file(spath, "sk_clash.sessions",
		   "[session b]\nid = 2\n" S_OL S_OR S_OS S_OK "inside.local = 10.0.0.1:4002\n" S_IR);
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS
		 "[session a]\nid = 1\n" S_ALL, spath);
	int rc = load_text("sk_clash.ini", text, NULL, 0, &cfg, cpath, &o);
	CHECK(rc == -1, "a clash with the sessions file loaded");
	CHECK_HAS(out_text(&o), "[session b] outside.local: session a uses this address "
			       "and port already\n");
	CHECK(cfg.sessions == NULL && cfg.nsessions == 0, "sessions left");
	out_close(&o);

	/* a sessions file that is not there */
	path_of(spath, "sk-none.sessions");
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS, spath);
	rc = load_text("sk_none.ini", text, NULL, 0, &cfg, cpath, &o);
	char want[1024];
	fmt(want, sizeof(want), "srtpedge: sessions file %s: cannot open: No such file "
		 "or directory\nsrtpedge: 1 problem in the configuration; nothing was "
		 "started\n", spath);
	CHECK(rc == -1, "a missing sessions file loaded");
	CHECK(strcmp(out_text(&o), want) == 0, "printed\n%swanted\n%s", out_text(&o), want);
	out_close(&o);
}

/* ---- freeing ---- */

static const uint8_t key10[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static void test_free_wipes(void)
{
	struct dp_config cfg;

	/* the key text in the entries config.c copies out of rte_cfgfile */
	watch_reset();
	watch_bytes = K_10;
	watch_bytes_len = strlen(K_10);
	load_ok("wipe.ini", complete_ini, NULL, 0, &cfg);
	CHECK_U(bytes_freed, 0);
	watch_reset();

	/* the master keys themselves */
	watch_block = cfg.sessions;
	watch_len = cfg.nsessions * sizeof(*cfg.sessions);
	dp_config_free(&cfg);
	CHECK_U(watch_freed, 1);
	CHECK_U(watch_dirty, 0);
	CHECK(cfg.sessions == NULL && cfg.nsessions == 0, "not reset");
	watch_reset();
	dp_config_free(&cfg); /* twice is harmless */

	/* a failed load frees and wipes what it had read */
	char path[PATH_MAX];
	struct out o;
	watch_bytes = key10;
	watch_bytes_len = sizeof(key10);
	int rc = load_text("wipe_bad.ini", "[dataplane]\nttl = 0\n" PORTS "[session a]\nid = 1\n" S_ALL,
			   NULL, 0, &cfg, path, &o);
	out_close(&o);
	CHECK(rc == -1, "ttl 0 loaded");
	CHECK_U(bytes_freed, 0);
	CHECK(cfg.sessions == NULL && cfg.nsessions == 0, "sessions left after a failure");
	watch_reset();
}

/* ---- what the tests above found (each failed before config.c was fixed) ---- */

/* A comment longer than rte_cfgfile's line buffer (CFG_NAME_LEN +
 * CFG_VALUE_LEN + 4 bytes) made rte_cfgfile_load refuse the whole file
 * with "cannot be read as an INI file" and no line: now the syntax pass
 * names the line. */
static void test_bug_long_comment(void)
{
	char text[1024], c[401];

	memset(c, '-', 400);
	c[400] = '\0';
	fmt(text, sizeof(text), "; %s\n" PORTS, c);
	struct bad_case bc = {"bug_long_comment.ini", text,
			      "1: line longer than 322 characters"};
	run_bad_cases(&bc, 1, false);
}

/* rte_cfgfile cuts a line at ';' anywhere; the syntax pass only when the
 * line starts with it. "ttl = ; later" passes the syntax pass with value
 * "; later", then rte_cfgfile refuses the empty value: no line number. */
static void test_bug_inline_comment_value(void)
{
	struct dp_config cfg;
	char path[PATH_MAX], want[PATH_MAX + 16];
	struct out o;

	int rc = load_text("bug_inline.ini", "[dataplane]\nttl = ; later\n" PORTS, NULL, 0,
			   &cfg, path, &o);
	fmt(want, sizeof(want), "srtpedge: %s:2: ", path);
	CHECK(rc == -1, "loaded");
	CHECK(strncmp(out_text(&o), want, strlen(want)) == 0,
	      "printed \"%s\", wanted a message for line 2", out_text(&o));
	out_close(&o);
	if (rc == 0)
		dp_config_free(&cfg);
}

/* worker_lcores = 1,1 puts two workers on one lcore: accepted, and the
 * second rte_eal_remote_launch fails at run time. */
static void test_bug_duplicate_worker_lcores(void)
{
	struct dp_config cfg;
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct out o;

	int rc = load_text("bug_lcores.ini", "[dataplane]\nworkers = 2\nworker_lcores = 1,1\n"
			   PORTS, NULL, 0, &cfg, path, &o);
	fmt(want, sizeof(want), "srtpedge: %s: [dataplane] worker_lcores: ", path);
	CHECK(rc == -1, "two workers on lcore 1 accepted");
	CHECK_HAS(out_text(&o), want);
	out_close(&o);
	if (rc == 0)
		dp_config_free(&cfg);
}

/* Two keys of one direction with the same MKI: accepted (--check says
 * valid), and sre_ctx_add_key refuses the second (SRE_ERR_MKI_DUPLICATE)
 * when the session is added. */
static void test_bug_duplicate_mki(void)
{
	struct dp_config cfg;
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct out o;

	int rc = load_text("bug_mki.ini", PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS
			   "outside.rx_key = inline:" K_10 "\n"
			   "outside.tx_key = inline:" K_40 "|1:4\n"
			   "outside.tx_key = inline:" K_70 "|1:4\n" S_IL S_IR,
			   NULL, 0, &cfg, path, &o);
	fmt(want, sizeof(want), "srtpedge: %s: [session s] outside.tx_key: ", path);
	CHECK(rc == -1, "two keys with MKI 1 accepted");
	CHECK_HAS(out_text(&o), want);
	out_close(&o);
	if (rc == 0)
		dp_config_free(&cfg);
}

/* workers = 2 with one lcore listed: besides the count, the unset second
 * slot (0) is reported as "lcore 0 is also the main lcore", an lcore the
 * file never named. */
static void test_bug_lcore_count_spurious_main(void)
{
	struct bad_case c = {"bug_lcore_count.ini",
			     "[dataplane]\nworkers = 2\nworker_lcores = 1\n" PORTS,
			     "[dataplane] worker_lcores: lists 1 lcores for 2 workers"};
	run_bad_cases(&c, 1, true);
}

/* A key that is present but malformed is reported once, not also as
 * "missing" (fixed in read_keys; kept as a guard). */
static void test_bad_key_reported_once(void)
{
	struct bad_case c = {"bug_key_missing.ini",
		PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS "outside.rx_key = inline:" KGCM_20 "\n"
		"outside.tx_key = inline:" K_40 "\n" S_IL S_IR,
		"[session s] outside.rx_key: base64 decodes to 28 bytes, "
		"AES_CM_128_HMAC_SHA1_80 needs 30 (16-byte key + 14-byte salt)"};
	run_bad_cases(&c, 1, true);
}

/* A missing or malformed local address also gets the (right) remote
 * reported as "not of the local address's family". */
static void test_bug_local_problem_blames_remote(void)
{
	static const struct bad_case cases[] = {
		{"bug_remote_missing_local.ini", PORTS "[session s]\nid = 1\n" S_OR S_OS S_OK S_IL S_IR,
		 "[session s] outside.local: missing: our ADDRESS:PORT on the outside side"},
		{"bug_remote_bad_local.ini",
		 PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS S_OK "inside.local = 10.0.0.1\n" S_IR,
		 "[session s] inside.local: '10.0.0.1': expected ADDRESS:PORT (IPv6: "
		 "[ADDRESS]:PORT)"},
	};
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);
}

/* read_sessions grows cfg->sessions with realloc: when the block moves, the
 * old one, master keys and all, is freed unwiped. */
static void test_bug_realloc_keeps_keys(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX], text[4096];

	write_file(spath, "bug_realloc.sessions", SESSION_B);
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS
		 "[session a]\nid = 1\n" S_ALL, spath);
	watch_reset();
	watch_bytes = key10; /* session a's outside rx master key */
	watch_bytes_len = sizeof(key10);
	load_ok("bug_realloc.ini", text, NULL, 0, &cfg);
	CHECK(bytes_reallocated == 0 && bytes_freed == 0,
	      "a block holding a master key was reallocated %u times, freed %u times "
	      "unwiped", bytes_reallocated, bytes_freed);
	watch_reset();
	dp_config_free(&cfg);
}

/* A problem in a session read from the sessions file is reported under the
 * main file's name, where [session b] is not to be found. */
static void test_bug_sessions_file_named(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX], cpath[PATH_MAX], text[4096], want[PATH_MAX + 128];
	struct out o;

	write_file(spath, "bug_named.sessions",
		   "[session b]\nid = 2\n" S_OL S_OR S_OS S_OK "inside.local = 10.0.0.1:4002\n" S_IR);
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS
		 "[session a]\nid = 1\n" S_ALL, spath);
	int rc = load_text("bug_named.ini", text, NULL, 0, &cfg, cpath, &o);
	fmt(want, sizeof(want), "srtpedge: %s: [session b] outside.local: session a "
		 "uses this address and port already\n", spath);
	CHECK(rc == -1, "loaded");
	CHECK_HAS(out_text(&o), want);
	out_close(&o);
	if (rc == 0)
		dp_config_free(&cfg);
}

/* Problems in the sessions file count as one in the closing line. */
static void test_bug_sessions_file_count(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX], cpath[PATH_MAX], text[4096];
	struct out o;

	write_file(spath, "bug_count.sessions",
		   "[session b]\nid = 2\noutside.local = 192.0.2.1:4002\n" S_OR
		   "outside.suite = X\ninside.local = 10.0.0.1:4002\ninside.remote = x\n");
	fmt(text, sizeof(text), "[dataplane]\nsessions_file = %s\n" PORTS, spath);
	int rc = load_text("bug_count.ini", text, NULL, 0, &cfg, cpath, &o);
	CHECK(rc == -1, "loaded");
	CHECK_HAS(out_text(&o), "[session b] outside.suite: 'X' is not a suite");
	CHECK_HAS(out_text(&o), "[session b] inside.remote: 'x': expected ADDRESS:PORT");
	CHECK_HAS(out_text(&o), "srtpedge: 2 problems in the configuration; nothing was "
			       "started\n");
	out_close(&o);
	if (rc == 0)
		dp_config_free(&cfg);
}

/* main.c's --sessions: dp_config_load, then dp_config_load_sessions. The
 * second checks nothing against the ports, the other sessions or
 * max_sessions, so --check calls this valid. */
static void test_bug_sessions_option_unchecked(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX], want[PATH_MAX + 128];
	struct out o;

	load_ok("bug_option.ini", "[dataplane]\nmax_sessions = 1\n" PORTS "[session a]\nid = 1\n" S_ALL,
		NULL, 0, &cfg);
	write_file(spath, "bug_option.sessions",
		   "[session b]\nid = 2\noutside.local = 192.0.2.99:4000\n" S_OR S_OS S_OK S_IL S_IR);
	int rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
	fmt(want, sizeof(want), "srtpedge: %s: [session b] outside.local: 192.0.2.99 is "
		 "not an address of the outside port\n", spath);
	CHECK(rc == -1, "a session on a foreign address, on a used inside address:port, "
			"beyond max_sessions 1, accepted");
	CHECK_HAS(out_text(&o), want);
	CHECK_HAS(out_text(&o), "[session b] inside.local: session a uses this address "
			       "and port already\n");
	CHECK_HAS(out_text(&o), "[dataplane] max_sessions: 1 is fewer than the 2 sessions "
			       "configured\n");
	out_close(&o);
	dp_config_free(&cfg);
}

/* A session without `id` used to get its place among all sessions read so
 * far: the same sessions file gave other ids at start than on a SIGHUP
 * reload. An id is now required, in both files, and ids from 1000000 on
 * are the demo generator's. */
static void test_bug_default_ids_unstable(void)
{
	static const struct bad_case cases[] = {
		{"id_missing.ini", PORTS "[session s]\n" S_ALL,
		 "[session s] id: missing: a number from 1 to 999999 that names the session "
		 "in telemetry and on reloads"},
		{"id_demo.ini", PORTS "[session s]\nid = 1000000\n" S_ALL,
		 "[session s] id: '1000000': expected a number from 1 to 999999 (larger ids "
		 "are the demo generator's)"},
	};
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);

	struct dp_config cfg;
	char spath[PATH_MAX], want[PATH_MAX + 128];
	struct out o;
	load_ok("id_sf_main.ini", PORTS "[session a]\nid = 1\n" S_ALL, NULL, 0, &cfg);
	write_file(spath, "id_sf.sessions", "[session b]\noutside.local = 192.0.2.1:4002\n"
		   S_OR S_OS S_OK "inside.local = 10.0.0.1:4002\n" S_IR);
	int rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
	fmt(want, sizeof(want), "srtpedge: %s: [session b] id: missing: ", spath);
	CHECK(rc == -1, "a sessions-file session without id loaded");
	CHECK_HAS(out_text(&o), want);
	CHECK_U(cfg.nsessions, 1);
	out_close(&o);
	dp_config_free(&cfg);
}

/* What a reload must refuse: a sessions-file session that takes the id or
 * the name of a session of the main file; and a refused file leaves the
 * loaded sessions as they were. */
static void test_sessions_file_conflicts(void)
{
	struct dp_config cfg;
	char spath[PATH_MAX];
	struct out o;

	load_ok("conf_main.ini", PORTS "[session a]\nid = 1\n" S_ALL, NULL, 0, &cfg);
	write_file(spath, "conf.sessions",
		   "[session a]\nid = 1\noutside.local = 192.0.2.1:4002\n" S_OR S_OS S_OK
		   "inside.local = 10.0.0.1:4002\n" S_IR);
	int rc = dp_config_load_sessions(spath, &cfg, out_open(&o));
	CHECK(rc == -1, "a second session a with id 1 loaded");
	CHECK_HAS(out_text(&o), "[session a] id: 1 is the id of session a too\n");
	CHECK_HAS(out_text(&o), "[session a]: the configuration file has a session of "
			       "this name\n");
	CHECK_U(cfg.nsessions, 1);
	CHECK_U(cfg.sessions[0].id, 1);
	CHECK_KEY(cfg.sessions[0].leg[DP_OUTSIDE].rx, 0, 0x10, 16, 14);
	out_close(&o);
	dp_config_free(&cfg);
}

/* `latch` takes the peer from its first packet: on a plain RTP leg that
 * packet proves nothing, so anyone could take the stream. */
static void test_latch_needs_srtp(void)
{
	static const struct bad_case cases[] = {
		{"latch_plain.ini", PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS S_OK S_IL
		 "inside.remote = latch\n",
		 "[session s] inside.remote: 'latch' needs SRTP on the leg: a plain RTP peer "
		 "cannot be authenticated"},
		{"latch_none.ini", PORTS "[session s]\nid = 1\n" S_OL S_OR S_OS S_OK S_IL
		 "inside.remote = latch\ninside.suite = none\n",
		 "[session s] inside.remote: 'latch' needs SRTP on the leg: a plain RTP peer "
		 "cannot be authenticated"},
	};
	run_bad_cases(cases, sizeof(cases) / sizeof(*cases), true);
}

/* ---- runner ---- */

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[PATH_MAX];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

static CU_TestInfo default_tests[] = {
	{"default_is_demo_ini", test_default_is_demo_ini},
	{"default_loads", test_default_loads},
	{"default_with_override", test_default_with_override},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo file_tests[] = {
	{"complete", test_complete},
	{"accepted_forms", test_accepted_forms},
	{"syntax_errors", test_syntax_errors},
	{"syntax_lengths", test_syntax_lengths},
	{"value_errors", test_value_errors},
	{"neighbor_limit", test_neighbor_limit},
	{"several_addresses", test_several_addresses},
	{"address_errors", test_address_errors},
	{"address_limit", test_address_limit},
	{"session_errors", test_session_errors},
	{"session_key_messages", test_session_key_messages},
	{"bad_key_reported_once", test_bad_key_reported_once},
	{"offline", test_offline},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo override_tests[] = {
	{"override_parse", test_override_parse},
	{"override_apply", test_override_apply},
	{"override_unknown", test_override_unknown},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo sessions_tests[] = {
	{"sessions_file", test_sessions_file},
	{"sessions_file_errors", test_sessions_file_errors},
	{"sessions_file_key", test_sessions_file_key},
	{"free_wipes", test_free_wipes},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo bug_tests[] = {
	{"long_comment", test_bug_long_comment},
	{"inline_comment_value", test_bug_inline_comment_value},
	{"duplicate_worker_lcores", test_bug_duplicate_worker_lcores},
	{"duplicate_mki", test_bug_duplicate_mki},
	{"lcore_count_spurious_main", test_bug_lcore_count_spurious_main},
	{"local_problem_blames_remote", test_bug_local_problem_blames_remote},
	{"realloc_keeps_keys", test_bug_realloc_keeps_keys},
	{"sessions_file_named", test_bug_sessions_file_named},
	{"sessions_file_count", test_bug_sessions_file_count},
	{"sessions_option_unchecked", test_bug_sessions_option_unchecked},
	{"default_ids_unstable", test_bug_default_ids_unstable},
	{"sessions_file_conflicts", test_sessions_file_conflicts},
	{"latch_needs_srtp", test_latch_needs_srtp},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/dp_config.XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	CU_SuiteInfo suites[] = {
		{"default", NULL, NULL, NULL, NULL, default_tests},
		{"file", NULL, NULL, NULL, NULL, file_tests},
		{"overrides", NULL, NULL, NULL, NULL, override_tests},
		{"sessions", NULL, NULL, NULL, NULL, sessions_tests},
		{"found", NULL, NULL, NULL, NULL, bug_tests},
		CU_SUITE_INFO_NULL,
	};
	int rc = test_run(suites);
	remove_tmpdir();
	return rc;
}
