/*
 * cli.h - the subcommands of the mesodesk binary.  Each takes the arguments
 * after its own name (argv[0] is the subcommand name) and returns the process
 * exit status: 0 success, 1 runtime failure, 2 bad usage or input.
 */
#ifndef MESODESK_CLI_H
#define MESODESK_CLI_H

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_patient(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_screen(int argc, char **argv);

#endif
