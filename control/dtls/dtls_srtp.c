/*
 * DTLS-SRTP engine (see dtls_srtp.h): OpenSSL 3.0 DTLS 1.2 behind a small
 * datagram-queue BIO, certificate fingerprints in place of a PKI, HMAC
 * cookies bound to the peer's address, RFC 5764 key export.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dtls_srtp.h"

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define COOKIE_SECRET_LEN 32
#define RETRANSMIT_MAX_US 60000000u /* RFC 6347 §4.2.4.1: at least 60 s */
/* Outgoing datagrams not yet pulled: a flight at MTU 256 is well under
 * this; more means the caller stopped pulling. */
#define OUT_MAX_DATAGRAMS 64

/* Ephemeral ECDHE only; ECDSA first (ours), RSA for peers that load one. */
static const char cipher_list[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
	"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
	"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";

static const struct {
	const char *name;
	enum dtls_srtp_profile id;
	enum sre_suite suite;
} profiles[] = {
	{"SRTP_AEAD_AES_128_GCM", DTLS_SRTP_AEAD_AES_128_GCM, SRE_AEAD_AES_128_GCM},
	{"SRTP_AEAD_AES_256_GCM", DTLS_SRTP_AEAD_AES_256_GCM, SRE_AEAD_AES_256_GCM},
	{"SRTP_AES128_CM_SHA1_80", DTLS_SRTP_AES128_CM_SHA1_80, SRE_AES_CM_128_HMAC_SHA1_80},
	{"SRTP_AES128_CM_SHA1_32", DTLS_SRTP_AES128_CM_SHA1_32, SRE_AES_CM_128_HMAC_SHA1_32},
};
#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

struct dtls_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio_method;
	unsigned mtu;
	unsigned handshake_timeout_ms;
	unsigned retransmit_ms;
	bool cookies;
	unsigned nprofiles;
	uint16_t profile_ids[DTLS_MAX_PROFILES];
	char fingerprint[DTLS_FINGERPRINT_MAX];
	uint8_t cookie_secret[COOKIE_SECRET_LEN];
};

struct dgram {
	struct dgram *next;
	size_t len;
	uint8_t data[];
};

struct dtls_assoc {
	struct dtls_ctx *ctx;
	SSL *ssl;
	enum dtls_role role;
	enum dtls_state state;
	int error;
	const char *detail;
	/* set by callbacks and the BIO inside OpenSSL calls: the reason that
	 * the failing call itself cannot carry */
	int cb_error;
	bool fp_ok;
	bool peer_closed;
	int16_t alert_in;  /* fatal alert received, -1: none */
	int16_t alert_out; /* alert sent, -1: none */
	enum sre_suite suite;
	enum dtls_srtp_profile profile;
	unsigned mtu;
	uint64_t deadline_ns;
	/* the datagram of the dtls_assoc_feed in progress, NULL otherwise:
	 * nothing received is copied or kept */
	const uint8_t *in;
	size_t in_len;
	const void *peer;
	size_t peer_len;
	struct dgram *out_head, **out_tail;
	unsigned out_count;
	const EVP_MD *fp_md;
	uint8_t fp_len;
	uint8_t fp[EVP_MAX_MD_SIZE];
	struct dtls_assoc_stats stats;
};

/* ---- names ----------------------------------------------------------- */

static const struct {
	const char *name;
	const char *text;
} status_names[DTLS_STATUS_COUNT] = {
	[DTLS_OK] = {"ok", "success"},
	[DTLS_ERR_BAD_PARAM] = {"bad_param", "invalid argument"},
	[DTLS_ERR_NO_MEMORY] = {"no_memory", "out of memory"},
	[DTLS_ERR_OPENSSL] = {"openssl", "an OpenSSL call failed"},
	[DTLS_ERR_CERT_LOAD] = {"cert_load", "certificate or key file unreadable, or not a pair"},
	[DTLS_ERR_CERT_GENERATE] = {"cert_generate", "could not generate the key and certificate"},
	[DTLS_ERR_PROFILE_UNKNOWN] = {"profile_unknown", "unknown SRTP protection profile"},
	[DTLS_ERR_FINGERPRINT_FORMAT] = {"fingerprint_format", "fingerprint is not \"hash-func XX:XX:...\" of the hash's length"},
	[DTLS_ERR_FINGERPRINT_ALGORITHM] = {"fingerprint_algorithm", "fingerprint hash function not accepted"},
	[DTLS_ERR_SETUP] = {"setup", "a=setup values give no DTLS role"},
	[DTLS_ERR_STATE] = {"state", "not possible in the association's state"},
	[DTLS_ERR_QUEUE_FULL] = {"queue_full", "too many outgoing datagrams not pulled"},
	[DTLS_ERR_BUFFER_SMALL] = {"buffer_small", "datagram larger than the buffer"},
	[DTLS_ERR_FINGERPRINT_MISMATCH] = {"fingerprint_mismatch", "peer certificate does not match the signalled fingerprint"},
	[DTLS_ERR_NO_PEER_CERT] = {"no_peer_cert", "peer sent no certificate"},
	[DTLS_ERR_NO_SRTP_PROFILE] = {"no_srtp_profile", "no SRTP protection profile in common"},
	[DTLS_ERR_HANDSHAKE_TIMEOUT] = {"handshake_timeout", "handshake did not complete in time"},
	[DTLS_ERR_PEER_ALERT] = {"peer_alert", "peer sent a fatal alert"},
	[DTLS_ERR_HANDSHAKE_FAILED] = {"handshake_failed", "DTLS handshake failed"},
	[DTLS_ERR_KEY_EXPORT] = {"key_export", "keying material export failed"},
	[DTLS_ERR_CLOSED] = {"closed", "association closed"},
};

const char *dtls_status_name(int status)
{
	if (status < 0 || status >= DTLS_STATUS_COUNT)
		return "unknown";
	return status_names[status].name;
}

const char *dtls_strerror(int status)
{
	if (status < 0 || status >= DTLS_STATUS_COUNT)
		return "unknown status";
	return status_names[status].text;
}

const char *dtls_profile_name(unsigned profile)
{
	for (unsigned i = 0; i < NPROFILES; i++)
		if (profiles[i].id == profile)
			return profiles[i].name;
	return NULL;
}

int dtls_profile_suite(unsigned profile, enum sre_suite *suite)
{
	for (unsigned i = 0; i < NPROFILES; i++)
		if (profiles[i].id == profile) {
			*suite = profiles[i].suite;
			return DTLS_OK;
		}
	return DTLS_ERR_PROFILE_UNKNOWN;
}

/* ---- a=setup --------------------------------------------------------- */

static const char *const setup_names[] = {
	[DTLS_SETUP_ACTIVE] = "active",
	[DTLS_SETUP_PASSIVE] = "passive",
	[DTLS_SETUP_ACTPASS] = "actpass",
	[DTLS_SETUP_HOLDCONN] = "holdconn",
};

int dtls_setup_parse(const char *text, enum dtls_setup *setup)
{
	if (text == NULL || setup == NULL)
		return DTLS_ERR_BAD_PARAM;
	for (unsigned i = 0; i < sizeof(setup_names) / sizeof(setup_names[0]); i++)
		if (strcasecmp(text, setup_names[i]) == 0) {
			*setup = (enum dtls_setup)i;
			return DTLS_OK;
		}
	return DTLS_ERR_SETUP;
}

const char *dtls_setup_name(enum dtls_setup setup)
{
	if ((unsigned)setup > DTLS_SETUP_HOLDCONN)
		return "unknown";
	return setup_names[setup];
}

const char *dtls_role_name(enum dtls_role role)
{
	return role == DTLS_ROLE_CLIENT ? "client" :
	       role == DTLS_ROLE_SERVER ? "server" : "unknown";
}

int dtls_setup_answer(enum dtls_setup offer, enum dtls_setup *answer,
		      enum dtls_role *role)
{
	if (answer == NULL || role == NULL)
		return DTLS_ERR_BAD_PARAM;
	switch (offer) {
	case DTLS_SETUP_ACTPASS:
	case DTLS_SETUP_PASSIVE:
		*answer = DTLS_SETUP_ACTIVE;
		*role = DTLS_ROLE_CLIENT;
		return DTLS_OK;
	case DTLS_SETUP_ACTIVE:
		*answer = DTLS_SETUP_PASSIVE;
		*role = DTLS_ROLE_SERVER;
		return DTLS_OK;
	default:
		return DTLS_ERR_SETUP;
	}
}

int dtls_setup_offer_result(enum dtls_setup offer, enum dtls_setup answer,
			    enum dtls_role *role)
{
	if (role == NULL)
		return DTLS_ERR_BAD_PARAM;
	if (answer == DTLS_SETUP_ACTIVE &&
	    (offer == DTLS_SETUP_ACTPASS || offer == DTLS_SETUP_PASSIVE)) {
		*role = DTLS_ROLE_SERVER;
		return DTLS_OK;
	}
	if (answer == DTLS_SETUP_PASSIVE &&
	    (offer == DTLS_SETUP_ACTPASS || offer == DTLS_SETUP_ACTIVE)) {
		*role = DTLS_ROLE_CLIENT;
		return DTLS_OK;
	}
	return DTLS_ERR_SETUP;
}

/* ---- fingerprints (RFC 8122) ----------------------------------------- */

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} fp_algs[] = {
	{"sha-256", EVP_sha256},
	{"sha-1", EVP_sha1},
	{"sha-224", EVP_sha224},
	{"sha-384", EVP_sha384},
	{"sha-512", EVP_sha512},
};
#define NFP_ALGS (sizeof(fp_algs) / sizeof(fp_algs[0]))

static int fp_alg(const char *name, size_t len, const EVP_MD **md,
		  const char **canon)
{
	for (unsigned i = 0; i < NFP_ALGS; i++)
		if (strlen(fp_algs[i].name) == len &&
		    strncasecmp(fp_algs[i].name, name, len) == 0) {
			*md = fp_algs[i].md();
			if (canon)
				*canon = fp_algs[i].name;
			return DTLS_OK;
		}
	return DTLS_ERR_FINGERPRINT_ALGORITHM;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Lowercase hex and surrounding blanks are taken as SDP writers produce
 * them; the grammar is otherwise RFC 8122's. */
static int fp_parse(const char *s, const EVP_MD **md, uint8_t *out,
		    uint8_t *out_len)
{
	const char *alg;
	size_t alg_len;
	unsigned n = 0, want;
	int rc;

	if (s == NULL)
		return DTLS_ERR_BAD_PARAM;
	while (*s == ' ' || *s == '\t')
		s++;
	alg = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	alg_len = (size_t)(s - alg);
	if (alg_len == 0 || *s == '\0')
		return DTLS_ERR_FINGERPRINT_FORMAT;
	rc = fp_alg(alg, alg_len, md, NULL);
	if (rc != DTLS_OK)
		return rc;
	want = (unsigned)EVP_MD_get_size(*md);
	while (*s == ' ' || *s == '\t')
		s++;
	for (;;) {
		int hi = hexval((unsigned char)s[0]), lo;

		if (hi < 0 || (lo = hexval((unsigned char)s[1])) < 0 || n >= want)
			return DTLS_ERR_FINGERPRINT_FORMAT;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s != ':')
			break;
		s++;
	}
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s != '\0' || n != want)
		return DTLS_ERR_FINGERPRINT_FORMAT;
	*out_len = (uint8_t)n;
	return DTLS_OK;
}

int dtls_fingerprint_check(const char *fingerprint)
{
	const EVP_MD *md;
	uint8_t buf[EVP_MAX_MD_SIZE], len;
	int rc = fp_parse(fingerprint, &md, buf, &len);

	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int fp_format(X509 *cert, const char *alg, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	const EVP_MD *md;
	const char *canon;
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n, i;
	size_t need, off;
	int rc;

	if (alg == NULL || out == NULL)
		return DTLS_ERR_BAD_PARAM;
	rc = fp_alg(alg, strlen(alg), &md, &canon);
	if (rc != DTLS_OK)
		return rc;
	if (!X509_digest(cert, md, d, &n))
		return DTLS_ERR_OPENSSL;
	need = strlen(canon) + 1 + 3 * (size_t)n;
	if (cap < need)
		return DTLS_ERR_BUFFER_SMALL;
	off = (size_t)sprintf(out, "%s ", canon);
	for (i = 0; i < n; i++) {
		out[off++] = hex[d[i] >> 4];
		out[off++] = hex[d[i] & 15];
		out[off++] = i + 1 < n ? ':' : '\0';
	}
	return DTLS_OK;
}

/* ---- certificate ----------------------------------------------------- */

static int make_cert(unsigned days, X509 **cert_out, EVP_PKEY **key_out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	BIGNUM *bn = NULL;
	uint8_t serial[16];
	X509_NAME *name;
	int ok = 0;

	if (key == NULL || cert == NULL)
		goto out;
	/* a random positive 127-bit serial, as RFC 5280 §4.1.2.2 wants unique */
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto out;
	name = X509_get_subject_name(cert);
	/* a day of slack before now for peers whose clock runs behind */
	if (!X509_set_version(cert, 2) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -86400) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"srtp-edge", -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name) ||
	    !X509_set_pubkey(cert, key) ||
	    X509_sign(cert, key, EVP_sha256()) <= 0)
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(cert);
		EVP_PKEY_free(key);
		return DTLS_ERR_CERT_GENERATE;
	}
	*cert_out = cert;
	*key_out = key;
	return DTLS_OK;
}

/* ---- the datagram-queue BIO ------------------------------------------ */

/*
 * OpenSSL's DTLS code writes exactly one datagram per BIO_write (it flushes
 * its handshake buffer at datagram boundaries, as a UDP socket needs), and
 * reads one per BIO_read. BIO_s_mem would glue the writes of a flight into
 * one byte stream, so writes go to a queue of datagrams instead. Nothing is
 * queued on the way in: the read side hands OpenSSL the caller's datagram
 * during dtls_assoc_feed.
 */
static int qbio_write(BIO *b, const char *buf, int len)
{
	struct dtls_assoc *a = BIO_get_data(b);
	struct dgram *d;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	if (a->out_count >= OUT_MAX_DATAGRAMS) {
		a->cb_error = DTLS_ERR_QUEUE_FULL;
		return -1;
	}
	d = malloc(sizeof(*d) + (size_t)len);
	if (d == NULL) {
		a->cb_error = DTLS_ERR_NO_MEMORY;
		return -1;
	}
	d->next = NULL;
	d->len = (size_t)len;
	memcpy(d->data, buf, (size_t)len);
	*a->out_tail = d;
	a->out_tail = &d->next;
	a->out_count++;
	return len;
}

static int qbio_read(BIO *b, char *buf, int len)
{
	struct dtls_assoc *a = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (a->in == NULL) {
		BIO_set_retry_read(b);
		return -1;
	}
	/* a datagram longer than OpenSSL's buffer is cut, as recv(2) would */
	n = a->in_len < (size_t)len ? a->in_len : (size_t)len;
	memcpy(buf, a->in, n);
	a->in = NULL;
	return (int)n;
}

static long qbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct dtls_assoc *a = BIO_get_data(b);

	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
		return a != NULL && a->in != NULL ? (long)a->in_len : 0;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return a != NULL ? (long)a->mtu : DTLS_MTU_DEFAULT;
	case BIO_CTRL_DGRAM_SET_MTU:
		return num;
	/* the MTU we are given is the datagram size: no IP/UDP overhead */
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
	case BIO_CTRL_DGRAM_MTU_EXCEEDED:
	case BIO_CTRL_WPENDING:
	default:
		return 0;
	}
}

static int qbio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static int qbio_destroy(BIO *b)
{
	BIO_set_data(b, NULL);
	return 1;
}

static BIO_METHOD *qbio_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "srtp-edge datagram queue");

	if (m == NULL)
		return NULL;
	if (!BIO_meth_set_write(m, qbio_write) ||
	    !BIO_meth_set_read(m, qbio_read) ||
	    !BIO_meth_set_ctrl(m, qbio_ctrl) ||
	    !BIO_meth_set_create(m, qbio_create) ||
	    !BIO_meth_set_destroy(m, qbio_destroy)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* ---- OpenSSL callbacks ----------------------------------------------- */

static struct dtls_assoc *assoc_of(const SSL *ssl)
{
	return SSL_get_app_data(ssl);
}

/* Replaces chain building and trust stores altogether: the peer is who the
 * signalled fingerprint says, whoever signed its certificate. */
static int verify_cert_cb(X509_STORE_CTX *store, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
					      SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dtls_assoc *a = ssl != NULL ? assoc_of(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get0_cert(store);
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	(void)arg;
	if (a == NULL || cert == NULL) {
		if (a != NULL)
			a->cb_error = DTLS_ERR_NO_PEER_CERT;
		X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	if (!X509_digest(cert, a->fp_md, d, &n) || n != a->fp_len ||
	    CRYPTO_memcmp(d, a->fp, n) != 0) {
		a->cb_error = DTLS_ERR_FINGERPRINT_MISMATCH;
		X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	a->fp_ok = true;
	X509_STORE_CTX_set_error(store, X509_V_OK);
	return 1;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct dtls_assoc *a = assoc_of(ssl);

	if (a == NULL || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ) {
		if ((ret >> 8) == SSL3_AL_FATAL)
			a->alert_in = (int16_t)(ret & 0xff);
		else if ((ret & 0xff) == SSL_AD_CLOSE_NOTIFY)
			a->peer_closed = true;
	} else {
		a->alert_out = (int16_t)(ret & 0xff);
	}
}

/* 1: the use_srtp extension offers a profile of ours; 0: it offers none or
 * is absent; -1: malformed (left to OpenSSL's own parser to refuse). */
static int srtp_offer_matches(const struct dtls_ctx *ctx, const uint8_t *p,
			      size_t n)
{
	size_t len;

	if (n < 2)
		return -1;
	len = (size_t)p[0] << 8 | p[1];
	if (len % 2 || len + 2 > n)
		return -1;
	for (size_t i = 2; i < len + 2; i += 2) {
		uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
		for (unsigned j = 0; j < ctx->nprofiles; j++)
			if (ctx->profile_ids[j] == id)
				return 1;
	}
	return 0;
}

/* RFC 5764 §4.1.1 lets a server that will not do without SRTP refuse with
 * an alert; doing it at ClientHello time spares the whole handshake. */
static int client_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct dtls_ctx *ctx = arg;
	struct dtls_assoc *a = assoc_of(ssl);
	const unsigned char *ext;
	size_t n;

	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_use_srtp, &ext, &n) &&
	    srtp_offer_matches(ctx, ext, n) != 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (a != NULL)
		a->cb_error = DTLS_ERR_NO_SRTP_PROFILE;
	*al = SSL_AD_HANDSHAKE_FAILURE;
	return SSL_CLIENT_HELLO_ERROR;
}

/* Cookie = HMAC-SHA256(context secret, peer address): stateless, so the
 * server keeps nothing for a ClientHello whose source never answers. */
static void cookie_make(const struct dtls_ctx *ctx, const void *peer,
			size_t peer_len, uint8_t out[32])
{
	unsigned n = 32;
	static const uint8_t none;

	HMAC(EVP_sha256(), ctx->cookie_secret, sizeof(ctx->cookie_secret),
	     peer != NULL ? peer : &none, peer != NULL ? peer_len : 0, out, &n);
}

static int cookie_generate_cb(SSL *ssl, unsigned char *cookie,
			      unsigned int *len)
{
	struct dtls_assoc *a = assoc_of(ssl);

	if (a == NULL)
		return 0;
	cookie_make(a->ctx, a->peer, a->peer_len, cookie);
	*len = 32;
	return 1;
}

static bool cookie_ok(const struct dtls_assoc *a, const uint8_t *cookie,
		      size_t len)
{
	uint8_t want[32];

	if (len != sizeof(want))
		return false;
	cookie_make(a->ctx, a->peer, a->peer_len, want);
	return CRYPTO_memcmp(want, cookie, len) == 0;
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie,
			    unsigned int len)
{
	struct dtls_assoc *a = assoc_of(ssl);

	return a != NULL && cookie_ok(a, cookie, len);
}

/* Before OpenSSL sees it: a ClientHello whose cookie is wrong (spoofed, or
 * from an address other than the one the HelloVerifyRequest went to) is
 * dropped, as DTLSv1_listen would, instead of failing the association. */
static bool cookie_precheck(const struct dtls_assoc *a, const uint8_t *p,
			    size_t n)
{
	size_t rec, hs, body, off;

	/* record: type, version, epoch(2), seq(6), length(2) */
	if (n < 13 + 12 || p[0] != 22 || p[3] != 0 || p[4] != 0)
		return true;
	rec = (size_t)p[11] << 8 | p[12];
	hs = rec < n - 13 ? rec : n - 13;
	p += 13;
	/* handshake: type, length(3), message_seq(2), frag off(3), frag len(3) */
	if (hs < 12 || p[0] != 1 || p[6] != 0 || p[7] != 0 || p[8] != 0)
		return true;
	body = (size_t)p[9] << 16 | (size_t)p[10] << 8 | p[11];
	if (body > hs - 12)
		body = hs - 12;
	p += 12;
	/* client_version(2), random(32), session_id<0..32>, cookie<0..255> */
	if (body < 35)
		return true;
	off = 35 + p[34];
	if (body < off + 1 || p[off] == 0 || body < off + 1 + p[off])
		return true; /* no cookie: OpenSSL answers HelloVerifyRequest */
	return cookie_ok(a, p + off + 1, p[off]);
}

static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
	struct dtls_assoc *a = assoc_of(ssl);
	unsigned first = (a != NULL ? a->ctx->retransmit_ms : 1000) * 1000u;

	if (timer_us == 0)
		return first;
	return timer_us >= RETRANSMIT_MAX_US / 2 ? RETRANSMIT_MAX_US : timer_us * 2;
}

/* ---- context --------------------------------------------------------- */

void dtls_ctx_config_init(struct dtls_ctx_config *config)
{
	memset(config, 0, sizeof(*config));
	config->mtu = DTLS_MTU_DEFAULT;
	config->handshake_timeout_ms = DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS;
	config->retransmit_ms = DTLS_RETRANSMIT_DEFAULT_MS;
	config->cert_days = DTLS_CERT_DAYS_DEFAULT;
}

static int parse_profiles(struct dtls_ctx *ctx, const char *list)
{
	const char *s = list;

	if (list == NULL) {
		for (unsigned i = 0; i < NPROFILES; i++)
			ctx->profile_ids[i] = (uint16_t)profiles[i].id;
		ctx->nprofiles = NPROFILES;
		return DTLS_OK;
	}
	ctx->nprofiles = 0;
	while (*s) {
		size_t len = strcspn(s, ":, ");
		unsigned i;

		if (len > 0) {
			for (i = 0; i < NPROFILES; i++)
				if (strlen(profiles[i].name) == len &&
				    strncmp(profiles[i].name, s, len) == 0)
					break;
			if (i == NPROFILES)
				return DTLS_ERR_PROFILE_UNKNOWN;
			for (unsigned j = 0; j < ctx->nprofiles; j++)
				if (ctx->profile_ids[j] == profiles[i].id)
					return DTLS_ERR_BAD_PARAM;
			ctx->profile_ids[ctx->nprofiles++] = (uint16_t)profiles[i].id;
		}
		s += len;
		if (*s)
			s++;
	}
	return ctx->nprofiles > 0 ? DTLS_OK : DTLS_ERR_BAD_PARAM;
}

static int load_cert(SSL_CTX *ssl_ctx, const char *cert_file,
		     const char *key_file)
{
	if (SSL_CTX_use_certificate_chain_file(ssl_ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ssl_ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ssl_ctx) != 1)
		return DTLS_ERR_CERT_LOAD;
	return DTLS_OK;
}

static int ctx_setup(struct dtls_ctx *ctx, const struct dtls_ctx_config *cfg)
{
	char list[128] = "";
	SSL_CTX *sc;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	sc = ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
	if (sc == NULL)
		return DTLS_ERR_OPENSSL;
	/* NO_QUERY_MTU: our MTU stands (OpenSSL would otherwise ask the BIO and
	 * shrink it after retransmissions). No renegotiation, no resumption:
	 * WebRTC and SIP peers do neither, and each is attack surface. */
	if (!SSL_CTX_set_min_proto_version(sc, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(sc, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(sc, cipher_list))
		return DTLS_ERR_OPENSSL;
	SSL_CTX_set_options(sc, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
				SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	/* Records are at most a datagram (MTU <= 4096) and we send no
	 * application data: a 4 KiB write buffer instead of 16 KiB. */
	SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_max_send_fragment(sc, DTLS_MTU_MAX))
		return DTLS_ERR_OPENSSL;

	if (cfg->cert_file != NULL) {
		rc = load_cert(sc, cfg->cert_file, cfg->key_file);
		if (rc != DTLS_OK)
			return rc;
	} else {
		rc = make_cert(cfg->cert_days ? cfg->cert_days : DTLS_CERT_DAYS_DEFAULT,
			       &cert, &key);
		if (rc != DTLS_OK)
			return rc;
		rc = SSL_CTX_use_certificate(sc, cert) == 1 &&
		     SSL_CTX_use_PrivateKey(sc, key) == 1 ? DTLS_OK :
		     DTLS_ERR_CERT_GENERATE;
		X509_free(cert);
		EVP_PKEY_free(key);
		if (rc != DTLS_OK)
			return rc;
	}
	rc = fp_format(SSL_CTX_get0_certificate(sc), "sha-256", ctx->fingerprint,
		       sizeof(ctx->fingerprint));
	if (rc != DTLS_OK)
		return rc;

	for (unsigned i = 0; i < ctx->nprofiles; i++) {
		if (i)
			strcat(list, ":");
		strcat(list, dtls_profile_name(ctx->profile_ids[i]));
	}
	if (SSL_CTX_set_tlsext_use_srtp(sc, list) != 0) /* 0 is success */
		return DTLS_ERR_PROFILE_UNKNOWN;

	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	SSL_CTX_set_cert_verify_callback(sc, verify_cert_cb, ctx);
	SSL_CTX_set_info_callback(sc, info_cb);
	SSL_CTX_set_client_hello_cb(sc, client_hello_cb, ctx);
	SSL_CTX_set_cookie_generate_cb(sc, cookie_generate_cb);
	SSL_CTX_set_cookie_verify_cb(sc, cookie_verify_cb);
	if (RAND_bytes(ctx->cookie_secret, sizeof(ctx->cookie_secret)) != 1)
		return DTLS_ERR_OPENSSL;
	ctx->bio_method = qbio_method();
	return ctx->bio_method != NULL ? DTLS_OK : DTLS_ERR_NO_MEMORY;
}

int dtls_ctx_create(const struct dtls_ctx_config *config, struct dtls_ctx **out)
{
	struct dtls_ctx_config defaults;
	struct dtls_ctx *ctx;
	int rc;

	if (out == NULL)
		return DTLS_ERR_BAD_PARAM;
	*out = NULL;
	if (config == NULL) {
		dtls_ctx_config_init(&defaults);
		config = &defaults;
	}
	if ((config->cert_file == NULL) != (config->key_file == NULL))
		return DTLS_ERR_BAD_PARAM;
	if (config->mtu != 0 &&
	    (config->mtu < DTLS_MTU_MIN || config->mtu > DTLS_MTU_MAX))
		return DTLS_ERR_BAD_PARAM;
	if (config->cert_days > 36500)
		return DTLS_ERR_BAD_PARAM;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return DTLS_ERR_NO_MEMORY;
	ctx->mtu = config->mtu ? config->mtu : DTLS_MTU_DEFAULT;
	ctx->handshake_timeout_ms = config->handshake_timeout_ms ?
		config->handshake_timeout_ms : DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS;
	ctx->retransmit_ms = config->retransmit_ms ?
		config->retransmit_ms : DTLS_RETRANSMIT_DEFAULT_MS;
	if (ctx->retransmit_ms > RETRANSMIT_MAX_US / 1000)
		ctx->retransmit_ms = RETRANSMIT_MAX_US / 1000;
	ctx->cookies = !config->no_cookie_exchange;
	rc = parse_profiles(ctx, config->profiles);
	if (rc == DTLS_OK)
		rc = ctx_setup(ctx, config);
	ERR_clear_error();
	if (rc != DTLS_OK) {
		dtls_ctx_destroy(ctx);
		return rc;
	}
	*out = ctx;
	return DTLS_OK;
}

void dtls_ctx_destroy(struct dtls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	BIO_meth_free(ctx->bio_method);
	OPENSSL_cleanse(ctx->cookie_secret, sizeof(ctx->cookie_secret));
	free(ctx);
}

const char *dtls_ctx_fingerprint(const struct dtls_ctx *ctx)
{
	return ctx != NULL ? ctx->fingerprint : "";
}

int dtls_ctx_fingerprint_alg(const struct dtls_ctx *ctx, const char *alg,
			     char *out, size_t cap)
{
	if (ctx == NULL)
		return DTLS_ERR_BAD_PARAM;
	return fp_format(SSL_CTX_get0_certificate(ctx->ssl_ctx), alg, out, cap);
}

/* ---- associations ---------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dtls_assoc_create(struct dtls_ctx *ctx, enum dtls_role role,
		      const char *remote_fingerprint, struct dtls_assoc **out)
{
	struct dtls_assoc *a;
	BIO *bio;
	int rc;

	if (ctx == NULL || out == NULL ||
	    (role != DTLS_ROLE_CLIENT && role != DTLS_ROLE_SERVER))
		return DTLS_ERR_BAD_PARAM;
	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return DTLS_ERR_NO_MEMORY;
	a->ctx = ctx;
	a->role = role;
	a->state = DTLS_STATE_NEW;
	a->alert_in = a->alert_out = -1;
	a->detail = "";
	a->mtu = ctx->mtu;
	a->out_tail = &a->out_head;
	rc = fp_parse(remote_fingerprint, &a->fp_md, a->fp, &a->fp_len);
	if (rc != DTLS_OK) {
		free(a);
		return rc;
	}
	rc = DTLS_ERR_NO_MEMORY;
	a->ssl = SSL_new(ctx->ssl_ctx);
	if (a->ssl == NULL)
		goto fail;
	bio = BIO_new(ctx->bio_method);
	if (bio == NULL)
		goto fail;
	BIO_set_data(bio, a);
	SSL_set_bio(a->ssl, bio, bio);
	SSL_set_app_data(a->ssl, a);
	rc = DTLS_ERR_OPENSSL;
	if (SSL_set_mtu(a->ssl, a->mtu) <= 0)
		goto fail;
	DTLS_set_timer_cb(a->ssl, timer_cb);
	if (role == DTLS_ROLE_SERVER) {
		if (ctx->cookies)
			SSL_set_options(a->ssl, SSL_OP_COOKIE_EXCHANGE);
		SSL_set_accept_state(a->ssl);
	} else {
		SSL_set_connect_state(a->ssl);
	}
	*out = a;
	return DTLS_OK;
fail:
	ERR_clear_error();
	dtls_assoc_destroy(a);
	return rc;
}

void dtls_assoc_destroy(struct dtls_assoc *a)
{
	struct dgram *d, *next;

	if (a == NULL)
		return;
	SSL_free(a->ssl);
	for (d = a->out_head; d != NULL; d = next) {
		next = d->next;
		free(d);
	}
	free(a);
}

int dtls_assoc_set_mtu(struct dtls_assoc *a, unsigned mtu)
{
	if (a == NULL || mtu < DTLS_MTU_MIN || mtu > DTLS_MTU_MAX)
		return DTLS_ERR_BAD_PARAM;
	if (a->state != DTLS_STATE_NEW)
		return DTLS_ERR_STATE;
	if (SSL_set_mtu(a->ssl, mtu) <= 0) {
		ERR_clear_error();
		return DTLS_ERR_OPENSSL;
	}
	a->mtu = mtu;
	return DTLS_OK;
}

static void fail(struct dtls_assoc *a, int error, const char *detail)
{
	a->state = error == DTLS_ERR_CLOSED ? DTLS_STATE_CLOSED : DTLS_STATE_FAILED;
	a->error = error;
	a->detail = detail != NULL ? detail : "";
}

static const char *alert_text(int16_t alert)
{
	return alert >= 0 ? SSL_alert_desc_string_long(alert) : "";
}

/* After an OpenSSL call returned rc <= 0: wait for more, or name why the
 * association failed, the most specific reason first. */
static void ssl_failed(struct dtls_assoc *a, int rc)
{
	int e = SSL_get_error(a->ssl, rc);
	unsigned long err;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	if (e == SSL_ERROR_ZERO_RETURN || (a->peer_closed && a->alert_in < 0)) {
		fail(a, DTLS_ERR_CLOSED, "close notify");
		return;
	}
	err = ERR_peek_error();
	if (a->cb_error != DTLS_OK) {
		fail(a, a->cb_error, alert_text(a->alert_out));
	} else if (a->alert_in >= 0) {
		fail(a, DTLS_ERR_PEER_ALERT, alert_text(a->alert_in));
	} else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
		   ERR_GET_REASON(err) == SSL_R_READ_TIMEOUT_EXPIRED) {
		fail(a, DTLS_ERR_HANDSHAKE_TIMEOUT, "retransmissions exhausted");
	} else if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
		   ERR_GET_REASON(err) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		fail(a, DTLS_ERR_NO_PEER_CERT, alert_text(a->alert_out));
	} else {
		const char *why = err != 0 ? ERR_reason_error_string(err) : NULL;
		fail(a, DTLS_ERR_HANDSHAKE_FAILED,
		     why != NULL ? why : alert_text(a->alert_out));
	}
}

static void connected(struct dtls_assoc *a)
{
	SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(a->ssl);

	/* OpenSSL completes without use_srtp when the server picked none */
	if (p == NULL || dtls_profile_suite(p->id, &a->suite) != DTLS_OK) {
		SSL_shutdown(a->ssl);
		fail(a, DTLS_ERR_NO_SRTP_PROFILE, "none selected");
		return;
	}
	if (!a->fp_ok || SSL_get0_peer_certificate(a->ssl) == NULL) {
		SSL_shutdown(a->ssl);
		fail(a, DTLS_ERR_NO_PEER_CERT, "");
		return;
	}
	a->profile = (enum dtls_srtp_profile)p->id;
	a->state = DTLS_STATE_CONNECTED;
}

/* Runs the handshake, then (connected) reads whatever else came: a
 * retransmitted flight that makes OpenSSL resend our last one, alerts,
 * application data (not ours to use: counted and dropped). */
static void advance(struct dtls_assoc *a)
{
	uint8_t sink[2048];
	int rc;

	ERR_clear_error();
	if (a->state == DTLS_STATE_HANDSHAKE) {
		rc = SSL_do_handshake(a->ssl);
		if (rc == 1)
			connected(a);
		else
			ssl_failed(a, rc);
	}
	while (a->state == DTLS_STATE_CONNECTED) {
		rc = SSL_read(a->ssl, sink, sizeof(sink));
		if (rc <= 0) {
			ssl_failed(a, rc);
			if (a->state == DTLS_STATE_CLOSED)
				SSL_shutdown(a->ssl); /* answer with ours */
			break;
		}
		a->stats.app_bytes_ignored += (uint64_t)rc;
	}
	OPENSSL_cleanse(sink, sizeof(sink));
	ERR_clear_error();
}

static int status_of(const struct dtls_assoc *a)
{
	return a->state == DTLS_STATE_FAILED || a->state == DTLS_STATE_CLOSED ?
	       a->error : DTLS_OK;
}

int dtls_assoc_start(struct dtls_assoc *a)
{
	if (a == NULL)
		return DTLS_ERR_BAD_PARAM;
	if (a->state != DTLS_STATE_NEW)
		return a->state == DTLS_STATE_FAILED || a->state == DTLS_STATE_CLOSED ?
		       DTLS_ERR_STATE : DTLS_OK;
	a->deadline_ns = now_ns() + (uint64_t)a->ctx->handshake_timeout_ms * 1000000u;
	a->state = DTLS_STATE_HANDSHAKE;
	if (a->role == DTLS_ROLE_CLIENT)
		advance(a);
	return status_of(a);
}

int dtls_assoc_feed(struct dtls_assoc *a, const uint8_t *data, size_t len,
		    const void *peer_addr, size_t peer_addr_len)
{
	if (a == NULL || (data == NULL && len > 0) ||
	    (peer_addr == NULL && peer_addr_len > 0))
		return DTLS_ERR_BAD_PARAM;
	if (a->state == DTLS_STATE_FAILED || a->state == DTLS_STATE_CLOSED)
		return a->error;
	a->stats.datagrams_in++;
	if (len == 0)
		return DTLS_OK;
	if (a->state == DTLS_STATE_NEW)
		dtls_assoc_start(a);
	a->peer = peer_addr;
	a->peer_len = peer_addr_len;
	if (a->role == DTLS_ROLE_SERVER && a->ctx->cookies &&
	    !cookie_precheck(a, data, len)) {
		a->stats.dropped++;
	} else {
		a->in = data;
		a->in_len = len;
		advance(a);
		a->in = NULL;
	}
	a->peer = NULL;
	a->peer_len = 0;
	return status_of(a);
}

int dtls_assoc_pull(struct dtls_assoc *a, uint8_t *buf, size_t cap, size_t *len)
{
	struct dgram *d;

	if (a == NULL || len == NULL || (buf == NULL && cap > 0))
		return DTLS_ERR_BAD_PARAM;
	*len = 0;
	d = a->out_head;
	if (d == NULL)
		return DTLS_OK;
	if (d->len > cap)
		return DTLS_ERR_BUFFER_SMALL;
	memcpy(buf, d->data, d->len);
	*len = d->len;
	a->out_head = d->next;
	if (a->out_head == NULL)
		a->out_tail = &a->out_head;
	a->out_count--;
	a->stats.datagrams_out++;
	/* handshake records after ChangeCipherSpec are encrypted, but wipe
	 * anyway: the queue is plain heap */
	OPENSSL_cleanse(d->data, d->len);
	free(d);
	return DTLS_OK;
}

unsigned dtls_assoc_pending(const struct dtls_assoc *a)
{
	return a != NULL ? a->out_count : 0;
}

int64_t dtls_assoc_next_timeout(struct dtls_assoc *a)
{
	struct timeval tv;
	int64_t ms = -1;

	if (a == NULL ||
	    (a->state != DTLS_STATE_HANDSHAKE && a->state != DTLS_STATE_CONNECTED))
		return -1;
	if (DTLSv1_get_timeout(a->ssl, &tv) == 1)
		ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	if (a->state == DTLS_STATE_HANDSHAKE) {
		uint64_t now = now_ns();
		int64_t left = now >= a->deadline_ns ? 0 :
			(int64_t)((a->deadline_ns - now + 999999) / 1000000);
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

int dtls_assoc_handle_timeout(struct dtls_assoc *a)
{
	int rc;

	if (a == NULL)
		return DTLS_ERR_BAD_PARAM;
	if (a->state == DTLS_STATE_NEW)
		return DTLS_OK;
	if (a->state == DTLS_STATE_FAILED || a->state == DTLS_STATE_CLOSED)
		return a->error;
	if (a->state == DTLS_STATE_HANDSHAKE && now_ns() >= a->deadline_ns) {
		fail(a, DTLS_ERR_HANDSHAKE_TIMEOUT, "");
		return a->error;
	}
	ERR_clear_error();
	rc = DTLSv1_handle_timeout(a->ssl);
	if (rc > 0)
		a->stats.timer_retransmits++;
	else if (rc < 0)
		ssl_failed(a, rc);
	ERR_clear_error();
	return status_of(a);
}

int dtls_assoc_close(struct dtls_assoc *a)
{
	if (a == NULL)
		return DTLS_ERR_BAD_PARAM;
	if (a->state == DTLS_STATE_CONNECTED) {
		ERR_clear_error();
		SSL_shutdown(a->ssl);
		ERR_clear_error();
	}
	if (a->state != DTLS_STATE_FAILED && a->state != DTLS_STATE_CLOSED)
		fail(a, DTLS_ERR_CLOSED, "closed locally");
	return DTLS_OK;
}

enum dtls_state dtls_assoc_state(const struct dtls_assoc *a)
{
	return a != NULL ? a->state : DTLS_STATE_FAILED;
}

enum dtls_role dtls_assoc_role(const struct dtls_assoc *a)
{
	return a != NULL ? a->role : DTLS_ROLE_CLIENT;
}

int dtls_assoc_error(const struct dtls_assoc *a)
{
	return a != NULL ? a->error : DTLS_ERR_BAD_PARAM;
}

const char *dtls_assoc_detail(const struct dtls_assoc *a)
{
	return a != NULL ? a->detail : "";
}

void dtls_assoc_get_stats(const struct dtls_assoc *a,
			  struct dtls_assoc_stats *stats)
{
	if (a != NULL)
		*stats = a->stats;
	else
		memset(stats, 0, sizeof(*stats));
}

int dtls_assoc_srtp_keys(struct dtls_assoc *a, struct dtls_srtp_keys *keys)
{
	uint8_t km[2 * (SRE_MAX_MASTER_KEY_LEN + SRE_MAX_MASTER_SALT_LEN)];
	const uint8_t *ck, *sk, *cs, *ss;
	size_t kl, sl;

	if (a == NULL || keys == NULL)
		return DTLS_ERR_BAD_PARAM;
	if (a->state != DTLS_STATE_CONNECTED)
		return DTLS_ERR_STATE;
	kl = sre_suite_master_key_len(a->suite);
	sl = sre_suite_master_salt_len(a->suite);
	if (kl == 0 || kl > SRE_MAX_MASTER_KEY_LEN || sl == 0 ||
	    sl > SRE_MAX_MASTER_SALT_LEN)
		return DTLS_ERR_KEY_EXPORT;
	ERR_clear_error();
	if (SSL_export_keying_material(a->ssl, km, 2 * (kl + sl), EXPORTER_LABEL,
				       strlen(EXPORTER_LABEL), NULL, 0, 0) != 1) {
		ERR_clear_error();
		OPENSSL_cleanse(km, sizeof(km));
		return DTLS_ERR_KEY_EXPORT;
	}
	/* RFC 5764 §4.2: client key | server key | client salt | server salt */
	ck = km;
	sk = km + kl;
	cs = km + 2 * kl;
	ss = km + 2 * kl + sl;
	memset(keys, 0, sizeof(*keys));
	keys->suite = a->suite;
	keys->profile = a->profile;
	keys->role = a->role;
	keys->key_len = (uint8_t)kl;
	keys->salt_len = (uint8_t)sl;
	if (a->role == DTLS_ROLE_CLIENT) {
		memcpy(keys->tx, ck, kl);
		memcpy(keys->tx + kl, cs, sl);
		memcpy(keys->rx, sk, kl);
		memcpy(keys->rx + kl, ss, sl);
	} else {
		memcpy(keys->tx, sk, kl);
		memcpy(keys->tx + kl, ss, sl);
		memcpy(keys->rx, ck, kl);
		memcpy(keys->rx + kl, cs, sl);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return DTLS_OK;
}

void dtls_srtp_keys_wipe(struct dtls_srtp_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}
