/*
 * STUN messages (RFC 5389 / RFC 8489) and the ICE-lite responder (RFC 8445
 * §7.3). Parsing never trusts the input: every length is checked against the
 * bytes that remain before it is used, and nothing is read past `len`.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "stun.h"

/* RFC 5389 §15.6: the reason phrase is under 128 characters, up to 763 bytes. */
#define REASON_MAX 763

/* ---- names ------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *text;
} err_names[STUN_ERR_COUNT] = {
	[STUN_OK] = {"ok", "success"},
	[STUN_ERR_TOO_SHORT] = {"too_short", "shorter than a STUN header"},
	[STUN_ERR_NOT_STUN] = {"not_stun", "not STUN (top bits set or no magic cookie)"},
	[STUN_ERR_BAD_LENGTH] = {"bad_length", "length field is not a multiple of 4 or not the bytes that follow"},
	[STUN_ERR_ATTR_OVERRUN] = {"attr_overrun", "an attribute runs past the end of the message"},
	[STUN_ERR_ATTR_VALUE] = {"attr_value", "a known attribute has a value of the wrong size or range"},
	[STUN_ERR_AFTER_FINGERPRINT] = {"after_fingerprint", "an attribute follows FINGERPRINT"},
	[STUN_ERR_NO_FINGERPRINT] = {"no_fingerprint", "no FINGERPRINT"},
	[STUN_ERR_BAD_FINGERPRINT] = {"bad_fingerprint", "FINGERPRINT does not match"},
	[STUN_ERR_NO_INTEGRITY] = {"no_integrity", "no MESSAGE-INTEGRITY"},
	[STUN_ERR_BAD_INTEGRITY] = {"bad_integrity", "MESSAGE-INTEGRITY does not match"},
	[STUN_ERR_NO_ATTRIBUTE] = {"no_attribute", "attribute not in the message"},
	[STUN_ERR_BAD_ADDRESS] = {"bad_address", "address attribute of unknown family or wrong size"},
	[STUN_ERR_NOT_REQUEST] = {"not_request", "a response or an indication"},
	[STUN_ERR_UNSUPPORTED_METHOD] = {"unsupported_method", "request of a method other than Binding"},
	[STUN_ERR_NO_USERNAME] = {"no_username", "no USERNAME"},
	[STUN_ERR_BAD_USERNAME] = {"bad_username", "USERNAME does not name our ufrag"},
	[STUN_ERR_UNKNOWN_ATTRIBUTE] = {"unknown_attribute", "unknown comprehension-required attribute"},
	[STUN_ERR_NO_ROOM] = {"no_room", "output buffer too small"},
	[STUN_ERR_BAD_PARAM] = {"bad_param", "invalid parameter"},
	[STUN_ERR_CRYPTO] = {"crypto", "OpenSSL could not compute HMAC-SHA1"},
};

const char *stun_strerror(int err)
{
	if (err < 0 || err >= STUN_ERR_COUNT)
		return "unknown STUN error code";
	return err_names[err].text;
}

const char *stun_err_name(int err)
{
	if (err < 0 || err >= STUN_ERR_COUNT)
		return "unknown_error";
	return err_names[err].name;
}

const char *stun_verdict_name(enum stun_verdict verdict)
{
	switch (verdict) {
	case STUN_VERDICT_MALFORMED:
		return "malformed";
	case STUN_VERDICT_IGNORE:
		return "ignore";
	case STUN_VERDICT_REJECTED:
		return "rejected";
	case STUN_VERDICT_AUTHENTICATED:
		return "authenticated";
	}
	return "unknown_verdict";
}

/* ---- byte helpers ------------------------------------------------------ */

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* ---- CRC-32 and HMAC-SHA1 ---------------------------------------------- */

/* Bitwise rather than table-driven: messages are ~100 bytes, and no table
 * means no shared state to initialise across threads. */
uint32_t stun_crc32(const uint8_t *data, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* HMAC-SHA1 over a || b: verification needs the header with an adjusted
 * length followed by the received bytes, and the input is const. */
static int hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *a,
		     size_t a_len, const uint8_t *b, size_t b_len,
		     uint8_t out[STUN_HMAC_LEN])
{
	static const uint8_t empty_key[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)"SHA1", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	size_t n = 0;
	int ok;

	/* A NULL key would mean "keep the previous key" to OpenSSL. */
	if (key == NULL)
		key = empty_key, key_len = 0;
	ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) &&
	     EVP_MAC_update(ctx, a, a_len) &&
	     (b_len == 0 || EVP_MAC_update(ctx, b, b_len)) &&
	     EVP_MAC_final(ctx, out, &n, STUN_HMAC_LEN) && n == STUN_HMAC_LEN;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? STUN_OK : STUN_ERR_CRYPTO;
}

/* ---- parsing ----------------------------------------------------------- */

bool stun_looks_like(const uint8_t *buf, size_t len)
{
	return buf != NULL && len >= STUN_HEADER_LEN && (buf[0] & 0xC0) == 0 &&
	       get32(buf + 4) == STUN_MAGIC_COOKIE;
}

static uint16_t type_method(uint16_t t)
{
	return (uint16_t)((t & 0x000F) | (t & 0x00E0) >> 1 | (t & 0x3E00) >> 2);
}

static enum stun_class type_class(uint16_t t)
{
	return (enum stun_class)((t >> 4 & 1) | (t >> 7 & 2));
}

static uint16_t make_type(uint16_t method, enum stun_class cls)
{
	unsigned c = (unsigned)cls;
	return (uint16_t)((method & 0x000F) | (method & 0x0070) << 1 |
			  (method & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7);
}

static void note_unknown(struct stun_msg *msg, uint16_t type)
{
	for (unsigned i = 0; i < msg->n_unknown; i++)
		if (msg->unknown[i] == type)
			return;
	if (msg->n_unknown == STUN_MAX_UNKNOWN) {
		msg->unknown_truncated = true;
		return;
	}
	msg->unknown[msg->n_unknown++] = type;
}

/* Records one attribute seen before MESSAGE-INTEGRITY (or FINGERPRINT
 * anywhere). Returns STUN_ERR_ATTR_VALUE for a known attribute whose size
 * cannot be right. */
static int note_attr(struct stun_msg *msg, uint16_t type, uint32_t off,
		     uint16_t len)
{
	struct stun_attr_ref *ref;
	bool ok;

	switch (type) {
	case STUN_ATTR_USERNAME:
		ref = &msg->username, ok = len <= STUN_USERNAME_MAX;
		break;
	case STUN_ATTR_MESSAGE_INTEGRITY:
		ref = &msg->integrity, ok = len == STUN_HMAC_LEN;
		break;
	case STUN_ATTR_FINGERPRINT:
		ref = &msg->fingerprint, ok = len == 4;
		break;
	case STUN_ATTR_PRIORITY:
		ref = &msg->priority, ok = len == 4;
		break;
	case STUN_ATTR_USE_CANDIDATE:
		ref = &msg->use_candidate, ok = len == 0;
		break;
	case STUN_ATTR_ICE_CONTROLLING:
		ref = &msg->ice_controlling, ok = len == 8;
		break;
	case STUN_ATTR_ICE_CONTROLLED:
		ref = &msg->ice_controlled, ok = len == 8;
		break;
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		ref = &msg->xor_mapped_address, ok = len == 8 || len == 20;
		break;
	case STUN_ATTR_ERROR_CODE:
		ref = &msg->error_code, ok = len >= 4 && len <= 4 + REASON_MAX;
		break;
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
		ref = &msg->unknown_attributes, ok = len % 2 == 0;
		break;
	case STUN_ATTR_MAPPED_ADDRESS:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
		/* understood, not used by ICE: known-but-unexpected, ignored
		 * (RFC 5389 §7.3) */
		return STUN_OK;
	default:
		if (type < 0x8000)
			note_unknown(msg, type);
		return STUN_OK;
	}
	if (!ok)
		return STUN_ERR_ATTR_VALUE;
	if (ref->off == 0) {
		ref->off = off;
		ref->len = len;
	}
	return STUN_OK;
}

int stun_parse(struct stun_msg *msg, const uint8_t *buf, size_t len)
{
	bool after_integrity = false, after_fingerprint = false;
	size_t off;
	int rc;

	if (msg == NULL)
		return STUN_ERR_BAD_PARAM;
	memset(msg, 0, sizeof(*msg));
	if (buf == NULL || len < STUN_HEADER_LEN)
		return buf == NULL && len > 0 ? STUN_ERR_BAD_PARAM
					      : STUN_ERR_TOO_SHORT;
	if ((buf[0] & 0xC0) != 0 || get32(buf + 4) != STUN_MAGIC_COOKIE)
		return STUN_ERR_NOT_STUN;
	uint16_t mlen = get16(buf + 2);
	if (mlen % 4 != 0 || (size_t)mlen + STUN_HEADER_LEN != len)
		return STUN_ERR_BAD_LENGTH;

	for (off = STUN_HEADER_LEN; off < len;) {
		if (after_fingerprint) {
			rc = STUN_ERR_AFTER_FINGERPRINT;
			goto fail;
		}
		if (len - off < 4) {
			rc = STUN_ERR_ATTR_OVERRUN;
			goto fail;
		}
		uint16_t type = get16(buf + off);
		uint16_t alen = get16(buf + off + 2);
		if (pad4(alen) > len - off - 4) {
			rc = STUN_ERR_ATTR_OVERRUN;
			goto fail;
		}
		if (type == STUN_ATTR_FINGERPRINT)
			after_fingerprint = true;
		if (!after_integrity || type == STUN_ATTR_FINGERPRINT) {
			rc = note_attr(msg, type, (uint32_t)(off + 4), alen);
			if (rc != STUN_OK)
				goto fail;
		}
		if (type == STUN_ATTR_MESSAGE_INTEGRITY)
			after_integrity = true;
		off += 4 + pad4(alen);
	}

	msg->buf = buf;
	msg->len = len;
	msg->type = get16(buf) & 0x3FFF;
	msg->method = type_method(msg->type);
	msg->cls = type_class(msg->type);
	memcpy(msg->tid, buf + 8, STUN_TID_LEN);
	return STUN_OK;
fail:
	memset(msg, 0, sizeof(*msg));
	return rc;
}

int stun_check_fingerprint(const struct stun_msg *msg)
{
	if (msg == NULL || msg->buf == NULL)
		return STUN_ERR_BAD_PARAM;
	if (msg->fingerprint.off == 0)
		return STUN_ERR_NO_FINGERPRINT;
	uint32_t want = stun_crc32(msg->buf, msg->fingerprint.off - 4) ^
			STUN_FINGERPRINT_XOR;
	return get32(msg->buf + msg->fingerprint.off) == want
		       ? STUN_OK
		       : STUN_ERR_BAD_FINGERPRINT;
}

int stun_check_integrity(const struct stun_msg *msg, const uint8_t *key,
			 size_t key_len)
{
	uint8_t hdr[STUN_HEADER_LEN], mac[STUN_HMAC_LEN];
	int rc;

	if (msg == NULL || msg->buf == NULL || (key == NULL && key_len > 0))
		return STUN_ERR_BAD_PARAM;
	if (msg->integrity.off == 0)
		return STUN_ERR_NO_INTEGRITY;
	/* §15.4: the length field covers up to the end of MESSAGE-INTEGRITY,
	 * as it did when the sender computed it before adding FINGERPRINT. */
	size_t attr = msg->integrity.off - 4;
	memcpy(hdr, msg->buf, STUN_HEADER_LEN);
	put16(hdr + 2, (uint16_t)(attr + 4 + STUN_HMAC_LEN - STUN_HEADER_LEN));
	rc = hmac_sha1(key, key_len, hdr, sizeof(hdr),
		       msg->buf + STUN_HEADER_LEN, attr - STUN_HEADER_LEN, mac);
	if (rc != STUN_OK)
		return rc;
	return CRYPTO_memcmp(mac, msg->buf + msg->integrity.off,
			     STUN_HMAC_LEN) == 0
		       ? STUN_OK
		       : STUN_ERR_BAD_INTEGRITY;
}

/* The XOR mask of §15.2: the magic cookie, then (IPv6) the transaction id. */
static void xor_mask(uint8_t mask[16], const uint8_t tid[STUN_TID_LEN])
{
	put32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, tid, STUN_TID_LEN);
}

int stun_get_xor_mapped_address(const struct stun_msg *msg,
				struct stun_addr *addr)
{
	uint8_t mask[16];

	if (msg == NULL || msg->buf == NULL || addr == NULL)
		return STUN_ERR_BAD_PARAM;
	if (msg->xor_mapped_address.off == 0)
		return STUN_ERR_NO_ATTRIBUTE;
	const uint8_t *v = msg->buf + msg->xor_mapped_address.off;
	uint16_t len = msg->xor_mapped_address.len;
	size_t alen;

	if (v[1] == STUN_AF_IPV4 && len == 8)
		alen = 4;
	else if (v[1] == STUN_AF_IPV6 && len == 20)
		alen = 16;
	else
		return STUN_ERR_BAD_ADDRESS;
	memset(addr, 0, sizeof(*addr));
	xor_mask(mask, msg->tid);
	addr->family = v[1];
	addr->port = get16(v + 2) ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	for (size_t i = 0; i < alen; i++)
		addr->addr[i] = v[4 + i] ^ mask[i];
	return STUN_OK;
}

int stun_get_error_code(const struct stun_msg *msg, unsigned *code,
			const uint8_t **reason, size_t *reason_len)
{
	if (msg == NULL || msg->buf == NULL || code == NULL)
		return STUN_ERR_BAD_PARAM;
	if (msg->error_code.off == 0)
		return STUN_ERR_NO_ATTRIBUTE;
	const uint8_t *v = msg->buf + msg->error_code.off;
	unsigned cls = v[2] & 7, number = v[3];
	if (cls < 3 || cls > 6 || number > 99)
		return STUN_ERR_ATTR_VALUE;
	*code = cls * 100 + number;
	if (reason != NULL)
		*reason = v + 4;
	if (reason_len != NULL)
		*reason_len = msg->error_code.len - 4u;
	return STUN_OK;
}

int stun_get_unknown_attributes(const struct stun_msg *msg, uint16_t *types,
				unsigned max, unsigned *count)
{
	if (msg == NULL || msg->buf == NULL || count == NULL ||
	    (types == NULL && max > 0))
		return STUN_ERR_BAD_PARAM;
	if (msg->unknown_attributes.off == 0)
		return STUN_ERR_NO_ATTRIBUTE;
	const uint8_t *v = msg->buf + msg->unknown_attributes.off;
	unsigned n = msg->unknown_attributes.len / 2u;
	for (unsigned i = 0; i < n && i < max; i++)
		types[i] = get16(v + 2 * i);
	*count = n;
	return STUN_OK;
}

static int get_u64(const struct stun_msg *msg, const struct stun_attr_ref *ref,
		   uint64_t *out)
{
	if (msg == NULL || msg->buf == NULL || out == NULL)
		return STUN_ERR_BAD_PARAM;
	if (ref->off == 0)
		return STUN_ERR_NO_ATTRIBUTE;
	*out = (uint64_t)get32(msg->buf + ref->off) << 32 |
	       get32(msg->buf + ref->off + 4);
	return STUN_OK;
}

int stun_get_priority(const struct stun_msg *msg, uint32_t *priority)
{
	if (msg == NULL || msg->buf == NULL || priority == NULL)
		return STUN_ERR_BAD_PARAM;
	if (msg->priority.off == 0)
		return STUN_ERR_NO_ATTRIBUTE;
	*priority = get32(msg->buf + msg->priority.off);
	return STUN_OK;
}

int stun_get_ice_controlling(const struct stun_msg *msg, uint64_t *tiebreaker)
{
	return get_u64(msg, msg ? &msg->ice_controlling : NULL, tiebreaker);
}

int stun_get_ice_controlled(const struct stun_msg *msg, uint64_t *tiebreaker)
{
	return get_u64(msg, msg ? &msg->ice_controlled : NULL, tiebreaker);
}

/* ---- building ---------------------------------------------------------- */

static int fail(struct stun_writer *w, int err)
{
	if (w->err == STUN_OK)
		w->err = err;
	return w->err;
}

int stun_writer_init(struct stun_writer *w, uint8_t *buf, size_t cap,
		     uint16_t method, enum stun_class cls,
		     const uint8_t tid[STUN_TID_LEN])
{
	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = STUN_OK;
	if (buf == NULL || tid == NULL || method > 0xFFF ||
	    (unsigned)cls > STUN_CLASS_ERROR)
		return fail(w, STUN_ERR_BAD_PARAM);
	if (cap < STUN_HEADER_LEN)
		return fail(w, STUN_ERR_NO_ROOM);
	put16(buf, make_type(method, cls));
	put16(buf + 2, 0);
	put32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	w->len = STUN_HEADER_LEN;
	return STUN_OK;
}

/* Appends an attribute header and zeroed padding, updates the length field,
 * and returns where the value goes (NULL once an error has stuck). */
static uint8_t *reserve(struct stun_writer *w, uint16_t type, size_t len)
{
	if (w->err != STUN_OK)
		return NULL;
	if (len > 0xFFFF) {
		fail(w, STUN_ERR_BAD_PARAM);
		return NULL;
	}
	size_t end = w->len + 4 + pad4(len);
	if (end > w->cap || end - STUN_HEADER_LEN > 0xFFFF) {
		fail(w, STUN_ERR_NO_ROOM);
		return NULL;
	}
	uint8_t *p = w->buf + w->len;
	put16(p, type);
	put16(p + 2, (uint16_t)len);
	memset(p + 4 + len, 0, pad4(len) - len);
	w->len = end;
	put16(w->buf + 2, (uint16_t)(end - STUN_HEADER_LEN));
	return p + 4;
}

int stun_put_attr(struct stun_writer *w, uint16_t type, const void *value,
		  size_t len)
{
	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	if (value == NULL && len > 0)
		return fail(w, STUN_ERR_BAD_PARAM);
	uint8_t *p = reserve(w, type, len);
	if (p != NULL && len > 0)
		memcpy(p, value, len);
	return w->err;
}

int stun_put_u32(struct stun_writer *w, uint16_t type, uint32_t value)
{
	uint8_t v[4];

	put32(v, value);
	return stun_put_attr(w, type, v, sizeof(v));
}

int stun_put_u64(struct stun_writer *w, uint16_t type, uint64_t value)
{
	uint8_t v[8];

	put32(v, (uint32_t)(value >> 32));
	put32(v + 4, (uint32_t)value);
	return stun_put_attr(w, type, v, sizeof(v));
}

int stun_put_xor_address(struct stun_writer *w, uint16_t type,
			 const struct stun_addr *addr)
{
	uint8_t v[20], mask[16];
	size_t alen;

	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	if (w->err != STUN_OK)
		return w->err;
	if (addr == NULL || (addr->family != STUN_AF_IPV4 &&
			     addr->family != STUN_AF_IPV6))
		return fail(w, STUN_ERR_BAD_PARAM);
	alen = addr->family == STUN_AF_IPV4 ? 4 : 16;
	xor_mask(mask, w->buf + 8);
	v[0] = 0;
	v[1] = addr->family;
	put16(v + 2, addr->port ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
	for (size_t i = 0; i < alen; i++)
		v[4 + i] = addr->addr[i] ^ mask[i];
	return stun_put_attr(w, type, v, 4 + alen);
}

int stun_put_error_code(struct stun_writer *w, unsigned code,
			const char *reason)
{
	uint8_t v[4 + REASON_MAX];
	size_t rlen = reason != NULL ? strlen(reason) : 0;

	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	if (code < 300 || code > 699 || rlen > REASON_MAX)
		return fail(w, STUN_ERR_BAD_PARAM);
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	if (rlen > 0)
		memcpy(v + 4, reason, rlen);
	return stun_put_attr(w, STUN_ATTR_ERROR_CODE, v, 4 + rlen);
}

int stun_put_unknown_attributes(struct stun_writer *w, const uint16_t *types,
				unsigned n)
{
	uint8_t v[2 * STUN_MAX_UNKNOWN];

	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	if ((types == NULL && n > 0) || n > STUN_MAX_UNKNOWN)
		return fail(w, STUN_ERR_BAD_PARAM);
	for (unsigned i = 0; i < n; i++)
		put16(v + 2 * i, types[i]);
	return stun_put_attr(w, STUN_ATTR_UNKNOWN_ATTRIBUTES, v, 2 * (size_t)n);
}

int stun_put_integrity(struct stun_writer *w, const uint8_t *key,
		       size_t key_len)
{
	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	if (key == NULL && key_len > 0)
		return fail(w, STUN_ERR_BAD_PARAM);
	size_t start = w->len;
	/* reserve() has already set the length field to end after this
	 * attribute, which is the length the HMAC must see (§15.4). */
	uint8_t *p = reserve(w, STUN_ATTR_MESSAGE_INTEGRITY, STUN_HMAC_LEN);
	if (p == NULL)
		return w->err;
	if (hmac_sha1(key, key_len, w->buf, start, NULL, 0, p) != STUN_OK) {
		w->len = start;
		put16(w->buf + 2, (uint16_t)(start - STUN_HEADER_LEN));
		return fail(w, STUN_ERR_CRYPTO);
	}
	return STUN_OK;
}

int stun_put_fingerprint(struct stun_writer *w)
{
	if (w == NULL)
		return STUN_ERR_BAD_PARAM;
	size_t start = w->len;
	uint8_t *p = reserve(w, STUN_ATTR_FINGERPRINT, 4);
	if (p != NULL)
		put32(p, stun_crc32(w->buf, start) ^ STUN_FINGERPRINT_XOR);
	return w->err;
}

int stun_build_binding_request(const struct stun_binding_request *req,
			       uint8_t *out, size_t cap, size_t *out_len)
{
	struct stun_writer w;

	if (out_len != NULL)
		*out_len = 0;
	if (req == NULL || out_len == NULL || req->tid == NULL)
		return STUN_ERR_BAD_PARAM;
	stun_writer_init(&w, out, cap, STUN_METHOD_BINDING,
			 STUN_CLASS_REQUEST, req->tid);
	if (req->username != NULL)
		stun_put_attr(&w, STUN_ATTR_USERNAME, req->username,
			      strlen(req->username));
	if (req->has_priority)
		stun_put_u32(&w, STUN_ATTR_PRIORITY, req->priority);
	switch (req->role) {
	case STUN_ROLE_NONE:
		break;
	case STUN_ROLE_CONTROLLING:
		stun_put_u64(&w, STUN_ATTR_ICE_CONTROLLING, req->tiebreaker);
		break;
	case STUN_ROLE_CONTROLLED:
		stun_put_u64(&w, STUN_ATTR_ICE_CONTROLLED, req->tiebreaker);
		break;
	default:
		fail(&w, STUN_ERR_BAD_PARAM);
	}
	if (req->use_candidate)
		stun_put_attr(&w, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	if (req->password != NULL)
		stun_put_integrity(&w, (const uint8_t *)req->password,
				   strlen(req->password));
	if (!req->no_fingerprint)
		stun_put_fingerprint(&w);
	if (w.err == STUN_OK)
		*out_len = w.len;
	return w.err;
}

/* ---- ICE-lite responder ------------------------------------------------ */

int stun_ice_split_username(const struct stun_msg *msg,
			    const uint8_t **local, size_t *local_len,
			    const uint8_t **remote, size_t *remote_len)
{
	if (msg == NULL || msg->buf == NULL || local == NULL ||
	    local_len == NULL || remote == NULL || remote_len == NULL)
		return STUN_ERR_BAD_PARAM;
	if (msg->username.off == 0)
		return STUN_ERR_NO_USERNAME;
	const uint8_t *u = msg->buf + msg->username.off;
	size_t len = msg->username.len;
	const uint8_t *colon = memchr(u, ':', len);
	if (colon == NULL || colon == u || colon == u + len - 1)
		return STUN_ERR_BAD_USERNAME;
	*local = u;
	*local_len = (size_t)(colon - u);
	*remote = colon + 1;
	*remote_len = len - *local_len - 1;
	return STUN_OK;
}

/* An error response (§10.1.2 for 400/401: FINGERPRINT but no
 * MESSAGE-INTEGRITY, since the request gave us no key we trust). `key` is
 * set when the request was authenticated (420): §10.1.2 then requires
 * MESSAGE-INTEGRITY on every response. */
static int write_error(const struct stun_msg *msg, unsigned code,
		       const char *reason, const struct stun_ice_local *local,
		       bool authenticated, uint8_t *resp, size_t cap,
		       struct stun_ice_result *res)
{
	struct stun_writer w;

	stun_writer_init(&w, resp, cap, STUN_METHOD_BINDING, STUN_CLASS_ERROR,
			 msg->tid);
	stun_put_error_code(&w, code, reason);
	if (code == 420)
		stun_put_unknown_attributes(&w, msg->unknown, msg->n_unknown);
	if (authenticated)
		stun_put_integrity(&w, (const uint8_t *)local->password,
				   strlen(local->password));
	stun_put_fingerprint(&w);
	if (w.err != STUN_OK) {
		res->reason = w.err;
		return w.err;
	}
	res->verdict = STUN_VERDICT_REJECTED;
	res->error_code = code;
	res->response_len = w.len;
	return STUN_OK;
}

int stun_ice_respond(const uint8_t *pkt, size_t len,
		     const struct stun_ice_local *local,
		     const struct stun_addr *from, uint8_t *resp,
		     size_t resp_cap, struct stun_ice_result *res)
{
	struct stun_msg msg;
	struct stun_writer w;
	const uint8_t *lu, *ru;
	size_t lu_len, ru_len;
	int rc;

	if (res == NULL)
		return STUN_ERR_BAD_PARAM;
	memset(res, 0, sizeof(*res));
	res->verdict = STUN_VERDICT_MALFORMED;
	res->reason = STUN_ERR_BAD_PARAM;
	if ((pkt == NULL && len > 0) || local == NULL || local->ufrag == NULL ||
	    local->password == NULL ||
	    local->ufrag[0] == '\0' || local->password[0] == '\0' ||
	    from == NULL || resp == NULL ||
	    (from->family != STUN_AF_IPV4 && from->family != STUN_AF_IPV6))
		return STUN_ERR_BAD_PARAM;
	/* Checked up front so that whether a response fits never depends on
	 * what the peer sent. */
	if (resp_cap < STUN_RESPONSE_MAX) {
		res->reason = STUN_ERR_NO_ROOM;
		return STUN_ERR_NO_ROOM;
	}

	/* RFC 5389 §7.3: failures of the basic checks, FINGERPRINT included,
	 * are discarded without a word. */
	rc = stun_parse(&msg, pkt, len);
	if (rc != STUN_OK) {
		res->reason = rc;
		return STUN_OK;
	}
	memcpy(res->tid, msg.tid, STUN_TID_LEN);
	if (msg.fingerprint.off != 0) {
		rc = stun_check_fingerprint(&msg);
		if (rc != STUN_OK) {
			res->reason = rc;
			return STUN_OK;
		}
	}
	if (msg.cls != STUN_CLASS_REQUEST) {
		res->verdict = STUN_VERDICT_IGNORE;
		res->reason = STUN_ERR_NOT_REQUEST;
		return STUN_OK;
	}
	/* RFC 8445 §7.3: an agent MUST use the FINGERPRINT mechanism, and
	 * RFC 5389 §7.3 then requires it present. */
	if (msg.fingerprint.off == 0) {
		res->reason = STUN_ERR_NO_FINGERPRINT;
		return STUN_OK;
	}
	if (msg.method != STUN_METHOD_BINDING) {
		res->verdict = STUN_VERDICT_IGNORE;
		res->reason = STUN_ERR_UNSUPPORTED_METHOD;
		return STUN_OK;
	}

	/* RFC 5389 §10.1.2, in its order: both attributes present (400), a
	 * username we know (401), an integrity that verifies (401). */
	if (msg.username.off == 0 || msg.integrity.off == 0) {
		res->reason = msg.username.off == 0 ? STUN_ERR_NO_USERNAME
						    : STUN_ERR_NO_INTEGRITY;
		return write_error(&msg, 400, "Bad Request", local, false,
				   resp, resp_cap, res);
	}
	rc = stun_ice_split_username(&msg, &lu, &lu_len, &ru, &ru_len);
	if (rc != STUN_OK || lu_len != strlen(local->ufrag) ||
	    memcmp(lu, local->ufrag, lu_len) != 0) {
		res->reason = STUN_ERR_BAD_USERNAME;
		return write_error(&msg, 401, "Unauthorized", local, false,
				   resp, resp_cap, res);
	}
	rc = stun_check_integrity(&msg, (const uint8_t *)local->password,
				  strlen(local->password));
	if (rc == STUN_ERR_CRYPTO) {
		res->reason = rc;
		return rc;
	}
	if (rc != STUN_OK) {
		res->reason = rc;
		return write_error(&msg, 401, "Unauthorized", local, false,
				   resp, resp_cap, res);
	}
	/* RFC 5389 §7.3: unknown attributes are looked at only once the
	 * authentication checks are done. */
	if (msg.n_unknown > 0) {
		res->reason = STUN_ERR_UNKNOWN_ATTRIBUTE;
		return write_error(&msg, 420, "Unknown Attribute", local, true,
				   resp, resp_cap, res);
	}

	/* No 487 here: role-conflict repair (RFC 8445 §7.3.1.1) is one of the
	 * "Additional Procedures for Full Implementations" (§7.3.1); a lite
	 * agent is always controlled (§6.1.1) and answers. */
	stun_writer_init(&w, resp, resp_cap, STUN_METHOD_BINDING,
			 STUN_CLASS_SUCCESS, msg.tid);
	stun_put_xor_address(&w, STUN_ATTR_XOR_MAPPED_ADDRESS, from);
	stun_put_integrity(&w, (const uint8_t *)local->password,
			   strlen(local->password));
	stun_put_fingerprint(&w);
	if (w.err != STUN_OK) {
		res->reason = w.err;
		return w.err;
	}
	res->verdict = STUN_VERDICT_AUTHENTICATED;
	res->reason = STUN_OK;
	res->response_len = w.len;
	res->use_candidate = msg.use_candidate.off != 0;
	res->peer_controlled = msg.ice_controlled.off != 0;
	res->has_priority = stun_get_priority(&msg, &res->priority) == STUN_OK;
	res->remote_ufrag = ru;
	res->remote_ufrag_len = ru_len;
	return STUN_OK;
}
