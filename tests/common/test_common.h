/*
 * Helpers shared by the test programs: hex parsing, RTP/RTCP packet builders,
 * and one CUnit runner so that every unit test reports the same way.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "srtp_edge.h"

/* Parses hex (whitespace ignored) into out; returns bytes written or -1. */
int test_hex(const char *hex, uint8_t *out, size_t cap);

/* Writes an RTP packet: header (with `ncsrc` CSRCs and, when ext_words >= 0,
 * a header extension of that many 32-bit words), then `payload_len` bytes of
 * a pattern derived from seq. Returns the length. */
size_t test_build_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, uint32_t ts,
		      unsigned ncsrc, int ext_words, size_t payload_len);
/* Writes an RTCP sender report of `words` 32-bit words after the header. */
size_t test_build_rtcp(uint8_t *buf, uint32_t ssrc, unsigned words,
		       uint32_t salt);

/* A process-wide engine (created on first use, best architecture). */
struct sre_engine *test_engine(void);

/* Creates a context with one key derived from a fixed pattern. */
struct sre_ctx *test_ctx(enum sre_suite suite, enum sre_direction dir,
			 uint8_t mki_len, uint32_t window);

/* A CUnit assertion whose failure message is formatted (printf) with what
 * was seen; use through CHECK. Returns ok. */
bool test_check(bool ok, const char *file, unsigned line, const char *func,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define CHECK(ok, ...) test_check((ok), __FILE__, __LINE__, __func__, __VA_ARGS__)
/* got and want are evaluated once: either may be a call */
#define CHECK_U(got, want) \
	do { \
		unsigned long long got_ = (unsigned long long)(got); \
		unsigned long long want_ = (unsigned long long)(want); \
		CHECK(got_ == want_, "%s = %llu, want %llu", #got, got_, want_); \
	} while (0)

/* Runs the registered CUnit suites in basic mode; returns the exit code
 * (0 only when every test passed). */
int test_run(CU_SuiteInfo *suites);

#endif
