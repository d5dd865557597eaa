/*
 * The engine: one IPsec-MB manager per thread, plus the scratch that a burst
 * needs between its passes, allocated once so that bursts never allocate.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sre_internal.h"

static const char *arch_names[] = {
	[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "noaesni",
	[IMB_ARCH_SSE] = "sse",   [IMB_ARCH_AVX] = "avx",
	[IMB_ARCH_AVX2] = "avx2", [IMB_ARCH_AVX512] = "avx512",
};

static bool init_arch(IMB_MGR *mgr, enum sre_arch arch)
{
	uint64_t f = mgr->features;

	switch (arch) {
	case SRE_ARCH_AUTO:
		init_mb_mgr_auto(mgr, NULL);
		break;
	case SRE_ARCH_SSE:
		if ((f & IMB_CPUFLAGS_SSE) != IMB_CPUFLAGS_SSE)
			return false;
		init_mb_mgr_sse(mgr);
		break;
	case SRE_ARCH_AVX:
		if ((f & IMB_CPUFLAGS_AVX) != IMB_CPUFLAGS_AVX)
			return false;
		init_mb_mgr_avx(mgr);
		break;
	case SRE_ARCH_AVX2:
		if ((f & IMB_CPUFLAGS_AVX2) != IMB_CPUFLAGS_AVX2)
			return false;
		init_mb_mgr_avx2(mgr);
		break;
	case SRE_ARCH_AVX512:
		if ((f & IMB_CPUFLAGS_AVX512) != IMB_CPUFLAGS_AVX512)
			return false;
		init_mb_mgr_avx512(mgr);
		break;
	default:
		return false;
	}
	if (imb_get_errno(mgr) != 0)
		return false;
	/* Without AES-NI IPsec-MB falls back to a slow emulation; refuse it
	 * rather than run an appliance at a fraction of its speed unnoticed. */
	return mgr->used_arch >= IMB_ARCH_SSE && mgr->used_arch < IMB_ARCH_NUM;
}

int sre_engine_create(enum sre_arch arch, struct sre_engine **engine)
{
	struct sre_engine *e;

	if (engine == NULL)
		return SRE_ERR_BAD_PARAM;
	*engine = NULL;
	if ((unsigned)arch > SRE_ARCH_AVX512)
		return SRE_ERR_BAD_PARAM;
	if (posix_memalign((void **)&e, 64, sizeof(*e)) != 0)
		return SRE_ERR_NO_MEMORY;
	memset(e, 0, sizeof(*e));
	/* Our own allocation, so that the manager (whose lanes keep the last
	 * blocks hashed: plaintext for the NULL suite) is wiped when freed. */
	e->mgr_size = imb_get_mb_mgr_size();
	void *mem;
	if (posix_memalign(&mem, 64, e->mgr_size) != 0) {
		free(e);
		return SRE_ERR_NO_MEMORY;
	}
	e->mgr = imb_set_pointers_mb_mgr(mem, 0, 1);
	if (e->mgr == NULL || !init_arch(e->mgr, arch)) {
		sre_wipe(mem, e->mgr_size);
		free(mem);
		free(e);
		return SRE_ERR_IPSEC_MB;
	}
	bool vaes = e->mgr->used_arch == IMB_ARCH_AVX512 &&
		    (e->mgr->features & IMB_FEATURE_VAES);
	e->arch_id = (uint8_t)(e->mgr->used_arch | (vaes ? 0x80 : 0));
	snprintf(e->arch_name, sizeof(e->arch_name), "%s%s",
		 arch_names[e->mgr->used_arch], vaes ? "+vaes" : "");
	*engine = e;
	return SRE_OK;
}

void sre_engine_destroy(struct sre_engine *engine)
{
	if (engine == NULL)
		return;
	sre_wipe(engine->mgr, engine->mgr_size);
	free(engine->mgr);
	/* The scratch held IVs, tags and plaintext pointers of past packets. */
	sre_wipe(engine, sizeof(*engine));
	free(engine);
}

const char *sre_engine_arch_name(const struct sre_engine *engine)
{
	return engine ? engine->arch_name : "none";
}

const char *sre_ipsec_mb_version(void)
{
	return imb_get_version_str();
}
