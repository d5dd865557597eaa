/*
 * Names: status codes (for counters, logs and CLI output) and the suite table
 * that every other file reads its lengths from.
 */
#include <string.h>

#include "sre_internal.h"

/* key, salt, aead, encrypts, SRTP tag, SRTCP tag */
const struct sre_suite_info sre_suites[SRE_SUITE_COUNT] = {
	[SRE_AES_CM_128_HMAC_SHA1_80] = {16, 14, 0, 1, 10, 10},
	[SRE_AES_CM_128_HMAC_SHA1_32] = {16, 14, 0, 1, 4, 10},
	[SRE_AES_256_CM_HMAC_SHA1_80] = {32, 14, 0, 1, 10, 10},
	[SRE_AES_256_CM_HMAC_SHA1_32] = {32, 14, 0, 1, 4, 10},
	[SRE_AEAD_AES_128_GCM] = {16, 12, 1, 1, 16, 16},
	[SRE_AEAD_AES_256_GCM] = {32, 12, 1, 1, 16, 16},
	[SRE_NULL_HMAC_SHA1_80] = {16, 14, 0, 0, 10, 10},
};

const char *const sre_suite_names[SRE_SUITE_COUNT] = {
	[SRE_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[SRE_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[SRE_AES_256_CM_HMAC_SHA1_80] = "AES_256_CM_HMAC_SHA1_80",
	[SRE_AES_256_CM_HMAC_SHA1_32] = "AES_256_CM_HMAC_SHA1_32",
	[SRE_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
	[SRE_AEAD_AES_256_GCM] = "AEAD_AES_256_GCM",
	[SRE_NULL_HMAC_SHA1_80] = "NULL_HMAC_SHA1_80",
};

static const struct {
	const char *name;
	const char *text;
} status_names[SRE_STATUS_COUNT] = {
	[SRE_OK] = {"ok", "success"},
	[SRE_ERR_TOO_SHORT] = {"too_short", "packet shorter than its header and trailer"},
	[SRE_ERR_BAD_VERSION] = {"bad_version", "version field is not 2"},
	[SRE_ERR_CSRC_OVERRUN] = {"csrc_overrun", "CSRC list runs past the end of the packet"},
	[SRE_ERR_EXT_OVERRUN] = {"ext_overrun", "header extension runs past the end of the packet"},
	[SRE_ERR_NO_ROOM] = {"no_room", "no room in the buffer for the SRTP trailer"},
	[SRE_ERR_NO_STREAM] = {"no_stream", "packet has no stream"},
	[SRE_ERR_WRONG_DIRECTION] = {"wrong_direction", "stream is of the other direction"},
	[SRE_ERR_SSRC_MISMATCH] = {"ssrc_mismatch", "packet SSRC is not the stream's"},
	[SRE_ERR_UNKNOWN_MKI] = {"unknown_mki", "MKI names no key of this context"},
	[SRE_ERR_NO_KEY] = {"no_key", "context has no key to use"},
	[SRE_ERR_AUTH_FAIL] = {"auth_fail", "authentication tag did not verify"},
	[SRE_ERR_REPLAY_DUPLICATE] = {"replay_duplicate", "packet index already received"},
	[SRE_ERR_REPLAY_TOO_OLD] = {"replay_too_old", "packet index is older than the replay window"},
	[SRE_ERR_KEY_EXHAUSTED] = {"key_exhausted", "master key or packet index space used up"},
	[SRE_ERR_ARCH_MISMATCH] = {"arch_mismatch", "GCM keys were laid out for another IPsec-MB architecture"},
	[SRE_ERR_IPSEC_MB] = {"ipsec_mb", "IPsec-MB refused a job or cannot run on this CPU"},
	[SRE_ERR_BAD_PARAM] = {"bad_param", "invalid parameter"},
	[SRE_ERR_KEY_LENGTH] = {"key_length", "master key length does not match the suite"},
	[SRE_ERR_SALT_LENGTH] = {"salt_length", "master salt length does not match the suite"},
	[SRE_ERR_KDR_UNSUPPORTED] = {"kdr_unsupported", "key derivation rate other than 0 is not supported"},
	[SRE_ERR_MKI_LENGTH] = {"mki_length", "MKI length must be 0 to 4 bytes"},
	[SRE_ERR_MKI_DUPLICATE] = {"mki_duplicate", "a key with this MKI exists already"},
	[SRE_ERR_TOO_MANY_KEYS] = {"too_many_keys", "context holds the most master keys it can"},
	[SRE_ERR_WINDOW_SIZE] = {"window_size", "replay window must be 64 to 32768 packets"},
	[SRE_ERR_NO_MEMORY] = {"no_memory", "out of memory"},
};

const char *sre_status_name(int status)
{
	if (status < 0 || status >= SRE_STATUS_COUNT)
		return "unknown_status";
	return status_names[status].name;
}

const char *sre_status_str(int status)
{
	if (status < 0 || status >= SRE_STATUS_COUNT)
		return "unknown status code";
	return status_names[status].text;
}

const char *sre_suite_name(enum sre_suite suite)
{
	if ((unsigned)suite >= SRE_SUITE_COUNT)
		return "unknown_suite";
	return sre_suite_names[suite];
}

int sre_suite_from_name(const char *name, enum sre_suite *suite)
{
	if (name == NULL || suite == NULL)
		return SRE_ERR_BAD_PARAM;
	for (unsigned i = 0; i < SRE_SUITE_COUNT; i++) {
		if (strcmp(name, sre_suite_names[i]) == 0) {
			*suite = (enum sre_suite)i;
			return SRE_OK;
		}
	}
	return SRE_ERR_BAD_PARAM;
}

size_t sre_suite_master_key_len(enum sre_suite suite)
{
	return (unsigned)suite < SRE_SUITE_COUNT ? sre_suites[suite].key_len : 0;
}

size_t sre_suite_master_salt_len(enum sre_suite suite)
{
	return (unsigned)suite < SRE_SUITE_COUNT ? sre_suites[suite].salt_len : 0;
}

size_t sre_suite_tag_len(enum sre_suite suite, int is_rtcp)
{
	if ((unsigned)suite >= SRE_SUITE_COUNT)
		return 0;
	return is_rtcp ? sre_suites[suite].tag_rtcp : sre_suites[suite].tag_rtp;
}
