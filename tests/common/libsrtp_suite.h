/*
 * libsrtp2 as the reference peer: the policy for each SRTP Edge suite, and
 * one-stream sessions as a fair user gives every stream. Used by the interop
 * tests and by srtpedge-bench.
 */
#ifndef LIBSRTP_SUITE_H
#define LIBSRTP_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "srtp_edge.h"

/* Sets pol->rtp and pol->rtcp for `suite` (SRTCP keeps its 80-bit tag in
 * the _32 suites). Returns false for an unknown suite. */
bool libsrtp_policy_set_suite(srtp_policy_t *pol, enum sre_suite suite);

/* Creates a session for one SSRC in one direction with `key` = master key
 * || master salt. Returns 0 or libsrtp's error code. */
int libsrtp_session_create(srtp_t *session, enum sre_suite suite,
			   const uint8_t *key, uint32_t ssrc, bool outbound,
			   unsigned window);

#endif
