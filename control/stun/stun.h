/*
 * SRTP Edge STUN: STUN message parsing, checking and building (RFC 5389 /
 * RFC 8489), and the ICE-lite responder that answers connectivity checks on
 * media ports (RFC 8445 §2.5, §7.3). Pure C over OpenSSL (HMAC-SHA1); no
 * sockets, no DPDK, no allocation by the caller: every function works on
 * buffers the caller owns. Thread-safe: no global state.
 *
 * What the pieces are:
 *   stun_msg     a parsed, validated view of a message: header fields and
 *                where the attributes ICE needs sit. It points into the
 *                caller's bytes, which must outlive it.
 *   stun_writer  builds a message attribute by attribute in a caller buffer;
 *                the header length is kept right after every call, and the
 *                first error sticks (later calls do nothing and return it).
 *   stun_ice_respond  the whole ICE-lite server side for one received packet:
 *                verdict plus, when one is due, the response bytes.
 *
 * Credentials are short-term (RFC 5389 §10.1): the HMAC key is the password
 * bytes as given. SASLprep is not applied, which is exact for ICE, whose
 * passwords are ice-chars (ASCII letters, digits, '+', '/').
 */
#ifndef SRTPEDGE_STUN_H
#define SRTPEDGE_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_HEADER_LEN 20
#define STUN_TID_LEN 12
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_FINGERPRINT_XOR 0x5354554Eu
#define STUN_HMAC_LEN 20
/* Largest response stun_ice_respond writes (a 420 listing STUN_MAX_UNKNOWN
 * types, with MESSAGE-INTEGRITY and FINGERPRINT is 116 bytes). */
#define STUN_RESPONSE_MAX 128
/* Unknown comprehension-required types a parsed view remembers. */
#define STUN_MAX_UNKNOWN 16
/* RFC 5389 §15.3: USERNAME is less than 513 bytes. */
#define STUN_USERNAME_MAX 512

/* Results. Values are stable: counters may index by them. */
enum stun_err {
	STUN_OK = 0,
	/* not a well-formed STUN message (drop silently) */
	STUN_ERR_TOO_SHORT,        /* fewer than 20 bytes */
	STUN_ERR_NOT_STUN,         /* top two bits set or no magic cookie */
	STUN_ERR_BAD_LENGTH,       /* length field not a multiple of 4, or not what follows */
	STUN_ERR_ATTR_OVERRUN,     /* an attribute runs past the end of the message */
	STUN_ERR_ATTR_VALUE,       /* a known attribute's value has the wrong size or range */
	STUN_ERR_AFTER_FINGERPRINT,/* an attribute follows FINGERPRINT */
	/* checks */
	STUN_ERR_NO_FINGERPRINT,
	STUN_ERR_BAD_FINGERPRINT,
	STUN_ERR_NO_INTEGRITY,
	STUN_ERR_BAD_INTEGRITY,
	STUN_ERR_NO_ATTRIBUTE,     /* the attribute asked for is not in the message */
	STUN_ERR_BAD_ADDRESS,      /* address attribute: unknown family or size mismatch */
	/* ICE-lite decisions */
	STUN_ERR_NOT_REQUEST,      /* a response or indication: not answered */
	STUN_ERR_UNSUPPORTED_METHOD, /* a request of a method other than Binding */
	STUN_ERR_NO_USERNAME,
	STUN_ERR_BAD_USERNAME,     /* not "OURUFRAG:THEIRS" */
	STUN_ERR_UNKNOWN_ATTRIBUTE,/* unknown comprehension-required attribute */
	/* caller errors */
	STUN_ERR_NO_ROOM,          /* output buffer too small (or message > 65535 + 20) */
	STUN_ERR_BAD_PARAM,
	STUN_ERR_CRYPTO,           /* OpenSSL failed to compute an HMAC */
	STUN_ERR_COUNT
};

/* One-line description ("FINGERPRINT does not match"); never NULL. */
const char *stun_strerror(int err);
/* Short name for counters and logs ("bad_fingerprint"); never NULL. */
const char *stun_err_name(int err);

/* The two class bits of the message type (RFC 5389 §6). */
enum stun_class {
	STUN_CLASS_REQUEST = 0,
	STUN_CLASS_INDICATION = 1,
	STUN_CLASS_SUCCESS = 2,
	STUN_CLASS_ERROR = 3,
};

#define STUN_METHOD_BINDING 0x001

/* Attribute types this library knows. Types below 0x8000 are
 * comprehension-required: a request carrying one we do not know gets 420. */
enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_PRIORITY = 0x0024,      /* RFC 8445 §16.1 */
	STUN_ATTR_USE_CANDIDATE = 0x0025,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,
	STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* Where an attribute's value sits in the message: `off` bytes from the start
 * of the message, `len` bytes long (padding excluded). off == 0: absent. */
struct stun_attr_ref {
	uint32_t off;
	uint16_t len;
};

/* A parsed message. Only the first occurrence of an attribute is recorded,
 * and attributes after MESSAGE-INTEGRITY are ignored except FINGERPRINT
 * (RFC 5389 §15.4): their bounds are still checked. */
struct stun_msg {
	const uint8_t *buf;      /* the caller's bytes */
	size_t len;              /* 20 + the length field */
	uint16_t type;           /* the raw 14-bit message type */
	uint16_t method;         /* 12 bits; STUN_METHOD_BINDING */
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];

	struct stun_attr_ref username;
	struct stun_attr_ref integrity;
	struct stun_attr_ref fingerprint;
	struct stun_attr_ref priority;
	struct stun_attr_ref use_candidate;
	struct stun_attr_ref ice_controlling;
	struct stun_attr_ref ice_controlled;
	struct stun_attr_ref xor_mapped_address;
	struct stun_attr_ref error_code;
	struct stun_attr_ref unknown_attributes;

	/* Unknown comprehension-required types seen before MESSAGE-INTEGRITY,
	 * without repeats. More than STUN_MAX_UNKNOWN distinct ones: the first
	 * STUN_MAX_UNKNOWN are listed and unknown_truncated is set. */
	uint16_t unknown[STUN_MAX_UNKNOWN];
	unsigned n_unknown;
	bool unknown_truncated;
};

/* A transport address. No socket types: the dataplane hands addresses over
 * from packet headers, and the family is taken as given (an IPv4-mapped IPv6
 * address stays IPv6). */
enum stun_family {
	STUN_AF_IPV4 = 1, /* the XOR-MAPPED-ADDRESS family codes */
	STUN_AF_IPV6 = 2,
};

struct stun_addr {
	uint8_t family;    /* enum stun_family */
	uint16_t port;     /* host byte order */
	uint8_t addr[16];  /* network byte order; IPv4 in the first 4 bytes */
};

/* ---- parsing and checking ------------------------------------------- */

/* Does the packet start like a STUN message (first two bits zero, magic
 * cookie, at least a header)? For demultiplexing (RFC 7983) only: it does
 * not validate the message. */
bool stun_looks_like(const uint8_t *buf, size_t len);

/* Parses and validates a whole message: header, length, every attribute's
 * bounds and padding, the sizes of known attributes, FINGERPRINT last.
 * `len` must be the datagram length: bytes beyond the length field are
 * refused (STUN_ERR_BAD_LENGTH). On error *msg is left zeroed. */
int stun_parse(struct stun_msg *msg, const uint8_t *buf, size_t len);

/* CRC-32 (ISO-HDLC: reflected 0x04C11DB7, init and final XOR ~0), the one
 * FINGERPRINT is made of. */
uint32_t stun_crc32(const uint8_t *data, size_t len);

/* RFC 5389 §15.5. STUN_OK, STUN_ERR_NO_FINGERPRINT or STUN_ERR_BAD_FINGERPRINT. */
int stun_check_fingerprint(const struct stun_msg *msg);

/* RFC 5389 §15.4, with `key` (short-term: the password; long-term:
 * MD5(username ":" realm ":" password), computed by the caller).
 * STUN_OK, STUN_ERR_NO_INTEGRITY, STUN_ERR_BAD_INTEGRITY or STUN_ERR_CRYPTO.
 * The comparison takes the same time whatever the bytes. */
int stun_check_integrity(const struct stun_msg *msg, const uint8_t *key,
			 size_t key_len);

/* XOR-MAPPED-ADDRESS decoded (RFC 5389 §15.2). STUN_OK,
 * STUN_ERR_NO_ATTRIBUTE or STUN_ERR_BAD_ADDRESS. */
int stun_get_xor_mapped_address(const struct stun_msg *msg,
				struct stun_addr *addr);

/* ERROR-CODE decoded (RFC 5389 §15.6): code 300..699, reason phrase (UTF-8,
 * not NUL-terminated, in the message). STUN_OK, STUN_ERR_NO_ATTRIBUTE or
 * STUN_ERR_ATTR_VALUE (class or number out of range). */
int stun_get_error_code(const struct stun_msg *msg, unsigned *code,
			const uint8_t **reason, size_t *reason_len);

/* UNKNOWN-ATTRIBUTES decoded: up to `max` types into `types`, the number of
 * types in the attribute into *count. STUN_OK or STUN_ERR_NO_ATTRIBUTE. */
int stun_get_unknown_attributes(const struct stun_msg *msg, uint16_t *types,
				unsigned max, unsigned *count);

/* PRIORITY, and the ICE-CONTROLLING / ICE-CONTROLLED tie-breakers. STUN_OK
 * or STUN_ERR_NO_ATTRIBUTE. */
int stun_get_priority(const struct stun_msg *msg, uint32_t *priority);
int stun_get_ice_controlling(const struct stun_msg *msg, uint64_t *tiebreaker);
int stun_get_ice_controlled(const struct stun_msg *msg, uint64_t *tiebreaker);

/* ---- building -------------------------------------------------------- */

struct stun_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;  /* bytes written; buf[0, len) is always a whole message */
	int err;     /* first error, sticky */
};

/* Starts a message of `method` and `cls` with transaction id `tid`. Needs at
 * least 20 bytes of room. */
int stun_writer_init(struct stun_writer *w, uint8_t *buf, size_t cap,
		     uint16_t method, enum stun_class cls,
		     const uint8_t tid[STUN_TID_LEN]);
/* Appends an attribute; padding bytes are zero. */
int stun_put_attr(struct stun_writer *w, uint16_t type, const void *value,
		  size_t len);
int stun_put_u32(struct stun_writer *w, uint16_t type, uint32_t value);
int stun_put_u64(struct stun_writer *w, uint16_t type, uint64_t value);
/* An XOR-MAPPED-ADDRESS-style attribute, XORed with the cookie and (IPv6)
 * the transaction id of the message being written. */
int stun_put_xor_address(struct stun_writer *w, uint16_t type,
			 const struct stun_addr *addr);
/* ERROR-CODE: code 300..699 and a reason phrase (at most 763 bytes). */
int stun_put_error_code(struct stun_writer *w, unsigned code,
			const char *reason);
int stun_put_unknown_attributes(struct stun_writer *w, const uint16_t *types,
				unsigned n);
/* MESSAGE-INTEGRITY over everything written so far; then only FINGERPRINT
 * should follow. */
int stun_put_integrity(struct stun_writer *w, const uint8_t *key,
		       size_t key_len);
/* FINGERPRINT; it must be the last attribute. */
int stun_put_fingerprint(struct stun_writer *w);

/* ICE role a check claims (RFC 8445 §7.1.3). */
enum stun_ice_role {
	STUN_ROLE_NONE = 0,      /* neither attribute (not ICE-conformant) */
	STUN_ROLE_CONTROLLING,
	STUN_ROLE_CONTROLLED,
};

/* An ICE connectivity check (RFC 8445 §7.2.2, §7.2.4). */
struct stun_binding_request {
	const uint8_t *tid;      /* STUN_TID_LEN bytes */
	const char *username;    /* "THEIRUFRAG:OURUFRAG"; NULL: no USERNAME */
	const char *password;    /* the peer's password; NULL: no MESSAGE-INTEGRITY */
	uint32_t priority;       /* PRIORITY, written when has_priority */
	bool has_priority;
	enum stun_ice_role role;
	uint64_t tiebreaker;     /* value of ICE-CONTROLLING / ICE-CONTROLLED */
	bool use_candidate;
	bool no_fingerprint;     /* leave FINGERPRINT out (tests of what peers send) */
};

/* Builds a Binding request: PRIORITY, USE-CANDIDATE, ICE-CONTROLLING or
 * ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT, as asked.
 * Returns STUN_OK and the length in *out_len, or STUN_ERR_NO_ROOM /
 * STUN_ERR_BAD_PARAM. */
int stun_build_binding_request(const struct stun_binding_request *req,
			       uint8_t *out, size_t cap, size_t *out_len);

/* ---- ICE-lite responder ------------------------------------------- */

/* USERNAME of a check split at its first colon: the receiver's ufrag (ours,
 * to find the session by) and the sender's. STUN_OK, STUN_ERR_NO_USERNAME,
 * or STUN_ERR_BAD_USERNAME when there is no colon or either part is empty.
 * The pointers are into the message. */
int stun_ice_split_username(const struct stun_msg *msg,
			    const uint8_t **local, size_t *local_len,
			    const uint8_t **remote, size_t *remote_len);

/* Our side of one ICE session: the ufrag and password we gave the peer. */
struct stun_ice_local {
	const char *ufrag;
	const char *password;
};

enum stun_verdict {
	/* Not STUN, broken, or FINGERPRINT missing or wrong: drop silently
	 * (RFC 5389 §7.3; RFC 8445 §7.3 makes FINGERPRINT mandatory). */
	STUN_VERDICT_MALFORMED = 0,
	/* Good STUN but nothing to answer: responses, indications (keepalives)
	 * and requests of other methods. */
	STUN_VERDICT_IGNORE,
	/* An error response was written (400, 401 or 420); the peer is not
	 * authenticated and its address must not be used. */
	STUN_VERDICT_REJECTED,
	/* A success response was written: the request was authenticated with
	 * our password, so the source address may be taken as the peer's. */
	STUN_VERDICT_AUTHENTICATED,
};

struct stun_ice_result {
	enum stun_verdict verdict;
	int reason;             /* enum stun_err: why, for every verdict but AUTHENTICATED */
	unsigned error_code;    /* REJECTED: 400, 401 or 420; else 0 */
	size_t response_len;    /* bytes of response written; 0 when none */
	/* AUTHENTICATED only: */
	bool use_candidate;     /* the peer nominates this pair (RFC 8445 §7.3.2) */
	bool peer_controlled;   /* the request claimed ICE-CONTROLLED (see README) */
	bool has_priority;
	uint32_t priority;
	const uint8_t *remote_ufrag; /* after the colon of USERNAME, in the request */
	size_t remote_ufrag_len;
	uint8_t tid[STUN_TID_LEN];
};

/* Answers one packet received on a media port from `from`. The response (if
 * any) goes to `resp`, which should hold STUN_RESPONSE_MAX bytes, and must be
 * sent back to `from` from the port the request arrived on. Returns STUN_OK
 * (whatever the verdict) or, for caller errors, STUN_ERR_BAD_PARAM /
 * STUN_ERR_NO_ROOM / STUN_ERR_CRYPTO, with verdict MALFORMED and nothing
 * written. Input bytes are never trusted: any content gives a verdict. */
int stun_ice_respond(const uint8_t *pkt, size_t len,
		     const struct stun_ice_local *local,
		     const struct stun_addr *from, uint8_t *resp,
		     size_t resp_cap, struct stun_ice_result *result);

/* Verdict names ("authenticated") for logs; never NULL. */
const char *stun_verdict_name(enum stun_verdict verdict);

#ifdef __cplusplus
}
#endif

#endif
