/* helptext: each command's options and examples, for `casebook help COMMAND`. */
#ifndef CASEBOOK_HELPTEXT_H
#define CASEBOOK_HELPTEXT_H

#define HELP_EXAMPLES 3

struct command_help {
	const char *name;
	const char *options;                 /* lines of "  --option  what it does\n" */
	const char *examples[HELP_EXAMPLES]; /* whole command lines; NULL after the last */
};

/* The help of the command name, or NULL. */
const struct command_help *command_help_find(const char *name);

#endif
