/*
 * Packet-level work (see net.h). Workers answer ARP, neighbour
 * solicitations and echo requests for the appliance's own addresses in
 * place, so none of that waits on another thread; what they learn about
 * neighbours goes to the main lcore, the neighbour table's only writer.
 */
#include <emmintrin.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "net.h"

static const char *drop_names[DP_DROP_COUNT] = {
	[DP_DROP_MALFORMED] = "malformed",
	[DP_DROP_NOT_FOR_US] = "not_for_us",
	[DP_DROP_FRAGMENT] = "fragment",
	[DP_DROP_NO_SESSION] = "no_session",
	[DP_DROP_UNEXPECTED_SOURCE] = "unexpected_source",
	[DP_DROP_STUN] = "stun",
	[DP_DROP_DTLS] = "dtls",
	[DP_DROP_NOT_RTP] = "not_rtp",
	[DP_DROP_SRTP] = "srtp",
	[DP_DROP_SSRC_LIMIT] = "ssrc_limit",
	[DP_DROP_NO_ROUTE] = "no_route",
	[DP_DROP_NEIGHBOR] = "neighbor_unresolved",
	[DP_DROP_TX_FULL] = "tx_full",
	[DP_DROP_HANDOFF_FULL] = "handoff_full",
	[DP_DROP_NO_ROOM] = "no_room",
	[DP_DROP_CONTROL_RATE] = "control_rate",
	[DP_DROP_CONTROL_FULL] = "control_full",
	[DP_DROP_CONTROL_SEND] = "control_send",
	[DP_DROP_KEYS_PENDING] = "keys_pending",
	[DP_DROP_BAD_CHECKSUM] = "bad_checksum",
};

const char *dp_drop_name(enum dp_drop d)
{
	return (unsigned)d < DP_DROP_COUNT ? drop_names[d] : "unknown";
}

void dp_port_addrs_init(struct dp_port_addrs *pa, const struct dp_port_cfg *pc,
			uint16_t port_id, uint8_t side,
			const struct rte_ether_addr *mac)
{
	memset(pa, 0, sizeof(*pa));
	pa->mac = *mac;
	pa->port_id = port_id;
	pa->side = side;
	pa->n4 = (uint8_t)pc->nipv4;
	pa->n6 = (uint8_t)pc->nipv6;
	for (unsigned i = 0; i < pc->nipv4; i++) {
		memcpy(&pa->ipv4[i], pc->ipv4[i].addr.bytes, 4);
		pa->plen4[i] = pc->ipv4[i].plen;
	}
	for (unsigned i = 0; i < pc->nipv6; i++) {
		memcpy(pa->ipv6[i], pc->ipv6[i].addr.bytes, 16);
		pa->plen6[i] = pc->ipv6[i].plen;
	}
	pa->has_gateway4 = pc->has_gateway4;
	pa->has_gateway6 = pc->has_gateway6;
	memcpy(pa->gateway4, pc->gateway4.bytes, 4);
	memcpy(pa->gateway6, pc->gateway6.bytes, 16);
}

#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE 0x20000000u
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
				      0, 0, 0, 0, 0, 0, 0, 1};

struct nd_msg {
	uint8_t type, code;
	uint16_t cksum;
	uint32_t flags;
	uint8_t target[16];
	/* options follow */
} __attribute__((packed));

static int subnet_of(const struct dp_port_addrs *pa, uint8_t family,
		     const uint8_t *addr);

/* Fills `learn` when `addr` is on one of the side's subnets: only a
 * neighbour on the link can be a next hop, and nothing else is let into
 * the table. update_only: refresh an entry we hold, create none (RFC 826's
 * merge rule for ARP not meant for us, RFC 4861 §7.2.5 for unsolicited
 * advertisements). */
static bool learn_neighbour(const struct dp_port_addrs *pa, uint8_t family,
			    const uint8_t *addr, const uint8_t *mac,
			    bool update_only, struct dp_learn *learn)
{
	if (subnet_of(pa, family, addr) < 0)
		return false;
	if (rte_is_multicast_ether_addr((const struct rte_ether_addr *)mac) ||
	    rte_is_zero_ether_addr((const struct rte_ether_addr *)mac))
		return false;
	learn->side = pa->side;
	learn->family = family;
	learn->update_only = update_only;
	memset(learn->addr, 0, sizeof(learn->addr));
	memcpy(learn->addr, addr, family == AF_INET ? 4 : 16);
	memcpy(&learn->mac, mac, 6);
	return true;
}

/* Which of our addresses `addr` is, or -1. */
static int index4(const struct dp_port_addrs *pa, const void *addr)
{
	uint32_t a;

	memcpy(&a, addr, 4);
	for (unsigned i = 0; i < pa->n4; i++)
		if (pa->ipv4[i] == a)
			return (int)i;
	return -1;
}

static int index6(const struct dp_port_addrs *pa, const void *addr)
{
	for (unsigned i = 0; i < pa->n6; i++)
		if (memcmp(addr, pa->ipv6[i], 16) == 0)
			return (int)i;
	return -1;
}

static bool is_ours4(const struct dp_port_addrs *pa, const void *addr)
{
	return index4(pa, addr) >= 0;
}

static bool is_ours6(const struct dp_port_addrs *pa, const void *addr)
{
	return index6(pa, addr) >= 0;
}

int dp_port_addr_index(const struct dp_port_addrs *pa, const struct dp_addr *a)
{
	if (a->family == AF_INET)
		return index4(pa, a->bytes);
	return a->family == AF_INET6 ? index6(pa, a->bytes) : -1;
}

uint16_t dp_raw_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;

	/* 32-bit words into 64-bit sums: the carries out of each 16-bit
	 * half are kept and folded at the end, which is what one's
	 * complement addition asks; 16 bytes a round in two SSE2 lanes */
	__m128i acc = _mm_setzero_si128(), zero = _mm_setzero_si128();
	while (len >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		acc = _mm_add_epi64(acc, _mm_unpacklo_epi32(v, zero));
		acc = _mm_add_epi64(acc, _mm_unpackhi_epi32(v, zero));
		p += 16;
		len -= 16;
	}
	uint64_t lanes[2];
	_mm_storeu_si128((__m128i *)(void *)lanes, acc);
	/* each lane holds at most 2^32 words' worth: no overflow below 16 GB;
	 * fold each before adding them */
	sum = (lanes[0] & 0xffffffff) + (lanes[0] >> 32) + (lanes[1] & 0xffffffff) +
	      (lanes[1] >> 32);
	while (len >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		sum += a;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		sum += a;
		p += 2;
		len -= 2;
	}
	if (len)
		sum += *p; /* the odd byte, as the first of a zero-padded word */
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The UDP checksum over a pseudo-header sum (rte_ipv*_phdr_cksum) and the
 * datagram: what rte_ipv*_udptcp_cksum compute, 16 bytes a round. */
static uint16_t udp_cksum(uint16_t phdr, const struct rte_udp_hdr *udp, size_t len)
{
	uint32_t sum = (uint32_t)phdr + dp_raw_cksum(udp, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	uint16_t ck = (uint16_t)~sum;
	return ck == 0 ? 0xffff : ck; /* 0 means "none" in UDP */
}

bool dp_udp_checksum_ok(const struct rte_mbuf *m, uint8_t family, uint16_t payload_off)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	const void *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						 sizeof(struct rte_ether_hdr));
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(
		m, const struct rte_udp_hdr *, payload_off - sizeof(struct rte_udp_hdr));
	size_t len = rte_be_to_cpu_16(udp->dgram_len);
	/* a datagram and its checksum sum to 0xffff */
	if (family == AF_INET) {
		/* 0: the sender computed none, which IPv4 allows */
		if (udp->dgram_cksum == 0)
			return true;
		uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(l3, 0) + dp_raw_cksum(udp, len);
		sum = (sum & 0xffff) + (sum >> 16);
		return ((sum & 0xffff) + (sum >> 16)) == 0xffff;
	}
	/* IPv6 requires one (RFC 8200 §8.1) */
	if (udp->dgram_cksum == 0)
		return false;
	uint32_t sum = (uint32_t)rte_ipv6_phdr_cksum(l3, 0) + dp_raw_cksum(udp, len);
	sum = (sum & 0xffff) + (sum >> 16);
	return ((sum & 0xffff) + (sum >> 16)) == 0xffff;
}

bool dp_port_has_addr(const struct dp_port_addrs *pa, const struct dp_addr *a)
{
	if (a->family == AF_INET)
		return is_ours4(pa, a->bytes);
	return a->family == AF_INET6 && is_ours6(pa, a->bytes);
}

/* ff02::1:ffXX:XXXX for any of our addresses */
static bool is_our_solicited_node(const struct dp_port_addrs *pa,
				  const uint8_t *a)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
					   0, 0, 0, 1, 0xff};
	if (memcmp(a, prefix, 13) != 0)
		return false;
	for (unsigned i = 0; i < pa->n6; i++)
		if (memcmp(a + 13, pa->ipv6[i] + 13, 3) == 0)
			return true;
	return false;
}

static void swap_mac_reply(struct rte_ether_hdr *eth,
			   const struct rte_ether_addr *ours)
{
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(ours, &eth->src_addr);
}

static enum dp_class handle_arp(struct rte_mbuf *m, struct rte_ether_hdr *eth,
				const struct dp_port_addrs *pa,
				enum dp_drop *drop, struct dp_learn *learn,
				bool *learnt)
{
	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(struct rte_arp_hdr)) {
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != 6 || arp->arp_plen != 4) {
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	if (!is_ours4(pa, &arp->arp_data.arp_tip)) {
		/* someone else's ARP, a gratuitous one among them, still
		 * refreshes the sender's entry if we hold one */
		*learnt = learn_neighbour(pa, AF_INET,
					  (const uint8_t *)&arp->arp_data.arp_sip,
					  arp->arp_data.arp_sha.addr_bytes, true, learn);
		*drop = DP_DROP_NOT_FOR_US;
		return DP_CLASS_DROP;
	}
	/* whoever asks us, or answers us, is a neighbour */
	*learnt = learn_neighbour(pa, AF_INET, (const uint8_t *)&arp->arp_data.arp_sip,
				  arp->arp_data.arp_sha.addr_bytes, false, learn);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return DP_CLASS_CONSUMED;

	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
	rte_ether_addr_copy(&pa->mac, &arp->arp_data.arp_sha);
	uint32_t tip = arp->arp_data.arp_tip;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sip = tip;
	swap_mac_reply(eth, &pa->mac);
	rte_pktmbuf_data_len(m) = sizeof(*eth) + sizeof(*arp);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
	return DP_CLASS_ANSWERED;
}

static enum dp_class handle_icmp4(struct rte_mbuf *m, struct rte_ether_hdr *eth,
				  struct rte_ipv4_hdr *ip, uint16_t ihl,
				  uint16_t ip_len, const struct dp_port_addrs *pa,
				  enum dp_drop *drop)
{
	if (ip_len < ihl + sizeof(struct rte_icmp_hdr)) {
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		*drop = DP_DROP_NOT_FOR_US;
		return DP_CLASS_DROP;
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, ip_len - ihl);
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	swap_mac_reply(eth, &pa->mac);
	rte_pktmbuf_data_len(m) = (uint16_t)(sizeof(*eth) + ip_len);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
	return DP_CLASS_ANSWERED;
}

static enum dp_class handle_icmp6(struct rte_mbuf *m, struct rte_ether_hdr *eth,
				  struct rte_ipv6_hdr *ip6, uint16_t plen,
				  const struct dp_port_addrs *pa,
				  enum dp_drop *drop, struct dp_learn *learn,
				  bool *learnt)
{
	uint8_t *l4 = (uint8_t *)(ip6 + 1);

	if (plen < 4) {
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	/* ICMPv6 always carries a checksum (RFC 4443 §2.3): a damaged
	 * advertisement must not teach us a MAC address */
	if (rte_ipv6_udptcp_cksum_verify(ip6, l4) != 0) {
		*drop = DP_DROP_BAD_CHECKSUM;
		return DP_CLASS_DROP;
	}
	uint8_t type = l4[0];
	if (type == ICMP6_ECHO_REQUEST && is_ours6(pa, ip6->dst_addr)) {
		l4[0] = ICMP6_ECHO_REPLY;
		uint8_t a[16];
		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
		ip6->hop_limits = 64;
		l4[2] = l4[3] = 0;
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, l4);
		memcpy(l4 + 2, &ck, 2);
		swap_mac_reply(eth, &pa->mac);
		return DP_CLASS_ANSWERED;
	}
	if (type != ND_NEIGHBOR_SOLICIT && type != ND_NEIGHBOR_ADVERT) {
		*drop = DP_DROP_NOT_FOR_US;
		return DP_CLASS_DROP;
	}
	if (plen < sizeof(struct nd_msg) || ip6->hop_limits != 255) {
		/* RFC 4861 §7.1.1: hop limit 255 or it came from off-link */
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	struct nd_msg *nd = (struct nd_msg *)l4;
	if (!is_ours6(pa, nd->target) && type == ND_NEIGHBOR_SOLICIT) {
		*drop = DP_DROP_NOT_FOR_US;
		return DP_CLASS_DROP;
	}
	/* a link-layer address option teaches us the sender (NS) or the
	 * target (NA) */
	uint8_t *opt = l4 + sizeof(*nd);
	uint16_t left = (uint16_t)(plen - sizeof(*nd));
	while (left >= 8 && opt[1] != 0 && (uint16_t)opt[1] * 8 <= left) {
		if (opt[1] == 1 && type == ND_NEIGHBOR_SOLICIT && opt[0] == ND_OPT_SOURCE_LL) {
			/* an NS from the unspecified address (DAD) is not on
			 * a subnet: it teaches nothing */
			*learnt = learn_neighbour(pa, AF_INET6, ip6->src_addr, opt + 2,
						  false, learn);
		} else if (opt[1] == 1 && type == ND_NEIGHBOR_ADVERT &&
			   opt[0] == ND_OPT_TARGET_LL) {
			/* an answer to our solicitation creates the entry; an
			 * unsolicited one with Override refreshes it (a host
			 * that changed its MAC address); one without Override
			 * never replaces what we hold */
			uint32_t flags = rte_be_to_cpu_32(nd->flags);
			bool solicited = flags & ND_NA_FLAG_SOLICITED;
			bool override = flags & ND_NA_FLAG_OVERRIDE;
			if (solicited || override)
				*learnt = learn_neighbour(pa, AF_INET6, nd->target, opt + 2,
							  !solicited, learn);
		}
		left = (uint16_t)(left - opt[1] * 8);
		opt += opt[1] * 8;
	}
	if (type == ND_NEIGHBOR_ADVERT)
		return DP_CLASS_CONSUMED;

	/* answer: an advertisement for the address asked about, from it,
	 * solicited, override, with our link-layer address */
	static const uint8_t unspec[16];
	bool dad = memcmp(ip6->src_addr, unspec, 16) == 0;
	uint16_t nlen = sizeof(*nd) + 8;
	if (rte_pktmbuf_tailroom(m) + rte_pktmbuf_data_len(m) <
	    sizeof(*eth) + sizeof(*ip6) + nlen) {
		*drop = DP_DROP_NO_ROOM;
		return DP_CLASS_DROP;
	}
	memcpy(ip6->dst_addr, dad ? all_nodes : ip6->src_addr, 16);
	memcpy(ip6->src_addr, nd->target, 16);
	ip6->payload_len = rte_cpu_to_be_16(nlen);
	ip6->hop_limits = 255;
	nd->type = ND_NEIGHBOR_ADVERT;
	nd->code = 0;
	nd->flags = rte_cpu_to_be_32(dad ? 0x20000000u : 0x60000000u); /* S, O */
	opt = l4 + sizeof(*nd);
	opt[0] = ND_OPT_TARGET_LL;
	opt[1] = 1;
	memcpy(opt + 2, &pa->mac, 6);
	nd->cksum = 0;
	nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
	if (dad) {
		/* to all nodes: the multicast MAC 33:33:00:00:00:01 */
		static const struct rte_ether_addr mc = {{0x33, 0x33, 0, 0, 0, 1}};
		rte_ether_addr_copy(&mc, &eth->dst_addr);
		rte_ether_addr_copy(&pa->mac, &eth->src_addr);
	} else {
		swap_mac_reply(eth, &pa->mac);
	}
	rte_pktmbuf_data_len(m) = (uint16_t)(sizeof(*eth) + sizeof(*ip6) + nlen);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
	return DP_CLASS_ANSWERED;
}

enum dp_class dp_classify(struct rte_mbuf *m, const struct dp_port_addrs *pa,
			  struct dp_udp_info *u, enum dp_drop *drop,
			  struct dp_learn *learn, bool *learnt)
{
	uint16_t len = rte_pktmbuf_data_len(m);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	*learnt = false;
	if (unlikely(m->nb_segs != 1 || len < sizeof(*eth))) {
		*drop = DP_DROP_MALFORMED;
		return DP_CLASS_DROP;
	}
	bool unicast_to_us = pa->any_mac ||
			     rte_is_same_ether_addr(&eth->dst_addr, &pa->mac);
	bool group = rte_is_multicast_ether_addr(&eth->dst_addr);
	if (unlikely(!unicast_to_us && !group)) {
		*drop = DP_DROP_NOT_FOR_US;
		return DP_CLASS_DROP;
	}
	uint16_t type = eth->ether_type;

	if (likely(type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))) {
		if (unlikely(len < sizeof(*eth) + sizeof(struct rte_ipv4_hdr)))
			goto malformed;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint16_t ihl = (uint16_t)((ip->version_ihl & 0x0f) * 4);
		uint16_t ip_len = rte_be_to_cpu_16(ip->total_length);
		if (unlikely((ip->version_ihl >> 4) != 4 || ihl < 20 ||
			     ip_len < ihl || sizeof(*eth) + ip_len > len))
			goto malformed;
		/* af_packet and pcap ports verify nothing: a header that
		 * does not sum to 0xffff is damaged */
		if (unlikely(rte_raw_cksum(ip, ihl) != 0xffff))
			goto malformed;
		int idx = index4(pa, &ip->dst_addr);
		if (unlikely(idx < 0)) {
			*drop = DP_DROP_NOT_FOR_US;
			return DP_CLASS_DROP;
		}
		if (unlikely(ip->fragment_offset &
			     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
			*drop = DP_DROP_FRAGMENT;
			return DP_CLASS_DROP;
		}
		if (ip->next_proto_id == IPPROTO_ICMP)
			return handle_icmp4(m, eth, ip, ihl, ip_len, pa, drop);
		if (unlikely(ip->next_proto_id != IPPROTO_UDP || !unicast_to_us)) {
			*drop = DP_DROP_NOT_FOR_US;
			return DP_CLASS_DROP;
		}
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
		uint16_t ulen = rte_be_to_cpu_16(udp->dgram_len);
		if (unlikely(ip_len < ihl + sizeof(*udp) || ulen < sizeof(*udp) ||
			     ulen > ip_len - ihl))
			goto malformed;
		u->family = AF_INET;
		u->addr_idx = (uint8_t)idx;
		u->l3_off = sizeof(*eth);
		u->payload_off = (uint16_t)(sizeof(*eth) + ihl + sizeof(*udp));
		u->payload_len = (uint16_t)(ulen - sizeof(*udp));
		u->src_addr = (const uint8_t *)&ip->src_addr;
		u->dst_addr = (const uint8_t *)&ip->dst_addr;
		u->sport_be = udp->src_port;
		u->dport_be = udp->dst_port;
		return DP_CLASS_UDP;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		if (unlikely(len < sizeof(*eth) + sizeof(struct rte_ipv6_hdr)))
			goto malformed;
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		uint16_t plen = rte_be_to_cpu_16(ip6->payload_len);
		if (unlikely((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 ||
			     sizeof(*eth) + sizeof(*ip6) + plen > len))
			goto malformed;
		if (ip6->proto == IPPROTO_ICMPV6) {
			/* all-nodes: where unsolicited advertisements go */
			if (!is_ours6(pa, ip6->dst_addr) &&
			    !is_our_solicited_node(pa, ip6->dst_addr) &&
			    memcmp(ip6->dst_addr, all_nodes, 16) != 0) {
				*drop = DP_DROP_NOT_FOR_US;
				return DP_CLASS_DROP;
			}
			return handle_icmp6(m, eth, ip6, plen, pa, drop, learn, learnt);
		}
		int idx = index6(pa, ip6->dst_addr);
		if (unlikely(idx < 0 || !unicast_to_us)) {
			*drop = DP_DROP_NOT_FOR_US;
			return DP_CLASS_DROP;
		}
		if (unlikely(ip6->proto == IPPROTO_FRAGMENT)) {
			*drop = DP_DROP_FRAGMENT;
			return DP_CLASS_DROP;
		}
		if (unlikely(ip6->proto != IPPROTO_UDP)) {
			/* extension headers are not walked: media never needs them */
			*drop = DP_DROP_NOT_FOR_US;
			return DP_CLASS_DROP;
		}
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
		uint16_t ulen = rte_be_to_cpu_16(udp->dgram_len);
		if (unlikely(plen < sizeof(*udp) || ulen < sizeof(*udp) || ulen > plen))
			goto malformed;
		u->family = AF_INET6;
		u->addr_idx = (uint8_t)idx;
		u->l3_off = sizeof(*eth);
		u->payload_off = (uint16_t)(sizeof(*eth) + sizeof(*ip6) + sizeof(*udp));
		u->payload_len = (uint16_t)(ulen - sizeof(*udp));
		u->src_addr = ip6->src_addr;
		u->dst_addr = ip6->dst_addr;
		u->sport_be = udp->src_port;
		u->dport_be = udp->dst_port;
		return DP_CLASS_UDP;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return handle_arp(m, eth, pa, drop, learn, learnt);
	*drop = DP_DROP_NOT_FOR_US;
	return DP_CLASS_DROP;
malformed:
	*drop = DP_DROP_MALFORMED;
	return DP_CLASS_DROP;
}

/* ---- neighbours ----------------------------------------------------- */

int dp_neigh_init(struct dp_neigh_table *t, uint32_t size)
{
	uint32_t s = 64;
	while (s < size)
		s <<= 1;
	t->size = s;
	t->e = rte_zmalloc("neighbors", s * sizeof(*t->e), 64);
	return t->e ? 0 : -1;
}

void dp_neigh_free(struct dp_neigh_table *t)
{
	rte_free(t->e);
	t->e = NULL;
}

static uint32_t neigh_hash(uint8_t side, uint8_t family, const uint8_t *addr)
{
	uint32_t h = 2166136261u ^ side ^ ((uint32_t)family << 8);
	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		h = (h ^ addr[i]) * 16777619u;
	return h;
}

static bool neigh_match(const struct dp_neigh_entry *e, uint8_t side,
			uint8_t family, const uint8_t *addr)
{
	return e->used && e->side == side && e->family == family &&
	       memcmp(e->addr, addr, family == AF_INET ? 4 : 16) == 0;
}

void dp_neigh_set(struct dp_neigh_table *t, uint8_t side, uint8_t family,
		  const uint8_t *addr, const struct rte_ether_addr *mac,
		  bool is_static)
{
	uint32_t mask = t->size - 1, h = neigh_hash(side, family, addr);
	struct dp_neigh_entry *slot = NULL, *oldest = NULL;

	/* open addressing over 8 probes; a full run replaces the oldest
	 * learnt entry (static ones stay) */
	for (uint32_t i = 0; i < 8; i++) {
		struct dp_neigh_entry *e = &t->e[(h + i) & mask];
		if (neigh_match(e, side, family, addr)) {
			slot = e;
			break;
		}
		if (!e->used && slot == NULL)
			slot = e;
		if (e->used && !e->is_static &&
		    (oldest == NULL || e->updated_tsc < oldest->updated_tsc))
			oldest = e;
	}
	if (slot == NULL)
		slot = oldest;
	if (slot == NULL || (slot->used && slot->is_static && !is_static &&
			     !neigh_match(slot, side, family, addr)))
		return;
	if (slot->used && slot->is_static && !is_static)
		return; /* configured neighbours are not overridden */
	/* readers retry while seq is odd or changed */
	__atomic_store_n(&slot->seq, slot->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->used = 1;
	slot->side = side;
	slot->family = family;
	slot->is_static = is_static;
	memset(slot->addr, 0, sizeof(slot->addr));
	memcpy(slot->addr, addr, family == AF_INET ? 4 : 16);
	rte_ether_addr_copy(mac, &slot->mac);
	slot->updated_tsc = rte_get_tsc_cycles();
	__atomic_store_n(&slot->seq, slot->seq + 1, __ATOMIC_RELEASE);
}

void dp_neigh_learn(struct dp_neigh_table *t, const struct dp_learn *l)
{
	if (l->update_only) {
		struct rte_ether_addr held;
		/* refresh only what is held; a change of address is what an
		 * unsolicited announcement is for */
		if (!dp_neigh_get(t, l->side, l->family, l->addr, &held) ||
		    rte_is_same_ether_addr(&held, &l->mac))
			return;
	}
	dp_neigh_set(t, l->side, l->family, l->addr, &l->mac, false);
}

bool dp_neigh_get(const struct dp_neigh_table *t, uint8_t side, uint8_t family,
		  const uint8_t *addr, struct rte_ether_addr *mac)
{
	uint32_t mask = t->size - 1, h = neigh_hash(side, family, addr);

	for (uint32_t i = 0; i < 8; i++) {
		const struct dp_neigh_entry *e = &t->e[(h + i) & mask];
		for (;;) {
			uint32_t s0 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			if (s0 & 1)
				continue;
			bool hit = neigh_match(e, side, family, addr);
			struct rte_ether_addr m = e->mac;
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s0)
				continue;
			if (hit) {
				*mac = m;
				return true;
			}
			break;
		}
	}
	return false;
}

static bool in_subnet(const uint8_t *a, const uint8_t *net, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

/* The index of the address whose subnet holds `addr`, the longest prefix
 * when several do (the subnet the neighbour shares with us); -1 when
 * none does. */
static int subnet_of(const struct dp_port_addrs *pa, uint8_t family,
		     const uint8_t *addr)
{
	int best = -1;

	if (family == AF_INET) {
		for (unsigned i = 0; i < pa->n4; i++)
			if (in_subnet(addr, (const uint8_t *)&pa->ipv4[i], pa->plen4[i]) &&
			    (best < 0 || pa->plen4[i] > pa->plen4[best]))
				best = (int)i;
	} else {
		for (unsigned i = 0; i < pa->n6; i++)
			if (in_subnet(addr, pa->ipv6[i], pa->plen6[i]) &&
			    (best < 0 || pa->plen6[i] > pa->plen6[best]))
				best = (int)i;
	}
	return best;
}

bool dp_next_hop(const struct dp_port_addrs *pa, uint8_t family,
		 const uint8_t *addr, uint8_t *hop)
{
	if (family == AF_INET) {
		if (pa->n4 == 0)
			return false;
		if (subnet_of(pa, family, addr) >= 0) {
			memcpy(hop, addr, 4);
			return true;
		}
		if (!pa->has_gateway4)
			return false;
		memcpy(hop, pa->gateway4, 4);
		return true;
	}
	if (pa->n6 == 0)
		return false;
	if (subnet_of(pa, family, addr) >= 0) {
		memcpy(hop, addr, 16);
		return true;
	}
	if (!pa->has_gateway6)
		return false;
	memcpy(hop, pa->gateway6, 16);
	return true;
}

void dp_build_solicit(struct rte_mbuf *m, const struct dp_port_addrs *pa,
		      uint8_t family, const uint8_t *target)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	int from = subnet_of(pa, family, target);

	if (from < 0)
		from = 0;
	rte_ether_addr_copy(&pa->mac, &eth->src_addr);
	if (family == AF_INET) {
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = 6;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		rte_ether_addr_copy(&pa->mac, &arp->arp_data.arp_sha);
		memcpy(&arp->arp_data.arp_sip, &pa->ipv4[from], 4);
		memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
		memcpy(&arp->arp_data.arp_tip, target, 4);
		rte_pktmbuf_data_len(m) = sizeof(*eth) + sizeof(*arp);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		struct nd_msg *nd = (struct nd_msg *)(ip6 + 1);
		uint8_t *opt = (uint8_t *)(nd + 1);
		uint16_t nlen = sizeof(*nd) + 8;
		/* to the target's solicited-node multicast group */
		static const uint8_t sn[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
					       0, 0, 0, 1, 0xff};
		uint8_t dst[16];
		memcpy(dst, sn, 13);
		memcpy(dst + 13, target + 13, 3);
		struct rte_ether_addr mc = {{0x33, 0x33, 0xff, target[13],
					     target[14], target[15]}};
		rte_ether_addr_copy(&mc, &eth->dst_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(nlen);
		ip6->proto = IPPROTO_ICMPV6;
		ip6->hop_limits = 255;
		memcpy(ip6->src_addr, pa->ipv6[from], 16);
		memcpy(ip6->dst_addr, dst, 16);
		nd->type = ND_NEIGHBOR_SOLICIT;
		nd->code = 0;
		nd->flags = 0;
		memcpy(nd->target, target, 16);
		opt[0] = ND_OPT_SOURCE_LL;
		opt[1] = 1;
		memcpy(opt + 2, &pa->mac, 6);
		nd->cksum = 0;
		nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
		rte_pktmbuf_data_len(m) = (uint16_t)(sizeof(*eth) + sizeof(*ip6) + nlen);
	}
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
}

/* ---- rewrite ---------------------------------------------------------- */

bool dp_rewrite(struct rte_mbuf *m, uint16_t payload_off, uint16_t payload_len,
		const struct dp_endpoint *from, const struct dp_endpoint *to,
		const struct rte_ether_addr *src_mac,
		const struct rte_ether_addr *dst_mac, uint8_t ttl,
		bool csum_offload)
{
	bool v4 = to->addr.family == AF_INET;
	uint16_t hdr = (uint16_t)(sizeof(struct rte_ether_hdr) +
				  (v4 ? sizeof(struct rte_ipv4_hdr)
				      : sizeof(struct rte_ipv6_hdr)) +
				  sizeof(struct rte_udp_hdr));

	/* the payload stays where it is; new headers go right before it */
	if (payload_off < hdr) {
		if (rte_pktmbuf_headroom(m) < hdr - payload_off)
			return false;
		rte_pktmbuf_prepend(m, (uint16_t)(hdr - payload_off));
	} else if (payload_off > hdr) {
		rte_pktmbuf_adj(m, (uint16_t)(payload_off - hdr));
	}
	rte_pktmbuf_data_len(m) = (uint16_t)(hdr + payload_len);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);

	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	struct rte_udp_hdr *udp;
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM |
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0xb8; /* EF: media */
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) +
							       sizeof(*udp) + payload_len));
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = ttl;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, from->addr.bytes, 4);
		memcpy(&ip->dst_addr, to->addr.bytes, 4);
		ip->hdr_checksum = 0;
		udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(from->port);
		udp->dst_port = rte_cpu_to_be_16(to->port);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + payload_len));
		udp->dgram_cksum = 0;
		if (csum_offload) {
			m->l2_len = sizeof(*eth);
			m->l3_len = sizeof(*ip);
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp->dgram_cksum = udp_cksum(rte_ipv4_phdr_cksum(ip, 0), udp,
						     sizeof(*udp) + payload_len);
		}
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) | (0xb8u << 20));
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + payload_len));
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = ttl;
		memcpy(ip6->src_addr, from->addr.bytes, 16);
		memcpy(ip6->dst_addr, to->addr.bytes, 16);
		udp = (struct rte_udp_hdr *)(ip6 + 1);
		udp->src_port = rte_cpu_to_be_16(from->port);
		udp->dst_port = rte_cpu_to_be_16(to->port);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + payload_len));
		udp->dgram_cksum = 0;
		if (csum_offload) {
			m->l2_len = sizeof(*eth);
			m->l3_len = sizeof(*ip6);
			m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
		} else {
			/* UDP over IPv6 needs a checksum (RFC 8200 §8.1) */
			udp->dgram_cksum = udp_cksum(rte_ipv6_phdr_cksum(ip6, 0), udp,
						     sizeof(*udp) + payload_len);
		}
	}
	return true;
}
