package store

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// fragmented makes a vault whose file is mostly free pages: many values
// written, then most of them deleted.
func fragmented(t *testing.T, dir string) (kept map[ID][]byte) {
	t.Helper()
	v, _, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	kept = map[ID][]byte{}
	var ids []ID
	for range 20 {
		err := v.Update(func(tx *Tx) error {
			for range 100 {
				id := NewID()
				val := make([]byte, 2048)
				rand.Read(val)
				if err := tx.Put("records", id, val); err != nil {
					return err
				}
				ids = append(ids, id)
				kept[id] = val
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = v.Update(func(tx *Tx) error {
		for i, id := range ids {
			if i%10 != 0 {
				delete(kept, id)
				if err := tx.Delete("records", id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestCompactShrinksTheFileAndKeepsEveryValue(t *testing.T) {
	dir := t.TempDir()
	kept := fragmented(t, dir)
	v, err := Open(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, _, err := v.Compact(); err != ErrLocked {
		t.Fatalf("compact while locked: %v, want ErrLocked", err)
	}
	if err := v.Unlock(testPass); err != nil {
		t.Fatal(err)
	}
	before, after, err := v.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if after*2 > before {
		t.Fatalf("compaction: %d -> %d bytes; want at least halved after deleting 90%%", before, after)
	}
	check := func(v *Vault) {
		t.Helper()
		err := v.View(func(tx *Tx) error {
			if n := tx.Count("records"); n != len(kept) {
				return fmt.Errorf("%d records, want %d", n, len(kept))
			}
			for id, want := range kept {
				got, err := tx.Get("records", id)
				if err != nil || string(got) != string(want) {
					return fmt.Errorf("record %s lost or changed: %v", id, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := v.VerifyAudit(); err != nil || rep.Break != nil {
			t.Fatalf("audit after compaction: %v %+v", err, rep.Break)
		}
	}
	check(v)
	if err := v.Update(func(tx *Tx) error { return tx.Put("records", NewID(), []byte("after")) }); err != nil {
		t.Fatalf("no write after compaction: %v", err)
	}
	v.Close()
	if _, err := os.Stat(v.Path() + ".compact"); !os.IsNotExist(err) {
		t.Fatal("the compaction copy was left behind")
	}
	openChecked(t, dir, "compaction")
}

// TestDiskFullDuringCompactLeavesTheVaultWhole: the copy cannot fit, the
// error says so, and the vault is as it was.
func TestDiskFullDuringCompactLeavesTheVaultWhole(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_COMPACTFULL"); dir != "" {
		signal.Ignore(syscall.SIGXFSZ)
		v, err := Open(dir, testOptions())
		if err == nil {
			err = v.Unlock(testPass)
		}
		if err != nil {
			fmt.Println("setup:", err)
			os.Exit(1)
		}
		limit := uint64(64 << 10) // far smaller than the live data
		syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit})
		_, _, err = v.Compact()
		fmt.Println("err:", err)
		if err == nil {
			return
		}
		// The vault is still open and usable in this process.
		err = v.View(func(tx *Tx) error { _, err := tx.Buckets(); return err })
		fmt.Println("after:", err)
		return
	}
	dir := t.TempDir()
	kept := fragmented(t, dir)
	st, _ := os.Stat(dir + "/" + FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullDuringCompactLeavesTheVaultWhole$")
	cmd.Env = append(os.Environ(), "CABINET_TEST_COMPACTFULL="+dir)
	out, _ := cmd.Output()
	if !strings.Contains(string(out), "err: compact:") || !strings.Contains(string(out), "disk is full") || !strings.Contains(string(out), "after: <nil>") {
		t.Fatalf("compaction on a full disk:\n%s", out)
	}
	if _, err := os.Stat(dir + "/" + FileName + ".compact"); !os.IsNotExist(err) {
		t.Fatal("a partial copy was left behind")
	}
	st2, _ := os.Stat(dir + "/" + FileName)
	if st2.Size() != st.Size() {
		t.Fatalf("the vault file changed size: %d -> %d", st.Size(), st2.Size())
	}
	v := openChecked(t, dir, "a failed compaction")
	err := v.View(func(tx *Tx) error {
		if n := tx.Count("records"); n != len(kept) {
			return fmt.Errorf("%d records, want %d", n, len(kept))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
