/*
 * Shared by the unit test programs: one-packet protect/unprotect through
 * exactly sized heap buffers (so that ASan sees any byte touched past the
 * packet), packets at a chosen SRTP/SRTCP index, snapshots of stream and key
 * state, and assertions that name the failing case.
 */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sre_internal.h"
#include "test_common.h"

#define UT_BUF 2048 /* packet buffers in the tests */
#define UT_SSRC 0x11223344u

/* ---- assertions ---- */

/* Sets the case that assertions report on failure (suite, length, ...). */
void ut_where(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool ut_check(bool ok, unsigned line, const char *file, const char *func,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool ut_check_status(int got, int want, const char *expr, unsigned line,
		     const char *file, const char *func);

#define UT_EQ(got, want)                                                     \
	({                                                                   \
		long long ut_g_ = (long long)(got), ut_w_ = (long long)(want); \
		ut_check(ut_g_ == ut_w_, __LINE__, __FILE__, __func__,       \
			 "%s == %s: got %lld (0x%llx), want %lld (0x%llx)",  \
			 #got, #want, ut_g_, (unsigned long long)ut_g_, ut_w_, \
			 (unsigned long long)ut_w_);                         \
	})
#define UT_ST(got, want)                                                     \
	ut_check_status((int)(got), (int)(want), #got, __LINE__, __FILE__,  \
			__func__)
#define UT_TRUE(cond)                                                        \
	ut_check(!!(cond), __LINE__, __FILE__, __func__, "%s", #cond)
#define UT_MEMEQ(a, b, n)                                                    \
	ut_check(memcmp((a), (b), (n)) == 0, __LINE__, __FILE__, __func__,   \
		 "memcmp(%s, %s, %s) == 0", #a, #b, #n)

/* Ends the running test (fatally) once the program has piled up this many
 * failures: the long randomised loops stop early instead of recording
 * millions of failures. */
#define UT_MAX_FAILURES 200
#define UT_BAIL_IF_FAILING()                                                 \
	do {                                                                 \
		if (CU_get_number_of_failures() >= UT_MAX_FAILURES)           \
			CU_FAIL_FATAL("too many failures, test stopped");     \
	} while (0)

/* ---- contexts, keys, streams ---- */

/* test_ctx(), failing the test (fatally) when it cannot be made. */
struct sre_ctx *ut_ctx(enum sre_suite suite, enum sre_direction dir,
		       uint8_t mki_len, uint32_t window);
/* Creates a context from a policy without keys; fatal on failure. */
struct sre_ctx *ut_ctx_policy(const struct sre_policy *pol);
/* Adds a master key whose bytes derive from `seed` (seed 0 is test_ctx's
 * key); returns the sre_ctx_add_key status. */
int ut_add_key(struct sre_engine *e, struct sre_ctx *ctx, unsigned seed,
	       const uint8_t *mki);
/* The MKI test_ctx gives its key. */
extern const uint8_t ut_mki0[SRE_MAX_MKI_LEN];

/* sre_stream_init with window memory allocated when the context needs it;
 * fatal on failure. ut_stream_fini frees that memory. */
void ut_stream(struct sre_stream *s, struct sre_ctx *ctx, uint32_t ssrc);
void ut_stream_fini(struct sre_stream *s);

/* ---- one packet at a time ---- */

/* Protects buf[0, *len) in place with `room` bytes of buffer (copied through
 * a heap buffer of exactly `room` bytes); returns the packet's status and
 * updates *len. Checks that the burst's return value agrees. */
int ut_protect(struct sre_engine *e, struct sre_stream *s, enum sre_kind kind,
	       uint8_t *buf, uint32_t *len, uint32_t room);
/* Unprotects buf[0, *len) in place, through a heap buffer of exactly *len
 * bytes (room = len); returns the status and updates *len. */
int ut_unprotect(struct sre_engine *e, struct sre_stream *s,
		 enum sre_kind kind, uint8_t *buf, uint32_t *len);

/* An SRTP packet of `payload` bytes at 48-bit `index`, protected by a fresh
 * sender stream whose ROC is set to index >> 16: the packet's ROC is what the
 * test says, not what any estimation decided. The plaintext depends on the
 * seq only: test_build_rtp(buf, ssrc, seq, seq * 160, 0, -1, payload).
 * buf must hold the packet and SRE_MAX_TRAILER bytes. Returns the protected
 * length. */
uint32_t ut_rtp_at(struct sre_ctx *out, uint32_t ssrc, uint64_t index,
		   size_t payload, uint8_t *buf);
/* An SRTCP packet with SRTCP index `index` (fresh sender preset to it). */
uint32_t ut_rtcp_at(struct sre_ctx *out, uint32_t ssrc, uint32_t index,
		    unsigned words, uint8_t *buf);

/* Where the parts of a protected packet of `len` bytes are. */
struct ut_layout {
	uint32_t body;    /* bytes before the trailer (= unprotected length) */
	uint32_t tag_off, tag_len;
	uint32_t mki_off, mki_len;
	uint32_t idx_off; /* SRTCP E|index word (RTCP only) */
};
struct ut_layout ut_layout(enum sre_suite suite, uint8_t mki_len,
			   enum sre_kind kind, uint32_t len);

/* ---- state snapshots ---- */

/* Everything a packet may change: the stream struct, its external window
 * memory, and the usage counters of every key of its context. */
struct ut_snap {
	struct sre_stream stream;
	size_t win_bytes;
	uint64_t win[SRE_WINDOW_MAX / 64];
	unsigned nkeys;
	uint8_t mki[SRE_MAX_KEYS][SRE_MAX_MKI_LEN];
	struct sre_key_usage usage[SRE_MAX_KEYS];
};
void ut_snap(struct ut_snap *snap, const struct sre_stream *s);
/* Asserts that nothing of the snapshot changed; returns true if so. */
#define UT_UNCHANGED(snap, s)                                                \
	ut_snap_same((snap), (s), __LINE__, __FILE__, __func__)
bool ut_snap_same(const struct ut_snap *snap, const struct sre_stream *s,
		  unsigned line, const char *file, const char *func);

/* Usage of the key named `mki` (NULL without MKI); fatal if unknown. */
struct sre_key_usage ut_usage(const struct sre_ctx *ctx, const uint8_t *mki);

/* Deterministic xorshift for the randomised tests (seeded per test so a
 * failure reproduces). */
uint64_t ut_rand(uint64_t *state);

#endif
