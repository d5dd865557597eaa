/*
 * srtp-pcap: pcap captures of SRTP made and read with libsrtp2, the
 * reference implementation, so that the dataplane's offline mode is checked
 * by code that shares nothing with crypto/. Declarations shared by the
 * subcommands.
 */
#ifndef SRTP_PCAP_H
#define SRTP_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <pcap/pcap.h>
#include <srtp2/crypto_types.h> /* cipher ids: SRTP_AES_GCM_128 ... */
#include <srtp2/srtp.h>

#include "srtp_edge.h" /* enum sre_suite and its names and lengths only */

/* Exit codes of every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,     /* error, or compare found a difference */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_REJECTED = 3, /* decrypt: libsrtp refused some packets */
};

/* Largest frame read or written, plus room for what libsrtp appends. */
#define FRAME_MAX 65536
#define BUF_BYTES (FRAME_MAX + SRTP_MAX_TRAILER_LEN + 64)
#define MAX_KEY_BYTES 46 /* AES-256 key + 14-byte salt */

/* ---- srtp_pcap.c: messages, options, keys ---------------------------- */

extern const char *prog; /* "srtp-pcap gen" etc., for messages */

__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);
/* Bad command line: the message, a pointer to --help, exit 2. */
__attribute__((noreturn, format(printf, 1, 2)))
void usage_error(const char *fmt, ...);

/* An option getopt_long (optstring ":...") refused: usage error. */
__attribute__((noreturn)) void opt_bad(int c, char **argv);
/* Decimal or 0x-hex in min..max, or a usage error naming `opt`. */
uint64_t opt_num(const char *opt, const char *arg, uint64_t min, uint64_t max);
enum sre_suite opt_suite(const char *arg);
/* Decodes --key (base64 of master key || salt, optionally "inline:"
 * prefixed) and checks its length against the suite; returns the length. */
size_t opt_key(const char *arg, enum sre_suite suite,
	       uint8_t key[MAX_KEY_BYTES]);
/* Hex bytes ("0a0b", "0a:0b" or "0x0a0b") of 1..cap bytes; returns count. */
size_t opt_hex(const char *opt, const char *arg, uint8_t *out, size_t cap);

/* The libsrtp policy of a suite, and the trailer layout it implies. */
struct suite_info {
	enum sre_suite suite;
	srtp_policy_t policy;   /* rtp and rtcp crypto policies set */
	unsigned rtp_tag;       /* bytes of tag libsrtp appends to SRTP */
	unsigned rtcp_tag;      /* ... and to SRTCP */
	bool aead;              /* GCM: MKI last, after tag (and SRTCP index) */
};
void suite_info_init(struct suite_info *si, enum sre_suite suite);

const char *srtp_status_name(srtp_err_status_t status);

/* RFC 5761 §4: the second byte of an RTCP packet (its type) is 192..223,
 * a range RTP payload types cannot reach when 64..95 are left unused. */
static inline bool is_rtcp(const uint8_t *p)
{
	return p[1] >= 192 && p[1] <= 223;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* SSRC -> small integer (an index into the caller's array of streams). */
struct ssrc_map {
	uint32_t *keys;
	uint32_t *vals; /* UINT32_MAX: empty slot */
	size_t cap, used;
};
void ssrc_map_init(struct ssrc_map *m);
void ssrc_map_free(struct ssrc_map *m);
/* The value stored for ssrc, or UINT32_MAX. */
uint32_t ssrc_map_get(const struct ssrc_map *m, uint32_t ssrc);
void ssrc_map_put(struct ssrc_map *m, uint32_t ssrc, uint32_t val);

/* ---- frame.c: Ethernet / IPv4 / IPv6 / UDP, pcap files ----------------- */

struct endpoint {
	int family;       /* 4 or 6 */
	uint8_t ip[16];   /* IPv4 in the first 4 bytes */
	uint16_t port;
};
/* "192.0.2.1:5004" or "[2001:db8::1]:5004". */
bool endpoint_parse(const char *s, struct endpoint *ep);
/* Same forms; buf of at least 64 bytes. */
const char *endpoint_str(const struct endpoint *ep, char *buf);
bool mac_parse(const char *s, uint8_t mac[6]);

/* Where the parts of a UDP frame are. ipver 0: not an intact IPv4/IPv6 UDP
 * datagram (non-IP, fragment, truncated, IPv6 extension headers). */
struct frame_info {
	int ipver;
	uint32_t l3_off, l4_off, payload_off, payload_len;
	struct endpoint src, dst;
};
bool frame_parse(const uint8_t *f, uint32_t len, struct frame_info *fi);

/* Writes Ethernet, IP and UDP headers at f; returns the payload offset.
 * Lengths and checksums are filled later by frame_finish. */
uint32_t frame_headers(uint8_t *f, const uint8_t src_mac[6],
		       const uint8_t dst_mac[6], const struct endpoint *src,
		       const struct endpoint *dst, uint16_t ip_id);
/* With payload_len bytes of payload at fi->payload_off: sets the IP and UDP
 * lengths and recomputes both checksums. Returns the frame length. */
uint32_t frame_finish(uint8_t *f, const struct frame_info *fi,
		      uint32_t payload_len);
/* Checksum checks: the IPv4 header's, and the UDP one (0 = none, allowed
 * for IPv4 only). */
bool frame_ip_csum_ok(const uint8_t *f, const struct frame_info *fi);
bool frame_udp_csum_ok(const uint8_t *f, const struct frame_info *fi);

/* Opens a capture for reading, microsecond or nanosecond (as DPDK's
 * net_pcap writes), timestamps delivered in microseconds; Ethernet only. */
pcap_t *pcap_in_open(const char *path);

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	const char *path;
	bool nano;
};
void pcap_out_open(struct pcap_out *o, const char *path, bool nano);
/* ts in microseconds (or nanoseconds when opened nano). */
void pcap_out_write(struct pcap_out *o, uint64_t sec, uint32_t frac,
		    const uint8_t *f, uint32_t len);
void pcap_out_close(struct pcap_out *o);

/* ---- subcommands ------------------------------------------------------- */

int cmd_gen(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
