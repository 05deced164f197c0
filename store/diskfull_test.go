package store

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFullIsAClearErrorAndLosesNothing fills the disk under a child
// process (a file-size limit stands in for a full disk) and checks that
// the writer gets a clear error and that every write it was told had
// succeeded is in the vault, which still opens and verifies.
func TestDiskFullIsAClearErrorAndLosesNothing(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_DISKFULL"); dir != "" {
		diskFullChild(dir)
		return
	}
	dir := t.TempDir()
	v, _, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullIsAClearErrorAndLosesNothing$")
	cmd.Env = append(os.Environ(), "CABINET_TEST_DISKFULL="+dir)
	out, _ := cmd.Output()
	acked, last := 0, ""
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		l := sc.Text()
		if n, ok := strings.CutPrefix(l, "ok "); ok {
			acked, _ = strconv.Atoi(n)
		}
		if strings.HasPrefix(l, "err: ") || strings.HasPrefix(l, "setup: ") {
			last = l
		}
	}
	if acked == 0 || !strings.Contains(last, "disk is full") {
		t.Fatalf("child acked %d writes, last %q\n%s", acked, last, out)
	}
	v = openChecked(t, dir, "the full disk")
	err = v.View(func(tx *Tx) error {
		for i := 1; i <= acked; i++ {
			if _, err := tx.Get("fill", tx.NamedID(fmt.Sprint("value ", i))); err != nil {
				return fmt.Errorf("acknowledged write %d lost: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := v.VerifyAudit(); err != nil || rep.Break != nil {
		t.Fatalf("audit after the full disk: %+v %v", rep.Break, err)
	}
	// Space comes back: the vault takes writes again.
	if err := v.Update(func(tx *Tx) error { return tx.Put("fill", NewID(), []byte("again")) }); err != nil {
		t.Fatalf("no write after space came back: %v", err)
	}
}

func diskFullChild(dir string) {
	signal.Ignore(syscall.SIGXFSZ) // get EFBIG from write(2) instead of dying
	v, err := Open(dir, testOptions())
	if err == nil {
		err = v.Unlock(testPass)
	}
	if err != nil {
		fmt.Println("setup:", err)
		os.Exit(1)
	}
	st, _ := os.Stat(v.Path())
	limit := uint64(st.Size()) + 256<<10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Println("setup:", err)
		os.Exit(1)
	}
	buf := make([]byte, 8<<10)
	for i := 1; i < 10_000; i++ {
		rand.Read(buf)
		err := v.Update(func(tx *Tx) error {
			if err := tx.Put("fill", tx.NamedID(fmt.Sprint("value ", i)), buf); err != nil {
				return err
			}
			return tx.Audit(AuditEntry{Action: "test.fill"})
		})
		if err != nil {
			fmt.Println("err:", err)
			os.Exit(0)
		}
		fmt.Println("ok", i)
	}
	fmt.Println("err: the disk never filled")
}

// TestDiskFullDuringBackupLeavesNoHalfFile: a backup that runs out of
// space says so, leaves no partial file where the backup was asked, and
// the vault is untouched.
func TestDiskFullDuringBackupLeavesNoHalfFile(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_BACKUPFULL"); dir != "" {
		signal.Ignore(syscall.SIGXFSZ)
		v, err := Open(dir, testOptions())
		if err == nil {
			err = v.Unlock(testPass)
		}
		if err != nil {
			fmt.Println("setup:", err)
			os.Exit(1)
		}
		limit := uint64(16 << 10) // smaller than the vault: the copy cannot fit
		syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit})
		err = v.BackupFile(dir + "/../backup.vault")
		fmt.Println("err:", err)
		return
	}
	root := t.TempDir()
	dir := root + "/v"
	v, _, err := Create(dir, testPass, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	rand.Read(buf)
	v.Update(func(tx *Tx) error { return tx.Put("fill", NewID(), buf) })
	v.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullDuringBackupLeavesNoHalfFile$")
	cmd.Env = append(os.Environ(), "CABINET_TEST_BACKUPFULL="+dir)
	out, _ := cmd.Output()
	if !strings.Contains(string(out), "disk is full") {
		t.Fatalf("backup on a full disk: %s", out)
	}
	if _, err := os.Stat(root + "/backup.vault"); !os.IsNotExist(err) {
		t.Error("a partial backup was left where it was asked")
	}
	if left, _ := os.ReadDir(root); len(left) != 1 {
		t.Errorf("temporary files left beside the backup: %v", left)
	}
	openChecked(t, dir, "the failed backup")
}
