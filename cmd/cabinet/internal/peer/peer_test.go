package peer

import (
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mutecomm/go-sqlcipher/v4"
	bolt "go.etcd.io/bbolt"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// size is the number of patients of the comparison;
// CABINET_BENCH_PATIENTS overrides it.
func size() int { return envInt("CABINET_BENCH_PATIENTS", 100_000) }

func patients(n int) []patient.Patient {
	out := make([]patient.Patient, 0, n)
	demo.Generate(demo.Options{Patients: n, Seed: 11, Now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, func(r demo.Record) bool {
		r.Patient.ID = store.NewID().String()
		out = append(out, r.Patient)
		return true
	})
	return out
}

// engine is one of the three stores under the same workload.
type engine interface {
	insert(ps []patient.Patient) error
	read(id string) (patient.Patient, error)
	prefix(p string) (int, error) // patients whose birth name starts with p
	scan(fn func(patient.Patient)) error
	reopen() error // close and open again until searchable
	close()
}

// batch is how many records one transaction inserts: 10,000, as in the
// prototype the issue measured; CABINET_BENCH_BATCH changes it (Cabinet's
// own imports commit every 500).
var batch = envInt("CABINET_BENCH_BATCH", 10_000)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// --- Cabinet: sealed values, in-memory index built at unlock ---

type cabinet struct {
	dir string
	v   *store.Vault
	ix  *patient.Index
}

var pass = []byte("phrase de passe du banc d'essai")

func newCabinet(b *testing.B) *cabinet {
	dir := filepath.Join(b.TempDir(), "cabinet")
	v, _, err := store.Create(dir, pass, &store.Options{KDF: &store.TestKDF})
	if err != nil {
		b.Fatal(err)
	}
	return &cabinet{dir: dir, v: v, ix: patient.NewIndex()}
}

func (c *cabinet) insert(ps []patient.Patient) error {
	for i := 0; i < len(ps); i += batch {
		part := ps[i:min(i+batch, len(ps))]
		err := c.v.Update(func(tx *store.Tx) error {
			for _, p := range part {
				id, _ := store.ParseID(p.ID)
				if err := tx.PutJSON("patients", id, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.ix.Load(part)
	}
	c.ix.Flush()
	return nil
}

func (c *cabinet) read(id string) (p patient.Patient, err error) {
	sid, _ := store.ParseID(id)
	err = c.v.View(func(tx *store.Tx) error { return tx.GetJSON("patients", sid, &p) })
	return p, err
}

func (c *cabinet) prefix(q string) (int, error) { return len(c.ix.Search(q, 50)), nil }

func (c *cabinet) scan(fn func(patient.Patient)) error {
	return c.v.View(func(tx *store.Tx) error {
		return tx.ForEach("patients", func(_ store.ID, v []byte) error {
			var p patient.Patient
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			fn(p)
			return nil
		})
	})
}

// reopen is what an unlock does in Cabinet: the index saved (sealed) at
// lock is loaded instead of decrypting every patient.
func (c *cabinet) reopen() error {
	snapID := store.ID{1}
	if err := c.v.Update(func(tx *store.Tx) error { return tx.Put("search-index", snapID, c.ix.Snapshot()) }); err != nil {
		return err
	}
	c.v.Close()
	v, err := store.Open(c.dir, nil)
	if err != nil {
		return err
	}
	if err := v.Unlock(pass); err != nil {
		return err
	}
	c.v = v
	return v.View(func(tx *store.Tx) error {
		snap, err := tx.Get("search-index", snapID)
		if err != nil {
			return err
		}
		c.ix, err = patient.LoadIndex(snap)
		return err
	})
}

func (c *cabinet) close() { c.v.Close() }

// --- SQLCipher: encrypted pages, a clear B-tree index inside them ---

type sqlcipher struct {
	path string
	db   *sql.DB
}

// A raw 256-bit key (no PBKDF2), as Cabinet's side is measured after its
// own key derivation.
var rawKey = hex.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func openSQLCipher(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_pragma_key=x'"+rawKey+"'&_pragma_cipher_page_size=4096&_journal_mode=WAL&_synchronous=FULL")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func newSQLCipher(b *testing.B) *sqlcipher {
	path := filepath.Join(b.TempDir(), "peer.db")
	db, err := openSQLCipher(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`create table patients(id text primary key, birth_name text, doc blob); create index by_name on patients(birth_name)`); err != nil {
		b.Fatal(err)
	}
	return &sqlcipher{path: path, db: db}
}

func (s *sqlcipher) insert(ps []patient.Patient) error {
	for i := 0; i < len(ps); i += batch {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		st, err := tx.Prepare(`insert into patients values (?, ?, ?)`)
		if err != nil {
			tx.Rollback()
			return err
		}
		for _, p := range ps[i:min(i+batch, len(ps))] {
			doc, _ := json.Marshal(p)
			if _, err := st.Exec(p.ID, strings.ToUpper(p.BirthName), doc); err != nil {
				tx.Rollback()
				return err
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlcipher) read(id string) (p patient.Patient, err error) {
	var doc []byte
	if err := s.db.QueryRow(`select doc from patients where id = ?`, id).Scan(&doc); err != nil {
		return p, err
	}
	return p, json.Unmarshal(doc, &p)
}

func (s *sqlcipher) prefix(q string) (int, error) {
	q = strings.ToUpper(q)
	rows, err := s.db.Query(`select doc from patients where birth_name >= ? and birth_name < ? limit 50`, q, q+"\uffff")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var doc []byte
		var p patient.Patient
		if err := rows.Scan(&doc); err != nil {
			return n, err
		}
		if err := json.Unmarshal(doc, &p); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (s *sqlcipher) scan(fn func(patient.Patient)) error {
	rows, err := s.db.Query(`select doc from patients`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		var p patient.Patient
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		if err := json.Unmarshal(doc, &p); err != nil {
			return err
		}
		fn(p)
	}
	return rows.Err()
}

func (s *sqlcipher) reopen() error {
	s.db.Close()
	db, err := openSQLCipher(s.path)
	if err != nil {
		return err
	}
	s.db = db
	_, err = s.prefix("M") // ready: the first query reads the schema and pages
	return err
}

func (s *sqlcipher) close() { s.db.Close() }

// --- plain bbolt, no encryption: the ceiling ---

type plain struct {
	path string
	db   *bolt.DB
	ix   *patient.Index
}

func newPlain(b *testing.B) *plain {
	path := filepath.Join(b.TempDir(), "plain.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	return &plain{path: path, db: db, ix: patient.NewIndex()}
}

func (p *plain) insert(ps []patient.Patient) error {
	for i := 0; i < len(ps); i += batch {
		part := ps[i:min(i+batch, len(ps))]
		err := p.db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("patients"))
			if err != nil {
				return err
			}
			for _, x := range part {
				v, _ := json.Marshal(x)
				if err := bk.Put([]byte(x.ID), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		p.ix.Load(part)
	}
	p.ix.Flush()
	return nil
}

func (p *plain) read(id string) (x patient.Patient, err error) {
	err = p.db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket([]byte("patients")).Get([]byte(id)), &x) })
	return x, err
}

func (p *plain) prefix(q string) (int, error) { return len(p.ix.Search(q, 50)), nil }

func (p *plain) scan(fn func(patient.Patient)) error {
	return p.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("patients")).ForEach(func(_, v []byte) error {
			var x patient.Patient
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
			fn(x)
			return nil
		})
	})
}

func (p *plain) reopen() error {
	snap := p.ix.Snapshot()
	if err := p.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("search-index"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("snapshot"), snap)
	}); err != nil {
		return err
	}
	p.db.Close()
	db, err := bolt.Open(p.path, 0o600, nil)
	if err != nil {
		return err
	}
	p.db = db
	return db.View(func(tx *bolt.Tx) error {
		ix, err := patient.LoadIndex(tx.Bucket([]byte("search-index")).Get([]byte("snapshot")))
		p.ix = ix
		return err
	})
}

func (p *plain) close() { p.db.Close() }

// BenchmarkPeer runs the workload on the three engines and reports, per
// line, Cabinet's time and its ratios to SQLCipher and to plain bbolt
// (below 1: Cabinet is faster).
func BenchmarkPeer(b *testing.B) {
	n := size()
	ps := patients(n)
	prefixes := []string{"ma", "du", "le", "be", "ro", "gi", "pe", "fa"}
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = ps[r.IntN(len(ps))].ID
	}
	type line struct {
		name string
		run  func(e engine) error
	}
	lines := []line{
		{"insert", func(e engine) error { return e.insert(ps) }},
		{"read", func(e engine) error {
			for _, id := range ids {
				if _, err := e.read(id); err != nil {
					return err
				}
			}
			return nil
		}},
		{"prefix", func(e engine) error {
			for range 50 {
				for _, q := range prefixes {
					if _, err := e.prefix(q); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		{"scan", func(e engine) error { return e.scan(func(patient.Patient) {}) }},
		{"export", func(e engine) error {
			var sb strings.Builder
			return e.scan(func(p patient.Patient) { fmt.Fprintf(&sb, "%s;%s;%s\n", p.ID, p.BirthName, p.BirthDate) })
		}},
		{"reopen", func(e engine) error { return e.reopen() }},
	}
	per := map[string]int{"insert": n, "read": len(ids), "prefix": 50 * len(prefixes), "scan": n, "export": n, "reopen": 1}
	times := map[string]map[string]time.Duration{}
	for i := 0; i < b.N; i++ {
		for _, name := range []string{"cabinet", "sqlcipher", "plain"} {
			var e engine
			switch name {
			case "cabinet":
				e = newCabinet(b)
			case "sqlcipher":
				e = newSQLCipher(b)
			default:
				e = newPlain(b)
			}
			for _, l := range lines {
				start := time.Now()
				if err := l.run(e); err != nil {
					b.Fatalf("%s %s: %v", name, l.name, err)
				}
				if times[l.name] == nil {
					times[l.name] = map[string]time.Duration{}
				}
				times[l.name][name] += time.Since(start)
			}
			e.close()
		}
	}
	for _, l := range lines {
		t := times[l.name]
		b.ReportMetric(float64(t["cabinet"].Nanoseconds())/float64(b.N*per[l.name]), l.name+"-ns/op")
		b.ReportMetric(float64(t["cabinet"])/float64(t["sqlcipher"]), l.name+"-cabinet/sqlcipher")
		b.ReportMetric(float64(t["cabinet"])/float64(t["plain"]), l.name+"-cabinet/plain")
	}
}
