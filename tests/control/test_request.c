/*
 * control/: the API's requests mapped onto the dataplane's session specs
 * (SDES a=crypto lines into keys, addresses, latching, ICE credentials),
 * every refusal with its code and the field it names; the answers' JSON
 * (key ids, never keys); the state file (mode 0600, no SRTP keys, round
 * trip, refusals); frames; addresses; the session table's id allocation.
 * No DPDK, no sockets.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_util.h"
#include "dtls_srtp.h"
#include "frame.h"
#include "request.h"
#include "sessions.h"
#include "srtp_edge.h"
#include "state.h"
#include "test_common.h"

/* key||salt = bytes 0..29 and 100..129 */
#define K30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define K30B "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CB"
#define CRYPTO(tag, key) "a=crypto:" #tag " AES_CM_128_HMAC_SHA1_80 inline:" key
#define ICE_PWD "asd88fgpdd777uzjYhagZg"

/* A valid create; tests change one part of it. */
static const char *base_create(void)
{
	return "{\"id\": 7, \"op\": \"session.create\", \"session\": 42, \"name\": \"call-42\","
	       " \"outside\": {\"local\": \"198.51.100.1:20000\", \"remote\": \"latch\","
	       "   \"sdes\": {\"rx\": \"" CRYPTO(1, K30) "\", \"tx\": \"" CRYPTO(1, K30B) "\"},"
	       "   \"ice\": {\"ufrag\": \"Xa7q\", \"pwd\": \"" ICE_PWD "\"}},"
	       " \"inside\": {\"local\": \"203.0.113.1:30000\", \"remote\": \"203.0.113.10:40000\"}}";
}

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (j == NULL)
		fprintf(stderr, "test JSON does not parse: %s: %s\n", je.text, text);
	return j;
}

/* Parses `text` as a create (after the envelope); returns the error code
 * and copies the field. */
static int create_code(const char *text, char *field, size_t flen, char *msg, size_t mlen)
{
	struct api_create c;
	struct api_error e;
	enum api_op op;
	json_t *j = load(text);
	if (j == NULL)
		return -1;
	memset(&e, 0, sizeof(e));
	int rc = api_parse_envelope(j, &op, &e);
	if (rc == 0)
		rc = api_parse_create(j, &c, &e);
	api_wipe_create(&c);
	json_decref(j);
	snprintf(field, flen, "%s", rc ? e.field : "");
	snprintf(msg, mlen, "%s", rc ? e.message : "");
	return rc ? (int)e.code : API_OK;
}

/* base_create with `path` (a.b.c) set to `value` (JSON text; NULL removes). */
static char *edit(const char *path, const char *value)
{
	json_t *j = load(base_create());
	json_t *o = j;
	char p[128], *save = NULL, *tok, *last = NULL;
	snprintf(p, sizeof(p), "%s", path);
	for (tok = strtok_r(p, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (last) {
			json_t *x = json_object_get(o, last);
			if (x == NULL) {
				x = json_object();
				json_object_set_new(o, last, x);
			}
			o = x;
		}
		last = tok;
	}
	if (value == NULL) {
		json_object_del(o, last);
	} else {
		json_error_t je;
		json_t *v = json_loads(value, JSON_DECODE_ANY, &je);
		if (v == NULL)
			fprintf(stderr, "bad test value %s\n", value);
		json_object_set_new(o, last, v);
	}
	char *s = ctl_json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void test_create_maps(void)
{
	struct api_create c;
	struct api_error e;
	json_t *j = load(base_create());

	CHECK(api_parse_create(j, &c, &e) == 0, "parse: %s", e.message);
	CHECK(c.has_id && c.spec.id == 42, "id %u", c.spec.id);
	CHECK(strcmp(c.spec.name, "call-42") == 0, "name %s", c.spec.name);
	const struct dp_leg_spec *o = &c.spec.leg[DP_OUTSIDE], *in = &c.spec.leg[DP_INSIDE];
	CHECK_U(o->local.addr.family, AF_INET);
	CHECK_U(o->local.port, 20000);
	CHECK(memcmp(o->local.addr.bytes, "\xc6\x33\x64\x01", 4) == 0, "outside local address");
	CHECK(o->latch, "outside latches");
	CHECK_U(o->remote.addr.family, AF_INET); /* latch: the local's family */
	CHECK_U(o->rx.suite, SRE_AES_CM_128_HMAC_SHA1_80);
	CHECK_U(o->rx.nkeys, 1);
	CHECK_U(o->rx.mki_len, 0);
	CHECK_U(o->rx.lifetime, 0);
	for (int i = 0; i < 16; i++)
		CHECK_U(o->rx.keys[0].key[i], i);
	for (int i = 0; i < 14; i++)
		CHECK_U(o->rx.keys[0].salt[i], 16 + i);
	CHECK_U(o->tx.keys[0].key[0], 100);
	CHECK_U(o->tx.keys[0].salt[13], 129);
	CHECK(!in->latch, "inside does not latch");
	CHECK_U(in->remote.port, 40000);
	CHECK_U(in->rx.suite, DP_SUITE_NONE);
	CHECK_U(in->tx.suite, DP_SUITE_NONE);
	CHECK(c.ice_set[DP_OUTSIDE] && !c.ice_set[DP_INSIDE], "ICE on the outside only");
	CHECK(strcmp(c.ice[0].ufrag, "Xa7q") == 0 && strcmp(c.ice[0].pwd, ICE_PWD) == 0 &&
	      c.ice[0].remote_ufrag[0] == '\0', "ICE credentials copied");
	api_wipe_create(&c);
	static const struct api_create zero;
	CHECK(memcmp(&c, &zero, sizeof(c)) == 0, "api_wipe_create leaves zeroes");
	json_decref(j);
}

static void test_create_sdes_params(void)
{
	struct api_create c;
	struct api_error e;
	/* two keys with 2-byte MKIs and lifetimes; AES-256 on the inside; IPv6 */
	const char *t =
		"{\"op\": \"session.create\","
		" \"outside\": {\"local\": \"[2001:db8:51::1]:20000\", \"remote\": \"[2001:db8:51::10]:5004\","
		"   \"sdes\": {\"rx\": \"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" K30 "|2^20|1:2;inline:" K30B "|1000|2:2\","
		"            \"tx\": \"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" K30B "|2^31\"}},"
		" \"inside\": {\"local\": \"203.0.113.1:30000\", \"remote\": \"latch\","
		"   \"sdes\": {\"rx\": \"a=crypto:2 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==\","
		"            \"tx\": \"a=crypto:2 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw== KDR=0\"},"
		"   \"ice\": {\"ufrag\": \"abcd\", \"pwd\": \"" ICE_PWD "\", \"remote_ufrag\": \"pe+r/\"}}}";
	json_t *j = load(t);
	CHECK(api_parse_create(j, &c, &e) == 0, "parse: %s", e.message);
	CHECK(!c.has_id && c.spec.id == 0, "no id given");
	const struct dp_leg_spec *o = &c.spec.leg[DP_OUTSIDE], *in = &c.spec.leg[DP_INSIDE];
	CHECK_U(o->local.addr.family, AF_INET6);
	CHECK_U(o->remote.port, 5004);
	CHECK_U(o->rx.suite, SRE_AES_CM_128_HMAC_SHA1_32);
	CHECK_U(o->rx.nkeys, 2);
	CHECK_U(o->rx.mki_len, 2);
	CHECK(o->rx.keys[0].mki[0] == 0 && o->rx.keys[0].mki[1] == 1, "MKI 1");
	CHECK(o->rx.keys[1].mki[0] == 0 && o->rx.keys[1].mki[1] == 2, "MKI 2");
	CHECK_U(o->rx.keys[1].key[0], 100);
	CHECK_U(o->rx.lifetime, 1000); /* the smaller */
	CHECK_U(o->rx.active, 0);
	CHECK_U(o->tx.lifetime, 1ull << 31);
	CHECK_U(in->rx.suite, SRE_AEAD_AES_128_GCM);
	CHECK_U(in->rx.keys[0].salt[11], 27);
	CHECK(in->latch, "inside latches (it has SRTP)");
	CHECK_U(in->remote.addr.family, AF_INET);
	CHECK(c.ice_set[DP_INSIDE] && strcmp(c.ice[1].remote_ufrag, "pe+r/") == 0,
	      "inside ICE with the peer's ufrag");
	api_wipe_create(&c);
	json_decref(j);
}

struct bad {
	const char *path;   /* edited in base_create; NULL: text is the request */
	const char *value;  /* JSON; NULL removes */
	int code;
	const char *field;
	const char *says;   /* in the message */
};

static const struct bad bad_creates[] = {
	{NULL, "[1, 2]", API_E_BAD_JSON, "", "JSON object"},
	{NULL, "{\"id\": 1}", API_E_INVALID, "op", "missing"},
	{NULL, "{\"op\": 5}", API_E_INVALID, "op", "string"},
	{NULL, "{\"op\": \"session.frob\"}", API_E_UNKNOWN_OP, "op", "session.frob"},
	{"color", "\"red\"", API_E_INVALID, "color", "unknown field"},
	{"session", "\"42\"", API_E_INVALID, "session", "whole number"},
	{"session", "0", API_E_INVALID, "session", "out of range"},
	{"session", "1000000", API_E_INVALID, "session", "out of range"},
	{"session", "4.5", API_E_INVALID, "session", "whole number"},
	{"name", "\"0123456789012345678901234567890123456789012345678\"", API_E_INVALID, "name", "at most 47"},
	{"name", "\"tab\\there\"", API_E_INVALID, "name", "printable"},
	{"name", "7", API_E_INVALID, "name", "string"},
	{"outside", NULL, API_E_INVALID, "outside", "missing"},
	{"outside", "\"198.51.100.1:1\"", API_E_INVALID, "outside", "object"},
	{"inside", NULL, API_E_INVALID, "inside", "missing"},
	{"outside.colour", "1", API_E_INVALID, "outside.colour", "unknown field"},
	{"outside.local", NULL, API_E_INVALID, "outside.local", "missing"},
	{"outside.local", "\"198.51.100.1\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.local", "\"198.51.100.1:0\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.local", "\"198.51.100.1:65536\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.local", "\"198.51.100.300:5\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.local", "\"2001:db8::1:5\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.local", "\"[2001:db8::1]5\"", API_E_INVALID, "outside.local", "ADDRESS:PORT"},
	{"outside.remote", NULL, API_E_INVALID, "outside.remote", "missing"},
	{"outside.remote", "\"somewhere\"", API_E_INVALID, "outside.remote", "latch"},
	{"outside.remote", "\"[2001:db8::1]:5\"", API_E_INVALID, "outside.remote", "family"},
	{"outside.sdes", NULL, API_E_INVALID, "outside.sdes", "missing"},
	{"outside.sdes", "\"a=crypto:1\"", API_E_INVALID, "outside.sdes", "object"},
	{"outside.sdes.rx", NULL, API_E_INVALID, "outside.sdes.rx", "missing"},
	{"outside.sdes.tx", NULL, API_E_INVALID, "outside.sdes.tx", "missing"},
	{"outside.sdes.both", "\"x\"", API_E_INVALID, "outside.sdes.both", "unknown field"},
	{"outside.sdes.rx", "17", API_E_INVALID, "outside.sdes.rx", "string"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_99 inline:" K30 "\"",
	 API_E_INVALID, "outside.sdes.rx", "suite"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAEC\"",
	 API_E_INVALID, "outside.sdes.rx", ""},
	{"outside.sdes.tx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "!\"",
	 API_E_INVALID, "outside.sdes.tx", ""},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|1:9\"",
	 API_E_INVALID, "outside.sdes.rx", "MKI"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " KDR=1\"",
	 API_E_UNSUPPORTED, "outside.sdes.rx", "KDR=1"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTP\"",
	 API_E_UNSUPPORTED, "outside.sdes.rx", "UNENCRYPTED_SRTP"},
	{"outside.sdes.tx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNENCRYPTED_SRTCP\"",
	 API_E_UNSUPPORTED, "outside.sdes.tx", "UNENCRYPTED_SRTCP"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " UNAUTHENTICATED_SRTP\"",
	 API_E_UNSUPPORTED, "outside.sdes.rx", "UNAUTHENTICATED_SRTP"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_ORDER=SRTP_FEC\"",
	 API_E_UNSUPPORTED, "outside.sdes.rx", "FEC"},
	{"outside.sdes.rx", "\"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K30 " FEC_KEY=inline:" K30B "\"",
	 API_E_UNSUPPORTED, "outside.sdes.rx", "FEC_KEY"},
	{"outside.dtls", "{\"setup\": \"active\"}", API_E_INVALID, "outside.dtls", "not both"},
	{"inside.dtls", "{\"setup\": \"active\"}", API_E_UNSUPPORTED, "inside.dtls", "outside leg only"},
	{"outside.ice", "\"Xa7q\"", API_E_INVALID, "outside.ice", "object"},
	{"outside.ice.ufrag", NULL, API_E_INVALID, "outside.ice.ufrag", "missing"},
	{"outside.ice.ufrag", "\"abc\"", API_E_INVALID, "outside.ice.ufrag", "4 to 256"},
	{"outside.ice.ufrag", "\"ab:cd\"", API_E_INVALID, "outside.ice.ufrag", "ice-chars"},
	{"outside.ice.pwd", NULL, API_E_INVALID, "outside.ice.pwd", "missing"},
	{"outside.ice.pwd", "\"tooshort\"", API_E_INVALID, "outside.ice.pwd", "22 to 256"},
	{"outside.ice.pwd", "\"asd88fgpdd777uzjYhagZg=\"", API_E_INVALID, "outside.ice.pwd", "ice-chars"},
	{"outside.ice.remote_ufrag", "\"x y z w\"", API_E_INVALID, "outside.ice.remote_ufrag", "ice-chars"},
	{"outside.ice.user", "\"x\"", API_E_INVALID, "outside.ice.user", "unknown field"},
	{"inside.remote", "\"latch\"", API_E_INVALID, "inside.remote", "needs SRTP"},
	{"inside.local", "\"203.0.113.1\"", API_E_INVALID, "inside.local", "ADDRESS:PORT"},
	{"inside.sdes", "{\"rx\": \"" CRYPTO(1, K30) "\"}", API_E_INVALID, "inside.sdes.tx", "missing"},
};

/* outside "dtls": roles from a=setup, keys pending, every refusal. */
#define FP256 "sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
static char *dtls_create(const char *dtls)
{
	json_t *j = load(base_create());
	json_t *o = json_object_get(j, "outside");
	json_object_del(o, "sdes");
	json_error_t je;
	json_t *d = json_loads(dtls, 0, &je);
	if (d == NULL)
		fprintf(stderr, "bad test value %s\n", dtls);
	json_object_set_new(o, "dtls", d);
	char *s = ctl_json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void test_create_dtls(void)
{
	static const struct {
		const char *dtls;
		int setup, role;
	} good[] = {
		{"{\"setup\": \"passive\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_PASSIVE, DTLS_ROLE_SERVER},
		{"{\"setup\": \"ACTIVE\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_ACTIVE, DTLS_ROLE_CLIENT},
		/* we answer an offer of actpass: active */
		{"{\"peer_setup\": \"actpass\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_ACTIVE, DTLS_ROLE_CLIENT},
		{"{\"peer_setup\": \"active\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_PASSIVE, DTLS_ROLE_SERVER},
		/* we offered actpass; the answer decides */
		{"{\"setup\": \"actpass\", \"peer_setup\": \"passive\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_ACTPASS, DTLS_ROLE_CLIENT},
		{"{\"setup\": \"actpass\", \"peer_setup\": \"active\", \"fingerprint\": \"" FP256 "\"}",
		 DTLS_SETUP_ACTPASS, DTLS_ROLE_SERVER},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		struct api_create c;
		struct api_error e;
		char *text = dtls_create(good[i].dtls);
		json_t *j = load(text);
		int rc = api_parse_create(j, &c, &e);
		CHECK(rc == 0, "case %zu: %s", i, rc ? e.message : "");
		if (rc == 0) {
			const struct dp_leg_spec *o = &c.spec.leg[DP_OUTSIDE];
			CHECK(c.dtls, "case %zu: dtls", i);
			CHECK_U(c.d.setup, good[i].setup);
			CHECK_U(c.d.role, good[i].role);
			CHECK(strcmp(c.d.fingerprint, FP256) == 0, "case %zu: fingerprint", i);
			CHECK(o->keys_pending && o->latch, "case %zu: keys pending, latch", i);
			CHECK_U(o->rx.suite, DP_SUITE_NONE);
			CHECK_U(o->tx.suite, DP_SUITE_NONE);
			CHECK(!c.spec.leg[DP_INSIDE].keys_pending, "case %zu: inside", i);
		}
		api_wipe_create(&c);
		json_decref(j);
		free(text);
	}
	static const struct {
		const char *dtls, *field, *says;
	} bad[] = {
		{"{\"fingerprint\": \"" FP256 "\"}", "outside.dtls.setup", "missing"},
		{"{\"setup\": \"passive\"}", "outside.dtls.fingerprint", "missing"},
		{"{\"setup\": \"holdconn\", \"fingerprint\": \"" FP256 "\"}", "outside.dtls.setup", "active"},
		{"{\"setup\": \"sideways\", \"fingerprint\": \"" FP256 "\"}", "outside.dtls.setup", "active"},
		{"{\"setup\": \"actpass\", \"fingerprint\": \"" FP256 "\"}", "outside.dtls.peer_setup", "missing"},
		{"{\"setup\": \"actpass\", \"peer_setup\": \"actpass\", \"fingerprint\": \"" FP256 "\"}",
		 "outside.dtls.peer_setup", "does not answer"},
		{"{\"setup\": \"active\", \"peer_setup\": \"passive\", \"fingerprint\": \"" FP256 "\"}",
		 "outside.dtls.peer_setup", "only with setup actpass"},
		{"{\"setup\": \"passive\", \"fingerprint\": \"md5 AB:CD\"}", "outside.dtls.fingerprint", ""},
		{"{\"setup\": \"passive\", \"fingerprint\": \"sha-256 zz\"}", "outside.dtls.fingerprint", ""},
		{"{\"setup\": \"passive\", \"fingerprint\": 7}", "outside.dtls.fingerprint", "string"},
		{"{\"setup\": \"passive\", \"fingerprint\": \"" FP256 "\", \"role\": \"x\"}",
		 "outside.dtls.role", "unknown field"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char field[64], msg[400];
		char *text = dtls_create(bad[i].dtls);
		int code = create_code(text, field, sizeof(field), msg, sizeof(msg));
		CHECK(code == API_E_INVALID, "bad case %zu: code %s (%s)", i, api_code_name(code), msg);
		CHECK(strcmp(field, bad[i].field) == 0, "bad case %zu: field '%s', want '%s'", i,
		      field, bad[i].field);
		CHECK(strstr(msg, bad[i].says) != NULL, "bad case %zu: '%s' does not say '%s'", i,
		      msg, bad[i].says);
		free(text);
	}
}

static void test_create_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_creates) / sizeof(*bad_creates); i++) {
		const struct bad *b = &bad_creates[i];
		char field[64], msg[400];
		char *text = b->path ? edit(b->path, b->value) : strdup(b->value);
		int code = create_code(text, field, sizeof(field), msg, sizeof(msg));
		CHECK(code == b->code, "case %zu (%s): code %s, want %s (%s)", i,
		      b->path ? b->path : b->value, api_code_name(code),
		      api_code_name(b->code), msg);
		CHECK(strcmp(field, b->field) == 0, "case %zu: field '%s', want '%s'", i,
		      field, b->field);
		CHECK(strstr(msg, b->says) != NULL, "case %zu: message '%s' does not say '%s'",
		      i, msg, b->says);
		if (*b->field)
			CHECK(strncmp(msg, b->field, strlen(b->field)) == 0,
			      "case %zu: message '%s' does not start with the field", i, msg);
		/* no key text in any message */
		CHECK(strstr(msg, K30) == NULL && strstr(msg, K30B) == NULL,
		      "case %zu: the message repeats a key", i);
		free(text);
	}
}

static int op_code(const char *text, enum api_op want_op, char *field, char *msg)
{
	struct api_error e;
	enum api_op op;
	json_t *j = load(text);
	int rc = api_parse_envelope(j, &op, &e);
	if (rc == 0) {
		CHECK_U(op, want_op);
		switch (op) {
		case API_OP_SESSION_REKEY: {
			struct api_rekey r;
			rc = api_parse_rekey(j, &r, &e);
			api_wipe_rekey(&r);
			break;
		}
		case API_OP_SESSION_LIST: {
			struct api_list l;
			rc = api_parse_list(j, &l, &e);
			break;
		}
		case API_OP_STATS: {
			struct api_stats s;
			rc = api_parse_stats(j, &s, &e);
			break;
		}
		case API_OP_SESSION_DELETE:
		case API_OP_SESSION_SHOW: {
			uint32_t id;
			rc = api_parse_session_ref(j, &id, &e);
			break;
		}
		default:
			break;
		}
	}
	json_decref(j);
	strcpy(field, rc ? e.field : "");
	strcpy(msg, rc ? e.message : "");
	return rc ? (int)e.code : API_OK;
}

static const struct {
	const char *text;
	enum api_op op;
	int code;
	const char *field;
} bad_others[] = {
	{"{\"op\": \"session.delete\"}", API_OP_SESSION_DELETE, API_E_INVALID, "session"},
	{"{\"op\": \"session.delete\", \"session\": -1}", API_OP_SESSION_DELETE, API_E_INVALID, "session"},
	{"{\"op\": \"session.delete\", \"session\": 5, \"name\": \"x\"}", API_OP_SESSION_DELETE, API_E_INVALID, "name"},
	{"{\"op\": \"session.delete\", \"session\": 5}", API_OP_SESSION_DELETE, API_OK, ""},
	{"{\"op\": \"session.show\", \"session\": \"5\"}", API_OP_SESSION_SHOW, API_E_INVALID, "session"},
	{"{\"op\": \"session.show\", \"session\": 4294967295}", API_OP_SESSION_SHOW, API_OK, ""},
	{"{\"op\": \"session.show\", \"session\": 4294967296}", API_OP_SESSION_SHOW, API_E_INVALID, "session"},
	{"{\"op\": \"session.list\"}", API_OP_SESSION_LIST, API_OK, ""},
	{"{\"op\": \"session.list\", \"limit\": 0}", API_OP_SESSION_LIST, API_E_INVALID, "limit"},
	{"{\"op\": \"session.list\", \"limit\": 100001}", API_OP_SESSION_LIST, API_E_INVALID, "limit"},
	{"{\"op\": \"session.list\", \"ids_only\": 1}", API_OP_SESSION_LIST, API_E_INVALID, "ids_only"},
	{"{\"op\": \"session.list\", \"after\": 7, \"limit\": 3, \"ids_only\": true}", API_OP_SESSION_LIST, API_OK, ""},
	{"{\"op\": \"session.list\", \"session\": 3}", API_OP_SESSION_LIST, API_E_INVALID, "session"},
	{"{\"op\": \"stats\"}", API_OP_STATS, API_OK, ""},
	{"{\"op\": \"stats\", \"scope\": \"galaxy\"}", API_OP_STATS, API_E_INVALID, "scope"},
	{"{\"op\": \"stats\", \"scope\": \"worker\"}", API_OP_STATS, API_E_INVALID, "worker"},
	{"{\"op\": \"stats\", \"scope\": \"session\"}", API_OP_STATS, API_E_INVALID, "session"},
	{"{\"op\": \"stats\", \"worker\": 0, \"session\": 1}", API_OP_STATS, API_E_INVALID, "session"},
	{"{\"op\": \"stats\", \"scope\": \"global\", \"worker\": 1}", API_OP_STATS, API_E_INVALID, "worker"},
	{"{\"op\": \"stats\", \"worker\": 1}", API_OP_STATS, API_OK, ""},
	{"{\"op\": \"stats\", \"scope\": \"session\", \"session\": 9}", API_OP_STATS, API_OK, ""},
	{"{\"op\": \"status\", \"verbose\": true}", API_OP_STATUS, API_E_INVALID, "verbose"},
	{"{\"op\": \"session.rekey\"}", API_OP_SESSION_REKEY, API_E_INVALID, "session"},
	{"{\"op\": \"session.rekey\", \"session\": 3}", API_OP_SESSION_REKEY, API_E_INVALID, "outside"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {}}", API_OP_SESSION_REKEY, API_E_INVALID, "outside.sdes"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {\"plain\": true}}", API_OP_SESSION_REKEY, API_E_INVALID, "outside.plain"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"inside\": {\"plain\": 1}}", API_OP_SESSION_REKEY, API_E_INVALID, "inside.plain"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"inside\": {\"plain\": true, \"sdes\": {\"rx\": \"" CRYPTO(1, K30) "\", \"tx\": \"" CRYPTO(1, K30) "\"}}}", API_OP_SESSION_REKEY, API_E_INVALID, "inside.plain"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"inside\": {\"plain\": true}}", API_OP_SESSION_REKEY, API_OK, ""},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {\"dtls\": {}}}", API_OP_SESSION_REKEY, API_E_UNSUPPORTED, "outside.dtls"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {\"local\": \"1.2.3.4:5\"}}", API_OP_SESSION_REKEY, API_E_INVALID, "outside.local"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {\"sdes\": {\"rx\": \"" CRYPTO(1, K30) "\", \"tx\": \"junk\"}}}", API_OP_SESSION_REKEY, API_E_INVALID, "outside.sdes.tx"},
	{"{\"op\": \"session.rekey\", \"session\": 3, \"outside\": {\"sdes\": {\"rx\": \"" CRYPTO(1, K30) "\", \"tx\": \"" CRYPTO(1, K30B) "\"}}}", API_OP_SESSION_REKEY, API_OK, ""},
};

static void test_other_ops(void)
{
	for (size_t i = 0; i < sizeof(bad_others) / sizeof(*bad_others); i++) {
		char field[64], msg[400];
		int code = op_code(bad_others[i].text, bad_others[i].op, field, msg);
		CHECK(code == bad_others[i].code, "case %zu (%s): %s, want %s: %s", i,
		      bad_others[i].text, api_code_name(code),
		      api_code_name(bad_others[i].code), msg);
		CHECK(strcmp(field, bad_others[i].field) == 0, "case %zu: field '%s', want '%s'",
		      i, field, bad_others[i].field);
	}
}

static void test_rekey_maps(void)
{
	struct api_rekey r;
	struct api_error e;
	json_t *j = load("{\"op\": \"session.rekey\", \"session\": 9, \"outside\": {\"sdes\": "
			 "{\"rx\": \"" CRYPTO(1, K30B) "\", \"tx\": \"" CRYPTO(1, K30) "\"}}, "
			 "\"inside\": {\"plain\": true}}");
	CHECK(api_parse_rekey(j, &r, &e) == 0, "%s", e.message);
	CHECK_U(r.id, 9);
	CHECK(r.leg_set[0] && r.leg_set[1], "both legs given");
	CHECK_U(r.rx[0].keys[0].key[0], 100);
	CHECK_U(r.tx[0].keys[0].key[0], 0);
	CHECK_U(r.rx[1].suite, DP_SUITE_NONE);
	api_wipe_rekey(&r);
	json_decref(j);

	struct api_list l;
	j = load("{\"op\": \"session.list\"}");
	CHECK(api_parse_list(j, &l, &e) == 0 && l.after == 0 && l.limit == 1000 && !l.ids_only,
	      "list defaults");
	json_decref(j);
	struct api_stats s;
	j = load("{\"op\": \"stats\", \"session\": 12}");
	CHECK(api_parse_stats(j, &s, &e) == 0 && s.scope == API_STATS_SESSION && s.id == 12,
	      "stats scope from session");
	json_decref(j);
}

static void test_dp_errors(void)
{
	struct api_error e;
	api_error_from_dp(DP_CTL_E_INVALID, "session 5: outside.local: not an address of "
			  "the outside port", &e);
	CHECK(e.code == API_E_INVALID && strcmp(e.field, "outside.local") == 0,
	      "invalid: %s / %s", api_code_name(e.code), e.field);
	api_error_from_dp(DP_CTL_E_INVALID, "session 5: inside.remote: latch needs SRTP", &e);
	CHECK(strcmp(e.field, "inside.remote") == 0, "field %s", e.field);
	api_error_from_dp(DP_CTL_E_EXISTS, "session 5: session id 5 exists", &e);
	CHECK(e.code == API_E_EXISTS && e.field[0] == '\0', "exists %s", e.field);
	api_error_from_dp(DP_CTL_E_NOT_FOUND, "session 5: no such session", &e);
	CHECK_U(e.code, API_E_NOT_FOUND);
	api_error_from_dp(DP_CTL_E_FULL, "all 4 slots", &e);
	CHECK_U(e.code, API_E_FULL);
	api_error_from_dp(DP_CTL_E_BUSY, "session 5: try again", &e);
	CHECK_U(e.code, API_E_BUSY);
	api_error_from_dp(DP_CTL_E_VERSION, "message version 9", &e);
	CHECK(e.code == API_E_DATAPLANE && strstr(e.message, "version 9"), "%s", e.message);
	api_error_from_dp(DP_CTL_E_OP, "", &e);
	CHECK_U(e.code, API_E_DATAPLANE);
	for (int i = 0; i < API_E_COUNT; i++)
		CHECK(strcmp(api_code_name((enum api_code)i), "?") != 0, "code %d named", i);
}

static void test_session_json(void)
{
	struct dp_ctl_session_info in;
	memset(&in, 0, sizeof(in));
	in.id = 77;
	snprintf(in.name, sizeof(in.name), "n77");
	ctl_ep_parse("198.51.100.1:20000", &in.leg[0].local);
	in.leg[0].latch = 1;
	in.leg[0].remote.addr.family = AF_INET;
	in.leg[0].rx.suite = SRE_AES_CM_128_HMAC_SHA1_80;
	in.leg[0].rx.nkeys = 2;
	in.leg[0].rx.mki_len = 1;
	in.leg[0].rx.key_id[0] = 0xdeadbeef;
	in.leg[0].rx.key_id[1] = 0x0000abcd;
	in.leg[0].tx.suite = SRE_AES_CM_128_HMAC_SHA1_80;
	in.leg[0].tx.nkeys = 1;
	ctl_ep_parse("[2001:db8:113::1]:30000", &in.leg[1].local);
	ctl_ep_parse("[2001:db8:113::10]:40000", &in.leg[1].remote);
	in.leg[1].rx.suite = in.leg[1].tx.suite = DP_SUITE_NONE;
	in.leg[1].tx_packets = 12345678901ull;
	json_t *o = api_json_session(&in);
	char *s = ctl_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(strstr(s, "\"key_ids\":[\"deadbeef\",\"0000abcd\"]") != NULL, "key ids: %s", s);
	CHECK(strstr(s, "\"remote\":null") != NULL, "a latch leg not latched: %s", s);
	CHECK(strstr(s, "\"remote\":\"[2001:db8:113::10]:40000\"") != NULL, "IPv6 remote: %s", s);
	CHECK(strstr(s, "\"suite\":\"none\"") != NULL, "plain: %s", s);
	CHECK(strstr(s, "\"tx_packets\":12345678901") != NULL, "64-bit counter: %s", s);
	CHECK(strstr(s, "\"session\":77") != NULL && strstr(s, "\"name\":\"n77\"") != NULL, "%s", s);
	free(s);
	json_decref(o);

	struct api_error e;
	api_fail(&e, API_E_INVALID, "outside.local", "x");
	o = api_json_error(&e);
	s = ctl_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(strcmp(s, "{\"code\":\"invalid\",\"field\":\"outside.local\",\"message\":\"outside.local: x\"}") == 0,
	      "%s", s);
	free(s);
	json_decref(o);
}

static void test_endpoints(void)
{
	struct dp_endpoint ep;
	char buf[CTL_EP_STRLEN];
	CHECK(ctl_ep_parse("10.0.0.1:1", &ep) && ep.port == 1, "v4");
	CHECK(strcmp(ctl_ep_format(&ep, buf, sizeof(buf)), "10.0.0.1:1") == 0, "%s", buf);
	CHECK(ctl_ep_parse("[::1]:65535", &ep) && ep.addr.family == AF_INET6, "v6");
	CHECK(strcmp(ctl_ep_format(&ep, buf, sizeof(buf)), "[::1]:65535") == 0, "%s", buf);
	const char *bad[] = {"", ":5", "10.0.0.1:", "10.0.0.1:05", "10.0.0.1:-1", "::1:5",
			     "[::1]:", "[::1]", "[10.0.0.1]:5", "10.0.0.1:5x", "host:5", NULL};
	for (int i = 0; bad[i]; i++)
		CHECK(!ctl_ep_parse(bad[i], &ep) && ep.addr.family == 0, "'%s' refused", bad[i]);
	memset(&ep, 0, sizeof(ep));
	CHECK(strcmp(ctl_ep_format(&ep, buf, sizeof(buf)), "-") == 0, "family 0");
}

static void test_alloc_ids(void)
{
	struct csess_table t;
	CHECK(csess_table_init(&t) == 0, "init");
	uint32_t id;
	/* (CHECK_U evaluates its argument twice) */
	id = csess_alloc_id(&t, 10);
	CHECK_U(id, 1);
	csess_insert(&t, 1, CS_OWN);
	csess_insert(&t, 2, CS_FOREIGN);
	csess_insert(&t, 3, CS_PENDING);
	id = csess_alloc_id(&t, 10);
	CHECK_U(id, 4);
	for (uint32_t i = 4; i <= 10; i++)
		csess_insert(&t, i, CS_OWN);
	id = csess_alloc_id(&t, 10);
	CHECK_U(id, 0); /* full */
	csess_remove(&t, 2);
	id = csess_alloc_id(&t, 10);
	CHECK_U(id, 2); /* wraps */
	/* many: the table grows and finds every one */
	for (uint32_t i = 100; i < 5100; i++)
		csess_insert(&t, i, CS_OWN);
	for (uint32_t i = 100; i < 5100; i += 97)
		CHECK(csess_find(&t, i) && csess_find(&t, i)->id == i, "find %u", i);
	CHECK(csess_find(&t, 5100) == NULL, "absent");
	CHECK_U(t.count, 9 + 5000);
	csess_table_free(&t);
}

static void test_state_file(void)
{
	char dir[] = "/tmp/test_control_state.XXXXXX";
	char path[256], err[256];
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/%s", dir, CTL_STATE_FILE);

	struct csess_table t;
	csess_table_init(&t);
	CHECK(ctl_state_load(&t, path, err, sizeof(err)) == 0, "missing file = empty: %s", err);
	struct csess *s = csess_insert(&t, 5, CS_OWN);
	snprintf(s->name, sizeof(s->name), "five \"quoted\"");
	ctl_ep_parse("198.51.100.1:20000", &s->local[0]);
	ctl_ep_parse("[2001:db8::1]:30000", &s->local[1]);
	struct api_ice ice = {"Xa7q", ICE_PWD, "peer"};
	csess_set_ice(s, 0, &ice);
	struct dp_session_spec spec;
	memset(&spec, 0, sizeof(spec));
	memset(spec.leg[0].rx.keys[0].key, 0x5a, 16);
	csess_set_keys(s, &spec);
	s = csess_insert(&t, 6, CS_OWN);
	ctl_ep_parse("198.51.100.1:20002", &s->local[0]);
	ctl_ep_parse("203.0.113.1:30002", &s->local[1]);
	csess_insert(&t, 7, CS_FOREIGN);
	csess_insert(&t, 8, CS_PENDING);
	CHECK(ctl_state_save(&t, path, err, sizeof(err)) == 0, "save: %s", err);
	csess_table_free(&t);

	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(access(tmp, F_OK) != 0, "no temporary file left");
	FILE *f = fopen(path, "r");
	char text[4096] = "";
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	CHECK(strstr(text, ICE_PWD) != NULL, "the ICE password is kept");
	CHECK(strstr(text, "WlpaWlpa") == NULL && strstr(text, "5a5a5a") == NULL &&
	      strstr(text, "key") == NULL, "no SRTP key in the state file: %s", text);
	CHECK(strstr(text, "\"session\": 7") == NULL && strstr(text, "\"session\": 8") == NULL,
	      "foreign and pending sessions are not saved: %s", text);

	csess_table_init(&t);
	CHECK(ctl_state_load(&t, path, err, sizeof(err)) == 2, "load: %s", err);
	s = csess_find(&t, 5);
	CHECK(s && s->kind == CS_OWN && !s->verified, "5 loaded, not yet verified");
	if (s) {
		CHECK(strcmp(s->name, "five \"quoted\"") == 0, "name %s", s->name);
		CHECK(s->ice[0] && strcmp(s->ice[0]->pwd, ICE_PWD) == 0 &&
		      strcmp(s->ice[0]->remote_ufrag, "peer") == 0, "ICE back");
		CHECK(s->ice[1] == NULL && s->keys == NULL, "no inside ICE, no keys");
		CHECK(s->local[1].addr.family == AF_INET6 && s->local[1].port == 30000, "locals");
	}
	s = csess_find(&t, 6);
	CHECK(s && s->ice[0] == NULL, "6 without ICE");
	csess_table_free(&t);

	/* the journal: records appended after the snapshot are replayed in
	 * order, a last line cut short is ignored, a snapshot folds it in */
	char jpath[300];
	snprintf(jpath, sizeof(jpath), "%s%s", path, CTL_JOURNAL_SUFFIX);
	struct csess *n9 = calloc(1, sizeof(*n9));
	n9->id = 9;
	snprintf(n9->name, sizeof(n9->name), "nine");
	ctl_ep_parse("198.51.100.1:20009", &n9->local[0]);
	ctl_ep_parse("203.0.113.1:30009", &n9->local[1]);
	json_t *e9 = ctl_state_entry(n9);
	json_t *rec = json_pack("{s:s, s:o}", "op", "add", "entry", e9);
	char *l9 = ctl_json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	free(n9);
	char lines[1024];
	snprintf(lines, sizeof(lines), "%s\n{\"op\":\"del\",\"session\":6}\n"
		 "{\"op\":\"del\",\"session\":123}\n%s\n{\"op\":\"add\",\"entr", l9, l9);
	free(l9);
	CHECK(ctl_state_journal(path, lines, strlen(lines), err, sizeof(err)) == 0, "%s", err);
	CHECK(stat(jpath, &st) == 0 && (st.st_mode & 0777) == 0600, "journal mode %o",
	      st.st_mode & 0777);
	csess_table_init(&t);
	CHECK(ctl_state_load(&t, path, err, sizeof(err)) == 2, "snapshot + journal: %s", err);
	CHECK(csess_find(&t, 5) && csess_find(&t, 9) && !csess_find(&t, 6),
	      "5 kept, 9 added (twice: replaced), 6 deleted, the cut line ignored");
	CHECK(ctl_state_save(&t, path, err, sizeof(err)) == 0, "snapshot: %s", err);
	CHECK(access(jpath, F_OK) != 0, "the snapshot removes the journal");
	csess_table_free(&t);
	csess_table_init(&t);
	CHECK(ctl_state_load(&t, path, err, sizeof(err)) == 2 && csess_find(&t, 9),
	      "the snapshot holds what the journal said");
	csess_table_free(&t);
	const char *bad_j = "{\"op\":\"del\",\"session\":5}\n{\"op\":\"frob\"}\n";
	CHECK(ctl_state_journal(path, bad_j, strlen(bad_j), err, sizeof(err)) == 0, "%s", err);
	csess_table_init(&t);
	CHECK(ctl_state_load(&t, path, err, sizeof(err)) == -1 && t.count == 0 &&
	      strstr(err, ":2: unknown") != NULL, "a bad journal record is refused: %s", err);
	csess_table_free(&t);
	unlink(jpath);

	/* refusals: nothing enters the table */
	const char *bad[] = {
		"not json",
		"{\"version\": 2, \"sessions\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"sessions\": [{\"session\": 0, \"name\": \"\", \"outside_local\": \"1.2.3.4:5\", \"inside_local\": \"1.2.3.4:6\"}]}",
		"{\"version\": 1, \"sessions\": [{\"session\": 1, \"name\": \"\", \"outside_local\": \"1.2.3.4\", \"inside_local\": \"1.2.3.4:6\"}]}",
		"{\"version\": 1, \"sessions\": [{\"session\": 1, \"name\": \"\", \"outside_local\": \"1.2.3.4:5\", \"inside_local\": \"1.2.3.4:6\", \"ice\": {\"outside\": {\"ufrag\": \"a\", \"pwd\": \"b\"}}}]}",
		"{\"version\": 1, \"sessions\": [{\"session\": 1, \"name\": \"\", \"outside_local\": \"1.2.3.4:5\", \"inside_local\": \"1.2.3.4:6\"}, {\"session\": 1, \"name\": \"\", \"outside_local\": \"1.2.3.4:5\", \"inside_local\": \"1.2.3.4:6\"}]}",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		csess_table_init(&t);
		err[0] = '\0';
		CHECK(ctl_state_load(&t, path, err, sizeof(err)) == -1 && t.count == 0 && err[0],
		      "bad state %d refused (%s)", i, err);
		csess_table_free(&t);
	}
	unlink(path);
	rmdir(dir);
}

static void test_frames(void)
{
	uint8_t f[200];
	struct frame_udp u;
	/* Ethernet + IPv4 + UDP + 4 bytes */
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 4;
	ip[9] = 17;
	memcpy(ip + 12, "\xc6\x33\x64\x0a", 4);
	memcpy(ip + 16, "\xc6\x33\x64\x01", 4);
	uint8_t *udp = ip + 20;
	udp[0] = 0x13; udp[1] = 0x8c; /* 5004 */
	udp[2] = 0x4e; udp[3] = 0x20; /* 20000 */
	udp[5] = 12;
	memcpy(udp + 8, "STUN", 4);
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_OK && u.len == 4 &&
	      memcmp(u.payload, "STUN", 4) == 0 && u.src.port == 5004 && u.dst.port == 20000 &&
	      u.src.addr.bytes[3] == 10, "IPv4");
	CHECK(frame_parse(f, 14 + 31, &u) == FRAME_TOO_SHORT, "cut");
	udp[5] = 40;
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_BAD_UDP, "UDP longer than IP");
	udp[5] = 12;
	ip[6] = 0x20; /* MF */
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_FRAGMENT, "fragment");
	ip[6] = 0x40; /* DF: fine */
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_OK, "DF");
	ip[9] = 6;
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_NOT_UDP, "TCP");
	ip[9] = 17;
	ip[0] = 0x44;
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_BAD_IP, "IHL 4");
	ip[0] = 0x45;
	f[12] = 0x08; f[13] = 0x06;
	CHECK(frame_parse(f, 14 + 32, &u) == FRAME_NOT_IP, "ARP");
	/* VLAN-tagged IPv6 with a destination-options header */
	memset(f, 0, sizeof(f));
	f[12] = 0x81; f[13] = 0x00; f[16] = 0x86; f[17] = 0xdd;
	ip = f + 18;
	ip[0] = 0x60;
	ip[5] = 8 + 8 + 3; /* ext + udp + payload */
	ip[6] = 60;
	ip[8 + 15] = 0x10;
	ip[24 + 15] = 0x01;
	uint8_t *ext = ip + 40;
	ext[0] = 17;
	ext[1] = 0;
	udp = ext + 8;
	udp[1] = 9;
	udp[3] = 10;
	udp[5] = 11;
	CHECK(frame_parse(f, 18 + 40 + 19, &u) == FRAME_OK && u.len == 3 &&
	      u.src.addr.family == AF_INET6 && u.src.addr.bytes[15] == 0x10 && u.dst.port == 10,
	      "VLAN IPv6 with options");
	ext[0] = 44;
	CHECK(frame_parse(f, 18 + 40 + 19, &u) == FRAME_FRAGMENT, "IPv6 fragment header");
	ext[1] = 200;
	CHECK(frame_parse(f, 18 + 40 + 19, &u) == FRAME_TOO_SHORT, "option header past the end");
	for (size_t n = 0; n < 18 + 40 + 19; n++)
		frame_parse(f, n, &u); /* every truncation gives a verdict (ASan) */
}

int main(void)
{
	ctl_json_wiping_alloc();
	CU_TestInfo req_tests[] = {
		{"create maps onto the spec", test_create_maps},
		{"create: SDES parameters, IPv6, MKIs, GCM, inside ICE", test_create_sdes_params},
		{"create: every refusal names its field", test_create_errors},
		{"create: DTLS-SRTP (roles from a=setup, keys pending)", test_create_dtls},
		{"delete, show, list, stats, status, rekey refusals", test_other_ops},
		{"rekey, list, stats map", test_rekey_maps},
		{"dataplane answers as API errors", test_dp_errors},
		{"session JSON: key ids, never keys", test_session_json},
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo misc_tests[] = {
		{"endpoints", test_endpoints},
		{"session ids allocated", test_alloc_ids},
		{"state file", test_state_file},
		{"punted frames", test_frames},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"requests", NULL, NULL, NULL, NULL, req_tests},
		{"state, frames, ids", NULL, NULL, NULL, NULL, misc_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
