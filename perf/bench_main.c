/*
 * srtpedge-bench: SRTP Edge's benchmark harness. Subcommands measure one
 * thing each against its baselines in the same run.
 */
#include <stdio.h>
#include <string.h>

#include "bench_crypto.h"
#include "bench_dataplane.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: srtpedge-bench COMMAND [options]\n"
"\n"
"commands:\n"
"  crypto    crypto/ vs libsrtp2 vs raw IPsec-MB, per suite, payload,\n"
"            stream count, protect/unprotect, RTP/RTCP\n"
"  dataplane srtpedge's worker fed SRTP over net_memif, vs crypto/ alone and\n"
"            libsrtp2 alone on the same packets; latency percentiles\n"
"\n"
"'srtpedge-bench COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "crypto") == 0)
		return bench_crypto_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "dataplane") == 0)
		return bench_dataplane_main(argc - 1, argv + 1);
	fprintf(stderr, "srtpedge-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
