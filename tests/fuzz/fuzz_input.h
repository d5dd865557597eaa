/*
 * The layout of a fuzz_unprotect input, and the keys and contexts that both
 * the target and make_seeds use: seeds are only worth something while they
 * are genuine packets for exactly what the target sets up.
 *
 * Input: a FZ_PREFIX_LEN-byte prefix, then packets, each after a 2-byte
 * header.
 *   prefix[0]    suite, modulo SRE_SUITE_COUNT
 *   prefix[1]    bits 0-2: MKI length, modulo 5; bits 3-5: index into
 *                fz_windows; bit 6: outbound sends SRTCP unencrypted;
 *                bit 7: streams start with the ROC of prefix[3..6], and
 *                outbound ones with its low 31 bits as SRTCP index
 *   prefix[2]    bits 0-5: packets per burst (0: one burst of all);
 *                bit 6: contexts with tiny key limits (FZ_*_LIMIT), made
 *                afresh for the input; bit 7: outbound protects with the
 *                second key (MKI only)
 *   prefix[3..6] ROC, big-endian
 *   prefix[7]    bit 0: FZ_SLOT_NONE is a stream never initialised (all
 *                zero) instead of NULL
 *   header       bit 15: RTCP; bits 12-14: slot (FZ_SLOT_*);
 *                bits 0-11: packet length, cut to the bytes left
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdint.h>
#include <string.h>

#include "srtp_edge.h"

#define FZ_PREFIX_LEN 8
#define FZ_PKT_HDR_LEN 2
#define FZ_MAX_PKT_LEN 4095
/* Past SRE_CHUNK (128), so that a burst spans two internal chunks. */
#define FZ_MAX_PKTS 160

#define FZ_P1_MKI_MASK 0x07
#define FZ_P1_WINDOW_SHIFT 3
#define FZ_P1_WINDOW_MASK 0x07
#define FZ_P1_RTCP_UNENC 0x40
#define FZ_P1_SET_ROC 0x80
#define FZ_P2_BURST_MASK 0x3f
#define FZ_P2_LIMITED 0x40
#define FZ_P2_SECOND_KEY 0x80
#define FZ_P7_ZEROED_STREAM 0x01

/* Key limits of the limited contexts: a few packets reach them. */
#define FZ_RTP_LIMIT 5
#define FZ_RTCP_LIMIT 3
#define FZ_LIMIT_MARGIN 2

#define FZ_HDR_RTCP 0x8000
#define FZ_HDR_SLOT_SHIFT 12
#define FZ_HDR_LEN_MASK 0x0fff

/* Which stream a packet goes to. Slots 2..5 are stream A of the same
 * configuration but suite (suite + slot - 1) % SRE_SUITE_COUNT: bursts that
 * mix contexts, key sizes and AES-CM with GCM. */
enum fz_slot {
	FZ_SLOT_A = 0,
	FZ_SLOT_B = 1,
	FZ_SLOT_OTHER_SUITE = 2, /* .. 5 */
	FZ_SLOT_WRONG_DIR = 6,   /* a stream of the other direction */
	FZ_SLOT_NONE = 7,        /* no stream, or one never initialised */
};

#define FZ_SSRC_A 0x11223344u
#define FZ_SSRC_B 0xcafef00du

/* Window sizes around the edges: in-stream (<= 128) or external bitmap,
 * window equal to or below its power-of-two ring. */
static const uint32_t fz_windows[8] = {64, 100, 128, 129, 1000, 1024, 4096,
				       32768};

struct fz_config_id {
	enum sre_suite suite;
	uint8_t mki_len;
	uint8_t window_idx;
	uint8_t rtcp_unenc;
	uint8_t limited;
};

static inline unsigned fz_config_index(const struct fz_config_id *id)
{
	return ((((unsigned)id->suite * 5 + id->mki_len) * 8 + id->window_idx) *
			2 +
		id->rtcp_unenc) *
		       2 +
	       id->limited;
}

#define FZ_CONFIG_COUNT (SRE_SUITE_COUNT * 5 * 8 * 2 * 2)

static inline uint32_t fz_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Key k (0 or 1) of a context: master key, salt and MKI from fixed
 * patterns, so that make_seeds and the target agree without sharing files. */
static inline void fz_key_material(unsigned k, uint8_t key[32],
				   uint8_t salt[14], uint8_t mki[4])
{
	for (unsigned i = 0; i < 32; i++)
		key[i] = (uint8_t)((k ? 0x60 : 0x40) + i);
	for (unsigned i = 0; i < 14; i++)
		salt[i] = (uint8_t)((k ? 0xb0 : 0xa0) + i);
	for (unsigned i = 0; i < 4; i++)
		mki[i] = (uint8_t)((k ? 5 : 1) + i);
}

/* A context of one configuration and direction: one key without MKI, two
 * (MKI make-before-break) with. Returns NULL on failure. */
static inline struct sre_ctx *fz_ctx_create(struct sre_engine *engine,
					    const struct fz_config_id *id,
					    enum sre_direction dir,
					    sre_event_fn on_event, void *arg)
{
	struct sre_policy pol;
	struct sre_ctx *ctx;

	sre_policy_init(&pol, id->suite, dir);
	pol.mki_len = id->mki_len;
	pol.replay_window = fz_windows[id->window_idx];
	pol.rtcp_unencrypted = id->rtcp_unenc;
	if (id->limited) {
		pol.rtp_key_limit = FZ_RTP_LIMIT;
		pol.rtcp_key_limit = FZ_RTCP_LIMIT;
		pol.soft_limit_margin = FZ_LIMIT_MARGIN;
	}
	pol.on_event = on_event;
	pol.event_arg = arg;
	if (sre_ctx_create(&pol, NULL, &ctx) != SRE_OK)
		return NULL;
	for (unsigned k = 0; k < (id->mki_len ? 2u : 1u); k++) {
		uint8_t key[32], salt[14], mki[4];
		fz_key_material(k, key, salt, mki);
		if (sre_ctx_add_key(engine, ctx, key,
				    sre_suite_master_key_len(id->suite), salt,
				    sre_suite_master_salt_len(id->suite),
				    id->mki_len ? mki : NULL) != SRE_OK) {
			sre_ctx_destroy(ctx);
			return NULL;
		}
	}
	return ctx;
}

/* The outbound context's sending key: the first, or the second when asked
 * for and there is one. */
static inline int fz_set_active_key(struct sre_ctx *ctx,
				    const struct fz_config_id *id, int second)
{
	uint8_t key[32], salt[14], mki[4];

	if (id->mki_len == 0)
		return SRE_OK;
	fz_key_material(second ? 1 : 0, key, salt, mki);
	return sre_ctx_set_active_key(ctx, mki);
}

#endif /* FUZZ_INPUT_H */
