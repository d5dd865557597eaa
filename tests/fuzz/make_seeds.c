/*
 * Writes the seed corpus of fuzz_unprotect: genuine SRTP/SRTCP packets made
 * with sre_protect_burst for the contexts the target builds (fuzz_input.h),
 * covering every suite and the paths worth starting from (wrap, late-joiner
 * ROC, large windows, MKI, mixed bursts), plus packets broken on purpose.
 * Deterministic, so that run-fuzz.sh can tell when the committed seeds no
 * longer match what the target expects.
 *
 * Usage: make_seeds OUT_DIR
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_input.h"

struct sender {
	struct sre_ctx *ctx;
	struct sre_stream st[2];
	uint64_t *win[2];
};

struct seed {
	const char *dir;
	struct fz_config_id id;
	uint32_t tx_roc;
	uint32_t tx_srtcp;
	bool second_key;
	struct sender tx[SRE_SUITE_COUNT];
	bool have_tx[SRE_SUITE_COUNT];
	uint8_t buf[16384];
	size_t len;
};

static struct sre_engine *engine;
static unsigned nseeds;

static void die(const char *what, int rc)
{
	fprintf(stderr, "make_seeds: %s: %s\n", what, sre_status_str(rc));
	exit(1);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static size_t build_rtp(uint8_t *buf, uint32_t ssrc, uint16_t seq,
			unsigned ncsrc, int ext_words, size_t payload)
{
	size_t off = 12;

	buf[0] = (uint8_t)(0x80 | (ext_words >= 0 ? 0x10 : 0) | ncsrc);
	buf[1] = 96;
	put16(buf + 2, seq);
	put32(buf + 4, 0x01000000u + seq * 160u);
	put32(buf + 8, ssrc);
	for (unsigned i = 0; i < ncsrc; i++, off += 4)
		put32(buf + off, 0x1000 + i);
	if (ext_words >= 0) {
		put16(buf + off, 0xbede);
		put16(buf + off + 2, (uint32_t)ext_words);
		off += 4;
		for (int i = 0; i < ext_words; i++, off += 4)
			put32(buf + off, 0x22000000u + (uint32_t)i);
	}
	for (size_t i = 0; i < payload; i++)
		buf[off + i] = (uint8_t)(seq * 31 + i * 7);
	return off + payload;
}

static size_t build_rtcp(uint8_t *buf, uint32_t ssrc, unsigned words)
{
	buf[0] = 0x80;
	buf[1] = 200; /* SR */
	put16(buf + 2, words);
	put32(buf + 4, ssrc);
	for (unsigned i = 0; i < words; i++)
		put32(buf + 8 + 4 * i, 2654435761u * (i + 1));
	return 8 + 4 * (size_t)words;
}

static void seed_begin(struct seed *sd, enum sre_suite suite, unsigned mki,
		       unsigned window_idx)
{
	const char *dir = sd->dir;

	memset(sd, 0, sizeof(*sd));
	sd->dir = dir;
	sd->id.suite = suite;
	sd->id.mki_len = (uint8_t)mki;
	sd->id.window_idx = (uint8_t)window_idx;
	sd->len = FZ_PREFIX_LEN;
}

/* What the target reads from the prefix. */
static void seed_prefix(struct seed *sd, bool set_roc, uint32_t roc,
			unsigned burst)
{
	uint8_t *p = sd->buf;

	p[0] = (uint8_t)sd->id.suite;
	p[1] = (uint8_t)(sd->id.mki_len |
			 sd->id.window_idx << FZ_P1_WINDOW_SHIFT |
			 (sd->id.rtcp_unenc ? FZ_P1_RTCP_UNENC : 0) |
			 (set_roc ? FZ_P1_SET_ROC : 0));
	p[2] = (uint8_t)(burst | (sd->id.limited ? FZ_P2_LIMITED : 0) |
			 (sd->second_key ? FZ_P2_SECOND_KEY : 0));
	put32(p + 3, roc);
	p[7] = 0;
	sd->tx_roc = set_roc ? roc : 0;
	sd->tx_srtcp = set_roc ? roc & 0x7fffffff : 0;
}

static enum sre_suite slot_suite(const struct seed *sd, unsigned slot)
{
	if (slot >= FZ_SLOT_OTHER_SUITE && slot < FZ_SLOT_WRONG_DIR)
		return (enum sre_suite)((sd->id.suite + slot - 1) %
					SRE_SUITE_COUNT);
	return sd->id.suite;
}

static struct sre_stream *sender_stream(struct seed *sd, unsigned slot)
{
	enum sre_suite suite = slot_suite(sd, slot);
	struct sender *t = &sd->tx[suite];

	if (!sd->have_tx[suite]) {
		struct fz_config_id id = sd->id;
		id.suite = suite;
		id.limited = 0; /* to make packets past the receiver's limits */
		t->ctx = fz_ctx_create(engine, &id, SRE_OUTBOUND, NULL, NULL);
		if (t->ctx == NULL)
			die("fz_ctx_create", SRE_ERR_BAD_PARAM);
		int rc = fz_set_active_key(t->ctx, &id, sd->second_key);
		if (rc != SRE_OK)
			die("fz_set_active_key", rc);
		size_t wb = sre_stream_window_bytes(t->ctx);
		for (unsigned k = 0; k < 2; k++) {
			t->win[k] = wb ? aligned_alloc(64, (wb + 63) & ~(size_t)63)
				       : NULL;
			if (wb && t->win[k] == NULL)
				die("window", SRE_ERR_NO_MEMORY);
			rc = sre_stream_init(&t->st[k], t->ctx,
					     k ? FZ_SSRC_B : FZ_SSRC_A, t->win[k]);
			if (rc == SRE_OK)
				rc = sre_stream_set_roc(&t->st[k], sd->tx_roc);
			if (rc == SRE_OK)
				rc = sre_stream_set_srtcp_index(&t->st[k],
								sd->tx_srtcp);
			if (rc != SRE_OK)
				die("sender stream", rc);
		}
		sd->have_tx[suite] = true;
	}
	return &t->st[slot == FZ_SLOT_B ? 1 : 0];
}

static uint32_t slot_ssrc(unsigned slot)
{
	return slot == FZ_SLOT_B ? FZ_SSRC_B : FZ_SSRC_A;
}

/* Protects len bytes of plain for a slot's sender into out; returns the
 * protected length. */
static size_t seal(struct seed *sd, unsigned slot, unsigned kind,
		   const uint8_t *plain, size_t len, uint8_t *out)
{
	struct sre_packet p = {
		.data = out,
		.len = (uint32_t)len,
		.room = (uint32_t)(len + SRE_MAX_TRAILER),
		.stream = sender_stream(sd, slot),
		.kind = (uint8_t)kind,
	};

	memcpy(out, plain, len);
	if (sre_protect_burst(engine, &p, 1) != 1)
		die("sre_protect_burst", p.status);
	return p.len;
}

/* Appends a packet as is; returns where its bytes went. */
static uint8_t *add_raw(struct seed *sd, unsigned kind, unsigned slot,
			const uint8_t *data, size_t len)
{
	if (len > FZ_MAX_PKT_LEN ||
	    sd->len + FZ_PKT_HDR_LEN + len > sizeof(sd->buf)) {
		fprintf(stderr, "make_seeds: seed too large\n");
		exit(1);
	}
	put16(sd->buf + sd->len, (kind == SRE_RTCP ? FZ_HDR_RTCP : 0) |
					 slot << FZ_HDR_SLOT_SHIFT |
					 (uint32_t)len);
	sd->len += FZ_PKT_HDR_LEN;
	uint8_t *at = sd->buf + sd->len;
	memcpy(at, data, len);
	sd->len += len;
	return at;
}

/* Builds, protects and appends an RTP packet; *plen gets its length. */
static uint8_t *add_rtp(struct seed *sd, unsigned slot, uint16_t seq,
			unsigned ncsrc, int ext_words, size_t payload,
			size_t *plen)
{
	uint8_t plain[FZ_MAX_PKT_LEN], prot[FZ_MAX_PKT_LEN + SRE_MAX_TRAILER];
	size_t len = build_rtp(plain, slot_ssrc(slot), seq, ncsrc, ext_words,
			       payload);

	len = seal(sd, slot, SRE_RTP, plain, len, prot);
	if (plen != NULL)
		*plen = len;
	return add_raw(sd, SRE_RTP, slot, prot, len);
}

static uint8_t *add_rtcp(struct seed *sd, unsigned slot, unsigned words,
			 size_t *plen)
{
	uint8_t plain[FZ_MAX_PKT_LEN], prot[FZ_MAX_PKT_LEN + SRE_MAX_TRAILER];
	size_t len = build_rtcp(plain, slot_ssrc(slot), words);

	len = seal(sd, slot, SRE_RTCP, plain, len, prot);
	if (plen != NULL)
		*plen = len;
	return add_raw(sd, SRE_RTCP, slot, prot, len);
}

static void seed_end(struct seed *sd, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/seed-%02u-%s", sd->dir, ++nseeds,
		 name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(sd->buf, 1, sd->len, f) != sd->len ||
	    fclose(f) != 0) {
		fprintf(stderr, "make_seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		if (!sd->have_tx[s])
			continue;
		sre_ctx_destroy(sd->tx[s].ctx);
		free(sd->tx[s].win[0]);
		free(sd->tx[s].win[1]);
	}
	memset(sd->have_tx, 0, sizeof(sd->have_tx));
}

/* Every suite: RTP with and without CSRCs and extension, an empty payload,
 * RTCP, on both streams; MKI length and window vary with the suite. */
static void seeds_per_suite(struct seed *sd)
{
	static const char *names[SRE_SUITE_COUNT] = {
		"cm128-80", "cm128-32", "cm256-80", "cm256-32",
		"gcm128",   "gcm256",   "null-80",
	};

	for (unsigned s = 0; s < SRE_SUITE_COUNT; s++) {
		seed_begin(sd, (enum sre_suite)s, s % 5, s);
		seed_prefix(sd, false, 0, 0);
		add_rtp(sd, FZ_SLOT_A, 100, 0, -1, 40, NULL);
		add_rtp(sd, FZ_SLOT_A, 101, 2, 2, 33, NULL);
		add_rtp(sd, FZ_SLOT_B, 7, 0, -1, 0, NULL);
		add_rtcp(sd, FZ_SLOT_A, 6, NULL);
		add_rtcp(sd, FZ_SLOT_B, 0, NULL);
		seed_end(sd, names[s]);
	}
}

/* One burst across contexts: every slot, AES-CM and GCM together. */
static void seeds_mixed(struct seed *sd)
{
	static const enum sre_suite mains[] = {SRE_AES_CM_128_HMAC_SHA1_80,
					       SRE_AEAD_AES_128_GCM};

	for (unsigned i = 0; i < 2; i++) {
		seed_begin(sd, mains[i], 2, 1);
		seed_prefix(sd, false, 0, 0);
		for (unsigned slot = FZ_SLOT_A; slot < FZ_SLOT_WRONG_DIR; slot++) {
			add_rtp(sd, slot, (uint16_t)(1000 + slot), 0, -1, 20,
				NULL);
			add_rtcp(sd, slot, 1, NULL);
		}
		/* Genuine packets on the wrong stream, and on none. */
		uint8_t plain[64], prot[64 + SRE_MAX_TRAILER];
		size_t len = build_rtp(plain, FZ_SSRC_A, 2000, 0, -1, 8);
		len = seal(sd, FZ_SLOT_A, SRE_RTP, plain, len, prot);
		add_raw(sd, SRE_RTP, FZ_SLOT_WRONG_DIR, prot, len);
		add_raw(sd, SRE_RTP, FZ_SLOT_NONE, prot, len);
		seed_end(sd, i ? "mixed-gcm" : "mixed-cm");
	}
}

/* Sequence numbers through a wrap, in bursts of three. */
static void seeds_wrap(struct seed *sd)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_256_GCM};

	for (unsigned i = 0; i < 2; i++) {
		seed_begin(sd, suites[i], 0, 0);
		seed_prefix(sd, true, 7, 3);
		for (uint16_t seq = 0xfffc; seq != 3; seq++)
			add_rtp(sd, seq & 1 ? FZ_SLOT_B : FZ_SLOT_A, seq, 0, -1,
				16, NULL);
		seed_end(sd, i ? "wrap-gcm" : "wrap-cm");
	}
}

/* ROC at its maximum: the index space ends within this ROC. */
static void seed_roc_max(struct seed *sd)
{
	seed_begin(sd, SRE_AES_CM_128_HMAC_SHA1_32, 1, 2);
	seed_prefix(sd, true, UINT32_MAX, 3);
	add_rtp(sd, FZ_SLOT_A, 0xfff0, 0, -1, 10, NULL);
	add_rtp(sd, FZ_SLOT_A, 0xfffe, 0, -1, 10, NULL);
	/* Past the last index: the tag is of no matter, the estimate fails. */
	size_t len;
	uint8_t *p = add_rtp(sd, FZ_SLOT_A, 0xffff, 0, -1, 10, &len);
	uint8_t copy[64];
	memcpy(copy, p, len);
	put16(copy + 2, 0x0002);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, copy, len);
	/* The sender's SRTCP index starts at its last value too. */
	add_rtcp(sd, FZ_SLOT_A, 1, NULL);
	seed_end(sd, "roc-max");
}

/* A first packet sent with ROC + 1 (its wrap unseen by a late joiner). */
static void seeds_late_joiner(struct seed *sd)
{
	static const enum sre_suite suites[] = {SRE_AES_256_CM_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM};

	for (unsigned i = 0; i < 2; i++) {
		seed_begin(sd, suites[i], 0, 0);
		seed_prefix(sd, true, 41, 0);
		sd->tx_roc = 42;
		add_rtp(sd, FZ_SLOT_A, 0x0010, 0, -1, 24, NULL);
		add_rtp(sd, FZ_SLOT_A, 0x0011, 0, -1, 24, NULL);
		seed_end(sd, i ? "late-joiner-gcm" : "late-joiner-cm");
	}
}

/* Reordering, a duplicate and a packet just too old, around the window's
 * edge; the sender protects in index order, the receiver gets them out of
 * order. */
static void seeds_window(struct seed *sd)
{
	static const struct {
		enum sre_suite suite;
		unsigned window_idx;
		uint16_t first, top, late;
		const char *name;
	} w[] = {
		{SRE_AES_256_CM_HMAC_SHA1_32, 3, 71, 200, 72, "window-129"},
		{SRE_AEAD_AES_256_GCM, 7, 7232, 40000, 7233, "window-32768"},
	};
	uint8_t plain[128], pa[128 + SRE_MAX_TRAILER], pb[128 + SRE_MAX_TRAILER],
		pc[128 + SRE_MAX_TRAILER];

	for (unsigned i = 0; i < 2; i++) {
		seed_begin(sd, w[i].suite, 0, w[i].window_idx);
		seed_prefix(sd, false, 0, 0);
		size_t la = seal(sd, FZ_SLOT_A, SRE_RTP, plain,
				 build_rtp(plain, FZ_SSRC_A, w[i].first, 0, -1, 12),
				 pa);
		size_t lc = seal(sd, FZ_SLOT_A, SRE_RTP, plain,
				 build_rtp(plain, FZ_SSRC_A, w[i].late, 0, -1, 12),
				 pc);
		size_t lb = seal(sd, FZ_SLOT_A, SRE_RTP, plain,
				 build_rtp(plain, FZ_SSRC_A, w[i].top, 0, -1, 12),
				 pb);
		add_raw(sd, SRE_RTP, FZ_SLOT_A, pb, lb);
		add_raw(sd, SRE_RTP, FZ_SLOT_A, pc, lc); /* in the window */
		add_raw(sd, SRE_RTP, FZ_SLOT_A, pc, lc); /* duplicate */
		add_raw(sd, SRE_RTP, FZ_SLOT_A, pa, la); /* just too old */
		seed_end(sd, w[i].name);
	}
}

/* SRTCP sent with E = 0, which the receiver honours. */
static void seeds_rtcp_unencrypted(struct seed *sd)
{
	static const enum sre_suite suites[] = {SRE_AES_CM_128_HMAC_SHA1_80,
						SRE_AEAD_AES_128_GCM};

	for (unsigned i = 0; i < 2; i++) {
		seed_begin(sd, suites[i], 1, 0);
		sd->id.rtcp_unenc = 1;
		seed_prefix(sd, false, 0, 0);
		add_rtcp(sd, FZ_SLOT_A, 6, NULL);
		add_rtcp(sd, FZ_SLOT_A, 0, NULL);
		add_rtcp(sd, FZ_SLOT_B, 3, NULL);
		seed_end(sd, i ? "rtcp-unencrypted-gcm" : "rtcp-unencrypted-cm");
	}
}

/* Both master keys, told apart by a 4-byte MKI. */
static void seed_two_keys(struct seed *sd)
{
	seed_begin(sd, SRE_AES_256_CM_HMAC_SHA1_80, 4, 0);
	sd->second_key = true;
	seed_prefix(sd, false, 0, 0);
	add_rtp(sd, FZ_SLOT_A, 500, 0, -1, 30, NULL);
	add_rtcp(sd, FZ_SLOT_A, 2, NULL);
	uint8_t key[32], salt[14], mki[4];
	fz_key_material(0, key, salt, mki);
	int rc = sre_ctx_set_active_key(sd->tx[sd->id.suite].ctx, mki);
	if (rc != SRE_OK)
		die("sre_ctx_set_active_key", rc);
	add_rtp(sd, FZ_SLOT_A, 501, 0, -1, 30, NULL);
	add_rtcp(sd, FZ_SLOT_A, 2, NULL);
	seed_end(sd, "two-keys");
}

/* Past the key limits of a limited context, for each of two keys. */
static void seed_key_limits(struct seed *sd)
{
	seed_begin(sd, SRE_AES_CM_128_HMAC_SHA1_80, 1, 0);
	sd->id.limited = 1;
	seed_prefix(sd, false, 0, 4);
	for (unsigned i = 0; i <= FZ_RTP_LIMIT; i++)
		add_rtp(sd, i & 1 ? FZ_SLOT_B : FZ_SLOT_A, (uint16_t)(60 + i), 0,
			-1, 8, NULL);
	for (unsigned i = 0; i <= FZ_RTCP_LIMIT; i++)
		add_rtcp(sd, FZ_SLOT_A, 1, NULL);
	/* The sender gives up at its limits too: the rest under key 2. */
	uint8_t key[32], salt[14], mki[4];
	fz_key_material(1, key, salt, mki);
	int rc = sre_ctx_set_active_key(sd->tx[sd->id.suite].ctx, mki);
	if (rc != SRE_OK)
		die("sre_ctx_set_active_key", rc);
	for (unsigned i = 0; i < FZ_RTP_LIMIT; i++)
		add_rtp(sd, FZ_SLOT_A, (uint16_t)(70 + i), 0, -1, 8, NULL);
	seed_end(sd, "key-limits");
}

/* The same packets twice in one burst. */
static void seed_duplicates(struct seed *sd)
{
	size_t l1, l2;

	seed_begin(sd, SRE_AES_256_CM_HMAC_SHA1_32, 0, 0);
	seed_prefix(sd, false, 0, 0);
	uint8_t *p1 = add_rtp(sd, FZ_SLOT_A, 9, 0, -1, 10, &l1);
	uint8_t *p2 = add_rtcp(sd, FZ_SLOT_A, 1, &l2);
	uint8_t c1[64], c2[64];
	memcpy(c1, p1, l1);
	memcpy(c2, p2, l2);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, c1, l1);
	add_raw(sd, SRE_RTCP, FZ_SLOT_A, c2, l2);
	seed_end(sd, "duplicates");
}

/* More packets than IPsec-MB takes in one burst. */
static void seed_two_chunks(struct seed *sd)
{
	seed_begin(sd, SRE_AES_CM_128_HMAC_SHA1_32, 0, 0);
	seed_prefix(sd, false, 0, 0);
	for (unsigned i = 0; i < 130; i++)
		add_rtp(sd, i & 1 ? FZ_SLOT_B : FZ_SLOT_A, (uint16_t)(i / 2), 0,
			-1, 0, NULL);
	seed_end(sd, "two-chunks");
}

/* Packets of a realistic size. */
static void seed_large(struct seed *sd)
{
	seed_begin(sd, SRE_AEAD_AES_256_GCM, 3, 5);
	seed_prefix(sd, false, 0, 0);
	add_rtp(sd, FZ_SLOT_A, 3000, 1, 4, 1180, NULL);
	add_rtcp(sd, FZ_SLOT_A, 250, NULL);
	seed_end(sd, "large");
}

/* ---- broken on purpose ---- */

static void seed_short(struct seed *sd)
{
	uint8_t plain[64];

	seed_begin(sd, SRE_AES_CM_128_HMAC_SHA1_80, 0, 0);
	seed_prefix(sd, false, 0, 0);
	build_rtp(plain, FZ_SSRC_A, 1, 0, -1, 9);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, 0);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, 11);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, 12 + 9); /* no room for a tag */
	build_rtcp(plain, FZ_SSRC_A, 5);
	add_raw(sd, SRE_RTCP, FZ_SLOT_A, plain, 7);
	add_raw(sd, SRE_RTCP, FZ_SLOT_A, plain, 8 + 4 + 9);
	seed_end(sd, "bad-short");
}

static void seed_bad_header(struct seed *sd)
{
	uint8_t plain[64], c[64];
	size_t len;

	seed_begin(sd, SRE_AEAD_AES_128_GCM, 0, 0);
	seed_prefix(sd, false, 0, 0);
	uint8_t *p = add_rtp(sd, FZ_SLOT_A, 1, 0, -1, 12, &len);
	memcpy(c, p, len);
	c[0] = (c[0] & 0x3f) | 0x40; /* version 1 */
	add_raw(sd, SRE_RTP, FZ_SLOT_A, c, len);
	memcpy(c, p, len);
	c[0] |= 0x0f; /* 15 CSRCs in 12 bytes of payload */
	add_raw(sd, SRE_RTP, FZ_SLOT_A, c, len);
	/* An empty extension and 16 bytes for the tag, then the extension
	 * made to run past the end, then cut inside its header. */
	memset(plain, 0, sizeof(plain));
	len = build_rtp(plain, FZ_SSRC_A, 2, 0, 0, 0);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, len + 16);
	put16(plain + 14, 0x00ff);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, len + 16);
	add_raw(sd, SRE_RTP, FZ_SLOT_A, plain, 12 + 2 + 16);
	seed_end(sd, "bad-header");
}

/* A flipped tag bit, and a flipped payload bit, for GCM, AES-CM and NULL:
 * the main suite is AES-128-GCM, slots 2, 3 and 4 are AES-256-GCM, NULL and
 * AES-CM-128. */
static void seed_bad_tag(struct seed *sd)
{
	static const unsigned slots[] = {FZ_SLOT_A, 2, 3, 4};
	uint8_t c[128];
	size_t len;

	seed_begin(sd, SRE_AEAD_AES_128_GCM, 0, 0);
	seed_prefix(sd, false, 0, 0);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t *p = add_rtp(sd, slots[i], 10, 0, -1, 20, &len);
		memcpy(c, p, len);
		c[len - 1] ^= 1;
		add_raw(sd, SRE_RTP, slots[i], c, len);
		p = add_rtcp(sd, slots[i], 2, &len);
		memcpy(c, p, len);
		c[9] ^= 0x80;
		add_raw(sd, SRE_RTCP, slots[i], c, len);
	}
	seed_end(sd, "bad-tag");
}

/* AES-256-CM, 2-byte MKI: header|payload|[E+index]|MKI|tag(10). */
static void seed_bad_stream(struct seed *sd)
{
	uint8_t c[128];
	size_t len;

	seed_begin(sd, SRE_AES_256_CM_HMAC_SHA1_80, 2, 4);
	seed_prefix(sd, false, 0, 0);
	uint8_t *p = add_rtp(sd, FZ_SLOT_A, 77, 0, -1, 20, &len);
	memcpy(c, p, len);
	c[len - 10 - 1] ^= 0xff; /* MKI names no key */
	add_raw(sd, SRE_RTP, FZ_SLOT_A, c, len);
	memcpy(c, p, len);
	add_raw(sd, SRE_RTP, FZ_SLOT_B, c, len); /* SSRC of the other stream */
	p = add_rtcp(sd, FZ_SLOT_A, 1, &len);
	memcpy(c, p, len);
	add_raw(sd, SRE_RTCP, FZ_SLOT_WRONG_DIR, c, len);
	add_raw(sd, SRE_RTCP, FZ_SLOT_NONE, c, len);
	/* E set and the largest SRTCP index: reaches the tag, which fails. */
	memset(c + len - 10 - 2 - 4, 0xff, 4);
	add_raw(sd, SRE_RTCP, FZ_SLOT_A, c, len);
	seed_end(sd, "bad-stream");
}

int main(int argc, char **argv)
{
	static struct seed sd;

	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds OUT_DIR\n");
		return 2;
	}
	int rc = sre_engine_create(SRE_ARCH_AUTO, &engine);
	if (rc != SRE_OK)
		die("sre_engine_create", rc);
	sd.dir = argv[1];

	seeds_per_suite(&sd);
	seeds_mixed(&sd);
	seeds_wrap(&sd);
	seed_roc_max(&sd);
	seeds_late_joiner(&sd);
	seeds_window(&sd);
	seeds_rtcp_unencrypted(&sd);
	seed_two_keys(&sd);
	seed_key_limits(&sd);
	seed_duplicates(&sd);
	seed_two_chunks(&sd);
	seed_large(&sd);
	seed_short(&sd);
	seed_bad_header(&sd);
	seed_bad_tag(&sd);
	seed_bad_stream(&sd);

	sre_engine_destroy(engine);
	printf("make_seeds: %u seeds in %s\n", nseeds, sd.dir);
	return 0;
}
