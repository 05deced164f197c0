package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

func TestMailIntakeListFileAndOpenTheRequest(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	v := u.main.mail
	ctx := context.Background()
	st, _ := p.MailState(ctx)
	if _, err := p.TakeInMail(ctx, practice.MailMessage{From: "x@example.org", Subject: "Effacement", Date: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Body: "Merci d'effacer mes données", RightsKind: privacy.Erasure}, nil, st, "k1"); err != nil {
		t.Fatal(err)
	}
	v.refresh()
	if len(v.msgs) != 1 {
		t.Fatalf("intake list %+v", v.msgs)
	}
	v.list.Select(0)
	if v.assign.Disabled() || !v.rights.Disabled() {
		t.Error("an unfiled message must be filed before its request is opened")
	}
	if err := v.assignTo(search(t, u, "helene")); err != nil {
		t.Fatal(err)
	}
	if len(v.msgs) != 1 || v.msgs[0].PatientID == "" {
		t.Fatalf("filed GDPR message should stay until its request is opened: %+v", v.msgs)
	}
	v.list.Select(0)
	v.rights.OnTapped()
	if !strings.Contains(v.status.Text, "réponse due le 02/04/2026") {
		t.Errorf("request: %q", v.status.Text)
	}
	if reqs, _ := p.Rights(ctx); len(reqs) != 1 || reqs[0].Kind != privacy.Erasure || reqs[0].Received != "2026-03-02" {
		t.Errorf("rights register %+v", reqs)
	}
	if len(v.msgs) != 0 {
		t.Errorf("handled message still listed")
	}
	v.host.SetText("")
	if _, err := v.account(); err == nil {
		t.Error("account without a server accepted")
	}
}
