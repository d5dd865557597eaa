/*
 * srtpctl: the operator CLI of SRTP Edge, over srtpedge-control's unix
 * socket (JSON, one request per line). Readable tables by default, the
 * answer as JSON with --json. Exit status: 0 ok, 1 an error from the server,
 * 2 bad usage, 3 the socket cannot be reached (or gave no answer).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"

#define EXIT_SERVER 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

static const char *sock_path = "/run/srtpedge/control.sock";
static bool opt_json;
static double opt_timeout = 30;
static int req_seq;

/* ---- usage --------------------------------------------------------------- */

static void usage_main(FILE *f)
{
	fprintf(f,
"usage: srtpctl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS]\n"
"\n"
"The operator CLI of SRTP Edge: talks to srtpedge-control over its unix\n"
"socket.\n"
"\n"
"commands:\n"
"  session create ...     create a session (SDES keys, ICE credentials)\n"
"  session delete ID      delete a session\n"
"  session list           the sessions, one line each\n"
"  session show ID        one session: legs, suites, key ids, counters\n"
"  session rekey ID ...   new keys for a leg (or both)\n"
"  stats [--worker N | --session ID]\n"
"                         counters: global (srtpedge's and control's), one\n"
"                         worker's, or one session's\n"
"  status                 srtpedge-control and the dataplane it is attached to\n"
"  request JSON           send one request line as it is (a JSON object,\n"
"                         e.g. '{\"op\": \"status\"}') and print the answer\n"
"\n"
"options:\n"
"  -s, --socket PATH      the API socket (default /run/srtpedge/control.sock,\n"
"                         or $SRTPCTL_SOCKET)\n"
"  -j, --json             print the server's answer as JSON\n"
"  -t, --timeout S        seconds to wait for an answer (default 30)\n"
"  -h, --help             this text; COMMAND --help for a command's\n"
"\n"
"Exit status: 0 on success, 1 when the server answers with an error (its code\n"
"and message go to stderr), 2 on bad usage, 3 when the socket cannot be\n"
"reached.\n");
}

static void usage_session(FILE *f)
{
	fprintf(f,
"usage: srtpctl session create|delete|list|show|rekey [ARGS]\n"
"\n"
"  create ...      see 'srtpctl session create --help'\n"
"  delete ID\n"
"  list [--after ID] [--limit N] [--ids]\n"
"  show ID\n"
"  rekey ID ...    see 'srtpctl session rekey --help'\n");
}

static void usage_create(FILE *f)
{
	fprintf(f,
"usage: srtpctl session create [options]\n"
"\n"
"Creates a session: an outside leg (SRTP with an endpoint) and an inside leg\n"
"(plain RTP or SRTP with the media core). Values that are secrets may be\n"
"given as @FILE (read from FILE, '@-' from stdin) to keep them out of ps.\n"
"\n"
"  --id ID                    session id (1..999999; default: a free one)\n"
"  --name NAME                a name (up to 47 printable characters)\n"
"  --outside-local A:P        our address and port toward the endpoint\n"
"  --outside-remote A:P|latch the endpoint's, or 'latch' (from its first\n"
"                             authenticated packet or ICE check)\n"
"  --outside-rx-crypto LINE   the a=crypto line the endpoint offered (the\n"
"                             keys it sends with)\n"
"  --outside-tx-crypto LINE   the a=crypto line we send (the keys we protect\n"
"                             with)\n"
"  --ice-ufrag U, --ice-pwd P our ICE credentials on the outside leg (we\n"
"                             answer its connectivity checks)\n"
"  --ice-remote-ufrag U       the endpoint's ufrag (checks from another are\n"
"                             refused)\n"
"  --outside-dtls SETUP       DTLS-SRTP instead of a=crypto lines: our\n"
"                             a=setup, active (we are the DTLS client) or\n"
"                             passive (the server); the keys come from the\n"
"                             handshake (media waits for them)\n"
"  --outside-fingerprint FP   the endpoint's a=fingerprint, 'sha-256 AB:..'\n"
"                             (required with --outside-dtls)\n"
"  --outside-peer-setup SETUP the endpoint's a=setup: with --outside-dtls\n"
"                             actpass (our offer), its answer's; alone, its\n"
"                             offer's (we answer: actpass makes us active)\n"
"  --inside-local A:P         our address and port toward the media core\n"
"  --inside-remote A:P|latch  the media core's\n"
"  --inside-rx-crypto LINE, --inside-tx-crypto LINE\n"
"                             SRTP on the inside leg too (default: plain RTP)\n"
"  --inside-ice-ufrag U, --inside-ice-pwd P, --inside-ice-remote-ufrag U\n"
"                             ICE on the inside leg\n"
"\n"
"e.g. srtpctl session create --outside-local 198.51.100.1:20000 \\\n"
"       --outside-remote latch \\\n"
"       --outside-rx-crypto 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:...' \\\n"
"       --outside-tx-crypto 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:...' \\\n"
"       --ice-ufrag Xa7q --ice-pwd asd88fgpdd777uzjYhagZg \\\n"
"       --inside-local 203.0.113.1:30000 --inside-remote 203.0.113.10:40000\n");
}

static void usage_rekey(FILE *f)
{
	fprintf(f,
"usage: srtpctl session rekey ID [options]\n"
"\n"
"Replaces the keys of a leg (or both) of a session. The session is replaced\n"
"in the dataplane: its streams start afresh, and a latched peer is learnt\n"
"again. A leg not named keeps its keys if srtpedge-control knows them (it\n"
"made or re-keyed the session since it started); otherwise give both.\n"
"Values may be @FILE.\n"
"\n"
"  --outside-rx-crypto LINE, --outside-tx-crypto LINE\n"
"  --inside-rx-crypto LINE, --inside-tx-crypto LINE\n"
"  --inside-plain             plain RTP on the inside leg from now on\n");
}

static void usage_stats(FILE *f)
{
	fprintf(f,
"usage: srtpctl stats [--worker N | --session ID]\n"
"\n"
"Counters: without options srtpedge's global ones (packets, drops by reason)\n"
"and srtpedge-control's (requests, errors, STUN answered/rejected/ignored,\n"
"DTLS dropped, exception packets, sends, backpressure); with --worker one\n"
"worker's; with --session one session's (srtpedge's and control's).\n"
"Counters that are zero are left out of the table (--all shows them).\n"
"\n"
"  -w, --worker N\n"
"  -S, --session ID\n"
"  -a, --all\n");
}

static int usage_err(void (*fn)(FILE *), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_err(void (*fn)(FILE *), const char *fmt, ...)
{
	va_list ap;
	fputs("srtpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	if (fn)
		fprintf(stderr, "(see --help)\n");
	return EXIT_USAGE;
}

/* ---- talking to the server --------------------------------------------- */

static int sock_fd = -1;

static int connect_server(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (sock_fd >= 0)
		return 0;
	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "srtpctl: socket path %s is too long\n", sock_path);
		return -1;
	}
	strcpy(sun.sun_path, sock_path);
	sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock_fd < 0 || connect(sock_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "srtpctl: cannot reach srtpedge-control at %s: %s\n",
			sock_path, strerror(errno));
		if (sock_fd >= 0)
			close(sock_fd);
		sock_fd = -1;
		return -1;
	}
	return 0;
}

/* Sends one line (no newline in it) and returns the answer, or NULL
 * (unreachable: the message is printed). */
static json_t *call_raw(const char *line)
{
	if (connect_server() != 0)
		return NULL;
	size_t len = strlen(line);
	bool ok = true;
	for (size_t off = 0; off < len + 1 && ok;) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(sock_fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ok = false;
		else
			off += (size_t)w;
	}
	if (!ok) {
		fprintf(stderr, "srtpctl: %s: send: %s\n", sock_path, strerror(errno));
		return NULL;
	}
	/* one line back */
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (buf) {
		char *nl = got ? memchr(buf, '\n', got) : NULL;
		if (nl) {
			*nl = '\0';
			break;
		}
		if (got + 1 >= cap) {
			char *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double left = opt_timeout - ((double)(t.tv_sec - t0.tv_sec) +
					     (double)(t.tv_nsec - t0.tv_nsec) * 1e-9);
		struct pollfd pf = {.fd = sock_fd, .events = POLLIN};
		int pr = left > 0 ? poll(&pf, 1, (int)(left * 1000) + 1) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			fprintf(stderr, "srtpctl: %s: no answer in %.0f s\n", sock_path,
				opt_timeout);
			free(buf);
			return NULL;
		}
		ssize_t n = recv(sock_fd, buf + got, cap - got - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "srtpctl: %s: the connection closed before an "
				"answer%s%s\n", sock_path, n < 0 ? ": " : "",
				n < 0 ? strerror(errno) : "");
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	if (buf == NULL) {
		fprintf(stderr, "srtpctl: out of memory\n");
		return NULL;
	}
	json_error_t je;
	json_t *ans = json_loads(buf, 0, &je);
	free(buf);
	if (ans == NULL || !json_is_object(ans)) {
		fprintf(stderr, "srtpctl: the answer is not a JSON object: %s\n", je.text);
		json_decref(ans);
		return NULL;
	}
	return ans;
}

/* Sends req (consumed, an "id" added) and returns the answer. */
static json_t *call(json_t *req)
{
	if (json_object_get(req, "id") == NULL)
		json_object_set_new(req, "id", json_integer(++req_seq));
	char *line = ctl_json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(req);
	if (line == NULL) {
		fprintf(stderr, "srtpctl: out of memory\n");
		return NULL;
	}
	json_t *ans = call_raw(line);
	explicit_bzero(line, strlen(line));
	free(line);
	return ans;
}

/* Prints a server error, returns the exit status for an answer. */
static int check_answer(json_t *ans)
{
	if (json_is_true(json_object_get(ans, "ok")))
		return 0;
	json_t *e = json_object_get(ans, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	fprintf(stderr, "srtpctl: %s: %s\n", code ? code : "error", msg ? msg : "(no message)");
	return EXIT_SERVER;
}

static void print_json(const json_t *ans)
{
	char *s = ctl_json_dumps(ans, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		puts(s);
		free(s);
	}
}

/* Runs one request; on success calls show(answer) unless --json. */
static int run(json_t *req, void (*show)(json_t *))
{
	json_t *ans = call(req);
	if (ans == NULL)
		return EXIT_UNREACHABLE;
	int rc = check_answer(ans);
	if (opt_json)
		print_json(ans);
	else if (rc == 0 && show)
		show(ans);
	json_decref(ans);
	return rc;
}

/* ---- values -------------------------------------------------------------- */

/* "@FILE" / "@-": the file's first line; else the text. Returns a new
 * string (wiped and freed by the caller) or NULL. */
static char *value_of(const char *opt, const char *v)
{
	if (v[0] != '@')
		return strdup(v);
	FILE *f = strcmp(v, "@-") == 0 ? stdin : fopen(v + 1, "r");
	if (f == NULL) {
		fprintf(stderr, "srtpctl: %s %s: %s\n", opt, v, strerror(errno));
		return NULL;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	if (f != stdin)
		fclose(f);
	if (n <= 0) {
		fprintf(stderr, "srtpctl: %s %s: empty\n", opt, v);
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static bool parse_id(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno || v == 0 || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* obj[path...] = string, creating the objects on the way */
static void set_path(json_t *root, const char *a, const char *b, const char *c,
		     const char *value)
{
	json_t *o = root;
	const char *keys[3] = {a, b, c};
	int n = c ? 3 : b ? 2 : 1;
	for (int i = 0; i < n - 1; i++) {
		json_t *x = json_object_get(o, keys[i]);
		if (x == NULL) {
			x = json_object();
			json_object_set_new(o, keys[i], x);
		}
		o = x;
	}
	json_object_set_new(o, keys[n - 1], json_string(value));
}

/* ---- tables ---------------------------------------------------------------- */

#define MAXCOLS 10
struct table {
	char **cells;
	size_t n, cap;
	int ncols;
};

static void table_add(struct table *t, const char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = realloc(t->cells, t->cap * sizeof(char *));
		if (t->cells == NULL)
			exit(EXIT_SERVER);
	}
	t->cells[t->n++] = strdup(s ? s : "-");
}

static void table_print(struct table *t)
{
	size_t w[MAXCOLS] = {0};
	for (size_t i = 0; i < t->n; i++) {
		size_t l = strlen(t->cells[i]);
		if (l > w[i % (size_t)t->ncols])
			w[i % (size_t)t->ncols] = l;
	}
	for (size_t i = 0; i < t->n; i++) {
		int col = (int)(i % (size_t)t->ncols);
		if (col == t->ncols - 1)
			printf("%s\n", t->cells[i]);
		else
			printf("%-*s  ", (int)w[col], t->cells[i]);
		free(t->cells[i]);
	}
	free(t->cells);
	t->cells = NULL;
	t->n = t->cap = 0;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

static void leg_remote(const json_t *leg, char *buf, size_t len)
{
	const json_t *r = json_object_get(leg, "remote");
	bool latch = json_is_true(json_object_get(leg, "latch"));
	if (json_is_string(r))
		snprintf(buf, len, "%s%s", json_string_value(r), latch ? " (latched)" : "");
	else
		snprintf(buf, len, "%s", latch ? "latch (none yet)" : "-");
}

static const char *leg_suite(const json_t *leg)
{
	const json_t *rx = json_object_get(leg, "rx");
	return str(rx, "suite");
}

/* ---- session ------------------------------------------------------------ */

static void show_created(json_t *a)
{
	printf("session %" JSON_INTEGER_FORMAT " created%s%s\n",
	       json_integer_value(json_object_get(a, "session")),
	       *str(a, "name") && strcmp(str(a, "name"), "-") ? ": " : "",
	       *str(a, "name") && strcmp(str(a, "name"), "-") ? str(a, "name") : "");
	const json_t *d = json_object_get(a, "dtls");
	if (json_is_object(d))
		printf("dtls setup %s (%s), our fingerprint %s\n", str(d, "setup"),
		       str(d, "role"), str(d, "fingerprint"));
	if (json_object_get(a, "warning"))
		fprintf(stderr, "srtpctl: warning: %s\n", str(a, "warning"));
}

static int cmd_create(int argc, char **argv)
{
	enum {
		O_ID = 256, O_NAME, O_OL, O_OR, O_ORX, O_OTX, O_UF, O_PW, O_RUF, O_DTLS,
		O_FP, O_PSETUP, O_IL, O_IR, O_IRX, O_ITX, O_IUF, O_IPW, O_IRUF,
	};
	static const struct option opts[] = {
		{"id", required_argument, NULL, O_ID},
		{"name", required_argument, NULL, O_NAME},
		{"outside-local", required_argument, NULL, O_OL},
		{"outside-remote", required_argument, NULL, O_OR},
		{"outside-rx-crypto", required_argument, NULL, O_ORX},
		{"outside-tx-crypto", required_argument, NULL, O_OTX},
		{"ice-ufrag", required_argument, NULL, O_UF},
		{"ice-pwd", required_argument, NULL, O_PW},
		{"ice-remote-ufrag", required_argument, NULL, O_RUF},
		{"outside-dtls", required_argument, NULL, O_DTLS},
		{"outside-fingerprint", required_argument, NULL, O_FP},
		{"outside-peer-setup", required_argument, NULL, O_PSETUP},
		{"inside-local", required_argument, NULL, O_IL},
		{"inside-remote", required_argument, NULL, O_IR},
		{"inside-rx-crypto", required_argument, NULL, O_IRX},
		{"inside-tx-crypto", required_argument, NULL, O_ITX},
		{"inside-ice-ufrag", required_argument, NULL, O_IUF},
		{"inside-ice-pwd", required_argument, NULL, O_IPW},
		{"inside-ice-remote-ufrag", required_argument, NULL, O_IRUF},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *req = json_pack("{s:s}", "op", "session.create");
	int c, given = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *v = NULL;
		if (c == 'h') {
			usage_create(stdout);
			json_decref(req);
			return 0;
		}
		if (c == '?') {
			json_decref(req);
			return usage_err(usage_create, "session create: bad option");
		}
		given++;
		if (c == O_ID) {
			uint32_t id;
			if (!parse_id(optarg, 999999, &id)) {
				json_decref(req);
				return usage_err(usage_create, "--id '%s': expected 1 to 999999",
						 optarg);
			}
			json_object_set_new(req, "session", json_integer(id));
			continue;
		}
		if ((v = value_of(opts[c - O_ID].name, optarg)) == NULL) {
			json_decref(req);
			return EXIT_USAGE;
		}
		switch (c) {
		case O_NAME: set_path(req, "name", NULL, NULL, v); break;
		case O_OL: set_path(req, "outside", "local", NULL, v); break;
		case O_OR: set_path(req, "outside", "remote", NULL, v); break;
		case O_ORX: set_path(req, "outside", "sdes", "rx", v); break;
		case O_OTX: set_path(req, "outside", "sdes", "tx", v); break;
		case O_UF: set_path(req, "outside", "ice", "ufrag", v); break;
		case O_PW: set_path(req, "outside", "ice", "pwd", v); break;
		case O_RUF: set_path(req, "outside", "ice", "remote_ufrag", v); break;
		case O_DTLS: set_path(req, "outside", "dtls", "setup", v); break;
		case O_FP: set_path(req, "outside", "dtls", "fingerprint", v); break;
		case O_PSETUP: set_path(req, "outside", "dtls", "peer_setup", v); break;
		case O_IL: set_path(req, "inside", "local", NULL, v); break;
		case O_IR: set_path(req, "inside", "remote", NULL, v); break;
		case O_IRX: set_path(req, "inside", "sdes", "rx", v); break;
		case O_ITX: set_path(req, "inside", "sdes", "tx", v); break;
		case O_IUF: set_path(req, "inside", "ice", "ufrag", v); break;
		case O_IPW: set_path(req, "inside", "ice", "pwd", v); break;
		case O_IRUF: set_path(req, "inside", "ice", "remote_ufrag", v); break;
		}
		wipe_free(v);
	}
	if (optind < argc) {
		json_decref(req);
		return usage_err(usage_create, "session create: unexpected argument '%s'",
				 argv[optind]);
	}
	if (given == 0) {
		json_decref(req);
		usage_create(stderr);
		return EXIT_USAGE;
	}
	return run(req, show_created);
}

static int one_id_arg(int argc, char **argv, const char *what, void (*usage)(FILE *),
		      uint32_t *id)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		usage_err(usage, "%s: bad option", what);
		return EXIT_USAGE;
	}
	if (argc - optind != 1)
		return usage_err(usage, "%s: expected one session ID", what);
	if (!parse_id(argv[optind], UINT32_MAX, id))
		return usage_err(usage, "%s: '%s' is not a session id (a whole number from 1)",
				 what, argv[optind]);
	return 0;
}

static void usage_delete(FILE *f)
{
	fprintf(f, "usage: srtpctl session delete ID\n\nDeletes the session; its keys "
		   "are wiped in the dataplane.\n");
}

static void usage_show(FILE *f)
{
	fprintf(f, "usage: srtpctl session show ID\n\nThe session's legs: addresses, "
		   "latching, suites, key ids (never keys), streams, counters, and its "
		   "ICE ufrag (never the password).\n");
}

static void show_deleted(json_t *a)
{
	printf("session %" JSON_INTEGER_FORMAT " deleted\n",
	       json_integer_value(json_object_get(a, "session")));
}

static int cmd_delete(int argc, char **argv)
{
	uint32_t id;
	int rc = one_id_arg(argc, argv, "session delete", usage_delete, &id);
	if (rc)
		return rc < 0 ? 0 : rc;
	return run(json_pack("{s:s, s:I}", "op", "session.delete", "session", (json_int_t)id),
		   show_deleted);
}

static void show_dir(const char *leg, const char *dir, const json_t *d)
{
	char keys[128] = "";
	size_t i, n = 0;
	json_t *k;
	json_array_foreach(json_object_get(d, "key_ids"), i, k) {
		int w = snprintf(keys + n, sizeof(keys) - n, "%s%s", n ? "," : "",
				 json_string_value(k));
		if (w < 0 || (size_t)w >= sizeof(keys) - n)
			break;
		n += (size_t)w;
	}
	printf("  %-8s %s  suite %s", leg, dir, str(d, "suite"));
	if (n)
		printf("  key id %s", keys);
	if (json_integer_value(json_object_get(d, "mki_len")))
		printf("  MKI %" JSON_INTEGER_FORMAT " bytes",
		       json_integer_value(json_object_get(d, "mki_len")));
	printf("  streams %" JSON_INTEGER_FORMAT "\n",
	       json_integer_value(json_object_get(d, "streams")));
}

static void show_session(json_t *a)
{
	const json_t *s = json_object_get(a, "session");
	static const char *const legs[] = {"outside", "inside"};
	printf("session %" JSON_INTEGER_FORMAT "  name %s  worker %" JSON_INTEGER_FORMAT
	       "  made %s\n", json_integer_value(json_object_get(s, "session")),
	       *str(s, "name") ? str(s, "name") : "-",
	       json_integer_value(json_object_get(s, "worker")),
	       str(json_object_get(s, "control"), "managed"));
	printf("  state %s\n", str(s, "state"));
	for (int l = 0; l < 2; l++) {
		const json_t *leg = json_object_get(s, legs[l]);
		char remote[96];
		leg_remote(leg, remote, sizeof(remote));
		printf("  %-8s local %s  remote %s", legs[l], str(leg, "local"), remote);
		if (json_is_true(json_object_get(leg, "keys_pending")))
			printf("  (keys pending)");
		const json_t *ice = json_object_get(leg, "ice");
		if (json_is_object(ice)) {
			printf("  ice ufrag %s", str(ice, "ufrag"));
			if (json_object_get(ice, "remote_ufrag"))
				printf(" (peer %s)", str(ice, "remote_ufrag"));
		}
		printf("\n");
		const json_t *d = json_object_get(leg, "dtls");
		if (json_is_object(d)) {
			const json_t *ok = json_object_get(d, "fingerprint_ok");
			printf("  %-8s dtls %s (setup %s)  state %s  profile %s  peer fingerprint "
			       "%s\n", legs[l], str(d, "role"), str(d, "setup"), str(d, "state"),
			       str(d, "profile"), json_is_true(ok) ? "ok" : json_is_false(ok)
			       ? "MISMATCH" : "not checked yet");
			if (json_object_get(d, "reason"))
				printf("  %-8s dtls failure: %s (%s)\n", legs[l], str(d, "reason"),
				       str(d, "error"));
			printf("  %-8s dtls peer %s  datagrams in %" JSON_INTEGER_FORMAT " out %"
			       JSON_INTEGER_FORMAT "  retransmits %" JSON_INTEGER_FORMAT
			       "  expected %s\n", legs[l],
			       json_is_string(json_object_get(d, "peer")) ? str(d, "peer") : "-",
			       json_integer_value(json_object_get(d, "datagrams_in")),
			       json_integer_value(json_object_get(d, "datagrams_out")),
			       json_integer_value(json_object_get(d, "retransmits")),
			       str(d, "peer_fingerprint"));
			printf("  %-8s dtls our fingerprint %s\n", legs[l], str(d, "fingerprint"));
		} else if (json_is_true(json_object_get(leg, "keys_pending"))) {
			printf("  %-8s keys pending\n", legs[l]);
		}
		show_dir(legs[l], "rx", json_object_get(leg, "rx"));
		show_dir(legs[l], "tx", json_object_get(leg, "tx"));
		printf("  %-8s rx %" JSON_INTEGER_FORMAT " packets %" JSON_INTEGER_FORMAT
		       " bytes, tx %" JSON_INTEGER_FORMAT " packets %" JSON_INTEGER_FORMAT
		       " bytes; auth_fail %" JSON_INTEGER_FORMAT " replay %"
		       JSON_INTEGER_FORMAT " other drops %" JSON_INTEGER_FORMAT "\n", legs[l],
		       json_integer_value(json_object_get(leg, "rx_packets")),
		       json_integer_value(json_object_get(leg, "rx_bytes")),
		       json_integer_value(json_object_get(leg, "tx_packets")),
		       json_integer_value(json_object_get(leg, "tx_bytes")),
		       json_integer_value(json_object_get(leg, "auth_fail")),
		       json_integer_value(json_object_get(leg, "replay")),
		       json_integer_value(json_object_get(leg, "other_drops")));
	}
	const json_t *k = json_object_get(json_object_get(s, "control"), "counters");
	if (k) {
		const char *key;
		json_t *v;
		printf("  control ");
		int first = 1;
		json_object_foreach((json_t *)k, key, v) {
			printf("%s%s %" JSON_INTEGER_FORMAT, first ? "" : ", ", key,
			       json_integer_value(v));
			first = 0;
		}
		printf("\n");
	}
}

static int cmd_show(int argc, char **argv)
{
	uint32_t id;
	int rc = one_id_arg(argc, argv, "session show", usage_show, &id);
	if (rc)
		return rc < 0 ? 0 : rc;
	return run(json_pack("{s:s, s:I}", "op", "session.show", "session", (json_int_t)id),
		   show_session);
}

static void usage_list(FILE *f)
{
	fprintf(f,
"usage: srtpctl session list [--after ID] [--limit N] [--ids]\n"
"\n"
"The sessions in id order, one line each: name, each leg's local and remote\n"
"address and suite, ICE. Without --limit every session is listed (page by\n"
"page); --ids lists ids only (no per-session query: fast for large tables).\n");
}

static void list_rows(struct table *t, const json_t *arr, bool ids_only)
{
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) {
		char buf[96];
		if (ids_only) {
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(s));
			table_add(t, buf);
			continue;
		}
		const json_t *o = json_object_get(s, "outside"), *in = json_object_get(s, "inside");
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(s, "session")));
		table_add(t, buf);
		table_add(t, *str(s, "name") ? str(s, "name") : "-");
		table_add(t, str(o, "local"));
		leg_remote(o, buf, sizeof(buf));
		table_add(t, buf);
		table_add(t, leg_suite(o));
		table_add(t, str(in, "local"));
		leg_remote(in, buf, sizeof(buf));
		table_add(t, buf);
		table_add(t, leg_suite(in));
		table_add(t, json_is_object(json_object_get(o, "ice")) ? "yes" : "no");
	}
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"after", required_argument, NULL, 'A'},
		{"limit", required_argument, NULL, 'l'},
		{"ids", no_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t after = 0, limit = 0;
	bool ids = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			if (strcmp(optarg, "0") != 0 && !parse_id(optarg, UINT32_MAX, &after))
				return usage_err(usage_list, "--after '%s': not a session id", optarg);
			break;
		case 'l':
			if (!parse_id(optarg, 100000, &limit))
				return usage_err(usage_list, "--limit '%s': expected 1 to 100000",
						 optarg);
			break;
		case 'i': ids = true; break;
		case 'h': usage_list(stdout); return 0;
		default: return usage_err(usage_list, "session list: bad option");
		}
	}
	if (optind < argc)
		return usage_err(usage_list, "session list: unexpected argument '%s'",
				 argv[optind]);
	struct table t = {.ncols = ids ? 1 : 9};
	static const char *const head[] = {"ID", "NAME", "OUTSIDE LOCAL", "OUTSIDE REMOTE",
					   "SUITE", "INSIDE LOCAL", "INSIDE REMOTE", "SUITE",
					   "ICE"};
	for (int i = 0; i < t.ncols; i++)
		table_add(&t, head[i]);
	json_t *all = json_array();
	json_int_t total = 0;
	for (;;) {
		json_t *req = json_pack("{s:s, s:I, s:b}", "op", "session.list",
					"after", (json_int_t)after, "ids_only", ids);
		json_object_set_new(req, "limit", json_integer(limit ? limit : 1000));
		json_t *ans = call(req);
		int rc = ans ? check_answer(ans) : EXIT_UNREACHABLE;
		if (rc) {
			if (ans && opt_json)
				print_json(ans);
			json_decref(ans);
			json_decref(all);
			for (size_t i = 0; i < t.n; i++)
				free(t.cells[i]);
			free(t.cells);
			return rc;
		}
		total = json_integer_value(json_object_get(ans, "total"));
		json_array_extend(all, json_object_get(ans, "sessions"));
		const json_t *next = json_object_get(ans, "next");
		bool more = json_is_integer(next) && limit == 0;
		if (more)
			after = (uint32_t)json_integer_value(next);
		if (!more && limit && json_is_integer(next)) {
			/* one page asked: say where the next starts */
			if (!opt_json)
				fprintf(stderr, "srtpctl: more sessions: --after %" JSON_INTEGER_FORMAT
					"\n", json_integer_value(next));
		}
		json_decref(ans);
		if (!more)
			break;
	}
	if (opt_json) {
		json_t *o = json_pack("{s:b, s:I, s:o}", "ok", 1, "total", total, "sessions", all);
		print_json(o);
		json_decref(o);
		for (size_t i = 0; i < t.n; i++)
			free(t.cells[i]);
		free(t.cells);
		return 0;
	}
	list_rows(&t, all, ids);
	json_decref(all);
	table_print(&t);
	printf("%" JSON_INTEGER_FORMAT " session%s live in the dataplane\n", total,
	       total == 1 ? "" : "s");
	return 0;
}

static void show_rekeyed(json_t *a)
{
	size_t i;
	json_t *l;
	printf("session %" JSON_INTEGER_FORMAT " re-keyed:",
	       json_integer_value(json_object_get(a, "session")));
	json_array_foreach(json_object_get(a, "rekeyed"), i, l)
		printf(" %s", json_string_value(l));
	printf("\n");
}

static int cmd_rekey(int argc, char **argv)
{
	enum { O_ORX = 256, O_OTX, O_IRX, O_ITX, O_PLAIN };
	static const struct option opts[] = {
		{"outside-rx-crypto", required_argument, NULL, O_ORX},
		{"outside-tx-crypto", required_argument, NULL, O_OTX},
		{"inside-rx-crypto", required_argument, NULL, O_IRX},
		{"inside-tx-crypto", required_argument, NULL, O_ITX},
		{"inside-plain", no_argument, NULL, O_PLAIN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *req = json_pack("{s:s}", "op", "session.rekey");
	uint32_t id;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *v;
		if (c == 'h') {
			usage_rekey(stdout);
			json_decref(req);
			return 0;
		}
		if (c == '?') {
			json_decref(req);
			return usage_err(usage_rekey, "session rekey: bad option");
		}
		if (c == O_PLAIN) {
			json_t *in = json_object_get(req, "inside");
			if (in == NULL) {
				in = json_object();
				json_object_set_new(req, "inside", in);
			}
			json_object_set_new(in, "plain", json_true());
			continue;
		}
		if ((v = value_of(opts[c - O_ORX].name, optarg)) == NULL) {
			json_decref(req);
			return EXIT_USAGE;
		}
		switch (c) {
		case O_ORX: set_path(req, "outside", "sdes", "rx", v); break;
		case O_OTX: set_path(req, "outside", "sdes", "tx", v); break;
		case O_IRX: set_path(req, "inside", "sdes", "rx", v); break;
		case O_ITX: set_path(req, "inside", "sdes", "tx", v); break;
		}
		wipe_free(v);
	}
	if (argc - optind != 1 || !parse_id(argv[optind], UINT32_MAX, &id)) {
		json_decref(req);
		return usage_err(usage_rekey, "session rekey: expected one session ID "
				 "(a whole number from 1)");
	}
	json_object_set_new(req, "session", json_integer(id));
	return run(req, show_rekeyed);
}

static int cmd_session(int argc, char **argv)
{
	if (argc < 2)
		return usage_err(usage_session, "session: expected create, delete, list, "
				 "show or rekey");
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		usage_session(stdout);
		return 0;
	}
	if (strcmp(sub, "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(sub, "delete") == 0)
		return cmd_delete(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(sub, "rekey") == 0)
		return cmd_rekey(argc - 1, argv + 1);
	return usage_err(usage_session, "session %s: unknown (create, delete, list, show, "
			 "rekey)", sub);
}

/* ---- stats, status, request -------------------------------------------- */

static bool stats_all;

/* "key value" rows of an object, then its nested objects as sections of
 * their own. Without --all, zero counters are left out where most are zero
 * most of the time (drop reasons, SRTP refusals, errors, nested tables). */
static void print_counters_at(const char *title, const json_t *o, int depth)
{
	const char *k;
	json_t *v;
	struct table t = {.ncols = 2};
	json_object_foreach((json_t *)o, k, v) {
		char buf[208];
		if (json_is_integer(v)) {
			if (!stats_all && json_integer_value(v) == 0 &&
			    (depth > 0 || strncmp(k, "drop_", 5) == 0 || strncmp(k, "srtp_", 5) == 0 ||
			     strncmp(k, "stun_", 5) == 0 || strncmp(k, "set_remote", 10) == 0 ||
			     strncmp(k, "send", 4) == 0 || strncmp(k, "exception", 9) == 0 ||
			     strncmp(k, "dtls", 4) == 0 || strncmp(k, "state_write_err", 15) == 0 ||
			     strncmp(k, "dp_stray", 8) == 0 || strcmp(k, "backpressure") == 0 ||
			     strcmp(k, "errors") == 0))
				continue;
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		} else if (json_is_real(v)) {
			snprintf(buf, sizeof(buf), "%.1f", json_real_value(v));
		} else if (json_is_string(v)) {
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		} else if (json_is_object(v)) {
			continue; /* nested: below */
		} else {
			char *s = ctl_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			snprintf(buf, sizeof(buf), "%s", s ? s : "?");
			free(s);
		}
		char key[80];
		snprintf(key, sizeof(key), "  %s", k);
		table_add(&t, key);
		table_add(&t, buf);
	}
	if (t.n > 0 || depth == 0)
		printf("%s:\n", title);
	table_print(&t);
	json_object_foreach((json_t *)o, k, v) {
		if (!json_is_object(v))
			continue;
		char sub[160];
		snprintf(sub, sizeof(sub), "%.80s %.64s", title, k);
		print_counters_at(sub, v, depth + 1);
	}
}

static void print_counters(const char *title, const json_t *o)
{
	print_counters_at(title, o, 0);
}

static void show_stats(json_t *a)
{
	const char *scope = str(a, "scope");
	char title[64];
	if (strcmp(scope, "worker") == 0)
		snprintf(title, sizeof(title), "srtpedge worker %" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(a, "worker")));
	else if (strcmp(scope, "session") == 0)
		snprintf(title, sizeof(title), "srtpedge session %" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(a, "session")));
	else
		snprintf(title, sizeof(title), "srtpedge");
	print_counters(title, json_object_get(a, "dataplane"));
	if (json_object_get(a, "control"))
		print_counters("srtpedge-control", json_object_get(a, "control"));
	if (json_object_get(a, "dataplane_info"))
		print_counters("dataplane info", json_object_get(a, "dataplane_info"));
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"worker", required_argument, NULL, 'w'},
		{"session", required_argument, NULL, 'S'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	json_t *req = json_pack("{s:s}", "op", "stats");
	uint32_t v;
	int c;
	bool w = false, s = false;

	optind = 0;
	while ((c = getopt_long(argc, argv, "w:S:ah", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (strcmp(optarg, "0") == 0)
				v = 0;
			else if (!parse_id(optarg, 65535, &v)) {
				json_decref(req);
				return usage_err(usage_stats, "--worker '%s': expected a worker "
						 "index", optarg);
			}
			json_object_set_new(req, "scope", json_string("worker"));
			json_object_set_new(req, "worker", json_integer(v));
			w = true;
			break;
		case 'S':
			if (!parse_id(optarg, UINT32_MAX, &v)) {
				json_decref(req);
				return usage_err(usage_stats, "--session '%s': not a session id",
						 optarg);
			}
			json_object_set_new(req, "scope", json_string("session"));
			json_object_set_new(req, "session", json_integer(v));
			s = true;
			break;
		case 'a': stats_all = true; break;
		case 'h':
			usage_stats(stdout);
			json_decref(req);
			return 0;
		default:
			json_decref(req);
			return usage_err(usage_stats, "stats: bad option");
		}
	}
	if (optind < argc || (w && s)) {
		json_decref(req);
		return usage_err(usage_stats, w && s ? "stats: --worker or --session, not both"
					: "stats: unexpected argument");
	}
	return run(req, show_stats);
}

static void show_status(json_t *a)
{
	stats_all = true;
	print_counters("srtpedge-control", json_object_get(a, "control"));
	print_counters("dataplane", json_object_get(a, "dataplane"));
}

static int cmd_status(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			printf("usage: srtpctl status\n\nsrtpedge-control (pid, socket, state "
			       "file, sessions it knows) and the dataplane it is attached to "
			       "(pid, limits, workers).\n");
			return 0;
		}
		return usage_err(usage_main, "status: takes no arguments");
	}
	return run(json_pack("{s:s}", "op", "status"), show_status);
}

static int cmd_request(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: srtpctl request JSON\n\nSends JSON (one request line, "
		       "e.g. '{\"id\": 1, \"op\": \"status\"}') as it is, unchecked, and "
		       "prints the answer as JSON.\n");
		return 0;
	}
	if (argc != 2)
		return usage_err(usage_main, "request: expected one JSON request");
	if (strchr(argv[1], '\n') != NULL)
		return usage_err(usage_main, "request: one line only");
	/* as given: the server judges it */
	json_t *ans = call_raw(argv[1]);
	if (ans == NULL)
		return EXIT_UNREACHABLE;
	int rc = check_answer(ans);
	print_json(ans);
	json_decref(ans);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	ctl_json_wiping_alloc();
	if (getenv("SRTPCTL_SOCKET"))
		sock_path = getenv("SRTPCTL_SOCKET");
	while ((c = getopt_long(argc, argv, "+s:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_path = optarg; break;
		case 'j': opt_json = true; break;
		case 't': {
			char *end;
			opt_timeout = strtod(optarg, &end);
			if (*end || opt_timeout <= 0)
				return usage_err(usage_main, "--timeout '%s': expected seconds",
						 optarg);
			break;
		}
		case 'h': usage_main(stdout); return 0;
		default: return usage_err(usage_main, "bad option");
		}
	}
	if (optind >= argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	char **av = argv + optind;
	int ac = argc - optind;
	int rc;
	if (strcmp(av[0], "session") == 0)
		rc = cmd_session(ac, av);
	else if (strcmp(av[0], "stats") == 0)
		rc = cmd_stats(ac, av);
	else if (strcmp(av[0], "status") == 0)
		rc = cmd_status(ac, av);
	else if (strcmp(av[0], "request") == 0)
		rc = cmd_request(ac, av);
	else if (strcmp(av[0], "help") == 0) {
		usage_main(stdout);
		rc = 0;
	} else
		rc = usage_err(usage_main, "unknown command '%s' (session, stats, status, "
			       "request)", av[0]);
	if (sock_fd >= 0)
		close(sock_fd);
	return rc;
}
