/*
 * SDES parsing (crypto/sdes.h): RFC 4568's own examples, keys of every suite
 * through base64 and back, each malformed input on its own (status and the
 * words of its message), several keys with MKIs, session parameters (KDR on
 * to sre_ctx_create), parsed keys carrying traffic, and random or mutated
 * text that must never crash, answer the same twice, or echo key text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sdes.h"
#include "unit_util.h"

#define NSUITE SRE_SUITE_COUNT
#define BIG_ERR 1024 /* tests read messages whole, then check their size */

/* ---- helpers ---- */

#define UT_HAS(err, sub)                                                     \
	ut_check(strstr((err), (sub)) != NULL, __LINE__, __FILE__, __func__, \
		 "message \"%s\" contains \"%s\"", (err), (sub))
#define UT_STREQ(got, want)                                                  \
	ut_check(strcmp((got), (want)) == 0, __LINE__, __FILE__, __func__,   \
		 "\"%s\" == \"%s\"", (got), (want))

/* The test's own RFC 4648 encoder (checked against `base64` output below). */
static void b64(const uint8_t *in, size_t n, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}

static size_t ks_len(enum sre_suite s)
{
	return sre_suite_master_key_len(s) + sre_suite_master_salt_len(s);
}

/* key||salt of a suite: ut_add_key's bytes, so contexts built from parsed
 * keys and from ut_add_key interoperate. */
static void ks_bytes(enum sre_suite s, unsigned seed, uint8_t *ks)
{
	size_t kl = sre_suite_master_key_len(s);

	for (size_t i = 0; i < kl; i++)
		ks[i] = (uint8_t)(0x40 + i + seed * 17);
	for (size_t i = 0; i < sre_suite_master_salt_len(s); i++)
		ks[kl + i] = (uint8_t)(0xa0 + i + seed * 29);
}

/* "inline:<base64>" + extra. */
static void key_param(char *buf, size_t cap, enum sre_suite s, unsigned seed,
		      const char *extra)
{
	uint8_t ks[64];
	char t[96];

	ks_bytes(s, seed, ks);
	b64(ks, ks_len(s), t);
	if (snprintf(buf, cap, "inline:%s%s", t, extra) >= (int)cap)
		CU_FAIL_FATAL("key_param: buffer too small");
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* A message: present, one line, fits the size the header promises. */
static bool one_line(const char *err)
{
	return UT_TRUE(err[0] != '\0') && UT_TRUE(strchr(err, '\n') == NULL) &&
	       UT_TRUE(strchr(err, '\r') == NULL) &&
	       UT_TRUE(strlen(err) < SRE_SDES_ERR_LEN);
}

/* No 12-character run of key text in a message. */
static bool no_key_text(const char *err, const char *key_text)
{
	size_t n = strlen(key_text);
	for (size_t i = 0; i + 12 <= n; i++) {
		char w[13];
		memcpy(w, key_text + i, 12);
		w[12] = '\0';
		if (strstr(err, w) != NULL)
			return UT_TRUE(!"message repeats key text");
	}
	return true;
}

static void check_key(const struct sre_sdes_key *k, enum sre_suite s,
		      unsigned seed, uint64_t lifetime, uint64_t mki,
		      unsigned mki_len)
{
	uint8_t ks[64], want_mki[SRE_MAX_MKI_LEN] = {0};
	size_t kl = sre_suite_master_key_len(s), sl = sre_suite_master_salt_len(s);

	ks_bytes(s, seed, ks);
	UT_EQ(k->key_len, kl);
	UT_EQ(k->salt_len, sl);
	UT_MEMEQ(k->key, ks, kl);
	UT_MEMEQ(k->salt, ks + kl, sl);
	UT_TRUE(all_zero(k->key + kl, sizeof(k->key) - kl));
	UT_TRUE(all_zero(k->salt + sl, sizeof(k->salt) - sl));
	UT_EQ(k->lifetime, lifetime);
	UT_EQ(k->mki_len, mki_len);
	for (unsigned i = 0; i < mki_len && i < SRE_MAX_MKI_LEN; i++)
		want_mki[i] = (uint8_t)(mki >> (8 * (mki_len - 1 - i)));
	UT_MEMEQ(k->mki, want_mki, sizeof(want_mki));
}

/* Parses a key-param expected to fail: status, words, zeroed output. */
static void key_fails(const char *text, enum sre_suite s, int want,
		      const char *words)
{
	struct sre_sdes_key k;
	char err[BIG_ERR];

	ut_where("key-param \"%s\" for %s", text, sre_suite_name(s));
	memset(&k, 0xa5, sizeof(k));
	UT_ST(sre_sdes_parse_key_param(text, s, &k, err, sizeof(err)), want);
	UT_TRUE(all_zero(&k, sizeof(k)));
	if (one_line(err))
		UT_HAS(err, words);
}

static void attr_fails(const char *line, int want, const char *words)
{
	struct sre_sdes_crypto c;
	char err[BIG_ERR];

	ut_where("attribute \"%s\"", line);
	memset(&c, 0xa5, sizeof(c));
	UT_ST(sre_sdes_parse_crypto_attr(line, &c, err, sizeof(err)), want);
	UT_TRUE(all_zero(&c, sizeof(c)));
	if (one_line(err))
		UT_HAS(err, words);
}

static int attr_ok(const char *line, struct sre_sdes_crypto *c)
{
	char err[BIG_ERR];

	ut_where("attribute \"%s\"", line);
	int rc = sre_sdes_parse_crypto_attr(line, c, err, sizeof(err));
	if (!UT_ST(rc, SRE_OK))
		fprintf(stderr, "  message: %s\n", err);
	else
		UT_STREQ(err, "");
	return rc;
}

/* ---- RFC 4568 examples ---- */

static void test_rfc4568_examples(void)
{
	struct sre_sdes_key k;
	struct sre_sdes_crypto c;
	char err[BIG_ERR];
	uint8_t want[30];

	/* §6.1, first example (bytes by `base64 -d | xxd`) */
	ut_where("RFC 4568 6.1 example 1");
	UT_ST(sre_sdes_parse_key_param(
		      "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4",
		      SRE_AES_CM_128_HMAC_SHA1_80, &k, err, sizeof(err)),
	      SRE_OK);
	UT_STREQ(err, "");
	UT_EQ(test_hex("774466766726542b2978473740666235"
		       "6a552c5261417d5c7c7030252a23", want, sizeof(want)), 30);
	UT_EQ(k.key_len, 16);
	UT_EQ(k.salt_len, 14);
	UT_MEMEQ(k.key, want, 16);
	UT_MEMEQ(k.salt, want + 16, 14);
	UT_EQ(k.lifetime, 1u << 20);
	UT_EQ(k.mki_len, 4);
	UT_MEMEQ(k.mki, "\0\0\0\1", 4);

	/* §6.1, second example: no lifetime, MKI 1066 in 4 bytes */
	ut_where("RFC 4568 6.1 example 2");
	UT_ST(sre_sdes_parse_key_param(
		      "inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4",
		      SRE_AES_CM_128_HMAC_SHA1_80, &k, err, sizeof(err)),
	      SRE_OK);
	UT_MEMEQ(k.key, "aBCdefghiJKLmoPQ", 16);
	UT_MEMEQ(k.salt, "rsTuVwyz123456", 14);
	UT_EQ(k.lifetime, 0);
	UT_EQ(k.mki_len, 4);
	UT_MEMEQ(k.mki, "\0\0\x04\x2a", 4);

	/* §4 and §4.5 use 32-byte MKIs: legal in RFC 4568, beyond SRTP Edge */
	static const char *const mki32[] = {
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32",
		"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32",
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
	};
	for (unsigned i = 0; i < 3; i++) {
		key_fails(mki32[i], SRE_AES_CM_128_HMAC_SHA1_80,
			  SRE_ERR_MKI_LENGTH,
			  "MKI length 32 bytes: SRTP Edge supports MKIs of 1 to 4 bytes");
		no_key_text(err, mki32[i] + 7);
	}
	attr_fails("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		   "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32",
		   SRE_ERR_MKI_LENGTH, "key-param 1: MKI length 32 bytes");
	attr_fails("a=crypto:1 AES_CM_128_HMAC_SHA1_32 "
		   "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32",
		   SRE_ERR_MKI_LENGTH, "(RFC 4568 allows up to 128)");

	/* the same lines with a 4-byte MKI are what SRTP Edge takes */
	if (attr_ok("a=crypto:1 AES_CM_128_HMAC_SHA1_32 "
		    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4",
		    &c) == SRE_OK) {
		UT_EQ(c.tag, 1);
		UT_EQ(c.suite, SRE_AES_CM_128_HMAC_SHA1_32);
		UT_EQ(c.nkeys, 1);
		UT_EQ(test_hex("37307877504835402f2c4c3a53317759"
			       "227e3d27457067542528695f5663", want,
			       sizeof(want)), 30);
		UT_MEMEQ(c.keys[0].key, want, 16);
		UT_MEMEQ(c.keys[0].salt, want + 16, 14);
		UT_EQ(c.keys[0].lifetime, 1u << 20);
		UT_MEMEQ(c.keys[0].mki, "\0\0\0\1", 4);
		UT_EQ(c.kdr, 0);
		UT_EQ(c.wsh, 0);
		UT_EQ(c.flags, 0);
	}
}

/* ---- keys of every suite ---- */

static void test_fixed_vectors(void)
{
	/* `head -c N <bytes 0..N-1> | base64` for each key||salt length */
	static const struct {
		size_t n;
		const char *text;
	} fixed[] = {
		{30, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"},
		{46, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=="},
		{28, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="},
		{44, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis="},
	};
	uint8_t seq[64];
	char text[128];

	for (unsigned i = 0; i < sizeof(seq); i++)
		seq[i] = (uint8_t)i;
	for (unsigned f = 0; f < 4; f++) {
		ut_where("%zu bytes", fixed[f].n);
		b64(seq, fixed[f].n, text);
		UT_STREQ(text, fixed[f].text);
	}
	for (unsigned s = 0; s < NSUITE; s++) {
		unsigned matched = 0;
		for (unsigned f = 0; f < 4; f++) {
			struct sre_sdes_key k;
			char err[BIG_ERR];
			size_t kl = sre_suite_master_key_len(s);

			snprintf(text, sizeof(text), "inline:%s", fixed[f].text);
			ut_where("%s, %zu bytes", sre_suite_name(s), fixed[f].n);
			int rc = sre_sdes_parse_key_param(text, s, &k, err,
							  sizeof(err));
			if (fixed[f].n != ks_len(s)) {
				UT_ST(rc, SRE_ERR_KEY_LENGTH);
				continue;
			}
			matched++;
			UT_ST(rc, SRE_OK);
			UT_MEMEQ(k.key, seq, kl);
			UT_MEMEQ(k.salt, seq + kl, sre_suite_master_salt_len(s));
		}
		UT_EQ(matched, 1);
	}
}

static void test_every_suite_round_trip(void)
{
	static const struct {
		const char *text;
		uint64_t lifetime;
	} lifetimes[] = {
		{"", 0},
		{"|1", 1},
		{"|2^0", 1},
		{"|2^31", UINT64_C(1) << 31},
		{"|2^48", UINT64_C(1) << 48},
		{"|1000000", 1000000},
		{"|281474976710656", UINT64_C(1) << 48},
		{"|2^20", 1u << 20},
	};
	static const struct {
		const char *text;
		uint64_t value;
		unsigned len;
	} mkis[] = {
		{"", 0, 0},
		{"|1:1", 1, 1},
		{"|255:1", 255, 1},
		{"|256:2", 256, 2},
		{"|65535:2", 65535, 2},
		{"|16777215:3", 16777215, 3},
		{"|66051:3", 0x010203, 3},
		{"|1:4", 1, 4},
		{"|4294967295:4", 0xffffffff, 4},
		{"|16909060:4", 0x01020304, 4},
	};
	for (unsigned s = 0; s < NSUITE; s++) {
		for (unsigned l = 0; l < sizeof(lifetimes) / sizeof(lifetimes[0]); l++) {
			for (unsigned m = 0; m < sizeof(mkis) / sizeof(mkis[0]); m++) {
				char extra[64], text[160], err[BIG_ERR];
				struct sre_sdes_key k;
				unsigned seed = s * 100 + l * 10 + m;

				snprintf(extra, sizeof(extra), "%s%s",
					 lifetimes[l].text, mkis[m].text);
				key_param(text, sizeof(text), s, seed, extra);
				ut_where("%s: %s", sre_suite_name(s), text);
				memset(&k, 0xa5, sizeof(k));
				if (!UT_ST(sre_sdes_parse_key_param(text, s, &k, err,
								    sizeof(err)),
					   SRE_OK))
					continue;
				UT_STREQ(err, "");
				check_key(&k, s, seed, lifetimes[l].lifetime,
					  mkis[m].value, mkis[m].len);
			}
		}
	}
}

static void test_key_length_per_suite(void)
{
	/* every suite's key||salt against every other suite */
	for (unsigned a = 0; a < NSUITE; a++) {
		for (unsigned b = 0; b < NSUITE; b++) {
			char text[160], err[BIG_ERR], want[160];
			struct sre_sdes_key k;

			key_param(text, sizeof(text), a, 3, "|2^20|7:1");
			ut_where("%s key for %s", sre_suite_name(a),
				 sre_suite_name(b));
			int rc = sre_sdes_parse_key_param(text, b, &k, err,
							  sizeof(err));
			if (ks_len(a) == ks_len(b)) {
				UT_ST(rc, SRE_OK);
				continue;
			}
			UT_ST(rc, SRE_ERR_KEY_LENGTH);
			snprintf(want, sizeof(want),
				 "base64 decodes to %zu bytes, %s needs %zu (%zu-byte key + %zu-byte salt)",
				 ks_len(a), sre_suite_name(b), ks_len(b),
				 sre_suite_master_key_len(b),
				 sre_suite_master_salt_len(b));
			UT_STREQ(err, want);
			UT_TRUE(all_zero(&k, sizeof(k)));
		}
	}
	/* one byte short and one long, and the message of the brief */
	key_fails("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=",
		  SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_KEY_LENGTH,
		  "base64 decodes to 29 bytes, AES_CM_128_HMAC_SHA1_80 needs 30 (16-byte key + 14-byte salt)");
	key_fails("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
		  SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_KEY_LENGTH,
		  "decodes to 31 bytes");
	key_fails("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
		  SRE_AEAD_AES_128_GCM, SRE_ERR_KEY_LENGTH,
		  "AEAD_AES_128_GCM needs 28 (16-byte key + 12-byte salt)");
	key_fails("inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==",
		  SRE_AEAD_AES_256_GCM, SRE_ERR_KEY_LENGTH,
		  "AEAD_AES_256_GCM needs 44 (32-byte key + 12-byte salt)");
	key_fails("inline:AAAA", SRE_AES_256_CM_HMAC_SHA1_80, SRE_ERR_KEY_LENGTH,
		  "decodes to 3 bytes, AES_256_CM_HMAC_SHA1_80 needs 46");
}

/* ---- malformed key-params, one by one ---- */

#define K30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define K28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="
#define K46 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=="

static void test_key_param_errors(void)
{
	static const struct {
		const char *text;
		enum sre_suite suite;
		int status;
		const char *words;
	} cases[] = {
		/* framing and key method */
		{"", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "empty key-param"},
		{"inline", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "no key method"},
		{K30, SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "no key method"},
		{"url:" K30, SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "key method \"url\" is not supported"},
		{"inlin:" K30, SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "key method \"inlin\""},
		{" inline:" K30, SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "does not start with \"inline:\""},
		{K30 "|2^20|1:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "does not start with \"inline:\""},
		{"inline:", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "no key||salt"},
		{"inline:|2^20", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "no key||salt"},
		{"inline:" K30 ";inline:" K30, SRE_AES_CM_128_HMAC_SHA1_80,
		 SRE_ERR_BAD_PARAM, "';' at character 48"},
		/* base64 */
		{"inline:" K30 " ", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "whitespace (0x20) at base64 character 41"},
		{"inline:" K30 "\n", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "whitespace (0x0a) at base64 character 41"},
		{"inline:AAEC AwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "whitespace (0x20) at base64 character 5"},
		{"inline:AAEC\tAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "whitespace (0x09) at base64 character 5"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka-xwd",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "'-' at base64 character 37 is not in the RFC 4648 base64 alphabet"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka_xwd",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "'_' at base64 character 37"},
		{"inline:!AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM, "'!' at base64 character 1"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw\xff",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "byte 0xff at base64 character 40"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ",
		 SRE_AES_256_CM_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "62 characters, not a multiple of 4"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=",
		 SRE_AEAD_AES_128_GCM, SRE_ERR_BAD_PARAM, "not a multiple of 4"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw===",
		 SRE_AEAD_AES_128_GCM, SRE_ERR_BAD_PARAM, "ends in 3 '='"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG===",
		 SRE_AEAD_AES_128_GCM, SRE_ERR_BAD_PARAM, "ends in 3 '='"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFR==YXGBkaGw==",
		 SRE_AEAD_AES_128_GCM, SRE_ERR_BAD_PARAM,
		 "padding '=' at character 31 is followed by data"},
		{"inline:====", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "ends in 4 '='"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==",
		 SRE_AEAD_AES_128_GCM, SRE_ERR_BAD_PARAM, "padding bits are not zero"},
		{"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiv=",
		 SRE_AEAD_AES_256_GCM, SRE_ERR_BAD_PARAM, "padding bits are not zero"},
		/* lifetime */
		{"inline:" K30 "|", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "empty lifetime"},
		{"inline:" K30 "||1:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "empty lifetime"},
		{"inline:" K30 "|0", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime 0"},
		{"inline:" K30 "|00", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime has leading zeroes"},
		{"inline:" K30 "|01024", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime has leading zeroes"},
		{"inline:" K30 "|281474976710657", SRE_AES_CM_128_HMAC_SHA1_80,
		 SRE_ERR_BAD_PARAM, "lifetime 281474976710657 exceeds the SRTP maximum 2^48"},
		{"inline:" K30 "|99999999999999999999999999999999",
		 SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime 999999999999999999999999... exceeds"},
		{"inline:" K30 "|2^49", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime 2^49 exceeds the SRTP maximum 2^48"},
		{"inline:" K30 "|2^64", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "lifetime 2^64 exceeds"},
		{"inline:" K30 "|2^048", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "exponent has leading zeroes"},
		{"inline:" K30 "|2^", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "has no exponent"},
		{"inline:" K30 "|2^x", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "exponent after \"2^\" is not a decimal number"},
		{"inline:" K30 "|2^-1", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "is not a decimal number"},
		{"inline:" K30 "|3^20", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "neither a decimal number nor 2^N"},
		{"inline:" K30 "|-5", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "neither a decimal number nor 2^N"},
		{"inline:" K30 "| 20", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "neither a decimal number nor 2^N"},
		{"inline:" K30 "|0x100", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "neither a decimal number nor 2^N"},
		/* field order and count */
		{"inline:" K30 "|1:4|2^20", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "field 3 follows the MKI"},
		{"inline:" K30 "|1:4|", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "field 3 follows the MKI"},
		{"inline:" K30 "|2^20|2^10", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "field 3 is not <MKI>:<length>"},
		{"inline:" K30 "|2^20|1", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "field 3 is not <MKI>:<length>"},
		{"inline:" K30 "|2^20|1:4|x", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "more than 3 '|'-separated fields"},
		/* MKI length */
		{"inline:" K30 "|1:0", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 0 is outside RFC 4568's 1 to 128 bytes"},
		{"inline:" K30 "|1:5", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 5 bytes: SRTP Edge supports MKIs of 1 to 4 bytes"},
		{"inline:" K30 "|1:128", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 128 bytes: SRTP Edge supports"},
		{"inline:" K30 "|1:129", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 129 is outside RFC 4568's 1 to 128"},
		{"inline:" K30 "|1:1000", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 1000 is outside"},
		{"inline:" K30 "|1:99999999999999999999999", SRE_AES_CM_128_HMAC_SHA1_80,
		 SRE_ERR_MKI_LENGTH, "is outside RFC 4568's 1 to 128"},
		{"inline:" K30 "|1:04", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length has leading zeroes"},
		{"inline:" K30 "|1:", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI has no length after ':'"},
		{"inline:" K30 "|1:4:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length is not a decimal number"},
		{"inline:" K30 "|1:x", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length is not a decimal number"},
		/* MKI value */
		{"inline:" K30 "|:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI has no value before ':'"},
		{"inline:" K30 "|0:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI value 0"},
		{"inline:" K30 "|01:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI value has leading zeroes"},
		{"inline:" K30 "|a:4", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI value is not a decimal number"},
		{"inline:" K30 "|256:1", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI value 256 does not fit in 1 byte"},
		{"inline:" K30 "|65536:2", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "MKI value 65536 does not fit in 2 bytes"},
		{"inline:" K30 "|16777216:3", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_BAD_PARAM,
		 "does not fit in 3 bytes"},
		{"inline:" K30 "|4294967296:4", SRE_AES_CM_128_HMAC_SHA1_80,
		 SRE_ERR_BAD_PARAM, "MKI value 4294967296 does not fit in 4 bytes"},
		{"inline:" K30 "|18446744073709551616:4", SRE_AES_CM_128_HMAC_SHA1_80,
		 SRE_ERR_BAD_PARAM, "does not fit in 4 bytes"},
		{"inline:" K30 "|2^20|1:0", SRE_AES_CM_128_HMAC_SHA1_80, SRE_ERR_MKI_LENGTH,
		 "MKI length 0"},
		/* the suite */
		{"inline:" K30, SRE_SUITE_COUNT, SRE_ERR_BAD_PARAM, "unknown suite"},
		{"inline:" K30, (enum sre_suite)-1, SRE_ERR_BAD_PARAM, "unknown suite"},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		key_fails(cases[i].text, cases[i].suite, cases[i].status,
			  cases[i].words);
		UT_BAIL_IF_FAILING();
	}
}

static void test_key_param_accepts(void)
{
	/* RFC 4568 §4: field values are case-insensitive */
	static const char *const ok[] = {
		"INLINE:" K30, "Inline:" K30 "|2^20", "inline:" K30 "|2^0|255:1",
	};
	for (unsigned i = 0; i < 3; i++) {
		struct sre_sdes_key k;
		char err[BIG_ERR];

		ut_where("%s", ok[i]);
		UT_ST(sre_sdes_parse_key_param(ok[i], SRE_AES_CM_128_HMAC_SHA1_80,
					       &k, err, sizeof(err)),
		      SRE_OK);
	}
}

static void test_bad_arguments(void)
{
	struct sre_sdes_key k;
	struct sre_sdes_crypto c;
	char err[BIG_ERR];

	ut_where("NULL arguments");
	UT_ST(sre_sdes_parse_key_param(NULL, SRE_AES_CM_128_HMAC_SHA1_80, &k,
				       err, sizeof(err)),
	      SRE_ERR_BAD_PARAM);
	one_line(err);
	UT_ST(sre_sdes_parse_key_param("inline:" K30,
				       SRE_AES_CM_128_HMAC_SHA1_80, NULL, err,
				       sizeof(err)),
	      SRE_ERR_BAD_PARAM);
	one_line(err);
	UT_ST(sre_sdes_parse_crypto_attr(NULL, &c, err, sizeof(err)),
	      SRE_ERR_BAD_PARAM);
	one_line(err);
	UT_ST(sre_sdes_parse_crypto_attr("1 AES_CM_128_HMAC_SHA1_80 inline:" K30,
					 NULL, err, sizeof(err)),
	      SRE_ERR_BAD_PARAM);
	one_line(err);
	/* no message buffer: same answers */
	UT_ST(sre_sdes_parse_key_param("inline:" K30,
				       SRE_AES_CM_128_HMAC_SHA1_80, &k, NULL, 0),
	      SRE_OK);
	UT_ST(sre_sdes_parse_key_param("inline:x", SRE_AES_CM_128_HMAC_SHA1_80,
				       &k, NULL, 0),
	      SRE_ERR_BAD_PARAM);
	UT_ST(sre_sdes_parse_key_param("inline:x", SRE_AES_CM_128_HMAC_SHA1_80,
				       &k, NULL, 100),
	      SRE_ERR_BAD_PARAM);
	UT_ST(sre_sdes_parse_crypto_attr("1 X inline:x", &c, NULL, 0),
	      SRE_ERR_BAD_PARAM);
	err[0] = 'x';
	UT_ST(sre_sdes_parse_crypto_attr("1 X inline:x", &c, err, 0),
	      SRE_ERR_BAD_PARAM);
	UT_EQ(err[0], 'x');

	/* every errlen cuts the same message, always terminated */
	char full[BIG_ERR];
	const char *line = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30
			   "|2^20|1:4;inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=|2^20|2:4";
	UT_ST(sre_sdes_parse_crypto_attr(line, &c, full, sizeof(full)),
	      SRE_ERR_KEY_LENGTH);
	UT_STREQ(full, "key-param 2: base64 decodes to 29 bytes, "
		       "AES_CM_128_HMAC_SHA1_80 needs 30 (16-byte key + 14-byte salt)");
	for (size_t n = 1; n <= strlen(full) + 2; n++) {
		char small[BIG_ERR];

		ut_where("errlen %zu", n);
		memset(small, 'z', sizeof(small));
		UT_ST(sre_sdes_parse_crypto_attr(line, &c, small, n),
		      SRE_ERR_KEY_LENGTH);
		UT_TRUE(memchr(small, '\0', n) != NULL);
		UT_TRUE(strncmp(small, full, n - 1) == 0);
		UT_EQ(small[n], 'z');
	}
}

/* ---- crypto attributes ---- */

static void test_attr_forms(void)
{
	static const char *const forms[] = {
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4",
		"crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4",
		"7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4",
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4\r\n",
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4\n",
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4 \t ",
		"a=crypto:7\tAES_CM_128_HMAC_SHA1_80\tinline:" K30 "|2^20|1:4",
		"a=crypto:7   AES_CM_128_HMAC_SHA1_80 \t inline:" K30 "|2^20|1:4",
		"a=crypto:7 aes_cm_128_hmac_sha1_80 INLINE:" K30 "|2^20|1:4",
	};
	uint8_t seq[30];

	for (unsigned i = 0; i < sizeof(seq); i++)
		seq[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct sre_sdes_crypto c;

		if (attr_ok(forms[i], &c) != SRE_OK)
			continue;
		UT_EQ(c.tag, 7);
		UT_EQ(c.suite, SRE_AES_CM_128_HMAC_SHA1_80);
		UT_EQ(c.nkeys, 1);
		UT_MEMEQ(c.keys[0].key, seq, 16);
		UT_MEMEQ(c.keys[0].salt, seq + 16, 14);
		UT_EQ(c.keys[0].lifetime, 1u << 20);
		UT_MEMEQ(c.keys[0].mki, "\0\0\0\1", 4);
		UT_EQ(c.keys[0].mki_len, 4);
	}

	/* every suite by its RFC name, in upper and lower case */
	for (unsigned s = 0; s < NSUITE; s++) {
		for (int lower = 0; lower < 2; lower++) {
			char line[256], kp[160], name[64];
			struct sre_sdes_crypto c;

			snprintf(name, sizeof(name), "%s", sre_suite_name(s));
			for (char *p = name; lower && *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			key_param(kp, sizeof(kp), s, s, "");
			snprintf(line, sizeof(line), "a=crypto:%u %s %s", s + 1,
				 name, kp);
			if (attr_ok(line, &c) != SRE_OK)
				continue;
			UT_EQ(c.suite, s);
			UT_EQ(c.tag, s + 1);
			UT_EQ(c.nkeys, 1);
			check_key(&c.keys[0], s, s, 0, 0, 0);
		}
	}

	/* tags */
	struct sre_sdes_crypto c;
	if (attr_ok("a=crypto:999999999 AES_CM_128_HMAC_SHA1_80 inline:" K30, &c) == SRE_OK)
		UT_EQ(c.tag, 999999999);
	if (attr_ok("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30, &c) == SRE_OK)
		UT_EQ(c.tag, 1);
}

static void test_attr_errors(void)
{
	static const struct {
		const char *line;
		int status;
		const char *words;
	} cases[] = {
		{"", SRE_ERR_BAD_PARAM, "empty attribute"},
		{"a=crypto:", SRE_ERR_BAD_PARAM, "empty attribute"},
		{"a=crypto: \r\n", SRE_ERR_BAD_PARAM, "empty attribute"},
		{"a=fingerprint:sha-256 AB:CD", SRE_ERR_BAD_PARAM,
		 "not a crypto attribute"},
		{"a=crypto: 1 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "whitespace before the tag"},
		{"a=crypto:1", SRE_ERR_BAD_PARAM, "no crypto-suite after the tag"},
		{"a=crypto:1 ", SRE_ERR_BAD_PARAM, "no crypto-suite after the tag"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80", SRE_ERR_BAD_PARAM,
		 "no key-params after the crypto-suite"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80  \t", SRE_ERR_BAD_PARAM,
		 "no key-params"},
		/* tag */
		{"a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "tag 0"},
		{"a=crypto:01 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "tag has leading zeroes"},
		{"a=crypto:1000000000 AES_CM_128_HMAC_SHA1_80 inline:" K30,
		 SRE_ERR_BAD_PARAM, "tag is not a decimal number of 1 to 9 digits"},
		{"a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "tag is not a decimal number"},
		{"a=crypto:-1 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "tag is not a decimal number"},
		{"A=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "tag is not a decimal number"},
		{"a=CRYPTO:1 AES_CM_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "not a crypto attribute"},
		/* suite */
		{"a=crypto:1 F8_128_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "crypto-suite \"F8_128_HMAC_SHA1_80\" is not supported"},
		{"a=crypto:1 AES_192_CM_HMAC_SHA1_80 inline:" K30, SRE_ERR_BAD_PARAM,
		 "crypto-suite \"AES_192_CM_HMAC_SHA1_80\" is not supported"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80X inline:" K30, SRE_ERR_BAD_PARAM,
		 "\"AES_CM_128_HMAC_SHA1_80X\" is not supported"},
		{"a=crypto:1 SRTP_AES128_CM_HMAC_SHA1_80_EXTRA_LONG_NAME inline:" K30,
		 SRE_ERR_BAD_PARAM, "crypto-suite (a 43-character name) is not supported"},
		{"a=crypto:1 AES-CM-128 inline:" K30, SRE_ERR_BAD_PARAM,
		 "crypto-suite is not a name of letters, digits and '_'"},
		{"a=crypto:1 inline:" K30, SRE_ERR_BAD_PARAM,
		 "crypto-suite is not a name of letters"},
		/* characters */
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\x01", SRE_ERR_BAD_PARAM,
		 "byte 0x01 at character 83"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\ninline:" K30, SRE_ERR_BAD_PARAM,
		 "byte 0x0d at character 35"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " \x80", SRE_ERR_BAD_PARAM,
		 "byte 0x80"},
		/* key-params */
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 url:" K30, SRE_ERR_BAD_PARAM,
		 "key-param 1: key method \"url\" is not supported"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4;", SRE_ERR_BAD_PARAM,
		 "key-param 2: empty"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 ;inline:" K30, SRE_ERR_BAD_PARAM,
		 "key-param 1: empty"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K28, SRE_ERR_KEY_LENGTH,
		 "key-param 1: base64 decodes to 28 bytes, AES_CM_128_HMAC_SHA1_80 needs 30"},
		{"a=crypto:1 AEAD_AES_256_GCM inline:" K46, SRE_ERR_KEY_LENGTH,
		 "key-param 1: base64 decodes to 46 bytes, AEAD_AES_256_GCM needs 44 (32-byte key + 12-byte salt)"},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:5",
		 SRE_ERR_MKI_LENGTH, "key-param 1: MKI length 5 bytes"},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		attr_fails(cases[i].line, cases[i].status, cases[i].words);
		UT_BAIL_IF_FAILING();
	}
}

/* ---- several keys ---- */

static void test_several_keys(void)
{
	for (unsigned mki_len = 1; mki_len <= SRE_MAX_MKI_LEN; mki_len++) {
		for (unsigned n = 1; n <= SRE_MAX_KEYS; n++) {
			char line[1024], kp[160], extra[32];
			struct sre_sdes_crypto c;
			int o = snprintf(line, sizeof(line),
					 "a=crypto:3 AES_256_CM_HMAC_SHA1_80 ");

			for (unsigned i = 0; i < n; i++) {
				/* the largest MKI of the length, then smaller */
				uint64_t mki = ((UINT64_C(1) << (8 * mki_len)) - 1) - i;
				snprintf(extra, sizeof(extra), "|2^%u|%llu:%u", 30 + i,
					 (unsigned long long)mki, mki_len);
				key_param(kp, sizeof(kp), SRE_AES_256_CM_HMAC_SHA1_80,
					  10 + i, extra);
				o += snprintf(line + o, sizeof(line) - (size_t)o,
					      "%s%s", i ? ";" : "", kp);
			}
			if (attr_ok(line, &c) != SRE_OK)
				continue;
			UT_EQ(c.nkeys, n);
			for (unsigned i = 0; i < n; i++)
				check_key(&c.keys[i], SRE_AES_256_CM_HMAC_SHA1_80,
					  10 + i, UINT64_C(1) << (30 + i),
					  ((UINT64_C(1) << (8 * mki_len)) - 1) - i,
					  mki_len);
			for (unsigned i = n; i < SRE_MAX_KEYS; i++)
				UT_TRUE(all_zero(&c.keys[i], sizeof(c.keys[i])));
		}
	}

	/* one key without MKI is fine alone */
	struct sre_sdes_crypto c;
	if (attr_ok("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30, &c) == SRE_OK) {
		UT_EQ(c.nkeys, 1);
		UT_EQ(c.keys[0].mki_len, 0);
	}

	char k1[160], k2[160], k3[160], k4[160], k5[160], k2b[160], line[1024];
	key_param(k1, sizeof(k1), SRE_AEAD_AES_128_GCM, 1, "|1:2");
	key_param(k2, sizeof(k2), SRE_AEAD_AES_128_GCM, 2, "|2:2");
	key_param(k3, sizeof(k3), SRE_AEAD_AES_128_GCM, 3, "|3:2");
	key_param(k4, sizeof(k4), SRE_AEAD_AES_128_GCM, 4, "|4:2");
	key_param(k5, sizeof(k5), SRE_AEAD_AES_128_GCM, 5, "|5:2");
	key_param(k2b, sizeof(k2b), SRE_AEAD_AES_128_GCM, 2, "");

	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s;%s;%s;%s",
		 k1, k2, k3, k4, k5);
	attr_fails(line, SRE_ERR_TOO_MANY_KEYS,
		   "more than 4 key-params: SRTP Edge keeps at most 4");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s", k1, k2b);
	attr_fails(line, SRE_ERR_MKI_LENGTH,
		   "key-param 2 has no MKI: with several keys, every key needs one");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s", k2b, k1);
	attr_fails(line, SRE_ERR_MKI_LENGTH, "key-param 1 has no MKI");

	char m1[160];
	key_param(m1, sizeof(m1), SRE_AEAD_AES_128_GCM, 6, "|6:1");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s;%s", k1, k2, m1);
	attr_fails(line, SRE_ERR_MKI_LENGTH,
		   "key-param 3 has a 1-byte MKI, key-param 1 a 2-byte one");

	char dup_mki[160];
	key_param(dup_mki, sizeof(dup_mki), SRE_AEAD_AES_128_GCM, 7, "|2^10|1:2");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s;%s", k1, k2, dup_mki);
	attr_fails(line, SRE_ERR_MKI_DUPLICATE, "key-params 1 and 3 have the same MKI");

	char dup_key[160];
	key_param(dup_key, sizeof(dup_key), SRE_AEAD_AES_128_GCM, 2, "|9:2");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s;%s", k1, k2, dup_key);
	attr_fails(line, SRE_ERR_BAD_PARAM,
		   "key-params 2 and 3 carry the same master key");

	/* an error in a later key names that key */
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;%s;%s|2^49|3:2",
		 k1, k2, "inline:" K28);
	attr_fails(line, SRE_ERR_BAD_PARAM, "key-param 3: lifetime 2^49 exceeds");
	snprintf(line, sizeof(line), "a=crypto:1 AEAD_AES_128_GCM %s;;%s", k1, k2);
	attr_fails(line, SRE_ERR_BAD_PARAM, "key-param 2: empty");
}

/* ---- session parameters ---- */

static void test_session_params(void)
{
	static const struct {
		const char *params;
		uint64_t kdr;
		uint32_t wsh;
		unsigned flags;
	} ok[] = {
		{"", 0, 0, 0},
		{"KDR=0", 0, 0, SRE_SDES_KDR},
		{"KDR=1", 2, 0, SRE_SDES_KDR},
		{"KDR=16", 1u << 16, 0, SRE_SDES_KDR},
		{"KDR=24", 1u << 24, 0, SRE_SDES_KDR},
		{"kdr=3", 8, 0, SRE_SDES_KDR},
		{"UNENCRYPTED_SRTP", 0, 0, SRE_SDES_UNENCRYPTED_SRTP},
		{"UNENCRYPTED_SRTCP", 0, 0, SRE_SDES_UNENCRYPTED_SRTCP},
		{"UNAUTHENTICATED_SRTP", 0, 0, SRE_SDES_UNAUTHENTICATED_SRTP},
		{"unencrypted_srtcp UNENCRYPTED_SRTCP", 0, 0, SRE_SDES_UNENCRYPTED_SRTCP},
		{"UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP", 0, 0,
		 SRE_SDES_UNENCRYPTED_SRTP | SRE_SDES_UNENCRYPTED_SRTCP |
			 SRE_SDES_UNAUTHENTICATED_SRTP},
		{"FEC_ORDER=FEC_SRTP", 0, 0, 0},
		{"FEC_ORDER=SRTP_FEC", 0, 0, SRE_SDES_FEC_SRTP_FEC},
		{"fec_order=srtp_fec", 0, 0, SRE_SDES_FEC_SRTP_FEC},
		{"FEC_KEY=inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", 0, 0,
		 SRE_SDES_FEC_KEY},
		{"FEC_KEY=inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4;"
		 "inline:CAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|2:4",
		 0, 0, SRE_SDES_FEC_KEY},
		{"WSH=64", 0, 64, 0},
		{"WSH=1024", 0, 1024, 0},
		{"WSH=4294967295", 0, 4294967295u, 0},
		/* RFC 4568 §6.3.7: '-' marks parameters that may be ignored */
		{"-FOO", 0, 0, 0},
		{"-X=1 -Y -", 0, 0, 0},
		{"KDR=0 WSH=256 UNENCRYPTED_SRTCP -EXT=5 FEC_ORDER=FEC_SRTP", 0, 256,
		 SRE_SDES_KDR | SRE_SDES_UNENCRYPTED_SRTCP},
		{"\tWSH=128\t\tKDR=10  ", 1u << 10, 128, SRE_SDES_KDR},
	};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char line[512];
		struct sre_sdes_crypto c;

		snprintf(line, sizeof(line),
			 "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" K30 "|2^31 %s",
			 ok[i].params);
		if (attr_ok(line, &c) != SRE_OK)
			continue;
		UT_EQ(c.kdr, ok[i].kdr);
		UT_EQ(c.wsh, ok[i].wsh);
		UT_EQ(c.flags, ok[i].flags);
		UT_EQ(c.nkeys, 1);
		UT_EQ(c.keys[0].lifetime, UINT64_C(1) << 31);
	}

	static const struct {
		const char *params;
		int status;
		const char *words;
	} bad[] = {
		{"KDR=25", SRE_ERR_BAD_PARAM,
		 "session parameter 1: KDR=25 is out of range: the rate is 2^n with n 0 to 24"},
		{"KDR=100", SRE_ERR_BAD_PARAM, "KDR=100 is out of range"},
		{"KDR=01", SRE_ERR_BAD_PARAM, "KDR value has leading zeroes"},
		{"KDR=", SRE_ERR_BAD_PARAM, "KDR value is not a decimal number"},
		{"KDR=x", SRE_ERR_BAD_PARAM, "KDR value is not a decimal number"},
		{"KDR=-1", SRE_ERR_BAD_PARAM, "KDR value is not a decimal number"},
		{"KDR=2^4", SRE_ERR_BAD_PARAM, "KDR value is not a decimal number"},
		{"KDR=0 KDR=0", SRE_ERR_BAD_PARAM, "session parameter 2: KDR given twice"},
		{"FEC_ORDER=FEC", SRE_ERR_BAD_PARAM,
		 "FEC_ORDER is neither FEC_SRTP nor SRTP_FEC"},
		{"FEC_ORDER=", SRE_ERR_BAD_PARAM, "FEC_ORDER is neither"},
		{"FEC_ORDER=FEC_SRTP FEC_ORDER=FEC_SRTP", SRE_ERR_BAD_PARAM,
		 "FEC_ORDER given twice"},
		{"FEC_KEY=", SRE_ERR_BAD_PARAM, "FEC_KEY has no key-params"},
		{"FEC_KEY=inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=",
		 SRE_ERR_KEY_LENGTH,
		 "session parameter 1: FEC_KEY key-param 1: base64 decodes to 29 bytes"},
		{"FEC_KEY=inline:" K28 "|1:7", SRE_ERR_MKI_LENGTH,
		 "FEC_KEY key-param 1: MKI length 7 bytes"},
		{"FEC_KEY=inline:" K28 ";inline:" K28, SRE_ERR_MKI_LENGTH,
		 "FEC_KEY key-param 1 has no MKI"},
		{"FEC_KEY=inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw== FEC_KEY=inline:CAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==", SRE_ERR_BAD_PARAM,
		 "FEC_KEY given twice"},
		{"FEC_KEY=inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==|1:1;inline:" K28 "|2:1",
		 SRE_ERR_BAD_PARAM,
		 "session parameter 1: FEC_KEY key-param 2 repeats the master key of key-param 1"},
		{"WSH=63", SRE_ERR_BAD_PARAM, "WSH=63 is below the minimum window of 64"},
		{"WSH=0", SRE_ERR_BAD_PARAM, "WSH=0 is below the minimum"},
		{"WSH=064", SRE_ERR_BAD_PARAM, "WSH value has leading zeroes"},
		{"WSH=4294967296", SRE_ERR_BAD_PARAM, "WSH=4294967296 is larger than 2^32-1"},
		{"WSH=", SRE_ERR_BAD_PARAM, "WSH value is not a decimal number"},
		{"WSH=1k", SRE_ERR_BAD_PARAM, "WSH value is not a decimal number"},
		{"WSH=64 WSH=64", SRE_ERR_BAD_PARAM, "WSH given twice"},
		{"FOO", SRE_ERR_BAD_PARAM,
		 "session parameter 1: unknown parameter \"FOO\" without '-' prefix: "
		 "the attribute is invalid (RFC 4568 §6.3.7)"},
		{"UNENCRYPTED_SRTP FOO=1", SRE_ERR_BAD_PARAM,
		 "session parameter 2: unknown parameter \"FOO\""},
		{"UNENCRYPTED_SRTP=1", SRE_ERR_BAD_PARAM,
		 "unknown parameter \"UNENCRYPTED_SRTP\""},
		{"UNENCRYPTED", SRE_ERR_BAD_PARAM, "unknown parameter \"UNENCRYPTED\""},
		{"LIFETIME=2^20", SRE_ERR_BAD_PARAM, "unknown parameter \"LIFETIME\""},
		{"A_VERY_LONG_PARAMETER_NAME_INDEED", SRE_ERR_BAD_PARAM,
		 "unknown parameter (not shown)"},
		/* a second key after a blank instead of ';': never quoted */
		{"inline:" K28, SRE_ERR_BAD_PARAM, "unknown parameter (not shown)"},
		{K30, SRE_ERR_BAD_PARAM, "unknown parameter (not shown)"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[512], err[BIG_ERR];
		struct sre_sdes_crypto c;

		snprintf(line, sizeof(line),
			 "a=crypto:2 AEAD_AES_128_GCM inline:" K28 " %s",
			 bad[i].params);
		attr_fails(line, bad[i].status, bad[i].words);
		sre_sdes_parse_crypto_attr(line, &c, err, sizeof(err));
		no_key_text(err, K28);
		no_key_text(err, K30);
		UT_BAIL_IF_FAILING();
	}
}

static void test_kdr_reaches_policy(void)
{
	/* the caller copies kdr into the policy; crypto/ refuses all but 0 */
	static const struct {
		const char *param;
		int status;
	} cases[] = {
		{"", SRE_OK},
		{" KDR=0", SRE_OK},
		{" KDR=1", SRE_ERR_KDR_UNSUPPORTED},
		{" KDR=12", SRE_ERR_KDR_UNSUPPORTED},
		{" KDR=24", SRE_ERR_KDR_UNSUPPORTED},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[256];
		struct sre_sdes_crypto c;
		struct sre_policy pol;
		struct sre_ctx *ctx = NULL;

		snprintf(line, sizeof(line),
			 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "%s",
			 cases[i].param);
		if (attr_ok(line, &c) != SRE_OK)
			continue;
		sre_policy_init(&pol, c.suite, SRE_INBOUND);
		pol.kdr = c.kdr;
		UT_ST(sre_ctx_create(&pol, NULL, &ctx), cases[i].status);
		sre_ctx_destroy(ctx);
	}
}

/* ---- parsed keys carry traffic ---- */

static void test_parsed_keys_carry_traffic(void)
{
	struct sre_engine *e = test_engine();

	for (unsigned s = 0; s < NSUITE; s++) {
		char line[1024], k1[160], k2[160];
		struct sre_sdes_crypto c;

		/* seeds 4 and 5: ut_add_key's bytes for those seeds */
		key_param(k1, sizeof(k1), s, 4, "|2^31|258:2");
		key_param(k2, sizeof(k2), s, 5, "|772:2");
		snprintf(line, sizeof(line), "a=crypto:9 %s %s;%s UNENCRYPTED_SRTCP",
			 sre_suite_name(s), k1, k2);
		if (attr_ok(line, &c) != SRE_OK)
			continue;
		UT_EQ(c.nkeys, 2);

		struct sre_policy pol;
		sre_policy_init(&pol, c.suite, SRE_OUTBOUND);
		pol.mki_len = c.keys[0].mki_len;
		pol.kdr = c.kdr;
		pol.rtcp_unencrypted = !!(c.flags & SRE_SDES_UNENCRYPTED_SRTCP);
		struct sre_ctx *parsed = ut_ctx_policy(&pol);
		struct sre_ctx *direct = ut_ctx_policy(&pol);
		pol.direction = SRE_INBOUND;
		struct sre_ctx *in = ut_ctx_policy(&pol);
		for (unsigned i = 0; i < c.nkeys; i++) {
			const struct sre_sdes_key *k = &c.keys[i];
			UT_ST(sre_ctx_add_key(e, parsed, k->key, k->key_len,
					      k->salt, k->salt_len, k->mki),
			      SRE_OK);
			UT_ST(sre_ctx_add_key(e, in, k->key, k->key_len, k->salt,
					      k->salt_len, k->mki),
			      SRE_OK);
			UT_ST(ut_add_key(e, direct, 4 + i, k->mki), SRE_OK);
		}

		for (unsigned i = 0; i < c.nkeys; i++) {
			struct sre_stream tp, td, rx;
			ut_where("%s, key %u", sre_suite_name(s), i + 1);
			UT_ST(sre_ctx_set_active_key(parsed, c.keys[i].mki), SRE_OK);
			UT_ST(sre_ctx_set_active_key(direct, c.keys[i].mki), SRE_OK);
			ut_stream(&tp, parsed, UT_SSRC);
			ut_stream(&td, direct, UT_SSRC);
			ut_stream(&rx, in, UT_SSRC);
			for (int kind = 0; kind < 2; kind++) {
				uint8_t a[UT_BUF], b[UT_BUF], plain[UT_BUF];
				uint32_t la, lb, lp;

				lp = kind ? (uint32_t)test_build_rtcp(plain, UT_SSRC, 4, 9)
					  : (uint32_t)test_build_rtp(plain, UT_SSRC, 77, 0,
								     0, -1, 100);
				memcpy(a, plain, lp);
				memcpy(b, plain, lp);
				la = lb = lp;
				UT_ST(ut_protect(e, &tp, (enum sre_kind)kind, a, &la,
						 UT_BUF),
				      SRE_OK);
				UT_ST(ut_protect(e, &td, (enum sre_kind)kind, b, &lb,
						 UT_BUF),
				      SRE_OK);
				/* parsed bytes are the intended bytes */
				UT_EQ(la, lb);
				UT_MEMEQ(a, b, la);
				/* the packet names its key by the parsed MKI */
				struct ut_layout lay = ut_layout(s, c.keys[i].mki_len,
								 (enum sre_kind)kind, la);
				UT_MEMEQ(a + lay.mki_off, c.keys[i].mki,
					 c.keys[i].mki_len);
				UT_ST(ut_unprotect(e, &rx, (enum sre_kind)kind, a, &la),
				      SRE_OK);
				UT_EQ(la, lp);
				UT_MEMEQ(a, plain, lp);
			}
			ut_stream_fini(&tp);
			ut_stream_fini(&td);
			ut_stream_fini(&rx);
		}
		sre_ctx_destroy(parsed);
		sre_ctx_destroy(direct);
		sre_ctx_destroy(in);
		explicit_bzero(&c, sizeof(c));
	}
}

/* ---- robustness ---- */

/* Parses with outputs pre-filled two ways and with and without a message
 * buffer: the answers must agree, and hold what the API promises. */
static int parse_twice(const char *line, bool *consistent)
{
	struct sre_sdes_crypto a, b;
	char ea[BIG_ERR], eb[BIG_ERR];

	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	int ra = sre_sdes_parse_crypto_attr(line, &a, ea, sizeof(ea));
	int rb = sre_sdes_parse_crypto_attr(line, &b, eb, sizeof(eb));
	int rn = sre_sdes_parse_crypto_attr(line, &b, NULL, 0);

	*consistent = ra == rb && rb == rn && strcmp(ea, eb) == 0 &&
		      memcmp(&a, &b, sizeof(a)) == 0;
	if (!UT_TRUE(*consistent))
		return ra;
	UT_TRUE(ra >= 0 && ra < SRE_STATUS_COUNT);
	if (ra != SRE_OK) {
		UT_TRUE(all_zero(&a, sizeof(a)));
		one_line(ea);
		no_key_text(ea, K30);
		no_key_text(ea, K28);
		no_key_text(ea, K46);
		return ra;
	}
	UT_STREQ(ea, "");
	UT_TRUE(a.tag >= 1 && a.tag <= 999999999);
	UT_TRUE((unsigned)a.suite < SRE_SUITE_COUNT);
	UT_TRUE(a.nkeys >= 1 && a.nkeys <= SRE_MAX_KEYS);
	UT_TRUE(a.wsh == 0 || a.wsh >= 64);
	UT_TRUE(a.kdr <= (1u << 24) && (a.kdr & (a.kdr - 1)) == 0 && a.kdr != 1);
	for (unsigned i = 0; i < a.nkeys && i < SRE_MAX_KEYS; i++) {
		const struct sre_sdes_key *k = &a.keys[i];
		UT_EQ(k->key_len, sre_suite_master_key_len(a.suite));
		UT_EQ(k->salt_len, sre_suite_master_salt_len(a.suite));
		UT_TRUE(k->lifetime <= SRE_SDES_MAX_LIFETIME);
		UT_TRUE(k->mki_len <= SRE_MAX_MKI_LEN);
		if (a.nkeys > 1)
			UT_TRUE(k->mki_len == a.keys[0].mki_len && k->mki_len > 0);
	}
	return ra;
}

/* Exactly sized heap copy, so ASan sees any read past the terminator. */
static char *heap_copy(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

#define PICK(rng, arr) ((arr)[ut_rand(rng) % (sizeof(arr) / sizeof((arr)[0]))])

/* Each part of a generated line is wrong with probability 1/24. */
static bool wrong(uint64_t *rng)
{
	return ut_rand(rng) % 24 == 0;
}

/* A line by the grammar, each part mostly right and sometimes not. */
static void grammar_line(uint64_t *rng, char *out, size_t cap)
{
	static const char *const prefixes[] = {"a=crypto:", "a=crypto:", "crypto:", ""};
	static const char *const bad_tags[] = {"0", "01", "1000000000", "x", ""};
	static const char *const blanks[] = {" ", " ", " ", "\t", "  \t"};
	static const char *const bad_blanks[] = {"", ";", "|", "\r\n"};
	static const char *const lifetimes[] = {
		"", "", "", "|2^20", "|2^48", "|1", "|1000", "|2^31",
		"|281474976710656",
	};
	static const char *const bad_lifetimes[] = {
		"|2^49", "|0", "|", "|2^", "|281474976710657", "|x", "|2^020",
	};
	static const unsigned mki_lens[] = {1, 2, 3, 4};
	static const unsigned bad_mki_lens[] = {0, 5, 128, 129};
	static const char *const params[] = {
		"KDR=0", "KDR=1", "KDR=24", "WSH=64", "WSH=1024", "-ext", "-",
		"UNENCRYPTED_SRTCP", "UNENCRYPTED_SRTP", "UNAUTHENTICATED_SRTP",
		"FEC_ORDER=SRTP_FEC", "FEC_ORDER=FEC_SRTP",
	};
	static const char *const bad_params[] = {
		"KDR=25", "WSH=63", "FEC_ORDER=x", "FOO", "FEC_KEY=inline:" K30,
		"FEC_KEY=inline:" K28, "KDR=0", "WSH=64",
	};
	enum sre_suite s = (enum sre_suite)(ut_rand(rng) % NSUITE);
	size_t o = 0;
	uint8_t ks[64];
	char text[128];

#define PUT(...)                                                             \
	do {                                                                 \
		int put_ = snprintf(out + o, cap - o, __VA_ARGS__);          \
		CU_ASSERT_FATAL(put_ >= 0 && (size_t)put_ < cap - o);        \
		o += (size_t)put_;                                           \
	} while (0)
#define PART(good, bad) (wrong(rng) ? PICK(rng, bad) : PICK(rng, good))

	PUT("%s", PICK(rng, prefixes));
	if (wrong(rng))
		PUT("%s", PICK(rng, bad_tags));
	else
		PUT("%u", 1 + (unsigned)(ut_rand(rng) % 999999999));
	PUT("%s", PART(blanks, bad_blanks));
	if (wrong(rng))
		PUT("%s", ut_rand(rng) % 2 ? "F8_128_HMAC_SHA1_80"
					   : sre_suite_name((enum sre_suite)(
						     ut_rand(rng) % NSUITE)));
	else
		PUT("%s", sre_suite_name(s));
	PUT("%s", PART(blanks, bad_blanks));

	unsigned nkeys = wrong(rng) ? 5 : 1 + (unsigned)(ut_rand(rng) % 4);
	unsigned mki_len = nkeys == 1 && ut_rand(rng) % 2 ? 0
						       : PART(mki_lens, bad_mki_lens);
	uint64_t mki_base = ut_rand(rng);
	for (unsigned k = 0; k < nkeys; k++) {
		size_t n = ks_len(s);
		if (wrong(rng))
			n += ut_rand(rng) % 2 ? 1 : (size_t)-1;
		for (size_t i = 0; i < n; i++)
			ks[i] = (uint8_t)ut_rand(rng);
		b64(ks, n, text);
		PUT("%s%s%s%s", k ? ";" : "", wrong(rng) ? "url:" : "inline:",
		    text, PART(lifetimes, bad_lifetimes));
		if (mki_len == 0)
			continue;
		unsigned len = wrong(rng) ? PICK(rng, bad_mki_lens) : mki_len;
		uint64_t max = len >= 8 ? UINT64_MAX
			       : len == 0 ? 1 : (UINT64_C(1) << (8 * len)) - 1;
		uint64_t v = wrong(rng) ? mki_base : 1 + (mki_base + k) % max;
		PUT("|%llu:%u", (unsigned long long)v, len);
	}
	for (unsigned p = (unsigned)(ut_rand(rng) % 4); p > 0; p--)
		PUT(" %s", PART(params, bad_params));
	if (wrong(rng) && o > 0)
		out[ut_rand(rng) % o] = (char)(1 + ut_rand(rng) % 255);
#undef PART
#undef PUT
}

static void test_random_text(void)
{
	static const char *const pieces[] = {
		"a=crypto:", "crypto:", "1", "7", "0", "999999999", "1000000000",
		" ", " ", " ", "\t", "\r\n", "AES_CM_128_HMAC_SHA1_80",
		"AES_256_CM_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM",
		"NULL_HMAC_SHA1_80", "F8_128_HMAC_SHA1_80", "inline:", "inline:",
		"url:", K30, K30, K28, K46, "AAAA", "=", "==", "|", "|", "2^", "20",
		"48", "49", ":", "1", "4", "5", "128", ";", ";", "KDR=", "WSH=",
		"64", "FEC_KEY=", "FEC_ORDER=", "SRTP_FEC", "UNENCRYPTED_SRTCP",
		"-", "-X", "x", "\x01", "\xff", "18446744073709551616", "00",
	};
	uint64_t rng = 0x5d3e5;
	unsigned ok = 0, failed = 0, key_ok = 0;

	for (unsigned iter = 0; iter < 100000; iter++) {
		char line[4096];
		size_t n = 0;
		bool consistent;

		if (iter % 2) {
			grammar_line(&rng, line, sizeof(line));
			n = strlen(line);
		} else {
			/* a soup of grammar pieces and random bytes */
			unsigned np = 1 + (unsigned)(ut_rand(&rng) % 14);
			for (unsigned i = 0; i < np; i++) {
				char one[2] = {0, 0};
				const char *p = one;
				uint64_t r = ut_rand(&rng);

				if (r % 8 == 0)
					one[0] = (char)(1 + (r >> 8) % 255);
				else
					p = PICK(&rng, pieces);
				size_t l = strlen(p);
				memcpy(line + n, p, l);
				n += l;
			}
			line[n] = '\0';
		}
		char *h = heap_copy(line, n);
		ut_where("random line %u: \"%s\"", iter, h);
		if (parse_twice(h, &consistent) == SRE_OK)
			ok++;
		else
			failed++;

		/* the key-param parser on the line's first key-param */
		const char *kp = strstr(h, "inline:");
		if (kp != NULL) {
			struct sre_sdes_key k1, k2;
			char e1[BIG_ERR], e2[BIG_ERR];
			size_t kn = strcspn(kp, " \t;");
			char *one = heap_copy(kp, kn);
			/* the suite whose lengths fit, most of the time */
			enum sre_suite s = (enum sre_suite)(ut_rand(&rng) % NSUITE);
			for (unsigned t = 0; t < NSUITE && ut_rand(&rng) % 8; t++)
				if (sre_sdes_parse_key_param(one, (enum sre_suite)t,
							     &k1, NULL, 0) !=
				    SRE_ERR_KEY_LENGTH)
					s = (enum sre_suite)t;

			memset(&k2, 0xee, sizeof(k2));
			int r1 = sre_sdes_parse_key_param(one, s, &k1, e1, sizeof(e1));
			int r2 = sre_sdes_parse_key_param(one, s, &k2, e2, sizeof(e2));
			UT_EQ(r1, r2);
			UT_TRUE(strcmp(e1, e2) == 0);
			UT_TRUE(memcmp(&k1, &k2, sizeof(k1)) == 0);
			if (r1 != SRE_OK) {
				UT_TRUE(all_zero(&k1, sizeof(k1)));
				one_line(e1);
			} else {
				key_ok++;
				UT_EQ(k1.key_len, sre_suite_master_key_len(s));
				UT_TRUE(k1.mki_len <= SRE_MAX_MKI_LEN);
				UT_TRUE(k1.lifetime <= SRE_SDES_MAX_LIFETIME);
			}
			free(one);
		}
		free(h);
		UT_BAIL_IF_FAILING();
	}
	/* the generators reach both outcomes, often */
	UT_TRUE(ok > 10000);
	UT_TRUE(failed > 10000);
	UT_TRUE(key_ok > 10000);
	printf("(%u lines parsed, %u refused, %u key-params parsed) ", ok,
	       failed, key_ok);
}

static void test_mutations(void)
{
	static const char *const valid[] = {
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4",
		"a=crypto:12 AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=|2^31|1:1;"
		"inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=|2:1 KDR=0 WSH=128 -X",
		"a=crypto:3 AES_256_CM_HMAC_SHA1_32 inline:" K46 "|1066:4 UNENCRYPTED_SRTCP "
		"FEC_KEY=inline:BAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLg==",
	};
	static const char subst[] = " |:;=^0129Ax-/+\t\x7f";
	unsigned cases = 0;

	for (unsigned v = 0; v < sizeof(valid) / sizeof(valid[0]); v++) {
		size_t n = strlen(valid[v]);
		bool consistent;
		char buf[512];

		ut_where("valid line %u", v);
		UT_ST(parse_twice(valid[v], &consistent), SRE_OK);
		for (size_t pos = 0; pos <= n; pos++) {
			/* every prefix */
			char *h = heap_copy(valid[v], pos);
			ut_where("line %u cut at %zu", v, pos);
			parse_twice(h, &consistent);
			free(h);
			if (pos == n)
				break;
			/* deleted character */
			memcpy(buf, valid[v], pos);
			memcpy(buf + pos, valid[v] + pos + 1, n - pos);
			h = heap_copy(buf, n - 1);
			ut_where("line %u without character %zu", v, pos);
			parse_twice(h, &consistent);
			free(h);
			for (size_t c = 0; c < sizeof(subst) - 1; c++) {
				/* replaced, then inserted */
				memcpy(buf, valid[v], n + 1);
				buf[pos] = subst[c];
				h = heap_copy(buf, n);
				ut_where("line %u, character %zu -> 0x%02x", v, pos,
					 (unsigned char)subst[c]);
				parse_twice(h, &consistent);
				free(h);
				memcpy(buf, valid[v], pos);
				buf[pos] = subst[c];
				memcpy(buf + pos + 1, valid[v] + pos, n - pos + 1);
				h = heap_copy(buf, n + 1);
				ut_where("line %u, 0x%02x inserted at %zu", v,
					 (unsigned char)subst[c], pos);
				parse_twice(h, &consistent);
				free(h);
				cases += 2;
			}
			UT_BAIL_IF_FAILING();
		}
	}
	UT_TRUE(cases > 1000);
}

static void test_very_long_input(void)
{
	const size_t big = 1 << 20;
	char *s = malloc(big + 256);
	char err[BIG_ERR];
	struct sre_sdes_crypto c;
	struct sre_sdes_key k;
	bool consistent;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);

	/* a megabyte of base64 */
	memcpy(s, "inline:", 7);
	memset(s + 7, 'A', big);
	s[7 + big] = '\0';
	ut_where("1 MiB key");
	UT_ST(sre_sdes_parse_key_param(s, SRE_AES_CM_128_HMAC_SHA1_80, &k, err,
				       sizeof(err)),
	      SRE_ERR_KEY_LENGTH);
	UT_HAS(err, "base64 decodes to 786432 bytes");
	one_line(err);

	/* a megabyte of digits as lifetime, MKI value, MKI length, tag */
	static const char *const heads[] = {
		"inline:" K30 "|", "inline:" K30 "|1:", "inline:" K30 "|",
	};
	static const char *const tails[] = {"", "", ":4"};
	static const char *const words[] = {
		"lifetime 999999999999999999999999... exceeds",
		"MKI length 999999999999999999999999... is outside",
		"MKI value 999999999999999999999999... does not fit",
	};
	static const int want[] = {SRE_ERR_BAD_PARAM, SRE_ERR_MKI_LENGTH,
				   SRE_ERR_BAD_PARAM};
	for (unsigned i = 0; i < 3; i++) {
		size_t h = strlen(heads[i]);
		memcpy(s, heads[i], h);
		memset(s + h, '9', big);
		strcpy(s + h + big, tails[i]);
		ut_where("1 MiB of digits, case %u", i);
		UT_ST(sre_sdes_parse_key_param(s, SRE_AES_CM_128_HMAC_SHA1_80,
					       &k, err, sizeof(err)),
		      want[i]);
		UT_HAS(err, words[i]);
		one_line(err);
	}

	memset(s, '7', big);
	strcpy(s + big, " AES_CM_128_HMAC_SHA1_80 inline:" K30);
	ut_where("1 MiB tag");
	UT_ST(sre_sdes_parse_crypto_attr(s, &c, err, sizeof(err)), SRE_ERR_BAD_PARAM);
	UT_HAS(err, "tag is not a decimal number");

	/* a megabyte of blanks, of ignorable parameters, of one parameter */
	size_t o = (size_t)sprintf(s, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30);
	memset(s + o, ' ', big - o);
	strcpy(s + big, "KDR=0");
	ut_where("1 MiB of blanks");
	UT_ST(parse_twice(s, &consistent), SRE_OK);
	for (size_t i = o; i + 3 <= big; i += 3)
		memcpy(s + i, " -x", 3);
	ut_where("1 MiB of ignorable parameters");
	UT_ST(parse_twice(s, &consistent), SRE_OK);
	memset(s + o + 1, 'Q', big - o - 1);
	ut_where("1 MiB parameter");
	UT_ST(parse_twice(s, &consistent), SRE_ERR_BAD_PARAM);

	/* a megabyte of key-params */
	o = (size_t)sprintf(s, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 ");
	for (size_t i = o; i + 1 <= big; i++)
		s[i] = ';';
	s[big] = '\0';
	ut_where("1 MiB of ';'");
	UT_ST(parse_twice(s, &consistent), SRE_ERR_BAD_PARAM);
	free(s);
}

static CU_TestInfo key_tests[] = {
	{"rfc4568_examples", test_rfc4568_examples},
	{"fixed_vectors", test_fixed_vectors},
	{"every_suite_round_trip", test_every_suite_round_trip},
	{"key_length_per_suite", test_key_length_per_suite},
	{"key_param_errors", test_key_param_errors},
	{"key_param_accepts", test_key_param_accepts},
	{"bad_arguments", test_bad_arguments},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo attr_tests[] = {
	{"attr_forms", test_attr_forms},
	{"attr_errors", test_attr_errors},
	{"several_keys", test_several_keys},
	{"session_params", test_session_params},
	{"kdr_reaches_policy", test_kdr_reaches_policy},
	{"parsed_keys_carry_traffic", test_parsed_keys_carry_traffic},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo robust_tests[] = {
	{"random_text", test_random_text},
	{"mutations", test_mutations},
	{"very_long_input", test_very_long_input},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"key_params", NULL, NULL, NULL, NULL, key_tests},
		{"crypto_attrs", NULL, NULL, NULL, NULL, attr_tests},
		{"robustness", NULL, NULL, NULL, NULL, robust_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
