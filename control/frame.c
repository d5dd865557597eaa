/* Ethernet/IP/UDP of punted frames (see frame.h). */
#include <string.h>
#include <sys/socket.h>

#include "frame.h"

const char *frame_err_name(int err)
{
	static const char *const n[FRAME_ERR_COUNT] = {
		"ok", "too_short", "not_ip", "bad_ip", "fragment", "not_udp", "bad_udp",
	};
	return (unsigned)err < FRAME_ERR_COUNT ? n[err] : "?";
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int frame_parse(const uint8_t *f, size_t len, struct frame_udp *out)
{
	size_t off = 12;
	uint16_t type;
	const uint8_t *udp;
	size_t ip_payload;

	memset(out, 0, sizeof(*out));
	if (len < 14)
		return FRAME_TOO_SHORT;
	type = be16(f + off);
	off += 2;
	if (type == 0x8100) {
		if (len < off + 4)
			return FRAME_TOO_SHORT;
		type = be16(f + off + 2);
		off += 4;
	}
	if (type == 0x0800) {
		const uint8_t *ip = f + off;
		if (len < off + 20)
			return FRAME_TOO_SHORT;
		if ((ip[0] >> 4) != 4)
			return FRAME_BAD_IP;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		size_t tot = be16(ip + 2);
		if (ihl < 20 || tot < ihl)
			return FRAME_BAD_IP;
		if (len < off + tot)
			return FRAME_TOO_SHORT;
		if ((be16(ip + 6) & 0x3fff) != 0) /* MF or an offset */
			return FRAME_FRAGMENT;
		if (ip[9] != 17)
			return FRAME_NOT_UDP;
		out->src.addr.family = out->dst.addr.family = AF_INET;
		memcpy(out->src.addr.bytes, ip + 12, 4);
		memcpy(out->dst.addr.bytes, ip + 16, 4);
		udp = ip + ihl;
		ip_payload = tot - ihl;
	} else if (type == 0x86dd) {
		const uint8_t *ip = f + off;
		if (len < off + 40)
			return FRAME_TOO_SHORT;
		if ((ip[0] >> 4) != 6)
			return FRAME_BAD_IP;
		size_t plen = be16(ip + 4);
		if (len < off + 40 + plen)
			return FRAME_TOO_SHORT;
		uint8_t nxt = ip[6];
		size_t hoff = 40;
		/* hop-by-hop, routing, destination options: skipped */
		while (nxt == 0 || nxt == 43 || nxt == 60) {
			if (plen < hoff - 40 + 8)
				return FRAME_TOO_SHORT;
			size_t hl = ((size_t)ip[hoff + 1] + 1) * 8;
			if (plen < hoff - 40 + hl)
				return FRAME_TOO_SHORT;
			nxt = ip[hoff];
			hoff += hl;
		}
		if (nxt == 44)
			return FRAME_FRAGMENT;
		if (nxt != 17)
			return FRAME_NOT_UDP;
		out->src.addr.family = out->dst.addr.family = AF_INET6;
		memcpy(out->src.addr.bytes, ip + 8, 16);
		memcpy(out->dst.addr.bytes, ip + 24, 16);
		udp = ip + hoff;
		ip_payload = plen - (hoff - 40);
	} else {
		return FRAME_NOT_IP;
	}
	if (ip_payload < 8)
		return FRAME_TOO_SHORT;
	size_t ulen = be16(udp + 4);
	if (ulen < 8 || ulen > ip_payload)
		return FRAME_BAD_UDP;
	out->src.port = be16(udp);
	out->dst.port = be16(udp + 2);
	out->payload = udp + 8;
	out->len = ulen - 8;
	return FRAME_OK;
}
