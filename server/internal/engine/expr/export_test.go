package expr

// RegexpCacheLen returns how many compiled patterns the cache holds.
func RegexpCacheLen() int { return regexps.len() }

// RegexpCacheSize is the cache's bound.
const RegexpCacheSize = regexpCacheSize
