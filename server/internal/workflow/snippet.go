package workflow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/template"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Placeholders the snippets show instead of values only the user knows. A
// snippet never carries a real secret: the user pastes their own token.
const (
	SnippetTokenPlaceholder     = "YOUR_WORKFLOW_API_TOKEN"
	SnippetSessionPlaceholder   = "SESSION_ID"
	SnippetPublicKeyPlaceholder = "YOUR_PUBLIC_KEY"
)

// snippetTemplate is one generated snippet: a language, a title and a
// text/template body. Bodies embed values only through the quoting function
// of their language (js, jsq, attr, sh, py, php, rb, go), never raw.
type snippetTemplate struct {
	language workflowv1.SnippetLanguage
	title    string
	tmpl     *template.Template
}

// snippetData is what the templates see; the fields are plain values that
// the templates quote.
type snippetData struct {
	// WorkflowID is the public id, "scenario_<uuid>".
	WorkflowID string
	// WidgetURL is where the widget loader script is served.
	WidgetURL string
	// TriggerURL is the REST endpoint that starts the workflow.
	TriggerURL string
	// AuthHeader is the Authorization header value, with the placeholder
	// token.
	AuthHeader string
	// Session is the session id placeholder.
	Session string
	// PublicKey is the widget public key placeholder.
	PublicKey string
	// BodyJSON is the request body the cURL snippet sends.
	BodyJSON string
}

// snippetBodyJSON is the body the cURL snippet sends: seed 000's REST
// example variables, which the other languages build in their own syntax.
// (The widget examples use seed 000's SDK variables, with a boolean.)
const snippetBodyJSON = `{"session_id":"` + SnippetSessionPlaceholder +
	`","variables":{"order_id":"12345","plan":"pro","renewal_date":"2026-06-01"}}`

var snippetFuncs = template.FuncMap{
	"js":   quoteJS,
	"jsq":  quoteJSSingle,
	"attr": quoteHTMLAttr,
	"sh":   quoteShell,
	"py":   quotePython,
	"php":  quotePHP,
	"rb":   quoteRuby,
	"go":   strconv.Quote,
}

func newSnippet(lang workflowv1.SnippetLanguage, title, body string) snippetTemplate {
	return snippetTemplate{
		language: lang,
		title:    title,
		tmpl:     template.Must(template.New(title).Funcs(snippetFuncs).Option("missingkey=error").Parse(body)),
	}
}

// snippetTemplates lists the snippets in the order they are shown: the
// browser widget first, then the REST API by language.
var snippetTemplates = []snippetTemplate{
	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET, "Install the chat widget", `<script>
  window.$parley = window.$parley || [];
</script>
<script src={{attr .WidgetURL}} data-public-key={{attr .PublicKey}} async></script>
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET, "Run when the chat opens", `$parley.push(["on", "chat:opened", function() {
  $parley.push(["do", "bot:scenario:run", [{{js .WorkflowID}}]]);
}]);
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET, "Run with variables", `$parley.push(["do", "bot:scenario:run", [
  {{js .WorkflowID}},
  {
    order_id: "12345",
    plan: "pro",
    priority_customer: true
  }
]]);
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_WIDGET, "Run from a button", `<button onclick={{attr (printf "$parley.push(['do', 'bot:scenario:run', [%s]])" (jsq .WorkflowID))}}>
  Start Support Chat
</button>
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_CURL, "cURL", `curl -X POST {{sh .TriggerURL}} \
  -H 'Content-Type: application/json' \
  -H {{sh (printf "Authorization: %s" .AuthHeader)}} \
  -d {{sh .BodyJSON}}
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE, "Node.js (fetch)", `// Node.js 18+, as an ES module (.mjs) for the top-level await.
const url = {{js .TriggerURL}};

const options = {
  method: "POST",
  headers: {
    "Content-Type": "application/json",
    Authorization: {{js .AuthHeader}},
  },
  body: JSON.stringify({
    session_id: {{js .Session}},
    variables: {
      order_id: "12345",
      plan: "pro",
      renewal_date: "2026-06-01",
    },
  }),
};

try {
  const response = await fetch(url, options);
  const data = await response.json();
  console.log(response.status, data);
} catch (error) {
  console.error(error);
}
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PYTHON, "Python (urllib)", `import json
import urllib.error
import urllib.request

url = {{py .TriggerURL}}

payload = {
    "session_id": {{py .Session}},
    "variables": {
        "order_id": "12345",
        "plan": "pro",
        "renewal_date": "2026-06-01",
    },
}

request = urllib.request.Request(
    url,
    data=json.dumps(payload).encode("utf-8"),
    headers={
        "Content-Type": "application/json",
        "Authorization": {{py .AuthHeader}},
    },
    method="POST",
)

try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(response.status)
        print(json.load(response))
except urllib.error.HTTPError as error:
    print(error.code)
    print(error.read().decode("utf-8"))
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PHP, "PHP (cURL)", `<?php

$url = {{php .TriggerURL}};

$payload = [
    'session_id' => {{php .Session}},
    'variables' => [
        'order_id' => '12345',
        'plan' => 'pro',
        'renewal_date' => '2026-06-01',
    ],
];

$ch = curl_init($url);
curl_setopt_array($ch, [
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => [
        'Content-Type: application/json',
        {{php (printf "Authorization: %s" .AuthHeader)}},
    ],
    CURLOPT_POSTFIELDS => json_encode($payload),
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 10,
]);

$response = curl_exec($ch);
if ($response === false) {
    echo 'Request failed: ' . curl_error($ch) . PHP_EOL;
} else {
    echo curl_getinfo($ch, CURLINFO_RESPONSE_CODE) . PHP_EOL;
    print_r(json_decode($response, true));
}
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_RUBY, "Ruby (Net::HTTP)", `require 'json'
require 'net/http'
require 'uri'

uri = URI({{rb .TriggerURL}})

request = Net::HTTP::Post.new(uri)
request['Content-Type'] = 'application/json'
request['Authorization'] = {{rb .AuthHeader}}
request.body = {
  session_id: {{rb .Session}},
  variables: {
    order_id: '12345',
    plan: 'pro',
    renewal_date: '2026-06-01'
  }
}.to_json

response = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == 'https', read_timeout: 10) do |http|
  http.request(request)
end

puts response.code
p JSON.parse(response.body)
`),

	newSnippet(workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_GO, "Go (net/http)", `package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"
)

func main() {
	url := {{go .TriggerURL}}

	payload, err := json.Marshal(map[string]any{
		"session_id": {{go .Session}},
		"variables": map[string]any{
			"order_id":     "12345",
			"plan":         "pro",
			"renewal_date": "2026-06-01",
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", {{go .AuthHeader}})

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
	fmt.Println(string(body))
}
`),
}

// Snippets returns ready-to-paste code that starts the workflow workflowID
// on the server at baseURL (e.g. "https://parley.example.com"; a trailing
// slash is dropped): the browser widget's bot:scenario:run first, then the
// REST trigger endpoint from cURL, Node, Python, PHP, Ruby and Go.
//
// The snippets hold placeholders, never secrets: YOUR_WORKFLOW_API_TOKEN for
// the API token, SESSION_ID for the session and YOUR_PUBLIC_KEY for the
// widget key. The widget snippets carry no API token at all, since they run
// in the visitor's browser.
//
// workflowID is expected to be a valid "scenario_<uuid>"; other values are
// still quoted safely for every language.
func Snippets(baseURL, workflowID string) []*workflowv1.Snippet {
	base := strings.TrimRight(baseURL, "/")
	data := snippetData{
		WorkflowID: workflowID,
		WidgetURL:  base + "/widget.js",
		TriggerURL: base + "/api/scenario/" + url.PathEscape(workflowID) + "/trigger/",
		AuthHeader: "Bearer " + SnippetTokenPlaceholder,
		Session:    SnippetSessionPlaceholder,
		PublicKey:  SnippetPublicKeyPlaceholder,
		BodyJSON:   snippetBodyJSON,
	}
	out := make([]*workflowv1.Snippet, 0, len(snippetTemplates))
	for _, st := range snippetTemplates {
		var b strings.Builder
		if err := st.tmpl.Execute(&b, data); err != nil {
			// The templates are fixed and their data is plain strings:
			// failing here is a bug in this file, caught by its tests.
			panic("workflow: snippet " + strconv.Quote(st.title) + ": " + err.Error())
		}
		out = append(out, &workflowv1.Snippet{Language: st.language, Title: st.title, Code: b.String()})
	}
	return out
}

// quoteJS returns s as a double-quoted JavaScript string literal. JSON is
// a subset of JavaScript here because encoding/json escapes U+2028 and
// U+2029; it also escapes <, > and &, so the literal is safe inside an
// inline <script> element.
func quoteJS(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		// A string always marshals (invalid UTF-8 becomes U+FFFD).
		panic(err)
	}
	return string(b)
}

// quoteJSSingle returns s as a single-quoted JavaScript string literal, the
// style of inline event handlers, which sit inside a double-quoted HTML
// attribute. Pass the result through quoteHTMLAttr.
func quoteJSSingle(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

var htmlAttrEscaper = strings.NewReplacer(`&`, "&amp;", `"`, "&quot;", `<`, "&lt;", `>`, "&gt;", "\r", "&#13;")

// quoteHTMLAttr returns s as a double-quoted HTML attribute value, quotes
// included. Single quotes are left alone so inline JavaScript stays
// readable; a carriage return is a character reference because browsers
// turn a raw one into a line feed.
func quoteHTMLAttr(s string) string {
	return `"` + htmlAttrEscaper.Replace(s) + `"`
}

// quoteShell returns s as one POSIX shell word in single quotes, where
// nothing is special but the single quote itself.
func quoteShell(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `'\''`) + `'`
}

// quotePython returns s as a Python string literal. A JSON string is one: the
// escapes encoding/json writes (\" \\ \n \r \t \b \f \uXXXX) all mean the
// same in Python, and it never writes a surrogate pair.
func quotePython(s string) string { return quoteJS(s) }

// quotePHP returns s as a single-quoted PHP string literal, where only \\
// and \' are escapes ($ is not interpolated).
func quotePHP(s string) string { return quoteSingleBackslash(s) }

// quoteRuby returns s as a single-quoted Ruby string literal, where only \\
// and \' are escapes (#{} is not interpolated).
func quoteRuby(s string) string { return quoteSingleBackslash(s) }

func quoteSingleBackslash(s string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `'`
}

// EncodeWorkflowID returns the short form of a workflow id the REST path
// also accepts: "~" followed by the id in standard, padded base64. For a
// valid "scenario_<uuid>" (45 bytes of letters, digits, "-" and "_") the
// encoding has no padding and no "+" or "/", so it is also its base64url
// form and safe in a URL path.
func EncodeWorkflowID(id string) string {
	return "~" + base64.StdEncoding.EncodeToString([]byte(id))
}

// DecodeWorkflowID returns the "scenario_<uuid>" a workflow id from a URL
// stands for. It accepts the id itself or "~" followed by its base64
// encoding, in the standard or URL-safe alphabet, padded or not. The result
// must be "scenario_" and a canonical lowercase UUID; anything else is a
// KindInvalid error naming workflow_id.
func DecodeWorkflowID(s string) (string, error) {
	id := s
	if rest, ok := strings.CutPrefix(s, "~"); ok {
		decoded, ok := decodeWorkflowIDBase64(rest)
		if !ok {
			return "", domain.Invalid("workflow_id", "must be %s<uuid> or ~ and its base64 encoding", domain.PrefixWorkflow)
		}
		id = decoded
	}
	u, err := domain.PrefixWorkflow.Parse("workflow_id", id)
	if err != nil {
		return "", err
	}
	if canonical := domain.PrefixWorkflow.Format(u); id != canonical {
		return "", domain.Invalid("workflow_id", "must be %s<uuid> with the uuid in lowercase", domain.PrefixWorkflow)
	}
	return id, nil
}

// decodeWorkflowIDBase64 decodes s in the standard or URL-safe alphabet,
// with correct padding or none. Line breaks, which encoding/base64 would
// skip, are refused.
func decodeWorkflowIDBase64(s string) (string, bool) {
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return "", false
	}
	encodings := []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding}
	if strings.HasSuffix(s, "=") {
		encodings = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding}
	}
	for _, enc := range encodings {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return string(b), true
		}
	}
	return "", false
}
