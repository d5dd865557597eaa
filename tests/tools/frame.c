/*
 * Ethernet / IPv4 / IPv6 / UDP frames for srtp-pcap: addresses, parsing,
 * building with lengths and checksums, and pcap files in and out.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_pcap.h"

#define ETH_HLEN 14
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88a8
#define IPPROTO_UDP_ 17

bool endpoint_parse(const char *s, struct endpoint *ep)
{
	char host[64];
	const char *colon, *port;
	size_t n;
	char *end;
	unsigned long p;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return false;
		n = (size_t)(close - s - 1);
		if (n >= sizeof(host))
			return false;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		port = close + 2;
		ep->family = 6;
		if (inet_pton(AF_INET6, host, ep->ip) != 1)
			return false;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return false;
		n = (size_t)(colon - s);
		if (n >= sizeof(host))
			return false;
		memcpy(host, s, n);
		host[n] = '\0';
		port = colon + 1;
		ep->family = 4;
		if (inet_pton(AF_INET, host, ep->ip) != 1)
			return false;
	}
	if (*port < '0' || *port > '9')
		return false;
	p = strtoul(port, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return false;
	ep->port = (uint16_t)p;
	return true;
}

const char *endpoint_str(const struct endpoint *ep, char *buf)
{
	char host[INET6_ADDRSTRLEN];

	if (ep->family == 6) {
		inet_ntop(AF_INET6, ep->ip, host, sizeof(host));
		snprintf(buf, 64, "[%s]:%u", host, ep->port);
	} else {
		inet_ntop(AF_INET, ep->ip, host, sizeof(host));
		snprintf(buf, 64, "%s:%u", host, ep->port);
	}
	return buf;
}

bool mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

bool frame_parse(const uint8_t *f, uint32_t len, struct frame_info *fi)
{
	uint32_t off = ETH_HLEN, l4, udp_len;
	uint16_t type;

	memset(fi, 0, sizeof(*fi));
	if (len < ETH_HLEN)
		return false;
	type = get16(f + 12);
	/* Up to two VLAN tags: a capture of a trunk port still parses. */
	for (int tags = 0; (type == ETH_P_VLAN || type == ETH_P_QINQ) && tags < 2;
	     tags++) {
		if (len < off + 4)
			return false;
		type = get16(f + off + 2);
		off += 4;
	}
	if (type == ETH_P_IPV4) {
		uint32_t ihl, tot;
		if (len < off + 20 || f[off] >> 4 != 4)
			return false;
		ihl = (uint32_t)(f[off] & 15) * 4;
		tot = get16(f + off + 2);
		/* Fragments (MF set or an offset) are not whole datagrams. */
		if (ihl < 20 || (get16(f + off + 6) & 0x3fff) != 0 ||
		    f[off + 9] != IPPROTO_UDP_ || tot < ihl + 8 ||
		    len < off + tot)
			return false;
		l4 = off + ihl;
		udp_len = get16(f + l4 + 4);
		if (udp_len < 8 || udp_len > tot - ihl)
			return false;
		fi->src.family = fi->dst.family = 4;
		memcpy(fi->src.ip, f + off + 12, 4);
		memcpy(fi->dst.ip, f + off + 16, 4);
		fi->ipver = 4;
	} else if (type == ETH_P_IPV6) {
		uint32_t plen;
		if (len < off + 40 || f[off] >> 4 != 6)
			return false;
		plen = get16(f + off + 4);
		/* Extension headers before UDP: not something we produce. */
		if (f[off + 6] != IPPROTO_UDP_ || plen < 8 || len < off + 40 + plen)
			return false;
		l4 = off + 40;
		udp_len = get16(f + l4 + 4);
		if (udp_len < 8 || udp_len > plen)
			return false;
		fi->src.family = fi->dst.family = 6;
		memcpy(fi->src.ip, f + off + 8, 16);
		memcpy(fi->dst.ip, f + off + 24, 16);
		fi->ipver = 6;
	} else {
		return false;
	}
	fi->l3_off = off;
	fi->l4_off = l4;
	fi->src.port = get16(f + l4);
	fi->dst.port = get16(f + l4 + 2);
	fi->payload_off = l4 + 8;
	/* The UDP length, not the frame's: Ethernet pads short frames. */
	fi->payload_len = udp_len - 8;
	return true;
}

uint32_t frame_headers(uint8_t *f, const uint8_t src_mac[6],
		       const uint8_t dst_mac[6], const struct endpoint *src,
		       const struct endpoint *dst, uint16_t ip_id)
{
	uint8_t *ip = f + ETH_HLEN, *udp;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	if (src->family == 4) {
		put16(f + 12, ETH_P_IPV4);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 4, ip_id);
		put16(ip + 6, 0x4000); /* DF, as RTP stacks send */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP_;
		memcpy(ip + 12, src->ip, 4);
		memcpy(ip + 16, dst->ip, 4);
		udp = ip + 20;
	} else {
		put16(f + 12, ETH_P_IPV6);
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[6] = IPPROTO_UDP_;
		ip[7] = 64;
		memcpy(ip + 8, src->ip, 16);
		memcpy(ip + 24, dst->ip, 16);
		udp = ip + 40;
	}
	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4, 0);
	put16(udp + 6, 0);
	return (uint32_t)(udp + 8 - f);
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, uint32_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		acc += get16(p);
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* One's-complement sum of the pseudo-header and the whole datagram. */
static uint16_t udp_sum(const uint8_t *f, const struct frame_info *fi,
			uint32_t udp_len)
{
	const uint8_t *ip = f + fi->l3_off;
	uint32_t acc = 0;

	if (fi->ipver == 4)
		acc = sum16(acc, ip + 12, 8);
	else
		acc = sum16(acc, ip + 8, 32);
	acc += IPPROTO_UDP_ + udp_len;
	acc = sum16(acc, f + fi->l4_off, udp_len);
	return fold(acc);
}

uint32_t frame_finish(uint8_t *f, const struct frame_info *fi,
		      uint32_t payload_len)
{
	uint8_t *ip = f + fi->l3_off, *udp = f + fi->l4_off;
	uint32_t udp_len = 8 + payload_len;
	uint16_t c;

	if (fi->ipver == 4) {
		uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
		put16(ip + 2, (uint16_t)(ihl + udp_len));
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~fold(sum16(0, ip, ihl)));
	} else {
		put16(ip + 4, (uint16_t)udp_len);
	}
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	c = (uint16_t)~udp_sum(f, fi, udp_len);
	/* RFC 768: a computed 0 is sent as all ones (0 means "no checksum"). */
	put16(udp + 6, c ? c : 0xffff);
	return fi->payload_off + payload_len;
}

bool frame_ip_csum_ok(const uint8_t *f, const struct frame_info *fi)
{
	const uint8_t *ip = f + fi->l3_off;

	if (fi->ipver != 4)
		return true;
	return fold(sum16(0, ip, (uint32_t)(ip[0] & 15) * 4)) == 0xffff;
}

bool frame_udp_csum_ok(const uint8_t *f, const struct frame_info *fi)
{
	if (get16(f + fi->l4_off + 6) == 0)
		return fi->ipver == 4;
	return udp_sum(f, fi, fi->payload_len + 8) == 0xffff;
}

pcap_t *pcap_in_open(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	/* Asking for microseconds makes libpcap scale nanosecond files
	 * (magic a1b23c4d, as net_pcap writes) rather than refuse them. */
	p = pcap_open_offline_with_tstamp_precision(path,
		PCAP_TSTAMP_PRECISION_MICRO, err);
	if (p == NULL)
		die("%s", err); /* libpcap's message names the file */
	if (pcap_datalink(p) != DLT_EN10MB)
		die("%s: link type %s, not Ethernet (EN10MB)", path,
		    pcap_datalink_val_to_name(pcap_datalink(p)) ?
			    pcap_datalink_val_to_name(pcap_datalink(p)) : "?");
	return p;
}

void pcap_out_open(struct pcap_out *o, const char *path, bool nano)
{
	o->path = path;
	o->nano = nano;
	o->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, FRAME_MAX,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (o->dead == NULL)
		die("pcap_open_dead failed");
	o->dumper = pcap_dump_open(o->dead, path);
	if (o->dumper == NULL)
		die("%s", pcap_geterr(o->dead)); /* names the file */
}

void pcap_out_write(struct pcap_out *o, uint64_t sec, uint32_t frac,
		    const uint8_t *f, uint32_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)frac; /* nanoseconds in a nano file */
	h.caplen = h.len = len;
	pcap_dump((u_char *)o->dumper, &h, f);
}

void pcap_out_close(struct pcap_out *o)
{
	/* pcap_dump reports nothing: a full disk shows up at the flush. */
	if (pcap_dump_flush(o->dumper) != 0)
		die("%s: write failed", o->path);
	pcap_dump_close(o->dumper);
	pcap_close(o->dead);
	o->dumper = NULL;
	o->dead = NULL;
}
