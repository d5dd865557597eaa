/*
 * control/dtls: handshakes between engine associations in memory — every
 * profile both ways, fingerprint and profile failures, timeouts and
 * retransmission, loss of each flight, small MTUs, cookies, garbage — and
 * 1,000 handshakes in flight at once in one thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dtls_srtp.h"
#include "test_common.h"

static const char addr_a[] = "198.51.100.7:40000";
static const char addr_b[] = "203.0.113.9:50000";
/* a valid sha-256 fingerprint that no certificate here has */
static const char fp_wrong[] =
	"sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	if (ms > 0)
		nanosleep(&ts, NULL);
}

struct opts {
	const char *profiles;
	unsigned mtu;
	unsigned handshake_ms;
	unsigned retransmit_ms;
	bool no_cookie;
};

static struct dtls_ctx *mkctx(const struct opts *o)
{
	struct dtls_ctx_config cfg;
	struct dtls_ctx *ctx = NULL;
	int rc;

	dtls_ctx_config_init(&cfg);
	if (o != NULL) {
		cfg.profiles = o->profiles;
		if (o->mtu)
			cfg.mtu = o->mtu;
		if (o->handshake_ms)
			cfg.handshake_timeout_ms = o->handshake_ms;
		if (o->retransmit_ms)
			cfg.retransmit_ms = o->retransmit_ms;
		cfg.no_cookie_exchange = o->no_cookie;
	}
	rc = dtls_ctx_create(&cfg, &ctx);
	if (rc != DTLS_OK)
		fprintf(stderr, "dtls_ctx_create: %s\n", dtls_strerror(rc));
	return ctx;
}

/* ---- a client and a server association, pumped in memory -------------- */

struct pair {
	struct dtls_assoc *c, *s;
	const char *addr;    /* the client's address as the server sees it */
	/* drop every datagram of flight number drop_flight (0 = the first batch
	 * either side sends), once */
	int drop_flight;
	unsigned flights;
	unsigned datagrams;
	unsigned dropped;
	unsigned bad_framing; /* datagrams that are not whole DTLS records */
	size_t max_len;
	size_t max_from_server;
};

static bool pair_make(struct pair *p, struct dtls_ctx *cctx, struct dtls_ctx *sctx,
		      const char *cfp, const char *sfp)
{
	memset(p, 0, sizeof(*p));
	p->addr = addr_a;
	p->drop_flight = -1;
	/* the client expects the server's fingerprint and the other way round */
	return dtls_assoc_create(cctx, DTLS_ROLE_CLIENT,
				 sfp ? sfp : dtls_ctx_fingerprint(sctx), &p->c) == DTLS_OK &&
	       dtls_assoc_create(sctx, DTLS_ROLE_SERVER,
				 cfp ? cfp : dtls_ctx_fingerprint(cctx), &p->s) == DTLS_OK;
}

static void pair_free(struct pair *p)
{
	dtls_assoc_destroy(p->c);
	dtls_assoc_destroy(p->s);
	p->c = p->s = NULL;
}

/* Whether a datagram is a whole number of whole DTLS records. */
static bool whole_records(const uint8_t *d, size_t len)
{
	while (len > 0) {
		size_t rec;

		if (len < 13)
			return false;
		rec = 13 + ((size_t)d[11] << 8 | d[12]);
		if (rec > len)
			return false;
		d += rec;
		len -= rec;
	}
	return true;
}

/* Moves one batch from `from` to `to`; returns datagrams moved. */
static unsigned move(struct pair *p, bool from_client)
{
	struct dtls_assoc *from = from_client ? p->c : p->s;
	struct dtls_assoc *to = from_client ? p->s : p->c;
	const char *addr = from_client ? p->addr : addr_b;
	uint8_t buf[DTLS_MTU_MAX];
	size_t len;
	unsigned n = 0;
	bool drop = false;

	while (dtls_assoc_pull(from, buf, sizeof(buf), &len) == DTLS_OK && len > 0) {
		if (n == 0) {
			drop = (int)p->flights == p->drop_flight;
			p->flights++;
		}
		n++;
		p->datagrams++;
		if (len > p->max_len)
			p->max_len = len;
		if (!from_client && len > p->max_from_server)
			p->max_from_server = len;
		if (!whole_records(buf, len))
			p->bad_framing++;
		if (drop) {
			p->dropped++;
			continue;
		}
		dtls_assoc_feed(to, buf, len, addr, strlen(addr));
	}
	return n;
}

static bool busy(struct dtls_assoc *a)
{
	return dtls_assoc_state(a) == DTLS_STATE_HANDSHAKE ||
	       dtls_assoc_pending(a) > 0;
}

/* Runs both sides until neither has anything left to do, waiting for their
 * timers when no datagram moves. */
static void pump(struct pair *p, unsigned max_ms)
{
	uint64_t end = mono_ms() + max_ms;

	dtls_assoc_start(p->s);
	dtls_assoc_start(p->c);
	while (mono_ms() < end) {
		unsigned moved = move(p, true) + move(p, false);

		if (moved)
			continue;
		if (!busy(p->c) && !busy(p->s))
			break;
		int64_t tc = dtls_assoc_next_timeout(p->c);
		int64_t ts = dtls_assoc_next_timeout(p->s);
		int64_t t = tc < 0 ? ts : ts < 0 ? tc : tc < ts ? tc : ts;
		if (t < 0)
			break;
		sleep_ms(t);
		dtls_assoc_handle_timeout(p->c);
		dtls_assoc_handle_timeout(p->s);
	}
	/* what the last side sent (an alert, a close_notify) */
	move(p, true);
	move(p, false);
}

static bool keys_cross(struct dtls_assoc *c, struct dtls_assoc *s,
		       enum sre_suite suite)
{
	struct dtls_srtp_keys kc, ks;
	size_t n;
	bool ok;

	if (dtls_assoc_srtp_keys(c, &kc) != DTLS_OK ||
	    dtls_assoc_srtp_keys(s, &ks) != DTLS_OK)
		return false;
	n = (size_t)kc.key_len + kc.salt_len;
	ok = kc.suite == suite && ks.suite == suite &&
	     kc.profile == ks.profile &&
	     kc.key_len == sre_suite_master_key_len(suite) &&
	     kc.salt_len == sre_suite_master_salt_len(suite) &&
	     ks.key_len == kc.key_len && ks.salt_len == kc.salt_len &&
	     kc.role == DTLS_ROLE_CLIENT && ks.role == DTLS_ROLE_SERVER &&
	     memcmp(kc.tx, ks.rx, n) == 0 && memcmp(kc.rx, ks.tx, n) == 0 &&
	     memcmp(kc.tx, kc.rx, n) != 0;
	dtls_srtp_keys_wipe(&kc);
	dtls_srtp_keys_wipe(&ks);
	return ok;
}

static void expect_state(struct dtls_assoc *a, enum dtls_state st, int err)
{
	CU_ASSERT_EQUAL(dtls_assoc_state(a), st);
	CU_ASSERT_EQUAL(dtls_assoc_error(a), err);
	if (dtls_assoc_state(a) != st || dtls_assoc_error(a) != err)
		fprintf(stderr, "\n  %s: state %d, error %s (%s), want %d/%s\n",
			dtls_role_name(dtls_assoc_role(a)), dtls_assoc_state(a),
			dtls_status_name(dtls_assoc_error(a)),
			dtls_assoc_detail(a), st, dtls_status_name(err));
}

/* ---- names, a=setup, fingerprints ------------------------------------- */

static void test_status_names(void)
{
	for (int i = 0; i < DTLS_STATUS_COUNT; i++) {
		CU_ASSERT_STRING_NOT_EQUAL(dtls_status_name(i), "unknown");
		CU_ASSERT(strlen(dtls_strerror(i)) > 0);
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(dtls_status_name(i),
						   dtls_status_name(j));
	}
	CU_ASSERT_STRING_EQUAL(dtls_status_name(DTLS_STATUS_COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(dtls_status_name(-1), "unknown");
	CU_ASSERT_STRING_EQUAL(dtls_status_name(DTLS_ERR_FINGERPRINT_MISMATCH),
			       "fingerprint_mismatch");
}

static void test_profile_table(void)
{
	static const struct {
		unsigned id;
		const char *name;
		enum sre_suite suite;
	} t[] = {
		{0x0001, "SRTP_AES128_CM_SHA1_80", SRE_AES_CM_128_HMAC_SHA1_80},
		{0x0002, "SRTP_AES128_CM_SHA1_32", SRE_AES_CM_128_HMAC_SHA1_32},
		{0x0007, "SRTP_AEAD_AES_128_GCM", SRE_AEAD_AES_128_GCM},
		{0x0008, "SRTP_AEAD_AES_256_GCM", SRE_AEAD_AES_256_GCM},
	};
	enum sre_suite s;

	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_STRING_EQUAL(dtls_profile_name(t[i].id), t[i].name);
		CU_ASSERT_EQUAL(dtls_profile_suite(t[i].id, &s), DTLS_OK);
		CU_ASSERT_EQUAL(s, t[i].suite);
	}
	CU_ASSERT_PTR_NULL(dtls_profile_name(0x0005));
	CU_ASSERT_EQUAL(dtls_profile_suite(0x0005, &s), DTLS_ERR_PROFILE_UNKNOWN);
	/* RFC 7714 §12: 12-byte salts for GCM */
	CU_ASSERT_EQUAL(sre_suite_master_salt_len(SRE_AEAD_AES_256_GCM), 12);
}

static void test_setup_roles(void)
{
	enum dtls_setup s, ans;
	enum dtls_role r;

	CU_ASSERT_EQUAL(dtls_setup_parse("actpass", &s), DTLS_OK);
	CU_ASSERT_EQUAL(s, DTLS_SETUP_ACTPASS);
	CU_ASSERT_EQUAL(dtls_setup_parse("ACTIVE", &s), DTLS_OK);
	CU_ASSERT_EQUAL(s, DTLS_SETUP_ACTIVE);
	CU_ASSERT_EQUAL(dtls_setup_parse("passive", &s), DTLS_OK);
	CU_ASSERT_EQUAL(s, DTLS_SETUP_PASSIVE);
	CU_ASSERT_EQUAL(dtls_setup_parse("holdconn", &s), DTLS_OK);
	CU_ASSERT_EQUAL(dtls_setup_parse("act", &s), DTLS_ERR_SETUP);
	CU_ASSERT_STRING_EQUAL(dtls_setup_name(DTLS_SETUP_ACTPASS), "actpass");

	/* answering */
	CU_ASSERT_EQUAL(dtls_setup_answer(DTLS_SETUP_ACTPASS, &ans, &r), DTLS_OK);
	CU_ASSERT(ans == DTLS_SETUP_ACTIVE && r == DTLS_ROLE_CLIENT);
	CU_ASSERT_EQUAL(dtls_setup_answer(DTLS_SETUP_ACTIVE, &ans, &r), DTLS_OK);
	CU_ASSERT(ans == DTLS_SETUP_PASSIVE && r == DTLS_ROLE_SERVER);
	CU_ASSERT_EQUAL(dtls_setup_answer(DTLS_SETUP_PASSIVE, &ans, &r), DTLS_OK);
	CU_ASSERT(ans == DTLS_SETUP_ACTIVE && r == DTLS_ROLE_CLIENT);
	CU_ASSERT_EQUAL(dtls_setup_answer(DTLS_SETUP_HOLDCONN, &ans, &r),
			DTLS_ERR_SETUP);

	/* offering */
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_ACTPASS,
						DTLS_SETUP_ACTIVE, &r), DTLS_OK);
	CU_ASSERT_EQUAL(r, DTLS_ROLE_SERVER);
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_ACTPASS,
						DTLS_SETUP_PASSIVE, &r), DTLS_OK);
	CU_ASSERT_EQUAL(r, DTLS_ROLE_CLIENT);
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_ACTPASS,
						DTLS_SETUP_ACTPASS, &r), DTLS_ERR_SETUP);
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_ACTIVE,
						DTLS_SETUP_ACTIVE, &r), DTLS_ERR_SETUP);
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_PASSIVE,
						DTLS_SETUP_PASSIVE, &r), DTLS_ERR_SETUP);
	CU_ASSERT_EQUAL(dtls_setup_offer_result(DTLS_SETUP_ACTPASS,
						DTLS_SETUP_HOLDCONN, &r), DTLS_ERR_SETUP);
}

static void test_fingerprint_syntax(void)
{
	char ok[DTLS_FINGERPRINT_MAX];

	CU_ASSERT_EQUAL(dtls_fingerprint_check(fp_wrong), DTLS_OK);
	/* hash-func is case-insensitive, lowercase hex and blanks are taken */
	strcpy(ok, fp_wrong);
	memcpy(ok, "SHA-256", 7);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(ok), DTLS_OK);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(
		"  sha-256   00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff \r\n"), DTLS_OK);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(
		"sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"),
		DTLS_OK);

	CU_ASSERT_EQUAL(dtls_fingerprint_check("sha-256"), DTLS_ERR_FINGERPRINT_FORMAT);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(""), DTLS_ERR_FINGERPRINT_FORMAT);
	CU_ASSERT_EQUAL(dtls_fingerprint_check("sha-256 AB:CD"),
			DTLS_ERR_FINGERPRINT_FORMAT);
	/* sha-1 length under sha-256 */
	CU_ASSERT_EQUAL(dtls_fingerprint_check(
		"sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"),
		DTLS_ERR_FINGERPRINT_FORMAT);
	strcpy(ok, fp_wrong);
	strcat(ok, ":");
	CU_ASSERT_EQUAL(dtls_fingerprint_check(ok), DTLS_ERR_FINGERPRINT_FORMAT);
	strcpy(ok, fp_wrong);
	strcat(ok, ":00");
	CU_ASSERT_EQUAL(dtls_fingerprint_check(ok), DTLS_ERR_FINGERPRINT_FORMAT);
	strcpy(ok, fp_wrong);
	ok[10] = 'G';
	CU_ASSERT_EQUAL(dtls_fingerprint_check(ok), DTLS_ERR_FINGERPRINT_FORMAT);
	strcpy(ok, fp_wrong);
	ok[10] = '-';
	CU_ASSERT_EQUAL(dtls_fingerprint_check(ok), DTLS_ERR_FINGERPRINT_FORMAT);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(
		"md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"),
		DTLS_ERR_FINGERPRINT_ALGORITHM);
	CU_ASSERT_EQUAL(dtls_fingerprint_check("sha-3 00"),
			DTLS_ERR_FINGERPRINT_ALGORITHM);
	CU_ASSERT_EQUAL(dtls_fingerprint_check(NULL), DTLS_ERR_BAD_PARAM);
}

/* An independent certificate: made here with OpenSSL, written as PEM, its
 * fingerprints computed here and formatted here. */
static bool write_pem_pair(const char *cert_path, const char *key_path,
			   X509 **cert_out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	FILE *f;
	bool ok;

	ok = key && cert && X509_set_version(cert, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), 86400) &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN",
					MBSTRING_ASC, (const unsigned char *)"t",
					-1, -1, 0) &&
	     X509_set_issuer_name(cert, X509_get_subject_name(cert)) &&
	     X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256()) > 0;
	if (ok && (f = fopen(cert_path, "w")) != NULL) {
		ok = PEM_write_X509(f, cert) == 1;
		fclose(f);
	}
	if (ok && (f = fopen(key_path, "w")) != NULL) {
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
		fclose(f);
	}
	EVP_PKEY_free(key);
	if (!ok) {
		X509_free(cert);
		return false;
	}
	*cert_out = cert;
	return true;
}

static void fp_expected(X509 *cert, const EVP_MD *md, const char *name, char *out)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n;

	X509_digest(cert, md, d, &n);
	out += sprintf(out, "%s ", name);
	for (unsigned i = 0; i < n; i++)
		out += sprintf(out, i ? ":%02X" : "%02X", d[i]);
}

static void test_ctx_from_pem(void)
{
	char dir[] = "/tmp/dtls-test.XXXXXX", cert_path[64], key_path[64];
	char want[DTLS_FINGERPRINT_MAX], got[DTLS_FINGERPRINT_MAX];
	struct dtls_ctx_config cfg;
	struct dtls_ctx *ctx = NULL;
	X509 *cert = NULL, *other = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	CU_ASSERT_FATAL(write_pem_pair(cert_path, key_path, &cert));

	dtls_ctx_config_init(&cfg);
	cfg.cert_file = cert_path;
	cfg.key_file = key_path;
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_OK);
	if (ctx != NULL) {
		fp_expected(cert, EVP_sha256(), "sha-256", want);
		CU_ASSERT_STRING_EQUAL(dtls_ctx_fingerprint(ctx), want);
		CU_ASSERT_EQUAL(strlen(dtls_ctx_fingerprint(ctx)), 8 + 32 * 3 - 1);
		fp_expected(cert, EVP_sha1(), "sha-1", want);
		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(ctx, "sha-1", got, sizeof(got)), DTLS_OK);
		CU_ASSERT_STRING_EQUAL(got, want);
		fp_expected(cert, EVP_sha512(), "sha-512", want);
		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(ctx, "SHA-512", got, sizeof(got)), DTLS_OK);
		CU_ASSERT_STRING_EQUAL(got, want);
		CU_ASSERT_EQUAL(strlen(got) + 1, DTLS_FINGERPRINT_MAX);
		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(ctx, "sha-512", got, 100),
				DTLS_ERR_BUFFER_SMALL);
		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(ctx, "md5", got, sizeof(got)),
				DTLS_ERR_FINGERPRINT_ALGORITHM);
		dtls_ctx_destroy(ctx);
	}

	/* a key that is not the certificate's */
	char key2[64];
	snprintf(key2, sizeof(key2), "%s/key2.pem", dir);
	char cert2[64];
	snprintf(cert2, sizeof(cert2), "%s/cert2.pem", dir);
	CU_ASSERT_FATAL(write_pem_pair(cert2, key2, &other));
	cfg.key_file = key2;
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_CERT_LOAD);
	CU_ASSERT_PTR_NULL(ctx);
	cfg.key_file = "/nonexistent/key.pem";
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_CERT_LOAD);
	cfg.key_file = NULL;
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_BAD_PARAM);

	X509_free(cert);
	X509_free(other);
	unlink(cert_path);
	unlink(key_path);
	unlink(cert2);
	unlink(key2);
	rmdir(dir);
}

static void test_ctx_generated(void)
{
	struct dtls_ctx *a = mkctx(NULL), *b = mkctx(NULL);
	const char *fa, *fb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	fa = dtls_ctx_fingerprint(a);
	fb = dtls_ctx_fingerprint(b);
	CU_ASSERT_EQUAL(strncmp(fa, "sha-256 ", 8), 0);
	CU_ASSERT_EQUAL(strlen(fa), 8 + 95);
	for (size_t i = 8; i < strlen(fa); i++)
		CU_ASSERT((i - 8) % 3 == 2 ? fa[i] == ':' :
			  (fa[i] >= '0' && fa[i] <= '9') || (fa[i] >= 'A' && fa[i] <= 'F'));
	CU_ASSERT_EQUAL(dtls_fingerprint_check(fa), DTLS_OK);
	CU_ASSERT_STRING_NOT_EQUAL(fa, fb); /* a fresh key each time */
	dtls_ctx_destroy(a);
	dtls_ctx_destroy(b);
}

static void test_ctx_config_errors(void)
{
	struct dtls_ctx_config cfg;
	struct dtls_ctx *ctx = NULL;

	dtls_ctx_config_init(&cfg);
	cfg.profiles = "SRTP_AES128_CM_SHA1_80:SRTP_NULL_SHA1_80";
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_PROFILE_UNKNOWN);
	cfg.profiles = "SRTP_AES128_CM_SHA1_80,SRTP_AES128_CM_SHA1_80";
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_BAD_PARAM);
	cfg.profiles = ":";
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_BAD_PARAM);
	cfg.profiles = "SRTP_AEAD_AES_256_GCM, SRTP_AES128_CM_SHA1_32";
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_OK);
	dtls_ctx_destroy(ctx);
	cfg.profiles = NULL;
	cfg.mtu = 200;
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_BAD_PARAM);
	cfg.mtu = 9000;
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_ERR_BAD_PARAM);
	CU_ASSERT_PTR_NULL(ctx);
	/* a zeroed config means the defaults */
	memset(&cfg, 0, sizeof(cfg));
	CU_ASSERT_EQUAL(dtls_ctx_create(&cfg, &ctx), DTLS_OK);
	dtls_ctx_destroy(ctx);
	CU_ASSERT_EQUAL(dtls_ctx_create(NULL, &ctx), DTLS_OK);
	dtls_ctx_destroy(ctx);
}

/* ---- handshakes ------------------------------------------------------- */

static void test_each_profile_both_ways(void)
{
	static const struct {
		const char *name;
		enum sre_suite suite;
	} t[] = {
		{"SRTP_AES128_CM_SHA1_80", SRE_AES_CM_128_HMAC_SHA1_80},
		{"SRTP_AES128_CM_SHA1_32", SRE_AES_CM_128_HMAC_SHA1_32},
		{"SRTP_AEAD_AES_128_GCM", SRE_AEAD_AES_128_GCM},
		{"SRTP_AEAD_AES_256_GCM", SRE_AEAD_AES_256_GCM},
	};

	for (unsigned i = 0; i < 4; i++) {
		struct opts o = {.profiles = t[i].name};
		struct dtls_ctx *x = mkctx(&o), *y = mkctx(&o);

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		for (int dir = 0; dir < 2; dir++) {
			struct pair p;

			CU_ASSERT_FATAL(dir == 0 ? pair_make(&p, x, y, NULL, NULL) :
						   pair_make(&p, y, x, NULL, NULL));
			pump(&p, 10000);
			expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
			expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
			CU_ASSERT(keys_cross(p.c, p.s, t[i].suite));
			CU_ASSERT(p.max_len <= DTLS_MTU_DEFAULT);
			CU_ASSERT_EQUAL(p.bad_framing, 0);
			pair_free(&p);
		}
		dtls_ctx_destroy(x);
		dtls_ctx_destroy(y);
	}
}

static enum sre_suite negotiated(const char *cprof, const char *sprof)
{
	struct opts oc = {.profiles = cprof}, os = {.profiles = sprof};
	struct dtls_ctx *c = mkctx(&oc), *s = mkctx(&os);
	struct dtls_srtp_keys k = {.suite = SRE_SUITE_COUNT};
	struct pair p;

	if (c && s && pair_make(&p, c, s, NULL, NULL)) {
		pump(&p, 10000);
		dtls_assoc_srtp_keys(p.s, &k);
		pair_free(&p);
	}
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
	return k.suite;
}

static void test_profile_preference(void)
{
	/* defaults both sides: AEAD_AES_128_GCM first */
	CU_ASSERT_EQUAL(negotiated(NULL, NULL), SRE_AEAD_AES_128_GCM);
	/* the server's order decides */
	CU_ASSERT_EQUAL(negotiated(NULL, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"),
			SRE_AES_CM_128_HMAC_SHA1_80);
	CU_ASSERT_EQUAL(negotiated("SRTP_AES128_CM_SHA1_32:SRTP_AEAD_AES_256_GCM", NULL),
			SRE_AEAD_AES_256_GCM);
}

static void test_fingerprint_mismatch(void)
{
	struct dtls_ctx *x = mkctx(NULL), *y = mkctx(NULL);
	struct pair p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);

	/* the client is told another fingerprint for the server */
	CU_ASSERT_FATAL(pair_make(&p, x, y, NULL, fp_wrong));
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_FAILED, DTLS_ERR_FINGERPRINT_MISMATCH);
	expect_state(p.s, DTLS_STATE_FAILED, DTLS_ERR_PEER_ALERT);
	CU_ASSERT_STRING_EQUAL(dtls_assoc_detail(p.s), "bad certificate");
	pair_free(&p);

	/* the server is told another fingerprint for the client: that of the
	 * server itself, well-formed and wrong */
	CU_ASSERT_FATAL(pair_make(&p, x, y, dtls_ctx_fingerprint(y), NULL));
	pump(&p, 10000);
	expect_state(p.s, DTLS_STATE_FAILED, DTLS_ERR_FINGERPRINT_MISMATCH);
	expect_state(p.c, DTLS_STATE_FAILED, DTLS_ERR_PEER_ALERT);
	CU_ASSERT_STRING_EQUAL(dtls_assoc_detail(p.c), "bad certificate");
	CU_ASSERT_EQUAL(dtls_assoc_srtp_keys(p.c, &(struct dtls_srtp_keys){0}),
			DTLS_ERR_STATE);
	/* failed associations take no more input and answer why */
	CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, (const uint8_t *)"x", 1, NULL, 0),
			DTLS_ERR_FINGERPRINT_MISMATCH);
	CU_ASSERT_EQUAL(dtls_assoc_next_timeout(p.s), -1);
	pair_free(&p);

	/* bad fingerprints are refused at create */
	struct dtls_assoc *a = NULL;
	CU_ASSERT_EQUAL(dtls_assoc_create(x, DTLS_ROLE_CLIENT, "sha-256 AB", &a),
			DTLS_ERR_FINGERPRINT_FORMAT);
	CU_ASSERT_PTR_NULL(a);
	dtls_ctx_destroy(x);
	dtls_ctx_destroy(y);
}

static void test_fingerprint_other_hashes(void)
{
	static const char *const algs[] = {"sha-1", "sha-224", "sha-384", "sha-512"};
	struct dtls_ctx *x = mkctx(NULL), *y = mkctx(NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	for (unsigned i = 0; i < 4; i++) {
		char fx[DTLS_FINGERPRINT_MAX], fy[DTLS_FINGERPRINT_MAX];
		struct pair p;

		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(x, algs[i], fx, sizeof(fx)), DTLS_OK);
		CU_ASSERT_EQUAL(dtls_ctx_fingerprint_alg(y, algs[i], fy, sizeof(fy)), DTLS_OK);
		for (char *q = fy; *q; q++) /* lowercase hex as some peers send */
			*q = (char)tolower((unsigned char)*q);
		CU_ASSERT_FATAL(pair_make(&p, x, y, fx, fy));
		pump(&p, 10000);
		expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
		expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
		pair_free(&p);
	}
	dtls_ctx_destroy(x);
	dtls_ctx_destroy(y);
}

static void test_no_common_profile(void)
{
	struct opts oc = {.profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"};
	struct opts os = {.profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM"};
	struct dtls_ctx *c = mkctx(&oc), *s = mkctx(&os);
	struct pair p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	pump(&p, 10000);
	expect_state(p.s, DTLS_STATE_FAILED, DTLS_ERR_NO_SRTP_PROFILE);
	expect_state(p.c, DTLS_STATE_FAILED, DTLS_ERR_PEER_ALERT);
	CU_ASSERT_STRING_EQUAL(dtls_assoc_detail(p.c), "handshake failure");
	pair_free(&p);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

/* A client whose server never answers: its ClientHello goes out again and
 * again with the timer doubling, until the handshake timeout. */
static void test_timeout_client(void)
{
	struct opts o = {.handshake_ms = 600, .retransmit_ms = 30};
	struct dtls_ctx *c = mkctx(&o), *s = mkctx(NULL);
	struct dtls_assoc *a;
	struct dtls_assoc_stats st;
	uint8_t first[DTLS_MTU_MAX], buf[DTLS_MTU_MAX];
	size_t first_len = 0, len;
	unsigned sent = 0, same = 0;
	uint64_t t0 = mono_ms(), t1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(dtls_assoc_create(c, DTLS_ROLE_CLIENT,
						dtls_ctx_fingerprint(s), &a), DTLS_OK);
	CU_ASSERT_EQUAL(dtls_assoc_next_timeout(a), -1); /* not started */
	CU_ASSERT_EQUAL(dtls_assoc_start(a), DTLS_OK);
	while (mono_ms() - t0 < 5000) {
		while (dtls_assoc_pull(a, buf, sizeof(buf), &len) == DTLS_OK && len) {
			if (sent++ == 0) {
				memcpy(first, buf, len);
				first_len = len;
			} else if (len == first_len &&
				   memcmp(buf + 13, first + 13, len - 13) == 0) {
				same++; /* the same ClientHello, new record number */
			}
		}
		if (dtls_assoc_state(a) != DTLS_STATE_HANDSHAKE)
			break;
		int64_t t = dtls_assoc_next_timeout(a);
		CU_ASSERT(t >= 0 && t <= 600);
		sleep_ms(t);
		dtls_assoc_handle_timeout(a);
	}
	t1 = mono_ms();
	expect_state(a, DTLS_STATE_FAILED, DTLS_ERR_HANDSHAKE_TIMEOUT);
	dtls_assoc_get_stats(a, &st);
	/* at 30, 90, 210, 450 ms; three even if every sleep runs 100 ms late */
	CU_ASSERT(st.timer_retransmits >= 3);
	CU_ASSERT(sent >= 4);
	CU_ASSERT_EQUAL(same, sent - 1);
	CU_ASSERT(t1 - t0 >= 590 && t1 - t0 < 3000);
	CU_ASSERT_EQUAL(dtls_assoc_handle_timeout(a), DTLS_ERR_HANDSHAKE_TIMEOUT);
	CU_ASSERT_EQUAL(dtls_assoc_next_timeout(a), -1);
	dtls_assoc_destroy(a);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

/* A server whose client goes silent after the ClientHello: the server's
 * flight is resent, then the handshake times out. */
static void test_timeout_server(void)
{
	struct opts o = {.handshake_ms = 600, .retransmit_ms = 30};
	struct dtls_ctx *c = mkctx(NULL), *s = mkctx(&o);
	struct dtls_assoc_stats st;
	struct pair p;
	uint8_t buf[DTLS_MTU_MAX];
	size_t len;
	uint64_t t0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	t0 = mono_ms();
	dtls_assoc_start(p.s);
	dtls_assoc_start(p.c);
	move(&p, true);  /* ClientHello */
	move(&p, false); /* HelloVerifyRequest */
	move(&p, true);  /* ClientHello with cookie */
	dtls_assoc_destroy(p.c);
	p.c = NULL;
	unsigned flights = 0;
	while (mono_ms() - t0 < 5000 && dtls_assoc_state(p.s) == DTLS_STATE_HANDSHAKE) {
		unsigned n = 0;
		while (dtls_assoc_pull(p.s, buf, sizeof(buf), &len) == DTLS_OK && len)
			n++;
		flights += n > 0;
		sleep_ms(dtls_assoc_next_timeout(p.s));
		dtls_assoc_handle_timeout(p.s);
	}
	expect_state(p.s, DTLS_STATE_FAILED, DTLS_ERR_HANDSHAKE_TIMEOUT);
	dtls_assoc_get_stats(p.s, &st);
	CU_ASSERT(st.timer_retransmits >= 2);
	CU_ASSERT(flights >= 3);
	pair_free(&p);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

/* A server started and never reached: no datagram, then the timeout. */
static void test_timeout_idle_server(void)
{
	struct opts o = {.handshake_ms = 100};
	struct dtls_ctx *s = mkctx(&o);
	struct dtls_assoc *a;
	uint64_t t0 = mono_ms();

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(dtls_assoc_create(s, DTLS_ROLE_SERVER, fp_wrong, &a),
			      DTLS_OK);
	dtls_assoc_start(a);
	while (dtls_assoc_state(a) == DTLS_STATE_HANDSHAKE && mono_ms() - t0 < 2000) {
		int64_t t = dtls_assoc_next_timeout(a);
		CU_ASSERT(t >= 0 && t <= 100);
		sleep_ms(t);
		dtls_assoc_handle_timeout(a);
	}
	expect_state(a, DTLS_STATE_FAILED, DTLS_ERR_HANDSHAKE_TIMEOUT);
	CU_ASSERT_EQUAL(dtls_assoc_pending(a), 0);
	dtls_assoc_destroy(a);
	dtls_ctx_destroy(s);
}

/* Drops each flight in turn, once: every loss is repaired by a resend. */
static void test_loss_of_each_flight(void)
{
	struct opts o = {.retransmit_ms = 30};
	struct dtls_ctx *c = mkctx(&o), *s = mkctx(&o);
	struct pair p;
	unsigned total;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	pump(&p, 10000);
	total = p.flights;
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	pair_free(&p);
	/* CH, HVR, CH+cookie, server flight, client flight, CCS+Finished */
	CU_ASSERT_EQUAL(total, 6);

	for (unsigned k = 0; k < total; k++) {
		struct dtls_assoc_stats sc, ss;

		CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
		p.drop_flight = (int)k;
		pump(&p, 10000);
		expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
		expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
		CU_ASSERT(p.dropped > 0);
		CU_ASSERT(keys_cross(p.c, p.s, SRE_AEAD_AES_128_GCM));
		dtls_assoc_get_stats(p.c, &sc);
		dtls_assoc_get_stats(p.s, &ss);
		CU_ASSERT(sc.timer_retransmits + ss.timer_retransmits >= 1);
		CU_ASSERT(p.flights > total);
		pair_free(&p);
	}
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

static void test_small_mtu(void)
{
	struct opts o = {.mtu = 300};
	struct dtls_ctx *c = mkctx(&o), *s = mkctx(&o), *d = mkctx(NULL);
	struct pair p, q;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
	CU_ASSERT(keys_cross(p.c, p.s, SRE_AEAD_AES_128_GCM));
	CU_ASSERT(p.max_len <= 300);
	CU_ASSERT(p.max_len > 200);
	CU_ASSERT(p.datagrams >= p.flights + 3); /* fragments */
	CU_ASSERT_EQUAL(p.bad_framing, 0);

	/* the default for comparison: each flight fits one datagram... */
	CU_ASSERT_FATAL(pair_make(&q, d, d, NULL, NULL));
	pump(&q, 10000);
	expect_state(q.c, DTLS_STATE_CONNECTED, DTLS_OK);
	CU_ASSERT(q.max_len <= DTLS_MTU_DEFAULT);
	CU_ASSERT_EQUAL(q.datagrams, q.flights); /* records packed per flight */
	CU_ASSERT_EQUAL(q.bad_framing, 0);
	pair_free(&q);

	/* ...and a per-association MTU, at OpenSSL's minimum, on one side */
	CU_ASSERT_FATAL(pair_make(&q, d, d, NULL, NULL));
	CU_ASSERT_EQUAL(dtls_assoc_set_mtu(q.s, 100), DTLS_ERR_BAD_PARAM);
	CU_ASSERT_EQUAL(dtls_assoc_set_mtu(q.s, DTLS_MTU_MIN), DTLS_OK);
	dtls_assoc_start(q.c);
	move(&q, true); /* the server's MTU applies to what the server sends */
	CU_ASSERT_EQUAL(dtls_assoc_set_mtu(q.c, 500), DTLS_ERR_STATE);
	pump(&q, 10000);
	expect_state(q.c, DTLS_STATE_CONNECTED, DTLS_OK);
	expect_state(q.s, DTLS_STATE_CONNECTED, DTLS_OK);
	CU_ASSERT(keys_cross(q.c, q.s, SRE_AEAD_AES_128_GCM));
	CU_ASSERT(q.max_from_server <= DTLS_MTU_MIN);
	CU_ASSERT(q.max_len > DTLS_MTU_MIN); /* the client's own stays 1200 */
	CU_ASSERT_EQUAL(q.bad_framing, 0);
	pair_free(&q);

	pair_free(&p);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
	dtls_ctx_destroy(d);
}

static int handshake_type(const uint8_t *d, size_t len)
{
	return len > 13 && d[0] == 22 ? d[13] : -1;
}

static void test_cookie_exchange(void)
{
	struct dtls_ctx *c = mkctx(NULL), *s = mkctx(NULL);
	struct opts nc = {.no_cookie = true};
	struct dtls_ctx *s2 = mkctx(&nc);
	struct dtls_assoc_stats st;
	uint8_t ch2[DTLS_MTU_MAX], buf[DTLS_MTU_MAX];
	size_t ch2_len, len;
	struct pair p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	dtls_assoc_start(p.s);
	dtls_assoc_start(p.c);
	CU_ASSERT_EQUAL(move(&p, true), 1);
	CU_ASSERT_EQUAL(dtls_assoc_pending(p.s), 1);
	CU_ASSERT_EQUAL(dtls_assoc_pull(p.s, buf, 10, &len), DTLS_ERR_BUFFER_SMALL);
	CU_ASSERT_EQUAL(dtls_assoc_pull(p.s, buf, sizeof(buf), &len), DTLS_OK);
	CU_ASSERT_EQUAL(handshake_type(buf, len), 3); /* HelloVerifyRequest */
	CU_ASSERT(len < 100);                         /* nothing to amplify */
	/* no retransmission timer: only the handshake timeout runs */
	CU_ASSERT(dtls_assoc_next_timeout(p.s) > 1000);
	dtls_assoc_feed(p.c, buf, len, addr_b, strlen(addr_b));
	CU_ASSERT_EQUAL(dtls_assoc_pull(p.c, ch2, sizeof(ch2), &ch2_len), DTLS_OK);
	CU_ASSERT_EQUAL(handshake_type(ch2, ch2_len), 1);

	/* the cookie was made for addr_a: from elsewhere it is dropped */
	CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, ch2, ch2_len, addr_b, strlen(addr_b)),
			DTLS_OK);
	CU_ASSERT_EQUAL(dtls_assoc_pending(p.s), 0);
	dtls_assoc_get_stats(p.s, &st);
	CU_ASSERT_EQUAL(st.dropped, 1);
	/* so is a forged cookie from the right address */
	ch2[13 + 12 + 35 + ch2[13 + 12 + 34] + 1] ^= 1;
	CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, ch2, ch2_len, addr_a, strlen(addr_a)),
			DTLS_OK);
	CU_ASSERT_EQUAL(dtls_assoc_pending(p.s), 0);
	ch2[13 + 12 + 35 + ch2[13 + 12 + 34] + 1] ^= 1;
	/* from addr_a it is taken: the server's flight follows */
	CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, ch2, ch2_len, addr_a, strlen(addr_a)),
			DTLS_OK);
	CU_ASSERT(dtls_assoc_pending(p.s) >= 1);
	CU_ASSERT_EQUAL(dtls_assoc_state(p.s), DTLS_STATE_HANDSHAKE);
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
	dtls_assoc_get_stats(p.s, &st);
	CU_ASSERT_EQUAL(st.dropped, 2);
	pair_free(&p);

	/* without cookies the ServerHello comes at once */
	CU_ASSERT_FATAL(pair_make(&p, c, s2, NULL, NULL));
	dtls_assoc_start(p.s);
	dtls_assoc_start(p.c);
	move(&p, true);
	CU_ASSERT_EQUAL(dtls_assoc_pull(p.s, buf, sizeof(buf), &len), DTLS_OK);
	CU_ASSERT_EQUAL(handshake_type(buf, len), 2);
	dtls_assoc_feed(p.c, buf, len, addr_b, strlen(addr_b));
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	CU_ASSERT(keys_cross(p.c, p.s, SRE_AEAD_AES_128_GCM));
	pair_free(&p);

	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
	dtls_ctx_destroy(s2);
}

/* Junk of several shapes mid-handshake and after: dropped by DTLS's record
 * layer, neither side fails. */
static void test_garbage(void)
{
	struct dtls_ctx *c = mkctx(NULL), *s = mkctx(NULL);
	uint8_t junk[4][64];
	size_t jl[4] = {64, 5, 40, 30};
	struct pair p;

	memset(junk[0], 0xff, 64);
	memcpy(junk[1], "\x16\xfe\xfd\x00", 5);
	/* a handshake record of epoch 1 that decrypts to nothing */
	memset(junk[2], 0x5a, 40);
	memcpy(junk[2], "\x16\xfe\xfd\x00\x01\x00\x00\x00\x00\x00\x07\x00\x1b", 13);
	/* an epoch-0 ClientHello header cut short */
	memset(junk[3], 0, 30);
	memcpy(junk[3], "\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x09\x00\x40\x01", 14);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FATAL(pair_make(&p, c, s, NULL, NULL));
	dtls_assoc_start(p.s);
	dtls_assoc_start(p.c);
	for (int round = 0; round < 4; round++) {
		for (int j = 0; j < 4; j++) {
			CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, junk[j], jl[j], addr_a, strlen(addr_a)), DTLS_OK);
			CU_ASSERT_EQUAL(dtls_assoc_feed(p.c, junk[j], jl[j], addr_b, strlen(addr_b)), DTLS_OK);
		}
		move(&p, true);
		move(&p, false);
	}
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	expect_state(p.s, DTLS_STATE_CONNECTED, DTLS_OK);
	for (int j = 0; j < 4; j++) {
		CU_ASSERT_EQUAL(dtls_assoc_feed(p.s, junk[j], jl[j], addr_a, strlen(addr_a)), DTLS_OK);
		CU_ASSERT_EQUAL(dtls_assoc_feed(p.c, junk[j], jl[j], addr_b, strlen(addr_b)), DTLS_OK);
	}
	CU_ASSERT(keys_cross(p.c, p.s, SRE_AEAD_AES_128_GCM));
	pair_free(&p);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

static void test_close(void)
{
	struct dtls_ctx *x = mkctx(NULL);
	struct dtls_srtp_keys k;
	struct pair p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_FATAL(pair_make(&p, x, x, NULL, NULL));
	CU_ASSERT_EQUAL(dtls_assoc_srtp_keys(p.c, &k), DTLS_ERR_STATE);
	pump(&p, 10000);
	expect_state(p.c, DTLS_STATE_CONNECTED, DTLS_OK);
	CU_ASSERT_EQUAL(dtls_assoc_close(p.c), DTLS_OK);
	expect_state(p.c, DTLS_STATE_CLOSED, DTLS_ERR_CLOSED);
	CU_ASSERT_EQUAL(dtls_assoc_pending(p.c), 1); /* close_notify */
	move(&p, true);
	expect_state(p.s, DTLS_STATE_CLOSED, DTLS_ERR_CLOSED);
	CU_ASSERT_EQUAL(dtls_assoc_srtp_keys(p.s, &k), DTLS_ERR_STATE);
	pair_free(&p);

	/* closing before start sends nothing */
	CU_ASSERT_FATAL(pair_make(&p, x, x, NULL, NULL));
	CU_ASSERT_EQUAL(dtls_assoc_close(p.c), DTLS_OK);
	CU_ASSERT_EQUAL(dtls_assoc_pending(p.c), 0);
	CU_ASSERT_EQUAL(dtls_assoc_start(p.c), DTLS_ERR_STATE);
	pair_free(&p);
	dtls_ctx_destroy(x);
}

/* ---- 1,000 at once ----------------------------------------------------- */

/* Heap in use (glibc's count; sanitizers may answer 0), else RSS. */
static long heap_kib(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

#define NPAIRS 1000

static void test_thousand_in_flight(void)
{
	struct dtls_ctx *c = mkctx(NULL), *s = mkctx(NULL);
	struct pair *p = calloc(NPAIRS, sizeof(*p));
	char (*addrs)[24] = calloc(NPAIRS, 24);
	unsigned done = 0, rounds = 0, matched = 0, in_flight_max = 0;
	long heap0 = heap_kib(), heap_peak = heap0, heap_done, rss0 = rss_kib();
	uint64_t t0, t1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(addrs);
	t0 = mono_ms();
	for (unsigned i = 0; i < NPAIRS; i++) {
		CU_ASSERT_FATAL(pair_make(&p[i], c, s, NULL, NULL));
		snprintf(addrs[i], 24, "10.%u.%u.1:5004", i >> 8, i & 255);
		p[i].addr = addrs[i];
		dtls_assoc_start(p[i].s);
		dtls_assoc_start(p[i].c);
	}
	/* one step of every pair per round: all of them are mid-handshake
	 * together */
	while (done < NPAIRS && mono_ms() - t0 < 90000) {
		unsigned in_flight = 0;
		long h;

		done = 0;
		rounds++;
		for (unsigned i = 0; i < NPAIRS; i++) {
			struct pair *q = &p[i];

			if (!busy(q->c) && !busy(q->s)) {
				done++;
				continue;
			}
			in_flight++;
			if (move(q, true) + move(q, false) == 0) {
				if (dtls_assoc_next_timeout(q->c) == 0)
					dtls_assoc_handle_timeout(q->c);
				if (dtls_assoc_next_timeout(q->s) == 0)
					dtls_assoc_handle_timeout(q->s);
			}
		}
		if (in_flight > in_flight_max)
			in_flight_max = in_flight;
		if ((h = heap_kib()) > heap_peak)
			heap_peak = h;
	}
	t1 = mono_ms();
	heap_done = heap_kib();
	for (unsigned i = 0; i < NPAIRS; i++)
		if (dtls_assoc_state(p[i].c) == DTLS_STATE_CONNECTED &&
		    dtls_assoc_state(p[i].s) == DTLS_STATE_CONNECTED &&
		    keys_cross(p[i].c, p[i].s, SRE_AEAD_AES_128_GCM))
			matched++;
	CU_ASSERT_EQUAL(matched, NPAIRS);
	CU_ASSERT_EQUAL(in_flight_max, NPAIRS);
	printf("\n    %u handshakes (%u associations) at once: %llu ms, %u rounds\n    ",
	       NPAIRS, 2 * NPAIRS, (unsigned long long)(t1 - t0), rounds);
	if (heap_peak > heap0)
		printf("heap per association: %ld KiB mid-handshake (peak), "
		       "%ld KiB connected\n    ",
		       (heap_peak - heap0) / (2 * NPAIRS),
		       (heap_done - heap0) / (2 * NPAIRS));
	else /* a sanitizer's allocator: glibc's counts say nothing */
		printf("RSS +%ld KiB (heap not measurable here)\n    ",
		       rss_kib() - rss0);
	for (unsigned i = 0; i < NPAIRS; i++)
		pair_free(&p[i]);
	free(p);
	free(addrs);
	dtls_ctx_destroy(c);
	dtls_ctx_destroy(s);
}

static CU_TestInfo basics_tests[] = {
	{"status_names", test_status_names},
	{"profile_table", test_profile_table},
	{"setup_roles", test_setup_roles},
	{"fingerprint_syntax", test_fingerprint_syntax},
	{"ctx_from_pem", test_ctx_from_pem},
	{"ctx_generated", test_ctx_generated},
	{"ctx_config_errors", test_ctx_config_errors},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo handshake_tests[] = {
	{"each_profile_both_ways", test_each_profile_both_ways},
	{"profile_preference", test_profile_preference},
	{"fingerprint_mismatch", test_fingerprint_mismatch},
	{"fingerprint_other_hashes", test_fingerprint_other_hashes},
	{"no_common_profile", test_no_common_profile},
	{"cookie_exchange", test_cookie_exchange},
	{"garbage", test_garbage},
	{"close", test_close},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo network_tests[] = {
	{"timeout_client", test_timeout_client},
	{"timeout_server", test_timeout_server},
	{"timeout_idle_server", test_timeout_idle_server},
	{"loss_of_each_flight", test_loss_of_each_flight},
	{"small_mtu", test_small_mtu},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo scale_tests[] = {
	{"thousand_in_flight", test_thousand_in_flight},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	CU_SuiteInfo suites[] = {
		{"basics", NULL, NULL, NULL, NULL, basics_tests},
		{"handshakes", NULL, NULL, NULL, NULL, handshake_tests},
		{"timers_loss_mtu", NULL, NULL, NULL, NULL, network_tests},
		{"scale", NULL, NULL, NULL, NULL, scale_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
