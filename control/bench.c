/* The install benchmark (see bench.h). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_pause.h>

#include "bench.h"
#include "ctl_util.h"
#include "server.h"
#include "srtp_edge.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fill_keys(struct dp_srtp_keys *k, const uint8_t *rnd)
{
	memset(k, 0, sizeof(*k));
	k->suite = SRE_AES_CM_128_HMAC_SHA1_80;
	k->nkeys = 1;
	memcpy(k->keys[0].key, rnd, 16);
	memcpy(k->keys[0].salt, rnd + 16, 14);
}

/* One pass: op ADD (with specs) or DEL over ids [id0, id0 + n). */
static int run(struct dpif *d, const struct bench_opts *b, uint16_t op,
	       const struct dp_session_spec *tmpl, const uint8_t *rnd,
	       unsigned *ok_out, double *secs)
{
	unsigned sent = 0, done = 0, ok = 0, failed = 0, inflight = 0, shown = 0;
	uint64_t seq0 = ((uint64_t)getpid() << 32) | ((uint64_t)op << 28);
	double t0 = now_s(), last_alive = t0;

	while (done < b->n && !ctl_stop) {
		while (sent < b->n && inflight < DP_CTL_CMD_SLOTS - 1) {
			struct dp_ctl_msg *m = dpif_msg_get(d);
			if (m == NULL)
				break;
			m->op = op;
			m->seq = seq0 + sent;
			if (op == DP_CTL_OP_ADD) {
				struct dp_session_spec *sp = &m->u.spec;
				*sp = *tmpl;
				sp->id = b->id0 + sent;
				snprintf(sp->name, sizeof(sp->name), "bench%u", sent);
				for (int l = 0; l < DP_SIDES; l++)
					sp->leg[l].local.port = (uint16_t)(b->port0 + sent);
				const uint8_t *r = rnd + (size_t)sent * 60;
				fill_keys(&sp->leg[DP_OUTSIDE].rx, r);
				fill_keys(&sp->leg[DP_OUTSIDE].tx, r + 30);
			} else {
				m->u.id = b->id0 + sent;
			}
			if (dpif_cmd_enqueue(d, m) != 0) {
				dpif_msg_put(d, m);
				break;
			}
			sent++;
			inflight++;
		}
		struct dp_ctl_msg *ms[64];
		unsigned k = dpif_done_dequeue(d, ms, 64);
		for (unsigned i = 0; i < k; i++) {
			struct dp_ctl_msg *m = ms[i];
			if (m->seq < seq0 || m->seq >= seq0 + b->n) {
				dpif_msg_put(d, m); /* not ours */
				continue;
			}
			if (m->status == DP_CTL_OK) {
				ok++;
			} else if (failed++ < 5) {
				fprintf(stderr, "srtpedge-control: bench: %s of session %" PRIu64
					" refused (status %d): %.*s\n",
					op == DP_CTL_OP_ADD ? "install" : "delete",
					b->id0 + (m->seq - seq0), m->status,
					(int)sizeof(m->reason), m->reason);
				shown++;
			}
			dpif_msg_put(d, m);
			done++;
			inflight--;
		}
		if (k == 0) {
			rte_pause();
			double t = now_s();
			if (t - last_alive > 1.0) {
				last_alive = t;
				if (rte_eal_primary_proc_alive(NULL) == 0) {
					fprintf(stderr, "srtpedge-control: bench: srtpedge exited\n");
					return -1;
				}
			}
		}
	}
	*secs = now_s() - t0;
	*ok_out = ok;
	return failed == 0 && done == b->n ? 0 : -1;
}

int ctl_bench(struct dpif *d, const struct bench_opts *b)
{
	struct dp_session_spec tmpl;
	char bo[80], bi[80];

	memset(&tmpl, 0, sizeof(tmpl));
	snprintf(bo, sizeof(bo), strchr(b->outside, ':') ? "[%s]:1" : "%s:1", b->outside);
	snprintf(bi, sizeof(bi), strchr(b->inside, ':') ? "[%s]:1" : "%s:1", b->inside);
	if (!ctl_ep_parse(bo, &tmpl.leg[DP_OUTSIDE].local) ||
	    !ctl_ep_parse(bi, &tmpl.leg[DP_INSIDE].local) ||
	    !ctl_ep_parse(b->inside_remote, &tmpl.leg[DP_INSIDE].remote)) {
		fprintf(stderr, "srtpedge-control: bench: --bench-outside, --bench-inside "
			"take an address, --bench-inside-remote ADDRESS:PORT\n");
		return 2;
	}
	if (b->port0 + b->n - 1 > 65535 || b->id0 < 1 || b->id0 + (uint64_t)b->n - 1 > 999999) {
		fprintf(stderr, "srtpedge-control: bench: %u sessions from port %u and id %u "
			"do not fit (ports up to 65535, ids up to 999999)\n", b->n, b->port0,
			b->id0);
		return 2;
	}
	tmpl.leg[DP_OUTSIDE].latch = true;
	tmpl.leg[DP_OUTSIDE].remote.addr.family = tmpl.leg[DP_OUTSIDE].local.addr.family;
	tmpl.leg[DP_INSIDE].rx.suite = tmpl.leg[DP_INSIDE].tx.suite = DP_SUITE_NONE;

	size_t rlen = (size_t)b->n * 60;
	uint8_t *rnd = malloc(rlen);
	if (rnd == NULL || getrandom(rnd, rlen, 0) != (ssize_t)rlen) {
		fprintf(stderr, "srtpedge-control: bench: no random keys\n");
		free(rnd);
		return 1;
	}
	/* answers nobody took (an earlier control process): back to the pool */
	struct dp_ctl_msg *ms[32];
	unsigned k;
	while ((k = dpif_done_dequeue(d, ms, 32)) > 0)
		for (unsigned i = 0; i < k; i++)
			dpif_msg_put(d, ms[i]);

	unsigned ok = 0, dok = 0;
	double secs = 0, dsecs = 0;
	int rc = run(d, b, DP_CTL_OP_ADD, &tmpl, rnd, &ok, &secs);
	explicit_bzero(rnd, rlen);
	free(rnd);
	printf("srtpedge-control: bench: %u SDES session installs (AES_CM_128_HMAC_SHA1_80 "
	       "outside, plain inside) in %.3f s: %.0f installs/s (%u ok, %u failed)\n",
	       b->n, secs, secs > 0 ? ok / secs : 0.0, ok, b->n - ok);
	if (!b->keep) {
		if (run(d, b, DP_CTL_OP_DEL, NULL, NULL, &dok, &dsecs) != 0)
			rc = -1;
		printf("srtpedge-control: bench: %u deletes in %.3f s: %.0f deletes/s "
		       "(%u ok)\n", b->n, dsecs, dsecs > 0 ? dok / dsecs : 0.0, dok);
	}
	fflush(stdout);
	return rc == 0 ? 0 : 1;
}
