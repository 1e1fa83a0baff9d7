package store

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// CreateAPIToken stores a token by the hash of its secret. Storing the same
// secret twice is not an error: the existing token is returned with created false,
// which makes registering a bootstrap token idempotent.
func (s *Store) CreateAPIToken(ctx context.Context, t domain.APIToken, secretHash []byte) (token domain.APIToken, created bool, err error) {
	row, err := s.q.CreateAPIToken(ctx, s.conn(ctx), db.CreateAPITokenParams{
		ID: t.ID, WorkspaceID: t.WorkspaceID, Name: t.Name, Prefix: t.Prefix,
		SecretHash: secretHash, Scopes: scopeStrings(t.Scopes),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		existing, err := s.APITokenBySecretHash(ctx, secretHash)
		return existing, false, err
	}
	if err != nil {
		return domain.APIToken{}, false, interpretError(err, "API token", t.Name)
	}
	return apiTokenFromRow(row), true, nil
}

// APITokenBySecretHash returns the token (revoked or not) whose secret hashes
// to h; KindNotFound if none.
func (s *Store) APITokenBySecretHash(ctx context.Context, h []byte) (domain.APIToken, error) {
	row, err := s.q.GetAPITokenBySecretHash(ctx, s.conn(ctx), h)
	if err != nil {
		return domain.APIToken{}, interpretError(err, "API token", "")
	}
	return apiTokenFromRow(row), nil
}

// APITokens lists a workspace's tokens, oldest first.
func (s *Store) APITokens(ctx context.Context, workspaceID uuid.UUID) ([]domain.APIToken, error) {
	rows, err := s.q.ListAPITokens(ctx, s.conn(ctx), workspaceID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.APIToken, len(rows))
	for i, r := range rows {
		out[i] = apiTokenFromRow(r)
	}
	return out, nil
}

// APITokensChannel is the notification channel on which revoking a token
// tells every replica, whose authenticators may hold it, its id.
const APITokensChannel = "parley_api_tokens"

// RevokeAPIToken revokes a token of the workspace (idempotent) and, when
// that commits, notifies APITokensChannel; KindNotFound if the workspace
// has no such token.
func (s *Store) RevokeAPIToken(ctx context.Context, workspaceID, id uuid.UUID) (domain.APIToken, error) {
	var row db.ApiToken
	err := s.InTx(ctx, func(ctx context.Context) error {
		var err error
		row, err = s.q.RevokeAPIToken(ctx, s.conn(ctx), db.RevokeAPITokenParams{WorkspaceID: workspaceID, ID: id})
		if err != nil {
			return interpretError(err, "API token", id.String())
		}
		return s.Notify(ctx, APITokensChannel, id.String())
	})
	if err != nil {
		return domain.APIToken{}, err
	}
	return apiTokenFromRow(row), nil
}

func apiTokenFromRow(r db.ApiToken) domain.APIToken {
	scopes := make([]domain.Scope, len(r.Scopes))
	for i, s := range r.Scopes {
		scopes[i] = domain.Scope(s)
	}
	return domain.APIToken{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Prefix: r.Prefix,
		Scopes: scopes, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt,
	}
}

func scopeStrings(scopes []domain.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}
