package ui

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestGrantMirrorAndEndSupportFromTheGUI(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	v := m.support
	events := make(chan func(), 100)
	v.deliver = func(f func()) { events <- f }
	v.listen.SetText("127.0.0.1:0")
	v.grant()
	g := u.grant
	if g == nil || !m.banner.Visible() || v.endBtn.Disabled() {
		t.Fatalf("grant: %q", v.info.Text)
	}
	pw := v.info.Text[strings.LastIndex(v.info.Text, " ")+1:]
	if !strings.Contains(v.info.Text, g.Fingerprint()) || len(pw) != 24 {
		t.Fatalf("info %q", v.info.Text)
	}
	// A support person connects with an SSH client and runs two commands.
	fingerprint := g.Fingerprint()
	done := make(chan error, 1)
	connect := func(pw, input string) {
		c, err := ssh.Dial("tcp", g.Addr(), &ssh.ClientConfig{User: "support", Auth: []ssh.AuthMethod{ssh.Password(pw)},
			// The support person checks the fingerprint read out on the phone.
			HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
				if ssh.FingerprintSHA256(key) != fingerprint {
					return errors.New("host key fingerprint differs")
				}
				return nil
			}, Timeout: 5 * time.Second})
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		s, _ := c.NewSession()
		s.RequestPty("xterm", 40, 120, ssh.TerminalModes{})
		s.Stdin = strings.NewReader(input)
		var out bytes.Buffer
		s.Stdout = &out
		s.Shell()
		done <- s.Wait()
	}
	go connect(pw, "Carole Dubois (Éditeur)\rstatus\rversion\rexit\rRien à signaler\r")
	wait := func() {
		deadline := time.After(20 * time.Second)
		for ended := false; !ended; {
			select {
			case f := <-events:
				f()
			case err := <-done:
				if err != nil && !strings.Contains(err.Error(), "exit") {
					t.Logf("client: %v", err)
				}
				ended = true
			case <-deadline:
				t.Fatal("session did not finish")
			}
		}
		for len(events) > 0 {
			(<-events)()
		}
	}
	wait()
	// A second person, with a second password issued on the practitioner's screen.
	v.morePw.OnTapped()
	second := v.info.Text[strings.LastIndex(v.info.Text, " ")+1:]
	go connect(second, "Marc Réseau (Éditeur)\rcheck\rexit\r\r")
	wait()
	if len(v.people) != 2 || len(v.mirror.Objects) != 1 || !strings.Contains(v.columns["Marc Réseau (Éditeur)"].Text, "> check") {
		t.Errorf("second person not shown side by side: %v", v.people)
	}
	col := v.columns["Carole Dubois (Éditeur)"]
	if col == nil {
		t.Fatalf("no transcript column for the support person: %v", v.people)
	}
	shown := col.Text
	for _, want := range []string{"Carole Dubois (Éditeur) est connecté(e)", "> status", "> version", "Cabinet"} {
		if !strings.Contains(shown, want) {
			t.Errorf("mirror lacks %q:\n%s", want, shown)
		}
	}
	v.endBtn.OnTapped()
	for len(events) > 0 {
		(<-events)()
	}
	if u.grant != nil || m.banner.Visible() || !v.endBtn.Disabled() {
		t.Error("ending from the GUI left the session open")
	}
	if len(v.logs) != 1 || v.logs[0].Person != "Carole Dubois (Éditeur)" || len(v.logs[0].Others) != 1 {
		t.Errorf("log list %+v", v.logs)
	}
}
