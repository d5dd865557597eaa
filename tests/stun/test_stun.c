/*
 * control/stun: the RFC 5769 test vectors (parsed, checked and rebuilt byte
 * for byte), the ICE-lite responder's verdicts and responses, a request and
 * responses made by an independent encoder (Python's hmac and zlib, bytes
 * pasted below), and malformed input of every kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "stun.h"
#include "test_common.h"

/* ---- RFC 5769 ----------------------------------------------------------- */

static const char *const rfc5769_password = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t rfc5769_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* §2.1: sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME padded
 * with spaces, MESSAGE-INTEGRITY, FINGERPRINT). */
static const char rfc5769_request[] =
	"00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
	"00 24 00 04 6e 00 01 ff"
	"80 29 00 08 93 2f f9 b1 51 26 3b 36"
	"00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
	"00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
	"80 28 00 04 e5 7a 3b cf";

/* §2.2: sample IPv4 response, mapped address 192.0.2.1:32853. */
static const char rfc5769_response_v4[] =
	"01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 08 00 01 a1 47 e1 12 a6 43"
	"00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
	"80 28 00 04 c0 7d 4c 96";

/* §2.3: sample IPv6 response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const char rfc5769_response_v6[] =
	"01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
	"00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
	"80 28 00 04 c8 fb 0b 4c";

/* §2.4: request with long-term authentication (USERNAME in katakana, NONCE,
 * REALM "example.org", password "TheMatrIX" after SASLprep; no FINGERPRINT). */
static const char rfc5769_long_term[] =
	"00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
	"00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
	"00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46"
	"53 54 76 79 36 34 73 41"
	"00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
	"00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

/* ---- made by an independent encoder -------------------------------------
 * Python 3's hmac/hashlib/zlib, with attributes laid out by hand (the same
 * script reproduces RFC 5769 §2.2 exactly). A request to us (ufrag "Edg3",
 * password below) from "Pe3rX": PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
 * USERNAME, MESSAGE-INTEGRITY, FINGERPRINT; and the success responses it
 * computed for two source addresses. */
static const struct stun_ice_local local = {"Edg3", "pyInteropPassw0rd+/xyz"};

static const char py_request[] =
	"00 01 00 48 21 12 a4 42 53 52 54 45 45 64 67 65"
	"c0 ff ee 01 00 24 00 04 6e 7f 00 ff 80 2a 00 08"
	"01 02 03 04 05 06 07 08 00 25 00 00 00 06 00 0a"
	"45 64 67 33 3a 50 65 33 72 58 00 00 00 08 00 14"
	"56 83 ee ad 86 03 1d 18 13 47 7a ad 1d cb 1c b8"
	"5f a5 2d 49 80 28 00 04 f1 ff 01 41";
/* ... from 198.51.100.23:40001 */
static const char py_response_v4[] =
	"01 01 00 2c 21 12 a4 42 53 52 54 45 45 64 67 65"
	"c0 ff ee 01 00 20 00 08 00 01 bd 53 e7 21 c0 55"
	"00 08 00 14 36 12 26 82 ce 09 6e 0a cd 4f c1 6a"
	"c3 25 e9 58 e4 d4 2e 82 80 28 00 04 44 9d 81 2a";
/* ... from [2001:db8:85a3::8a2e:370:7334]:3478 */
static const char py_response_v6[] =
	"01 01 00 38 21 12 a4 42 53 52 54 45 45 64 67 65"
	"c0 ff ee 01 00 20 00 14 00 02 2c 84 01 13 a9 fa"
	"d6 f1 54 45 45 64 ed 4b c3 8f 9d 35 00 08 00 14"
	"44 a6 fb 0b ff c6 18 ae da e4 72 24 38 f5 b5 2f"
	"72 40 07 55 80 28 00 04 dc d3 d6 d7";

/* ---- helpers ------------------------------------------------------------ */

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	int n = test_hex(h, out, cap);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

static struct stun_addr addr_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
				uint16_t port)
{
	struct stun_addr x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_IPV4;
	x.port = port;
	x.addr[0] = a, x.addr[1] = b, x.addr[2] = c, x.addr[3] = d;
	return x;
}

static struct stun_addr addr_v6(const char *h, uint16_t port)
{
	struct stun_addr x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_IPV6;
	x.port = port;
	CU_ASSERT_FATAL(test_hex(h, x.addr, 16) == 16);
	return x;
}

static bool same_addr(const struct stun_addr *a, const struct stun_addr *b)
{
	size_t n = a->family == STUN_AF_IPV4 ? 4 : 16;
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, n) == 0;
}

static const uint8_t test_tid[STUN_TID_LEN] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76,
};

/* A check as a controlling full agent sends it to us. */
static struct stun_binding_request good_request(void)
{
	struct stun_binding_request r = {
		.tid = test_tid,
		.username = "Edg3:Pe3rX",
		.password = "pyInteropPassw0rd+/xyz",
		.priority = 0x6e7f00ff,
		.has_priority = true,
		.role = STUN_ROLE_CONTROLLING,
		.tiebreaker = 0x1122334455667788u,
		.use_candidate = true,
	};
	return r;
}

static size_t build(const struct stun_binding_request *r, uint8_t *buf,
		    size_t cap)
{
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(stun_build_binding_request(r, buf, cap, &n),
			      STUN_OK);
	CU_ASSERT_FATAL(n >= STUN_HEADER_LEN);
	return n;
}

/* Recomputes FINGERPRINT in place, as an attacker who alters bytes can. */
static void reseal(uint8_t *buf, size_t len)
{
	uint32_t crc = stun_crc32(buf, len - 8) ^ STUN_FINGERPRINT_XOR;
	buf[len - 4] = (uint8_t)(crc >> 24);
	buf[len - 3] = (uint8_t)(crc >> 16);
	buf[len - 2] = (uint8_t)(crc >> 8);
	buf[len - 1] = (uint8_t)crc;
}

#define FILL 0xA5
static uint8_t resp[STUN_RESPONSE_MAX];
static const struct stun_addr *default_from;

static struct stun_ice_result respond_from(const uint8_t *pkt, size_t len,
					   const struct stun_addr *from)
{
	struct stun_ice_result res;

	memset(resp, FILL, sizeof(resp));
	CU_ASSERT_EQUAL(stun_ice_respond(pkt, len, &local, from, resp,
					 sizeof(resp), &res),
			STUN_OK);
	return res;
}

static struct stun_ice_result respond(const uint8_t *pkt, size_t len)
{
	static struct stun_addr from;
	from = addr_v4(198, 51, 100, 23, 40001);
	default_from = &from;
	return respond_from(pkt, len, &from);
}

/* Nothing was produced: no length, and not a byte of the buffer written. */
static bool nothing_written(const struct stun_ice_result *res)
{
	if (res->response_len != 0)
		return false;
	for (size_t i = 0; i < sizeof(resp); i++)
		if (resp[i] != FILL)
			return false;
	return true;
}

static void expect_dropped(const struct stun_ice_result *res,
			   enum stun_verdict verdict, int reason)
{
	CU_ASSERT_EQUAL(res->verdict, verdict);
	CU_ASSERT_EQUAL(res->reason, reason);
	CU_ASSERT_TRUE(nothing_written(res));
}

/* The response is a Binding success for `tid` carrying `from`, with our
 * MESSAGE-INTEGRITY and a good FINGERPRINT, and nothing else. */
static void expect_success(const struct stun_ice_result *res,
			   const uint8_t *tid, const struct stun_addr *from)
{
	struct stun_msg m;
	struct stun_addr got;

	CU_ASSERT_EQUAL_FATAL(res->verdict, STUN_VERDICT_AUTHENTICATED);
	CU_ASSERT_EQUAL(res->reason, STUN_OK);
	CU_ASSERT_EQUAL(res->error_code, 0);
	CU_ASSERT_EQUAL(memcmp(res->tid, tid, STUN_TID_LEN), 0);
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, resp, res->response_len), STUN_OK);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_SUCCESS);
	CU_ASSERT_EQUAL(memcmp(m.tid, tid, STUN_TID_LEN), 0);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)local.password,
					     strlen(local.password)),
			STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)"other", 5),
			STUN_ERR_BAD_INTEGRITY);
	CU_ASSERT_EQUAL(stun_get_xor_mapped_address(&m, &got), STUN_OK);
	CU_ASSERT_TRUE(same_addr(&got, from));
	CU_ASSERT_EQUAL(m.username.off, 0);
	CU_ASSERT_EQUAL(m.error_code.off, 0);
	/* XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT: nothing more */
	CU_ASSERT_EQUAL(res->response_len,
			STUN_HEADER_LEN + 4 + (from->family == STUN_AF_IPV4 ? 8 : 20) +
				24 + 8);
}

/* The response is a Binding error `code` for `tid`, with a reason phrase,
 * FINGERPRINT, and MESSAGE-INTEGRITY only when `with_integrity`. */
static void expect_error(const struct stun_ice_result *res, const uint8_t *tid,
			 unsigned code, const char *reason, int why,
			 bool with_integrity)
{
	struct stun_msg m;
	unsigned got = 0;
	const uint8_t *phrase = NULL;
	size_t phrase_len = 0;

	CU_ASSERT_EQUAL_FATAL(res->verdict, STUN_VERDICT_REJECTED);
	CU_ASSERT_EQUAL(res->error_code, code);
	CU_ASSERT_EQUAL(res->reason, why);
	CU_ASSERT_FALSE(res->use_candidate);
	CU_ASSERT_PTR_NULL(res->remote_ufrag);
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, resp, res->response_len), STUN_OK);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_ERROR);
	CU_ASSERT_EQUAL(memcmp(m.tid, tid, STUN_TID_LEN), 0);
	CU_ASSERT_EQUAL(stun_get_error_code(&m, &got, &phrase, &phrase_len),
			STUN_OK);
	CU_ASSERT_EQUAL(got, code);
	CU_ASSERT_EQUAL(phrase_len, strlen(reason));
	CU_ASSERT(phrase != NULL && memcmp(phrase, reason, phrase_len) == 0);
	/* the buffer was full of FILL: padding is written, as zeros */
	for (size_t i = m.error_code.len; i % 4 != 0; i++)
		CU_ASSERT_EQUAL(resp[m.error_code.off + i], 0);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_OK);
	CU_ASSERT_EQUAL(m.xor_mapped_address.off, 0);
	CU_ASSERT_EQUAL(m.username.off, 0);
	if (with_integrity) {
		CU_ASSERT_EQUAL(stun_check_integrity(
					&m, (const uint8_t *)local.password,
					strlen(local.password)),
				STUN_OK);
	} else {
		CU_ASSERT_EQUAL(m.integrity.off, 0);
	}
}

/* ---- RFC 5769 vectors --------------------------------------------------- */

static void test_crc32(void)
{
	CU_ASSERT_EQUAL(stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(stun_crc32((const uint8_t *)"", 0), 0);
	CU_ASSERT_EQUAL(stun_crc32((const uint8_t *)"a", 1), 0xE8B7BE43u);
}

static void test_rfc5769_request(void)
{
	uint8_t buf[256];
	size_t len = hex(rfc5769_request, buf, sizeof(buf));
	struct stun_msg m;
	uint32_t prio = 0;
	uint64_t tb = 0;

	CU_ASSERT_EQUAL_FATAL(len, 108);
	CU_ASSERT_TRUE(stun_looks_like(buf, len));
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, len), STUN_OK);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_REQUEST);
	CU_ASSERT_EQUAL(m.type, 0x0001);
	CU_ASSERT_EQUAL(memcmp(m.tid, rfc5769_tid, STUN_TID_LEN), 0);
	/* the value excludes the 0x20 padding */
	CU_ASSERT_EQUAL(m.username.len, 9);
	CU_ASSERT_EQUAL(memcmp(buf + m.username.off, "evtj:h6vY", 9), 0);
	CU_ASSERT_EQUAL(stun_get_priority(&m, &prio), STUN_OK);
	CU_ASSERT_EQUAL(prio, 0x6e0001ffu);
	CU_ASSERT_EQUAL(stun_get_ice_controlled(&m, &tb), STUN_OK);
	CU_ASSERT_EQUAL(tb, 0x932ff9b151263b36u);
	CU_ASSERT_EQUAL(stun_get_ice_controlling(&m, &tb), STUN_ERR_NO_ATTRIBUTE);
	CU_ASSERT_EQUAL(m.use_candidate.off, 0);
	CU_ASSERT_EQUAL(m.n_unknown, 0);
	CU_ASSERT_EQUAL(m.integrity.off, 20 + 20 + 8 + 12 + 16 + 4);
	CU_ASSERT_EQUAL(m.fingerprint.off, len - 4);

	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)rfc5769_password,
					     strlen(rfc5769_password)),
			STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)rfc5769_password,
					     strlen(rfc5769_password) - 1),
			STUN_ERR_BAD_INTEGRITY);

	/* the receiver's ufrag (which session) and the sender's */
	const uint8_t *lu, *ru;
	size_t lul, rul;
	CU_ASSERT_EQUAL(stun_ice_split_username(&m, &lu, &lul, &ru, &rul), STUN_OK);
	CU_ASSERT(lul == 4 && memcmp(lu, "evtj", 4) == 0);
	CU_ASSERT(rul == 4 && memcmp(ru, "h6vY", 4) == 0);
}

/* The writer reproduces §2.1 byte for byte, MESSAGE-INTEGRITY and
 * FINGERPRINT included. RFC 5769 pads with spaces where we pad with zeros,
 * so the padding is patched before the HMAC is computed. */
static void test_rfc5769_request_rebuilt(void)
{
	uint8_t want[256], buf[256];
	size_t len = hex(rfc5769_request, want, sizeof(want));
	struct stun_writer w;

	CU_ASSERT_EQUAL(stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
					 STUN_CLASS_REQUEST, rfc5769_tid),
			STUN_OK);
	stun_put_attr(&w, STUN_ATTR_SOFTWARE, "STUN test client", 16);
	stun_put_u32(&w, STUN_ATTR_PRIORITY, 0x6e0001ff);
	stun_put_u64(&w, STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36u);
	stun_put_attr(&w, STUN_ATTR_USERNAME, "evtj:h6vY", 9);
	memset(buf + w.len - 3, ' ', 3);
	stun_put_integrity(&w, (const uint8_t *)rfc5769_password,
			   strlen(rfc5769_password));
	CU_ASSERT_EQUAL(stun_put_fingerprint(&w), STUN_OK);
	CU_ASSERT_EQUAL_FATAL(w.len, len);
	CU_ASSERT_EQUAL(memcmp(buf, want, len), 0);
}

static void check_rfc5769_response(const char *vector,
				   const struct stun_addr *mapped)
{
	uint8_t want[256], buf[256];
	size_t len = hex(vector, want, sizeof(want));
	struct stun_msg m;
	struct stun_addr got;
	struct stun_writer w;

	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, want, len), STUN_OK);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_SUCCESS);
	CU_ASSERT_EQUAL(memcmp(m.tid, rfc5769_tid, STUN_TID_LEN), 0);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)rfc5769_password,
					     strlen(rfc5769_password)),
			STUN_OK);
	CU_ASSERT_EQUAL(stun_get_xor_mapped_address(&m, &got), STUN_OK);
	CU_ASSERT_TRUE(same_addr(&got, mapped));

	/* XOR-MAPPED-ADDRESS alone, byte for byte (it starts after SOFTWARE) */
	CU_ASSERT_EQUAL(stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
					 STUN_CLASS_SUCCESS, rfc5769_tid),
			STUN_OK);
	CU_ASSERT_EQUAL(stun_put_xor_address(&w, STUN_ATTR_XOR_MAPPED_ADDRESS,
					     mapped),
			STUN_OK);
	size_t xlen = w.len - STUN_HEADER_LEN;
	CU_ASSERT_EQUAL(xlen, m.xor_mapped_address.len + 4u);
	CU_ASSERT_EQUAL(memcmp(buf + STUN_HEADER_LEN,
			       want + m.xor_mapped_address.off - 4, xlen),
			0);

	/* and the whole response */
	stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
			 STUN_CLASS_SUCCESS, rfc5769_tid);
	stun_put_attr(&w, STUN_ATTR_SOFTWARE, "test vector", 11);
	buf[w.len - 1] = ' ';
	stun_put_xor_address(&w, STUN_ATTR_XOR_MAPPED_ADDRESS, mapped);
	stun_put_integrity(&w, (const uint8_t *)rfc5769_password,
			   strlen(rfc5769_password));
	CU_ASSERT_EQUAL(stun_put_fingerprint(&w), STUN_OK);
	CU_ASSERT_EQUAL_FATAL(w.len, len);
	CU_ASSERT_EQUAL(memcmp(buf, want, len), 0);
}

static void test_rfc5769_response_v4(void)
{
	struct stun_addr a = addr_v4(192, 0, 2, 1, 32853);
	check_rfc5769_response(rfc5769_response_v4, &a);
}

static void test_rfc5769_response_v6(void)
{
	struct stun_addr a =
		addr_v6("20010db8 12345678 00112233 44556677", 32853);
	check_rfc5769_response(rfc5769_response_v6, &a);
}

/* §2.4 with the long-term key MD5(username ":" realm ":" password); the
 * password is already in its SASLprep form. */
static void test_rfc5769_long_term(void)
{
	static const char user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa"
				   "\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
	uint8_t buf[256], key[16];
	size_t len = hex(rfc5769_long_term, buf, sizeof(buf));
	struct stun_msg m;
	char text[128];
	unsigned key_len = 0;

	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, len), STUN_OK);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_REQUEST);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(m.username.len, 18);
	CU_ASSERT_EQUAL(memcmp(buf + m.username.off, user, 18), 0);
	/* REALM and NONCE are understood, not unknown */
	CU_ASSERT_EQUAL(m.n_unknown, 0);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_ERR_NO_FINGERPRINT);

	int n = snprintf(text, sizeof(text), "%s:%s:%s", user, "example.org",
			 "TheMatrIX");
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(text));
	CU_ASSERT_FATAL(EVP_Digest(text, (size_t)n, key, &key_len, EVP_md5(),
				   NULL) == 1 &&
			key_len == 16);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, key, 16), STUN_OK);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)"TheMatrIX", 9),
			STUN_ERR_BAD_INTEGRITY);
	key[0] ^= 1;
	CU_ASSERT_EQUAL(stun_check_integrity(&m, key, 16), STUN_ERR_BAD_INTEGRITY);
}

/* ---- building and classifying ----------------------------------------- */

static void test_builder_round_trip(void)
{
	uint8_t buf[256];
	struct stun_binding_request r = good_request();
	size_t len;
	struct stun_msg m;
	uint32_t prio;
	uint64_t tb;

	memset(buf, 0xEE, sizeof(buf));
	len = build(&r, buf, sizeof(buf));

	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, len), STUN_OK);
	CU_ASSERT_EQUAL(m.cls, STUN_CLASS_REQUEST);
	CU_ASSERT_EQUAL(m.method, STUN_METHOD_BINDING);
	CU_ASSERT_EQUAL(memcmp(m.tid, test_tid, STUN_TID_LEN), 0);
	CU_ASSERT(m.username.len == 10 &&
		  memcmp(buf + m.username.off, "Edg3:Pe3rX", 10) == 0);
	CU_ASSERT(buf[m.username.off + 10] == 0 && buf[m.username.off + 11] == 0);
	CU_ASSERT(stun_get_priority(&m, &prio) == STUN_OK && prio == 0x6e7f00ffu);
	CU_ASSERT(stun_get_ice_controlling(&m, &tb) == STUN_OK &&
		  tb == 0x1122334455667788u);
	CU_ASSERT_EQUAL(m.ice_controlled.off, 0);
	CU_ASSERT(m.use_candidate.off != 0 && m.use_candidate.len == 0);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, (const uint8_t *)r.password,
					     strlen(r.password)),
			STUN_OK);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_OK);
	/* USERNAME 10 + 2 pad, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, M-I, FP */
	CU_ASSERT_EQUAL(len, 20 + 16 + 8 + 12 + 4 + 24 + 8);

	r.role = STUN_ROLE_CONTROLLED;
	r.use_candidate = false;
	r.has_priority = false;
	r.password = NULL;
	r.no_fingerprint = true;
	len = build(&r, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, len), STUN_OK);
	CU_ASSERT(stun_get_ice_controlled(&m, &tb) == STUN_OK &&
		  tb == 0x1122334455667788u);
	CU_ASSERT_EQUAL(m.ice_controlling.off, 0);
	CU_ASSERT_EQUAL(m.use_candidate.off, 0);
	CU_ASSERT_EQUAL(m.priority.off, 0);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, NULL, 0), STUN_ERR_NO_INTEGRITY);
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_ERR_NO_FINGERPRINT);
	CU_ASSERT_EQUAL(len, 20 + 16 + 12);
}

/* Every method and class survives writing and parsing, and the Binding
 * types are the RFC 5389 §6 numbers. */
static void test_classify(void)
{
	static const struct {
		uint16_t type;
		enum stun_class cls;
	} binding[] = {
		{0x0001, STUN_CLASS_REQUEST},
		{0x0011, STUN_CLASS_INDICATION},
		{0x0101, STUN_CLASS_SUCCESS},
		{0x0111, STUN_CLASS_ERROR},
	};
	uint8_t buf[STUN_HEADER_LEN];
	struct stun_writer w;
	struct stun_msg m;
	unsigned bad = 0;

	for (unsigned i = 0; i < 4; i++) {
		stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
				 binding[i].cls, test_tid);
		CU_ASSERT_EQUAL(buf[0] << 8 | buf[1], binding[i].type);
	}
	for (unsigned method = 0; method < 0x1000; method++) {
		for (unsigned c = 0; c < 4; c++) {
			if (stun_writer_init(&w, buf, sizeof(buf), (uint16_t)method,
					     (enum stun_class)c, test_tid) != STUN_OK ||
			    stun_parse(&m, buf, w.len) != STUN_OK ||
			    m.method != method || m.cls != (enum stun_class)c ||
			    (buf[0] & 0xC0) != 0)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(stun_writer_init(&w, buf, sizeof(buf), 0x1000,
					 STUN_CLASS_REQUEST, test_tid),
			STUN_ERR_BAD_PARAM);
}

static void test_writer_errors(void)
{
	uint8_t buf[64];
	struct stun_writer w;
	size_t n = 99;
	struct stun_binding_request r = good_request();

	CU_ASSERT_EQUAL(stun_writer_init(&w, buf, 19, STUN_METHOD_BINDING,
					 STUN_CLASS_REQUEST, test_tid),
			STUN_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(stun_put_fingerprint(&w), STUN_ERR_NO_ROOM);

	/* errors stick and leave what was written a whole message */
	stun_writer_init(&w, buf, 32, STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
			 test_tid);
	CU_ASSERT_EQUAL(stun_put_u32(&w, STUN_ATTR_PRIORITY, 1), STUN_OK);
	CU_ASSERT_EQUAL(stun_put_u64(&w, STUN_ATTR_ICE_CONTROLLING, 1),
			STUN_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(stun_put_attr(&w, STUN_ATTR_USE_CANDIDATE, NULL, 0),
			STUN_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(w.len, 28);
	struct stun_msg m;
	CU_ASSERT_EQUAL(stun_parse(&m, buf, w.len), STUN_OK);

	stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
			 STUN_CLASS_ERROR, test_tid);
	CU_ASSERT_EQUAL(stun_put_error_code(&w, 299, "x"), STUN_ERR_BAD_PARAM);
	stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
			 STUN_CLASS_ERROR, test_tid);
	struct stun_addr a = addr_v4(1, 2, 3, 4, 5);
	a.family = 3;
	CU_ASSERT_EQUAL(stun_put_xor_address(&w, STUN_ATTR_XOR_MAPPED_ADDRESS, &a),
			STUN_ERR_BAD_PARAM);

	CU_ASSERT_EQUAL(stun_build_binding_request(&r, buf, 40, &n),
			STUN_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(n, 0);
	r.role = (enum stun_ice_role)7;
	CU_ASSERT_EQUAL(stun_build_binding_request(&r, buf, sizeof(buf), &n),
			STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_build_binding_request(NULL, buf, sizeof(buf), &n),
			STUN_ERR_BAD_PARAM);
}

static void test_names(void)
{
	for (int e = 0; e < STUN_ERR_COUNT; e++) {
		CU_ASSERT_PTR_NOT_NULL(stun_strerror(e));
		CU_ASSERT_STRING_NOT_EQUAL(stun_strerror(e), "unknown STUN error code");
		CU_ASSERT_STRING_NOT_EQUAL(stun_err_name(e), "unknown_error");
	}
	CU_ASSERT_STRING_EQUAL(stun_strerror(-1), "unknown STUN error code");
	CU_ASSERT_STRING_EQUAL(stun_strerror(STUN_ERR_COUNT), "unknown STUN error code");
	CU_ASSERT_STRING_EQUAL(stun_err_name(STUN_ERR_BAD_FINGERPRINT), "bad_fingerprint");
	CU_ASSERT_STRING_EQUAL(stun_verdict_name(STUN_VERDICT_AUTHENTICATED),
			       "authenticated");
	CU_ASSERT_STRING_EQUAL(stun_verdict_name((enum stun_verdict)9),
			       "unknown_verdict");
}

/* ---- responder: answers ----------------------------------------------- */

static void test_success_ipv4(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res = respond(req, len);

	expect_success(&res, test_tid, default_from);
	CU_ASSERT_TRUE(res.use_candidate);
	CU_ASSERT_FALSE(res.peer_controlled);
	CU_ASSERT(res.has_priority && res.priority == 0x6e7f00ffu);
	CU_ASSERT(res.remote_ufrag_len == 5 &&
		  memcmp(res.remote_ufrag, "Pe3rX", 5) == 0);
	/* the pointer is into the request, not a copy */
	CU_ASSERT(res.remote_ufrag > req && res.remote_ufrag < req + len);
}

static void test_success_ipv6(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	struct stun_addr from = addr_v6("2001 0db8 0000 0000 0000 0000 dead beef", 61000);
	struct stun_ice_result res = respond_from(req, len, &from);

	expect_success(&res, test_tid, &from);
	/* §15.2: IPv6 is XORed with the cookie *and* the transaction id, so
	 * the last 12 address bytes on the wire are addr ^ tid */
	const uint8_t *x = resp + STUN_HEADER_LEN + 4 + 4;
	for (unsigned i = 4; i < 16; i++)
		CU_ASSERT_EQUAL(x[i], from.addr[i] ^ test_tid[i - 4]);
}

static void test_success_minimal(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	r.use_candidate = false;
	r.has_priority = false;
	r.role = STUN_ROLE_NONE;
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res = respond(req, len);

	expect_success(&res, test_tid, default_from);
	CU_ASSERT_FALSE(res.use_candidate);
	CU_ASSERT_FALSE(res.has_priority);
	CU_ASSERT_FALSE(res.peer_controlled);
}

/* RFC 8445 §7.3.1.1 is for full agents only: a lite agent answers a peer
 * that claims controlled too, and says so. */
static void test_peer_claims_controlled(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	r.role = STUN_ROLE_CONTROLLED;
	r.tiebreaker = UINT64_MAX;
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res = respond(req, len);

	expect_success(&res, test_tid, default_from);
	CU_ASSERT_TRUE(res.peer_controlled);
}

/* Same bytes as an independent encoder made, both ways. */
static void test_interop_python(void)
{
	uint8_t req[256], want[256];
	size_t len = hex(py_request, req, sizeof(req));
	struct stun_addr v4 = addr_v4(198, 51, 100, 23, 40001);
	struct stun_addr v6 = addr_v6("20010db8 85a30000 00008a2e 03707334", 3478);
	struct stun_ice_result res = respond_from(req, len, &v4);
	size_t wlen = hex(py_response_v4, want, sizeof(want));

	expect_success(&res, req + 8, &v4);
	CU_ASSERT_TRUE(res.use_candidate);
	CU_ASSERT(res.has_priority && res.priority == 0x6e7f00ffu);
	CU_ASSERT_EQUAL(res.response_len, wlen);
	CU_ASSERT_EQUAL(memcmp(resp, want, wlen), 0);

	res = respond_from(req, len, &v6);
	wlen = hex(py_response_v6, want, sizeof(want));
	expect_success(&res, req + 8, &v6);
	CU_ASSERT_EQUAL(res.response_len, wlen);
	CU_ASSERT_EQUAL(memcmp(resp, want, wlen), 0);
}

/* ---- responder: refusals ---------------------------------------------- */

static void test_400_without_username(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	r.username = NULL;
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res = respond(req, len);

	expect_error(&res, test_tid, 400, "Bad Request", STUN_ERR_NO_USERNAME,
		     false);
}

static void test_400_without_integrity(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	r.password = NULL;
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res = respond(req, len);

	expect_error(&res, test_tid, 400, "Bad Request", STUN_ERR_NO_INTEGRITY,
		     false);
}

/* Well signed with our password, but USERNAME does not name us as
 * "OURUFRAG:THEIRS". */
static void test_401_wrong_ufrag(void)
{
	static const char *const names[] = {
		"Other:Pe3rX", "Edg:Pe3rX", "Edg3X:Pe3rX", "edg3:Pe3rX",
		"Pe3rX:Edg3", "Edg3", "Edg3:", ":Edg3", "", "Edg3 :Pe3rX",
	};
	uint8_t req[256];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct stun_binding_request r = good_request();
		r.username = names[i];
		size_t len = build(&r, req, sizeof(req));
		struct stun_ice_result res = respond(req, len);
		expect_error(&res, test_tid, 401, "Unauthorized",
			     STUN_ERR_BAD_USERNAME, false);
	}
}

static void test_401_wrong_password(void)
{
	static const char *const passwords[] = {
		"pyInteropPassw0rd+/xyZ", "pyInteropPassw0rd+/xy",
		"pyInteropPassw0rd+/xyzz", "",
	};
	uint8_t req[256];

	for (unsigned i = 0; i < sizeof(passwords) / sizeof(passwords[0]); i++) {
		struct stun_binding_request r = good_request();
		r.password = passwords[i];
		size_t len = build(&r, req, sizeof(req));
		struct stun_ice_result res = respond(req, len);
		expect_error(&res, test_tid, 401, "Unauthorized",
			     STUN_ERR_BAD_INTEGRITY, false);
	}
}

/* Writes a request with extra attributes: `before` go before
 * MESSAGE-INTEGRITY, `after` between it and FINGERPRINT. */
static size_t request_with(uint8_t *buf, size_t cap, const uint16_t *before,
			   unsigned nb, const uint16_t *after, unsigned na,
			   const char *password)
{
	static const uint8_t value[4] = {0, 0, 0, 6};
	struct stun_writer w;

	stun_writer_init(&w, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
			 test_tid);
	stun_put_attr(&w, STUN_ATTR_USERNAME, "Edg3:Pe3rX", 10);
	for (unsigned i = 0; i < nb; i++)
		stun_put_attr(&w, before[i], value, before[i] & 1 ? 0 : 4);
	stun_put_integrity(&w, (const uint8_t *)password, strlen(password));
	for (unsigned i = 0; i < na; i++)
		stun_put_attr(&w, after[i], value, after[i] & 1 ? 0 : 4);
	CU_ASSERT_EQUAL_FATAL(stun_put_fingerprint(&w), STUN_OK);
	return w.len;
}

static void test_420_unknown_attribute(void)
{
	/* CHANGE-REQUEST (RFC 5780), an optional one (not listed), an unknown
	 * required one, CHANGE-REQUEST again (listed once) */
	static const uint16_t extra[] = {0x0003, 0xC001, 0x7FFF, 0x0003};
	uint8_t req[256];
	size_t len = request_with(req, sizeof(req), extra, 4, NULL, 0,
				  local.password);
	struct stun_ice_result res = respond(req, len);
	struct stun_msg m;
	uint16_t types[8];
	unsigned n = 0;

	/* authenticated, so the 420 carries our MESSAGE-INTEGRITY */
	expect_error(&res, test_tid, 420, "Unknown Attribute",
		     STUN_ERR_UNKNOWN_ATTRIBUTE, true);
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, resp, res.response_len), STUN_OK);
	CU_ASSERT_EQUAL(stun_get_unknown_attributes(&m, types, 8, &n), STUN_OK);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(types[0], 0x0003);
	CU_ASSERT_EQUAL(types[1], 0x7FFF);

	/* authentication comes first (RFC 5389 §7.3): a forger learns nothing */
	len = request_with(req, sizeof(req), extra, 4, NULL, 0, "not ours");
	res = respond(req, len);
	expect_error(&res, test_tid, 401, "Unauthorized", STUN_ERR_BAD_INTEGRITY,
		     false);

	/* more distinct unknown types than a response lists */
	uint16_t many[STUN_MAX_UNKNOWN + 3];
	for (unsigned i = 0; i < STUN_MAX_UNKNOWN + 3; i++)
		many[i] = (uint16_t)(0x7000 + 2 * i);
	len = request_with(req, sizeof(req), many, STUN_MAX_UNKNOWN + 3, NULL, 0,
			   local.password);
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, req, len), STUN_OK);
	CU_ASSERT_EQUAL(m.n_unknown, STUN_MAX_UNKNOWN);
	CU_ASSERT_TRUE(m.unknown_truncated);
	res = respond(req, len);
	expect_error(&res, test_tid, 420, "Unknown Attribute",
		     STUN_ERR_UNKNOWN_ATTRIBUTE, true);
	CU_ASSERT(res.response_len <= STUN_RESPONSE_MAX);
}

/* RFC 5389 §15.4: what follows MESSAGE-INTEGRITY (but FINGERPRINT) is not
 * covered by it and must be ignored, even USE-CANDIDATE. */
static void test_after_integrity_ignored(void)
{
	static const uint16_t after[] = {0x0003, STUN_ATTR_USE_CANDIDATE,
					 STUN_ATTR_PRIORITY};
	uint8_t req[256];
	size_t len = request_with(req, sizeof(req), NULL, 0, after, 3,
				  local.password);
	struct stun_ice_result res = respond(req, len);

	expect_success(&res, test_tid, default_from);
	CU_ASSERT_FALSE(res.use_candidate);
	CU_ASSERT_FALSE(res.has_priority);
}

/* ---- responder: silence ------------------------------------------------ */

static void test_non_requests_ignored(void)
{
	uint8_t pkt[256], req[256];
	size_t len = hex(rfc5769_response_v4, pkt, sizeof(pkt));
	struct stun_ice_result res = respond(pkt, len);
	struct stun_writer w;

	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_NOT_REQUEST);

	/* our own success and error responses, looped back */
	struct stun_binding_request r = good_request();
	size_t rlen = build(&r, req, sizeof(req));
	res = respond(req, rlen);
	CU_ASSERT_EQUAL_FATAL(res.verdict, STUN_VERDICT_AUTHENTICATED);
	memcpy(pkt, resp, res.response_len);
	len = res.response_len;
	res = respond(pkt, len);
	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_NOT_REQUEST);
	r.password = NULL;
	rlen = build(&r, req, sizeof(req));
	res = respond(req, rlen);
	CU_ASSERT_EQUAL_FATAL(res.verdict, STUN_VERDICT_REJECTED);
	memcpy(pkt, resp, res.response_len);
	len = res.response_len;
	res = respond(pkt, len);
	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_NOT_REQUEST);

	/* a keepalive (RFC 8445 §11), with and without FINGERPRINT */
	stun_writer_init(&w, pkt, sizeof(pkt), STUN_METHOD_BINDING,
			 STUN_CLASS_INDICATION, test_tid);
	res = respond(pkt, w.len);
	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_NOT_REQUEST);
	stun_put_fingerprint(&w);
	res = respond(pkt, w.len);
	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_NOT_REQUEST);

	/* a well-signed request of another method (TURN Allocate) */
	stun_writer_init(&w, pkt, sizeof(pkt), 0x003, STUN_CLASS_REQUEST,
			 test_tid);
	stun_put_attr(&w, STUN_ATTR_USERNAME, "Edg3:Pe3rX", 10);
	stun_put_integrity(&w, (const uint8_t *)local.password,
			   strlen(local.password));
	stun_put_fingerprint(&w);
	res = respond(pkt, w.len);
	expect_dropped(&res, STUN_VERDICT_IGNORE, STUN_ERR_UNSUPPORTED_METHOD);
}

static void test_fingerprint_wrong_or_missing_dropped(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	struct stun_ice_result res;

	req[len - 1] ^= 1;
	res = respond(req, len);
	expect_dropped(&res, STUN_VERDICT_MALFORMED, STUN_ERR_BAD_FINGERPRINT);

	r.no_fingerprint = true;
	len = build(&r, req, sizeof(req));
	res = respond(req, len);
	expect_dropped(&res, STUN_VERDICT_MALFORMED, STUN_ERR_NO_FINGERPRINT);

	/* a bad FINGERPRINT on a response is a drop too, not an "ignore" */
	len = hex(rfc5769_response_v6, req, sizeof(req));
	req[len - 2] ^= 0x40;
	res = respond(req, len);
	expect_dropped(&res, STUN_VERDICT_MALFORMED, STUN_ERR_BAD_FINGERPRINT);
}

/* Any one byte altered, as it came: FINGERPRINT (or the framing) catches it
 * and nothing is sent. */
static void test_altered_byte_anywhere(void)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xFF};
	uint8_t req[256], pkt[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	unsigned authenticated = 0, answered = 0;

	for (size_t i = 0; i < len; i++) {
		for (unsigned k = 0; k < sizeof(masks); k++) {
			memcpy(pkt, req, len);
			pkt[i] ^= masks[k];
			struct stun_ice_result res = respond(pkt, len);
			authenticated += res.verdict == STUN_VERDICT_AUTHENTICATED;
			answered += !nothing_written(&res) ||
				    res.verdict != STUN_VERDICT_MALFORMED;
		}
	}
	CU_ASSERT_EQUAL(authenticated, 0);
	CU_ASSERT_EQUAL(answered, 0);
}

/* Any one byte altered and FINGERPRINT recomputed, as a forger can: never
 * authenticated; MESSAGE-INTEGRITY turns away whatever still parses as a
 * Binding request. */
static void test_altered_byte_resealed(void)
{
	static const uint8_t masks[] = {0x01, 0x20, 0xFF};
	uint8_t req[256], pkt[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	unsigned authenticated = 0, bad_codes = 0, rejected_401 = 0;

	for (size_t i = 0; i < len - 8; i++) {
		for (unsigned k = 0; k < sizeof(masks); k++) {
			memcpy(pkt, req, len);
			pkt[i] ^= masks[k];
			reseal(pkt, len);
			struct stun_ice_result res = respond(pkt, len);
			authenticated += res.verdict == STUN_VERDICT_AUTHENTICATED;
			if (res.verdict == STUN_VERDICT_REJECTED) {
				bad_codes += res.error_code != 400 &&
					     res.error_code != 401;
				rejected_401 += res.error_code == 401;
			} else if (!nothing_written(&res)) {
				bad_codes++;
			}
			/* the transaction id and every byte of USERNAME's
			 * value and padding are under the HMAC */
			if ((i >= 8 && i < 20) || (i >= 24 && i < 36)) {
				CU_ASSERT(res.verdict == STUN_VERDICT_REJECTED &&
					  res.error_code == 401);
			}
		}
	}
	CU_ASSERT_EQUAL(authenticated, 0);
	CU_ASSERT_EQUAL(bad_codes, 0);
	CU_ASSERT(rejected_401 >= 3 * (12 + 12));
}

/* Every prefix of a good request, in a buffer of exactly that size so that
 * ASan sees any read past it; then every 4-byte-aligned prefix whose length
 * field was fixed to match. */
static void test_truncated_every_length(void)
{
	uint8_t req[256];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));

	for (size_t n = 0; n < len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, req, n);
		struct stun_ice_result res = respond(n ? p : NULL, n);
		CU_ASSERT_EQUAL(res.verdict, STUN_VERDICT_MALFORMED);
		CU_ASSERT_TRUE(nothing_written(&res));
		if (n >= STUN_HEADER_LEN && n % 4 == 0) {
			p[2] = (uint8_t)((n - 20) >> 8);
			p[3] = (uint8_t)(n - 20);
			res = respond(p, n);
			CU_ASSERT_EQUAL(res.verdict, STUN_VERDICT_MALFORMED);
			CU_ASSERT_TRUE(nothing_written(&res));
		}
		free(p);
	}
}

static int parse_hex(const char *h)
{
	uint8_t buf[1024];
	struct stun_msg m;
	size_t len = hex(h, buf, sizeof(buf));
	uint8_t *p = malloc(len);
	int rc;

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, buf, len);
	rc = stun_parse(&m, p, len);
	if (rc != STUN_OK) {
		CU_ASSERT_PTR_NULL(m.buf);
	}
	struct stun_ice_result res = respond(p, len);
	if (rc != STUN_OK)
		expect_dropped(&res, STUN_VERDICT_MALFORMED, rc);
	free(p);
	return rc;
}

#define HDR(len) "00 01 " len " 21 12 a4 42 00 11 22 33 44 55 66 77 88 99 aa bb "

static void test_attribute_past_end(void)
{
	/* declares 100 bytes, 4 remain */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 06 00 64 41 42 43 44"),
			STUN_ERR_ATTR_OVERRUN);
	/* declares 5: with padding 8, 4 remain */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 06 00 05 41 42 43 44"),
			STUN_ERR_ATTR_OVERRUN);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 06 ff ff 41 42 43 44"),
			STUN_ERR_ATTR_OVERRUN);
	/* second attribute runs over */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 0c") "00 25 00 00 80 22 00 08 41 42 43 44"),
			STUN_ERR_ATTR_OVERRUN);
	/* the same, exactly fitting, is fine */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 0c") "00 25 00 00 80 22 00 04 41 42 43 44"),
			STUN_OK);
	/* and a 1-byte value with 3 bytes of padding */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "80 22 00 01 41 00 00 00"), STUN_OK);
}

static void test_not_stun(void)
{
	/* RTP, DTLS ClientHello, all zeros (no cookie), top bits set */
	CU_ASSERT_EQUAL(parse_hex("80 00 12 34 00 00 00 01 de ad be ef 00 00 00 00"
				  "00 00 00 00 00 00 00 00"),
			STUN_ERR_NOT_STUN);
	CU_ASSERT_EQUAL(parse_hex("16 fe fd 00 00 00 00 00 00 00 00 00 50 01 00 00"
				  "44 00 00 00 00 00 00 44"),
			STUN_ERR_NOT_STUN);
	CU_ASSERT_EQUAL(parse_hex("00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
				  "00 00 00 00"),
			STUN_ERR_NOT_STUN);
	CU_ASSERT_EQUAL(parse_hex("40 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00"
				  "00 00 00 00"),
			STUN_ERR_NOT_STUN);
	CU_ASSERT_EQUAL(parse_hex("68 65 6c 6c 6f"), STUN_ERR_TOO_SHORT);
	/* length not a multiple of 4; length past the datagram; bytes after it */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 02") "00 00"), STUN_ERR_BAD_LENGTH);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 25 00 00"), STUN_ERR_BAD_LENGTH);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 00") "00 25 00 00"), STUN_ERR_BAD_LENGTH);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 00")), STUN_OK);

	uint8_t rtp[12] = {0x80, 0x60};
	uint8_t hdr[20];
	CU_ASSERT_FALSE(stun_looks_like(rtp, sizeof(rtp)));
	CU_ASSERT_FALSE(stun_looks_like(NULL, 0));
	CU_ASSERT_EQUAL(test_hex(HDR("00 00"), hdr, sizeof(hdr)), 20);
	CU_ASSERT_TRUE(stun_looks_like(hdr, 20));
	CU_ASSERT_FALSE(stun_looks_like(hdr, 19));
}

static void test_parse_strictness(void)
{
	/* FINGERPRINT is last (§15.5) */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 0c") "80 28 00 04 00 00 00 00 00 25 00 00"),
			STUN_ERR_AFTER_FINGERPRINT);
	/* known attributes of impossible sizes */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 24 00 03 00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "00 25 00 04 00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 08") "80 28 00 02 00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 0c") "80 2a 00 04 00 00 00 00 00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 14") "00 08 00 10 00 00 00 00 00 00 00 00"
					       "00 00 00 00 00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 10") "00 20 00 0c 00 01 00 00 00 00 00 00"
					       "00 00 00 00"),
			STUN_ERR_ATTR_VALUE);
	CU_ASSERT_EQUAL(parse_hex(HDR("00 04") "00 09 00 00"), STUN_ERR_ATTR_VALUE);
	/* after MESSAGE-INTEGRITY, sizes no longer matter: the attribute is
	 * ignored */
	CU_ASSERT_EQUAL(parse_hex(HDR("00 1c") "00 08 00 14 00 00 00 00 00 00 00 00"
					       "00 00 00 00 00 00 00 00 00 00 00 00"
					       "00 24 00 00"),
			STUN_OK);

	/* USERNAME of 512 bytes is fine, 513 is not */
	uint8_t buf[STUN_HEADER_LEN + 4 + 516];
	struct stun_writer w;
	struct stun_msg m;
	char name[513];
	memset(name, 'u', sizeof(name));
	stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
			 STUN_CLASS_REQUEST, test_tid);
	stun_put_attr(&w, STUN_ATTR_USERNAME, name, 512);
	CU_ASSERT_EQUAL(stun_parse(&m, buf, w.len), STUN_OK);
	stun_writer_init(&w, buf, sizeof(buf), STUN_METHOD_BINDING,
			 STUN_CLASS_REQUEST, test_tid);
	stun_put_attr(&w, STUN_ATTR_USERNAME, name, 513);
	CU_ASSERT_EQUAL(stun_parse(&m, buf, w.len), STUN_ERR_ATTR_VALUE);

	/* XOR-MAPPED-ADDRESS whose family does not match its size */
	CU_ASSERT_EQUAL_FATAL(test_hex(HDR("00 0c") "00 20 00 08 00 02 a1 47 e1 12 a6 43",
				       buf, sizeof(buf)),
			      32);
	struct stun_addr a;
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, 32), STUN_OK);
	CU_ASSERT_EQUAL(stun_get_xor_mapped_address(&m, &a), STUN_ERR_BAD_ADDRESS);
	/* ERROR-CODE class out of range */
	CU_ASSERT_EQUAL_FATAL(test_hex(HDR("00 08") "00 09 00 04 00 00 07 01",
				       buf, sizeof(buf)),
			      28);
	unsigned code;
	CU_ASSERT_EQUAL_FATAL(stun_parse(&m, buf, 28), STUN_OK);
	CU_ASSERT_EQUAL(stun_get_error_code(&m, &code, NULL, NULL),
			STUN_ERR_ATTR_VALUE);
}

/* Random bytes, and random attributes behind a valid header: no crash, no
 * read out of bounds (ASan build), never authenticated, and whatever is
 * answered parses. */
static void test_random_input(void)
{
	uint32_t s = 12345;
	unsigned authenticated = 0, bad_response = 0;

	for (unsigned iter = 0; iter < 3000; iter++) {
		s = s * 1103515245u + 12345u;
		size_t len = (s >> 16) % 160;
		uint8_t *p = malloc(len ? len : 1);
		CU_ASSERT_FATAL(p != NULL);
		for (size_t i = 0; i < len; i++) {
			s = s * 1103515245u + 12345u;
			p[i] = (uint8_t)(s >> 16);
		}
		if (iter % 2 == 0 && len >= STUN_HEADER_LEN) {
			len &= ~(size_t)3;
			p[0] = 0x00;
			p[1] = 0x01;
			p[2] = (uint8_t)((len - 20) >> 8);
			p[3] = (uint8_t)(len - 20);
			p[4] = 0x21, p[5] = 0x12, p[6] = 0xa4, p[7] = 0x42;
			/* small attribute lengths, so that walks go deep */
			for (size_t off = 20; off + 4 <= len; off += 4)
				if (p[off + 2] & 1)
					p[off + 2] = 0;
			if (iter % 4 == 0 && len >= 28)
				reseal(p, len);
		}
		struct stun_ice_result res = respond(len ? p : NULL, len);
		authenticated += res.verdict == STUN_VERDICT_AUTHENTICATED;
		if (res.response_len > 0) {
			struct stun_msg m;
			bad_response += stun_parse(&m, resp, res.response_len) !=
					STUN_OK;
		}
		free(p);
	}
	CU_ASSERT_EQUAL(authenticated, 0);
	CU_ASSERT_EQUAL(bad_response, 0);
}

static void test_caller_errors(void)
{
	uint8_t req[256], out[STUN_RESPONSE_MAX];
	struct stun_binding_request r = good_request();
	size_t len = build(&r, req, sizeof(req));
	struct stun_addr from = addr_v4(10, 0, 0, 1, 1);
	struct stun_ice_local no_pwd = {"Edg3", ""};
	struct stun_ice_result res;

	CU_ASSERT_EQUAL(stun_ice_respond(req, len, NULL, &from, out, sizeof(out),
					 &res),
			STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(res.verdict, STUN_VERDICT_MALFORMED);
	CU_ASSERT_EQUAL(res.response_len, 0);
	CU_ASSERT_EQUAL(stun_ice_respond(req, len, &no_pwd, &from, out,
					 sizeof(out), &res),
			STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_ice_respond(req, len, &local, &from, out,
					 sizeof(out) - 1, &res),
			STUN_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(res.response_len, 0);
	from.family = 0;
	CU_ASSERT_EQUAL(stun_ice_respond(req, len, &local, &from, out,
					 sizeof(out), &res),
			STUN_ERR_BAD_PARAM);
	from.family = STUN_AF_IPV4;
	CU_ASSERT_EQUAL(stun_ice_respond(req, len, &local, &from, out,
					 sizeof(out), NULL),
			STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_ice_respond(NULL, 5, &local, &from, out,
					 sizeof(out), &res),
			STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_ice_respond(NULL, 0, &local, &from, out,
					 sizeof(out), &res),
			STUN_OK);
	CU_ASSERT_EQUAL(res.verdict, STUN_VERDICT_MALFORMED);
	CU_ASSERT_EQUAL(res.reason, STUN_ERR_TOO_SHORT);

	struct stun_msg m;
	CU_ASSERT_EQUAL(stun_parse(NULL, req, len), STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_parse(&m, NULL, 4), STUN_ERR_BAD_PARAM);
	memset(&m, 0, sizeof(m));
	CU_ASSERT_EQUAL(stun_check_fingerprint(&m), STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_check_integrity(&m, NULL, 0), STUN_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(stun_get_ice_controlling(NULL, NULL), STUN_ERR_BAD_PARAM);
}

static CU_TestInfo vector_tests[] = {
	{"crc32", test_crc32},
	{"rfc5769_request", test_rfc5769_request},
	{"rfc5769_request_rebuilt", test_rfc5769_request_rebuilt},
	{"rfc5769_response_v4", test_rfc5769_response_v4},
	{"rfc5769_response_v6", test_rfc5769_response_v6},
	{"rfc5769_long_term", test_rfc5769_long_term},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo build_tests[] = {
	{"builder_round_trip", test_builder_round_trip},
	{"classify", test_classify},
	{"writer_errors", test_writer_errors},
	{"names", test_names},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo respond_tests[] = {
	{"success_ipv4", test_success_ipv4},
	{"success_ipv6", test_success_ipv6},
	{"success_minimal", test_success_minimal},
	{"peer_claims_controlled", test_peer_claims_controlled},
	{"interop_python", test_interop_python},
	{"400_without_username", test_400_without_username},
	{"400_without_integrity", test_400_without_integrity},
	{"401_wrong_ufrag", test_401_wrong_ufrag},
	{"401_wrong_password", test_401_wrong_password},
	{"420_unknown_attribute", test_420_unknown_attribute},
	{"after_integrity_ignored", test_after_integrity_ignored},
	{"non_requests_ignored", test_non_requests_ignored},
	{"fingerprint_wrong_or_missing_dropped", test_fingerprint_wrong_or_missing_dropped},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo robust_tests[] = {
	{"altered_byte_anywhere", test_altered_byte_anywhere},
	{"altered_byte_resealed", test_altered_byte_resealed},
	{"truncated_every_length", test_truncated_every_length},
	{"attribute_past_end", test_attribute_past_end},
	{"not_stun", test_not_stun},
	{"parse_strictness", test_parse_strictness},
	{"random_input", test_random_input},
	{"caller_errors", test_caller_errors},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"rfc5769", NULL, NULL, NULL, NULL, vector_tests},
		{"building", NULL, NULL, NULL, NULL, build_tests},
		{"ice_lite_responder", NULL, NULL, NULL, NULL, respond_tests},
		{"robustness", NULL, NULL, NULL, NULL, robust_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
