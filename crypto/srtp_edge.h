/*
 * SRTP Edge crypto: SRTP and SRTCP protect/unprotect of packet *bursts* over
 * Intel IPsec-MB (RFC 3711, RFC 6188, RFC 7714). The only public header of
 * crypto/; it depends on nothing of ours and exposes no IPsec-MB type.
 *
 * Objects and who owns them:
 *   sre_engine  one per thread (lcore): an IPsec-MB manager plus burst scratch.
 *   sre_ctx     one direction of one association (e.g. "what the peer sends us
 *               on this DTLS association"): the suite, and up to SRE_MAX_KEYS
 *               master keys told apart by MKI. Shared by every SSRC of that
 *               direction. Key usage counters live here, so every stream of a
 *               context must be processed by the same thread, and keys are
 *               added/removed on that thread (or while it processes none).
 *               GCM keys are laid out for the IPsec-MB architecture of the
 *               engine that added them: use them with engines of that
 *               architecture (SRE_ARCH_AUTO everywhere does that).
 *   sre_stream  one SSRC in one direction: ROC, highest sequence, replay
 *               windows. 64 bytes, caller-allocated, one writer.
 */
#ifndef SRTP_EDGE_H
#define SRTP_EDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sre_suite {
	SRE_AES_CM_128_HMAC_SHA1_80 = 0,
	SRE_AES_CM_128_HMAC_SHA1_32,
	SRE_AES_256_CM_HMAC_SHA1_80,
	SRE_AES_256_CM_HMAC_SHA1_32,
	SRE_AEAD_AES_128_GCM,
	SRE_AEAD_AES_256_GCM,
	SRE_NULL_HMAC_SHA1_80, /* authentication only, payload in clear */
	SRE_SUITE_COUNT
};

/* Per-packet and per-call results. Values are stable: counters index by them. */
enum sre_status {
	SRE_OK = 0,
	/* malformed input */
	SRE_ERR_TOO_SHORT,       /* shorter than header + trailer (tag, MKI, SRTCP index) */
	SRE_ERR_BAD_VERSION,     /* RTP/RTCP version field is not 2 */
	SRE_ERR_CSRC_OVERRUN,    /* CSRC list runs past the end of the packet */
	SRE_ERR_EXT_OVERRUN,     /* header extension runs past the end of the packet */
	SRE_ERR_NO_ROOM,         /* buffer has no room for tag/MKI/SRTCP index */
	/* not processable for this stream */
	SRE_ERR_NO_STREAM,       /* packet has no stream */
	SRE_ERR_WRONG_DIRECTION, /* protect on an inbound stream or the reverse */
	SRE_ERR_SSRC_MISMATCH,   /* packet SSRC is not the stream's SSRC */
	SRE_ERR_UNKNOWN_MKI,     /* MKI names no key of the context */
	SRE_ERR_NO_KEY,          /* context has no key (or no active key to send with) */
	/* rejected */
	SRE_ERR_AUTH_FAIL,       /* tag did not verify */
	SRE_ERR_REPLAY_DUPLICATE,/* index already received */
	SRE_ERR_REPLAY_TOO_OLD,  /* index left of the replay window */
	SRE_ERR_KEY_EXHAUSTED,   /* master key or index space used up */
	SRE_ERR_ARCH_MISMATCH,   /* GCM keys built by an engine of another arch */
	SRE_ERR_IPSEC_MB,        /* IPsec-MB refused a job or could not start */
	/* configuration */
	SRE_ERR_BAD_PARAM,       /* also per packet: kind not RTP/RTCP, len > room */
	SRE_ERR_KEY_LENGTH,
	SRE_ERR_SALT_LENGTH,
	SRE_ERR_KDR_UNSUPPORTED, /* key derivation rate other than 0 */
	SRE_ERR_MKI_LENGTH,
	SRE_ERR_MKI_DUPLICATE,
	SRE_ERR_TOO_MANY_KEYS,
	SRE_ERR_WINDOW_SIZE,
	SRE_ERR_NO_MEMORY,
	SRE_STATUS_COUNT
};

#define SRE_MAX_KEYS 4          /* master keys per context (MKI make-before-break) */
#define SRE_MAX_MKI_LEN 4
#define SRE_MAX_MASTER_KEY_LEN 32
#define SRE_MAX_MASTER_SALT_LEN 14
#define SRE_WINDOW_DEFAULT 64
#define SRE_WINDOW_MAX 32768
#define SRE_RTCP_WINDOW 128
/* The most bytes protect adds to a packet: SRTCP index + MKI + 16-byte tag. */
#define SRE_MAX_TRAILER (4 + SRE_MAX_MKI_LEN + 16)

/* Short name for counters and logs ("auth_fail"); never NULL. */
const char *sre_status_name(int status);
/* One-line human description; never NULL. */
const char *sre_status_str(int status);

/* "AES_CM_128_HMAC_SHA1_80" etc. (the RFC 4568 / RFC 7714 names). */
const char *sre_suite_name(enum sre_suite suite);
/* Parses a suite name; returns SRE_OK or SRE_ERR_BAD_PARAM. */
int sre_suite_from_name(const char *name, enum sre_suite *suite);
size_t sre_suite_master_key_len(enum sre_suite suite);
size_t sre_suite_master_salt_len(enum sre_suite suite);
/* Tag length in bytes for RTP (is_rtcp = 0) or RTCP (is_rtcp = 1). */
size_t sre_suite_tag_len(enum sre_suite suite, int is_rtcp);

/* ---- engine ---------------------------------------------------------- */

enum sre_arch {
	SRE_ARCH_AUTO = 0, /* best the CPU has */
	SRE_ARCH_SSE,
	SRE_ARCH_AVX,
	SRE_ARCH_AVX2,
	SRE_ARCH_AVX512,
};

struct sre_engine;

/* Creates an engine (not thread-safe: one per thread). Returns SRE_OK,
 * SRE_ERR_IPSEC_MB (CPU lacks the asked architecture) or SRE_ERR_NO_MEMORY. */
int sre_engine_create(enum sre_arch arch, struct sre_engine **engine);
void sre_engine_destroy(struct sre_engine *engine);
/* The IPsec-MB manager in use, e.g. "avx512+vaes". */
const char *sre_engine_arch_name(const struct sre_engine *engine);
/* IPsec-MB library version string. */
const char *sre_ipsec_mb_version(void);

/* ---- contexts and keys ----------------------------------------------- */

enum sre_direction { SRE_INBOUND = 0, SRE_OUTBOUND = 1 };

enum sre_event {
	SRE_EVENT_KEY_SOFT_LIMIT = 1, /* key nears its packet limit: rekey now */
	SRE_EVENT_KEY_HARD_LIMIT,     /* key reached it: packets are refused */
};

struct sre_ctx;

/* Called once per key and limit, on the engine's thread, after the packets
 * of the burst chunk that crossed the limit are done (so the callback may add,
 * remove or activate keys of the context). It must not call the burst
 * functions of the same engine, nor destroy the context (other events of
 * the same chunk may still name it): defer that until the burst returns. */
typedef void (*sre_event_fn)(struct sre_ctx *ctx, const uint8_t *mki,
			     int is_rtcp, enum sre_event event, void *arg);

/* Where key contexts live (hugepages in the dataplane). NULL = malloc. */
struct sre_allocator {
	void *(*alloc)(size_t size, size_t align, void *arg);
	void (*free)(void *ptr, void *arg);
	void *arg;
};

struct sre_policy {
	enum sre_suite suite;
	enum sre_direction direction;
	uint8_t mki_len;          /* 0..4 bytes of MKI in every packet */
	uint8_t rtcp_unencrypted; /* send SRTCP with E = 0 (received E is honoured) */
	uint32_t replay_window;   /* SRTP window, 64..32768 packets; 0 = 64 */
	uint64_t kdr;             /* key derivation rate: only 0 is supported */
	/* RFC 3711 §9.2: a master key is used up when either limit is reached */
	uint64_t rtp_key_limit;   /* SRTP packets per master key; 0 = 2^48 */
	uint64_t rtcp_key_limit;  /* SRTCP packets per master key; 0 = 2^31 */
	uint64_t soft_limit_margin; /* notice this many packets before a limit; 0 = 2^16 */
	sre_event_fn on_event;    /* may be NULL */
	void *event_arg;
};

/* Fills a policy with defaults for a suite and direction. */
void sre_policy_init(struct sre_policy *policy, enum sre_suite suite,
		     enum sre_direction direction);

int sre_ctx_create(const struct sre_policy *policy,
		   const struct sre_allocator *allocator, struct sre_ctx **ctx);
/* Wipes every key and frees the context. */
void sre_ctx_destroy(struct sre_ctx *ctx);
const struct sre_policy *sre_ctx_policy(const struct sre_ctx *ctx);

/* Derives the session keys of one master key (RFC 3711 §4.3, KDR 0) and adds
 * it under `mki` (mki_len bytes of the policy; NULL when mki_len is 0). When
 * no key is active, the key added becomes the active (sending) key. Key and
 * salt lengths must match the suite (sre_suite_master_key_len/_salt_len). */
int sre_ctx_add_key(struct sre_engine *engine, struct sre_ctx *ctx,
		    const uint8_t *master_key, size_t key_len,
		    const uint8_t *master_salt, size_t salt_len,
		    const uint8_t *mki);
/* Wipes and removes the key named by mki. Removing the active key leaves
 * none: protect answers SRE_ERR_NO_KEY until another is made active. */
int sre_ctx_remove_key(struct sre_ctx *ctx, const uint8_t *mki);
/* Chooses the key that protect uses from now on. */
int sre_ctx_set_active_key(struct sre_ctx *ctx, const uint8_t *mki);
unsigned sre_ctx_key_count(const struct sre_ctx *ctx);

struct sre_key_usage {
	uint64_t rtp_packets;
	uint64_t rtcp_packets;
};
int sre_ctx_key_usage(const struct sre_ctx *ctx, const uint8_t *mki,
		      struct sre_key_usage *usage);

/* ---- streams --------------------------------------------------------- */

/* One SSRC in one direction. Fields are private; the struct is public so
 * that tables of streams can be laid out by the caller. */
struct sre_stream {
	struct sre_ctx *ctx;
	uint32_t ssrc;
	uint32_t roc;           /* SRTP rollover counter */
	uint16_t seq;           /* highest SRTP sequence number (s_l) */
	uint8_t flags;
	uint8_t chunk_gen;      /* engine chunk that last moved it (see burst.c) */
	uint32_t rtcp_index;    /* highest SRTCP index received / last sent */
	union {
		uint64_t bits[2];   /* window of up to 128 packets */
		uint64_t *ext;      /* larger windows: caller-provided bitmap */
	} rtp_window;
	uint64_t rtcp_window[2];
	uintptr_t key_hint;     /* the key it last used: read only to prefetch */
} __attribute__((aligned(64)));

/* Bytes of external window memory a stream of this context needs (0 when the
 * window fits in the stream itself, i.e. up to 128 packets). */
size_t sre_stream_window_bytes(const struct sre_ctx *ctx);
/* Initialises a stream for `ssrc`. `window_mem` must hold
 * sre_stream_window_bytes(ctx) bytes, 8-byte aligned, or be NULL when that is 0;
 * it must outlive the stream. */
int sre_stream_init(struct sre_stream *stream, struct sre_ctx *ctx,
		    uint32_t ssrc, uint64_t *window_mem);
/* Copies a stream (its state and, for windows over 128 packets, its window
 * bits into `dst_window_mem`, which then belongs to `dst`): how a caller
 * moves a stream it tried in scratch memory into its table. */
int sre_stream_copy(struct sre_stream *dst, const struct sre_stream *src,
		    uint64_t *dst_window_mem);
/* Sets the ROC of a stream that has seen no packet yet: a late joiner told the
 * ROC by signalling, or a sender that continues a stream. */
int sre_stream_set_roc(struct sre_stream *stream, uint32_t roc);
uint32_t sre_stream_roc(const struct sre_stream *stream);
/* Outbound streams: the SRTCP index the next protected SRTCP packet takes
 * (0..2^31-1; a new stream starts at 0, libsrtp's senders at 1). May be
 * called again until the stream sends SRTCP; refused after, and on inbound
 * streams. */
int sre_stream_set_srtcp_index(struct sre_stream *stream, uint32_t next);

/* ---- bursts ---------------------------------------------------------- */

enum sre_kind { SRE_RTP = 0, SRE_RTCP = 1 };

struct sre_packet {
	uint8_t *data;     /* packet, processed in place */
	uint32_t len;      /* in: bytes of packet; out: bytes after processing */
	uint32_t room;     /* bytes writable at data (>= len) */
	struct sre_stream *stream;
	uint8_t kind;      /* enum sre_kind */
	uint8_t status;    /* out: enum sre_status */
	uint16_t reserved;
};

/* Protects (unprotects) every packet in place; packets may mix streams,
 * contexts and suites. Each packet gets a status; a packet that fails never
 * changes stream state or key usage. After an unprotect failure the buffer
 * content is unspecified (a GCM packet is decrypted before its tag is
 * known); an AES-CM packet that fails its tag is left as it came. Protect
 * takes a packet's index (and counts it against the key) before its crypto
 * runs: an index is never used twice. Returns the number of packets whose
 * status is SRE_OK. */
unsigned sre_protect_burst(struct sre_engine *engine, struct sre_packet *pkts,
			   unsigned n);
unsigned sre_unprotect_burst(struct sre_engine *engine,
			     struct sre_packet *pkts, unsigned n);

#ifdef __cplusplus
}
#endif

#endif /* SRTP_EDGE_H */
