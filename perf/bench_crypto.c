/*
 * `srtpedge-bench crypto`: crypto/ against libsrtp2 and against the ceiling
 * (IPsec-MB doing only the cipher and MAC jobs of the same packets), in the
 * same process, on the same packets, run after run.
 *
 * A fixture holds, per stream, its own master key and the state of each
 * implementation: crypto/ contexts and streams, one libsrtp srtp_t (as a fair
 * user would give each stream), and raw IPsec-MB keys. Every run generates
 * packets no implementation has seen (fresh sequence numbers and SRTCP
 * indexes), so no state is reset between runs, and every packet of every
 * timed run is verified afterwards: unprotected packets against the
 * plaintext, protected packets byte for byte against crypto/'s reference
 * output (which the interop tests tie to libsrtp).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <srtp2/srtp.h>

#include "bench.h"
#include "bench_crypto.h"
#include "libsrtp_suite.h"
#include "sre_internal.h"

/* ipsec-mb-raw: the cipher and MAC jobs only (the foundation issue's
 * ceiling); ipsec-mb-raw-prefetch: the same jobs plus the prefetches of
 * packet and key lines that crypto/ issues, a stricter reference that
 * leaves only the SRTP logic between it and srtpedge. */
enum impl { IMPL_SRTPEDGE, IMPL_LIBSRTP, IMPL_RAW, IMPL_RAW_PF, IMPL_COUNT };
static const char *impl_names[IMPL_COUNT] = {"srtpedge", "libsrtp2",
					     "ipsec-mb-raw",
					     "ipsec-mb-raw-prefetch"};

struct opts {
	unsigned suites;          /* bit per enum sre_suite */
	unsigned payloads[8], npayloads;
	unsigned streams[8], nstreams;
	unsigned ops;             /* bit 0 protect, bit 1 unprotect */
	unsigned kinds;           /* bit 0 rtp, bit 1 rtcp */
	unsigned impls;           /* bit per enum impl */
	unsigned burst;
	unsigned packets;         /* per run */
	unsigned libsrtp_packets; /* per run, a prefix of the same packets */
	unsigned libsrtp_max_streams;
	unsigned repeats;
	unsigned loss, reorder;   /* percent injected into unprotect input */
	bool json, markdown;
};

/* Raw IPsec-MB keys of one stream: what the jobs read, nothing else. */
struct raw_keys {
	union {
		struct sre_cm_keys cm;
		struct sre_gcm_keys gcm;
	} rtp, rtcp;
};

/* Memory on transparent huge pages where the kernel allows (as the
 * dataplane's tables live in hugepages), handed out by a bump pointer:
 * crypto/'s contexts and keys (through struct sre_allocator), the stream
 * tables and the raw keys all come from here, so both sides see the same
 * TLB. Freed as a whole with its fixture. */
struct arena {
	uint8_t *base;
	size_t size, used;
};

static void arena_init(struct arena *a, size_t size)
{
	a->size = (size + (2u << 20) - 1) & ~(((size_t)2 << 20) - 1);
	a->used = 0;
	a->base = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED) {
		fprintf(stderr, "srtpedge-bench crypto: mmap of %zu bytes failed\n",
			a->size);
		exit(1);
	}
	madvise(a->base, a->size, MADV_HUGEPAGE);
}

static void *arena_alloc(size_t size, size_t align, void *arg)
{
	struct arena *a = arg;
	size_t at = (a->used + align - 1) & ~(align - 1);
	if (at + size > a->size)
		return NULL;
	a->used = at + size;
	return a->base + at;
}

static void arena_free(void *p, void *arg)
{
	(void)p; /* returned with the whole arena */
	(void)arg;
}

static void arena_destroy(struct arena *a)
{
	munmap(a->base, a->size);
}

struct fixture {
	struct arena arena;
	enum sre_suite suite;
	const struct sre_suite_info *info;
	unsigned nstreams;
	bool protect;
	struct sre_engine *engine;     /* timed */
	struct sre_engine *ref_engine; /* generation and reference output */
	struct sre_ctx **ctx, **ref_ctx;
	struct sre_stream *st, *ref_st;
	srtp_t *lib;                   /* NULL when libsrtp is not run */
	struct raw_keys *raw;
	uint64_t counter[2];           /* packets generated so far, per kind */
};

/* Per-run packet buffers, sized for the largest payload of the run. */
struct packets {
	unsigned n;             /* this run's packets (fewer than cap with --loss) */
	unsigned cap;
	uint64_t *nth;          /* each packet's number within its stream */
	size_t slot;
	uint8_t *plain, *ref, *work;
	uint32_t *plain_len, *ref_len;
	uint32_t *stream;
	struct sre_packet *desc;
	int *lib_len;
	/* raw: per packet job parameters prepared before timing */
	uint8_t (*iv)[16];
	uint8_t (*tag)[16];     /* raw output tags */
	uint8_t (*rtag)[16];    /* received tags (unprotect) */
	uint8_t (*aad)[16];
	uint32_t *enc_off, *enc_len, *auth_len, *aad_len;
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "srtpedge-bench crypto: %s: %s\n", what,
		rc < SRE_STATUS_COUNT ? sre_status_str(rc) : strerror(rc));
	exit(1);
}

static void *xalloc(size_t n)
{
	void *p;
	if (posix_memalign(&p, 64, n ? n : 64) != 0) {
		fprintf(stderr, "srtpedge-bench crypto: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

static uint32_t ssrc_of(unsigned stream)
{
	return 0x10000000u + stream;
}

static void master_of(unsigned stream, uint8_t key[32], uint8_t salt[14])
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (stream + 1);
	for (unsigned i = 0; i < 32; i++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		key[i] = (uint8_t)(x >> 56);
	}
	for (unsigned i = 0; i < 14; i++)
		salt[i] = (uint8_t)(key[i] ^ 0xa5 ^ i);
}

/* ---- fixtures -------------------------------------------------------- */

static void raw_keys_init(struct sre_engine *e, const struct sre_suite_info *info,
			  unsigned stream, struct raw_keys *rk)
{
	struct sre_session_material m;
	uint8_t key[32], salt[14];

	master_of(stream, key, salt);
	if (info->aead)
		memset(salt + 12, 0, 2);
	for (int kind = 0; kind < 2; kind++) {
		int rc = sre_derive_material(e, info, key, salt,
					     kind ? SRE_LABEL_RTCP_ENC : SRE_LABEL_RTP_ENC,
					     &m);
		if (rc == SRE_OK)
			rc = sre_expand_material(e, info, &m,
						 kind ? (void *)&rk->rtcp : (void *)&rk->rtp);
		if (rc != SRE_OK)
			die("raw key derivation", rc);
	}
}

static struct sre_ctx *ctx_for(struct sre_engine *e, struct arena *arena,
			       enum sre_suite suite, enum sre_direction dir,
			       unsigned stream)
{
	struct sre_allocator alloc = {arena_alloc, arena_free, arena};
	struct sre_policy pol;
	struct sre_ctx *ctx;
	uint8_t key[32], salt[14];

	sre_policy_init(&pol, suite, dir);
	pol.replay_window = 128;
	int rc = sre_ctx_create(&pol, &alloc, &ctx);
	if (rc != SRE_OK)
		die("sre_ctx_create", rc);
	master_of(stream, key, salt);
	rc = sre_ctx_add_key(e, ctx, key, sre_suite_master_key_len(suite), salt,
			     sre_suite_master_salt_len(suite), NULL);
	if (rc != SRE_OK)
		die("sre_ctx_add_key", rc);
	return ctx;
}

static void stream_for(struct sre_stream *st, struct sre_ctx *ctx,
		       unsigned stream)
{
	int rc = sre_stream_init(st, ctx, ssrc_of(stream), NULL);
	/* libsrtp's senders number SRTCP from 1; start ours there too so
	 * that protected output can be compared byte for byte. */
	if (rc == SRE_OK && sre_ctx_policy(ctx)->direction == SRE_OUTBOUND)
		rc = sre_stream_set_srtcp_index(st, 1);
	if (rc != SRE_OK)
		die("sre_stream_init", rc);
}

static void fixture_init(struct fixture *f, const struct opts *o,
			 enum sre_suite suite, unsigned nstreams, bool protect)
{
	memset(f, 0, sizeof(*f));
	f->suite = suite;
	f->info = &sre_suites[suite];
	f->nstreams = nstreams;
	f->protect = protect;
	int rc = sre_engine_create(SRE_ARCH_AUTO, &f->engine);
	if (rc == SRE_OK)
		rc = sre_engine_create(SRE_ARCH_AUTO, &f->ref_engine);
	if (rc != SRE_OK)
		die("sre_engine_create", rc);

	/* per stream: two contexts with one key each, two streams, raw keys */
	size_t key_bytes = f->info->aead ? 2176 : 768;
	arena_init(&f->arena, nstreams * (2 * (256 + key_bytes) +
					  2 * sizeof(struct sre_stream) +
					  sizeof(struct raw_keys) + 64) + (4u << 20));
	f->ctx = xalloc(nstreams * sizeof(*f->ctx));
	f->ref_ctx = xalloc(nstreams * sizeof(*f->ref_ctx));
	f->st = arena_alloc(nstreams * sizeof(*f->st), 64, &f->arena);
	f->ref_st = arena_alloc(nstreams * sizeof(*f->ref_st), 64, &f->arena);
	bool need_raw = o->impls & ((1u << IMPL_RAW) | (1u << IMPL_RAW_PF));
	f->raw = need_raw
			 ? arena_alloc(nstreams * sizeof(*f->raw), 64, &f->arena)
			 : NULL;
	if (f->st == NULL || f->ref_st == NULL ||
	    (need_raw && f->raw == NULL))
		die("arena", SRE_ERR_NO_MEMORY);
	for (unsigned s = 0; s < nstreams; s++) {
		f->ctx[s] = ctx_for(f->engine, &f->arena, suite,
				    protect ? SRE_OUTBOUND : SRE_INBOUND, s);
		stream_for(&f->st[s], f->ctx[s], s);
		f->ref_ctx[s] = ctx_for(f->ref_engine, &f->arena, suite,
					SRE_OUTBOUND, s);
		stream_for(&f->ref_st[s], f->ref_ctx[s], s);
		if (f->raw)
			raw_keys_init(f->engine, f->info, s, &f->raw[s]);
	}
	if ((o->impls & (1u << IMPL_LIBSRTP)) && nstreams <= o->libsrtp_max_streams) {
		f->lib = xalloc(nstreams * sizeof(*f->lib));
		for (unsigned s = 0; s < nstreams; s++) {
			uint8_t key[46], salt[14];
			master_of(s, key, salt);
			size_t kl = sre_suite_master_key_len(suite);
			memcpy(key + kl, salt, sre_suite_master_salt_len(suite));
			if (libsrtp_session_create(&f->lib[s], suite, key,
						   ssrc_of(s), protect, 128) != 0) {
				fprintf(stderr, "srtpedge-bench crypto: libsrtp "
						"srtp_create failed\n");
				exit(1);
			}
		}
	}
}

static void fixture_free(struct fixture *f)
{
	for (unsigned s = 0; s < f->nstreams; s++) {
		sre_ctx_destroy(f->ctx[s]);
		sre_ctx_destroy(f->ref_ctx[s]);
		if (f->lib)
			srtp_dealloc(f->lib[s]);
	}
	free(f->ctx);
	free(f->ref_ctx);
	free(f->lib);
	if (f->raw)
		sre_wipe(f->raw, f->nstreams * sizeof(*f->raw));
	arena_destroy(&f->arena);
	sre_engine_destroy(f->engine);
	sre_engine_destroy(f->ref_engine);
}

/* ---- packets --------------------------------------------------------- */

static void packets_init(struct packets *p, unsigned n, unsigned max_payload)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->cap = n;
	p->nth = xalloc(n * sizeof(uint64_t));
	p->slot = (SRE_RTP_HEADER_LEN + max_payload + SRE_MAX_TRAILER + 63) & ~(size_t)63;
	p->plain = xalloc(n * p->slot);
	p->ref = xalloc(n * p->slot);
	p->work = xalloc(n * p->slot);
	p->plain_len = xalloc(n * sizeof(uint32_t));
	p->ref_len = xalloc(n * sizeof(uint32_t));
	p->stream = xalloc(n * sizeof(uint32_t));
	p->desc = xalloc(n * sizeof(*p->desc));
	p->lib_len = xalloc(n * sizeof(int));
	p->iv = xalloc(n * 16);
	p->tag = xalloc(n * 16);
	p->rtag = xalloc(n * 16);
	p->aad = xalloc(n * 16);
	p->enc_off = xalloc(n * sizeof(uint32_t));
	p->enc_len = xalloc(n * sizeof(uint32_t));
	p->auth_len = xalloc(n * sizeof(uint32_t));
	p->aad_len = xalloc(n * sizeof(uint32_t));
}

static void packets_free(struct packets *p)
{
	void *all[] = {p->plain, p->ref, p->work, p->plain_len, p->ref_len,
		       p->stream, p->desc, p->lib_len, p->iv, p->tag, p->rtag,
		       p->aad, p->enc_off, p->enc_len, p->auth_len, p->aad_len, p->nth};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		free(all[i]);
}

/* Packet k of a fixture belongs to stream k % S and is that stream's
 * (k / S)-th packet of its kind: sequence numbers start at 65000 so that
 * runs cross wraps, and are new in every run. */
static void inject(struct fixture *f, struct packets *p, unsigned loss,
		   unsigned reorder);

static void generate(struct fixture *f, struct packets *p, bool rtcp,
		     unsigned payload, unsigned loss, unsigned reorder)
{
	p->n = p->cap;
	for (unsigned j = 0; j < p->n; j++) {
		uint64_t k = f->counter[rtcp]++;
		unsigned s = (unsigned)(k % f->nstreams);
		uint64_t nth = k / f->nstreams;
		uint8_t *d = p->plain + j * p->slot;
		uint32_t len;

		p->stream[j] = s;
		p->nth[j] = nth;
		if (!rtcp) {
			uint16_t seq = (uint16_t)(65000 + nth);
			d[0] = 0x80;
			d[1] = 0x00;
			sre_store_be32(d, 0x80000000u | seq);
			sre_store_be32(d + 4, (uint32_t)(nth * 160));
			sre_store_be32(d + 8, ssrc_of(s));
			len = SRE_RTP_HEADER_LEN + payload;
			for (unsigned i = SRE_RTP_HEADER_LEN; i < len; i++)
				d[i] = (uint8_t)(i * 13 + k);
		} else {
			unsigned words = (payload + 3) / 4;
			sre_store_be32(d, 0x80c80000u | words);
			sre_store_be32(d + 4, ssrc_of(s));
			len = SRE_RTCP_HEADER_LEN + 4 * words;
			for (unsigned i = SRE_RTCP_HEADER_LEN; i < len; i++)
				d[i] = (uint8_t)(i * 7 + k);
		}
		p->plain_len[j] = len;
	}
	/* The reference: crypto/ protecting every packet once. */
	memcpy(p->ref, p->plain, p->n * p->slot);
	for (unsigned j = 0; j < p->n; j++) {
		p->desc[j] = (struct sre_packet){
			.data = p->ref + j * p->slot, .len = p->plain_len[j],
			.room = (uint32_t)p->slot, .stream = &f->ref_st[p->stream[j]],
			.kind = rtcp ? SRE_RTCP : SRE_RTP};
	}
	if (sre_protect_burst(f->ref_engine, p->desc, p->n) != p->n) {
		for (unsigned j = 0; j < p->n; j++)
			if (p->desc[j].status != SRE_OK)
				die("reference protect", p->desc[j].status);
	}
	for (unsigned j = 0; j < p->n; j++)
		p->ref_len[j] = p->desc[j].len;
	if (!f->protect && (loss || reorder))
		inject(f, p, loss, reorder);
}

/* --loss / --reorder, for unprotect: the receiver gets the sender's
 * packets with `reorder` % of them swapped with their stream's next packet
 * (packet j + S, still inside the replay window) and `loss` % never
 * arriving (sequence numbers skip). Deterministic per run. */
static void swap_slots(uint8_t *base, size_t slot, unsigned a, unsigned b, uint8_t *tmp)
{
	memcpy(tmp, base + a * slot, slot);
	memcpy(base + a * slot, base + b * slot, slot);
	memcpy(base + b * slot, tmp, slot);
}

static void inject(struct fixture *f, struct packets *p, unsigned loss,
		   unsigned reorder)
{
	uint64_t x = 0x2545f4914f6cdd1dull ^ f->counter[0] ^ (f->counter[1] << 20);
	unsigned S = f->nstreams, w = 0;
	uint8_t *tmp = xalloc(p->slot);

#define NEXT() (x = x * 6364136223846793005ull + 1442695040888963407ull, \
		(unsigned)((x >> 33) % 100))
	for (unsigned j = 0; reorder && j + S < p->n; j++) {
		if (NEXT() >= reorder)
			continue;
		unsigned k = j + S;
		uint32_t t32;
		uint64_t t64;
		swap_slots(p->plain, p->slot, j, k, tmp);
		swap_slots(p->ref, p->slot, j, k, tmp);
		t32 = p->plain_len[j], p->plain_len[j] = p->plain_len[k], p->plain_len[k] = t32;
		t32 = p->ref_len[j], p->ref_len[j] = p->ref_len[k], p->ref_len[k] = t32;
		t64 = p->nth[j], p->nth[j] = p->nth[k], p->nth[k] = t64;
	}
	for (unsigned j = 0; loss && j < p->n; j++) {
		if (NEXT() < loss)
			continue;
		if (w != j) {
			memcpy(p->plain + w * p->slot, p->plain + j * p->slot, p->slot);
			memcpy(p->ref + w * p->slot, p->ref + j * p->slot, p->slot);
			p->plain_len[w] = p->plain_len[j];
			p->ref_len[w] = p->ref_len[j];
			p->nth[w] = p->nth[j];
			p->stream[w] = p->stream[j];
		}
		w++;
	}
#undef NEXT
	if (loss)
		p->n = w;
	free(tmp);
}

/* The input an implementation starts from: plaintext to protect, or the
 * reference output to unprotect. */
static void load_input(const struct fixture *f, struct packets *p)
{
	memcpy(p->work, f->protect ? p->plain : p->ref, p->n * p->slot);
}

/* Checks every processed packet; returns the count that differ. */
static unsigned verify(const struct fixture *f, const struct packets *p,
		       unsigned n, const uint32_t *out_len)
{
	const uint8_t *want = f->protect ? p->ref : p->plain;
	const uint32_t *want_len = f->protect ? p->ref_len : p->plain_len;
	unsigned bad = 0;

	for (unsigned j = 0; j < n; j++) {
		if (out_len[j] != want_len[j] ||
		    memcmp(p->work + j * p->slot, want + j * p->slot,
			   want_len[j]) != 0)
			bad++;
	}
	return bad;
}

/* ---- the three implementations, timed -------------------------------- */

static uint64_t time_srtpedge(struct fixture *f, struct packets *p, bool rtcp,
			      unsigned burst, unsigned *bad)
{
	uint32_t *out_len = (uint32_t *)p->lib_len;

	load_input(f, p);
	for (unsigned j = 0; j < p->n; j++) {
		p->desc[j] = (struct sre_packet){
			.data = p->work + j * p->slot,
			.len = f->protect ? p->plain_len[j] : p->ref_len[j],
			.room = (uint32_t)p->slot, .stream = &f->st[p->stream[j]],
			.kind = rtcp ? SRE_RTCP : SRE_RTP};
	}
	uint64_t t0 = bench_tsc();
	for (unsigned b = 0; b < p->n; b += burst) {
		unsigned m = p->n - b < burst ? p->n - b : burst;
		if (f->protect)
			sre_protect_burst(f->engine, p->desc + b, m);
		else
			sre_unprotect_burst(f->engine, p->desc + b, m);
	}
	uint64_t t1 = bench_tsc();
	for (unsigned j = 0; j < p->n; j++)
		out_len[j] = p->desc[j].status == SRE_OK ? p->desc[j].len : 0;
	*bad = verify(f, p, p->n, out_len);
	return t1 - t0;
}

static uint64_t time_libsrtp(struct fixture *f, struct packets *p, bool rtcp,
			     unsigned n, unsigned *bad)
{
	unsigned failed = 0;

	load_input(f, p);
	for (unsigned j = 0; j < n; j++)
		p->lib_len[j] = (int)(f->protect ? p->plain_len[j] : p->ref_len[j]);
	uint64_t t0 = bench_tsc();
	for (unsigned j = 0; j < n; j++) {
		srtp_t s = f->lib[p->stream[j]];
		void *d = p->work + j * p->slot;
		srtp_err_status_t r;
		if (f->protect)
			r = rtcp ? srtp_protect_rtcp(s, d, &p->lib_len[j])
				 : srtp_protect(s, d, &p->lib_len[j]);
		else
			r = rtcp ? srtp_unprotect_rtcp(s, d, &p->lib_len[j])
				 : srtp_unprotect(s, d, &p->lib_len[j]);
		if (r != srtp_err_status_ok) {
			p->lib_len[j] = 0;
			failed++;
		}
	}
	uint64_t t1 = bench_tsc();
	*bad = verify(f, p, n, (const uint32_t *)p->lib_len);
	(void)failed; /* a failed packet has length 0 and fails verify */
	/* libsrtp times a prefix; it still processes the rest, untimed, so
	 * that its SRTCP index (one per packet sent) keeps step with the
	 * reference's. */
	for (unsigned j = n; j < p->n; j++) {
		srtp_t s = f->lib[p->stream[j]];
		void *d = p->work + j * p->slot;
		int len = (int)(f->protect ? p->plain_len[j] : p->ref_len[j]);
		if (f->protect)
			rtcp ? srtp_protect_rtcp(s, d, &len) : srtp_protect(s, d, &len);
		else
			rtcp ? srtp_unprotect_rtcp(s, d, &len) : srtp_unprotect(s, d, &len);
	}
	return t1 - t0;
}

/* What raw IPsec-MB needs per packet, laid out before timing: offsets,
 * the IV, the ROC or SRTCP trailer already in place after the payload, the
 * received tag set aside. This is the SRTP logic the ceiling leaves out. */
static void raw_prepare(struct fixture *f, struct packets *p, bool rtcp)
{
	const struct sre_suite_info *info = f->info;
	uint32_t tag = rtcp ? info->tag_rtcp : info->tag_rtp;

	for (unsigned j = 0; j < p->n; j++) {
		uint8_t *d = p->work + j * p->slot;
		const uint8_t *r = p->ref + j * p->slot;
		uint32_t plen = p->plain_len[j], rlen = p->ref_len[j];
		const struct raw_keys *rk = &f->raw[p->stream[j]];
		const uint8_t *salt = rtcp ? (info->aead ? rk->rtcp.gcm.salt : rk->rtcp.cm.salt)
					   : (info->aead ? rk->rtp.gcm.salt : rk->rtp.cm.salt);
		uint32_t ssrc = ssrc_of(p->stream[j]);
		uint32_t hdr = rtcp ? SRE_RTCP_HEADER_LEN : SRE_RTP_HEADER_LEN;
		uint32_t ct_len = plen - hdr; /* ciphertext bytes */
		uint64_t index;

		if (!rtcp) {
			/* ROC from the reference stream's estimate: the ROC
			 * the reference wrote is the one in the MAC. */
			uint16_t seq = sre_load_be16(r + 2);
			uint64_t nth = p->nth[j];
			index = ((uint64_t)((65000 + nth) >> 16) << 16) | seq;
		} else {
			uint32_t toff = info->aead ? rlen - 4 : rlen - tag - 4;
			index = sre_load_be32(r + toff) & SRE_SRTCP_INDEX_MAX;
		}
		p->enc_off[j] = hdr;
		p->enc_len[j] = info->encrypts ? ct_len : 0;
		if (info->aead) {
			uint64_t a = ((uint64_t)ssrc << 16) | (rtcp ? 0 : index >> 32);
			uint32_t b = (uint32_t)index;
			for (int i = 0; i < 8; i++)
				p->iv[j][i] = (uint8_t)(a >> (56 - 8 * i)) ^ salt[i];
			for (int i = 0; i < 4; i++)
				p->iv[j][8 + i] = (uint8_t)(b >> (24 - 8 * i)) ^ salt[8 + i];
			if (rtcp) {
				memcpy(p->aad[j], r, 8);
				sre_store_be32(p->aad[j] + 8, 0x80000000u | (uint32_t)index);
				p->aad_len[j] = 12;
			} else {
				p->aad_len[j] = hdr;
			}
			memcpy(p->rtag[j], r + plen, 16);
		} else {
			for (int i = 0; i < 16; i++)
				p->iv[j][i] = i < 14 ? salt[i] : 0;
			for (int i = 0; i < 4; i++)
				p->iv[j][4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
			for (int i = 0; i < 6; i++)
				p->iv[j][8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
			/* MAC input: header|payload|ROC (SRTP) or |E+index
			 * (SRTCP), contiguous after the payload. */
			if (!rtcp)
				sre_store_be32(d + plen, (uint32_t)(index >> 16));
			else
				memcpy(d + plen, r + plen, 4);
			p->auth_len[j] = plen + 4;
			memcpy(p->rtag[j], r + rlen - tag, tag);
		}
	}
}

static uint64_t time_raw(struct fixture *f, struct packets *p, bool rtcp,
			 unsigned burst, bool prefetch, unsigned *bad)
{
	const struct sre_suite_info *info = f->info;
	IMB_MGR *mgr = f->engine->mgr;
	IMB_JOB *jobs = f->engine->jobs;
	IMB_JOB *gjobs[SRE_CHUNK];
	IMB_CIPHER_DIRECTION dir = f->protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	IMB_KEY_SIZE_BYTES ks = info->key_len == 16 ? IMB_KEY_128_BYTES
						    : IMB_KEY_256_BYTES;
	uint32_t tag = rtcp ? info->tag_rtcp : info->tag_rtp;

	load_input(f, p);
	raw_prepare(f, p, rtcp);
	if (burst > SRE_CHUNK)
		burst = SRE_CHUNK;
	bool vaes = f->engine->arch_id & 0x80;
	uint64_t t0 = bench_tsc();
	for (unsigned b = 0; b < p->n; b += burst) {
		unsigned m = p->n - b < burst ? p->n - b : burst;
		/* The stricter ceiling gets the prefetches crypto/ issues:
		 * each packet's first and last line and its key lines.
		 * Prefetching is not SRTP logic, and without it "raw" waits
		 * on misses the library hides. */
		for (unsigned i = 0; prefetch && i < m; i++) {
			unsigned j = b + i;
			const uint8_t *d = p->work + j * p->slot;
			const struct raw_keys *rk = &f->raw[p->stream[j]];
			sre_prefetch(d);
			sre_prefetch(d + p->ref_len[j] - 1);
			sre_prefetch_session_keys(rtcp ? (const uint8_t *)&rk->rtcp
						       : (const uint8_t *)&rk->rtp,
						  info->aead, info->key_len == 32,
						  p->enc_len[j], vaes);
		}
		if (info->aead) {
			IMB_GET_NEXT_BURST(mgr, m, gjobs);
			for (unsigned i = 0; i < m; i++) {
				unsigned j = b + i;
				const struct raw_keys *rk = &f->raw[p->stream[j]];
				IMB_JOB *job = gjobs[i];
				uint8_t *d = p->work + j * p->slot;
				job->cipher_mode = IMB_CIPHER_GCM;
				job->cipher_direction = dir;
				job->chain_order = f->protect ? IMB_ORDER_CIPHER_HASH
							      : IMB_ORDER_HASH_CIPHER;
				job->enc_keys = job->dec_keys =
					rtcp ? &rk->rtcp.gcm.gcm : &rk->rtp.gcm.gcm;
				job->key_len_in_bytes = info->key_len;
				job->src = d;
				job->dst = d + p->enc_off[j];
				job->cipher_start_src_offset_in_bytes = p->enc_off[j];
				job->msg_len_to_cipher_in_bytes = p->enc_len[j];
				job->hash_start_src_offset_in_bytes = p->enc_off[j];
				job->msg_len_to_hash_in_bytes = p->enc_len[j];
				job->iv = p->iv[j];
				job->iv_len_in_bytes = 12;
				job->hash_alg = IMB_AUTH_AES_GMAC;
				job->u.GCM.aad = rtcp ? p->aad[j] : d;
				job->u.GCM.aad_len_in_bytes = p->aad_len[j];
				job->auth_tag_output = p->tag[j];
				job->auth_tag_output_len_in_bytes = 16;
			}
			unsigned done = IMB_SUBMIT_BURST_NOCHECK(mgr, m, gjobs);
			while (done < m)
				done += IMB_FLUSH_BURST(mgr, m - done, gjobs);
			continue;
		}
		if (f->protect && info->encrypts) {
			for (unsigned i = 0; i < m; i++) {
				unsigned j = b + i;
				const struct sre_cm_keys *k = rtcp ? &f->raw[p->stream[j]].rtcp.cm
								   : &f->raw[p->stream[j]].rtp.cm;
				IMB_JOB *job = &jobs[i];
				uint8_t *d = p->work + j * p->slot;
				job->enc_keys = job->dec_keys = k->aes_enc;
				job->key_len_in_bytes = info->key_len;
				job->src = d;
				job->dst = d + p->enc_off[j];
				job->cipher_start_src_offset_in_bytes = p->enc_off[j];
				job->msg_len_to_cipher_in_bytes = p->enc_len[j];
				job->iv = p->iv[j];
				job->iv_len_in_bytes = 16;
			}
			IMB_SUBMIT_CIPHER_BURST_NOCHECK(mgr, jobs, m, IMB_CIPHER_CNTR,
							dir, ks);
		}
		for (unsigned i = 0; i < m; i++) {
			unsigned j = b + i;
			const struct sre_cm_keys *k = rtcp ? &f->raw[p->stream[j]].rtcp.cm
							   : &f->raw[p->stream[j]].rtp.cm;
			IMB_JOB *job = &jobs[i];
			job->src = p->work + j * p->slot;
			job->hash_start_src_offset_in_bytes = 0;
			job->msg_len_to_hash_in_bytes = p->auth_len[j];
			job->auth_tag_output = p->tag[j];
			job->auth_tag_output_len_in_bytes = 12;
			job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
			job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
		}
		IMB_SUBMIT_HASH_BURST_NOCHECK(mgr, jobs, m, IMB_AUTH_HMAC_SHA_1);
		if (!f->protect && info->encrypts) {
			for (unsigned i = 0; i < m; i++) {
				unsigned j = b + i;
				const struct sre_cm_keys *k = rtcp ? &f->raw[p->stream[j]].rtcp.cm
								   : &f->raw[p->stream[j]].rtp.cm;
				IMB_JOB *job = &jobs[i];
				uint8_t *d = p->work + j * p->slot;
				job->enc_keys = job->dec_keys = k->aes_enc;
				job->key_len_in_bytes = info->key_len;
				job->src = d;
				job->dst = d + p->enc_off[j];
				job->cipher_start_src_offset_in_bytes = p->enc_off[j];
				job->msg_len_to_cipher_in_bytes = p->enc_len[j];
				job->iv = p->iv[j];
				job->iv_len_in_bytes = 16;
			}
			IMB_SUBMIT_CIPHER_BURST_NOCHECK(mgr, jobs, m, IMB_CIPHER_CNTR,
							dir, ks);
		}
	}
	uint64_t t1 = bench_tsc();

	/* Verify: the ciphertext (protect) or plaintext (unprotect) and the
	 * tag each packet's jobs produced. */
	unsigned nbad = 0;
	for (unsigned j = 0; j < p->n; j++) {
		const uint8_t *d = p->work + j * p->slot;
		uint32_t plen = p->plain_len[j];
		const uint8_t *want = f->protect ? p->ref + j * p->slot
						 : p->plain + j * p->slot;
		if (memcmp(d + p->enc_off[j], want + p->enc_off[j],
			   plen - p->enc_off[j]) != 0 ||
		    memcmp(p->tag[j], p->rtag[j], tag) != 0)
			nbad++;
	}
	*bad = nbad;
	return t1 - t0;
}

/* ---- driver ---------------------------------------------------------- */

static void record(struct bench_result *r, double *cycles, unsigned runs,
		   double hz)
{
	r->cycles = bench_stats_of(cycles, runs);
	r->pps = hz / r->cycles.median;
	r->pps_min = hz / r->cycles.max;
	r->pps_max = hz / r->cycles.min;
	r->spread = (r->cycles.max - r->cycles.min) / r->cycles.median;
}

static void print_header(const struct bench_machine *m, const struct opts *o)
{
	printf("CPU: %s (%u online), flags: %s\n", m->cpu, m->cpus, m->flags);
	printf("IPsec-MB %s, manager %s; %s; TSC %.2f GHz\n", m->ipsec_mb,
	       m->engine_arch, m->libsrtp, bench_tsc_hz() / 1e9);
	printf("%u packets per run (libsrtp2: the first %u), bursts of %u, "
	       "median of %u runs [min-max]; Mpps = million packets/s on one core\n\n",
	       o->packets, o->libsrtp_packets, o->burst, o->repeats);
	printf("%-24s %-9s %-4s %7s %7s | %-22s %-22s %-22s %-22s | %6s %6s %7s\n",
	       "suite", "op", "kind", "payload", "streams", "srtpedge Mpps",
	       "libsrtp2 Mpps", "ipsec-mb-raw Mpps", "raw+prefetch Mpps",
	       "%raw", "%rawpf", "x lib");
}

static void fmt_cell(char *buf, size_t n, const struct bench_result *r,
		     bool ran)
{
	if (!ran)
		snprintf(buf, n, "-");
	else if (r->skipped)
		snprintf(buf, n, "skipped");
	else
		snprintf(buf, n, "%.3f [%.3f-%.3f]%s", r->pps / 1e6,
			 r->pps_min / 1e6, r->pps_max / 1e6,
			 r->spread > 0.25 ? "~" : "");
}

static int run_config(struct fixture *f, const struct opts *o, bool rtcp,
		      unsigned payload, struct packets *p,
		      const struct bench_machine *m)
{
	double cycles[IMPL_COUNT][64];
	struct bench_result res[IMPL_COUNT];
	bool ran[IMPL_COUNT] = {0};
	double hz = bench_tsc_hz();
	unsigned lib_n = o->libsrtp_packets < p->n ? o->libsrtp_packets : p->n;
	int failures = 0;

	for (unsigned r = 0; r < o->repeats; r++) {
		generate(f, p, rtcp, payload, o->loss, o->reorder);
		if (lib_n > p->n)
			lib_n = p->n;
		for (unsigned k = 0; k < IMPL_COUNT; k++) {
			/* rotate the order so no implementation always
			 * runs right after the generator */
			unsigned impl = (k + r) % IMPL_COUNT;
			unsigned bad = 0;
			uint64_t t;
			if (!(o->impls & (1u << impl)))
				continue;
			if (impl == IMPL_SRTPEDGE) {
				t = time_srtpedge(f, p, rtcp, o->burst, &bad);
				cycles[impl][r] = (double)t / p->n;
			} else if (impl == IMPL_LIBSRTP) {
				if (f->lib == NULL)
					continue;
				t = time_libsrtp(f, p, rtcp, lib_n, &bad);
				cycles[impl][r] = (double)t / lib_n;
			} else {
				t = time_raw(f, p, rtcp, o->burst,
					     impl == IMPL_RAW_PF, &bad);
				cycles[impl][r] = (double)t / p->n;
			}
			ran[impl] = true;
			if (bad) {
				fprintf(stderr,
					"srtpedge-bench crypto: %s %s %s %s payload %u "
					"streams %u: %u packets failed verification\n",
					impl_names[impl], sre_suite_name(f->suite),
					f->protect ? "protect" : "unprotect",
					rtcp ? "rtcp" : "rtp", payload, f->nstreams, bad);
				failures++;
			}
		}
	}
	for (unsigned impl = 0; impl < IMPL_COUNT; impl++) {
		struct bench_result *r = &res[impl];
		memset(r, 0, sizeof(*r));
		r->impl = impl_names[impl];
		r->suite = sre_suite_name(f->suite);
		r->op = f->protect ? "protect" : "unprotect";
		r->kind = rtcp ? "rtcp" : "rtp";
		r->payload = payload;
		r->streams = f->nstreams;
		r->burst = impl == IMPL_LIBSRTP ? 1 : o->burst;
		r->packets = impl == IMPL_LIBSRTP ? lib_n : p->n;
		if (impl == IMPL_LIBSRTP && (o->impls & (1u << impl)) && f->lib == NULL) {
			r->skipped = "libsrtp2 sessions not created above --libsrtp-max-streams "
				     "(Debian's NSS build creates them in quadratic time)";
			ran[impl] = true;
		} else if (ran[impl]) {
			record(r, cycles[impl], o->repeats, hz);
		}
		if (ran[impl] && o->json)
			bench_print_json(stdout, r, m);
	}
	if (!o->json) {
		char c[IMPL_COUNT][40], ratio_raw[16] = "-", ratio_pf[16] = "-",
			ratio_lib[16] = "-";
		for (unsigned impl = 0; impl < IMPL_COUNT; impl++)
			fmt_cell(c[impl], sizeof(c[impl]), &res[impl], ran[impl]);
		if (ran[IMPL_SRTPEDGE] && ran[IMPL_RAW])
			snprintf(ratio_raw, sizeof(ratio_raw), "%.0f%%",
				 100 * res[IMPL_SRTPEDGE].pps / res[IMPL_RAW].pps);
		if (ran[IMPL_SRTPEDGE] && ran[IMPL_RAW_PF])
			snprintf(ratio_pf, sizeof(ratio_pf), "%.0f%%",
				 100 * res[IMPL_SRTPEDGE].pps / res[IMPL_RAW_PF].pps);
		if (ran[IMPL_SRTPEDGE] && ran[IMPL_LIBSRTP] && !res[IMPL_LIBSRTP].skipped)
			snprintf(ratio_lib, sizeof(ratio_lib), "%.1fx",
				 res[IMPL_SRTPEDGE].pps / res[IMPL_LIBSRTP].pps);
		printf("%-24s %-9s %-4s %7u %7u | %-22s %-22s %-22s %-22s | %6s %6s %7s\n",
		       sre_suite_name(f->suite), f->protect ? "protect" : "unprotect",
		       rtcp ? "rtcp" : "rtp", payload, f->nstreams, c[0], c[1], c[2],
		       c[3], ratio_raw, ratio_pf, ratio_lib);
		fflush(stdout);
	}
	return failures;
}

static int parse_names(const char *arg, const char *const *names, unsigned count,
		       unsigned *mask)
{
	char *copy = strdup(arg), *save = NULL;
	*mask = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned i;
		for (i = 0; i < count; i++)
			if (strcmp(t, names[i]) == 0)
				break;
		if (i == count) {
			fprintf(stderr, "srtpedge-bench crypto: unknown name '%s'\n", t);
			free(copy);
			return -1;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return *mask ? 0 : -1;
}

void bench_crypto_usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench crypto [options]\n"
"\n"
"Protect and unprotect with SRTP Edge's crypto/ (\"srtpedge\"), with libsrtp2\n"
"(one srtp_t per stream) and with IPsec-MB doing only the cipher and MAC jobs\n"
"(\"ipsec-mb-raw\", the ceiling; \"ipsec-mb-raw-prefetch\" adds the packet and\n"
"key prefetches crypto/ issues), on the same packets in the same run, on one\n"
"core. Every packet of every timed run is verified. Prints a table, or with\n"
"--json one JSON object per line.\n"
"\n"
"options:\n"
"  --suites LIST       suite names, comma-separated, or 'all' (default all)\n"
"  --payloads LIST     payload bytes (default 20,160,1200)\n"
"  --streams LIST      stream counts (default 1,1000,100000)\n"
"  --ops LIST          protect,unprotect (default both)\n"
"  --kinds LIST        rtp,rtcp (default both)\n"
"  --impls LIST        srtpedge,libsrtp2,ipsec-mb-raw,ipsec-mb-raw-prefetch\n"
"                      (default all)\n"
"  --burst N           packets per call (default 32, at most 128)\n"
"  --packets N         packets per run (default 32768)\n"
"  --libsrtp-packets N libsrtp2 times the first N of them (default 8192)\n"
"  --libsrtp-max-streams N  skip libsrtp2 above N streams (default 10000)\n"
"  --repeats N         runs per measurement (default 7)\n"
"  --loss PCT          unprotect: PCT %% of the packets never arrive (0..50)\n"
"  --reorder PCT       unprotect: PCT %% swapped with their stream's next\n"
"                      packet (0..50; needs packets > 2 x streams)\n"
"  --quick             a smoke run: AES_CM_128_HMAC_SHA1_80 and\n"
"                      AEAD_AES_128_GCM, payload 160, 1 and 1000 streams,\n"
"                      4096 packets, 3 runs\n"
"  --json              JSON lines instead of the table\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 when every packet verified, 1 otherwise, 2 on bad usage.\n");
}

int bench_crypto_main(int argc, char **argv)
{
	static const char *op_names[] = {"protect", "unprotect"};
	static const char *kind_names[] = {"rtp", "rtcp"};
	static const struct option longopts[] = {
		{"suites", required_argument, 0, 's'},
		{"payloads", required_argument, 0, 'p'},
		{"streams", required_argument, 0, 'n'},
		{"ops", required_argument, 0, 'o'},
		{"kinds", required_argument, 0, 'k'},
		{"impls", required_argument, 0, 'i'},
		{"burst", required_argument, 0, 'b'},
		{"packets", required_argument, 0, 'P'},
		{"libsrtp-packets", required_argument, 0, 'L'},
		{"libsrtp-max-streams", required_argument, 0, 'M'},
		{"repeats", required_argument, 0, 'r'},
		{"loss", required_argument, 0, 'x'},
		{"reorder", required_argument, 0, 'y'},
		{"quick", no_argument, 0, 'q'},
		{"json", no_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	struct opts o = {
		.suites = (1u << SRE_SUITE_COUNT) - 1,
		.payloads = {20, 160, 1200}, .npayloads = 3,
		.streams = {1, 1000, 100000}, .nstreams = 3,
		.ops = 3, .kinds = 3, .impls = (1u << IMPL_COUNT) - 1,
		.burst = 32, .packets = 32768, .libsrtp_packets = 8192,
		.libsrtp_max_streams = 10000, .repeats = 7,
	};
	const char *suite_names[SRE_SUITE_COUNT];
	for (unsigned i = 0; i < SRE_SUITE_COUNT; i++)
		suite_names[i] = sre_suite_name((enum sre_suite)i);

	int c;
	unsigned v, nv;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 's':
			if (strcmp(optarg, "all") == 0)
				o.suites = (1u << SRE_SUITE_COUNT) - 1;
			else
				bad = parse_names(optarg, suite_names, SRE_SUITE_COUNT,
						  &o.suites);
			break;
		case 'p':
			bad = bench_parse_list(optarg, o.payloads, 8, &o.npayloads);
			for (unsigned i = 0; !bad && i < o.npayloads; i++)
				bad = o.payloads[i] > 1400;
			break;
		case 'n':
			bad = bench_parse_list(optarg, o.streams, 8, &o.nstreams);
			for (unsigned i = 0; !bad && i < o.nstreams; i++)
				bad = o.streams[i] == 0 || o.streams[i] > 2000000;
			break;
		case 'o':
			bad = parse_names(optarg, op_names, 2, &o.ops);
			break;
		case 'k':
			bad = parse_names(optarg, kind_names, 2, &o.kinds);
			break;
		case 'i':
			bad = parse_names(optarg, impl_names, IMPL_COUNT, &o.impls);
			break;
		case 'b': case 'P': case 'L': case 'M': case 'r': case 'x': case 'y':
			bad = bench_parse_list(optarg, &v, 1, &nv);
			if (!bad && c == 'b') { bad = v == 0 || v > SRE_CHUNK; o.burst = v; }
			if (!bad && c == 'P') { bad = v == 0 || v > 1000000; o.packets = v; }
			if (!bad && c == 'L') { bad = v == 0; o.libsrtp_packets = v; }
			if (!bad && c == 'M') o.libsrtp_max_streams = v;
			if (!bad && c == 'r') { bad = v == 0 || v > 64; o.repeats = v; }
			if (!bad && c == 'x') { bad = v > 50; o.loss = v; }
			if (!bad && c == 'y') { bad = v > 50; o.reorder = v; }
			break;
		case 'q':
			o.suites = (1u << SRE_AES_CM_128_HMAC_SHA1_80) |
				   (1u << SRE_AEAD_AES_128_GCM);
			o.payloads[0] = 160;
			o.npayloads = 1;
			o.streams[0] = 1;
			o.streams[1] = 1000;
			o.nstreams = 2;
			o.packets = 4096;
			o.libsrtp_packets = 2048;
			o.repeats = 3;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			bench_crypto_usage(stdout);
			return 0;
		default:
			bench_crypto_usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "srtpedge-bench crypto: bad value '%s'\n",
				optarg);
			bench_crypto_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "srtpedge-bench crypto: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}

	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtpedge-bench crypto: srtp_init failed\n");
		return 1;
	}
	struct sre_engine *probe;
	int rc = sre_engine_create(SRE_ARCH_AUTO, &probe);
	if (rc != SRE_OK)
		die("sre_engine_create", rc);
	struct bench_machine m;
	bench_machine_read(&m, sre_engine_arch_name(probe));
	sre_engine_destroy(probe);
	bench_tsc_hz();
	if (!o.json)
		print_header(&m, &o);

	unsigned max_payload = 0;
	for (unsigned i = 0; i < o.npayloads; i++)
		if (o.payloads[i] > max_payload)
			max_payload = o.payloads[i];
	struct packets p;
	packets_init(&p, o.packets, max_payload);

	int failures = 0;
	for (unsigned suite = 0; suite < SRE_SUITE_COUNT; suite++) {
		if (!(o.suites & (1u << suite)))
			continue;
		for (unsigned si = 0; si < o.nstreams; si++) {
			for (unsigned op = 0; op < 2; op++) {
				if (!(o.ops & (1u << op)))
					continue;
				struct fixture f;
				fixture_init(&f, &o, (enum sre_suite)suite, o.streams[si],
					     op == 0);
				for (unsigned kind = 0; kind < 2; kind++) {
					if (!(o.kinds & (1u << kind)))
						continue;
					for (unsigned pi = 0; pi < o.npayloads; pi++)
						failures += run_config(&f, &o, kind == 1,
								       o.payloads[pi], &p, &m);
				}
				fixture_free(&f);
			}
		}
	}
	packets_free(&p);
	srtp_shutdown();
	if (failures) {
		fprintf(stderr, "srtpedge-bench crypto: %d measurements had "
				"packets that failed verification\n", failures);
		return 1;
	}
	return 0;
}
