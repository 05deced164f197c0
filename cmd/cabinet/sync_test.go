package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cabinet-sante/cabinet/store/token/softhsm"
	"github.com/cabinet-sante/cabinet/sync/s3/s3test"
)

func TestSyncFromTheCommandLine(t *testing.T) {
	srv := s3test.Start(t)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	passFile := file("pass", testPass)
	access, secret := file("access", srv.AccessKey), file("secret", srv.SecretKey)
	a := filepath.Join(dir, "a")
	out, errs, code := cabinet(t, "", "init", "--vault", a, "--passphrase-file", passFile)
	if code != 0 {
		t.Fatalf("init: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	rk := file("rk", lines[len(lines)-1])
	if _, errs, code = cabinet(t, "", "patient", "add", "--vault", a, "--passphrase-file", passFile,
		"--last-name", "Synchronisé", "--first-name", "Paul", "--birth-date", "1990-01-02", "--sex", "M"); code != 0 {
		t.Fatalf("patient add: %s", errs)
	}
	account := []string{"--endpoint", srv.Endpoint, "--bucket", srv.Bucket, "--access-key-file", access, "--secret-key-file", secret, "--ca-file", srv.CAFile}

	status := func(vault string) map[string]any {
		t.Helper()
		out, errs, code := cabinet(t, "", "sync", "status", "--vault", vault, "--passphrase-file", passFile, "--json")
		if code != 0 {
			t.Fatalf("sync status: %s", errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("sync status --json printed %q", out)
		}
		return m
	}
	if st := status(a); st["on"] != false {
		t.Fatalf("sync on before enable: %v", st)
	}
	if _, errs, code = cabinet(t, "", append([]string{"sync", "enable", "--vault", a, "--passphrase-file", passFile, "--endpoint", "http://127.0.0.1:1", "--bucket", "b",
		"--access-key-file", access, "--secret-key-file", secret}, "--ca-file", srv.CAFile)...); code == 0 || !strings.Contains(errs, "https://") {
		t.Fatalf("plain http endpoint: code %d, %q; want a refusal naming https://", code, errs)
	}
	if _, errs, code = cabinet(t, "", append([]string{"sync", "enable", "--vault", a, "--passphrase-file", passFile}, account...)...); code != 0 {
		t.Fatalf("sync enable: %s", errs)
	}
	if _, errs, code = cabinet(t, "", "sync", "now", "--vault", a, "--passphrase-file", passFile); code != 0 {
		t.Fatalf("sync now: %s", errs)
	}
	if st := status(a); st["on"] != true || st["pending"] != float64(0) || st["last_success"] == "0001-01-01T00:00:00Z" {
		t.Fatalf("status after a sync: %v", st)
	}

	b := filepath.Join(dir, "b")
	if _, errs, code = cabinet(t, "", append([]string{"sync", "join", "--vault", b, "--passphrase-file", passFile, "--recovery-key-file", rk}, account...)...); code != 0 {
		t.Fatalf("sync join: %s", errs)
	}
	if out, _, code = cabinet(t, "", "patient", "search", "synchro", "--vault", b, "--passphrase-file", passFile); code != 0 || !strings.Contains(out, "Paul") {
		t.Fatalf("joined device's search: %q", out)
	}
	if st := status(b); st["series"] != "B" {
		t.Fatalf("joined device's series: %v", st["series"])
	}
	if _, errs, code = cabinet(t, "", "sync", "disable", "--vault", a, "--passphrase-file", passFile, "--forget-remote"); code != 0 {
		t.Fatalf("sync disable --forget-remote: %s", errs)
	}
	if n := len(srv.Objects(t)); n != 0 {
		t.Fatalf("%d objects left after --forget-remote", n)
	}
	if st := status(a); st["on"] != false {
		t.Fatalf("sync still on after disable: %v", st)
	}
	for _, arg := range os.Args {
		if strings.Contains(arg, srv.SecretKey) {
			t.Fatal("the secret key reached the command line")
		}
	}
}

func TestCompactFromTheCommandLine(t *testing.T) {
	vault, passFile, id := vaultWithPatient(t)
	out, errs, code := cabinet(t, "", "compact", "--vault", vault, "--passphrase-file", passFile)
	if code != 0 || !strings.Contains(out, "compacté") {
		t.Fatalf("compact: %q %q", out, errs)
	}
	if out, errs, code = cabinet(t, "", "patient", "show", id, "--vault", vault, "--passphrase-file", passFile); code != 0 || !strings.Contains(out, "Hélène") {
		t.Fatalf("patient after compaction: %q %q", out, errs)
	}
}

func TestTokenSecondFactorFromTheCommandLine(t *testing.T) {
	module := softhsm.New(t)
	vault, passFile, _ := vaultWithPatient(t)
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte(softhsm.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	with := []string{"--vault", vault, "--passphrase-file", passFile, "--pkcs11-module", module, "--pin-file", pinFile}
	if out, errs, code := cabinet(t, "", append([]string{"token", "set"}, with...)...); code != 0 {
		t.Fatalf("token set: %q %q", out, errs)
	}
	if _, errs, code := cabinet(t, "", "patient", "search", "helene", "--vault", vault, "--passphrase-file", passFile); code == 0 || !strings.Contains(errs, "--pkcs11-module") {
		t.Fatalf("without the card: code %d, %q; want a message naming --pkcs11-module", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "badpin")
	os.WriteFile(bad, []byte("000000\n"), 0o600)
	if _, errs, code := cabinet(t, "", "patient", "search", "helene", "--vault", vault, "--passphrase-file", passFile, "--pkcs11-module", module, "--pin-file", bad); code == 0 || !strings.Contains(errs, "PIN") {
		t.Fatalf("wrong PIN: code %d, %q", code, errs)
	}
	if out, errs, code := cabinet(t, "", append([]string{"patient", "search", "helene"}, with...)...); code != 0 || !strings.Contains(out, "Hélène") {
		t.Fatalf("with the card: %q %q", out, errs)
	}
	if _, errs, code := cabinet(t, "", append([]string{"token", "remove"}, with...)...); code != 0 {
		t.Fatalf("token remove: %q", errs)
	}
	if out, errs, code := cabinet(t, "", "patient", "search", "helene", "--vault", vault, "--passphrase-file", passFile); code != 0 || !strings.Contains(out, "Hélène") {
		t.Fatalf("after removing the card factor: %q %q", out, errs)
	}
}
