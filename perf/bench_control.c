/*
 * `srtpedge-bench control`: how fast one srtpedge-control installs SDES
 * sessions and completes DTLS-SRTP handshakes while the dataplane forwards
 * established sessions, and whether those lose a packet meanwhile.
 *
 * This process drives srtpedge as `srtpedge-bench dataplane` does
 * (bench_dp_harness.h: memif ports, generated SRTP) and starts
 * srtpedge-control beside it. All along, the endpoints of S established
 * sessions send SRTP at a steady rate; every forwarded packet is checked.
 * Meanwhile, per repeat:
 *   installs: N session.create requests with SDES keys written to the API
 *     socket at once (control takes up to 64 per connection in progress and
 *     as many commands as its rings hold); installs per second from the
 *     first request to the last answer; then one SRTP packet per new session
 *     must come out on the inside (the keys installed are the ones given),
 *     and the sessions are deleted again (deletes per second);
 *   handshakes: H sessions with DTLS-SRTP (srtpedge passive, the server),
 *     then H DTLS clients of this process (control/dtls, OpenSSL) connect
 *     through srtpedge's outside port, at most C at once; handshakes per
 *     second from the first ClientHello until control counts all of them
 *     established (keys exported and installed); then each client protects
 *     one packet with the keys it exported and it must come out on the
 *     inside.
 * After each phase the traffic pauses until nothing is in flight, and the
 * established sessions' packets sent, forwarded and lost are counted.
 *
 * On a small machine this process, srtpedge's main lcore and
 * srtpedge-control share one core (srtpedge's worker has the other): the
 * DTLS clients' own work (key exchange and signatures, as costly as the
 * server's) runs on the control's core. So next to the rates the results
 * give srtpedge-control's CPU time per operation (/proc/PID/stat), the
 * figure that says what one control core can do alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench.h"
#include "bench_control.h"
#include "bench_dp_harness.h"
#include "bench_json.h"
#include "dtls_srtp.h"
#include "eal_files.h"
#include "srtp_edge.h"

extern char **environ;

#define PROG "srtpedge-bench control"
#define TRAFFIC_BATCH 65536u    /* established-session packets generated at a time */
#define SEEN_RING (1u << 22)    /* receipt marks of the last 4M packet indexes */
#define VERIFY_BASE (UINT64_C(1) << 40) /* payload index of a verifying packet */
#define API_ID_STATS 0           /* request ids: 0 stats, else 1 + session */

struct copts {
	unsigned streams;          /* established sessions with traffic */
	unsigned rate;             /* their packets per second, all together */
	unsigned installs;         /* SDES sessions per install run */
	unsigned handshakes;       /* DTLS sessions per handshake run */
	unsigned concurrency;      /* handshakes in flight at once */
	unsigned sequential;       /* creates and deletes one at a time, per run */
	const char *state_dir;     /* NULL: a directory of ours on /dev/shm */
	unsigned repeats;
	char control[PATH_MAX];
	bool json, quick;
	struct dph_opts dp;        /* suite, payload, srtpedge binary */
};

/* One DTLS client of the handshake phase. */
struct client {
	struct dtls_assoc *assoc;
	uint64_t started, connected; /* TSC; 0: not yet */
	bool failed, verified;
};

/* What the API socket is waiting for. */
struct api {
	int fd;
	char *out;                 /* requests not yet written */
	size_t out_len, out_off, out_cap;
	char in[1 << 16];          /* answer bytes not yet a whole line */
	size_t in_len;
};

struct cbench {
	struct dph_bench b;
	const struct copts *o;
	unsigned S, N, H;          /* sessions: [0,S) traffic, [S,S+N) installs, then DTLS */
	double hz;
	/* established traffic */
	uint64_t t0;               /* pacing origin */
	uint64_t sent, received, bad, gen_end;
	uint64_t late;             /* arrived after their phase counted them lost */
	uint64_t sent_base, received_base; /* at the last settle: in flight from there */
	uint64_t paced_from;       /* packets sent before the pacing origin */
	bool paused;
	uint32_t *seen;            /* SEEN_RING marks: (index >> 22) + 1 */
	/* verifying packets: one per new session */
	uint8_t *vframes;
	uint32_t *vlen;
	unsigned vcount, vsent;
	uint8_t *vseen;            /* per session of the phase */
	unsigned vreceived, vbad;
	/* control */
	pid_t control_pid;
	struct api api;
	json_t *last_stats;        /* control's counters of the last stats answer */
	unsigned answers_ok, answers_failed;
	char first_error[256];
	uint64_t t_last_answer;
	/* DTLS */
	struct dtls_ctx *dtls;
	char appliance_fp[DTLS_FINGERPRINT_MAX];
	char state_dir[PATH_MAX];  /* srtpedge-control's --state-dir */
	bool state_dir_made;       /* ours to remove */
	struct client *cl;
	double *lat_create, *lat_delete; /* one-at-a-time latencies, s, all runs */
	unsigned nlat_create, nlat_delete;
	bool dtls_active;          /* clients handshaking: their answers come by memif */
	uint64_t dtls_unsent;      /* client datagrams this process could not send */
	struct sre_engine *vengine;
};

/* ---- srtpedge-control: start, stop, CPU time ----------------------------- */

static int control_start(struct cbench *cb)
{
	struct dph_bench *b = &cb->b;
	char sock[96], logp[96], exe[PATH_MAX];
	posix_spawn_file_actions_t fa;

	snprintf(sock, sizeof(sock), "%s/control.sock", b->dir);
	snprintf(logp, sizeof(logp), "%s/control.log", b->dir);
	snprintf(exe, sizeof(exe), "%s", cb->o->control);
	char *argv[] = {exe, "--file-prefix", b->prefix, "--socket", sock, "--state-dir",
			cb->state_dir, NULL};
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* not this process's sockets (memif, the API's) */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	int rc = posix_spawn(&cb->control_pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot start %s: %s\n", PROG, exe, strerror(rc));
		cb->control_pid = 0;
		return -1;
	}
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	memcpy(sun.sun_path, sock, sizeof(sock) < sizeof(sun.sun_path) ? sizeof(sock)
							     : sizeof(sun.sun_path) - 1);
	for (int i = 0; i < 3000 && !dph_stop; i++) {
		int status;
		if (waitpid(cb->control_pid, &status, WNOHANG) == cb->control_pid) {
			fprintf(stderr, "%s: srtpedge-control exited before it served (its log: "
					"%s)\n", PROG, logp);
			cb->control_pid = 0;
			return -1;
		}
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			cb->api.fd = fd;
			return 0;
		}
		if (fd >= 0)
			close(fd);
		usleep(10000);
	}
	fprintf(stderr, "%s: srtpedge-control did not open %s within 30 s\n", PROG, sock);
	return -1;
}

static int control_stop(struct cbench *cb)
{
	return cb->control_pid > 0 ? dph_process_stop(&cb->control_pid, 5000) : 0;
}

/* utime + stime of srtpedge-control, seconds */
static double control_cpu_s(const struct cbench *cb)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)cb->control_pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name, which may hold spaces */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the API socket -------------------------------------------------------- */

static int api_queue(struct api *a, const char *line)
{
	size_t l = strlen(line);
	if (a->out_len + l + 1 > a->out_cap) {
		size_t cap = (a->out_len + l + 1) * 2;
		char *p = realloc(a->out, cap);
		if (p == NULL)
			return -1;
		a->out = p;
		a->out_cap = cap;
	}
	memcpy(a->out + a->out_len, line, l);
	a->out[a->out_len + l] = '\n';
	a->out_len += l + 1;
	return 0;
}

static void on_answer(struct cbench *cb, const char *line)
{
	json_error_t err;
	json_t *j = json_loads(line, 0, &err);
	json_t *id = j ? json_object_get(j, "id") : NULL;

	cb->t_last_answer = bench_tsc();
	if (j == NULL || !json_is_integer(id)) {
		cb->answers_failed++;
		if (!cb->first_error[0])
			snprintf(cb->first_error, sizeof(cb->first_error), "answer not understood: %.200s",
				 line);
		json_decref(j);
		return;
	}
	if (json_integer_value(id) == API_ID_STATS) {
		json_decref(cb->last_stats);
		cb->last_stats = json_incref(json_object_get(j, "control"));
		json_decref(j);
		return;
	}
	if (json_is_true(json_object_get(j, "ok"))) {
		cb->answers_ok++;
		json_t *fp = json_object_get(json_object_get(j, "dtls"), "fingerprint");
		if (json_is_string(fp))
			snprintf(cb->appliance_fp, sizeof(cb->appliance_fp), "%s",
				 json_string_value(fp));
	} else {
		cb->answers_failed++;
		if (!cb->first_error[0]) {
			json_t *e = json_object_get(j, "error");
			snprintf(cb->first_error, sizeof(cb->first_error), "session %" JSON_INTEGER_FORMAT
				 ": %s: %s", json_integer_value(id),
				 json_string_value(json_object_get(e, "code")) ?: "?",
				 json_string_value(json_object_get(e, "message")) ?: "?");
		}
	}
	json_decref(j);
}

/* Writes what the socket takes, reads and handles whole answers. Returns
 * -1 when control closed the connection. */
static int api_pump(struct cbench *cb)
{
	struct api *a = &cb->api;

	if (a->fd < 0)
		return 0; /* not started yet */
	while (a->out_off < a->out_len) {
		ssize_t w = send(a->fd, a->out + a->out_off, a->out_len - a->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			break;
		a->out_off += (size_t)w;
	}
	if (a->out_off == a->out_len)
		a->out_off = a->out_len = 0;
	for (;;) {
		ssize_t r = recv(a->fd, a->in + a->in_len, sizeof(a->in) - a->in_len - 1,
				 MSG_DONTWAIT);
		if (r == 0)
			return -1;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		a->in_len += (size_t)r;
		a->in[a->in_len] = '\0';
		char *line = a->in, *nl;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			on_answer(cb, line);
			line = nl + 1;
		}
		a->in_len -= (size_t)(line - a->in);
		memmove(a->in, line, a->in_len);
		if (a->in_len >= sizeof(a->in) - 1)
			return -1; /* an answer longer than 64 KiB: not ours */
	}
}

/* ---- frames -------------------------------------------------------------- */

/* The outside frame endpoint s sends to srtpedge: UDP payload of len bytes. */
static struct rte_mbuf *outside_frame(struct cbench *cb, unsigned s, const uint8_t *payload,
				      size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(cb->b.pool);
	if (m == NULL)
		return NULL;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HDR_LEN + len));
	if (f == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	dph_outside_headers(f, s, len);
	memcpy(f + HDR_LEN, payload, len);
	return m;
}

/* The session a frame srtpedge sent out of its outside port is for (its
 * destination is dph_peer_out(s):dph_peer_port(s)), or UINT_MAX. */
static unsigned outside_session_of(const struct rte_mbuf *m, const uint8_t **udp_payload,
				   size_t *len)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t fl = rte_pktmbuf_data_len(m);
	if (fl < HDR_LEN || f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45 || f[23] != IPPROTO_UDP)
		return UINT_MAX;
	uint32_t dst = ((uint32_t)f[30] << 24) | ((uint32_t)f[31] << 16) |
		       ((uint32_t)f[32] << 8) | f[33];
	uint16_t dport = (uint16_t)((f[36] << 8) | f[37]);
	uint16_t ulen = (uint16_t)((f[38] << 8) | f[39]);
	if ((dst & 0xfffe0000u) != (dph_peer_out(0) & 0xfffe0000u) || dport < 30000 ||
	    ulen < 8 || (size_t)ulen - 8 > fl - HDR_LEN)
		return UINT_MAX;
	*udp_payload = f + HDR_LEN;
	*len = (size_t)ulen - 8;
	return (dst - dph_peer_out(0)) | ((unsigned)(dport - 30000) << 17);
}

/* ---- traffic: established sessions, verifying packets ----------------------- */

static void mark_received(struct cbench *cb, uint64_t idx)
{
	if (idx >= VERIFY_BASE) {
		uint64_t k = idx - VERIFY_BASE;
		if (k >= cb->vcount || cb->vseen[k]) {
			cb->vbad++;
			return;
		}
		cb->vseen[k] = 1;
		cb->vreceived++;
		return;
	}
	uint32_t mark = (uint32_t)(idx >> 22) + 1;
	if (idx >= cb->sent || cb->seen[idx & (SEEN_RING - 1)] == mark) {
		cb->bad++;
		return;
	}
	cb->seen[idx & (SEEN_RING - 1)] = mark;
	/* sent before the last settle, which gave it up: its phase counted
	 * it lost, this one must not count it received */
	if (idx < cb->sent_base)
		cb->late++;
	else
		cb->received++;
}

static void drain_inside(struct cbench *cb)
{
	struct rte_mbuf *rx[DPH_BURST];
	unsigned pay = cb->o->dp.payload, got;

	for (int k = 0; k < 8 && (got = rte_eth_rx_burst(cb->b.port[1], 0, rx, DPH_BURST)); k++) {
		for (unsigned j = 0; j < got; j++) {
			const uint8_t *p = rte_pktmbuf_mtod(rx[j], const uint8_t *) + HDR_LEN + RTP_HDR;
			uint64_t i1 = UINT64_MAX, i2 = 0;
			if (rte_pktmbuf_data_len(rx[j]) == HDR_LEN + RTP_HDR + pay) {
				memcpy(&i1, p, 8);
				memcpy(&i2, p + pay - 8, 8);
			}
			if (i1 != i2)
				cb->bad++;
			else
				mark_received(cb, i1);
		}
		rte_pktmbuf_free_bulk(rx, got);
	}
}

static void drain_outside(struct cbench *cb);

/* Sends frames [first, first + n) of `frames` (n <= DPH_BURST, not
 * wrapping) into srtpedge's outside port; returns how many it took. */
static unsigned send_frames(struct cbench *cb, const uint8_t *frames, const uint32_t *lens,
			    unsigned first, unsigned n)
{
	struct rte_mbuf *tx[DPH_BURST];

	if (rte_pktmbuf_alloc_bulk(cb->b.pool, tx, n) != 0)
		return 0;
	for (unsigned j = 0; j < n; j++) {
		char *d = rte_pktmbuf_append(tx[j], (uint16_t)lens[first + j]);
		memcpy(d, frames + (size_t)(first + j) * cb->b.stride, lens[first + j]);
	}
	unsigned k = rte_eth_tx_burst(cb->b.port[0], 0, tx, (uint16_t)n);
	if (k < n)
		rte_pktmbuf_free_bulk(tx + k, n - k);
	return k;
}

/* Sends what is due: the established sessions' packets at the paced rate,
 * verifying packets as the in-flight limit allows. */
static int send_due(struct cbench *cb)
{
	struct dph_bench *b = &cb->b;
	uint64_t now = bench_tsc();
	unsigned in_flight = (unsigned)((cb->sent - cb->sent_base) -
					(cb->received - cb->received_base)) +
			     (cb->vsent - cb->vreceived);

	/* a turn that came late catches up, a burst at a time */
	for (int round = 0; round < 16 && !cb->paused; round++) {
		uint64_t due = cb->paced_from +
			       (uint64_t)((double)(now - cb->t0) * cb->o->rate / cb->hz) + 1;
		unsigned want = due > cb->sent ? (unsigned)(due - cb->sent) : 0;
		if (want > DPH_BURST)
			want = DPH_BURST;
		if (in_flight + want > MAX_IN_FLIGHT)
			want = in_flight < MAX_IN_FLIGHT ? MAX_IN_FLIGHT - in_flight : 0;
		if (want > 0 && cb->sent + want > cb->gen_end) {
			/* the next batch: frames [0, TRAFFIC_BATCH) again */
			if (cb->sent != cb->gen_end)
				want = (unsigned)(cb->gen_end - cb->sent);
			else if (dph_generate(b, 0, cb->S, cb->gen_end, TRAFFIC_BATCH) != 0)
				return -1;
			else
				cb->gen_end += TRAFFIC_BATCH;
		}
		if (want == 0)
			break;
		unsigned k = send_frames(cb, b->frames, b->len,
					 (unsigned)(cb->sent % TRAFFIC_BATCH), want);
		cb->sent += k;
		in_flight += k;
		if (k < want)
			break; /* the ring to srtpedge is full: later */
	}
	unsigned vwant = cb->vcount - cb->vsent;
	if (vwant > DPH_BURST)
		vwant = DPH_BURST;
	if (in_flight + vwant > MAX_IN_FLIGHT)
		vwant = in_flight < MAX_IN_FLIGHT ? MAX_IN_FLIGHT - in_flight : 0;
	if (vwant > 0)
		cb->vsent += send_frames(cb, cb->vframes, cb->vlen, cb->vsent, vwant);
	return 0;
}

/* One turn of the loop: traffic, srtpedge's output, the API socket. Sleeps
 * a little when it found nothing to do: the core is shared with srtpedge's
 * main lcore and srtpedge-control. */
static int pump(struct cbench *cb)
{
	uint64_t before = cb->received + cb->vreceived + cb->answers_ok + cb->answers_failed;
	if (send_due(cb) != 0)
		return -1;
	drain_inside(cb);
	drain_outside(cb);
	if (api_pump(cb) != 0) {
		fprintf(stderr, "%s: srtpedge-control closed the API connection\n", PROG);
		return -1;
	}
	if (cb->control_pid > 0 && waitpid(cb->control_pid, NULL, WNOHANG) == cb->control_pid) {
		fprintf(stderr, "%s: srtpedge-control exited\n", PROG);
		cb->control_pid = 0;
		return -1;
	}
	if (cb->received + cb->vreceived + cb->answers_ok + cb->answers_failed == before &&
	    cb->api.out_len == 0 && cb->vsent == cb->vcount) {
		/* Nothing came: wait for an answer, at most until a burst of
		 * traffic is due (its packets then leave together, which a
		 * paced endpoint population does too). Spinning here would
		 * take the core from srtpedge-control and srtpedge's main
		 * lcore, whose speed is what is measured. */
		double wait_s = cb->paused ? 1e-3 : (double)DPH_BURST / cb->o->rate;
		if (cb->dtls_active)
			wait_s = 20e-6;
		if (wait_s > 1e-3)
			wait_s = 1e-3;
		struct timespec ts = {0, (long)(wait_s * 1e9)};
		struct pollfd pfd = {.fd = cb->api.fd, .events = POLLIN};
		ppoll(&pfd, cb->api.fd >= 0 ? 1 : 0, &ts, NULL);
	}
	return dph_stop ? -1 : 0;
}

/* Stops sending, waits until the established sessions' packets in flight
 * are back (or a second passes without any), counts them. */
struct traffic_mark {
	uint64_t sent, received, bad, late;
	uint64_t tsc;
};

static int traffic_settle(struct cbench *cb, struct traffic_mark *m)
{
	cb->paused = true;
	uint64_t last = bench_tsc(), got = cb->received + cb->bad + cb->vreceived;
	while (cb->received - cb->received_base < cb->sent - cb->sent_base ||
	       cb->vsent < cb->vcount || cb->vreceived + cb->vbad < cb->vsent) {
		if (pump(cb) != 0)
			return -1;
		if (cb->received + cb->bad + cb->vreceived != got) {
			got = cb->received + cb->bad + cb->vreceived;
			last = bench_tsc();
		} else if (bench_tsc() - last > (uint64_t)cb->hz) {
			break;
		}
	}
	m->sent = cb->sent;
	m->received = cb->received;
	m->bad = cb->bad;
	m->late = cb->late;
	m->tsc = bench_tsc();
	/* what did not come back by now is lost to this phase */
	cb->sent_base = cb->sent;
	cb->received_base = cb->received;
	/* pacing goes on from here, not from the pause */
	cb->paced_from = cb->sent;
	cb->t0 = bench_tsc();
	cb->paused = false;
	return 0;
}

/* No verifying packets (those of the last phase are counted). */
static void verify_clear(struct cbench *cb)
{
	cb->vcount = cb->vsent = cb->vreceived = cb->vbad = 0;
}

/* Frames of one packet per session [s0, s0 + n), protected with the
 * generator's keys of those sessions, as verifying packets. */
static int verify_prepare(struct cbench *cb, unsigned s0, unsigned n)
{
	struct dph_bench *b = &cb->b;
	uint8_t *frames = b->frames;
	uint32_t *len = b->len;

	/* dph_generate writes b->frames: point it at the verifying frames */
	b->frames = cb->vframes;
	b->len = cb->vlen;
	int rc = dph_generate(b, s0, n, VERIFY_BASE, n);
	b->frames = frames;
	b->len = len;
	cb->vcount = n;
	cb->vsent = 0;
	cb->vreceived = 0;
	cb->vbad = 0;
	memset(cb->vseen, 0, n);
	return rc;
}

/* ---- DTLS clients ------------------------------------------------------------ */

static int client_flush(struct cbench *cb, unsigned k)
{
	uint8_t buf[4096];
	size_t len;
	struct client *c = &cb->cl[k];

	while (dtls_assoc_pull(c->assoc, buf, sizeof(buf), &len) == DTLS_OK && len > 0) {
		struct rte_mbuf *m = outside_frame(cb, cb->S + cb->N + k, buf, len);
		if (m == NULL || rte_eth_tx_burst(cb->b.port[0], 0, &m, 1) != 1) {
			/* lost on the way: DTLS retransmits (counted) */
			cb->dtls_unsent++;
			if (m)
				rte_pktmbuf_free(m);
		}
	}
	return 0;
}

static void client_progress(struct cbench *cb, unsigned k)
{
	struct client *c = &cb->cl[k];
	enum dtls_state st = dtls_assoc_state(c->assoc);

	if (st == DTLS_STATE_CONNECTED && !c->connected)
		c->connected = bench_tsc();
	else if ((st == DTLS_STATE_FAILED || st == DTLS_STATE_CLOSED) && !c->failed) {
		c->failed = true;
		if (!cb->first_error[0])
			snprintf(cb->first_error, sizeof(cb->first_error),
				 "DTLS client of session %u: %s %s", cb->S + cb->N + k + 1,
				 dtls_status_name(dtls_assoc_error(c->assoc)),
				 dtls_assoc_detail(c->assoc));
	}
}

static void drain_outside(struct cbench *cb)
{
	struct rte_mbuf *rx[DPH_BURST];
	unsigned got;

	for (int k = 0; k < 8 && (got = rte_eth_rx_burst(cb->b.port[0], 0, rx, DPH_BURST)); k++) {
		for (unsigned j = 0; j < got; j++) {
			const uint8_t *p;
			size_t len;
			unsigned s = outside_session_of(rx[j], &p, &len);
			if (cb->cl && s != UINT_MAX && s >= cb->S + cb->N &&
			    s < cb->S + cb->N + cb->H && cb->cl[s - cb->S - cb->N].assoc) {
				unsigned i = s - cb->S - cb->N;
				uint32_t from = dph_local_out(s);
				dtls_assoc_feed(cb->cl[i].assoc, p, len, &from, sizeof(from));
				client_flush(cb, i);
				client_progress(cb, i);
			}
		}
		rte_pktmbuf_free_bulk(rx, got);
	}
}

/* ---- the phases --------------------------------------------------------------- */

struct phase_result {
	double rate;               /* operations per second */
	double cpu_ms;             /* srtpedge-control's CPU per operation */
	uint64_t lost, wrong;      /* established sessions' packets */
	uint64_t late;             /* of those lost: arrived after the phase gave up */
	uint64_t sent;
	double secs;               /* the phase, traffic included */
	unsigned verified, expected;
	bool ok;
};

/* When control stops answering: its counters through a connection of
 * their own (blocking, 2 s at most), and how much of ours it has read. */
static void control_diagnose(struct cbench *cb)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[16384];
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/control.sock", cb->b.dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timeval tv = {2, 0};
	static const char req[] = "{\"id\":1,\"op\":\"stats\",\"scope\":\"global\"}\n";
	ssize_t n = -1;
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(req) - 1))
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (fd >= 0)
		close(fd);
	fprintf(stderr, "%s: %zu bytes of requests not yet written to control\n", PROG,
		cb->api.out_len - cb->api.out_off);
	if (n <= 0) {
		fprintf(stderr, "%s: control does not answer a new connection either\n", PROG);
		return;
	}
	buf[n] = '\0';
	json_t *j = json_loads(buf, 0, NULL);
	json_t *k = json_object_get(j, "control");
	static const char *names[] = {"requests", "errors", "dp_commands", "dp_answers",
				      "dp_in_flight", "dp_stray_answers", "backpressure"};
	for (size_t i = 0; k && i < sizeof(names) / sizeof(*names); i++)
		fprintf(stderr, "    control %s: %" JSON_INTEGER_FORMAT "\n", names[i],
			json_integer_value(json_object_get(k, names[i])));
	json_decref(j);
}

static int wait_answers(struct cbench *cb, unsigned want)
{
	uint64_t last = bench_tsc();
	unsigned seen = 0;
	while (cb->answers_ok + cb->answers_failed < want) {
		if (pump(cb) != 0)
			return -1;
		if (cb->answers_ok + cb->answers_failed != seen) {
			seen = cb->answers_ok + cb->answers_failed;
			last = bench_tsc();
		} else if (bench_tsc() - last > 30 * (uint64_t)cb->hz) {
			fprintf(stderr, "%s: srtpedge-control answered %u of %u requests and then "
					"nothing for 30 s\n", PROG, seen, want);
			control_diagnose(cb);
			return -1;
		}
	}
	return 0;
}

static void sdes_line(char *out, size_t cap, enum sre_suite suite, const uint8_t *key)
{
	char b64[96];
	dph_base64(key, sre_suite_master_key_len(suite) + sre_suite_master_salt_len(suite), b64);
	snprintf(out, cap, "a=crypto:1 %s inline:%s", sre_suite_name(suite), b64);
}

static void legs_json(char *out, size_t cap, unsigned s, const char *outside_keys);

/* session.create of session s with SDES: the key the generator protects
 * its packets with (rx), a random one to send with (tx). */
static void sdes_create_line(const struct cbench *cb, unsigned s, char *line, size_t cap)
{
	enum sre_suite suite = cb->o->dp.suite;
	size_t kl = sre_suite_master_key_len(suite) + sre_suite_master_salt_len(suite);
	char rx[160], tx[160], keys[400], legs[700];
	uint8_t txkey[46];

	for (size_t k = 0; k < kl; k++)
		txkey[k] = (uint8_t)rand();
	sdes_line(rx, sizeof(rx), suite, cb->b.st[s].key);
	sdes_line(tx, sizeof(tx), suite, txkey);
	snprintf(keys, sizeof(keys), "\"sdes\":{\"rx\":\"%s\",\"tx\":\"%s\"}", rx, tx);
	legs_json(legs, sizeof(legs), s, keys);
	snprintf(line, cap, "{\"id\":%u,\"op\":\"session.create\",\"session\":%u,%s}", s + 1,
		 s + 1, legs);
}

static void legs_json(char *out, size_t cap, unsigned s, const char *outside_keys)
{
	char lo[24], li[24], pi[24];
	dph_addr_str(dph_local_out(s), lo, sizeof(lo));
	dph_addr_str(dph_local_in(s), li, sizeof(li));
	dph_addr_str(dph_peer_in(s), pi, sizeof(pi));
	snprintf(out, cap,
		 "\"outside\":{\"local\":\"%s:%u\",\"remote\":\"latch\",%s},"
		 "\"inside\":{\"local\":\"%s:%u\",\"remote\":\"%s:40000\"}",
		 lo, dph_local_port(s), outside_keys, li, dph_local_port(s), pi);
}

static int delete_sessions(struct cbench *cb, unsigned s0, unsigned n, double *rate)
{
	char line[128];
	cb->answers_ok = cb->answers_failed = 0;
	uint64_t t0 = bench_tsc();
	for (unsigned i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"id\":%u,\"op\":\"session.delete\",\"session\":%u}",
			 s0 + i + 1, s0 + i + 1);
		if (api_queue(&cb->api, line) != 0)
			return -1;
	}
	if (wait_answers(cb, n) != 0)
		return -1;
	*rate = n / ((double)(cb->t_last_answer - t0) / cb->hz);
	if (cb->answers_failed) {
		fprintf(stderr, "%s: %u of %u deletes refused: %s\n", PROG, cb->answers_failed, n,
			cb->first_error);
		return -1;
	}
	return 0;
}

/* The established sessions' packets from m0 to now (deletes included),
 * after a settle; r->verified etc. are set. */
static int phase_traffic(struct cbench *cb, const struct traffic_mark *m0,
			 struct phase_result *r)
{
	struct traffic_mark m2;
	if (traffic_settle(cb, &m2) != 0)
		return -1;
	r->sent = m2.sent - m0->sent;
	r->secs = (double)(m2.tsc - m0->tsc) / cb->hz;
	/* only packets of the phase count as received (late ones of an
	 * earlier phase do not), so this never goes below zero */
	r->lost = r->sent - (m2.received - m0->received);
	r->late = m2.late - m0->late;
	r->wrong += m2.bad - m0->bad;
	r->ok = r->lost == 0 && r->wrong == 0 && r->verified == r->expected;
	return 0;
}

static int phase_installs(struct cbench *cb, struct phase_result *r, double *del_rate)
{
	struct traffic_mark m0, m1;
	char line[1024];


	memset(r, 0, sizeof(*r));
	if (traffic_settle(cb, &m0) != 0)
		return -1;
	cb->answers_ok = cb->answers_failed = 0;
	cb->first_error[0] = '\0';
	double cpu0 = control_cpu_s(cb);
	uint64_t t0 = bench_tsc();
	for (unsigned i = 0; i < cb->N; i++) {
		sdes_create_line(cb, cb->S + i, line, sizeof(line));
		if (api_queue(&cb->api, line) != 0)
			return -1;
	}
	if (wait_answers(cb, cb->N) != 0)
		return -1;
	double secs = (double)(cb->t_last_answer - t0) / cb->hz;
	r->rate = cb->N / secs;
	r->cpu_ms = (control_cpu_s(cb) - cpu0) * 1e3 / cb->N;
	if (cb->answers_failed) {
		fprintf(stderr, "%s: %u of %u installs refused; the first: %s\n", PROG,
			cb->answers_failed, cb->N, cb->first_error);
		return -1;
	}
	/* one packet per new session, protected with the key installed */
	if (verify_prepare(cb, cb->S, cb->N) != 0 || traffic_settle(cb, &m1) != 0)
		return -1;
	r->verified = cb->vreceived;
	r->expected = cb->N;
	r->wrong = cb->vbad;
	verify_clear(cb);
	if (delete_sessions(cb, cb->S, cb->N, del_rate) != 0)
		return -1;
	return phase_traffic(cb, &m0, r);
}

/* Sends one request and waits for its answer; returns its latency in
 * seconds, or -1. */
static double one_request(struct cbench *cb, const char *line)
{
	cb->answers_ok = cb->answers_failed = 0;
	uint64_t t0 = bench_tsc();
	if (api_queue(&cb->api, line) != 0 || wait_answers(cb, 1) != 0)
		return -1;
	if (cb->answers_failed) {
		fprintf(stderr, "%s: refused: %s\n", PROG, cb->first_error);
		return -1;
	}
	return (double)(cb->t_last_answer - t0) / cb->hz;
}

/* --sequential creates (SDES, as in the install phase) each sent once the
 * one before was answered, then as many deletes: what one request costs
 * from the API to the dataplane and back, with nothing to batch. */
static int phase_sequential(struct cbench *cb, struct phase_result *r, double *del_rate)
{
	unsigned n = cb->o->sequential;
	struct traffic_mark m0;
	char line[1024];
	double tc = 0, td = 0;

	memset(r, 0, sizeof(*r));
	cb->first_error[0] = '\0';
	if (traffic_settle(cb, &m0) != 0)
		return -1;
	double cpu0 = control_cpu_s(cb);
	for (unsigned i = 0; i < n; i++) {
		sdes_create_line(cb, cb->S + i, line, sizeof(line));
		double t = one_request(cb, line);
		if (t < 0)
			return -1;
		cb->lat_create[cb->nlat_create++] = t;
		tc += t;
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"id\":%u,\"op\":\"session.delete\",\"session\":%u}",
			 cb->S + i + 1, cb->S + i + 1);
		double t = one_request(cb, line);
		if (t < 0)
			return -1;
		cb->lat_delete[cb->nlat_delete++] = t;
		td += t;
	}
	r->rate = n / tc;
	r->cpu_ms = (control_cpu_s(cb) - cpu0) * 1e3 / n;
	*del_rate = n / td;
	return phase_traffic(cb, &m0, r);
}

static int stats_request(struct cbench *cb)
{
	char line[96];
	snprintf(line, sizeof(line), "{\"id\":%d,\"op\":\"stats\",\"scope\":\"global\"}",
		 API_ID_STATS);
	return api_queue(&cb->api, line);
}

static uint64_t stat_of(const struct cbench *cb, const char *name)
{
	json_t *v = cb->last_stats ? json_object_get(cb->last_stats, name) : NULL;
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* The control's counters now (a stats request answered). */
static int stats_now(struct cbench *cb)
{
	json_decref(cb->last_stats);
	cb->last_stats = NULL;
	if (stats_request(cb) != 0)
		return -1;
	uint64_t t0 = bench_tsc();
	while (cb->last_stats == NULL) {
		if (pump(cb) != 0)
			return -1;
		if (bench_tsc() - t0 > 10 * (uint64_t)cb->hz) {
			fprintf(stderr, "%s: srtpedge-control did not answer stats\n", PROG);
			return -1;
		}
	}
	return 0;
}

/* Protects one RTP packet per connected client with the key it exported
 * (its client_write key: what srtpedge receives) as verifying packets. */
static int dtls_verify_prepare(struct cbench *cb)
{
	struct dph_bench *b = &cb->b;
	unsigned pay = cb->o->dp.payload;

	verify_clear(cb);
	memset(cb->vseen, 0, cb->H);
	for (unsigned k = 0; k < cb->H; k++) {
		struct client *c = &cb->cl[k];
		struct dtls_srtp_keys keys;
		struct sre_policy pol;
		struct sre_ctx *ctx = NULL;
		struct sre_stream st;
		unsigned s = cb->S + cb->N + k;
		if (!c->connected || dtls_assoc_srtp_keys(c->assoc, &keys) != DTLS_OK)
			return -1;
		sre_policy_init(&pol, keys.suite, SRE_OUTBOUND);
		int rc = sre_ctx_create(&pol, NULL, &ctx);
		if (rc == SRE_OK)
			rc = sre_ctx_add_key(cb->vengine, ctx, keys.tx, keys.key_len,
					     keys.tx + keys.key_len, keys.salt_len, NULL);
		dtls_srtp_keys_wipe(&keys);
		if (rc == SRE_OK)
			rc = sre_stream_init(&st, ctx, SSRC0 + s, NULL);
		uint8_t *f = cb->vframes + (size_t)k * b->stride;
		uint8_t *rtp = f + HDR_LEN;
		uint64_t idx = VERIFY_BASE + k;
		memset(rtp, 0, RTP_HDR + pay);
		rtp[0] = 0x80;
		rtp[3] = 1;
		uint32_t ssrc = rte_cpu_to_be_32(SSRC0 + s);
		memcpy(rtp + 8, &ssrc, 4);
		memcpy(rtp + RTP_HDR, &idx, 8);
		memcpy(rtp + RTP_HDR + pay - 8, &idx, 8);
		struct sre_packet p = {.data = rtp, .len = RTP_HDR + pay,
				       .room = (uint32_t)(b->stride - HDR_LEN), .stream = &st,
				       .kind = SRE_RTP};
		if (rc == SRE_OK && (sre_protect_burst(cb->vengine, &p, 1) != 1))
			rc = p.status;
		sre_ctx_destroy(ctx);
		if (rc != SRE_OK) {
			fprintf(stderr, "%s: session %u: cannot protect with the DTLS keys: %s\n",
				PROG, s + 1, sre_status_name(rc));
			return -1;
		}
		struct rte_mbuf *m = outside_frame(cb, s, rtp, p.len);
		if (m == NULL)
			return -1;
		memcpy(f, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
		cb->vlen[k] = rte_pktmbuf_data_len(m);
		rte_pktmbuf_free(m);
	}
	cb->vcount = cb->H;
	return 0;
}

static int phase_handshakes(struct cbench *cb, struct phase_result *r, double *create_rate)
{
	struct traffic_mark m0, m1;
	char line[1024], keys[300], legs[700];
	unsigned H = cb->H, s0 = cb->S + cb->N;

	memset(r, 0, sizeof(*r));
	if (traffic_settle(cb, &m0) != 0)
		return -1;
	/* the sessions, each waiting for its client's ClientHello */
	cb->answers_ok = cb->answers_failed = 0;
	cb->first_error[0] = '\0';
	uint64_t tc = bench_tsc();
	for (unsigned k = 0; k < H; k++) {
		snprintf(keys, sizeof(keys),
			 "\"dtls\":{\"setup\":\"passive\",\"fingerprint\":\"%s\"}",
			 dtls_ctx_fingerprint(cb->dtls));
		legs_json(legs, sizeof(legs), s0 + k, keys);
		snprintf(line, sizeof(line),
			 "{\"id\":%u,\"op\":\"session.create\",\"session\":%u,%s}", s0 + k + 1,
			 s0 + k + 1, legs);
		if (api_queue(&cb->api, line) != 0)
			return -1;
	}
	if (wait_answers(cb, H) != 0)
		return -1;
	*create_rate = H / ((double)(cb->t_last_answer - tc) / cb->hz);
	if (cb->answers_failed) {
		fprintf(stderr, "%s: %u of %u DTLS session creates refused; the first: %s\n", PROG,
			cb->answers_failed, H, cb->first_error);
		return -1;
	}
	if (stats_now(cb) != 0)
		return -1;
	uint64_t est0 = stat_of(cb, "dtls_established"), fail0 = stat_of(cb, "dtls_failed");

	/* the clients, at most `concurrency` handshaking at once */
	memset(cb->cl, 0, H * sizeof(*cb->cl));
	double cpu0 = control_cpu_s(cb);
	uint64_t t0 = bench_tsc(), last_stats = t0;
	unsigned started = 0, done = 0;
	bool stats_pending = false;
	cb->dtls_active = true;
	uint64_t established = 0, failed = 0;
	for (;;) {
		while (started < H && started - done < cb->o->concurrency) {
			struct client *c = &cb->cl[started];
			if (dtls_assoc_create(cb->dtls, DTLS_ROLE_CLIENT, cb->appliance_fp,
					      &c->assoc) != DTLS_OK ||
			    dtls_assoc_start(c->assoc) != DTLS_OK) {
				fprintf(stderr, "%s: cannot start a DTLS client\n", PROG);
				return -1;
			}
			c->started = bench_tsc();
			client_flush(cb, started);
			started++;
		}
		if (pump(cb) != 0)
			return -1;
		/* timers of the clients still handshaking */
		done = 0;
		for (unsigned k = 0; k < started; k++) {
			struct client *c = &cb->cl[k];
			if (c->connected || c->failed) {
				done++;
				continue;
			}
			if (dtls_assoc_next_timeout(c->assoc) == 0) {
				dtls_assoc_handle_timeout(c->assoc);
				client_flush(cb, k);
				client_progress(cb, k);
			}
		}
		/* control's count of handshakes finished and keys installed */
		uint64_t now = bench_tsc();
		if (stats_pending && cb->last_stats) {
			stats_pending = false;
			established = stat_of(cb, "dtls_established") - est0;
			failed = stat_of(cb, "dtls_failed") - fail0;
			if (established + failed >= H)
				break;
		}
		unsigned client_failed = 0;
		for (unsigned k = 0; k < started; k++)
			client_failed += cb->cl[k].failed;
		if (done == H && client_failed > 0)
			break; /* reported below */
		if (!stats_pending && done == H && now - last_stats > cb->hz / 1000) {
			json_decref(cb->last_stats);
			cb->last_stats = NULL;
			if (stats_request(cb) != 0)
				return -1;
			stats_pending = true;
			last_stats = now;
		}
		if (now - t0 > 120 * (uint64_t)cb->hz) {
			fprintf(stderr, "%s: %u handshakes of %u done after 120 s (control: %" PRIu64
					" established, %" PRIu64 " failed)\n", PROG, done, H,
				established, failed);
			return -1;
		}
	}
	cb->dtls_active = false;
	/* up to the stats answer that counted the last one established: at
	 * most a millisecond of polling and a round trip late */
	double secs = (double)(cb->t_last_answer - t0) / cb->hz;
	r->rate = established / secs;
	r->cpu_ms = (control_cpu_s(cb) - cpu0) * 1e3 / H;
	unsigned client_failed = 0;
	for (unsigned k = 0; k < H; k++)
		client_failed += cb->cl[k].failed;
	if (failed || client_failed) {
		fprintf(stderr, "%s: %" PRIu64 " handshakes failed at srtpedge-control, %u at the "
				"clients; the first: %s\n", PROG, failed, client_failed,
			cb->first_error[0] ? cb->first_error : "(see the control log)");
		return -1;
	}
	if (dtls_verify_prepare(cb) != 0 || traffic_settle(cb, &m1) != 0)
		return -1;
	r->verified = cb->vreceived;
	r->expected = H;
	r->wrong = cb->vbad;
	verify_clear(cb);
	double del_rate;
	if (delete_sessions(cb, s0, H, &del_rate) != 0)
		return -1;
	/* a lost flight costs a retransmission timer (1 s at first): say so,
	 * it explains a slow run */
	uint64_t retransmits = 0;
	for (unsigned k = 0; k < H; k++) {
		struct dtls_assoc_stats st;
		dtls_assoc_get_stats(cb->cl[k].assoc, &st);
		retransmits += st.timer_retransmits;
		dtls_assoc_destroy(cb->cl[k].assoc);
		cb->cl[k].assoc = NULL;
	}
	if (retransmits || cb->dtls_unsent)
		fprintf(stderr, "%s: handshake run: the clients retransmitted %" PRIu64 " flights "
				"(%" PRIu64 " datagrams not sent here for want of mbufs or ring room)\n",
			PROG, retransmits, cb->dtls_unsent);
	cb->dtls_unsent = 0;
	return phase_traffic(cb, &m0, r);
}

/* ---- results ------------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return (a > c) - (a < c);
}

static void emit(const struct cbench *cb, const struct bench_machine *m, const char *op,
		 double *rates, double *cpu, unsigned runs, uint64_t lost, uint64_t late,
		 uint64_t wrong, uint64_t sent, double secs, unsigned count, double *lat,
		 unsigned nlat)
{
	const struct copts *o = cb->o;
	double r[64], c[64];
	memcpy(r, rates, runs * sizeof(double));
	memcpy(c, cpu, runs * sizeof(double));
	qsort(r, runs, sizeof(double), cmp_double);
	qsort(c, runs, sizeof(double), cmp_double);
	double med = r[runs / 2], cmed = c[runs / 2];
	if (nlat)
		qsort(lat, nlat, sizeof(double), cmp_double);
	double spread = med > 0 ? (r[runs - 1] - r[0]) / med : 0;

	if (o->json) {
		struct jrow j = {0};
		jrow_set_str(&j, "bench", "control");
		jrow_set_str(&j, "impl", "srtpedge-control");
		jrow_set_str(&j, "op", op);
		jrow_set_str(&j, "suite", sre_suite_name(o->dp.suite));
		jrow_set_num(&j, "streams", o->streams);
		jrow_set_num(&j, "offered_pps", o->rate);
		/* what this process got out while it also ran the clients */
		jrow_set_num(&j, "sent_pps", secs > 0 ? (double)sent / secs : 0);
		jrow_set_num(&j, "count", count);
		jrow_set_num(&j, "per_s", med);
		jrow_set_num(&j, "per_s_min", r[0]);
		jrow_set_num(&j, "per_s_max", r[runs - 1]);
		jrow_set_num(&j, "runs", runs);
		jrow_set_num(&j, "spread", spread);
		jrow_set_num(&j, "control_cpu_ms_per_op", cmed);
		jrow_set_num(&j, "established_sent", (double)sent);
		jrow_set_num(&j, "established_lost", (double)lost);
		jrow_set_num(&j, "established_late", (double)late);
		jrow_set_num(&j, "loss", sent ? (double)lost / (double)sent : 0);
		jrow_set_num(&j, "wrong", (double)wrong);
		if (nlat) {
			jrow_set_num(&j, "latency_p50_us", lat[nlat / 2] * 1e6);
			jrow_set_num(&j, "latency_p99_us", lat[(unsigned)(nlat * 0.99)] * 1e6);
		}
		jrow_set_str(&j, "cpu", m->cpu);
		jrow_set_str(&j, "ipsec_mb", m->ipsec_mb);
		jrow_set_str(&j, "ipsec_mb_arch", m->engine_arch);
		jrow_print(stdout, &j);
	} else {
		char cpu_s[32] = "-", traffic[128] = "-";
		if (cmed > 0)
			snprintf(cpu_s, sizeof(cpu_s), "%.3f", cmed);
		if (sent > 0)
			snprintf(traffic, sizeof(traffic), "%10" PRIu64 " %8" PRIu64 " %6" PRIu64
				 " %9.0f", sent, lost, wrong, secs > 0 ? (double)sent / secs : 0);
		char rate[64];
		snprintf(rate, sizeof(rate), "%.0f [%.0f-%.0f]%s", med, r[0], r[runs - 1],
			 spread > 0.25 ? " ~" : "");
		if (nlat)
			snprintf(traffic + strlen(traffic), sizeof(traffic) - strlen(traffic),
				 "%slatency p50 %.0f us, p99 %.0f us", sent ? "  " : " ",
				 lat[nlat / 2] * 1e6, lat[(unsigned)(nlat * 0.99)] * 1e6);
		printf("%-16s %7u | %-25s | %13s | %s\n", op, count, rate, cpu_s, traffic);
	}
	fflush(stdout);
}

/* --repeats runs of a phase; prints its rows (the phase's own operation,
 * and the one it does on the side: deletes, creates). Returns failures. */
typedef int (*phase_fn)(struct cbench *cb, struct phase_result *r, double *side_rate);

static int run_phase(struct cbench *cb, const struct bench_machine *m, phase_fn phase,
		     const char *what, const char *op, const char *side_op, unsigned count)
{
	double rate[64], cpu[64], side[64], none[64] = {0};
	uint64_t lost = 0, late = 0, wrong = 0, sent = 0;
	double secs = 0;
	unsigned runs = 0;
	int failures = 0;

	for (unsigned rep = 0; rep < cb->o->repeats && !dph_stop; rep++) {
		struct phase_result r;
		if (phase(cb, &r, &side[runs]) != 0) {
			failures++;
			break;
		}
		if (!r.ok) {
			fprintf(stderr, "%s: %s run %u: %u of %u new sessions forwarded their "
					"packet; established: %" PRIu64 " lost (%" PRIu64 " of them "
					"late), %" PRIu64 " wrong\n",
				PROG, what, rep + 1, r.verified, r.expected, r.lost, r.late, r.wrong);
			failures++;
		}
		rate[runs] = r.rate;
		cpu[runs++] = r.cpu_ms;
		lost += r.lost;
		late += r.late;
		wrong += r.wrong;
		sent += r.sent;
		secs += r.secs;
	}
	if (runs) {
		bool seq = phase == phase_sequential;
		emit(cb, m, op, rate, cpu, runs, lost, late, wrong, sent, secs, count,
		     seq ? cb->lat_create : NULL, seq ? cb->nlat_create : 0);
		emit(cb, m, side_op, side, none, runs, 0, 0, 0, 0, 0, count,
		     seq ? cb->lat_delete : NULL, seq ? cb->nlat_delete : 0);
	}
	return failures;
}

/* ---- command line ---------------------------------------------------------------- */

void bench_control_usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench control [options]\n"
"\n"
"Runs srtpedge (one worker, on lcore 1) fed over net_memif from this process\n"
"and srtpedge-control beside it. While the endpoints of --streams established\n"
"sessions send SRTP at --rate packets per second (every forwarded packet\n"
"checked), it measures, --repeats times each:\n"
"  sdes_install     --installs session.create requests with SDES keys through\n"
"                   the API socket and the command ring: installs per second\n"
"                   from the first request to the last answer; then one SRTP\n"
"                   packet per new session must be forwarded\n"
"  delete           the same sessions deleted again\n"
"  dtls_create      --handshakes sessions with DTLS-SRTP (srtpedge passive)\n"
"  dtls_handshake   that many DTLS clients of this process (OpenSSL, at most\n"
"                   --concurrency at once) through srtpedge's outside port:\n"
"                   handshakes per second until srtpedge-control counts them\n"
"                   established with keys installed; then one SRTP packet per\n"
"                   session, protected with the client's exported key, must be\n"
"                   forwarded\n"
"  create_one       --sequential session.create requests (SDES), each sent when\n"
"                   the one before was answered: per second and latency p50 /\n"
"                   p99 of one request through control and the command ring\n"
"  delete_one       the same sessions deleted one at a time\n"
"Reports the median [min-max] per second, srtpedge-control's CPU milliseconds\n"
"per operation (its utime + stime), and the established sessions' packets\n"
"sent, lost and wrong during the phase. The DTLS clients run on the core that\n"
"srtpedge-control may use too: the CPU time is the figure for one control\n"
"core. Needs root and hugepages (scripts/setup.sh); never touches a PCI device.\n"
"\n"
"options:\n"
"  --streams N        established sessions with traffic (default 1000)\n"
"  --rate PPS         their packets per second in all (default 50000)\n"
"  --installs N       SDES sessions per install run (default 20000)\n"
"  --handshakes N     DTLS sessions per handshake run (default 1000)\n"
"  --concurrency N    handshakes in flight at once (default 200)\n"
"  --sequential N     sessions created and deleted one at a time per run\n"
"                     (default 200, at most --installs; 0: none)\n"
"  --repeats N        runs of each phase (default 3)\n"
"  --suite NAME       SDES and traffic suite (default AES_CM_128_HMAC_SHA1_80)\n"
"  --payload BYTES    RTP payload of the traffic (default 160, 16..1200)\n"
"  --srtpedge PATH    the srtpedge binary (default: the build's)\n"
"  --control PATH     the srtpedge-control binary (default: the build's)\n"
"  --state-dir DIR    srtpedge-control's state file there (default: a new\n"
"                     directory on /dev/shm, so that no figure waits on this\n"
"                     machine's disk: an answer to session.create leaves once\n"
"                     the state journal is synced)\n"
"  --quick            100 streams at 5000 pps, 2000 installs, 100 handshakes,\n"
"                     50 one at a time, one run: a smoke test\n"
"  --json             one JSON object per line\n"
"  -h, --help\n"
"\n"
"Exit status: 0; 1 when an operation failed or an established session lost a\n"
"packet; 2 on bad usage or set-up.\n");
}

static int parse_opts(int argc, char **argv, struct copts *o)
{
	static const struct option longopts[] = {
		{"streams", required_argument, 0, 'n'},
		{"rate", required_argument, 0, 'R'},
		{"installs", required_argument, 0, 'i'},
		{"handshakes", required_argument, 0, 'H'},
		{"concurrency", required_argument, 0, 'C'},
		{"sequential", required_argument, 0, 'Q'},
		{"state-dir", required_argument, 0, 'S'},
		{"repeats", required_argument, 0, 'r'},
		{"suite", required_argument, 0, 's'},
		{"payload", required_argument, 0, 'p'},
		{"srtpedge", required_argument, 0, 'e'},
		{"control", required_argument, 0, 'c'},
		{"quick", no_argument, 0, 'q'},
		{"json", no_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	bool given[128] = {false};
	int c;

	memset(o, 0, sizeof(*o));
	o->streams = 1000;
	o->rate = 50000;
	o->installs = 20000;
	o->handshakes = 1000;
	o->concurrency = 200;
	o->sequential = 200;
	o->repeats = 3;
	o->dp.suite = SRE_AES_CM_128_HMAC_SHA1_80;
	o->dp.payload = 160;
	dph_build_path(o->dp.srtpedge, sizeof(o->dp.srtpedge), "dataplane/srtpedge");
	dph_build_path(o->control, sizeof(o->control), "control/srtpedge-control");
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		unsigned v, nv;
		int bad = 0;
		if (c > 0 && c < 128)
			given[c] = true;
		switch (c) {
		case 's':
			bad = sre_suite_from_name(optarg, &o->dp.suite) != SRE_OK;
			break;
		case 'e':
			snprintf(o->dp.srtpedge, sizeof(o->dp.srtpedge), "%s", optarg);
			break;
		case 'c':
			snprintf(o->control, sizeof(o->control), "%s", optarg);
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'q':
			o->quick = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			bench_control_usage(stdout);
			exit(0);
		case 'n': case 'R': case 'i': case 'H': case 'C': case 'r': case 'p': case 'Q':
			bad = bench_parse_list(optarg, &v, 1, &nv);
			if (bad)
				break;
			if (c == 'n') { bad = v == 0 || v > 100000; o->streams = v; }
			if (c == 'R') { bad = v == 0 || v > 2000000; o->rate = v; }
			if (c == 'i') { bad = v > 200000; o->installs = v; }
			if (c == 'H') { bad = v > 20000; o->handshakes = v; }
			if (c == 'C') { bad = v == 0; o->concurrency = v; }
			if (c == 'Q') { bad = v > 100000; o->sequential = v; }
			if (c == 'r') { bad = v == 0 || v > 64; o->repeats = v; }
			if (c == 'p') { bad = v < 16 || v > 1200; o->dp.payload = v; }
			break;
		default:
			bench_control_usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "%s: bad value '%s' for %s\n", PROG, optarg,
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		return -1;
	}
	if (o->quick) {
		if (!given['n'])
			o->streams = 100;
		if (!given['R'])
			o->rate = 5000;
		if (!given['i'])
			o->installs = 2000;
		if (!given['H'])
			o->handshakes = 100;
		if (!given['r'])
			o->repeats = 1;
		if (!given['Q'])
			o->sequential = 50;
	}
	if (o->sequential > o->installs) {
		fprintf(stderr, "%s: --sequential reuses the install sessions: at most "
				"--installs (%u)\n", PROG, o->installs);
		return -1;
	}
	if (o->streams + o->installs + o->handshakes > PORTS_PER_ADDR * MAX_ADDRS) {
		fprintf(stderr, "%s: at most %u sessions in all\n", PROG, PORTS_PER_ADDR * MAX_ADDRS);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		const char *p = i ? o->control : o->dp.srtpedge;
		if (access(p, X_OK) != 0) {
			fprintf(stderr, "%s: %s: %s (%s PATH)\n", PROG, p, strerror(errno),
				i ? "--control" : "--srtpedge");
			return -1;
		}
	}
	return 0;
}

int bench_control_main(int argc, char **argv)
{
	struct copts o;
	struct cbench cb;
	struct dph_bench *b = &cb.b;
	struct bench_machine m;
	int failures = 0, rc = 2;
	bool eal_up = false;
	unsigned nverify = 0;
	struct traffic_mark mk;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dph_on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&cb, 0, sizeof(cb));
	cb.o = &o;
	cb.api.fd = -1;
	cb.S = o.streams;
	cb.N = o.installs;
	cb.H = o.handshakes;
	cb.hz = bench_tsc_hz();
	b->prog = PROG;
	b->o = &o.dp;
	b->tel = -1;
	b->nmax = cb.S + cb.N + cb.H;
	b->nfile = cb.S;
	snprintf(b->dir, sizeof(b->dir), "/tmp/srtpedge-bench.XXXXXX");
	if (mkdtemp(b->dir) == NULL) {
		fprintf(stderr, "%s: mkdtemp: %s\n", PROG, strerror(errno));
		return 2;
	}
	snprintf(b->prefix, sizeof(b->prefix), "srtpedge-bench-%d", (int)getpid());
	srand((unsigned)time(NULL));
	struct dtls_ctx_config dc;
	dtls_ctx_config_init(&dc);
	if (sre_engine_create(SRE_ARCH_AUTO, &b->engine) != SRE_OK ||
	    sre_engine_create(SRE_ARCH_AUTO, &cb.vengine) != SRE_OK ||
	    dtls_ctx_create(&dc, &cb.dtls) != DTLS_OK) {
		fprintf(stderr, "%s: crypto set-up failed\n", PROG);
		goto out;
	}
	if (dph_streams_create(b) != 0) {
		fprintf(stderr, "%s: cannot create %u streams\n", PROG, b->nmax);
		goto out;
	}
	if (dph_write_config(b) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, b->dir, strerror(errno));
		goto out;
	}
	nverify = cb.N > cb.H ? cb.N : cb.H;
	if (nverify < cb.S)
		nverify = cb.S; /* the warm-up's packets */
	b->stride = (HDR_LEN + RTP_HDR + o.dp.payload + DPH_TRAILER_ROOM + 63) & ~(size_t)63;
	b->cap = TRAFFIC_BATCH > cb.S ? TRAFFIC_BATCH : cb.S;
	b->frames = dph_big_alloc(b->cap * b->stride);
	b->len = calloc(b->cap, sizeof(*b->len));
	cb.vframes = dph_big_alloc((size_t)(nverify ? nverify : 1) * b->stride);
	cb.vlen = calloc(nverify ? nverify : 1, sizeof(*cb.vlen));
	cb.vseen = calloc(nverify ? nverify : 1, 1);
	cb.seen = calloc(SEEN_RING, sizeof(*cb.seen));
	cb.cl = calloc(cb.H ? cb.H : 1, sizeof(*cb.cl));
	cb.lat_create = calloc((size_t)o.sequential * o.repeats + 1, sizeof(double));
	cb.lat_delete = calloc((size_t)o.sequential * o.repeats + 1, sizeof(double));
	if (!b->frames || !b->len || !cb.vframes || !cb.vlen || !cb.vseen || !cb.seen || !cb.cl ||
	    !cb.lat_create || !cb.lat_delete) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		goto out;
	}
	if (dph_ports_start(b) != 0)
		goto out;
	eal_up = true;
	if (dph_srtpedge_start(b) != 0 || dph_links_wait(b) != 0)
		goto out;
	/* every established stream's first packet: srtpedge learns its SSRC */
	if (verify_prepare(&cb, 0, cb.S) != 0)
		goto out;
	cb.paused = true;
	if (traffic_settle(&cb, &mk) != 0)
		goto out;
	if (cb.vreceived != cb.S) {
		fprintf(stderr, "%s: warm-up: %u of %u established sessions forwarded\n", PROG,
			cb.vreceived, cb.S);
		goto out;
	}
	verify_clear(&cb);
	if (o.state_dir) {
		snprintf(cb.state_dir, sizeof(cb.state_dir), "%s", o.state_dir);
	} else {
		snprintf(cb.state_dir, sizeof(cb.state_dir), "/dev/shm/srtpedge-bench-state.XXXXXX");
		if (mkdtemp(cb.state_dir) == NULL) {
			fprintf(stderr, "%s: mkdtemp %s: %s (--state-dir DIR)\n", PROG, cb.state_dir,
				strerror(errno));
			goto out;
		}
		cb.state_dir_made = true;
	}
	if (control_start(&cb) != 0)
		goto out;
	bench_machine_read(&m, sre_engine_arch_name(b->engine));
	if (!o.json) {
		printf("srtpedge-bench control: srtpedge-control beside srtpedge (one worker, fed "
		       "over net_memif); %u established sessions (%s) at %u packets/s in all; "
		       "control's state file in %s; %s\n",
		       cb.S, sre_suite_name(o.dp.suite), o.rate, cb.state_dir, m.cpu);
		printf("per s: median [min-max] of %u run(s); control ms/op: srtpedge-control's "
		       "CPU per operation; established: packets sent, lost, wrong during the "
		       "phase, and the rate they were sent at\n", o.repeats);
		printf("%-16s %7s | %-25s | %13s | %10s %8s %6s %9s\n", "operation", "count",
		       "per s", "control ms/op", "sent", "lost", "wrong", "sent/s");
	}
	cb.t0 = bench_tsc();
	if (cb.N > 0)
		failures += run_phase(&cb, &m, phase_installs, "install", "sdes_install", "delete",
				      cb.N);
	if (cb.H > 0 && !failures)
		failures += run_phase(&cb, &m, phase_handshakes, "handshake", "dtls_handshake",
				      "dtls_create", cb.H);
	if (o.sequential > 0 && !failures)
		failures += run_phase(&cb, &m, phase_sequential, "one-at-a-time",
				      "create_one", "delete_one", o.sequential);
	if (dph_stop) {
		fprintf(stderr, "%s: interrupted\n", PROG);
		failures++;
	}
	rc = failures ? 1 : 0;
out:
	if (cb.api.fd >= 0)
		close(cb.api.fd);
	if (control_stop(&cb) != 0) {
		fprintf(stderr, "%s: srtpedge-control did not exit cleanly; its log:\n", PROG);
		rc = rc ? rc : 1;
	}
	if (rc != 0) {
		char path[160], l[512];
		snprintf(path, sizeof(path), "%s/control.log", b->dir);
		FILE *f = fopen(path, "r");
		while (f && fgets(l, sizeof(l), f))
			fprintf(stderr, "    %s", l);
		if (f)
			fclose(f);
	}
	if (b->pid > 0) {
		int st = dph_srtpedge_stop(b);
		if (st != 0) {
			fprintf(stderr, "%s: srtpedge exited with status %d\n", PROG, st);
			rc = rc ? rc : 1;
		}
		if (rc != 0 || !o.json) {
			/* its own count of what it received, sent and dropped */
			dph_log_print(b, "srtpedge: packets");
			dph_log_print(b, "srtpedge: dropped");
			dph_log_print(b, "srtpedge:   ");
		}
	}
	if (eal_up) {
		for (int side = 0; side < 2; side++) {
			rte_eth_dev_stop(b->port[side]);
			rte_eth_dev_close(b->port[side]);
		}
		rte_eal_cleanup();
		char prefix[80];
		snprintf(prefix, sizeof(prefix), "%s-gen", b->prefix);
		dp_eal_remove_runtime_files(prefix);
	}
	for (unsigned k = 0; cb.cl && k < cb.H; k++)
		dtls_assoc_destroy(cb.cl[k].assoc);
	free(cb.cl);
	free(cb.lat_create);
	free(cb.lat_delete);
	if (cb.dtls)
		dtls_ctx_destroy(cb.dtls);
	json_decref(cb.last_stats);
	free(cb.api.out);
	dph_streams_destroy(b);
	if (b->engine)
		sre_engine_destroy(b->engine);
	if (cb.vengine)
		sre_engine_destroy(cb.vengine);
	if (b->frames)
		munmap(b->frames, b->cap * b->stride);
	if (cb.vframes)
		munmap(cb.vframes, (size_t)(nverify ? nverify : 1) * b->stride);
	free(b->len);
	free(cb.vlen);
	free(cb.vseen);
	free(cb.seen);
	char path[PATH_MAX + 64];
	static const char *files[] = {"bench.ini", "sessions.ini", "srtpedge.log", "control.log",
				      "control.sock", "control-state.json",
				      "control-state.json.journal"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, files[i]);
		unlink(path);
		if (cb.state_dir_made) {
			snprintf(path, sizeof(path), "%s/%s", cb.state_dir, files[i]);
			unlink(path);
		}
	}
	rmdir(b->dir);
	if (cb.state_dir_made)
		rmdir(cb.state_dir);
	return rc;
}
