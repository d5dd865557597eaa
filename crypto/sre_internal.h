/*
 * Private layout of crypto/: key contexts, the engine's burst scratch, and the
 * small per-packet helpers (index estimation, replay window) that every burst
 * path shares. Unit tests include it to reach the KDF and the window directly.
 */
#ifndef SRE_INTERNAL_H
#define SRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* intel-ipsec-mb.h otherwise defines SHA1, MD5, ... as macros. */
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>

#include "srtp_edge.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Packets handled per internal pass: the IPsec-MB burst limit. */
#define SRE_CHUNK IMB_MAX_BURST_SIZE

#define SRE_RTP_HEADER_LEN 12
#define SRE_RTCP_HEADER_LEN 8
#define SRE_SRTCP_TRAILER_LEN 4
#define SRE_SRTCP_E_BIT 0x80000000u
#define SRE_SRTCP_INDEX_MAX 0x7fffffffu
#define SRE_HMAC_OUT_LEN 12 /* IPsec-MB HMAC-SHA1 writes 12 (or 20) bytes */
#define SRE_AUTH_KEY_LEN 20
#define SRE_GCM_TAG_LEN 16
#define SRE_GCM_IV_LEN 12
#define SRE_RTP_INDEX_MAX ((UINT64_C(1) << 48) - 1)

/* stream->flags */
#define SRE_SF_INIT 0x01
#define SRE_SF_RTP_SEEN 0x02
#define SRE_SF_RTCP_SEEN 0x04
#define SRE_SF_RTCP_PRESET 0x08 /* sender's SRTCP index set, nothing sent */

/* RFC 3711 §4.3.1 labels */
enum sre_label {
	SRE_LABEL_RTP_ENC = 0,
	SRE_LABEL_RTP_AUTH = 1,
	SRE_LABEL_RTP_SALT = 2,
	SRE_LABEL_RTCP_ENC = 3,
	SRE_LABEL_RTCP_AUTH = 4,
	SRE_LABEL_RTCP_SALT = 5,
};

/* A suite's lengths, copied into every context's first cache line. */
struct sre_suite_info {
	uint8_t key_len;     /* master and session cipher key */
	uint8_t salt_len;    /* master salt as signalled */
	uint8_t aead;
	uint8_t encrypts;    /* payload confidentiality */
	uint8_t tag_rtp;
	uint8_t tag_rtcp;
};
extern const struct sre_suite_info sre_suites[SRE_SUITE_COUNT];
extern const char *const sre_suite_names[SRE_SUITE_COUNT];

/* Session keys of one master key for SRTP or for SRTCP. */
struct sre_cm_keys {
	uint8_t aes_enc[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[32] __attribute__((aligned(16))); /* SHA-1 state after key^ipad */
	uint8_t opad[32] __attribute__((aligned(16))); /* SHA-1 state after key^opad */
	uint8_t salt[16]; /* 14 bytes, zero-padded */
};

/* Where GHASH power H^k (k <= 48) sits in struct gcm_key_data in the
 * AVX-512+VAES layout, which keeps 48 powers highest first. The other
 * architectures keep H^1..H^8 (and, SSE/AVX, more hash data) in the first
 * 512 bytes. */
#define SRE_GCM_VAES_POWER(k) \
	(offsetof(struct gcm_key_data, ghash_keys) + 16 * (48 - (k)))
#define SRE_GCM_OTHER_KEY_BYTES 512

struct sre_gcm_keys {
	struct gcm_key_data gcm; /* laid out for the engine arch that built it */
	uint8_t salt[16];        /* 12 bytes, zero-padded */
} __attribute__((aligned(64)));

/* One master key. Everything a packet reads of it besides the session keys
 * sits in this first cache line. */
struct sre_key {
	void *rtp;               /* struct sre_cm_keys or struct sre_gcm_keys */
	void *rtcp;
	uint64_t used[2];        /* packets processed under this key: RTP, RTCP */
	uint64_t next_check[2];  /* used[] count at which limits are looked at */
	uint32_t mki_word;       /* the MKI bytes, zero-padded, for one compare */
	uint8_t mki[SRE_MAX_MKI_LEN];
	uint8_t exhausted;       /* a limit was reached: refuse packets */
	uint8_t events_fired;    /* bit per (event, kind) so each fires once */
} __attribute__((aligned(64)));

#define SRE_ACTIVE_NONE 0xff

/* The first cache line holds all that a packet reads; the rest is read
 * when keys change or a key nears a limit. */
struct sre_ctx {
	struct sre_key *keys[SRE_MAX_KEYS];
	struct sre_suite_info info;
	uint32_t window;         /* SRTP replay window, packets */
	uint32_t ring_bits;      /* bits in the SRTP window ring (power of two) */
	uint32_t block_size;     /* bytes of one kind's session keys in a key */
	uint8_t suite;
	uint8_t outbound;
	uint8_t mki_len;
	uint8_t nkeys;
	uint8_t active;          /* index into keys[] used by protect, or NONE */
	uint8_t key_arch;        /* GCM: engine arch id the keys were laid out
				    for (0: AES-CM, any engine) */
	uint8_t rtcp_encrypt;    /* SRTCP sent with E = 1 */
	/* cold */
	uint64_t limit[2] __attribute__((aligned(64))); /* per key: RTP, RTCP */
	uint64_t soft[2];        /* where the soft-limit notice fires */
	size_t key_size;         /* bytes of one key allocation */
	struct sre_allocator alloc;
	struct sre_policy policy;
} __attribute__((aligned(64)));

/* A key's session keys sit right after its first line, RTP then RTCP, so
 * their address is known without reading the key. */
#define SRE_KEY_HEADER 64
_Static_assert(sizeof(struct sre_key) == SRE_KEY_HEADER, "key header line");
_Static_assert(offsetof(struct sre_ctx, limit) == 64,
	       "what a packet reads of a context fits its first line");
_Static_assert(sizeof(struct sre_stream) == 64, "a stream is one line");
/* The sizes README.md states, and the IPsec-MB 1.3 GCM key layout that
 * SRE_GCM_VAES_POWER and the prefetch assume (another IPsec-MB may lay the
 * powers out otherwise: look again before changing these). */
_Static_assert(sizeof(struct sre_ctx) == 192, "README: a context is 192 bytes");
_Static_assert(SRE_KEY_HEADER + 2 * sizeof(struct sre_cm_keys) == 704,
	       "README: an AES-CM master key is 704 bytes");
_Static_assert(SRE_KEY_HEADER + 2 * sizeof(struct sre_gcm_keys) == 2112,
	       "README: a GCM master key is 2,112 bytes");
_Static_assert(offsetof(struct gcm_key_data, ghash_keys) == 240 &&
		       sizeof(struct gcm_key_data) == 1008,
	       "the GCM key layout SRE_GCM_VAES_POWER assumes");

static inline const void *sre_key_block(const struct sre_ctx *ctx,
					const struct sre_key *key, int is_rtcp)
{
	return (const uint8_t *)key + SRE_KEY_HEADER +
	       (is_rtcp ? ctx->block_size : 0);
}

/* A stream's key hint: the key's address (64-byte aligned) with bit 0 set
 * for a GCM key and bit 1 for a 256-bit one, so the prefetch knows the
 * layout without the context. */
#define SRE_HINT_GCM 1u
#define SRE_HINT_AES256 2u
static inline uintptr_t sre_key_hint(const struct sre_ctx *ctx,
				     const struct sre_key *key)
{
	return (uintptr_t)key | (ctx->info.aead ? SRE_HINT_GCM : 0u) |
	       (ctx->info.key_len == 32 ? SRE_HINT_AES256 : 0u);
}

/* A loop of nothing but __builtin_prefetch has no effect GCC must keep, and
 * GCC deletes it; an asm volatile prefetch stays. */
static inline void sre_prefetch(const void *p)
{
	__asm__ volatile("prefetcht0 (%0)" : : "r"(p));
}

/* The lines of one kind's session keys that IPsec-MB reads for a packet
 * whose cipher covers `cipher_len` bytes (at 100,000 streams each is a likely
 * miss, and the number of lines in flight is what limits): AES-CM's round
 * keys, HMAC states and salt; GCM's round keys and the GHASH powers
 * H^1..H^n for its n blocks of ciphertext (the AAD and the length block use
 * H^1; the salt shares H^1's line). One line more than that costs about a
 * tenth of GCM's speed at 100,000 streams: the estimate must not round up. */
static inline void sre_prefetch_session_keys(const uint8_t *b, bool aead,
					     bool aes256, uint32_t cipher_len,
					     bool vaes)
{
	if (!aead) {
		for (unsigned off = 0; off < sizeof(struct sre_cm_keys); off += 64)
			sre_prefetch(b + off);
		return;
	}
	if (!vaes) {
		for (unsigned off = 0; off < SRE_GCM_OTHER_KEY_BYTES; off += 64)
			sre_prefetch(b + off);
		sre_prefetch(b + offsetof(struct sre_gcm_keys, salt));
		return;
	}
	uint32_t round_keys = aes256 ? 16 * 15 : 16 * 11;
	for (unsigned off = 0; off < round_keys; off += 64)
		sre_prefetch(b + off);
	uint32_t blocks = (cipher_len + 15) / 16;
	if (blocks < 1)
		blocks = 1;
	if (blocks > 48)
		blocks = 48;
	for (uint32_t off = SRE_GCM_VAES_POWER(blocks) & ~63u;
	     off <= SRE_GCM_VAES_POWER(1); off += 64)
		sre_prefetch(b + off);
	sre_prefetch(b + offsetof(struct sre_gcm_keys, salt));
}

/* What one packet of a burst needs between the passes. */
struct sre_work {
	struct sre_ctx *ctx;
	struct sre_key *key;
	const void *sk;          /* session keys for this packet's kind */
	uint64_t index;          /* SRTP 48-bit index or SRTCP index */
	uint64_t tried;          /* SRTP: the index first estimated for it */
	uint32_t enc_off;        /* first byte of the encrypted portion */
	uint32_t enc_len;        /* bytes in the encrypted portion */
	uint32_t auth_len;       /* bytes authenticated from data[0] (CM: before ROC) */
	uint32_t tag_off;        /* where the tag starts */
	uint32_t aad_len;        /* GCM: bytes of AAD */
	uint32_t out_len;        /* packet length once processed */
	uint16_t pkt;            /* index of the packet in the caller's burst */
	uint8_t key_len;         /* AES key bytes: 16 or 32 */
	uint8_t tag_len;         /* tag bytes for this packet's kind */
	uint8_t encrypted;       /* payload is/was encrypted */
	uint8_t retry;           /* unverified first packet: ROC+1 may be tried */
	uint8_t estimated;       /* got as far as an index: settled in order */
	uint8_t decrypted;       /* its payload was run through the cipher on
				    receive (restore before a redo) */
	uint8_t saved[8];        /* bytes that the ROC or trailer overwrote */
	uint8_t iv[16];
	uint8_t tag[16];         /* computed tag */
	uint8_t rtag[16];        /* received tag */
	uint8_t aad[16];         /* SRTCP-GCM AAD: header + E|index */
};

/* A key-limit event noticed inside a chunk, delivered after it. */
struct sre_pending_event {
	struct sre_ctx *ctx;
	uint8_t mki[SRE_MAX_MKI_LEN];
	uint8_t is_rtcp;
	uint8_t event;
};

struct sre_engine {
	IMB_MGR *mgr;
	size_t mgr_size;
	uint8_t arch_id;         /* used_arch, | 0x80 with VAES: GCM key layout */
	uint8_t chunk_gen;       /* counts unprotect chunks, modulo 256 */
	char arch_name[32];
	unsigned nevents;
	struct sre_work work[SRE_CHUNK];
	IMB_JOB jobs[SRE_CHUNK];  /* hash and cipher bursts, one at a time */
	uint16_t list_a[SRE_CHUNK], list_b[SRE_CHUNK], list_c[SRE_CHUNK];
	uint16_t list_d[SRE_CHUNK];
	/* each packet can cross a soft and a hard limit */
	struct sre_pending_event events[2 * SRE_CHUNK];
};

/* ---- KDF (crypto/kdf.c) ---- */

/* RFC 3711 §4.3.1 PRF with KDR 0: `out_len` bytes for `label`. The master salt
 * is 14 bytes (callers zero-pad a 12-byte GCM salt, as libsrtp does). */
int sre_kdf(struct sre_engine *engine, const uint8_t *master_key,
	    size_t key_len, const uint8_t master_salt[14], uint8_t label,
	    uint8_t *out, size_t out_len);
/* AES counter mode keystream from a 16-byte initial counter block. */
int sre_aes_ctr_keystream(struct sre_engine *engine, const uint8_t *key,
			  size_t key_len, const uint8_t iv[16], uint8_t *out,
			  size_t len);
/* Session keys of one kind before expansion: what RFC 3711 §4.3 derives. */
struct sre_session_material {
	uint8_t enc[32];              /* cipher key (16 or 32 bytes used) */
	uint8_t auth[SRE_AUTH_KEY_LEN]; /* HMAC-SHA1 key (AES-CM, NULL suites) */
	uint8_t salt[14];             /* 14 bytes (AES-CM) or 12 (GCM) */
};
/* Derives the session material of one kind (first_label 0: SRTP, 3: SRTCP). */
int sre_derive_material(struct sre_engine *engine,
			const struct sre_suite_info *info,
			const uint8_t *master_key, const uint8_t salt14[14],
			uint8_t first_label, struct sre_session_material *m);
/* Expands material into what IPsec-MB jobs read (struct sre_cm_keys or
 * struct sre_gcm_keys at dst). */
int sre_expand_material(struct sre_engine *engine,
			const struct sre_suite_info *info,
			const struct sre_session_material *m, void *dst);
/* Adds a master key given by its session material: sre_ctx_add_key derives
 * and calls this; tests call it with the session keys of RFC 7714's vectors. */
int sre_ctx_add_session_keys(struct sre_engine *engine, struct sre_ctx *ctx,
			     const struct sre_session_material *rtp,
			     const struct sre_session_material *rtcp,
			     const uint8_t *mki);
/* Wipes memory the compiler may not optimise away. */
void sre_wipe(void *p, size_t n);

/* ---- small shared helpers ---- */

static inline uint32_t sre_load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline uint16_t sre_load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void sre_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Copies n <= 16 bytes (tags, MKIs) with fixed-size, possibly overlapping
 * loads and stores: a variable-length memcpy here compiles to a microcoded
 * string move that cost more than the rest of the per-packet work. */
static inline void sre_copy_small(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + n - 4, &b, 4);
	} else {
		for (uint32_t i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

/* Constant-time tag comparison of n (4..16) bytes: 0 when equal. */
static inline int sre_tag_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	if (n >= 8) {
		uint64_t a0, a1, b0, b1;
		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + n - 8, 8);
		memcpy(&b1, b + n - 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) != 0;
	}
	uint32_t a0, a1, b0, b1;
	memcpy(&a0, a, 4);
	memcpy(&b0, b, 4);
	memcpy(&a1, a + n - 4, 4);
	memcpy(&b1, b + n - 4, 4);
	return ((a0 ^ b0) | (a1 ^ b1)) != 0;
}

/* RFC 3711 §3.3.1 / Appendix A: the index of `seq` relative to the highest
 * index seen (roc, s_l). ROC-1 below zero is taken as ROC 0, as libsrtp does:
 * nothing precedes the stream's start. Returns false when the index would
 * pass 2^48 (the stream's index space is used up). */
static inline bool sre_estimate_index(uint32_t roc, uint16_t s_l, uint16_t seq,
				      uint64_t *index)
{
	int64_t v = roc;

	if (s_l < 32768) {
		if ((int)seq - (int)s_l > 32768 && roc > 0)
			v = (int64_t)roc - 1;
	} else if ((int)s_l - 32768 > (int)seq) {
		v = (int64_t)roc + 1;
	}
	if (v > UINT32_MAX)
		return false;
	*index = ((uint64_t)v << 16) | seq;
	return true;
}

/* Replay window: a ring of `ring_bits` bits (power of two, >= 64) in which
 * index i lives at bit i mod ring_bits; `top` is the highest index accepted.
 * Checking is O(1); moving the top clears only the bits passed over. */
static inline int sre_window_check(const uint64_t *bits, uint32_t ring_bits,
				   uint32_t window, uint64_t top, uint64_t idx)
{
	if (idx > top)
		return SRE_OK;
	if (top - idx >= window)
		return SRE_ERR_REPLAY_TOO_OLD;
	uint64_t pos = idx & (ring_bits - 1);
	return (bits[pos >> 6] >> (pos & 63)) & 1 ? SRE_ERR_REPLAY_DUPLICATE
						  : SRE_OK;
}

static inline void sre_window_clear_range(uint64_t *bits, uint32_t ring_bits,
					  uint64_t from, uint64_t count)
{
	uint64_t pos = from & (ring_bits - 1);

	while (count > 0) {
		uint32_t off = pos & 63;
		uint64_t k = 64 - off;
		if (k > count)
			k = count;
		uint64_t mask = (k == 64) ? ~UINT64_C(0)
					  : (((UINT64_C(1) << k) - 1) << off);
		bits[pos >> 6] &= ~mask;
		pos = (pos + k) & (ring_bits - 1);
		count -= k;
	}
}

/* Marks idx received; `seen` false means the window is empty. */
static inline void sre_window_commit(uint64_t *bits, uint32_t ring_bits,
				     bool seen, uint64_t top, uint64_t idx)
{
	uint64_t pos = idx & (ring_bits - 1);

	if (likely(seen && idx == top + 1)) {
		/* in order: the bit leaving the window is the one arriving */
		bits[pos >> 6] |= UINT64_C(1) << (pos & 63);
		return;
	}
	if (!seen || (idx > top && idx - top >= ring_bits))
		memset(bits, 0, ring_bits / 8);
	else if (idx > top)
		sre_window_clear_range(bits, ring_bits, top + 1, idx - top);
	bits[pos >> 6] |= UINT64_C(1) << (pos & 63);
}

static inline uint64_t *sre_stream_rtp_bits(struct sre_stream *s,
					    const struct sre_ctx *ctx)
{
	return ctx->ring_bits > 128 ? s->rtp_window.ext : s->rtp_window.bits;
}

static inline uint64_t sre_stream_rtp_top(const struct sre_stream *s)
{
	return ((uint64_t)s->roc << 16) | s->seq;
}

#endif /* SRE_INTERNAL_H */
