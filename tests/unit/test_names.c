/*
 * Names and engines: status and suite names (for counters, logs and the
 * CLI), suite lengths, engines of each IPsec-MB architecture the CPU has, and
 * AES-CM traffic across engines of different architectures (AES-CM key data
 * is architecture-neutral; GCM key data is not, so GCM is only compared
 * between engines that each built their own keys).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>

#include "unit_util.h"

/* ---- statuses ---- */

static void test_status_names_and_strings(void)
{
	UT_EQ(SRE_OK, 0);
	/* sre_packet.status is one byte */
	UT_TRUE(SRE_STATUS_COUNT <= 255);
	for (int st = 0; st < SRE_STATUS_COUNT; st++) {
		const char *name = sre_status_name(st);
		const char *str = sre_status_str(st);

		ut_where("status %d", st);
		if (!UT_TRUE(name != NULL && str != NULL))
			continue;
		UT_TRUE(name[0] != '\0');
		UT_TRUE(str[0] != '\0');
		/* counter-friendly: lower case, digits, underscores */
		for (const char *c = name; *c; c++)
			UT_TRUE(islower((unsigned char)*c) ||
				isdigit((unsigned char)*c) || *c == '_');
		UT_TRUE(strcmp(name, str) != 0);
		for (int other = 0; other < st; other++) {
			UT_TRUE(strcmp(name, sre_status_name(other)) != 0);
			UT_TRUE(strcmp(str, sre_status_str(other)) != 0);
		}
	}
	UT_TRUE(strcmp(sre_status_name(SRE_OK), "ok") == 0);
	UT_TRUE(strcmp(sre_status_name(SRE_ERR_AUTH_FAIL), "auth_fail") == 0);

	static const int bad[] = {-1, SRE_STATUS_COUNT, 255, INT_MAX, INT_MIN};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *name = sre_status_name(bad[i]);
		const char *str = sre_status_str(bad[i]);

		ut_where("out-of-range status %d", bad[i]);
		if (!UT_TRUE(name != NULL && str != NULL))
			continue;
		UT_TRUE(name[0] != '\0' && str[0] != '\0');
		for (int st = 0; st < SRE_STATUS_COUNT; st++)
			UT_TRUE(strcmp(name, sre_status_name(st)) != 0);
	}
}

/* ---- suites ---- */

static void test_suite_names_round_trip(void)
{
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		enum sre_suite got = SRE_SUITE_COUNT;
		const char *name = sre_suite_name((enum sre_suite)s);
		char buf[64];

		ut_where("suite %u", s);
		if (!UT_TRUE(name != NULL && name[0] != '\0'))
			continue;
		UT_ST(sre_suite_from_name(name, &got), SRE_OK);
		UT_EQ(got, s);
		for (unsigned o = 0; o < s; o++)
			UT_TRUE(strcmp(name, sre_suite_name((enum sre_suite)o)) != 0);
		/* near misses are refused and leave the output alone */
		got = SRE_SUITE_COUNT;
		snprintf(buf, sizeof(buf), "%sX", name);
		UT_ST(sre_suite_from_name(buf, &got), SRE_ERR_BAD_PARAM);
		snprintf(buf, sizeof(buf), "%.*s", (int)strlen(name) - 1, name);
		UT_ST(sre_suite_from_name(buf, &got), SRE_ERR_BAD_PARAM);
		snprintf(buf, sizeof(buf), " %s", name);
		UT_ST(sre_suite_from_name(buf, &got), SRE_ERR_BAD_PARAM);
		UT_EQ(got, SRE_SUITE_COUNT);
		UT_ST(sre_suite_from_name(name, NULL), SRE_ERR_BAD_PARAM);
	}
	enum sre_suite got;
	UT_ST(sre_suite_from_name(NULL, &got), SRE_ERR_BAD_PARAM);
	UT_ST(sre_suite_from_name("", &got), SRE_ERR_BAD_PARAM);
	/* the RFC 4568 / RFC 7714 spellings */
	static const struct {
		const char *name;
		enum sre_suite suite;
	} rfc[] = {
		{"AES_CM_128_HMAC_SHA1_80", SRE_AES_CM_128_HMAC_SHA1_80},
		{"AES_CM_128_HMAC_SHA1_32", SRE_AES_CM_128_HMAC_SHA1_32},
		{"AES_256_CM_HMAC_SHA1_80", SRE_AES_256_CM_HMAC_SHA1_80},
		{"AES_256_CM_HMAC_SHA1_32", SRE_AES_256_CM_HMAC_SHA1_32},
		{"AEAD_AES_128_GCM", SRE_AEAD_AES_128_GCM},
		{"AEAD_AES_256_GCM", SRE_AEAD_AES_256_GCM},
		{"NULL_HMAC_SHA1_80", SRE_NULL_HMAC_SHA1_80},
	};
	for (unsigned i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		ut_where("%s", rfc[i].name);
		UT_ST(sre_suite_from_name(rfc[i].name, &got), SRE_OK);
		UT_EQ(got, rfc[i].suite);
	}
	ut_where("out-of-range suite");
	const char *unknown = sre_suite_name(SRE_SUITE_COUNT);
	if (UT_TRUE(unknown != NULL))
		UT_ST(sre_suite_from_name(unknown, &got), SRE_ERR_BAD_PARAM);
}

static void test_suite_lengths(void)
{
	static const struct {
		enum sre_suite suite;
		size_t key, salt, tag_rtp, tag_rtcp;
	} want[] = {
		{SRE_AES_CM_128_HMAC_SHA1_80, 16, 14, 10, 10},
		{SRE_AES_CM_128_HMAC_SHA1_32, 16, 14, 4, 10}, /* RFC 4568 6.2.1 */
		{SRE_AES_256_CM_HMAC_SHA1_80, 32, 14, 10, 10},
		{SRE_AES_256_CM_HMAC_SHA1_32, 32, 14, 4, 10},
		{SRE_AEAD_AES_128_GCM, 16, 12, 16, 16},
		{SRE_AEAD_AES_256_GCM, 32, 12, 16, 16},
		{SRE_NULL_HMAC_SHA1_80, 16, 14, 10, 10},
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ut_where("%s", sre_suite_name(want[i].suite));
		UT_EQ(sre_suite_master_key_len(want[i].suite), want[i].key);
		UT_EQ(sre_suite_master_salt_len(want[i].suite), want[i].salt);
		UT_EQ(sre_suite_tag_len(want[i].suite, 0), want[i].tag_rtp);
		UT_EQ(sre_suite_tag_len(want[i].suite, 1), want[i].tag_rtcp);
	}
	ut_where("out-of-range suite");
	UT_EQ(sre_suite_master_key_len(SRE_SUITE_COUNT), 0);
	UT_EQ(sre_suite_master_salt_len(SRE_SUITE_COUNT), 0);
	UT_EQ(sre_suite_tag_len(SRE_SUITE_COUNT, 0), 0);
	UT_EQ(sre_suite_tag_len((enum sre_suite)-1, 1), 0);
	UT_TRUE(SRE_MAX_TRAILER == 4 + SRE_MAX_MKI_LEN + 16);
}

/* ---- engines ---- */

static const struct {
	enum sre_arch arch;
	const char *name; /* sre_engine_arch_name starts with it */
} arches[] = {
	{SRE_ARCH_SSE, "sse"},
	{SRE_ARCH_AVX, "avx"},
	{SRE_ARCH_AVX2, "avx2"},
	{SRE_ARCH_AVX512, "avx512"},
};
#define NARCH (sizeof(arches) / sizeof(arches[0]))

/* What IPsec-MB asks of the CPU for each manager (IMB_CPUFLAGS_*). */
static bool cpu_has(enum sre_arch arch)
{
	__builtin_cpu_init();
	bool sse = __builtin_cpu_supports("sse4.2") &&
		   __builtin_cpu_supports("aes") &&
		   __builtin_cpu_supports("pclmul");
	bool avx = sse && __builtin_cpu_supports("avx");
	bool avx2 = avx && __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("bmi2");
	bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
		      __builtin_cpu_supports("avx512bw") &&
		      __builtin_cpu_supports("avx512vl") &&
		      __builtin_cpu_supports("avx512dq") &&
		      __builtin_cpu_supports("avx512cd");
	switch (arch) {
	case SRE_ARCH_SSE:
		return sse;
	case SRE_ARCH_AVX:
		return avx;
	case SRE_ARCH_AVX2:
		return avx2;
	case SRE_ARCH_AVX512:
		return avx512;
	default:
		return sse;
	}
}

static struct sre_engine *engines[NARCH];

static int engines_open(void)
{
	for (unsigned i = 0; i < NARCH; i++)
		if (cpu_has(arches[i].arch) &&
		    sre_engine_create(arches[i].arch, &engines[i]) != SRE_OK)
			return 1;
	return 0;
}

static int engines_close(void)
{
	for (unsigned i = 0; i < NARCH; i++) {
		sre_engine_destroy(engines[i]);
		engines[i] = NULL;
	}
	return 0;
}

static void test_engine_per_architecture(void)
{
	unsigned available = 0;

	for (unsigned i = 0; i < NARCH; i++) {
		struct sre_engine *e = (struct sre_engine *)(uintptr_t)1;
		bool has = cpu_has(arches[i].arch);

		ut_where("%s", arches[i].name);
		int rc = sre_engine_create(arches[i].arch, &e);
		UT_ST(rc, has ? SRE_OK : SRE_ERR_IPSEC_MB);
		if (rc != SRE_OK) {
			UT_TRUE(e == NULL);
			continue;
		}
		available++;
		const char *name = sre_engine_arch_name(e);
		UT_TRUE(strncmp(name, arches[i].name, strlen(arches[i].name)) == 0);
		/* "avx" must not be taken for "avx2" or "avx512" */
		char next = name[strlen(arches[i].name)];
		UT_TRUE(next == '\0' || next == '+');
		sre_engine_destroy(e);
	}
	UT_TRUE(available >= 1);

	struct sre_engine *e = NULL;
	ut_where("auto");
	UT_ST(sre_engine_create(SRE_ARCH_AUTO, &e), SRE_OK);
	UT_TRUE(e != NULL);
	if (e != NULL) {
		/* the best there is */
		const char *want = "sse";
		for (unsigned i = 0; i < NARCH; i++)
			if (cpu_has(arches[i].arch))
				want = arches[i].name;
		UT_TRUE(strncmp(sre_engine_arch_name(e), want, strlen(want)) == 0);
		char next = sre_engine_arch_name(e)[strlen(want)];
		UT_TRUE(next == '\0' || next == '+');
	}
	sre_engine_destroy(e);
	sre_engine_destroy(NULL);
	UT_TRUE(strcmp(sre_engine_arch_name(NULL), "none") == 0);

	ut_where("bad arguments");
	UT_ST(sre_engine_create(SRE_ARCH_AUTO, NULL), SRE_ERR_BAD_PARAM);
	e = (struct sre_engine *)(uintptr_t)1;
	UT_ST(sre_engine_create((enum sre_arch)99, &e), SRE_ERR_BAD_PARAM);
	UT_TRUE(e == NULL);

	const char *v = sre_ipsec_mb_version();
	UT_TRUE(v != NULL && isdigit((unsigned char)v[0]) && strchr(v, '.') != NULL);
}

/* A burst of RTP and RTCP of varied lengths (the multi-buffer managers
 * schedule lanes by length). */
enum { NP = 40 };

static void build_burst(uint8_t (*bufs)[256], struct sre_packet *p,
			struct sre_stream *s, uint16_t seq0)
{
	for (unsigned i = 0; i < NP; i++) {
		enum sre_kind kind = i % 5 == 4 ? SRE_RTCP : SRE_RTP;
		uint32_t len = kind == SRE_RTCP
			? (uint32_t)test_build_rtcp(bufs[i], UT_SSRC, i % 9, i)
			: (uint32_t)test_build_rtp(bufs[i], UT_SSRC,
						   (uint16_t)(seq0 + i), i, i % 3,
						   i % 4 == 0 ? 2 : -1, (i * 37) % 190);
		p[i] = (struct sre_packet){.data = bufs[i], .len = len,
					   .room = 256, .stream = s,
					   .kind = (uint8_t)kind};
	}
}

static void test_aes_cm_across_architectures(void)
{
	static const enum sre_suite suites[] = {
		SRE_AES_CM_128_HMAC_SHA1_80, SRE_AES_CM_128_HMAC_SHA1_32,
		SRE_AES_256_CM_HMAC_SHA1_80, SRE_AES_256_CM_HMAC_SHA1_32,
		SRE_NULL_HMAC_SHA1_80};
	static uint8_t ref[NP][256], plain[NP][256], bufs[NP][256];
	uint32_t ref_len[NP];

	for (unsigned si = 0; si < 5; si++) {
		bool have_ref = false;
		/* keys built by engine kx, protected by px, unprotected by ux */
		for (unsigned kx = 0; kx < NARCH; kx++) {
			for (unsigned px = 0; px < NARCH; px++) {
				for (unsigned ux = 0; ux < NARCH; ux++) {
					struct sre_packet p[NP];
					struct sre_stream tx, rx;
					struct sre_policy pol;

					if (!engines[kx] || !engines[px] || !engines[ux])
						continue;
					ut_where("%s keys %s protect %s unprotect %s",
						 sre_suite_name(suites[si]),
						 arches[kx].name, arches[px].name,
						 arches[ux].name);
					sre_policy_init(&pol, suites[si], SRE_OUTBOUND);
					pol.mki_len = 2;
					struct sre_ctx *out = ut_ctx_policy(&pol);
					pol.direction = SRE_INBOUND;
					struct sre_ctx *in = ut_ctx_policy(&pol);
					UT_ST(ut_add_key(engines[kx], out, 3, ut_mki0),
					      SRE_OK);
					UT_ST(ut_add_key(engines[kx], in, 3, ut_mki0),
					      SRE_OK);
					ut_stream(&tx, out, UT_SSRC);
					ut_stream(&rx, in, UT_SSRC);

					build_burst(bufs, p, &tx, 60000);
					for (unsigned i = 0; i < NP; i++)
						memcpy(plain[i], bufs[i], p[i].len);
					UT_EQ(sre_protect_burst(engines[px], p, NP), NP);
					/* every architecture writes the same bytes */
					for (unsigned i = 0; i < NP; i++) {
						if (!have_ref) {
							memcpy(ref[i], bufs[i], p[i].len);
							ref_len[i] = p[i].len;
							continue;
						}
						UT_EQ(p[i].len, ref_len[i]);
						UT_MEMEQ(bufs[i], ref[i], ref_len[i]);
					}
					have_ref = true;
					for (unsigned i = 0; i < NP; i++)
						p[i].stream = &rx;
					UT_EQ(sre_unprotect_burst(engines[ux], p, NP), NP);
					for (unsigned i = 0; i < NP; i++)
						UT_MEMEQ(bufs[i], plain[i], p[i].len);
					ut_stream_fini(&tx);
					ut_stream_fini(&rx);
					sre_ctx_destroy(out);
					sre_ctx_destroy(in);
				}
			}
		}
	}
}

static void test_gcm_same_bytes_on_every_architecture(void)
{
	static uint8_t ref[NP][256], plain[NP][256], bufs[NP][256];
	uint32_t ref_len[NP];

	for (int s = 0; s < 2; s++) {
		enum sre_suite suite = s ? SRE_AEAD_AES_256_GCM : SRE_AEAD_AES_128_GCM;
		bool have_ref = false;
		for (unsigned x = 0; x < NARCH; x++) {
			struct sre_packet p[NP];
			struct sre_stream tx, rx;
			struct sre_policy pol;

			if (!engines[x])
				continue;
			ut_where("%s on %s", sre_suite_name(suite), arches[x].name);
			/* each engine lays out its own keys */
			sre_policy_init(&pol, suite, SRE_OUTBOUND);
			struct sre_ctx *out = ut_ctx_policy(&pol);
			pol.direction = SRE_INBOUND;
			struct sre_ctx *in = ut_ctx_policy(&pol);
			UT_ST(ut_add_key(engines[x], out, 5, NULL), SRE_OK);
			UT_ST(ut_add_key(engines[x], in, 5, NULL), SRE_OK);
			ut_stream(&tx, out, UT_SSRC);
			ut_stream(&rx, in, UT_SSRC);
			build_burst(bufs, p, &tx, 100);
			for (unsigned i = 0; i < NP; i++)
				memcpy(plain[i], bufs[i], p[i].len);
			UT_EQ(sre_protect_burst(engines[x], p, NP), NP);
			for (unsigned i = 0; i < NP; i++) {
				if (!have_ref) {
					memcpy(ref[i], bufs[i], p[i].len);
					ref_len[i] = p[i].len;
					continue;
				}
				UT_EQ(p[i].len, ref_len[i]);
				UT_MEMEQ(bufs[i], ref[i], ref_len[i]);
			}
			have_ref = true;
			for (unsigned i = 0; i < NP; i++)
				p[i].stream = &rx;
			UT_EQ(sre_unprotect_burst(engines[x], p, NP), NP);
			for (unsigned i = 0; i < NP; i++)
				UT_MEMEQ(bufs[i], plain[i], p[i].len);
			ut_stream_fini(&tx);
			ut_stream_fini(&rx);
			sre_ctx_destroy(out);
			sre_ctx_destroy(in);
		}
	}
}

static void test_gcm_keys_stay_with_their_architecture(void)
{
	unsigned x = NARCH, y = NARCH;
	for (unsigned i = 0; i < NARCH; i++) {
		if (!engines[i])
			continue;
		if (x == NARCH)
			x = i;
		else
			y = i;
	}
	if (y == NARCH) {
		/* one architecture only: nothing to mismatch */
		UT_TRUE(x < NARCH);
		return;
	}
	for (unsigned si = 0; si < SRE_SUITE_COUNT; si++) {
		enum sre_suite suite = (enum sre_suite)si;
		bool gcm = suite == SRE_AEAD_AES_128_GCM ||
			   suite == SRE_AEAD_AES_256_GCM;
		int mismatch = gcm ? SRE_ERR_ARCH_MISMATCH : SRE_OK;
		struct sre_policy pol;
		struct sre_stream tx, rx;
		const uint8_t m1[1] = {1}, m2[1] = {2}, m3[1] = {3};

		ut_where("%s, keys by %s, used by %s", sre_suite_name(suite),
			 arches[x].name, arches[y].name);
		sre_policy_init(&pol, suite, SRE_OUTBOUND);
		pol.mki_len = 1;
		struct sre_ctx *out = ut_ctx_policy(&pol);
		pol.direction = SRE_INBOUND;
		struct sre_ctx *in = ut_ctx_policy(&pol);
		UT_ST(ut_add_key(engines[x], out, 1, m1), SRE_OK);
		UT_ST(ut_add_key(engines[x], in, 1, m1), SRE_OK);
		ut_stream(&tx, out, UT_SSRC);
		ut_stream(&rx, in, UT_SSRC);

		for (int kind = 0; kind < 2; kind++) {
			uint8_t buf[UT_BUF], orig[UT_BUF];
			struct ut_snap snap;
			uint32_t len = kind ? (uint32_t)test_build_rtcp(buf, UT_SSRC, 3, 1)
					    : (uint32_t)test_build_rtp(buf, UT_SSRC, 10, 0,
								       0, -1, 30);
			uint32_t plen = len;
			memcpy(orig, buf, UT_BUF);
			ut_snap(&snap, &tx);
			UT_ST(ut_protect(engines[y], &tx, (enum sre_kind)kind, buf,
					 &len, UT_BUF),
			      mismatch);
			if (gcm) {
				UT_EQ(len, plen);
				UT_MEMEQ(buf, orig, UT_BUF);
				UT_UNCHANGED(&snap, &tx);
				UT_ST(ut_protect(engines[x], &tx, (enum sre_kind)kind,
						 buf, &len, UT_BUF),
				      SRE_OK);
			}
			memcpy(orig, buf, len);
			uint32_t clen = len;
			ut_snap(&snap, &rx);
			UT_ST(ut_unprotect(engines[y], &rx, (enum sre_kind)kind, buf,
					   &len),
			      mismatch);
			if (gcm) {
				UT_MEMEQ(buf, orig, clen);
				UT_UNCHANGED(&snap, &rx);
				UT_ST(ut_unprotect(engines[x], &rx, (enum sre_kind)kind,
						   buf, &len),
				      SRE_OK);
			}
			UT_EQ(len, plen);
		}
		/* the context's keys all share one layout */
		UT_ST(ut_add_key(engines[y], in, 2, m2), mismatch);
		UT_EQ(sre_ctx_key_count(in), gcm ? 1 : 2);
		UT_ST(ut_add_key(engines[x], in, 3, m3), SRE_OK);
		/* emptied, a context takes keys of any architecture again */
		sre_ctx_remove_key(in, m1);
		sre_ctx_remove_key(in, m2);
		sre_ctx_remove_key(in, m3);
		UT_EQ(sre_ctx_key_count(in), 0);
		UT_ST(ut_add_key(engines[y], in, 1, m1), SRE_OK);
		uint8_t buf[UT_BUF];
		uint32_t len = (uint32_t)test_build_rtp(buf, UT_SSRC, 11, 0, 0, -1, 30);
		UT_ST(ut_protect(engines[x], &tx, SRE_RTP, buf, &len, UT_BUF), SRE_OK);
		if (gcm) {
			uint8_t copy[UT_BUF];
			uint32_t clen = len;
			memcpy(copy, buf, len);
			UT_ST(ut_unprotect(engines[x], &rx, SRE_RTP, copy, &clen),
			      SRE_ERR_ARCH_MISMATCH);
		}
		UT_ST(ut_unprotect(engines[y], &rx, SRE_RTP, buf, &len), SRE_OK);
		ut_stream_fini(&tx);
		ut_stream_fini(&rx);
		sre_ctx_destroy(out);
		sre_ctx_destroy(in);
	}
}

static CU_TestInfo name_tests[] = {
	{"status_names_and_strings", test_status_names_and_strings},
	{"suite_names_round_trip", test_suite_names_round_trip},
	{"suite_lengths", test_suite_lengths},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo engine_tests[] = {
	{"engine_per_architecture", test_engine_per_architecture},
	{"aes_cm_across_architectures", test_aes_cm_across_architectures},
	{"gcm_same_bytes_on_every_architecture", test_gcm_same_bytes_on_every_architecture},
	{"gcm_keys_stay_with_their_architecture", test_gcm_keys_stay_with_their_architecture},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"names", NULL, NULL, NULL, NULL, name_tests},
		{"engines", engines_open, engines_close, NULL, NULL, engine_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
