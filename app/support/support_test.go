package support

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

func unlocked(t *testing.T) (*practice.Practice, patient.Patient) {
	t.Helper()
	p, _, err := practice.Create(t.TempDir(), []byte("correct horse battery staple"), &practice.Options{Store: &store.Options{KDF: &store.TestKDF}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h, err := p.AddPatient(context.Background(), patient.Patient{BirthName: "Zyxwort", FirstNames: "Philomène", BirthDate: "1972-09-14", NIR: "272097510800177"})
	if err != nil {
		t.Fatal(err)
	}
	return p, h
}

func grant(t *testing.T, p *practice.Practice, o Options) (*Grant, string) {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.FailDelay == 0 {
		o.FailDelay = time.Millisecond
	}
	o.Version = "test"
	g, pw, err := Start(p, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.End("test over") })
	return g, pw
}

// openssh runs Debian's OpenSSH client against the grant, typing input.
func openssh(t *testing.T, addr, password, input string) string {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("the OpenSSH client (openssh-client, installed by packaging/deps.sh --ci) is missing")
	}
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	askpass := filepath.Join(dir, "askpass")
	os.WriteFile(askpass, []byte("#!/bin/sh\necho '"+password+"'\n"), 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "setsid", "-w", "ssh", "-tt", "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1",
		"support@"+host)
	cmd.Env = append(os.Environ(), "SSH_ASKPASS="+askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
	cmd.Stdin = strings.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	return out.String()
}

func TestOpenSSHClientUsesTheConsoleAndTheLogHasEveryField(t *testing.T) {
	p, _ := unlocked(t)
	var mu sync.Mutex
	var events []Event
	g, pw := grant(t, p, Options{OnEvent: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }})
	out := openssh(t, g.Addr(), pw, "Alice Martin (Support Cabinet)\nstatus\ncheck\naudit\nsh -c id\nexit\nVérification du coffre et de l'audit\n")
	for _, want := range []string{"console de support", "Cabinet test", "intégrité du coffre : OK", "chaîne intacte", "commande inconnue"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
	g.End("done")
	ls, err := p.SupportSessions(context.Background())
	if err != nil || len(ls) != 1 {
		t.Fatalf("logs: %d, %v", len(ls), err)
	}
	l := ls[0]
	if l.Person != "Alice Martin (Support Cabinet)" || l.Start.IsZero() || l.End.IsZero() || l.Duration == "" || l.Host == "" || l.OS == "" ||
		l.Version != "test" || l.VaultID != p.VaultID() || !strings.Contains(l.Tool, "SSH") || l.EndReason != "done" ||
		!strings.Contains(l.Description, "Vérification du coffre") {
		t.Errorf("log incomplete: %+v", l)
	}
	var cmds []string
	for _, c := range l.Commands {
		cmds = append(cmds, c.Command)
	}
	if strings.Join(cmds, ",") != "status,check,audit,sh -c id,exit" {
		t.Errorf("commands logged: %v", cmds)
	}
	mu.Lock()
	defer mu.Unlock()
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
	}
	if kinds["login"] != 1 || kinds["command"] != 5 || kinds["end"] != 1 {
		t.Errorf("live mirror events: %v", kinds)
	}
}

func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

func TestNothingListensBeforeOrAfterAGrant(t *testing.T) {
	p, _ := unlocked(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if dial(addr) == nil {
		t.Fatal("something listens before the grant")
	}
	g, _ := grant(t, p, Options{Listen: addr})
	if err := dial(addr); err != nil {
		t.Fatalf("grant does not listen: %v", err)
	}
	g.End("practitioner")
	if dial(addr) == nil {
		t.Error("still listening after the grant ended")
	}
	p.Lock()
	if _, _, err := Start(p, Options{Listen: addr}); err == nil {
		t.Error("a locked vault granted a session")
	}
}

func login(addr, pw string) error {
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "support", Auth: []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err == nil {
		c.Close()
	}
	return err
}

func TestPasswordsWorkOnceAndDieWithTheGrant(t *testing.T) {
	p, _ := unlocked(t)
	g, pw := grant(t, p, Options{})
	if err := login(g.Addr(), pw); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := login(g.Addr(), pw); err == nil {
		t.Error("a password worked twice")
	}
	second := g.NewPassword()
	if second == pw || len(strings.ReplaceAll(second, "-", "")) != 20 {
		t.Errorf("second password %q", second)
	}
	if err := login(g.Addr(), strings.ToLower(second)); err != nil {
		t.Errorf("second staff member: %v", err)
	}
	// Expiry.
	g2, pw2 := grant(t, p, Options{Duration: 200 * time.Millisecond})
	addr := g2.Addr()
	<-g2.Done()
	if login(addr, pw2) == nil {
		t.Error("password works after expiry")
	}
}

func TestFiveFailuresCloseTheGrant(t *testing.T) {
	p, _ := unlocked(t)
	g, pw := grant(t, p, Options{})
	for i := 0; i < MaxFailures; i++ {
		login(g.Addr(), "WRONG-PASS-WORD-XXXX-0000")
	}
	select {
	case <-g.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("grant still open after 5 failures")
	}
	if login(g.Addr(), pw) == nil {
		t.Error("the good password works after the grant closed")
	}
	failed := 0
	p.AuditEntries(func(e store.AuditEntry) error {
		if e.Action == "support.login-failed" {
			failed++
		}
		return nil
	})
	if failed < MaxFailures {
		t.Errorf("%d failed logins audited", failed)
	}
}

func TestNoCommandPrintsPatientDataUnlessAllowed(t *testing.T) {
	p, h := unlocked(t)
	ctx := context.Background()
	for _, allow := range []bool{false, true} {
		e := &Env{P: p, Version: "test", AllowPatient: allow, Logs: func() []string { return []string{"sync: idle"} },
			Config: func() map[string]string { return map[string]string{"idle_lock": "10m"} }}
		var all bytes.Buffer
		for cmd := range commands {
			for _, args := range [][]string{nil, {"get"}, {"show", h.ID}} {
				e.Run(ctx, &all, "Bob", cmd, args)
			}
		}
		leaked := strings.Contains(all.String(), "Zyxwort") || strings.Contains(all.String(), "272097510800177")
		if leaked != allow {
			t.Errorf("allow=%v: patient data printed=%v", allow, leaked)
		}
	}
	found := false
	p.AuditEntries(func(a store.AuditEntry) error {
		if a.Object == h.ID && strings.HasPrefix(a.Actor, "support: Bob") {
			found = true
		}
		return nil
	})
	if !found {
		t.Error("support's patient view not audited against the patient")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"status", "patient show 0123", "config get", "rm -rf /", "help\x00", "STATUS  ", strings.Repeat("a", 300), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, args, err := Parse(line)
		if err != nil {
			return
		}
		if cmd == "" {
			if strings.TrimSpace(line) != "" {
				t.Fatalf("non-empty line %q parsed to nothing", line)
			}
			return
		}
		if _, ok := commands[cmd]; !ok || len(args) > 3 {
			t.Fatalf("%q parsed to %q %v", line, cmd, args)
		}
	})
}

func TestPractitionerCompletesTheLog(t *testing.T) {
	p, _ := unlocked(t)
	g, pw := grant(t, p, Options{})
	if err := login(g.Addr(), pw); err != nil {
		t.Fatal(err)
	}
	g.End("done")
	id := g.Log().ID
	if err := Annotate(p, id, "Réindexation après mise à jour", true, []string{"Dr Expert (éditeur)", "Jean Réseau"}); err != nil {
		t.Fatal(err)
	}
	ls, _ := p.SupportSessions(context.Background())
	if len(ls) != 1 || !ls[0].Critical || len(ls[0].Consulted) != 2 || ls[0].Description != "Réindexation après mise à jour" || ls[0].EndReason != "done" {
		t.Errorf("annotated log %+v", ls)
	}
	if err := Annotate(p, "0000", "x", false, nil); err == nil {
		t.Error("unknown session annotated")
	}
}

func TestConsoleLogsAndConfig(t *testing.T) {
	p, _ := unlocked(t)
	ctx := context.Background()
	e := &Env{P: p, Version: "test"}
	run := func(cmd string, args ...string) string {
		var b bytes.Buffer
		e.Run(ctx, &b, "Bob (Support)", cmd, args)
		return b.String()
	}
	if out := run("logs"); !strings.Contains(out, "patient.create") || !strings.Contains(out, "vault.create") {
		t.Errorf("logs: %q", out)
	}
	if out := run("compact"); !strings.Contains(out, "pages libres") {
		t.Errorf("compact: %q", out)
	}
	if out := run("config", "set", "lock.idle", "forever"); !strings.Contains(out, "durée") {
		t.Errorf("bad value accepted: %q", out)
	}
	if out := run("config", "set", "lock.idle", "15m"); !strings.Contains(out, "enregistré") {
		t.Fatalf("config set: %q", out)
	}
	if out := run("config", "get"); !strings.Contains(out, "lock.idle = 15m") {
		t.Errorf("config get: %q", out)
	}
	if p.IdleLock(ctx) != 15*time.Minute {
		t.Error("setting not applied")
	}
	found := false
	p.AuditEntries(func(a store.AuditEntry) error {
		if a.Action == "settings.config" && a.Actor == "support: Bob (Support)" {
			found = true
		}
		return nil
	})
	if !found {
		t.Error("support's config change not audited with its name")
	}
}

func TestDroppedConnectionKeepsTheLogAndTheGrant(t *testing.T) {
	p, _ := unlocked(t)
	g, pw := grant(t, p, Options{})
	c, err := ssh.Dial("tcp", g.Addr(), &ssh.ClientConfig{User: "support", Auth: []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.NewSession()
	s.RequestPty("xterm", 40, 120, ssh.TerminalModes{})
	in, _ := s.StdinPipe()
	var out bytes.Buffer
	s.Stdout = &out
	s.Shell()
	in.Write([]byte("Zoé Réseau (Support)\rstatus\r"))
	deadline := time.Now().Add(10 * time.Second)
	for len(g.Log().Commands) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	c.Conn.Close() // the network drops: no exit, no description
	time.Sleep(100 * time.Millisecond)
	l := g.Log()
	if l.Person != "Zoé Réseau (Support)" || len(l.Commands) != 1 || l.Commands[0].Command != "status" {
		t.Fatalf("log after the drop: %+v", l)
	}
	// The grant survives: the practitioner issues another password.
	if err := login(g.Addr(), g.NewPassword()); err != nil {
		t.Errorf("the grant did not survive a dropped connection: %v", err)
	}
	ls, _ := p.SupportSessions(context.Background())
	if len(ls) != 1 || len(ls[0].Commands) != 1 {
		t.Errorf("stored log %+v", ls)
	}
}
