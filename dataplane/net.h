/*
 * Packet-level work of the dataplane: parsing Ethernet/IPv4/IPv6/UDP,
 * RFC 7983 demultiplexing, answers to ARP, neighbour solicitations and
 * echo requests for the appliance's own addresses, the neighbour table,
 * and rebuilding headers toward the other leg.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "config.h"
#include "session_spec.h"

/* Why a packet was dropped: counters are indexed by these. */
enum dp_drop {
	DP_DROP_MALFORMED = 0,   /* headers do not parse */
	DP_DROP_NOT_FOR_US,      /* another MAC or address, or a protocol we don't serve */
	DP_DROP_FRAGMENT,        /* IP fragments */
	DP_DROP_NO_SESSION,      /* UDP to an address/port no session owns */
	DP_DROP_UNEXPECTED_SOURCE, /* not from the leg's peer */
	DP_DROP_STUN,            /* STUN: no control process to hand it to */
	DP_DROP_DTLS,            /* DTLS: no control process to hand it to */
	DP_DROP_NOT_RTP,         /* RFC 7983: neither RTP/RTCP, STUN nor DTLS */
	DP_DROP_SRTP,            /* crypto refused it; see the status counters */
	DP_DROP_SSRC_LIMIT,      /* a new SSRC and no free stream slot */
	DP_DROP_NO_ROUTE,        /* no next hop for the peer */
	DP_DROP_NEIGHBOR,        /* next hop not resolved (yet) */
	DP_DROP_TX_FULL,         /* the port did not take it */
	DP_DROP_HANDOFF_FULL,    /* the owner worker's ring was full */
	DP_DROP_NO_ROOM,         /* no head- or tailroom to rewrite */
	DP_DROP_CONTROL_RATE,    /* STUN/DTLS over the worker's exception_pps */
	DP_DROP_CONTROL_FULL,    /* STUN/DTLS: the control process's ring was full */
	DP_DROP_CONTROL_SEND,    /* a packet from control: no session, no route */
	DP_DROP_KEYS_PENDING,    /* media on or toward a leg whose keys are not there yet */
	DP_DROP_BAD_CHECKSUM,    /* ICMPv6, or UDP on a plain leg, that does not sum */
	DP_DROP_COUNT
};
const char *dp_drop_name(enum dp_drop d);

enum dp_class {
	DP_CLASS_DROP,           /* see *drop */
	DP_CLASS_UDP,            /* UDP to one of our addresses: maybe a session */
	DP_CLASS_ANSWERED,       /* ARP/NS/echo: an answer was written in place */
	DP_CLASS_CONSUMED,       /* learnt from, nothing to send (ARP reply, NA) */
};

/* Where a received UDP packet's parts are. */
struct dp_udp_info {
	uint8_t family;
	uint8_t addr_idx;        /* which of the port's addresses of the family */
	uint16_t l3_off;
	uint16_t payload_off;    /* UDP payload */
	uint16_t payload_len;
	const uint8_t *src_addr, *dst_addr;
	uint16_t sport_be, dport_be;
};

/* The addresses a port answers for. What every received or sent packet
 * reads comes first; with one address per family the IPv4 test reads the
 * first cache line only. */
struct dp_port_addrs {
	struct rte_ether_addr mac;
	uint16_t port_id;
	uint8_t side;
	bool any_mac;            /* offline: a capture's MACs are arbitrary */
	uint8_t n4, n6;          /* addresses per family; [0] is the primary */
	uint32_t ipv4[DP_MAX_PORT_ADDRS]; /* network order */
	uint8_t ipv6[DP_MAX_PORT_ADDRS][16];
	uint8_t plen4[DP_MAX_PORT_ADDRS], plen6[DP_MAX_PORT_ADDRS];
	bool has_gateway4, has_gateway6;
	uint8_t gateway4[4], gateway6[16];
};
_Static_assert(DP_MAX_PORT_ADDRS <= UINT8_MAX, "n4 and n6 count in a byte");

/* A port's addresses as the configuration gives them. */
void dp_port_addrs_init(struct dp_port_addrs *pa, const struct dp_port_cfg *pc,
			uint16_t port_id, uint8_t side,
			const struct rte_ether_addr *mac);

/* The one's complement sum of `len` bytes, folded to 16 bits (as
 * rte_raw_cksum, 16 bytes a round). */
uint16_t dp_raw_cksum(const void *buf, size_t len);

/* Whether a received UDP packet's checksum holds (the NIC's verdict when
 * it gives one). SRTP legs need not ask: authentication covers more. */
bool dp_udp_checksum_ok(const struct rte_mbuf *m, uint8_t family, uint16_t payload_off);

/* Which of the port's addresses of its family `a` is, or -1. */
int dp_port_addr_index(const struct dp_port_addrs *pa, const struct dp_addr *a);

/* Whether `a` is one of the port's own addresses. */
bool dp_port_has_addr(const struct dp_port_addrs *pa, const struct dp_addr *a);

/* A neighbour learnt by a worker, for the main lcore to record. */
struct dp_learn {
	uint8_t side;
	uint8_t family;
	uint8_t update_only;     /* refresh an entry held, create none */
	uint8_t addr[16];
	struct rte_ether_addr mac;
} __attribute__((aligned(4))); /* rte_ring elements are whole words */

/* Parses a received frame. DP_CLASS_ANSWERED: the mbuf now holds the
 * answer, to be sent back on the same port. `learn` is filled (and
 * *learnt set) when the frame taught us a neighbour. */
enum dp_class dp_classify(struct rte_mbuf *m, const struct dp_port_addrs *pa,
			  struct dp_udp_info *u, enum dp_drop *drop,
			  struct dp_learn *learn, bool *learnt);

/* RFC 7983 on the first payload byte (RFC 5761 for RTCP). */
enum dp_demux { DP_DEMUX_RTP, DP_DEMUX_RTCP, DP_DEMUX_STUN, DP_DEMUX_DTLS,
		DP_DEMUX_OTHER };
static inline enum dp_demux dp_demux(const uint8_t *p, uint16_t len)
{
	if (len == 0)
		return DP_DEMUX_OTHER;
	uint8_t b = p[0];
	if (b >= 128 && b <= 191) {
		if (len >= 2 && p[1] >= 192 && p[1] <= 223)
			return DP_DEMUX_RTCP;
		return DP_DEMUX_RTP;
	}
	if (b <= 3)
		return DP_DEMUX_STUN;
	if (b >= 20 && b <= 63)
		return DP_DEMUX_DTLS;
	return DP_DEMUX_OTHER;
}

/* ---- neighbours ----------------------------------------------------- */

/* Written by the main lcore only; read by workers through a sequence
 * number per entry (odd while an entry changes). */
struct dp_neigh_entry {
	uint32_t seq;
	uint8_t used;
	uint8_t family;
	uint8_t side;
	uint8_t is_static;
	uint8_t addr[16];
	struct rte_ether_addr mac;
	uint64_t updated_tsc;
};

struct dp_neigh_table {
	uint32_t size;           /* power of two */
	struct dp_neigh_entry *e;
};

int dp_neigh_init(struct dp_neigh_table *t, uint32_t size);
void dp_neigh_free(struct dp_neigh_table *t);
/* Main lcore: records addr -> mac on a side. */
void dp_neigh_set(struct dp_neigh_table *t, uint8_t side, uint8_t family,
		  const uint8_t *addr, const struct rte_ether_addr *mac,
		  bool is_static);
/* Main lcore: what a worker learnt (struct dp_learn). */
void dp_neigh_learn(struct dp_neigh_table *t, const struct dp_learn *l);
/* Workers: true and *mac when addr is known on the side. */
bool dp_neigh_get(const struct dp_neigh_table *t, uint8_t side, uint8_t family,
		  const uint8_t *addr, struct rte_ether_addr *mac);

/* The next hop toward `addr` from a port: itself when on-link (on the
 * subnet of any of the port's addresses), else the gateway. False when
 * there is none. */
bool dp_next_hop(const struct dp_port_addrs *pa, uint8_t family,
		 const uint8_t *addr, uint8_t *hop);

/* Writes an ARP request (IPv4) or a neighbour solicitation (IPv6) for
 * `target` into m, from port pa: from the address whose subnet holds the
 * target (the most specific one), or from the primary when none does. */
void dp_build_solicit(struct rte_mbuf *m, const struct dp_port_addrs *pa,
		      uint8_t family, const uint8_t *target);

/* ---- sending a payload toward a leg's peer ---------------------------- */

/* Rebuilds Ethernet/IP/UDP in front of the payload at m's data offset
 * `payload_off` (length `payload_len`): from `from` (ours) to `to`, with
 * the given MACs and TTL. Checksums in software unless `csum_offload`.
 * Returns false when the mbuf has no headroom for the new headers. */
bool dp_rewrite(struct rte_mbuf *m, uint16_t payload_off, uint16_t payload_len,
		const struct dp_endpoint *from, const struct dp_endpoint *to,
		const struct rte_ether_addr *src_mac,
		const struct rte_ether_addr *dst_mac, uint8_t ttl,
		bool csum_offload);

#endif
