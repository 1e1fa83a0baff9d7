package agent

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// Service manages personas and the knowledge base.
type Service struct {
	store *store.Store
}

// NewService returns a Service on st.
func NewService(st *store.Store) *Service { return &Service{store: st} }

// DefaultLanguage is the text-search configuration of articles that name
// none.
const DefaultLanguage = "english"

// CreatePersona adds a persona to the workspace.
func (s *Service) CreatePersona(ctx context.Context, workspaceID uuid.UUID, name, instructions, tone string) (domain.Persona, error) {
	return s.store.CreatePersona(ctx, domain.Persona{
		WorkspaceID: workspaceID, ID: domain.NewID(), Name: name, Instructions: instructions, Tone: tone,
	})
}

// UpdatePersona replaces a persona's settings.
func (s *Service) UpdatePersona(ctx context.Context, p domain.Persona) (domain.Persona, error) {
	return s.store.UpdatePersona(ctx, p)
}

// Persona returns a persona of the workspace.
func (s *Service) Persona(ctx context.Context, workspaceID, id uuid.UUID) (domain.Persona, error) {
	return s.store.Persona(ctx, workspaceID, id)
}

// Personas lists the workspace's personas by name.
func (s *Service) Personas(ctx context.Context, workspaceID uuid.UUID) ([]domain.Persona, error) {
	return s.store.Personas(ctx, workspaceID)
}

// DeletePersona removes a persona no session is assigned to.
func (s *Service) DeletePersona(ctx context.Context, workspaceID, id uuid.UUID) error {
	return s.store.DeletePersona(ctx, workspaceID, id)
}

// UpsertArticle creates an article (a.ID nil) or replaces the one with a.ID.
func (s *Service) UpsertArticle(ctx context.Context, workspaceID uuid.UUID, a domain.Article) (domain.Article, error) {
	if a.ID == uuid.Nil {
		a.ID = domain.NewID()
	}
	if a.Language == "" {
		a.Language = DefaultLanguage
	}
	return s.store.UpsertArticle(ctx, workspaceID, a)
}

// Article returns an article of the workspace.
func (s *Service) Article(ctx context.Context, workspaceID, id uuid.UUID) (domain.Article, error) {
	return s.store.Article(ctx, workspaceID, id)
}

// Articles returns a page of articles, newest first.
func (s *Service) Articles(ctx context.Context, workspaceID uuid.UUID, afterCreated *time.Time, afterID uuid.UUID, limit int) ([]domain.Article, error) {
	return s.store.Articles(ctx, workspaceID, afterCreated, afterID, limit)
}

// DeleteArticle removes an article.
func (s *Service) DeleteArticle(ctx context.Context, workspaceID, id uuid.UUID) error {
	return s.store.DeleteArticle(ctx, workspaceID, id)
}

// Search returns up to limit articles matching a question, best first:
// any of its words may match, in each article's language (stemmed, stop
// words dropped), and articles matching more of them, or in their title,
// rank higher. A question of only stop words matches nothing.
func (s *Service) Search(ctx context.Context, workspaceID uuid.UUID, query string, limit int) ([]domain.ArticleMatch, error) {
	if strings.TrimSpace(query) == "" {
		return nil, domain.Invalid("query", "must not be blank")
	}
	return s.store.SearchArticles(ctx, workspaceID, query, limit)
}
