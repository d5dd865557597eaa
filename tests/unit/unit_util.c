/*
 * Helpers shared by the unit test programs (see unit_util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit_util.h"

const uint8_t ut_mki0[SRE_MAX_MKI_LEN] = {1, 2, 3, 4};

static char where[256];

void ut_where(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
}

bool ut_check(bool ok, unsigned line, const char *file, const char *func,
	      const char *fmt, ...)
{
	char msg[768];

	if (ok) {
		CU_assertImplementation(CU_TRUE, line, "", file, func, CU_FALSE);
		return true;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(msg) && where[0] != '\0')
		snprintf(msg + n, sizeof(msg) - (size_t)n, " [%s]", where);
	/* CUnit copies the message into its failure record. */
	CU_assertImplementation(CU_FALSE, line, msg, file, func, CU_FALSE);
	return false;
}

bool ut_check_status(int got, int want, const char *expr, unsigned line,
		     const char *file, const char *func)
{
	return ut_check(got == want, line, file, func, "%s: got %s, want %s",
			expr, sre_status_name(got), sre_status_name(want));
}

struct sre_ctx *ut_ctx(enum sre_suite suite, enum sre_direction dir,
		       uint8_t mki_len, uint32_t window)
{
	struct sre_ctx *ctx = test_ctx(suite, dir, mki_len, window);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	return ctx;
}

struct sre_ctx *ut_ctx_policy(const struct sre_policy *pol)
{
	struct sre_ctx *ctx = NULL;
	int rc = sre_ctx_create(pol, NULL, &ctx);
	UT_ST(rc, SRE_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	return ctx;
}

int ut_add_key(struct sre_engine *e, struct sre_ctx *ctx, unsigned seed,
	       const uint8_t *mki)
{
	const struct sre_policy *pol = sre_ctx_policy(ctx);
	uint8_t key[32], salt[14];

	/* seed 0 reproduces test_ctx's key, so contexts made either way
	 * interoperate. */
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i + seed * 17);
	for (unsigned i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)(0xa0 + i + seed * 29);
	return sre_ctx_add_key(e, ctx, key, sre_suite_master_key_len(pol->suite),
			       salt, sre_suite_master_salt_len(pol->suite),
			       mki);
}

void ut_stream(struct sre_stream *s, struct sre_ctx *ctx, uint32_t ssrc)
{
	size_t n = sre_stream_window_bytes(ctx);
	uint64_t *mem = NULL;

	if (n > 0) {
		void *p = NULL;
		CU_ASSERT_FATAL(posix_memalign(&p, 64, n) == 0);
		mem = p;
	}
	int rc = sre_stream_init(s, ctx, ssrc, mem);
	UT_ST(rc, SRE_OK);
	if (rc != SRE_OK) {
		free(mem);
		CU_FAIL_FATAL("sre_stream_init");
	}
}

void ut_stream_fini(struct sre_stream *s)
{
	if (s->ctx != NULL && sre_stream_window_bytes(s->ctx) > 0)
		free(s->rtp_window.ext);
	memset(s, 0, sizeof(*s));
}

int ut_protect(struct sre_engine *e, struct sre_stream *s, enum sre_kind kind,
	       uint8_t *buf, uint32_t *len, uint32_t room)
{
	uint8_t *heap = malloc(room ? room : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(heap);
	memcpy(heap, buf, room);
	struct sre_packet p = {.data = heap, .len = *len, .room = room,
			       .stream = s, .kind = kind};
	unsigned ok = sre_protect_burst(e, &p, 1);
	UT_EQ(ok, p.status == SRE_OK);
	memcpy(buf, heap, room);
	free(heap);
	*len = p.len;
	return p.status;
}

int ut_unprotect(struct sre_engine *e, struct sre_stream *s,
		 enum sre_kind kind, uint8_t *buf, uint32_t *len)
{
	uint8_t *heap = malloc(*len ? *len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(heap);
	memcpy(heap, buf, *len);
	struct sre_packet p = {.data = heap, .len = *len, .room = *len,
			       .stream = s, .kind = kind};
	unsigned ok = sre_unprotect_burst(e, &p, 1);
	UT_EQ(ok, p.status == SRE_OK);
	memcpy(buf, heap, *len);
	free(heap);
	*len = p.len;
	return p.status;
}

uint32_t ut_rtp_at(struct sre_ctx *out, uint32_t ssrc, uint64_t index,
		   size_t payload, uint8_t *buf)
{
	struct sre_stream tx;
	uint16_t seq = (uint16_t)index;
	uint32_t len = (uint32_t)test_build_rtp(buf, ssrc, seq, seq * 160u, 0,
						-1, payload);

	ut_stream(&tx, out, ssrc);
	UT_ST(sre_stream_set_roc(&tx, (uint32_t)(index >> 16)), SRE_OK);
	UT_ST(ut_protect(test_engine(), &tx, SRE_RTP, buf, &len,
			 len + SRE_MAX_TRAILER),
	      SRE_OK);
	ut_stream_fini(&tx);
	return len;
}

uint32_t ut_rtcp_at(struct sre_ctx *out, uint32_t ssrc, uint32_t index,
		    unsigned words, uint8_t *buf)
{
	struct sre_stream tx;
	uint32_t len = (uint32_t)test_build_rtcp(buf, ssrc, words, index);

	ut_stream(&tx, out, ssrc);
	UT_ST(sre_stream_set_srtcp_index(&tx, index), SRE_OK);
	UT_ST(ut_protect(test_engine(), &tx, SRE_RTCP, buf, &len,
			 len + SRE_MAX_TRAILER),
	      SRE_OK);
	ut_stream_fini(&tx);
	return len;
}

struct ut_layout ut_layout(enum sre_suite suite, uint8_t mki_len,
			   enum sre_kind kind, uint32_t len)
{
	struct ut_layout l;
	bool gcm = suite == SRE_AEAD_AES_128_GCM || suite == SRE_AEAD_AES_256_GCM;
	bool rtcp = kind == SRE_RTCP;

	memset(&l, 0, sizeof(l));
	l.tag_len = (uint32_t)sre_suite_tag_len(suite, rtcp);
	l.mki_len = mki_len;
	l.body = len - l.tag_len - mki_len - (rtcp ? 4 : 0);
	if (gcm) {
		/* body | tag | [E|index] | MKI  (RFC 7714 §8.1, §9.1) */
		l.tag_off = l.body;
		l.idx_off = l.body + l.tag_len;
		l.mki_off = len - mki_len;
	} else {
		/* body | [E|index] | MKI | tag  (RFC 3711 §3.1, §3.4) */
		l.idx_off = l.body;
		l.mki_off = l.body + (rtcp ? 4 : 0);
		l.tag_off = len - l.tag_len;
	}
	return l;
}

void ut_snap(struct ut_snap *snap, const struct sre_stream *s)
{
	memset(snap, 0, sizeof(*snap));
	snap->stream = *s;
	const struct sre_ctx *ctx = s->ctx;
	if (ctx == NULL)
		return;
	snap->win_bytes = sre_stream_window_bytes(ctx);
	if (snap->win_bytes > 0)
		memcpy(snap->win, s->rtp_window.ext, snap->win_bytes);
	snap->nkeys = ctx->nkeys;
	for (unsigned i = 0; i < ctx->nkeys; i++) {
		memcpy(snap->mki[i], ctx->keys[i]->mki, SRE_MAX_MKI_LEN);
		UT_ST(sre_ctx_key_usage(ctx, snap->mki[i], &snap->usage[i]),
		      SRE_OK);
	}
}

bool ut_snap_same(const struct ut_snap *snap, const struct sre_stream *s,
		  unsigned line, const char *file, const char *func)
{
	bool ok = ut_check(memcmp(&snap->stream, s, sizeof(*s)) == 0, line,
			   file, func,
			   "stream changed: roc %u->%u seq %u->%u flags %#x->%#x "
			   "rtcp_index %u->%u",
			   snap->stream.roc, s->roc, snap->stream.seq, s->seq,
			   snap->stream.flags, s->flags, snap->stream.rtcp_index,
			   s->rtcp_index);
	if (snap->win_bytes > 0)
		ok &= ut_check(memcmp(snap->win, s->rtp_window.ext,
				      snap->win_bytes) == 0,
			       line, file, func, "external window changed");
	if (s->ctx == NULL)
		return ok;
	ok &= ut_check(snap->nkeys == s->ctx->nkeys, line, file, func,
		       "key count changed: %u -> %u", snap->nkeys,
		       s->ctx->nkeys);
	for (unsigned i = 0; i < snap->nkeys; i++) {
		struct sre_key_usage u;
		int rc = sre_ctx_key_usage(s->ctx, snap->mki[i], &u);
		ok &= ut_check(rc == SRE_OK &&
				       u.rtp_packets == snap->usage[i].rtp_packets &&
				       u.rtcp_packets == snap->usage[i].rtcp_packets,
			       line, file, func,
			       "key %u usage changed: rtp %llu->%llu rtcp %llu->%llu",
			       i, (unsigned long long)snap->usage[i].rtp_packets,
			       (unsigned long long)u.rtp_packets,
			       (unsigned long long)snap->usage[i].rtcp_packets,
			       (unsigned long long)u.rtcp_packets);
	}
	return ok;
}

struct sre_key_usage ut_usage(const struct sre_ctx *ctx, const uint8_t *mki)
{
	struct sre_key_usage u = {0, 0};
	int rc = sre_ctx_key_usage(ctx, mki, &u);
	UT_ST(rc, SRE_OK);
	if (rc != SRE_OK)
		CU_FAIL_FATAL("sre_ctx_key_usage");
	return u;
}

uint64_t ut_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}
