package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

func TestAgendaBookMoveCancelAndExport(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	v := u.main.agenda
	helene, jean := search(t, u, "helene"), search(t, u, "jean")
	day := time.Now().AddDate(0, 0, 3).Format("02/01/2006")
	if warn, err := v.book(helene, day, "09:00", 30, "Suivi"); err != nil || warn != "" {
		t.Fatalf("book: %q %v", warn, err)
	}
	warn, err := v.book(jean, day, "09:15", 30, "Bilan")
	if err != nil || !strings.Contains(warn, "chevauche") {
		t.Fatalf("overlap not reported: %q %v", warn, err)
	}
	if len(v.entries) != 2 || len(v.conflict) != 2 || !strings.Contains(v.status.Text, "chevauchent") {
		t.Fatalf("day view %+v %v", v.entries, v.conflict)
	}
	if _, err := v.book("", day, "10:00", 30, ""); err == nil {
		t.Error("appointment without a patient")
	}
	if _, err := v.book(helene, "32/13/2026", "10:00", 30, ""); err == nil {
		t.Error("impossible date accepted")
	}
	// Move Jean to 10:00: no more overlap.
	v.list.Select(1)
	if err := v.moveTo(day, "10:00"); err != nil {
		t.Fatal(err)
	}
	if len(v.conflict) != 0 {
		t.Errorf("still overlapping after the move: %v", v.conflict)
	}
	v.list.Select(0)
	v.setStatus(patient.NoShow)
	if v.entries[0].Status != patient.NoShow {
		t.Errorf("status %s", v.entries[0].Status)
	}
	v.list.Select(1)
	v.setStatus(patient.Cancelled)
	if v.entries[1].Status != patient.Cancelled || !v.done.Disabled() {
		t.Error("cancel")
	}
	// Week view holds the same day.
	v.mode.SetSelected(v.mode.Options[1])
	if len(v.entries) != 2 || !strings.Contains(v.title.Text, "Semaine") {
		t.Errorf("week view %d entries, %q", len(v.entries), v.title.Text)
	}
	u.main.open(helene)
	if u.main.record.appointments == nil || !strings.Contains(texts(u), "absent") {
		t.Error("the record does not list the patient's appointments")
	}
	dir := t.TempDir()
	path := v.exportICS(dir)
	raw, err := os.ReadFile(path)
	if err != nil || strings.Count(string(raw), "BEGIN:VEVENT") != 2 {
		t.Fatalf("ics: %v\n%s", err, raw)
	}
	for _, bad := range []string{"DUPONT", "Hélène", "MARTIN", "Suivi", "Bilan"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("ics leaks %q", bad)
		}
	}
}

// search returns the id of the first patient matching q.
func search(t *testing.T, u *UI, q string) string {
	t.Helper()
	u.main.runSearch(q)
	if len(u.main.results) == 0 {
		t.Fatalf("no patient for %q", q)
	}
	return u.main.results[0].ID
}

func TestAgendaImportsBusySlotsFromAPhone(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	v := u.main.agenda
	day := time.Now().AddDate(0, 0, 2)
	if _, err := v.book(search(t, u, "helene"), day.Format("02/01/2006"), "14:00", 30, "Suivi"); err != nil {
		t.Fatal(err)
	}
	ymd := day.Format("20060102")
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:dentist-1\r\nDTSTART;TZID=Europe/Paris:" + ymd + "T141500\r\nDTEND;TZID=Europe/Paris:" + ymd + "T150000\r\nSUMMARY:Dentiste\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	path := filepath.Join(t.TempDir(), "phone.ics")
	os.WriteFile(path, []byte(ics), 0o600)
	v.importICS(path)
	if len(v.busy) != 1 || len(v.conflict) != 1 || !strings.Contains(v.status.Text, "1 créneau") {
		t.Fatalf("busy %+v conflicts %v status %q", v.busy, v.conflict, v.status.Text)
	}
	v.importICS(path)
	if len(v.busy) != 1 || !strings.Contains(v.status.Text, "0 créneau") {
		t.Errorf("imported twice: %+v %q", v.busy, v.status.Text)
	}
	if !strings.Contains(v.busyLine(v.busy[0]), "indisponible · Dentiste") {
		t.Errorf("busy line %q", v.busyLine(v.busy[0]))
	}
}
