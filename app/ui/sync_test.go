package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/cabinet-sante/cabinet/sync/s3/s3test"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

func TestSyncScreenTurnsOnSyncsAndTurnsOff(t *testing.T) {
	srv := s3test.Start(t)
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	u.do = func(f func()) { f() }
	unlock(t, u, pass)
	v := u.main.sync
	if !strings.Contains(v.status.Text, "désactivée") || !v.nowBtn.Disabled() {
		t.Fatalf("sync screen before it is turned on: %q", v.status.Text)
	}
	v.endpoint.SetText(strings.Replace(srv.Endpoint, "https", "http", 1))
	v.bucket.SetText(srv.Bucket)
	v.access.SetText(srv.AccessKey)
	v.secret.SetText(srv.SecretKey)
	v.caFile.SetText(srv.CAFile)
	v.host.SetText("Hébergeur test")
	v.enableBtn.OnTapped()
	if !strings.Contains(v.status.Text, "https://") {
		t.Fatalf("a plain http address: %q, want a message naming https://", v.status.Text)
	}
	v.endpoint.SetText(srv.Endpoint)
	a, err := v.account()
	if err != nil {
		t.Fatal(err)
	}
	v.enable(a)
	if !strings.Contains(v.status.Text, "Synchronisé") {
		t.Fatalf("after turning sync on: %q", v.status.Text)
	}
	if v.secret.Text != "" || !v.endpoint.Disabled() {
		t.Error("the secret key stays on screen or the form stays editable while sync is on")
	}
	v.refresh()
	if !strings.Contains(v.status.Text, "Activée avec Hébergeur test") || !strings.Contains(v.status.Text, "En attente d'envoi : 0") {
		t.Fatalf("status: %q", v.status.Text)
	}
	if len(srv.Objects(t)) == 0 {
		t.Fatal("nothing reached the bucket")
	}
	if _, err := syncer.Disable(context.Background(), p, false); err != nil {
		t.Fatal(err)
	}
	v.refresh()
	if !strings.Contains(v.status.Text, "désactivée") || v.endpoint.Disabled() {
		t.Fatalf("after turning off: %q", v.status.Text)
	}
}
