/*
 * main.c - spinetap: dispatch to the subcommands (see cli.h and
 * spinetap(8)). Data flow: capture (pktsrc.c, capture.c) -> dissect
 * (dissectors/) -> attribute (attrib.c, policy.c, correlate.c) -> store
 * (store.c) -> serve (report.c, http.c, tui.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: spinetap COMMAND [options]\n"
		   "commands:\n"
		   "  decode    print every packet: uSID program, RoCE headers (text or JSON)\n"
		   "  analyze   attribute packets to QPs and paths, judge policies, write SQLite\n"
		   "  capture   the same, live, on spine interfaces (netns aware)\n"
		   "  gen       generate RoCEv2-over-uSID captures (also spinetap-gen)\n"
		   "  version   print the version\n"
		   "Run 'spinetap COMMAND --help' or see spinetap(8).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "decode"))
		return cmd_decode(argc - 1, argv + 1);
	if (!strcmp(cmd, "analyze"))
		return cmd_analyze(argc - 1, argv + 1);
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "gen"))
		return gen_cli(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("spinetap %s\n", SPINETAP_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "spinetap: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_ERROR;
}
