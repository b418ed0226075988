/*
 * cli.h - the subcommands, one entry point each (main.c dispatches).
 * Each returns the process exit status: 0 ok, 1 violations, 2 error.
 */
#ifndef SPINETAP_CLI_H
#define SPINETAP_CLI_H

int cmd_decode(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int gen_cli(int argc, char **argv); /* gen_cli.c: also the spinetap-gen program */
int gen_live_main(int argc, char **argv); /* gen_live.c: `spinetap-gen live` */

#endif
