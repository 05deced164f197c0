package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestConsultationDraftSurvivesALockAndSaves(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{IdleLock: 500 * time.Millisecond})
	locked := make(chan struct{}, 1)
	p.OnLock(func() { locked <- struct{}{} })
	calls := onTestGoroutine(u)
	unlock(t, u, pass)
	m := u.main
	test.Type(m.search, "martin")
	m.list.Select(0)
	id := m.record.patient.ID
	test.Tap(m.record.consultBtn)
	f := m.consult
	if f == nil {
		t.Fatal("no consultation form")
	}
	f.reason.SetText("Lombalgie aiguë")
	f.notes.SetText("Douleur depuis trois jours")
	f.bp.SetText("135/85")

	// The practitioner walks away: the idle timeout locks mid-typing.
	pumpUntil(t, calls, locked, "the idle timeout did not lock")
	if p.Unlocked() || u.main != nil {
		t.Fatal("not locked")
	}
	u.opts.IdleLock = -1 // no more timeouts while the test goes on
	unlock(t, u, pass)
	m = u.main
	if len(m.draftBtns) != 1 {
		t.Fatalf("home shows %d unfinished consultations", len(m.draftBtns))
	}
	test.Tap(m.draftBtns[0])
	f = m.consult
	if f == nil || !f.restored || f.reason.Text != "Lombalgie aiguë" || f.notes.Text != "Douleur depuis trois jours" || f.bp.Text != "135/85" {
		t.Fatalf("draft not restored: %+v", f)
	}
	f.weight.SetText("abc")
	test.Tap(f.save)
	if m.consult == nil || !strings.Contains(f.status.Text, "Mesures") {
		t.Fatalf("bad weight accepted: %q", f.status.Text)
	}
	f.weight.SetText("72,5")
	test.Tap(f.save)
	if m.consult != nil {
		t.Fatalf("not saved: %q", f.status.Text)
	}
	cs, _ := p.Consultations(context.Background(), id)
	if len(cs) != 1 || cs[0].Measures.WeightG != 72500 || cs[0].Measures.Systolic != 135 || cs[0].Reason != "Lombalgie aiguë" {
		t.Fatalf("saved %+v", cs)
	}
	if drafts, _ := p.ConsultationDrafts(context.Background()); len(drafts) != 0 {
		t.Error("draft kept after saving")
	}
	if !strings.Contains(texts(u), "Lombalgie aiguë") {
		t.Error("record does not show the new consultation")
	}
}
