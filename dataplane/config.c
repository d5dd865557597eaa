/*
 * srtpedge configuration. rte_cfgfile silently drops lines without '=' and
 * truncates long values, so a syntax pass of our own reads the file first
 * and reports every malformed line, unknown section, unknown key and
 * duplicate with its line number; rte_cfgfile then loads it, overrides from
 * the command line are applied, and every value is validated with a message
 * naming the file, the section and the key.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "config.h"
#include "sdes.h"
#include "srtp_edge.h"

/* ---- the schema ------------------------------------------------------ */

struct key_rule {
	const char *name;
	bool repeatable;
};

static const struct key_rule dataplane_keys[] = {
	{"workers", false}, {"main_lcore", false}, {"worker_lcores", false},
	{"worker_cpus", false},
	{"max_sessions", false}, {"ssrcs_per_direction", false},
	{"replay_window", false}, {"burst", false}, {"mbufs", false},
	{"ttl", false}, {"exception_pps", false}, {"stats_interval", false}, {"sessions_file", false},
	{"eal", false}, {"offline", false}, {NULL, false},
};

static const struct key_rule port_keys[] = {
	{"port", false}, {"ipv4", true}, {"ipv6", true}, {"gateway4", false},
	{"gateway6", false}, {"neighbor", true}, {NULL, false},
};

static const struct key_rule demo_keys[] = {
	{"sessions", false}, {"suite", false}, {"payload", false},
	{"pps", false}, {"duration", false}, {"bad_per_mille", false},
	{NULL, false},
};

static const struct key_rule session_keys[] = {
	{"id", false},
	{"outside.local", false}, {"outside.remote", false},
	{"outside.suite", false}, {"outside.rx_key", true},
	{"outside.tx_key", true},
	{"inside.local", false}, {"inside.remote", false},
	{"inside.suite", false}, {"inside.rx_key", true},
	{"inside.tx_key", true},
	{NULL, false},
};

enum section_kind { SEC_UNKNOWN, SEC_DATAPLANE, SEC_OUTSIDE, SEC_INSIDE,
		    SEC_DEMO, SEC_SESSION };

static enum section_kind section_kind(const char *name)
{
	if (strcmp(name, "dataplane") == 0)
		return SEC_DATAPLANE;
	if (strcmp(name, "outside") == 0)
		return SEC_OUTSIDE;
	if (strcmp(name, "inside") == 0)
		return SEC_INSIDE;
	if (strcmp(name, "demo") == 0)
		return SEC_DEMO;
	if (strncmp(name, "session ", 8) == 0 && name[8] != '\0')
		return SEC_SESSION;
	return SEC_UNKNOWN;
}

static const struct key_rule *rules_of(enum section_kind k)
{
	switch (k) {
	case SEC_DATAPLANE: return dataplane_keys;
	case SEC_OUTSIDE:
	case SEC_INSIDE: return port_keys;
	case SEC_DEMO: return demo_keys;
	case SEC_SESSION: return session_keys;
	default: return NULL;
	}
}

static const struct key_rule *find_rule(enum section_kind k, const char *key)
{
	const struct key_rule *r = rules_of(k);
	for (; r && r->name; r++)
		if (strcmp(r->name, key) == 0)
			return r;
	return NULL;
}

/* ---- error reporting ------------------------------------------------- */

struct errs {
	FILE *f;
	const char *file;
	unsigned count;
};

static void __attribute__((format(printf, 4, 5)))
bad(struct errs *e, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(e->f, "srtpedge: %s: [%s]%s%s: ", e->file, section,
		key ? " " : "", key ? key : "");
	va_start(ap, fmt);
	vfprintf(e->f, fmt, ap);
	va_end(ap);
	fputc('\n', e->f);
	e->count++;
}

static void __attribute__((format(printf, 3, 4)))
bad_line(struct errs *e, unsigned line, const char *fmt, ...)
{
	va_list ap;

	fprintf(e->f, "srtpedge: %s:%u: ", e->file, line);
	va_start(ap, fmt);
	vfprintf(e->f, fmt, ap);
	va_end(ap);
	fputc('\n', e->f);
	e->count++;
}

/* ---- an index by key ------------------------------------------------ */

/* Fixed-size keys to the index of their first holder, so that a file of a
 * million sessions is checked for duplicate sections, addresses, ids and
 * names in linear time. Open addressing; grows at half full. */
struct index_map {
	size_t cap;        /* slots, a power of two */
	size_t used;
	size_t key_len;
	uint8_t *keys;
	uint32_t *vals;    /* index + 1; 0 = empty slot */
};

static uint64_t key_hash(const uint8_t *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int index_map_init(struct index_map *m, size_t expect, size_t key_len)
{
	m->cap = 64;
	while (m->cap < 2 * expect)
		m->cap <<= 1;
	m->used = 0;
	m->key_len = key_len;
	m->keys = calloc(m->cap, key_len);
	m->vals = calloc(m->cap, sizeof(*m->vals));
	return m->keys && m->vals ? 0 : -1;
}

static void index_map_free(struct index_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}

static size_t index_map_slot(const struct index_map *m, const void *key)
{
	size_t i = (size_t)key_hash(key, m->key_len) & (m->cap - 1);
	while (m->vals[i] && memcmp(m->keys + i * m->key_len, key, m->key_len) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static long index_map_get(const struct index_map *m, const void *key)
{
	size_t i = index_map_slot(m, key);
	return m->vals[i] ? (long)m->vals[i] - 1 : -1;
}

/* The index stored under key, or -1 after storing `val` there (or when
 * memory ran out: then nothing is found later, never a false match). */
static long index_map_put(struct index_map *m, const void *key, uint32_t val)
{
	size_t i = index_map_slot(m, key);
	if (m->vals[i])
		return (long)m->vals[i] - 1;
	if (2 * (m->used + 1) > m->cap) {
		struct index_map g;
		if (index_map_init(&g, m->cap, m->key_len) != 0) {
			index_map_free(&g);
			return -1;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->vals[j])
				continue;
			size_t k = index_map_slot(&g, m->keys + j * m->key_len);
			memcpy(g.keys + k * g.key_len, m->keys + j * m->key_len, m->key_len);
			g.vals[k] = m->vals[j];
		}
		g.used = m->used;
		index_map_free(m);
		*m = g;
		i = index_map_slot(m, key);
	}
	memcpy(m->keys + i * m->key_len, key, m->key_len);
	m->vals[i] = val + 1;
	m->used++;
	return -1;
}

/* ---- the syntax pass ------------------------------------------------- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

#define MAX_SEEN_KEYS 64

/* rte_cfgfile_load reads lines into CFG_NAME_LEN + CFG_VALUE_LEN + 4 bytes
 * and refuses the whole file, without a line number, past that. */
#define CFGFILE_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 2)

/* Cuts the line where rte_cfgfile does: at the first ';' not after '\'. */
static void cut_comment(char *s)
{
	for (char *p = s; (p = strchr(p, ';')) != NULL; p++) {
		if (p == s || p[-1] != '\\') {
			*p = '\0';
			return;
		}
	}
}

static void syntax_pass(FILE *in, struct errs *e)
{
	char line[4096];
	unsigned lineno = 0;
	struct index_map sections;
	unsigned nsections = 0;
	char seen[MAX_SEEN_KEYS][CFG_NAME_LEN];
	unsigned nseen = 0;
	enum section_kind kind = SEC_UNKNOWN;
	bool in_section = false;

	if (index_map_init(&sections, 64, CFG_NAME_LEN) != 0) {
		index_map_free(&sections);
		bad_line(e, 0, "out of memory");
		return;
	}
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(in)) {
			bad_line(e, lineno, "line longer than %zu characters",
				 sizeof(line) - 2);
			int c;
			while ((c = fgetc(in)) != EOF && c != '\n')
				;
			continue;
		}
		size_t len = strcspn(line, "\n");
		if (len > CFGFILE_LINE_MAX) {
			bad_line(e, lineno, "line longer than %d characters",
				 CFGFILE_LINE_MAX);
			continue;
		}
		cut_comment(line);
		char *s = trim(line);
		if (*s == '\0')
			continue;
		if (*s == '#') {
			bad_line(e, lineno, "comments start with ';'");
			continue;
		}
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0') {
				bad_line(e, lineno, "a section is '[name]' alone on its line");
				in_section = false;
				continue;
			}
			*close = '\0';
			char *name = trim(s + 1);
			in_section = true;
			nseen = 0;
			kind = section_kind(name);
			if (strlen(name) >= CFG_NAME_LEN) {
				bad_line(e, lineno, "section name longer than %d characters",
					 CFG_NAME_LEN - 1);
				continue;
			}
			if (kind == SEC_UNKNOWN)
				bad_line(e, lineno,
					 "unknown section [%s] (known: [dataplane], "
					 "[outside], [inside], [demo], [session NAME])",
					 name);
			char padded[CFG_NAME_LEN] = {0};
			memcpy(padded, name, strlen(name));
			if (index_map_put(&sections, padded, nsections++) >= 0)
				bad_line(e, lineno, "section [%s] appears twice", name);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			bad_line(e, lineno, "expected 'key = value' or '[section]'");
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (!in_section) {
			bad_line(e, lineno, "'%s' is outside any section", key);
			continue;
		}
		if (*key == '\0') {
			bad_line(e, lineno, "missing key before '='");
			continue;
		}
		if (*value == '\0') {
			bad_line(e, lineno, "%s has no value", key);
			continue;
		}
		if (strlen(key) >= CFG_NAME_LEN || strlen(value) >= CFG_VALUE_LEN) {
			bad_line(e, lineno, "%s: key or value too long (at most %d and %d characters)",
				 key, CFG_NAME_LEN - 1, CFG_VALUE_LEN - 1);
			continue;
		}
		if (kind == SEC_UNKNOWN)
			continue; /* reported with its section */
		const struct key_rule *r = find_rule(kind, key);
		if (r == NULL) {
			bad_line(e, lineno, "unknown key '%s' in this section", key);
			continue;
		}
		if (!r->repeatable) {
			for (unsigned i = 0; i < nseen; i++) {
				if (strcmp(seen[i], key) == 0) {
					bad_line(e, lineno, "%s is set twice in this section", key);
					break;
				}
			}
			if (nseen < MAX_SEEN_KEYS)
				snprintf(seen[nseen++], CFG_NAME_LEN, "%s", key);
		}
	}
	index_map_free(&sections);
}

/* ---- value parsers --------------------------------------------------- */

static bool parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end != '\0' || x < min || x > max)
		return false;
	*out = (uint32_t)x;
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_addr(const char *v, struct dp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, v, a->bytes) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, v, a->bytes) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

static bool parse_prefix(const char *v, struct dp_addr *a, uint8_t *plen)
{
	char buf[128];
	const char *slash = strchr(v, '/');
	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf))
		return false;
	memcpy(buf, v, (size_t)(slash - v));
	buf[slash - v] = '\0';
	if (!parse_addr(buf, a))
		return false;
	uint32_t len;
	if (!parse_u32(slash + 1, 1, a->family == AF_INET ? 32 : 128, &len))
		return false;
	*plen = (uint8_t)len;
	return true;
}

/* "192.0.2.1:40000" or "[2001:db8::1]:40000" */
static bool parse_endpoint(const char *v, struct dp_endpoint *ep)
{
	char buf[128];
	const char *colon;
	uint32_t port;

	if (*v == '[') {
		const char *close = strchr(v, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - v - 1) >= sizeof(buf))
			return false;
		memcpy(buf, v + 1, (size_t)(close - v - 1));
		buf[close - v - 1] = '\0';
		colon = close + 1;
		if (!parse_addr(buf, &ep->addr) || ep->addr.family != AF_INET6)
			return false;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || (size_t)(colon - v) >= sizeof(buf))
			return false;
		memcpy(buf, v, (size_t)(colon - v));
		buf[colon - v] = '\0';
		if (!parse_addr(buf, &ep->addr) || ep->addr.family != AF_INET)
			return false;
	}
	if (!parse_u32(colon + 1, 1, 65535, &port))
		return false;
	ep->port = (uint16_t)port;
	return true;
}

static bool parse_mac(const char *v, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* "1", "1,3", "1-3,5" */
static int parse_lcores(const char *v, unsigned *out, unsigned cap)
{
	unsigned n = 0;
	const char *p = v;

	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -1;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= 1024)
			return -1;
		for (unsigned long x = a; x <= b; x++) {
			if (n >= cap)
				return -1;
			out[n++] = (unsigned)x;
		}
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return (int)n;
}

static bool is_pci_address(const char *v)
{
	unsigned dom, bus, dev, fn;
	char tail;
	return sscanf(v, "%4x:%2x:%2x.%1u%c", &dom, &bus, &dev, &fn, &tail) == 4 ||
	       sscanf(v, "%2x:%2x.%1u%c", &bus, &dev, &fn, &tail) == 3;
}

/* ---- sections -------------------------------------------------------- */

static void read_dataplane(struct rte_cfgfile *c, struct dp_config *cfg,
			   struct errs *e)
{
	const char *S = "dataplane";
	const char *v;
	uint32_t u;

	if ((v = rte_cfgfile_get_entry(c, S, "workers"))) {
		if (parse_u32(v, 1, DP_MAX_WORKERS, &u))
			cfg->workers = u;
		else
			bad(e, S, "workers", "'%s': expected 1 to %d", v, DP_MAX_WORKERS);
	}
	if ((v = rte_cfgfile_get_entry(c, S, "main_lcore"))) {
		if (parse_u32(v, 0, 1023, &u))
			cfg->main_lcore = u;
		else
			bad(e, S, "main_lcore", "'%s': expected an lcore number", v);
	}
	int nlc = -2;
	if ((v = rte_cfgfile_get_entry(c, S, "worker_lcores"))) {
		nlc = parse_lcores(v, cfg->worker_lcores, DP_MAX_WORKERS);
		if (nlc < 0)
			bad(e, S, "worker_lcores",
			    "'%s': expected a list like '1', '1,3' or '1-3'", v);
	}
	int ncpu = -2;
	if ((v = rte_cfgfile_get_entry(c, S, "worker_cpus"))) {
		ncpu = parse_lcores(v, cfg->worker_cpus, DP_MAX_WORKERS);
		if (ncpu < 0)
			bad(e, S, "worker_cpus",
			    "'%s': expected a list like '1', '1,1' or '2-3'", v);
	}
	struct { const char *key; uint32_t min, max; uint32_t *dst; } nums[] = {
		{"max_sessions", 1, 8u << 20, &cfg->max_sessions},
		{"ssrcs_per_direction", 1, DP_CONFIG_MAX_SSRCS, &cfg->ssrcs_per_direction},
		{"replay_window", 64, SRE_WINDOW_MAX, &cfg->replay_window},
		{"burst", 1, 128, &cfg->burst},
		{"mbufs", 1023, 1u << 22, &cfg->mbufs},
		{"stats_interval", 0, 86400, &cfg->stats_interval},
		{"exception_pps", 1, 10000000, &cfg->exception_pps},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		if ((v = rte_cfgfile_get_entry(c, S, nums[i].key)) == NULL)
			continue;
		if (!parse_u32(v, nums[i].min, nums[i].max, nums[i].dst))
			bad(e, S, nums[i].key, "'%s': expected a whole number from %u to %u",
			    v, nums[i].min, nums[i].max);
	}
	if ((v = rte_cfgfile_get_entry(c, S, "ttl"))) {
		if (parse_u32(v, 1, 255, &u))
			cfg->ttl = (uint8_t)u;
		else
			bad(e, S, "ttl", "'%s': expected 1 to 255", v);
	}
	if ((v = rte_cfgfile_get_entry(c, S, "sessions_file")))
		snprintf(cfg->sessions_file, sizeof(cfg->sessions_file), "%s", v);
	if ((v = rte_cfgfile_get_entry(c, S, "eal")))
		snprintf(cfg->eal_extra, sizeof(cfg->eal_extra), "%s", v);
	if ((v = rte_cfgfile_get_entry(c, S, "offline")) &&
	    !parse_bool(v, &cfg->offline))
		bad(e, S, "offline", "'%s': expected yes or no", v);

	if (nlc >= 0 && (unsigned)nlc != cfg->workers)
		bad(e, S, "worker_lcores", "lists %d lcores for %u workers", nlc,
		    cfg->workers);
	if (ncpu >= 0 && (unsigned)ncpu != cfg->workers)
		bad(e, S, "worker_cpus", "lists %d CPUs for %u workers", ncpu, cfg->workers);
	cfg->has_worker_cpus = ncpu > 0;
	unsigned listed = cfg->workers;
	if (nlc == -2) {
		/* default: the lcores after the main one */
		for (unsigned i = 0; i < cfg->workers; i++)
			cfg->worker_lcores[i] = cfg->main_lcore + 1 + i;
	} else {
		listed = nlc < 0 ? 0 : (unsigned)nlc;
	}
	for (unsigned i = 0; i < listed; i++) {
		if (cfg->worker_lcores[i] == cfg->main_lcore)
			bad(e, S, "worker_lcores", "lcore %u is also the main lcore",
			    cfg->main_lcore);
		for (unsigned j = 0; j < i; j++)
			if (cfg->worker_lcores[j] == cfg->worker_lcores[i]) {
				bad(e, S, "worker_lcores", "lcore %u is listed twice: "
				    "one worker per lcore", cfg->worker_lcores[i]);
				break;
			}
	}
}

static const char *const side_names[DP_SIDES] = {"outside", "inside"};

static bool same_addr(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

static bool port_has_addr(const struct dp_port_cfg *p, const struct dp_addr *a)
{
	const struct dp_prefix *list = a->family == AF_INET ? p->ipv4 : p->ipv6;
	unsigned n = a->family == AF_INET ? p->nipv4 : p->nipv6;

	for (unsigned i = 0; i < n; i++)
		if (same_addr(&list[i].addr, a))
			return true;
	return false;
}

/* Every `ipv4` (or `ipv6`) entry of a port's section, in the file's order.
 * An address is refused on both sides: each link would answer ARP and NS
 * for it, and a session's local address would no longer name its side. */
static void read_port_addrs(const struct rte_cfgfile_entry *ent, int n,
			    enum dp_side side, const struct dp_config *cfg,
			    uint8_t family, struct dp_port_cfg *p, struct errs *e)
{
	const char *S = side_names[side];
	bool v4 = family == AF_INET;
	const char *key = v4 ? "ipv4" : "ipv6";
	struct dp_prefix *list = v4 ? p->ipv4 : p->ipv6;
	unsigned *count = v4 ? &p->nipv4 : &p->nipv6;

	for (int i = 0; i < n; i++) {
		struct dp_prefix pf;
		char text[INET6_ADDRSTRLEN];

		if (strcmp(ent[i].name, key) != 0)
			continue;
		if (*count >= DP_MAX_PORT_ADDRS) {
			bad(e, S, key, "at most %d %s addresses per port",
			    DP_MAX_PORT_ADDRS, v4 ? "IPv4" : "IPv6");
			return;
		}
		if (!parse_prefix(ent[i].value, &pf.addr, &pf.plen) ||
		    pf.addr.family != family) {
			bad(e, S, key, "'%s': expected an %s address with its prefix "
				       "length, like %s", ent[i].value,
			    v4 ? "IPv4" : "IPv6", v4 ? "192.0.2.1/24" : "2001:db8::1/64");
			continue;
		}
		inet_ntop(family, pf.addr.bytes, text, sizeof(text));
		if (port_has_addr(p, &pf.addr)) {
			bad(e, S, key, "'%s': %s is listed twice", ent[i].value, text);
			continue;
		}
		/* the outside is read first: the inside reports the clash */
		if (side == DP_INSIDE && port_has_addr(&cfg->port[DP_OUTSIDE], &pf.addr)) {
			bad(e, S, key, "'%s': %s is an address of the outside port too",
			    ent[i].value, text);
			continue;
		}
		list[(*count)++] = pf;
	}
}

static void read_port(struct rte_cfgfile *c, enum dp_side side,
		      struct dp_config *cfg, struct errs *e)
{
	const char *S = side_names[side];
	struct dp_port_cfg *p = &cfg->port[side];
	const char *v;

	if (!rte_cfgfile_has_section(c, S)) {
		bad(e, S, NULL, "missing: every configuration names an outside and an inside port");
		return;
	}
	if ((v = rte_cfgfile_get_entry(c, S, "port")) == NULL) {
		bad(e, S, "port", "missing: a PCI address (0000:3b:00.0) or a DPDK "
				  "virtual device (net_af_packet0,iface=eth1)");
	} else {
		snprintf(p->device, sizeof(p->device), "%s", v);
		p->is_pci = is_pci_address(v);
		if (!p->is_pci && strncmp(v, "net_", 4) != 0 && strcmp(v, "ring") != 0)
			bad(e, S, "port", "'%s' is neither a PCI address, a net_* "
					  "virtual device nor 'ring' (the demo's)", v);
	}
	int n = rte_cfgfile_section_num_entries(c, S);
	struct rte_cfgfile_entry *ent = calloc((size_t)(n > 0 ? n : 1), sizeof(*ent));
	if (ent == NULL) {
		bad(e, S, NULL, "out of memory");
		return;
	}
	n = n > 0 ? rte_cfgfile_section_entries(c, S, ent, n) : 0;
	read_port_addrs(ent, n, side, cfg, AF_INET, p, e);
	read_port_addrs(ent, n, side, cfg, AF_INET6, p, e);
	if (!rte_cfgfile_get_entry(c, S, "ipv4") && !rte_cfgfile_get_entry(c, S, "ipv6"))
		bad(e, S, NULL, "needs an ipv4 or an ipv6 address");
	if ((v = rte_cfgfile_get_entry(c, S, "gateway4"))) {
		p->has_gateway4 = parse_addr(v, &p->gateway4) &&
				  p->gateway4.family == AF_INET;
		if (!p->has_gateway4)
			bad(e, S, "gateway4", "'%s': expected an IPv4 address", v);
	}
	if ((v = rte_cfgfile_get_entry(c, S, "gateway6"))) {
		p->has_gateway6 = parse_addr(v, &p->gateway6) &&
				  p->gateway6.family == AF_INET6;
		if (!p->has_gateway6)
			bad(e, S, "gateway6", "'%s': expected an IPv6 address", v);
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(ent[i].name, "neighbor") != 0)
			continue;
		char ip[128], mac[64], extra;
		struct dp_neighbor nb;
		if (p->nneighbors >= DP_MAX_NEIGHBORS) {
			bad(e, S, "neighbor", "at most %d static neighbours", DP_MAX_NEIGHBORS);
			break;
		}
		if (sscanf(ent[i].value, "%127s %63s %c", ip, mac, &extra) != 2 ||
		    !parse_addr(ip, &nb.ip) || !parse_mac(mac, nb.mac)) {
			bad(e, S, "neighbor", "'%s': expected 'ADDRESS MAC', like "
					      "'192.0.2.7 02:00:00:00:00:07'", ent[i].value);
			continue;
		}
		p->neighbors[p->nneighbors++] = nb;
	}
	free(ent);
}

static void read_demo(struct rte_cfgfile *c, struct dp_config *cfg,
		      struct errs *e)
{
	const char *S = "demo";
	struct dp_demo_cfg *d = &cfg->demo;
	const char *v;

	if (!rte_cfgfile_has_section(c, S))
		return;
	d->enabled = true;
	struct { const char *key; uint32_t min, max; uint32_t *dst; } nums[] = {
		{"sessions", 1, 35535, &d->sessions},
		{"payload", 0, 1400, &d->payload},
		{"pps", 1, 100000000, &d->pps},
		{"duration", 0, 1u << 30, &d->duration},
		{"bad_per_mille", 0, 1000, &d->bad_per_mille},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		if ((v = rte_cfgfile_get_entry(c, S, nums[i].key)) == NULL)
			continue;
		if (!parse_u32(v, nums[i].min, nums[i].max, nums[i].dst))
			bad(e, S, nums[i].key, "'%s': expected a whole number from %u to %u",
			    v, nums[i].min, nums[i].max);
	}
	if ((v = rte_cfgfile_get_entry(c, S, "suite"))) {
		enum sre_suite s;
		if (sre_suite_from_name(v, &s) == SRE_OK)
			d->suite = (uint8_t)s;
		else
			bad(e, S, "suite", "'%s' is not a suite (e.g. AES_CM_128_HMAC_SHA1_80, "
					   "AEAD_AES_128_GCM)", v);
	}
}

/* One leg's keys of one direction: every `LEG.rx_key` (or tx_key) entry. */
static void read_keys(const struct rte_cfgfile_entry *ent, int n,
		      const char *S, const char *key_name, uint8_t suite,
		      struct dp_srtp_keys *k, struct errs *e)
{
	bool given = false;

	k->suite = suite;
	k->nkeys = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(ent[i].name, key_name) != 0)
			continue;
		given = true;
		struct sre_sdes_key sk;
		char why[160];
		if (suite == DP_SUITE_NONE) {
			bad(e, S, key_name, "keys given for a leg without a suite");
			return;
		}
		if (k->nkeys >= DP_MAX_KEYS) {
			bad(e, S, key_name, "at most %d keys per direction", DP_MAX_KEYS);
			return;
		}
		if (sre_sdes_parse_key_param(ent[i].value, (enum sre_suite)suite, &sk,
					     why, sizeof(why)) != SRE_OK) {
			bad(e, S, key_name, "%s", why);
			explicit_bzero(&sk, sizeof(sk));
			continue;
		}
		if (k->nkeys > 0 && sk.mki_len != k->mki_len) {
			bad(e, S, key_name, "every key of a direction needs an MKI of the same length");
		} else if (k->nkeys == 1 && sk.mki_len == 0) {
			bad(e, S, key_name, "several keys need MKIs to be told apart");
		} else {
			for (unsigned j = 0; j < k->nkeys; j++)
				if (sk.mki_len && memcmp(k->keys[j].mki, sk.mki, sk.mki_len) == 0) {
					bad(e, S, key_name, "key %u has the same MKI as key %u",
					    k->nkeys + 1, j + 1);
					break;
				}
		}
		unsigned j = k->nkeys++;
		memcpy(k->keys[j].key, sk.key, sk.key_len);
		memcpy(k->keys[j].salt, sk.salt, sk.salt_len);
		memcpy(k->keys[j].mki, sk.mki, sk.mki_len);
		k->mki_len = sk.mki_len;
		if (sk.lifetime && (k->lifetime == 0 || sk.lifetime < k->lifetime))
			k->lifetime = sk.lifetime;
		explicit_bzero(&sk, sizeof(sk));
	}
	if (suite != DP_SUITE_NONE && !given)
		bad(e, S, key_name, "missing: the leg has suite %s",
		    sre_suite_name((enum sre_suite)suite));
}

/* The value of a key the syntax pass allows once per section. */
static const char *entry_of(const struct rte_cfgfile_entry *ent, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ent[i].name, key) == 0)
			return ent[i].value;
	return NULL;
}

static void read_session(struct rte_cfgfile *c, int idx, const char *S,
			 struct dp_session_spec *sp, struct errs *e)
{
	static const char *leg_names[DP_SIDES] = {"outside", "inside"};
	char secname[CFG_NAME_LEN];
	const char *v;
	/* by index: rte_cfgfile_get_entry finds a section by a linear search
	 * of its name, which a sessions file of many sessions cannot afford */
	int cap = rte_cfgfile_section_num_entries_by_index(c, secname, idx);
	struct rte_cfgfile_entry *ent = calloc(cap > 0 ? (size_t)cap : 1, sizeof(*ent));
	int n = ent && cap > 0 ? rte_cfgfile_section_entries_by_index(c, idx, secname, ent, cap)
			       : 0;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->name, sizeof(sp->name), "%s", S + 8);
	if (strlen(S + 8) >= sizeof(sp->name))
		bad(e, S, NULL, "session name longer than %zu characters",
		    sizeof(sp->name) - 1);
	if ((v = entry_of(ent, n, "id")) == NULL)
		bad(e, S, "id", "missing: a number from 1 to %u that names the session "
				"in telemetry and on reloads", DP_CONFIG_MAX_SESSION_ID);
	else if (!parse_u32(v, 1, DP_CONFIG_MAX_SESSION_ID, &sp->id))
		bad(e, S, "id", "'%s': expected a number from 1 to %u (larger ids are "
				"the demo generator's)", v, DP_CONFIG_MAX_SESSION_ID);
	for (int l = 0; l < DP_SIDES; l++) {
		struct dp_leg_spec *leg = &sp->leg[l];
		char key[64];
		uint8_t suite = DP_SUITE_NONE;

		snprintf(key, sizeof(key), "%s.local", leg_names[l]);
		if ((v = entry_of(ent, n, key)) == NULL)
			bad(e, S, key, "missing: our ADDRESS:PORT on the %s side", leg_names[l]);
		else if (!parse_endpoint(v, &leg->local)) {
			memset(&leg->local, 0, sizeof(leg->local));
			bad(e, S, key, "'%s': expected ADDRESS:PORT (IPv6: [ADDRESS]:PORT)", v);
		}
		snprintf(key, sizeof(key), "%s.remote", leg_names[l]);
		if ((v = entry_of(ent, n, key)) == NULL) {
			bad(e, S, key, "missing: the peer's ADDRESS:PORT, or 'latch'");
		} else if (strcmp(v, "latch") == 0) {
			leg->latch = true;
			leg->remote.addr.family = leg->local.addr.family;
		} else if (!parse_endpoint(v, &leg->remote)) {
			bad(e, S, key, "'%s': expected ADDRESS:PORT or 'latch'", v);
		} else if (leg->local.addr.family != 0 &&
			   leg->remote.addr.family != leg->local.addr.family) {
			bad(e, S, key, "'%s' is not of the local address's family", v);
		}
		snprintf(key, sizeof(key), "%s.suite", leg_names[l]);
		if ((v = entry_of(ent, n, key)) == NULL) {
			if (l == DP_OUTSIDE)
				bad(e, S, key, "missing: the outside leg carries SRTP");
		} else if (strcmp(v, "none") == 0) {
			if (l == DP_OUTSIDE)
				bad(e, S, key, "'none': the outside leg carries SRTP");
		} else {
			enum sre_suite s;
			if (sre_suite_from_name(v, &s) == SRE_OK)
				suite = (uint8_t)s;
			else
				bad(e, S, key, "'%s' is not a suite (or 'none' for plain RTP)", v);
		}
		v = entry_of(ent, n, key);
		if (l == DP_INSIDE && leg->latch && (v == NULL || strcmp(v, "none") == 0)) {
			/* a plain packet proves nothing: anyone could take the leg */
			snprintf(key, sizeof(key), "%s.remote", leg_names[l]);
			bad(e, S, key, "'latch' needs SRTP on the leg: a plain RTP "
				       "peer cannot be authenticated");
		}
		snprintf(key, sizeof(key), "%s.rx_key", leg_names[l]);
		read_keys(ent, n, S, key, suite, &leg->rx, e);
		snprintf(key, sizeof(key), "%s.tx_key", leg_names[l]);
		read_keys(ent, n, S, key, suite, &leg->tx, e);
	}
	if (ent) {
		explicit_bzero(ent, (size_t)(cap > 0 ? cap : 1) * sizeof(*ent));
		free(ent);
	}
}

/* Checks what sessions [first, nsessions) need of the ports and of every
 * session before them: local address and port, id and (against the main
 * file's, for a sessions file) name, each unique. */
struct endpoint_key {
	uint8_t side, family;
	uint8_t addr[16];
	uint16_t port;
};

static void check_sessions(const struct dp_config *cfg, unsigned first, struct errs *e)
{
	static const char *leg_names[DP_SIDES] = {"outside", "inside"};
	struct index_map locals, ids, names;
	unsigned n = cfg->nsessions;

	if (index_map_init(&locals, 2 * (size_t)n, sizeof(struct endpoint_key)) != 0 ||
	    index_map_init(&ids, n, sizeof(uint32_t)) != 0 ||
	    index_map_init(&names, cfg->nsessions_main, sizeof(cfg->sessions[0].name)) != 0) {
		bad(e, "session", NULL, "out of memory checking %u sessions", n);
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct dp_session_spec *sp = &cfg->sessions[i];
		bool check = i >= first;
		char S[64];

		snprintf(S, sizeof(S), "session %s", sp->name);
		for (int l = 0; l < DP_SIDES; l++) {
			const struct dp_endpoint *loc = &sp->leg[l].local;
			char key[32];
			if (loc->addr.family == 0)
				continue; /* reported already */
			snprintf(key, sizeof(key), "%s.local", leg_names[l]);
			if (check && !port_has_addr(&cfg->port[l], &loc->addr)) {
				char buf[INET6_ADDRSTRLEN];
				inet_ntop(loc->addr.family, loc->addr.bytes, buf, sizeof(buf));
				bad(e, S, key, "%s is not an address of the %s port", buf,
				    leg_names[l]);
			}
			struct endpoint_key k;
			memset(&k, 0, sizeof(k));
			k.side = (uint8_t)l;
			k.family = loc->addr.family;
			memcpy(k.addr, loc->addr.bytes, 16);
			k.port = loc->port;
			long j = index_map_put(&locals, &k, i);
			if (check && j >= 0)
				bad(e, S, key, "session %s uses this address and port already",
				    cfg->sessions[j].name);
		}
		if (sp->id != 0) {
			long j = index_map_put(&ids, &sp->id, i);
			if (check && j >= 0)
				bad(e, S, "id", "%u is the id of session %s too", sp->id,
				    cfg->sessions[j].name);
		}
		/* names repeat only across files: the syntax pass sees to one */
		if (i < cfg->nsessions_main)
			index_map_put(&names, sp->name, i);
		else if (check && index_map_get(&names, sp->name) >= 0)
			bad(e, S, NULL, "the configuration file has a session of this name");
	}
out:
	index_map_free(&locals);
	index_map_free(&ids);
	index_map_free(&names);
}

static void check_capacity(const struct dp_config *cfg, struct errs *e)
{
	uint64_t want = cfg->nsessions + (cfg->demo.enabled ? cfg->demo.sessions : 0);
	if (want > cfg->max_sessions)
		bad(e, "dataplane", "max_sessions", "%u is fewer than the %" PRIu64
		    " sessions configured", cfg->max_sessions, want);
}

static int read_sessions(struct rte_cfgfile *c, struct dp_config *cfg,
			 struct errs *e)
{
	int nsec = rte_cfgfile_num_sections(c, NULL, 0);
	char **names = calloc((size_t)(nsec > 0 ? nsec : 1), sizeof(char *));
	char *store = calloc((size_t)(nsec > 0 ? nsec : 1), CFG_NAME_LEN);
	if (names == NULL || store == NULL) {
		free(names);
		free(store);
		bad(e, "session", NULL, "out of memory");
		return -1;
	}
	for (int i = 0; i < nsec; i++)
		names[i] = store + (size_t)i * CFG_NAME_LEN;
	rte_cfgfile_sections(c, names, nsec);
	unsigned add = 0;
	for (int i = 0; i < nsec; i++)
		add += section_kind(names[i]) == SEC_SESSION;
	if (add > 0) {
		/* copied, not realloc'd: a moved block would be freed with the
		 * master keys still in it */
		struct dp_session_spec *grown = calloc(cfg->nsessions + add, sizeof(*grown));
		if (grown == NULL) {
			bad(e, "session", NULL, "out of memory for %u sessions", add);
			free(names);
			free(store);
			return -1;
		}
		if (cfg->sessions) {
			memcpy(grown, cfg->sessions, cfg->nsessions * sizeof(*grown));
			explicit_bzero(cfg->sessions, cfg->nsessions * sizeof(*grown));
			free(cfg->sessions);
		}
		cfg->sessions = grown;
		for (int i = 0; i < nsec; i++) {
			if (section_kind(names[i]) != SEC_SESSION)
				continue;
			unsigned k = cfg->nsessions++;
			read_session(c, i, names[i], &cfg->sessions[k], e);
		}
	}
	free(names);
	free(store);
	return 0;
}

/* ---- loading --------------------------------------------------------- */

static void defaults(struct dp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 1;
	cfg->main_lcore = 0;
	cfg->max_sessions = 65536;
	cfg->ssrcs_per_direction = 4;
	cfg->replay_window = 128;
	cfg->burst = 32;
	cfg->mbufs = 16383;
	cfg->ttl = 64;
	cfg->exception_pps = 20000;
	cfg->stats_interval = 1;
	cfg->demo.sessions = 1000;
	cfg->demo.suite = SRE_AES_CM_128_HMAC_SHA1_80;
	cfg->demo.payload = 160;
	cfg->demo.pps = 200000;
	cfg->demo.bad_per_mille = 10;
}

/* rte_cfgfile reads files only: the embedded text goes through a memfd. */
static int open_config(const char *file, char *path, size_t pathlen, int *memfd)
{
	*memfd = -1;
	if (file != NULL) {
		snprintf(path, pathlen, "%s", file);
		return 0;
	}
	int fd = memfd_create("srtpedge-default.ini", 0);
	if (fd < 0)
		return -1;
	size_t len = strlen(dp_default_config);
	if (write(fd, dp_default_config, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	*memfd = fd;
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return 0;
}

static int apply_overrides(struct rte_cfgfile *c, const struct dp_override *ov,
			   unsigned nov, struct errs *e)
{
	for (unsigned i = 0; i < nov; i++) {
		enum section_kind k = section_kind(ov[i].section);
		const struct key_rule *r = find_rule(k, ov[i].key);
		if (k == SEC_UNKNOWN || r == NULL) {
			fprintf(e->f, "srtpedge: --set %s.%s: no such setting\n",
				ov[i].section, ov[i].key);
			e->count++;
			continue;
		}
		if (!rte_cfgfile_has_section(c, ov[i].section))
			rte_cfgfile_add_section(c, ov[i].section);
		int rc = rte_cfgfile_has_entry(c, ov[i].section, ov[i].key)
				 ? rte_cfgfile_set_entry(c, ov[i].section, ov[i].key, ov[i].value)
				 : rte_cfgfile_add_entry(c, ov[i].section, ov[i].key, ov[i].value);
		if (rc != 0) {
			fprintf(e->f, "srtpedge: --set %s.%s: cannot apply\n",
				ov[i].section, ov[i].key);
			e->count++;
		}
	}
	return 0;
}

/* Appends the [session NAME] sections of a sessions file and checks them
 * against the ports and every session before them; problems are reported
 * under the sessions file's name and counted in e. */
static void load_sessions_file(const char *file, struct dp_config *cfg,
			       struct errs *e)
{
	FILE *in = fopen(file, "r");

	if (in == NULL) {
		fprintf(e->f, "srtpedge: sessions file %s: cannot open: %s\n", file,
			strerror(errno));
		e->count++;
		return;
	}
	syntax_pass(in, e);
	fclose(in);
	if (e->count)
		return;
	struct rte_cfgfile *c = rte_cfgfile_load(file, 0);
	if (c == NULL) {
		fprintf(e->f, "srtpedge: %s: cannot be read as an INI file\n", file);
		e->count++;
		return;
	}
	int nsec = rte_cfgfile_num_sections(c, NULL, 0);
	int nsess = rte_cfgfile_num_sections(c, "session ", 8);
	if (nsec != nsess) {
		fprintf(e->f, "srtpedge: %s: a sessions file holds only [session NAME] "
			      "sections\n", file);
		e->count++;
		rte_cfgfile_close(c);
		return;
	}
	unsigned first = cfg->nsessions;
	read_sessions(c, cfg, e);
	rte_cfgfile_close(c);
	check_sessions(cfg, first, e);
}

int dp_config_load(const char *file, const struct dp_override *ov,
		   unsigned nov, struct dp_config *cfg, FILE *err)
{
	char path[PATH_MAX];
	int memfd;
	struct errs e = {err, file ? file : "(embedded default)", 0};

	defaults(cfg);
	snprintf(cfg->file, sizeof(cfg->file), "%s", e.file);
	if (open_config(file, path, sizeof(path), &memfd) != 0) {
		fprintf(err, "srtpedge: cannot set up the embedded configuration: %s\n",
			strerror(errno));
		return -1;
	}
	FILE *in = fopen(path, "r");
	if (in == NULL) {
		fprintf(err, "srtpedge: %s: cannot open: %s\n", e.file, strerror(errno));
		if (memfd >= 0)
			close(memfd);
		return -1;
	}
	syntax_pass(in, &e);
	fclose(in);
	struct rte_cfgfile *c = e.count ? NULL : rte_cfgfile_load(path, 0);
	if (memfd >= 0)
		close(memfd);
	if (c == NULL) {
		if (e.count == 0)
			fprintf(err, "srtpedge: %s: cannot be read as an INI file\n", e.file);
		return -1;
	}
	apply_overrides(c, ov, nov, &e);
	read_dataplane(c, cfg, &e);
	read_port(c, DP_OUTSIDE, cfg, &e);
	read_port(c, DP_INSIDE, cfg, &e);
	read_demo(c, cfg, &e);
	read_sessions(c, cfg, &e);
	rte_cfgfile_close(c);

	cfg->nsessions_main = cfg->nsessions;
	check_sessions(cfg, 0, &e);
	if (cfg->sessions_file[0]) {
		struct errs es = {err, cfg->sessions_file, 0};
		load_sessions_file(cfg->sessions_file, cfg, &es);
		e.count += es.count;
	}
	check_capacity(cfg, &e);
	if (cfg->offline) {
		bool input = false;
		for (int s = 0; s < DP_SIDES; s++) {
			const char *d = cfg->port[s].device;
			if (d[0] && strncmp(d, "net_pcap", 8) != 0)
				bad(&e, s == DP_OUTSIDE ? "outside" : "inside", "port",
				    "offline mode reads and writes captures: a "
				    "net_pcap device is needed, not '%s'", d);
			input |= strstr(d, "rx_pcap=") != NULL;
		}
		if (!input)
			bad(&e, "dataplane", "offline", "no port has an rx_pcap= input");
	}
	if (e.count) {
		fprintf(err, "srtpedge: %u problem%s in the configuration; nothing was started\n",
			e.count, e.count == 1 ? "" : "s");
		dp_config_free(cfg);
		return -1;
	}
	return 0;
}

int dp_config_load_sessions(const char *file, struct dp_config *cfg, FILE *err)
{
	struct errs es = {err, file, 0};
	struct errs em = {err, cfg->file, 0};
	unsigned before = cfg->nsessions;

	load_sessions_file(file, cfg, &es);
	check_capacity(cfg, &em);
	if (es.count + em.count == 0)
		return 0;
	if (cfg->nsessions > before)
		explicit_bzero(cfg->sessions + before,
			       (cfg->nsessions - before) * sizeof(*cfg->sessions));
	cfg->nsessions = before;
	return -1;
}

void dp_config_free(struct dp_config *cfg)
{
	if (cfg->sessions) {
		explicit_bzero(cfg->sessions, cfg->nsessions * sizeof(*cfg->sessions));
		free(cfg->sessions);
	}
	cfg->sessions = NULL;
	cfg->nsessions = 0;
}

int dp_override_parse(const char *arg, struct dp_override *ov, FILE *err)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');

	memset(ov, 0, sizeof(*ov));
	/* the section may hold a space ("session NAME") but no '=' */
	if (dot == NULL || eq == NULL || dot > eq || dot == arg || eq == dot + 1 ||
	    (size_t)(dot - arg) >= sizeof(ov->section) ||
	    (size_t)(eq - dot - 1) >= sizeof(ov->key) ||
	    strlen(eq + 1) >= sizeof(ov->value) || eq[1] == '\0') {
		fprintf(err, "srtpedge: --set '%s': expected SECTION.KEY=VALUE, "
			     "like dataplane.workers=2\n", arg);
		return -1;
	}
	memcpy(ov->section, arg, (size_t)(dot - arg));
	memcpy(ov->key, dot + 1, (size_t)(eq - dot - 1));
	snprintf(ov->value, sizeof(ov->value), "%s", eq + 1);
	return 0;
}
