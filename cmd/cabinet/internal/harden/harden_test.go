//go:build linux

package harden

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The hardening runs in a child process, since it changes the process.
func TestNoCoreDumpAndNotDumpable(t *testing.T) {
	if os.Getenv("CABINET_TEST_HARDEN") != "" {
		if err := Process(); err != nil {
			os.Stdout.WriteString("error " + err.Error())
			return
		}
		var lim unix.Rlimit
		unix.Getrlimit(unix.RLIMIT_CORE, &lim)
		d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		if lim.Cur == 0 && lim.Max == 0 && d == 0 {
			os.Stdout.WriteString("hardened")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoCoreDumpAndNotDumpable$")
	cmd.Env = append(os.Environ(), "CABINET_TEST_HARDEN=1")
	out, _ := cmd.Output()
	if !strings.Contains(string(out), "hardened") {
		t.Fatalf("child says %q", out)
	}
}
