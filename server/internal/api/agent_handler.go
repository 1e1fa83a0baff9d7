package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
)

// AgentHandler serves parley.agent.v1.AgentService: personas, the
// knowledge base, and starting and pausing the agent on a session.
type AgentHandler struct {
	agentv1connect.UnimplementedAgentServiceHandler
	agent    *agent.Service
	sessions *session.Service
}

func (h *AgentHandler) CreatePersona(ctx context.Context, req *connect.Request[agentv1.CreatePersonaRequest]) (*connect.Response[agentv1.CreatePersonaResponse], error) {
	p := domain.PrincipalFrom(ctx)
	out, err := h.agent.CreatePersona(ctx, p.WorkspaceID, req.Msg.GetName(), req.Msg.GetInstructions(), req.Msg.GetTone())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.CreatePersonaResponse{Persona: personaToProto(out)}), nil
}

func (h *AgentHandler) UpdatePersona(ctx context.Context, req *connect.Request[agentv1.UpdatePersonaRequest]) (*connect.Response[agentv1.UpdatePersonaResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixPersona.Parse("persona_id", req.Msg.GetPersonaId())
	if err != nil {
		return nil, err
	}
	out, err := h.agent.UpdatePersona(ctx, domain.Persona{
		WorkspaceID: p.WorkspaceID, ID: id, Name: req.Msg.GetName(), Instructions: req.Msg.GetInstructions(), Tone: req.Msg.GetTone(),
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.UpdatePersonaResponse{Persona: personaToProto(out)}), nil
}

func (h *AgentHandler) GetPersona(ctx context.Context, req *connect.Request[agentv1.GetPersonaRequest]) (*connect.Response[agentv1.GetPersonaResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixPersona.Parse("persona_id", req.Msg.GetPersonaId())
	if err != nil {
		return nil, err
	}
	out, err := h.agent.Persona(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.GetPersonaResponse{Persona: personaToProto(out)}), nil
}

func (h *AgentHandler) ListPersonas(ctx context.Context, _ *connect.Request[agentv1.ListPersonasRequest]) (*connect.Response[agentv1.ListPersonasResponse], error) {
	p := domain.PrincipalFrom(ctx)
	list, err := h.agent.Personas(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	res := &agentv1.ListPersonasResponse{}
	for _, ps := range list {
		res.Personas = append(res.Personas, personaToProto(ps))
	}
	return connect.NewResponse(res), nil
}

func (h *AgentHandler) DeletePersona(ctx context.Context, req *connect.Request[agentv1.DeletePersonaRequest]) (*connect.Response[agentv1.DeletePersonaResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixPersona.Parse("persona_id", req.Msg.GetPersonaId())
	if err != nil {
		return nil, err
	}
	if err := h.agent.DeletePersona(ctx, p.WorkspaceID, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.DeletePersonaResponse{}), nil
}

func (h *AgentHandler) UpsertArticle(ctx context.Context, req *connect.Request[agentv1.UpsertArticleRequest]) (*connect.Response[agentv1.UpsertArticleResponse], error) {
	p := domain.PrincipalFrom(ctx)
	a := domain.Article{Title: req.Msg.GetTitle(), Body: req.Msg.GetBody(), Language: req.Msg.GetLanguage(), Tags: req.Msg.GetTags()}
	if raw := req.Msg.GetArticleId(); raw != "" {
		id, err := domain.PrefixArticle.Parse("article_id", raw)
		if err != nil {
			return nil, err
		}
		a.ID = id
	}
	out, err := h.agent.UpsertArticle(ctx, p.WorkspaceID, a)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.UpsertArticleResponse{Article: articleToProto(out)}), nil
}

func (h *AgentHandler) GetArticle(ctx context.Context, req *connect.Request[agentv1.GetArticleRequest]) (*connect.Response[agentv1.GetArticleResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixArticle.Parse("article_id", req.Msg.GetArticleId())
	if err != nil {
		return nil, err
	}
	out, err := h.agent.Article(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.GetArticleResponse{Article: articleToProto(out)}), nil
}

// articlePage is the keyset position of ListArticles.
type articlePage struct {
	Created time.Time `json:"c"`
	ID      uuid.UUID `json:"i"`
}

func (h *AgentHandler) ListArticles(ctx context.Context, req *connect.Request[agentv1.ListArticlesRequest]) (*connect.Response[agentv1.ListArticlesResponse], error) {
	p := domain.PrincipalFrom(ctx)
	var (
		after   *time.Time
		afterID uuid.UUID
	)
	if t := req.Msg.GetPageToken(); t != "" {
		var pos articlePage
		if err := decodePageToken(t, &pos); err != nil {
			return nil, err
		}
		after, afterID = &pos.Created, pos.ID
	}
	limit := pageSize(req.Msg.GetPageSize())
	list, err := h.agent.Articles(ctx, p.WorkspaceID, after, afterID, limit+1)
	if err != nil {
		return nil, err
	}
	res := &agentv1.ListArticlesResponse{}
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		res.NextPageToken = encodePageToken(articlePage{Created: last.CreatedAt, ID: last.ID})
	}
	for _, a := range list {
		res.Articles = append(res.Articles, articleToProto(a))
	}
	return connect.NewResponse(res), nil
}

func (h *AgentHandler) DeleteArticle(ctx context.Context, req *connect.Request[agentv1.DeleteArticleRequest]) (*connect.Response[agentv1.DeleteArticleResponse], error) {
	p := domain.PrincipalFrom(ctx)
	id, err := domain.PrefixArticle.Parse("article_id", req.Msg.GetArticleId())
	if err != nil {
		return nil, err
	}
	if err := h.agent.DeleteArticle(ctx, p.WorkspaceID, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&agentv1.DeleteArticleResponse{}), nil
}

func (h *AgentHandler) SearchArticles(ctx context.Context, req *connect.Request[agentv1.SearchArticlesRequest]) (*connect.Response[agentv1.SearchArticlesResponse], error) {
	p := domain.PrincipalFrom(ctx)
	limit := int(req.Msg.GetLimit())
	if limit == 0 {
		limit = 5
	}
	matches, err := h.agent.Search(ctx, p.WorkspaceID, req.Msg.GetQuery(), limit)
	if err != nil {
		return nil, err
	}
	res := &agentv1.SearchArticlesResponse{}
	for _, m := range matches {
		res.Matches = append(res.Matches, &agentv1.ArticleMatch{Article: articleToProto(m.Article), Rank: m.Rank, Passage: m.Passage})
	}
	return connect.NewResponse(res), nil
}

func personaToProto(p domain.Persona) *agentv1.Persona {
	return &agentv1.Persona{
		Id: domain.PrefixPersona.Format(p.ID), Name: p.Name, Instructions: p.Instructions, Tone: p.Tone,
		CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt),
	}
}

func articleToProto(a domain.Article) *agentv1.Article {
	return &agentv1.Article{
		Id: domain.PrefixArticle.Format(a.ID), Title: a.Title, Body: a.Body, Language: a.Language, Tags: a.Tags,
		CreatedAt: timestamppb.New(a.CreatedAt), UpdatedAt: timestamppb.New(a.UpdatedAt),
	}
}
