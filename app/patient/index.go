package patient

import (
	"runtime"
	"slices"
	"sort"
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

// Field weights: a match on a name ranks above a first name, above the
// rest (dates, NIR, phone). An exact match counts three times a prefix.
const (
	fieldOther uint8 = iota
	fieldFirst
	fieldName
	nFields
)

func weight(f uint8) int { return int(f) + 1 }

type token struct {
	tok   string
	field uint8
}

type entry struct {
	tok string
	doc int32
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
//
// Each field class (names, first names, other) has its own array of
// (token, patient) entries sorted by token, so a one-term query walks the
// classes from the best score down and stops as soon as it has enough
// patients. Recent additions wait in a small unsorted list until it is
// worth merging them.
type Index struct {
	mu      sync.RWMutex
	docs    []doc
	byID    map[string]int32
	sorted  [nFields][]entry
	pending [nFields][]entry
	npend   int
	dead    int
	// order lists the patients known at the last merge by birth name then
	// first names; rank is each one's position in it, so that ties sort on
	// integers. Later patients have no rank yet.
	order []int32
	rank  []int32
}

// mergeAt is how many pending entries trigger a merge.
const mergeAt = 4096

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
	ix.docs, ix.sorted, ix.pending, ix.npend, ix.dead = nil, [nFields][]entry{}, [nFields][]entry{}, 0, 0
	ix.order, ix.rank = nil, nil
	ix.byID = map[string]int32{}
}

// tokens lists the searchable forms of a patient; the first ones (birth
// name, then first names) also order patients of equal score.
func tokens(p Patient) []token {
	out := make([]token, 0, 12)
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

// addLocked appends a document and its entries to pending.
func (ix *Index) addLocked(id string, toks []token) {
	ix.removeLocked(id)
	n := int32(len(ix.docs))
	ix.docs = append(ix.docs, doc{id: id, toks: toks, alive: true})
	ix.byID[id] = n
	for _, t := range toks {
		ix.pending[t.field] = append(ix.pending[t.field], entry{t.tok, n})
	}
	ix.npend += len(toks)
}

// Put adds p, or replaces the patient with the same ID.
func (ix *Index) Put(p Patient) {
	toks := tokens(p)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.addLocked(p.ID, toks)
	if ix.npend > mergeAt {
		ix.mergeLocked()
	}
}

// PutAll adds many patients at once (at unlock): tokens are computed on
// every CPU and each field class is sorted once, in parallel.
func (ix *Index) PutAll(ps []Patient) {
	ix.addAll(ps, func() bool { return true })
}

// Load adds patients during a bulk load (an import). Merges are put off
// while the pending entries are few next to the sorted ones, so loading n
// patients costs about n log n instead of a merge of the whole index every
// few thousand patients. Searches stay right meanwhile, only slower; Flush
// ends the load.
func (ix *Index) Load(ps []Patient) {
	ix.addAll(ps, func() bool {
		sorted := 0
		for f := range nFields {
			sorted += len(ix.sorted[f])
		}
		return ix.npend > max(mergeAt, sorted/4)
	})
}

// addAll tokenises ps on every CPU, adds them, and merges when merge (run
// under the lock) says so.
func (ix *Index) addAll(ps []Patient, merge func() bool) {
	toks := make([][]token, len(ps))
	parallel(len(ps), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			toks[i] = tokens(ps[i])
		}
	})
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i := range ps {
		ix.addLocked(ps[i].ID, toks[i])
	}
	if merge() {
		ix.mergeLocked()
	}
}

// Flush merges what Load left pending.
func (ix *Index) Flush() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.npend > 0 || ix.dead > 0 {
		ix.mergeLocked()
	}
}

// parallel splits [0, n) into one range per CPU and runs fn on each.
func parallel(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 1024 || w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := n*k/w, n*(k+1)/w
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// sortParallel sorts s on two CPUs: each half alone, then a merge.
func sortParallel(s []int32, cmp func(a, b int32) int) {
	if len(s) < 4096 || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(s, cmp)
		return
	}
	half := len(s) / 2
	var wg sync.WaitGroup
	wg.Go(func() { slices.SortFunc(s[:half], cmp) })
	slices.SortFunc(s[half:], cmp)
	wg.Wait()
	out := make([]int32, 0, len(s))
	i, j := 0, half
	for i < half && j < len(s) {
		if cmp(s[i], s[j]) <= 0 {
			out = append(out, s[i])
			i++
		} else {
			out = append(out, s[j])
			j++
		}
	}
	out = append(append(out, s[i:half]...), s[j:]...)
	copy(s, out)
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

// cmpEntry orders entries by token, then patients by rank.
func (ix *Index) cmpEntry(a, b entry) int {
	if c := strings.Compare(a.tok, b.tok); c != 0 {
		return c
	}
	return int(ix.rank[a.doc] - ix.rank[b.doc])
}

// cmpDocs orders patients by birth name then first names, on ranks when
// both have one.
func (ix *Index) cmpDocs(a, b int32) int {
	if int(a) < len(ix.rank) && int(b) < len(ix.rank) {
		return int(ix.rank[a] - ix.rank[b])
	}
	return ix.compareDocs(a, b)
}

// rankLocked gives every patient a rank: the new ones are sorted and
// merged into the existing order, dropping removed patients.
func (ix *Index) rankLocked() {
	fresh := make([]int32, 0, len(ix.docs)-len(ix.rank))
	for n := int32(len(ix.rank)); n < int32(len(ix.docs)); n++ {
		if ix.docs[n].alive {
			fresh = append(fresh, n)
		}
	}
	sortParallel(fresh, ix.compareDocs)
	var alive func(int32) bool
	if ix.dead > 0 {
		alive = func(n int32) bool { return ix.docs[n].alive }
	}
	order := mergeSorted(ix.order, fresh, ix.compareDocs, alive)
	rank := make([]int32, len(ix.docs))
	for i := range rank {
		rank[i] = -1 // removed: no entry of theirs survives the merge
	}
	for r, n := range order {
		rank[n] = int32(r)
	}
	ix.order, ix.rank = order, rank
}

// mergeLocked sorts pending entries into the sorted arrays, dropping the
// entries of removed patients.
func (ix *Index) mergeLocked() {
	ix.rankLocked()
	var wg sync.WaitGroup
	for f := range nFields {
		wg.Go(func() { ix.sorted[f] = ix.mergeField(ix.sorted[f], ix.pending[f]) })
	}
	wg.Wait()
	ix.pending, ix.npend, ix.dead = [nFields][]entry{}, 0, 0
}

func (ix *Index) mergeField(sorted, pending []entry) []entry {
	pending = slices.DeleteFunc(pending, func(e entry) bool { return !ix.docs[e.doc].alive })
	slices.SortFunc(pending, ix.cmpEntry)
	if len(sorted) == 0 {
		return pending
	}
	var alive func(entry) bool
	if ix.dead > 0 {
		alive = func(e entry) bool { return ix.docs[e.doc].alive }
	}
	return mergeSorted(sorted, pending, ix.cmpEntry, alive)
}

// mergeSorted merges the sorted b into the sorted a, keeping only what
// keep accepts (everything when keep is nil); on ties a comes first. Each
// element of b finds its place in a by binary search and the runs of a in
// between are copied whole, so a merge of a few new patients into a large
// index costs a copy, not a comparison per entry.
func mergeSorted[T any](a, b []T, cmp func(x, y T) int, keep func(T) bool) []T {
	out := make([]T, 0, len(a)+len(b))
	add := func(s []T) {
		if keep == nil {
			out = append(out, s...)
			return
		}
		for _, x := range s {
			if keep(x) {
				out = append(out, x)
			}
		}
	}
	i := 0
	for _, y := range b {
		k := i + sort.Search(len(a)-i, func(k int) bool { return cmp(a[i+k], y) > 0 })
		add(a[i:k])
		i = k
		if keep == nil || keep(y) {
			out = append(out, y)
		}
	}
	add(a[i:])
	return out
}

// queryTerms folds a query into terms. A term of digits and separators
// (a date, a phone) loses its separators; a date written DD/MM/YYYY or
// YYYY-MM-DD keeps its digit order, matching the stored forms. Digit
// terms typed apart ("06 12 34") are glued together.
func queryTerms(q string) []string {
	var terms []string
	allDigits := true
	for _, f := range strings.Fields(Fold(q)) {
		if d, ok := digits(strings.NewReplacer("/", "").Replace(f)); ok && d != "" {
			terms = append(terms, d)
			continue
		}
		allDigits = false
		f = strings.Trim(f, "-'")
		if f != "" {
			terms = append(terms, f)
		}
	}
	if len(terms) > 1 && allDigits {
		terms = []string{strings.Join(terms, "")}
	}
	return terms
}

// prefixRange returns the entries of sorted whose token starts with t.
func prefixRange(sorted []entry, t string) []entry {
	lo, _ := slices.BinarySearchFunc(sorted, t, func(e entry, t string) int { return strings.Compare(e.tok, t) })
	rest := sorted[lo:]
	end, _ := slices.BinarySearchFunc(rest, t, func(e entry, t string) int {
		if strings.HasPrefix(e.tok, t) {
			return -1
		}
		return 1
	})
	return rest[:end]
}

// termScore is how well doc d matches term t: 0 no match, else the field
// weight, times 3 for an exact match; the best over its tokens.
func termScore(d *doc, t string) int {
	best := 0
	for _, tk := range d.toks {
		if !strings.HasPrefix(tk.tok, t) {
			continue
		}
		s := weight(tk.field)
		if len(tk.tok) == len(t) {
			s *= 3
		}
		if s > best {
			best = s
		}
	}
	return best
}

type bitmap []uint64

func (b bitmap) testAndSet(n int32) bool {
	w, m := n/64, uint64(1)<<(n%64)
	if b[w]&m != 0 {
		return true
	}
	b[w] |= m
	return false
}

// Search returns the patients matching every term of query by prefix,
// best first, at most limit (50 when limit <= 0). For one term, patients
// of equal score come in the order of the token they matched, then of
// their birth name and first names; for several terms, in the order of
// their names.
func (ix *Index) Search(query string, limit int) []Hit {
	if limit <= 0 {
		limit = 50
	}
	terms := queryTerms(query)
	if len(terms) == 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	seen := make(bitmap, (len(ix.docs)+63)/64)
	var hits []Hit
	if len(terms) == 1 {
		hits = ix.searchOne(terms[0], limit, seen)
	} else {
		hits = ix.searchMany(terms, limit, seen)
	}
	return hits
}

// searchOne walks the six score classes of one term — exact name, exact
// first name, exact other, name prefix, first-name prefix, other prefix —
// and stops once it holds limit patients. Within a class, patients come in
// the order of the token they matched (so "mar" lists MARCHAND before
// MARTIN, "19" the oldest birth dates first), then by name. Pending
// entries are scored one by one and merged in.
func (ix *Index) searchOne(t string, limit int, seen bitmap) []Hit {
	var exact, prefix [nFields][]entry
	for f := range nFields {
		r := prefixRange(ix.sorted[f], t)
		k, _ := slices.BinarySearchFunc(r, len(t), func(e entry, n int) int {
			if len(e.tok) == n {
				return -1
			}
			return 1
		})
		exact[f], prefix[f] = r[:k], r[k:]
	}
	type class struct {
		es    []entry
		score int
	}
	classes := []class{
		{exact[fieldName], 3 * weight(fieldName)}, {exact[fieldFirst], 3 * weight(fieldFirst)},
		{exact[fieldOther], 3 * weight(fieldOther)}, {prefix[fieldName], weight(fieldName)},
		{prefix[fieldFirst], weight(fieldFirst)}, {prefix[fieldOther], weight(fieldOther)},
	}
	res := make([]ranked, 0, limit)
	for _, c := range classes {
		es := c.es
		for i := 0; i < len(es) && len(res) < limit; i++ {
			if e := es[i]; ix.docs[e.doc].alive && !seen.testAndSet(e.doc) {
				res = append(res, ranked{c.score, e.tok, e.doc})
			}
		}
	}
	var extra []ranked
	for f := range nFields {
		for _, e := range ix.pending[f] {
			if strings.HasPrefix(e.tok, t) && ix.docs[e.doc].alive && !seen.testAndSet(e.doc) {
				extra = append(extra, bestToken(&ix.docs[e.doc], t, e.doc))
			}
		}
	}
	if len(extra) > 0 {
		res = append(res, extra...)
		slices.SortFunc(res, func(a, b ranked) int {
			if a.score != b.score {
				return b.score - a.score
			}
			if c := strings.Compare(a.tok, b.tok); c != 0 {
				return c
			}
			return ix.cmpDocs(a.doc, b.doc)
		})
		res = res[:min(limit, len(res))]
	}
	hits := make([]Hit, len(res))
	for i, r := range res {
		hits[i] = Hit{ID: ix.docs[r.doc].id, Score: r.score}
	}
	return hits
}

// ranked is a one-term result: its score, the token that earned it (the
// first in token order among the best) and the patient.
type ranked struct {
	score int
	tok   string
	doc   int32
}

// bestToken scores doc d on term t as searchOne's classes do.
func bestToken(d *doc, t string, n int32) ranked {
	r := ranked{doc: n}
	for _, tk := range d.toks {
		if !strings.HasPrefix(tk.tok, t) {
			continue
		}
		s := weight(tk.field)
		if len(tk.tok) == len(t) {
			s *= 3
		}
		if s > r.score || (s == r.score && tk.tok < r.tok) {
			r.score, r.tok = s, tk.tok
		}
	}
	return r
}

type scored struct {
	score int
	doc   int32
}

func (ix *Index) sortScored(s []scored) {
	slices.SortFunc(s, func(a, b scored) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return ix.cmpDocs(a.doc, b.doc)
	})
}

// searchMany intersects the terms: each term's entries (sorted and
// pending) add their score to the patients that matched every earlier
// term. Terms are taken from the fewest entries up, so that the running
// set only shrinks.
func (ix *Index) searchMany(terms []string, limit int, seen bitmap) []Hit {
	type termRange struct {
		t string
		r [nFields][]entry
		n int
	}
	trs := make([]termRange, len(terms))
	for i, t := range terms {
		trs[i].t = t
		for f := range nFields {
			trs[i].r[f] = prefixRange(ix.sorted[f], t)
			trs[i].n += len(trs[i].r[f])
		}
	}
	slices.SortStableFunc(trs, func(a, b termRange) int { return a.n - b.n })

	nd := len(ix.docs)
	matched := make([]uint8, nd) // how many terms each patient matched so far
	best := make([]uint8, nd)    // its best score on the current term
	total := make([]uint16, nd)  // its score over the terms matched
	var last []int32             // patients matching every term
	for i, tr := range trs {
		i := uint8(i)
		visit := func(d int32, s uint8) {
			switch matched[d] {
			case i:
				matched[d], best[d], total[d] = i+1, s, total[d]+uint16(s)
				if int(i)+1 == len(trs) {
					last = append(last, d)
				}
			case i + 1:
				if s > best[d] {
					total[d] += uint16(s - best[d])
					best[d] = s
				}
			}
		}
		for f := range nFields {
			w := uint8(weight(f))
			for _, e := range tr.r[f] {
				s := w
				if len(e.tok) == len(tr.t) {
					s *= 3
				}
				visit(e.doc, s)
			}
			for _, e := range ix.pending[f] {
				if strings.HasPrefix(e.tok, tr.t) {
					s := w
					if len(e.tok) == len(tr.t) {
						s *= 3
					}
					visit(e.doc, s)
				}
			}
		}
	}
	cands := make([]scored, 0, len(last))
	maxScore := 0
	for _, d := range last {
		if ix.docs[d].alive && !seen.testAndSet(d) {
			cands = append(cands, scored{int(total[d]), d})
			maxScore = max(maxScore, int(total[d]))
		}
	}
	// Keep the best score classes that fill limit, then order them.
	if len(cands) > limit {
		count := make([]int, maxScore+1)
		for _, c := range cands {
			count[c.score]++
		}
		threshold, kept := maxScore, 0
		for ; threshold > 0; threshold-- {
			kept += count[threshold]
			if kept >= limit {
				break
			}
		}
		cands = slices.DeleteFunc(cands, func(c scored) bool { return c.score < threshold })
	}
	ix.sortScored(cands)
	hits := make([]Hit, 0, min(limit, len(cands)))
	for _, c := range cands[:min(limit, len(cands))] {
		hits = append(hits, Hit{ID: ix.docs[c.doc].id, Score: c.score})
	}
	return hits
}

// compareDocs orders by birth name, then first names (their first tokens).
func (ix *Index) compareDocs(a, b int32) int {
	ta, tb := ix.docs[a].toks, ix.docs[b].toks
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if c := strings.Compare(ta[i].tok, tb[i].tok); c != 0 {
			return c
		}
	}
	return strings.Compare(ix.docs[a].id, ix.docs[b].id)
}
