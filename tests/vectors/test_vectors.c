/*
 * Known-answer tests: RFC 3711 Appendix B (AES-CM keystream, key derivation),
 * RFC 6188 section 7 (AES-256), RFC 7714 sections 16 and 17 (AES-GCM SRTP and
 * SRTCP), and the reference packets of libsrtp 2.5.0's test/srtp_driver.c.
 * Every vector runs on each IPsec-MB architecture the CPU has, because each
 * architecture is separate code inside IPsec-MB.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sre_internal.h"
#include "test_common.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BUF_LEN 256

/* ---- engines and checks ---------------------------------------------- */

static struct {
	enum sre_arch arch;
	bool tried;
	struct sre_engine *engine;
} archs[] = {
	{SRE_ARCH_SSE, false, NULL},
	{SRE_ARCH_AVX, false, NULL},
	{SRE_ARCH_AVX2, false, NULL},
	{SRE_ARCH_AVX512, false, NULL},
};

/* What is being checked, for failure messages. */
static const char *cur_arch = "";
static const char *cur_vector = "";

static void engines_free(void)
{
	for (size_t i = 0; i < ARRAY_LEN(archs); i++) {
		sre_engine_destroy(archs[i].engine);
		archs[i].engine = NULL;
	}
}

/* Runs check(engine, arg) once per architecture the CPU supports. */
static void each_arch(void (*check)(struct sre_engine *, const void *),
		      const void *arg)
{
	static bool registered;
	unsigned ran = 0;

	if (!registered) {
		atexit(engines_free);
		registered = true;
	}
	for (size_t i = 0; i < ARRAY_LEN(archs); i++) {
		if (!archs[i].tried) {
			archs[i].tried = true;
			int rc = sre_engine_create(archs[i].arch,
						   &archs[i].engine);
			/* SRE_ERR_IPSEC_MB: the CPU lacks this architecture. */
			CU_ASSERT(rc == SRE_OK || rc == SRE_ERR_IPSEC_MB);
		}
		if (archs[i].engine == NULL)
			continue;
		cur_arch = sre_engine_arch_name(archs[i].engine);
		check(archs[i].engine, arg);
		ran++;
	}
	CU_ASSERT(ran > 0);
}

static void report(bool ok, unsigned line, const char *what)
{
	char msg[192];

	snprintf(msg, sizeof(msg), "%s: %s [%s]", cur_vector, what, cur_arch);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, __FILE__,
				"", CU_FALSE);
}

static void dump(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n    ", p[i]);
	fprintf(stderr, "\n");
}

#define EXPECT_BYTES(what, got, got_len, want, want_len) \
	expect_bytes(__LINE__, what, got, got_len, want, want_len)
#define EXPECT_STATUS(what, got, want) \
	expect_status(__LINE__, what, got, want)

static void expect_bytes(unsigned line, const char *what, const uint8_t *got,
			 size_t got_len, const uint8_t *want, size_t want_len)
{
	bool ok = got_len == want_len && memcmp(got, want, want_len) == 0;

	if (!ok) {
		fprintf(stderr, "\n%s:%u: %s: %s [%s] differs\n", __FILE__,
			line, cur_vector, what, cur_arch);
		dump("got", got, got_len);
		dump("want", want, want_len);
	}
	report(ok, line, what);
}

static void expect_status(unsigned line, const char *what, int got, int want)
{
	if (got != want)
		fprintf(stderr, "\n%s:%u: %s: %s [%s]: %s, want %s\n",
			__FILE__, line, cur_vector, what, cur_arch,
			sre_status_name(got), sre_status_name(want));
	report(got == want, line, what);
}

/* A vector that does not parse ends its test: nothing after it means much. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	int n = test_hex(hex, out, cap);
	CU_ASSERT_FATAL(n >= 0);
	return (size_t)n;
}

/* ---- keystream and key derivation vectors ----------------------------- */

struct keystream_vector {
	const char *name;
	const char *key;
	const char *iv;    /* initial counter block */
	size_t blocks;     /* keystream segment length in AES blocks */
	const char *first; /* blocks 0, 1, 2 */
	const char *last;  /* the last three blocks of the segment */
};

/* RFC 3711 Appendix B.2: SSRC 0, ROC 0, SEQ 0, so the counter block is the
 * session salt shifted left by 16 bits. 1044512 octets = 65282 blocks. */
static const struct keystream_vector rfc3711_b2 = {
	"RFC 3711 B.2 AES-CM",
	"2B7E151628AED2A6ABF7158809CF4F3C",
	"F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000",
	65282,
	"E03EAD0935C95E80E166B16DD92B4EB4"
	"D23513162B02D0F72A43A2FE4A5F97AB"
	"41E95B3BB0A2E8DD477901E4FCA894C0",
	"EC8CDF7398607CB0F2D21675EA9EA1E4"
	"362B7C3C6773516318A077D7FC5073AE"
	"6A2CC3787889374FBEB4C81B17BA6C44",
};

/* RFC 6188 section 7.1: the same segment under a 256-bit session key. */
static const struct keystream_vector rfc6188_7_1 = {
	"RFC 6188 7.1 AES-256-CM",
	"57f82fe3613fd170a85ec93c40b1f092"
	"2ec4cb0dc025b58272147cc438944a98",
	"f0f1f2f3f4f5f6f7f8f9fafbfcfd0000",
	65282,
	"92bdd28a93c3f52511c677d08b5515a4"
	"9da71b2378a854f67050756ded165bac"
	"63c4868b7096d88421b563b8c94c9a31",
	"cea518c90fd91ced9cbb18c078a54711"
	"3dbc4814f4da5f00a08772b63c6a046d"
	"6eb246913062a16891433e97dd01a57f",
};

static void check_keystream(struct sre_engine *e, const void *arg)
{
	const struct keystream_vector *v = arg;
	uint8_t key[32], iv[16], first[48], last[48];
	size_t key_len = unhex(v->key, key, sizeof(key));
	size_t len = v->blocks * 16;

	CU_ASSERT_FATAL(unhex(v->iv, iv, sizeof(iv)) == 16);
	CU_ASSERT_FATAL(unhex(v->first, first, sizeof(first)) == 48);
	CU_ASSERT_FATAL(unhex(v->last, last, sizeof(last)) == 48);
	uint8_t *ks = malloc(len);
	CU_ASSERT_FATAL(ks != NULL);
	cur_vector = v->name;
	EXPECT_STATUS("keystream", sre_aes_ctr_keystream(e, key, key_len, iv,
							 ks, len),
		      SRE_OK);
	EXPECT_BYTES("first three blocks", ks, 48, first, 48);
	EXPECT_BYTES("last three blocks", ks + len - 48, 48, last, 48);
	free(ks);
}

static void test_rfc3711_keystream(void)
{
	each_arch(check_keystream, &rfc3711_b2);
}

static void test_rfc6188_keystream(void)
{
	each_arch(check_keystream, &rfc6188_7_1);
}

struct kdf_vector {
	const char *name;
	enum sre_suite suite;
	const char *master_key;
	const char *master_salt;
	const char *cipher_key;  /* label 0 */
	const char *cipher_salt; /* label 2 */
	const char *auth_key;    /* label 1, as many octets as the RFC lists */
};

static const struct kdf_vector rfc3711_b3 = {
	"RFC 3711 B.3 KDF",
	SRE_AES_CM_128_HMAC_SHA1_80,
	"E1F97A0D3E018BE0D64FA32C06DE4139",
	"0EC675AD498AFEEBB6960B3AABE6",
	"C61E7A93744F39EE10734AFE3FF7A087",
	"30CBBC08863D8C85D49DB34A9AE1",
	"CEBE321F6FF7716B6FD4AB49AF256A15"
	"6D38BAA48F0A0ACF3C34E2359E6CDBCE"
	"E049646C43D9327AD175578EF7227098"
	"6371C10C9A369AC2F94A8C5FBCDDDC25"
	"6D6E919A48B610EF17C2041E47403576"
	"6B68642C59BBFC2F34DB60DBDFB2",
};

static const struct kdf_vector rfc6188_7_2 = {
	"RFC 6188 7.2 AES_256_CM_PRF",
	SRE_AES_256_CM_HMAC_SHA1_80,
	"f0f04914b513f2763a1b1fa130f10e29"
	"98f6f6e43e4309d1e622a0e332b9f1b6",
	"3b04803de51ee7c96423ab5b78d2",
	"5ba1064e30ec51613cad926c5a28ef73"
	"1ec7fb397f70a960653caf06554cd8c4",
	"fa31791685ca444a9e07c6c64e93",
	"fd9c32d39ed5fbb5a9dc96b30818454d1313dc05",
};

static void check_kdf(struct sre_engine *e, const void *arg)
{
	const struct kdf_vector *v = arg;
	uint8_t mkey[32], msalt[14], ckey[32], csalt[14], akey[94], out[94];
	size_t mkey_len = unhex(v->master_key, mkey, sizeof(mkey));
	size_t ckey_len = unhex(v->cipher_key, ckey, sizeof(ckey));
	size_t akey_len = unhex(v->auth_key, akey, sizeof(akey));
	struct sre_session_material m;

	CU_ASSERT_FATAL(unhex(v->master_salt, msalt, sizeof(msalt)) == 14);
	CU_ASSERT_FATAL(unhex(v->cipher_salt, csalt, sizeof(csalt)) == 14);
	CU_ASSERT_FATAL(akey_len >= SRE_AUTH_KEY_LEN);
	cur_vector = v->name;

	EXPECT_STATUS("label 0", sre_kdf(e, mkey, mkey_len, msalt,
					 SRE_LABEL_RTP_ENC, out, ckey_len),
		      SRE_OK);
	EXPECT_BYTES("cipher key", out, ckey_len, ckey, ckey_len);
	EXPECT_STATUS("label 2", sre_kdf(e, mkey, mkey_len, msalt,
					 SRE_LABEL_RTP_SALT, out, 14),
		      SRE_OK);
	EXPECT_BYTES("cipher salt", out, 14, csalt, 14);
	EXPECT_STATUS("label 1", sre_kdf(e, mkey, mkey_len, msalt,
					 SRE_LABEL_RTP_AUTH, out, akey_len),
		      SRE_OK);
	EXPECT_BYTES("auth key", out, akey_len, akey, akey_len);

	/* The same keys as the suite's key install derives them. */
	EXPECT_STATUS("derive", sre_derive_material(e, &sre_suites[v->suite],
						    mkey, msalt,
						    SRE_LABEL_RTP_ENC, &m),
		      SRE_OK);
	EXPECT_BYTES("material enc", m.enc, ckey_len, ckey, ckey_len);
	EXPECT_BYTES("material salt", m.salt, 14, csalt, 14);
	EXPECT_BYTES("material auth", m.auth, SRE_AUTH_KEY_LEN, akey,
		     SRE_AUTH_KEY_LEN);
}

static void test_rfc3711_kdf(void)
{
	each_arch(check_kdf, &rfc3711_b3);
}

static void test_rfc6188_kdf(void)
{
	each_arch(check_kdf, &rfc6188_7_2);
}

/* ---- packet vectors --------------------------------------------------- */

struct pkt_vector {
	const char *name;
	enum sre_suite suite;
	enum sre_kind kind;
	bool session_keys;     /* key and salt are session keys (RFC 7714) */
	bool rtcp_unencrypted; /* the SRTCP packet has E = 0 */
	uint32_t roc;          /* SRTP: ROC of the packet */
	uint32_t index;        /* SRTCP: index of the packet */
	const char *key;       /* master key, or session key */
	const char *salt;
	const char *plain;
	const char *srtp;      /* the protected packet */
	size_t drop;           /* octets of `srtp` past a shorter tag */
};

/* RFC 7714 section 16: one key and salt for SRTP and SRTCP alike. */
#define RFC7714_KEY_128 "000102030405060708090a0b0c0d0e0f"
#define RFC7714_KEY_256 RFC7714_KEY_128 "101112131415161718191a1b1c1d1e1f"
#define RFC7714_SALT "517569642070726f2071756f" /* "Quid pro quo" */

#define RFC7714_RTP \
	"8040f17b 8041f8d3 5501a0b2 47616c6c" \
	"69612065 7374206f 6d6e6973 20646976" \
	"69736120 696e2070 61727465 73207472" \
	"6573"

/* The packet of sections 17.1 to 17.4 (the preamble of section 17 shows a
 * slightly different one that none of the vectors uses). */
#define RFC7714_RTCP \
	"81c8000d 4d617273 4e545031 4e545032" \
	"52545020 0000042a 0000e930 4c756e61" \
	"deadbeef deadbeef deadbeef deadbeef" \
	"deadbeef"

static const struct pkt_vector rfc7714_srtp_128 = {
	"RFC 7714 16.1 SRTP AEAD_AES_128_GCM",
	SRE_AEAD_AES_128_GCM, SRE_RTP, true, false, 0, 0,
	RFC7714_KEY_128, RFC7714_SALT, RFC7714_RTP,
	"8040f17b 8041f8d3 5501a0b2 f24de3a3"
	"fb34de6c acba861c 9d7e4bca be633bd5"
	"0d294e6f 42a5f47a 51c7d19b 36de3adf"
	"8833899d 7f27beb1 6a9152cf 765ee439"
	"0cce",
	0,
};

static const struct pkt_vector rfc7714_srtp_256 = {
	"RFC 7714 16.2 SRTP AEAD_AES_256_GCM",
	SRE_AEAD_AES_256_GCM, SRE_RTP, true, false, 0, 0,
	RFC7714_KEY_256, RFC7714_SALT, RFC7714_RTP,
	"8040f17b 8041f8d3 5501a0b2 32b1de78"
	"a822fe12 ef9f78fa 332e33aa b1801238"
	"9a58e2f3 b50b2a02 76ffae0f 1ba63799"
	"b87b7aa3 db36dfff d6b0f9bb 7878d7a7"
	"6c13",
	0,
};

static const struct pkt_vector rfc7714_srtcp_128 = {
	"RFC 7714 17.1 SRTCP AEAD_AES_128_GCM",
	SRE_AEAD_AES_128_GCM, SRE_RTCP, true, false, 0, 0x5d4,
	RFC7714_KEY_128, RFC7714_SALT, RFC7714_RTCP,
	"81c8000d 4d617273 63e94885 dcdab67c"
	"a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
	"c676a5f1 730d6fda 4ce09b46 86303ded"
	"0bb9275b c84aa458 96cf4d2f c5abf872"
	"45d9eade 800005d4",
	0,
};

static const struct pkt_vector rfc7714_srtcp_256 = {
	"RFC 7714 17.2 SRTCP AEAD_AES_256_GCM",
	SRE_AEAD_AES_256_GCM, SRE_RTCP, true, false, 0, 0x5d4,
	RFC7714_KEY_256, RFC7714_SALT, RFC7714_RTCP,
	"81c8000d 4d617273 d50ae4d1 f5ce5d30"
	"4ba297e4 7d470c28 2c3ece5d bffe0a50"
	"a2eaa5c1 110555be 8415f658 c61de047"
	"6f1b6fad 1d1eb30c 4446839f 57ff6f6c"
	"b26ac3be 800005d4",
	0,
};

static const struct pkt_vector rfc7714_srtcp_128_e0 = {
	"RFC 7714 17.3 SRTCP AEAD_AES_128_GCM E=0",
	SRE_AEAD_AES_128_GCM, SRE_RTCP, true, true, 0, 0x5d4,
	RFC7714_KEY_128, RFC7714_SALT, RFC7714_RTCP,
	"81c8000d 4d617273 4e545031 4e545032"
	"52545020 0000042a 0000e930 4c756e61"
	"deadbeef deadbeef deadbeef deadbeef"
	"deadbeef 841dd968 3dd78ec9 2ae58790"
	"125f62b3 000005d4",
	0,
};

static const struct pkt_vector rfc7714_srtcp_256_e0 = {
	"RFC 7714 17.4 SRTCP AEAD_AES_256_GCM E=0",
	SRE_AEAD_AES_256_GCM, SRE_RTCP, true, true, 0, 0x5d4,
	RFC7714_KEY_256, RFC7714_SALT, RFC7714_RTCP,
	"81c8000d 4d617273 4e545031 4e545032"
	"52545020 0000042a 0000e930 4c756e61"
	"deadbeef deadbeef deadbeef deadbeef"
	"deadbeef 91db4afb feee5a97 8fab4393"
	"ed2615fe 000005d4",
	0,
};

/*
 * libsrtp 2.5.0 test/srtp_driver.c: srtp_validate(), srtp_validate_null(),
 * srtp_validate_gcm() and srtp_validate_aes_256(), for SSRC 0xcafebabe. The
 * master keys are its test_key (RFC 3711 B.3's key and salt), test_key_gcm
 * and aes_256_test_key (RFC 6188 7.2's key and salt). libsrtp numbers SRTCP
 * from 1, so its first packet carries index 1.
 */
#define LIBSRTP_KEY "e1f97a0d3e018be0d64fa32c06de4139"
#define LIBSRTP_SALT "0ec675ad498afeebb6960b3aabe6"
#define LIBSRTP_KEY_GCM "000102030405060708090a0b0c0d0e0f"
#define LIBSRTP_SALT_GCM "a0a1a2a3a4a5a6a7a8a9aaab"
#define LIBSRTP_KEY_256 \
	"f0f04914b513f2763a1b1fa130f10e29" \
	"98f6f6e43e4309d1e622a0e332b9f1b6"
#define LIBSRTP_SALT_256 "3b04803de51ee7c96423ab5b78d2"

#define LIBSRTP_RTP \
	"800f1234 decafbad cafebabe abababab" \
	"abababab abababab abababab"
#define LIBSRTP_RTCP \
	"81c8000b cafebabe abababab abababab" \
	"abababab abababab"

#define LIBSRTP_SRTP_CM_128 \
	"800f1234 decafbad cafebabe 4e55dc4c" \
	"e79978d8 8ca4d215 949d2402 b78d6acc" \
	"99ea179b 8dbb"
#define LIBSRTP_SRTCP_CM_128 \
	"81c8000b cafebabe 7128035b e487b9bd" \
	"bef89041 f977a5a8 80000001 993e08cd" \
	"54d6c123 0798"
#define LIBSRTP_SRTP_CM_256 \
	"800f1234 decafbad cafebabe f1d9de17" \
	"ff251ff1 aa007774 b0b4b40d a08d9d9a" \
	"5b3a55d8 873b"

static const struct pkt_vector libsrtp_srtp_cm_128 = {
	"libsrtp SRTP AES_CM_128_HMAC_SHA1_80",
	SRE_AES_CM_128_HMAC_SHA1_80, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTP, LIBSRTP_SRTP_CM_128, 0,
};

static const struct pkt_vector libsrtp_srtcp_cm_128 = {
	"libsrtp SRTCP AES_CM_128_HMAC_SHA1_80",
	SRE_AES_CM_128_HMAC_SHA1_80, SRE_RTCP, false, false, 0, 1,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTCP, LIBSRTP_SRTCP_CM_128, 0,
};

static const struct pkt_vector libsrtp_srtp_null = {
	"libsrtp SRTP NULL_HMAC_SHA1_80",
	SRE_NULL_HMAC_SHA1_80, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTP,
	"800f1234 decafbad cafebabe abababab"
	"abababab abababab abababab aba13627"
	"0b679134 ce9b",
	0,
};

static const struct pkt_vector libsrtp_srtcp_null = {
	"libsrtp SRTCP NULL_HMAC_SHA1_80",
	SRE_NULL_HMAC_SHA1_80, SRE_RTCP, false, false, 0, 1,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTCP,
	"81c8000b cafebabe abababab abababab"
	"abababab abababab 00000001 fe88c7fd"
	"fd37ebce 615d",
	0,
};

static const struct pkt_vector libsrtp_srtp_gcm_128 = {
	"libsrtp SRTP AEAD_AES_128_GCM",
	SRE_AEAD_AES_128_GCM, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY_GCM, LIBSRTP_SALT_GCM, LIBSRTP_RTP,
	"800f1234 decafbad cafebabe c5002ede"
	"04cfdd2e b91159e0 880aa06e d2976826"
	"f796b201 df3131a1 27e8a392",
	0,
};

static const struct pkt_vector libsrtp_srtcp_gcm_128 = {
	"libsrtp SRTCP AEAD_AES_128_GCM",
	SRE_AEAD_AES_128_GCM, SRE_RTCP, false, false, 0, 1,
	LIBSRTP_KEY_GCM, LIBSRTP_SALT_GCM, LIBSRTP_RTCP,
	"81c8000b cafebabe c98b8b5d f0392a55"
	"852b6c21 ac8e7025 c52c6fbe a2b3b446"
	"ea31123b a88ce61e 80000001",
	0,
};

static const struct pkt_vector libsrtp_srtp_cm_256 = {
	"libsrtp SRTP AES_256_CM_HMAC_SHA1_80",
	SRE_AES_256_CM_HMAC_SHA1_80, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY_256, LIBSRTP_SALT_256, LIBSRTP_RTP, LIBSRTP_SRTP_CM_256, 0,
};

/*
 * The _32 suites have no published packets. RFC 3711 section 4.2 makes the
 * tag the leftmost bits of the same HMAC, and RFC 4568 and RFC 6188 keep
 * their SRTCP tag at 80 bits, so libsrtp's _80 packets give theirs: the SRTP
 * one with the tag cut to 4 octets, the SRTCP one unchanged.
 */
static const struct pkt_vector derived_srtp_cm_128_32 = {
	"libsrtp-derived SRTP AES_CM_128_HMAC_SHA1_32",
	SRE_AES_CM_128_HMAC_SHA1_32, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTP, LIBSRTP_SRTP_CM_128, 6,
};

static const struct pkt_vector derived_srtcp_cm_128_32 = {
	"libsrtp-derived SRTCP AES_CM_128_HMAC_SHA1_32",
	SRE_AES_CM_128_HMAC_SHA1_32, SRE_RTCP, false, false, 0, 1,
	LIBSRTP_KEY, LIBSRTP_SALT, LIBSRTP_RTCP, LIBSRTP_SRTCP_CM_128, 0,
};

static const struct pkt_vector derived_srtp_cm_256_32 = {
	"libsrtp-derived SRTP AES_256_CM_HMAC_SHA1_32",
	SRE_AES_256_CM_HMAC_SHA1_32, SRE_RTP, false, false, 0, 0,
	LIBSRTP_KEY_256, LIBSRTP_SALT_256, LIBSRTP_RTP, LIBSRTP_SRTP_CM_256, 6,
};

static const struct pkt_vector *const all_vectors[] = {
	&rfc7714_srtp_128,      &rfc7714_srtp_256,
	&rfc7714_srtcp_128,     &rfc7714_srtcp_256,
	&rfc7714_srtcp_128_e0,  &rfc7714_srtcp_256_e0,
	&libsrtp_srtp_cm_128,   &libsrtp_srtcp_cm_128,
	&libsrtp_srtp_null,     &libsrtp_srtcp_null,
	&libsrtp_srtp_gcm_128,  &libsrtp_srtcp_gcm_128,
	&libsrtp_srtp_cm_256,   &derived_srtp_cm_128_32,
	&derived_srtcp_cm_128_32, &derived_srtp_cm_256_32,
};

/* A vector's packets, parsed. */
struct pkt_bytes {
	uint8_t plain[BUF_LEN];
	uint8_t srtp[BUF_LEN];
	size_t plain_len;
	size_t srtp_len;
};

static void pkt_parse(const struct pkt_vector *v, struct pkt_bytes *b)
{
	b->plain_len = unhex(v->plain, b->plain, sizeof(b->plain));
	b->srtp_len = unhex(v->srtp, b->srtp, sizeof(b->srtp));
	CU_ASSERT_FATAL(b->srtp_len > v->drop);
	b->srtp_len -= v->drop;
}

static struct sre_ctx *vector_ctx(struct sre_engine *e,
				  const struct pkt_vector *v,
				  enum sre_direction dir)
{
	struct sre_session_material m;
	struct sre_policy pol;
	struct sre_ctx *ctx;
	uint8_t key[32], salt[14];
	size_t key_len = unhex(v->key, key, sizeof(key));
	size_t salt_len = unhex(v->salt, salt, sizeof(salt));
	int rc;

	sre_policy_init(&pol, v->suite, dir);
	/* Only a sender chooses E; a receiver must take it from the packet. */
	pol.rtcp_unencrypted = dir == SRE_OUTBOUND && v->rtcp_unencrypted;
	rc = sre_ctx_create(&pol, NULL, &ctx);
	EXPECT_STATUS("context", rc, SRE_OK);
	CU_ASSERT_FATAL(rc == SRE_OK);
	if (v->session_keys) {
		/* RFC 7714's vectors give the session key and salt; one key
		 * serves SRTP and SRTCP there. */
		memset(&m, 0, sizeof(m));
		memcpy(m.enc, key, key_len);
		memcpy(m.salt, salt, salt_len);
		rc = sre_ctx_add_session_keys(e, ctx, &m, &m, NULL);
	} else {
		rc = sre_ctx_add_key(e, ctx, key, key_len, salt, salt_len,
				     NULL);
	}
	EXPECT_STATUS("key", rc, SRE_OK);
	if (rc != SRE_OK) {
		sre_ctx_destroy(ctx);
		CU_FAIL_FATAL("no key");
	}
	return ctx;
}

/* A fresh stream for the vector's SSRC, positioned at the vector's index. */
static void vector_stream(struct sre_stream *s, struct sre_ctx *ctx,
			  const struct pkt_vector *v, const uint8_t *plain)
{
	const struct sre_policy *pol = sre_ctx_policy(ctx);
	uint32_t ssrc = sre_load_be32(plain + (v->kind == SRE_RTCP ? 4 : 8));

	EXPECT_STATUS("stream", sre_stream_init(s, ctx, ssrc, NULL), SRE_OK);
	if (v->kind == SRE_RTP) {
		EXPECT_STATUS("roc", sre_stream_set_roc(s, v->roc), SRE_OK);
	} else if (pol->direction == SRE_OUTBOUND && v->index > 0) {
		/* A sender numbers SRTCP 0, 1, ... and has no API to start
		 * elsewhere: claim index - 1 as the last one sent so that the
		 * packet goes out with the vector's index. A receiver reads
		 * the index from the packet. */
		s->rtcp_index = v->index - 1;
		s->flags |= SRE_SF_RTCP_SEEN;
	}
}

static int run_one(struct sre_engine *e, bool protect, struct sre_stream *s,
		   enum sre_kind kind, uint8_t *buf, size_t *len)
{
	struct sre_packet p = {
		.data = buf,
		.len = (uint32_t)*len,
		.room = BUF_LEN,
		.stream = s,
		.kind = (uint8_t)kind,
	};
	unsigned ok = protect ? sre_protect_burst(e, &p, 1)
			      : sre_unprotect_burst(e, &p, 1);

	CU_ASSERT_EQUAL(ok, p.status == SRE_OK ? 1u : 0u);
	*len = p.len;
	return p.status;
}

/* Where the first octet of the tag is in a protected packet. */
static size_t tag_offset(const struct pkt_vector *v, size_t len)
{
	bool rtcp = v->kind == SRE_RTCP;
	size_t tag = sre_suite_tag_len(v->suite, rtcp);

	/* RFC 7714 puts the SRTCP index after the tag, RFC 3711 before. */
	if (rtcp && sre_suites[v->suite].aead)
		return len - SRE_SRTCP_TRAILER_LEN - tag;
	return len - tag;
}

/* Protect the plaintext and get the vector's packet; unprotect that packet
 * and get the plaintext; a changed tag octet is refused and leaves the
 * receiving stream able to take the genuine packet. */
static void check_packet(struct sre_engine *e, const void *arg)
{
	const struct pkt_vector *v = arg;
	struct sre_stream s;
	struct sre_ctx *out, *in;
	struct pkt_bytes b;
	uint8_t buf[BUF_LEN];
	size_t len;

	cur_vector = v->name;
	pkt_parse(v, &b);

	out = vector_ctx(e, v, SRE_OUTBOUND);
	vector_stream(&s, out, v, b.plain);
	memcpy(buf, b.plain, b.plain_len);
	len = b.plain_len;
	EXPECT_STATUS("protect", run_one(e, true, &s, v->kind, buf, &len),
		      SRE_OK);
	EXPECT_BYTES("protected packet", buf, len, b.srtp, b.srtp_len);
	sre_ctx_destroy(out);

	in = vector_ctx(e, v, SRE_INBOUND);
	vector_stream(&s, in, v, b.plain);
	memcpy(buf, b.srtp, b.srtp_len);
	len = b.srtp_len;
	EXPECT_STATUS("unprotect", run_one(e, false, &s, v->kind, buf, &len),
		      SRE_OK);
	EXPECT_BYTES("unprotected packet", buf, len, b.plain, b.plain_len);

	vector_stream(&s, in, v, b.plain);
	memcpy(buf, b.srtp, b.srtp_len);
	len = b.srtp_len;
	buf[tag_offset(v, len)] ^= 0x01;
	EXPECT_STATUS("forged tag", run_one(e, false, &s, v->kind, buf, &len),
		      SRE_ERR_AUTH_FAIL);
	memcpy(buf, b.srtp, b.srtp_len);
	len = b.srtp_len;
	EXPECT_STATUS("after forgery", run_one(e, false, &s, v->kind, buf,
					       &len),
		      SRE_OK);
	EXPECT_BYTES("after forgery", buf, len, b.plain, b.plain_len);
	sre_ctx_destroy(in);
}

#define PKT_TEST(fn, vector)                  \
	static void fn(void)                  \
	{                                     \
		each_arch(check_packet, &vector); \
	}

PKT_TEST(test_rfc7714_srtp_128, rfc7714_srtp_128)
PKT_TEST(test_rfc7714_srtp_256, rfc7714_srtp_256)
PKT_TEST(test_rfc7714_srtcp_128, rfc7714_srtcp_128)
PKT_TEST(test_rfc7714_srtcp_256, rfc7714_srtcp_256)
PKT_TEST(test_rfc7714_srtcp_128_e0, rfc7714_srtcp_128_e0)
PKT_TEST(test_rfc7714_srtcp_256_e0, rfc7714_srtcp_256_e0)
PKT_TEST(test_libsrtp_srtp_cm_128, libsrtp_srtp_cm_128)
PKT_TEST(test_libsrtp_srtcp_cm_128, libsrtp_srtcp_cm_128)
PKT_TEST(test_libsrtp_srtp_null, libsrtp_srtp_null)
PKT_TEST(test_libsrtp_srtcp_null, libsrtp_srtcp_null)
PKT_TEST(test_libsrtp_srtp_gcm_128, libsrtp_srtp_gcm_128)
PKT_TEST(test_libsrtp_srtcp_gcm_128, libsrtp_srtcp_gcm_128)
PKT_TEST(test_libsrtp_srtp_cm_256, libsrtp_srtp_cm_256)
PKT_TEST(test_srtp_cm_128_32, derived_srtp_cm_128_32)
PKT_TEST(test_srtcp_cm_128_32, derived_srtcp_cm_128_32)
PKT_TEST(test_srtp_cm_256_32, derived_srtp_cm_256_32)

/* Every vector in one burst each way: a burst mixes suites, key sizes,
 * kinds and contexts, and sorts them into IPsec-MB passes of its own. */
static void check_mixed_burst(struct sre_engine *e, const void *arg)
{
	enum { N = ARRAY_LEN(all_vectors) };
	struct pkt_bytes b[N];
	uint8_t buf[N][BUF_LEN];
	struct sre_stream s[N];
	struct sre_ctx *ctx[N];
	struct sre_packet p[N];
	(void)arg;

	for (int dir = SRE_OUTBOUND; dir >= SRE_INBOUND; dir--) {
		bool protect = dir == SRE_OUTBOUND;

		cur_vector = protect ? "mixed burst, protect"
				     : "mixed burst, unprotect";
		for (unsigned i = 0; i < N; i++) {
			const struct pkt_vector *v = all_vectors[i];
			pkt_parse(v, &b[i]);
			ctx[i] = vector_ctx(e, v, (enum sre_direction)dir);
			vector_stream(&s[i], ctx[i], v, b[i].plain);
			memcpy(buf[i], protect ? b[i].plain : b[i].srtp,
			       protect ? b[i].plain_len : b[i].srtp_len);
			p[i] = (struct sre_packet){
				.data = buf[i],
				.len = (uint32_t)(protect ? b[i].plain_len
							  : b[i].srtp_len),
				.room = BUF_LEN,
				.stream = &s[i],
				.kind = (uint8_t)v->kind,
			};
		}
		unsigned ok = protect ? sre_protect_burst(e, p, N)
				      : sre_unprotect_burst(e, p, N);
		report(ok == N, __LINE__, "packets processed");
		for (unsigned i = 0; i < N; i++) {
			cur_vector = all_vectors[i]->name;
			EXPECT_STATUS("in a mixed burst", p[i].status, SRE_OK);
			if (protect)
				EXPECT_BYTES("protected in a mixed burst",
					     buf[i], p[i].len, b[i].srtp,
					     b[i].srtp_len);
			else
				EXPECT_BYTES("unprotected in a mixed burst",
					     buf[i], p[i].len, b[i].plain,
					     b[i].plain_len);
			sre_ctx_destroy(ctx[i]);
		}
	}
}

static void test_mixed_burst(void)
{
	each_arch(check_mixed_burst, NULL);
}

static CU_TestInfo rfc3711_tests[] = {
	{"B.2 AES-CM keystream", test_rfc3711_keystream},
	{"B.3 key derivation", test_rfc3711_kdf},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo rfc6188_tests[] = {
	{"7.1 AES-256-CM keystream", test_rfc6188_keystream},
	{"7.2 AES_256_CM_PRF key derivation", test_rfc6188_kdf},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo rfc7714_tests[] = {
	{"16.1 SRTP AEAD_AES_128_GCM", test_rfc7714_srtp_128},
	{"16.2 SRTP AEAD_AES_256_GCM", test_rfc7714_srtp_256},
	{"17.1 SRTCP AEAD_AES_128_GCM", test_rfc7714_srtcp_128},
	{"17.2 SRTCP AEAD_AES_256_GCM", test_rfc7714_srtcp_256},
	{"17.3 SRTCP AEAD_AES_128_GCM unencrypted", test_rfc7714_srtcp_128_e0},
	{"17.4 SRTCP AEAD_AES_256_GCM unencrypted", test_rfc7714_srtcp_256_e0},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo libsrtp_tests[] = {
	{"SRTP AES_CM_128_HMAC_SHA1_80", test_libsrtp_srtp_cm_128},
	{"SRTCP AES_CM_128_HMAC_SHA1_80", test_libsrtp_srtcp_cm_128},
	{"SRTP NULL_HMAC_SHA1_80", test_libsrtp_srtp_null},
	{"SRTCP NULL_HMAC_SHA1_80", test_libsrtp_srtcp_null},
	{"SRTP AEAD_AES_128_GCM", test_libsrtp_srtp_gcm_128},
	{"SRTCP AEAD_AES_128_GCM", test_libsrtp_srtcp_gcm_128},
	{"SRTP AES_256_CM_HMAC_SHA1_80", test_libsrtp_srtp_cm_256},
	{"SRTP AES_CM_128_HMAC_SHA1_32 (derived)", test_srtp_cm_128_32},
	{"SRTCP AES_CM_128_HMAC_SHA1_32 (derived)", test_srtcp_cm_128_32},
	{"SRTP AES_256_CM_HMAC_SHA1_32 (derived)", test_srtp_cm_256_32},
	{"all vectors in one burst", test_mixed_burst},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"RFC 3711 Appendix B", NULL, NULL, NULL, NULL, rfc3711_tests},
	{"RFC 6188 section 7", NULL, NULL, NULL, NULL, rfc6188_tests},
	{"RFC 7714 sections 16-17", NULL, NULL, NULL, NULL, rfc7714_tests},
	{"libsrtp reference packets", NULL, NULL, NULL, NULL, libsrtp_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int rc = test_run(suites);

	printf("IPsec-MB %s, architectures tested:", sre_ipsec_mb_version());
	for (size_t i = 0; i < ARRAY_LEN(archs); i++)
		if (archs[i].engine != NULL)
			printf(" %s", sre_engine_arch_name(archs[i].engine));
	printf("\n");
	return rc;
}
