/*
 * DTLS-SRTP (RFC 5764) for srtpedge-control: DTLS 1.2 handshakes run by
 * OpenSSL over in-memory datagrams, so that the caller moves packets through
 * its rings and runs the timers of thousands of associations from one thread.
 * No sockets, no threads, no logging here; every failure is a named status.
 *
 * Objects and who owns them:
 *   dtls_ctx    one per control process: our certificate and key, its
 *               fingerprint, SRTP profile preference, MTU, timeouts, the
 *               cookie secret. Read-only once created.
 *   dtls_assoc  one handshake with one peer (one session's DTLS transport).
 *               Single-threaded: all calls on one association from one thread.
 *
 * The caller's loop, per association:
 *   create (role from the SDP a=setup, peer's a=fingerprint) and start;
 *   for each datagram from the peer: dtls_assoc_feed;
 *   after every feed / start / handle_timeout / close: dtls_assoc_pull until
 *     it yields nothing, and send each datagram to the peer (also after a
 *     failure: a fatal alert may be waiting);
 *   arm a timer for dtls_assoc_next_timeout ms, and on expiry call
 *     dtls_assoc_handle_timeout;
 *   once dtls_assoc_state is DTLS_STATE_CONNECTED: dtls_assoc_srtp_keys,
 *     install them, wipe them. Keep the association a while longer: if our
 *     last flight was lost, the peer retransmits its own and needs ours again.
 */
#ifndef DTLS_SRTP_H
#define DTLS_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp_edge.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dtls_status {
	DTLS_OK = 0,
	/* configuration and calls */
	DTLS_ERR_BAD_PARAM,
	DTLS_ERR_NO_MEMORY,
	DTLS_ERR_OPENSSL,             /* an OpenSSL call failed unexpectedly */
	DTLS_ERR_CERT_LOAD,           /* certificate/key file unreadable or not a pair */
	DTLS_ERR_CERT_GENERATE,
	DTLS_ERR_PROFILE_UNKNOWN,     /* SRTP profile name not supported */
	DTLS_ERR_FINGERPRINT_FORMAT,  /* not "hash-func XX:XX:..." */
	DTLS_ERR_FINGERPRINT_ALGORITHM, /* hash function not accepted (md5, ...) */
	DTLS_ERR_SETUP,               /* a=setup values that give no role */
	DTLS_ERR_STATE,               /* not possible in the association's state */
	DTLS_ERR_QUEUE_FULL,          /* outgoing datagrams not pulled */
	DTLS_ERR_BUFFER_SMALL,        /* datagram does not fit the caller's buffer */
	/* why an association failed (dtls_assoc_error) */
	DTLS_ERR_FINGERPRINT_MISMATCH, /* peer's certificate is not the signalled one */
	DTLS_ERR_NO_PEER_CERT,        /* peer sent no certificate */
	DTLS_ERR_NO_SRTP_PROFILE,     /* no SRTP protection profile in common */
	DTLS_ERR_HANDSHAKE_TIMEOUT,
	DTLS_ERR_PEER_ALERT,          /* peer sent a fatal alert (detail names it) */
	DTLS_ERR_HANDSHAKE_FAILED,    /* any other protocol failure (detail says) */
	DTLS_ERR_KEY_EXPORT,
	DTLS_ERR_CLOSED,              /* closed (close_notify) by either side */
	DTLS_STATUS_COUNT
};

/* Short name for counters and logs ("fingerprint_mismatch"); never NULL. */
const char *dtls_status_name(int status);
/* One-line human description; never NULL. */
const char *dtls_strerror(int status);

/* ---- SDP a=setup (RFC 4145, RFC 5763 §5) ----------------------------- */

enum dtls_role {
	DTLS_ROLE_CLIENT = 0, /* a=setup:active: sends the ClientHello */
	DTLS_ROLE_SERVER = 1, /* a=setup:passive */
};

enum dtls_setup {
	DTLS_SETUP_ACTIVE = 0,
	DTLS_SETUP_PASSIVE,
	DTLS_SETUP_ACTPASS,
	DTLS_SETUP_HOLDCONN,
};

/* "active", "passive", "actpass", "holdconn" (case-insensitive). */
int dtls_setup_parse(const char *text, enum dtls_setup *setup);
const char *dtls_setup_name(enum dtls_setup setup);
const char *dtls_role_name(enum dtls_role role);
/* We answer an offer carrying `offer`: the a=setup we answer with and our
 * role. actpass is answered with active (RFC 5763 §5: it lets the handshake
 * run in parallel with the answer). holdconn gives DTLS_ERR_SETUP. */
int dtls_setup_answer(enum dtls_setup offer, enum dtls_setup *answer,
		      enum dtls_role *role);
/* We offered `offer` (normally actpass) and the answer says `answer`: our
 * role, or DTLS_ERR_SETUP when the pair is not allowed (an answer of actpass
 * or holdconn, active/active, passive/passive). */
int dtls_setup_offer_result(enum dtls_setup offer, enum dtls_setup answer,
			    enum dtls_role *role);

/* ---- context --------------------------------------------------------- */

/* "sha-512 " + 64 bytes as "XX:" - 1 + NUL */
#define DTLS_FINGERPRINT_MAX 200
#define DTLS_MTU_DEFAULT 1200
#define DTLS_MTU_MIN 256   /* OpenSSL's smallest DTLS MTU */
#define DTLS_MTU_MAX 4096  /* OpenSSL's handshake write buffer: flights split above */
#define DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS 30000
#define DTLS_RETRANSMIT_DEFAULT_MS 1000 /* RFC 6347 §4.2.4.1; doubles up to 60 s */
#define DTLS_CERT_DAYS_DEFAULT 365
#define DTLS_MAX_PROFILES 4

struct dtls_ctx_config {
	/* PEM certificate and private key; both NULL: an ECDSA P-256 key and a
	 * self-signed certificate are generated. */
	const char *cert_file;
	const char *key_file;
	/* Profile preference, names joined by ':' or ',' among
	 * SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM, SRTP_AES128_CM_SHA1_80,
	 * SRTP_AES128_CM_SHA1_32. NULL: that order. In the server role ours
	 * decides; in the client role we offer them in this order. */
	const char *profiles;
	unsigned mtu;                  /* largest datagram we send; 0 = 1200 */
	unsigned handshake_timeout_ms; /* from start to connected; 0 = 30 s */
	unsigned retransmit_ms;        /* first retransmission timer; 0 = 1 s */
	unsigned cert_days;            /* generated certificate validity; 0 = 365 */
	/* Server role: answer a ClientHello without a valid cookie with a
	 * HelloVerifyRequest (the default) — costs a round trip, saves the
	 * certificate flight and the signature for spoofed sources. */
	bool no_cookie_exchange;
};

struct dtls_ctx;

/* Fills the defaults (a zeroed config means the same). */
void dtls_ctx_config_init(struct dtls_ctx_config *config);
int dtls_ctx_create(const struct dtls_ctx_config *config, struct dtls_ctx **ctx);
/* Destroy only after every association of the context. */
void dtls_ctx_destroy(struct dtls_ctx *ctx);
/* Our certificate's RFC 8122 fingerprint, "sha-256 AB:CD:..." (uppercase
 * hex, colons): the value of our a=fingerprint. */
const char *dtls_ctx_fingerprint(const struct dtls_ctx *ctx);
/* The same with another hash function ("sha-1", "sha-384", ...); writes
 * at most `cap` bytes including the NUL. */
int dtls_ctx_fingerprint_alg(const struct dtls_ctx *ctx, const char *alg,
			     char *out, size_t cap);

/* Checks the syntax and hash function of an a=fingerprint value. */
int dtls_fingerprint_check(const char *fingerprint);

/* ---- SRTP profiles --------------------------------------------------- */

/* RFC 5764 / RFC 7714 ids */
enum dtls_srtp_profile {
	DTLS_SRTP_AES128_CM_SHA1_80 = 0x0001,
	DTLS_SRTP_AES128_CM_SHA1_32 = 0x0002,
	DTLS_SRTP_AEAD_AES_128_GCM = 0x0007,
	DTLS_SRTP_AEAD_AES_256_GCM = 0x0008,
};

/* OpenSSL's name ("SRTP_AEAD_AES_128_GCM"), or NULL for an unknown id. */
const char *dtls_profile_name(unsigned profile);
/* The suite the dataplane runs for a profile; DTLS_ERR_PROFILE_UNKNOWN. */
int dtls_profile_suite(unsigned profile, enum sre_suite *suite);

/* ---- associations ---------------------------------------------------- */

enum dtls_state {
	DTLS_STATE_NEW = 0,   /* created, not started */
	DTLS_STATE_HANDSHAKE,
	DTLS_STATE_CONNECTED, /* keys available */
	DTLS_STATE_FAILED,    /* dtls_assoc_error says why */
	DTLS_STATE_CLOSED,
};

struct dtls_assoc_stats {
	uint64_t datagrams_in;
	uint64_t datagrams_out;
	uint64_t timer_retransmits;  /* flights resent because a timer expired */
	uint64_t dropped;            /* ClientHellos with a wrong cookie */
	uint64_t app_bytes_ignored;  /* application data after the handshake */
};

/* What dtls_assoc_srtp_keys hands over: master key || master salt for each
 * direction, ready for sre_ctx_add_key(key, key_len, key + key_len,
 * salt_len). Wipe it with dtls_srtp_keys_wipe once the keys are installed. */
struct dtls_srtp_keys {
	enum sre_suite suite;
	enum dtls_srtp_profile profile;
	enum dtls_role role;
	uint8_t key_len;
	uint8_t salt_len;
	/* what we protect with: client_write_* when we are the client */
	uint8_t tx[SRE_MAX_MASTER_KEY_LEN + SRE_MAX_MASTER_SALT_LEN];
	/* what the peer protects with (our inbound) */
	uint8_t rx[SRE_MAX_MASTER_KEY_LEN + SRE_MAX_MASTER_SALT_LEN];
};

struct dtls_assoc;

/* `remote_fingerprint` is the peer's a=fingerprint value ("sha-256 ...";
 * sha-1, sha-224, sha-384 and sha-512 also). The association does nothing
 * until dtls_assoc_start (or a first datagram). */
int dtls_assoc_create(struct dtls_ctx *ctx, enum dtls_role role,
		      const char *remote_fingerprint, struct dtls_assoc **assoc);
/* Frees the association and whatever it has not sent. */
void dtls_assoc_destroy(struct dtls_assoc *assoc);
/* Path MTU for this peer (before start; default: the context's). */
int dtls_assoc_set_mtu(struct dtls_assoc *assoc, unsigned mtu);
/* Starts the handshake timeout; a client queues its ClientHello. */
int dtls_assoc_start(struct dtls_assoc *assoc);
/* Processes one datagram received from the peer. `peer_addr` is the source
 * address as the caller represents it (any bytes that identify it, e.g. IP and
 * port); a server binds its cookies to it. The datagram is not kept. Returns
 * DTLS_OK while handshaking or connected, else the failure (as
 * dtls_assoc_error). */
int dtls_assoc_feed(struct dtls_assoc *assoc, const uint8_t *data, size_t len,
		    const void *peer_addr, size_t peer_addr_len);
/* Takes the next datagram to send: copies it to buf and sets *len; *len = 0
 * when none is waiting. Datagrams never exceed the MTU. DTLS_ERR_BUFFER_SMALL
 * leaves the datagram queued. */
int dtls_assoc_pull(struct dtls_assoc *assoc, uint8_t *buf, size_t cap,
		    size_t *len);
/* Datagrams waiting for dtls_assoc_pull. */
unsigned dtls_assoc_pending(const struct dtls_assoc *assoc);
/* Milliseconds until dtls_assoc_handle_timeout is due (0: now), or -1 when no
 * timer runs. Changes after every call on the association. */
int64_t dtls_assoc_next_timeout(struct dtls_assoc *assoc);
/* Retransmits an expired flight, or fails the association with
 * DTLS_ERR_HANDSHAKE_TIMEOUT when its handshake timeout has passed. Calling
 * it early does nothing. Returns as dtls_assoc_feed. */
int dtls_assoc_handle_timeout(struct dtls_assoc *assoc);
/* Sends close_notify when connected; the association is closed after. */
int dtls_assoc_close(struct dtls_assoc *assoc);

enum dtls_state dtls_assoc_state(const struct dtls_assoc *assoc);
enum dtls_role dtls_assoc_role(const struct dtls_assoc *assoc);
/* Why the association failed or closed; DTLS_OK otherwise. */
int dtls_assoc_error(const struct dtls_assoc *assoc);
/* A static text for logs with the error: the alert received or sent, or
 * OpenSSL's reason; "" when there is none. Never NULL. */
const char *dtls_assoc_detail(const struct dtls_assoc *assoc);
void dtls_assoc_get_stats(const struct dtls_assoc *assoc,
			  struct dtls_assoc_stats *stats);

/* The SRTP keys (RFC 5764 §4.2) of a connected association, exported now;
 * DTLS_ERR_STATE before. */
int dtls_assoc_srtp_keys(struct dtls_assoc *assoc, struct dtls_srtp_keys *keys);
void dtls_srtp_keys_wipe(struct dtls_srtp_keys *keys);

#ifdef __cplusplus
}
#endif

#endif /* DTLS_SRTP_H */
