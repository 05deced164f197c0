package ui

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/store/token"
	"github.com/cabinet-sante/cabinet/store/token/softhsm"
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

func TestFirstRunCanJoinAPracticeThatSyncs(t *testing.T) {
	srv := s3test.Start(t)
	first, rk, err := practice.Create(t.TempDir(), []byte(pass), popts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	if _, err := first.AddPatient(context.Background(), patient.Patient{BirthName: "Rejoint", FirstNames: "Anne", BirthDate: "1970-01-01", Sex: patient.Female}); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acct := practice.SyncAccount{Endpoint: srv.Endpoint, Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, CA: string(ca), Host: "test"}
	if _, err := syncer.Enable(ctx, first, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.Now(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	dir := t.TempDir() + "/joined"
	var got *practice.Practice
	s := NewSetup(fyne.CurrentApp(), dir, Options{Practice: popts()}, func(p *practice.Practice) { got = p })
	s.async = func(work func() error, done func(error)) { done(work()) }
	test.Tap(s.joinBtn)
	j := s.join
	j.endpoint.SetText(srv.Endpoint)
	j.bucket.SetText(srv.Bucket)
	j.access.SetText(srv.AccessKey)
	j.secret.SetText(srv.SecretKey)
	j.caFile.SetText(srv.CAFile)
	j.recovery.SetText("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
	s.pass.SetText(pass)
	s.confirm.SetText(pass)
	test.Tap(j.button)
	if got != nil || !strings.Contains(s.status.Text, "secours") {
		t.Fatalf("a wrong recovery key: status %q", s.status.Text)
	}
	j.recovery.SetText(rk)
	test.Tap(j.button)
	if got == nil {
		t.Fatalf("join did not finish: %q", s.status.Text)
	}
	t.Cleanup(func() { got.Close() })
	if got.PatientCount() != first.PatientCount() || got.PatientCount() == 0 {
		t.Fatalf("joined computer has %d patients, the first %d", got.PatientCount(), first.PatientCount())
	}
}

func TestSettingsCompactTheVault(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	v := u.main.settings
	v.compact()
	if !strings.Contains(v.prefsStatus.Text, "Coffre compacté") {
		t.Fatalf("after compaction: %q", v.prefsStatus.Text)
	}
	if hits, _ := p.Search(context.Background(), "helene", 5); len(hits) != 1 {
		t.Fatal("patient lost after compaction")
	}
}

func TestUnlockAsksForTheKeyFileWhenTheVaultHasOne(t *testing.T) {
	p := lockedPractice(t)
	if err := p.Unlock([]byte(pass)); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 64)
	for i := range key {
		key[i] = byte(i * 7)
	}
	path := t.TempDir() + "/cabinet.key"
	if err := os.WriteFile(path, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.SetKeyFile([]byte(pass), key); err != nil {
		t.Fatal(err)
	}
	p.Lock()
	u := newUI(t, p, Options{})
	if u.unlock.keyFile == nil {
		t.Fatal("no key file field on the unlock screen")
	}
	unlock(t, u, pass)
	if u.main != nil || !strings.Contains(u.unlock.status.Text, "fichier clé") {
		t.Fatalf("unlocked without the key file (status %q)", u.unlock.status.Text)
	}
	u.unlock.keyFile.SetText(path)
	u.unlock.pass.SetText("")
	unlock(t, u, pass)
	if u.main == nil {
		t.Fatalf("the key file and passphrase did not unlock: %q", u.unlock.status.Text)
	}
}

func TestSettingsMakeAndDropTheKeyFile(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	v := u.main.settings
	path := t.TempDir() + "/cabinet.key"
	if err := v.makeKeyFile([]byte("wrong passphrase"), path); err == nil {
		t.Fatal("a wrong passphrase set a key file")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a refused change left a key file behind")
	}
	if err := v.makeKeyFile([]byte(pass), path); err != nil {
		t.Fatal(err)
	}
	if !p.NeedsKeyFile() {
		t.Fatal("the vault does not require the key file")
	}
	p.Lock()
	if err := p.Unlock([]byte(pass)); err == nil {
		t.Fatal("unlocked without the key file")
	}
	key, _ := os.ReadFile(path)
	if err := p.UnlockWith([]byte(pass), key); err != nil {
		t.Fatalf("passphrase and key file: %v", err)
	}
}

func TestUnlockWithTheCard(t *testing.T) {
	module := softhsm.New(t)
	p := lockedPractice(t)
	if err := p.Unlock([]byte(pass)); err != nil {
		t.Fatal(err)
	}
	challenge := store.NewTokenChallenge()
	sig, err := token.Sign(module, []byte(softhsm.PIN), challenge)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetToken([]byte(pass), challenge, sig); err != nil {
		t.Fatal(err)
	}
	p.Lock()
	u := newUI(t, p, Options{PKCS11Module: module})
	if u.unlock.module == nil || u.unlock.module.Text != module {
		t.Fatal("no card fields on the unlock screen")
	}
	u.unlock.pin.SetText("000000")
	unlock(t, u, pass)
	if u.main != nil || !strings.Contains(u.unlock.status.Text, "PIN") {
		t.Fatalf("a wrong PIN: status %q", u.unlock.status.Text)
	}
	u.unlock.pass.SetText("")
	u.unlock.pin.SetText(softhsm.PIN)
	unlock(t, u, pass)
	if u.main == nil {
		t.Fatalf("card and passphrase did not unlock: %q", u.unlock.status.Text)
	}
}
