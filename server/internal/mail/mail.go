// Package mail sends plain-text email through an SMTP relay.
//
// The relay is given as a URL: smtp://[user:password@]host[:port] uses
// STARTTLS whenever the server offers it (and net/smtp refuses to send
// credentials over an unencrypted connection to anything but localhost);
// smtps://... connects with TLS from the start (port 465 by default).
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Sender sends messages through one SMTP relay.
type Sender struct {
	scheme   string
	addr     string // host:port
	host     string
	auth     smtp.Auth
	from     mail.Address
	hostname string // our EHLO name and the domain of Message-IDs
	// TLS is the client TLS configuration; nil verifies the relay's
	// certificate against the system roots.
	TLS *tls.Config
}

// Message is one plain-text email to one recipient.
type Message struct {
	To      string
	Subject string
	Body    string
	// ID is the Message-ID without angle brackets and domain: the same
	// on every attempt to send the same notification, so a mailbox can
	// drop repeats.
	ID string
}

// New parses the relay URL and the sender address.
func New(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("SMTP URL: %w", err)
	}
	port := map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	if port == "" {
		return nil, fmt.Errorf("SMTP URL %q: scheme must be smtp or smtps", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL %q: has no host", u.Redacted())
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("SMTP URL %q: must not have a path", u.Redacted())
	}
	if u.Port() != "" {
		port = u.Port()
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("SMTP sender %q: %w", from, err)
	}
	s := &Sender{
		scheme: u.Scheme, addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname(),
		from: *addr, hostname: domainOf(addr.Address),
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pass, u.Hostname())
	}
	return s, nil
}

func domainOf(address string) string {
	if i := strings.LastIndexByte(address, '@'); i >= 0 {
		return address[i+1:]
	}
	return "localhost"
}

// Send delivers m, or says why the relay did not take it. Permanent
// reports whether trying again cannot help.
func (s *Sender) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return &Error{Permanent: true, Err: fmt.Errorf("recipient %q: %w", m.To, err)}
	}
	body, err := s.compose(to, m, time.Now())
	if err != nil {
		return &Error{Permanent: true, Err: err}
	}
	c, err := s.dial(ctx)
	if err != nil {
		return &Error{Err: err}
	}
	defer c.Close()
	if err := s.deliver(c, to.Address, body); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return classify(err)
	}
	return nil
}

func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	d := &net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP %s: %w", s.addr, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(2 * time.Minute)
	}
	_ = conn.SetDeadline(deadline)
	if s.scheme == "smtps" {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("SMTP %s: %w", s.addr, err)
	}
	return c, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.TLS != nil {
		return s.TLS
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

func (s *Sender) deliver(c *smtp.Client, to string, body []byte) error {
	if err := c.Hello(s.hostname); err != nil {
		return err
	}
	if s.scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return err
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			var reply *textproto.Error
			if !errors.As(err, &reply) {
				// net/smtp refuses to send the password in the clear
				// to a relay that is not on this machine.
				return &Error{Permanent: true, Err: fmt.Errorf("SMTP %s: %w", s.addr, err)}
			}
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose renders the message: UTF-8 plain text, quoted-printable, with
// header values stripped of line breaks so a templated subject cannot add
// headers.
func (s *Sender) compose(to *mail.Address, m Message, now time.Time) ([]byte, error) {
	if m.ID == "" {
		return nil, errors.New("message has no id")
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+oneLine(m.ID)+"@"+s.hostname+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// Error is a failed send.
type Error struct {
	// Permanent is true when the relay refused for good (5xx) or the
	// message is malformed: sending again cannot help.
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// classify marks 5xx replies permanent; 4xx replies and broken connections
// are worth another attempt.
func classify(err error) error {
	var reply *textproto.Error
	permanent := errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600
	return &Error{Permanent: permanent, Err: err}
}
