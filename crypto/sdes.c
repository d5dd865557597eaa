/*
 * RFC 4568 security descriptions: the grammar of §9 with the rules of §6 for
 * the SRTP "inline" key method, over the suites of srtp_edge.h. Works on
 * spans of the caller's text, copies key bits only into the output key, and
 * wipes its decode buffer and any partly filled output on every path.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sdes.h"

struct span {
	const char *p;
	size_t n;
};

/* Where a message goes and what it starts with ("key-param 2: "). */
struct report {
	char *err;
	size_t errlen;
	char where[64];
};

static int fail(const struct report *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const struct report *r, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err == NULL || r->errlen == 0)
		return status;
	n = snprintf(r->err, r->errlen, "%s", r->where);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return status;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Field values are case-insensitive (RFC 4568 §4); `lit` is upper case. */
static bool span_ieq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_upper(s.p[i]) != lit[i])
			return false;
	return true;
}

/* If s starts with `lit` (case-insensitively), the rest of it. */
static bool span_iprefix(struct span s, const char *lit, struct span *rest)
{
	size_t n = strlen(lit);

	if (s.n < n || !span_ieq((struct span){s.p, n}, lit))
		return false;
	*rest = (struct span){s.p + n, s.n - n};
	return true;
}

static bool name_chars(struct span s, bool dash)
{
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!(is_digit(c) || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || c == '_' || (dash && c == '-')))
			return false;
	}
	return s.n > 0;
}

/* Whether a name may be quoted in a message: a short run of name characters
 * cannot be a key (key||salt is at least 38 base64 characters), so no
 * message carries key text even when a key sits where a name was due. */
static bool quotable(struct span s, size_t max)
{
	return s.n <= max && name_chars(s, true);
}

enum num { NUM_OK, NUM_EMPTY, NUM_NOT_DIGIT, NUM_LEADING_ZERO, NUM_TOO_BIG };

/* A decimal number without leading zeroes (RFC 4568 forbids them in every
 * number it defines), at most `max`. */
static enum num parse_num(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	if (s.n == 0)
		return NUM_EMPTY;
	for (size_t i = 0; i < s.n; i++)
		if (!is_digit(s.p[i]))
			return NUM_NOT_DIGIT;
	if (s.n > 1 && s.p[0] == '0')
		return NUM_LEADING_ZERO;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)(s.p[i] - '0');
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return NUM_TOO_BIG;
		v = v * 10 + d;
	}
	*out = v;
	return NUM_OK;
}

/* Digits are never key text: long ones are cut for the message only. */
#define DIGITS_FMT "%.*s%s"
#define DIGITS_ARG(s) (int)((s).n > 24 ? 24 : (s).n), (s).p, (s).n > 24 ? "..." : ""

/* ---- base64 (RFC 4648 §4, with padding) ---- */

/* Branch-free, so that decoding a key does not time its characters' classes.
 * Returns 0..63, or -1 for anything outside the alphabet. */
static int b64_value(unsigned char c)
{
	int x = c, v = -1;

	/* each term adds (value + 1) when x is in its range: the masks are
	 * all-ones exactly when both bounds hold (arithmetic shift) */
	v += ((('A' - 1 - x) & (x - 'Z' - 1)) >> 8) & (x - 'A' + 1);
	v += ((('a' - 1 - x) & (x - 'z' - 1)) >> 8) & (x - 'a' + 27);
	v += ((('0' - 1 - x) & (x - '9' - 1)) >> 8) & (x - '0' + 53);
	v += ((('+' - 1 - x) & (x - '+' - 1)) >> 8) & 63;
	v += ((('/' - 1 - x) & (x - '/' - 1)) >> 8) & 64;
	return v;
}

/* Checks the text of key||salt and finds how many bytes it decodes to. */
static int b64_check(struct span s, const struct report *r, size_t *dlen)
{
	size_t pad = 0, first_pad = 0;

	*dlen = 0;
	if (s.n == 0)
		return fail(r, SRE_ERR_BAD_PARAM, "no key||salt after \"inline:\"");
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '=') {
			if (pad++ == 0)
				first_pad = i;
			continue;
		}
		if (b64_value(c) < 0) {
			if (is_wsp((char)c) || c == '\r' || c == '\n')
				return fail(r, SRE_ERR_BAD_PARAM,
					    "whitespace (0x%02x) at base64 character %zu",
					    c, i + 1);
			if (c > 0x20 && c < 0x7f)
				return fail(r, SRE_ERR_BAD_PARAM,
					    "'%c' at base64 character %zu is not in the RFC 4648 base64 alphabet",
					    c, i + 1);
			return fail(r, SRE_ERR_BAD_PARAM,
				    "byte 0x%02x at base64 character %zu is not in the RFC 4648 base64 alphabet",
				    c, i + 1);
		}
		if (pad)
			return fail(r, SRE_ERR_BAD_PARAM,
				    "base64 padding '=' at character %zu is followed by data",
				    first_pad + 1);
	}
	if (pad > 2)
		return fail(r, SRE_ERR_BAD_PARAM,
			    "base64 ends in %zu '=': padding is one or two", pad);
	if (s.n % 4 != 0)
		return fail(r, SRE_ERR_BAD_PARAM,
			    "base64 key||salt is %zu characters, not a multiple of 4 (padding missing or wrong)",
			    s.n);
	/* RFC 4648 §3.5: the bits after the last byte are zero; other
	 * encodings of the same bytes are refused so that one key has one
	 * text */
	if ((pad == 1 && (b64_value((unsigned char)s.p[s.n - 2]) & 0x3) != 0) ||
	    (pad == 2 && (b64_value((unsigned char)s.p[s.n - 3]) & 0xf) != 0))
		return fail(r, SRE_ERR_BAD_PARAM,
			    "base64 padding bits are not zero (not canonical RFC 4648 base64)");
	*dlen = s.n / 4 * 3 - pad;
	return SRE_OK;
}

/* Decodes checked base64 into exactly the bytes b64_check counted. */
static void b64_decode(struct span s, uint8_t *out)
{
	uint32_t acc = 0;
	size_t o = 0;

	for (size_t i = 0; i < s.n; i += 4) {
		acc = 0;
		for (size_t j = 0; j < 4; j++) {
			int v = b64_value((unsigned char)s.p[i + j]);
			/* '=' counts as 0 bits; its bytes are not written */
			acc = acc << 6 | (uint32_t)(v & ~(v >> 8));
		}
		out[o++] = (uint8_t)(acc >> 16);
		if (s.p[i + 2] != '=')
			out[o++] = (uint8_t)(acc >> 8);
		if (s.p[i + 3] != '=')
			out[o++] = (uint8_t)acc;
	}
	explicit_bzero(&acc, sizeof(acc));
}

/* ---- one key-param ---- */

static int parse_lifetime(struct span f, const struct report *r,
			  uint64_t *out)
{
	struct span e;
	uint64_t v;

	if (f.n == 0)
		return fail(r, SRE_ERR_BAD_PARAM, "empty lifetime field before '|'");
	if (span_iprefix(f, "2^", &e)) {
		switch (parse_num(e, 48, &v)) {
		case NUM_OK:
			*out = UINT64_C(1) << v;
			return SRE_OK;
		case NUM_EMPTY:
			return fail(r, SRE_ERR_BAD_PARAM, "lifetime \"2^\" has no exponent");
		case NUM_NOT_DIGIT:
			return fail(r, SRE_ERR_BAD_PARAM,
				    "lifetime exponent after \"2^\" is not a decimal number");
		case NUM_LEADING_ZERO:
			return fail(r, SRE_ERR_BAD_PARAM,
				    "lifetime exponent has leading zeroes (RFC 4568 §6.1)");
		case NUM_TOO_BIG:
			return fail(r, SRE_ERR_BAD_PARAM,
				    "lifetime 2^" DIGITS_FMT " exceeds the SRTP maximum 2^48 packets",
				    DIGITS_ARG(e));
		}
	}
	switch (parse_num(f, SRE_SDES_MAX_LIFETIME, &v)) {
	case NUM_OK:
		if (v == 0)
			return fail(r, SRE_ERR_BAD_PARAM,
				    "lifetime 0: a key must be good for at least one packet");
		*out = v;
		return SRE_OK;
	case NUM_EMPTY:
	case NUM_NOT_DIGIT:
		break;
	case NUM_LEADING_ZERO:
		return fail(r, SRE_ERR_BAD_PARAM,
			    "lifetime has leading zeroes (RFC 4568 §6.1)");
	case NUM_TOO_BIG:
		return fail(r, SRE_ERR_BAD_PARAM,
			    "lifetime " DIGITS_FMT " exceeds the SRTP maximum 2^48 packets",
			    DIGITS_ARG(f));
	}
	return fail(r, SRE_ERR_BAD_PARAM,
		    "lifetime is neither a decimal number nor 2^N");
}

static int parse_mki(struct span f, const struct report *r,
		     struct sre_sdes_key *out)
{
	const char *colon = memchr(f.p, ':', f.n);
	struct span val = {f.p, (size_t)(colon - f.p)};
	struct span len = {colon + 1, f.n - val.n - 1};
	uint64_t n, v;

	/* RFC 4568 §9.2: mki-length = 1*3DIGIT, range 1..128 */
	switch (parse_num(len, 999, &n)) {
	case NUM_OK:
		break;
	case NUM_EMPTY:
		return fail(r, SRE_ERR_MKI_LENGTH, "MKI has no length after ':'");
	case NUM_NOT_DIGIT:
		return fail(r, SRE_ERR_MKI_LENGTH,
			    "MKI length is not a decimal number");
	case NUM_LEADING_ZERO:
		return fail(r, SRE_ERR_MKI_LENGTH,
			    "MKI length has leading zeroes (RFC 4568 §6.1)");
	case NUM_TOO_BIG:
		n = 1000;
		break;
	}
	if (n == 0 || n > 128)
		return fail(r, SRE_ERR_MKI_LENGTH,
			    "MKI length " DIGITS_FMT " is outside RFC 4568's 1 to 128 bytes (SRTP Edge supports 1 to %d)",
			    DIGITS_ARG(len), SRE_MAX_MKI_LEN);
	if (n > SRE_MAX_MKI_LEN)
		return fail(r, SRE_ERR_MKI_LENGTH,
			    "MKI length %u bytes: SRTP Edge supports MKIs of 1 to %d bytes (RFC 4568 allows up to 128)",
			    (unsigned)n, SRE_MAX_MKI_LEN);
	switch (parse_num(val, (UINT64_C(1) << (8 * n)) - 1, &v)) {
	case NUM_OK:
		break;
	case NUM_EMPTY:
		return fail(r, SRE_ERR_BAD_PARAM, "MKI has no value before ':'");
	case NUM_NOT_DIGIT:
		return fail(r, SRE_ERR_BAD_PARAM, "MKI value is not a decimal number");
	case NUM_LEADING_ZERO:
		return fail(r, SRE_ERR_BAD_PARAM,
			    "MKI value has leading zeroes (RFC 4568 §6.1)");
	case NUM_TOO_BIG:
		return fail(r, SRE_ERR_BAD_PARAM,
			    "MKI value " DIGITS_FMT " does not fit in %u byte%s",
			    DIGITS_ARG(val), (unsigned)n, n == 1 ? "" : "s");
	}
	if (v == 0)
		return fail(r, SRE_ERR_BAD_PARAM,
			    "MKI value 0: RFC 4568 §6.1 MKIs are positive integers");
	out->mki_len = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		out->mki[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return SRE_OK;
}

static int parse_key_fields(struct span t, enum sre_suite suite,
			    const struct report *r, struct sre_sdes_key *out)
{
	size_t key_len = sre_suite_master_key_len(suite);
	size_t salt_len = sre_suite_master_salt_len(suite);
	uint8_t buf[SRE_MAX_MASTER_KEY_LEN + SRE_MAX_MASTER_SALT_LEN];
	const char *colon = memchr(t.p, ':', t.n);
	struct span method, f[3];
	size_t nf = 0, dlen, i;
	int rc;

	if (colon == NULL)
		return fail(r, SRE_ERR_BAD_PARAM,
			    "no key method: a key-param starts with \"inline:\"");
	method = (struct span){t.p, (size_t)(colon - t.p)};
	if (!span_ieq(method, "INLINE")) {
		if (quotable(method, 16))
			return fail(r, SRE_ERR_BAD_PARAM,
				    "key method \"%.*s\" is not supported: SRTP keys are \"inline:\" (RFC 4568 §6.1)",
				    (int)method.n, method.p);
		return fail(r, SRE_ERR_BAD_PARAM,
			    "does not start with \"inline:\"");
	}

	/* key||salt ["|" lifetime] ["|" mki] */
	const char *p = colon + 1, *end = t.p + t.n;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *stop = bar != NULL ? bar : end;

		if (nf == 3)
			return fail(r, SRE_ERR_BAD_PARAM,
				    "more than 3 '|'-separated fields (key||salt|lifetime|MKI:length)");
		f[nf++] = (struct span){p, (size_t)(stop - p)};
		if (bar == NULL)
			break;
		p = bar + 1;
	}

	rc = b64_check(f[0], r, &dlen);
	if (rc != SRE_OK)
		return rc;
	if (dlen != key_len + salt_len)
		return fail(r, SRE_ERR_KEY_LENGTH,
			    "base64 decodes to %zu bytes, %s needs %zu (%zu-byte key + %zu-byte salt)",
			    dlen, sre_suite_name(suite), key_len + salt_len,
			    key_len, salt_len);
	b64_decode(f[0], buf);
	memcpy(out->key, buf, key_len);
	memcpy(out->salt, buf + key_len, salt_len);
	explicit_bzero(buf, sizeof(buf));
	out->key_len = (uint8_t)key_len;
	out->salt_len = (uint8_t)salt_len;

	/* "the lifetime field never includes a colon, whereas the third field
	 * always does" (RFC 4568 §6.1): that tells "|1066:4" from "|2^20" */
	i = 1;
	if (i < nf && memchr(f[i].p, ':', f[i].n) == NULL) {
		rc = parse_lifetime(f[i], r, &out->lifetime);
		if (rc != SRE_OK)
			return rc;
		i++;
	}
	if (i < nf) {
		if (memchr(f[i].p, ':', f[i].n) == NULL)
			return fail(r, SRE_ERR_BAD_PARAM,
				    "field %zu is not <MKI>:<length>", i + 1);
		rc = parse_mki(f[i], r, out);
		if (rc != SRE_OK)
			return rc;
		i++;
	}
	if (i < nf)
		return fail(r, SRE_ERR_BAD_PARAM,
			    "field %zu follows the MKI: the lifetime goes before the MKI (RFC 4568 §9.2)",
			    i + 1);
	return SRE_OK;
}

static int parse_key(struct span t, enum sre_suite suite,
		     const struct report *r, struct sre_sdes_key *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_key_fields(t, suite, r, out);
	if (rc != SRE_OK)
		explicit_bzero(out, sizeof(*out));
	return rc;
}

int sre_sdes_parse_key_param(const char *text, enum sre_suite suite,
			     struct sre_sdes_key *out, char *err,
			     size_t errlen)
{
	struct report r = {err, errlen, ""};
	const char *semi;
	struct span t;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return fail(&r, SRE_ERR_BAD_PARAM, "no output key");
	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return fail(&r, SRE_ERR_BAD_PARAM, "no key-param text");
	if ((unsigned)suite >= SRE_SUITE_COUNT)
		return fail(&r, SRE_ERR_BAD_PARAM, "unknown suite %d", (int)suite);
	t = (struct span){text, strlen(text)};
	if (t.n == 0)
		return fail(&r, SRE_ERR_BAD_PARAM, "empty key-param");
	semi = memchr(t.p, ';', t.n);
	if (semi != NULL)
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "';' at character %zu: this takes one key-param (a=crypto lines: sre_sdes_parse_crypto_attr)",
			    (size_t)(semi - t.p) + 1);
	return parse_key(t, suite, &r, out);
}

/* ---- key-params and the crypto attribute ---- */

/* key-param *(";" key-param), with the rules for several keys of §6.1 and
 * §4.3 (each key named by an MKI of one length, each key unique). */
static int parse_key_params(struct span s, enum sre_suite suite,
			    const char *prefix, char *err, size_t errlen,
			    struct sre_sdes_key *keys, unsigned *nkeys)
{
	struct report r = {err, errlen, ""};
	const char *p = s.p, *end = s.p + s.n;
	unsigned n = 0;
	int rc;

	*nkeys = 0;
	snprintf(r.where, sizeof(r.where), "%s", prefix);
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		struct span t = {p, (size_t)((semi != NULL ? semi : end) - p)};

		if (n == SRE_MAX_KEYS)
			return fail(&r, SRE_ERR_TOO_MANY_KEYS,
				    "more than %d key-params: SRTP Edge keeps at most %d master keys per context",
				    SRE_MAX_KEYS, SRE_MAX_KEYS);
		snprintf(r.where, sizeof(r.where), "%skey-param %u: ", prefix,
			 n + 1);
		if (t.n == 0)
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "empty (a stray ';'?)");
		rc = parse_key(t, suite, &r, &keys[n]);
		if (rc != SRE_OK)
			return rc;
		n++;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	snprintf(r.where, sizeof(r.where), "%s", prefix);
	for (unsigned i = 0; n > 1 && i < n; i++) {
		if (keys[i].mki_len == 0)
			return fail(&r, SRE_ERR_MKI_LENGTH,
				    "key-param %u has no MKI: with several keys, every key needs one (RFC 4568 §6.1)",
				    i + 1);
		if (keys[i].mki_len != keys[0].mki_len)
			return fail(&r, SRE_ERR_MKI_LENGTH,
				    "key-param %u has a %u-byte MKI, key-param 1 a %u-byte one: all must have the same length (RFC 4568 §6.1)",
				    i + 1, keys[i].mki_len, keys[0].mki_len);
		for (unsigned j = 0; j < i; j++) {
			uint8_t diff = 0;

			if (memcmp(keys[i].mki, keys[j].mki, keys[i].mki_len) == 0)
				return fail(&r, SRE_ERR_MKI_DUPLICATE,
					    "key-params %u and %u have the same MKI: packets could not name their key (RFC 4568 §4.3)",
					    j + 1, i + 1);
			/* no early exit on key bytes */
			for (size_t b = 0; b < keys[i].key_len; b++)
				diff |= keys[i].key[b] ^ keys[j].key[b];
			if (diff == 0)
				return fail(&r, SRE_ERR_BAD_PARAM,
					    "key-params %u and %u carry the same master key: each must be unique (RFC 4568 §6.1)",
					    j + 1, i + 1);
		}
	}
	*nkeys = n;
	return SRE_OK;
}

/* Next whitespace-separated token; *p moves past it and the blanks after. */
static struct span next_token(const char **p, const char *end)
{
	const char *s = *p, *q = s;

	while (q < end && !is_wsp(*q))
		q++;
	*p = q;
	while (*p < end && is_wsp(**p))
		(*p)++;
	return (struct span){s, (size_t)(q - s)};
}

static int parse_session_param(struct span t, unsigned idx,
			       enum sre_suite suite, struct sre_sdes_crypto *out,
			       unsigned *seen, char *err, size_t errlen)
{
	enum { SEEN_KDR = 1, SEEN_FEC_ORDER = 2, SEEN_FEC_KEY = 4, SEEN_WSH = 8 };
	struct report r = {err, errlen, ""};
	struct span v;
	uint64_t n;

	snprintf(r.where, sizeof(r.where), "session parameter %u: ", idx);
	/* RFC 4568 §6.3.7: a '-' prefix marks an optional parameter that MAY
	 * be ignored; any other unknown one makes the attribute invalid */
	if (t.p[0] == '-')
		return SRE_OK;
	if (span_ieq(t, "UNENCRYPTED_SRTP")) {
		out->flags |= SRE_SDES_UNENCRYPTED_SRTP;
		return SRE_OK;
	}
	if (span_ieq(t, "UNENCRYPTED_SRTCP")) {
		out->flags |= SRE_SDES_UNENCRYPTED_SRTCP;
		return SRE_OK;
	}
	if (span_ieq(t, "UNAUTHENTICATED_SRTP")) {
		out->flags |= SRE_SDES_UNAUTHENTICATED_SRTP;
		return SRE_OK;
	}
	if (span_iprefix(t, "KDR=", &v)) {
		if (*seen & SEEN_KDR)
			return fail(&r, SRE_ERR_BAD_PARAM, "KDR given twice");
		*seen |= SEEN_KDR;
		/* §6.3.1 says n is 1..24, the §9.2 grammar 0..24: KDR=0 is
		 * taken as "no key derivation rate", as RFC 3711 reads 0 */
		switch (parse_num(v, 24, &n)) {
		case NUM_OK:
			out->kdr = n == 0 ? 0 : UINT64_C(1) << n;
			out->flags |= SRE_SDES_KDR;
			return SRE_OK;
		case NUM_EMPTY:
		case NUM_NOT_DIGIT:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "KDR value is not a decimal number 0 to 24");
		case NUM_LEADING_ZERO:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "KDR value has leading zeroes (RFC 4568 §6.3.1)");
		case NUM_TOO_BIG:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "KDR=" DIGITS_FMT " is out of range: the rate is 2^n with n 0 to 24 (RFC 4568 §6.3.1)",
				    DIGITS_ARG(v));
		}
	}
	if (span_iprefix(t, "FEC_ORDER=", &v)) {
		if (*seen & SEEN_FEC_ORDER)
			return fail(&r, SRE_ERR_BAD_PARAM, "FEC_ORDER given twice");
		*seen |= SEEN_FEC_ORDER;
		if (span_ieq(v, "FEC_SRTP"))
			return SRE_OK;
		if (span_ieq(v, "SRTP_FEC")) {
			out->flags |= SRE_SDES_FEC_SRTP_FEC;
			return SRE_OK;
		}
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "FEC_ORDER is neither FEC_SRTP nor SRTP_FEC (RFC 4568 §6.3.4)");
	}
	if (span_iprefix(t, "FEC_KEY=", &v)) {
		struct sre_sdes_key fec[SRE_MAX_KEYS];
		unsigned nfec;
		char prefix[sizeof(r.where)];
		int rc;

		if (*seen & SEEN_FEC_KEY)
			return fail(&r, SRE_ERR_BAD_PARAM, "FEC_KEY given twice");
		*seen |= SEEN_FEC_KEY;
		/* §6.3.5: same format and rules as the key-params; the keys
		 * are checked, then dropped (SRTP Edge keeps no FEC stream) */
		snprintf(prefix, sizeof(prefix), "session parameter %u: FEC_KEY ",
			 idx);
		if (v.n == 0)
			return fail(&r, SRE_ERR_BAD_PARAM, "FEC_KEY has no key-params");
		rc = parse_key_params(v, suite, prefix, err, errlen, fec, &nfec);
		/* §6.3.5: FEC master keys differ from every other one */
		for (unsigned i = 0; rc == SRE_OK && i < nfec; i++) {
			for (unsigned j = 0; rc == SRE_OK && j < out->nkeys; j++) {
				uint8_t diff = 0;

				for (size_t b = 0; b < fec[i].key_len; b++)
					diff |= fec[i].key[b] ^ out->keys[j].key[b];
				if (diff == 0)
					rc = fail(&r, SRE_ERR_BAD_PARAM,
						  "FEC_KEY key-param %u repeats the master key of key-param %u (RFC 4568 §6.3.5)",
						  i + 1, j + 1);
			}
		}
		explicit_bzero(fec, sizeof(fec));
		if (rc == SRE_OK)
			out->flags |= SRE_SDES_FEC_KEY;
		return rc;
	}
	if (span_iprefix(t, "WSH=", &v)) {
		if (*seen & SEEN_WSH)
			return fail(&r, SRE_ERR_BAD_PARAM, "WSH given twice");
		*seen |= SEEN_WSH;
		switch (parse_num(v, UINT32_MAX, &n)) {
		case NUM_OK:
			/* §9.2: wsh = "WSH=" 2*DIGIT, minimum value 64 */
			if (n < 64)
				return fail(&r, SRE_ERR_BAD_PARAM,
					    "WSH=%u is below the minimum window of 64 (RFC 4568 §9.2)",
					    (unsigned)n);
			out->wsh = (uint32_t)n;
			return SRE_OK;
		case NUM_EMPTY:
		case NUM_NOT_DIGIT:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "WSH value is not a decimal number");
		case NUM_LEADING_ZERO:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "WSH value has leading zeroes (RFC 4568 §6.3.6)");
		case NUM_TOO_BIG:
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "WSH=" DIGITS_FMT " is larger than 2^32-1",
				    DIGITS_ARG(v));
		}
	}
	const char *eq = memchr(t.p, '=', t.n);
	struct span name = {t.p, eq != NULL ? (size_t)(eq - t.p) : t.n};
	if (quotable(name, 24))
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "unknown parameter \"%.*s\" without '-' prefix: the attribute is invalid (RFC 4568 §6.3.7)",
			    (int)name.n, name.p);
	return fail(&r, SRE_ERR_BAD_PARAM,
		    "unknown parameter (not shown) without '-' prefix: the attribute is invalid (RFC 4568 §6.3.7)");
}

static int parse_attr(const char *line, struct sre_sdes_crypto *out,
		      char *err, size_t errlen)
{
	struct report r = {err, errlen, ""};
	const char *p = line, *end;
	struct span t;
	uint64_t tag;
	char name[32];
	unsigned seen = 0, idx = 0;
	int rc, known;

	if (strncmp(p, "a=crypto:", 9) == 0)
		p += 9;
	else if (strncmp(p, "crypto:", 7) == 0)
		p += 7;
	else if (p[0] == 'a' && p[1] == '=')
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "not a crypto attribute (no \"a=crypto:\")");
	end = p + strlen(p);
	while (end > p && (is_wsp(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	/* one line of visible characters and blanks (§9.1): checked once
	 * here, so that nothing below meets a control or 8-bit byte */
	for (const char *q = p; q < end; q++) {
		unsigned char c = (unsigned char)*q;
		if ((c < 0x21 || c > 0x7e) && !is_wsp((char)c))
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "byte 0x%02x at character %zu: the attribute must be one line of visible ASCII",
				    c, (size_t)(q - line) + 1);
	}
	if (p == end)
		return fail(&r, SRE_ERR_BAD_PARAM, "empty attribute: no tag");
	if (is_wsp(*p))
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "whitespace before the tag");

	t = next_token(&p, end);
	switch (parse_num(t, 999999999, &tag)) {
	case NUM_OK:
		if (tag == 0)
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "tag 0: SRTP Edge takes tags 1 to 999999999");
		break;
	case NUM_LEADING_ZERO:
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "tag has leading zeroes (RFC 4568 §4.1)");
	default:
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "tag is not a decimal number of 1 to 9 digits (RFC 4568 §9.1)");
	}
	out->tag = (uint32_t)tag;

	t = next_token(&p, end);
	if (t.n == 0)
		return fail(&r, SRE_ERR_BAD_PARAM, "no crypto-suite after the tag");
	if (!name_chars(t, false))
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "crypto-suite is not a name of letters, digits and '_' (RFC 4568 §9.1)");
	known = SRE_ERR_BAD_PARAM;
	if (t.n < sizeof(name)) {
		for (size_t i = 0; i < t.n; i++)
			name[i] = ascii_upper(t.p[i]);
		name[t.n] = '\0';
		known = sre_suite_from_name(name, &out->suite);
	}
	if (known != SRE_OK) {
		if (t.n < sizeof(name))
			return fail(&r, SRE_ERR_BAD_PARAM,
				    "crypto-suite \"%.*s\" is not supported",
				    (int)t.n, t.p);
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "crypto-suite (a %zu-character name) is not supported",
			    t.n);
	}

	t = next_token(&p, end);
	if (t.n == 0)
		return fail(&r, SRE_ERR_BAD_PARAM,
			    "no key-params after the crypto-suite");
	rc = parse_key_params(t, out->suite, "", err, errlen, out->keys,
			      &out->nkeys);
	if (rc != SRE_OK)
		return rc;

	while (p < end) {
		t = next_token(&p, end);
		rc = parse_session_param(t, ++idx, out->suite, out, &seen, err,
					 errlen);
		if (rc != SRE_OK)
			return rc;
	}
	return SRE_OK;
}

int sre_sdes_parse_crypto_attr(const char *line, struct sre_sdes_crypto *out,
			       char *err, size_t errlen)
{
	struct report r = {err, errlen, ""};
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return fail(&r, SRE_ERR_BAD_PARAM, "no output struct");
	memset(out, 0, sizeof(*out));
	if (line == NULL)
		return fail(&r, SRE_ERR_BAD_PARAM, "no attribute text");
	rc = parse_attr(line, out, err, errlen);
	if (rc != SRE_OK)
		explicit_bzero(out, sizeof(*out));
	return rc;
}
