package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var testPass = []byte("correct horse battery staple")

func testOptions() *Options { return &Options{KDF: &TestKDF} }

// newVault creates an unlocked vault in a temporary directory and checks
// its consistency when the test ends.
func newVault(t *testing.T) (*Vault, string) {
	t.Helper()
	dir := t.TempDir()
	v, rk, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v, rk
}

// openChecked opens and unlocks the vault in dir, closed when the test
// ends, and fails the test unless every value authenticates and the audit
// journal verifies; after says what happened to it.
func openChecked(t *testing.T, dir, after string) *Vault {
	t.Helper()
	v, err := Open(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := v.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	if err := v.Check(); err != nil {
		t.Fatalf("vault after %s: %v", after, err)
	}
	return v
}

func reopen(t *testing.T, v *Vault) *Vault {
	t.Helper()
	dir := v.Dir()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	nv, err := Open(dir, testOptions())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { nv.Close() })
	return nv
}

func put(t *testing.T, v *Vault, bucket string, value string) ID {
	t.Helper()
	id := NewID()
	if err := v.Update(func(tx *Tx) error { return tx.Put(bucket, id, []byte(value)) }); err != nil {
		t.Fatalf("Put: %v", err)
	}
	return id
}

func get(v *Vault, bucket string, id ID) (string, error) {
	var out []byte
	err := v.View(func(tx *Tx) error {
		var err error
		out, err = tx.Get(bucket, id)
		return err
	})
	return string(out), err
}

func TestValuesSurviveReopenWithPassphrase(t *testing.T) {
	v, _ := newVault(t)
	id := put(t, v, "patients", "Hélène Dupont")
	v = reopen(t, v)
	if _, err := get(v, "patients", id); !errors.Is(err, ErrLocked) {
		t.Fatalf("read before unlock: got %v, want ErrLocked", err)
	}
	if err := v.Unlock(testPass); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	got, err := get(v, "patients", id)
	if err != nil || got != "Hélène Dupont" {
		t.Fatalf("got %q, %v; want the stored value", got, err)
	}
}

func TestWrongPassphraseIsRefusedAndAudited(t *testing.T) {
	v, _ := newVault(t)
	v = reopen(t, v)
	if err := v.Unlock([]byte("not the passphrase")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("got %v, want ErrWrongPassphrase", err)
	}
	if v.Unlocked() {
		t.Fatal("vault unlocked by a wrong passphrase")
	}
	if err := v.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	var actions []string
	if err := v.AuditEntries(func(e AuditEntry) error { actions = append(actions, e.Action); return nil }); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(actions, ",")
	if !strings.Contains(joined, "vault.unlock-failed,vault.unlock") {
		t.Fatalf("audit journal %v lacks the failed unlock before the unlock", actions)
	}
}

func TestRecoveryKeyOpensAndSurvivesPassphraseChange(t *testing.T) {
	v, rk := newVault(t)
	id := put(t, v, "patients", "secret")
	newPass := []byte("a brand new passphrase")
	if err := v.ChangePassphrase([]byte("wrong old"), newPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("change with wrong old passphrase: got %v", err)
	}
	if err := v.ChangePassphrase(testPass, newPass); err != nil {
		t.Fatal(err)
	}
	v = reopen(t, v)
	if err := v.Unlock(testPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: got %v, want ErrWrongPassphrase", err)
	}
	if err := v.Unlock(newPass); err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	v.Lock()
	if err := v.UnlockWithRecovery(strings.ToLower(strings.ReplaceAll(rk, "-", " "))); err != nil {
		t.Fatalf("recovery key: %v", err)
	}
	if got, err := get(v, "patients", id); err != nil || got != "secret" {
		t.Fatalf("after recovery: %q, %v", got, err)
	}
	v.Lock()
	bad := []byte(rk)
	if bad[0] == 'A' {
		bad[0] = 'B'
	} else {
		bad[0] = 'A'
	}
	if err := v.UnlockWithRecovery(string(bad)); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("wrong recovery key: got %v", err)
	}
}

func TestLockDropsKeys(t *testing.T) {
	v, _ := newVault(t)
	id := put(t, v, "patients", "x")
	k := v.keys
	v.Lock()
	if v.keys != nil {
		t.Fatal("keys still referenced after Lock")
	}
	if !bytes.Equal(k.data, make([]byte, keySize)) || !bytes.Equal(k.records, make([]byte, keySize)) {
		t.Fatal("key bytes not wiped after Lock")
	}
	if _, err := get(v, "patients", id); !errors.Is(err, ErrLocked) {
		t.Fatalf("read after lock: %v", err)
	}
	if err := v.Update(func(tx *Tx) error { return tx.Put("patients", NewID(), []byte("y")) }); !errors.Is(err, ErrLocked) {
		t.Fatalf("write after lock: %v", err)
	}
}

func TestSecondOpenFailsFastWithAlreadyOpen(t *testing.T) {
	v, _ := newVault(t)
	start := time.Now()
	_, err := Open(v.Dir(), testOptions())
	if !errors.Is(err, ErrAlreadyOpen) {
		t.Fatalf("got %v, want ErrAlreadyOpen", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second open took %v, want under a second or so", d)
	}
}

func TestOpenEmptyDirectorySaysNoVault(t *testing.T) {
	if _, err := Open(t.TempDir(), testOptions()); !errors.Is(err, ErrNoVault) {
		t.Fatalf("got %v, want ErrNoVault", err)
	}
}

func TestCreateRefusesExistingVault(t *testing.T) {
	v, _ := newVault(t)
	if _, _, err := Create(v.Dir(), testPass, testOptions()); !errors.Is(err, ErrVaultExists) {
		t.Fatalf("got %v, want ErrVaultExists", err)
	}
}

// rawBytes returns the vault file's bytes after closing it.
func closeAndRead(t *testing.T, v *Vault) (string, []byte) {
	t.Helper()
	path := v.Path()
	v.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestTruncatedFileIsReportedCorrupt(t *testing.T) {
	v, _ := newVault(t)
	for i := 0; i < 200; i++ {
		put(t, v, "patients", strings.Repeat("consultation notes ", 20))
	}
	path, b := closeAndRead(t, v)
	for _, n := range []int{len(b) / 2, 4096 * 2, 100, 0} {
		if err := os.WriteFile(path, b[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		nv, err := Open(filepath.Dir(path), testOptions())
		if err == nil {
			nv.Close()
			t.Fatalf("truncated to %d bytes: opened without error", n)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: got %v, want ErrCorrupt", n, err)
		}
	}
}

// findSealed returns the offset of a sealed value's ciphertext in the file.
func TestFlippedByteInValueIsNamed(t *testing.T) {
	v, _ := newVault(t)
	marker := strings.Repeat("M", 64)
	id := put(t, v, "patients", marker)
	var sealed []byte
	v.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{v: v, tx: btx, k: v.keys}
		b, _ := tx.bucket("patients", false)
		sealed = append([]byte(nil), b.Get(id[:])...)
		return nil
	})
	path, raw := closeAndRead(t, v)
	// Copy-on-write leaves stale copies of the page: flip every copy.
	n := 0
	for off := bytes.Index(raw, sealed); off >= 0; off = bytes.Index(raw, sealed) {
		raw[off+len(sealed)/2] ^= 0x01
		n++
	}
	if n == 0 {
		t.Fatal("sealed value not found in file")
	}
	os.WriteFile(path, raw, 0o600)
	nv, err := Open(filepath.Dir(path), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer nv.Close()
	if err := nv.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	_, err = get(nv, "patients", id)
	var ce *CorruptError
	if !errors.As(err, &ce) || !strings.Contains(ce.Where, "patients") || !strings.Contains(ce.Where, id.String()) {
		t.Fatalf("got %v, want a CorruptError naming bucket patients and key %s", err, id)
	}
	if err := nv.Check(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check after flip: %v", err)
	}
}

func TestValueMovedToAnotherKeyIsRejected(t *testing.T) {
	v, _ := newVault(t)
	a := put(t, v, "patients", "patient A")
	b := put(t, v, "patients", "patient B")
	// An attacker with write access swaps the two sealed values.
	err := v.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{v: v, tx: btx, k: v.keys}
		bk, _ := tx.bucket("patients", false)
		va := append([]byte(nil), bk.Get(a[:])...)
		vb := append([]byte(nil), bk.Get(b[:])...)
		bk.Put(a[:], vb)
		return bk.Put(b[:], va)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []ID{a, b} {
		if got, err := get(v, "patients", id); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("swapped value for %s: got %q, %v; want ErrCorrupt", id, got, err)
		}
	}
	// Moved to another bucket under the same key.
	c := put(t, v, "patients", "patient C")
	v.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{v: v, tx: btx, k: v.keys}
		src, _ := tx.bucket("patients", false)
		dst, _ := tx.bucket("consultations", true)
		return dst.Put(c[:], append([]byte(nil), src.Get(c[:])...))
	})
	if got, err := get(v, "consultations", c); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("value moved across buckets: got %q, %v", got, err)
	}
}

// TestRandomByteFlipsNeverPanicNorLie flips bytes all over the file: every
// open and read either fails with a clear error or returns the exact value.
func TestRandomByteFlipsNeverPanicNorLie(t *testing.T) {
	v, _ := newVault(t)
	want := map[ID]string{}
	for i := 0; i < 50; i++ {
		s := strings.Repeat(string(rune('a'+i%26)), 100+i)
		want[put(t, v, "patients", s)] = s
	}
	path, raw := closeAndRead(t, v)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 60; round++ {
		b := append([]byte(nil), raw...)
		for j := 0; j < 3; j++ {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		os.WriteFile(path, b, 0o600)
		func() {
			nv, err := Open(filepath.Dir(path), testOptions())
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				return
			}
			defer nv.Close()
			if err := nv.Unlock(testPass); err != nil {
				return
			}
			for id, s := range want {
				got, err := get(nv, "patients", id)
				if err == nil && got != s {
					t.Fatalf("round %d: read returned wrong data without error", round)
				}
			}
		}()
	}
}

func TestHeaderDamageIsReported(t *testing.T) {
	v, _ := newVault(t)
	v.db.Update(func(btx *bolt.Tx) error {
		m := btx.Bucket(metaBucket)
		h := append([]byte(nil), m.Get(headerKey)...)
		h[bytes.Index(h, []byte(`"time":`))+7] = '9'
		return m.Put(headerKey, h)
	})
	dir := v.Dir()
	v.Close()
	_, err := Open(dir, testOptions())
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Where != "header" {
		t.Fatalf("got %v, want a header CorruptError", err)
	}
}

func TestAuditChainVerifiesAndNamesTamperedEntry(t *testing.T) {
	v, _ := newVault(t)
	for i := 0; i < 10; i++ {
		put(t, v, "patients", "x")
		v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "patient.create", Object: NewID().String()}) })
	}
	rep, err := v.VerifyAudit()
	if err != nil || rep.Break != nil || rep.Entries < 11 {
		t.Fatalf("intact journal: %+v, %v", rep, err)
	}

	// An insider holding the keys rewrites entry 5's action and re-seals it:
	// the MAC chain still names it.
	rewrite := func(seq uint64, edit func(*AuditEntry)) {
		v.db.Update(func(btx *bolt.Tx) error {
			tx := &Tx{v: v, tx: btx, k: v.keys}
			b, _ := tx.bucket(auditBucket, false)
			key := binary.BigEndian.AppendUint64(nil, seq)
			pt, _ := open(v.keys.records, b.Get(key), associatedData(auditBucket, key))
			var e AuditEntry
			json.Unmarshal(pt, &e)
			edit(&e)
			body, _ := json.Marshal(e)
			return b.Put(key, seal(v.keys.records, body, associatedData(auditBucket, key)))
		})
	}
	rewrite(5, func(e *AuditEntry) { e.Action = "nothing.happened" })
	rep, _ = v.VerifyAudit()
	if rep.Break == nil || rep.Break.Seq != 5 {
		t.Fatalf("rewritten entry 5: got %+v", rep.Break)
	}
}

func TestAuditChainDetectsDeletionAndFlip(t *testing.T) {
	cases := map[string]func(v *Vault, b *bolt.Bucket) uint64{
		"deleted": func(v *Vault, b *bolt.Bucket) uint64 {
			b.Delete(binary.BigEndian.AppendUint64(nil, 3))
			return 3
		},
		"flipped": func(v *Vault, b *bolt.Bucket) uint64 {
			key := binary.BigEndian.AppendUint64(nil, 4)
			val := append([]byte(nil), b.Get(key)...)
			val[len(val)-1] ^= 0x80
			b.Put(key, val)
			return 4
		},
		"last removed": func(v *Vault, b *bolt.Bucket) uint64 {
			c := b.Cursor()
			k, _ := c.Last()
			seq := binary.BigEndian.Uint64(k)
			b.Delete(k)
			return seq
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			v, _ := newVault(t)
			for i := 0; i < 6; i++ {
				v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "patient.read"}) })
			}
			var want uint64
			v.db.Update(func(btx *bolt.Tx) error {
				tx := &Tx{v: v, tx: btx, k: v.keys}
				b, _ := tx.bucket(auditBucket, false)
				want = tamper(v, b)
				return nil
			})
			rep, err := v.VerifyAudit()
			if err != nil || rep.Break == nil || rep.Break.Seq != want {
				t.Fatalf("got %+v, %v; want a break at entry %d", rep.Break, err, want)
			}
		})
	}
}

func TestBackupRestoresAndHoldsNoClearData(t *testing.T) {
	v, _ := newVault(t)
	marker := "Dupont-Lefèvre 272097510800177"
	id := put(t, v, "patients", marker)
	out := filepath.Join(t.TempDir(), "copy.bak")
	if err := v.BackupFile(out); err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	raw, _ := os.ReadFile(out)
	if bytes.Contains(raw, []byte("Dupont")) || bytes.Contains(raw, []byte("272097510800177")) {
		t.Fatal("backup holds clear patient data")
	}
	put(t, v, "patients", "written after the backup")

	// Restore into a new directory, then over the live one.
	fresh := filepath.Join(t.TempDir(), "restored")
	if err := Restore(fresh, out, testPass, testOptions()); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	nv, err := Open(fresh, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer nv.Close()
	if err := nv.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	if got, err := get(nv, "patients", id); err != nil || got != marker {
		t.Fatalf("restored value: %q, %v", got, err)
	}
	var last string
	nv.AuditEntries(func(e AuditEntry) error { last = e.Action; return nil })
	if last != "vault.unlock" {
		t.Fatalf("last audit action %q", last)
	}

	if err := Restore(fresh, out, []byte("wrong"), testOptions()); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("restore with wrong passphrase: %v", err)
	}
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	v, _ := newVault(t)
	marker := strings.Repeat("Z", 80)
	put(t, v, "patients", marker)
	out := filepath.Join(t.TempDir(), "copy.bak")
	if err := v.BackupFile(out); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(out)
	os.WriteFile(out, raw[:len(raw)/2], 0o600)
	target := filepath.Join(t.TempDir(), "t")
	if err := Restore(target, out, testPass, testOptions()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("restore of truncated backup: %v, want ErrCorrupt", err)
	}
	if Exists(target) {
		t.Fatal("a damaged backup left a vault behind")
	}
}

func TestFileShowsNoClearValuesOrBucketNames(t *testing.T) {
	v, _ := newVault(t)
	put(t, v, "patients", "Hélène Dupont-Lefèvre helene.dl@example.com")
	_, raw := closeAndRead(t, v)
	for _, s := range []string{"Hélène", "Dupont", "helene", "patients", "audit", "vault.create"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("file contains %q in clear", s)
		}
	}
}

func TestPrunedAuditStillVerifiesAndCannotBeForged(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	v, _, err := Create(dir, []byte(testPass), &Options{KDF: &TestKDF, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for i := 0; i < 10; i++ {
		now = now.Add(24 * time.Hour)
		v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "test.old"}) })
	}
	now = now.AddDate(1, 0, 0)
	for i := 0; i < 3; i++ {
		v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "test.recent"}) })
	}
	before, _ := v.VerifyAudit()
	n, err := v.PruneAudit(now.AddDate(0, -6, 0))
	if err != nil || n < 10 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	rep, err := v.VerifyAudit()
	if err != nil || rep.Break != nil || rep.Pruned != n || rep.Entries != before.Entries+1 {
		t.Fatalf("after pruning: %+v %v (before %+v)", rep, err, before)
	}
	var actions []string
	v.AuditEntries(func(e AuditEntry) error { actions = append(actions, e.Action); return nil })
	if actions[0] != "test.recent" || actions[len(actions)-1] != "audit.prune" {
		t.Errorf("kept entries %v", actions)
	}
	// Deleting one more entry behind the checkpoint's back is caught.
	v.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{v: v, tx: btx, k: v.keys}
		b, _ := tx.bucket(auditBucket, false)
		k, _ := b.Cursor().First()
		return b.Delete(k)
	})
	if rep, _ := v.VerifyAudit(); rep.Break == nil {
		t.Error("an entry deleted after the checkpoint went unnoticed")
	}
}

func TestFailedUnlocksSlowDownAndSurviveRestarts(t *testing.T) {
	dir := t.TempDir()
	v, _, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	var waits []time.Duration
	o := testOptions()
	o.sleep = func(d time.Duration) { waits = append(waits, d) }
	for i := 0; i < 3; i++ {
		v, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		v.Unlock([]byte("wrong one"))
		v.Unlock([]byte("wrong two"))
		v.Close() // a restart does not reset the count
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if UnlockDelay(100) != 30*time.Second {
		t.Error("the delay is not capped")
	}
	// A success resets the count and the failures reach the audit journal.
	v, _ = Open(dir, o)
	defer v.Close()
	if err := v.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	failed := 0
	v.AuditEntries(func(e AuditEntry) error {
		if e.Action == "vault.unlock-failed" {
			failed++
		}
		return nil
	})
	if failed != 6 {
		t.Errorf("%d failed unlocks audited, want 6", failed)
	}
	v.Lock()
	waits = nil
	v.Unlock([]byte("typo"))
	if len(waits) != 0 {
		t.Errorf("a typo after a success waits %v", waits)
	}
}

func TestKeyFileIsASecondFactorInTheDerivation(t *testing.T) {
	dir := t.TempDir()
	v, rk, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	key := randomBytes(32)
	if err := v.SetKeyFile([]byte("not the passphrase"), key); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("enrolment with a wrong passphrase: %v", err)
	}
	if err := v.SetKeyFile(testPass, key); err != nil {
		t.Fatal(err)
	}
	v.Close()
	reopen := func() *Vault {
		v, err := Open(dir, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v = reopen()
	if !v.NeedsKeyFile() {
		t.Fatal("the header does not say a key file is needed")
	}
	if err := v.Unlock(testPass); !errors.Is(err, ErrKeyFileNeeded) {
		t.Errorf("passphrase alone: %v", err)
	}
	if err := v.UnlockWith(testPass, randomBytes(32)); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong key file: %v", err)
	}
	if err := v.UnlockWith(testPass, key); err != nil {
		t.Fatalf("passphrase and key file: %v", err)
	}
	// A passphrase change keeps the factor.
	if err := v.ChangePassphrase(testPass, []byte("une autre phrase de passe")); err != nil {
		t.Fatal(err)
	}
	v.Close()
	v = reopen()
	if err := v.UnlockWith([]byte("une autre phrase de passe"), nil); !errors.Is(err, ErrKeyFileNeeded) {
		t.Errorf("factor lost by the passphrase change: %v", err)
	}
	// The key file is lost: the recovery key still opens, and a new
	// passphrase then opens alone.
	if err := v.UnlockWithRecovery(rk); err != nil {
		t.Fatalf("recovery key with a key-file vault: %v", err)
	}
	if err := v.SetPassphrase([]byte("phrase après perte de la clé")); err != nil {
		t.Fatal(err)
	}
	v.Close()
	v = reopen()
	defer v.Close()
	if v.NeedsKeyFile() {
		t.Error("the lost key file is still required")
	}
	if err := v.Unlock([]byte("phrase après perte de la clé")); err != nil {
		t.Fatal(err)
	}
	// Enrol a new key file, then remove it.
	key2 := randomBytes(32)
	if err := v.SetKeyFile([]byte("phrase après perte de la clé"), key2); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.UnlockWith([]byte("phrase après perte de la clé"), key2); err != nil {
		t.Fatalf("new key file: %v", err)
	}
	if err := v.SetKeyFile([]byte("phrase après perte de la clé"), nil); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock([]byte("phrase après perte de la clé")); err != nil {
		t.Fatalf("after removing the factor: %v", err)
	}
	actions := map[string]int{}
	v.AuditEntries(func(e AuditEntry) error { actions[e.Action]++; return nil })
	if actions["vault.second-factor-set"] != 2 || actions["vault.second-factor-remove"] != 1 {
		t.Errorf("factor changes not audited: %v", actions)
	}
}
