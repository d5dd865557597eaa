/*
 * The main lcore's side of the control process's contract (dataplane/ctl.c),
 * driven through its rings in one process: every command, every refusal,
 * keys wiped and never shown, and the clean-up after a control process that
 * died. EAL runs without hugepages or devices.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "config.h"
#include "ctl.h"
#include "eal_files.h"
#include "session.h"
#include "test_common.h"
#include "worker.h"

static const char port_ini[] =
	"[dataplane]\n"
	"max_sessions = 300\n"
	"[outside]\n"
	"port = ring\n"
	"ipv4 = 192.0.2.1/24\n"
	"ipv6 = 2001:db8::1/64\n"
	"[inside]\n"
	"port = ring\n"
	"ipv4 = 10.0.0.1/24\n";

static struct dp_config cfg;
static struct dp_runtime rt;
static struct dp_ctl ctl;
static uint64_t seq;

/* ---- building requests ---- */

static void endpoint(struct dp_endpoint *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	if (strchr(addr, ':')) {
		ep->addr.family = AF_INET6;
		inet_pton(AF_INET6, addr, ep->addr.bytes);
	} else {
		ep->addr.family = AF_INET;
		inet_pton(AF_INET, addr, ep->addr.bytes);
	}
	ep->port = port;
}

static void keys_fill(struct dp_srtp_keys *k, uint8_t fill)
{
	memset(k, 0, sizeof(*k));
	k->suite = SRE_AES_CM_128_HMAC_SHA1_80;
	k->nkeys = 1;
	memset(k->keys[0].key, fill, sizeof(k->keys[0].key));
	memset(k->keys[0].salt, fill ^ 0x5a, sizeof(k->keys[0].salt));
}

/* Session `id`: outside 192.0.2.1:(20000+id) <-> 198.51.100.9, SRTP with
 * keys of bytes `fill`; inside 10.0.0.1:(30000+id) <-> 10.0.0.9, plain. */
static void spec_make(struct dp_session_spec *sp, uint32_t id, uint8_t fill)
{
	memset(sp, 0, sizeof(*sp));
	sp->id = id;
	snprintf(sp->name, sizeof(sp->name), "call-%u", id);
	endpoint(&sp->leg[DP_OUTSIDE].local, "192.0.2.1", (uint16_t)(20000 + id));
	endpoint(&sp->leg[DP_OUTSIDE].remote, "198.51.100.9", 40000);
	keys_fill(&sp->leg[DP_OUTSIDE].rx, fill);
	keys_fill(&sp->leg[DP_OUTSIDE].tx, (uint8_t)(fill + 1));
	endpoint(&sp->leg[DP_INSIDE].local, "10.0.0.1", (uint16_t)(30000 + id));
	endpoint(&sp->leg[DP_INSIDE].remote, "10.0.0.9", 50000);
	sp->leg[DP_INSIDE].rx.suite = DP_SUITE_NONE;
	sp->leg[DP_INSIDE].tx.suite = DP_SUITE_NONE;
}

/* Sends one message through the command ring, lets the main lcore's poll
 * answer it, and returns the answer (to be given back with msg_done). */
static struct dp_ctl_msg *roundtrip(struct dp_ctl_msg *m)
{
	void *answer = NULL;

	m->seq = ++seq;
	CU_ASSERT_FATAL(rte_ring_enqueue(ctl.cmd, m) == 0);
	CHECK_U(dp_ctl_poll(&ctl, &rt, rte_rdtsc()), 1);
	CU_ASSERT_FATAL(rte_ring_dequeue(ctl.done, &answer) == 0);
	CHECK(answer == m, "answered another message");
	CHECK_U(m->seq, seq);
	return m;
}

static struct dp_ctl_msg *msg_new(uint16_t op)
{
	void *m = NULL;
	CU_ASSERT_FATAL(rte_mempool_get(ctl.msgs, &m) == 0);
	memset(m, 0, sizeof(struct dp_ctl_msg));
	((struct dp_ctl_msg *)m)->version = DP_CTL_VERSION;
	((struct dp_ctl_msg *)m)->op = op;
	return m;
}

static void msg_done(struct dp_ctl_msg *m)
{
	rte_mempool_put(ctl.msgs, m);
}

static int add(uint32_t id, uint8_t fill, char *reason, size_t len)
{
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_ADD);
	spec_make(&m->u.spec, id, fill);
	roundtrip(m);
	int st = m->status;
	if (reason)
		snprintf(reason, len, "%s", m->reason);
	msg_done(m);
	return st;
}

static int add_spec(const struct dp_session_spec *sp, char *reason, size_t len)
{
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_ADD);
	m->u.spec = *sp;
	roundtrip(m);
	int st = m->status;
	snprintf(reason, len, "%s", m->reason);
	msg_done(m);
	return st;
}

static int simple(uint16_t op, uint32_t id)
{
	struct dp_ctl_msg *m = msg_new(op);
	m->u.id = id;
	roundtrip(m);
	int st = m->status;
	msg_done(m);
	return st;
}

static uint32_t key_id_expected(uint8_t fill)
{
	uint8_t buf[30], md[32];
	unsigned len = 0;
	memset(buf, fill, 16);
	memset(buf + 16, fill ^ 0x5a, 14);
	EVP_Digest(buf, sizeof(buf), md, &len, EVP_sha256(), NULL);
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
}

/* ---- the tests ---- */

static void test_add_get_list_delete(void)
{
	char why[200];
	uint64_t gen0 = ctl.info->generation;

	CHECK_U(add(7, 0x11, why, sizeof(why)), DP_CTL_OK);
	CHECK_U(add(3, 0x21, why, sizeof(why)), DP_CTL_OK);
	CHECK(ctl.info->generation == gen0 + 2, "generation %llu, want %llu",
	      (unsigned long long)ctl.info->generation, (unsigned long long)gen0 + 2);
	CHECK_U(add(7, 0x31, why, sizeof(why)), DP_CTL_E_EXISTS);
	CHECK(strstr(why, "session id 7 exists") != NULL, "reason: %s", why);

	/* another id on the same outside address and port */
	struct dp_session_spec sp;
	spec_make(&sp, 9, 0x41);
	sp.leg[DP_OUTSIDE].local.port = 20007;
	CHECK_U(add_spec(&sp, why, sizeof(why)), DP_CTL_E_EXISTS);
	CHECK(strstr(why, "outside address and port are in use") != NULL, "reason: %s", why);

	/* GET: addresses, suites, key ids; no key byte anywhere */
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_GET);
	m->u.id = 7;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_OK);
	const struct dp_ctl_session_info *in = &m->u.info;
	CHECK_U(in->id, 7);
	CHECK(strcmp(in->name, "call-7") == 0, "name %s", in->name);
	CHECK_U(in->leg[DP_OUTSIDE].local.port, 20007);
	CHECK_U(in->leg[DP_OUTSIDE].remote.port, 40000);
	CHECK_U(in->leg[DP_OUTSIDE].rx.suite, SRE_AES_CM_128_HMAC_SHA1_80);
	CHECK_U(in->leg[DP_OUTSIDE].rx.nkeys, 1);
	CHECK_U(in->leg[DP_OUTSIDE].rx.key_id[0], key_id_expected(0x11));
	CHECK_U(in->leg[DP_OUTSIDE].tx.key_id[0], key_id_expected(0x12));
	CHECK_U(in->leg[DP_INSIDE].rx.suite, DP_SUITE_NONE);
	CHECK_U(in->leg[DP_OUTSIDE].pending, 0);
	uint8_t key[16];
	memset(key, 0x11, sizeof(key));
	CHECK(memmem(m, sizeof(*m), key, sizeof(key)) == NULL, "the key is in the answer");
	msg_done(m);

	/* LIST: ascending, paged by `after` */
	m = msg_new(DP_CTL_OP_LIST);
	m->u.list.after = 0;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_OK);
	CHECK_U(m->u.list.n, 2);
	CHECK_U(m->u.list.total, 2);
	CHECK_U(m->u.list.ids[0], 3);
	CHECK_U(m->u.list.ids[1], 7);
	m->u.list.after = 3;
	roundtrip(m);
	CHECK_U(m->u.list.n, 1);
	CHECK_U(m->u.list.ids[0], 7);
	msg_done(m);

	CHECK_U(simple(DP_CTL_OP_DEL, 3), DP_CTL_OK);
	CHECK_U(simple(DP_CTL_OP_DEL, 3), DP_CTL_E_NOT_FOUND);
	CHECK_U(simple(DP_CTL_OP_GET, 3), DP_CTL_E_NOT_FOUND);
	CHECK_U(simple(DP_CTL_OP_DEL, 7), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
	/* the address is free again */
	CHECK_U(add(9, 0x41, why, sizeof(why)), DP_CTL_OK);
	CHECK_U(simple(DP_CTL_OP_DEL, 9), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

static void test_keys_wiped(void)
{
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_ADD);
	spec_make(&m->u.spec, 11, 0x77);
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_OK);
	static const struct dp_srtp_keys zero_keys;
	CHECK(memcmp(m->u.spec.leg[DP_OUTSIDE].rx.keys, zero_keys.keys,
		     sizeof(zero_keys.keys)) == 0, "rx keys left in the answered message");
	CHECK(memcmp(m->u.spec.leg[DP_OUTSIDE].tx.keys, zero_keys.keys,
		     sizeof(zero_keys.keys)) == 0, "tx keys left in the answered message");
	msg_done(m);
	CHECK_U(simple(DP_CTL_OP_DEL, 11), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

static void test_replace(void)
{
	char why[200];

	CHECK_U(add(12, 0x01, why, sizeof(why)), DP_CTL_OK);
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_REPLACE);
	spec_make(&m->u.spec, 12, 0x61);
	roundtrip(m);
	CHECK(m->status == DP_CTL_OK, "replace: %d %s", m->status, m->reason);
	msg_done(m);
	m = msg_new(DP_CTL_OP_GET);
	m->u.id = 12;
	roundtrip(m);
	CHECK_U(m->u.info.leg[DP_OUTSIDE].rx.key_id[0], key_id_expected(0x61));
	msg_done(m);

	m = msg_new(DP_CTL_OP_REPLACE);
	spec_make(&m->u.spec, 13, 0x61);
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_NOT_FOUND);
	msg_done(m);
	CHECK_U(simple(DP_CTL_OP_DEL, 12), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

static void test_set_remote(void)
{
	char why[200];

	CHECK_U(add(14, 0x02, why, sizeof(why)), DP_CTL_OK);
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_SET_REMOTE);
	m->u.remote.id = 14;
	m->u.remote.side = DP_OUTSIDE;
	endpoint(&m->u.remote.remote, "198.51.100.77", 41000);
	roundtrip(m);
	CHECK(m->status == DP_CTL_OK, "set remote: %d %s", m->status, m->reason);
	/* the owner has not taken it yet: one at a time */
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_BUSY);
	struct dp_session *s = dp_session_find_id(rt.sessions, 14);
	CU_ASSERT_FATAL(s != NULL);
	struct dp_leg *leg = &s->leg[DP_OUTSIDE];
	CHECK_U(leg->remote.port, 40000); /* the worker's copy, until it takes it */
	CHECK_U(s->remote_next[DP_OUTSIDE].port, 41000);
	/* what the owner worker does at its next packet of the session */
	leg->remote = s->remote_next[DP_OUTSIDE];
	leg->remote_gen_seen = leg->remote_gen;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_OK);
	/* refusals */
	m->u.remote.side = 2;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_INVALID);
	m->u.remote.side = DP_OUTSIDE;
	m->u.remote.remote.port = 0;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_INVALID);
	m->u.remote.id = 999;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_NOT_FOUND);
	msg_done(m);
	CHECK_U(simple(DP_CTL_OP_DEL, 14), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

static void test_refusals(void)
{
	struct dp_session_spec sp;
	char why[200];

	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_GET);
	m->version = DP_CTL_VERSION + 1;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_VERSION);
	m->version = DP_CTL_VERSION;
	m->op = 99;
	roundtrip(m);
	CHECK_U(m->status, DP_CTL_E_OP);
	msg_done(m);

	struct {
		const char *what, *reason;
		void (*change)(struct dp_session_spec *);
	} cases[] = {
		{"id 0", "id: 0", NULL},
		{"outside local not ours", "outside.local: not an address of the outside port", NULL},
		{"inside local missing", "inside.local: no address and port", NULL},
		{"outside plain", "outside: SRTP keys are required both ways", NULL},
		{"no keys", "outside.rx: 0 keys", NULL},
		{"two keys without MKI", "outside.tx: 2 keys", NULL},
		{"latch on plain inside", "inside.remote: latch needs SRTP", NULL},
		{"pending with keys", "outside: keys pending, yet keys given", NULL},
		{"unknown suite", "outside.rx: suite 200 unknown", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		spec_make(&sp, 20, 0x05);
		switch (i) {
		case 0: sp.id = 0; break;
		case 1: endpoint(&sp.leg[DP_OUTSIDE].local, "192.0.2.2", 20020); break;
		case 2: sp.leg[DP_INSIDE].local.port = 0; break;
		case 3:
			sp.leg[DP_OUTSIDE].rx.suite = DP_SUITE_NONE;
			sp.leg[DP_OUTSIDE].tx.suite = DP_SUITE_NONE;
			break;
		case 4: sp.leg[DP_OUTSIDE].rx.nkeys = 0; break;
		case 5: sp.leg[DP_OUTSIDE].tx.nkeys = 2; break;
		case 6: sp.leg[DP_INSIDE].latch = true; break;
		case 7: sp.leg[DP_OUTSIDE].keys_pending = true; break;
		case 8: sp.leg[DP_OUTSIDE].rx.suite = 200; break;
		}
		CHECK(add_spec(&sp, why, sizeof(why)) == DP_CTL_E_INVALID, "%s: accepted",
		      cases[i].what);
		CHECK(strstr(why, cases[i].reason) != NULL, "%s: reason '%s', want '%s'",
		      cases[i].what, why, cases[i].reason);
	}
	CHECK(dp_session_find_id(rt.sessions, 20) == NULL, "a refused session was added");
}

static void test_keys_pending(void)
{
	struct dp_session_spec sp;
	char why[200];

	spec_make(&sp, 21, 0x06);
	sp.leg[DP_OUTSIDE].keys_pending = true;
	sp.leg[DP_OUTSIDE].latch = true;
	memset(&sp.leg[DP_OUTSIDE].remote, 0, sizeof(sp.leg[DP_OUTSIDE].remote));
	memset(&sp.leg[DP_OUTSIDE].rx, 0, sizeof(sp.leg[DP_OUTSIDE].rx));
	memset(&sp.leg[DP_OUTSIDE].tx, 0, sizeof(sp.leg[DP_OUTSIDE].tx));
	sp.leg[DP_OUTSIDE].rx.suite = DP_SUITE_NONE;
	sp.leg[DP_OUTSIDE].tx.suite = DP_SUITE_NONE;
	CHECK(add_spec(&sp, why, sizeof(why)) == DP_CTL_OK, "pending: %s", why);
	struct dp_session *s = dp_session_find_id(rt.sessions, 21);
	CU_ASSERT_FATAL(s != NULL);
	CHECK(s->leg[DP_OUTSIDE].keys_pending, "leg not pending");
	CHECK(s->leg[DP_OUTSIDE].rx.ctx == NULL && !s->leg[DP_OUTSIDE].protects,
	      "keys on a pending leg");
	/* the handshake is done: keys by replace */
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_REPLACE);
	spec_make(&m->u.spec, 21, 0x07);
	roundtrip(m);
	CHECK(m->status == DP_CTL_OK, "replace: %s", m->reason);
	msg_done(m);
	s = dp_session_find_id(rt.sessions, 21);
	CU_ASSERT_FATAL(s != NULL);
	CHECK(!s->leg[DP_OUTSIDE].keys_pending && s->leg[DP_OUTSIDE].protects,
	      "keys not installed");
	CHECK_U(simple(DP_CTL_OP_DEL, 21), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

static void test_full(void)
{
	char why[200];
	uint32_t id, max = cfg.max_sessions;

	/* added in descending order: LIST must sort */
	for (id = 100 + max - 1; id >= 100; id--)
		CHECK(add(id, (uint8_t)id, why, sizeof(why)) == DP_CTL_OK, "%u: %s", id, why);
	CHECK_U(add(100 + max, 0x08, why, sizeof(why)), DP_CTL_E_FULL);

	/* every id once, ascending, in pages of DP_CTL_LIST_MAX */
	struct dp_ctl_msg *m = msg_new(DP_CTL_OP_LIST);
	uint32_t seen = 0, after = 0, pages = 0;
	bool ascending = true;
	do {
		m->u.list.after = after;
		roundtrip(m);
		CHECK_U(m->u.list.total, max);
		for (uint32_t i = 0; i < m->u.list.n; i++) {
			ascending = ascending && m->u.list.ids[i] == 100 + seen;
			seen++;
		}
		if (m->u.list.n)
			after = m->u.list.ids[m->u.list.n - 1];
		pages++;
	} while (m->u.list.n == DP_CTL_LIST_MAX && pages < 10);
	msg_done(m);
	CHECK_U(seen, max);
	CHECK(ascending, "ids not listed in ascending order");
	CHECK_U(pages, (max + DP_CTL_LIST_MAX - 1) / DP_CTL_LIST_MAX);

	for (id = 100; id < 100 + max; id++)
		CHECK_U(simple(DP_CTL_OP_DEL, id), DP_CTL_OK);
	dp_session_synchronize(rt.sessions);
}

/* A control process that died: within a second the primary stops handing
 * it packets and frees those it left. */
static void test_dead_control(void)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create("test_exc", 63, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CU_ASSERT_FATAL(pool != NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	ctl.info->control_pid = child;
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *mb = rte_pktmbuf_alloc(pool);
		CU_ASSERT_FATAL(mb != NULL);
		CU_ASSERT_FATAL(rte_ring_enqueue(ctl.exc, mb) == 0);
	}
	uint64_t dropped = ctl.info->exc_dropped;
	/* a second later, as the main loop would see it */
	dp_ctl_poll(&ctl, &rt, rte_rdtsc() + 2 * rte_get_tsc_hz());
	CHECK_U(ctl.info->control_pid, 0);
	CHECK_U(rte_ring_count(ctl.exc), 0);
	CHECK_U(ctl.info->exc_dropped - dropped, 3);
	CHECK_U(rte_mempool_avail_count(pool), 63);

	/* a live one keeps its packets */
	ctl.info->control_pid = getpid();
	struct rte_mbuf *mb = rte_pktmbuf_alloc(pool);
	CU_ASSERT_FATAL(rte_ring_enqueue(ctl.exc, mb) == 0);
	dp_ctl_poll(&ctl, &rt, rte_rdtsc() + 4 * rte_get_tsc_hz());
	CHECK_U(ctl.info->control_pid, getpid());
	CHECK_U(rte_ring_count(ctl.exc), 1);
	ctl.info->control_pid = 0;
	void *p;
	while (rte_ring_dequeue(ctl.exc, &p) == 0)
		rte_pktmbuf_free(p);
	rte_mempool_free(pool);
}

/* ---- runner ---- */

static int setup(void)
{
	char path[] = "/tmp/dp_ctl.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	bool ok = write(fd, port_ini, strlen(port_ini)) == (ssize_t)strlen(port_ini);
	close(fd);
	int rc = ok ? dp_config_load(path, NULL, 0, &cfg, stderr) : -1;
	unlink(path);
	if (rc != 0)
		return -1;
	static const struct rte_ether_addr mac[2] = {{{2, 0, 0, 0, 0, 1}}, {{2, 0, 0, 0, 0, 2}}};
	for (int side = 0; side < DP_SIDES; side++)
		dp_port_addrs_init(&rt.port[side], &cfg.port[side], (uint16_t)side,
				   (uint8_t)side, &mac[side]);
	rt.cfg = &cfg;
	rt.nworkers = 1;
	rt.tsc_hz = rte_get_tsc_hz();
	rt.sessions = dp_session_table_create(cfg.max_sessions, cfg.ssrcs_per_direction,
					      cfg.replay_window, 1, rt.port);
	if (rt.sessions == NULL)
		return -1;
	return dp_ctl_create(&ctl, &rt);
}

static CU_TestInfo ctl_tests[] = {
	{"add_get_list_delete", test_add_get_list_delete},
	{"keys_wiped", test_keys_wiped},
	{"replace", test_replace},
	{"set_remote", test_set_remote},
	{"refusals", test_refusals},
	{"keys_pending", test_keys_pending},
	{"full", test_full},
	{"dead_control", test_dead_control},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "dp_ctl_test_%d", (int)getpid());
	char *eal[] = {"dp_ctl", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		       "--file-prefix", prefix, "--log-level", "lib.eal:error", "-l", "0",
		       NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(*eal)) - 1, eal) < 0) {
		fprintf(stderr, "dp_ctl: EAL did not start\n");
		return 2;
	}
	if (setup() != 0) {
		fprintf(stderr, "dp_ctl: set-up failed\n");
		return 2;
	}
	CU_SuiteInfo suites[] = {
		{"ctl_commands", NULL, NULL, NULL, NULL, ctl_tests},
		CU_SUITE_INFO_NULL,
	};
	int rc = test_run(suites);
	dp_ctl_destroy(&ctl);
	dp_session_table_destroy(rt.sessions);
	dp_config_free(&cfg);
	rte_eal_cleanup();
	dp_eal_remove_runtime_files(prefix);
	return rc;
}
