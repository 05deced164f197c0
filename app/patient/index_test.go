package patient

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func indexed(ps ...Patient) *Index {
	ix := NewIndex()
	for i := range ps {
		if ps[i].ID == "" {
			ps[i].ID = fmt.Sprint("p", i)
		}
		ix.Put(ps[i])
	}
	return ix
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestFoldStripsAccentsAndCase(t *testing.T) {
	for in, want := range map[string]string{
		"Hélène": "helene", "FRANÇOIS": "francois", "Œdipe": "oedipe", "Straße": "strasse",
		"N’Diaye": "n'diaye", "plain": "plain", "ÀÉÎÕÜ": "aeiou",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchFindsByEveryField(t *testing.T) {
	h := Patient{ID: "h", BirthName: "Dupont-Lefèvre", UsedName: "Martin", FirstNames: "Hélène Marie", BirthDate: "1972-09-14",
		NIR: "272097510800177", Phone: "+33 6 12 34 56 78"}
	o := Patient{ID: "o", BirthName: "Durand", FirstNames: "Paul", BirthDate: "1980-01-02", Phone: "01 02 03 04 05"}
	ix := indexed(h, o)
	for q, want := range map[string][]string{
		"dupont": {"h"}, "LEFEVRE": {"h"}, "dupont-lef": {"h"}, "martin": {"h"}, "hélène": {"h"}, "marie": {"h"},
		"14/09/1972": {"h"}, "1972-09-14": {"h"}, "14/09": {"h"}, "2720975": {"h"}, "06 12 34": {"h"}, "0612": {"h"},
		"du": {"h", "o"}, "du paul": {"o"}, "01 02 03": {"o"}, "zzz": nil, "": nil,
	} {
		got := ids(ix.Search(q, 10))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Search(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestSearchRanksExactNamesFirst(t *testing.T) {
	ix := indexed(
		Patient{ID: "prefix", BirthName: "Martinez", FirstNames: "Ana", BirthDate: "1990-01-01"},
		Patient{ID: "first", BirthName: "Bernard", FirstNames: "Martin", BirthDate: "1990-01-01"},
		Patient{ID: "exact", BirthName: "Martin", FirstNames: "Zoé", BirthDate: "1990-01-01"},
	)
	if got := ids(ix.Search("martin", 10)); !slices.Equal(got, []string{"exact", "first", "prefix"}) {
		t.Fatalf("ranking %v", got)
	}
}

func TestPutReplacesAndRemoveForgets(t *testing.T) {
	ix := indexed(Patient{ID: "a", BirthName: "Durand", FirstNames: "Zoé", BirthDate: "1990-01-01"})
	ix.Put(Patient{ID: "a", BirthName: "Moreau", FirstNames: "Zoé", BirthDate: "1990-01-01"})
	if len(ix.Search("durand", 10)) != 0 || len(ix.Search("moreau", 10)) != 1 || ix.Len() != 1 {
		t.Fatal("replaced name still found, or new one missing")
	}
	ix.Remove("a")
	if len(ix.Search("moreau", 10)) != 0 || ix.Len() != 0 {
		t.Fatal("removed patient still found")
	}
	ix.Put(Patient{ID: "b", BirthName: "Petit", FirstNames: "Léa", BirthDate: "1990-01-01"})
	ix.Clear()
	if ix.Len() != 0 || len(ix.Search("petit", 10)) != 0 {
		t.Fatal("Clear kept patients")
	}
}

func TestSearchHonoursTheLimitAfterManyUpdates(t *testing.T) {
	ix := NewIndex()
	ps := synthetic(5000, 3)
	ix.PutAll(ps[:2500])
	for _, p := range ps[2500:] {
		ix.Put(p)
	}
	if ix.Len() != 5000 {
		t.Fatalf("Len %d", ix.Len())
	}
	for _, q := range []string{"a", "m", "ma", "19"} {
		if n := len(ix.Search(q, 25)); n != 25 {
			t.Errorf("Search(%q) gave %d hits, want the limit 25", q, n)
		}
	}
}

var surnames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
	"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
	"André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Le Gall", "N'Diaye", "Faure", "Rousseau"}
var firsts = []string{"Hélène", "Marie", "Jean", "Pierre", "Chloé", "Zoé", "Jérôme", "François", "Léa", "Lucas", "Emma", "Hugo",
	"Inès", "Louis", "Camille", "Noé", "Anaïs", "Théo", "Élodie", "Mathéo"}

func synthetic(n int, seed uint64) []Patient {
	rng := rand.New(rand.NewPCG(seed, seed))
	ps := make([]Patient, n)
	for i := range ps {
		ps[i] = Patient{
			ID:         fmt.Sprintf("%032x", i),
			BirthName:  surnames[rng.IntN(len(surnames))] + fmt.Sprint(rng.IntN(200)),
			FirstNames: firsts[rng.IntN(len(firsts))],
			BirthDate:  time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			Phone:      fmt.Sprintf("06 %02d %02d %02d %02d", rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100)),
		}
	}
	return ps
}

func BenchmarkBuild100k(b *testing.B) {
	ps := synthetic(100_000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewIndex().PutAll(ps)
	}
}

func BenchmarkSearch100k(b *testing.B) {
	ix := NewIndex()
	ix.PutAll(synthetic(100_000, 1))
	queries := []string{"d", "du", "dup", "dupont", "dup hel", "m", "ma", "mar", "martin", "marti zo", "h", "he", "hel",
		"1972", "14/09", "06 1", "le g", "n'd", "lef", "lefèvre"}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ix.Search(queries[i%len(queries)], 50)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Hélène", "ŒUF", "N’Diaye", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a := Fold(s); Fold(a) != a {
			t.Fatalf("Fold not idempotent on %q", s)
		}
	})
}

func FuzzSearch(f *testing.F) {
	for _, q := range []string{"dup", "14/09/1972", "06 12", "", "-'", "  "} {
		f.Add(q, 3)
	}
	ix := indexed(synthetic(50, 9)...)
	f.Fuzz(func(t *testing.T, q string, limit int) {
		if limit > 100 || limit < -5 {
			return
		}
		hits := ix.Search(q, limit)
		max := limit
		if max <= 0 {
			max = 50
		}
		if len(hits) > max {
			t.Fatalf("%d hits for limit %d", len(hits), limit)
		}
	})
}

// bruteForce is the specification of Search: every patient matching all
// terms, by total score, then (one term) the token that matched, then
// birth name and first names.
func bruteForce(ps map[string]Patient, query string, limit int) []Hit {
	terms := queryTerms(query)
	if len(terms) == 0 {
		return nil
	}
	type cand struct {
		d     doc
		score int
		tok   string
	}
	var cands []cand
	for _, p := range ps {
		d := doc{id: p.ID, toks: tokens(p)}
		if len(terms) == 1 {
			if r := bestToken(&d, terms[0], 0); r.score > 0 {
				cands = append(cands, cand{d, r.score, r.tok})
			}
			continue
		}
		total := 0
		for _, t := range terms {
			s := termScore(&d, t)
			if s == 0 {
				total = 0
				break
			}
			total += s
		}
		if total > 0 {
			cands = append(cands, cand{d, total, ""})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			return b.score - a.score
		}
		if c := strings.Compare(a.tok, b.tok); c != 0 {
			return c
		}
		ix := &Index{docs: []doc{a.d, b.d}}
		return ix.compareDocs(0, 1)
	})
	var hits []Hit
	for _, c := range cands[:min(limit, len(cands))] {
		hits = append(hits, Hit{ID: c.d.id, Score: c.score})
	}
	return hits
}

func TestSearchAgreesWithBruteForceThroughUpdates(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	all := synthetic(3000, 5)
	live := map[string]Patient{}
	ix := NewIndex()
	ix.PutAll(all[:2000])
	for _, p := range all[:2000] {
		live[p.ID] = p
	}
	queries := []string{"d", "dup", "dupont1", "m j", "le g", "gall", "hel", "zo mart", "19", "06 1", "lef 2", "n'd", "x", "marie jean"}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			for _, limit := range []int{1, 7, 50} {
				got, want := ix.Search(q, limit), bruteForce(live, q, limit)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: Search(%q, %d)\n got %v\nwant %v", step, q, limit, got, want)
				}
			}
		}
	}
	check("after PutAll")
	// Additions, edits and removals, some merged, some still pending.
	for i, p := range all[2000:] {
		ix.Put(p)
		live[p.ID] = p
		if i%3 == 0 {
			victim := all[rng.IntN(2000)]
			if _, ok := live[victim.ID]; ok {
				if rng.IntN(2) == 0 {
					ix.Remove(victim.ID)
					delete(live, victim.ID)
				} else {
					victim.FirstNames = "Zoé Marie"
					ix.Put(victim)
					live[victim.ID] = victim
				}
			}
		}
		if i == 150 || i == 999 {
			check(fmt.Sprintf("after %d updates", i+1))
		}
	}
	if ix.Len() != len(live) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(live))
	}
}

// A bulk load through Load gives the same answers as the brute force
// while it runs (entries pending) and after Flush, edits included.
func TestLoadAgreesWithBruteForceDuringAndAfterABulkLoad(t *testing.T) {
	all := synthetic(20000, 3)
	live := map[string]Patient{}
	ix := NewIndex()
	queries := []string{"d", "dup", "dupont1", "m j", "gall", "hel", "19", "06 1", "marie jean"}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			for _, limit := range []int{1, 50} {
				if got, want := ix.Search(q, limit), bruteForce(live, q, limit); !slices.Equal(got, want) {
					t.Fatalf("%s: Search(%q, %d)\n got %v\nwant %v", step, q, limit, got, want)
				}
			}
		}
	}
	for i := 0; i < len(all); i += 500 {
		part := slices.Clone(all[i : i+500])
		if i > 0 {
			part[0] = all[i-1] // an edit of a patient already loaded
			part[0].FirstNames = "Zoé"
		}
		ix.Load(part)
		for _, p := range part {
			live[p.ID] = p
		}
		if i == 9000 {
			if ix.npend <= mergeAt {
				t.Fatalf("%d entries pending mid-load: the load merges as often as Put", ix.npend)
			}
			check("during the load")
		}
	}
	ix.Flush()
	check("after Flush")
	if ix.npend != 0 || ix.Len() != len(live) {
		t.Fatalf("after Flush: %d pending, Len %d, want 0 and %d", ix.npend, ix.Len(), len(live))
	}
}
