/*
 * What a session is, as the sessions file and the control process's command
 * ring both deliver it: two legs (outside: SRTP toward an endpoint; inside:
 * plain RTP or SRTP toward the media core), each with its local and remote
 * address and the SRTP keys of each direction. Shared by dataplane/ and
 * control/; plain data, no pointers.
 */
#ifndef DP_SESSION_SPEC_H
#define DP_SESSION_SPEC_H

#include <stdbool.h>
#include <stdint.h>

enum dp_side { DP_OUTSIDE = 0, DP_INSIDE = 1, DP_SIDES };

#define DP_SUITE_NONE 0xff /* plain RTP on this leg */
#define DP_MAX_KEYS 4      /* = SRE_MAX_KEYS */

struct dp_addr {
	uint8_t family;    /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network order; IPv4 in the first 4 */
};

struct dp_endpoint {
	struct dp_addr addr;
	uint16_t port;     /* host order */
};

/* The SRTP master keys of one direction of one leg. */
struct dp_srtp_keys {
	uint8_t suite;     /* enum sre_suite, or DP_SUITE_NONE */
	uint8_t mki_len;   /* 0..4 */
	uint8_t nkeys;     /* 1..DP_MAX_KEYS when suite is set */
	uint8_t active;    /* the key protect uses (outbound) */
	uint64_t lifetime; /* packets per master key, 0 = the suite's maximum */
	struct {
		uint8_t key[32];
		uint8_t salt[14];
		uint8_t mki[4];
	} keys[DP_MAX_KEYS];
};

struct dp_leg_spec {
	struct dp_endpoint local;   /* our address and port on this side */
	struct dp_endpoint remote;  /* the peer's; learnt when `latch` */
	bool latch;                 /* take the peer from its first authenticated packet */
	/* DTLS-SRTP still running: no keys yet (suites none); media on this
	 * leg is dropped both ways, STUN and DTLS go to the control process */
	bool keys_pending;
	struct dp_srtp_keys rx;     /* what the peer sends us on this leg */
	struct dp_srtp_keys tx;     /* what we send the peer on this leg */
};

struct dp_session_spec {
	uint32_t id;
	char name[48];
	struct dp_leg_spec leg[DP_SIDES];
};

#endif
