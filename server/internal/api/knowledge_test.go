package api_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

func (b *testBundle) agentClient(token string) agentv1connect.AgentServiceClient {
	return agentv1connect.NewAgentServiceClient(b.h2c, b.url, bearer(token))
}

func TestPersonasLifecycleAndAssignment(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	a := b.agentClient(b.all)
	created, err := a.CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Nova", Instructions: "Be brief.", Tone: "friendly"}))
	if err != nil {
		t.Fatal(err)
	}
	p := created.Msg.GetPersona()
	updated, err := a.UpdatePersona(ctx, connect.NewRequest(&agentv1.UpdatePersonaRequest{PersonaId: p.GetId(), Name: "Nova", Instructions: "Be very brief.", Tone: "formal"}))
	if err != nil {
		t.Fatal(err)
	}
	if updated.Msg.GetPersona().GetTone() != "formal" || updated.Msg.GetPersona().GetInstructions() != "Be very brief." {
		t.Errorf("updated persona: %v", updated.Msg.GetPersona())
	}
	if _, err := a.CreatePersona(ctx, connect.NewRequest(&agentv1.CreatePersonaRequest{Name: "Atlas"})); err != nil {
		t.Fatal(err)
	}
	list, err := a.ListPersonas(ctx, connect.NewRequest(&agentv1.ListPersonasRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetPersonas()); n != 2 || list.Msg.GetPersonas()[0].GetName() != "Atlas" {
		t.Errorf("personas by name: %v", list.Msg.GetPersonas())
	}

	// Assigned to a session, the persona cannot be deleted until unassigned.
	s := b.sessionClient(b.all)
	sess, err := s.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	id := sess.Msg.GetSession().GetId()
	_, err = s.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: id, Target: &sessionv1.AssignRequest_PersonaId{PersonaId: "persona_00000000-0000-4000-8000-000000000000"}}))
	wantCode(t, err, connect.CodeNotFound)
	if _, err := s.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: id, Target: &sessionv1.AssignRequest_PersonaId{PersonaId: p.GetId()}})); err != nil {
		t.Fatal(err)
	}
	_, err = a.DeletePersona(ctx, connect.NewRequest(&agentv1.DeletePersonaRequest{PersonaId: p.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition)
	if _, err := s.Assign(ctx, connect.NewRequest(&sessionv1.AssignRequest{SessionId: id, Target: &sessionv1.AssignRequest_Unassign{Unassign: true}})); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DeletePersona(ctx, connect.NewRequest(&agentv1.DeletePersonaRequest{PersonaId: p.GetId()})); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetPersona(ctx, connect.NewRequest(&agentv1.GetPersonaRequest{PersonaId: p.GetId()}))
	wantCode(t, err, connect.CodeNotFound)
	_, err = a.DeletePersona(ctx, connect.NewRequest(&agentv1.DeletePersonaRequest{PersonaId: p.GetId()}))
	wantCode(t, err, connect.CodeNotFound)
}

// corpus is a small help centre: the search must rank the right article
// first for each question below.
var corpus = []*agentv1.UpsertArticleRequest{
	{Title: "Resetting your password", Body: "If you forgot your password, click 'Forgot password' on the sign-in page. We email you a link to choose a new password; the link expires after one hour."},
	{Title: "Refund policy", Body: "We refund any annual plan within 30 days of purchase. Monthly plans are not refunded, but you can cancel anytime and keep access until the end of the billing period."},
	{Title: "Shipping times", Body: "Orders ship within two business days. Delivery takes three to five days in Europe and up to ten days elsewhere. You receive a tracking number by email once the parcel leaves our warehouse."},
	{Title: "Changing your billing address", Body: "Go to Settings, then Billing, and edit the address printed on your invoices. Past invoices keep the old address."},
	{Title: "Exporting your data", Body: "Owners can export every conversation as CSV or JSON from Settings > Data. Large exports are emailed as a download link."},
	{Title: "Livraison et délais", Body: "Les commandes sont expédiées sous deux jours ouvrés. La livraison prend de trois à cinq jours en France.", Language: "french"},
}

func TestKnowledgeBaseSearchRanksTheRightArticleFirst(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	a := b.agentClient(b.all)
	ids := map[string]string{}
	for _, req := range corpus {
		res, err := a.UpsertArticle(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatalf("upsert %q: %v", req.GetTitle(), err)
		}
		ids[req.GetTitle()] = res.Msg.GetArticle().GetId()
	}
	cases := []struct{ query, want string }{
		{"I forgot my password", "Resetting your password"},
		{"how do I get a new password link", "Resetting your password"},
		{"can I get a refund for my annual subscription", "Refund policy"},
		{"when will my order be delivered", "Shipping times"},
		{"where is my tracking number", "Shipping times"},
		{"change the address on my invoice", "Changing your billing address"},
		{"export conversations to CSV", "Exporting your data"},
		{"quand ma commande sera-t-elle livrée", "Livraison et délais"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res, err := a.SearchArticles(ctx, connect.NewRequest(&agentv1.SearchArticlesRequest{Query: c.query}))
			if err != nil {
				t.Fatal(err)
			}
			m := res.Msg.GetMatches()
			if len(m) == 0 || m[0].GetArticle().GetId() != ids[c.want] {
				var got []string
				for _, x := range m {
					got = append(got, x.GetArticle().GetTitle())
				}
				t.Fatalf("ranked %q, want %q first", got, c.want)
			}
			if m[0].GetPassage() == "" || !strings.Contains(corpusBody(c.want), strings.Trim(strings.SplitN(m[0].GetPassage(), " … ", 2)[0], " ")) {
				t.Errorf("passage %q is not from the article", m[0].GetPassage())
			}
			for i := 1; i < len(m); i++ {
				if m[i].GetRank() > m[i-1].GetRank() {
					t.Errorf("matches out of rank order: %v", m)
				}
			}
		})
	}
	t.Run("nothing relevant", func(t *testing.T) {
		res, err := a.SearchArticles(ctx, connect.NewRequest(&agentv1.SearchArticlesRequest{Query: "quantum chromodynamics"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Msg.GetMatches()) != 0 {
			t.Errorf("matched %v", res.Msg.GetMatches())
		}
	})
}

func corpusBody(title string) string {
	for _, a := range corpus {
		if a.GetTitle() == title {
			return a.GetBody()
		}
	}
	return ""
}

func TestArticlesUpsertListAndDelete(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	a := b.agentClient(b.all)
	first, err := a.UpsertArticle(ctx, connect.NewRequest(&agentv1.UpsertArticleRequest{Title: "Draft", Body: "Old text", Tags: []string{"faq"}}))
	if err != nil {
		t.Fatal(err)
	}
	art := first.Msg.GetArticle()
	if art.GetLanguage() != "english" {
		t.Errorf("default language %q", art.GetLanguage())
	}
	replaced, err := a.UpsertArticle(ctx, connect.NewRequest(&agentv1.UpsertArticleRequest{ArticleId: art.GetId(), Title: "Final", Body: "New text about invoices", Language: "simple"}))
	if err != nil {
		t.Fatal(err)
	}
	if r := replaced.Msg.GetArticle(); r.GetId() != art.GetId() || r.GetTitle() != "Final" || r.GetLanguage() != "simple" || len(r.GetTags()) != 0 {
		t.Errorf("replaced article: %v", r)
	}
	// The search index follows the replacement.
	res, err := a.SearchArticles(ctx, connect.NewRequest(&agentv1.SearchArticlesRequest{Query: "invoices"}))
	if err != nil || len(res.Msg.GetMatches()) != 1 {
		t.Fatalf("search after replace: %v %v", res, err)
	}
	for i := range 4 {
		if _, err := a.UpsertArticle(ctx, connect.NewRequest(&agentv1.UpsertArticleRequest{Title: "A" + string(rune('0'+i)), Body: "x"})); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	token := ""
	for pages := 0; ; pages++ {
		page, err := a.ListArticles(ctx, connect.NewRequest(&agentv1.ListArticlesRequest{PageSize: 2, PageToken: token}))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Msg.GetArticles() {
			if seen[x.GetId()] {
				t.Fatalf("article %s listed twice", x.GetId())
			}
			seen[x.GetId()] = true
		}
		if token = page.Msg.GetNextPageToken(); token == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 5 {
		t.Errorf("listed %d articles, want 5", len(seen))
	}
	if _, err := a.DeleteArticle(ctx, connect.NewRequest(&agentv1.DeleteArticleRequest{ArticleId: art.GetId()})); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetArticle(ctx, connect.NewRequest(&agentv1.GetArticleRequest{ArticleId: art.GetId()}))
	wantCode(t, err, connect.CodeNotFound)
	_, err = a.UpsertArticle(ctx, connect.NewRequest(&agentv1.UpsertArticleRequest{Title: "x", Body: "y", Language: "klingon"}))
	wantField(t, err, connect.CodeInvalidArgument, "language")
}
