/*
 * The operator API's requests (JSON, jansson) as srtpedge-control reads
 * them: the envelope, each operation's arguments, every field checked with
 * an error that names it, and the mapping of a session request onto the
 * dataplane's struct dp_session_spec (SDES a=crypto lines through
 * crypto/sdes.h). Also the JSON the API answers with. No DPDK, no I/O: the
 * unit tests (tests/control/) drive it directly.
 *
 * Key material: the structs below hold master keys once parsed; callers
 * wipe them with api_wipe_*() (explicit_bzero) when done. No error message
 * ever repeats key text.
 */
#ifndef CTL_REQUEST_H
#define CTL_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "session_spec.h"

/* Error codes of the API, as "error": {"code": NAME} carries them. */
enum api_code {
	API_OK = 0,
	API_E_BAD_JSON,     /* the line is not a JSON object */
	API_E_TOO_LONG,     /* the line is longer than the server takes */
	API_E_UNKNOWN_OP,   /* "op" names no operation */
	API_E_INVALID,      /* a field is missing, of the wrong type or out of range */
	API_E_NOT_FOUND,    /* no session with that id */
	API_E_EXISTS,       /* the id, or a local address and port, is taken */
	API_E_FULL,         /* the dataplane holds max_sessions, or no id is free */
	API_E_BUSY,         /* a ring or the message pool is full: try again */
	API_E_UNSUPPORTED,  /* valid, but not served (KDR, UNENCRYPTED_*, FEC in SDES) */
	API_E_DATAPLANE,    /* the dataplane failed or answered out of contract */
	API_E_INTERNAL,     /* srtpedge-control itself failed (memory, telemetry) */
	API_E_COUNT
};

/* "invalid", "not_found", ...; never NULL. */
const char *api_code_name(enum api_code code);

struct api_error {
	enum api_code code;
	char field[64];    /* the request field at fault ("outside.sdes.rx"), or "" */
	char message[384]; /* one line, starting with the field when there is one */
};

/* Fills *e (code, field, message "FIELD: ...") and returns -1. */
int api_fail(struct api_error *e, enum api_code code, const char *field,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

enum api_op {
	API_OP_SESSION_CREATE = 0,
	API_OP_SESSION_DELETE,
	API_OP_SESSION_LIST,
	API_OP_SESSION_SHOW,
	API_OP_SESSION_REKEY,
	API_OP_STATS,
	API_OP_STATUS,
	API_OP_COUNT
};

const char *api_op_name(enum api_op op);

/* The envelope: an object with a string "op" naming an operation, and only
 * the fields that operation takes ("id" is the caller's, echoed, of any
 * JSON type). */
int api_parse_envelope(const json_t *req, enum api_op *op, struct api_error *e);

/* ICE short-term credentials of one leg (RFC 8445 §5.3: ice-chars, ufrag
 * 4 to 256 of them, password 22 to 256). */
#define API_UFRAG_MAX 256
#define API_PWD_MAX 256
struct api_ice {
	char ufrag[API_UFRAG_MAX + 1];       /* ours */
	char pwd[API_PWD_MAX + 1];           /* ours */
	char remote_ufrag[API_UFRAG_MAX + 1]; /* the peer's; "" = any */
};

/* Session ids a create may name (the sessions file's range). */
#define API_MAX_SESSION_ID 999999u

/* DTLS-SRTP on the outside leg (RFC 5763): our a=setup and the peer's
 * a=fingerprint. */
#define API_FINGERPRINT_MAX 200 /* = DTLS_FINGERPRINT_MAX */
struct api_dtls {
	/* enum dtls_setup values: ours ("setup") and the peer's ("peer_setup",
	 * -1 when not given) */
	int setup;
	int peer_setup;
	int role;                     /* enum dtls_role */
	char fingerprint[API_FINGERPRINT_MAX]; /* the peer's */
};

struct api_create {
	bool has_id;                  /* "session" given; else allocate one */
	struct dp_session_spec spec;  /* spec.id is 0 when !has_id */
	bool ice_set[DP_SIDES];
	struct api_ice ice[DP_SIDES];
	bool dtls;                    /* the outside leg's keys come from DTLS-SRTP:
					 spec has it keys_pending, suites none */
	struct api_dtls d;
};

/* session.create: {"session": ID?, "name": S?, "outside": LEG, "inside": LEG}
 * LEG: {"local": "ADDR:PORT", "remote": "ADDR:PORT" | "latch",
 *       "sdes": {"rx": "a=crypto:...", "tx": "a=crypto:..."},
 *       "ice": {"ufrag", "pwd", "remote_ufrag"?}}
 * or, outside only, "dtls": {"setup": "active"|"passive"|"actpass",
 *   "peer_setup"?: ..., "fingerprint": "sha-256 AB:..."}
 * The outside leg needs sdes or dtls; the inside leg without sdes is plain
 * RTP. "setup" is ours (our SDP's a=setup): active = DTLS client, passive =
 * DTLS server; actpass (we offered) needs "peer_setup", the answer's.
 * Only "peer_setup" (the offer's a=setup, we answer): our role as
 * dtls_setup_answer gives it (actpass -> we are active). */
int api_parse_create(const json_t *req, struct api_create *out, struct api_error *e);

struct api_rekey {
	uint32_t id;
	bool leg_set[DP_SIDES];       /* the request gives this leg's keys */
	struct dp_srtp_keys rx[DP_SIDES], tx[DP_SIDES];
};

/* session.rekey: {"session": ID, "outside": {"sdes": {...}}?,
 * "inside": {"sdes": {...}} | {"plain": true}?}, at least one leg. */
int api_parse_rekey(const json_t *req, struct api_rekey *out, struct api_error *e);

/* session.delete / session.show: {"session": ID}. */
int api_parse_session_ref(const json_t *req, uint32_t *id, struct api_error *e);

struct api_list {
	uint32_t after;     /* ids above this (0) */
	uint32_t limit;     /* at most this many (1000, at most 100000) */
	bool ids_only;      /* no GET per session */
};
int api_parse_list(const json_t *req, struct api_list *out, struct api_error *e);

enum api_stats_scope { API_STATS_GLOBAL = 0, API_STATS_WORKER, API_STATS_SESSION };
struct api_stats {
	enum api_stats_scope scope;
	uint32_t id;        /* the worker or the session */
};
/* stats: {"scope": "global"|"worker"|"session", "worker": N, "session": ID}
 * (scope may be left out when "worker" or "session" says it). */
int api_parse_stats(const json_t *req, struct api_stats *out, struct api_error *e);

/* One a=crypto line (RFC 4568) into one direction's keys: suite, keys,
 * MKIs, lifetime (the smallest of the keys'). Refused: KDR other than 0,
 * UNENCRYPTED_SRTP/SRTCP, UNAUTHENTICATED_SRTP, FEC_ORDER=SRTP_FEC and
 * FEC_KEY (unsupported), and anything sre_sdes_parse_crypto_attr refuses
 * (invalid). `field` names it in errors. */
int api_sdes_line(const char *line, const char *field, struct dp_srtp_keys *k,
		  struct api_error *e);

/* Valid ICE credentials? (the rules of struct api_ice) */
int api_parse_ice(const json_t *ice, const char *field, struct api_ice *out,
		  struct api_error *e);

/* The dataplane's answer status and reason as an API error (the field is
 * taken from the reason when it names one). */
void api_error_from_dp(int status, const char *reason, struct api_error *e);

/* GET's answer as JSON (no key material: key ids). */
json_t *api_json_session(const struct dp_ctl_session_info *in);
/* {"code": ..., "message": ..., "field": ...?} */
json_t *api_json_error(const struct api_error *e);

void api_wipe_keys(struct dp_srtp_keys *k);
void api_wipe_create(struct api_create *c);
void api_wipe_rekey(struct api_rekey *r);

/* Suite name of a dp_srtp_keys / dir_info suite byte ("none" for plain). */
const char *api_suite_name(uint8_t suite);

#endif
