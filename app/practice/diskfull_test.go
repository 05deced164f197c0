package practice

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDiskFullDuringExportKeepsTheVault: an accounting export that runs out
// of space (a file-size limit stands in for a full disk) says what to do,
// leaves neither a partial file nor a temporary one, and the vault opens,
// verifies and exports once there is room again.
func TestDiskFullDuringExportKeepsTheVault(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_EXPORTFULL"); dir != "" {
		signal.Ignore(syscall.SIGXFSZ)
		p, err := Open(dir, opts())
		if err == nil {
			err = p.Unlock(pass)
		}
		if err != nil {
			fmt.Println("setup:", err)
			os.Exit(1)
		}
		limit := uint64(4 << 10) // the FEC of the year is larger
		syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit})
		_, _, err = p.ExportFEC(context.Background(), 2026, "732829320", filepath.Join(dir, "..", "out"))
		fmt.Println("err:", err)
		return
	}
	p, h := billingPractice(t)
	ctx := context.Background()
	for i := range 40 {
		date := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*7).Format(time.DateOnly)
		n := issue(t, p, h.ID, date)
		mustPay(t, p, n.Number, n.Total, date)
	}
	dir := p.Dir()
	out := filepath.Join(dir, "..", "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	p.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestDiskFullDuringExportKeepsTheVault$")
	cmd.Env = append(os.Environ(), "CABINET_TEST_EXPORTFULL="+dir)
	got, _ := cmd.Output()
	if !strings.Contains(string(got), "err: ") || !(strings.Contains(string(got), "place libre") || strings.Contains(string(got), "free space")) {
		t.Fatalf("export on a full disk: %s", got)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Fatalf("the failed export left %v", left)
	}

	p = reopen(t, dir)
	if err := p.CheckVault(); err != nil {
		t.Fatalf("vault after the failed export: %v", err)
	}
	path, n, err := p.ExportFEC(ctx, 2026, "732829320", out)
	if err != nil || n != 40 {
		t.Fatalf("export once there is room: %d receipts, %v", n, err)
	}
	if raw, _ := os.ReadFile(path); len(raw) < 4<<10 {
		t.Fatalf("the FEC (%d bytes) would have fitted: the test proves nothing", len(raw))
	}
}
