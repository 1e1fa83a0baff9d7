package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreateWorkspace inserts a workspace; KindConflict when the slug is taken.
func (s *Store) CreateWorkspace(ctx context.Context, w domain.Workspace) (domain.Workspace, error) {
	row, err := s.q.CreateWorkspace(ctx, s.conn(ctx), db.CreateWorkspaceParams{
		ID: w.ID, Slug: w.Slug, Name: w.Name, PublicKey: w.PublicKey, WebhookSecret: w.WebhookSecret,
	})
	if err != nil {
		return domain.Workspace{}, interpretError(err, "workspace", w.Slug)
	}
	return workspaceFromRow(row), nil
}

// WorkspaceBySlug returns the workspace with the slug; KindNotFound if none.
func (s *Store) WorkspaceBySlug(ctx context.Context, slug string) (domain.Workspace, error) {
	row, err := s.q.GetWorkspaceBySlug(ctx, s.conn(ctx), slug)
	if err != nil {
		return domain.Workspace{}, interpretError(err, "workspace", slug)
	}
	return workspaceFromRow(row), nil
}

// WorkspaceByPublicKey returns the workspace a widget key belongs to;
// KindNotFound if none.
func (s *Store) WorkspaceByPublicKey(ctx context.Context, key string) (domain.Workspace, error) {
	row, err := s.q.GetWorkspaceByPublicKey(ctx, s.conn(ctx), key)
	if err != nil {
		return domain.Workspace{}, interpretError(err, "workspace with public key", key)
	}
	return workspaceFromRow(row), nil
}

// Workspace returns the workspace; KindNotFound if none.
func (s *Store) Workspace(ctx context.Context, id uuid.UUID) (domain.Workspace, error) {
	row, err := s.q.GetWorkspace(ctx, s.conn(ctx), id)
	if err != nil {
		return domain.Workspace{}, interpretError(err, "workspace", id.String())
	}
	return workspaceFromRow(row), nil
}

func workspaceFromRow(r db.Workspace) domain.Workspace {
	return domain.Workspace{
		ID: r.ID, Slug: r.Slug, Name: r.Name, PublicKey: r.PublicKey,
		WebhookSecret: r.WebhookSecret, CreatedAt: r.CreatedAt,
	}
}
