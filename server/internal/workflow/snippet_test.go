package workflow

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest/snippettest"
)

// The test vector of seed 000: a workflow id and its "~" form.
const (
	seedWorkflowID        = "scenario_c3dc74f1-a181-49af-8589-17488b238cdc"
	seedEncodedWorkflowID = "~c2NlbmFyaW9fYzNkYzc0ZjEtYTE4MS00OWFmLTg1ODktMTc0ODhiMjM4Y2Rj"
	snippetTestBaseURL    = "https://parley.example.com"
)

// snippetHostile holds the quote, escape and interpolation syntax of every
// snippet language, and characters JSON, HTML and JavaScript treat apart.
const snippetHostile = `it's "q" \back\slash \' $HOME ${x} #{x} $(x) ` + "`x`" +
	` %s {{x}} </script><!-- &amp; é 😀` + "\n\t\r\u2028\u2029"

var (
	langWidget = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET
	langCurl   = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_CURL
	langNode   = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE
	langPython = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PYTHON
	langPHP    = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PHP
	langRuby   = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_RUBY
	langGo     = workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_GO
)

// snippetTriggerBody is the request body every REST snippet sends.
var snippetTriggerBody = map[string]any{
	"session_id": "SESSION_ID",
	"variables":  map[string]any{"order_id": "12345", "plan": "pro", "renewal_date": "2026-06-01"},
}

func TestSnippetsContent(t *testing.T) {
	snippets := Snippets(snippetTestBaseURL+"/", seedWorkflowID)

	var order []workflowv1.SnippetLanguage
	count := map[workflowv1.SnippetLanguage]int{}
	titles := map[string]bool{}
	byLang := map[workflowv1.SnippetLanguage]string{}
	for _, s := range snippets {
		lang, code := s.GetLanguage(), s.GetCode()
		if len(order) == 0 || order[len(order)-1] != lang {
			order = append(order, lang)
		}
		count[lang]++
		byLang[lang] += code
		if s.GetTitle() == "" || titles[s.GetTitle()] {
			t.Errorf("%v snippet: title %q is empty or used twice", lang, s.GetTitle())
		}
		titles[s.GetTitle()] = true

		for _, secret := range []string{"prl_", "pst_", "whsec_", "pk_"} {
			if strings.Contains(code, secret) {
				t.Errorf("%q holds %q, which looks like a real secret:\n%s", s.GetTitle(), secret, code)
			}
		}
		if strings.Contains(code, ".com//") {
			t.Errorf("%q: the base URL's trailing slash was kept:\n%s", s.GetTitle(), code)
		}

		if lang == langWidget {
			// Widget code runs in the visitor's browser: no API token there.
			for _, bad := range []string{SnippetTokenPlaceholder, "Bearer", "Authorization"} {
				if strings.Contains(code, bad) {
					t.Errorf("widget snippet %q holds %q:\n%s", s.GetTitle(), bad, code)
				}
			}
			if strings.Contains(code, "widget.js") {
				for _, want := range []string{
					`window.$parley = window.$parley || [];`,
					`<script src="https://parley.example.com/widget.js" data-public-key="YOUR_PUBLIC_KEY" async></script>`,
				} {
					if !strings.Contains(code, want) {
						t.Errorf("loader snippet %q lacks %q:\n%s", s.GetTitle(), want, code)
					}
				}
			} else if !strings.Contains(code, `"bot:scenario:run"`) && !strings.Contains(code, `'bot:scenario:run'`) ||
				!strings.Contains(code, seedWorkflowID) {
				t.Errorf("widget snippet %q does not run the workflow:\n%s", s.GetTitle(), code)
			}
			continue
		}
		for _, want := range []string{
			snippetTestBaseURL + "/api/scenario/" + seedWorkflowID + "/trigger/",
			SnippetTokenPlaceholder, SnippetSessionPlaceholder,
			"order_id", "12345", "renewal_date", "2026-06-01",
		} {
			if !strings.Contains(code, want) {
				t.Errorf("%v snippet %q lacks %q:\n%s", lang, s.GetTitle(), want, code)
			}
		}
	}

	want := []workflowv1.SnippetLanguage{langWidget, langCurl, langNode, langPython, langPHP, langRuby, langGo}
	if !slices.Equal(order, want) {
		t.Errorf("languages in order %v, want %v", order, want)
	}
	if count[langWidget] < 4 {
		t.Errorf("%d widget snippets, want the loader, on chat open, with variables and from a button", count[langWidget])
	}
	for _, lang := range want[1:] {
		if count[lang] != 1 {
			t.Errorf("%d %v snippets, want 1", count[lang], lang)
		}
	}
	// Per language, the id and the base URL are there.
	for _, lang := range want {
		for _, s := range []string{seedWorkflowID, snippetTestBaseURL} {
			if !strings.Contains(byLang[lang], s) {
				t.Errorf("%v snippets lack %q", lang, s)
			}
		}
	}
	for _, want := range []string{
		`$parley.push(["on", "chat:opened", function() {`,
		`priority_customer: true`,
		`<button onclick="$parley.push(['do', 'bot:scenario:run', ['` + seedWorkflowID + `']])">`,
		`Start Support Chat`,
	} {
		if !strings.Contains(byLang[langWidget], want) {
			t.Errorf("widget snippets lack %q", want)
		}
	}
}

// TestSnippetsValidCode checks every snippet with its language's own tool,
// for a typical workflow and for values full of quoting hazards.
func TestSnippetsValidCode(t *testing.T) {
	cases := []struct{ name, baseURL, workflowID string }{
		{"typical", snippetTestBaseURL + "/", seedWorkflowID},
		{"hostile", "https://h.example/" + snippetHostile, "scenario_" + snippetHostile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for i, s := range Snippets(c.baseURL, c.workflowID) {
				t.Run(fmt.Sprintf("%02d_%s", i, s.GetTitle()), func(t *testing.T) {
					t.Parallel()
					snippetCheckSyntax(t, s)
					if s.GetLanguage() == langWidget {
						snippetCheckWidgetRuns(t, s, c.workflowID)
					}
				})
			}
		})
	}
}

// TestSnippetsRunAgainstServer runs each REST snippet against a local
// server standing in for Parley and checks the request it sent.
func TestSnippetsRunAgainstServer(t *testing.T) {
	for i, tmpl := range snippetTemplates {
		if tmpl.language == langWidget {
			continue
		}
		t.Run(fmt.Sprintf("%02d_%s", i, tmpl.title), func(t *testing.T) {
			t.Parallel()
			var (
				mu   sync.Mutex
				reqs []*http.Request
				body []byte
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				reqs, body = append(reqs, r), b
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"ok":true}`)
			}))
			defer srv.Close()

			s := Snippets(srv.URL, seedWorkflowID)[i]
			out := snippettest.RunSnippet(t, s.GetLanguage(), s.GetCode())

			mu.Lock()
			defer mu.Unlock()
			if len(reqs) != 1 {
				t.Fatalf("the server got %d requests, want 1; output:\n%s", len(reqs), out)
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.URL.EscapedPath() != "/api/scenario/"+seedWorkflowID+"/trigger/" {
				t.Errorf("request %s %s, want POST /api/scenario/%s/trigger/", r.Method, r.URL.EscapedPath(), seedWorkflowID)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type %q", got)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer YOUR_WORKFLOW_API_TOKEN" {
				t.Errorf("Authorization %q", got)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil || !reflect.DeepEqual(got, snippetTriggerBody) {
				t.Errorf("body %s (%v), want %v", body, err, snippetTriggerBody)
			}
			if !strings.Contains(out, "ok") {
				t.Errorf("the output does not show the response:\n%s", out)
			}
			if s.GetLanguage() != langCurl && !strings.Contains(out, "200") {
				t.Errorf("the output does not show the status:\n%s", out)
			}
		})
	}
}

// TestSnippetQuoting evaluates each quoting helper's literals in the real
// interpreter and compares the value with the original.
func TestSnippetQuoting(t *testing.T) {
	values := []string{
		"", "plain", "it's", `"double"`, `back\slash`, `\'`, `\\'`, `'\''`,
		"$HOME ${x} #{x} $(x) `x` %s %d {{x}}", "</script><!-- <b>&amp;</b>",
		"tab\tnew\nline\rcr", "\u2028\u2029", "é 😀 \u00a0", "\x01\x1f\x7f",
		snippetHostile,
	}
	for _, v := range values {
		if lit := quoteJS(v); strings.Contains(lit, "</") || strings.ContainsAny(lit, "\u2028\u2029") {
			t.Errorf("quoteJS(%q) = %s, unsafe in an inline script", v, lit)
		}
		if inner := strings.Trim(quoteHTMLAttr(v), `"`); strings.ContainsAny(inner, "\"<>\r") {
			t.Errorf("quoteHTMLAttr(%q) = %s leaves a quote, bracket or CR", v, quoteHTMLAttr(v))
		}
		if got, err := strconv.Unquote(strconv.Quote(v)); err != nil || got != v {
			t.Errorf("Go: %q round-trips to %q, %v", v, got, err)
		}
	}
	// Attribute values as the browser decodes them.
	inAttr := func(v string) string {
		a := quoteHTMLAttr(quoteJSSingle(v))
		return html.UnescapeString(a[1 : len(a)-1])
	}
	runners := []struct {
		name, bin, file string
		prologue        string
		print           func(lit string) string
		quote           func(string) string
	}{
		{"js", "node", "q.js", "", func(l string) string { return "process.stdout.write(" + l + ` + "\0");` }, quoteJS},
		{"js in attribute", "node", "q.js", "", func(l string) string { return "process.stdout.write(" + l + ` + "\0");` }, inAttr},
		{"shell", "bash", "q.sh", "", func(l string) string { return `printf '%s\0' ` + l }, quoteShell},
		{"python", "python3", "q.py", "import sys\n", func(l string) string { return "sys.stdout.write(" + l + ` + "\0")` }, quotePython},
		{"php", "php", "q.php", "<?php\n", func(l string) string { return "echo " + l + `, "\0";` }, quotePHP},
		{"ruby", "ruby", "q.rb", "", func(l string) string { return "print " + l + `, "\0"` }, quoteRuby},
	}
	for _, r := range runners {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var prog strings.Builder
			prog.WriteString(r.prologue)
			for _, v := range values {
				prog.WriteString(r.print(r.quote(v)) + "\n")
			}
			out := snippettest.RunFile(t, r.bin, r.file, prog.String())
			got := strings.Split(out, "\x00")
			if len(got) != len(values)+1 || got[len(values)] != "" {
				t.Fatalf("%d values printed, want %d:\n%q\nprogram:\n%s", len(got)-1, len(values), out, prog.String())
			}
			for i, v := range values {
				if got[i] != v {
					t.Errorf("%s evaluates %s to %q, want %q", r.name, r.quote(v), got[i], v)
				}
			}
		})
	}
}

func TestSnippetEncodeWorkflowID(t *testing.T) {
	if got := EncodeWorkflowID(seedWorkflowID); got != seedEncodedWorkflowID {
		t.Errorf("EncodeWorkflowID(%q) = %q, want seed 000's %q", seedWorkflowID, got, seedEncodedWorkflowID)
	}
	// For any workflow id the standard encoding is also the unpadded
	// base64url one the proto names, and needs no escaping in a URL path.
	for range 500 {
		id := domain.PrefixWorkflow.Format(uuid.New())
		enc := EncodeWorkflowID(id)
		if enc != "~"+base64.RawURLEncoding.EncodeToString([]byte(id)) || strings.ContainsAny(enc, "+/=") {
			t.Fatalf("EncodeWorkflowID(%q) = %q: not also unpadded base64url", id, enc)
		}
		if got, err := DecodeWorkflowID(enc); err != nil || got != id {
			t.Fatalf("DecodeWorkflowID(%q) = %q, %v; want %q", enc, got, err, id)
		}
	}
}

func TestSnippetDecodeWorkflowID(t *testing.T) {
	seed := []byte(seedWorkflowID)
	upper := "scenario_C3DC74F1-A181-49AF-8589-17488B238CDC"
	tests := []struct {
		name, in, want string // want "" means an error
	}{
		{"seed 000 vector", seedEncodedWorkflowID, seedWorkflowID},
		// A workflow id is 45 bytes with no byte that encodes to "+", "/"
		// or padding, so its URL-safe unpadded form is the same string.
		{"url-safe unpadded", "~" + base64.RawURLEncoding.EncodeToString(seed), seedWorkflowID},
		{"standard padded", "~" + base64.StdEncoding.EncodeToString(seed), seedWorkflowID},
		{"plain id", seedWorkflowID, seedWorkflowID},
		{"other plain id", "scenario_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19", "scenario_85c6438c-2310-4d2c-b4dc-c8f8a76d2d19"},

		{"empty", "", ""},
		{"tilde alone", "~", ""},
		{"garbage", "~!!not base64!!", ""},
		{"garbage plain", "hello", ""},
		{"bare uuid", "c3dc74f1-a181-49af-8589-17488b238cdc", ""},
		{"wrong prefix", "session_c3dc74f1-a181-49af-8589-17488b238cdc", ""},
		{"uppercase uuid", upper, ""},
		{"encoded uppercase uuid", "~" + base64.StdEncoding.EncodeToString([]byte(upper)), ""},
		{"braced uuid", "scenario_{c3dc74f1-a181-49af-8589-17488b238cdc}", ""},
		{"uuid without dashes", "scenario_c3dc74f1a18149af858917488b238cdc", ""},
		{"encoded garbage", "~" + base64.StdEncoding.EncodeToString([]byte("scenario_nope")), ""},
		{"encoded twice", "~" + base64.StdEncoding.EncodeToString([]byte(seedEncodedWorkflowID)), ""},
		{"stray padding", seedEncodedWorkflowID + "=", ""},
		{"line break", seedEncodedWorkflowID[:20] + "\n" + seedEncodedWorkflowID[20:], ""},
		{"trailing space", seedWorkflowID + " ", ""},
		{"url-escaped tilde", "%7E" + seedEncodedWorkflowID[1:], ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeWorkflowID(tt.in)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Errorf("DecodeWorkflowID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Kind != domain.KindInvalid || de.Field != "workflow_id" || got != "" {
				t.Errorf("DecodeWorkflowID(%q) = %q, %v; want an invalid error naming workflow_id", tt.in, got, err)
			}
		})
	}
}

// TestSnippetDecodeWorkflowIDBase64 covers the alphabets and padding, which workflow
// ids alone never exercise.
func TestSnippetDecodeWorkflowIDBase64(t *testing.T) {
	raw := "\xfb\xff\xbf?>~" // encodes with "+" and "/" in the standard alphabet
	tests := []struct {
		in string
		ok bool
	}{
		{base64.StdEncoding.EncodeToString([]byte(raw + "x")), true},
		{base64.RawStdEncoding.EncodeToString([]byte(raw + "x")), true},
		{base64.URLEncoding.EncodeToString([]byte(raw + "x")), true},
		{base64.RawURLEncoding.EncodeToString([]byte(raw + "x")), true},
		{base64.StdEncoding.EncodeToString([]byte(raw)), true},
		{"-_+/", false}, // two alphabets at once
		{"YQ=", false},  // wrong padding
		{"YQ===", false},
		{"YR==", false}, // non-zero trailing bits
		{"", false},
	}
	if enc := base64.StdEncoding.EncodeToString([]byte(raw + "x")); !strings.ContainsAny(enc, "+/") || !strings.HasSuffix(enc, "=") {
		t.Fatalf("test vector %q should need '+', '/' and padding", enc)
	}
	for _, tt := range tests {
		got, ok := decodeWorkflowIDBase64(tt.in)
		if ok != tt.ok || ok && !strings.HasPrefix(got, raw) {
			t.Errorf("decodeWorkflowIDBase64(%q) = %q, %v; want ok=%v", tt.in, got, ok, tt.ok)
		}
	}
}

// ExampleSnippets shows the Node snippet as the API returns it.
func ExampleSnippets() {
	for _, s := range Snippets("https://parley.example.com/", "scenario_c3dc74f1-a181-49af-8589-17488b238cdc") {
		if s.GetLanguage() == workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE {
			fmt.Print(s.GetCode())
		}
	}
	// Output:
	// // Node.js 18+, as an ES module (.mjs) for the top-level await.
	// const url = "https://parley.example.com/api/scenario/scenario_c3dc74f1-a181-49af-8589-17488b238cdc/trigger/";
	//
	// const options = {
	//   method: "POST",
	//   headers: {
	//     "Content-Type": "application/json",
	//     Authorization: "Bearer YOUR_WORKFLOW_API_TOKEN",
	//   },
	//   body: JSON.stringify({
	//     session_id: "SESSION_ID",
	//     variables: {
	//       order_id: "12345",
	//       plan: "pro",
	//       renewal_date: "2026-06-01",
	//     },
	//   }),
	// };
	//
	// try {
	//   const response = await fetch(url, options);
	//   const data = await response.json();
	//   console.log(response.status, data);
	// } catch (error) {
	//   console.error(error);
	// }
}

// ---- helpers ----

// snippetCheckSyntax checks s with its language's tool.
func snippetCheckSyntax(t *testing.T, s *workflowv1.Snippet) {
	t.Helper()
	code := s.GetCode()
	switch s.GetLanguage() {
	case langWidget:
		for i, js := range snippetWidgetJS(t, code) {
			snippettest.RunFile(t, "node", fmt.Sprintf("piece%d.js", i), js, "--check")
		}
	case langCurl:
		snippettest.RunFile(t, "bash", "snippet.sh", code, "-n")
	case langNode:
		snippettest.RunFile(t, "node", "snippet.mjs", code, "--check")
	case langPython:
		snippettest.RunFile(t, "python3", "snippet.py", code, "-m", "py_compile")
	case langPHP:
		snippettest.RunFile(t, "php", "snippet.php", code, "-l")
	case langRuby:
		snippettest.RunFile(t, "ruby", "snippet.rb", code, "-c")
	case langGo:
		if formatted, err := format.Source([]byte(code)); err != nil || string(formatted) != code {
			t.Errorf("the Go snippet is not gofmt-clean (%v); gofmt gives:\n%s", err, formatted)
		}
		snippettest.NeedTool(t, "go")
		mod := snippettest.GoModule(t, code)
		snippettest.RunTool(t, mod, snippettest.GoEnv, "go", "build", "-o", filepath.Join(t.TempDir(), "snippet"), ".")
		snippettest.RunTool(t, mod, snippettest.GoEnv, "go", "vet", ".")
	default:
		t.Fatalf("no check for language %v", s.GetLanguage())
	}
}

var (
	snippetScriptRe  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	snippetHandlerRe = regexp.MustCompile(`(?i)\son[a-z]+="([^"]*)"`)
)

// snippetWidgetJS returns the JavaScript of a widget snippet: the snippet itself,
// or for HTML its inline scripts and event handler attributes, decoded as a
// browser decodes them.
func snippetWidgetJS(t *testing.T, code string) []string {
	t.Helper()
	if !strings.HasPrefix(strings.TrimSpace(code), "<") {
		return []string{code}
	}
	for _, tag := range []string{"script", "button"} {
		if o, c := strings.Count(code, "<"+tag), strings.Count(code, "</"+tag+">"); o != c {
			t.Errorf("%d <%s> and %d </%s> in:\n%s", o, tag, c, tag, code)
		}
	}
	var pieces []string
	for _, m := range snippetScriptRe.FindAllStringSubmatch(code, -1) {
		if !strings.Contains(m[1], "src=") && strings.TrimSpace(m[2]) != "" {
			pieces = append(pieces, m[2])
		}
	}
	for _, m := range snippetHandlerRe.FindAllStringSubmatch(code, -1) {
		pieces = append(pieces, html.UnescapeString(m[1]))
	}
	if len(pieces) == 0 {
		t.Fatalf("no JavaScript found in the HTML snippet:\n%s", code)
	}
	return pieces
}

// snippetCheckWidgetRuns runs a widget snippet's JavaScript in node against a
// stand-in $parley queue, calls the "on" callbacks it registered, and checks
// that the loader leaves a queue and every other snippet queues
// bot:scenario:run for workflowID.
func snippetCheckWidgetRuns(t *testing.T, s *workflowv1.Snippet, workflowID string) {
	t.Helper()
	loader := strings.Contains(s.GetCode(), "widget.js")
	for i, js := range snippetWidgetJS(t, s.GetCode()) {
		prog := "globalThis.window = globalThis;\n"
		if !loader {
			prog += "window.$parley = [];\n"
		}
		prog += js + "\n;for (const c of [...$parley]) if (c[0] === \"on\" && typeof c[2] === \"function\") c[2]();\n" +
			"console.log(JSON.stringify($parley));\n"
		out := snippettest.RunFile(t, "node", fmt.Sprintf("run%d.js", i), prog)
		var queue [][]any
		if err := json.Unmarshal([]byte(out), &queue); err != nil {
			t.Fatalf("$parley is not a queue of commands: %q: %v", out, err)
		}
		if loader {
			continue
		}
		ran := false
		for _, c := range queue {
			if len(c) == 3 && c[0] == "do" && c[1] == "bot:scenario:run" {
				args, _ := c[2].([]any)
				if len(args) == 0 || args[0] != workflowID {
					t.Errorf("bot:scenario:run with %v, want %q first", args, workflowID)
				}
				ran = true
			}
		}
		if !ran {
			t.Errorf("%q queued no bot:scenario:run: %s", s.GetTitle(), out)
		}
	}
}
