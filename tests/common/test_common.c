/*
 * Helpers shared by the test programs (see test_common.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "test_common.h"

int test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int c = (unsigned char)*hex, v;
		if (isspace(c))
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (int)n : -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t test_build_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq, uint32_t ts,
		      unsigned ncsrc, int ext_words, size_t payload_len)
{
	size_t off = 12;

	buf[0] = (uint8_t)(0x80 | (ext_words >= 0 ? 0x10 : 0) | (ncsrc & 0x0f));
	buf[1] = 0x60 | 0x00; /* PT 96 */
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	put32(buf + 4, ts);
	put32(buf + 8, ssrc);
	for (unsigned i = 0; i < (ncsrc & 0x0f); i++, off += 4)
		put32(buf + off, 0x1000 + i);
	if (ext_words >= 0) {
		buf[off] = 0xbe;
		buf[off + 1] = 0xde;
		buf[off + 2] = (uint8_t)(ext_words >> 8);
		buf[off + 3] = (uint8_t)ext_words;
		off += 4;
		for (int i = 0; i < ext_words; i++, off += 4)
			put32(buf + off, 0x22000000u + (uint32_t)i);
	}
	for (size_t i = 0; i < payload_len; i++)
		buf[off + i] = (uint8_t)(seq * 31 + i * 7);
	return off + payload_len;
}

size_t test_build_rtcp(uint8_t *buf, uint32_t ssrc, unsigned words,
		       uint32_t salt)
{
	buf[0] = 0x80;
	buf[1] = 200; /* SR */
	buf[2] = (uint8_t)(words >> 8);
	buf[3] = (uint8_t)words;
	put32(buf + 4, ssrc);
	for (unsigned i = 0; i < words; i++)
		put32(buf + 8 + 4 * i, salt * 2654435761u + i);
	return 8 + 4 * (size_t)words;
}

static struct sre_engine *engine;

static void engine_free(void)
{
	sre_engine_destroy(engine);
	engine = NULL;
}

struct sre_engine *test_engine(void)
{
	if (engine == NULL) {
		int rc = sre_engine_create(SRE_ARCH_AUTO, &engine);
		if (rc != SRE_OK) {
			fprintf(stderr, "sre_engine_create: %s\n",
				sre_status_str(rc));
			exit(2);
		}
		atexit(engine_free);
	}
	return engine;
}

struct sre_ctx *test_ctx(enum sre_suite suite, enum sre_direction dir,
			 uint8_t mki_len, uint32_t window)
{
	struct sre_policy pol;
	struct sre_ctx *ctx;
	uint8_t key[32], salt[14], mki[4] = {1, 2, 3, 4};

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i);
	for (unsigned i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)(0xa0 + i);
	sre_policy_init(&pol, suite, dir);
	pol.mki_len = mki_len;
	pol.replay_window = window;
	if (sre_ctx_create(&pol, NULL, &ctx) != SRE_OK)
		return NULL;
	if (sre_ctx_add_key(test_engine(), ctx, key,
			    sre_suite_master_key_len(suite), salt,
			    sre_suite_master_salt_len(suite),
			    mki_len ? mki : NULL) != SRE_OK) {
		sre_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

int test_run(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CU_register_suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() +
			  CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return (failed == 0 && run > 0) ? 0 : 1;
}

bool test_check(bool ok, const char *file, unsigned line, const char *func,
		const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (ok) {
		CU_assertImplementation(CU_TRUE, line, "", file, func, CU_FALSE);
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, line, msg, file, func, CU_FALSE);
	return false;
}
