/* gen_main.c - the spinetap-gen program: `spinetap gen` under its own name. */
#include "cli.h"
#include "util.h"

int main(int argc, char **argv)
{
	progname = "spinetap-gen";
	return gen_cli(argc, argv);
}
