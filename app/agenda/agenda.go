// Package agenda is the calendar side of the practice: conflicts between
// appointments, and iCalendar (RFC 5545) export and import so that the
// practitioner can see their agenda on a phone. Exports carry times and
// a neutral title only, never health data, unless asked otherwise.
package agenda

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

// Entry is an appointment with the name to show for it.
type Entry struct {
	patient.Appointment
	PatientName string `json:"patient_name"`
}

// End is when the appointment ends.
func End(a patient.Appointment) time.Time { return a.Start.Add(a.Duration) }

// Conflicts returns the ids of booked appointments that overlap another
// booked one.
func Conflicts(as []patient.Appointment) map[string]bool {
	live := slices.DeleteFunc(slices.Clone(as), func(a patient.Appointment) bool { return a.Status == patient.Cancelled })
	slices.SortFunc(live, func(a, b patient.Appointment) int { return a.Start.Compare(b.Start) })
	out := map[string]bool{}
	var latest time.Time
	var latestID string
	for i, a := range live {
		if i > 0 && a.Start.Before(latest) {
			out[a.ID], out[latestID] = true, true
		}
		if e := End(a); e.After(latest) {
			latest, latestID = e, a.ID
		}
	}
	return out
}

// Busy is a slot taken by something else than a patient (imported from
// another calendar).
type Busy struct {
	UID   string    `json:"uid"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Title string    `json:"title"`
}

// BusyConflicts returns the ids of booked appointments that overlap a
// busy slot.
func BusyConflicts(as []patient.Appointment, busy []Busy) map[string]bool {
	out := map[string]bool{}
	for _, a := range as {
		if a.Status == patient.Cancelled {
			continue
		}
		for _, b := range busy {
			if a.Start.Before(b.End) && b.Start.Before(End(a)) {
				out[a.ID] = true
			}
		}
	}
	return out
}

// ICSOptions shape an export.
type ICSOptions struct {
	Title string // the neutral title of every event, default "Rendez-vous"
	Names bool   // put the patient's name in the title (the practitioner's explicit choice)
	Now   time.Time
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// fold writes a content line folded at 75 octets, as RFC 5545 asks.
func fold(w *bufio.Writer, line string) {
	for len(line) > 75 {
		cut := 75
		for cut > 0 && line[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		w.WriteString(line[:cut] + "\r\n ")
		line = line[cut:]
	}
	w.WriteString(line + "\r\n")
}

const icsTime = "20060102T150405Z"

// WriteICS writes the entries as an iCalendar file. Cancelled
// appointments are exported as cancelled events.
func WriteICS(w io.Writer, es []Entry, o ICSOptions) error {
	if o.Title == "" {
		o.Title = "Rendez-vous"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	bw := bufio.NewWriter(w)
	fold(bw, "BEGIN:VCALENDAR")
	fold(bw, "VERSION:2.0")
	fold(bw, "PRODID:-//Cabinet//Agenda//FR")
	fold(bw, "CALSCALE:GREGORIAN")
	for _, e := range es {
		title := o.Title
		if o.Names && e.PatientName != "" {
			title += " — " + e.PatientName
		}
		fold(bw, "BEGIN:VEVENT")
		fold(bw, "UID:"+e.ID+"@cabinet")
		fold(bw, "DTSTAMP:"+o.Now.UTC().Format(icsTime))
		fold(bw, "DTSTART:"+e.Start.UTC().Format(icsTime))
		fold(bw, "DTEND:"+End(e.Appointment).UTC().Format(icsTime))
		fold(bw, "SUMMARY:"+escape(title))
		if e.Status == patient.Cancelled {
			fold(bw, "STATUS:CANCELLED")
		} else {
			fold(bw, "STATUS:CONFIRMED")
		}
		fold(bw, "END:VEVENT")
	}
	fold(bw, "END:VCALENDAR")
	return bw.Flush()
}

// Event is an event read from an iCalendar file.
type Event struct {
	UID     string
	Start   time.Time
	End     time.Time
	Summary string
}

// UnfoldLines reads the content lines of an iCalendar or vCard file,
// joining folded lines (a line starting with a space or tab continues the
// previous one: RFC 5545 §3.1, RFC 6350 §3.2).
func UnfoldLines(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var lines []string
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// maxEvents bounds an import.
const maxEvents = 100_000

// ReadICS reads the VEVENTs of an iCalendar file: UTC, floating (read in
// loc) and TZID=Europe/Paris times, and all-day events are skipped.
// Lines are unfolded. It returns an error naming the first bad line.
func ReadICS(r io.Reader, loc *time.Location) ([]Event, error) {
	lines, err := UnfoldLines(r)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 || !strings.EqualFold(strings.TrimSpace(lines[0]), "BEGIN:VCALENDAR") {
		return nil, fmt.Errorf("not an iCalendar file: it must start with BEGIN:VCALENDAR")
	}
	var out []Event
	var cur *Event
	allDay := false
	for n, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		prop, params, _ := strings.Cut(name, ";")
		switch strings.ToUpper(prop) {
		case "BEGIN":
			if strings.EqualFold(value, "VEVENT") {
				cur, allDay = &Event{}, false
			}
		case "END":
			if strings.EqualFold(value, "VEVENT") && cur != nil {
				if !allDay && !cur.Start.IsZero() {
					if cur.End.IsZero() || cur.End.Before(cur.Start) {
						cur.End = cur.Start.Add(30 * time.Minute)
					}
					out = append(out, *cur)
					if len(out) > maxEvents {
						return nil, fmt.Errorf("more than %d events", maxEvents)
					}
				}
				cur = nil
			}
		case "UID", "SUMMARY", "DTSTART", "DTEND":
			if cur == nil {
				continue
			}
			switch strings.ToUpper(prop) {
			case "UID":
				cur.UID = value
			case "SUMMARY":
				cur.Summary = strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(value)
			default:
				if strings.Contains(strings.ToUpper(params), "VALUE=DATE") && !strings.Contains(value, "T") {
					allDay = true
					continue
				}
				t, err := parseTime(value, params, loc)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", n+1, prop, err)
				}
				if strings.EqualFold(prop, "DTSTART") {
					cur.Start = t
				} else {
					cur.End = t
				}
			}
		}
	}
	return out, nil
}

func parseTime(v, params string, loc *time.Location) (time.Time, error) {
	if strings.HasSuffix(v, "Z") {
		return time.Parse(icsTime, v)
	}
	if i := strings.Index(strings.ToUpper(params), "TZID="); i >= 0 {
		name := params[i+5:]
		if j := strings.IndexByte(name, ';'); j >= 0 {
			name = name[:j]
		}
		if l, err := time.LoadLocation(strings.Trim(name, `"`)); err == nil {
			loc = l
		}
	}
	if len(v) == 8 {
		return time.ParseInLocation("20060102", v, loc)
	}
	return time.ParseInLocation("20060102T150405", v, loc)
}
