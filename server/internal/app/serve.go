package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/api"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine"
	"github.com/parleyhq/parley/server/internal/session"
	"github.com/parleyhq/parley/server/internal/store"
	"github.com/parleyhq/parley/server/internal/widget"
	"github.com/parleyhq/parley/server/internal/workflow"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	log := cfg.logger(stderr)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.close(ctx)

	tokens := auth.NewTokens(db.Store)
	llm, err := cfg.llm()
	if err != nil {
		return err
	}
	workflows := workflow.NewService(db.Store, llm != nil)
	if err := bootstrap(ctx, cfg, tokens, workflows, stdout); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", cfg.Addr, err)
	}
	if err := db.publishURL(); err != nil {
		return err
	}

	if cfg.GCHeapFloorMiB > 0 {
		defer startHeapFloor(uint64(cfg.GCHeapFloorMiB)<<20, floorCheck)()
	}
	if cfg.DebugAddr != "" {
		if err := serveProfiles(ctx, cfg.DebugAddr, log); err != nil {
			return err
		}
	}
	publicURL := cfg.publicURL(ln.Addr())
	sessions := session.NewService(db.Store, session.HubOptions{Heartbeat: cfg.Heartbeat, Log: log})
	go sessions.Hub().Run(ctx)
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	kb := agent.NewService(db.Store)
	var provider agent.Provider = agent.Builtin{}
	if llm != nil {
		provider = agent.NewOpenAI(llm)
	}
	responder := agent.NewResponder(sessions, kb, agent.ResponderOptions{Provider: provider, Log: log})
	log.Info("AI agent", "provider", provider.Name())
	runs, err := engine.New(db.Store, sessions, engine.Options{
		Log: log, OutboundAllow: cfg.OutboundAllow, JobTimeout: cfg.JobTimeout, Mail: mailer, LLM: llm,
		Jobs: []store.JobSet{responder.Jobs()},
	})
	if err != nil {
		return fmt.Errorf("--outbound-allow: %w", err)
	}
	responder.Attach(runs.Queue())
	engineCtx, stopEngine := context.WithCancel(ctx)
	defer stopEngine()
	engineDone := make(chan error, 1)
	go func() { engineDone <- runs.Run(engineCtx, cfg.ShutdownTimeout) }()
	authn := auth.NewAuthenticator(db.Store)
	authn.SetSessionTokenResolver(sessions)
	go authn.Watch(engineCtx)
	handler := api.NewHandler(api.Deps{
		Log:       log,
		Metrics:   api.NewMetrics(),
		Authn:     authn,
		Workflows: workflows,
		Sessions:  sessions,
		Agent:     kb,
		Engine:    runs,
		PublicURL: publicURL,
		Ping:      db.Ping,
	})
	root := http.NewServeMux()
	root.Handle("/", handler)
	root.Handle("GET /widget.js", widget.ScriptHandler())
	root.Handle("GET /demo", widget.DemoHandler(db.Store, auth.DefaultWorkspaceSlug, publicURL, log))
	err = serveHTTP(ctx, cfg, log, ln, root, stdout)
	stopEngine()
	if engineErr := <-engineDone; engineErr != nil && err == nil {
		err = fmt.Errorf("workflow engine: %w", engineErr)
	}
	return err
}

// serveHTTP serves h on ln (HTTP/1.1 and cleartext HTTP/2, so gRPC works
// without TLS) until ctx ends, then shuts down gracefully: new connections
// are refused, streams are told to end, and in-flight requests get
// cfg.ShutdownTimeout to finish.
func serveHTTP(ctx context.Context, cfg Config, log *slog.Logger, ln net.Listener, h http.Handler, stdout io.Writer) error {
	baseCtx, cancelStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStreams()
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           h,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(cancelStreams)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "parley: listening on http://%s\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("forced shutdown", "error", err)
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveProfiles serves net/http/pprof on addr until ctx ends.
func serveProfiles(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--debug-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
	log.Info("serving profiles", "addr", ln.Addr().String())
	return nil
}

// bootstrap creates the default workspace on first start and prints a dev
// token for it, and registers PARLEY_BOOTSTRAP_TOKEN when set.
func bootstrap(ctx context.Context, cfg Config, tokens *auth.Tokens, workflows *workflow.Service, stdout io.Writer) error {
	ws, created, err := tokens.EnsureWorkspace(ctx, auth.DefaultWorkspaceSlug)
	if err != nil {
		return fmt.Errorf("create default workspace: %w", err)
	}
	if created {
		_, secret, err := tokens.Create(ctx, ws.ID, "dev token (first start)", domain.AllScopes)
		if err != nil {
			return fmt.Errorf("create dev token: %w", err)
		}
		if err := widget.CreateSamples(ctx, workflows, ws.ID); err != nil {
			return fmt.Errorf("create the demo's sample workflows: %w", err)
		}
		fmt.Fprintf(stdout, "parley: created workspace %q (public key %s)\n", ws.Slug, ws.PublicKey)
		fmt.Fprintf(stdout, "parley: dev API token (all scopes, shown once): %s\n", secret)
	}
	if cfg.BootstrapToken != "" {
		if _, err := tokens.Register(ctx, ws.ID, "PARLEY_BOOTSTRAP_TOKEN", domain.AllScopes, cfg.BootstrapToken); err != nil {
			return fmt.Errorf("PARLEY_BOOTSTRAP_TOKEN: %w", err)
		}
	}
	return nil
}
