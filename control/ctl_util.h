/*
 * Small helpers of srtpedge-control and srtpctl: transport addresses as
 * text ("ADDR:PORT", "[ADDR6]:PORT") both ways, and the paths DPDK uses for
 * a file prefix. No DPDK, no allocation.
 */
#ifndef CTL_UTIL_H
#define CTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session_spec.h"

/* Longest text ctl_ep_format writes, NUL included ("[" v6 "]:" 65535). */
#define CTL_EP_STRLEN 56

/* Parses "A.B.C.D:PORT" or "[V6]:PORT" (port 1..65535). Returns true and
 * fills *ep, or false and leaves *ep zeroed. */
bool ctl_ep_parse(const char *text, struct dp_endpoint *ep);
/* Writes the endpoint as ctl_ep_parse reads it; "-" for family 0. */
const char *ctl_ep_format(const struct dp_endpoint *ep, char *buf, size_t len);
/* Same address family, bytes and port. */
bool ctl_ep_equal(const struct dp_endpoint *a, const struct dp_endpoint *b);

/* DPDK's runtime directory of a file prefix: /var/run/dpdk/P for root,
 * else $XDG_RUNTIME_DIR/dpdk/P (or /tmp/dpdk/P), as EAL computes it. */
void ctl_dpdk_runtime_dir(const char *prefix, char *buf, size_t len);

/* One control process per srtpedge (the rings have one producer and one
 * consumer each): an exclusive flock on srtpedge-control.lock in the
 * prefix's runtime directory. Returns the held fd, or -1 with err filled. */
int ctl_take_lock(const char *prefix, char *err, size_t errlen);

#endif
