/*
 * gen_live.c - `spinetap-gen live`: send RoCEv2 traffic for real, as UDP
 * datagrams from a host's network namespace (placeholder until the live
 * testbed lands).
 */
#include "cli.h"
#include "util.h"

int gen_live_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die("live mode is not built yet");
}
