/*
 * RFC 3711 §4.3 key derivation (KDR 0, AES-CM PRF; AES-256 per RFC 6188; the
 * GCM suites of RFC 7714 with their 12-byte salt zero-padded as libsrtp does)
 * and the expansion of session keys into what IPsec-MB jobs consume.
 */
#include "sre_internal.h"

void sre_wipe(void *p, size_t n)
{
	if (p != NULL)
		explicit_bzero(p, n);
}

int sre_aes_ctr_keystream(struct sre_engine *engine, const uint8_t *key,
			  size_t key_len, const uint8_t iv[16], uint8_t *out,
			  size_t len)
{
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	IMB_MGR *mgr = engine->mgr;
	IMB_JOB job;

	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else if (key_len == 32)
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	else
		return SRE_ERR_KEY_LENGTH;

	memset(out, 0, len);
	memset(&job, 0, sizeof(job));
	job.enc_keys = enc;
	job.dec_keys = dec;
	job.key_len_in_bytes = key_len;
	job.src = out;
	job.dst = out;
	job.cipher_start_src_offset_in_bytes = 0;
	job.msg_len_to_cipher_in_bytes = len;
	job.iv = iv;
	job.iv_len_in_bytes = 16;
	uint32_t done = IMB_SUBMIT_CIPHER_BURST(mgr, &job, 1, IMB_CIPHER_CNTR,
						IMB_DIR_ENCRYPT,
						(IMB_KEY_SIZE_BYTES)key_len);
	sre_wipe(enc, sizeof(enc));
	sre_wipe(dec, sizeof(dec));
	if (done != 1) {
		sre_wipe(out, len);
		return SRE_ERR_IPSEC_MB;
	}
	return SRE_OK;
}

int sre_kdf(struct sre_engine *engine, const uint8_t *master_key,
	    size_t key_len, const uint8_t master_salt[14], uint8_t label,
	    uint8_t *out, size_t out_len)
{
	uint8_t iv[16];

	/* x = key_id XOR master_salt with key_id = label || r (r = 0 for
	 * KDR 0), right-aligned in 112 bits; the counter block is x * 2^16. */
	memcpy(iv, master_salt, 14);
	iv[7] ^= label;
	iv[14] = 0;
	iv[15] = 0;
	int rc = sre_aes_ctr_keystream(engine, master_key, key_len, iv, out,
				       out_len);
	sre_wipe(iv, sizeof(iv));
	return rc;
}

static void hmac_pads(IMB_MGR *mgr, const uint8_t auth_key[SRE_AUTH_KEY_LEN],
		      uint8_t *ipad, uint8_t *opad)
{
	uint8_t block[64];

	for (int pass = 0; pass < 2; pass++) {
		uint8_t pad = pass == 0 ? 0x36 : 0x5c;
		memset(block, pad, sizeof(block));
		for (unsigned i = 0; i < SRE_AUTH_KEY_LEN; i++)
			block[i] ^= auth_key[i];
		IMB_SHA1_ONE_BLOCK(mgr, block, pass == 0 ? ipad : opad);
	}
	sre_wipe(block, sizeof(block));
}

int sre_derive_material(struct sre_engine *engine,
			const struct sre_suite_info *info,
			const uint8_t *master_key, const uint8_t salt14[14],
			uint8_t first_label, struct sre_session_material *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = sre_kdf(engine, master_key, info->key_len, salt14, first_label,
		     m->enc, info->key_len);
	if (rc == SRE_OK)
		rc = sre_kdf(engine, master_key, info->key_len, salt14,
			     first_label + 2, m->salt, info->aead ? 12 : 14);
	if (rc == SRE_OK && !info->aead)
		rc = sre_kdf(engine, master_key, info->key_len, salt14,
			     first_label + 1, m->auth, sizeof(m->auth));
	if (rc != SRE_OK)
		sre_wipe(m, sizeof(*m));
	return rc;
}

int sre_expand_material(struct sre_engine *engine,
			const struct sre_suite_info *info,
			const struct sre_session_material *m, void *dst)
{
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	IMB_MGR *mgr = engine->mgr;

	if (info->aead) {
		struct sre_gcm_keys *k = dst;
		if (info->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, m->enc, &k->gcm);
		else
			IMB_AES256_GCM_PRE(mgr, m->enc, &k->gcm);
		memset(k->salt, 0, sizeof(k->salt));
		memcpy(k->salt, m->salt, 12);
	} else {
		struct sre_cm_keys *k = dst;
		if (info->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, m->enc, k->aes_enc, dec);
		else
			IMB_AES_KEYEXP_256(mgr, m->enc, k->aes_enc, dec);
		hmac_pads(mgr, m->auth, k->ipad, k->opad);
		memset(k->salt, 0, sizeof(k->salt));
		memcpy(k->salt, m->salt, 14);
	}
	sre_wipe(dec, sizeof(dec));
	/* The expansion calls take no manager and report no error: with the
	 * key lengths checked above they cannot fail. */
	return SRE_OK;
}
