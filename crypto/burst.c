/*
 * Protect and unprotect of packet bursts.
 *
 * A chunk of up to SRE_CHUNK packets goes through passes: parse every packet
 * and decide its index and key; submit all of the chunk's crypto to IPsec-MB
 * at once (HMAC-SHA1 as one hash burst, AES-CTR as one cipher burst per key
 * size, AES-GCM through the job burst API); then, on receive, verify tags and
 * only then move stream state, in packet order (WireGuard's order: auth, then
 * replay, then commit). AES-CM packets are decrypted only after their tag
 * verified, so a forged packet is left as it came.
 */
#include <endian.h>
#include <stddef.h>

#include "sre_internal.h"

#ifdef SRE_IMB_CHECK
#define CIPHER_BURST IMB_SUBMIT_CIPHER_BURST
#define HASH_BURST IMB_SUBMIT_HASH_BURST
#define JOB_BURST IMB_SUBMIT_BURST
#else
#define CIPHER_BURST IMB_SUBMIT_CIPHER_BURST_NOCHECK
#define HASH_BURST IMB_SUBMIT_HASH_BURST_NOCHECK
#define JOB_BURST IMB_SUBMIT_BURST_NOCHECK
#endif

/* ---- per-packet helpers ---------------------------------------------- */

/* RFC 3711 §4.1.1: IV = salt*2^16 ^ SSRC*2^64 ^ index*2^16 (SRTCP: its index). */
static inline void cm_iv(uint8_t iv[16], const uint8_t salt[16], uint32_t ssrc,
			 uint64_t index)
{
	uint64_t s0, s1;
	memcpy(&s0, salt, 8);
	memcpy(&s1, salt + 8, 8);
	s0 ^= htobe64((uint64_t)ssrc);
	s1 ^= htobe64(index << 16);
	memcpy(iv, &s0, 8);
	memcpy(iv + 8, &s1, 8);
}

/* RFC 7714 §8.1 (SRTP): 00 00 || SSRC || ROC || SEQ, XOR salt. */
static inline void gcm_iv_rtp(uint8_t iv[12], const uint8_t salt[16],
			      uint32_t ssrc, uint64_t index)
{
	uint64_t a = htobe64(((uint64_t)ssrc << 16) | (index >> 32));
	uint32_t b = htobe32((uint32_t)index);
	uint64_t s0;
	uint32_t s1;
	memcpy(&s0, salt, 8);
	memcpy(&s1, salt + 8, 4);
	a ^= s0;
	b ^= s1;
	memcpy(iv, &a, 8);
	memcpy(iv + 8, &b, 4);
}

/* RFC 7714 §9.1 (SRTCP): 00 00 || SSRC || 00 00 || 0 || index, XOR salt. */
static inline void gcm_iv_rtcp(uint8_t iv[12], const uint8_t salt[16],
			       uint32_t ssrc, uint32_t index)
{
	uint64_t a = htobe64((uint64_t)ssrc << 16);
	uint32_t b = htobe32(index);
	uint64_t s0;
	uint32_t s1;
	memcpy(&s0, salt, 8);
	memcpy(&s1, salt + 8, 4);
	a ^= s0;
	b ^= s1;
	memcpy(iv, &a, 8);
	memcpy(iv + 8, &b, 4);
}

/* Length of the RTP header (with CSRCs and extension) within `limit` bytes. */
static inline int rtp_header_len(const uint8_t *d, uint32_t limit,
				 uint32_t *hdr_len)
{
	uint32_t h = SRE_RTP_HEADER_LEN + 4u * (d[0] & 0x0f);

	if (h > limit)
		return SRE_ERR_CSRC_OVERRUN;
	if (d[0] & 0x10) {
		if (h + 4 > limit)
			return SRE_ERR_EXT_OVERRUN;
		h += 4 + 4u * sre_load_be16(d + h + 2);
		if (h > limit)
			return SRE_ERR_EXT_OVERRUN;
	}
	*hdr_len = h;
	return SRE_OK;
}

static inline struct sre_key *key_by_mki(const struct sre_ctx *ctx,
					 const uint8_t *mki)
{
	uint32_t v = 0;

	if (ctx->mki_len == 0)
		return ctx->keys[0];
	memcpy(&v, mki, ctx->mki_len);
	for (unsigned i = 0; i < ctx->nkeys; i++) {
		if (ctx->keys[i]->mki_word == v)
			return ctx->keys[i];
	}
	return NULL;
}

/* Queues a key-limit event; delivered once the chunk is done, because a
 * callback that rekeys must not free keys that later packets still use. */
static void queue_event(struct sre_engine *e, struct sre_ctx *ctx,
			struct sre_key *key, int is_rtcp, enum sre_event ev)
{
	uint8_t bit = (uint8_t)(1u << ((ev - 1) * 2 + is_rtcp));
	if (key->events_fired & bit)
		return;
	key->events_fired |= bit;
	if (ctx->policy.on_event == NULL)
		return;
	struct sre_pending_event *pe = &e->events[e->nevents++];
	pe->ctx = ctx;
	memcpy(pe->mki, key->mki, sizeof(pe->mki));
	pe->is_rtcp = (uint8_t)is_rtcp;
	pe->event = (uint8_t)ev;
}

static void deliver_events(struct sre_engine *e)
{
	for (unsigned i = 0; i < e->nevents; i++) {
		struct sre_pending_event *pe = &e->events[i];
		pe->ctx->policy.on_event(pe->ctx, pe->mki, pe->is_rtcp,
					 (enum sre_event)pe->event,
					 pe->ctx->policy.event_arg);
	}
	e->nevents = 0;
}

/* The rare part of counting: a key reached its soft limit or its limit.
 * RFC 3711 §9.2: 2^48 SRTP or 2^31 SRTCP packets, whichever comes first,
 * use the key up for both. */
static void key_limit_reached(struct sre_engine *e, struct sre_ctx *ctx,
			      struct sre_key *key, int is_rtcp)
{
	uint64_t used = key->used[is_rtcp];

	queue_event(e, ctx, key, is_rtcp, SRE_EVENT_KEY_SOFT_LIMIT);
	if (used >= ctx->limit[is_rtcp]) {
		queue_event(e, ctx, key, is_rtcp, SRE_EVENT_KEY_HARD_LIMIT);
		key->exhausted = 1;
		key->next_check[is_rtcp] = UINT64_MAX;
	} else {
		key->next_check[is_rtcp] = ctx->limit[is_rtcp];
	}
}

static inline void count_key_use(struct sre_engine *e, struct sre_ctx *ctx,
				 struct sre_key *key, int is_rtcp)
{
	if (unlikely(++key->used[is_rtcp] >= key->next_check[is_rtcp]))
		key_limit_reached(e, ctx, key, is_rtcp);
}

static inline bool key_exhausted(const struct sre_ctx *ctx,
				 const struct sre_key *key)
{
	(void)ctx;
	return key->exhausted;
}

/* Replay check of an SRTP index against the stream as it is now. */
static inline int rtp_replay_check(struct sre_stream *s,
				   const struct sre_ctx *ctx, uint64_t idx)
{
	if (!(s->flags & SRE_SF_RTP_SEEN))
		return SRE_OK;
	return sre_window_check(sre_stream_rtp_bits(s, ctx), ctx->ring_bits,
				ctx->window, sre_stream_rtp_top(s), idx);
}

static inline int rtcp_replay_check(const struct sre_stream *s, uint32_t idx)
{
	if (!(s->flags & SRE_SF_RTCP_SEEN))
		return SRE_OK;
	return sre_window_check(s->rtcp_window, SRE_RTCP_WINDOW,
				SRE_RTCP_WINDOW, s->rtcp_index, idx);
}

/* Moves stream state to take SRTP index idx (already checked). */
static inline void rtp_commit(struct sre_stream *s, const struct sre_ctx *ctx,
			      uint64_t idx)
{
	bool seen = s->flags & SRE_SF_RTP_SEEN;
	uint64_t top = sre_stream_rtp_top(s);

	sre_window_commit(sre_stream_rtp_bits(s, ctx), ctx->ring_bits, seen,
			  top, idx);
	if (!seen || idx > top) {
		s->roc = (uint32_t)(idx >> 16);
		s->seq = (uint16_t)idx;
	}
	s->flags |= SRE_SF_RTP_SEEN;
}

static inline void rtcp_commit(struct sre_stream *s, uint32_t idx)
{
	bool seen = s->flags & SRE_SF_RTCP_SEEN;

	sre_window_commit(s->rtcp_window, SRE_RTCP_WINDOW, seen, s->rtcp_index,
			  idx);
	if (!seen || idx > s->rtcp_index)
		s->rtcp_index = idx;
	s->flags = (uint8_t)((s->flags | SRE_SF_RTCP_SEEN) & ~SRE_SF_RTCP_PRESET);
}

/* Checks common to both directions; on success *ctx_out is the context. */
static inline int check_stream(const struct sre_engine *e,
			       const struct sre_packet *p, bool outbound,
			       struct sre_ctx **ctx_out)
{
	const struct sre_stream *s = p->stream;

	if (unlikely(p->kind > SRE_RTCP || p->len > p->room))
		return SRE_ERR_BAD_PARAM;
	if (unlikely(s == NULL || !(s->flags & SRE_SF_INIT)))
		return SRE_ERR_NO_STREAM;
	struct sre_ctx *ctx = s->ctx;
	if (unlikely(ctx->outbound != outbound))
		return SRE_ERR_WRONG_DIRECTION;
	if (unlikely(p->len < (p->kind == SRE_RTCP ? SRE_RTCP_HEADER_LEN
						   : SRE_RTP_HEADER_LEN)))
		return SRE_ERR_TOO_SHORT;
	if (unlikely((p->data[0] >> 6) != 2))
		return SRE_ERR_BAD_VERSION;
	if (unlikely(sre_load_be32(p->data + (p->kind == SRE_RTCP ? 4 : 8)) !=
		     s->ssrc))
		return SRE_ERR_SSRC_MISMATCH;
	if (unlikely(ctx->nkeys == 0))
		return SRE_ERR_NO_KEY;
	if (unlikely(ctx->key_arch != 0 && ctx->key_arch != e->arch_id))
		return SRE_ERR_ARCH_MISMATCH;
	*ctx_out = ctx;
	return SRE_OK;
}

/* ---- IPsec-MB passes ------------------------------------------------- */

/* HMAC-SHA1 over data[0, auth_len) of each listed packet into work.tag. */
static bool run_hmac(struct sre_engine *e, struct sre_packet *pkts,
		     const uint16_t *list, unsigned n)
{
	for (unsigned j = 0; j < n; j++) {
		struct sre_work *w = &e->work[list[j]];
		const struct sre_cm_keys *k = w->sk;
		IMB_JOB *job = &e->jobs[j];

		job->src = pkts[w->pkt].data;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = w->auth_len;
		job->auth_tag_output = w->tag;
		job->auth_tag_output_len_in_bytes = SRE_HMAC_OUT_LEN;
		job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
	}
	return n == 0 ||
	       HASH_BURST(e->mgr, e->jobs, n, IMB_AUTH_HMAC_SHA_1) == n;
}

static inline void fill_ctr_job(IMB_JOB *job, struct sre_packet *p,
				struct sre_work *w)
{
	const struct sre_cm_keys *k = w->sk;

	job->enc_keys = k->aes_enc;
	job->dec_keys = k->aes_enc; /* CTR runs the encrypt schedule */
	job->key_len_in_bytes = w->key_len;
	job->src = p->data;
	job->dst = p->data + w->enc_off;
	job->cipher_start_src_offset_in_bytes = w->enc_off;
	job->msg_len_to_cipher_in_bytes = w->enc_len;
	job->iv = w->iv;
	job->iv_len_in_bytes = 16;
}

/* AES-CTR (IV in w->iv) over the encrypted portion of each listed packet, in
 * place: one cipher burst per key size, 128-bit jobs filled from the front
 * of the job array and 256-bit ones from the back. */
static bool run_ctr(struct sre_engine *e, struct sre_packet *pkts,
		    const uint16_t *list, unsigned n, IMB_CIPHER_DIRECTION dir)
{
	unsigned n128 = 0, n256 = 0;
	bool ok = true;

	for (unsigned j = 0; j < n; j++) {
		struct sre_work *w = &e->work[list[j]];
		if (w->enc_len == 0)
			continue;
		IMB_JOB *job = w->key_len == 16 ? &e->jobs[n128++]
						: &e->jobs[SRE_CHUNK - ++n256];
		fill_ctr_job(job, &pkts[w->pkt], w);
	}
	if (n128 > 0 && CIPHER_BURST(e->mgr, e->jobs, n128, IMB_CIPHER_CNTR,
				     dir, IMB_KEY_128_BYTES) != n128)
		ok = false;
	if (n256 > 0 && CIPHER_BURST(e->mgr, &e->jobs[SRE_CHUNK - n256], n256,
				     IMB_CIPHER_CNTR, dir,
				     IMB_KEY_256_BYTES) != n256)
		ok = false;
	return ok;
}

/* Empties the manager's queue after a failed burst, so that no job is left
 * pointing at buffers the caller takes back. */
static void drain_jobs(IMB_MGR *mgr)
{
	while (IMB_QUEUE_SIZE(mgr) > 0 && IMB_FLUSH_JOB(mgr) != NULL)
		;
}

/* AES-GCM for each listed packet: cipher [enc_off, +enc_len) in place, AAD
 * from w->aad (encrypted SRTCP) or the packet head, tag into w->tag, IV in
 * w->iv. Returns false if IPsec-MB refused a job. */
static bool run_gcm(struct sre_engine *e, struct sre_packet *pkts,
		    const uint16_t *list, unsigned n, IMB_CIPHER_DIRECTION dir)
{
	IMB_JOB *jobs[SRE_CHUNK];
	IMB_MGR *mgr = e->mgr;
	bool ok = true;

	if (n == 0)
		return true;
	/* The queue is empty between bursts (every burst is flushed), so a
	 * chunk always finds room. */
	if (IMB_GET_NEXT_BURST(mgr, n, jobs) < n)
		return false;
	for (unsigned j = 0; j < n; j++) {
		struct sre_work *w = &e->work[list[j]];
		struct sre_packet *p = &pkts[w->pkt];
		const struct sre_gcm_keys *k = w->sk;
		IMB_JOB *job = jobs[j];

		job->cipher_mode = IMB_CIPHER_GCM;
		job->cipher_direction = dir;
		job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH
							  : IMB_ORDER_HASH_CIPHER;
		job->enc_keys = &k->gcm;
		job->dec_keys = &k->gcm;
		job->key_len_in_bytes = w->key_len;
		job->src = p->data;
		job->dst = p->data + w->enc_off;
		job->cipher_start_src_offset_in_bytes = w->enc_off;
		job->msg_len_to_cipher_in_bytes = w->enc_len;
		job->hash_start_src_offset_in_bytes = w->enc_off;
		job->msg_len_to_hash_in_bytes = w->enc_len;
		job->iv = w->iv;
		job->iv_len_in_bytes = SRE_GCM_IV_LEN;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->u.GCM.aad = p->kind == SRE_RTCP && w->encrypted ? w->aad
								     : p->data;
		job->u.GCM.aad_len_in_bytes = w->aad_len;
		job->auth_tag_output = w->tag;
		job->auth_tag_output_len_in_bytes = SRE_GCM_TAG_LEN;
	}
	unsigned done = JOB_BURST(mgr, n, jobs);
	for (unsigned j = 0; j < done; j++)
		ok &= jobs[j]->status == IMB_STATUS_COMPLETED;
	while (done < n) {
		unsigned f = IMB_FLUSH_BURST(mgr, n - done, jobs);
		if (f == 0) {
			drain_jobs(mgr);
			return false;
		}
		for (unsigned j = 0; j < f; j++)
			ok &= jobs[j]->status == IMB_STATUS_COMPLETED;
		done += f;
	}
	return ok;
}

static void fail_list(struct sre_engine *e, struct sre_packet *pkts,
		      const uint16_t *list, unsigned n)
{
	for (unsigned j = 0; j < n; j++)
		pkts[e->work[list[j]].pkt].status = SRE_ERR_IPSEC_MB;
}

/* Per-packet IV once the index is known. */
static inline void set_iv(struct sre_work *w, const struct sre_packet *p)
{
	uint32_t ssrc = p->stream->ssrc;

	if (w->ctx->info.aead) {
		const struct sre_gcm_keys *k = w->sk;
		if (p->kind == SRE_RTP)
			gcm_iv_rtp(w->iv, k->salt, ssrc, w->index);
		else
			gcm_iv_rtcp(w->iv, k->salt, ssrc, (uint32_t)w->index);
	} else {
		const struct sre_cm_keys *k = w->sk;
		cm_iv(w->iv, k->salt, ssrc, w->index);
	}
}

/* With many streams, a packet's stream, context and key are each a likely
 * cache miss, and each address comes from the one before. Walking the chunk
 * once per level (streams, then contexts, then keys) keeps a whole chunk's
 * misses of a level in flight together instead of one packet's at a time. */
static inline void prefetch_chunk(const struct sre_engine *e,
				  const struct sre_packet *pkts, unsigned n,
				  bool inbound)
{
	bool vaes = e->arch_id & 0x80;

	for (unsigned i = 0; i < n; i++) {
		/* the header and the trailer (tag, MKI, SRTCP index) are read
		 * while parsing; the payload only by IPsec-MB */
		sre_prefetch(pkts[i].data);
		if (pkts[i].len > 64 && pkts[i].len <= pkts[i].room)
			sre_prefetch(pkts[i].data + pkts[i].len - 1);
		if (likely(pkts[i].stream != NULL))
			sre_prefetch(pkts[i].stream);
	}
	/* The stream's key hint lets the key's lines start with the context
	 * line instead of a level later. A stale hint costs a useless
	 * prefetch, never a fault. */
	for (unsigned i = 0; i < n; i++) {
		const struct sre_stream *s = pkts[i].stream;
		if (unlikely(s == NULL || s->ctx == NULL))
			continue;
		sre_prefetch(s->ctx);
		if (likely(s->key_hint != 0 && pkts[i].kind == SRE_RTP)) {
			const uint8_t *k = (const uint8_t *)(s->key_hint & ~(uintptr_t)63);
			/* the cipher's bytes if the header has no CSRC or
			 * extension (and, received, no MKI); a longer header
			 * only makes them fewer, at the cost of a line
			 * prefetched in vain */
			uint32_t fixed = SRE_RTP_HEADER_LEN +
					 (inbound ? SRE_GCM_TAG_LEN : 0);
			sre_prefetch(k);
			sre_prefetch_session_keys(k + SRE_KEY_HEADER,
						  s->key_hint & SRE_HINT_GCM,
						  s->key_hint & SRE_HINT_AES256,
						  pkts[i].len > fixed ? pkts[i].len - fixed : 0,
						  vaes);
		}
	}
}

/* ---- protect --------------------------------------------------------- */

/* Decides index and key of one outgoing packet and commits the sender state
 * at once: a sender needs no verification, and later packets of the same
 * burst must see the index taken. */
static int protect_prepare(struct sre_engine *e, struct sre_packet *p,
			   struct sre_work *w)
{
	struct sre_ctx *ctx;
	int rc = check_stream(e, p, true, &ctx);
	if (rc != SRE_OK)
		return rc;
	bool rtcp = p->kind == SRE_RTCP;
	struct sre_stream *s = p->stream;
	const struct sre_suite_info *info = &ctx->info;
	uint32_t tag = rtcp ? info->tag_rtcp : info->tag_rtp;
	uint32_t trailer = tag + ctx->mki_len + (rtcp ? SRE_SRTCP_TRAILER_LEN : 0);
	uint32_t len = p->len;

	if (unlikely(ctx->active == SRE_ACTIVE_NONE))
		return SRE_ERR_NO_KEY;
	struct sre_key *key = ctx->keys[ctx->active];
	if (unlikely((uint64_t)len + trailer > p->room))
		return SRE_ERR_NO_ROOM;
	if (unlikely(key_exhausted(ctx, key)))
		return SRE_ERR_KEY_EXHAUSTED;

	w->ctx = ctx;
	w->key = key;
	w->sk = sre_key_block(ctx, key, rtcp);
	w->key_len = info->key_len;
	w->tag_len = (uint8_t)tag;
	if (!rtcp) {
		uint32_t h;
		uint16_t seq = sre_load_be16(p->data + 2);
		rc = rtp_header_len(p->data, len, &h);
		if (rc != SRE_OK)
			return rc;
		if (!(s->flags & SRE_SF_RTP_SEEN)) {
			w->index = ((uint64_t)s->roc << 16) | seq;
		} else {
			if (!sre_estimate_index(s->roc, s->seq, seq, &w->index))
				return SRE_ERR_KEY_EXHAUSTED;
			/* Refusing to protect an index twice keeps the
			 * keystream from ever being reused. */
			rc = rtp_replay_check(s, ctx, w->index);
			if (rc != SRE_OK)
				return rc;
		}
		rtp_commit(s, ctx, w->index);
		w->enc_off = h;
		w->enc_len = info->encrypts ? len - h : 0;
		w->encrypted = info->encrypts;
		w->auth_len = len + 4; /* + ROC */
		w->aad_len = h;
		w->tag_off = len + ctx->mki_len;
	} else {
		uint64_t next = (s->flags & SRE_SF_RTCP_SEEN)
					? (uint64_t)s->rtcp_index + 1
					: 0;
		if (next > SRE_SRTCP_INDEX_MAX)
			return SRE_ERR_KEY_EXHAUSTED;
		rtcp_commit(s, (uint32_t)next);
		w->index = next;
		w->encrypted = ctx->rtcp_encrypt;
		w->enc_off = SRE_RTCP_HEADER_LEN;
		w->enc_len = w->encrypted ? len - SRE_RTCP_HEADER_LEN : 0;
		w->auth_len = len + SRE_SRTCP_TRAILER_LEN;
		w->tag_off = len + SRE_SRTCP_TRAILER_LEN + ctx->mki_len;
	}
	set_iv(w, p);
	s->key_hint = sre_key_hint(ctx, key);
	count_key_use(e, ctx, key, rtcp);
	return SRE_OK;
}

static inline uint32_t srtcp_trailer(const struct sre_work *w)
{
	return (w->encrypted ? SRE_SRTCP_E_BIT : 0) | (uint32_t)w->index;
}

/* GCM's SRTCP AAD: header + trailer (encrypted), or the whole packet and the
 * trailer (RFC 7714 §9.3), for which the trailer is laid after the packet
 * until the tag takes its place. */
static void protect_gcm_rtcp_aad(struct sre_packet *p, struct sre_work *w)
{
	if (w->encrypted) {
		memcpy(w->aad, p->data, SRE_RTCP_HEADER_LEN);
		sre_store_be32(w->aad + 8, srtcp_trailer(w));
		w->aad_len = 12;
	} else {
		sre_store_be32(p->data + p->len, srtcp_trailer(w));
		w->aad_len = p->len + SRE_SRTCP_TRAILER_LEN;
		w->enc_off = w->aad_len;
	}
}

static void protect_chunk(struct sre_engine *e, struct sre_packet *pkts,
			  unsigned n)
{
	uint16_t *cm = e->list_a, *gcm = e->list_b;
	unsigned ncm = 0, ngcm = 0;

	prefetch_chunk(e, pkts, n, false);
	for (unsigned i = 0; i < n; i++) {
		struct sre_work *w = &e->work[i];
		struct sre_packet *p = &pkts[i];

		w->pkt = (uint16_t)i;
		p->status = (uint8_t)protect_prepare(e, p, w);
		if (p->status != SRE_OK)
			continue;
		if (!w->ctx->info.aead) {
			cm[ncm++] = (uint16_t)i;
			if (p->kind == SRE_RTCP)
				sre_store_be32(p->data + p->len, srtcp_trailer(w));
		} else {
			gcm[ngcm++] = (uint16_t)i;
			if (p->kind == SRE_RTCP)
				protect_gcm_rtcp_aad(p, w);
		}
	}

	/* AES-CM suites: encrypt, then MAC the ciphertext (and ROC). */
	if (ncm > 0) {
		bool ok = run_ctr(e, pkts, cm, ncm, IMB_DIR_ENCRYPT);
		for (unsigned j = 0; j < ncm; j++) {
			struct sre_work *w = &e->work[cm[j]];
			struct sre_packet *p = &pkts[w->pkt];
			if (p->kind == SRE_RTP)
				sre_store_be32(p->data + p->len,
					       (uint32_t)(w->index >> 16));
		}
		ok &= run_hmac(e, pkts, cm, ncm);
		if (!ok)
			fail_list(e, pkts, cm, ncm);
		for (unsigned j = 0; ok && j < ncm; j++) {
			struct sre_work *w = &e->work[cm[j]];
			struct sre_packet *p = &pkts[w->pkt];
			uint8_t mki_len = w->ctx->mki_len;
			sre_copy_small(p->data + w->tag_off - mki_len,
				       w->key->mki, mki_len);
			sre_copy_small(p->data + w->tag_off, w->tag, w->tag_len);
			p->len = w->tag_off + w->tag_len;
		}
	}

	/* AES-GCM suites: one job does both. */
	if (ngcm > 0) {
		bool ok = run_gcm(e, pkts, gcm, ngcm, IMB_DIR_ENCRYPT);
		if (!ok)
			fail_list(e, pkts, gcm, ngcm);
		for (unsigned j = 0; ok && j < ngcm; j++) {
			struct sre_work *w = &e->work[gcm[j]];
			struct sre_packet *p = &pkts[w->pkt];
			uint32_t len = p->len;
			uint8_t *d = p->data;

			memcpy(d + len, w->tag, SRE_GCM_TAG_LEN);
			len += SRE_GCM_TAG_LEN;
			if (p->kind == SRE_RTCP) {
				sre_store_be32(d + len, srtcp_trailer(w));
				len += SRE_SRTCP_TRAILER_LEN;
			}
			sre_copy_small(d + len, w->key->mki, w->ctx->mki_len);
			p->len = len + w->ctx->mki_len;
		}
	}
	deliver_events(e);
}

unsigned sre_protect_burst(struct sre_engine *engine, struct sre_packet *pkts,
			   unsigned n)
{
	unsigned ok = 0;

	if (engine == NULL || (pkts == NULL && n > 0))
		return 0;
	for (unsigned base = 0; base < n; base += SRE_CHUNK) {
		unsigned m = n - base < SRE_CHUNK ? n - base : SRE_CHUNK;
		protect_chunk(engine, pkts + base, m);
		for (unsigned i = 0; i < m; i++)
			ok += pkts[base + i].status == SRE_OK;
	}
	return ok;
}

/* ---- unprotect ------------------------------------------------------- */

/* Parses one incoming SRTP packet, finds its key and index, and checks what
 * can be checked before the tag: nothing here changes state. For AES-CM the
 * ROC is laid after the payload (the MAC input must be contiguous), keeping
 * the bytes it covers. */
static int unprotect_prepare_rtp(struct sre_packet *p, struct sre_work *w,
				 struct sre_ctx *ctx)
{
	const struct sre_suite_info *info = &ctx->info;
	struct sre_stream *s = p->stream;
	uint32_t tag = info->tag_rtp, mki = ctx->mki_len, len = p->len, h;
	uint8_t *d = p->data;
	int rc;

	if (len < SRE_RTP_HEADER_LEN + tag + mki)
		return SRE_ERR_TOO_SHORT;
	/* AES-CM: header|payload|MKI|tag; GCM: header|payload|tag|MKI */
	uint32_t body_end = len - tag - mki;
	rc = rtp_header_len(d, body_end, &h);
	if (rc != SRE_OK)
		return rc;
	struct sre_key *key =
		key_by_mki(ctx, d + (info->aead ? len - mki : body_end));
	if (unlikely(key == NULL))
		return SRE_ERR_UNKNOWN_MKI;
	if (unlikely(key_exhausted(ctx, key)))
		return SRE_ERR_KEY_EXHAUSTED;
	w->key = key;

	uint16_t seq = sre_load_be16(d + 2);
	w->estimated = 1;
	if (!(s->flags & SRE_SF_RTP_SEEN)) {
		w->index = ((uint64_t)s->roc << 16) | seq;
		w->tried = w->index;
		/* A first packet just after a wrap whose predecessors were
		 * lost carries ROC+1; libsrtp cannot recover that case (its
		 * issues #725, #729). The retry costs a second tag check for
		 * a stream's unverified first packets only. */
		w->retry = seq < 0x8000 && s->roc != UINT32_MAX;
	} else {
		if (!sre_estimate_index(s->roc, s->seq, seq, &w->index)) {
			w->estimated = 0;
			return SRE_ERR_KEY_EXHAUSTED;
		}
		w->tried = w->index;
		rc = rtp_replay_check(s, ctx, w->index);
		if (rc != SRE_OK)
			return rc;
	}
	w->key = key;
	w->sk = sre_key_block(ctx, key, 0);
	w->tag_len = (uint8_t)tag;
	w->encrypted = info->encrypts;
	w->enc_off = h;
	w->enc_len = info->encrypts ? body_end - h : 0;
	w->out_len = body_end;
	set_iv(w, p);
	if (info->aead) {
		w->tag_off = body_end;
		w->aad_len = h;
		sre_copy_small(w->rtag, d + body_end, SRE_GCM_TAG_LEN);
	} else {
		w->tag_off = len - tag;
		w->auth_len = body_end + 4;
		sre_copy_small(w->rtag, d + w->tag_off, tag);
		memcpy(w->saved, d + body_end, 4);
		sre_store_be32(d + body_end, (uint32_t)(w->index >> 16));
	}
	return SRE_OK;
}

static int unprotect_prepare_rtcp(struct sre_packet *p, struct sre_work *w,
				  struct sre_ctx *ctx)
{
	const struct sre_suite_info *info = &ctx->info;
	uint32_t tag = info->tag_rtcp, mki = ctx->mki_len, len = p->len;
	uint8_t *d = p->data;

	if (len < SRE_RTCP_HEADER_LEN + SRE_SRTCP_TRAILER_LEN + tag + mki)
		return SRE_ERR_TOO_SHORT;
	/* AES-CM: header|payload|E+index|MKI|tag;
	 * GCM: header|payload|tag|E+index|MKI */
	uint32_t trailer_off = info->aead ? len - mki - SRE_SRTCP_TRAILER_LEN
					  : len - tag - mki - SRE_SRTCP_TRAILER_LEN;
	struct sre_key *key =
		key_by_mki(ctx, d + (info->aead ? len - mki : len - tag - mki));
	if (unlikely(key == NULL))
		return SRE_ERR_UNKNOWN_MKI;
	if (unlikely(key_exhausted(ctx, key)))
		return SRE_ERR_KEY_EXHAUSTED;
	uint32_t trailer = sre_load_be32(d + trailer_off);
	w->key = key;
	w->index = trailer & SRE_SRTCP_INDEX_MAX;
	w->estimated = 1;
	int rc = rtcp_replay_check(p->stream, (uint32_t)w->index);
	if (rc != SRE_OK)
		return rc;
	w->key = key;
	w->sk = sre_key_block(ctx, key, 1);
	w->tag_len = (uint8_t)tag;
	w->encrypted = (trailer & SRE_SRTCP_E_BIT) && info->encrypts;
	w->enc_off = SRE_RTCP_HEADER_LEN;
	set_iv(w, p);
	if (!info->aead) {
		w->tag_off = len - tag;
		w->enc_len = w->encrypted ? trailer_off - SRE_RTCP_HEADER_LEN : 0;
		w->auth_len = trailer_off + SRE_SRTCP_TRAILER_LEN;
		w->out_len = trailer_off;
		sre_copy_small(w->rtag, d + w->tag_off, tag);
		return SRE_OK;
	}
	w->tag_off = trailer_off - SRE_GCM_TAG_LEN;
	w->out_len = w->tag_off;
	sre_copy_small(w->rtag, d + w->tag_off, SRE_GCM_TAG_LEN);
	if (w->encrypted) {
		w->enc_len = w->tag_off - SRE_RTCP_HEADER_LEN;
		memcpy(w->aad, d, SRE_RTCP_HEADER_LEN);
		sre_store_be32(w->aad + 8, trailer);
		w->aad_len = 12;
	} else {
		/* RFC 7714 §9.3: AAD is the packet and the trailer; move the
		 * trailer next to the packet, over the (saved) tag. */
		sre_store_be32(d + w->tag_off, trailer);
		w->enc_off = w->tag_off + SRE_SRTCP_TRAILER_LEN;
		w->enc_len = 0;
		w->aad_len = w->tag_off + SRE_SRTCP_TRAILER_LEN;
	}
	return SRE_OK;
}

static int unprotect_prepare(struct sre_engine *e, struct sre_packet *p,
			     struct sre_work *w)
{
	struct sre_ctx *ctx;
	int rc = check_stream(e, p, false, &ctx);
	if (rc != SRE_OK)
		return rc;
	w->ctx = ctx;
	w->key_len = ctx->info.key_len;
	w->retry = 0;
	return p->kind == SRE_RTCP ? unprotect_prepare_rtcp(p, w, ctx)
				   : unprotect_prepare_rtp(p, w, ctx);
}

/* HMAC-verifies the AES-CM packets of a chunk; packets that failed and may
 * be a first packet after a lost wrap are tried once more with ROC+1. */
static void unprotect_verify_cm(struct sre_engine *e, struct sre_packet *pkts,
				const uint16_t *list, unsigned n)
{
	uint16_t *retry = e->list_c;

	for (int round = 0; round < 2 && n > 0; round++) {
		bool ok = run_hmac(e, pkts, list, n);
		unsigned nretry = 0;
		for (unsigned j = 0; j < n; j++) {
			struct sre_work *w = &e->work[list[j]];
			struct sre_packet *p = &pkts[w->pkt];
			if (p->kind == SRE_RTP)
				memcpy(p->data + w->auth_len - 4, w->saved, 4);
			if (!ok) {
				p->status = SRE_ERR_IPSEC_MB;
			} else if (sre_tag_diff(w->tag, w->rtag, w->tag_len)) {
				if (round == 0 && w->retry) {
					w->index += UINT64_C(1) << 16;
					set_iv(w, p);
					sre_store_be32(p->data + w->auth_len - 4,
						       (uint32_t)(w->index >> 16));
					retry[nretry++] = list[j];
				} else {
					p->status = SRE_ERR_AUTH_FAIL;
				}
			}
		}
		list = retry;
		n = nretry;
	}
}

/* GCM decrypts in place before the tag is known; a first packet that failed
 * is turned back into ciphertext (CTR is its own inverse) and tried with
 * ROC+1. */
static void unprotect_verify_gcm(struct sre_engine *e, struct sre_packet *pkts,
				 const uint16_t *list, unsigned n)
{
	uint16_t *retry = e->list_c;
	unsigned nretry = 0;
	bool ok = run_gcm(e, pkts, list, n, IMB_DIR_DECRYPT);

	for (unsigned j = 0; j < n; j++) {
		struct sre_work *w = &e->work[list[j]];
		struct sre_packet *p = &pkts[w->pkt];
		w->decrypted = 1;
		if (!ok)
			p->status = SRE_ERR_IPSEC_MB;
		else if (sre_tag_diff(w->tag, w->rtag, SRE_GCM_TAG_LEN)) {
			if (w->retry)
				retry[nretry++] = list[j];
			else
				p->status = SRE_ERR_AUTH_FAIL;
		}
	}
	if (nretry == 0)
		return;
	ok = run_gcm(e, pkts, retry, nretry, IMB_DIR_ENCRYPT);
	for (unsigned j = 0; j < nretry; j++) {
		struct sre_work *w = &e->work[retry[j]];
		w->index += UINT64_C(1) << 16;
		set_iv(w, &pkts[w->pkt]);
	}
	ok = ok && run_gcm(e, pkts, retry, nretry, IMB_DIR_DECRYPT);
	for (unsigned j = 0; j < nretry; j++) {
		struct sre_work *w = &e->work[retry[j]];
		struct sre_packet *p = &pkts[w->pkt];
		if (!ok)
			p->status = SRE_ERR_IPSEC_MB;
		else if (sre_tag_diff(w->tag, w->rtag, SRE_GCM_TAG_LEN))
			p->status = SRE_ERR_AUTH_FAIL;
	}
}

/* Settles a packet in packet order against the stream as it is at its turn,
 * for the outcome processing it alone would give, checked in the order a
 * lone packet is: key used up, index, replay, tag; a verified packet
 * commits. Returns false when the late estimate is not an index the packet
 * was decided under (earlier packets of the chunk moved the stream): it
 * must then be processed again on its own, at its turn. */
static bool unprotect_settle(struct sre_engine *e, struct sre_packet *p,
			     struct sre_work *w)
{
	struct sre_stream *s = p->stream;
	struct sre_ctx *ctx = w->ctx;
	bool rtcp = p->kind == SRE_RTCP;
	int rc = SRE_OK;

	if (unlikely(key_exhausted(ctx, w->key))) {
		p->status = SRE_ERR_KEY_EXHAUSTED;
		return true;
	}
	if (likely(s->chunk_gen != e->chunk_gen)) {
		/* No packet of this chunk moved the stream yet: the estimate
		 * and replay check made when the packet was prepared stand.
		 * (A stream last moved 256 chunks ago takes the long way,
		 * which is always right.) */
	} else if (rtcp) {
		rc = rtcp_replay_check(s, (uint32_t)w->index);
	} else if (!(s->flags & SRE_SF_RTP_SEEN)) {
		/* only SRTCP moved it: still a first packet, both candidates
		 * stand as they would alone (this is also why a chunk of one
		 * never goes stale) */
	} else {
		uint64_t now;
		if (!sre_estimate_index(s->roc, s->seq, (uint16_t)w->tried, &now)) {
			p->status = SRE_ERR_KEY_EXHAUSTED;
			return true;
		}
		rc = rtp_replay_check(s, ctx, now);
		if (rc == SRE_OK) {
			/* verified: under w->index; refused: at the first
			 * estimate, and for a first packet at ROC+1 too */
			bool same = p->status == SRE_OK
					    ? now == w->index
					    : now == w->tried ||
						      (w->retry &&
						       now == w->tried + (UINT64_C(1) << 16));
			if (!same)
				return false;
		}
	}
	if (rc != SRE_OK) {
		p->status = (uint8_t)rc; /* a replay is reported before the tag */
		return true;
	}
	if (p->status != SRE_OK)
		return true;
	if (rtcp)
		rtcp_commit(s, (uint32_t)w->index);
	else
		rtp_commit(s, ctx, w->index);
	s->chunk_gen = e->chunk_gen;
	s->key_hint = sre_key_hint(ctx, w->key);
	count_key_use(e, ctx, w->key, rtcp);
	p->len = w->out_len;
	return true;
}

static void unprotect_chunk(struct sre_engine *e, struct sre_packet *pkts,
			    unsigned n, bool nested);

/* Processes packet i of a chunk again on its own, at its turn: payload the
 * cipher ran over is made ciphertext again with the IV it was run with
 * (counter mode is its own inverse; GCM re-encrypts), then it runs as a
 * chunk of one, which cannot go stale. The nested call uses only slot 0 of
 * the engine's scratch, whose packet (the chunk's first, which cannot be
 * stale) is settled already. */
static void unprotect_redo(struct sre_engine *e, struct sre_packet *pkts,
			   uint16_t i)
{
	struct sre_work *w = &e->work[i];
	bool ok = true;

	if (w->decrypted)
		ok = w->ctx->info.aead ? run_gcm(e, pkts, &i, 1, IMB_DIR_ENCRYPT)
				       : run_ctr(e, pkts, &i, 1, IMB_DIR_ENCRYPT);
	if (!ok) {
		pkts[i].status = SRE_ERR_IPSEC_MB;
		return;
	}
	unprotect_chunk(e, &pkts[i], 1, true);
}

/* `nested`: a redo inside a chunk, which keeps the chunk's generation and
 * leaves event delivery to it (later packets of the chunk still use keys a
 * callback might remove). */
static void unprotect_chunk(struct sre_engine *e, struct sre_packet *pkts,
			    unsigned n, bool nested)
{
	uint16_t *cm = e->list_a, *gcm = e->list_b, *decrypt = e->list_d;
	unsigned ncm = 0, ngcm = 0, ndec = 0;

	if (!nested)
		e->chunk_gen++;
	prefetch_chunk(e, pkts, n, true);
	for (unsigned i = 0; i < n; i++) {
		struct sre_work *w = &e->work[i];
		struct sre_packet *p = &pkts[i];

		w->pkt = (uint16_t)i;
		w->estimated = 0;
		w->decrypted = 0;
		p->status = (uint8_t)unprotect_prepare(e, p, w);
		if (p->status != SRE_OK)
			continue;
		if (w->ctx->info.aead)
			gcm[ngcm++] = (uint16_t)i;
		else
			cm[ncm++] = (uint16_t)i;
	}
	unprotect_verify_cm(e, pkts, cm, ncm);
	unprotect_verify_gcm(e, pkts, gcm, ngcm);

	/* AES-CM payloads are decrypted only once their tag verified, and
	 * before any state moves, so that a failure here moves nothing. */
	for (unsigned j = 0; j < ncm; j++) {
		struct sre_work *w = &e->work[cm[j]];
		if (pkts[w->pkt].status == SRE_OK && w->enc_len > 0) {
			decrypt[ndec++] = cm[j];
			w->decrypted = 1;
		}
	}
	if (!run_ctr(e, pkts, decrypt, ndec, IMB_DIR_DECRYPT))
		fail_list(e, pkts, decrypt, ndec);

	for (unsigned i = 0; i < n; i++) {
		if (e->work[i].estimated &&
		    unlikely(!unprotect_settle(e, &pkts[i], &e->work[i])))
			unprotect_redo(e, pkts, (uint16_t)i);
	}
	if (!nested)
		deliver_events(e);
}

unsigned sre_unprotect_burst(struct sre_engine *engine,
			     struct sre_packet *pkts, unsigned n)
{
	unsigned ok = 0;

	if (engine == NULL || (pkts == NULL && n > 0))
		return 0;
	for (unsigned base = 0; base < n; base += SRE_CHUNK) {
		unsigned m = n - base < SRE_CHUNK ? n - base : SRE_CHUNK;
		unprotect_chunk(engine, pkts + base, m, false);
		for (unsigned i = 0; i < m; i++)
			ok += pkts[base + i].status == SRE_OK;
	}
	return ok;
}
