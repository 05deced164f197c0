package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/jobs"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

func TestPrivacyCentreAndRecordActions(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	m.search.SetText("helene")
	m.list.Select(0)
	r := m.record
	id := r.patient.ID

	// A rights request from the record shows in the privacy centre.
	q, err := r.openRight(m, 0, "31/01/2026", "courrier", true, false)
	if err != nil || q.Due != "2026-02-28" || q.Kind != privacy.Access {
		t.Fatalf("openRight: %+v, %v", q, err)
	}
	v := m.privacy
	if len(v.requests) != 1 {
		t.Fatalf("privacy centre lists %d requests", len(v.requests))
	}
	v.list.Select(0)
	if v.answer.Disabled() {
		t.Error("cannot answer an open request")
	}
	v.showDigest(jobs.Digest{RightsOverdue: 1, Expired: []string{"x"}})
	if !strings.Contains(v.digest.Text, "1 demande(s) en retard") || v.eraseBtn.Disabled() {
		t.Errorf("digest %q", v.digest.Text)
	}

	// Restriction shows on the record and blocks editing.
	if err := p.Restrict(context.Background(), id, true); err != nil {
		t.Fatal(err)
	}
	m.open(id)
	if !m.record.editBtn.Disabled() || !m.record.noteBtn.Disabled() || !strings.Contains(texts(u), "Dossier limité") {
		t.Error("restricted record still editable or not flagged")
	}

	// Documents for the practice.
	dir := t.TempDir()
	v.folder.SetText(dir)
	v.write("register")
	v.write("notice-fr")
	v.write("notice-en")
	for _, f := range []string{"registre-des-traitements.pdf", "notice-information-fr.pdf", "notice-information-en.pdf"} {
		if raw, err := os.ReadFile(filepath.Join(dir, f)); err != nil || !strings.HasPrefix(string(raw), "%PDF") {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, err := v.recordBreach("Ordinateur volé", 2, 1)
	if err != nil || b.Risk != privacy.RiskHigh || !strings.Contains(v.breaches.Text, "Ordinateur volé") || !strings.Contains(v.breaches.Text, "pour notifier la CNIL") {
		t.Errorf("breach: %+v %v %q", b, err, v.breaches.Text)
	}
	if !strings.Contains(v.policy.Text, "240 mois") {
		t.Errorf("policy: %q", v.policy.Text)
	}
	v.simulate()
	if !strings.Contains(v.result.Text, "Simulation : 0 dossier(s) seraient archivés") {
		t.Errorf("simulation: %q", v.result.Text)
	}
}

func TestDailyJobsRunAfterUnlockAndStopAtLock(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{Jobs: true})
	calls := make(chan func(), 16)
	u.do = func(f func()) { calls <- f }
	unlock(t, u, pass)
	if u.daily == nil {
		t.Fatal("daily jobs not started")
	}
	deadline := time.Now().Add(10 * time.Second)
	for u.daily.Last().When.IsZero() && time.Now().Before(deadline) {
		select {
		case fn := <-calls:
			fn() // the digest shown on the test's goroutine
		case <-time.After(20 * time.Millisecond):
		}
	}
	if u.daily.Last().When.IsZero() {
		t.Fatal("the start-up run did not happen")
	}
	u.lock()
	if u.daily != nil {
		t.Error("daily jobs still running after lock")
	}
}
