/*
 * SDES key material (RFC 4568 security descriptions, with the suites of
 * RFC 6188 and RFC 7714): the "inline:" key-params of the dataplane's sessions
 * file and whole "a=crypto:" attribute values of SDP. Parsing only: nothing is
 * allocated, keys land in caller structs (wipe them with explicit_bzero when
 * done), and no error message ever repeats key text.
 */
#ifndef SRE_SDES_H
#define SRE_SDES_H

#include <stddef.h>
#include <stdint.h>

#include "srtp_edge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Enough room for every message the parsers write (longer ones are cut). */
#define SRE_SDES_ERR_LEN 192
/* The largest lifetime a key may carry: SRTP's 2^48 packets (RFC 3711 §9.2).
 * SRTCP stops at 2^31 whatever the lifetime says. */
#define SRE_SDES_MAX_LIFETIME (UINT64_C(1) << 48)

/* One master key: ready for sre_ctx_add_key(..., key, key_len, salt, salt_len,
 * mki_len ? mki : NULL). */
struct sre_sdes_key {
	uint8_t key[SRE_MAX_MASTER_KEY_LEN];
	uint8_t salt[SRE_MAX_MASTER_SALT_LEN];
	uint8_t key_len, salt_len;
	/* Packets the key may protect (RFC 4568 §6.1: SRTP and SRTCP each stay
	 * below it); 0 when not given, i.e. the suite's maximum. */
	uint64_t lifetime;
	uint8_t mki[SRE_MAX_MKI_LEN]; /* MKI value, big-endian, mki_len bytes */
	uint8_t mki_len;              /* 0: the key-param has no MKI */
};

/* Session parameters found (struct sre_sdes_crypto.flags). SRTP Edge does
 * not implement every one: the caller refuses what it cannot honour. */
enum sre_sdes_flag {
	SRE_SDES_UNENCRYPTED_SRTP = 1u << 0,
	SRE_SDES_UNENCRYPTED_SRTCP = 1u << 1,    /* sre_policy.rtcp_unencrypted */
	SRE_SDES_UNAUTHENTICATED_SRTP = 1u << 2,
	SRE_SDES_KDR = 1u << 3,          /* KDR=n was given (also KDR=0) */
	SRE_SDES_FEC_SRTP_FEC = 1u << 4, /* FEC_ORDER=SRTP_FEC (FEC after SRTP) */
	SRE_SDES_FEC_KEY = 1u << 5,      /* FEC_KEY given: checked, keys not kept */
};

struct sre_sdes_crypto {
	uint32_t tag;
	enum sre_suite suite;
	unsigned nkeys; /* 1..SRE_MAX_KEYS; with several, all carry MKIs */
	struct sre_sdes_key keys[SRE_MAX_KEYS];
	/* Key derivation rate in packets, as sre_policy.kdr takes it: 2^n for
	 * KDR=n (n = 1..24), 0 for KDR=0 or no KDR. sre_ctx_create refuses
	 * anything but 0 (SRE_ERR_KDR_UNSUPPORTED). */
	uint64_t kdr;
	uint32_t wsh;   /* window size hint (>= 64); 0 when not given */
	unsigned flags; /* enum sre_sdes_flag */
};

/*
 * Parses one key-param, "inline:<base64 key||salt>[|<lifetime>][|<MKI>:<len>]"
 * (RFC 4568 §6.1), for `suite`. The text is taken whole: no surrounding
 * whitespace, no ';'. MKIs of 1..SRE_MAX_MKI_LEN bytes only.
 * Returns SRE_OK, SRE_ERR_BAD_PARAM, SRE_ERR_KEY_LENGTH (key||salt of another
 * length than the suite's) or SRE_ERR_MKI_LENGTH. On failure *out is zeroed
 * and err (when errlen > 0) holds one line saying what is wrong and where; on
 * success err is "".
 */
int sre_sdes_parse_key_param(const char *text, enum sre_suite suite,
			     struct sre_sdes_key *out, char *err,
			     size_t errlen);

/*
 * Parses a crypto attribute, "a=crypto:<tag> <suite> <key-params>
 * [<session-params>]" (RFC 4568 §9.1); "a=crypto:" or "crypto:" may be left
 * out, a trailing CR/LF and whitespace are ignored. Returns the codes above,
 * SRE_ERR_TOO_MANY_KEYS (more than SRE_MAX_KEYS key-params) or
 * SRE_ERR_MKI_DUPLICATE; err and *out as for sre_sdes_parse_key_param.
 * A non-zero KDR is returned, not refused: see sre_sdes_crypto.kdr.
 */
int sre_sdes_parse_crypto_attr(const char *line, struct sre_sdes_crypto *out,
			       char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SRE_SDES_H */
