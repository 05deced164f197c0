package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// GetMany gives each value to its own index, skips the missing ones, and
// refuses the lot when one value does not authenticate.
func TestGetManyReturnsEveryValueOnceAndRefusesATamperedOne(t *testing.T) {
	v, _ := newVault(t)
	const n = 500
	ids := make([]ID, n)
	err := v.Update(func(tx *Tx) error {
		for i := range ids {
			ids[i] = NewID()
			if i%7 == 3 {
				continue // never written: missing
			}
			if err := tx.Put("consultations", ids[i], fmt.Appendf(nil, "consultation %d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, n)
	var mu sync.Mutex
	calls := 0
	err = v.View(func(tx *Tx) error {
		return tx.GetMany("consultations", ids, func(i int, value []byte) error {
			got[i] = string(value) // copied: value is wiped after the call
			mu.Lock()
			calls++
			mu.Unlock()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		want := fmt.Sprintf("consultation %d", i)
		if i%7 == 3 {
			want = ""
		}
		if got[i] != want {
			t.Fatalf("index %d: %q, want %q", i, got[i], want)
		}
	}
	if calls != n-(n+3)/7 {
		t.Errorf("%d calls for %d present values", calls, n-(n+3)/7)
	}

	// A value moved under another key no longer authenticates.
	err = v.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{v: v, tx: btx, k: v.keys}
		b, _ := tx.bucket("consultations", false)
		return b.Put(ids[400][:], append([]byte(nil), b.Get(ids[401][:])...))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = v.View(func(tx *Tx) error {
		return tx.GetMany("consultations", ids, func(int, []byte) error { return nil })
	})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a swapped value gives %v, want ErrCorrupt", err)
	}
	// The caller's error stops the work and comes back as it is.
	stop := errors.New("stop")
	err = v.View(func(tx *Tx) error {
		return tx.GetMany("consultations", ids[:300], func(int, []byte) error { return stop })
	})
	if !errors.Is(err, stop) {
		t.Fatalf("the caller's error became %v", err)
	}
}
