package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/parleyhq/parley/server/internal/domain"
)

func match(title, passage string, matched, terms int) domain.ArticleMatch {
	return domain.ArticleMatch{Article: domain.Article{Title: title, Body: passage}, Passage: passage, MatchedTerms: matched, QueryTerms: terms}
}

func TestBuiltinAnswersOnlyWhenTheMatchIsGoodEnough(t *testing.T) {
	refund := match("Refund policy", "You can return any item within 30 days.", 2, 3)
	shipping := match("Shipping times", "Orders ship within two days.", 1, 3)
	cases := []struct {
		name       string
		articles   []domain.ArticleMatch
		want       []string
		offerHuman bool
	}{
		{"half the words or more: the passage and its title", []domain.ArticleMatch{refund, shipping}, []string{"You can return any item within 30 days.", "“Refund policy”"}, false},
		{"fewer than half: a clarifying question naming the candidates", []domain.ArticleMatch{shipping, match("Refund policy", "x", 1, 3)},
			[]string{"not sure", "“Shipping times” or “Refund policy”"}, true},
		{"nothing: says so and offers a person", nil, []string{"couldn't find"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Builtin{}.Answer(context.Background(), Question{Text: "q", Articles: c.articles}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(got.Text, w) {
					t.Errorf("answer %q lacks %q", got.Text, w)
				}
			}
			if got.OfferHuman != c.offerHuman {
				t.Errorf("OfferHuman = %v, want %v", got.OfferHuman, c.offerHuman)
			}
		})
	}
}

func TestConfident(t *testing.T) {
	for _, c := range []struct {
		matched, terms int
		want           bool
	}{{1, 1, true}, {1, 2, true}, {1, 3, false}, {2, 3, true}, {2, 5, false}, {0, 0, false}} {
		if got := confident(c.matched, c.terms); got != c.want {
			t.Errorf("confident(%d of %d) = %v, want %v", c.matched, c.terms, got, c.want)
		}
	}
}
