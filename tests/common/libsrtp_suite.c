/*
 * libsrtp2 policies for SRTP Edge suites (see libsrtp_suite.h).
 */
#include <string.h>

#include "libsrtp_suite.h"

bool libsrtp_policy_set_suite(srtp_policy_t *pol, enum sre_suite suite)
{
	switch (suite) {
	case SRE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
		return true;
	case SRE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
		return true;
	case SRE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol->rtcp);
		return true;
	case SRE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol->rtcp);
		return true;
	case SRE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
		return true;
	case SRE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtcp);
		return true;
	case SRE_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&pol->rtcp);
		return true;
	default:
		return false;
	}
}

int libsrtp_session_create(srtp_t *session, enum sre_suite suite,
			   const uint8_t *key, uint32_t ssrc, bool outbound,
			   unsigned window)
{
	srtp_policy_t pol;

	memset(&pol, 0, sizeof(pol));
	if (!libsrtp_policy_set_suite(&pol, suite))
		return srtp_err_status_bad_param;
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = (unsigned char *)key;
	pol.window_size = window;
	(void)outbound; /* a specific-SSRC stream takes its direction from use */
	return srtp_create(session, &pol);
}
