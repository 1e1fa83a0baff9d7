package expr

import (
	"container/list"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
)

const (
	// regexpCacheSize bounds how many compiled patterns are kept.
	regexpCacheSize = 256
	// maxCachedPattern is the longest pattern kept: longer ones (a rendered
	// tag, say) are compiled on every use rather than pinned in memory.
	maxCachedPattern = 4096
)

// regexps caches compiled patterns, since the same decisions and triggers
// run again and again.
var regexps = newRegexpCache(regexpCacheSize)

// compileRegexp compiles pattern, adding the (?i) flag unless
// caseSensitive. The error is a sentence naming the problem.
func compileRegexp(pattern string, caseSensitive bool) (*regexp.Regexp, error) {
	full := pattern
	if !caseSensitive {
		full = "(?i)" + pattern
	}
	re, err := regexps.get(full)
	if err != nil {
		reason := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			// Name the faulty part only when it is not the whole pattern.
			reason = se.Code.String()
			if at := strings.TrimPrefix(se.Expr, "(?i)"); at != "" && at != pattern {
				reason += fmt.Sprintf(" in %q", at)
			}
		}
		return nil, fmt.Errorf("the regular expression %q does not compile: %s", pattern, reason)
	}
	return re, nil
}

// regexpCache is a least-recently-used cache of compiled patterns, safe for
// concurrent use. Compile errors are cached too.
type regexpCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *regexpEntry, most recently used first
	byKey map[string]*list.Element
}

type regexpEntry struct {
	pattern string
	re      *regexp.Regexp
	err     error
}

func newRegexpCache(size int) *regexpCache {
	return &regexpCache{size: size, order: list.New(), byKey: make(map[string]*list.Element)}
}

// get returns pattern compiled, from the cache when it is there.
func (c *regexpCache) get(pattern string) (*regexp.Regexp, error) {
	if len(pattern) > maxCachedPattern {
		return regexp.Compile(pattern)
	}
	if e, ok := c.lookup(pattern); ok {
		return e.re, e.err
	}
	re, err := regexp.Compile(pattern) // unlocked: compiling may be slow
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[pattern]; ok { // compiled meanwhile by another caller
		c.order.MoveToFront(el)
		return re, err
	}
	c.byKey[pattern] = c.order.PushFront(&regexpEntry{pattern: pattern, re: re, err: err})
	if c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*regexpEntry).pattern)
	}
	return re, err
}

// lookup returns the cached entry for pattern, marking it recently used.
func (c *regexpCache) lookup(pattern string) (*regexpEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[pattern]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*regexpEntry), true
}

// len returns the number of cached patterns.
func (c *regexpCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
