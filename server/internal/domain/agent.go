package domain

import (
	"time"

	"github.com/google/uuid"
)

// Persona is a voice the AI agent answers in.
type Persona struct {
	WorkspaceID              uuid.UUID
	ID                       uuid.UUID
	Name, Instructions, Tone string
	CreatedAt, UpdatedAt     time.Time
}

// Article is a knowledge-base article.
type Article struct {
	ID          uuid.UUID
	Title, Body string
	// Language is a PostgreSQL text-search configuration, e.g. "english".
	Language             string
	Tags                 []string
	CreatedAt, UpdatedAt time.Time
}

// ArticleMatch is an article found by a search, with its rank (higher is
// better) and its most relevant passage.
type ArticleMatch struct {
	Article Article
	Rank    float64
	Passage string
	// MatchedTerms of the question's QueryTerms distinct words (stemmed,
	// stop words dropped) occur in the article.
	MatchedTerms, QueryTerms int
}
