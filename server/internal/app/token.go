package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
)

// runToken manages API tokens: create, list, revoke.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: parley token create|list|revoke [flags]\n")
		return errUsage
	}
	sub, args := args[0], args[1:]
	var name, scopes, workspace string
	cfg, fs, err := parseConfig("token "+sub, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&workspace, "workspace", auth.DefaultWorkspaceSlug, "workspace slug")
		if sub == "create" {
			fs.StringVar(&name, "name", "", "what the token is for (required)")
			fs.StringVar(&scopes, "scopes", "all", "comma-separated scopes: "+scopeList())
		}
	})
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer db.close(ctx)
	tokens := auth.NewTokens(db.Store)
	ws, _, err := tokens.EnsureWorkspace(ctx, workspace)
	if err != nil {
		return err
	}

	switch sub {
	case "create":
		if strings.TrimSpace(name) == "" {
			fmt.Fprintln(stderr, "parley token create: --name is required")
			return errUsage
		}
		sc, err := auth.ParseScopes(scopes)
		if err != nil {
			fmt.Fprintf(stderr, "parley token create: --%v\n", err)
			return errUsage
		}
		tok, secret, err := tokens.Create(ctx, ws.ID, name, sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created token %s (%s) with scopes %s; the secret below is shown only once\n", tok.ID, tok.Name, auth.JoinScopes(tok.Scopes))
		fmt.Fprintln(stdout, secret)
	case "list":
		list, err := tokens.List(ctx, ws.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tSCOPES\tCREATED\tREVOKED")
		for _, t := range list {
			revoked := "-"
			if t.RevokedAt != nil {
				revoked = t.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Name, auth.JoinScopes(t.Scopes), t.CreatedAt.Format("2006-01-02 15:04"), revoked)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: parley token revoke ID_OR_PREFIX")
			return errUsage
		}
		tok, err := tokens.Revoke(ctx, ws.ID, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s (%s)\n", tok.ID, tok.Name)
	default:
		fmt.Fprintf(stderr, "parley token: unknown subcommand %q (create, list, revoke)\n", sub)
		return errUsage
	}
	return nil
}

func scopeList() string { return auth.JoinScopes(domain.AllScopes) }
