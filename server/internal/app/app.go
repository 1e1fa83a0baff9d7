package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `parley — self-hostable automation for customer conversations

Usage:
  parley serve   [flags]   run the server (embedded PostgreSQL unless DATABASE_URL is set)
  parley migrate [flags]   apply pending database migrations and exit
  parley token create --name NAME [--scopes a,b] [flags]
  parley token list   [flags]
  parley token revoke ID_OR_PREFIX [flags]
  parley bench   [flags] SCENARIO...   measure throughput, latency, streams, timers (see -h)

Run "parley <command> -h" for a command's flags.
`

// errUsage marks an error already explained to the user on stderr.
var errUsage = errors.New("usage")

// Run executes the parley command line. args includes the program name.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// ExitCode is the process exit status for an error returned by Run.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	default:
		return 1
	}
}

// parseConfig parses a subcommand's flags over the environment and validates
// the result.
func parseConfig(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindFlags(fs, &cfg, os.Getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "parley %s: invalid configuration:\n%v\n", name, err)
		return cfg, fs, errUsage
	}
	return cfg, fs, nil
}
