package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The vault in testdata/vault-v1 was written by Cabinet at schema version
// 1 (by CABINET_WRITE_FIXTURE=1 go test -run TestVaultFromSchemaV1Opens).
// Every later version must open it and read its records; when the format
// changes, add the new version's fixture and a migration, and keep this
// one.
const fixturePass = "fixture passphrase v1"

func TestVaultFromSchemaV1Opens(t *testing.T) {
	dir := filepath.Join("testdata", "vault-v1")
	if os.Getenv("CABINET_WRITE_FIXTURE") != "" {
		os.RemoveAll(dir)
		v, _, err := Create(dir, []byte(fixturePass), &Options{KDF: &TestKDF, Now: func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		v.Update(func(tx *Tx) error {
			if err := tx.Put("patients", tx.NamedID("fixture patient"), []byte(`{"birth_name":"Fixture","first_names":"Vieux"}`)); err != nil {
				return err
			}
			return tx.Audit(AuditEntry{Action: "patient.create", Object: "fixture"})
		})
		v.Close()
		os.RemoveAll(filepath.Join(dir, "backups"))
		return
	}
	// Work on a copy: opening writes (the unlock is audited).
	work := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	os.WriteFile(filepath.Join(work, FileName), raw, 0o600)
	v, err := Open(work, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock([]byte(fixturePass)); err != nil {
		t.Fatal(err)
	}
	err = v.View(func(tx *Tx) error {
		b, err := tx.Get("patients", tx.NamedID("fixture patient"))
		if err != nil {
			return err
		}
		if string(b) != `{"birth_name":"Fixture","first_names":"Vieux"}` {
			t.Errorf("record read back as %s", b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := v.VerifyAudit(); err != nil || rep.Break != nil || rep.Entries < 2 {
		t.Fatalf("audit of the old vault %+v %v", rep, err)
	}
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
}
