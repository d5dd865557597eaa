/*
 * dataplane/net.c for a port with several addresses of each family, from
 * the configuration file to the packets, without EAL: ARP, echo and
 * neighbour solicitations are answered for every address, from the address
 * asked about; UDP to any of them is ours; next hops are on-link on any
 * address's subnet; solicitations go out from the address that shares the
 * next hop's subnet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "config.h"
#include "net.h"
#include "test_common.h"

/* 10.0.0.1/8 comes before 10.1.0.1/16 so that taking the first subnet
 * that holds a target, not the most specific, shows. The IPv6 addresses
 * differ in their last 24 bits: each has its own solicited-node group. */
static const char port_ini[] =
	"[outside]\n"
	"port = ring\n"
	"ipv4 = 192.0.2.1/24\n"
	"ipv6 = 2001:db8::1/64\n"
	"ipv4 = 198.51.100.1/25\n"
	"ipv4 = 10.0.0.1/8\n"
	"ipv4 = 10.1.0.1/16\n"
	"ipv6 = 2001:db8:5::5/48\n"
	"gateway4 = 192.0.2.254\n"
	"[inside]\n"
	"port = ring\n"
	"ipv4 = 172.16.0.1/24\n";

static const char *const outside_v4[] = {
	"192.0.2.1", "198.51.100.1", "10.0.0.1", "10.1.0.1",
};
static const char *const outside_v6[] = {"2001:db8::1", "2001:db8:5::5"};

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x77}};

static struct dp_port_addrs pa;

/* ---- checks that say what they saw ---- */


static void addr_of(const char *text, uint8_t *out)
{
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	CU_ASSERT_FATAL(inet_pton(family, text, out) == 1);
}

static bool bytes_are(const void *got, const char *text)
{
	uint8_t want[16];
	char shown[INET6_ADDRSTRLEN];
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	size_t len = family == AF_INET ? 4 : 16;

	addr_of(text, want);
	if (memcmp(got, want, len) == 0)
		return true;
	inet_ntop(family, got, shown, sizeof(shown));
	fprintf(stderr, "    %s, want %s\n", shown, text);
	return false;
}

#define CHECK_ADDR(got, text) CHECK(bytes_are((got), (text)), "%s is not %s", #got, (text))
#define CHECK_MAC(got, want) \
	CHECK(rte_is_same_ether_addr((got), (want)), "%s is not %s", #got, #want)

/* ---- frames ---- */

/* dp_classify and dp_build_solicit touch only an mbuf's data pointer and
 * lengths, so one laid over a plain buffer stands in for a mempool's. */
#define HEADROOM 128
static struct rte_mbuf mbuf;
static uint8_t room[HEADROOM + 512];

static uint8_t *frame_reset(uint16_t len)
{
	memset(&mbuf, 0, sizeof(mbuf));
	memset(room, 0, sizeof(room));
	mbuf.buf_addr = room;
	mbuf.buf_len = sizeof(room);
	mbuf.data_off = HEADROOM;
	mbuf.data_len = len;
	mbuf.pkt_len = len;
	mbuf.nb_segs = 1;
	return room + HEADROOM;
}

static struct rte_ether_hdr *eth_of(void)
{
	return rte_pktmbuf_mtod(&mbuf, struct rte_ether_hdr *);
}

static void eth_fill(const struct rte_ether_addr *dst, uint16_t type)
{
	struct rte_ether_hdr *eth = eth_of();
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(type);
}

static struct rte_arp_hdr *arp_frame(uint16_t op, const char *sip, const char *tip)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

	frame_reset(sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
	eth_fill(op == RTE_ARP_OP_REQUEST ? &bcast : &our_mac, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth_of() + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&peer_mac, &arp->arp_data.arp_sha);
	addr_of(sip, (uint8_t *)&arp->arp_data.arp_sip);
	addr_of(tip, (uint8_t *)&arp->arp_data.arp_tip);
	return arp;
}

/* IPv4 with `l4_len` bytes of `proto` after the header, to `dst`. */
static struct rte_ipv4_hdr *ip4_frame(uint8_t proto, const char *src, const char *dst,
				      uint16_t l4_len)
{
	frame_reset((uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
			       l4_len));
	eth_fill(&our_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth_of() + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	addr_of(src, (uint8_t *)&ip->src_addr);
	addr_of(dst, (uint8_t *)&ip->dst_addr);
	return ip;
}

static void ip4_seal(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static struct rte_ipv6_hdr *ip6_frame(uint8_t proto, const char *src, const char *dst,
				      uint16_t l4_len, uint8_t hops)
{
	uint8_t d[16];

	frame_reset((uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) +
			       l4_len));
	addr_of(dst, d);
	if (d[0] == 0xff) {
		struct rte_ether_addr mc = {{0x33, 0x33, d[12], d[13], d[14], d[15]}};
		eth_fill(&mc, RTE_ETHER_TYPE_IPV6);
	} else {
		eth_fill(&our_mac, RTE_ETHER_TYPE_IPV6);
	}
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth_of() + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(l4_len);
	ip6->proto = proto;
	ip6->hop_limits = hops;
	addr_of(src, ip6->src_addr);
	memcpy(ip6->dst_addr, d, 16);
	return ip6;
}

/* A neighbour solicitation for `target`, sent to `dst`, with our peer's
 * link-layer address. */
static void ns_frame(const char *src, const char *dst, const char *target)
{
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_ICMPV6, src, dst, 32, 255);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	l4[0] = 135;
	addr_of(target, l4 + 8);
	l4[24] = 1; /* source link-layer address */
	l4[25] = 1;
	memcpy(l4 + 26, &peer_mac, 6);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip6, l4);
	memcpy(l4 + 2, &ck, 2);
}

struct verdict {
	enum dp_class cls;
	enum dp_drop drop;
	struct dp_udp_info u;
	struct dp_learn learn;
	bool learnt;
};

static struct verdict classify(void)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.drop = DP_DROP_COUNT;
	v.cls = dp_classify(&mbuf, &pa, &v.u, &v.drop, &v.learn, &v.learnt);
	return v;
}

#define CHECK_NOT_FOR_US(v, what) \
	CHECK((v).cls == DP_CLASS_DROP && (v).drop == DP_DROP_NOT_FOR_US, \
	      "%s: class %d, drop %d, want dropped as not_for_us", (what), (v).cls, (v).drop)

/* ---- the tests ---- */

static void test_port_addrs(void)
{
	CHECK_U(pa.n4, 4);
	CHECK_U(pa.n6, 2);
	for (unsigned i = 0; i < 4; i++)
		CHECK_ADDR(&pa.ipv4[i], outside_v4[i]);
	CHECK_U(pa.plen4[0], 24);
	CHECK_U(pa.plen4[1], 25);
	CHECK_U(pa.plen4[2], 8);
	CHECK_U(pa.plen4[3], 16);
	CHECK_ADDR(pa.ipv6[0], "2001:db8::1");
	CHECK_ADDR(pa.ipv6[1], "2001:db8:5::5");
	CHECK_U(pa.plen6[1], 48);
	CHECK_U(pa.side, DP_OUTSIDE);
	CHECK_U(pa.port_id, 3);
}

static void test_arp_every_address(void)
{
	for (unsigned i = 0; i < 4; i++) {
		const char *ours = outside_v4[i];
		struct rte_arp_hdr *arp = arp_frame(RTE_ARP_OP_REQUEST, "10.200.0.9", ours);
		struct verdict v = classify();
		CHECK(v.cls == DP_CLASS_ANSWERED, "ARP for %s: class %d, drop %d", ours,
		      v.cls, v.drop);
		struct rte_ether_hdr *eth = eth_of();
		CHECK_MAC(&eth->dst_addr, &peer_mac);
		CHECK_MAC(&eth->src_addr, &our_mac);
		CHECK_U(rte_be_to_cpu_16(arp->arp_opcode), RTE_ARP_OP_REPLY);
		CHECK_MAC(&arp->arp_data.arp_sha, &our_mac);
		CHECK_ADDR(&arp->arp_data.arp_sip, ours);
		CHECK_MAC(&arp->arp_data.arp_tha, &peer_mac);
		CHECK_ADDR(&arp->arp_data.arp_tip, "10.200.0.9");
		CHECK_U(rte_pktmbuf_data_len(&mbuf),
			sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
		CHECK(v.learnt, "ARP for %s: the asker not learnt", ours);
		CHECK_U(v.learn.family, AF_INET);
		CHECK_U(v.learn.side, DP_OUTSIDE);
		CHECK_U(v.learn.update_only, 0);
		CHECK_ADDR(v.learn.addr, "10.200.0.9");
		CHECK_MAC(&v.learn.mac, &peer_mac);
	}

	/* an asker on none of our subnets is answered, but cannot be a next
	 * hop: it is not learnt */
	arp_frame(RTE_ARP_OP_REQUEST, "203.0.113.9", "192.0.2.1");
	struct verdict off = classify();
	CHECK(off.cls == DP_CLASS_ANSWERED && !off.learnt,
	      "ARP from off-link: class %d, learnt %d", off.cls, off.learnt);

	/* a reply to a later address teaches its sender, and is not answered */
	arp_frame(RTE_ARP_OP_REPLY, "10.1.0.254", "10.1.0.1");
	struct verdict v = classify();
	CHECK(v.cls == DP_CLASS_CONSUMED && v.learnt, "ARP reply: class %d, learnt %d",
	      v.cls, v.learnt);
	CHECK_ADDR(v.learn.addr, "10.1.0.254");

	/* next to ours, and the other side's */
	static const char *const others[] = {"192.0.2.2", "198.51.100.2", "10.1.0.2",
					     "172.16.0.1"};
	for (unsigned i = 0; i < 4; i++) {
		arp_frame(RTE_ARP_OP_REQUEST, "203.0.113.9", others[i]);
		v = classify();
		CHECK_NOT_FOR_US(v, others[i]);
		CHECK(!v.learnt, "ARP for %s taught a neighbour", others[i]);
	}
	/* one on our subnet, for someone else: may refresh what we hold */
	arp_frame(RTE_ARP_OP_REQUEST, "192.0.2.9", "192.0.2.2");
	v = classify();
	CHECK_NOT_FOR_US(v, "ARP for 192.0.2.2");
	CHECK(v.learnt && v.learn.update_only, "ARP for 192.0.2.2: learnt %d, update_only %d",
	      v.learnt, v.learn.update_only);
}

static void test_echo4_every_address(void)
{
	for (unsigned i = 0; i < 4; i++) {
		const char *ours = outside_v4[i];
		struct rte_ipv4_hdr *ip = ip4_frame(IPPROTO_ICMP, "203.0.113.9", ours, 16);
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
		icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		icmp->icmp_ident = rte_cpu_to_be_16(0x1234);
		icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)i);
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
		ip4_seal(ip);
		struct verdict v = classify();
		CHECK(v.cls == DP_CLASS_ANSWERED, "echo to %s: class %d, drop %d", ours,
		      v.cls, v.drop);
		CHECK_ADDR(&ip->src_addr, ours);
		CHECK_ADDR(&ip->dst_addr, "203.0.113.9");
		CHECK_U(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
		CHECK_U(rte_be_to_cpu_16(icmp->icmp_seq_nb), i);
		CHECK_U(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
		CHECK_U(rte_raw_cksum(icmp, 16), 0xffff);
		CHECK_MAC(&eth_of()->dst_addr, &peer_mac);
	}
	struct rte_ipv4_hdr *ip = ip4_frame(IPPROTO_ICMP, "203.0.113.9", "198.51.100.2", 16);
	((struct rte_icmp_hdr *)(ip + 1))->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ip4_seal(ip);
	struct verdict v = classify();
	CHECK_NOT_FOR_US(v, "echo to 198.51.100.2");
}

static void test_udp_every_address(void)
{
	for (unsigned i = 0; i < 4; i++) {
		struct rte_ipv4_hdr *ip = ip4_frame(IPPROTO_UDP, "203.0.113.9",
						    outside_v4[i], 8 + 12);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		udp->src_port = rte_cpu_to_be_16(5004);
		udp->dst_port = rte_cpu_to_be_16(40000);
		udp->dgram_len = rte_cpu_to_be_16(8 + 12);
		ip4_seal(ip);
		struct verdict v = classify();
		CHECK(v.cls == DP_CLASS_UDP, "UDP to %s: class %d, drop %d", outside_v4[i],
		      v.cls, v.drop);
		CHECK_U(v.u.family, AF_INET);
		CHECK_ADDR(v.u.dst_addr, outside_v4[i]);
		CHECK_U(v.u.payload_len, 12);
	}
	for (unsigned i = 0; i < 2; i++) {
		struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_UDP, "2001:db8::99",
						     outside_v6[i], 8 + 12, 64);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
		udp->dgram_len = rte_cpu_to_be_16(8 + 12);
		struct verdict v = classify();
		CHECK(v.cls == DP_CLASS_UDP, "UDP to %s: class %d, drop %d", outside_v6[i],
		      v.cls, v.drop);
		CHECK_U(v.u.family, AF_INET6);
		CHECK_ADDR(v.u.dst_addr, outside_v6[i]);
	}

	struct rte_ipv4_hdr *ip = ip4_frame(IPPROTO_UDP, "203.0.113.9", "10.1.0.2", 20);
	((struct rte_udp_hdr *)(ip + 1))->dgram_len = rte_cpu_to_be_16(20);
	ip4_seal(ip);
	struct verdict v = classify();
	CHECK_NOT_FOR_US(v, "UDP to 10.1.0.2");
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_UDP, "2001:db8::99", "2001:db8:5::6", 20, 64);
	((struct rte_udp_hdr *)(ip6 + 1))->dgram_len = rte_cpu_to_be_16(20);
	v = classify();
	CHECK_NOT_FOR_US(v, "UDP to 2001:db8:5::6");
}

static void test_ns_every_address(void)
{
	static const char *const groups[] = {"ff02::1:ff00:1", "ff02::1:ff00:5"};

	for (unsigned i = 0; i < 2; i++) {
		/* to the solicited-node group, then to the address itself */
		for (int unicast = 0; unicast < 2; unicast++) {
			const char *asker = i ? "2001:db8:5::77" : "2001:db8::77";
			ns_frame(asker, unicast ? outside_v6[i] : groups[i], outside_v6[i]);
			struct verdict v = classify();
			CHECK(v.cls == DP_CLASS_ANSWERED, "NS for %s to %s: class %d, drop %d",
			      outside_v6[i], unicast ? "it" : groups[i], v.cls, v.drop);
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth_of() + 1);
			uint8_t *l4 = (uint8_t *)(ip6 + 1);
			CHECK_ADDR(ip6->src_addr, outside_v6[i]);
			CHECK_ADDR(ip6->dst_addr, asker);
			CHECK_U(ip6->hop_limits, 255);
			CHECK_U(l4[0], 136);
			CHECK_U(l4[4], 0x60); /* solicited, override */
			CHECK_ADDR(l4 + 8, outside_v6[i]);
			CHECK(l4[24] == 2 && l4[25] == 1, "no target link-layer option");
			CHECK_MAC((const struct rte_ether_addr *)(l4 + 26), &our_mac);
			CHECK_U(rte_ipv6_udptcp_cksum_verify(ip6, l4), 0);
			CHECK_MAC(&eth_of()->dst_addr, &peer_mac);
			CHECK_MAC(&eth_of()->src_addr, &our_mac);
			CHECK(v.learnt, "NS for %s: the asker not learnt", outside_v6[i]);
			CHECK_ADDR(v.learn.addr, asker);
			CHECK_MAC(&v.learn.mac, &peer_mac);
			CHECK_U(v.learn.update_only, 0);
		}
	}

	/* from a link-local address: answered, not a next hop to learn */
	ns_frame("fe80::77", "ff02::1:ff00:1", "2001:db8::1");
	struct verdict ll = classify();
	CHECK(ll.cls == DP_CLASS_ANSWERED && !ll.learnt, "NS from fe80::77: class %d, learnt %d",
	      ll.cls, ll.learnt);

	/* a group none of our addresses is in; ours, for a target not ours */
	ns_frame("fe80::77", "ff02::1:ff00:6", "2001:db8:5::6");
	struct verdict v = classify();
	CHECK_NOT_FOR_US(v, "NS to ff02::1:ff00:6");
	ns_frame("fe80::77", "ff02::1:ff00:5", "2001:db8:7::5");
	v = classify();
	CHECK_NOT_FOR_US(v, "NS for 2001:db8:7::5");
}

/* An echo request to `to`, its checksum right, then `flip` xored into its
 * identifier (0: none). */
static uint8_t *echo6_frame(const char *to, uint8_t id, uint8_t flip)
{
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_ICMPV6, "2001:db8::99", to, 16, 64);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	l4[0] = 128;
	l4[7] = id;
	uint16_t ck = rte_ipv6_udptcp_cksum(ip6, l4);
	memcpy(l4 + 2, &ck, 2);
	l4[5] ^= flip;
	return l4;
}

static void test_echo6_every_address(void)
{
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *l4 = echo6_frame(outside_v6[i], (uint8_t)i, 0);
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth_of() + 1);
		struct verdict v = classify();
		CHECK(v.cls == DP_CLASS_ANSWERED, "echo to %s: class %d, drop %d",
		      outside_v6[i], v.cls, v.drop);
		CHECK_ADDR(ip6->src_addr, outside_v6[i]);
		CHECK_ADDR(ip6->dst_addr, "2001:db8::99");
		CHECK_U(l4[0], 129);
		CHECK_U(l4[7], i);
		CHECK_U(rte_ipv6_udptcp_cksum_verify(ip6, l4), 0);
		/* one bit off: not answered, counted */
		echo6_frame(outside_v6[i], (uint8_t)i, 0x10);
		v = classify();
		CHECK(v.cls == DP_CLASS_DROP && v.drop == DP_DROP_BAD_CHECKSUM,
		      "damaged echo to %s: class %d, drop %d", outside_v6[i], v.cls, v.drop);
	}
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_ICMPV6, "2001:db8::99", "2001:db8:5::6",
					     16, 64);
	((uint8_t *)(ip6 + 1))[0] = 128;
	struct verdict v = classify();
	CHECK_NOT_FOR_US(v, "echo to 2001:db8:5::6");
}

static void check_hop(const char *to, const char *want)
{
	uint8_t a[16], hop[16];
	bool v6 = strchr(to, ':') != NULL;

	addr_of(to, a);
	memset(hop, 0, sizeof(hop));
	bool ok = dp_next_hop(&pa, v6 ? AF_INET6 : AF_INET, a, hop);
	if (want == NULL) {
		CHECK(!ok, "a next hop toward %s", to);
		return;
	}
	CHECK(ok, "no next hop toward %s", to);
	CHECK(bytes_are(hop, want), "next hop toward %s is not %s", to, want);
}

static void test_next_hop(void)
{
	check_hop("192.0.2.77", "192.0.2.77");
	check_hop("198.51.100.77", "198.51.100.77");
	check_hop("198.51.100.200", "192.0.2.254"); /* past the /25 */
	check_hop("10.200.0.1", "10.200.0.1");
	check_hop("10.1.9.9", "10.1.9.9");
	check_hop("203.0.113.9", "192.0.2.254");
	check_hop("2001:db8::99", "2001:db8::99");
	check_hop("2001:db8:5:ffff::1", "2001:db8:5:ffff::1");
	check_hop("2001:db8:6::1", NULL); /* off-link and no gateway6 */
}

/* The source an ARP request or NS for `target` goes out from. */
static void check_solicit_from(const char *target, const char *want)
{
	uint8_t t[16];
	bool v6 = strchr(target, ':') != NULL;

	addr_of(target, t);
	frame_reset(0);
	dp_build_solicit(&mbuf, &pa, v6 ? AF_INET6 : AF_INET, t);
	struct rte_ether_hdr *eth = eth_of();
	CHECK_MAC(&eth->src_addr, &our_mac);
	if (!v6) {
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
		CHECK_U(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
		CHECK_U(rte_be_to_cpu_16(arp->arp_opcode), RTE_ARP_OP_REQUEST);
		CHECK(bytes_are(&arp->arp_data.arp_sip, want), "ARP for %s not from %s",
		      target, want);
		CHECK(bytes_are(&arp->arp_data.arp_tip, target), "ARP not for %s", target);
		return;
	}
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	CHECK_U(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
	CHECK_U(l4[0], 135);
	CHECK(bytes_are(ip6->src_addr, want), "NS for %s not from %s", target, want);
	CHECK(bytes_are(l4 + 8, target), "NS not for %s", target);
	CHECK_U(rte_ipv6_udptcp_cksum_verify(ip6, l4), 0);
}

static void test_solicit_source(void)
{
	check_solicit_from("192.0.2.254", "192.0.2.1");
	check_solicit_from("198.51.100.9", "198.51.100.1");
	check_solicit_from("10.200.0.9", "10.0.0.1");
	check_solicit_from("10.1.0.9", "10.1.0.1"); /* /16 over the /8 before it */
	check_solicit_from("203.0.113.9", "192.0.2.1"); /* on no subnet: the primary */
	check_solicit_from("2001:db8::fe", "2001:db8::1");
	check_solicit_from("2001:db8:5:1::fe", "2001:db8:5::5");
	check_solicit_from("2001:db8:9::fe", "2001:db8::1");
}

/* An advertisement for `target` to `dst` with `flags` (RFC 4861 §4.4) and
 * a target link-layer option carrying `mac`. */
static void na_frame(const char *src, const char *dst, const char *target, uint8_t flags,
		     const struct rte_ether_addr *mac)
{
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_ICMPV6, src, dst, 32, 255);
	uint8_t *l4 = (uint8_t *)(ip6 + 1);
	l4[0] = 136;
	l4[4] = flags;
	addr_of(target, l4 + 8);
	l4[24] = 2; /* target link-layer address */
	l4[25] = 1;
	memcpy(l4 + 26, mac, 6);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip6, l4);
	memcpy(l4 + 2, &ck, 2);
}

#define NA_SOLICITED 0x40
#define NA_OVERRIDE 0x20

/* Hosts announce a new MAC address by gratuitous ARP and unsolicited NA:
 * an entry we hold follows; none is made from them; a table entry is never
 * made for an address off our subnets. */
static void test_announcements(void)
{
	static const struct rte_ether_addr new_mac = {{0x02, 0, 0, 0, 0, 0x88}};
	struct dp_neigh_table t = {.size = 64};
	struct rte_ether_addr got;
	uint8_t a4[16] = {0}, a6[16];
	struct verdict v;

	t.e = calloc(t.size, sizeof(*t.e));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.e);
	addr_of("192.0.2.9", a4);
	addr_of("2001:db8::9", a6);

	/* gratuitous ARP (sender = target, broadcast): nothing held yet */
	arp_frame(RTE_ARP_OP_REQUEST, "192.0.2.9", "192.0.2.9");
	v = classify();
	CHECK_NOT_FOR_US(v, "gratuitous ARP");
	CHECK(v.learnt && v.learn.update_only, "gratuitous ARP: learnt %d, update_only %d",
	      v.learnt, v.learn.update_only);
	dp_neigh_learn(&t, &v.learn);
	CHECK(!dp_neigh_get(&t, DP_OUTSIDE, AF_INET, a4, &got),
	      "a gratuitous ARP made an entry");
	/* held after it asked us; then announced with a new address */
	arp_frame(RTE_ARP_OP_REQUEST, "192.0.2.9", "192.0.2.1");
	v = classify();
	dp_neigh_learn(&t, &v.learn);
	CHECK(dp_neigh_get(&t, DP_OUTSIDE, AF_INET, a4, &got), "the asker not held");
	CHECK_MAC(&got, &peer_mac);
	arp_frame(RTE_ARP_OP_REQUEST, "192.0.2.9", "192.0.2.9");
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth_of() + 1);
	rte_ether_addr_copy(&new_mac, &arp->arp_data.arp_sha);
	v = classify();
	dp_neigh_learn(&t, &v.learn);
	CHECK(dp_neigh_get(&t, DP_OUTSIDE, AF_INET, a4, &got), "entry lost");
	CHECK_MAC(&got, &new_mac);
	/* a broadcast sender address is never taken */
	arp_frame(RTE_ARP_OP_REQUEST, "192.0.2.9", "192.0.2.1");
	arp = (struct rte_arp_hdr *)(eth_of() + 1);
	memset(&arp->arp_data.arp_sha, 0xff, 6);
	v = classify();
	CHECK(v.cls == DP_CLASS_ANSWERED && !v.learnt, "broadcast sha: class %d, learnt %d",
	      v.cls, v.learnt);

	/* unsolicited NA with Override to all-nodes: consumed, refresh only */
	na_frame("2001:db8::9", "ff02::1", "2001:db8::9", NA_OVERRIDE, &peer_mac);
	v = classify();
	CHECK(v.cls == DP_CLASS_CONSUMED && v.learnt && v.learn.update_only,
	      "unsolicited NA: class %d drop %d, learnt %d, update_only %d", v.cls, v.drop,
	      v.learnt, v.learn.update_only);
	dp_neigh_learn(&t, &v.learn);
	CHECK(!dp_neigh_get(&t, DP_OUTSIDE, AF_INET6, a6, &got),
	      "an unsolicited NA made an entry");
	/* the answer to our solicitation makes it */
	na_frame("2001:db8::9", "2001:db8::1", "2001:db8::9", NA_SOLICITED | NA_OVERRIDE,
		 &peer_mac);
	v = classify();
	CHECK(v.learnt && !v.learn.update_only, "solicited NA: learnt %d, update_only %d",
	      v.learnt, v.learn.update_only);
	dp_neigh_learn(&t, &v.learn);
	CHECK(dp_neigh_get(&t, DP_OUTSIDE, AF_INET6, a6, &got), "solicited NA not held");
	CHECK_MAC(&got, &peer_mac);
	/* without Override it changes nothing; with it, the entry follows */
	na_frame("2001:db8::9", "ff02::1", "2001:db8::9", 0, &new_mac);
	v = classify();
	CHECK(v.cls == DP_CLASS_CONSUMED && !v.learnt, "NA without O/S: class %d, learnt %d",
	      v.cls, v.learnt);
	na_frame("2001:db8::9", "ff02::1", "2001:db8::9", NA_OVERRIDE, &new_mac);
	v = classify();
	dp_neigh_learn(&t, &v.learn);
	CHECK(dp_neigh_get(&t, DP_OUTSIDE, AF_INET6, a6, &got), "entry lost");
	CHECK_MAC(&got, &new_mac);
	/* a target off our subnets is not taken */
	na_frame("2001:db8:99::9", "ff02::1", "2001:db8:99::9", NA_SOLICITED | NA_OVERRIDE,
		 &peer_mac);
	v = classify();
	CHECK(!v.learnt, "NA for an address off our subnets was learnt");
	/* an echo to all-nodes is not ours to answer */
	struct rte_ipv6_hdr *ip6 = ip6_frame(IPPROTO_ICMPV6, "2001:db8::9", "ff02::1", 8, 64);
	((uint8_t *)(ip6 + 1))[0] = 128;
	uint16_t ck = rte_ipv6_udptcp_cksum(ip6, ip6 + 1);
	memcpy((uint8_t *)(ip6 + 1) + 2, &ck, 2);
	v = classify();
	CHECK_NOT_FOR_US(v, "echo to ff02::1");
	/* a damaged advertisement teaches nothing */
	na_frame("2001:db8::9", "ff02::1", "2001:db8::9", NA_OVERRIDE, &peer_mac);
	((uint8_t *)(eth_of() + 1))[sizeof(struct rte_ipv6_hdr) + 27] ^= 0x40;
	v = classify();
	CHECK(v.cls == DP_CLASS_DROP && v.drop == DP_DROP_BAD_CHECKSUM && !v.learnt,
	      "damaged NA: class %d, drop %d, learnt %d", v.cls, v.drop, v.learnt);
	free(t.e);
}

/* dp_raw_cksum against DPDK's rte_raw_cksum: every length up to 1500 at
 * every alignment of 8, on random bytes; and rewritten headers that sum
 * right. */
static void test_checksum(void)
{
	static uint8_t buf[1600];
	unsigned bad = 0;

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 1500; len++)
			bad += dp_raw_cksum(buf + off, len) != rte_raw_cksum(buf + off, len);
	CHECK(bad == 0, "%u sums differ from rte_raw_cksum", bad);
	memset(buf, 0xff, 64);
	CHECK_U(dp_raw_cksum(buf, 64), rte_raw_cksum(buf, 64));

	/* a datagram rewritten toward IPv4 and IPv6 peers: both checksums hold,
	 * and dp_udp_checksum_ok agrees */
	static const char *const peers[] = {"198.51.100.7", "2001:db8::7"};
	for (unsigned f = 0; f < 2; f++) {
		frame_reset(200);
		uint8_t *payload = room + HEADROOM + 100;
		for (unsigned i = 0; i < 77; i++)
			payload[i] = (uint8_t)(i * 37 + f);
		struct dp_endpoint from, to;
		memset(&from, 0, sizeof(from));
		memset(&to, 0, sizeof(to));
		from.addr.family = to.addr.family = f ? AF_INET6 : AF_INET;
		addr_of(f ? "2001:db8::1" : "192.0.2.1", from.addr.bytes);
		addr_of(peers[f], to.addr.bytes);
		from.port = 20000;
		to.port = 30001;
		CHECK(dp_rewrite(&mbuf, 100, 77, &from, &to, &our_mac, &peer_mac, 64, false),
		      "rewrite toward %s", peers[f]);
		const uint8_t *l3 = (const uint8_t *)(eth_of() + 1);
		if (f == 0) {
			const struct rte_ipv4_hdr *ip = (const void *)l3;
			CHECK_U(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0);
			CHECK_U(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
		} else {
			const struct rte_ipv6_hdr *ip6 = (const void *)l3;
			CHECK_U(rte_ipv6_udptcp_cksum_verify(ip6, ip6 + 1), 0);
		}
		uint16_t off = (uint16_t)(rte_pktmbuf_data_len(&mbuf) - 77);
		CHECK(dp_udp_checksum_ok(&mbuf, to.addr.family, off), "%s: not ok", peers[f]);
		rte_pktmbuf_mtod(&mbuf, uint8_t *)[off + 5] ^= 1;
		CHECK(!dp_udp_checksum_ok(&mbuf, to.addr.family, off), "%s: damage not seen",
		      peers[f]);
	}
}

/* ---- runner ---- */

static int load_port(void)
{
	const char *base = getenv("TMPDIR");
	char path[PATH_MAX];
	struct dp_config cfg;

	snprintf(path, sizeof(path), "%s/dp_net.XXXXXX", base && *base ? base : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return -1;
	}
	size_t len = strlen(port_ini);
	bool written = write(fd, port_ini, len) == (ssize_t)len;
	close(fd);
	int rc = written ? dp_config_load(path, NULL, 0, &cfg, stderr) : -1;
	unlink(path);
	if (rc != 0)
		return -1;
	dp_port_addrs_init(&pa, &cfg.port[DP_OUTSIDE], 3, DP_OUTSIDE, &our_mac);
	dp_config_free(&cfg);
	return 0;
}

static CU_TestInfo net_tests[] = {
	{"port_addrs", test_port_addrs},
	{"arp_every_address", test_arp_every_address},
	{"echo4_every_address", test_echo4_every_address},
	{"udp_every_address", test_udp_every_address},
	{"ns_every_address", test_ns_every_address},
	{"echo6_every_address", test_echo6_every_address},
	{"next_hop", test_next_hop},
	{"solicit_source", test_solicit_source},
	{"announcements", test_announcements},
	{"checksum", test_checksum},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	if (load_port() != 0) {
		fprintf(stderr, "dp_net: the port's configuration did not load\n");
		return 2;
	}
	CU_SuiteInfo suites[] = {
		{"several_addresses", NULL, NULL, NULL, NULL, net_tests},
		CU_SUITE_INFO_NULL,
	};
	return test_run(suites);
}
