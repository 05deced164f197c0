package patient

import (
	"slices"
	"testing"
)

// A loaded snapshot answers every query as the index it was taken from,
// and keeps taking updates.
func TestSnapshotAnswersLikeTheIndex(t *testing.T) {
	ps := synthetic(5000, 3)
	ix := NewIndex()
	ix.PutAll(ps)
	ix.Remove(ps[10].ID)
	ix.Put(Patient{ID: "new", BirthName: "Nouvelle", FirstNames: "Zoé", BirthDate: "2001-02-03"})
	loaded, err := LoadIndex(ix.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Len() != ix.Len() {
		t.Fatalf("loaded %d patients, the index has %d", loaded.Len(), ix.Len())
	}
	for _, q := range []string{"d", "dup", "martin1", "zo", "nouvelle", "2001", "03/02", "06 1", "le g", "lef", "n'd", "x"} {
		want, got := ix.Search(q, 50), loaded.Search(q, 50)
		if !slices.Equal(want, got) {
			t.Fatalf("Search(%q): loaded %v, index %v", q, got, want)
		}
	}
	loaded.Put(Patient{ID: "later", BirthName: "Tardif", FirstNames: "Léa"})
	loaded.Remove("new")
	if hits := loaded.Search("tardif", 5); len(hits) != 1 || hits[0].ID != "later" {
		t.Fatalf("a patient added after loading: %v", hits)
	}
	if hits := loaded.Search("nouvelle", 5); len(hits) != 0 {
		t.Fatalf("a patient removed after loading still found: %v", hits)
	}
}

func FuzzLoadIndex(f *testing.F) {
	ix := NewIndex()
	ix.PutAll(synthetic(20, 1))
	f.Add(ix.Snapshot())
	f.Add([]byte("CIX1\x01\x02ab\x01\x00\x01x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		loaded, err := LoadIndex(b)
		if err != nil {
			return
		}
		loaded.Search("a", 10)
		loaded.Put(Patient{ID: "z", BirthName: "Z"})
		loaded.Search("z", 10)
	})
}

func BenchmarkLoad100k(b *testing.B) {
	ix := NewIndex()
	ix.PutAll(synthetic(100_000, 1))
	snap := ix.Snapshot()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := LoadIndex(snap); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap))/1e6, "MB")
}
