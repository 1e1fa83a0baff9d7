package agent

import (
	"context"
	"fmt"
	"strings"
)

// Builtin answers from the knowledge base alone, with no language model:
// the passage of the best-ranked article that matches the question well
// enough, with the article's title; otherwise a clarifying question naming
// the closest articles, or, when nothing matches, an offer of a person. It
// is deterministic, needs no configuration, and says where its answer
// comes from rather than pretending to write it.
type Builtin struct{}

// Name is "built-in".
func (Builtin) Name() string { return "built-in" }

// maxClarifyTitles bounds the articles a clarifying question names.
const maxClarifyTitles = 3

// Answer answers q from q.Articles; it never streams.
func (Builtin) Answer(_ context.Context, q Question, _ func(string) error) (Answer, error) {
	if len(q.Articles) == 0 {
		return Answer{
			Text:       "I couldn't find anything about that in our help articles. Could you put it another way? If you'd rather talk to a person, I can bring one in.",
			OfferHuman: true,
		}, nil
	}
	best := q.Articles[0]
	if confident(best.MatchedTerms, best.QueryTerms) {
		passage := strings.TrimSpace(best.Passage)
		if passage == "" {
			passage = strings.TrimSpace(best.Article.Body)
		}
		return Answer{Text: fmt.Sprintf("%s\n\nFrom our help article “%s”.", passage, best.Article.Title)}, nil
	}
	titles := make([]string, 0, maxClarifyTitles)
	for _, m := range q.Articles[:min(len(q.Articles), maxClarifyTitles)] {
		titles = append(titles, "“"+m.Article.Title+"”")
	}
	return Answer{
		Text:       fmt.Sprintf("I'm not sure I understood. Is your question about %s? Tell me a little more, or talk to a person.", orList(titles)),
		OfferHuman: true,
	}, nil
}

// confident: the article has at least half of the question's words (after
// stemming and stop words), so a single shared word in a long question is
// not taken for an answer.
func confident(matched, terms int) bool {
	return terms > 0 && matched > 0 && 2*matched >= terms
}

// orList joins items as "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
