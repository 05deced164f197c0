package msg

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

func TestErrorsAreWordedForThePractitioner(t *testing.T) {
	cases := []struct {
		err    error
		fr, en string
	}{
		{fmt.Errorf("commit: %w: file too large", store.ErrDiskFull), "disque est plein", "disk is full"},
		{fmt.Errorf("unlock: %w", store.ErrWrongPassphrase), "Phrase de passe incorrecte", "Wrong passphrase"},
		{fmt.Errorf("open: %w", store.ErrAlreadyOpen), "déjà ouvert", "already open"},
		{&store.CorruptError{Where: "bucket x", Why: "value does not authenticate"}, "endommagé", "damaged"},
		{patient.ValidationErrors{{Field: "nir", FR: "Clé du NIR fausse.", EN: "Bad NIR key."}}, "Clé du NIR fausse.", "Bad NIR key."},
		{New("Texte", "Text"), "Texte", "Text"},
	}
	for _, c := range cases {
		if got := Text(c.err, FR); !strings.Contains(got, c.fr) {
			t.Errorf("FR %v: %q", c.err, got)
		}
		if got := Text(c.err, EN); !strings.Contains(got, c.en) {
			t.Errorf("EN %v: %q", c.err, got)
		}
	}
	if Text(nil, FR) != "" {
		t.Error("nil error worded")
	}
}
