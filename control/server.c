/*
 * srtpedge-control's event loop (see server.h).
 *
 * Requests: each client connection is served one request at a time, in
 * order (a client that pipelines gets its answers in the order it asked);
 * several connections are served side by side. A request that needs the
 * dataplane sends command messages and waits for their answers without
 * blocking anything: every message in flight is a `pending` entry of a FIFO
 * (the main lcore answers in order) whose callback carries the request on.
 * Answers that change what the state file holds (create, delete) are held
 * until the file is written, so that a session an operator was told about
 * is never forgotten by a restart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>

#include "ctl_util.h"
#include "dtls_srtp.h"
#include "frame.h"
#include "request.h"
#include "server.h"
#include "sessions.h"
#include "state.h"
#include "stun.h"
#include "telemetry.h"

#define MAX_LINE (1u << 20)        /* read buffer: requests up to 1 MiB - 4 KiB */
#define MAX_WBUF (64u << 20)       /* answers a client may leave unread */
#define FIFO_SLOTS DP_CTL_CMD_SLOTS
/* the done ring holds what the command ring does: never more in flight
 * than it can take (an rte_ring of N slots holds N - 1) */
#define INFLIGHT_MAX (DP_CTL_CMD_SLOTS - 1)
#define LIST_WINDOW 32             /* GETs in flight per session.list */
#define EXC_PER_LOOP 256
#define CREATE_RETRIES 16

volatile sig_atomic_t ctl_stop;

static const char *const side_name[DP_SIDES] = {"outside", "inside"};

/* ---- counters ------------------------------------------------------------ */

struct counters {
	uint64_t requests, requests_by_op[API_OP_COUNT];
	uint64_t errors, errors_by_code[API_E_COUNT];
	uint64_t clients_accepted, clients_now;
	uint64_t dp_commands, dp_answers, dp_stray_answers;
	uint64_t backpressure;              /* "busy": ring or pool full */
	uint64_t exc_packets, exc_bad_frame, exc_unknown_kind;
	uint64_t dtls_dropped;               /* DTLS on a session without DTLS-SRTP */
	uint64_t dtls_packets, dtls_late;   /* late: the association is gone */
	uint64_t dtls_handshakes, dtls_established, dtls_failed;
	uint64_t dtls_fail_by[DTLS_STATUS_COUNT];
	uint64_t dtls_install_failed, dtls_sends;
	uint64_t stun_packets, stun_answered, stun_rejected, stun_ignored,
		 stun_malformed, stun_no_session, stun_no_credentials,
		 stun_rate_limited, stun_remote_ufrag_mismatch;
	uint64_t sends, send_full, send_no_mbuf;
	uint64_t set_remote_sent, set_remote_ok, set_remote_failed, set_remote_busy;
	uint64_t state_writes, state_write_errors;
};

/* ---- types ------------------------------------------------------------- */

struct ctl;
struct req;
struct client;

typedef void (*done_fn)(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			uint64_t aux);

struct pending {
	uint64_t seq;
	done_fn fn;
	struct req *req;
	uint64_t aux;
	bool used;
};

struct client {
	int fd;
	char *rbuf;
	size_t rlen, rcap;
	char *wbuf;
	size_t wlen, wcap;
	struct req *q_head, *q_tail; /* its requests in arrival order, answered
					or not: answers leave in that order */
	unsigned nreq;
	struct req *barrier;    /* in the queue: later requests wait for it */
	json_t *stalled;        /* a barrier request read, waiting for the queue
				   to empty */
	bool eof;               /* the peer will send no more */
	bool closing;           /* close once the answers are out */
	bool discard;           /* after too_long: input dropped until the peer's
				   EOF, our side shut once the answer is out */
	bool shut;              /* shutdown(SHUT_WR) done */
	uint32_t events;        /* what epoll watches for it (0: not in the set) */
	struct client *next;
};

struct req {
	struct client *cl;      /* NULL once the client has gone */
	json_t *id;
	enum api_op op;
	unsigned inflight;      /* its messages the dataplane has not answered */
	bool replied;
	bool in_callback;       /* poll_done frees it, not req_reply */
	struct req *qnext;      /* in its client's queue */
	char *answer;           /* the answer line, until it leaves */
	size_t answer_len;
	uint64_t durable_gen;   /* leaves once state_gen reaches it (0: now) */
	union {
		struct {
			struct api_create a;
			bool allocated;   /* we chose the id */
			bool reserved;    /* we inserted the CS_PENDING entry */
			int retries;
			char reason[160];
		} create;
		uint32_t id;
		struct {
			struct api_list a;
			uint32_t *ids;
			size_t n, cap;
			uint32_t total;
			bool more;
			size_t next_get, got;
			json_t **items;
		} list;
		struct {
			struct api_rekey a;
			struct dp_session_spec spec;
			bool latched[DP_SIDES];  /* GET said so: restored after */
		} rekey;
	} u;
};

struct ctl {
	struct dpif *dp;
	const struct ctl_opts *o;
	int ep, lfd;
	struct client *clients;
	struct csess_table sessions;
	struct pending fifo[FIFO_SLOTS];
	unsigned head, tail, inflight;
	uint64_t next_seq;
	char state_path[PATH_MAX];
	bool snapshot_needed;       /* the whole state file, not a journal record */
	uint64_t snapshot_tried_ns;
	unsigned long journal_records; /* in the journal since the snapshot */
	char *jbuf;                 /* journal records to append */
	size_t jlen, jcap;
	unsigned jpending;
	char state_last_err[256];
	uint64_t state_gen;         /* state flushes so far */
	struct counters c;
	double stun_tokens;
	uint64_t stun_tokens_ns;
	uint64_t now_ns;
	uint64_t started_ns;
	char state_error[400];      /* last failure to write the state file */
	struct dtls_ctx *dtls;      /* our certificate, profiles, timers */
	struct cdtls *dtls_list;    /* every DTLS-SRTP session, for the timers */
	uint64_t dtls_scan_ns;
};

struct cdtls;
static void dtls_session_new(struct ctl *c, struct csess *s, const struct api_create *a);
static void cd_peer_learnt(struct ctl *c, struct cdtls *cd, const struct dp_endpoint *from);
static json_t *dtls_json(const struct ctl *c, const struct cdtls *cd);
static json_t *session_state_json(const struct cdtls *cd, bool keys_pending);
static void forget_session(struct ctl *c, uint32_t id);
static bool dtls_running(const struct csess *s);

/* ---- logging ------------------------------------------------------------- */

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("srtpedge-control: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- dataplane messages ------------------------------------------------ */

static struct dp_ctl_msg *msg_alloc(struct ctl *c, struct api_error *e)
{
	if (c->inflight >= INFLIGHT_MAX) {
		c->c.backpressure++;
		api_fail(e, API_E_BUSY, NULL, "the dataplane has %u commands to answer "
			 "already: try again", c->inflight);
		return NULL;
	}
	struct dp_ctl_msg *m = dpif_msg_get(c->dp);
	if (m == NULL) {
		c->c.backpressure++;
		api_fail(e, API_E_BUSY, NULL, "the command message pool (%s) is empty: "
			 "try again", DP_CTL_MSG_POOL);
	}
	return m;
}

static int msg_submit(struct ctl *c, struct dp_ctl_msg *m, uint16_t op, done_fn fn,
		      struct req *r, uint64_t aux, struct api_error *e)
{
	uint64_t seq = c->next_seq++;
	m->version = DP_CTL_VERSION;
	m->op = op;
	m->seq = seq;
	if (dpif_cmd_enqueue(c->dp, m) != 0) {
		dpif_msg_put(c->dp, m);
		c->c.backpressure++;
		return api_fail(e, API_E_BUSY, NULL, "the command ring (%s) is full: "
				"try again", DP_CTL_CMD_RING);
	}
	struct pending *p = &c->fifo[c->tail];
	p->seq = seq; /* m is the main lcore's from now on */
	p->fn = fn;
	p->req = r;
	p->aux = aux;
	p->used = true;
	c->tail = (c->tail + 1) % FIFO_SLOTS;
	c->inflight++;
	if (r)
		r->inflight++;
	c->c.dp_commands++;
	return 0;
}

static void req_free(struct req *r);

/* A request goes once it has answered, its client has taken the answer (or
 * gone), and the dataplane has answered all its messages. */
static void req_maybe_free(struct req *r)
{
	if (r->replied && r->cl == NULL && r->inflight == 0 && !r->in_callback)
		req_free(r);
}

static void poll_done(struct ctl *c)
{
	struct dp_ctl_msg *ms[32];
	unsigned n;

	while ((n = dpif_done_dequeue(c->dp, ms, 32)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			struct dp_ctl_msg *m = ms[i];
			struct pending *p = NULL;
			c->c.dp_answers++;
			/* in order: the head; else look (a contract breach) */
			for (unsigned j = c->head; c->inflight && j != c->tail;
			     j = (j + 1) % FIFO_SLOTS) {
				if (c->fifo[j].used && c->fifo[j].seq == m->seq) {
					p = &c->fifo[j];
					break;
				}
			}
			if (p == NULL || c->inflight == 0) {
				/* an answer to a message of an earlier control process */
				c->c.dp_stray_answers++;
				dpif_msg_put(c->dp, m);
				continue;
			}
			struct pending done = *p;
			p->used = false;
			while (c->head != c->tail && !c->fifo[c->head].used)
				c->head = (c->head + 1) % FIFO_SLOTS;
			c->inflight--;
			if (m->version != DP_CTL_VERSION && m->status == DP_CTL_OK) {
				m->status = DP_CTL_E_VERSION;
				snprintf(m->reason, sizeof(m->reason), "answer of version %u",
					 m->version);
			}
			if (done.req) {
				done.req->inflight--;
				done.req->in_callback = true;
			}
			done.fn(c, done.req, m, done.aux);
			if (done.req) {
				done.req->in_callback = false;
				req_maybe_free(done.req);
			}
			dpif_msg_put(c->dp, m);
		}
	}
}

/* Waits (at startup only: nothing else is served yet) until every message
 * in flight has its answer. */
static int run_until_idle(struct ctl *c, double seconds)
{
	uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9);
	while (c->inflight > 0) {
		poll_done(c);
		if (c->inflight == 0)
			break;
		if (mono_ns() > end || ctl_stop)
			return -1;
		if (rte_eal_primary_proc_alive(NULL) == 0)
			return -1;
		usleep(50);
	}
	return 0;
}

/* ---- answering ----------------------------------------------------------- */

static void client_queue(struct ctl *c, struct client *cl, const char *s, size_t len);

/* The answers at the head of the client's queue that may leave: in order,
 * and a durable one only once the state holds its change. */
static void client_emit(struct ctl *c, struct client *cl)
{
	struct req *r;
	while ((r = cl->q_head) != NULL && r->replied &&
	       (r->durable_gen == 0 || r->durable_gen <= c->state_gen)) {
		cl->q_head = r->qnext;
		if (cl->q_head == NULL)
			cl->q_tail = NULL;
		cl->nreq--;
		if (cl->barrier == r)
			cl->barrier = NULL;
		r->cl = NULL;
		if (r->answer)
			client_queue(c, cl, r->answer, r->answer_len);
		free(r->answer);
		r->answer = NULL;
		req_maybe_free(r);
	}
}

static void req_free(struct req *r)
{
	json_decref(r->id);
	free(r->answer);
	switch (r->op) {
	case API_OP_SESSION_CREATE:
		api_wipe_create(&r->u.create.a);
		break;
	case API_OP_SESSION_REKEY:
		api_wipe_rekey(&r->u.rekey.a);
		explicit_bzero(&r->u.rekey.spec, sizeof(r->u.rekey.spec));
		break;
	case API_OP_SESSION_LIST:
		free(r->u.list.ids);
		if (r->u.list.items) {
			for (size_t i = 0; i < r->u.list.n; i++)
				json_decref(r->u.list.items[i]);
			free(r->u.list.items);
		}
		break;
	default:
		break;
	}
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/* Sends the answer (body: more fields, stolen; e: an error instead) and
 * ends the request; `durable` holds it until the state file is written. */
static void req_reply(struct ctl *c, struct req *r, json_t *body,
		      const struct api_error *e, bool durable)
{
	json_t *o = json_object();

	if (r->replied) {
		json_decref(body);
		return;
	}
	r->replied = true;
	json_object_set(o, "id", r->id ? r->id : json_null());
	json_object_set_new(o, "ok", json_boolean(e == NULL));
	if (body) {
		json_object_update(o, body);
		json_decref(body);
	}
	if (e) {
		json_object_set_new(o, "error", api_json_error(e));
		c->c.errors++;
		c->c.errors_by_code[e->code < API_E_COUNT ? e->code : API_E_INTERNAL]++;
		if (c->o->verbose)
			logf_("%s: %s: %s", api_op_name(r->op), api_code_name(e->code),
			      e->message);
	}
	if (durable && c->state_error[0] && e == NULL)
		json_object_set_new(o, "warning", json_string(c->state_error));
	char *line = ctl_json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	struct client *cl = r->cl;
	if (cl) {
		if (line == NULL)
			cl->closing = true;
		r->answer = line;
		r->answer_len = line ? strlen(line) : 0;
		r->durable_gen = durable ? c->state_gen + 1 : 0;
		client_emit(c, cl);
	} else {
		free(line);
		req_maybe_free(r);
	}
}

static void req_error(struct ctl *c, struct req *r, const struct api_error *e)
{
	req_reply(c, r, NULL, e, false);
}

static void req_fail(struct ctl *c, struct req *r, enum api_code code,
		     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void req_fail(struct ctl *c, struct req *r, enum api_code code,
		     const char *field, const char *fmt, ...)
{
	struct api_error e;
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_fail(&e, code, field, "%s", msg);
	req_error(c, r, &e);
}

static void req_dp_error(struct ctl *c, struct req *r, const struct dp_ctl_msg *m)
{
	struct api_error e;
	char reason[sizeof(m->reason) + 1];
	memcpy(reason, m->reason, sizeof(m->reason));
	reason[sizeof(m->reason)] = '\0';
	api_error_from_dp(m->status, reason, &e);
	req_error(c, r, &e);
}

static void state_failed(struct ctl *c, const char *what, const char *err)
{
	if (strcmp(err, c->state_last_err) != 0)
		logf_("cannot write the %s: %s", what, err);
	snprintf(c->state_last_err, sizeof(c->state_last_err), "%s", err);
	snprintf(c->state_error, sizeof(c->state_error), "the state file was not "
		 "written (%s): a restart of srtpedge-control would forget this change",
		 err);
	c->c.state_write_errors++;
}

static void state_written(struct ctl *c)
{
	if (c->state_error[0])
		logf_("state file %s written again", c->state_path);
	c->state_error[0] = c->state_last_err[0] = '\0';
	c->c.state_writes++;
}

static void journal_clear(struct ctl *c)
{
	if (c->jbuf)
		explicit_bzero(c->jbuf, c->jlen);
	c->jlen = 0;
	c->jpending = 0;
}

/* The state (a snapshot now and then, journal records in between), then
 * the answers that waited for it. */
static void state_flush(struct ctl *c)
{
	char err[256];
	unsigned long records = c->journal_records + c->jpending;

	if (c->snapshot_needed ||
	    (records > 1024 && records > 2 * (unsigned long)c->sessions.count)) {
		/* after a failure, at most once a second */
		if (c->snapshot_tried_ns == 0 || c->state_last_err[0] == '\0' ||
		    c->now_ns - c->snapshot_tried_ns > 1000000000u) {
			c->snapshot_tried_ns = c->now_ns;
			if (ctl_state_save(&c->sessions, c->state_path, err, sizeof(err)) == 0) {
				c->snapshot_needed = false;
				c->journal_records = 0;
				journal_clear(c);
				state_written(c);
			} else {
				c->snapshot_needed = true;
				journal_clear(c); /* the next snapshot holds it all */
				state_failed(c, "state file", err);
			}
		}
	} else if (c->jpending > 0) {
		if (ctl_state_journal(c->state_path, c->jbuf, c->jlen, err, sizeof(err)) == 0) {
			c->journal_records += c->jpending;
			state_written(c);
		} else {
			c->snapshot_needed = true;
			state_failed(c, "state journal", err);
		}
		journal_clear(c);
	}
	c->state_gen++;
	for (struct client *cl = c->clients; cl; cl = cl->next)
		client_emit(c, cl);
}

/* A larger copy of a buffer that may hold secrets (requests carry keys,
 * the journal ICE passwords): the old one is wiped before it is freed.
 * NULL, and the old one kept, when memory is short. */
static char *grow_wiped(char *old, size_t used, size_t oldcap, size_t newcap)
{
	char *b = malloc(newcap);
	if (b == NULL)
		return NULL;
	if (old) {
		memcpy(b, old, used);
		explicit_bzero(old, oldcap);
		free(old);
	}
	return b;
}

/* Appends `len` bytes and a newline to a growing buffer; false when
 * memory is short (the buffer is left as it was). */
static bool append_line(char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
	if (*used + len + 1 > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		while (ncap < *used + len + 1)
			ncap *= 2;
		char *b = grow_wiped(*buf, *used, *cap, ncap);
		if (b == NULL)
			return false;
		*buf = b;
		*cap = ncap;
	}
	memcpy(*buf + *used, s, len);
	(*buf)[*used + len] = '\n';
	*used += len + 1;
	return true;
}

static void journal_line(struct ctl *c, const char *line)
{
	if (!append_line(&c->jbuf, &c->jlen, &c->jcap, line, strlen(line))) {
		c->snapshot_needed = true;
		return;
	}
	c->jpending++;
}

/* A session made through the API, for the state. */
static void state_note_add(struct ctl *c, const struct csess *s)
{
	json_t *rec = json_pack("{s:s, s:o}", "op", "add", "entry", ctl_state_entry(s));
	char *line = rec ? ctl_json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	if (line == NULL) {
		c->snapshot_needed = true;
		return;
	}
	journal_line(c, line);
	explicit_bzero(line, strlen(line)); /* ICE passwords */
	free(line);
}

static void state_note_del(struct ctl *c, uint32_t id)
{
	char line[64];
	snprintf(line, sizeof(line), "{\"op\":\"del\",\"session\":%u}", id);
	journal_line(c, line);
}

/* ---- control's session view ----------------------------------------------- */

static void own_session_dirty(struct ctl *c, const struct csess *s)
{
	if (s && s->kind == CS_OWN)
		state_note_del(c, s->id);
}

/* The dataplane has no such session: forget ours. */
static void forget_session(struct ctl *c, uint32_t id)
{
	struct csess *s = csess_find(&c->sessions, id);
	if (s && s->kind != CS_PENDING) {
		own_session_dirty(c, s);
		csess_remove(&c->sessions, id);
	}
}

static json_t *control_view(const struct csess *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "managed", json_string(s == NULL ? "unknown"
						       : s->kind == CS_OWN ? "api"
						       : s->kind == CS_FOREIGN ? "foreign"
						       : "pending"));
	return o;
}

static void add_ice_view(json_t *session, const struct csess *s)
{
	for (int l = 0; l < DP_SIDES; l++) {
		json_t *leg = json_object_get(session, side_name[l]);
		if (leg == NULL)
			continue;
		if (s && s->ice[l]) {
			json_t *i = json_pack("{s:s}", "ufrag", s->ice[l]->ufrag);
			if (s->ice[l]->remote_ufrag[0])
				json_object_set_new(i, "remote_ufrag",
						    json_string(s->ice[l]->remote_ufrag));
			json_object_set_new(leg, "ice", i);
		} else {
			json_object_set_new(leg, "ice", json_null());
		}
	}
	json_object_set_new(session, "control", control_view(s));
}

/* ---- session.create -------------------------------------------------------- */

static void create_submit(struct ctl *c, struct req *r);

static void create_release(struct ctl *c, struct req *r)
{
	if (r->u.create.reserved) {
		struct csess *s = csess_find(&c->sessions, r->u.create.a.spec.id);
		if (s && s->kind == CS_PENDING)
			csess_remove(&c->sessions, s->id);
		r->u.create.reserved = false;
	}
}

static void create_probe_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			      uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	uint32_t id = r->u.create.a.spec.id;
	if (m->status == DP_CTL_OK) {
		/* the id is the dataplane's (the sessions file): not ours to take */
		create_release(c, r);
		if (csess_find(&c->sessions, id) == NULL)
			csess_insert(&c->sessions, id, CS_FOREIGN);
		if (++r->u.create.retries >= CREATE_RETRIES) {
			req_fail(c, r, API_E_FULL, "session", "%d session ids in a row were "
				 "taken: give one", CREATE_RETRIES);
			return;
		}
		uint32_t nid = csess_alloc_id(&c->sessions, API_MAX_SESSION_ID);
		if (nid == 0) {
			req_fail(c, r, API_E_FULL, "session", "no free session id in 1..%u",
				 API_MAX_SESSION_ID);
			return;
		}
		r->u.create.a.spec.id = nid;
		create_submit(c, r);
		return;
	}
	/* no session of that id: it was the address that is taken */
	create_release(c, r);
	req_fail(c, r, API_E_EXISTS, "", "%s", r->u.create.reason);
}

static void create_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	struct api_create *a = &r->u.create.a;
	uint32_t id = a->spec.id;

	if (m->status == DP_CTL_OK) {
		struct csess *s = csess_find(&c->sessions, id);
		if (s == NULL)
			s = csess_insert(&c->sessions, id, CS_OWN);
		if (s == NULL) {
			req_fail(c, r, API_E_INTERNAL, NULL, "session %u was created, but "
				 "srtpedge-control is out of memory to remember it", id);
			return;
		}
		r->u.create.reserved = false;
		s->kind = CS_OWN;
		s->verified = true;
		memcpy(s->name, a->spec.name, sizeof(s->name));
		memset(&s->c, 0, sizeof(s->c));
		int fail = 0;
		for (int l = 0; l < DP_SIDES; l++) {
			s->local[l] = a->spec.leg[l].local;
			s->remote[l] = a->spec.leg[l].remote;
			s->remote_known[l] = !a->spec.leg[l].latch;
			s->remote_pending[l] = false;
			fail |= csess_set_ice(s, l, a->ice_set[l] ? &a->ice[l] : NULL);
		}
		fail |= csess_set_keys(s, &a->spec);
		if (fail)
			csess_set_keys(s, NULL); /* a later rekey then needs both legs */
		state_note_add(c, s);
		json_t *body = json_pack("{s:I, s:s}", "session", (json_int_t)id,
					 "name", s->name);
		if (a->dtls) {
			dtls_session_new(c, s, a);
			json_object_set_new(body, "dtls", json_pack("{s:s, s:s, s:s}",
				"fingerprint", dtls_ctx_fingerprint(c->dtls),
				"setup", dtls_setup_name((enum dtls_setup)a->d.setup),
				"role", dtls_role_name((enum dtls_role)a->d.role)));
		}
		req_reply(c, r, body, NULL, true);
		return;
	}
	if (m->status == DP_CTL_E_EXISTS && r->u.create.allocated) {
		/* the id, or the address? ask whether the id is live */
		struct api_error e;
		snprintf(r->u.create.reason, sizeof(r->u.create.reason), "%.*s",
			 (int)sizeof(m->reason), m->reason);
		struct dp_ctl_msg *g = msg_alloc(c, &e);
		if (g == NULL) {
			create_release(c, r);
			req_error(c, r, &e);
			return;
		}
		g->u.id = id;
		if (msg_submit(c, g, DP_CTL_OP_GET, create_probe_done, r, 0, &e) != 0) {
			create_release(c, r);
			req_error(c, r, &e);
		}
		return;
	}
	create_release(c, r);
	req_dp_error(c, r, m);
}

static void create_submit(struct ctl *c, struct req *r)
{
	struct api_create *a = &r->u.create.a;
	struct api_error e;
	struct csess *s = csess_find(&c->sessions, a->spec.id);

	if (s && s->kind == CS_PENDING) {
		req_fail(c, r, API_E_EXISTS, "session", "%u: a create of this session is "
			 "in flight", a->spec.id);
		return;
	}
	if (s == NULL) {
		if (csess_insert(&c->sessions, a->spec.id, CS_PENDING) == NULL) {
			req_fail(c, r, API_E_INTERNAL, NULL, "out of memory");
			return;
		}
		r->u.create.reserved = true;
	}
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		create_release(c, r);
		req_error(c, r, &e);
		return;
	}
	m->u.spec = a->spec;
	if (msg_submit(c, m, DP_CTL_OP_ADD, create_done, r, 0, &e) != 0) {
		create_release(c, r);
		req_error(c, r, &e);
	}
}

static void op_create(struct ctl *c, struct req *r, const json_t *j)
{
	struct api_error e;
	struct api_create *a = &r->u.create.a;

	if (api_parse_create(j, a, &e) != 0) {
		req_error(c, r, &e);
		return;
	}
	if (!a->has_id) {
		a->spec.id = csess_alloc_id(&c->sessions, API_MAX_SESSION_ID);
		if (a->spec.id == 0) {
			req_fail(c, r, API_E_FULL, "session", "no free session id in 1..%u",
				 API_MAX_SESSION_ID);
			return;
		}
		r->u.create.allocated = true;
	}
	create_submit(c, r);
}

/* ---- session.delete ---------------------------------------------------------- */

static void delete_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	if (m->status == DP_CTL_OK || m->status == DP_CTL_E_NOT_FOUND)
		forget_session(c, r->u.id);
	if (m->status != DP_CTL_OK) {
		req_dp_error(c, r, m);
		return;
	}
	req_reply(c, r, json_pack("{s:I}", "session", (json_int_t)r->u.id), NULL, true);
}

static void op_by_id(struct ctl *c, struct req *r, const json_t *j, uint16_t op,
		     done_fn fn)
{
	struct api_error e;
	if (api_parse_session_ref(j, &r->u.id, &e) != 0) {
		req_error(c, r, &e);
		return;
	}
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		req_error(c, r, &e);
		return;
	}
	m->u.id = r->u.id;
	if (msg_submit(c, m, op, fn, r, 0, &e) != 0)
		req_error(c, r, &e);
}

/* ---- session.show ---------------------------------------------------------- */

/* Control's own counters of one session, as the API shows them. */
static json_t *session_counters_json(const struct csess *s)
{
	json_t *k = json_object();
	struct { const char *n; uint64_t v; } f[] = {
		{"stun_answered", s->c.stun_answered},
		{"stun_rejected", s->c.stun_rejected},
		{"stun_ignored", s->c.stun_ignored},
		{"stun_malformed", s->c.stun_malformed},
		{"stun_rate_limited", s->c.stun_rate_limited},
		{"stun_no_credentials", s->c.stun_no_credentials},
		{"remote_changes", s->c.remote_changes},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++)
		json_object_set_new(k, f[i].n, json_integer((json_int_t)f[i].v));
	return k;
}

static json_t *session_json(struct ctl *c, const struct dp_ctl_session_info *in,
			    bool counters)
{
	json_t *o = api_json_session(in);
	const struct csess *s = csess_find(&c->sessions, in->id);
	add_ice_view(o, s);
	const struct cdtls *cd = s ? s->dtls : NULL;
	json_object_set_new(o, "state", session_state_json(cd, in->leg[DP_OUTSIDE].pending ||
							   in->leg[DP_INSIDE].pending));
	for (int l = 0; l < DP_SIDES; l++) {
		json_t *leg = json_object_get(o, side_name[l]);
		if (leg == NULL)
			continue;
		json_object_set_new(leg, "keys_pending", json_boolean(in->leg[l].pending));
		if (l == DP_OUTSIDE)
			json_object_set_new(leg, "dtls", cd ? dtls_json(c, cd) : json_null());
	}
	if (counters && s)
		json_object_set_new(json_object_get(o, "control"), "counters",
				    session_counters_json(s));
	return o;
}

static void show_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	if (m->status == DP_CTL_E_NOT_FOUND)
		forget_session(c, r->u.id);
	if (m->status != DP_CTL_OK) {
		req_dp_error(c, r, m);
		return;
	}
	req_reply(c, r, json_pack("{s:o}", "session", session_json(c, &m->u.info, true)),
		  NULL, false);
}

/* ---- session.list ---------------------------------------------------------- */

static void list_get_next(struct ctl *c, struct req *r);

static void list_finish(struct ctl *c, struct req *r)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < r->u.list.n; i++) {
		if (r->u.list.a.ids_only)
			json_array_append_new(arr, json_integer(r->u.list.ids[i]));
		else if (r->u.list.items[i]) {
			json_array_append(arr, r->u.list.items[i]);
		}
	}
	json_t *body = json_pack("{s:I, s:o}", "total", (json_int_t)r->u.list.total,
				 "sessions", arr);
	if (r->u.list.more && r->u.list.n > 0)
		json_object_set_new(body, "next",
				    json_integer(r->u.list.ids[r->u.list.n - 1]));
	req_reply(c, r, body, NULL, false);
}

static void list_get_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			  uint64_t aux)
{
	if (r->replied)
		return;
	r->u.list.got++;
	if (m->status == DP_CTL_OK)
		r->u.list.items[aux] = session_json(c, &m->u.info, false);
	/* NOT_FOUND: deleted since the list was taken; left out */
	else if (m->status != DP_CTL_E_NOT_FOUND) {
		req_dp_error(c, r, m);
		return;
	}
	if (r->u.list.got == r->u.list.n)
		list_finish(c, r);
	else
		list_get_next(c, r);
}

static void list_get_next(struct ctl *c, struct req *r)
{
	while (r->u.list.next_get < r->u.list.n && r->inflight < LIST_WINDOW) {
		struct api_error e;
		struct dp_ctl_msg *m = msg_alloc(c, &e);
		if (m == NULL) {
			if (r->inflight > 0)
				return; /* carries on when one is answered */
			req_error(c, r, &e);
			return;
		}
		size_t i = r->u.list.next_get;
		m->u.id = r->u.list.ids[i];
		if (msg_submit(c, m, DP_CTL_OP_GET, list_get_done, r, i, &e) != 0) {
			if (r->inflight == 0)
				req_error(c, r, &e);
			return;
		}
		r->u.list.next_get++;
	}
}

static void list_submit_page(struct ctl *c, struct req *r, uint32_t after);

static void list_page_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			   uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	if (m->status != DP_CTL_OK) {
		req_dp_error(c, r, m);
		return;
	}
	uint32_t n = m->u.list.n < DP_CTL_LIST_MAX ? m->u.list.n : DP_CTL_LIST_MAX;
	r->u.list.total = m->u.list.total;
	for (uint32_t i = 0; i < n; i++) {
		if (r->u.list.n >= r->u.list.a.limit) {
			r->u.list.more = true;
			break;
		}
		if (r->u.list.n == r->u.list.cap) {
			size_t cap = r->u.list.cap ? 2 * r->u.list.cap : 256;
			uint32_t *ids = realloc(r->u.list.ids, cap * sizeof(*ids));
			if (ids == NULL) {
				req_fail(c, r, API_E_INTERNAL, NULL, "out of memory");
				return;
			}
			r->u.list.ids = ids;
			r->u.list.cap = cap;
		}
		r->u.list.ids[r->u.list.n++] = m->u.list.ids[i];
	}
	if (n == DP_CTL_LIST_MAX && r->u.list.n == r->u.list.a.limit)
		r->u.list.more = true;
	if (n == DP_CTL_LIST_MAX && !r->u.list.more) {
		list_submit_page(c, r, m->u.list.ids[n - 1]);
		return;
	}
	if (r->u.list.a.ids_only || r->u.list.n == 0) {
		list_finish(c, r);
		return;
	}
	r->u.list.items = calloc(r->u.list.n, sizeof(json_t *));
	if (r->u.list.items == NULL) {
		req_fail(c, r, API_E_INTERNAL, NULL, "out of memory");
		return;
	}
	list_get_next(c, r);
}

static void list_submit_page(struct ctl *c, struct req *r, uint32_t after)
{
	struct api_error e;
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		req_error(c, r, &e);
		return;
	}
	m->u.list.after = after;
	if (msg_submit(c, m, DP_CTL_OP_LIST, list_page_done, r, 0, &e) != 0)
		req_error(c, r, &e);
}

static void op_list(struct ctl *c, struct req *r, const json_t *j)
{
	struct api_error e;
	if (api_parse_list(j, &r->u.list.a, &e) != 0) {
		req_error(c, r, &e);
		return;
	}
	list_submit_page(c, r, r->u.list.a.after);
}

/* ---- session.rekey ---------------------------------------------------------- */

static void set_remote(struct ctl *c, struct csess *s, int side,
		       const struct dp_endpoint *peer);

static void rekey_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	uint32_t id = r->u.rekey.a.id;
	struct csess *s = csess_find(&c->sessions, id);
	if (m->status != DP_CTL_OK) {
		/* REPLACE removes first: a failed one may have left nothing */
		if (m->status == DP_CTL_E_NOT_FOUND ||
		    memmem(m->reason, strnlen(m->reason, sizeof(m->reason)), "gone", 4))
			forget_session(c, id);
		req_dp_error(c, r, m);
		return;
	}
	if (s) {
		if (csess_set_keys(s, &r->u.rekey.spec) != 0)
			csess_set_keys(s, NULL);
		for (int l = 0; l < DP_SIDES; l++) {
			s->remote[l] = r->u.rekey.spec.leg[l].remote;
			s->remote_known[l] = !r->u.rekey.spec.leg[l].latch;
			s->remote_pending[l] = false;
			/* the new session has latched nothing: give it the peer
			 * the old one had, so that media toward it goes on (a
			 * busy ring only delays it to the peer's next packet) */
			if (r->u.rekey.latched[l])
				set_remote(c, s, l, &r->u.rekey.spec.leg[l].remote);
		}
	}
	json_t *body = json_pack("{s:I}", "session", (json_int_t)id);
	json_t *legs = json_array();
	for (int l = 0; l < DP_SIDES; l++)
		if (r->u.rekey.a.leg_set[l])
			json_array_append_new(legs, json_string(side_name[l]));
	json_object_set_new(body, "rekeyed", legs);
	req_reply(c, r, body, NULL, false);
}

static void rekey_got(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)aux;
	if (r->replied)
		return;
	uint32_t id = r->u.rekey.a.id;
	if (m->status == DP_CTL_E_NOT_FOUND)
		forget_session(c, id);
	if (m->status != DP_CTL_OK) {
		req_dp_error(c, r, m);
		return;
	}
	const struct dp_ctl_session_info *in = &m->u.info;
	struct dp_session_spec *sp = &r->u.rekey.spec;
	const struct csess *s = csess_find(&c->sessions, id);
	if (s && dtls_running(s) && r->u.rekey.a.leg_set[DP_OUTSIDE]) {
		req_fail(c, r, API_E_BUSY, "outside", "the session's DTLS-SRTP handshake "
			 "is running: its keys come from it");
		return;
	}

	memset(sp, 0, sizeof(*sp));
	sp->id = id;
	memcpy(sp->name, in->name, sizeof(sp->name));
	sp->name[sizeof(sp->name) - 1] = '\0';
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_ctl_leg_info *li = &in->leg[l];
		struct dp_leg_spec *leg = &sp->leg[l];
		leg->local = li->local;
		leg->latch = li->latch;
		leg->remote = li->remote;
		r->u.rekey.latched[l] = li->latch && li->latched;
		if (li->latch && !li->latched) {
			memset(&leg->remote, 0, sizeof(leg->remote));
			leg->remote.addr.family = li->local.addr.family;
		}
		if (r->u.rekey.a.leg_set[l]) {
			leg->rx = r->u.rekey.a.rx[l];
			leg->tx = r->u.rekey.a.tx[l];
			if (leg->latch && leg->rx.suite == DP_SUITE_NONE) {
				char f[32];
				snprintf(f, sizeof(f), "%s.plain", side_name[l]);
				req_fail(c, r, API_E_INVALID, f, "the leg latches its peer, "
					 "which needs SRTP");
				return;
			}
		} else if (li->rx.suite == DP_SUITE_NONE && li->tx.suite == DP_SUITE_NONE) {
			leg->rx.suite = leg->tx.suite = DP_SUITE_NONE;
			leg->keys_pending = li->pending; /* DTLS-SRTP still running */
		} else if (s && s->keys) {
			leg->rx = s->keys[2 * l];
			leg->tx = s->keys[2 * l + 1];
		} else {
			char f[32];
			snprintf(f, sizeof(f), "%s.sdes", side_name[l]);
			req_fail(c, r, API_E_INVALID, f, "missing: this control process does "
				 "not know the leg's current keys (the session was made %s): give "
				 "new keys for both SRTP legs",
				 s && s->kind == CS_OWN ? "before it started"
							: "outside the API");
			return;
		}
	}
	struct api_error e;
	struct dp_ctl_msg *rm = msg_alloc(c, &e);
	if (rm == NULL) {
		req_error(c, r, &e);
		return;
	}
	rm->u.spec = *sp;
	if (msg_submit(c, rm, DP_CTL_OP_REPLACE, rekey_done, r, 0, &e) != 0)
		req_error(c, r, &e);
}

static void op_rekey(struct ctl *c, struct req *r, const json_t *j)
{
	struct api_error e;
	if (api_parse_rekey(j, &r->u.rekey.a, &e) != 0) {
		req_error(c, r, &e);
		return;
	}
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		req_error(c, r, &e);
		return;
	}
	m->u.id = r->u.rekey.a.id;
	if (msg_submit(c, m, DP_CTL_OP_GET, rekey_got, r, 0, &e) != 0)
		req_error(c, r, &e);
}

/* ---- stats and status ------------------------------------------------------ */

static json_t *control_counters(const struct ctl *c)
{
	const struct counters *k = &c->c;
	json_t *o = json_object();
	struct { const char *n; uint64_t v; } f[] = {
		{"requests", k->requests}, {"errors", k->errors},
		{"clients_accepted", k->clients_accepted}, {"clients", k->clients_now},
		{"dp_commands", k->dp_commands}, {"dp_answers", k->dp_answers},
		{"dp_stray_answers", k->dp_stray_answers},
		{"dp_in_flight", c->inflight},
		{"backpressure", k->backpressure},
		{"exception_packets", k->exc_packets},
		{"exception_bad_frame", k->exc_bad_frame},
		{"exception_unknown_kind", k->exc_unknown_kind},
		{"dtls_dropped", k->dtls_dropped},
		{"dtls_packets", k->dtls_packets},
		{"dtls_late", k->dtls_late},
		{"dtls_sends", k->dtls_sends},
		{"dtls_handshakes", k->dtls_handshakes},
		{"dtls_established", k->dtls_established},
		{"dtls_failed", k->dtls_failed},
		{"dtls_failed_fingerprint_mismatch", k->dtls_fail_by[DTLS_ERR_FINGERPRINT_MISMATCH]},
		{"dtls_failed_no_srtp_profile", k->dtls_fail_by[DTLS_ERR_NO_SRTP_PROFILE]},
		{"dtls_failed_handshake_timeout", k->dtls_fail_by[DTLS_ERR_HANDSHAKE_TIMEOUT]},
		{"dtls_failed_peer_alert", k->dtls_fail_by[DTLS_ERR_PEER_ALERT]},
		{"dtls_failed_other", k->dtls_failed - k->dtls_fail_by[DTLS_ERR_FINGERPRINT_MISMATCH]
			- k->dtls_fail_by[DTLS_ERR_NO_SRTP_PROFILE]
			- k->dtls_fail_by[DTLS_ERR_HANDSHAKE_TIMEOUT]
			- k->dtls_fail_by[DTLS_ERR_PEER_ALERT]},
		{"dtls_install_failed", k->dtls_install_failed},
		{"stun_packets", k->stun_packets},
		{"stun_answered", k->stun_answered},
		{"stun_rejected", k->stun_rejected},
		{"stun_ignored", k->stun_ignored},
		{"stun_malformed", k->stun_malformed},
		{"stun_no_session", k->stun_no_session},
		{"stun_no_credentials", k->stun_no_credentials},
		{"stun_rate_limited", k->stun_rate_limited},
		{"stun_remote_ufrag_mismatch", k->stun_remote_ufrag_mismatch},
		{"sends", k->sends}, {"send_ring_full", k->send_full},
		{"send_no_mbuf", k->send_no_mbuf},
		{"set_remote_sent", k->set_remote_sent},
		{"set_remote_ok", k->set_remote_ok},
		{"set_remote_failed", k->set_remote_failed},
		{"set_remote_busy", k->set_remote_busy},
		{"state_writes", k->state_writes},
		{"state_write_errors", k->state_write_errors},
		{"sessions_known", c->sessions.count},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++)
		json_object_set_new(o, f[i].n, json_integer((json_int_t)f[i].v));
	json_t *ops = json_object();
	for (int i = 0; i < API_OP_COUNT; i++)
		json_object_set_new(ops, api_op_name((enum api_op)i),
				    json_integer((json_int_t)k->requests_by_op[i]));
	json_object_set_new(o, "requests_by_op", ops);
	json_t *codes = json_object();
	for (int i = 1; i < API_E_COUNT; i++)
		json_object_set_new(codes, api_code_name((enum api_code)i),
				    json_integer((json_int_t)k->errors_by_code[i]));
	json_object_set_new(o, "errors_by_code", codes);
	return o;
}

static json_t *dataplane_info(const struct ctl *c)
{
	const struct dp_ctl_info *in = c->dp->info;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "version", (json_int_t)in->version,
			 "pid", (json_int_t)in->primary_pid,
			 "max_sessions", (json_int_t)in->max_sessions,
			 "ssrcs_per_direction", (json_int_t)in->ssrcs_per_direction,
			 "workers", (json_int_t)in->workers,
			 "generation", (json_int_t)__atomic_load_n(&in->generation, __ATOMIC_RELAXED),
			 "exceptions_freed_unread",
			 (json_int_t)__atomic_load_n(&in->exc_dropped, __ATOMIC_RELAXED),
			 "control_pid", (json_int_t)in->control_pid);
}

static void op_stats(struct ctl *c, struct req *r, const json_t *j)
{
	struct api_error e;
	struct api_stats a;
	char cmd[64], err[256];

	if (api_parse_stats(j, &a, &e) != 0) {
		req_error(c, r, &e);
		return;
	}
	const char *scope = "global";
	if (a.scope == API_STATS_GLOBAL) {
		snprintf(cmd, sizeof(cmd), "/srtpedge/stats");
	} else if (a.scope == API_STATS_WORKER) {
		scope = "worker";
		if (a.id >= c->dp->info->workers) {
			req_fail(c, r, API_E_NOT_FOUND, "worker", "%u: srtpedge has %u "
				 "worker%s (0 to %u)", a.id, c->dp->info->workers,
				 c->dp->info->workers == 1 ? "" : "s", c->dp->info->workers - 1);
			return;
		}
		snprintf(cmd, sizeof(cmd), "/srtpedge/workers,%u", a.id);
	} else {
		scope = "session";
		snprintf(cmd, sizeof(cmd), "/srtpedge/session,%u", a.id);
	}
	json_t *v = ctl_telemetry(c->o->prefix, cmd, err, sizeof(err));
	if (v == NULL) {
		logf_("stats: %s", err);
		req_fail(c, r, API_E_INTERNAL, NULL, "%s", err);
		return;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		if (a.scope == API_STATS_SESSION) {
			forget_session(c, a.id);
			req_fail(c, r, API_E_NOT_FOUND, "session", "%u: no such session", a.id);
		} else {
			req_fail(c, r, API_E_DATAPLANE, NULL, "telemetry %s answered no "
				 "counters", cmd);
		}
		return;
	}
	json_t *body = json_pack("{s:s, s:o}", "scope", scope, "dataplane", v);
	if (a.scope == API_STATS_GLOBAL) {
		json_object_set_new(body, "control", control_counters(c));
		json_object_set_new(body, "dataplane_info", dataplane_info(c));
	} else if (a.scope == API_STATS_WORKER) {
		json_object_set_new(body, "worker", json_integer(a.id));
	} else {
		const struct csess *s = csess_find(&c->sessions, a.id);
		json_t *cv = control_view(s);
		if (s)
			json_object_set_new(cv, "counters", session_counters_json(s));
		json_object_set_new(body, "control", cv);
		json_object_set_new(body, "session", json_integer(a.id));
	}
	req_reply(c, r, body, NULL, false);
}

static void op_status(struct ctl *c, struct req *r)
{
	json_t *body = json_pack("{s:{s:I, s:s, s:s, s:s, s:I, s:f}, s:o}",
				 "control", "pid", (json_int_t)getpid(),
				 "file_prefix", c->o->prefix,
				 "socket", c->o->socket_path,
				 "state_file", c->state_path,
				 "sessions_known", (json_int_t)c->sessions.count,
				 "uptime", (double)(c->now_ns - c->started_ns) / 1e9,
				 "dataplane", dataplane_info(c));
	json_object_set_new(json_object_get(body, "control"), "dtls_fingerprint",
			    json_string(dtls_ctx_fingerprint(c->dtls)));
	if (c->state_error[0])
		json_object_set_new(json_object_get(body, "control"), "state_error",
				    json_string(c->state_error));
	req_reply(c, r, body, NULL, false);
}

/* ---- requests ------------------------------------------------------------ */

/* A new request at the tail of the client's queue. */
static struct req *client_new_req(struct ctl *c, struct client *cl)
{
	struct req *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		cl->closing = true;
		return NULL;
	}
	r->cl = cl;
	r->op = API_OP_STATUS;
	if (cl->q_tail)
		cl->q_tail->qnext = r;
	else
		cl->q_head = r;
	cl->q_tail = r;
	cl->nreq++;
	c->c.requests++;
	return r;
}

/* One line as a request: a JSON object, or NULL with e filled. */
static json_t *parse_line(const char *line, size_t len, struct api_error *e)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
	if (j != NULL && je.position < (int)len) {
		/* more than one value on the line: only whitespace may follow */
		for (size_t i = (size_t)je.position; i < len; i++)
			if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
				json_decref(j);
				j = NULL;
				snprintf(je.text, sizeof(je.text), "text after the request "
					 "object");
				break;
			}
	}
	if (j == NULL)
		api_fail(e, API_E_BAD_JSON, NULL, "not JSON: %s (one request per line, "
			 "a JSON object)", je.text);
	return j;
}

/* Requests that take several steps (a GET, then more): the client's later
 * requests wait for them, and they for the earlier ones, so that pipelined
 * requests act as if served one by one. */
static bool is_barrier(const json_t *j)
{
	const char *op = json_string_value(json_object_get(j, "op"));
	return op && (strcmp(op, "session.list") == 0 || strcmp(op, "session.rekey") == 0);
}

/* Starts request j (consumed), or answers parse error e when j is NULL. */
static void start_request(struct ctl *c, struct client *cl, json_t *j,
			  const struct api_error *perr)
{
	struct req *r = client_new_req(c, cl);
	struct api_error e;

	if (r == NULL) {
		json_decref(j);
		return;
	}
	if (j == NULL) {
		req_error(c, r, perr);
		return;
	}
	if (json_is_object(j)) {
		r->id = json_object_get(j, "id");
		json_incref(r->id);
	}
	if (is_barrier(j))
		cl->barrier = r;
	enum api_op op;
	if (api_parse_envelope(j, &op, &e) != 0) {
		req_error(c, r, &e);
		json_decref(j);
		return;
	}
	r->op = op;
	c->c.requests_by_op[op]++;
	switch (op) {
	case API_OP_SESSION_CREATE: op_create(c, r, j); break;
	case API_OP_SESSION_DELETE: op_by_id(c, r, j, DP_CTL_OP_DEL, delete_done); break;
	case API_OP_SESSION_SHOW: op_by_id(c, r, j, DP_CTL_OP_GET, show_done); break;
	case API_OP_SESSION_LIST: op_list(c, r, j); break;
	case API_OP_SESSION_REKEY: op_rekey(c, r, j); break;
	case API_OP_STATS: op_stats(c, r, j); break;
	case API_OP_STATUS: op_status(c, r); break;
	case API_OP_COUNT: break;
	}
	json_decref(j);
}

/* ---- clients ------------------------------------------------------------- */

/* EPOLLIN until the peer's EOF, EPOLLOUT while answers wait; none: out of
 * the set (a hung-up socket would wake every loop otherwise). */
static bool client_rbuf_full(const struct client *cl)
{
	return cl->rcap >= MAX_LINE && cl->rcap - cl->rlen < 4096;
}

static void client_update_events(struct ctl *c, struct client *cl)
{
	/* a full read buffer (a client far ahead of its answers): not read
	 * until requests are taken from it */
	uint32_t want = (cl->eof || client_rbuf_full(cl) ? 0 : EPOLLIN) |
			(cl->wlen > 0 ? EPOLLOUT : 0);
	if (want == cl->events)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = cl};
	if (want == 0)
		epoll_ctl(c->ep, EPOLL_CTL_DEL, cl->fd, NULL);
	else if (cl->events == 0)
		epoll_ctl(c->ep, EPOLL_CTL_ADD, cl->fd, &ev);
	else
		epoll_ctl(c->ep, EPOLL_CTL_MOD, cl->fd, &ev);
	cl->events = want;
}

static void client_flush(struct ctl *c, struct client *cl)
{
	while (cl->wlen > 0) {
		ssize_t n = send(cl->fd, cl->wbuf, cl->wlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				cl->closing = true;
				cl->wlen = 0;
			}
			break;
		}
		memmove(cl->wbuf, cl->wbuf + n, cl->wlen - (size_t)n);
		cl->wlen -= (size_t)n;
	}
	client_update_events(c, cl);
}

static void client_queue(struct ctl *c, struct client *cl, const char *s, size_t len)
{
	if (cl->wlen + len + 1 > MAX_WBUF) {
		logf_("client fd %d reads no answers (%zu bytes waiting): closed", cl->fd,
		      cl->wlen);
		cl->closing = true;
		cl->wlen = 0;
		return;
	}
	if (!append_line(&cl->wbuf, &cl->wlen, &cl->wcap, s, len)) {
		cl->closing = true;
		return;
	}
	client_flush(c, cl);
}

static void client_close(struct ctl *c, struct client *cl)
{
	struct client **pp = &c->clients;
	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	for (struct req *r = cl->q_head, *n; r; r = n) {
		n = r->qnext;
		r->cl = NULL;
		free(r->answer);
		r->answer = NULL;
		req_maybe_free(r); /* else when the dataplane has answered */
	}
	json_decref(cl->stalled);
	if (cl->events)
		epoll_ctl(c->ep, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	if (cl->rbuf) {
		explicit_bzero(cl->rbuf, cl->rcap);
		free(cl->rbuf);
	}
	free(cl->wbuf);
	free(cl);
	c->c.clients_now--;
}

/* Requests a connection may have in flight at once. */
#define PIPELINE_MAX 64

/* Starts the buffered requests of every client, as far as its pipeline,
 * its barriers and the dataplane's room allow. */
static void serve_clients(struct ctl *c)
{
	struct client *cl = c->clients, *next;
	for (; cl; cl = next) {
		next = cl->next;
		if (cl->stalled && cl->nreq == 0) {
			json_t *j = cl->stalled;
			cl->stalled = NULL;
			start_request(c, cl, j, NULL);
		}
		/* a request may need up to LIST_WINDOW messages at once: none
		 * starts without room for them (the rest wait in the socket) */
		if (cl->discard && !cl->shut && cl->nreq == 0 && cl->wlen == 0) {
			shutdown(cl->fd, SHUT_WR); /* the answer is out: EOF to the peer */
			cl->shut = true;
		}
		while (!cl->discard && !cl->stalled && !cl->barrier && !cl->closing &&
		       cl->rlen > 0 &&
		       cl->nreq < PIPELINE_MAX && c->inflight + LIST_WINDOW < INFLIGHT_MAX) {
			char *nl = memchr(cl->rbuf, '\n', cl->rlen);
			size_t len;
			if (nl == NULL) {
				if (!cl->eof)
					break;
				len = cl->rlen; /* the last line, without its newline */
			} else {
				len = (size_t)(nl - cl->rbuf);
			}
			size_t used = nl ? len + 1 : len;
			bool blank = true;
			for (size_t i = 0; i < len; i++)
				if (cl->rbuf[i] != ' ' && cl->rbuf[i] != '\t' && cl->rbuf[i] != '\r')
					blank = false;
			struct api_error e;
			json_t *j = blank ? NULL : parse_line(cl->rbuf, len, &e);
			/* the request text may hold keys */
			explicit_bzero(cl->rbuf, used);
			memmove(cl->rbuf, cl->rbuf + used, cl->rlen - used);
			explicit_bzero(cl->rbuf + cl->rlen - used, used);
			cl->rlen -= used;
			if (blank)
				continue;
			if (j && is_barrier(j) && cl->nreq > 0)
				cl->stalled = j;
			else
				start_request(c, cl, j, &e);
		}
		client_update_events(c, cl);
		if ((cl->closing || (cl->eof && cl->rlen == 0)) && cl->nreq == 0 &&
		    !cl->stalled && cl->wlen == 0)
			client_close(c, cl);
	}
}

static void client_read(struct ctl *c, struct client *cl)
{
	for (;;) {
		if (cl->rcap - cl->rlen < 4096) {
			if (cl->rcap >= MAX_LINE) {
				if (memchr(cl->rbuf, '\n', cl->rlen) != NULL) {
					/* full of requests: read again once some are taken */
					client_update_events(c, cl);
					return;
				}
				/* no newline in MAX_LINE bytes: answer and close */
				explicit_bzero(cl->rbuf, cl->rcap);
				cl->rlen = 0;
				struct api_error e;
				api_fail(&e, API_E_TOO_LONG, NULL, "a request line may not "
					 "reach %u bytes", MAX_LINE - 4096);
				start_request(c, cl, NULL, &e);
				/* closing now, with the rest of the line unread, would
				 * reset the connection before the peer reads the
				 * answer: read and drop until its EOF instead */
				cl->discard = true;
				continue;
			}
			size_t cap = cl->rcap ? cl->rcap * 2 : 8192;
			char *b = grow_wiped(cl->rbuf, cl->rlen, cl->rcap, cap);
			if (b == NULL) {
				cl->closing = true;
				return;
			}
			cl->rbuf = b;
			cl->rcap = cap;
		}
		ssize_t n = recv(cl->fd, cl->rbuf + cl->rlen, cl->rcap - cl->rlen, MSG_DONTWAIT);
		if (n > 0 && cl->discard) {
			explicit_bzero(cl->rbuf + cl->rlen, (size_t)n);
			continue;
		}
		if (n > 0) {
			cl->rlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EOF (or an error): answer what was asked, then close */
		cl->eof = true;
		if (n < 0)
			cl->closing = true;
		client_update_events(c, cl);
		return;
	}
}

static void accept_clients(struct ctl *c)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				logf_("accept: %s", strerror(errno));
			return;
		}
		struct client *cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->events = EPOLLIN;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cl};
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(cl);
			continue;
		}
		cl->next = c->clients;
		c->clients = cl;
		c->c.clients_accepted++;
		c->c.clients_now++;
	}
}

/* ---- ICE-lite and the exception path ------------------------------------- */

static void set_remote_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			    uint64_t aux)
{
	(void)r;
	uint32_t id = (uint32_t)(aux >> 8);
	int side = (int)(aux & 0xff);
	struct csess *s = csess_find(&c->sessions, id);

	if (s)
		s->remote_pending[side] = false;
	if (m->status == DP_CTL_OK) {
		c->c.set_remote_ok++;
		if (s) {
			s->remote[side] = m->u.remote.remote;
			s->remote_known[side] = true;
			s->c.remote_changes++;
		}
		if (c->o->verbose) {
			char b[CTL_EP_STRLEN];
			logf_("session %u: %s peer is now %s (ICE check)", id, side_name[side],
			      ctl_ep_format(&m->u.remote.remote, b, sizeof(b)));
		}
	} else if (m->status == DP_CTL_E_BUSY) {
		c->c.set_remote_busy++; /* the next check tries again */
	} else {
		c->c.set_remote_failed++;
		if (m->status == DP_CTL_E_NOT_FOUND)
			forget_session(c, id);
	}
}

static void set_remote(struct ctl *c, struct csess *s, int side,
		       const struct dp_endpoint *peer)
{
	struct api_error e;
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		c->c.set_remote_busy++;
		return;
	}
	m->u.remote.id = s->id;
	m->u.remote.side = (uint8_t)side;
	m->u.remote.remote = *peer;
	if (msg_submit(c, m, DP_CTL_OP_SET_REMOTE, set_remote_done, NULL,
		       (uint64_t)s->id << 8 | (uint64_t)side, &e) != 0) {
		c->c.set_remote_busy++;
		return;
	}
	s->remote_pending[side] = true;
	c->c.set_remote_sent++;
}

static void send_pkt(struct ctl *c, uint32_t id, uint8_t side, uint8_t kind,
		     const struct dp_endpoint *local, const struct dp_endpoint *to,
		     const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = dpif_mbuf_alloc(c->dp);
	if (m == NULL) {
		c->c.send_no_mbuf++;
		return;
	}
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_CTL_META_LEN + len));
	if (d == NULL) {
		dpif_mbuf_free(m);
		c->c.send_no_mbuf++;
		return;
	}
	struct dp_ctl_pkt_meta meta;
	memset(d, 0, DP_CTL_META_LEN);
	memset(&meta, 0, sizeof(meta));
	meta.session_id = id;
	meta.side = side;
	meta.kind = kind;
	meta.local = *local;
	meta.peer = *to;
	memcpy(d, &meta, sizeof(meta));
	memcpy(d + DP_CTL_META_LEN, data, len);
	if (dpif_send_enqueue(c->dp, m) != 0) {
		dpif_mbuf_free(m);
		c->c.send_full++;
		return;
	}
	c->c.sends++;
}

static void send_stun(struct ctl *c, const struct dp_ctl_pkt_meta *in,
		      const struct dp_endpoint *to, const uint8_t *resp, size_t len)
{
	send_pkt(c, in->session_id, in->side, DP_CTL_PKT_STUN, &in->local, to, resp, len);
}

static bool take_token(double *tokens, uint64_t *last_ns, uint64_t now, unsigned rate)
{
	if (rate == 0)
		return true;
	double burst = rate * 2.0;
	if (*last_ns == 0) {
		*tokens = burst;
	} else {
		*tokens += (double)(now - *last_ns) * 1e-9 * rate;
		if (*tokens > burst)
			*tokens = burst;
	}
	*last_ns = now;
	if (*tokens < 1.0)
		return false;
	*tokens -= 1.0;
	return true;
}

static void handle_stun(struct ctl *c, const struct dp_ctl_pkt_meta *meta,
			const struct frame_udp *f)
{
	struct csess *s = csess_find(&c->sessions, meta->session_id);
	int side = meta->side;

	c->c.stun_packets++;
	if (s == NULL || side >= DP_SIDES || s->kind == CS_PENDING) {
		c->c.stun_no_session++;
		return;
	}
	const struct api_ice *ice = s->ice[side];
	if (ice == NULL) {
		c->c.stun_no_credentials++;
		s->c.stun_no_credentials++;
		return;
	}
	if (!take_token(&c->stun_tokens, &c->stun_tokens_ns, c->now_ns, c->o->stun_rate) ||
	    !take_token(&s->tokens[side], &s->tokens_ns[side], c->now_ns, c->o->stun_leg_rate)) {
		c->c.stun_rate_limited++;
		s->c.stun_rate_limited++;
		return;
	}
	struct stun_ice_local local = {ice->ufrag, ice->pwd};
	struct stun_addr from = {
		.family = f->src.addr.family == AF_INET ? STUN_AF_IPV4 : STUN_AF_IPV6,
		.port = f->src.port,
	};
	memcpy(from.addr, f->src.addr.bytes, 16);
	uint8_t resp[STUN_RESPONSE_MAX];
	struct stun_ice_result res;
	if (stun_ice_respond(f->payload, f->len, &local, &from, resp, sizeof(resp), &res) !=
	    STUN_OK) {
		c->c.stun_malformed++;
		s->c.stun_malformed++;
		return;
	}
	switch (res.verdict) {
	case STUN_VERDICT_MALFORMED:
		c->c.stun_malformed++;
		s->c.stun_malformed++;
		return;
	case STUN_VERDICT_IGNORE:
		c->c.stun_ignored++;
		s->c.stun_ignored++;
		return;
	case STUN_VERDICT_REJECTED:
		c->c.stun_rejected++;
		s->c.stun_rejected++;
		send_stun(c, meta, &f->src, resp, res.response_len);
		return;
	case STUN_VERDICT_AUTHENTICATED:
		break;
	}
	size_t rl = strlen(ice->remote_ufrag);
	if (rl && (res.remote_ufrag_len != rl || memcmp(res.remote_ufrag, ice->remote_ufrag, rl))) {
		/* our password, but not the peer the session was set up with */
		struct stun_writer w;
		stun_writer_init(&w, resp, sizeof(resp), STUN_METHOD_BINDING,
				 STUN_CLASS_ERROR, res.tid);
		stun_put_error_code(&w, 401, "Unauthorized");
		stun_put_fingerprint(&w);
		c->c.stun_remote_ufrag_mismatch++;
		c->c.stun_rejected++;
		s->c.stun_rejected++;
		if (w.err == STUN_OK)
			send_stun(c, meta, &f->src, resp, w.len);
		return;
	}
	c->c.stun_answered++;
	s->c.stun_answered++;
	send_stun(c, meta, &f->src, resp, res.response_len);
	/* a DTLS client waiting for its peer's address has it now */
	if (side == DP_OUTSIDE && s->dtls)
		cd_peer_learnt(c, s->dtls, &f->src);
	/* the peer's address, from a check that passed integrity only: taken
	 * when the leg has none yet, or when the peer nominates this pair */
	if ((!s->remote_known[side] || res.use_candidate) && !s->remote_pending[side] &&
	    !(s->remote_known[side] && ctl_ep_equal(&s->remote[side], &f->src)))
		set_remote(c, s, side, &f->src);
}

/* ---- DTLS-SRTP ---------------------------------------------------------------
 *
 * One association per session created with outside "dtls", on the outside
 * leg. The session is in the dataplane from the start with its outside
 * keys pending (media dropped, STUN and DTLS punted here); datagrams from
 * the exception ring are fed to the association, what it gives goes out
 * through the send ring to the datagram's source; the timers of every
 * association run from the loop (dtls_timers). Once connected, the keys
 * are exported and the session is replaced (GET, then REPLACE: keys, the
 * negotiated suite, the inside leg as it is), the peer the handshake came
 * from given back with SET_REMOTE when the leg latches. A failure leaves
 * the session pending and says why in session.show.
 */

enum cd_state {
	CD_WAIT_PEER = 0, /* client role, latching leg: no address to send to yet */
	CD_HANDSHAKE,
	CD_INSTALLING,    /* keys exported, GET / REPLACE in flight */
	CD_ESTABLISHED,
	CD_FAILED,
};

static const char *const cd_state_name[] = {
	[CD_WAIT_PEER] = "waiting for the peer's address",
	[CD_HANDSHAKE] = "handshake",
	[CD_INSTALLING] = "installing keys",
	[CD_ESTABLISHED] = "established",
	[CD_FAILED] = "failed",
};

/* how long a connected association stays to answer the peer's
 * retransmissions (our last flight lost) */
#define DTLS_LINGER_NS (10ull * 1000000000u)
#define DTLS_SCAN_NS (2ull * 1000000u)

struct cdtls {
	uint32_t id;
	struct dtls_assoc *assoc;     /* NULL once released */
	enum dtls_role role;
	int setup;                    /* ours, enum dtls_setup */
	char fingerprint[DTLS_FINGERPRINT_MAX]; /* the peer's, as signalled */
	struct dp_endpoint local, peer;
	bool peer_known;
	enum cd_state state;
	int error;                    /* enum dtls_status when failed */
	char reason[256];
	unsigned profile;
	struct dtls_srtp_keys keys;   /* from connected to the REPLACE */
	bool keys_held;
	struct dp_session_spec *spec; /* the REPLACE in flight (keys: wiped after) */
	bool inside_latched;
	bool install_retry;           /* GET could not be sent: the timer tries again */
	uint64_t due_ns;              /* the association's timer (0: none) */
	uint64_t release_ns;          /* established: the association goes then */
	uint64_t created_ns, done_ns;
	uint64_t datagrams_in, datagrams_out, retransmits;
	struct cdtls *prev, *next;
};

static void cd_wipe_keys(struct cdtls *cd)
{
	if (cd->keys_held)
		dtls_srtp_keys_wipe(&cd->keys);
	explicit_bzero(&cd->keys, sizeof(cd->keys));
	cd->keys_held = false;
	if (cd->spec) {
		explicit_bzero(cd->spec, sizeof(*cd->spec));
		free(cd->spec);
		cd->spec = NULL;
	}
}

static void cd_release_assoc(struct cdtls *cd)
{
	if (cd->assoc) {
		struct dtls_assoc_stats st;
		dtls_assoc_get_stats(cd->assoc, &st);
		cd->retransmits = st.timer_retransmits;
		dtls_assoc_destroy(cd->assoc);
		cd->assoc = NULL;
	}
	cd->due_ns = 0;
}

/* csess_table's on_remove: the session is gone */
static void cd_on_remove(struct csess *s, void *arg)
{
	struct ctl *c = arg;
	struct cdtls *cd = s->dtls;
	if (cd == NULL)
		return;
	if (cd->prev)
		cd->prev->next = cd->next;
	else
		c->dtls_list = cd->next;
	if (cd->next)
		cd->next->prev = cd->prev;
	cd_release_assoc(cd);
	cd_wipe_keys(cd);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	s->dtls = NULL;
}

static void send_pkt(struct ctl *c, uint32_t id, uint8_t side, uint8_t kind,
		     const struct dp_endpoint *local, const struct dp_endpoint *to,
		     const uint8_t *data, size_t len);

static void cd_flush(struct ctl *c, struct cdtls *cd)
{
	uint8_t buf[DTLS_MTU_MAX];
	size_t len;
	if (cd->assoc == NULL)
		return;
	while (dtls_assoc_pull(cd->assoc, buf, sizeof(buf), &len) == DTLS_OK && len > 0) {
		if (cd->peer_known) {
			send_pkt(c, cd->id, DP_OUTSIDE, DP_CTL_PKT_DTLS, &cd->local, &cd->peer,
				 buf, len);
			cd->datagrams_out++;
			c->c.dtls_sends++;
		}
	}
	int64_t t = dtls_assoc_next_timeout(cd->assoc);
	cd->due_ns = t < 0 ? 0 : c->now_ns + (uint64_t)t * 1000000u;
}

static void cd_fail(struct ctl *c, struct cdtls *cd, int error, const char *detail)
{
	if (cd->state == CD_FAILED)
		return;
	cd->state = CD_FAILED;
	cd->error = error;
	cd->done_ns = c->now_ns;
	snprintf(cd->reason, sizeof(cd->reason), "%s%s%s", dtls_strerror(error),
		 detail && *detail ? ": " : "", detail ? detail : "");
	c->c.dtls_failed++;
	c->c.dtls_fail_by[error >= 0 && error < DTLS_STATUS_COUNT ? error
			  : DTLS_ERR_HANDSHAKE_FAILED]++;
	logf_("session %u: dtls failed: %s (%s)", cd->id, cd->reason, dtls_status_name(error));
	cd_flush(c, cd); /* a fatal alert may be waiting */
	cd_release_assoc(cd);
	cd_wipe_keys(cd);
}

static void cd_install(struct ctl *c, struct cdtls *cd);

/* After every call on the association: a failure, or the keys. */
static void cd_check(struct ctl *c, struct cdtls *cd)
{
	if (cd->assoc == NULL)
		return;
	enum dtls_state st = dtls_assoc_state(cd->assoc);
	if (st == DTLS_STATE_FAILED || st == DTLS_STATE_CLOSED) {
		if (cd->state == CD_HANDSHAKE || cd->state == CD_WAIT_PEER) {
			int err = dtls_assoc_error(cd->assoc);
			cd_fail(c, cd, err == DTLS_OK ? DTLS_ERR_CLOSED : err,
				dtls_assoc_detail(cd->assoc));
		} else {
			/* after the keys: the peer closed; nothing to undo */
			cd_flush(c, cd);
			cd_release_assoc(cd);
		}
		return;
	}
	if (st == DTLS_STATE_CONNECTED && cd->state == CD_HANDSHAKE) {
		int rc = dtls_assoc_srtp_keys(cd->assoc, &cd->keys);
		if (rc != DTLS_OK) {
			cd_fail(c, cd, rc, dtls_assoc_detail(cd->assoc));
			return;
		}
		cd->keys_held = true;
		cd->profile = cd->keys.profile;
		cd->state = CD_INSTALLING;
		cd_install(c, cd);
	}
}

static void cd_start(struct ctl *c, struct cdtls *cd)
{
	int rc = dtls_assoc_start(cd->assoc);
	cd->state = CD_HANDSHAKE;
	c->c.dtls_handshakes++;
	if (rc != DTLS_OK && dtls_assoc_state(cd->assoc) != DTLS_STATE_FAILED)
		cd_fail(c, cd, rc, "");
	cd_flush(c, cd);
	cd_check(c, cd);
}

/* The peer's address is known (a DTLS datagram or an ICE check from it). */
static void cd_peer_learnt(struct ctl *c, struct cdtls *cd, const struct dp_endpoint *from)
{
	cd->peer = *from;
	cd->peer_known = true;
	if (cd->state == CD_WAIT_PEER && cd->assoc)
		cd_start(c, cd);
}

/* A new DTLS-SRTP session is in the dataplane: its association. */
static void dtls_session_new(struct ctl *c, struct csess *s, const struct api_create *a)
{
	struct cdtls *cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		logf_("session %u: out of memory for its DTLS association", s->id);
		return;
	}
	cd->id = s->id;
	cd->role = (enum dtls_role)a->d.role;
	cd->setup = a->d.setup;
	snprintf(cd->fingerprint, sizeof(cd->fingerprint), "%s", a->d.fingerprint);
	cd->local = a->spec.leg[DP_OUTSIDE].local;
	cd->created_ns = c->now_ns;
	cd->next = c->dtls_list;
	if (cd->next)
		cd->next->prev = cd;
	c->dtls_list = cd;
	s->dtls = cd;
	if (!a->spec.leg[DP_OUTSIDE].latch) {
		cd->peer = a->spec.leg[DP_OUTSIDE].remote;
		cd->peer_known = true;
	}
	int rc = dtls_assoc_create(c->dtls, cd->role, cd->fingerprint, &cd->assoc);
	if (rc != DTLS_OK) {
		cd->assoc = NULL;
		cd_fail(c, cd, rc, "");
		return;
	}
	/* a server waits for the ClientHello (its timeout runs from now); a
	 * client sends it now, or once it knows where to */
	if (cd->role == DTLS_ROLE_SERVER || cd->peer_known)
		cd_start(c, cd);
	else
		cd->state = CD_WAIT_PEER;
}

static void handle_dtls(struct ctl *c, const struct dp_ctl_pkt_meta *meta,
			const struct frame_udp *f)
{
	struct csess *s = csess_find(&c->sessions, meta->session_id);
	c->c.dtls_packets++;
	if (s == NULL || s->dtls == NULL || meta->side != DP_OUTSIDE) {
		c->c.dtls_dropped++;
		return;
	}
	struct cdtls *cd = s->dtls;
	if (cd->assoc == NULL) {
		c->c.dtls_late++;
		return;
	}
	/* the peer as the association knows it: address family, address, port */
	uint8_t key[1 + 16 + 2];
	key[0] = f->src.addr.family;
	memcpy(key + 1, f->src.addr.bytes, 16);
	key[17] = (uint8_t)(f->src.port >> 8);
	key[18] = (uint8_t)f->src.port;
	cd->datagrams_in++;
	/* flights go to this datagram's source; a datagram the association
	 * answers nothing to (a cookie or record it drops, a fragment) does
	 * not move where later retransmissions go */
	struct dp_endpoint was = cd->peer;
	bool was_known = cd->peer_known;
	uint64_t out = cd->datagrams_out;
	cd->peer = f->src;
	cd->peer_known = true;
	if (cd->state == CD_WAIT_PEER)
		cd_start(c, cd);
	if (cd->assoc == NULL)
		return;
	dtls_assoc_feed(cd->assoc, f->payload, f->len, key, sizeof(key));
	cd_flush(c, cd);
	if (cd->datagrams_out == out && was_known && cd->state != CD_FAILED)
		cd->peer = was;
	cd_check(c, cd);
}

static void dtls_timers(struct ctl *c)
{
	if (c->now_ns - c->dtls_scan_ns < DTLS_SCAN_NS)
		return;
	c->dtls_scan_ns = c->now_ns;
	for (struct cdtls *cd = c->dtls_list, *n; cd; cd = n) {
		n = cd->next;
		if (cd->state == CD_INSTALLING && cd->install_retry) {
			cd->install_retry = false;
			cd_install(c, cd);
		}
		if (cd->assoc == NULL)
			continue;
		if (cd->state == CD_ESTABLISHED && c->now_ns >= cd->release_ns) {
			cd_release_assoc(cd);
			continue;
		}
		if (cd->due_ns && cd->due_ns <= c->now_ns) {
			dtls_assoc_handle_timeout(cd->assoc);
			cd_flush(c, cd);
			cd_check(c, cd);
		}
	}
}

static void dtls_replaced(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)r;
	uint32_t id = (uint32_t)aux;
	struct csess *s = csess_find(&c->sessions, id);
	struct cdtls *cd = s ? s->dtls : NULL;
	if (cd == NULL || cd->state != CD_INSTALLING || cd->spec == NULL)
		return;
	if (m->status != DP_CTL_OK) {
		char why[sizeof(m->reason) + 64];
		snprintf(why, sizeof(why), "the dataplane refused the keys: %.*s",
			 (int)sizeof(m->reason), m->reason);
		c->c.dtls_install_failed++;
		bool gone = m->status == DP_CTL_E_NOT_FOUND ||
			    memmem(m->reason, strnlen(m->reason, sizeof(m->reason)), "gone", 4);
		cd->state = CD_HANDSHAKE; /* so that cd_fail records it */
		cd_fail(c, cd, DTLS_ERR_KEY_EXPORT, why);
		if (gone)
			forget_session(c, id);
		return;
	}
	if (csess_set_keys(s, cd->spec) != 0)
		csess_set_keys(s, NULL);
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_leg_spec *leg = &cd->spec->leg[l];
		s->remote[l] = leg->remote;
		s->remote_known[l] = !leg->latch;
		s->remote_pending[l] = false;
	}
	/* the peer the handshake came from (its certificate is the signalled
	 * one): media toward it may start before its first SRTP packet */
	if (cd->spec->leg[DP_OUTSIDE].latch && cd->peer_known)
		set_remote(c, s, DP_OUTSIDE, &cd->peer);
	if (cd->inside_latched)
		set_remote(c, s, DP_INSIDE, &cd->spec->leg[DP_INSIDE].remote);
	cd_wipe_keys(cd);
	cd->state = CD_ESTABLISHED;
	cd->done_ns = c->now_ns;
	cd->release_ns = c->now_ns + DTLS_LINGER_NS;
	c->c.dtls_established++;
	if (c->o->verbose)
		logf_("session %u: DTLS-SRTP established (%s)", id,
		      dtls_profile_name(cd->profile) ? dtls_profile_name(cd->profile) : "?");
}

static void dtls_keys_into(struct dp_srtp_keys *k, const struct dtls_srtp_keys *d,
			   const uint8_t *ks)
{
	memset(k, 0, sizeof(*k));
	k->suite = (uint8_t)d->suite;
	k->nkeys = 1;
	memcpy(k->keys[0].key, ks, d->key_len);
	memcpy(k->keys[0].salt, ks + d->key_len, d->salt_len);
}

static void dtls_got(struct ctl *c, struct req *r, struct dp_ctl_msg *m, uint64_t aux)
{
	(void)r;
	uint32_t id = (uint32_t)aux;
	struct csess *s = csess_find(&c->sessions, id);
	struct cdtls *cd = s ? s->dtls : NULL;
	if (cd == NULL || cd->state != CD_INSTALLING || !cd->keys_held)
		return;
	if (m->status != DP_CTL_OK) {
		char why[sizeof(m->reason) + 64];
		snprintf(why, sizeof(why), "reading the session back: %.*s",
			 (int)sizeof(m->reason), m->reason);
		c->c.dtls_install_failed++;
		cd->state = CD_HANDSHAKE;
		cd_fail(c, cd, DTLS_ERR_KEY_EXPORT, why);
		if (m->status == DP_CTL_E_NOT_FOUND)
			forget_session(c, id);
		return;
	}
	const struct dp_ctl_session_info *in = &m->u.info;
	struct dp_session_spec *sp = calloc(1, sizeof(*sp));
	if (sp == NULL) {
		cd->install_retry = true;
		return;
	}
	sp->id = id;
	memcpy(sp->name, in->name, sizeof(sp->name));
	sp->name[sizeof(sp->name) - 1] = '\0';
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_ctl_leg_info *li = &in->leg[l];
		struct dp_leg_spec *leg = &sp->leg[l];
		leg->local = li->local;
		leg->latch = li->latch;
		leg->remote = li->remote;
		if (li->latch && !li->latched) {
			memset(&leg->remote, 0, sizeof(leg->remote));
			leg->remote.addr.family = li->local.addr.family;
		}
		if (l == DP_OUTSIDE) {
			dtls_keys_into(&leg->rx, &cd->keys, cd->keys.rx);
			dtls_keys_into(&leg->tx, &cd->keys, cd->keys.tx);
			continue;
		}
		cd->inside_latched = li->latch && li->latched;
		if (li->rx.suite == DP_SUITE_NONE && li->tx.suite == DP_SUITE_NONE) {
			leg->rx.suite = leg->tx.suite = DP_SUITE_NONE;
		} else if (s->keys) {
			leg->rx = s->keys[2 * l];
			leg->tx = s->keys[2 * l + 1];
		} else {
			explicit_bzero(sp, sizeof(*sp));
			free(sp);
			c->c.dtls_install_failed++;
			cd->state = CD_HANDSHAKE;
			cd_fail(c, cd, DTLS_ERR_KEY_EXPORT, "the inside leg's keys are not "
				"known to this control process");
			return;
		}
	}
	struct api_error e;
	struct dp_ctl_msg *rm = msg_alloc(c, &e);
	if (rm == NULL) {
		explicit_bzero(sp, sizeof(*sp));
		free(sp);
		cd->install_retry = true;
		return;
	}
	rm->u.spec = *sp;
	cd->spec = sp;
	if (msg_submit(c, rm, DP_CTL_OP_REPLACE, dtls_replaced, NULL, id, &e) != 0) {
		explicit_bzero(sp, sizeof(*sp));
		free(sp);
		cd->spec = NULL;
		cd->install_retry = true;
		return;
	}
	/* the keys are in the message now (and in cd->spec until answered) */
	dtls_srtp_keys_wipe(&cd->keys);
	cd->keys_held = false;
}

static void cd_install(struct ctl *c, struct cdtls *cd)
{
	struct api_error e;
	struct dp_ctl_msg *m = msg_alloc(c, &e);
	if (m == NULL) {
		cd->install_retry = true;
		return;
	}
	m->u.id = cd->id;
	if (msg_submit(c, m, DP_CTL_OP_GET, dtls_got, NULL, cd->id, &e) != 0)
		cd->install_retry = true;
}

/* A handshake that will install keys is under way. */
static bool dtls_running(const struct csess *s)
{
	const struct cdtls *cd = s->dtls;
	return cd && (cd->state == CD_WAIT_PEER || cd->state == CD_HANDSHAKE ||
		      cd->state == CD_INSTALLING);
}

/* The outside leg's DTLS view, for session.show / list. */
static json_t *dtls_json(const struct ctl *c, const struct cdtls *cd)
{
	json_t *o = json_object();
	json_object_set_new(o, "role", json_string(dtls_role_name(cd->role)));
	json_object_set_new(o, "setup", json_string(dtls_setup_name((enum dtls_setup)cd->setup)));
	json_object_set_new(o, "state", json_string(cd_state_name[cd->state]));
	if (cd->state == CD_FAILED) {
		json_object_set_new(o, "error", json_string(dtls_status_name(cd->error)));
		json_object_set_new(o, "reason", json_string(cd->reason));
	}
	const char *pn = cd->profile ? dtls_profile_name(cd->profile) : NULL;
	json_object_set_new(o, "profile", pn ? json_string(pn) : json_null());
	json_object_set_new(o, "peer_fingerprint", json_string(cd->fingerprint));
	json_object_set_new(o, "fingerprint_ok",
			    cd->state == CD_INSTALLING || cd->state == CD_ESTABLISHED ||
			    (cd->state == CD_FAILED && cd->profile) ? json_true()
			    : cd->state == CD_FAILED && cd->error == DTLS_ERR_FINGERPRINT_MISMATCH
			    ? json_false() : json_null());
	json_object_set_new(o, "fingerprint", json_string(dtls_ctx_fingerprint(c->dtls)));
	if (cd->peer_known) {
		char b[CTL_EP_STRLEN];
		json_object_set_new(o, "peer", json_string(ctl_ep_format(&cd->peer, b, sizeof(b))));
	} else {
		json_object_set_new(o, "peer", json_null());
	}
	json_object_set_new(o, "association", json_boolean(cd->assoc != NULL));
	uint64_t retr = cd->retransmits;
	if (cd->assoc) {
		struct dtls_assoc_stats st;
		dtls_assoc_get_stats(cd->assoc, &st);
		retr = st.timer_retransmits;
	}
	json_object_set_new(o, "datagrams_in", json_integer((json_int_t)cd->datagrams_in));
	json_object_set_new(o, "datagrams_out", json_integer((json_int_t)cd->datagrams_out));
	json_object_set_new(o, "retransmits", json_integer((json_int_t)retr));
	if (cd->done_ns)
		json_object_set_new(o, "handshake_ms",
				    json_integer((json_int_t)((cd->done_ns - cd->created_ns) / 1000000u)));
	return o;
}

/* The session's state in a word: live, DTLS running, DTLS failed. */
static json_t *session_state_json(const struct cdtls *cd, bool keys_pending)
{
	char b[320];
	if (cd && cd->state == CD_FAILED) {
		snprintf(b, sizeof(b), "dtls failed: %s", cd->reason);
		return json_string(b);
	}
	if (cd && cd->state != CD_ESTABLISHED)
		return json_string("dtls pending");
	if (keys_pending)
		return json_string(cd ? "dtls pending" : "keys pending (no DTLS "
				   "association: made before this control process started)");
	return json_string("live");
}

static unsigned poll_exceptions(struct ctl *c)
{
	struct rte_mbuf *ms[32];
	unsigned total = 0, n;
	uint8_t buf[2048];

	while (total < EXC_PER_LOOP && (n = dpif_exc_dequeue(c->dp, ms, 32)) > 0) {
		total += n;
		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = ms[i];
			uint32_t len = rte_pktmbuf_pkt_len(m);
			c->c.exc_packets++;
			if (len > sizeof(buf))
				len = sizeof(buf);
			const void *p = rte_pktmbuf_read(m, 0, len, buf);
			if (p != NULL && p != buf)
				memcpy(buf, p, len);
			dpif_mbuf_free(m);
			struct dp_ctl_pkt_meta meta;
			struct frame_udp f;
			if (p == NULL || len < DP_CTL_META_LEN) {
				c->c.exc_bad_frame++;
				continue;
			}
			memcpy(&meta, buf, sizeof(meta));
			if (meta.kind != DP_CTL_PKT_STUN && meta.kind != DP_CTL_PKT_DTLS) {
				c->c.exc_unknown_kind++;
				continue;
			}
			if (frame_parse(buf + DP_CTL_META_LEN, len - DP_CTL_META_LEN, &f) !=
			    FRAME_OK) {
				c->c.exc_bad_frame++;
				continue;
			}
			if (meta.kind == DP_CTL_PKT_DTLS)
				handle_dtls(c, &meta, &f);
			else
				handle_stun(c, &meta, &f);
		}
	}
	return total;
}

/* ---- start: the socket, the lock, reconciliation ------------------------- */

static int mkdirs(const char *dir, mode_t mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int open_socket(struct ctl *c)
{
	const char *path = c->o->socket_path;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[PATH_MAX];

	if (strlen(path) >= sizeof(sun.sun_path)) {
		logf_("--socket %s: longer than %zu characters", path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdirs(dirname(dir), 0755) != 0) {
		logf_("--socket %s: cannot create its directory: %s", path, strerror(errno));
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		logf_("socket: %s", strerror(errno));
		return -1;
	}
	/* a socket file left by a process that died: replace it; one that
	 * answers: refuse */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(fd);
			logf_("--socket %s: another process serves it", path);
			return -1;
		}
		close(probe);
	}
	unlink(path);
	mode_t old = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0) {
		logf_("--socket %s: bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (c->o->socket_group) {
		struct group *g = getgrnam(c->o->socket_group);
		if (g == NULL) {
			logf_("--socket-group %s: no such group", c->o->socket_group);
			unlink(path);
			close(fd);
			return -1;
		}
		if (chown(path, (uid_t)-1, g->gr_gid) != 0) {
			logf_("--socket-group %s: chgrp %s: %s", c->o->socket_group, path,
			      strerror(errno));
			unlink(path);
			close(fd);
			return -1;
		}
	}
	if (chmod(path, 0660) != 0 || listen(fd, 64) != 0) {
		logf_("--socket %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	c->lfd = fd;
	return 0;
}

struct recon {
	uint32_t *ids;
	size_t n, cap;
	uint32_t last;
	bool end;
	int failed;
	unsigned dropped, foreign, mismatched;
};

static struct recon *g_recon;

static void recon_list_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			    uint64_t aux)
{
	(void)c;
	(void)r;
	(void)aux;
	struct recon *rc = g_recon;
	if (m->status != DP_CTL_OK) {
		logf_("reconciling: LIST answered status %d: %.*s", m->status,
		      (int)sizeof(m->reason), m->reason);
		rc->failed = 1;
		return;
	}
	uint32_t n = m->u.list.n < DP_CTL_LIST_MAX ? m->u.list.n : DP_CTL_LIST_MAX;
	for (uint32_t i = 0; i < n; i++) {
		if (rc->n == rc->cap) {
			size_t cap = rc->cap ? rc->cap * 2 : 1024;
			uint32_t *ids = realloc(rc->ids, cap * sizeof(*ids));
			if (ids == NULL) {
				rc->failed = 1;
				return;
			}
			rc->ids = ids;
			rc->cap = cap;
		}
		rc->ids[rc->n++] = m->u.list.ids[i];
	}
	if (n > 0)
		rc->last = m->u.list.ids[n - 1];
	rc->end = n < DP_CTL_LIST_MAX;
}

static void recon_get_done(struct ctl *c, struct req *r, struct dp_ctl_msg *m,
			   uint64_t aux)
{
	(void)r;
	struct recon *rc = g_recon;
	uint32_t id = (uint32_t)aux;
	struct csess *s = csess_find(&c->sessions, id);
	if (s == NULL)
		return;
	if (m->status == DP_CTL_E_NOT_FOUND) {
		csess_remove(&c->sessions, id);
		rc->dropped++;
		c->snapshot_needed = true;
		return;
	}
	if (m->status != DP_CTL_OK) {
		rc->failed = 1;
		return;
	}
	const struct dp_ctl_session_info *in = &m->u.info;
	bool same = strncmp(in->name, s->name, sizeof(s->name)) == 0 &&
		    ctl_ep_equal(&in->leg[0].local, &s->local[0]) &&
		    ctl_ep_equal(&in->leg[1].local, &s->local[1]);
	if (!same) {
		/* the id is someone else's now (the sessions file, or a session
		 * made while control was down): not ours any more */
		logf_("session %u is not the one the state file describes (name or "
		      "local address differ): its ICE credentials are dropped", id);
		csess_set_ice(s, 0, NULL);
		csess_set_ice(s, 1, NULL);
		s->kind = CS_FOREIGN;
		rc->mismatched++;
		c->snapshot_needed = true;
		return;
	}
	for (int l = 0; l < DP_SIDES; l++) {
		const struct dp_ctl_leg_info *li = &in->leg[l];
		s->remote_known[l] = !li->latch || li->latched;
		s->remote[l] = li->remote;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct collect {
	uint32_t *ids;
	size_t n;
};

static void collect_own(struct csess *s, void *arg)
{
	struct collect *k = arg;
	if (s->kind == CS_OWN)
		k->ids[k->n++] = s->id;
}

static int reconcile(struct ctl *c)
{
	struct recon rc = {0};
	struct api_error e = {0};
	struct dp_ctl_msg *m;
	int ret = -1;

	g_recon = &rc;
	/* answers to messages of an earlier control process, that nobody
	 * will take: back to the pool */
	while ((void)0, 1) {
		struct dp_ctl_msg *ms[32];
		unsigned n = dpif_done_dequeue(c->dp, ms, 32);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++)
			dpif_msg_put(c->dp, ms[i]);
		c->c.dp_stray_answers += n;
	}
	/* the dataplane's sessions */
	do {
		while ((m = msg_alloc(c, &e)) == NULL)
			if (run_until_idle(c, 10) != 0)
				goto out;
		m->u.list.after = rc.last;
		if (msg_submit(c, m, DP_CTL_OP_LIST, recon_list_done, NULL, 0, &e) != 0 ||
		    run_until_idle(c, 30) != 0 || rc.failed) {
			logf_("reconciling: listing the dataplane's sessions failed%s%s",
			      e.message[0] ? ": " : "", e.message[0] ? e.message : "");
			goto out;
		}
	} while (!rc.end);
	if (rc.n > 1)
		qsort(rc.ids, rc.n, sizeof(*rc.ids), cmp_u32);

	/* ours the dataplane no longer has: dropped */
	struct collect k = {calloc(c->sessions.count + 1, sizeof(uint32_t)), 0};
	if (k.ids == NULL)
		goto out;
	csess_foreach(&c->sessions, collect_own, &k);
	unsigned kept = 0;
	for (size_t i = 0; i < k.n; i++) {
		if (rc.n == 0 ||
		    bsearch(&k.ids[i], rc.ids, rc.n, sizeof(*rc.ids), cmp_u32) == NULL) {
			csess_remove(&c->sessions, k.ids[i]);
			rc.dropped++;
			c->snapshot_needed = true;
			continue;
		}
		k.ids[kept++] = k.ids[i];
	}
	/* the dataplane's that are not ours: known, so no create takes the id */
	for (size_t i = 0; i < rc.n; i++) {
		if (csess_find(&c->sessions, rc.ids[i]) == NULL) {
			if (csess_insert(&c->sessions, rc.ids[i], CS_FOREIGN) == NULL) {
				free(k.ids);
				goto out;
			}
			rc.foreign++;
		}
	}
	/* ours it has: the same session? (name and local addresses) */
	for (size_t i = 0; i < kept;) {
		m = msg_alloc(c, &e);
		if (m != NULL) {
			m->u.id = k.ids[i];
			if (msg_submit(c, m, DP_CTL_OP_GET, recon_get_done, NULL, k.ids[i],
				       &e) == 0) {
				i++;
				continue;
			}
		}
		/* busy: let the dataplane answer what is in flight */
		if (run_until_idle(c, 10) != 0) {
			free(k.ids);
			goto out;
		}
	}
	if (run_until_idle(c, 30) != 0 || rc.failed) {
		free(k.ids);
		logf_("reconciling: the dataplane did not answer");
		goto out;
	}
	size_t own = 0;
	for (size_t i = 0; i < kept; i++) {
		struct csess *s = csess_find(&c->sessions, k.ids[i]);
		if (s && s->kind == CS_OWN) {
			s->verified = true;
			own++;
		}
	}
	free(k.ids);
	logf_("reconciled with the dataplane: %zu session%s live there, %zu kept from "
	      "the state file, %u dropped (gone from the dataplane), %u replaced by "
	      "other sessions, %u not made through the API", rc.n, rc.n == 1 ? "" : "s",
	      own, rc.dropped, rc.mismatched, rc.foreign);
	ret = 0;
out:
	free(rc.ids);
	g_recon = NULL;
	return ret;
}

/* ---- the loop ------------------------------------------------------------- */

int ctl_serve(struct dpif *d, const struct ctl_opts *o)
{
	static struct ctl ctl; /* large: the FIFO */
	struct ctl *c = &ctl;
	int status = 2;
	char err[256];

	memset(c, 0, sizeof(*c));
	c->dp = d;
	c->o = o;
	c->ep = c->lfd = -1;
	c->started_ns = c->now_ns = mono_ns();
	/* answers of an earlier process carry other numbers */
	c->next_seq = ((uint64_t)getpid() << 40) ^ ((uint64_t)time(NULL) << 16) ^ 1;
	if (csess_table_init(&c->sessions) != 0) {
		logf_("out of memory");
		return 2;
	}
	if (mkdirs(o->state_dir, 0700) != 0) {
		logf_("--state-dir %s: %s", o->state_dir, strerror(errno));
		goto out;
	}
	snprintf(c->state_path, sizeof(c->state_path), "%s/%s", o->state_dir, CTL_STATE_FILE);
	long loaded = ctl_state_load(&c->sessions, c->state_path, err, sizeof(err));
	if (loaded < 0) {
		logf_("state file: %s (move it away to start afresh)", err);
		goto out;
	}
	if (loaded > 0)
		logf_("state file %s: %ld session%s", c->state_path, loaded,
		      loaded == 1 ? "" : "s");
	struct dtls_ctx_config dc;
	dtls_ctx_config_init(&dc);
	dc.cert_file = o->dtls_cert;
	dc.key_file = o->dtls_key;
	dc.profiles = o->dtls_profiles;
	dc.mtu = o->dtls_mtu;
	dc.handshake_timeout_ms = o->dtls_timeout_ms;
	int drc = dtls_ctx_create(&dc, &c->dtls);
	if (drc != DTLS_OK) {
		logf_("DTLS: %s%s%s", dtls_strerror(drc), o->dtls_cert ? ": " : "",
		      o->dtls_cert ? o->dtls_cert : "");
		c->dtls = NULL;
		goto out;
	}
	c->sessions.on_remove = cd_on_remove;
	c->sessions.on_remove_arg = c;
	if (reconcile(c) != 0)
		goto out;
	c->snapshot_needed = true; /* the journal folded into a new snapshot */
	state_flush(c);
	if (open_socket(c) != 0)
		goto out;
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
	if (c->ep < 0 || epoll_ctl(c->ep, EPOLL_CTL_ADD, c->lfd, &lev) != 0) {
		logf_("epoll: %s", strerror(errno));
		goto out;
	}
	dpif_set_control_pid(d, (int32_t)getpid());
	/* the primary empties the exception ring while no control process is
	 * announced (once a second, in a short loop): let a loop that began
	 * before the announcement end before this one consumes the ring */
	usleep(20000);
	logf_("serving %s (srtpedge pid %d, file prefix %s, %u worker%s, max_sessions %u; "
	      "DTLS fingerprint %s)", o->socket_path, d->info->primary_pid, o->prefix,
	      d->info->workers, d->info->workers == 1 ? "" : "s", d->info->max_sessions,
	      dtls_ctx_fingerprint(c->dtls));
	fflush(stderr);

	status = 0;
	uint64_t alive_check = 0;
	while (!ctl_stop) {
		c->now_ns = mono_ns();
		poll_done(c);
		unsigned exc = poll_exceptions(c);
		dtls_timers(c);
		serve_clients(c);
		state_flush(c);
		serve_clients(c); /* those whose answer was held */

		struct epoll_event evs[64];
		int timeout = (c->inflight > 0 || exc > 0) ? 0 : 1;
		int n = epoll_wait(c->ep, evs, 64, timeout);
		for (int i = 0; i < n; i++) {
			struct client *cl = evs[i].data.ptr;
			if (cl == NULL) {
				accept_clients(c);
				continue;
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				client_read(c, cl);
			if (evs[i].events & EPOLLOUT)
				client_flush(c, cl);
		}
		if (n == 0 && timeout == 0 && exc == 0)
			usleep(20); /* answers come within microseconds; spin gently */
		if (c->now_ns - alive_check > 1000000000u) {
			alive_check = c->now_ns;
			if (rte_eal_primary_proc_alive(NULL) == 0) {
				logf_("srtpedge (pid %d) has exited: stopping",
				      d->info->primary_pid);
				status = 1;
				break;
			}
			if (__atomic_load_n(&d->info->control_pid, __ATOMIC_ACQUIRE) !=
			    (int32_t)getpid())
				dpif_set_control_pid(d, (int32_t)getpid());
		}
	}
	if (status == 0)
		logf_("stopping (signal)");
out:
	if (d->info && __atomic_load_n(&d->info->control_pid, __ATOMIC_ACQUIRE) ==
			       (int32_t)getpid())
		dpif_set_control_pid(d, 0);
	/* answers to what is in flight, if the dataplane still runs */
	if (c->inflight > 0 && status != 1)
		run_until_idle(c, 1);
	state_flush(c);
	while (c->clients)
		client_close(c, c->clients);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(o->socket_path);
	}
	if (c->ep >= 0)
		close(c->ep);
	csess_table_free(&c->sessions);
	if (c->dtls)
		dtls_ctx_destroy(c->dtls);
	if (c->jbuf) {
		explicit_bzero(c->jbuf, c->jcap);
		free(c->jbuf);
	}
	return status;
}
