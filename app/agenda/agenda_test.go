package agenda

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func at(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, paris) }

func TestConflictsIgnoreCancelled(t *testing.T) {
	as := []patient.Appointment{
		{ID: "a", Start: at(9, 0), Duration: 30 * time.Minute},
		{ID: "b", Start: at(9, 15), Duration: 30 * time.Minute},
		{ID: "c", Start: at(10, 0), Duration: 15 * time.Minute},
		{ID: "d", Start: at(10, 0), Duration: 15 * time.Minute, Status: patient.Cancelled},
		{ID: "e", Start: at(10, 15), Duration: 15 * time.Minute},
	}
	got := Conflicts(as)
	if !got["a"] || !got["b"] || got["c"] || got["d"] || got["e"] {
		t.Errorf("conflicts %v", got)
	}
}

func TestICSRoundTripWithoutHealthData(t *testing.T) {
	es := []Entry{
		{Appointment: patient.Appointment{ID: "id1", Start: at(9, 0), Duration: 45 * time.Minute, Reason: "Dépression sévère"}, PatientName: "DUPONT Hélène"},
		{Appointment: patient.Appointment{ID: "id2", Start: at(11, 30), Duration: 15 * time.Minute, Status: patient.Cancelled}, PatientName: "MARTIN Jean"},
	}
	var b bytes.Buffer
	if err := WriteICS(&b, es, ICSOptions{}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, bad := range []string{"Dépression", "DUPONT", "MARTIN"} {
		if strings.Contains(s, bad) {
			t.Errorf("export leaks %q", bad)
		}
	}
	for _, l := range strings.Split(s, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
	}
	evs, err := ReadICS(strings.NewReader(s), paris)
	if err != nil || len(evs) != 2 {
		t.Fatalf("read back: %v %+v", err, evs)
	}
	if !evs[0].Start.Equal(at(9, 0)) || !evs[0].End.Equal(at(9, 45)) || evs[0].Summary != "Rendez-vous" || evs[0].UID != "id1@cabinet" {
		t.Errorf("event %+v", evs[0])
	}
	var named bytes.Buffer
	WriteICS(&named, es[:1], ICSOptions{Names: true, Title: "Consultation, cabinet"})
	if evs, _ := ReadICS(&named, paris); len(evs) != 1 || evs[0].Summary != "Consultation, cabinet — DUPONT Hélène" {
		t.Errorf("named export %+v", evs)
	}
}

func TestReadICSFromAPhoneCalendar(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Paris:20260302T140000\r\nDTEND;TZID=Europe/Paris:20260302T143000\r\nSUMMARY:Réunion\\, bureau\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260303\r\nSUMMARY:Congés\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20260304T080000\r\nSUMMARY:Flottant\r\n  suite\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	evs, err := ReadICS(strings.NewReader(in), paris)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%v %+v", err, evs)
	}
	if !evs[0].Start.Equal(at(14, 0)) || evs[0].Summary != "Réunion, bureau" || evs[1].Summary != "Flottant suite" || evs[1].End.Sub(evs[1].Start) != 30*time.Minute {
		t.Errorf("%+v", evs)
	}
	if _, err := ReadICS(strings.NewReader("hello"), paris); err == nil {
		t.Error("not an ics accepted")
	}
	if _, err := ReadICS(strings.NewReader("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026-03-02\nEND:VEVENT\n"), paris); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("bad date: %v", err)
	}
}

func FuzzReadICS(f *testing.F) {
	f.Add("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260302T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	f.Add("BEGIN:VCALENDAR\n BEGIN:VEVENT\nDTSTART;TZID=\"Nowhere\":20260302T090000\n")
	f.Fuzz(func(t *testing.T, s string) {
		evs, err := ReadICS(strings.NewReader(s), paris)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.End.Before(e.Start) {
				t.Fatalf("event ends before it starts: %+v", e)
			}
		}
	})
}

func TestBusySlotsConflict(t *testing.T) {
	as := []patient.Appointment{{ID: "a", Start: at(9, 0), Duration: 30 * time.Minute}, {ID: "b", Start: at(11, 0), Duration: 30 * time.Minute}}
	got := BusyConflicts(as, []Busy{{Start: at(9, 15), End: at(10, 0)}})
	if !got["a"] || got["b"] {
		t.Errorf("%v", got)
	}
}
