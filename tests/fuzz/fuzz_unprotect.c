/*
 * libFuzzer target: sre_unprotect_burst on arbitrary bytes (layout in
 * fuzz_input.h), checking after every burst what srtp_edge.h promises and
 * that each packet fared as it would have alone; then each accepted packet
 * replayed (it must be refused), and the same bytes taken as plaintext
 * through protect and back through unprotect. Key usage and limit events are
 * checked throughout; limited contexts replace used-up keys from the event
 * callback.
 *
 * Every packet sits at the very end of its buffer, right before a page that
 * cannot be touched: IPsec-MB's assembly is not instrumented, so without the
 * guard page an over-read by a job given a wrong length would go unseen.
 * Streams are reset for every input, so that a crash reproduces from its
 * input alone; contexts (key schedules) are made once per configuration.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "fuzz_input.h"
/* For the stream flags that say what a stream has seen. */
#include "sre_internal.h"

enum { ROLE_RX = 0, ROLE_TX = 2, ROLE_RT = 4, ROLE_TWIN = 6, NSTREAMS = 8 };

/* One configuration: a context and two streams (SSRC A, B) per role.
 * ROLE_RX is what unprotect is fuzzed on, ROLE_TWIN gets the same packets
 * one at a time; ROLE_TX and ROLE_RT are the sender and the receiver of the
 * round trip. Each role has a context of its own so that key usage, like
 * stream state, stays in step with its counterpart. */
struct fz_config {
	struct sre_stream st[NSTREAMS];
	struct fz_config_id id;
	struct sre_ctx *ctx[NSTREAMS / 2];
	uint64_t *win[NSTREAMS];
	size_t win_bytes;
	uint64_t st_epoch[NSTREAMS];
	uint64_t epoch;
	/* key limit events seen: [context][key][is_rtcp][event - 1] */
	unsigned events[NSTREAMS / 2][2][2][2];
	/* key usage when the input began, and packets accepted since:
	 * [context][key][is_rtcp] */
	uint64_t used_before[NSTREAMS / 2][2][2];
	uint64_t accepted[NSTREAMS / 2][2][2];
	bool rotated[NSTREAMS / 2][2]; /* replaced by on_event this input */
};

struct fz_pkt {
	const uint8_t *data; /* in the fuzz input */
	uint32_t len;
	uint8_t kind;
	uint8_t slot;
};

struct fz_input {
	struct fz_config_id id;
	bool set_roc;
	bool second_key;
	bool zeroed_stream;
	uint32_t roc;
	unsigned burst;
	unsigned n;
	struct fz_pkt pkts[FZ_MAX_PKTS];
};

/* A burst being checked: the packets, as they were handed over, and the
 * configuration of each one's stream. */
struct fz_burst {
	struct sre_packet pk[FZ_MAX_PKTS];
	struct sre_packet before[FZ_MAX_PKTS];
	struct fz_config *cfg[FZ_MAX_PKTS];
};

/* What a stream looked like before a burst. */
struct fz_snap {
	struct sre_stream *s;
	const uint64_t *win;
	size_t win_bytes;
	bool changed_ok; /* a packet of the stream was accepted */
	struct sre_stream copy;
	uint64_t win_copy[SRE_WINDOW_MAX / 64];
};

static struct sre_engine *engine;
static struct fz_config *configs[FZ_CONFIG_COUNT];
static uint64_t epoch;
static uint8_t *slots;
static size_t slot_data, slot_stride;
static struct fz_snap snaps[16];
static unsigned nsnaps;
static struct fz_config *touched[SRE_SUITE_COUNT];
static unsigned ntouched;
/* Unprotect runs inside the round trip's protect burst: one each. */
static struct fz_burst rx_burst, tx_burst;
/* What a caller's table of streams holds where none was initialised. */
static struct sre_stream zero_stream;
/* An unprotect burst's packets as it left them. */
static struct sre_packet burst_res[FZ_MAX_PKTS];
static bool verbose;

#define FZ_CHECK(cond, ...)                                                  \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_unprotect: %s:%d: failed: %s: ",     \
				__FILE__, __LINE__, #cond);                  \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			abort();                                             \
		}                                                            \
	} while (0)

static void fatal(const char *what, int rc)
{
	fprintf(stderr, "fuzz_unprotect: %s: %s\n", what, sre_status_str(rc));
	abort();
}

#define BIT(s) (1u << (s))

/* Statuses a packet may get from unprotect; anything else (SRE_ERR_IPSEC_MB
 * above all: a job IPsec-MB refused) is a bug. */
static const uint32_t unprotect_ok_statuses =
	BIT(SRE_OK) | BIT(SRE_ERR_TOO_SHORT) | BIT(SRE_ERR_BAD_VERSION) |
	BIT(SRE_ERR_CSRC_OVERRUN) | BIT(SRE_ERR_EXT_OVERRUN) |
	BIT(SRE_ERR_NO_STREAM) | BIT(SRE_ERR_WRONG_DIRECTION) |
	BIT(SRE_ERR_SSRC_MISMATCH) | BIT(SRE_ERR_UNKNOWN_MKI) |
	BIT(SRE_ERR_AUTH_FAIL) | BIT(SRE_ERR_REPLAY_DUPLICATE) |
	BIT(SRE_ERR_REPLAY_TOO_OLD) | BIT(SRE_ERR_KEY_EXHAUSTED);
/* Protect has room for any trailer here, and knows no MKI or tag to fail. */
static const uint32_t protect_ok_statuses =
	BIT(SRE_OK) | BIT(SRE_ERR_TOO_SHORT) | BIT(SRE_ERR_BAD_VERSION) |
	BIT(SRE_ERR_CSRC_OVERRUN) | BIT(SRE_ERR_EXT_OVERRUN) |
	BIT(SRE_ERR_NO_STREAM) | BIT(SRE_ERR_WRONG_DIRECTION) |
	BIT(SRE_ERR_SSRC_MISMATCH) | BIT(SRE_ERR_REPLAY_DUPLICATE) |
	BIT(SRE_ERR_REPLAY_TOO_OLD) | BIT(SRE_ERR_KEY_EXHAUSTED);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const char *name;
		enum sre_arch arch;
	} archs[] = {{"auto", SRE_ARCH_AUTO}, {"sse", SRE_ARCH_SSE},
		     {"avx", SRE_ARCH_AVX},   {"avx2", SRE_ARCH_AVX2},
		     {"avx512", SRE_ARCH_AVX512}};
	/* IPsec-MB has one code path per architecture; let a run pick one. */
	const char *want = getenv("SRE_FUZZ_ARCH");
	enum sre_arch arch = SRE_ARCH_AUTO;
	long page = sysconf(_SC_PAGESIZE);

	(void)argc;
	(void)argv;
	/* For reading what a reproducer does, packet by packet. */
	verbose = getenv("SRE_FUZZ_VERBOSE") != NULL;
	if (want != NULL && *want != '\0') {
		unsigned i;
		for (i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
			if (strcmp(want, archs[i].name) == 0)
				break;
		if (i == sizeof(archs) / sizeof(archs[0])) {
			fprintf(stderr, "fuzz_unprotect: SRE_FUZZ_ARCH=%s unknown\n",
				want);
			exit(2);
		}
		arch = archs[i].arch;
	}
	int rc = sre_engine_create(arch, &engine);
	if (rc != SRE_OK)
		fatal("sre_engine_create", rc);
	fprintf(stderr, "fuzz_unprotect: IPsec-MB %s, %s\n",
		sre_ipsec_mb_version(), sre_engine_arch_name(engine));

	/* One extra slot: the round trip re-receives a packet while the burst
	 * that protected it still holds the others. */
	slot_data = ((FZ_MAX_PKT_LEN + SRE_MAX_TRAILER) + (size_t)page - 1) &
		    ~((size_t)page - 1);
	slot_stride = slot_data + (size_t)page;
	slots = mmap(NULL, slot_stride * (FZ_MAX_PKTS + 1),
		     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("fuzz_unprotect: mmap");
		abort();
	}
	for (unsigned i = 0; i <= FZ_MAX_PKTS; i++) {
		if (mprotect(slots + i * slot_stride + slot_data, (size_t)page,
			     PROT_NONE) != 0) {
			perror("fuzz_unprotect: mprotect");
			abort();
		}
	}
	return 0;
}

/* A buffer of exactly `room` bytes that ends at a guard page, holding a copy
 * of `len` bytes of src; what precedes it in the slot is poisoned. */
static uint8_t *slot_fill(unsigned i, const uint8_t *src, uint32_t len,
			  uint32_t room)
{
	uint8_t *end = slots + i * slot_stride + slot_data;
	uint8_t *p = end - room;

	ASAN_POISON_MEMORY_REGION(end - slot_data, slot_data);
	ASAN_UNPOISON_MEMORY_REGION(p, room);
	if (len > 0)
		memcpy(p, src, len);
	return p;
}

static uint64_t key_limit(const struct fz_config *c, int is_rtcp)
{
	if (c->id.limited)
		return is_rtcp ? FZ_RTCP_LIMIT : FZ_RTP_LIMIT;
	return is_rtcp ? UINT64_C(1) << 31 : UINT64_C(1) << 48;
}

static uint64_t key_soft_limit(const struct fz_config *c, int is_rtcp)
{
	uint64_t limit = key_limit(c, is_rtcp);
	uint64_t margin = c->id.limited ? FZ_LIMIT_MARGIN : UINT64_C(1) << 16;
	return limit > margin ? limit - margin : 1;
}

/* Which of the configuration's keys an MKI names; 2 for none. */
static unsigned key_index(const struct fz_config *c, const uint8_t *p)
{
	for (unsigned k = 0; k < 2; k++) {
		uint8_t key[32], salt[14], mki[4];
		fz_key_material(k, key, salt, mki);
		if (memcmp(mki, p, c->id.mki_len) == 0)
			return k;
	}
	return 2;
}

/* A used-up key of a limited context is replaced by a fresh one under the
 * same MKI, from inside the callback, as srtp_edge.h allows: the next bursts
 * (and the next chunk of this one) must take the new key without touching
 * the freed one. */
static void rotate_key(struct fz_config *c, unsigned ci, unsigned k)
{
	uint8_t key[32], salt[14], mki[4];
	const uint8_t *m = c->id.mki_len ? mki : NULL;

	fz_key_material(k, key, salt, mki);
	int rc = sre_ctx_remove_key(c->ctx[ci], m);
	FZ_CHECK(rc == SRE_OK, "sre_ctx_remove_key: %s", sre_status_name(rc));
	rc = sre_ctx_add_key(engine, c->ctx[ci], key,
			     sre_suite_master_key_len(c->id.suite), salt,
			     sre_suite_master_salt_len(c->id.suite), m);
	FZ_CHECK(rc == SRE_OK, "sre_ctx_add_key: %s", sre_status_name(rc));
	memset(c->events[ci][k], 0, sizeof(c->events[ci][k]));
	c->rotated[ci][k] = true;
}

/* Once per key, kind and limit, and only once the key's usage is there. */
static void on_event(struct sre_ctx *ctx, const uint8_t *mki, int is_rtcp,
		     enum sre_event ev, void *arg)
{
	struct fz_config *c = arg;
	struct sre_key_usage u;
	unsigned ci = 0;

	while (ci < NSTREAMS / 2 && c->ctx[ci] != ctx)
		ci++;
	FZ_CHECK(ci < NSTREAMS / 2, "event for a context not of its config");
	FZ_CHECK(is_rtcp == 0 || is_rtcp == 1, "is_rtcp %d", is_rtcp);
	FZ_CHECK(ev == SRE_EVENT_KEY_SOFT_LIMIT || ev == SRE_EVENT_KEY_HARD_LIMIT,
		 "event %d", (int)ev);
	unsigned k = key_index(c, mki);
	FZ_CHECK(k < 2, "event for an unknown MKI");
	FZ_CHECK(sre_ctx_key_usage(ctx, mki, &u) == SRE_OK, "key usage");
	uint64_t used = is_rtcp ? u.rtcp_packets : u.rtp_packets;
	uint64_t at = ev == SRE_EVENT_KEY_SOFT_LIMIT ? key_soft_limit(c, is_rtcp)
						     : key_limit(c, is_rtcp);
	FZ_CHECK(used >= at, "event %d at %llu packets, limit %llu", (int)ev,
		 (unsigned long long)used, (unsigned long long)at);
	FZ_CHECK(ev == SRE_EVENT_KEY_SOFT_LIMIT || c->events[ci][k][is_rtcp][0],
		 "hard limit event without a soft one");
	FZ_CHECK(++c->events[ci][k][is_rtcp][ev - 1] == 1,
		 "event %d fired twice for key %u", (int)ev, k);
	if (ev == SRE_EVENT_KEY_HARD_LIMIT && c->id.limited)
		rotate_key(c, ci, k);
}

static void key_usage(const struct fz_config *c, unsigned ci, unsigned k,
		      uint64_t used[2])
{
	uint8_t key[32], salt[14], mki[4];
	struct sre_key_usage u;

	fz_key_material(k, key, salt, mki);
	FZ_CHECK(sre_ctx_key_usage(c->ctx[ci], mki, &u) == SRE_OK, "key usage");
	used[0] = u.rtp_packets;
	used[1] = u.rtcp_packets;
}

/* A key counts the packets accepted under it, no others ("a packet that
 * fails never changes ... key usage"), never passes a limit, and each limit
 * reached was told, once. */
static void check_key_usage(const struct fz_config *c)
{
	for (unsigned ci = 0; ci < NSTREAMS / 2; ci++) {
		for (unsigned k = 0; k < (c->id.mki_len ? 2u : 1u); k++) {
			uint64_t used[2];
			key_usage(c, ci, k, used);
			for (int r = 0; r < 2; r++) {
				const unsigned *ev = c->events[ci][k][r];
				FZ_CHECK(c->rotated[ci][k] ||
						 used[r] - c->used_before[ci][k][r] ==
							 c->accepted[ci][k][r],
					 "context %u key %u %s: %llu packets "
					 "counted, %llu accepted",
					 ci, k, r ? "SRTCP" : "SRTP",
					 (unsigned long long)(used[r] -
							      c->used_before[ci][k][r]),
					 (unsigned long long)c->accepted[ci][k][r]);
				FZ_CHECK(used[r] <= key_limit(c, r) &&
						 ev[0] == (used[r] >= key_soft_limit(c, r)) &&
						 ev[1] == (used[r] >= key_limit(c, r)),
					 "context %u key %u %s: %llu packets, "
					 "events soft %u hard %u",
					 ci, k, r ? "SRTCP" : "SRTP",
					 (unsigned long long)used[r], ev[0], ev[1]);
			}
		}
	}
}

static struct fz_config *config_get(const struct fz_input *in,
				    enum sre_suite suite)
{
	struct fz_config_id id = in->id;
	id.suite = suite;
	unsigned idx = fz_config_index(&id);
	struct fz_config *c = configs[idx];

	if (c == NULL) {
		c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
		if (c == NULL)
			fatal("config", SRE_ERR_NO_MEMORY);
		memset(c, 0, sizeof(*c));
		c->id = id;
		configs[idx] = c;
	}
	if (c->epoch == epoch)
		return c;
	/* Key usage lives in the contexts: limited ones are made afresh for
	 * every input, so that its limits are reached the same each time. */
	if (c->ctx[0] == NULL || id.limited) {
		for (unsigned ci = 0; ci < NSTREAMS / 2; ci++) {
			sre_ctx_destroy(c->ctx[ci]);
			c->ctx[ci] = fz_ctx_create(engine, &id,
						   ci == ROLE_TX / 2 ? SRE_OUTBOUND
								     : SRE_INBOUND,
						   on_event, c);
			if (c->ctx[ci] == NULL)
				fatal("fz_ctx_create", SRE_ERR_BAD_PARAM);
		}
		memset(c->events, 0, sizeof(c->events));
	}
	if (c->win_bytes == 0 && sre_stream_window_bytes(c->ctx[0]) > 0) {
		c->win_bytes = sre_stream_window_bytes(c->ctx[0]);
		FZ_CHECK(c->win_bytes <= sizeof(snaps[0].win_copy), "%zu",
			 c->win_bytes);
		for (unsigned s = 0; s < NSTREAMS; s++) {
			c->win[s] = aligned_alloc(64, (c->win_bytes + 63) &
							      ~(size_t)63);
			if (c->win[s] == NULL)
				fatal("window", SRE_ERR_NO_MEMORY);
		}
	}
	for (unsigned ci = 0; ci < NSTREAMS / 2; ci++)
		FZ_CHECK(sre_stream_window_bytes(c->ctx[ci]) == c->win_bytes,
			 "%zu", c->win_bytes);
	int rc = fz_set_active_key(c->ctx[ROLE_TX / 2], &id, in->second_key);
	if (rc != SRE_OK)
		fatal("sre_ctx_set_active_key", rc);
	for (unsigned ci = 0; ci < NSTREAMS / 2; ci++)
		for (unsigned k = 0; k < (id.mki_len ? 2u : 1u); k++)
			key_usage(c, ci, k, c->used_before[ci][k]);
	memset(c->accepted, 0, sizeof(c->accepted));
	memset(c->rotated, 0, sizeof(c->rotated));
	c->epoch = epoch;
	touched[ntouched++] = c;
	return c;
}

/* Stream `s` of a configuration, reset on its first use by this input. */
static struct sre_stream *config_stream(const struct fz_input *in,
					struct fz_config *c, unsigned s)
{
	if (c->st_epoch[s] != epoch) {
		int rc = sre_stream_init(&c->st[s], c->ctx[s / 2],
					 s % 2 ? FZ_SSRC_B : FZ_SSRC_A,
					 c->win[s]);
		if (rc != SRE_OK)
			fatal("sre_stream_init", rc);
		if (in->set_roc) {
			rc = sre_stream_set_roc(&c->st[s], in->roc);
			if (rc != SRE_OK)
				fatal("sre_stream_set_roc", rc);
		}
		if (in->set_roc && s / 2 == ROLE_TX / 2) {
			rc = sre_stream_set_srtcp_index(&c->st[s],
							in->roc & SRE_SRTCP_INDEX_MAX);
			if (rc != SRE_OK)
				fatal("sre_stream_set_srtcp_index", rc);
		}
		c->st_epoch[s] = epoch;
	}
	return &c->st[s];
}

/* The stream of a packet's slot for a role; *cfg is its configuration
 * (NULL for no stream). */
static struct sre_stream *slot_stream(const struct fz_input *in,
				      unsigned slot, unsigned role,
				      struct fz_config **cfg)
{
	struct fz_config *c;

	switch (slot) {
	case FZ_SLOT_A:
	case FZ_SLOT_B:
		c = config_get(in, in->id.suite);
		*cfg = c;
		return config_stream(in, c, role + slot);
	case FZ_SLOT_WRONG_DIR:
		c = config_get(in, in->id.suite);
		*cfg = c;
		return config_stream(in, c, role == ROLE_TX ? ROLE_RX : ROLE_TX);
	case FZ_SLOT_NONE:
		*cfg = NULL;
		return in->zeroed_stream ? &zero_stream : NULL;
	default:
		c = config_get(in, (enum sre_suite)((in->id.suite + slot - 1) %
						    SRE_SUITE_COUNT));
		*cfg = c;
		return config_stream(in, c, role);
	}
}

static const uint64_t *stream_win(const struct fz_config *c,
				  const struct sre_stream *s)
{
	return c != NULL && c->win_bytes ? c->win[s - c->st] : NULL;
}

static void snap_reset(void)
{
	nsnaps = 0;
}

static void snap_take(struct sre_stream *s, const struct fz_config *c)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < nsnaps; i++)
		if (snaps[i].s == s)
			return;
	FZ_CHECK(nsnaps < sizeof(snaps) / sizeof(snaps[0]), "%u", nsnaps);
	struct fz_snap *sn = &snaps[nsnaps++];
	sn->s = s;
	sn->win = stream_win(c, s);
	sn->win_bytes = c != NULL ? c->win_bytes : 0;
	sn->changed_ok = false;
	sn->copy = *s;
	if (sn->win_bytes)
		memcpy(sn->win_copy, sn->win, sn->win_bytes);
}

static void snap_mark_ok(const struct sre_stream *s)
{
	for (unsigned i = 0; i < nsnaps; i++)
		if (snaps[i].s == s)
			snaps[i].changed_ok = true;
}

/* "A packet that fails never changes stream state": a stream none of whose
 * packets was accepted is as it was, window bitmap included. */
static void snap_check(const char *op)
{
	for (unsigned i = 0; i < nsnaps; i++) {
		const struct fz_snap *sn = &snaps[i];
		if (sn->changed_ok)
			continue;
		FZ_CHECK(memcmp(&sn->copy, sn->s, sizeof(sn->copy)) == 0,
			 "%s changed stream ssrc %08x with no packet accepted",
			 op, sn->copy.ssrc);
		FZ_CHECK(sn->win_bytes == 0 ||
				 memcmp(sn->win_copy, sn->win, sn->win_bytes) == 0,
			 "%s changed the window of ssrc %08x with no packet "
			 "accepted",
			 op, sn->copy.ssrc);
	}
}

static bool is_aead(const struct fz_config *c)
{
	return c->id.suite == SRE_AEAD_AES_128_GCM ||
	       c->id.suite == SRE_AEAD_AES_256_GCM;
}

static uint32_t trailer_len(const struct fz_config *c, unsigned kind)
{
	return (uint32_t)sre_suite_tag_len(c->id.suite, kind == SRE_RTCP) +
	       c->id.mki_len + (kind == SRE_RTCP ? 4 : 0);
}

/* Checks one burst's results against its inputs in `orig`. */
static void check_burst(const struct fz_input *in, const char *op,
			bool protect, const struct fz_burst *b,
			const struct fz_pkt *orig, unsigned n, unsigned got)
{
	const struct sre_packet *pk = b->pk, *before = b->before;
	struct fz_config *const *cfg = b->cfg;
	uint32_t allowed = protect ? protect_ok_statuses : unprotect_ok_statuses;
	unsigned nok = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct sre_packet *p = &pk[i];
		const struct fz_pkt *o = &orig[i];
		unsigned st = p->status;

		if (verbose)
			fprintf(stderr, "%s: packet %u: %s slot %u, %u -> %u bytes: %s\n",
				op, i, p->kind == SRE_RTCP ? "RTCP" : "RTP",
				o->slot, o->len, p->len,
				sre_status_name((int)st));
		FZ_CHECK(st < SRE_STATUS_COUNT && (allowed & BIT(st)),
			 "%s packet %u: status %u (%s)", op, i, st,
			 sre_status_name((int)st));
		FZ_CHECK(p->data == before[i].data && p->room == before[i].room &&
				 p->stream == before[i].stream &&
				 p->kind == before[i].kind,
			 "%s packet %u: descriptor fields changed", op, i);
		FZ_CHECK((st == SRE_ERR_NO_STREAM) == (o->slot == FZ_SLOT_NONE),
			 "%s packet %u: slot %u status %s", op, i, o->slot,
			 sre_status_name((int)st));
		FZ_CHECK((st == SRE_ERR_WRONG_DIRECTION) ==
				 (o->slot == FZ_SLOT_WRONG_DIR),
			 "%s packet %u: slot %u status %s", op, i, o->slot,
			 sre_status_name((int)st));
		if (st != SRE_OK) {
			FZ_CHECK(p->len == o->len, "%s packet %u: %s, len %u -> %u",
				 op, i, sre_status_name((int)st), o->len, p->len);
			/* "An AES-CM packet that fails its tag is left as it
			 * came." */
			FZ_CHECK(st != SRE_ERR_AUTH_FAIL || is_aead(cfg[i]) ||
					 memcmp(p->data, o->data, o->len) == 0,
				 "%s packet %u: AES-CM packet changed by a tag "
				 "failure",
				 op, i);
			continue;
		}
		nok++;
		struct fz_config *c = cfg[i];
		bool rtcp = p->kind == SRE_RTCP;
		uint32_t hdr = rtcp ? 8 : 12;
		uint32_t trailer = trailer_len(c, p->kind);
		uint32_t want = protect ? o->len + trailer : o->len - trailer;

		FZ_CHECK(o->len >= hdr && (protect || o->len >= hdr + trailer),
			 "%s packet %u: accepted at %u bytes", op, i, o->len);
		FZ_CHECK(p->len == want, "%s packet %u: len %u, want %u", op, i,
			 p->len, want);
		FZ_CHECK(protect || p->len <= o->len, "%s packet %u", op, i);
		FZ_CHECK(o->data[0] >> 6 == 2, "%s packet %u: version %u", op, i,
			 o->data[0] >> 6);
		FZ_CHECK(fz_load_be32(o->data + (rtcp ? 4 : 8)) ==
				 p->stream->ssrc,
			 "%s packet %u: SSRC differs from the stream's", op, i);
		/* The fixed header is authenticated, never encrypted. */
		FZ_CHECK(memcmp(p->data, o->data, hdr) == 0,
			 "%s packet %u: header changed", op, i);
		unsigned k = in->second_key && c->id.mki_len ? 1 : 0;
		if (!protect) {
			uint32_t tag = (uint32_t)sre_suite_tag_len(c->id.suite,
								   rtcp);
			const uint8_t *mki = o->data + o->len - c->id.mki_len -
					     (is_aead(c) ? 0 : tag);
			k = key_index(c, mki);
			FZ_CHECK(k < 2, "%s packet %u: accepted with an unknown MKI",
				 op, i);
		}
		unsigned ci = 0;
		while (ci < NSTREAMS / 2 && c->ctx[ci] != p->stream->ctx)
			ci++;
		FZ_CHECK(ci < NSTREAMS / 2, "%s packet %u: stream of no context",
			 op, i);
		c->accepted[ci][k][rtcp]++;
		snap_mark_ok(p->stream);
	}
	FZ_CHECK(got == nok, "%s returned %u, %u packets have SRE_OK", op, got,
		 nok);
	snap_check(op);
}

/* Unprotects orig[0..n) as one burst, each into slot first + i. Writes
 * whether each packet was accepted to ok[] and, when res is not NULL, the
 * packets as unprotect left them to res[]. Returns the count accepted. */
static unsigned unprotect_checked(const struct fz_input *in, const char *op,
				  const struct fz_pkt *orig, unsigned n,
				  unsigned first, unsigned role, bool *ok,
				  struct sre_packet *res)
{
	struct fz_burst *b = &rx_burst;
	struct sre_packet *pk = b->pk;

	snap_reset();
	for (unsigned i = 0; i < n; i++) {
		const struct fz_pkt *o = &orig[i];
		struct sre_stream *s = slot_stream(in, o->slot, role, &b->cfg[i]);
		snap_take(s, b->cfg[i]);
		pk[i] = (struct sre_packet){
			.data = slot_fill(first + i, o->data, o->len, o->len),
			.len = o->len,
			.room = o->len,
			.stream = s,
			.kind = o->kind,
			.status = 0xff,
		};
		b->before[i] = pk[i];
	}
	unsigned got = sre_unprotect_burst(engine, pk, n);
	check_burst(in, op, false, b, orig, n, got);
	for (unsigned i = 0; i < n; i++)
		ok[i] = pk[i].status == SRE_OK;
	if (res != NULL)
		memcpy(res, pk, n * sizeof(pk[0]));
	return got;
}

/* Two streams that have accepted the same packets agree on ROC, highest
 * sequence and both windows. A sender's first SRTCP index may have been set:
 * its SRTCP state is compared only once the other stream has had some. */
static void check_same_state(const char *what, const struct fz_config *c,
			     unsigned sa, unsigned sb, bool srtcp_preset)
{
	const struct sre_stream *a = &c->st[sa], *b = &c->st[sb];
	const char *suite = sre_suite_name(c->id.suite);

	FZ_CHECK(a->roc == b->roc && a->seq == b->seq &&
			 (a->flags & SRE_SF_RTP_SEEN) == (b->flags & SRE_SF_RTP_SEEN),
		 "%s, %s ssrc %08x: roc %u seq %u flags %x vs roc %u seq %u "
		 "flags %x",
		 what, suite, a->ssrc, a->roc, a->seq, a->flags, b->roc, b->seq,
		 b->flags);
	FZ_CHECK(c->win_bytes ? memcmp(c->win[sa], c->win[sb], c->win_bytes) == 0
			      : memcmp(a->rtp_window.bits, b->rtp_window.bits,
				       sizeof(a->rtp_window.bits)) == 0,
		 "%s, %s ssrc %08x: SRTP windows differ", what, suite, a->ssrc);
	if (srtcp_preset && !(b->flags & SRE_SF_RTCP_SEEN))
		return;
	FZ_CHECK((a->flags & SRE_SF_RTCP_SEEN) == (b->flags & SRE_SF_RTCP_SEEN) &&
			 a->rtcp_index == b->rtcp_index &&
			 memcmp(a->rtcp_window, b->rtcp_window,
				sizeof(a->rtcp_window)) == 0,
		 "%s, %s ssrc %08x: SRTCP index %u flags %x vs %u flags %x", what,
		 suite, a->ssrc, a->rtcp_index, a->flags, b->rtcp_index, b->flags);
}

/* The input's packets as plaintext: protected in bursts on ROLE_TX streams,
 * then each one that was protected received alone, in order, on ROLE_RT
 * streams, which see exactly the sender's sequence of indexes and so must
 * accept every one and give back the plaintext. */
static void round_trip(const struct fz_input *in)
{
	struct fz_burst *b = &tx_burst;
	struct sre_packet *pk = b->pk;
	struct fz_config **cfg = b->cfg;

	for (unsigned base = 0; base < in->n; base += in->burst) {
		unsigned m = in->n - base < in->burst ? in->n - base : in->burst;
		const struct fz_pkt *orig = &in->pkts[base];

		snap_reset();
		for (unsigned i = 0; i < m; i++) {
			const struct fz_pkt *o = &orig[i];
			struct sre_stream *s =
				slot_stream(in, o->slot, ROLE_TX, &cfg[i]);
			snap_take(s, cfg[i]);
			pk[i] = (struct sre_packet){
				.data = slot_fill(i, o->data, o->len,
						  o->len + SRE_MAX_TRAILER),
				.len = o->len,
				.room = o->len + SRE_MAX_TRAILER,
				.stream = s,
				.kind = o->kind,
				.status = 0xff,
			};
			b->before[i] = pk[i];
		}
		unsigned got = sre_protect_burst(engine, pk, m);
		check_burst(in, "protect", true, b, orig, m, got);

		for (unsigned i = 0; i < m; i++) {
			if (pk[i].status != SRE_OK)
				continue;
			struct fz_pkt prot = orig[i];
			struct sre_packet back;
			bool ok;
			prot.data = pk[i].data;
			prot.len = pk[i].len;
			unprotect_checked(in, "round-trip unprotect", &prot, 1,
					  FZ_MAX_PKTS, ROLE_RT, &ok, &back);
			FZ_CHECK(ok, "%s %s packet %u of %u bytes: protected but "
				     "not accepted back",
				 sre_suite_name(cfg[i]->id.suite),
				 orig[i].kind == SRE_RTCP ? "RTCP" : "RTP",
				 base + i, orig[i].len);
			FZ_CHECK(back.len == orig[i].len &&
					 memcmp(back.data, orig[i].data,
						orig[i].len) == 0,
				 "%s packet %u: round trip changed the bytes",
				 sre_suite_name(cfg[i]->id.suite), base + i);
		}
		for (unsigned i = 0; i < m; i++) {
			if (pk[i].status != SRE_OK)
				continue;
			unsigned k = (unsigned)(pk[i].stream - cfg[i]->st) % 2;
			check_same_state("round trip", cfg[i], ROLE_TX + k,
					 ROLE_RT + k, true);
		}
	}
}

static bool parse(const uint8_t *data, size_t size, struct fz_input *in)
{
	if (size < FZ_PREFIX_LEN)
		return false;
	in->id.suite = (enum sre_suite)(data[0] % SRE_SUITE_COUNT);
	in->id.mki_len = (uint8_t)((data[1] & FZ_P1_MKI_MASK) % 5);
	in->id.window_idx =
		(uint8_t)((data[1] >> FZ_P1_WINDOW_SHIFT) & FZ_P1_WINDOW_MASK);
	in->id.rtcp_unenc = !!(data[1] & FZ_P1_RTCP_UNENC);
	in->set_roc = data[1] & FZ_P1_SET_ROC;
	in->burst = data[2] & FZ_P2_BURST_MASK;
	in->id.limited = !!(data[2] & FZ_P2_LIMITED);
	in->second_key = data[2] & FZ_P2_SECOND_KEY;
	in->roc = fz_load_be32(data + 3);
	in->zeroed_stream = data[7] & FZ_P7_ZEROED_STREAM;

	size_t off = FZ_PREFIX_LEN;
	in->n = 0;
	while (size - off >= FZ_PKT_HDR_LEN && in->n < FZ_MAX_PKTS) {
		struct fz_pkt *p = &in->pkts[in->n++];
		unsigned h = (unsigned)data[off] << 8 | data[off + 1];
		off += FZ_PKT_HDR_LEN;
		size_t len = h & FZ_HDR_LEN_MASK;
		if (len > size - off)
			len = size - off;
		p->data = data + off;
		p->len = (uint32_t)len;
		p->kind = h & FZ_HDR_RTCP ? SRE_RTCP : SRE_RTP;
		p->slot = (uint8_t)((h >> FZ_HDR_SLOT_SHIFT) & 7);
		off += len;
	}
	if (in->burst == 0 || in->burst > in->n)
		in->burst = in->n ? in->n : 1;
	return in->n > 0;
}

/* A burst gives each packet the outcome it would have had alone, in its
 * turn: the same packets, one at a time on ROLE_TWIN streams, get the same
 * statuses and bytes and leave the same stream state. Not for limited
 * contexts, whose keys are replaced when a chunk is done, which makes the
 * chunk the unit there. */
static void check_one_at_a_time(const struct fz_input *in,
				const struct fz_pkt *orig, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct sre_packet *bp = &burst_res[i];
		struct sre_packet one;
		bool ok;

		unprotect_checked(in, "one at a time", &orig[i], 1, FZ_MAX_PKTS,
				  ROLE_TWIN, &ok, &one);
		FZ_CHECK(one.status == bp->status &&
				 (one.status != SRE_OK ||
				  (one.len == bp->len &&
				   memcmp(one.data, bp->data, one.len) == 0)),
			 "packet %u of a burst of %u: %s, %u bytes; alone: %s, "
			 "%u bytes",
			 i, n, sre_status_name(bp->status), bp->len,
			 sre_status_name(one.status), one.len);
	}
	for (unsigned i = 0; i < n; i++) {
		struct fz_config *c;
		struct sre_stream *s = slot_stream(in, orig[i].slot, ROLE_RX, &c);
		if (c == NULL || s < c->st || s >= c->st + ROLE_TX)
			continue;
		unsigned k = (unsigned)(s - c->st);
		check_same_state("burst and one at a time", c, ROLE_RX + k,
				 ROLE_TWIN + k, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_input in;
	bool ok[FZ_MAX_PKTS];

	if (!parse(data, size, &in))
		return 0;
	epoch++;
	ntouched = 0;

	for (unsigned base = 0; base < in.n; base += in.burst) {
		unsigned m = in.n - base < in.burst ? in.n - base : in.burst;
		unprotect_checked(&in, "unprotect", &in.pkts[base], m, 0,
				  ROLE_RX, ok + base, burst_res);
		if (!in.id.limited)
			check_one_at_a_time(&in, &in.pkts[base], m);
	}
	/* Accepting the same packet twice is what the replay window is for. */
	for (unsigned i = 0; i < in.n; i++) {
		bool again;
		if (!ok[i])
			continue;
		unprotect_checked(&in, "replay", &in.pkts[i], 1, 0, ROLE_RX,
				  &again, NULL);
		FZ_CHECK(!again, "packet %u accepted twice", i);
	}
	round_trip(&in);
	for (unsigned i = 0; i < ntouched; i++)
		check_key_usage(touched[i]);
	return 0;
}
