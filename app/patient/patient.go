package patient

import "time"

// Sex as recorded on the identity document: "F", "M", or "" when unknown.
type Sex string

const (
	Female  Sex = "F"
	Male    Sex = "M"
	Unknown Sex = ""
)

// Patient is a person the practitioner cares for. Dates of birth are civil
// dates (no time zone): they are kept as "YYYY-MM-DD" strings.
type Patient struct {
	ID         string `json:"id"`
	BirthName  string `json:"birth_name"`            // nom de naissance
	UsedName   string `json:"used_name,omitempty"`   // nom d'usage
	FirstNames string `json:"first_names"`           // prénoms de naissance, space separated
	BirthDate  string `json:"birth_date"`            // YYYY-MM-DD
	Sex        Sex    `json:"sex,omitempty"`         //
	BirthPlace string `json:"birth_place,omitempty"` // INSEE code, 5 characters, 99xxx abroad
	NIR        string `json:"nir,omitempty"`         // 15 characters, no spaces
	Address    string `json:"address,omitempty"`     // free text, several lines
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	Notes      string `json:"notes,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Consultation is one encounter with a patient.
type Consultation struct {
	ID           string    `json:"id"`
	PatientID    string    `json:"patient_id"`
	Date         time.Time `json:"date"` // UTC; shown in Europe/Paris
	Reason       string    `json:"reason"`
	Notes        string    `json:"notes,omitempty"`        // clinical notes
	Observations string    `json:"observations,omitempty"` // free-form
	Measures     Measures  `json:"measures"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// Measures recorded during a consultation. Zero means "not recorded".
// Integers avoid floating point: height in millimetres, weight in grams,
// blood pressure in mmHg.
type Measures struct {
	HeightMM  int `json:"height_mm,omitempty"`
	WeightG   int `json:"weight_g,omitempty"`
	Systolic  int `json:"systolic,omitempty"`
	Diastolic int `json:"diastolic,omitempty"`
	PulseBPM  int `json:"pulse_bpm,omitempty"`
}

// AppointmentStatus is where an appointment stands.
type AppointmentStatus string

const (
	Booked    AppointmentStatus = "booked"
	Done      AppointmentStatus = "done"
	Cancelled AppointmentStatus = "cancelled"
	NoShow    AppointmentStatus = "no-show"
)

// Appointment is a booked slot, linked to a patient.
type Appointment struct {
	ID        string            `json:"id"`
	PatientID string            `json:"patient_id"`
	Start     time.Time         `json:"start"` // UTC
	Duration  time.Duration     `json:"duration"`
	Reason    string            `json:"reason,omitempty"`
	Status    AppointmentStatus `json:"status"`
	Created   time.Time         `json:"created"`
	Updated   time.Time         `json:"updated"`
}
