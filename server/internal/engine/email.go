package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/outbound"
	"github.com/parleyhq/parley/server/internal/mail"
)

// emailArgs is the job that emails one operator a notification. It is
// inserted in the transaction that records the notification step, so the
// email is sent exactly when the step happened: at least once, with a
// Message-ID that is the same on every attempt.
type emailArgs struct {
	WorkspaceID uuid.UUID `json:"workspace_id"`
	RunID       uuid.UUID `json:"run_id"`
	To          string    `json:"to"`
	Subject     string    `json:"subject"`
	Body        string    `json:"body"`
	MessageID   string    `json:"message_id"`
}

func (emailArgs) Kind() string { return "parley_notification_email" }

// emailAttempts bounds the tries of one email; with the retry backoff
// capped at 5 minutes they span about half an hour.
const emailAttempts = 12

func (emailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: emailAttempts} }

type emailWorker struct {
	river.WorkerDefaults[emailArgs]
	e *Engine
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[emailArgs]) error {
	a := job.Args
	err := w.e.opts.Mail.Send(ctx, mail.Message{To: a.To, Subject: a.Subject, Body: a.Body, ID: a.MessageID})
	var me *mail.Error
	if errors.As(err, &me) && me.Permanent {
		w.e.log.Warn("notification email refused", "run", domain.PrefixRun.Format(a.RunID), "to", a.To, "err", err)
		return river.JobCancel(err)
	}
	return err
}

func (w *emailWorker) NextRetry(job *river.Job[emailArgs]) time.Time {
	return time.Now().Add(outbound.Backoff(job.Attempt, w.e.opts.RetryBase, 5*time.Minute))
}

// emailOperators queues the notification's email to each operator that has
// an address, recording who it went to.
func (x *execution) emailOperators(ctx context.Context, o *outcome, ops []domain.Operator, title, body string) error {
	if x.e.opts.Mail == nil {
		o.set("email", "not sent: SMTP is not configured (--smtp-url)")
		return nil
	}
	subject := title
	if subject == "" {
		subject = "Parley notification"
	}
	text := fmt.Sprintf("%s\n\n--\nConversation %s, workflow run %s.\n", body,
		domain.PrefixSession.Format(x.sess.ID), domain.PrefixRun.Format(x.run.ID))
	var sent []any
	for _, op := range ops {
		if op.Email == "" {
			continue
		}
		err := x.e.queue.Enqueue(ctx, emailArgs{
			WorkspaceID: x.run.WorkspaceID, RunID: x.run.ID, To: op.Email, Subject: subject, Body: text,
			MessageID: fmt.Sprintf("%s.%d.%s", domain.PrefixRun.Format(x.run.ID), x.run.StepCount, op.ID),
		}, nil)
		if err != nil {
			return err
		}
		sent = append(sent, op.Email)
	}
	o.set("emailed", sent)
	return nil
}
