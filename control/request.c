/*
 * The operator API's requests and answers (see request.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl_util.h"
#include "request.h"
#include "dtls_srtp.h"
#include "sdes.h"
#include "srtp_edge.h"

static const char *const code_names[API_E_COUNT] = {
	[API_OK] = "ok",
	[API_E_BAD_JSON] = "bad_json",
	[API_E_TOO_LONG] = "too_long",
	[API_E_UNKNOWN_OP] = "unknown_op",
	[API_E_INVALID] = "invalid",
	[API_E_NOT_FOUND] = "not_found",
	[API_E_EXISTS] = "exists",
	[API_E_FULL] = "full",
	[API_E_BUSY] = "busy",
	[API_E_UNSUPPORTED] = "unsupported",
	[API_E_DATAPLANE] = "dataplane",
	[API_E_INTERNAL] = "internal",
};

const char *api_code_name(enum api_code code)
{
	if ((unsigned)code >= API_E_COUNT)
		return "internal";
	return code_names[code];
}

int api_fail(struct api_error *e, enum api_code code, const char *field,
	     const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	if (field && *field)
		n = snprintf(e->message, sizeof(e->message), "%s: ", field);
	if (n < 0 || (size_t)n >= sizeof(e->message))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(e->message + n, sizeof(e->message) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const op_names[API_OP_COUNT] = {
	[API_OP_SESSION_CREATE] = "session.create",
	[API_OP_SESSION_DELETE] = "session.delete",
	[API_OP_SESSION_LIST] = "session.list",
	[API_OP_SESSION_SHOW] = "session.show",
	[API_OP_SESSION_REKEY] = "session.rekey",
	[API_OP_STATS] = "stats",
	[API_OP_STATUS] = "status",
};

const char *api_op_name(enum api_op op)
{
	return (unsigned)op < API_OP_COUNT ? op_names[op] : "?";
}

/* The fields each operation takes besides "id" and "op". */
static const char *const op_fields[API_OP_COUNT][6] = {
	[API_OP_SESSION_CREATE] = {"session", "name", "outside", "inside", NULL},
	[API_OP_SESSION_DELETE] = {"session", NULL},
	[API_OP_SESSION_LIST] = {"after", "limit", "ids_only", NULL},
	[API_OP_SESSION_SHOW] = {"session", NULL},
	[API_OP_SESSION_REKEY] = {"session", "outside", "inside", NULL},
	[API_OP_STATS] = {"scope", "worker", "session", NULL},
	[API_OP_STATUS] = {NULL},
};

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(key, *list) == 0)
			return true;
	return false;
}

static void join(char *out, size_t len, const char *prefix, const char *key)
{
	if (prefix && *prefix)
		snprintf(out, len, "%s.%s", prefix, key);
	else
		snprintf(out, len, "%s", key);
}

/* Every key of obj is in allowed: an unknown one is a typo, not ignored. */
static int check_keys(const json_t *obj, const char *prefix,
		      const char *const *allowed, struct api_error *e)
{
	const char *key;
	json_t *v;
	char f[64];

	json_object_foreach((json_t *)obj, key, v) {
		if (!in_list(key, allowed)) {
			join(f, sizeof(f), prefix, key);
			char known[160] = "";
			size_t n = 0;
			for (const char *const *a = allowed; *a; a++) {
				int k = snprintf(known + n, sizeof(known) - n, "%s%s",
						 n ? ", " : "", *a);
				if (k < 0 || (size_t)k >= sizeof(known) - n)
					break;
				n += (size_t)k;
			}
			return api_fail(e, API_E_INVALID, f, "unknown field (%s takes: %s)",
					prefix && *prefix ? prefix : "this operation",
					n ? known : "no fields");
		}
	}
	return 0;
}

int api_parse_envelope(const json_t *req, enum api_op *op, struct api_error *e)
{
	if (!json_is_object(req))
		return api_fail(e, API_E_BAD_JSON, NULL, "a request is a JSON object, "
				"like {\"id\": 1, \"op\": \"status\"}");
	const json_t *o = json_object_get(req, "op");
	if (o == NULL)
		return api_fail(e, API_E_INVALID, "op", "missing: the operation, e.g. "
				"\"session.create\"");
	if (!json_is_string(o))
		return api_fail(e, API_E_INVALID, "op", "expected a string");
	const char *name = json_string_value(o);
	for (int i = 0; i < API_OP_COUNT; i++) {
		if (strcmp(name, op_names[i]) == 0) {
			const char *allowed[8] = {"id", "op"};
			int n = 2;
			for (int k = 0; op_fields[i][k]; k++)
				allowed[n++] = op_fields[i][k];
			allowed[n] = NULL;
			*op = (enum api_op)i;
			return check_keys(req, NULL, allowed, e);
		}
	}
	return api_fail(e, API_E_UNKNOWN_OP, "op", "'%.64s' is not an operation "
			"(session.create, session.delete, session.list, session.show, "
			"session.rekey, stats, status)", name);
}

/* An integer field in [min, max]. Returns 1 when present, 0 when absent
 * (and !required), -1 on error. */
static int get_uint(const json_t *obj, const char *prefix, const char *key,
		    bool required, uint64_t min, uint64_t max, uint64_t *out,
		    struct api_error *e)
{
	char f[64];
	const json_t *v = json_object_get(obj, key);

	join(f, sizeof(f), prefix, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_fail(e, API_E_INVALID, f, "missing: a number from %" PRIu64
					" to %" PRIu64, min, max);
		return 0;
	}
	if (!json_is_integer(v))
		return api_fail(e, API_E_INVALID, f, "expected a whole number from %" PRIu64
				" to %" PRIu64, min, max);
	json_int_t x = json_integer_value(v);
	if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return api_fail(e, API_E_INVALID, f, "%" JSON_INTEGER_FORMAT " is out of "
				"range: %" PRIu64 " to %" PRIu64, x, min, max);
	*out = (uint64_t)x;
	return 1;
}

/* A string field: 1 present, 0 absent, -1 error (not a string). */
static int get_str(const json_t *obj, const char *prefix, const char *key,
		   bool required, const char *what, const char **out,
		   struct api_error *e)
{
	char f[64];
	const json_t *v = json_object_get(obj, key);

	join(f, sizeof(f), prefix, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_fail(e, API_E_INVALID, f, "missing: %s", what);
		return 0;
	}
	if (!json_is_string(v))
		return api_fail(e, API_E_INVALID, f, "expected a string: %s", what);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return api_fail(e, API_E_INVALID, f, "contains a NUL character");
	return 1;
}

static int get_object(const json_t *obj, const char *prefix, const char *key,
		      bool required, const char *what, const json_t **out,
		      struct api_error *e)
{
	char f[64];
	const json_t *v = json_object_get(obj, key);

	join(f, sizeof(f), prefix, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_fail(e, API_E_INVALID, f, "missing: %s", what);
		return 0;
	}
	if (!json_is_object(v))
		return api_fail(e, API_E_INVALID, f, "expected an object: %s", what);
	*out = v;
	return 1;
}

/* ---- SDES ---------------------------------------------------------------- */

const char *api_suite_name(uint8_t suite)
{
	if (suite == DP_SUITE_NONE)
		return "none";
	if (suite >= SRE_SUITE_COUNT)
		return "?";
	return sre_suite_name((enum sre_suite)suite);
}

void api_wipe_keys(struct dp_srtp_keys *k)
{
	explicit_bzero(k, sizeof(*k));
	k->suite = DP_SUITE_NONE;
}

int api_sdes_line(const char *line, const char *field, struct dp_srtp_keys *k,
		  struct api_error *e)
{
	struct sre_sdes_crypto c;
	char why[SRE_SDES_ERR_LEN];
	int rc;

	api_wipe_keys(k);
	rc = sre_sdes_parse_crypto_attr(line, &c, why, sizeof(why));
	if (rc != SRE_OK) {
		explicit_bzero(&c, sizeof(c));
		return api_fail(e, API_E_INVALID, field, "%s", why);
	}
	rc = -1;
	if (c.kdr != 0)
		api_fail(e, API_E_UNSUPPORTED, field, "KDR=%d: only a key derivation "
			 "rate of 0 is supported (RFC 3711's default; RFC 4568 §6.3.1)",
			 __builtin_ctzll(c.kdr));
	else if (c.flags & SRE_SDES_UNENCRYPTED_SRTP)
		api_fail(e, API_E_UNSUPPORTED, field, "UNENCRYPTED_SRTP: SRTP Edge "
			 "always encrypts SRTP (use the NULL_HMAC_SHA1_80 suite for "
			 "clear payloads)");
	else if (c.flags & SRE_SDES_UNENCRYPTED_SRTCP)
		api_fail(e, API_E_UNSUPPORTED, field, "UNENCRYPTED_SRTCP: unencrypted "
			 "SRTCP is not supported on a session");
	else if (c.flags & SRE_SDES_UNAUTHENTICATED_SRTP)
		api_fail(e, API_E_UNSUPPORTED, field, "UNAUTHENTICATED_SRTP: SRTP Edge "
			 "authenticates every packet");
	else if (c.flags & (SRE_SDES_FEC_SRTP_FEC | SRE_SDES_FEC_KEY))
		api_fail(e, API_E_UNSUPPORTED, field, "%s: FEC is not supported",
			 (c.flags & SRE_SDES_FEC_KEY) ? "FEC_KEY" : "FEC_ORDER=SRTP_FEC");
	else if (c.nkeys < 1 || c.nkeys > DP_MAX_KEYS)
		api_fail(e, API_E_INVALID, field, "%u keys: 1 to %d are supported",
			 c.nkeys, DP_MAX_KEYS);
	else
		rc = 0;
	if (rc == 0) {
		size_t kl = sre_suite_master_key_len(c.suite);
		size_t sl = sre_suite_master_salt_len(c.suite);
		k->suite = (uint8_t)c.suite;
		k->nkeys = (uint8_t)c.nkeys;
		k->mki_len = c.keys[0].mki_len;
		k->active = 0;
		k->lifetime = 0;
		for (unsigned i = 0; i < c.nkeys; i++) {
			const struct sre_sdes_key *s = &c.keys[i];
			memcpy(k->keys[i].key, s->key, kl);
			memcpy(k->keys[i].salt, s->salt, sl);
			memcpy(k->keys[i].mki, s->mki, s->mki_len);
			if (s->lifetime && (k->lifetime == 0 || s->lifetime < k->lifetime))
				k->lifetime = s->lifetime;
		}
	}
	explicit_bzero(&c, sizeof(c));
	return rc;
}

/* {"rx": LINE, "tx": LINE} */
static int parse_sdes(const json_t *sdes, const char *prefix,
		      struct dp_srtp_keys *rx, struct dp_srtp_keys *tx,
		      struct api_error *e)
{
	static const char *const fields[] = {"rx", "tx", NULL};
	const char *line;
	char f[64];

	if (check_keys(sdes, prefix, fields, e) < 0)
		return -1;
	join(f, sizeof(f), prefix, "rx");
	if (get_str(sdes, prefix, "rx", true, "the a=crypto line the peer offered "
		    "(the keys it sends with)", &line, e) < 0 ||
	    api_sdes_line(line, f, rx, e) < 0)
		return -1;
	join(f, sizeof(f), prefix, "tx");
	if (get_str(sdes, prefix, "tx", true, "the a=crypto line we send (the keys "
		    "we protect with)", &line, e) < 0 ||
	    api_sdes_line(line, f, tx, e) < 0) {
		api_wipe_keys(rx);
		return -1;
	}
	return 0;
}

/* ---- ICE ----------------------------------------------------------------- */

static bool ice_chars(const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	return true;
}

static int ice_string(const json_t *ice, const char *prefix, const char *key,
		      bool required, size_t min, size_t max, char *out,
		      struct api_error *e)
{
	const char *s = NULL;
	char f[64];
	int rc = get_str(ice, prefix, key, required, "ice-chars (letters, digits, "
			 "'+', '/')", &s, e);
	if (rc <= 0)
		return rc;
	join(f, sizeof(f), prefix, key);
	size_t n = strlen(s);
	if (n < min || n > max)
		return api_fail(e, API_E_INVALID, f, "%zu characters: RFC 8445 §5.3 "
				"wants %zu to %zu", n, min, max);
	if (!ice_chars(s))
		return api_fail(e, API_E_INVALID, f, "only ice-chars are allowed "
				"(letters, digits, '+', '/'; RFC 8445 §5.3)");
	memcpy(out, s, n + 1);
	return 1;
}

int api_parse_ice(const json_t *ice, const char *prefix, struct api_ice *out,
		  struct api_error *e)
{
	static const char *const fields[] = {"ufrag", "pwd", "remote_ufrag", NULL};

	memset(out, 0, sizeof(*out));
	if (check_keys(ice, prefix, fields, e) < 0 ||
	    ice_string(ice, prefix, "ufrag", true, 4, API_UFRAG_MAX, out->ufrag, e) < 0 ||
	    ice_string(ice, prefix, "pwd", true, 22, API_PWD_MAX, out->pwd, e) < 0 ||
	    ice_string(ice, prefix, "remote_ufrag", false, 4, API_UFRAG_MAX,
		       out->remote_ufrag, e) < 0) {
		explicit_bzero(out, sizeof(*out));
		return -1;
	}
	return 0;
}

/* ---- session.create ------------------------------------------------------ */

/* outside.dtls: our a=setup (and the peer's when we offered actpass), the
 * peer's a=fingerprint; the role they give. */
static int parse_dtls(const json_t *o, const char *prefix, struct api_dtls *d,
		      struct api_error *e)
{
	static const char *const fields[] = {"setup", "peer_setup", "fingerprint", NULL};
	const char *s = NULL, *ps = NULL, *fp = NULL;
	char f[160];
	enum dtls_setup setup = DTLS_SETUP_ACTPASS, peer = DTLS_SETUP_ACTPASS, ans;
	enum dtls_role role;

	memset(d, 0, sizeof(*d));
	d->setup = d->peer_setup = -1;
	if (check_keys(o, prefix, fields, e) < 0)
		return -1;
	int hs = get_str(o, prefix, "setup", false, "our a=setup: active, passive or "
			 "actpass", &s, e);
	if (hs < 0)
		return -1;
	int hp = get_str(o, prefix, "peer_setup", false, "the peer's a=setup", &ps, e);
	if (hp < 0)
		return -1;
	join(f, sizeof(f), prefix, "setup");
	if (hs && (dtls_setup_parse(s, &setup) != DTLS_OK || setup == DTLS_SETUP_HOLDCONN))
		return api_fail(e, API_E_INVALID, f, "'%.32s': expected active (we are the "
				"DTLS client), passive (the server) or actpass", s);
	join(f, sizeof(f), prefix, "peer_setup");
	if (hp && (dtls_setup_parse(ps, &peer) != DTLS_OK || peer == DTLS_SETUP_HOLDCONN))
		return api_fail(e, API_E_INVALID, f, "'%.32s': expected active, passive or "
				"actpass", ps);
	if (!hs && !hp) {
		join(f, sizeof(f), prefix, "setup");
		return api_fail(e, API_E_INVALID, f, "missing: our a=setup (active: we are "
				"the DTLS client; passive: the server), or peer_setup (the "
				"offer's, which we answer)");
	}
	if (hs && setup != DTLS_SETUP_ACTPASS) {
		if (hp)
			return api_fail(e, API_E_INVALID, f, "only with setup actpass (our "
					"offer, and this the answer to it)");
		role = setup == DTLS_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
	} else if (hs) {
		if (!hp)
			return api_fail(e, API_E_INVALID, f, "missing: with setup actpass, the "
					"answer's a=setup gives the role");
		if (dtls_setup_offer_result(setup, peer, &role) != DTLS_OK)
			return api_fail(e, API_E_INVALID, f, "'%s' does not answer our actpass "
					"(active or passive)", dtls_setup_name(peer));
	} else {
		/* we answer the peer's offer */
		if (dtls_setup_answer(peer, &ans, &role) != DTLS_OK)
			return api_fail(e, API_E_INVALID, f, "'%s' gives no role",
					dtls_setup_name(peer));
		setup = ans;
	}
	d->setup = (int)setup;
	d->peer_setup = hp ? (int)peer : -1;
	d->role = (int)role;
	join(f, sizeof(f), prefix, "fingerprint");
	if (get_str(o, prefix, "fingerprint", true, "the peer's a=fingerprint, "
		    "\"sha-256 AB:CD:...\"", &fp, e) < 0)
		return -1;
	int rc = dtls_fingerprint_check(fp);
	if (rc != DTLS_OK || strlen(fp) >= sizeof(d->fingerprint))
		return api_fail(e, API_E_INVALID, f, "'%.40s': %s (expected \"sha-256 "
				"AB:CD:...\"; sha-1, sha-224, sha-384, sha-512 too)", fp,
				rc == DTLS_OK ? "too long" : dtls_strerror(rc));
	snprintf(d->fingerprint, sizeof(d->fingerprint), "%s", fp);
	return 0;
}

static const char *const side_name[DP_SIDES] = {"outside", "inside"};

static int parse_leg(const json_t *req, int side, struct api_create *out,
		     struct api_error *e)
{
	static const char *const fields[] = {"local", "remote", "sdes", "dtls", "ice", NULL};
	const char *S = side_name[side];
	struct dp_leg_spec *leg = &out->spec.leg[side];
	const json_t *o = NULL, *sdes = NULL, *ice = NULL;
	const char *s;
	char f[64];

	if (get_object(req, NULL, S, true, side == DP_OUTSIDE
		       ? "the endpoint's leg: {\"local\", \"remote\", \"sdes\", \"ice\"}"
		       : "the media core's leg: {\"local\", \"remote\", \"sdes\"?}",
		       &o, e) < 0)
		return -1;
	if (check_keys(o, S, fields, e) < 0)
		return -1;
	const json_t *dtls = NULL;
	join(f, sizeof(f), S, "dtls");
	int hasd = get_object(o, S, "dtls", false, "{\"setup\": \"active\"|\"passive\""
			      "|\"actpass\", \"fingerprint\": \"sha-256 AB:...\"}", &dtls, e);
	if (hasd < 0)
		return -1;
	if (hasd && side != DP_OUTSIDE)
		return api_fail(e, API_E_UNSUPPORTED, f, "DTLS-SRTP is for the outside leg "
				"only: give SDES keys (\"sdes\") or none");
	if (hasd && json_object_get(o, "sdes") != NULL)
		return api_fail(e, API_E_INVALID, f, "either \"sdes\" or \"dtls\", not both");
	if (hasd) {
		if (parse_dtls(dtls, f, &out->d, e) < 0)
			return -1;
		out->dtls = true;
	}

	join(f, sizeof(f), S, "local");
	if (get_str(o, S, "local", true, "our ADDRESS:PORT on this side", &s, e) < 0)
		return -1;
	if (!ctl_ep_parse(s, &leg->local))
		return api_fail(e, API_E_INVALID, f, "'%.64s': expected ADDRESS:PORT "
				"(IPv6: [ADDRESS]:PORT, port 1 to 65535)", s);

	join(f, sizeof(f), S, "remote");
	if (get_str(o, S, "remote", true, "the peer's ADDRESS:PORT, or \"latch\"",
		    &s, e) < 0)
		return -1;
	if (strcmp(s, "latch") == 0) {
		leg->latch = true;
		leg->remote.addr.family = leg->local.addr.family;
	} else if (!ctl_ep_parse(s, &leg->remote)) {
		return api_fail(e, API_E_INVALID, f, "'%.64s': expected ADDRESS:PORT "
				"(IPv6: [ADDRESS]:PORT) or \"latch\"", s);
	} else if (leg->remote.addr.family != leg->local.addr.family) {
		return api_fail(e, API_E_INVALID, f, "'%.64s' is not of the local "
				"address's family", s);
	}

	join(f, sizeof(f), S, "sdes");
	int has = get_object(o, S, "sdes", side == DP_OUTSIDE && !hasd,
			     "{\"rx\": \"a=crypto:...\", \"tx\": \"a=crypto:...\"} (the "
			     "outside leg carries SRTP: SDES keys, or \"dtls\")",
			     &sdes, e);
	if (has < 0)
		return -1;
	if (hasd) {
		/* keys from the handshake: none until then, media dropped */
		leg->keys_pending = true;
		leg->rx.suite = leg->tx.suite = DP_SUITE_NONE;
	} else if (has) {
		if (parse_sdes(sdes, f, &leg->rx, &leg->tx, e) < 0)
			return -1;
	} else {
		leg->rx.suite = leg->tx.suite = DP_SUITE_NONE;
		if (leg->latch) {
			join(f, sizeof(f), S, "remote");
			return api_fail(e, API_E_INVALID, f, "\"latch\" needs SRTP on the "
					"leg: a plain RTP peer cannot be authenticated");
		}
	}

	join(f, sizeof(f), S, "ice");
	has = get_object(o, S, "ice", false, "{\"ufrag\", \"pwd\", \"remote_ufrag\"?}",
			 &ice, e);
	if (has < 0)
		return -1;
	if (has) {
		if (api_parse_ice(ice, f, &out->ice[side], e) < 0)
			return -1;
		out->ice_set[side] = true;
	}
	return 0;
}

int api_parse_create(const json_t *req, struct api_create *out, struct api_error *e)
{
	uint64_t id = 0;
	const char *name = NULL;

	memset(out, 0, sizeof(*out));
	for (int l = 0; l < DP_SIDES; l++)
		out->spec.leg[l].rx.suite = out->spec.leg[l].tx.suite = DP_SUITE_NONE;
	int rc = get_uint(req, NULL, "session", false, 1, API_MAX_SESSION_ID, &id, e);
	if (rc < 0)
		return -1;
	out->has_id = rc == 1;
	out->spec.id = (uint32_t)id;
	rc = get_str(req, NULL, "name", false, "the session's name", &name, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (strlen(name) >= sizeof(out->spec.name))
			return api_fail(e, API_E_INVALID, "name", "%zu characters: at most %zu",
					strlen(name), sizeof(out->spec.name) - 1);
		for (const char *p = name; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				return api_fail(e, API_E_INVALID, "name", "printable ASCII "
						"characters only");
		snprintf(out->spec.name, sizeof(out->spec.name), "%s", name);
	}
	for (int l = 0; l < DP_SIDES; l++) {
		if (parse_leg(req, l, out, e) < 0) {
			api_wipe_create(out);
			return -1;
		}
	}
	return 0;
}

void api_wipe_create(struct api_create *c)
{
	explicit_bzero(c, sizeof(*c));
}

/* ---- session.rekey ------------------------------------------------------- */

int api_parse_rekey(const json_t *req, struct api_rekey *out, struct api_error *e)
{
	static const char *const fields[] = {"sdes", "plain", "dtls", NULL};
	uint64_t id = 0;
	char f[64];

	memset(out, 0, sizeof(*out));
	for (int l = 0; l < DP_SIDES; l++)
		out->rx[l].suite = out->tx[l].suite = DP_SUITE_NONE;
	if (get_uint(req, NULL, "session", true, 1, UINT32_MAX, &id, e) < 0)
		return -1;
	out->id = (uint32_t)id;
	for (int l = 0; l < DP_SIDES; l++) {
		const char *S = side_name[l];
		const json_t *o = NULL, *sdes = NULL;
		int has = get_object(req, NULL, S, false, "{\"sdes\": {\"rx\", \"tx\"}}", &o, e);
		if (has < 0)
			goto fail;
		if (!has)
			continue;
		if (check_keys(o, S, fields, e) < 0)
			goto fail;
		if (json_object_get(o, "dtls") != NULL) {
			join(f, sizeof(f), S, "dtls");
			api_fail(e, API_E_UNSUPPORTED, f, "DTLS-SRTP is not supported yet");
			goto fail;
		}
		const json_t *plain = json_object_get(o, "plain");
		join(f, sizeof(f), S, "sdes");
		has = get_object(o, S, "sdes", false, "{\"rx\", \"tx\"}", &sdes, e);
		if (has < 0)
			goto fail;
		if (plain != NULL) {
			join(f, sizeof(f), S, "plain");
			if (!json_is_true(plain)) {
				api_fail(e, API_E_INVALID, f, "expected true (plain RTP "
					 "on the leg from now on)");
				goto fail;
			}
			if (l == DP_OUTSIDE) {
				api_fail(e, API_E_INVALID, f, "the outside leg carries SRTP");
				goto fail;
			}
			if (has) {
				api_fail(e, API_E_INVALID, f, "give \"sdes\" or \"plain\", "
					 "not both");
				goto fail;
			}
		} else if (!has) {
			api_fail(e, API_E_INVALID, f, "missing: the leg's new keys%s",
				 l == DP_INSIDE ? " (or \"plain\": true)" : "");
			goto fail;
		} else if (parse_sdes(sdes, f, &out->rx[l], &out->tx[l], e) < 0) {
			goto fail;
		}
		out->leg_set[l] = true;
	}
	if (!out->leg_set[DP_OUTSIDE] && !out->leg_set[DP_INSIDE]) {
		api_fail(e, API_E_INVALID, "outside", "missing: new keys for the outside "
			 "or the inside leg (or both)");
		goto fail;
	}
	return 0;
fail:
	api_wipe_rekey(out);
	return -1;
}

void api_wipe_rekey(struct api_rekey *r)
{
	explicit_bzero(r, sizeof(*r));
}

/* ---- the others ---------------------------------------------------------- */

int api_parse_session_ref(const json_t *req, uint32_t *id, struct api_error *e)
{
	uint64_t v = 0;
	if (get_uint(req, NULL, "session", true, 1, UINT32_MAX, &v, e) < 0)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

int api_parse_list(const json_t *req, struct api_list *out, struct api_error *e)
{
	uint64_t v = 0;
	int rc;

	out->after = 0;
	out->limit = 1000;
	out->ids_only = false;
	if ((rc = get_uint(req, NULL, "after", false, 0, UINT32_MAX, &v, e)) < 0)
		return -1;
	if (rc)
		out->after = (uint32_t)v;
	if ((rc = get_uint(req, NULL, "limit", false, 1, 100000, &v, e)) < 0)
		return -1;
	if (rc)
		out->limit = (uint32_t)v;
	const json_t *b = json_object_get(req, "ids_only");
	if (b != NULL) {
		if (!json_is_boolean(b))
			return api_fail(e, API_E_INVALID, "ids_only", "expected true or false");
		out->ids_only = json_is_true(b);
	}
	return 0;
}

int api_parse_stats(const json_t *req, struct api_stats *out, struct api_error *e)
{
	const char *scope = NULL;
	uint64_t v = 0;
	int w, s;

	memset(out, 0, sizeof(*out));
	if (get_str(req, NULL, "scope", false, "\"global\", \"worker\" or \"session\"",
		    &scope, e) < 0)
		return -1;
	if ((w = get_uint(req, NULL, "worker", false, 0, 65535, &v, e)) < 0)
		return -1;
	if (w)
		out->id = (uint32_t)v;
	if ((s = get_uint(req, NULL, "session", false, 1, UINT32_MAX, &v, e)) < 0)
		return -1;
	if (s)
		out->id = (uint32_t)v;
	if (w && s)
		return api_fail(e, API_E_INVALID, "session", "give \"worker\" or "
				"\"session\", not both");
	if (scope == NULL)
		out->scope = w ? API_STATS_WORKER : s ? API_STATS_SESSION : API_STATS_GLOBAL;
	else if (strcmp(scope, "global") == 0)
		out->scope = API_STATS_GLOBAL;
	else if (strcmp(scope, "worker") == 0)
		out->scope = API_STATS_WORKER;
	else if (strcmp(scope, "session") == 0)
		out->scope = API_STATS_SESSION;
	else
		return api_fail(e, API_E_INVALID, "scope", "'%.32s': expected \"global\", "
				"\"worker\" or \"session\"", scope);
	if (out->scope == API_STATS_WORKER && !w)
		return api_fail(e, API_E_INVALID, "worker", "missing: the worker's index "
				"(scope \"worker\")");
	if (out->scope == API_STATS_SESSION && !s)
		return api_fail(e, API_E_INVALID, "session", "missing: the session's id "
				"(scope \"session\")");
	if (out->scope == API_STATS_GLOBAL && (w || s))
		return api_fail(e, API_E_INVALID, w ? "worker" : "session",
				"scope \"global\" takes no %s", w ? "worker" : "session");
	return 0;
}

/* ---- answers ------------------------------------------------------------- */

void api_error_from_dp(int status, const char *reason, struct api_error *e)
{
	enum api_code code;
	const char *r = reason ? reason : "";
	char field[64] = "";

	switch (status) {
	case DP_CTL_E_EXISTS: code = API_E_EXISTS; break;
	case DP_CTL_E_NOT_FOUND: code = API_E_NOT_FOUND; break;
	case DP_CTL_E_FULL: code = API_E_FULL; break;
	case DP_CTL_E_INVALID: code = API_E_INVALID; break;
	case DP_CTL_E_BUSY: code = API_E_BUSY; break;
	default: code = API_E_DATAPLANE; break;
	}
	/* "session N: FIELD: why" names the field */
	const char *p = r;
	if (strncmp(p, "session ", 8) == 0 && (p = strstr(p, ": ")) != NULL) {
		p += 2;
		size_t n = strcspn(p, ": ");
		if (n > 0 && n < sizeof(field) && p[n] == ':' &&
		    (strncmp(p, "outside", 7) == 0 || strncmp(p, "inside", 6) == 0 ||
		     strncmp(p, "id", n) == 0 || strncmp(p, "name", n) == 0)) {
			memcpy(field, p, n);
			field[n] = '\0';
			if (strcmp(field, "id") == 0)
				snprintf(field, sizeof(field), "session");
		}
	}
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field);
	if (code == API_E_DATAPLANE)
		snprintf(e->message, sizeof(e->message), "dataplane answered status %d%s%s",
			 status, *r ? ": " : "", r);
	else
		snprintf(e->message, sizeof(e->message), "%s", *r ? r : api_code_name(code));
}

json_t *api_json_error(const struct api_error *e)
{
	json_t *o = json_pack("{s:s, s:s}", "code", api_code_name(e->code),
			      "message", e->message);
	if (o && e->field[0])
		json_object_set_new(o, "field", json_string(e->field));
	return o;
}

static json_t *dir_json(const struct dp_ctl_dir_info *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "suite", json_string(api_suite_name(d->suite)));
	if (d->suite != DP_SUITE_NONE) {
		json_t *keys = json_array();
		for (unsigned i = 0; i < d->nkeys && i < DP_MAX_KEYS; i++) {
			char hex[16];
			snprintf(hex, sizeof(hex), "%08" PRIx32, d->key_id[i]);
			json_array_append_new(keys, json_string(hex));
		}
		json_object_set_new(o, "key_ids", keys);
		json_object_set_new(o, "mki_len", json_integer(d->mki_len));
	}
	json_object_set_new(o, "streams", json_integer(d->nssrc));
	return o;
}

json_t *api_json_session(const struct dp_ctl_session_info *in)
{
	char buf[CTL_EP_STRLEN];
	char name[sizeof(in->name) + 1];
	json_t *o = json_object();

	memcpy(name, in->name, sizeof(in->name));
	name[sizeof(in->name)] = '\0';
	json_object_set_new(o, "session", json_integer(in->id));
	json_t *n = json_string(name);
	json_object_set_new(o, "name", n ? n : json_string(""));
	json_object_set_new(o, "worker", json_integer(in->owner));
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_ctl_leg_info *li = &in->leg[l];
		json_t *leg = json_object();
		json_object_set_new(leg, "local", json_string(ctl_ep_format(&li->local, buf,
									   sizeof(buf))));
		if (li->latch && !li->latched)
			json_object_set_new(leg, "remote", json_null());
		else
			json_object_set_new(leg, "remote",
					    json_string(ctl_ep_format(&li->remote, buf,
								      sizeof(buf))));
		json_object_set_new(leg, "latch", json_boolean(li->latch));
		json_object_set_new(leg, "latched", json_boolean(li->latched));
		json_object_set_new(leg, "rx", dir_json(&li->rx));
		json_object_set_new(leg, "tx", dir_json(&li->tx));
		struct { const char *k; uint64_t v; } c[] = {
			{"rx_packets", li->rx_packets}, {"rx_bytes", li->rx_bytes},
			{"tx_packets", li->tx_packets}, {"tx_bytes", li->tx_bytes},
			{"auth_fail", li->auth_fail}, {"replay", li->replay},
			{"other_drops", li->other_drops},
		};
		for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++)
			json_object_set_new(leg, c[i].k, json_integer((json_int_t)c[i].v));
		json_object_set_new(o, side_name[l], leg);
	}
	return o;
}
