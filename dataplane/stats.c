/*
 * Counters (see stats.h). Workers write only their own counters; readers
 * here (main lcore, telemetry thread) read 64-bit words, which x86 loads
 * whole, so a sum is at worst a moment old.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rwlock.h>
#include <rte_telemetry.h>

#include "stats.h"

/* The telemetry thread reads sessions and workers that the main lcore adds,
 * removes and frees: it does so under the read lock, they under the write
 * lock, and telemetry_rt is NULL outside the time they exist. */
static rte_rwlock_t telemetry_lock = RTE_RWLOCK_INITIALIZER;
static struct dp_runtime *telemetry_rt;

void dp_stats_sum(const struct dp_runtime *rt, struct dp_worker_stats *sum)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)sum;
	size_t n = sizeof(*sum) / sizeof(uint64_t);

	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < rt->nworkers; w++) {
		src = (const uint64_t *)&rt->workers[w]->stats;
		for (size_t i = 0; i < n; i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}

static uint64_t drops_total(const struct dp_worker_stats *s)
{
	uint64_t t = 0;
	for (int i = 0; i < DP_DROP_COUNT; i++)
		t += s->drops[i];
	return t;
}

void dp_stats_print_rate(FILE *f, const struct dp_runtime *rt,
			 struct dp_worker_stats *prev, double seconds)
{
	struct dp_worker_stats now;

	dp_stats_sum(rt, &now);
	double k = seconds > 0 ? 1.0 / seconds : 0;
	fprintf(f,
		"srtpedge: in %8.0f pps (outside %.0f, inside %.0f)  out %8.0f pps  "
		"dropped %6.0f pps  sessions %u\n",
		(double)(now.rx_packets[0] + now.rx_packets[1] - prev->rx_packets[0] -
			 prev->rx_packets[1]) * k,
		(double)(now.rx_packets[0] - prev->rx_packets[0]) * k,
		(double)(now.rx_packets[1] - prev->rx_packets[1]) * k,
		(double)(now.tx_packets[0] + now.tx_packets[1] - prev->tx_packets[0] -
			 prev->tx_packets[1]) * k,
		(double)(drops_total(&now) - drops_total(prev)) * k,
		rt->sessions->live);
	fflush(f);
	*prev = now;
}

void dp_stats_print_summary(FILE *f, const struct dp_runtime *rt)
{
	struct dp_worker_stats s;

	dp_stats_sum(rt, &s);
	fprintf(f, "srtpedge: packets in: outside %" PRIu64 ", inside %" PRIu64 "\n",
		s.rx_packets[DP_OUTSIDE], s.rx_packets[DP_INSIDE]);
	fprintf(f, "srtpedge: packets out: outside %" PRIu64 ", inside %" PRIu64
		   " (forwarded outside->inside %" PRIu64 ", inside->outside %" PRIu64
		   "; ARP/NS/echo answers %" PRIu64 ", solicitations %" PRIu64 ")\n",
		s.tx_packets[DP_OUTSIDE], s.tx_packets[DP_INSIDE],
		s.forwarded[DP_OUTSIDE], s.forwarded[DP_INSIDE], s.answered, s.solicits);
	if (s.to_control || s.from_control)
		fprintf(f, "srtpedge: control process: %" PRIu64 " STUN/DTLS packets handed "
			   "over, %" PRIu64 " of its packets sent\n", s.to_control,
			s.from_control);
	for (unsigned w = 0; w < rt->nworkers; w++) {
		const struct dp_worker_stats *ws = &rt->workers[w]->stats;
		uint64_t pkts = ws->rx_packets[DP_OUTSIDE] + ws->rx_packets[DP_INSIDE] +
				ws->handoffs;
		fprintf(f, "srtpedge: worker %u (lcore %u): %" PRIu64 " busy polls, %" PRIu64
			   " idle; %.0f cycles per packet while busy\n", w,
			rt->workers[w]->lcore, ws->busy_polls, ws->idle_polls,
			pkts ? (double)ws->busy_cycles / (double)pkts : 0.0);
	}
	fprintf(f, "srtpedge: dropped: %" PRIu64 "\n", drops_total(&s));
	for (int i = 0; i < DP_DROP_COUNT; i++) {
		if (s.drops[i] == 0)
			continue;
		fprintf(f, "srtpedge:   %-20s %" PRIu64 "\n", dp_drop_name(i), s.drops[i]);
		if (i == DP_DROP_SRTP)
			for (int st = 1; st < SRE_STATUS_COUNT; st++)
				if (s.srtp[st])
					fprintf(f, "srtpedge:     %-18s %" PRIu64 "\n",
						sre_status_name(st), s.srtp[st]);
	}
	fflush(f);
}

/* ---- telemetry ------------------------------------------------------- */

static void add_counters(struct rte_tel_data *d, const struct dp_worker_stats *s)
{
	static const char *side[DP_SIDES] = {"outside", "inside"};
	char key[64];

	for (int i = 0; i < DP_SIDES; i++) {
		snprintf(key, sizeof(key), "%s_rx_packets", side[i]);
		rte_tel_data_add_dict_u64(d, key, s->rx_packets[i]);
		snprintf(key, sizeof(key), "%s_rx_bytes", side[i]);
		rte_tel_data_add_dict_u64(d, key, s->rx_bytes[i]);
		snprintf(key, sizeof(key), "%s_tx_packets", side[i]);
		rte_tel_data_add_dict_u64(d, key, s->tx_packets[i]);
		snprintf(key, sizeof(key), "%s_tx_bytes", side[i]);
		rte_tel_data_add_dict_u64(d, key, s->tx_bytes[i]);
		snprintf(key, sizeof(key), "%s_forwarded", side[i]);
		rte_tel_data_add_dict_u64(d, key, s->forwarded[i]);
	}
	for (int i = 0; i < DP_DROP_COUNT; i++) {
		snprintf(key, sizeof(key), "drop_%s", dp_drop_name(i));
		rte_tel_data_add_dict_u64(d, key, s->drops[i]);
	}
	for (int st = 1; st < SRE_STATUS_COUNT; st++) {
		snprintf(key, sizeof(key), "srtp_%s", sre_status_name(st));
		rte_tel_data_add_dict_u64(d, key, s->srtp[st]);
	}
	rte_tel_data_add_dict_u64(d, "answered", s->answered);
	rte_tel_data_add_dict_u64(d, "solicitations", s->solicits);
	rte_tel_data_add_dict_u64(d, "handoffs", s->handoffs);
	rte_tel_data_add_dict_u64(d, "latched", s->latched);
	rte_tel_data_add_dict_u64(d, "to_control", s->to_control);
	rte_tel_data_add_dict_u64(d, "from_control", s->from_control);
}

static int tel_stats_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_worker_stats s;
	(void)cmd;
	(void)params;
	dp_stats_sum(telemetry_rt, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sessions", telemetry_rt->sessions->live);
	rte_tel_data_add_dict_u64(d, "workers", telemetry_rt->nworkers);
	add_counters(d, &s);
	return 0;
}

static int tel_workers_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params == NULL || *params == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (unsigned w = 0; w < telemetry_rt->nworkers; w++)
			rte_tel_data_add_array_int(d, (int)w);
		return 0;
	}
	char *end;
	unsigned long w = strtoul(params, &end, 10);
	if (*end != '\0' || w >= telemetry_rt->nworkers)
		return -1;
	const struct dp_worker *wk = telemetry_rt->workers[w];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", wk->lcore);
	rte_tel_data_add_dict_u64(d, "busy_polls", wk->stats.busy_polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", wk->stats.idle_polls);
	rte_tel_data_add_dict_u64(d, "busy_cycles", wk->stats.busy_cycles);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	add_counters(d, &wk->stats);
	return 0;
}

static int tel_sessions_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dp_session_table *t = telemetry_rt->sessions;
	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	/* the telemetry reply is limited; the first ids are enough to pick
	 * one for /srtpedge/session */
	unsigned shown = 0;
	for (uint32_t i = 0; i < t->max_sessions && shown < 512; i++) {
		const struct dp_session *s = dp_session_at(t, i);
		if (s->live) {
			rte_tel_data_add_array_int(d, (int)s->id);
			shown++;
		}
	}
	return 0;
}

static int tel_session_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *side[DP_SIDES] = {"outside", "inside"};
	char key[64];
	(void)cmd;
	if (params == NULL)
		return -1;
	char *end;
	unsigned long id = strtoul(params, &end, 10);
	if (*end != '\0')
		return -1;
	const struct dp_session *s = dp_session_find_id(telemetry_rt->sessions,
							(uint32_t)id);
	if (s == NULL || !s->live)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", s->id);
	rte_tel_data_add_dict_string(d, "name", s->name);
	rte_tel_data_add_dict_u64(d, "worker", s->owner);
	for (int i = 0; i < DP_SIDES; i++) {
		const struct dp_leg_traffic *c = &s->traffic[i];
		const struct dp_leg_refusals *r = &s->refusals[i];
		const struct dp_leg *l = &s->leg[i];
		struct { const char *n; uint64_t v; } f[] = {
			{"rx_packets", c->rx_packets}, {"rx_bytes", c->rx_bytes},
			{"tx_packets", c->tx_packets}, {"tx_bytes", c->tx_bytes},
			{"auth_fail", r->auth_fail}, {"replay", r->replay},
			{"other_drops", r->other_drops},
			{"rx_streams", l->rx.nssrc}, {"tx_streams", l->tx.nssrc},
		};
		for (size_t j = 0; j < sizeof(f) / sizeof(*f); j++) {
			snprintf(key, sizeof(key), "%s_%s", side[i], f[j].n);
			rte_tel_data_add_dict_u64(d, key, f[j].v);
		}
		snprintf(key, sizeof(key), "%s_latched", side[i]);
		rte_tel_data_add_dict_u64(d, key, l->latched);
	}
	return 0;
}

#define TELEMETRY_GUARDED(name)                                               \
	static int name(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                     \
		int rc = -1;                                                  \
		rte_rwlock_read_lock(&telemetry_lock);                        \
		if (telemetry_rt != NULL)                                     \
			rc = name##_locked(cmd, params, d);                   \
		rte_rwlock_read_unlock(&telemetry_lock);                      \
		return rc;                                                    \
	}
TELEMETRY_GUARDED(tel_stats)
TELEMETRY_GUARDED(tel_workers)
TELEMETRY_GUARDED(tel_sessions)
TELEMETRY_GUARDED(tel_session)

void dp_stats_telemetry_hold(void)
{
	rte_rwlock_write_lock(&telemetry_lock);
}

void dp_stats_telemetry_release(void)
{
	rte_rwlock_write_unlock(&telemetry_lock);
}

void dp_stats_telemetry_detach(void)
{
	rte_rwlock_write_lock(&telemetry_lock);
	telemetry_rt = NULL;
	rte_rwlock_write_unlock(&telemetry_lock);
}

int dp_stats_telemetry_register(struct dp_runtime *rt)
{
	rte_rwlock_write_lock(&telemetry_lock);
	telemetry_rt = rt;
	rte_rwlock_write_unlock(&telemetry_lock);
	if (rte_telemetry_register_cmd("/srtpedge/stats", tel_stats,
				       "Counters summed over workers.") != 0 ||
	    rte_telemetry_register_cmd("/srtpedge/workers", tel_workers,
				       "Worker indexes; with ,N: worker N's counters.") != 0 ||
	    rte_telemetry_register_cmd("/srtpedge/sessions", tel_sessions,
				       "Ids of live sessions (the first 512).") != 0 ||
	    rte_telemetry_register_cmd("/srtpedge/session", tel_session,
				       "Counters of one session. Parameter: its id.") != 0)
		return -1;
	return 0;
}
