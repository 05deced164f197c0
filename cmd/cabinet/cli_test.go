package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

func TestMain(m *testing.M) {
	testStore = &store.Options{KDF: &store.TestKDF}
	// As a child process: hold a vault open until stdin closes.
	if dir := os.Getenv("CABINET_TEST_HOLD"); dir != "" {
		p, err := practice.Open(dir, &practice.Options{Store: testStore})
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("holding\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		p.Close()
		os.Exit(0)
	}
	if os.Getenv("CABINET_TEST_EXIT") != "" {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Fyne reads the locale while the program starts; under C.UTF-8 it used
// to log errors to stderr before main, breaking one-line errors.
func TestStartupIsSilentUnderCLocale(t *testing.T) {
	for _, loc := range []string{"C.UTF-8", "C", "POSIX", "en_GB.UTF-8", "fr_FR.UTF-8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "CABINET_TEST_EXIT=1", "LANG="+loc)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("LANG=%s: %v", loc, err)
		}
		if errb.Len() > 0 {
			t.Errorf("LANG=%s: start-up wrote to stderr: %s", loc, errb.String())
		}
	}
}

const testPass = "une phrase de passe assez longue"

// cabinet runs the CLI in-process.
func cabinet(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	if strings.Contains(errb.String(), "panic") {
		t.Fatalf("cabinet %v panicked: %s", args, errb.String())
	}
	return out.String(), errb.String(), code
}

// vaultWithPatient makes a vault and a passphrase file, and adds Hélène.
func vaultWithPatient(t *testing.T) (vault, passFile, id string) {
	t.Helper()
	dir := t.TempDir()
	vault = filepath.Join(dir, "v")
	passFile = filepath.Join(dir, "pass")
	os.WriteFile(passFile, []byte(testPass+"\n"), 0o600)
	out, errs, code := cabinet(t, "", "init", "--vault", vault, "--passphrase-file", passFile)
	if code != 0 {
		t.Fatalf("init: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("last line of init is not a recovery key: %q", lines[len(lines)-1])
	}
	out, errs, code = cabinet(t, "", "patient", "add", "--vault", vault, "--passphrase-file", passFile,
		"--last-name", "Dupont-Lefèvre", "--first-name", "Hélène", "--birth-date", "1972-09-14", "--sex", "F",
		"--nir", "272097510800177", "--email", "helene.dl@example.com", "--phone", "0102030405")
	if code != 0 {
		t.Fatalf("patient add: %s", errs)
	}
	id = strings.TrimSpace(out)
	if _, err := store.ParseID(id); err != nil {
		t.Fatalf("patient add printed %q, not an id", out)
	}
	return vault, passFile, id
}

func TestSearchAndShowFromTheCommandLine(t *testing.T) {
	vault, pf, id := vaultWithPatient(t)
	out, _, code := cabinet(t, "", "patient", "search", "--vault", vault, "--passphrase-file", pf, "HELENE")
	if code != 0 || !strings.Contains(out, "DUPONT-LEFÈVRE") || !strings.Contains(out, id) {
		t.Fatalf("search HELENE: code %d, %q", code, out)
	}
	// Flags after the positional argument, and the passphrase on stdin.
	out, _, code = cabinet(t, testPass+"\n", "patient", "search", "dupont", "--json", "--vault", vault)
	var res []patient.Patient
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || res[0].ID != id {
		t.Fatalf("search --json: code %d, %q", code, out)
	}
	out, _, code = cabinet(t, "", "patient", "show", "--vault", vault, "--passphrase-file", pf, "--json", id)
	if code != 0 || !strings.Contains(out, "helene.dl@example.com") {
		t.Fatalf("show --json: code %d, %q", code, out)
	}
	out, _, code = cabinet(t, "", "patient", "search", "--vault", vault, "--passphrase-file", pf, "nobody", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty search --json: %q", out)
	}
}

func TestBadNIRIsRefusedWithAReason(t *testing.T) {
	vault, pf, _ := vaultWithPatient(t)
	_, errs, code := cabinet(t, "", "patient", "add", "--vault", vault, "--passphrase-file", pf,
		"--last-name", "X", "--first-name", "Y", "--birth-date", "1990-01-01", "--nir", "272097510800178")
	if code == 0 {
		t.Fatal("a NIR with a wrong key was accepted")
	}
	if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(strings.ToLower(errs), "clé") {
		t.Fatalf("want one line naming the key, got %q", errs)
	}
}

func TestWrongPassphraseFailsCleanly(t *testing.T) {
	vault, _, _ := vaultWithPatient(t)
	out, errs, code := cabinet(t, "pas la bonne\n", "patient", "search", "--vault", vault, "x")
	if code == 0 || out != "" || !strings.Contains(errs, "incorrecte") {
		t.Fatalf("wrong passphrase: code %d, out %q, err %q", code, out, errs)
	}
	_, errs, code = cabinet(t, "", "patient", "search", "--vault", vault, "x")
	if code == 0 || !strings.Contains(errs, "passphrase-file") {
		t.Fatalf("no passphrase at all: code %d, err %q", code, errs)
	}
}

func TestBackupRestorePasswdAndAuditFromTheCommandLine(t *testing.T) {
	vault, pf, _ := vaultWithPatient(t)
	dir := filepath.Dir(vault)
	if _, errs, code := cabinet(t, "", "audit", "verify", "--vault", vault, "--passphrase-file", pf); code != 0 {
		t.Fatalf("audit verify: %s", errs)
	}
	bak := filepath.Join(dir, "b.bak")
	if _, errs, code := cabinet(t, "", "backup", "--vault", vault, "--passphrase-file", pf, "--out", bak); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	restored := filepath.Join(dir, "r")
	if _, errs, code := cabinet(t, "", "restore", "--vault", restored, "--passphrase-file", pf, "--from", bak); code != 0 {
		t.Fatalf("restore: %s", errs)
	}
	out, _, _ := cabinet(t, "", "patient", "search", "--vault", restored, "--passphrase-file", pf, "dupont")
	if !strings.Contains(out, "Hélène") {
		t.Fatalf("restored vault does not answer: %q", out)
	}
	newPass := "une autre phrase de passe longue"
	if _, errs, code := cabinet(t, testPass+"\n"+newPass+"\n", "passwd", "--vault", restored); code != 0 {
		t.Fatalf("passwd: %s", errs)
	}
	if _, _, code := cabinet(t, testPass+"\n", "patient", "search", "--vault", restored, "dupont"); code == 0 {
		t.Fatal("old passphrase still opens after passwd")
	}
	if out, _, code := cabinet(t, newPass+"\n", "patient", "search", "--vault", restored, "dupont"); code != 0 || !strings.Contains(out, "Hélène") {
		t.Fatal("new passphrase does not open")
	}
	out, _, code := cabinet(t, newPass+"\n", "audit", "list", "--vault", restored, "--json")
	var entries []store.AuditEntry
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil {
		t.Fatalf("audit list --json: %q", out)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"vault.create", "patient.create", "vault.backup", "vault.restore", "vault.passphrase-change", "vault.unlock-failed"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit journal lacks %s: %v", want, actions)
		}
	}
}

func TestSecondProcessGetsAlreadyOpenWithinASecond(t *testing.T) {
	vault, pf, _ := vaultWithPatient(t)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "CABINET_TEST_HOLD="+vault)
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); child.Wait() }()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "holding\n" {
		t.Fatalf("child did not open the vault: %q", line)
	}
	start := time.Now()
	_, errs, code := cabinet(t, "", "patient", "search", "--vault", vault, "--passphrase-file", pf, "x")
	if code == 0 || !strings.Contains(errs, "déjà ouvert") {
		t.Fatalf("second opener: code %d, %q", code, errs)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("second opener waited %v", d)
	}
}

// TestDemoVaultHoldsNoClearPatientData creates a 2,000-patient demo vault
// plus a planted patient, reads back every stored identity, and scans every
// file under the vault directory for each name, NIR, e-mail and phone.
func TestDemoVaultHoldsNoClearPatientData(t *testing.T) {
	dir := t.TempDir()
	vault := filepath.Join(dir, "demo")
	if _, errs, code := cabinet(t, "", "demo", "--vault", vault, "--patients", "2000", "--seed", "7"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	p, err := practice.Open(vault, &practice.Options{Store: testStore})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Unlock([]byte("demo")); err != nil {
		t.Fatal(err)
	}
	planted := patient.Patient{BirthName: "Zyxwabcdefgh", FirstNames: "Quorvanthe", BirthDate: "1972-09-14",
		NIR: "272097510800177", Email: "canari.unique@example.org", Phone: "0799887766"}
	if _, err := p.AddPatient(context.Background(), planted); err != nil {
		t.Fatal(err)
	}
	var needles []string
	err = p.EachPatient(context.Background(), func(pt patient.Patient) error {
		needles = append(needles, pt.BirthName, pt.UsedName, pt.NIR, pt.Email, pt.Phone,
			strings.ReplaceAll(pt.Phone, " ", ""), strings.Split(pt.FirstNames, " ")[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.PatientCount() != 2001 {
		t.Fatalf("vault holds %d patients, want 2001", p.PatientCount())
	}
	if err := p.Backup(context.Background(), filepath.Join(vault, store.BackupDir+"-copy.bak")); err != nil {
		t.Fatal(err)
	}
	p.Close()
	found, scanned := scanForClearText(t, vault, needles)
	if scanned < 2 {
		t.Fatalf("only %d files scanned", scanned)
	}
	if len(found) > 0 {
		t.Fatalf("clear patient data on disk: %v", found[:min(len(found), 5)])
	}
	// The scan would see a planted value written in clear.
	os.WriteFile(filepath.Join(vault, "leak.txt"), []byte("x Quorvanthe x"), 0o600)
	if found, _ := scanForClearText(t, vault, needles); len(found) != 1 {
		t.Fatalf("the scanner missed a clear value: %v", found)
	}
}

// scanForClearText looks for every needle of 6 bytes or more in every file
// under dir, using a table of 6-byte prefixes so that one pass over each
// file suffices.
func scanForClearText(t *testing.T, dir string, needles []string) (found []string, files int) {
	t.Helper()
	const w = 6
	byPrefix := map[string][]string{}
	for _, n := range needles {
		if len(n) >= w {
			byPrefix[n[:w]] = append(byPrefix[n[:w]], n)
			if l := strings.ToLower(n); l != n {
				byPrefix[l[:w]] = append(byPrefix[l[:w]], l)
			}
		}
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+w <= len(b); i++ {
			for _, n := range byPrefix[string(b[i:i+w])] {
				if bytes.HasPrefix(b[i:], []byte(n)) {
					found = append(found, filepath.Base(path)+": "+n)
				}
			}
		}
		return nil
	})
	return found, files
}
