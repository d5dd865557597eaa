/*
 * Contexts (one direction of an association: suite, policy, master keys by
 * MKI) and streams (one SSRC's ROC, sequence and replay state). Everything
 * here runs off the fast path; keys are wiped when they go.
 */
#include <stdlib.h>

#include "sre_internal.h"

/* ---- policies and contexts ---- */

void sre_policy_init(struct sre_policy *policy, enum sre_suite suite,
		     enum sre_direction direction)
{
	memset(policy, 0, sizeof(*policy));
	policy->suite = suite;
	policy->direction = direction;
	policy->replay_window = SRE_WINDOW_DEFAULT;
}

static void *default_alloc(size_t size, size_t align, void *arg)
{
	void *p;
	(void)arg;
	return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

static void default_free(void *p, void *arg)
{
	(void)arg;
	free(p);
}

static size_t round64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t r = 64;
	while (r < v)
		r <<= 1;
	return r;
}

int sre_ctx_create(const struct sre_policy *policy,
		   const struct sre_allocator *allocator, struct sre_ctx **out)
{
	const uint64_t rtp_max = UINT64_C(1) << 48;
	const uint64_t rtcp_max = UINT64_C(1) << 31;
	struct sre_allocator alloc = {default_alloc, default_free, NULL};

	if (policy == NULL || out == NULL)
		return SRE_ERR_BAD_PARAM;
	*out = NULL;
	if ((unsigned)policy->suite >= SRE_SUITE_COUNT ||
	    (policy->direction != SRE_INBOUND &&
	     policy->direction != SRE_OUTBOUND))
		return SRE_ERR_BAD_PARAM;
	if (policy->kdr != 0)
		return SRE_ERR_KDR_UNSUPPORTED;
	if (policy->mki_len > SRE_MAX_MKI_LEN)
		return SRE_ERR_MKI_LENGTH;
	uint32_t window = policy->replay_window ? policy->replay_window
						: SRE_WINDOW_DEFAULT;
	if (window < 64 || window > SRE_WINDOW_MAX)
		return SRE_ERR_WINDOW_SIZE;
	if (policy->rtp_key_limit > rtp_max || policy->rtcp_key_limit > rtcp_max)
		return SRE_ERR_BAD_PARAM;
	if (allocator != NULL) {
		if (allocator->alloc == NULL || allocator->free == NULL)
			return SRE_ERR_BAD_PARAM;
		alloc = *allocator;
	}

	struct sre_ctx *ctx = alloc.alloc(sizeof(*ctx), 64, alloc.arg);
	if (ctx == NULL)
		return SRE_ERR_NO_MEMORY;
	if ((uintptr_t)ctx & 63) {
		/* the key hint and IPsec-MB's key data rely on alignment */
		alloc.free(ctx, alloc.arg);
		return SRE_ERR_BAD_PARAM;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->policy = *policy;
	ctx->policy.replay_window = window;
	ctx->alloc = alloc;
	ctx->info = sre_suites[policy->suite];
	ctx->suite = (uint8_t)policy->suite;
	ctx->outbound = policy->direction == SRE_OUTBOUND;
	ctx->mki_len = policy->mki_len;
	ctx->active = SRE_ACTIVE_NONE;
	ctx->window = window;
	ctx->ring_bits = window <= 128 ? 128 : pow2_at_least(window);

	uint64_t margin = policy->soft_limit_margin ? policy->soft_limit_margin
						    : UINT64_C(1) << 16;
	ctx->limit[0] = policy->rtp_key_limit ? policy->rtp_key_limit : rtp_max;
	ctx->limit[1] = policy->rtcp_key_limit ? policy->rtcp_key_limit
					       : rtcp_max;
	for (int k = 0; k < 2; k++)
		ctx->soft[k] = ctx->limit[k] > margin ? ctx->limit[k] - margin : 1;
	ctx->block_size = (uint32_t)round64(ctx->info.aead
						    ? sizeof(struct sre_gcm_keys)
						    : sizeof(struct sre_cm_keys));
	ctx->key_size = SRE_KEY_HEADER + 2 * (size_t)ctx->block_size;
	ctx->rtcp_encrypt = ctx->info.encrypts && !policy->rtcp_unencrypted;
	*out = ctx;
	return SRE_OK;
}

static void key_free(struct sre_ctx *ctx, struct sre_key *key)
{
	sre_wipe(key, ctx->key_size);
	ctx->alloc.free(key, ctx->alloc.arg);
}

void sre_ctx_destroy(struct sre_ctx *ctx)
{
	if (ctx == NULL)
		return;
	for (unsigned i = 0; i < ctx->nkeys; i++)
		key_free(ctx, ctx->keys[i]);
	struct sre_allocator alloc = ctx->alloc;
	sre_wipe(ctx, sizeof(*ctx));
	alloc.free(ctx, alloc.arg);
}

const struct sre_policy *sre_ctx_policy(const struct sre_ctx *ctx)
{
	return ctx ? &ctx->policy : NULL;
}

unsigned sre_ctx_key_count(const struct sre_ctx *ctx)
{
	return ctx ? ctx->nkeys : 0;
}

static int find_key(const struct sre_ctx *ctx, const uint8_t *mki)
{
	for (unsigned i = 0; i < ctx->nkeys; i++) {
		if (ctx->mki_len == 0 ||
		    memcmp(ctx->keys[i]->mki, mki, ctx->mki_len) == 0)
			return (int)i;
	}
	return -1;
}

static int check_key_slot(const struct sre_ctx *ctx, const uint8_t *mki)
{
	if (ctx->nkeys > 0 && ctx->mki_len == 0)
		return SRE_ERR_TOO_MANY_KEYS; /* without MKI one key only */
	if (ctx->nkeys >= SRE_MAX_KEYS)
		return SRE_ERR_TOO_MANY_KEYS;
	if (ctx->mki_len > 0 && find_key(ctx, mki) >= 0)
		return SRE_ERR_MKI_DUPLICATE;
	return SRE_OK;
}

int sre_ctx_add_session_keys(struct sre_engine *engine, struct sre_ctx *ctx,
			     const struct sre_session_material *rtp,
			     const struct sre_session_material *rtcp,
			     const uint8_t *mki)
{
	if (engine == NULL || ctx == NULL || rtp == NULL || rtcp == NULL ||
	    (ctx->mki_len > 0 && mki == NULL))
		return SRE_ERR_BAD_PARAM;
	int rc = check_key_slot(ctx, mki);
	if (rc != SRE_OK)
		return rc;
	const struct sre_suite_info *info = &ctx->info;
	if (info->aead && ctx->nkeys > 0 && ctx->key_arch != engine->arch_id)
		return SRE_ERR_ARCH_MISMATCH;

	struct sre_key *key = ctx->alloc.alloc(ctx->key_size, 64, ctx->alloc.arg);
	if (key == NULL)
		return SRE_ERR_NO_MEMORY;
	if ((uintptr_t)key & 63) {
		ctx->alloc.free(key, ctx->alloc.arg);
		return SRE_ERR_BAD_PARAM;
	}
	memset(key, 0, ctx->key_size);
	key->rtp = (void *)sre_key_block(ctx, key, 0);
	key->rtcp = (void *)sre_key_block(ctx, key, 1);
	key->next_check[0] = ctx->soft[0];
	key->next_check[1] = ctx->soft[1];
	if (ctx->mki_len > 0) {
		memcpy(key->mki, mki, ctx->mki_len);
		memcpy(&key->mki_word, key->mki, sizeof(key->mki_word));
	}

	rc = sre_expand_material(engine, info, rtp, key->rtp);
	if (rc == SRE_OK)
		rc = sre_expand_material(engine, info, rtcp, key->rtcp);
	if (rc != SRE_OK) {
		key_free(ctx, key);
		return rc;
	}
	if (info->aead)
		ctx->key_arch = engine->arch_id;
	if (ctx->active == SRE_ACTIVE_NONE)
		ctx->active = ctx->nkeys;
	ctx->keys[ctx->nkeys++] = key;
	return SRE_OK;
}

int sre_ctx_add_key(struct sre_engine *engine, struct sre_ctx *ctx,
		    const uint8_t *master_key, size_t key_len,
		    const uint8_t *master_salt, size_t salt_len,
		    const uint8_t *mki)
{
	struct sre_session_material rtp, rtcp;
	uint8_t salt14[14];

	if (engine == NULL || ctx == NULL || master_key == NULL ||
	    master_salt == NULL || (ctx->mki_len > 0 && mki == NULL))
		return SRE_ERR_BAD_PARAM;
	const struct sre_suite_info *info = &ctx->info;
	if (key_len != info->key_len)
		return SRE_ERR_KEY_LENGTH;
	if (salt_len != info->salt_len)
		return SRE_ERR_SALT_LENGTH;
	int rc = check_key_slot(ctx, mki);
	if (rc != SRE_OK)
		return rc;

	/* GCM's 12-byte master salt is zero-padded to 14 for the PRF, as
	 * libsrtp does (RFC 7714 §11 leaves it to RFC 3711's KDF). */
	memset(salt14, 0, sizeof(salt14));
	memcpy(salt14, master_salt, salt_len);
	rc = sre_derive_material(engine, info, master_key, salt14,
				 SRE_LABEL_RTP_ENC, &rtp);
	if (rc == SRE_OK)
		rc = sre_derive_material(engine, info, master_key, salt14,
					 SRE_LABEL_RTCP_ENC, &rtcp);
	if (rc == SRE_OK)
		rc = sre_ctx_add_session_keys(engine, ctx, &rtp, &rtcp, mki);
	sre_wipe(salt14, sizeof(salt14));
	sre_wipe(&rtp, sizeof(rtp));
	sre_wipe(&rtcp, sizeof(rtcp));
	return rc;
}

int sre_ctx_remove_key(struct sre_ctx *ctx, const uint8_t *mki)
{
	if (ctx == NULL || (ctx->mki_len > 0 && mki == NULL))
		return SRE_ERR_BAD_PARAM;
	int i = find_key(ctx, mki);
	if (i < 0)
		return SRE_ERR_UNKNOWN_MKI;
	key_free(ctx, ctx->keys[i]);
	for (unsigned j = (unsigned)i + 1; j < ctx->nkeys; j++)
		ctx->keys[j - 1] = ctx->keys[j];
	ctx->nkeys--;
	ctx->keys[ctx->nkeys] = NULL;
	if (ctx->active == i)
		ctx->active = SRE_ACTIVE_NONE;
	else if (ctx->active != SRE_ACTIVE_NONE && ctx->active > i)
		ctx->active--;
	return SRE_OK;
}

int sre_ctx_set_active_key(struct sre_ctx *ctx, const uint8_t *mki)
{
	if (ctx == NULL || (ctx->mki_len > 0 && mki == NULL))
		return SRE_ERR_BAD_PARAM;
	int i = find_key(ctx, mki);
	if (i < 0)
		return SRE_ERR_UNKNOWN_MKI;
	ctx->active = (uint8_t)i;
	return SRE_OK;
}

int sre_ctx_key_usage(const struct sre_ctx *ctx, const uint8_t *mki,
		      struct sre_key_usage *usage)
{
	if (ctx == NULL || usage == NULL || (ctx->mki_len > 0 && mki == NULL))
		return SRE_ERR_BAD_PARAM;
	int i = find_key(ctx, mki);
	if (i < 0)
		return SRE_ERR_UNKNOWN_MKI;
	usage->rtp_packets = ctx->keys[i]->used[0];
	usage->rtcp_packets = ctx->keys[i]->used[1];
	return SRE_OK;
}

/* ---- streams ---- */

size_t sre_stream_window_bytes(const struct sre_ctx *ctx)
{
	if (ctx == NULL || ctx->ring_bits <= 128)
		return 0;
	return ctx->ring_bits / 8;
}

int sre_stream_init(struct sre_stream *stream, struct sre_ctx *ctx,
		    uint32_t ssrc, uint64_t *window_mem)
{
	if (stream == NULL || ctx == NULL)
		return SRE_ERR_BAD_PARAM;
	bool ext = ctx->ring_bits > 128;
	if (ext != (window_mem != NULL))
		return SRE_ERR_BAD_PARAM;
	memset(stream, 0, sizeof(*stream));
	stream->ctx = ctx;
	stream->ssrc = ssrc;
	stream->flags = SRE_SF_INIT;
	if (ctx->nkeys > 0)
		stream->key_hint = sre_key_hint(
			ctx, ctx->keys[ctx->active < ctx->nkeys ? ctx->active : 0]);
	if (ext) {
		stream->rtp_window.ext = window_mem;
		memset(window_mem, 0, ctx->ring_bits / 8);
	}
	return SRE_OK;
}

int sre_stream_set_roc(struct sre_stream *stream, uint32_t roc)
{
	if (stream == NULL || !(stream->flags & SRE_SF_INIT))
		return SRE_ERR_BAD_PARAM;
	if (stream->flags & SRE_SF_RTP_SEEN)
		return SRE_ERR_BAD_PARAM; /* the ROC is the stream's own now */
	stream->roc = roc;
	return SRE_OK;
}

uint32_t sre_stream_roc(const struct sre_stream *stream)
{
	return stream ? stream->roc : 0;
}

int sre_stream_set_srtcp_index(struct sre_stream *stream, uint32_t next)
{
	if (stream == NULL || !(stream->flags & SRE_SF_INIT) ||
	    !stream->ctx->outbound || next > SRE_SRTCP_INDEX_MAX)
		return SRE_ERR_BAD_PARAM;
	if ((stream->flags & SRE_SF_RTCP_SEEN) &&
	    !(stream->flags & SRE_SF_RTCP_PRESET))
		return SRE_ERR_BAD_PARAM; /* SRTCP went out: the index is its own */
	stream->flags &= (uint8_t)~(SRE_SF_RTCP_SEEN | SRE_SF_RTCP_PRESET);
	stream->rtcp_index = 0;
	if (next > 0) {
		/* The sender takes rtcp_index + 1 once SRTCP was "seen". */
		stream->rtcp_index = next - 1;
		stream->flags |= SRE_SF_RTCP_SEEN | SRE_SF_RTCP_PRESET;
	}
	return SRE_OK;
}

int sre_stream_copy(struct sre_stream *dst, const struct sre_stream *src,
		    uint64_t *dst_window_mem)
{
	if (dst == NULL || src == NULL || !(src->flags & SRE_SF_INIT))
		return SRE_ERR_BAD_PARAM;
	const struct sre_ctx *ctx = src->ctx;
	bool ext = ctx->ring_bits > 128;
	if (ext != (dst_window_mem != NULL))
		return SRE_ERR_BAD_PARAM;
	*dst = *src;
	if (ext) {
		memcpy(dst_window_mem, src->rtp_window.ext, ctx->ring_bits / 8);
		dst->rtp_window.ext = dst_window_mem;
	}
	return SRE_OK;
}
