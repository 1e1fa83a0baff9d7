package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreatePersona inserts a persona.
func (s *Store) CreatePersona(ctx context.Context, p domain.Persona) (domain.Persona, error) {
	row, err := s.q.CreatePersona(ctx, s.conn(ctx), db.CreatePersonaParams{
		WorkspaceID: p.WorkspaceID, ID: p.ID, Name: p.Name, Instructions: p.Instructions, Tone: p.Tone,
	})
	return personaFromRow(row), interpretError(err, "persona", domain.PrefixPersona.Format(p.ID))
}

// Persona returns a persona of the workspace; KindNotFound if none.
func (s *Store) Persona(ctx context.Context, workspaceID, id uuid.UUID) (domain.Persona, error) {
	row, err := s.q.GetPersona(ctx, s.conn(ctx), db.GetPersonaParams{WorkspaceID: workspaceID, ID: id})
	return personaFromRow(row), interpretError(err, "persona", domain.PrefixPersona.Format(id))
}

// UpdatePersona replaces a persona's name, instructions and tone.
func (s *Store) UpdatePersona(ctx context.Context, p domain.Persona) (domain.Persona, error) {
	row, err := s.q.UpdatePersona(ctx, s.conn(ctx), db.UpdatePersonaParams{
		WorkspaceID: p.WorkspaceID, ID: p.ID, Name: p.Name, Instructions: p.Instructions, Tone: p.Tone,
	})
	return personaFromRow(row), interpretError(err, "persona", domain.PrefixPersona.Format(p.ID))
}

// Personas lists the workspace's personas by name.
func (s *Store) Personas(ctx context.Context, workspaceID uuid.UUID) ([]domain.Persona, error) {
	rows, err := s.q.ListPersonas(ctx, s.conn(ctx), workspaceID)
	out := make([]domain.Persona, len(rows))
	for i, r := range rows {
		out[i] = personaFromRow(r)
	}
	return out, err
}

// DeletePersona removes a persona; KindFailedPrecondition while sessions
// are assigned to it.
func (s *Store) DeletePersona(ctx context.Context, workspaceID, id uuid.UUID) error {
	n, err := s.q.DeletePersona(ctx, s.conn(ctx), db.DeletePersonaParams{WorkspaceID: workspaceID, ID: id})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return domain.Errorf(domain.KindFailedPrecondition, "persona %s is assigned to sessions: assign them elsewhere first", domain.PrefixPersona.Format(id))
	}
	return deleted(n, err, "persona", domain.PrefixPersona.Format(id))
}

func personaFromRow(r db.Persona) domain.Persona {
	return domain.Persona{
		WorkspaceID: r.WorkspaceID, ID: r.ID, Name: r.Name, Instructions: r.Instructions, Tone: r.Tone,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// UpsertArticle creates the article or replaces the one with its id.
func (s *Store) UpsertArticle(ctx context.Context, workspaceID uuid.UUID, a domain.Article) (domain.Article, error) {
	row, err := s.q.UpsertArticle(ctx, s.conn(ctx), db.UpsertArticleParams{
		WorkspaceID: workspaceID, ID: a.ID, Title: a.Title, Body: a.Body, Language: a.Language, Tags: nonNil(a.Tags),
	})
	return articleOf(row.ID, row.Title, row.Body, row.Language, row.Tags, row.CreatedAt, row.UpdatedAt),
		interpretError(err, "article", domain.PrefixArticle.Format(a.ID))
}

// Article returns an article of the workspace; KindNotFound if none.
func (s *Store) Article(ctx context.Context, workspaceID, id uuid.UUID) (domain.Article, error) {
	row, err := s.q.GetArticle(ctx, s.conn(ctx), db.GetArticleParams{WorkspaceID: workspaceID, ID: id})
	return articleOf(row.ID, row.Title, row.Body, row.Language, row.Tags, row.CreatedAt, row.UpdatedAt),
		interpretError(err, "article", domain.PrefixArticle.Format(id))
}

// Articles returns a page of articles, newest first, after (created, id).
func (s *Store) Articles(ctx context.Context, workspaceID uuid.UUID, afterCreated *time.Time, afterID uuid.UUID, limit int) ([]domain.Article, error) {
	rows, err := s.q.ListArticles(ctx, s.conn(ctx), db.ListArticlesParams{
		WorkspaceID: workspaceID, AfterCreated: afterCreated, AfterID: afterID, PageLimit: int32(limit),
	})
	out := make([]domain.Article, len(rows))
	for i, r := range rows {
		out[i] = articleOf(r.ID, r.Title, r.Body, r.Language, r.Tags, r.CreatedAt, r.UpdatedAt)
	}
	return out, err
}

// DeleteArticle removes an article; KindNotFound if none.
func (s *Store) DeleteArticle(ctx context.Context, workspaceID, id uuid.UUID) error {
	n, err := s.q.DeleteArticle(ctx, s.conn(ctx), db.DeleteArticleParams{WorkspaceID: workspaceID, ID: id})
	return deleted(n, err, "article", domain.PrefixArticle.Format(id))
}

// SearchArticles returns up to limit articles matching query, best first.
func (s *Store) SearchArticles(ctx context.Context, workspaceID uuid.UUID, query string, limit int) ([]domain.ArticleMatch, error) {
	rows, err := s.q.SearchArticles(ctx, s.conn(ctx), db.SearchArticlesParams{WorkspaceID: workspaceID, Query: query, PageLimit: int32(limit)})
	out := make([]domain.ArticleMatch, len(rows))
	for i, r := range rows {
		out[i] = domain.ArticleMatch{
			Article: articleOf(r.ID, r.Title, r.Body, r.Language, r.Tags, r.CreatedAt, r.UpdatedAt),
			Rank:    r.Rank, Passage: r.Passage, MatchedTerms: int(r.MatchedTerms), QueryTerms: int(r.QueryTerms),
		}
	}
	return out, err
}

// articleOf builds an article from the columns every article query selects.
func articleOf(id uuid.UUID, title, body, language string, tags []string, created, updated time.Time) domain.Article {
	return domain.Article{ID: id, Title: title, Body: body, Language: language, Tags: tags, CreatedAt: created, UpdatedAt: updated}
}
