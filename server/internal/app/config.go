package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/mail"
)

// Config is everything the server can be told. Each field has a flag and a
// PARLEY_* environment variable (DATABASE_URL for the database); flags win.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	LogLevel        string
	LogFormat       string
	BootstrapToken  string
	ShutdownTimeout time.Duration
	// Heartbeat is how often idle event streams get a heartbeat.
	Heartbeat time.Duration
	// PublicURL is the base URL clients use to reach the server (snippets,
	// demo page); empty means http://<Addr>.
	PublicURL string
	// OutboundAllow re-allows targets of fetch API and webhook steps that
	// the SSRF guard refuses (loopback, private, link-local): CIDRs, IPs or
	// host names, each optionally with :port.
	OutboundAllow []string
	// JobTimeout bounds one workflow job; jobs of a process that died are
	// retried once they have run this long plus 10 s.
	JobTimeout time.Duration
	// SMTPURL is the relay notification emails go through
	// (smtp://user:pass@host:587 or smtps://...); empty sends no email.
	// SMTPFrom is their sender address.
	SMTPURL, SMTPFrom string
	// LLMBaseURL is an OpenAI-compatible chat completions API the AI agent
	// answers with (and AI workflow steps use); empty answers from the
	// knowledge base alone. LLMModel names the model, LLMAPIKey is its
	// bearer token (environment only), LLMTimeout bounds one completion.
	LLMBaseURL, LLMModel, LLMAPIKey string
	LLMTimeout                      time.Duration
	// DebugAddr, when set, serves Go's profiles (net/http/pprof) on a
	// listener of its own, apart from the API.
	DebugAddr string
	// GCHeapFloorMiB is the heap size under which the garbage collector
	// does not run while the server is busy, and past which it collects
	// more often while the server is not (heapFloor); 0 leaves GOGC as it
	// is. A GOGC in the environment turns it off.
	GCHeapFloorMiB int

	// envErrs are environment variables that did not parse; validate
	// reports them.
	envErrs []error
}

// defaults, in one place.
func defaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./.parley",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 15 * time.Second,
		Heartbeat:       15 * time.Second,
		JobTimeout:      2 * time.Minute,
		LLMTimeout:      30 * time.Second,
		GCHeapFloorMiB:  defaultGCHeapFloorMiB,
	}
}

// envOf reads configuration from the environment.
type envOf func(string) string

// bindFlags registers the flags shared by every subcommand that needs the
// database, seeding each default from the environment.
func bindFlags(fs *flag.FlagSet, cfg *Config, getenv envOf) {
	str := func(p *string, name, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+env+")")
	}
	str(&cfg.Addr, "addr", "PARLEY_ADDR", "address to listen on, host:port")
	str(&cfg.DataDir, "data-dir", "PARLEY_DATA_DIR", "directory of the embedded PostgreSQL cluster, used when no database URL is given")
	str(&cfg.DatabaseURL, "database-url", "DATABASE_URL", "PostgreSQL URL; empty runs an embedded PostgreSQL under --data-dir")
	str(&cfg.LogLevel, "log-level", "PARLEY_LOG_LEVEL", "debug, info, warn or error")
	str(&cfg.LogFormat, "log-format", "PARLEY_LOG_FORMAT", "text or json")
	str(&cfg.PublicURL, "public-url", "PARLEY_PUBLIC_URL", "base URL clients use to reach this server (default http://<addr>)")
	str(&cfg.SMTPURL, "smtp-url", "PARLEY_SMTP_URL", "SMTP relay for notification emails, smtp://[user:pass@]host[:port] (STARTTLS when offered) or smtps://...; empty sends none")
	str(&cfg.SMTPFrom, "smtp-from", "PARLEY_SMTP_FROM", "sender address of notification emails, e.g. 'Parley <parley@example.com>'")
	str(&cfg.LLMBaseURL, "llm-base-url", "PARLEY_LLM_BASE_URL", "OpenAI-compatible API the AI agent answers with, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama); empty answers from the knowledge base alone")
	str(&cfg.LLMModel, "llm-model", "PARLEY_LLM_MODEL", "model of --llm-base-url, e.g. gpt-4o-mini or llama3.1")
	str(&cfg.DebugAddr, "debug-addr", "PARLEY_DEBUG_ADDR", "host:port serving Go profiles at /debug/pprof/ (keep it private); empty serves none")
	cfg.LLMAPIKey = getenv("PARLEY_LLM_API_KEY")
	cfg.BootstrapToken = getenv("PARLEY_BOOTSTRAP_TOKEN")
	list(fs, getenv, &cfg.OutboundAllow, "outbound-allow", "PARLEY_OUTBOUND_ALLOW",
		"comma-separated CIDRs, IPs or host names (each optionally with :port) that fetch API and webhook steps may call although they are loopback, private or link-local")
	duration(fs, getenv, cfg, &cfg.JobTimeout, "job-timeout", "PARLEY_JOB_TIMEOUT", "how long one workflow job may run; a dead process's jobs are retried after this plus 10s")
	duration(fs, getenv, cfg, &cfg.ShutdownTimeout, "shutdown-timeout", "PARLEY_SHUTDOWN_TIMEOUT", "how long to wait for requests to finish on SIGTERM")
	duration(fs, getenv, cfg, &cfg.LLMTimeout, "llm-timeout", "PARLEY_LLM_TIMEOUT", "how long one answer of the LLM may take; past it the agent hands the conversation to a person")
	duration(fs, getenv, cfg, &cfg.Heartbeat, "heartbeat", "PARLEY_HEARTBEAT", "how often idle event streams get a heartbeat")
	if getenv("GOGC") != "" {
		cfg.GCHeapFloorMiB = 0 // the operator chose GOGC
	}
	integer(fs, getenv, cfg, &cfg.GCHeapFloorMiB, "gc-heap-floor-mib", "PARLEY_GC_HEAP_FLOOR_MIB",
		"heap size in MiB under which Go's garbage collector does not run while the server is busy, trading that much memory for CPU under load; while it is not busy, a heap past it is collected at GOGC=10; 0 leaves GOGC alone, as does a GOGC in the environment")
}

// integer binds an int flag seeded from the environment.
func integer(fs *flag.FlagSet, getenv envOf, cfg *Config, p *int, name, env, usage string) {
	if v := getenv(env); v != "" {
		if n, err := strconv.Atoi(v); err != nil {
			cfg.envErrs = append(cfg.envErrs, fmt.Errorf("%s %q: must be a whole number", env, v))
		} else {
			*p = n
		}
	}
	fs.IntVar(p, name, *p, usage+" (env "+env+")")
}

// list binds a comma-separated list flag seeded from the environment; the
// flag, which may repeat, replaces the environment's list.
func list(fs *flag.FlagSet, getenv envOf, p *[]string, name, env, usage string) {
	split := func(v string) []string {
		var out []string
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		return out
	}
	*p = split(getenv(env))
	fromFlag := false
	fs.Func(name, usage+" (env "+env+")", func(v string) error {
		if !fromFlag {
			*p, fromFlag = nil, true
		}
		*p = append(*p, split(v)...)
		return nil
	})
}

// duration binds a duration flag seeded from the environment.
func duration(fs *flag.FlagSet, getenv envOf, cfg *Config, p *time.Duration, name, env, usage string) {
	if v := getenv(env); v != "" {
		if d, err := time.ParseDuration(v); err != nil {
			cfg.envErrs = append(cfg.envErrs, fmt.Errorf("%s %q: must be a duration such as 30s or 2m", env, v))
		} else {
			*p = d
		}
	}
	fs.DurationVar(p, name, *p, usage+" (env "+env+")")
}

// validate checks the configuration and says what is wrong with it.
func (c *Config) validate() error {
	errs := slices.Clone(c.envErrs)
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: must be host:port, e.g. 127.0.0.1:8080", c.Addr))
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			errs = append(errs, fmt.Errorf("--debug-addr %q: must be host:port, e.g. 127.0.0.1:6060", c.DebugAddr))
		}
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir: must not be empty when no --database-url is given"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("DATABASE_URL: must start with postgres:// or postgresql://"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: must be text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout: must be positive"))
	}
	if c.Heartbeat < 100*time.Millisecond {
		errs = append(errs, errors.New("--heartbeat: must be at least 100ms"))
	}
	if c.GCHeapFloorMiB < 0 {
		errs = append(errs, errors.New("--gc-heap-floor-mib: must not be negative"))
	}
	if c.JobTimeout < time.Second {
		errs = append(errs, errors.New("--job-timeout: must be at least 1s"))
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("--public-url %q: must start with http:// or https://", c.PublicURL))
	}
	if _, err := c.mailer(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.llm(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// llm is the configured LLM client, or nil when none is configured.
func (c *Config) llm() (*agent.LLM, error) {
	if c.LLMBaseURL == "" {
		if c.LLMModel != "" {
			return nil, errors.New("--llm-model: set but --llm-base-url is empty")
		}
		return nil, nil
	}
	if c.LLMTimeout < time.Second {
		return nil, errors.New("--llm-timeout: must be at least 1s")
	}
	llm, err := agent.NewLLM(agent.LLMConfig{BaseURL: c.LLMBaseURL, Model: c.LLMModel, APIKey: c.LLMAPIKey, Timeout: c.LLMTimeout})
	if err != nil {
		return nil, fmt.Errorf("--llm-base-url/--llm-model: %w", err)
	}
	return llm, nil
}

// mailer is the configured SMTP sender, or nil when none is configured.
func (c *Config) mailer() (*mail.Sender, error) {
	if c.SMTPURL == "" {
		if c.SMTPFrom != "" {
			return nil, errors.New("--smtp-from: set but --smtp-url is empty")
		}
		return nil, nil
	}
	from := c.SMTPFrom
	if from == "" {
		from = "parley@localhost" // still check the URL, and say both
	}
	s, err := mail.New(c.SMTPURL, from)
	if err != nil {
		err = fmt.Errorf("--smtp-url/--smtp-from: %w", err)
	}
	if c.SMTPFrom == "" {
		err = errors.Join(errors.New("--smtp-from: required with --smtp-url"), err)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: must be debug, info, warn or error", s)
	}
	return l, nil
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// publicURL is the configured public URL, or http://<listen address>.
func (c *Config) publicURL(listening net.Addr) string {
	if c.PublicURL != "" {
		return strings.TrimSuffix(c.PublicURL, "/")
	}
	return "http://" + listening.String()
}
