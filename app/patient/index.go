package patient

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Fold lower-cases s and strips diacritics (é→e, ç→c, œ→oe, ß→ss), for
// accent- and case-insensitive comparison. Apostrophes become spaces
// elsewhere; Fold keeps every other character.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

var foldTable = func() map[rune]string {
	m := map[rune]string{}
	groups := map[string]string{
		"a": "àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "c": "çćĉċčÇĆĈĊČ", "d": "ďđĎĐ", "e": "èéêëēĕėęěÈÉÊËĒĔĖĘĚ",
		"g": "ĝğġģĜĞĠĢ", "h": "ĥħĤĦ", "i": "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ", "j": "ĵĴ", "k": "ķĶ", "l": "ĺļľŀłĹĻĽĿŁ",
		"n": "ñńņňÑŃŅŇ", "o": "òóôõöøōŏőÒÓÔÕÖØŌŎŐ", "r": "ŕŗřŔŖŘ", "s": "śŝşšŚŜŞŠ", "t": "ţťŧŢŤŦ",
		"u": "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "w": "ŵŴ", "y": "ýÿŷÝŸŶ", "z": "źżžŹŻŽ",
		"oe": "œŒ", "ae": "æÆ", "ss": "ß", "'": "’‘ʼ", "-": "‐‑–—",
	}
	for to, from := range groups {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()

// Field weights: a match on a name ranks above a first name, above the rest.
const (
	fieldOther uint8 = 1
	fieldFirst uint8 = 2
	fieldName  uint8 = 3
)

type token struct {
	tok   string
	field uint8
}

type entry struct {
	tok   string
	doc   int32
	field uint8
}

type doc struct {
	id    string
	toks  []token
	alive bool
}

// Hit is one search result.
type Hit struct {
	ID    string
	Score int
}

// Index is an in-memory search index of patients, built at unlock and
// cleared at lock. It never touches the disk. It is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	docs    []doc
	byID    map[string]int32
	sorted  []entry // by token
	pending []entry // recent additions, unsorted, merged when large
	dead    int
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{byID: map[string]int32{}} }

// Len is the number of patients indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Clear drops everything.
func (ix *Index) Clear() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs, ix.sorted, ix.pending, ix.dead = nil, nil, nil, 0
	ix.byID = map[string]int32{}
}

// tokens lists the searchable forms of a patient.
func tokens(p Patient) []token {
	var out []token
	addName := func(s string, f uint8) {
		s = Fold(s)
		if s == "" {
			return
		}
		whole := strings.Join(strings.Fields(s), " ")
		out = append(out, token{whole, f})
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' })
		if len(parts) > 1 {
			for _, part := range parts {
				out = append(out, token{part, f})
			}
		}
	}
	addName(p.BirthName, fieldName)
	if !strings.EqualFold(p.UsedName, p.BirthName) {
		addName(p.UsedName, fieldName)
	}
	for _, f := range strings.Fields(p.FirstNames) {
		addName(f, fieldFirst)
	}
	if len(p.BirthDate) == 10 {
		y, m, d := p.BirthDate[0:4], p.BirthDate[5:7], p.BirthDate[8:10]
		out = append(out, token{d + m + y, fieldOther}, token{y + m + d, fieldOther})
	}
	if p.NIR != "" {
		out = append(out, token{Fold(p.NIR), fieldOther})
	}
	if d, ok := digits(p.Phone); ok && d != "" {
		out = append(out, token{d, fieldOther})
		if strings.HasPrefix(d, "33") && strings.HasPrefix(strings.TrimSpace(p.Phone), "+") {
			out = append(out, token{"0" + d[2:], fieldOther})
		}
	}
	return out
}

// Put adds p, or replaces the patient with the same ID.
func (ix *Index) Put(p Patient) {
	toks := tokens(p)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(p.ID)
	n := int32(len(ix.docs))
	ix.docs = append(ix.docs, doc{id: p.ID, toks: toks, alive: true})
	ix.byID[p.ID] = n
	for _, t := range toks {
		ix.pending = append(ix.pending, entry{t.tok, n, t.field})
	}
	if len(ix.pending) > 2048 {
		ix.mergeLocked()
	}
}

// PutAll adds many patients at once (at unlock): one sort instead of many
// merges.
func (ix *Index) PutAll(ps []Patient) {
	toks := make([][]token, len(ps))
	for i := range ps {
		toks[i] = tokens(ps[i])
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i, p := range ps {
		ix.removeLocked(p.ID)
		n := int32(len(ix.docs))
		ix.docs = append(ix.docs, doc{id: p.ID, toks: toks[i], alive: true})
		ix.byID[p.ID] = n
		for _, t := range toks[i] {
			ix.pending = append(ix.pending, entry{t.tok, n, t.field})
		}
	}
	ix.mergeLocked()
}

// Remove drops the patient with id.
func (ix *Index) Remove(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(id)
}

func (ix *Index) removeLocked(id string) {
	if n, ok := ix.byID[id]; ok {
		ix.docs[n].alive = false
		delete(ix.byID, id)
		ix.dead++
	}
}

func cmpEntry(a, b entry) int { return strings.Compare(a.tok, b.tok) }

func (ix *Index) mergeLocked() {
	slices.SortFunc(ix.pending, cmpEntry)
	if len(ix.sorted) == 0 && ix.dead == 0 {
		ix.sorted, ix.pending = ix.pending, nil
		return
	}
	merged := make([]entry, 0, len(ix.sorted)+len(ix.pending))
	i, j := 0, 0
	keep := func(e entry) {
		if ix.docs[e.doc].alive {
			merged = append(merged, e)
		}
	}
	for i < len(ix.sorted) && j < len(ix.pending) {
		if ix.sorted[i].tok <= ix.pending[j].tok {
			keep(ix.sorted[i])
			i++
		} else {
			keep(ix.pending[j])
			j++
		}
	}
	for ; i < len(ix.sorted); i++ {
		keep(ix.sorted[i])
	}
	for ; j < len(ix.pending); j++ {
		keep(ix.pending[j])
	}
	ix.sorted, ix.pending = merged, nil
}

// queryTerms folds a query into terms. A term of digits and separators
// (a date, a phone) loses its separators; a date written DD/MM/YYYY or
// YYYY-MM-DD keeps its digit order, matching the stored forms.
func queryTerms(q string) []string {
	var terms []string
	for _, f := range strings.Fields(Fold(q)) {
		if d, ok := digits(strings.NewReplacer("/", "").Replace(f)); ok && d != "" {
			terms = append(terms, d)
			continue
		}
		f = strings.Trim(f, "-'")
		if f != "" {
			terms = append(terms, f)
		}
	}
	// "01 02 03": consecutive digit terms also match as one phone number.
	return terms
}

// prefixRange returns the entries of sorted whose token starts with t.
func prefixRange(sorted []entry, t string) []entry {
	lo, _ := slices.BinarySearchFunc(sorted, t, func(e entry, t string) int { return strings.Compare(e.tok, t) })
	hi := lo
	for hi < len(sorted) && strings.HasPrefix(sorted[hi].tok, t) {
		hi++
		if hi-lo > 64 { // long range: find its end by binary search
			end, _ := slices.BinarySearchFunc(sorted[hi:], t, func(e entry, t string) int {
				if strings.HasPrefix(e.tok, t) {
					return -1
				}
				return strings.Compare(e.tok, t)
			})
			return sorted[lo : hi+end]
		}
	}
	return sorted[lo:hi]
}

// termScore is how well doc d matches term t: 0 no match, else
// field weight × (3 exact, 1 prefix), the best over its tokens.
func termScore(d *doc, t string) int {
	best := 0
	for _, tk := range d.toks {
		if !strings.HasPrefix(tk.tok, t) {
			continue
		}
		s := int(tk.field)
		if len(tk.tok) == len(t) {
			s *= 3
		}
		if s > best {
			best = s
		}
	}
	return best
}

// Search returns the patients matching every term of query by prefix,
// best first, at most limit (50 when limit <= 0).
func (ix *Index) Search(query string, limit int) []Hit {
	if limit <= 0 {
		limit = 50
	}
	terms := queryTerms(query)
	if len(terms) == 0 {
		return nil
	}
	// "06 12 34": digit terms also tried glued together.
	if len(terms) > 1 {
		allDigits := true
		for _, t := range terms {
			if _, ok := digits(t); !ok {
				allDigits = false
			}
		}
		if allDigits {
			terms = []string{strings.Join(terms, "")}
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// Drive from the term with the fewest candidates.
	drive, ranges := 0, make([][]entry, len(terms))
	for i, t := range terms {
		ranges[i] = prefixRange(ix.sorted, t)
		if len(ranges[i]) < len(ranges[drive]) {
			drive = i
		}
	}
	seen := make([]uint64, (len(ix.docs)+63)/64)
	buckets := map[int][]int32{}
	consider := func(n int32) {
		if seen[n/64]&(1<<(n%64)) != 0 {
			return
		}
		seen[n/64] |= 1 << (n % 64)
		d := &ix.docs[n]
		if !d.alive {
			return
		}
		score := 0
		for _, t := range terms {
			s := termScore(d, t)
			if s == 0 {
				return
			}
			score += s
		}
		if b := buckets[score]; len(b) < limit {
			buckets[score] = append(b, n)
		}
	}
	for _, e := range ranges[drive] {
		consider(e.doc)
	}
	for _, e := range ix.pending {
		if strings.HasPrefix(e.tok, terms[drive]) {
			consider(e.doc)
		}
	}
	scores := make([]int, 0, len(buckets))
	for s := range buckets {
		scores = append(scores, s)
	}
	slices.Sort(scores)
	hits := make([]Hit, 0, limit)
	for i := len(scores) - 1; i >= 0 && len(hits) < limit; i-- {
		b := buckets[scores[i]]
		slices.SortStableFunc(b, func(x, y int32) int { return ix.compareDocs(x, y) })
		for _, n := range b {
			if len(hits) == limit {
				break
			}
			hits = append(hits, Hit{ID: ix.docs[n].id, Score: scores[i]})
		}
	}
	return hits
}

// compareDocs orders by last name, then first names (their first tokens).
func (ix *Index) compareDocs(a, b int32) int {
	ta, tb := ix.docs[a].toks, ix.docs[b].toks
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if c := strings.Compare(ta[i].tok, tb[i].tok); c != 0 {
			return c
		}
	}
	return strings.Compare(ix.docs[a].id, ix.docs[b].id)
}
