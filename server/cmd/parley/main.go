// Command parley is the Parley server and its administration commands.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/parleyhq/parley/server/internal/app"
)

func main() {
	err := app.Run(context.Background(), os.Args, os.Stdout, os.Stderr)
	if code := app.ExitCode(err); code != 0 {
		if code == 1 {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(code)
	}
}
