package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

const pass = "correct horse battery staple"

func popts() *practice.Options {
	return &practice.Options{Store: &store.Options{KDF: &store.TestKDF}}
}

// lockedPractice is a vault with Hélène (two consultations) and Jean,
// closed and reopened locked, as the GUI finds it at start.
func lockedPractice(t *testing.T) *practice.Practice {
	t.Helper()
	dir := t.TempDir()
	p, _, err := practice.Create(dir, []byte(pass), popts())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h, err := p.AddPatient(ctx, patient.Patient{BirthName: "Dupont-Lefèvre", FirstNames: "Hélène", BirthDate: "1972-09-14",
		Sex: patient.Female, NIR: "272097510800177", Phone: "01 02 03 04 05"})
	if err != nil {
		t.Fatal(err)
	}
	for i, reason := range []string{"Lombalgie", "Suivi annuel"} {
		_, err := p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Reason: reason,
			Date: time.Date(2025, 3+time.Month(i), 10, 9, 0, 0, 0, time.UTC), Notes: "Amélioration nette",
			Measures: patient.Measures{Systolic: 125, Diastolic: 80}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.AddPatient(ctx, patient.Patient{BirthName: "Martin", FirstNames: "Jean", BirthDate: "1950-01-02", Sex: patient.Male}); err != nil {
		t.Fatal(err)
	}
	p.Close()
	p, err = practice.Open(dir, popts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// newUI opens the interface with slow work run synchronously, so that a
// test sees the screen that follows each action.
func newUI(t *testing.T, p *practice.Practice, o Options) *UI {
	t.Helper()
	test.NewTempApp(t)
	u := New(fyne.CurrentApp(), p, o)
	u.async = func(work func() error, done func(error)) { done(work()) }
	t.Cleanup(u.stopIdle)
	return u
}

func unlock(t *testing.T, u *UI, passphrase string) {
	t.Helper()
	if u.unlock == nil {
		t.Fatal("not on the unlock screen")
	}
	test.Type(u.unlock.pass, passphrase)
	test.Tap(u.unlock.button)
}

// texts gathers every label and entry text shown in the window.
func texts(u *UI) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.Entry:
			b.WriteString(w.Text + "\n")
		case *widget.Card:
			b.WriteString(w.Title + "\n" + w.Subtitle + "\n")
			walk(w.Content)
			return
		case *widget.Button:
			b.WriteString(w.Text + "\n")
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			if r := test.WidgetRenderer(w); r != nil {
				for _, child := range r.Objects() {
					walk(child)
				}
			}
		}
	}
	walk(u.win.Content())
	return b.String()
}

func TestWrongPassphraseSaysSoAndStaysLocked(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, "not the passphrase")
	if u.main != nil || p.Unlocked() {
		t.Fatal("a wrong passphrase opened the vault")
	}
	if got := u.unlock.status.Text; got != "Phrase de passe incorrecte." {
		t.Errorf("status = %q", got)
	}
	if u.unlock.pass.Text != "" {
		t.Error("the wrong passphrase stays in the field")
	}
}

func TestDemoHintOnlyForDemoVaults(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{DemoHint: true})
	if !strings.Contains(texts(u), "la phrase de passe est « demo »") {
		t.Errorf("demo hint missing: %q", texts(u))
	}
	u2 := newUI(t, lockedPractice(t), Options{})
	if strings.Contains(texts(u2), "demo") {
		t.Error("demo hint shown on a real vault")
	}
}

func TestUnlockSearchAndOpenARecord(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	if u.main == nil {
		t.Fatalf("still locked: %q", u.unlock.status.Text)
	}
	m := u.main
	if !strings.Contains(m.count.Text, "2 patients") {
		t.Errorf("count = %q", m.count.Text)
	}
	test.Type(m.search, "helene dup")
	if len(m.results) != 1 || m.results[0].FirstNames != "Hélène" {
		t.Fatalf("search 'helene dup' = %+v", m.results)
	}
	m.list.Select(0)
	if m.record == nil {
		t.Fatal("selecting a result does not open the record")
	}
	shown := texts(u)
	for _, want := range []string{"DUPONT-LEFÈVRE Hélène", "2 72 09 75 108 001 77", "Consultations (2)", "Lombalgie", "TA 125/80 mmHg"} {
		if !strings.Contains(shown, want) {
			t.Errorf("record does not show %q:\n%s", want, shown)
		}
	}
	if m.record.chart == nil || !strings.Contains(shown, "Évolution des mesures") || !strings.Contains(shown, "TA systolique : 125 mmHg") {
		t.Errorf("no measures chart for two blood pressures:\n%s", shown)
	}
	// Newest consultation first.
	if strings.Index(shown, "Suivi annuel") > strings.Index(shown, "Lombalgie") {
		t.Error("consultations are not newest first")
	}
	// Typing a date finds by birth date.
	m.search.SetText("")
	test.Type(m.search, "02/01/1950")
	if len(m.results) != 1 || m.results[0].BirthName != "MARTIN" && m.results[0].BirthName != "Martin" {
		t.Errorf("search by date = %+v", m.results)
	}
}

func TestCreatePatientShowsErrorsUnderFieldsThenSaves(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	test.Tap(m.newBtn)
	f := m.form
	if f == nil {
		t.Fatal("no form")
	}
	test.Type(f.entries["birth_name"], "Lefèvre")
	test.Type(f.entries["first_names"], "Zoé")
	test.Type(f.entries["birth_date"], "31/02/1990")
	test.Type(f.entries["nir"], "2 90 02 75 056 123 00")
	test.Tap(f.save)
	if m.form != f || m.record != nil {
		t.Fatal("an invalid patient was saved")
	}
	if e := f.errs["birth_date"]; !e.Visible() || !strings.Contains(e.Text, "Date de naissance invalide") {
		t.Errorf("birth date error = %q (visible %v)", e.Text, e.Visible())
	}
	if e := f.errs["nir"]; !e.Visible() || !strings.Contains(e.Text, "clé du NIR") {
		t.Errorf("NIR error = %q", e.Text)
	}
	if e := f.errs["birth_name"]; e.Visible() {
		t.Errorf("error shown under a good field: %q", e.Text)
	}
	if p.PatientCount() != 2 {
		t.Fatalf("%d patients after a refused save", p.PatientCount())
	}
	f.entries["birth_date"].SetText("")
	test.Type(f.entries["birth_date"], "28/02/1990")
	f.entries["nir"].SetText("")
	test.Tap(f.save)
	if m.record == nil {
		t.Fatalf("valid patient not saved: %q / %q", f.status.Text, texts(u))
	}
	if got := m.record.patient; got.BirthName != "LEFÈVRE" && got.BirthName != "Lefèvre" || got.BirthDate != "1990-02-28" {
		t.Errorf("saved %+v", got)
	}
	if p.PatientCount() != 3 {
		t.Errorf("%d patients after saving one", p.PatientCount())
	}
	test.Type(m.search, "zoe")
	if len(m.results) != 1 {
		t.Errorf("new patient not found by search: %+v", m.results)
	}
}

func TestEditPatientKeepsChanges(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	test.Type(m.search, "martin")
	m.list.Select(0)
	test.Tap(m.record.editBtn)
	f := m.form
	if f == nil || f.entries["birth_name"].Text == "" {
		t.Fatal("edit form not filled")
	}
	f.entries["phone"].SetText("06 11 22 33 44")
	test.Tap(f.save)
	if m.record == nil || m.record.patient.Phone != "06 11 22 33 44" {
		t.Fatalf("edit not saved: %+v", m.record)
	}
	again, err := p.Patient(context.Background(), m.record.patient.ID)
	if err != nil || again.Phone != "06 11 22 33 44" {
		t.Fatalf("vault has %q, %v", again.Phone, err)
	}
	if shown := texts(u); !strings.Contains(shown, "Historique des modifications") || !strings.Contains(shown, "modifié : téléphone") {
		t.Errorf("change history not shown:\n%s", shown)
	}
}

func TestCancelWithoutChangesLeavesAtOnce(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	test.Tap(m.newBtn)
	test.Tap(m.form.cancel)
	if m.form != nil {
		t.Fatal("cancel on an untouched form does not leave it")
	}
	test.Tap(m.newBtn)
	test.Type(m.form.entries["birth_name"], "Durand")
	test.Tap(m.form.cancel)
	if m.form == nil {
		t.Fatal("cancel dropped typed text without asking")
	}
}

func TestLockDropsPatientScreens(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	test.Type(u.main.search, "helene")
	u.main.list.Select(0)
	test.Tap(u.main.lockBtn)
	if p.Unlocked() || u.main != nil || u.unlock == nil {
		t.Fatal("lock button does not lock")
	}
	if shown := texts(u); strings.Contains(shown, "Hélène") || strings.Contains(shown, "DUPONT") {
		t.Errorf("patient data still on screen after lock:\n%s", shown)
	}
	unlock(t, u, pass)
	if u.main == nil || u.main.search.Text != "" {
		t.Fatal("unlock after lock does not bring back a fresh main screen")
	}
}

func TestIdleLock(t *testing.T) {
	p := lockedPractice(t)
	locked := make(chan struct{})
	u := newUI(t, p, Options{IdleLock: 50 * time.Millisecond})
	calls := onTestGoroutine(u)
	p.OnLock(func() { close(locked) })
	unlock(t, u, pass)
	pumpUntil(t, calls, locked, "vault still unlocked 10 s after a 50 ms idle timeout")
	if u.unlock == nil || u.main != nil {
		t.Error("idle lock did not return to the unlock screen")
	}
}

func TestEnglishInterface(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{Lang: msg.EN})
	unlock(t, u, "wrong one")
	if u.unlock.status.Text != "Wrong passphrase." {
		t.Errorf("status = %q", u.unlock.status.Text)
	}
	if u.unlock.button.Text != "Unlock" {
		t.Errorf("button = %q", u.unlock.button.Text)
	}
}

func TestFirstRunCreatesTheVaultAndShowsTheRecoveryKeyOnce(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir() + "/vault"
	var got *practice.Practice
	s := NewSetup(fyne.CurrentApp(), dir, Options{Practice: popts()}, func(p *practice.Practice) { got = p })
	s.async = func(work func() error, done func(error)) { done(work()) }
	test.Type(s.pass, "short")
	test.Type(s.confirm, "short")
	test.Tap(s.create)
	if store.Exists(dir) || !strings.Contains(s.status.Text, "12") {
		t.Fatalf("weak passphrase accepted (status %q)", s.status.Text)
	}
	s.pass.SetText("")
	s.confirm.SetText("")
	test.Type(s.pass, pass)
	test.Type(s.confirm, pass+"x")
	test.Tap(s.create)
	if store.Exists(dir) {
		t.Fatal("mismatched confirmation accepted")
	}
	s.confirm.SetText(pass)
	test.Tap(s.create)
	if !store.Exists(dir) {
		t.Fatalf("vault not created: %q", s.status.Text)
	}
	key := s.key.Text
	if len(key) != 39 || !s.key.Visible() {
		t.Fatalf("recovery key shown = %q", key)
	}
	if !s.cont.Disabled() {
		t.Error("can continue before confirming the key is noted")
	}
	pdf := filepath.Join(t.TempDir(), "key.pdf")
	if err := s.saveKeyPDF(pdf); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(pdf); !strings.HasPrefix(string(raw), "%PDF") {
		t.Error("recovery key PDF not written")
	}
	test.Tap(s.noted)
	test.Tap(s.cont)
	// The practitioner's profile, with the RPPS checked as typed.
	test.Type(s.profile["name"], "Dr Claire Martin")
	test.Type(s.profile["rpps"], "10000000008")
	if !strings.Contains(s.warnings.Text, "clé du RPPS") {
		t.Errorf("RPPS key not warned: %q", s.warnings.Text)
	}
	s.profile["rpps"].SetText("10000000009")
	if s.warnings.Text != "" {
		t.Errorf("valid RPPS warned: %q", s.warnings.Text)
	}
	test.Tap(s.finish)
	if got == nil || !got.Unlocked() {
		t.Fatal("setup does not hand over an unlocked practice")
	}
	defer got.Close()
	if pr, _ := got.Practitioner(context.Background()); pr.Name != "Dr Claire Martin" || pr.RPPS != "10000000009" {
		t.Errorf("profile not saved: %+v", pr)
	}
	got.Lock()
	if err := got.UnlockWithRecovery(key); err != nil {
		t.Errorf("the key shown does not open the vault: %v", err)
	}
}

// The window opens at 1100×720: no screen may need more, or labels and
// buttons get cut on a laptop.
func TestEveryScreenFitsTheDefaultWindow(t *testing.T) {
	for _, lang := range []msg.Lang{msg.FR, msg.EN} {
		p := lockedPractice(t)
		u := newUI(t, p, Options{Lang: lang})
		if w := u.win.Content().MinSize().Width; w > 1100 {
			t.Errorf("%s unlock screen needs %.0f px", lang, w)
		}
		unlock(t, u, pass)
		m := u.main
		test.Type(m.search, "helene")
		m.list.Select(0)
		m.agenda.mode.SetSelected(m.agenda.mode.Options[1]) // the week's longer title
		for i, tab := range m.tabs.Items {
			if w := tab.Content.MinSize().Width; w > 1090 {
				t.Errorf("%s tab %d (%s) needs %.0f px", lang, i, tab.Text, w)
			}
		}
		if w := u.win.Content().MinSize().Width; w > 1100 {
			t.Errorf("%s main screen needs %.0f px", lang, w)
		}
	}
}

func TestHomeShowsTodayAndWhatNeedsAttention(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	if m.attention == nil || !strings.Contains(m.attention.Text, "Aucune sauvegarde") {
		t.Fatalf("no backup not flagged: %+v", m.attention)
	}
	id := search(t, u, "helene")
	ctx := context.Background()
	start := time.Now().In(practice.Paris()).Truncate(time.Hour).Add(time.Hour)
	if start.Day() != time.Now().In(practice.Paris()).Day() {
		start = start.Add(-2 * time.Hour)
	}
	if _, err := p.SaveAppointment(ctx, patient.Appointment{PatientID: id, Start: start, Duration: 30 * time.Minute, Reason: "Contrôle"}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(p.Dir(), "backups"), 0o700)
	if err := p.Backup(ctx, filepath.Join(p.Dir(), "backups", "b.vault")); err != nil {
		t.Fatal(err)
	}
	m.setDetail(m.welcome())
	if !strings.Contains(m.today.Text, "DUPONT-LEFÈVRE Hélène · Contrôle") {
		t.Errorf("today: %q", m.today.Text)
	}
	if m.attention != nil && strings.Contains(m.attention.Text, "sauvegarde") {
		t.Errorf("fresh backup still flagged: %q", m.attention.Text)
	}
}

func TestAboutShowsTheVersionToReadOutToSupport(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{Version: "1.2.3", Commit: "abc1234", Built: "2026-11-26"})
	unlock(t, u, pass)
	a := u.about()
	for _, want := range []string{"Cabinet 1.2.3", "abc1234", "2026-11-26", p.Dir()} {
		if !strings.Contains(a, want) {
			t.Errorf("about lacks %q: %q", want, a)
		}
	}
}

// onTestGoroutine makes what timers and jobs trigger run on the test's
// goroutine, through the returned channel (see pumpUntil).
func onTestGoroutine(u *UI) chan func() {
	calls := make(chan func(), 16)
	u.do = func(f func()) { calls <- f }
	return calls
}

// pumpUntil runs the queued UI calls until done is signalled.
func pumpUntil(t *testing.T, calls chan func(), done <-chan struct{}, timeout string) {
	t.Helper()
	wait := time.After(10 * time.Second)
	for {
		select {
		case fn := <-calls:
			fn()
		case <-done:
			return
		case <-wait:
			t.Fatal(timeout)
		}
	}
}
