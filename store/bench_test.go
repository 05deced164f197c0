package store

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A patient-sized record: JSON of an identity with address and notes.
func sampleRecord(i int) []byte {
	b, _ := json.Marshal(map[string]any{
		"birth_name": "Dupont-Lefèvre", "first_names": "Hélène Marie", "birth_date": "1972-09-14",
		"nir": "272097510800177", "address": "12 rue des Lilas\n69003 Lyon", "phone": "06 12 34 56 78",
		"email": "helene.dl@example.com", "notes": "Allergie pénicilline. Suivi tensionnel.", "n": i,
	})
	return b
}

const benchBatch = 500

// BenchmarkInsert compares sealed inserts with plain bbolt inserts of the
// same records in the same batches, and reports the ratio.
func BenchmarkInsert(b *testing.B) {
	dir := b.TempDir()
	v, _, err := Create(filepath.Join(dir, "enc"), []byte("bench passphrase"), &Options{KDF: &TestKDF})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	plain, err := bolt.Open(filepath.Join(dir, "plain.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	recs := make([][]byte, benchBatch)
	for i := range recs {
		recs[i] = sampleRecord(i)
	}
	var encT, plainT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		err := plain.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("patients"))
			if err != nil {
				return err
			}
			for _, r := range recs {
				id := NewID()
				if err := bk.Put(id[:], r); err != nil {
					return err
				}
			}
			return nil
		})
		plainT += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		err = v.Update(func(tx *Tx) error {
			for _, r := range recs {
				if err := tx.Put("patients", NewID(), r); err != nil {
					return err
				}
			}
			return nil
		})
		encT += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N * benchBatch)
	b.ReportMetric(float64(encT.Nanoseconds())/n, "enc-ns/insert")
	b.ReportMetric(float64(plainT.Nanoseconds())/n, "plain-ns/insert")
	b.ReportMetric(float64(encT)/float64(plainT), "enc/plain")
}

// BenchmarkRead compares reading records back by id.
func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	v, _, err := Create(filepath.Join(dir, "enc"), []byte("bench passphrase"), &Options{KDF: &TestKDF})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	plain, _ := bolt.Open(filepath.Join(dir, "plain.db"), 0o600, nil)
	defer plain.Close()
	const n = 10000
	ids := make([]ID, n)
	v.Update(func(tx *Tx) error {
		for i := range ids {
			ids[i] = NewID()
			tx.Put("patients", ids[i], sampleRecord(i))
		}
		return nil
	})
	plain.Update(func(tx *bolt.Tx) error {
		bk, _ := tx.CreateBucket([]byte("patients"))
		for i, id := range ids {
			bk.Put(id[:], sampleRecord(i))
		}
		return nil
	})
	var encT, plainT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := ids[i%n]
		start := time.Now()
		plain.View(func(tx *bolt.Tx) error {
			_ = append([]byte(nil), tx.Bucket([]byte("patients")).Get(id[:])...)
			return nil
		})
		plainT += time.Since(start)
		start = time.Now()
		v.View(func(tx *Tx) error {
			_, err := tx.Get("patients", id)
			return err
		})
		encT += time.Since(start)
	}
	b.ReportMetric(float64(encT.Nanoseconds())/float64(b.N), "enc-ns/read")
	b.ReportMetric(float64(plainT.Nanoseconds())/float64(b.N), "plain-ns/read")
	b.ReportMetric(float64(encT)/float64(plainT), "enc/plain")
}

// BenchmarkKeyDerivation is the Argon2id cost of one unlock with the
// default (floor) parameters.
func BenchmarkKeyDerivation(b *testing.B) {
	salt := make([]byte, 16)
	for i := 0; i < b.N; i++ {
		deriveKEK([]byte("bench passphrase"), salt, DefaultKDF)
	}
}
