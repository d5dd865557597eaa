/*
 * srtpedge-bench: SRTP Edge's benchmark harness. Subcommands measure one
 * thing each against its baselines in the same run.
 */
#include <stdio.h>
#include <string.h>

#include "bench_control.h"
#include "bench_crypto.h"
#include "bench_dataplane.h"
#include "bench_scenario.h"

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
"  control   srtpedge-control's SDES installs and DTLS-SRTP handshakes per\n"
"            second while srtpedge forwards established sessions\n"
"  run       one scenario file (perf/scenarios/*.ini): the engines it names,\n"
"            side by side, as result rows (JSON lines with --json/--out)\n"
"  sweep     every scenario of the standard set; --out DIR adds the report\n"
"  compare   two result files row by row; exit 1 on a slowdown over a threshold\n"
"  report    a Markdown report with gnuplot plots from a results file\n"
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
	if (strcmp(argv[1], "control") == 0)
		return bench_control_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return bench_run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "sweep") == 0)
		return bench_sweep_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "compare") == 0)
		return bench_compare_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return bench_report_main(argc - 1, argv + 1);
	fprintf(stderr, "srtpedge-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
