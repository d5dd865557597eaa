/*
 * The frames the dataplane punts to control (STUN, DTLS): Ethernet (one
 * 802.1Q tag at most), IPv4 (no fragments, options allowed) or IPv6 (no
 * extension headers but hop-by-hop, routing and destination options), UDP.
 * Every length is checked against the bytes there are. No DPDK.
 */
#ifndef CTL_FRAME_H
#define CTL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "session_spec.h"

enum frame_err {
	FRAME_OK = 0,
	FRAME_TOO_SHORT,     /* shorter than its headers say */
	FRAME_NOT_IP,        /* another ethertype */
	FRAME_BAD_IP,        /* version, header length */
	FRAME_FRAGMENT,      /* an IPv4 fragment or an IPv6 fragment header */
	FRAME_NOT_UDP,       /* another protocol */
	FRAME_BAD_UDP,       /* UDP length beyond the IP payload or below 8 */
	FRAME_ERR_COUNT
};

const char *frame_err_name(int err);

struct frame_udp {
	struct dp_endpoint src, dst;
	const uint8_t *payload;
	size_t len;
};

int frame_parse(const uint8_t *frame, size_t len, struct frame_udp *out);

#endif
