-- name: UpsertArticle :one
INSERT INTO articles (workspace_id, id, title, body, language, tags)
VALUES (@workspace_id, @id, @title, @body, CAST(@language::text AS regconfig), @tags)
ON CONFLICT (workspace_id, id) DO UPDATE SET
    title = excluded.title, body = excluded.body, language = excluded.language,
    tags = excluded.tags, updated_at = now()
RETURNING id, title, body, language::text AS language, tags, created_at, updated_at;

-- name: GetArticle :one
SELECT id, title, body, language::text AS language, tags, created_at, updated_at
FROM articles WHERE workspace_id = @workspace_id AND id = @id;

-- name: ListArticles :many
-- Newest first; the page continues after (after_created, after_id).
SELECT id, title, body, language::text AS language, tags, created_at, updated_at
FROM articles
WHERE workspace_id = @workspace_id
  AND (sqlc.narg('after_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('after_created')::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @page_limit;

-- name: DeleteArticle :execrows
DELETE FROM articles WHERE workspace_id = @workspace_id AND id = @id;

-- name: SearchArticles :many
-- Ranks articles by how well they match a question, parsed in each
-- article's own language: any word of the question may match (a question
-- is not a list of required keywords), title words weigh more than body
-- words, and articles matching more of the words rank higher. Returns the
-- best passage of the body too, and how many of the question's distinct
-- words (after stemming and stop words) the article has.
SELECT a.id, a.title, a.body, a.language::text AS language, a.tags, a.created_at, a.updated_at,
       ts_rank_cd(a.search, q.query)::float8 AS rank,
       ts_headline(a.language, a.body, q.query,
                   'StartSel="", StopSel="", MaxWords=60, MinWords=20, MaxFragments=1, FragmentDelimiter=" … "')::text AS passage,
       (SELECT count(*) FROM unnest(q.terms) t(lexeme) WHERE t.lexeme = ANY (tsvector_to_array(a.search)))::int AS matched_terms,
       cardinality(q.terms)::int AS query_terms
FROM articles a
CROSS JOIN LATERAL (SELECT replace(plainto_tsquery(a.language, @query::text)::text, ' & ', ' | ')::tsquery AS query,
                           tsvector_to_array(to_tsvector(a.language, @query::text)) AS terms) q
WHERE a.workspace_id = @workspace_id AND a.search @@ q.query
ORDER BY rank DESC, a.updated_at DESC, a.id
LIMIT @page_limit;
