/*
 * srtpedge-control's event loop: the operator API on a unix socket (JSON,
 * one request per line), the dataplane's command and completion rings, the
 * exception ring (ICE-lite answers, DTLS-SRTP handshakes) and the state
 * file. One thread; nothing in it waits on the dataplane.
 */
#ifndef CTL_SERVER_H
#define CTL_SERVER_H

#include <signal.h>

#include "dpif.h"

struct ctl_opts {
	const char *prefix;        /* DPDK file prefix of srtpedge */
	const char *socket_path;
	const char *socket_group;  /* NULL: the process's group */
	const char *state_dir;
	unsigned stun_rate;        /* STUN packets handled per second, all legs */
	unsigned stun_leg_rate;    /* per leg */
	int verbose;
	/* DTLS-SRTP: PEM certificate and key (NULL: generated at start),
	 * profile preference (NULL: the engine's), MTU and handshake
	 * timeout (0: the engine's defaults) */
	const char *dtls_cert, *dtls_key, *dtls_profiles;
	unsigned dtls_mtu, dtls_timeout_ms;
};

/* Set by the signal handler: stop the loop. */
extern volatile sig_atomic_t ctl_stop;

/* Reconciles the state file with the dataplane, serves until ctl_stop or
 * until srtpedge exits. Returns the process's exit status (0 on a stop by
 * signal, 1 on a runtime failure, 2 when it cannot start). */
int ctl_serve(struct dpif *d, const struct ctl_opts *o);

#endif
